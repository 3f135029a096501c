"""Incident-volume anomalies: Poisson and negative-binomial tails worked out by hand, the minimum
count, events, and the warehouse entry point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pytest
from scipy import stats

from analytics.anomalies import counts as cc
from analytics.errors import ParameterError
from analytics.periods import parse_period
from analytics.warehouse import run

pytestmark = pytest.mark.unit


def test_poisson_tail_by_hand() -> None:
    # P(X >= 9 | λ = 2) = 1 − Σ_{k=0..8} e^{-2} 2^k / k!
    by_hand = 1 - sum(np.exp(-2.0) * 2.0**k / np.prod(np.arange(1, k + 1)) for k in range(9))
    p, model = cc.tail_probability(9, 2.0, 2.0)
    assert model == "poisson"
    assert p == pytest.approx(by_hand, rel=1e-9)
    assert p == pytest.approx(stats.poisson.sf(8, 2.0), rel=1e-12)


def test_overdispersed_counts_use_the_moment_matched_negative_binomial() -> None:
    mean, variance = 2.0, 6.0
    n, q = mean**2 / (variance - mean), mean / variance  # n = 1, p = 1/3: a geometric distribution
    p, model = cc.tail_probability(9, mean, variance)
    assert model == "negative binomial"
    assert p == pytest.approx(stats.nbinom.sf(8, n, q), rel=1e-12)
    assert p == pytest.approx((1 - q) ** 9, rel=1e-9)  # geometric tail P(X >= 9) = (1 - p)^9
    assert p > stats.poisson.sf(8, mean)  # a fatter tail: the same count is less surprising


def test_a_count_is_flagged_with_its_exact_poisson_p_value() -> None:
    history = [2, 2, 2, 2, 2, 2, 2, 2]  # mean 2, variance 0 ≤ mean: Poisson
    events = cc.count_anomalies([*history, 9], settings=cc.CountSettings(window=8))
    assert events[["start", "end", "actual", "expected", "model"]].values.tolist() == [[8, 8, 9, 2.0, "poisson"]]
    assert events.iloc[0]["p_value"] == pytest.approx(stats.poisson.sf(8, 2.0), rel=1e-12)
    assert events.iloc[0]["excess"] == pytest.approx(7.0)


def test_a_rise_on_a_tiny_base_is_not_flagged_below_the_minimum_count() -> None:
    history = [1, 0, 1, 1, 0, 1, 1, 0]
    assert cc.count_anomalies([*history, 4]).empty  # +300 %, p ≈ 0.004 and below 5 incidents anyway
    assert cc.count_anomalies([*history, 4], settings=cc.CountSettings(min_count=3, alpha=0.01)).shape[0] == 1


def test_a_window_without_incidents_keeps_the_tail_finite() -> None:
    events = cc.count_anomalies([0] * 13 + [6])
    assert len(events) == 1 and 0 < events.iloc[0]["p_value"] < 1e-6


def test_consecutive_flagged_periods_are_one_event_and_do_not_raise_the_bar() -> None:
    events = cc.count_anomalies([2, 1, 3, 2, 2, 1, 2, 3, 12, 14, 2], settings=cc.CountSettings(window=8))
    assert events[["start", "end", "periods", "actual"]].values.tolist() == [[8, 9, 2, 26]]


@pytest.mark.parametrize("bad", [[np.nan] * 20, [-1] * 20, [], [3] * 4])
def test_bad_or_short_counts_give_no_event_and_no_error(bad: list[float]) -> None:
    assert cc.count_anomalies(bad).empty


def test_nonsense_settings_are_rejected() -> None:
    with pytest.raises(ParameterError):
        cc.CountSettings(grain="month")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        cc.CountSettings(alpha=0.0)
    with pytest.raises(ParameterError):
        cc.CountSettings(window=5, min_history=8)


def test_incident_storm_of_one_service_from_the_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    start = datetime(2026, 1, 5, 10, tzinfo=UTC)  # a Monday
    rows, number = [], 0
    for week in range(38):
        for k in range(2 if week != 33 else 11):  # 2 a week, 11 in the week of 2026-08-24
            number += 1
            created = start + timedelta(weeks=week, hours=5 * k)
            rows.append(f"('pd:{number}', 'pagerduty', '{number}', 'search', 'discovery', "
                        f"TIMESTAMPTZ '{created.isoformat()}', 0)")
    run(con, "INSERT INTO incidents (incident_id, source, source_id, service, team, created_at, source_file_id) "
             "VALUES " + ", ".join(rows))
    found = cc.incident_count_anomalies(con, parse_period("2026Q3"))
    assert found[["by", "member", "start", "actual", "expected"]].values.tolist() == [
        ["service", "search", datetime(2026, 8, 24).date(), 11, 2.0],
        ["team", "discovery", datetime(2026, 8, 24).date(), 11, 2.0],
    ]
    assert found.iloc[0]["p_value"] == pytest.approx(stats.poisson.sf(10, 2.0), rel=1e-9)


@pytest.mark.parametrize("missing", [None, "", " "])
def test_incidents_without_a_service_or_team_are_a_member_of_their_own(
    con: duckdb.DuckDBPyConnection, missing: str | None,
) -> None:
    start = datetime(2026, 1, 5, 10, tzinfo=UTC)  # a Monday
    rows = []
    for week in range(38):
        for k in range(2 if week != 33 else 11):
            created = start + timedelta(weeks=week, hours=5 * k)
            rows.append((f"pd:{len(rows)}", "pagerduty", str(len(rows)), missing, missing, created, 0))
    rows.append(("pd:x", "pagerduty", "x", "search", "discovery", start, 0))  # a named member next to them
    con.executemany("INSERT INTO incidents (incident_id, source, source_id, service, team, created_at, "
                    "source_file_id) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    found = cc.incident_count_anomalies(con, parse_period("2026Q3"))
    assert found[["by", "member", "start", "actual", "expected"]].values.tolist() == [
        ["service", "(not set)", datetime(2026, 8, 24).date(), 11, 2.0],
        ["team", "(not set)", datetime(2026, 8, 24).date(), 11, 2.0],
    ]
    counts = cc.incident_counts(con, parse_period("2026Q3"), by="team")
    assert sorted(counts["member"].unique()) == ["(not set)", "discovery"]
    # every incident lies in the whole weeks read (Monday 2026-01-05 to the period end): none lost
    assert int(counts["incidents"].sum()) == len(rows)
