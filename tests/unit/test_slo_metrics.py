"""SLO metrics with hand-computed numbers: request-weighted compliance (not a mean of ratios), budgets
that go negative, time slices, the calendar-aligned burn-down, and the multiwindow burn-rate alerts
on a constructed SLI series where the firing times are known exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.metrics import slo as sm
from analytics.warehouse import run

pytestmark = pytest.mark.unit


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def add_slo(con: duckdb.DuckDBPyConnection, name: str, target: float, *, method: str = "Occurrences",
            slice_target: float | None = None, slice_window: str | None = None) -> None:
    run(con, "INSERT INTO slos (slo, service, target, budgeting_method, time_window, is_rolling, time_slice_target, "
             "time_slice_window, source_file_id) VALUES ($n, $n, $t, $m, '1Q', false, $st, $sw, 0)",
        {"n": name, "t": target, "m": method, "st": slice_target, "sw": slice_window})


def add_counts(con: duckdb.DuckDBPyConnection, name: str, start: str, counts: list[tuple[int, int]],
               step: timedelta = timedelta(hours=1)) -> None:
    first = ts(start)
    for i, (good, total) in enumerate(counts):
        run(con, "INSERT INTO sli VALUES ($n, $n, $s, $e, $g, $t, 0)",
            {"n": name, "s": first + i * step, "e": first + (i + 1) * step, "g": good, "t": total})


def test_compliance_is_request_weighted_and_the_budget_goes_negative(con: duckdb.DuckDBPyConnection) -> None:
    add_slo(con, "api", 0.99)
    add_counts(con, "api", "2026-07-01T00:00:00", [(990, 1000), (0, 10)])
    add_slo(con, "quiet", 0.999)
    row = sm.slo_compliance(con, "2026Q3").set_index("slo")
    api = row.loc["api"]
    assert api["compliance"] == pytest.approx(990 / 1010)  # a mean of ratios would say 0.495
    assert api["budget_consumed"] == pytest.approx((20 / 1010) / 0.01)
    assert api["error_budget_remaining"] == pytest.approx(1 - (20 / 1010) / 0.01)  # −0.98: shown, not clamped
    assert (int(api["bad"]), api["allowed_bad"], bool(api["met"])) == (20, pytest.approx(10.1), False)
    assert api["coverage"] == pytest.approx(2 / (92 * 24))
    assert pd.isna(row.loc["quiet", "compliance"]) and pd.isna(row.loc["quiet", "met"])
    assert sm.error_budget_remaining(con, "2026Q3", slo="api") == pytest.approx(-0.980198, abs=1e-6)
    assert sm.error_budget_remaining(con, "2026Q3", slo="quiet") is None


def test_intervals_belong_to_the_period_of_their_start(con: duckdb.DuckDBPyConnection) -> None:
    add_slo(con, "api", 0.99)
    add_counts(con, "api", "2026-06-30T23:00:00", [(0, 100), (100, 100)])
    assert sm.slo_compliance(con, "2026Q3")["compliance"].tolist() == [1.0]
    assert sm.slo_compliance(con, "2026Q2")["compliance"].tolist() == [0.0]


@pytest.mark.parametrize(
    ("method", "window", "expected"),
    [
        ("Timeslices", None, 2 / 3),  # hourly slices 0.995, 0.9, 1.0 against 0.99
        ("Timeslices", "2h", 1 / 2),  # 1895/2000 = 0.9475 (bad), 10/10 (good)
        ("RatioTimeslices", None, (0.995 + 0.9 + 1.0) / 3),
    ],
)
def test_time_slice_budgets(con: duckdb.DuckDBPyConnection, method: str, window: str | None, expected: float) -> None:
    add_slo(con, "gw", 0.9, method=method, slice_target=0.99, slice_window=window)
    add_counts(con, "gw", "2026-07-01T00:00:00", [(995, 1000), (900, 1000), (10, 10)])
    row = sm.slo_compliance(con, "2026Q3").iloc[0]
    assert row["compliance"] == pytest.approx(expected)


def test_budget_burn_down_is_calendar_aligned(con: duckdb.DuckDBPyConnection) -> None:
    add_slo(con, "api", 0.99)
    add_counts(con, "api", "2026-07-01T00:00:00", [(990, 1000)], step=timedelta(days=1))
    add_counts(con, "api", "2026-07-03T00:00:00", [(980, 1000)], step=timedelta(days=1))
    add_counts(con, "api", "2026-06-30T00:00:00", [(0, 1000)], step=timedelta(days=1))  # last quarter's: not counted
    burn = sm.error_budget_burn_by_day(con, "2026Q3")
    assert len(burn) == 92
    budget = 0.01 * 2000
    assert burn["budget_burned"].tolist()[:4] == pytest.approx([10 / budget, 10 / budget, 30 / budget, 30 / budget])
    assert burn["budget_burned"].iloc[-1] == pytest.approx(sm.slo_compliance(con, "2026Q3")["budget_consumed"].iloc[0])
    assert burn["even_burn"].tolist()[:3] == pytest.approx([0.5, 0.5, 1.0])


# -- windows and alerts --------------------------------------------------------------------------
def five_minute_series(bad: dict[str, int], *, day: str = "2026-07-01", total: int = 1000) -> pd.DataFrame:
    """One day of 5-minute intervals with ``total`` events each and the given bad counts (by interval start)."""
    starts = pd.date_range(f"{day}T00:00:00Z", periods=288, freq="5min")
    frame = pd.DataFrame({"interval_start": starts, "interval_end": starts + pd.Timedelta(minutes=5), "total": total})
    errors = pd.Series(0, index=starts)
    for start, count in bad.items():
        errors[pd.Timestamp(f"{day}T{start}:00Z")] = count
    frame["good"] = total - errors.to_numpy()
    return frame


def test_window_sums_count_intervals_ending_inside_the_window() -> None:
    series = five_minute_series({"10:00": 100, "10:05": 100, "10:10": 100})
    ratios = sm.error_ratios(series, timedelta(hours=1)).set_index("at")
    assert ratios.loc[pd.Timestamp("2026-07-01T10:10:00Z"), "error_ratio"] == pytest.approx(200 / 12000)
    assert ratios.loc[pd.Timestamp("2026-07-01T10:10:00Z"), "effective_minutes"] == 60
    early = ratios.loc[pd.Timestamp("2026-07-01T00:30:00Z")]  # only 6 intervals exist yet
    assert (early["total"], early["effective_minutes"]) == (6000, 30)


def test_the_fast_page_fires_exactly_when_both_windows_burn() -> None:
    """Target 99.9% (budget 0.1%), 5-minute intervals of 1,000 requests, 100 errors in each of the intervals
    ending 10:05, 10:10 and 10:15.

    14.4× needs an error ratio > 1.44% over 1 h and over 5 min: at 10:05 the hour holds 100/12,000 = 0.83%
    (no); at 10:10 200/12,000 = 1.67% and at 10:15 2.5% (yes, the 5-min window is 10% both times); at 10:20
    the 5-min window is clean. So it fires at 10:10 and stops at 10:20: 10 minutes, 2 evaluations.
    6× over 6 h / 30 min needs > 0.6%: the 6 h window peaks at 300/72,000 = 0.42%, so it never fires.
    1× over 3 d / 6 h needs > 0.1%: from 10:10 (200/122,000 = 0.16% over the day so far, 0.28% over 6 h)
    until the burst leaves the 6 h window at 16:15 — 365 minutes, 73 evaluations.
    """
    series = five_minute_series({"10:00": 100, "10:05": 100, "10:10": 100})
    alerts = sm.evaluate_alerts(series, 0.999).set_index("alert")
    assert sorted(alerts.index) == ["page 14.4× 1h/5m", "ticket 1× 3d/6h"]
    fast = alerts.loc["page 14.4× 1h/5m"]
    assert (fast["fired_at"], fast["resolved_at"]) == (pd.Timestamp("2026-07-01T10:10Z"),
                                                       pd.Timestamp("2026-07-01T10:20Z"))
    assert (fast["minutes"], fast["evaluations"]) == (10.0, 2)
    assert fast["peak_burn_rate"] == pytest.approx(25.0)  # 300/12,000 / 0.001
    assert fast["threshold"] == pytest.approx(0.0144)
    ticket = alerts.loc["ticket 1× 3d/6h"]
    assert (ticket["fired_at"], ticket["resolved_at"]) == (pd.Timestamp("2026-07-01T10:10Z"),
                                                           pd.Timestamp("2026-07-01T16:15Z"))
    assert (ticket["minutes"], ticket["evaluations"]) == (365.0, 73)


def test_a_short_spike_alone_does_not_page() -> None:
    series = five_minute_series({"10:00": 100})  # 10% for 5 minutes: the hour stays at 0.83%
    assert sm.evaluate_alerts(series, 0.999, alerts=sm.SRE_WORKBOOK_ALERTS[:1]).empty


def test_hourly_counts_degrade_the_short_windows_to_one_interval() -> None:
    starts = pd.date_range("2026-07-01T00:00:00Z", periods=48, freq="h")
    series = pd.DataFrame({"interval_start": starts, "interval_end": starts + pd.Timedelta(hours=1),
                           "good": 1000, "total": 1000})
    series.loc[10, "good"] = 900  # 10% errors in the hour ending 11:00
    alerts = sm.evaluate_alerts(series, 0.999, alerts=sm.SRE_WORKBOOK_ALERTS[:1])
    assert alerts[["fired_at", "resolved_at", "minutes", "short_window_effective_minutes"]].values.tolist() == [
        [pd.Timestamp("2026-07-01T11:00Z"), pd.Timestamp("2026-07-01T12:00Z"), 60.0, 60.0]]


def test_firing_runs_merge_and_gaps_split_them() -> None:
    at = pd.Series(pd.to_datetime(["2026-07-01T01:00Z", "2026-07-01T02:00Z", "2026-07-01T03:00Z",
                                   "2026-07-01T07:00Z", "2026-07-01T08:00Z"]))
    step = pd.Series([pd.Timedelta(hours=1)] * 5)
    assert sm.firing_intervals(at, step, np.array([True, True, True, True, False])) == [(0, 2), (3, 3)]
    assert sm.firing_intervals(at, step, np.array([False] * 5)) == []


def test_alerts_from_the_warehouse_are_clipped_to_the_period(con: duckdb.DuckDBPyConnection) -> None:
    add_slo(con, "api", 0.999)
    # clean history, then every hour from 2026-06-30 22:00 to 2026-07-01 02:00 at 10% errors
    add_counts(con, "api", "2026-06-26T00:00:00", [(1000, 1000)] * (4 * 24 + 22) + [(900, 1000)] * 4
               + [(1000, 1000)] * 20)
    alerts = sm.burn_rate_alerts(con, "2026Q3")
    fast = alerts[alerts["alert"] == "page 14.4× 1h/5m"].iloc[0]
    # firing from the evaluation at 23:00 (hour ending 23:00) to 03:00; the period shows 00:00–03:00
    assert (fast["fired_at"], fast["resolved_at"], fast["minutes"]) == (
        pd.Timestamp("2026-07-01T00:00Z"), pd.Timestamp("2026-07-01T03:00Z"), 180.0)
    assert bool(fast["began_before"]) and not bool(fast["open_at_end"])
    summary = sm.burn_rate_alert_summary(con, "2026Q3").set_index("alert")
    assert int(summary.loc["page 14.4× 1h/5m", "firings"]) == 1
    series = sm.burn_rate_series(con, "2026Q3", windows=[timedelta(hours=1)])
    assert series["at"].min() == pd.Timestamp("2026-07-01T01:00Z")
    assert series.set_index("at").loc[pd.Timestamp("2026-07-01T01:00Z"), "burn_rate"] == pytest.approx(100.0)


def test_the_summary(con: duckdb.DuckDBPyConnection) -> None:
    add_slo(con, "good", 0.99)
    add_counts(con, "good", "2026-07-01T00:00:00", [(1000, 1000)])
    add_slo(con, "bad", 0.99)
    add_counts(con, "bad", "2026-07-01T00:00:00", [(900, 1000)])
    summary = sm.slo_summary(con, "2026Q3")
    assert (summary.slos, summary.slos_with_data, summary.slos_met, summary.slos_budget_exhausted) == (2, 2, 1, 1)
    assert (summary.worst_slo, summary.met_share) == ("bad", 0.5)
    assert summary.worst_budget_remaining == pytest.approx(-9.0)
    report = sm.slo_report(con, "2026Q3")
    assert report["summary"]["slos_met"] == 1 and len(report["compliance"]) == 2
