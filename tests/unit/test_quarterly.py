"""The quarterly review's KPI adapter (analytics/metrics/quarterly.py) on tiny hand-built warehouses, with
every expected number worked out by hand in the comments; the no-data path of every KPI family; the
executive summary; and the runner's `quarterly` alias and ordering."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

from analytics.errors import ParameterError, UnknownNameError
from analytics.metrics import incidents as im
from analytics.metrics import quarterly as qr
from analytics.params import QuarterlyReviewParams
from analytics.reports import html_exporter, resolve_names
from analytics.scorecard import Kpi, TargetBook, TargetRule, scorecard_html, section_anchor
from analytics.settings import Settings
from analytics.warehouse import run
from analytics.warehouse.ledger import refresh_cost_tags

pytestmark = pytest.mark.unit
Family = Callable[..., list[Kpi]]

EMPTY_KEYS = [
    "time_to_restore_sev1_minutes", "time_to_restore_critical_minutes", "slo_compliance_critical",
    "error_budget_remaining", "incidents_major", "incidents_total", "repeat_incident_rate", "actionable_alert_share",
    "pages_per_responder_week", "deployment_frequency_per_week", "lead_time_hours", "change_failure_rate",
    "deployment_recovery_minutes", "pipeline_success_rate", "cloud_cost", "budget_variance", "unit_cost",
    "cost_per_tenant", "tag_coverage", "commitment_utilisation", "cost_anomalies",
]


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def by_key(kpis: list[Kpi]) -> dict[str, Kpi]:
    return {k.key: k for k in kpis}


# -- no data ------------------------------------------------------------------------------------------
def test_an_empty_warehouse_gives_every_kpi_as_no_data_with_what_to_load(con: duckdb.DuckDBPyConnection) -> None:
    kpis = qr.quarterly_kpis(con, "2026Q3")
    assert [k.key for k in kpis] == EMPTY_KEYS
    for k in kpis:
        assert k.value is None and k.status == "no data", k.key
        assert k.missing and k.missing.startswith("load ") and "opsreview ingest" in k.missing, k.key
        assert k.evidence and re.fullmatch(r"[a-z_]+\.html#[A-Za-z-]+", k.evidence), k.key
        assert k.as_record()["missing"] == k.missing and k.period == "2026Q3"


@pytest.mark.parametrize("family", [qr.incident_kpis, qr.slo_kpis, qr.delivery_kpis, qr.cost_kpis, qr.anomaly_kpis])
def test_each_family_on_its_own_says_what_to_load(con: duckdb.DuckDBPyConnection, family: Family) -> None:
    kpis = family(con, "2026Q3", TargetBook())
    assert kpis and all(k.status == "no data" and "opsreview ingest" in (k.missing or "") for k in kpis)


# -- incidents ------------------------------------------------------------------------------------------
def incident(con: duckdb.DuckDBPyConnection, key: str, service: str, severity: int, created: str,
             minutes: float | None, *, fingerprint: str | None = None, responders: list[str] | None = None) -> None:
    start = ts(created)
    run(con, "INSERT INTO incidents (incident_id, source, source_id, service, severity, severity_rank, status, "
             "created_at, acknowledged_at, resolved_at, urgency, fingerprint, responders, source_file_id) VALUES "
             "($id, 'pd', $id, $svc, $sev, $rank, $status, $c, $a, $r, 'high', $fp, $resp, 0)",
        {"id": key, "svc": service, "sev": f"SEV{severity}", "rank": severity,
         "status": "open" if minutes is None else "resolved", "c": start, "a": start + timedelta(minutes=2),
         "r": None if minutes is None else start + timedelta(minutes=minutes), "fp": fingerprint or key,
         "resp": responders})


@pytest.fixture
def incidents(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    run(con, "INSERT INTO services VALUES ('pay', 'core', 'tier1', NULL, NULL, 0), "
             "('web', 'front', 'tier2', NULL, NULL, 0)")
    incident(con, "p:1", "pay", 1, "2026-07-01T00:00:00", 30, fingerprint="db", responders=["ann", "bob"])
    incident(con, "p:2", "pay", 1, "2026-07-10T00:00:00", 50, fingerprint="db")  # a repeat of p:1 (9 days)
    incident(con, "p:3", "pay", 2, "2026-08-01T00:00:00", 100)
    incident(con, "p:4", "pay", 2, "2026-08-02T00:00:00", None)  # still open
    incident(con, "p:5", "web", 1, "2026-08-03T00:00:00", 20)
    incident(con, "p:6", "web", 3, "2026-08-04T00:00:00", 500)
    incident(con, "p:0", "pay", 1, "2026-05-01T00:00:00", 90, fingerprint="old")  # 2026Q2
    return con


def test_incident_kpis_by_hand(incidents: duckdb.DuckDBPyConnection) -> None:
    kpis = by_key(qr.incident_kpis(incidents, "2026Q3", TargetBook()))
    sev1 = kpis["time_to_restore_sev1_minutes"]
    # SEV1 in Q3: 30, 50 (pay) and 20 (web) minutes → median 30; Q2: 90
    assert (sev1.value, sev1.previous, sev1.n, sev1.status) == (30.0, 90.0, 3, "on track")
    assert sev1.insufficient and sev1.ci_low is not None and sev1.ci_low <= 30 <= sev1.ci_high
    assert [v for _, v in sev1.history] == [None, None, None, None, 90.0, 30.0]
    assert [p for p, _ in sev1.history] == ["2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    critical = kpis["time_to_restore_critical_minutes"]
    # tier-1 SEV1–SEV2: 30, 50, 100 and one still open → median 50; restored within 60 min: 2 of 4
    assert (critical.value, critical.previous, critical.n) == (50.0, 90.0, 3)
    assert critical.details["restored_within_target"] == 2 and critical.details["critical_incidents"] == 4
    assert critical.details["still_open"] == 1 and "1 still open" in (critical.note or "")
    assert (kpis["incidents_major"].value, kpis["incidents_major"].previous) == (5.0, 1.0)
    assert kpis["incidents_total"].value == 6.0
    assert kpis["incidents_total"].details["by_severity"] == {"SEV1": 3, "SEV2": 2, "SEV3": 1, "SEV4": 0, "SEV5": 0}
    assert kpis["incidents_major"].status == "no target"  # the shipped file sets none
    repeat = kpis["repeat_incident_rate"]
    assert repeat.value == pytest.approx(1 / 6) and repeat.status == "off track"  # 16.7% > 15%
    # incidents are loaded but no page (notify event) is: the on-call KPI says what to load
    assert kpis["pages_per_responder_week"].missing == qr.LOAD["pages"]


def test_the_incident_kpis_only_format_the_incident_summary(incidents: duckdb.DuckDBPyConnection) -> None:
    kpis = by_key(qr.incident_kpis(incidents, "2026Q3", TargetBook()))
    periods = qr.review_periods("2026Q3")
    summaries = im.incident_summaries(incidents, periods)
    loaded = [s.total > 0 for s in summaries]
    for key, value in [("time_to_restore_sev1_minutes", lambda s: s.sev1.median.value),
                       ("time_to_restore_critical_minutes", lambda s: s.critical.median.value),
                       ("incidents_major", lambda s: s.major), ("incidents_total", lambda s: s.total),
                       ("repeat_incident_rate", lambda s: s.repeats.repeat_rate),
                       ("actionable_alert_share", lambda s: s.noise.actionable_share)]:
        expected = [None if not ok or value(s) is None else float(value(s))
                    for s, ok in zip(summaries, loaded, strict=True)]
        assert [v for _, v in kpis[key].history] == expected, key
    now = summaries[-1]
    critical = kpis["time_to_restore_critical_minutes"]
    assert (critical.ci_low, critical.ci_high) == (now.critical.median.low, now.critical.median.high)
    assert critical.details["restored_within_target"] == now.restores.restored
    assert critical.details["change_is_real"] == now.critical.change_is_real
    assert kpis["incidents_total"].details["by_severity"] == dict(now.by_severity)


def test_incidents_without_a_catalogue_ask_for_the_tiers(con: duckdb.DuckDBPyConnection) -> None:
    incident(con, "p:1", "pay", 1, "2026-07-01T00:00:00", 30)
    critical = by_key(qr.incident_kpis(con, "2026Q3", TargetBook()))["time_to_restore_critical_minutes"]
    assert critical.value is None and critical.missing == qr.LOAD["services"]


def test_a_targets_file_judges_a_kpi_per_tier(incidents: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text("kpis:\n"
                    "  incidents_major: {better: lower, target: 3, at_risk: 6}\n"
                    "  time_to_restore_critical_minutes: {better: lower, target: 60, at_risk: 90,\n"
                    "                                     tiers: {tier1: {target: 45, at_risk: 55}}}\n")
    kpis = by_key(qr.incident_kpis(incidents, "2026Q3", TargetBook(path)))
    assert kpis["incidents_major"].status == "at risk"  # 5 incidents: above 3, within 6
    assert kpis["time_to_restore_critical_minutes"].target.target == 45  # the tier-1 override
    assert kpis["time_to_restore_critical_minutes"].status == "at risk"  # 50 min: above 45, within 55
    assert kpis["time_to_restore_sev1_minutes"].status == "no target"  # not in this file


# -- SLOs -------------------------------------------------------------------------------------------------
def slo(con: duckdb.DuckDBPyConnection, name: str, service: str, target: float, journey: str | None,
        good: int, total: int) -> None:
    run(con, "INSERT INTO slos (slo, service, target, time_window, is_rolling, journey, source_file_id) "
             "VALUES ($n, $s, $t, '1Q', false, $j, 0)", {"n": name, "s": service, "t": target, "j": journey})
    run(con, "INSERT INTO sli VALUES ($s, $n, $a, $b, $g, $t, 0)",
        {"n": name, "s": service, "a": ts("2026-07-01T00:00:00"), "b": ts("2026-07-01T01:00:00"), "g": good,
         "t": total})


def test_slo_kpis_group_critical_journeys_and_tiers(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "INSERT INTO services VALUES ('pay', 'core', 'tier1', NULL, NULL, 0), "
             "('web', 'front', 'tier2', NULL, NULL, 0)")
    slo(con, "a", "pay", 0.999, "critical", 9995, 10000)  # 99.95%: budget left 1 − 0.0005/0.001 = +50%
    slo(con, "c", "pay", 0.999, "critical", 9985, 10000)  # 99.85%: budget left 1 − 0.0015/0.001 = −50%
    slo(con, "b", "web", 0.99, None, 995, 1000)  # 99.5%: tier2 target 99.5% met; budget left 1 − 0.005/0.01 = +50%
    kpis = by_key(qr.slo_kpis(con, "2026Q3", TargetBook()))
    assert list(kpis) == ["slo_compliance_critical", "slo_compliance_tier2", "error_budget_remaining"]
    critical, tier2, budget = kpis.values()
    assert critical.value == pytest.approx(0.9985) and critical.status == "at risk"  # ≥ 99.8%, < 99.9%
    assert critical.n == 2 and critical.note.startswith("1 of 2 SLOs at or above 99.90%; lowest c")
    assert tier2.value == pytest.approx(0.995) and tier2.target.target == 0.995 and tier2.status == "on track"
    assert budget.value == pytest.approx(-0.5) and budget.status == "off track"  # below the −25% at-risk line
    assert budget.details["overspent"] == ["c"] and critical.previous is None


def test_slos_without_sli_counts_ask_for_them(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "INSERT INTO slos (slo, service, target, time_window, is_rolling, source_file_id) "
             "VALUES ('a', 'pay', 0.999, '1Q', false, 0)")
    kpis = qr.slo_kpis(con, "2026Q3", TargetBook())
    assert [k.key for k in kpis] == ["slo_compliance_no_tier", "error_budget_remaining"]
    assert all(k.missing == qr.LOAD["sli"] for k in kpis)


# -- delivery ------------------------------------------------------------------------------------------------
def test_delivery_kpis_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    for i in range(4):
        run(con, "INSERT INTO deployments VALUES ($id, 'gh', $sid, 'pay', NULL, 'o/r', 'production', $at, 'success', "
                 "NULL, false, false, 0)", {"id": f"gh:{i}", "sid": str(i), "at": ts("2026-07-02T12:00:00")})
    run(con, "INSERT INTO changes VALUES ('c:1', 'git', 'o/r', 'pay', NULL, 'aaaaaaa', $a, 'gh:0', 0), "
             "('c:2', 'git', 'o/r', 'pay', NULL, 'bbbbbbb', $b, 'gh:1', 0)",
        {"a": ts("2026-07-02T00:00:00"), "b": ts("2026-07-01T12:00:00")})  # 12 h and 24 h before
    run(con, "INSERT INTO incidents (incident_id, source, source_id, created_at, resolved_at, deployment_id, "
             "source_file_id) VALUES ('pd:1', 'pd', '1', $c, $r, 'gh:0', 0)",
        {"c": ts("2026-07-02T13:00:00"), "r": ts("2026-07-02T13:30:00")})
    for i, conclusion in enumerate(("success", "success", "failure")):
        run(con, "INSERT INTO pipeline_runs (run_id, source, source_id, repo, workflow, status, conclusion, "
                 "started_at, source_file_id) VALUES ($id, 'gha', $id, 'o/r', 'CI', 'completed', $c, $t, 0)",
            {"id": str(i), "c": conclusion, "t": ts("2026-07-01T10:00:00")})
    kpis = by_key(qr.delivery_kpis(con, "2026Q3", TargetBook()))
    frequency = kpis["deployment_frequency_per_week"]
    assert frequency.value == pytest.approx(4 / (92 / 7)) and frequency.status == "off track"  # < 1 a week
    assert kpis["lead_time_hours"].value == 18.0 and kpis["lead_time_hours"].n == 2  # median of 12 h and 24 h
    cfr = kpis["change_failure_rate"]
    assert cfr.value == 0.25 and cfr.status == "off track" and cfr.ci_low < 0.25 < cfr.ci_high  # 1 of 4 > 20%
    assert kpis["deployment_recovery_minutes"].value == 30.0
    assert kpis["deployment_recovery_minutes"].status == "no target"
    pipeline = kpis["pipeline_success_rate"]
    assert pipeline.value == pytest.approx(2 / 3) and pipeline.n == 3 and pipeline.status == "off track"


def test_deployments_without_commits_ask_for_them(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "INSERT INTO deployments VALUES ('gh:1', 'gh', '1', 'pay', NULL, 'o/r', 'production', $at, 'success', "
             "NULL, false, false, 0)", {"at": ts("2026-07-02T12:00:00")})
    kpis = by_key(qr.delivery_kpis(con, "2026Q3", TargetBook()))
    assert kpis["lead_time_hours"].missing == qr.LOAD["changes"]
    assert kpis["pipeline_success_rate"].missing == qr.LOAD["pipeline_runs"]
    assert kpis["change_failure_rate"].value == 0.0


# -- cost ---------------------------------------------------------------------------------------------------
@pytest.fixture
def costs(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """$10 a day tagged team=a, service=pay, and $2 a day untagged, from April to September; budgets of
    $350 a month for the quarter; 1,000 requests a day for pay."""
    for cost, tags in (("10", '{"team": "a", "service": "pay"}'), ("2", None)):
        run(con, "INSERT INTO cost (BillingAccountId, BillingCurrency, ProviderName, ServiceName, ChargeCategory, "
                 "ChargePeriodStart, ChargePeriodEnd, BillingPeriodStart, BillingPeriodEnd, BilledCost, EffectiveCost, "
                 "Tags, source_file_id) "
                 "SELECT 'payer', 'USD', 'AWS', 'EC2', 'Usage', d, d + INTERVAL 1 DAY, date_trunc('month', d), "
                 "date_trunc('month', d) + INTERVAL 1 MONTH, $c::DECIMAL(38, 10), $c::DECIMAL(38, 10), $t, 0 "
                 "FROM generate_series(TIMESTAMPTZ '2026-04-01 00:00:00+00', TIMESTAMPTZ '2026-09-30 00:00:00+00', "
                 "INTERVAL 1 DAY) AS g(d)", {"c": cost, "t": tags})
    refresh_cost_tags(con)  # written around the ledger, so the tag dictionary is brought up to date here
    for month in ("2026-07", "2026-08", "2026-09"):
        start = datetime.fromisoformat(f"{month}-01").date()
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        run(con, "INSERT INTO budgets VALUES ($p, $s, $e, 'total', 350, 'USD', 'EffectiveCost', 0)",
            {"p": month, "s": start, "e": end})
    run(con, "INSERT INTO business_metrics SELECT d::DATE, 'requests', 'pay', 1000, NULL, 0 "
             "FROM generate_series(DATE '2026-04-01', DATE '2026-09-30', INTERVAL 1 DAY) AS g(d)")
    return con


def test_cost_kpis_by_hand(costs: duckdb.DuckDBPyConnection) -> None:
    kpis = by_key(qr.cost_kpis(costs, "2026Q3", TargetBook()))
    # Q3 has 92 days: (10 + 2) × 92 = 1,104; Q2 has 91 days: 12 × 91 = 1,092
    assert (kpis["cloud_cost"].value, kpis["cloud_cost"].previous) == (1104.0, 1092.0)
    # budget 3 × 350 = 1,050: (1,104 − 1,050) / 1,050 = +5.14% → outside ±5%, inside ±10%
    budget = kpis["budget_variance"]
    assert budget.value == pytest.approx(54 / 1050) and budget.status == "at risk" and budget.n == 3
    assert budget.previous is None and budget.missing is None  # Q2 has no budget
    # tag coverage: 920 tagged of 1,104 taggable usage = 83.3% (below the 90% at-risk line)
    assert kpis["tag_coverage"].value == pytest.approx(920 / 1104) and kpis["tag_coverage"].status == "off track"
    # unit cost: 920 tagged service=pay / (92,000 requests / 1,000) = $10 per 1,000 requests
    assert kpis["unit_cost"].value == pytest.approx(10.0) and kpis["unit_cost"].n == 1
    assert kpis["cost_per_tenant"].missing.startswith(qr.LOAD["business_metrics"])
    commitments = kpis["commitment_utilisation"]
    assert commitments.value is None and commitments.missing.startswith("no commitment discount")


def test_flat_cost_has_no_anomaly_and_that_is_a_value(costs: duckdb.DuckDBPyConnection) -> None:
    (kpi,) = qr.anomaly_kpis(costs, "2026Q3", TargetBook())
    assert (kpi.value, kpi.n, kpi.status) == (0.0, 0, "no target")
    assert qr.top_anomalies(kpi).empty


# -- reliability against cost ------------------------------------------------------------------------
def test_reliability_cost_by_service(incidents: duckdb.DuckDBPyConnection) -> None:
    slo(incidents, "a", "pay", 0.999, "critical", 9985, 10000)
    frame = qr.reliability_cost_by_service(incidents, "2026Q3", hourly_rate=120).set_index("service")
    pay = frame.loc["pay"]
    # pay: 30 min × 2 responders + 50 min + 100 min (1 responder each; the open one adds nothing) = 210 min
    assert float(pay["incident_hours"]) == pytest.approx(180 / 60)
    assert float(pay["responder_hours"]) == pytest.approx(210 / 60)
    assert float(pay["incident_cost"]) == pytest.approx(210 / 60 * 120)
    assert (int(pay["incidents"]), int(pay["major_incidents"]), int(pay["unresolved"])) == (4, 4, 1)
    assert float(pay["error_budget_remaining"]) == pytest.approx(-0.5) and not bool(pay["slo_met"])
    assert frame.loc["web", "slos"] == 0 and frame["cloud_cost"].isna().all()  # no cost loaded
    with pytest.raises(ValueError, match="hourly_rate"):
        qr.reliability_cost_by_service(incidents, "2026Q3", hourly_rate=-1)


# -- the summary and the scorecard ---------------------------------------------------------------------
def _kpi(key: str, value: float | None, previous: float | None, rule: TargetRule | None, **extra: object) -> Kpi:
    return Kpi(key, key.replace("_", " ").capitalize(), "Area", "2026Q3", value, "ratio", n=50, previous=previous,
               history=(("2026Q2", previous), ("2026Q3", value)), target=rule, evidence=f"{key}.html#Section",
               missing=None if value is not None else "load X", **extra)  # type: ignore[arg-type]


def test_the_summary_ranks_risks_and_only_calls_real_changes_wins() -> None:
    low = TargetRule("x", "lower", 0.15, 0.20)
    kpis = [
        _kpi("far_off", 0.40, 0.30, low), _kpi("near_risk", 0.18, 0.17, low),
        _kpi("clear_win", 0.05, 0.10, low), _kpi("noisy_win", 0.01, 0.10, low, details={"change_is_real": False}),
        _kpi("missing", None, None, low), _kpi("untargeted", 0.5, 0.4, None),
    ]
    services = pd.DataFrame(columns=list(qr.RELIABILITY_COST_COLUMNS))
    page = qr.executive_summary_html(kpis, services, period="2026Q3", pages={"far_off.html"})
    risks = page[page.index("Top risks"):page.index("Top wins")]
    wins = page[page.index("Top wins"):]
    assert risks.index("Far off") < risks.index("Near risk")
    assert "Clear win" in wins and "Noisy win" not in wins
    assert ("Of 4 KPIs with a target, <b>2 on track</b>, <b>1 at risk</b> and <b>1 off track</b>; 1 more is shown "
            "without a target; 1 has no data") in page
    assert '<a href="far_off.html#Section">evidence</a>' in page  # the page exists in this run
    assert "near_risk.html (not in this run)" in page  # it does not: named, not linked


def test_scorecard_shows_intervals_insufficient_samples_and_load_hints() -> None:
    rule = TargetRule("x", "lower", 60, 90)
    sample = Kpi("ttr", "TTR", "Reliability", "2026Q3", 42.0, "minutes", n=31, ci_low=35.0, ci_high=50.0, min_n=10,
                 history=(("2026Q2", 50.0), ("2026Q3", 42.0)), target=rule)
    thin = Kpi("thin", "Thin", "Reliability", "2026Q3", 42.0, "minutes", n=3, min_n=10,
               history=(("2026Q2", 50.0), ("2026Q3", 42.0)), target=rule)
    none = Kpi("none", "None", "Delivery", "2026Q3", None, "ratio", missing="load CI runs: opsreview ingest x")
    page = scorecard_html([sample, thin, none])
    assert "95% CI 35 min–50 min" in page and "insufficient data (n &lt; 10)" in page
    assert page.count("<svg") == 1  # the insufficient KPI draws no trend
    assert "load CI runs: opsreview ingest x" in page
    assert thin.as_record()["insufficient"] and sample.as_record()["ci"] == {"low": 35.0, "high": 50.0, "level": 0.95}


def test_section_anchors_match_the_ids_nbconvert_renders() -> None:
    headings = ["Time to resolve", "Burn-rate alerts (SRE Workbook)", "Change failure rate and rework"]
    nb = new_notebook(cells=[new_markdown_cell(f"## {h}") for h in headings],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    body, _ = html_exporter().from_notebook_node(nb)
    for heading in headings:
        assert f'id="{section_anchor(heading)}"' in body, heading
    for page, heading in qr.EVIDENCE.values():
        assert page in qr.EVIDENCE_PAGES and section_anchor(heading)


# -- parameters and the runner ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"history": 1}, "history must be at least 2"),
        ({"history": 30}, "history must be within"),
        ({"hourly_rate": -5}, "hourly_rate must be a finite number"),
        ({"unit_metric": " "}, "unit_metric must name"),
        ({"targets": "/no/such/targets.yaml"}, "cannot read targets file"),
    ],
)
def test_bad_parameters_are_one_line_errors(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        QuarterlyReviewParams.from_raw(period="2026Q3", **raw)  # type: ignore[arg-type]


def test_the_report_dir_is_the_parent_of_the_artifact_folder(tmp_path: Path) -> None:
    params = QuarterlyReviewParams.from_raw(period="2026Q3", output_dir=tmp_path / "quarterly_review",
                                            tenant_metric="")
    assert params.report_dir == tmp_path and params.options.tenant_metric is None
    assert qr.evidence_pages(tmp_path) == set() and qr.evidence_pages(None) is None


def test_the_quarterly_alias_and_all_runs_the_review_last(tmp_path: Path) -> None:
    for name in ("a_report", "quarterly_review", "z_report"):
        nbformat.write(new_notebook(), tmp_path / f"{name}.ipynb")
    settings = Settings(home=tmp_path, warehouse=":memory:", reports_dir=tmp_path / "r", notebooks_dir=tmp_path,
                        demo_dir=tmp_path / "d")
    assert resolve_names(["quarterly"], settings) == ["quarterly_review"]
    assert resolve_names(["all"], settings) == ["a_report", "z_report", "quarterly_review"]
    assert resolve_names(["quarterly", "all"], settings) == ["a_report", "z_report", "quarterly_review"]
    with pytest.raises(UnknownNameError, match=r"quarterly \(= quarterly_review\)"):
        resolve_names(["quartely"], settings)
