"""DORA metrics on tiny hand-built warehouses with every expected number worked out by hand — in
particular a regression table for the fourkeys defects (docs/metrics.md §2): duplicate events, a
deployment linked to two incidents, the root-cause commit link, canceled incidents, failed
pipeline runs, lead times <= 0, the restore clock, and empty quarters giving NULL, not a bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from analytics.errors import ParameterError
from analytics.metrics import delivery as dm
from analytics.params import DeliveryPerformanceParams, SloErrorBudgetParams
from analytics.warehouse import run

pytestmark = pytest.mark.unit


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def deploy(con: duckdb.DuckDBPyConnection, key: str, when: str, *, sha: str | None = None, env: str = "production",
           status: str = "success", service: str = "checkout", team: str | None = None, source_id: str | None = None,
           rework: bool = False, rollback: bool = False) -> None:
    run(con, "INSERT INTO deployments VALUES ($id, 'gh', $sid, $svc, $team, 'lumen/checkout', $env, $at, $status, "
             "$sha, $rollback, $rework, 0)",
        {"id": key, "sid": source_id or key.split(":")[1], "svc": service, "team": team, "env": env, "at": ts(when),
         "status": status, "sha": sha, "rollback": rollback, "rework": rework})


def change(con: duckdb.DuckDBPyConnection, key: str, sha: str, committed: str, deployment: str) -> None:
    run(con, "INSERT INTO changes VALUES ($id, 'git', 'lumen/checkout', 'checkout', NULL, $sha, $at, $dep, 0)",
        {"id": key, "sha": sha, "at": ts(committed), "dep": deployment})


def incident(con: duckdb.DuckDBPyConnection, key: str, created: str, resolved: str | None, *,
             deployment: str | None = None, commit: str | None = None, status: str = "resolved") -> None:
    run(con, "INSERT INTO incidents (incident_id, source, source_id, service, status, created_at, resolved_at, "
             "deployment_id, change_id, source_file_id) VALUES ($id, 'pd', $id, 'checkout', $status, $c, $r, $d, "
             "$ch, 0)",
        {"id": key, "status": status, "c": ts(created), "r": ts(resolved) if resolved else None, "d": deployment,
         "ch": commit})


@pytest.fixture
def fourkeys(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The regression table (2026Q3 unless noted)."""
    run(con, "INSERT INTO services VALUES ('checkout', 'payments', 'tier1', NULL, NULL, 0), "
             "('search', 'discovery', 'tier2', NULL, NULL, 0)")
    deploy(con, "gh:1", "2026-07-01T10:00:00", sha="a1a1a1a")
    deploy(con, "gh:1-replayed", "2026-07-01T10:00:00", sha="a1a1a1a", source_id="1")  # same source id: a duplicate
    deploy(con, "gh:2", "2026-07-02T10:00:00", sha="b2b2b2b")
    deploy(con, "gh:3", "2026-07-03T10:00:00", sha="c3c3c3c")
    deploy(con, "gh:4", "2026-07-04T10:00:00", sha="d4d4d4d", status="failure")  # the pipeline failed: no deployment
    deploy(con, "gh:5", "2026-07-05T10:00:00", sha="e5e5e5e", env="staging")
    deploy(con, "gh:6", "2026-07-06T10:00:00", sha="f6f6f6f")
    deploy(con, "gh:7", "2026-07-07T10:00:00", sha="a7a7a7a", rework=True)
    deploy(con, "gh:8", "2026-07-08T10:00:00", sha="a8a8a8a", rollback=True)
    deploy(con, "gh:20", "2026-05-01T10:00:00", sha="a20a20a")  # 2026Q2: deployments, no incident
    # lead times: 24 h; a copy of the same commit from another source; 0 h and -1 h (left out); 12 h; 6 h and 24 h
    change(con, "git:c1", "c1c1c1c", "2026-06-30T10:00:00", "gh:1")
    change(con, "csv:c1", "c1c1c1c", "2026-06-30T10:00:00", "gh:1")
    change(con, "git:c2", "c2c2c2c", "2026-07-02T10:00:00", "gh:2")
    change(con, "git:c2b", "c2c2c2d", "2026-07-02T11:00:00", "gh:2")
    change(con, "git:c3", "c3c3c3d", "2026-07-02T22:00:00", "gh:3")
    change(con, "git:c6", "c6c6c6c", "2026-07-06T04:00:00", "gh:6")
    change(con, "git:c6b", "c6c6c6d", "2026-07-05T10:00:00", "gh:6")
    # incidents: two on gh:1 (it counts once), one naming gh:2's commit (root cause), a canceled one on gh:3,
    # one naming a commit gh:6 shipped (still open)
    incident(con, "pd:1", "2026-07-01T10:30:00", "2026-07-01T11:00:00", deployment="gh:1")
    incident(con, "pd:2", "2026-07-01T10:37:00", "2026-07-01T12:37:00", deployment="gh:1")
    incident(con, "pd:3", "2026-07-02T11:00:00", "2026-07-02T11:45:00", commit="b2b2b2b")
    incident(con, "pd:4", "2026-07-03T11:00:00", "2026-07-03T11:10:00", deployment="gh:3", status="canceled")
    incident(con, "pd:5", "2026-07-06T12:00:00", None, commit="c6c6c6d", status="open")
    return con


