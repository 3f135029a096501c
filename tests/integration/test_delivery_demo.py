"""DORA metrics on the demo warehouse against the truth file (computed in plain Python), the GitHub
export round trip (canonical rows → GitHub JSON → the github-deployments loader → the same rows),
and the delivery notebook's delivery.json."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics.demo.render_delivery import write_github_deployments
from analytics.metrics import delivery as dm
from analytics.reports import run_reports
from analytics.sources import ingest
from analytics.warehouse import connect
from tests.conftest import DemoBuild

pytestmark = pytest.mark.integration

DEPLOYMENT_COLUMNS = ["deployment_id", "source", "source_id", "service", "team", "repo", "environment", "deployed_at",
                      "status", "commit_sha", "is_rollback", "is_rework"]
CHANGE_COLUMNS = ["change_id", "source", "repo", "service", "team", "commit_sha", "committed_at", "deployment_id"]


def _frame(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> pd.DataFrame:
    return con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1").df()


@pytest.mark.parametrize("label", ["2026Q3", "2026Q2"])
def test_pipeline_success_rate_equals_the_truth(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection,
                                                label: str) -> None:
    """CI runs arrive as a canonical CSV (a non-GitHub CI); the flaky suite planted in Q3 shows."""
    truth = demo.truth["delivery"][label]
    assert dm.pipeline_success_rate(demo_con, label) == pytest.approx(truth["pipeline_success_rate"], abs=1e-12)
    planted = demo.truth["planted"]["pipeline_pass_rate"]
    expected = planted["from_2026Q3"] if label == "2026Q3" else planted["before"]
    assert truth["pipeline_success_rate"] == pytest.approx(expected, abs=0.015)  # the plant, within sampling noise


@pytest.mark.parametrize("label", ["2026Q3", "2026Q2"])
def test_dora_metrics_equal_the_truth(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection, label: str) -> None:
    truth = demo.truth["delivery"][label]
    summary = dm.dora_summary(demo_con, label)
    assert (summary.deployments, summary.failed_deployments) == (truth["deployments"], truth["failed_deployments"])
    assert summary.change_failure_rate == pytest.approx(truth["change_failure_rate"], abs=1e-12)
    assert summary.lead_time_hours.value == pytest.approx(truth["lead_time_hours_p50"], abs=1e-9)
    assert summary.lead_time_excluded_nonpositive == truth["lead_time_excluded_nonpositive"]
    assert summary.recovery_minutes.value == pytest.approx(truth["recovery_minutes_p50"], abs=1e-9)
    assert summary.recovery_minutes.n == truth["recovery_n"]
    assert summary.rework_rate == pytest.approx(truth["rework_rate"], abs=1e-12)
    frequency = dm.deployment_frequency(demo_con, label, by="service")
    assert {r.service: round(r.deploys_per_week, 6) for r in frequency.itertuples()} == \
        truth["deployments_per_week_by_service"]


def test_the_planted_change_failure_rate_and_levels(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection) -> None:
    quarter = demo.truth["quarter"]
    summary = dm.dora_summary(demo_con, quarter)
    assert round(summary.change_failure_rate, 2) == demo.truth["planted"]["change_failure_rate_target"]
    # one planted failed deployment has two incidents: incidents outnumber failed deployments
    cfr = dm.change_failure_rate(demo_con, quarter).iloc[0]
    assert int(cfr["linked_incidents"]) > int(cfr["failed_deployments"])
    assert summary.fourkeys_frequency_bucket == "Daily"
    levels = dm.dora_performance_levels(demo_con, quarter, by="team")
    assert set(levels["team"]) == set(demo.truth["teams"]) and levels["dora_level"].notna().all()


def test_github_export_round_trip(demo_con: duckdb.DuckDBPyConnection, demo: DemoBuild, tmp_path: Path) -> None:
    deployments = _frame(demo_con, "deployments", DEPLOYMENT_COLUMNS)
    changes = _frame(demo_con, "changes", CHANGE_COLUMNS)
    folder = write_github_deployments(deployments, changes, tmp_path / "github")
    con = connect(":memory:")
    try:
        result = ingest(con, "auto", [str(folder)])[0]
        assert (result.kind, result.rows_loaded) == ("github-deployments", len(deployments))
        pd.testing.assert_frame_equal(_frame(con, "deployments", DEPLOYMENT_COLUMNS), deployments)
        pd.testing.assert_frame_equal(_frame(con, "changes", CHANGE_COLUMNS), changes)
        # with the demo's incidents next to them, the loaded exports give the truth's numbers
        incidents = demo_con.execute("SELECT * FROM incidents").df()
        con.register("demo_incidents", incidents)
        con.execute("INSERT INTO incidents SELECT * FROM demo_incidents").fetchall()
        con.unregister("demo_incidents")
        quarter = demo.truth["quarter"]
        summary = dm.dora_summary(con, quarter)
        truth = demo.truth["delivery"][quarter]
        assert (summary.deployments, summary.failed_deployments) == (truth["deployments"], truth["failed_deployments"])
        assert summary.lead_time_hours.value == pytest.approx(truth["lead_time_hours_p50"], abs=1e-9)
    finally:
        con.close()


@pytest.mark.slow
def test_the_notebooks_write_the_truths_into_their_artifacts(demo: DemoBuild, tmp_path: Path) -> None:
    quarter = demo.truth["quarter"]
    summary = run_reports(["delivery_performance", "slo_error_budget"], quarter, settings=demo.settings,
                          out_dir=tmp_path)
    assert summary.ok, [r.error for r in summary.failed]
    delivery = json.loads((tmp_path / "delivery_performance" / "delivery.json").read_text())
    truth = demo.truth["delivery"][quarter]
    assert delivery["summary"]["deployments"] == truth["deployments"]
    assert delivery["summary"]["change_failure_rate"] == pytest.approx(truth["change_failure_rate"])
    assert delivery["summary"]["lead_time_hours"]["value"] == pytest.approx(truth["lead_time_hours_p50"])
    assert delivery["summary"]["recovery_minutes"]["value"] == pytest.approx(truth["recovery_minutes_p50"])
    assert delivery["dora_year"] == 2024 and "unverified" in delivery["dora_caveat"]
    slo = json.loads((tmp_path / "slo_error_budget" / "slo.json").read_text())
    got = {row["slo"]: row for row in slo["compliance"]}
    for name, expected in demo.truth["slo"][quarter].items():
        assert got[name]["compliance"] == pytest.approx(expected["compliance"], abs=1e-12)
        assert got[name]["error_budget_remaining"] == pytest.approx(expected["error_budget_remaining"], abs=1e-9)
    html = (tmp_path / "delivery_performance.html").read_text()
    assert f"{truth['failed_deployments']} of {truth['deployments']} deployments caused at least one incident" in html
