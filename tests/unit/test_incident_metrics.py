"""Incident metrics on tiny hand-made warehouses with numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.metrics import incidents as im
from analytics.metrics.stats import quantile_ci
from analytics.periods import parse_period
from analytics.sql import load_sql

pytestmark = pytest.mark.unit
Q3 = datetime(2026, 7, 1, tzinfo=UTC)  # a Wednesday
WEEKS_Q3 = 92 / 7


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return Q3 + timedelta(days=days, hours=hours, minutes=minutes)


def add(con: duckdb.DuckDBPyConnection, *incidents: dict[str, Any]) -> None:
    """Insert incident rows (defaults for the required columns)."""
    rows = []
    for n, inc in enumerate(incidents, start=len(con.execute("SELECT * FROM incidents").fetchall()) + 1):
        row = {"incident_id": f"t:{n}", "source": "t", "source_id": str(n), "created_at": Q3, "source_file_id": 0,
               "ack_is_proxy": False, **inc}
        if "severity" in row and "severity_rank" not in row and row["severity"]:
            row["severity_rank"] = int(row["severity"][-1])
        rows.append(row)
    frame = pd.DataFrame(rows)
    con.register("new_rows", frame)
    try:
        con.execute("INSERT INTO incidents BY NAME SELECT * FROM new_rows").fetchall()
    finally:
        con.unregister("new_rows")


def add_events(con: duckdb.DuckDBPyConnection, *events: tuple[str, int, datetime, str, str]) -> None:
    for incident_id, seq, when, kind, actor in events:
        con.execute("INSERT INTO incident_events VALUES ($i, $s, $t, $k, $a, NULL, NULL, 0)",
                    {"i": incident_id, "s": seq, "t": when, "k": kind, "a": actor}).fetchall()


def test_volume_by_week_month_and_quarter(con: duckdb.DuckDBPyConnection) -> None:
    add(con,
        {"severity": "SEV1", "created_at": at(0)},  # Wed 1 Jul, week of Mon 29 Jun (partial)
        {"severity": "SEV3", "created_at": at(6)},  # Tue 7 Jul
        {"severity": "SEV3", "created_at": at(40)},  # 10 Aug
        {"severity": None, "created_at": at(41)},  # no severity
        {"severity": "SEV2", "created_at": at(45), "status": "canceled"},  # left out everywhere
        {"severity": "SEV3", "created_at": at(-10)},  # previous quarter
        {"severity": "SEV3", "created_at": at(-80)})
    weekly = im.incident_counts_by_week(con, "2026Q3")
    assert weekly["week_start"].nunique() == 14 and set(weekly["severity"]) == {*im.SEVERITIES, "unknown"}
    first = weekly[pd.to_datetime(weekly["week_start"]) == pd.Timestamp("2026-06-29")]
    assert first["partial_week"].all() and first.set_index("severity")["incidents"].to_dict() == {
        "SEV1": 1, "SEV2": 0, "SEV3": 0, "SEV4": 0, "SEV5": 0, "unknown": 0}
    assert int(weekly["incidents"].sum()) == 4
    floored = im.incident_counts_by_week(con, "2026Q3", max_severity_rank=3)
    assert "unknown" not in set(floored["severity"]) and int(floored["incidents"].sum()) == 3
    monthly = im.incident_counts_by_month(con, "2026Q3")
    assert monthly.groupby("month")["incidents"].sum().to_dict() == {"2026-07": 2, "2026-08": 2, "2026-09": 0}
    qoq = im.incident_counts_by_severity(con, "2026Q3").set_index("severity")
    assert qoq.loc["SEV3", ["incidents", "previous"]].tolist() == [2, 2]
    assert qoq.loc["total", ["incidents", "previous"]].tolist() == [4, 2]
    assert qoq.loc["total", "change"] == 1.0 and np.isnan(qoq.loc["SEV1", "change"])
    assert im.incident_totals(con, "2026Q3") == {"SEV1": 1, "SEV2": 0, "SEV3": 2, "SEV4": 0, "SEV5": 0,
                                                 "unknown": 1, "total": 4}


def test_time_to_resolve_leaves_out_open_unmeasured_and_backfilled(con: duckdb.DuckDBPyConnection) -> None:
    add(con, *[{"severity": "SEV2", "resolved_at": at(minutes=m), "status": "resolved"} for m in (10, 20, 30, 40)])
    add(con,
        {"severity": "SEV2", "resolved_at": at(hours=9), "seconds_to_resolve": 50 * 60.0},  # vendor value wins
        {"severity": "SEV2", "status": "acknowledged"},  # still open
        {"severity": "SEV2", "status": "closed"},  # closed without a resolve time
        {"severity": "SEV2", "source": "statuspage", "resolved_at": Q3, "status": "resolved"},  # back-filled
        {"severity": "SEV2", "resolved_at": Q3, "status": "resolved"})  # a real zero elsewhere
    row = im.mttr_by_severity(con, "2026Q3").set_index("severity").loc["SEV2"]
    assert (row["incidents"], row["n"], row["still_open"], row["no_resolve_time"], row["backfilled"]) == (9, 6, 1, 1, 1)
    values = [10, 20, 30, 40, 50, 0]
    assert row["p50_minutes"] == np.quantile(values, 0.5) == 25.0
    assert row["p90_minutes"] == pytest.approx(np.quantile(values, 0.9)) == pytest.approx(45.0)
    expected = quantile_ci(values, 0.5)
    assert (row["p50_low"], row["p50_high"]) == (expected.low, expected.high)
    assert row["ci_method"] == "bootstrap" and not row["sufficient"]


def test_time_to_acknowledge_reports_the_unacknowledged_and_proxies(con: duckdb.DuckDBPyConnection) -> None:
    add(con,
        {"severity": "SEV1", "acknowledged_at": at(minutes=2)},
        {"severity": "SEV1", "acknowledged_at": at(minutes=6), "ack_is_proxy": True},
        {"severity": "SEV1", "seconds_to_first_ack": 600.0},
        {"severity": "SEV1"}, {"severity": "SEV1", "ack_is_proxy": True})
    row = im.mtta_by_severity(con, "2026Q3", max_severity_rank=1).iloc[0]
    assert (row["incidents"], row["n"], row["unacknowledged"], row["proxy"]) == (5, 3, 2, 1)
    assert row["unacknowledged_share"] == 0.4 and row["p50_minutes"] == 6.0 and row["p90_minutes"] == 9.2


def test_groupings_use_the_catalogue_for_team_and_tier(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO services VALUES ('pay', 'payments', 'tier1', NULL, NULL, 0), "
                "('web', 'web', 'tier2', NULL, NULL, 0)").fetchall()
    add(con,
        {"service": "pay", "resolved_at": at(minutes=30), "severity": "SEV1"},
        {"service": "pay", "team": "override", "resolved_at": at(minutes=90), "severity": "SEV2"},
        {"service": "web", "resolved_at": at(minutes=10), "severity": "SEV1"},
        {"service": "pay", "severity": "SEV1", "status": "open"},
        {"resolved_at": at(minutes=5), "severity": "SEV4"})
    by_tier = im.mttr_by_tier(con, "2026Q3").set_index("tier")
    assert by_tier["incidents"].to_dict() == {"tier1": 3, "tier2": 1, "(no tier)": 1}
    assert by_tier.loc["tier1", "p50_minutes"] == 60.0
    by_team = im.mttr_by_team(con, "2026Q3").set_index("team")
    assert by_team["incidents"].to_dict() == {"override": 1, "payments": 2, "web": 1, "(no team)": 1}
    assert list(im.mttr_by_service(con, "2026Q3")["service"]) == ["pay", "web", "(no service)"]
    assert int(im.mttr_by_service(con, "2026Q3", team="payments")["incidents"].sum()) == 2
    restores = im.critical_restore_share(con, "2026Q3")
    assert (restores.incidents, restores.restored, restores.still_open, restores.share) == (3, 1, 1, 1 / 3)
    assert im.mtta_by_tier(con, "2026Q3").set_index("tier").loc["tier1", "unacknowledged"] == 3


def test_repeats_follow_the_key_order_and_the_window(con: duckdb.DuckDBPyConnection) -> None:
    add(con,
        {"service": "db", "fingerprint": "disk-full", "created_at": at(-30)},  # 1: before the quarter
        {"service": "db", "fingerprint": "disk-full", "created_at": at(0)},  # 2: exactly 30 d later → repeat
        {"service": "db", "fingerprint": "disk-full", "created_at": at(30, minutes=1)},  # 3: 30 d 1 min → no
        {"service": "db", "fingerprint": "disk-full", "created_at": at(31), "problem_id": "PRB1"},  # 4: key=problem
        {"service": "db", "fingerprint": "other", "created_at": at(32), "problem_id": "PRB1"},  # 5: same problem
        {"service": "web", "fingerprint": "disk-full", "created_at": at(1)},  # 6: other service → no
        {"service": "web", "title": "Node 12 down (host-4f2a9c1b7e)", "created_at": at(2)},  # 7
        {"service": "web", "title": "node 7 down (host-aa11bb22cc)", "created_at": at(3), "reopen_count": 2},  # 8
        {"service": "web", "title": "node 9 down", "created_at": at(4), "status": "canceled"})  # 9: left out
    frame = im.repeat_rates_by_service(con, "2026Q3").set_index("service")
    assert frame.loc["db", ["incidents", "repeats", "problem_linked"]].tolist() == [4, 2, 2]
    assert frame.loc["web", ["incidents", "repeats", "reopened"]].tolist() == [3, 1, 1]
    rates = im.repeat_incident_rates(con, "2026Q3")
    assert (rates.incidents, rates.repeats, rates.repeat_rate, rates.reopen_rate) == (7, 3, 3 / 7, 1 / 7)
    assert im.repeat_incident_rates(con, "2026Q3", window_days=60).repeats == 4


def test_recurring_failure_modes_are_ranked_by_incident_hours(con: duckdb.DuckDBPyConnection) -> None:
    add(con,
        {"service": "db", "failure_mode": "disk", "resolved_at": at(hours=2)},
        {"service": "db", "failure_mode": "disk", "resolved_at": at(hours=3)},
        {"service": "db", "failure_mode": "disk"},  # open: counted, no hours
        {"service": "api", "category": "certs", "resolved_at": at(hours=10)},
        {"service": "api", "category": "certs", "resolved_at": at(minutes=30)},
        {"service": "api", "failure_mode": "once", "resolved_at": at(hours=50)})  # single: not recurring
    frame = im.recurring_failure_modes(con, "2026Q3")
    assert frame[["service", "failure_mode", "incidents", "unresolved", "incident_hours"]].values.tolist() == [
        ["api", "certs", 2, 0, 10.5], ["db", "disk", 3, 1, 5.0]]
    assert len(im.recurring_failure_modes(con, "2026Q3", limit=1)) == 1


def test_pages_per_responder_and_their_local_hours(con: duckdb.DuckDBPyConnection) -> None:
    add(con, {"service": "a"}, {"service": "b", "status": "canceled"})
    # 2026-07-01 is a Wednesday; Europe/Berlin is UTC+2 in July
    add_events(con,
               ("t:1", 0, at(hours=7), "notify", "ann"),  # 09:00 local: business hours
               ("t:1", 1, at(hours=17), "notify", "ann"),  # 19:00 local: outside business hours
               ("t:1", 2, at(hours=21), "notify", "bob"),  # 23:00 local: outside and sleep
               ("t:1", 3, at(days=3, hours=8), "notify", "bob"),  # Saturday 10:00: weekend
               ("t:1", 4, at(hours=1), "acknowledge", "bob"),  # not a page
               ("t:2", 0, at(hours=8), "notify", "cat"),  # canceled incident
               ("t:1", 5, at(days=-1), "notify", "ann"))  # before the quarter
    frame = im.pages_by_responder(con, "2026Q3", responder_timezone="Europe/Berlin").set_index("responder")
    assert frame.loc["ann", ["pages", "outside_business_pages", "sleep_pages"]].tolist() == [2, 1, 0]
    assert frame.loc["bob", ["pages", "outside_business_pages", "sleep_pages"]].tolist() == [2, 2, 1]
    everyone = frame.loc["(everyone)"]
    assert (everyone["responders"], everyone["pages"], everyone["outside_business_share"]) == (2, 4, 0.75)
    assert everyone["pages_per_week"] == pytest.approx(4 / (2 * WEEKS_Q3))
    health = im.oncall_health(con, "2026Q3", responder_timezone="Europe/Berlin")
    assert health.pages_per_responder_week == pytest.approx(4 / (2 * WEEKS_Q3))
    # the proxy looks at creation times: 00:00 UTC is 02:00 in Berlin, outside business and in sleep hours
    assert (health.basis, health.off_hours_share, health.sleep_share) == ("proxy", 1.0, 1.0)
    late = im.oncall_health(con, "2026Q3", responder_timezone="Pacific/Kiritimati")  # UTC+14: 14:00 on Wed
    assert late.off_hours_share == 0.0
    early = im.oncall_health(con, "2026Q3", responder_timezone="America/Los_Angeles")  # 17:00 on Tue 30 Jun
    assert (early.off_hours_share, early.sleep_share) == (0.0, 0.0)
    night = im.oncall_health(con, "2026Q3", responder_timezone="Asia/Tokyo", business_hours=(10 * 60, 18 * 60))
    assert night.off_hours_share == 1.0  # 09:00 local is before 10:00


def test_vendor_interruption_buckets_win_over_the_proxy(con: duckdb.DuckDBPyConnection) -> None:
    add(con,
        {"team": "core", "responders": ["ann", "bob"], "interruptions_total": 6, "interruptions_business": 2,
         "interruptions_off_hours": 1, "interruptions_sleep": 3},
        {"team": "core", "responders": ["ann"], "interruptions_total": 4, "interruptions_business": 4,
         "interruptions_off_hours": 0, "interruptions_sleep": 0},
        {"team": "edge", "responders": ["cy"]})
    by_team = im.interruptions_by_team(con, "2026Q3").set_index("team")
    assert by_team.loc["core", ["interruptions", "responders"]].tolist() == [10, 2]
    assert by_team.loc["(all teams)", ["incidents", "responders"]].tolist() == [3, 3]
    health = im.oncall_health(con, "2026Q3")
    assert (health.basis, health.off_hours_share, health.sleep_share) == ("vendor", 0.4, 0.3)
    assert health.interruptions_per_responder_week == pytest.approx(10 / (3 * WEEKS_Q3))


def test_noise_and_actionable_edges(con: duckdb.DuckDBPyConnection) -> None:
    add(con,
        # actionable: high, acked in 4 h exactly, resolved in 24 h exactly
        {"service": "a", "urgency": "high", "acknowledged_at": at(hours=4), "resolved_at": at(hours=24),
         "alert_count": 2},
        # resolved in exactly 5 min: noise; manual, acked: still actionable
        {"service": "a", "urgency": "high", "acknowledged_at": at(minutes=1), "resolved_at": at(minutes=5),
         "auto_resolved": False, "alert_count": 1},
        # auto-resolved in 4 min, never acked: noise, not actionable
        {"service": "a", "urgency": "high", "resolved_at": at(minutes=4), "auto_resolved": True, "alert_count": 9},
        # ack after 4 h 1 min: not actionable, not noise
        {"service": "b", "urgency": "high", "acknowledged_at": at(hours=4, minutes=1), "resolved_at": at(hours=5)},
        # low urgency: never actionable
        {"service": "b", "urgency": "low", "acknowledged_at": at(minutes=3), "resolved_at": at(hours=1)},
        # no urgency, SEV2: counts as high; ServiceNow-style '1 - High' also high
        {"service": "b", "severity": "SEV2", "acknowledged_at": at(minutes=3), "resolved_at": at(hours=1)},
        {"service": "c", "urgency": "1 - High", "acknowledged_at": at(minutes=3), "resolved_at": at(hours=1)},
        # open: neither resolved nor actionable
        {"service": "c", "urgency": "high", "acknowledged_at": at(minutes=3)})
    frame = im.alert_noise_by_service(con, "2026Q3").set_index("service")
    assert frame.loc["(all services)", ["incidents", "resolved", "noise", "actionable", "alerts"]].tolist() == [
        8, 7, 2, 4, 12]
    assert list(frame.index) == ["(all services)", "a", "b", "c"], "ranked by noise incidents"
    noise = im.alert_noise(con, "2026Q3")
    assert (noise.noise_ratio, noise.actionable_share, noise.alerts_per_incident, noise.meets_target) == (
        2 / 7, 0.5, 1.5, False)


def test_median_change_is_called_only_when_the_interval_excludes_zero(con: duckdb.DuckDBPyConnection) -> None:
    add(con, *[{"severity": "SEV3", "created_at": at(-60 + i), "resolved_at": at(-60 + i, minutes=100 + i)}
               for i in range(20)])
    add(con, *[{"severity": "SEV3", "created_at": at(i), "resolved_at": at(i, minutes=10 + i)} for i in range(20)])
    row = im.mttr_change_by_severity(con, "2026Q3").set_index("severity").loc["SEV3"]
    assert (row["n"], row["previous_n"], row["difference_minutes"]) == (20, 20, -90.0)
    assert row["changed"] and row["difference_high"] < 0
    assert not im.mttr_change_by_severity(con, "2026Q3").set_index("severity").loc["SEV1", "changed"]


def test_large_groups_use_order_statistics() -> None:
    rng = np.random.default_rng(1)
    values = rng.lognormal(3, 1, 5000)
    estimate, method = im.quantile_estimate(values, 0.9)
    assert method == "order statistics" and estimate.n == 5000
    assert estimate.low < np.quantile(values, 0.9) < estimate.high
    small, small_method = im.quantile_estimate(values[:200], 0.5)
    assert small_method == "bootstrap" and small == quantile_ci(values[:200], 0.5)


def test_scope_arguments_are_checked(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="max_severity_rank"):
        im.incident_counts_by_week(con, "2026Q3", max_severity_rank=0)
    with pytest.raises(ValueError, match="window_days"):
        im.repeat_rates_by_service(con, "2026Q3", window_days=0)
    with pytest.raises(ValueError, match="business_hours"):
        im.pages_by_responder(con, parse_period("2026Q3"), business_hours=(600, 500))


# -- major, critical and the summary of a period (docs/metrics.md §1.6) -------------------------
def test_major_and_critical_come_from_the_semantic_layer(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO services VALUES ('pay', 'payments', 'tier1', NULL, NULL, 0), "
                "('web', 'web', 'tier2', NULL, NULL, 0), ('ops', 'ops', NULL, NULL, NULL, 0)").fetchall()
    add(con,
        {"service": "pay", "severity": "SEV1"}, {"service": "pay", "severity": "SEV2"},
        {"service": "pay", "severity": "SEV3"}, {"service": "pay", "severity": None},
        {"service": "web", "severity": "SEV1"}, {"service": "ops", "severity": "SEV2"},
        {"service": "gone", "severity": "SEV1"}, {"severity": "SEV1"})
    flags = im.incident_durations(con, "2026Q3")[["service", "severity", "major", "critical"]]
    expected = [("pay", "SEV1", True, True), ("pay", "SEV2", True, True), ("pay", "SEV3", False, False),
                ("pay", "unknown", False, False), ("web", "SEV1", True, False), ("ops", "SEV2", True, False),
                ("gone", "SEV1", True, False), ("(no service)", "SEV1", True, False)]
    assert sorted(map(tuple, flags.itertuples(index=False))) == sorted(expected)
    assert im.incident_durations(con, "2026Q3", critical_tier="tier2")["critical"].sum() == 1  # web's SEV1
    # the macros themselves, on the semantic layer's incident_facts()
    macro = con.execute("SELECT count(*) FILTER (WHERE incident_is_major(i)), count(*) FILTER "
                        "(WHERE incident_is_critical(i, 'tier1')) FROM incident_facts() AS i").fetchone()
    assert macro == (6, 2)
    hours = con.execute(f"SELECT sum(major_incidents) FROM ({load_sql('incident_hours_by_service')})",
                        {"period_start": Q3, "period_end": at(92)}).fetchone()
    assert hours == (6,)


def test_incident_summary_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO services VALUES ('pay', 'payments', 'tier1', NULL, NULL, 0), "
                "('web', 'web', 'tier2', NULL, NULL, 0)").fetchall()
    q2 = -50.0  # days: inside 2026Q2
    add(con,
        # Q3: SEV1 resolved in 10, 40 (pay), 25 (web) min, one still open (pay); SEV2 pay 70 min; SEV3 web 5 min
        {"service": "pay", "severity": "SEV1", "resolved_at": at(minutes=10), "status": "resolved"},
        {"service": "pay", "severity": "SEV1", "resolved_at": at(minutes=40), "status": "resolved"},
        {"service": "web", "severity": "SEV1", "resolved_at": at(minutes=25), "status": "resolved"},
        {"service": "pay", "severity": "SEV1", "status": "open"},
        {"service": "pay", "severity": "SEV2", "resolved_at": at(minutes=70), "status": "resolved"},
        {"service": "web", "severity": "SEV3", "resolved_at": at(minutes=5), "status": "resolved"},
        {"service": "pay", "severity": "SEV2", "status": "canceled"},  # left out everywhere
        # Q2: SEV1 pay 60 and 80 min
        {"service": "pay", "severity": "SEV1", "created_at": at(q2), "resolved_at": at(q2, minutes=60),
         "status": "resolved"},
        {"service": "pay", "severity": "SEV1", "created_at": at(q2), "resolved_at": at(q2, minutes=80),
         "status": "resolved"})
    s = im.incident_summary(con, "2026Q3", restore_target_minutes=45)
    assert (s.period, s.total, s.major) == ("2026Q3", 6, 5)
    assert dict(s.by_severity) == {"SEV1": 4, "SEV2": 1, "SEV3": 1, "SEV4": 0, "SEV5": 0}
    # SEV1: 10, 25, 40 → median 25, p90 = 25 + 0.8 × 15 = 37; Q2 median 70 → change −45
    assert (s.sev1.median.value, s.sev1.median.n, s.sev1.still_open, s.sev1.ci_method) == (25.0, 3, 1, "bootstrap")
    assert s.sev1.p90_minutes == pytest.approx(37.0) and s.sev1.change.value == -45.0
    assert s.sev1.median == quantile_ci([10, 25, 40], 0.5)
    # critical (pay, SEV1–SEV2): 10, 40, 70 and one open → median 40; within 45 min: 10 and 40 → 2 of 4
    assert (s.critical.median.value, s.critical.median.n, s.critical.still_open) == (40.0, 3, 1)
    restores = s.restores
    assert (restores.incidents, restores.restored, restores.still_open, restores.target_minutes) == (4, 2, 1, 45.0)
    assert s.critical.change.value == 40.0 - 70.0
    # everything else is the evidence page's own summary
    assert s.repeats == im.repeat_incident_rates(con, "2026Q3")
    assert s.noise == im.alert_noise(con, "2026Q3")
    assert s.oncall == im.oncall_health(con, "2026Q3")
    assert im.critical_restore_share(con, "2026Q3", within_minutes=45) == s.restores
    # one read of each period's durations for a run of periods gives the same summaries
    both = im.incident_summaries(con, ["2026Q2", "2026Q3"], restore_target_minutes=45)
    assert both[1] == s and both[0] == im.incident_summary(con, "2026Q2", restore_target_minutes=45)
    assert (both[0].total, both[0].sev1.median.value, both[0].sev1.change.value) == (2, 70.0, None)


def test_a_change_is_real_only_when_its_interval_excludes_zero() -> None:
    assert im.change_is_real(im.Estimate(3.0, 1.0, 5.0, 30))
    assert not im.change_is_real(im.Estimate(3.0, -1.0, 5.0, 30))
    assert not im.change_is_real(im.Estimate(3.0, None, None, 1))
