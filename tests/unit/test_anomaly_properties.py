"""Property tests of the cost-anomaly core: any input — NaN, ±inf, huge, negative, constant, short —
gives no crash, finite impacts, and ordered, non-overlapping events on judged days only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from analytics.anomalies import cost as ca
from analytics.anomalies._seasonal import events_of, scan_daily
from analytics.anomalies.counts import count_anomalies

pytestmark = pytest.mark.unit

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.sampled_from([0.0, 100.0, -50.0, np.nan]),
)
matrices = hnp.arrays(np.float64, st.tuples(st.integers(0, 130), st.integers(1, 3)), elements=values)


def _weekly_with_noise(draw_noise: np.ndarray) -> np.ndarray:
    days = draw_noise.shape[0]
    return np.tile([100.0, 100, 100, 100, 100, 60, 60], days // 7 + 1)[:days] + draw_noise


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrices)
def test_any_input_gives_finite_impacts_and_ordered_non_overlapping_events(x: np.ndarray) -> None:
    scan = scan_daily(x)
    events = events_of(scan)
    assert scan.flag.shape == x.shape
    assert not scan.flag[~np.isfinite(x)].any()  # missing or infinite days are never flagged
    numeric = events[["actual", "expected", "expected_low", "expected_high", "impact", "score"]].to_numpy(float)
    assert np.isfinite(numeric).all()
    for _, mine in events.groupby("series"):
        starts, ends = mine["start"].to_numpy(), mine["end"].to_numpy()
        assert (starts <= ends).all()
        assert (np.diff(starts) > 0).all() and (starts[1:] > ends[:-1]).all()
    for j, reason in enumerate(scan.reasons):
        if reason is not None:
            assert not scan.flag[:, j].any()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hnp.arrays(np.float64, st.integers(60, 140), elements=st.floats(-3.0, 3.0)), st.integers(30, 59))
def test_the_scan_is_causal(noise: np.ndarray, cut: int) -> None:
    x = _weekly_with_noise(noise)
    full, part = scan_daily(x), scan_daily(x[:cut])
    np.testing.assert_array_equal(full.flag[:cut], part.flag)
    np.testing.assert_allclose(full.expected[:cut], part.expected, equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(-3, 40), st.just(float("nan"))), max_size=60))
def test_counts_never_crash_and_events_are_ordered(counts: list[float]) -> None:
    events = count_anomalies(counts)
    assert (events["start"] <= events["end"]).all()
    assert (events["start"].to_numpy()[1:] > events["end"].to_numpy()[:-1]).all()
    assert ((events["p_value"] >= 0) & (events["p_value"] <= 1)).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 20),
                          st.floats(-1e4, 1e4)), min_size=1, max_size=40),
       st.floats(-1e4, 1e4))
def test_contributions_always_sum_to_the_parent_change(rows: list[tuple[str, int, float]], expected: float) -> None:
    from datetime import date, timedelta

    day0 = date(2026, 1, 1)
    kids = pd.DataFrame({"member": [r[0] for r in rows], "day": [day0 + timedelta(days=r[1]) for r in rows],
                         "cost": [r[2] for r in rows]})
    start = day0 + timedelta(days=14)
    window = {start + timedelta(days=i): expected for i in range(7)}
    out = ca.contributions(kids, window, start=start, end=start + timedelta(days=6), baseline_days=14)
    actual = kids[(kids["day"] >= start) & (kids["day"] <= start + timedelta(days=6))]["cost"].sum()
    assert out["delta"].sum() == pytest.approx(actual - 7 * expected, abs=1e-6 * (1 + abs(actual) + 7 * abs(expected)))
