"""Person keys are replaced by HMAC-SHA256 pseudonyms under a secret key, never an unkeyed hash."""

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from demandcast.checks.pseudonymise import load_key, pseudonym, pseudonymise, write_new_key
from demandcast.errors import InputError

KEY = bytes(range(32))


def test_pseudonym_is_the_hmac_sha256_of_the_identifier():
    expected = hmac.new(KEY, b"9434765919", hashlib.sha256).hexdigest()
    assert pseudonym("9434765919", KEY) == expected
    assert pseudonym("9434765919", KEY) != hashlib.sha256(b"9434765919").hexdigest()


def test_spaced_and_plain_nhs_numbers_share_a_pseudonym():
    assert pseudonym("943 476 5919", KEY) == pseudonym(" 9434765919 ", KEY) == pseudonym(9434765919, KEY)


def test_pseudonymise_replaces_only_the_named_columns_and_keeps_gaps():
    records = pd.DataFrame({"person_id": ["A1", "B2", None, "A1"], "ward_code": ["E1", "E2", "E3", "E4"]})
    out = pseudonymise(records, KEY)
    assert out["ward_code"].tolist() == records["ward_code"].tolist()
    assert out["person_id"].iloc[0] == out["person_id"].iloc[3] == pseudonym("A1", KEY)
    assert pd.isna(out["person_id"].iloc[2])
    assert out["person_id"].str.len().dropna().eq(64).all()


def test_pseudonymise_never_mutates_its_input():
    records = pd.DataFrame({"person_id": ["A1", "B2"]})
    before = records.copy()
    pseudonymise(records, KEY)
    pd.testing.assert_frame_equal(records, before)


def test_different_keys_give_unlinkable_pseudonyms():
    records = pd.DataFrame({"person_id": ["A1"]})
    assert pseudonymise(records, KEY).iloc[0, 0] != pseudonymise(records, b"x" * 32).iloc[0, 0]


def test_integer_ids_read_as_floats_keep_their_digits():
    records = pd.DataFrame({"person_id": [12.0, np.nan, 7.0]})
    assert pseudonymise(records, KEY)["person_id"].iloc[0] == pseudonym("12", KEY)


def test_truncated_pseudonyms_are_prefixes():
    out = pseudonymise(pd.DataFrame({"person_id": ["A1"]}), KEY, n_hex_digits=16)
    assert out.iloc[0, 0] == pseudonym("A1", KEY)[:16]
    with pytest.raises(InputError, match="n_hex_digits=8"):
        pseudonymise(pd.DataFrame({"person_id": ["A1"]}), KEY, n_hex_digits=8)


def test_short_key_and_missing_column_are_refused():
    with pytest.raises(InputError, match="the key has 5 bytes; at least 32"):
        pseudonymise(pd.DataFrame({"person_id": ["A1"]}), b"short")
    with pytest.raises(InputError, match=r"column\(s\) \['child_id'\] not found"):
        pseudonymise(pd.DataFrame({"person_id": ["A1"]}), KEY, columns=["child_id"])


def test_load_key_refuses_missing_empty_and_short_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_key(tmp_path / "absent.key")
    (tmp_path / "empty.key").write_bytes(b"\n")
    with pytest.raises(InputError, match="empty"):
        load_key(tmp_path / "empty.key")
    (tmp_path / "short.key").write_bytes(b"x" * 31)
    with pytest.raises(InputError, match="31 bytes is too short; a key needs at least 32 bytes"):
        load_key(tmp_path / "short.key")


def test_a_new_key_loads_and_is_never_overwritten(tmp_path):
    path = write_new_key(tmp_path / "council.key")
    key = load_key(path)
    assert len(key) == 64 and load_key(path) == key
    with pytest.raises(InputError, match="already exists"):
        write_new_key(path)
