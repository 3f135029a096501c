"""The quarterly review on the demo warehouse against the demo company's truth file (computed in plain
Python from the generated records, analytics/demo/truth.py): every planted and derived KPI equals the
report's KPI — as :func:`quarterly_kpis` returns it and as the executed notebook wrote it to kpis.json —
and the HTML reads as an executive document (no code, the summary first, labelled charts)."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import analytics
from analytics.demo.company import SERVICES
from analytics.demo.world import SP_ID
from analytics.metrics import quarterly as qr
from analytics.periods import parse_period
from analytics.reports import run_reports
from analytics.scorecard import Kpi
from analytics.warehouse import run
from tests.conftest import DemoBuild

pytestmark = pytest.mark.integration

IMPACT_TOLERANCE = 0.05  # as tests/integration/test_anomalies_demo.py: planted impacts recovered within ±5 %
TIER1 = {s.name for s in SERVICES if s.tier == "tier1"}  # the demo's critical journeys are its tier-1 services


@pytest.fixture(scope="module")
def direct(demo: DemoBuild) -> dict[str, dict[str, Any]]:
    """The KPIs as quarterly_kpis returns them, as kpis.json records (two quarters of history: the value and
    the previous quarter are all the checks need, and the notebook's file checks the six-quarter default)."""
    con = analytics.connect(demo.warehouse, read_only=True)
    try:
        kpis: list[Kpi] = qr.quarterly_kpis(con, demo.truth["quarter"], options=qr.ReviewOptions(history=2))
    finally:
        con.close()
    return {k.key: json.loads(json.dumps(k.as_record(), default=str)) for k in kpis}


@pytest.fixture(scope="module")
def rendered(demo: DemoBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notebook run through the real runner, alone (so its evidence pages are not in the folder)."""
    out = tmp_path_factory.mktemp("quarterly")
    summary = run_reports(["quarterly"], demo.truth["quarter"], settings=demo.settings, out_dir=out)
    assert summary.ok, [r.error for r in summary.failed]
    return out


@pytest.fixture(scope="module")
def written(rendered: Path) -> dict[str, Any]:
    return json.loads((rendered / "kpis.json").read_text("utf-8"))


@pytest.fixture(params=["quarterly_kpis", "kpis.json"])
def report(request: pytest.FixtureRequest, direct: dict[str, dict[str, Any]],
           written: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The same checks run on both: the function's KPIs and the notebook's file."""
    return direct if request.param == "quarterly_kpis" else {r["key"]: r for r in written["kpis"]}


def _matches(alert: dict[str, Any], planted: dict[str, Any]) -> bool:
    """The rule of tests/integration/test_anomalies_demo.py: an increase overlapping the planted window, at a
    scope naming its provider and service (and, below the service, its region or company service)."""
    start, end = date.fromisoformat(planted["start"]), date.fromisoformat(planted["end"])
    if alert["direction"] != "increase" or date.fromisoformat(alert["start"][:10]) > end \
            or date.fromisoformat(alert["end"][:10]) < start:
        return False
    if alert["provider"] != planted["provider"] or alert["service"] != planted["service_name"]:
        return False
    wanted = {"region": planted["region"], "tag": planted["company_service"]}
    return alert["level"] == "service" or wanted.get(alert["level"]) == alert["member"]


def test_the_planted_kpis(demo: DemoBuild, report: dict[str, dict[str, Any]]) -> None:
    planted, quarter = demo.truth["planted"], demo.truth["quarter"]
    incidents, delivery = demo.truth["incidents"][quarter], demo.truth["delivery"][quarter]
    cost = demo.truth["cost"][quarter]
    sev1 = report["time_to_restore_sev1_minutes"]
    assert sev1["value"] == planted["sev1_mttr_p50_minutes"] == incidents["mttr_minutes"]["SEV1"]["p50"]
    assert sev1["n"] == incidents["mttr_minutes"]["SEV1"]["n"] and sev1["status"] == "on track"
    cfr = report["change_failure_rate"]
    assert cfr["value"] == pytest.approx(delivery["change_failure_rate"], abs=1e-12)
    assert round(cfr["value"], 2) == planted["change_failure_rate_target"] and cfr["n"] == delivery["deployments"]
    commitments = report["commitment_utilisation"]
    assert commitments["value"] == pytest.approx(cost["commitment_utilisation"], abs=1e-12)
    savings_plan = next(c for c in commitments["details"]["commitments"] if c["commitment_id"] == SP_ID)
    assert savings_plan["utilisation"] == pytest.approx(planted["savings_plan_utilisation"], abs=1e-9)
    budget = report["budget_variance"]
    assert budget["value"] == pytest.approx(cost["budget_variance"], abs=1e-8)  # truth divides cents-rounded cost
    assert budget["details"]["budget"] == pytest.approx(cost["budget"], abs=0.006) and budget["status"] == "at risk"
    anomalies = report["cost_anomalies"]
    alerts = anomalies["details"]["alerts"]
    for truth in demo.truth["anomalies"]:
        hits = [a for a in alerts if _matches(a, truth)]
        assert len(hits) == 1, truth["id"]
        assert hits[0]["impact"] == pytest.approx(truth["impact"], rel=IMPACT_TOLERANCE), truth["id"]
    assert anomalies["n"] == len(demo.truth["anomalies"]) == len(alerts)
    assert anomalies["value"] == pytest.approx(sum(a["impact"] for a in alerts), abs=1e-6)


@pytest.mark.parametrize("label", ["quarter", "previous_quarter"])
def test_the_derived_kpis_and_their_previous_quarter(demo: DemoBuild, report: dict[str, dict[str, Any]],
                                                     label: str) -> None:
    """``value`` is checked against the truth of the quarter, ``previous`` against the quarter before."""
    field, quarter = ("value", demo.truth["quarter"]) if label == "quarter" else (
        "previous", demo.truth["previous_quarter"])
    incidents, delivery = demo.truth["incidents"][quarter], demo.truth["delivery"][quarter]
    slos, cost = demo.truth["slo"][quarter], demo.truth["cost"][quarter]
    counts = incidents["incident_count_by_severity"]
    assert report["incidents_total"][field] == incidents["incidents"]
    assert report["incidents_major"][field] == counts["SEV1"] + counts["SEV2"]
    assert report["time_to_restore_sev1_minutes"][field] == pytest.approx(incidents["mttr_minutes"]["SEV1"]["p50"])
    for key, truth in (("repeat_incident_rate", incidents["repeat_rate"]),
                       ("actionable_alert_share", incidents["actionable_share"]),
                       ("pages_per_responder_week", incidents["pages_per_responder_week"]),
                       ("change_failure_rate", delivery["change_failure_rate"]),
                       ("lead_time_hours", delivery["lead_time_hours_p50"]),
                       ("deployment_recovery_minutes", delivery["recovery_minutes_p50"]),
                       ("tag_coverage", cost["tag_coverage_team"]),
                       ("commitment_utilisation", cost["commitment_utilisation"]),
                       ("budget_variance", cost["budget_variance"])):
        assert report[key][field] == pytest.approx(truth, abs=1e-8), key
    deploying = [v for v in delivery["deployments_per_week_by_service"].values() if v > 0]
    weeks = parse_period(quarter).days / 7
    assert report["deployment_frequency_per_week"][field] == pytest.approx(
        delivery["deployments"] / weeks / len(deploying), abs=1e-12)
    assert report["cloud_cost"][field] == pytest.approx(cost["effective_cost"], abs=0.006)
    if delivery.get("pipeline_success_rate") is not None:  # demos that load CI runs
        assert report["pipeline_success_rate"][field] == pytest.approx(delivery["pipeline_success_rate"], abs=1e-12)
    critical = [s["compliance"] for name, s in slos.items() if name.removesuffix("-availability") in TIER1]
    others = [s["compliance"] for name, s in slos.items() if name.removesuffix("-availability") not in TIER1]
    assert report["slo_compliance_critical"][field] == pytest.approx(min(critical), abs=1e-12)
    assert report["slo_compliance_tier2"][field] == pytest.approx(min(others), abs=1e-12)
    assert report["error_budget_remaining"][field] == pytest.approx(
        min(s["error_budget_remaining"] for s in slos.values()), abs=1e-9)


def test_the_details_behind_the_headlines(demo: DemoBuild, report: dict[str, dict[str, Any]]) -> None:
    quarter = demo.truth["quarter"]
    incidents, cost, slos = (demo.truth[d][quarter] for d in ("incidents", "cost", "slo"))
    assert report["incidents_total"]["details"]["by_severity"] == incidents["incident_count_by_severity"]
    units = {r["dimension"]: r["unit_cost"] for r in report["unit_cost"]["details"]["by_service"]}
    assert units == pytest.approx(cost["unit_cost_per_1k_requests"], rel=1e-12)
    overspent = sorted(name for name, s in slos.items() if s["error_budget_remaining"] < 0)
    assert sorted(report["error_budget_remaining"]["details"]["overspent"]) == overspent
    critical = report["time_to_restore_critical_minutes"]["details"]
    assert critical["critical_incidents"] == incidents["critical_incidents"]
    assert critical["restored_share"] == pytest.approx(incidents["critical_restored_60min_share"], abs=1e-12)
    pipeline, truth = report["pipeline_success_rate"], demo.truth["delivery"][quarter].get("pipeline_success_rate")
    if truth is None:  # a demo without CI runs: no data, and what to load
        assert pipeline["status"] == "no data" and "opsreview ingest github-actions" in pipeline["missing"]
    else:
        assert pipeline["value"] == pytest.approx(truth, abs=1e-12) and pipeline["missing"] is None


def test_critical_time_to_restore_against_a_plain_median(demo: DemoBuild, direct: dict[str, dict[str, Any]]) -> None:
    """No truth value exists for it, so it is recomputed here from the raw rows with numpy."""
    con = analytics.connect(demo.warehouse, read_only=True)
    try:
        q = parse_period(demo.truth["quarter"])
        minutes = [m for (m,) in run(con, "SELECT epoch(i.resolved_at - i.created_at) / 60 FROM incidents AS i "
                                          "JOIN services AS s USING (service) WHERE s.tier = 'tier1' "
                                          "AND i.severity IN ('SEV1', 'SEV2') AND i.resolved_at IS NOT NULL "
                                          "AND i.created_at >= $s AND i.created_at < $e",
                                     {"s": q.start_ts, "e": q.end_ts})]
    finally:
        con.close()
    kpi = direct["time_to_restore_critical_minutes"]
    assert kpi["value"] == pytest.approx(float(np.median(minutes)), abs=1e-9) and kpi["n"] == len(minutes)
    assert kpi["ci"]["low"] <= kpi["value"] <= kpi["ci"]["high"] and kpi["status"] == "at risk"


def test_kpis_json_is_what_quarterly_kpis_returns(demo: DemoBuild, direct: dict[str, dict[str, Any]],
                                                  written: dict[str, Any]) -> None:
    assert written["period"] == demo.truth["quarter"] and written["previous_period"] == demo.truth["previous_quarter"]
    assert [r["key"] for r in written["kpis"]] == list(direct)
    for record in written["kpis"]:
        mine = direct[record["key"]]
        assert len(record["history"]) == (2 if record["key"] == "cost_anomalies" else 6), record["key"]
        assert [h["value"] for h in record["history"][-2:]] == [record["previous"], record["value"]], record["key"]
        assert {"value", "target", "status", "n", "period"} <= set(record)
        assert record["period"] == demo.truth["quarter"]
        assert (record["status"], record["n"]) == (mine["status"], mine["n"]), record["key"]
        assert record["value"] == pytest.approx(mine["value"], abs=1e-9), record["key"]
        assert record["previous"] == pytest.approx(mine["previous"], abs=1e-9), record["key"]


def test_the_html_reads_as_an_executive_document(rendered: Path) -> None:
    page = (rendered / "quarterly_review.html").read_text("utf-8")
    for code in ("import analytics", "params = ", "quarterly_kpis(", "QuarterlyReviewParams", "hourly_rate: float"):
        assert code not in page, f"code leaked into the HTML: {code}"
    headings = re.findall(r"<h2[^>]*>([^<]+)", page)
    assert headings[:2] == ["Executive summary", "Scorecard"], headings
    assert page.index("Top risks") < page.index("Top wins") < page.index('<table class="scorecard ')  # + no-math class
    assert "KPIs without data" in headings
    missing = page[page.index('id="KPIs-without-data"'):page.index('id="How-these-numbers-are-made"')]
    written = json.loads((rendered / "kpis.json").read_text("utf-8"))
    for record in written["kpis"]:
        if record["value"] is None:  # each KPI without data is listed with what to load
            for text in (record["label"], record["missing"]):
                assert text in missing or html.escape(text) in missing, text
    assert page.count("<img") >= 2 and page.count("<svg") >= 15  # labelled charts and the sparklines
    assert "(not in this run)" in page  # run alone: evidence pages are named, never linked dead
    executed = (rendered / "quarterly_review.ipynb").read_text("utf-8")
    assert '"output_type": "error"' not in executed
