"""The cost-anomaly detection core on constructed series: exact windows, impacts and reasons."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.anomalies._seasonal import SeasonalSettings, events_of, median_last, scan_daily
from analytics.errors import ParameterError

pytestmark = pytest.mark.unit

WEEK = np.array([100.0, 100.0, 100.0, 100.0, 100.0, 60.0, 60.0])


def weekly(days: int, *, noise: float = 0.0, seed: int = 1, week: np.ndarray = WEEK) -> np.ndarray:
    """A weekday/weekend series, optionally with multiplicative Gaussian noise."""
    x = np.tile(week, days // 7 + 1)[:days].copy()
    if noise:
        x *= 1 + np.random.default_rng(seed).normal(0, noise, days)
    return x


def test_spike_on_weekly_series_is_one_event_with_the_exact_window_and_impact() -> None:
    x = weekly(140)
    x[100:102] += 200.0  # two days (a Wednesday-like and Thursday-like day of the pattern)
    scan = scan_daily(x)
    events = events_of(scan)
    assert len(events) == 1
    event = events.iloc[0]
    assert (event["start"], event["end"], event["direction"], event["flagged_days"]) == (100, 101, "increase", 2)
    assert event["expected"] == pytest.approx(200.0)
    assert event["impact"] == pytest.approx(400.0)
    assert event["impact_pct"] == pytest.approx(2.0)
    assert not event["ongoing"]


def test_spike_on_a_noisy_weekly_series_is_found_with_its_window_and_impact_within_5_percent() -> None:
    x = weekly(150, noise=0.02, seed=3)
    x[120:123] += 150.0
    events = events_of(scan_daily(x))
    assert events[["start", "end", "direction"]].values.tolist() == [[120, 122, "increase"]]
    assert events.iloc[0]["impact"] == pytest.approx(450.0, rel=0.05)


def test_a_monday_peak_is_not_an_anomaly() -> None:
    peak = np.array([300.0, 100.0, 100.0, 100.0, 100.0, 80.0, 80.0])
    scan = scan_daily(weekly(182, noise=0.02, seed=5, week=peak))
    assert not scan.flag.any()
    assert scan.reasons == (None,)


def test_a_level_shift_is_one_ongoing_event_not_an_alarm_per_day() -> None:
    x = weekly(160, noise=0.01, seed=2)
    x[100:] *= 1.5
    events = events_of(scan_daily(x))
    assert len(events) == 1
    event = events.iloc[0]
    assert (event["start"], event["end"], event["flagged_days"], bool(event["ongoing"])) == (100, 159, 60, True)
    truth = (x[100:] - x[100:] / 1.5).sum()
    assert event["impact"] == pytest.approx(truth, rel=0.05)


def test_a_level_shift_longer_than_max_event_days_is_accepted_as_the_new_normal() -> None:
    x = weekly(300, noise=0.01, seed=4)
    x[100:] *= 1.5
    settings = SeasonalSettings(max_event_days=30)
    events = events_of(scan_daily(x, settings=settings))
    assert events[["start", "end"]].values.tolist() == [[100, 129]]


def test_weekend_only_drift_is_one_event() -> None:
    x = weekly(182, noise=0.01, seed=6)
    weekend = (np.arange(182) % 7 >= 5) & (np.arange(182) >= 112)
    x[weekend] += 40.0
    events = events_of(scan_daily(x))
    assert len(events) == 1
    assert events.iloc[0]["start"] == 117 and events.iloc[0]["ongoing"]
    assert events.iloc[0]["impact"] == pytest.approx(40.0 * weekend.sum(), rel=0.1)


def test_decreases_are_events_too() -> None:
    x = weekly(140)
    x[108] = 10.0  # a weekday: 10 instead of 100
    events = events_of(scan_daily(x))
    assert events[["start", "end", "direction"]].values.tolist() == [[108, 108, "decrease"]]
    assert events.iloc[0]["impact"] == pytest.approx(-90.0)


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (np.full(5, 10.0), "insufficient history: 5 day(s), needs more than 7"),
        (np.full(60, 10.0), "constant series: nothing to judge"),
        (np.zeros(60), "no spend: every day is 0"),
        (np.full(60, np.nan), "no data: every day is missing"),
        (np.r_[np.full(55, np.nan), np.ones(5)], "insufficient history: 5 day(s), needs more than 7"),
    ],
    ids=["too-short", "constant", "zeros", "all-nan", "late-and-short"],
)
def test_series_that_cannot_be_judged_have_a_reason_and_no_alarm(values: np.ndarray, reason: str) -> None:
    scan = scan_daily(values)
    assert scan.reasons == (reason,)
    assert not scan.flag.any()
    assert events_of(scan).empty


def test_missing_days_are_never_flagged_and_are_reported() -> None:
    x = weekly(140, noise=0.01)
    x[[50, 90, 91]] = np.nan
    x[120] = np.inf
    scan = scan_daily(x)
    assert not scan.flag[[50, 90, 91, 120], 0].any()
    assert scan.reasons == (None,)
    assert scan.notes == ("4 missing day(s) not judged; 1 infinite value(s) treated as missing",)
    assert np.isfinite(scan.expected[121:, 0]).all()


def test_negative_series_credits_netted_are_ordinary_values() -> None:
    x = -weekly(140, noise=0.01)
    scan = scan_daily(x)
    assert not scan.flag.any()
    assert scan.notes[0] == "140 negative day(s)"
    x[100] -= 200.0
    events = events_of(scan_daily(x))
    assert events[["start", "direction"]].values.tolist() == [[100, "decrease"]]


def test_cold_start_series_is_judged_with_a_wide_band_then_the_weekly_model() -> None:
    x = np.r_[np.full(30, np.nan), weekly(110, noise=0.01)]
    scan = scan_daily(x)
    assert np.isnan(scan.expected[:37, 0]).all()  # judged from its 7th day of history
    assert np.isfinite(scan.expected[37:, 0]).all()
    assert not scan.flag.any()
    assert scan.notes[0] == "first value on day 30: cold start"


def test_the_scan_is_causal_a_prefix_gives_the_prefix_of_the_output() -> None:
    x = weekly(150, noise=0.03, seed=9)
    x[70:75] *= 2.0
    full, part = scan_daily(x), scan_daily(x[:90])
    np.testing.assert_array_equal(full.flag[:90], part.flag)
    np.testing.assert_allclose(full.expected[:90], part.expected, equal_nan=True)


def test_many_series_are_scanned_independently() -> None:
    a, b = weekly(140, noise=0.01, seed=1), weekly(140, noise=0.01, seed=2)
    b[100] += 300.0
    together = scan_daily(np.c_[a, b, np.full(140, 5.0)])
    assert scan_daily(a).flag[:, 0].tolist() == together.flag[:, 0].tolist()
    assert events_of(together)[["series", "start"]].values.tolist() == [[1, 100]]
    assert together.reasons == (None, None, "constant series: nothing to judge")


def test_median_last_ignores_nan() -> None:
    block = np.array([[1.0, 5.0, np.nan, 3.0], [np.nan, np.nan, np.nan, np.nan]])
    assert median_last(block).tolist()[0] == 3.0
    assert np.isnan(median_last(block)[1])


@pytest.mark.parametrize(
    "bad",
    [dict(min_history_days=7), dict(cold_start_days=2), dict(level_days=30), dict(z_continue=5.0),
     dict(abs_scale_floor=0.0), dict(trend_cap=-0.1), dict(season_weeks=0)],
)
def test_nonsense_settings_are_rejected(bad: dict[str, float]) -> None:
    with pytest.raises(ParameterError):
        SeasonalSettings(**bad)  # type: ignore[arg-type]