def test_change_failure_rate_counts_distinct_deployments_once(fourkeys: duckdb.DuckDBPyConnection) -> None:
    row = dm.change_failure_rate(fourkeys, "2026Q3").iloc[0]
    # deployments: gh:1 (once), 2, 3, 6, 7, 8 — not the failed pipeline gh:4, not staging gh:5
    assert (int(row["deployments"]), int(row["failed_deployments"]), int(row["linked_incidents"])) == (6, 3, 4)
    assert row["change_failure_rate"] == pytest.approx(0.5)
    assert row["dora_level"] == "low"
    # fourkeys' change-id denominator (#351) or incident count (#383) would give 4/6 or worse; DevLake's fix is ours
    frame = dm.deployments_in_period(fourkeys, "2026Q3")
    assert frame.set_index("deployment_id")["failed"].to_dict() == {
        "gh:1": True, "gh:2": True, "gh:3": False, "gh:6": True, "gh:7": False, "gh:8": False}


def test_lead_time_pairs_dedupe_and_exclude_nonpositive(fourkeys: duckdb.DuckDBPyConnection) -> None:
    row = dm.lead_time_for_changes(fourkeys, "2026Q3").iloc[0]
    assert (int(row["pairs"]), int(row["excluded_nonpositive"]), int(row["n"])) == (6, 2, 4)
    assert (row["p50_hours"], row["p90_hours"]) == (pytest.approx(18.0), pytest.approx(24.0))
    assert row["p50_low"] <= 18.0 <= row["p50_high"]
    assert row["dora_level"] == "elite"


def test_recovery_clock_starts_at_the_incident(fourkeys: duckdb.DuckDBPyConnection) -> None:
    row = dm.failed_deployment_recovery_time(fourkeys, "2026Q3").iloc[0]
    # 30, 120 and 45 minutes from incident start (from the deployment they would be 60, 157 and 105)
    assert (int(row["incidents"]), int(row["still_open"]), int(row["n"])) == (4, 1, 3)
    assert row["p50_minutes"] == pytest.approx(45.0)
    assert row["p90_minutes"] == pytest.approx(105.0)  # linear interpolation of 30, 45, 120


def test_rework_and_frequency(fourkeys: duckdb.DuckDBPyConnection) -> None:
    rework = dm.deployment_rework_rate(fourkeys, "2026Q3").iloc[0]
    assert (int(rework["rework_deployments"]), int(rework["rollbacks"])) == (2, 1)
    assert rework["rework_rate"] == pytest.approx(2 / 6)
    frequency = dm.deployment_frequency(fourkeys, "2026Q3", by="service").set_index("service")
    assert frequency.loc["checkout", "deploys_per_week"] == pytest.approx(6 / (92 / 7))
    assert frequency.loc["checkout", "fourkeys_bucket"] == "Yearly"  # real data, just rare
    assert frequency.loc["checkout", "dora_level"] == "medium"
    assert int(frequency.loc["checkout", "deploy_days"]) == 6
    # the catalogue's search never deployed: NULL, not "Yearly" (fourkeys #116)
    assert frequency.loc["search", "deployments"] == 0 and pd.isna(frequency.loc["search", "fourkeys_bucket"])
    assert pd.isna(frequency.loc["search", "dora_level"])


