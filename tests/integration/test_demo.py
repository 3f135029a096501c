"""The demo warehouse against the generator's truth file (computed in plain Python, no SQL)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from analytics.demo.truth import compute_truth
from analytics.demo.world import generate
from analytics.metrics import incidents as im
from analytics.periods import parse_period
from analytics.sources import ingest
from analytics.warehouse import connect, run
from tests.conftest import DemoBuild

pytestmark = pytest.mark.integration


def test_cost_per_provider_and_quarter_equals_the_truth_to_the_cent(
    demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection
) -> None:
    for label, truth in demo.truth["cost"].items():
        q = parse_period(label)
        rows = run(demo_con, "SELECT ProviderName, sum(EffectiveCost) FROM cost WHERE ChargePeriodStart >= $s "
                             "AND ChargePeriodStart < $e GROUP BY 1 ORDER BY 1", {"s": q.start_ts, "e": q.end_ts})
        got = {p: round(float(v), 2) for p, v in rows}
        assert got == pytest.approx(truth["effective_cost_by_provider"], abs=0.011)


def test_the_restated_month_replaced_its_first_delivery(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection) -> None:
    ledger = run(demo_con, "SELECT file_id, file_path LIKE '%aws-first-delivery%', status, superseded_by "
                           "FROM ingest_ledger WHERE source_kind = 'aws-cur' AND file_name = $n ORDER BY file_id",
                 {"n": "lumen-cur2-Manifest.json (2026-08)"})
    assert [row[1:3] for row in ledger] == [(True, "superseded"), (False, "loaded")]
    assert ledger[0][3] == ledger[1][0] and ledger[1][3] is None  # the final delivery replaced the first
    billed = run(demo_con, "SELECT sum(BilledCost) FROM cost WHERE ProviderName = 'AWS' "
                           "AND BillingPeriodStart = TIMESTAMPTZ '2026-08-01'")[0][0]
    assert round(float(billed), 2) == pytest.approx(demo.truth["cost"]["2026Q3"]["billed_cost_by_provider"]["AWS"]
                                                    - _aws_billed(demo, "2026-07") - _aws_billed(demo, "2026-09"),
                                                    abs=0.03)


def _aws_billed(demo: DemoBuild, month: str) -> float:
    con = connect(demo.warehouse, read_only=True)
    try:
        return float(run(con, "SELECT sum(BilledCost) FROM cost WHERE ProviderName = 'AWS' AND "
                              "strftime(BillingPeriodStart, '%Y-%m') = $m", {"m": month})[0][0])
    finally:
        con.close()


def test_every_cost_file_reconciled(demo_con: duckdb.DuckDBPyConnection) -> None:
    rows = run(demo_con, "SELECT count(*), count(*) FILTER (WHERE reconciled), "
                         "count(*) FILTER (WHERE source_billed_total <> warehouse_billed_total) "
                         "FROM ingest_ledger WHERE target_table = 'cost'")
    files, reconciled, mismatched = rows[0]
    assert files > 50 and reconciled == files and mismatched == 0


def test_incident_metrics_recover_the_truth(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection) -> None:
    for label in (demo.truth["quarter"], demo.truth["previous_quarter"]):
        truth = demo.truth["incidents"][label]
        totals = im.incident_totals(demo_con, parse_period(label))
        assert {k: v for k, v in totals.items() if k != "total"} == truth["incident_count_by_severity"]
        mttr = im.mttr_by_severity(demo_con, parse_period(label)).set_index("severity")
        for sev, expected in truth["mttr_minutes"].items():
            assert mttr.loc[sev, "n"] == expected["n"]
            assert mttr.loc[sev, "p50_minutes"] == pytest.approx(expected["p50"], abs=1e-9)
            assert mttr.loc[sev, "p90_minutes"] == pytest.approx(expected["p90"], abs=1e-9)
        assert int(mttr["still_open"].sum()) == truth["open_incidents_excluded"]
    planted = demo.truth["planted"]["sev1_mttr_p50_minutes"]
    assert demo.truth["incidents"][demo.truth["quarter"]]["mttr_minutes"]["SEV1"]["p50"] == planted


def test_replaying_every_demo_load_ends_where_it_started(demo: DemoBuild, tmp_path: Path) -> None:
    """Replaying every recorded load in plan order changes nothing but the one re-delivered period.

    Every file is a no-op (``unchanged``) except the two deliveries of the AWS billing period the demo
    restates: replaying the superseded first delivery makes it current again (issue 15.2: an earlier
    delivery loaded again wins), and replaying the restatement after it makes that current again.
    The end state — cost by provider, and which deliveries are current — is the starting state.
    """
    import shutil

    from analytics.demo.build import read_load_plan

    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo.warehouse, copy)
    con = connect(copy)
    current = ("SELECT list((source_kind, sha256) ORDER BY source_kind, sha256) FROM ingest_ledger "
               "WHERE status = 'loaded'")
    by_provider = "SELECT ProviderName, sum(BilledCost), count(*) FROM cost GROUP BY 1 ORDER BY 1"
    try:
        current_before, cost_before = run(con, current), run(con, by_provider)
        plan = read_load_plan(demo.demo_dir)
        assert {p.kind for p in plan} >= {"pagerduty", "aws-cur", "gcp-billing", "focus", "github-deployments"}
        outcomes = [(item, r) for item in plan for r in ingest(con, item.kind, [str(item.path)], item.options)]
        reloaded = [(item.path.parent.name, r.status) for item, r in outcomes if r.status != "unchanged"]
        assert reloaded == [("aws-first-delivery", "loaded"), ("aws", "loaded")]
        assert len(outcomes) >= len(plan) >= 40  # a folder item yields one result per billing period
        assert run(con, current) == current_before
        assert run(con, by_provider) == cost_before
    finally:
        con.close()


def test_generation_is_deterministic(demo: DemoBuild) -> None:
    again = json.loads(json.dumps(compute_truth(generate(7, 1.0)), sort_keys=True, default=str))
    assert again == demo.truth
    other = compute_truth(generate(8, 1.0))
    assert other["incidents"]["2026Q3"]["incidents"] != demo.truth["incidents"]["2026Q3"]["incidents"]


def test_truth_file_states_its_definitions(demo: DemoBuild) -> None:
    assert {"mttr_minutes", "change_failure_rate", "tag_coverage_team", "anomaly_impact"} <= set(
        demo.truth["definitions"])
    assert {a["id"] for a in demo.truth["anomalies"]} == {"A1", "A2", "A3", "A4"}
    assert all(a["impact"] > 0 for a in demo.truth["anomalies"])
    _ = Decimal
