"""The contract of accepted records, as a pandera schema: dtypes, codes and ranges.

Validation builds the accepted frame row by row; this schema is the independent statement of what
that frame promises to every later step (the panel, the models). Callers that receive records from
elsewhere can check them with ``accepted_records_schema(...).validate(frame, lazy=True)``.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd
import pandera.pandas as pa

from demandcast.catalogue import Catalogue
from demandcast.columns import (
    BIRTH_YEAR,
    CLIENT_GROUP,
    CLIENT_GROUPS,
    END_DATE,
    ETHNICITY,
    PACKAGE_ID,
    PERSON_ID,
    PRIMARY_SUPPORT_REASON,
    PROVIDER_ID,
    SERVICE,
    SEX,
    START_DATE,
    UNIT_COST,
    UNIT_TYPE,
    UNITS_PER_WEEK,
    WARD_CODE,
    WEEKLY_COST,
)
from demandcast.data.parsing import DATE_DTYPE

ROW_NUMBER = "row_number"
"""The 1-based data row of the input (row 1 is the line after a CSV header); accepted frames' index."""


def accepted_records_schema(
    wards: Collection[str] | None = None, catalogue: Catalogue | None = None
) -> pa.DataFrameSchema:
    """The schema accepted records satisfy; ward and service codes are checked when given."""
    ward_checks = [pa.Check.isin(sorted(wards))] if wards is not None else []
    service_checks = [pa.Check.isin(list(catalogue.codes))] if catalogue is not None else []
    return pa.DataFrameSchema(
        {
            PERSON_ID: pa.Column(str, pa.Check.str_length(min_value=1)),
            WARD_CODE: pa.Column(str, ward_checks),
            CLIENT_GROUP: pa.Column(str, pa.Check.isin(list(CLIENT_GROUPS))),
            SERVICE: pa.Column(str, service_checks),
            START_DATE: pa.Column(DATE_DTYPE),
            END_DATE: pa.Column(DATE_DTYPE, nullable=True),
            WEEKLY_COST: pa.Column("float64", pa.Check.in_range(0, float("inf"), include_max=False)),
            **_optional_columns(),
        },
        checks=[pa.Check(_ends_on_or_after_start, name="end_date on or after start_date")],
        index=pa.Index(int, name=ROW_NUMBER, unique=True),
        strict=True,
    )


def _optional_columns() -> dict[str, pa.Column]:
    text = {name: pa.Column(str, nullable=True, required=False) for name in _OPTIONAL_TEXT}
    non_negative = pa.Check.in_range(0, float("inf"), include_max=False)
    return {
        **text,
        BIRTH_YEAR: pa.Column("Int64", pa.Check.ge(1900), nullable=True, required=False),
        UNIT_COST: pa.Column("float64", non_negative, nullable=True, required=False),
        UNITS_PER_WEEK: pa.Column("float64", non_negative, nullable=True, required=False),
    }


_OPTIONAL_TEXT = (PACKAGE_ID, PROVIDER_ID, SEX, ETHNICITY, PRIMARY_SUPPORT_REASON, UNIT_TYPE)


def _ends_on_or_after_start(frame: pd.DataFrame) -> pd.Series:
    return frame[END_DATE].isna() | (frame[END_DATE] >= frame[START_DATE])