def test_a_quarter_without_incidents_or_deployments_is_null_not_a_bucket(fourkeys: duckdb.DuckDBPyConnection) -> None:
    q2 = dm.dora_summary(fourkeys, "2026Q2")
    assert (q2.deployments, q2.change_failure_rate, q2.failed_deployments) == (1, 0.0, 0)
    assert q2.recovery_minutes.value is None and q2.recovery_level is None
    q4 = dm.dora_summary(fourkeys, "2026Q4")
    assert (q4.deployments, q4.change_failure_rate, q4.fourkeys_frequency_bucket, q4.dora_level) == (
        0, None, None, None)
    assert q4.lead_time_hours.value is None and q4.rework_rate is None
    assert pd.isna(dm.change_failure_rate(fourkeys, "2026Q4").iloc[0]["change_failure_rate"])


def test_the_summary_and_the_levels(fourkeys: duckdb.DuckDBPyConnection) -> None:
    s = dm.dora_summary(fourkeys, "2026Q3")
    assert (s.deployments, s.failed_deployments, s.rework_deployments, s.services_deploying) == (6, 3, 2, 1)
    assert (s.lead_time_pairs, s.lead_time_excluded_nonpositive, s.recovery_still_open) == (6, 2, 1)
    assert (s.lead_time_hours.value, s.recovery_minutes.value) == (pytest.approx(18.0), pytest.approx(45.0))
    assert (s.frequency_level, s.lead_time_level, s.change_failure_level, s.recovery_level, s.dora_level) == (
        "medium", "elite", "low", "elite", "low")
    levels = dm.dora_performance_levels(fourkeys, "2026Q3", by="team").set_index("team")
    assert levels.loc["payments", "dora_level"] == "low"  # the team comes from the catalogue
    assert not bool(levels.loc["payments", "sufficient"])  # 6 deployments < 10
    assert pd.isna(levels.loc["discovery", "dora_level"])
    assert dm.delivery_report(fourkeys, "2026Q3")["summary"]["change_failure_rate"] == 0.5


def test_environment_none_counts_every_environment(fourkeys: duckdb.DuckDBPyConnection) -> None:
    assert len(dm.deployments_in_period(fourkeys, "2026Q3", environment=None)) == 7  # + staging gh:5
    assert len(dm.deployments_in_period(fourkeys, "2026Q3", environment="staging")) == 1


def test_weekly_counts_have_zeros_and_partial_weeks(fourkeys: duckdb.DuckDBPyConnection) -> None:
    weekly = dm.deployment_counts_by_week(fourkeys, "2026Q3", by="team")
    assert len(weekly) == 14 and set(weekly["team"]) == {"payments"}
    assert weekly["deployments"].tolist()[:3] == [3, 3, 0]
    assert weekly["partial_week"].tolist()[0] and weekly["partial_week"].tolist()[-1]
    assert not weekly["partial_week"].tolist()[1]


def _daily(days: list[str]) -> list[datetime]:
    return [ts(f"{d}T12:00:00") for d in days]


@pytest.mark.parametrize(
    ("stamps", "bucket"),
    [
        ([ts("2026-07-01T12:00:00") + timedelta(days=i) for i in range(92)], "Daily"),
        ([ts("2026-07-06T12:00:00") + timedelta(weeks=i) for i in range(13)], "Weekly"),
        (_daily(["2026-07-06", "2026-08-03", "2026-09-07"]), "Monthly"),
        (_daily(["2026-07-06"]), "Yearly"),
        ([], None),
        (_daily(["2026-06-30", "2026-10-01"]), None),  # outside the period
    ],
)
def test_fourkeys_bucket_logic(stamps: list[datetime], bucket: str | None) -> None:
    assert dm.fourkeys_frequency_bucket(stamps, "2026Q3") == bucket


