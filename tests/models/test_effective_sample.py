"""Kish's effective sample size of clustered errors and the Student's t widening it asks for."""

import numpy as np
import pytest

from demandcast.models.effective_sample import effective_sample_size, small_sample_factor

CLUSTERS = np.repeat([0, 1, 2], 12)  # three backtest origins of twelve steps


def test_independent_errors_are_worth_about_their_number():
    sizes = [effective_sample_size(np.random.default_rng(s).normal(size=36), CLUSTERS) for s in range(50)]

    assert np.mean(sizes) > 0.8 * 36
    assert min(sizes) >= 3


def test_errors_that_share_their_origin_are_worth_about_one_each():
    rng = np.random.default_rng(0)
    shared = np.repeat(rng.normal(size=3), 12) + rng.normal(scale=0.05, size=36)

    assert 3 <= effective_sample_size(shared, CLUSTERS) < 3.5


def test_one_cluster_or_constant_values_leave_the_count():
    assert effective_sample_size(np.arange(10.0), np.zeros(10)) == 10
    assert effective_sample_size(np.zeros(36), CLUSTERS) == 36


def test_unequal_clusters_are_allowed():
    rng = np.random.default_rng(1)
    clusters = np.repeat([0, 1, 2], [12, 11, 6])
    shared = np.repeat(rng.normal(size=3), [12, 11, 6]) + rng.normal(scale=0.05, size=29)

    assert 3 <= effective_sample_size(shared, clusters) < 3.5


def test_the_factor_is_students_t_over_the_normal_quantile():
    # t tables: 1.638 (90%, 3 df) and 3.182 (97.5%, 3 df); normal 1.2816 and 1.9600
    assert small_sample_factor(3, 80) == pytest.approx(1.638 / 1.2816, rel=1e-3)
    assert small_sample_factor(3, 95) == pytest.approx(3.182 / 1.9600, rel=1e-3)


def test_the_factor_shrinks_to_one_as_the_sample_grows():
    factors = [small_sample_factor(n, 95) for n in (3, 6, 30, 300, 30000)]

    assert all(a > b for a, b in zip(factors, factors[1:], strict=False))
    assert factors[-1] == pytest.approx(1.0, abs=1e-3)
