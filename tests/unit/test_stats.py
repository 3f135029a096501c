from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.metrics.stats import median_ci, quantile_ci, quantile_difference_ci, share, wilson_interval

pytestmark = pytest.mark.unit


def test_quantile_matches_the_documented_example() -> None:
    # docs/metrics.md §0: numpy and DuckDB quantile_cont both give 50.3 for q = 0.9 on this list
    est = quantile_ci([1, 2, 3, 4, 10, 50, 51, 7], 0.9)
    assert est.value == pytest.approx(50.3)
    assert est.n == 8
    assert not est.sufficient  # n < 10


def test_interval_brackets_the_median_and_is_reproducible() -> None:
    data = np.random.default_rng(1).lognormal(4, 1, 200)
    a, b = median_ci(data), median_ci(data)
    assert a == b  # fixed seed
    assert a.low is not None and a.high is not None
    assert a.low <= a.value <= a.high
    assert a.value == pytest.approx(float(np.median(data)))


def test_degenerate_and_empty_inputs() -> None:
    assert quantile_ci([], 0.5).value is None
    single = quantile_ci([5.0], 0.5)
    assert (single.value, single.low, single.high, single.n) == (5.0, None, None, 1)
    constant = quantile_ci([3.0] * 12, 0.5)
    assert (constant.value, constant.low, constant.high) == (3.0, 3.0, 3.0)
    assert quantile_ci([1.0, float("nan"), float("inf"), 3.0], 0.5).value == 2.0


def test_difference_of_medians_excludes_zero_only_for_a_real_shift() -> None:
    rng = np.random.default_rng(2)
    base = rng.normal(100, 10, 300)
    shifted = quantile_difference_ci(base + 30, base)
    assert shifted.low is not None and shifted.low > 0
    same = quantile_difference_ci(rng.normal(100, 10, 300), rng.normal(100, 10, 300))
    assert same.low is not None and same.high is not None and same.low < 0 < same.high


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=60), st.floats(0, 1))
def test_point_estimate_is_numpys_linear_quantile(values: list[float], q: float) -> None:
    est = quantile_ci(values, q, resamples=199)
    assert est.value == pytest.approx(float(np.quantile(values, q)), rel=1e-12, abs=1e-9)


def test_share_and_wilson() -> None:
    assert share(1, 4) == 0.25
    assert share(1, 0) is None
    low, high = wilson_interval(0, 10)  # type: ignore[misc]
    assert low == pytest.approx(0.0, abs=1e-12) and 0.27 < high < 0.28