@pytest.mark.parametrize(
    ("metric", "value", "level"),
    [
        ("deployment_frequency", 7.0, "elite"), ("deployment_frequency", 6.99, "high"),
        ("deployment_frequency", 1.0, "high"), ("deployment_frequency", 0.99, "medium"),
        ("deployment_frequency", 7 / 30, "medium"), ("deployment_frequency", 0.2, "low"),
        ("lead_time_hours", 23.99, "elite"), ("lead_time_hours", 24.0, "high"), ("lead_time_hours", 168.0, "medium"),
        ("lead_time_hours", 720.0, "low"),
        ("change_failure_rate", 0.05, "elite"), ("change_failure_rate", 0.0501, "high"),
        ("change_failure_rate", 0.20, "high"), ("change_failure_rate", 0.21, "low"),
        ("recovery_minutes", 59.9, "elite"), ("recovery_minutes", 60.0, "high"), ("recovery_minutes", 1440.0, "medium"),
        ("recovery_minutes", 10080.0, "low"), ("recovery_minutes", None, None),
    ],
)
def test_dora_2024_level_cut_points(metric: str, value: float | None, level: str | None) -> None:
    assert dm.dora_2024_level(metric, value) == level


def test_pipeline_success_rate(con: duckdb.DuckDBPyConnection) -> None:
    outcomes = [("completed", "success")] * 3 + [("completed", "failure"), ("completed", "timed_out"),
                                                 ("completed", "cancelled"), ("completed", "skipped"),
                                                 ("in_progress", None)]
    for i, (status, conclusion) in enumerate(outcomes):
        run(con, "INSERT INTO pipeline_runs (run_id, source, source_id, repo, workflow, status, conclusion, "
                 "started_at, source_file_id) VALUES ($id, 'gha', $id, 'o/r', 'CI', $s, $c, $t, 0)",
            {"id": str(i), "s": status, "c": conclusion, "t": ts("2026-07-01T10:00:00") + timedelta(hours=i)})
    assert dm.pipeline_success_rate(con, "2026Q3") == pytest.approx(0.6)
    row = dm.pipeline_outcomes_by_workflow(con, "2026Q3").iloc[0]
    assert (int(row["runs"]), int(row["completed"]), int(row["succeeded"]), int(row["failed"]),
            int(row["excluded"])) == (8, 7, 3, 2, 2)
    assert dm.pipeline_success_rate(con, "2026Q2") is None


def test_by_must_be_a_known_grouping(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="by must be one of"):
        dm.deployment_frequency(con, "2026Q3", by="colour")


def test_notebook_parameters_are_validated() -> None:
    params = DeliveryPerformanceParams.from_raw(period=2026, warehouse=":memory:", service=" checkout ", repo="",
                                                environment="staging")
    assert params.scope == {"service": "checkout", "team": None, "repo": None, "environment": "staging"}
    assert params.context.period.label == "2026" and params.group_by == "service"
    with pytest.raises(ParameterError, match="group_by must be one of"):
        DeliveryPerformanceParams.from_raw(period="2026Q3", group_by="colour")
    slo = SloErrorBudgetParams.from_raw(period="2026Q3", slo=" checkout-availability ")
    assert slo.scope == {"service": None, "team": None, "slo": "checkout-availability"}


def test_a_service_without_failed_deployments_has_an_overall_level(fourkeys: duckdb.DuckDBPyConnection) -> None:
    """Its recovery level is missing (NaN in the recovery frame), which once crashed the delivery report
    (``tuple.index(x): x not in tuple``) on any small warehouse, e.g. ``opsreview demo --months 3 --scale 0.2``."""
    deploy(fourkeys, "gh:30", "2026-07-10T10:00:00", sha="a30a30a", service="search", team="discovery")
    levels = dm.dora_performance_levels(fourkeys, "2026Q3", by="service").set_index("service")
    search = levels.loc["search"]
    assert pd.isna(search["recovery_level"]) and pd.isna(search["lead_time_level"]) and search["deployments"] == 1
    # one deployment in 13 weeks is "low" frequency; no failure among it is an "elite" failure rate; lowest wins
    assert (search["frequency_level"], search["change_failure_level"], search["dora_level"]) == ("low", "elite", "low")
