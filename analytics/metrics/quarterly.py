"""The quarterly review's KPIs (``notebooks/quarterly_review.ipynb``): every KPI the loaded data supports
as a scorecard line, and reliability set against cost per service.

One function per KPI family — :func:`incident_kpis`, :func:`slo_kpis`, :func:`delivery_kpis`,
:func:`cost_kpis` and :func:`anomaly_kpis` — returns :class:`~analytics.scorecard.Kpi` objects carrying
the value for the period, the previous period's value (the QoQ change), the last ``history`` periods
for the sparkline, the ``n`` the value rests on, the target rule from the targets file and a link to
the section of the evidence page that shows the KPI in detail. :func:`quarterly_kpis` returns them all
in scorecard order.

Every value comes from the domain that defines it — the incident KPIs from one
:func:`~analytics.metrics.incidents.incident_summary` per period, the delivery ones from
:func:`~analytics.metrics.delivery.dora_summary`, unit cost from
:func:`~analytics.metrics.cost.unit_cost_summary`, and the SLO, cost and anomaly functions of
:mod:`analytics.metrics.slo`, ``cost`` and :mod:`analytics.anomalies.cost`; this module only picks and
formats, so the scorecard always agrees with the evidence pages. A KPI whose data is not loaded is still
returned, with ``value=None`` and ``missing`` naming the ``opsreview ingest`` command that loads it: never a
made-up number, never silently dropped. Dates derive from the period, never from the clock.

Definitions of the KPIs that are specific to this report (docs/quarterly-review.md):

* **time to restore, critical services** — median resolved_at − created_at of critical incidents (the
  semantic layer's ``incident_is_critical``: SEV1–SEV2 of tier-1 services) created in the period, with
  its 95% bootstrap CI and ``n``; still-open incidents are left out (right-censored) and counted; the QoQ
  change is called real only when the bootstrap CI of the difference of medians excludes 0
  (docs/metrics.md §1.2);
* **SLO compliance per group** — SLOs on a critical journey (``slos.journey = 'critical'``) form one
  group judged against the tier-1 target; the others are grouped by their service's tier. The value is
  the group's *lowest* compliance: every critical journey has to hold, so the weakest one is the KPI;
* **error budget left** — the lowest error budget remaining of any SLO (negative when overspent);
* **unit cost** — Σ EffectiveCost tagged with a service that has volume / Σ volume × ``per``
  (:func:`~analytics.metrics.cost.blended_unit_cost`);
* **cost anomalies** — Σ impact of the period's alerted cost anomalies (increases); its history covers
  the period and the one before only, because detection reads half a year of daily cost per period;
* **cost of incident hours** (:func:`reliability_cost_by_service`) — responder-hours × an hourly rate,
  responder-hours being Σ max(1, responders) × hours from created to resolved.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.anomalies import cost as ca
from analytics.anomalies import counts as cc
from analytics.escaping import NO_MATH_CLASS, html_text
from analytics.metrics import cost as cm
from analytics.metrics import delivery as dm
from analytics.metrics import incidents as im
from analytics.metrics import slo as sm
from analytics.metrics.delivery import json_ready
from analytics.metrics.stats import MIN_N, Estimate, wilson_interval
from analytics.periods import Period, parse_period
from analytics.scorecard import (
    Kpi,
    TargetBook,
    TargetRule,
    evidence_href,
    evidence_link,
    format_value,
    kpi_sentence,
    status_counts,
    top_risks,
    top_wins,
)
from analytics.sql import query

__all__ = [
    "CRITICAL_JOURNEY", "CRITICAL_TIER", "DEFAULT_HOURLY_RATE", "EVIDENCE", "EVIDENCE_PAGES", "HISTORY", "LOAD",
    "ReviewOptions", "anomaly_kpis", "cost_kpis", "data_rows", "delivery_kpis", "evidence_pages",
    "executive_summary_html", "incident_kpis", "kpi_frame", "missing_data_frame", "quarterly_kpis",
    "reliability_cost_by_service", "review_periods", "slo_kpis", "top_anomalies",
]

DEFAULT_HOURLY_RATE = 100.0
"""Fully loaded cost of one responder-hour (salary and overhead) in the billing currency, used for the cost
of incident hours unless the report is given its own rate; a round placeholder, printed next to every
number it produces."""
HISTORY = 6
"""Periods in the sparklines, the reported one included (six quarters: a year and a half)."""
CRITICAL_TIER = im.CRITICAL_TIER
CRITICAL_JOURNEY = "critical"

EVIDENCE: dict[str, tuple[str, str]] = {
    "volume": ("incident_trends.html", "Volume"),
    "restore": ("incident_trends.html", "Time to resolve"),
    "repeats": ("incident_trends.html", "Repeats and recurring failure modes"),
    "oncall": ("incident_trends.html", "On-call health"),
    "noise": ("incident_trends.html", "Alert noise"),
    "frequency": ("delivery_performance.html", "Deployment frequency"),
    "lead_time": ("delivery_performance.html", "Lead time for changes"),
    "failure": ("delivery_performance.html", "Change failure rate and rework"),
    "recovery": ("delivery_performance.html", "Failed-deployment recovery time"),
    "pipelines": ("delivery_performance.html", "Pipelines"),
    "slo": ("slo_error_budget.html", "Compliance and error budget"),
    "budget_burn": ("slo_error_budget.html", "Budget burned this quarter"),
    "cost": ("cost_overview.html", "Cost by provider"),
    "budget": ("cost_overview.html", "Budget"),
    "tags": ("cost_overview.html", "Tag coverage"),
    "commitments": ("cost_overview.html", "Commitments and savings"),
    "unit_cost": ("unit_cost.html", "Cost per unit this quarter"),
    "tenant": ("unit_cost.html", "Cost per tenant"),
    "anomalies": ("cost_anomalies.html", "Anomalies worth an alert"),
}
"""Evidence of each KPI: the report page ``opsreview report all`` writes next to this one, and the
section heading that shows it (its anchor is the id nbconvert gives the heading)."""
EVIDENCE_PAGES: tuple[str, ...] = tuple(sorted({page for page, _ in EVIDENCE.values()}))

LOAD: dict[str, str] = {
    "incidents": "load incidents: opsreview ingest pagerduty FILE (or opsgenie, servicenow, jira, incidentio)",
    "pages": "load pages: opsreview ingest pagerduty FOLDER (the REST export with log entries)",
    "services": "load the service catalogue with tiers: opsreview ingest services services.yaml",
    "deployments": "load deployments: opsreview ingest github-deployments FILE (or github-actions, deployments-csv)",
    "changes": "load commits: opsreview ingest changes-csv FILE (or github-deployments with push commits)",
    "pipeline_runs": "load CI runs: opsreview ingest github-actions runs.json",
    "slos": "load SLOs: opsreview ingest openslo slos.yaml, then opsreview ingest sli sli.csv",
    "sli": "load SLI counts for the period: opsreview ingest sli sli.csv",
    "cost": "load cost: opsreview ingest focus FILE (or aws-cur, gcp-billing, azure)",
    "budgets": "load budgets: opsreview ingest budgets budgets.csv",
    "business_metrics": "load business volumes: opsreview ingest business-metrics metrics.csv",
}
"""What to load to get a KPI whose data is missing, by data domain (:func:`data_rows`)."""


def _evidence(name: str) -> str:
    page, heading = EVIDENCE[name]
    return evidence_href(page, heading)


@dataclass(frozen=True)
class ReviewOptions:
    """How the review computes its KPIs (the notebook's parameters, validated by
    :class:`~analytics.params.QuarterlyReviewParams`)."""

    history: int = HISTORY
    tag_key: str = "team"  # tag whose coverage is a KPI
    cost_tag_key: str = "service"  # tag naming the service a cost row belongs to
    unit_metric: str = "requests"  # business metric of the unit cost, per service
    unit_per: float = 1000.0
    tenant_metric: str | None = "active_tenants"  # company-wide gauge for cost per tenant; None skips it
    environment: str | None = dm.DEFAULT_ENVIRONMENT
    budget_scope: str = "total"
    anomaly_min_impact: float = ca.DEFAULT_MIN_IMPACT  # in the billing currency
    anomaly_min_impact_pct: float = ca.DEFAULT_MIN_IMPACT_PCT

    def __post_init__(self) -> None:
        if self.history < 2:
            raise ValueError("history must cover at least the period and the one before (2)")
        if not self.unit_per > 0:
            raise ValueError("unit_per must be positive")


# -- periods and coverage ------------------------------------------------------------------------
def review_periods(period: Period | str, history: int = HISTORY) -> list[Period]:
    """The ``history`` periods ending with ``period``, oldest first.

    >>> [p.label for p in review_periods("2026Q3", 3)]
    ['2026Q1', '2026Q2', '2026Q3']
    """
    p = parse_period(period)
    return [p.previous(i) for i in range(max(history, 1) - 1, -1, -1)]


def data_rows(con: duckdb.DuckDBPyConnection, period: Period | str) -> dict[str, int]:
    """Rows per data domain in the period (``incidents``, ``pages``, ``cost`` …; :data:`LOAD` keys), so a
    KPI can tell data that is not loaded from a true zero.

    >>> from analytics.warehouse import connect
    >>> data_rows(connect(":memory:"), "2026Q3")["incidents"]
    0
    """
    p = parse_period(period)
    frame = query(con, "data_rows_by_domain", {"period_start": p.start_ts, "period_end": p.end_ts})
    return {str(d): int(n) for d, n in zip(frame["domain"], frame["row_count"], strict=True)}


def _line(
    key: str,
    label: str,
    area: str,
    periods: Sequence[Period],
    values: Sequence[float | None],
    *,
    unit: str,
    rule: TargetRule | None,
    n: int | None,
    evidence: str,
    missing: str | None = None,
    note: str | None = None,
    details: Mapping[str, Any] | None = None,
    estimate: Estimate | None = None,
    min_n: int | None = None,
) -> Kpi:
    """A scorecard line from one value per period (oldest first, the reported period last)."""
    clean = [None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v) for v in values]
    value = clean[-1]
    return Kpi(
        key=key, label=label, area=area, period=periods[-1].label, value=value, unit=unit, n=n,
        previous=clean[-2] if len(clean) > 1 else None,
        history=tuple((p.label, v) for p, v in zip(periods, clean, strict=True)),
        target=rule, evidence=evidence,
        missing=(missing or f"no value for {periods[-1].label}") if value is None else None,
        note=note if value is not None else None,
        details=json_ready(dict(details or {})),
        ci_low=estimate.low if estimate is not None and value is not None else None,
        ci_high=estimate.high if estimate is not None and value is not None else None,
        min_n=min_n,
    )


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


# -- incidents -------------------------------------------------------------------------------------
def _restore_note(restore: im.RestoreTimes, *, previous_label: str) -> tuple[str, dict[str, Any]]:
    """p90, still-open count and whether the change of the median on the previous period is real."""
    diff = restore.change
    parts = [f"p90 {format_value(restore.p90_minutes, 'minutes')}" if restore.p90_minutes is not None else ""]
    if restore.still_open:
        parts.append(f"{restore.still_open} still open, left out")
    real = restore.change_is_real
    if diff.value is not None and diff.low is not None and diff.high is not None:
        parts.append(f"change on {previous_label} {'is real' if real else 'is within noise'} "
                     f"(95% CI {diff.low:+.0f} to {diff.high:+.0f} min)")
    details = {"p90_minutes": restore.p90_minutes, "still_open": restore.still_open,
               "difference_minutes": diff.value, "difference_low": diff.low, "difference_high": diff.high,
               "change_is_real": real}
    return "; ".join(p for p in parts if p), details


def incident_kpis(
    con: duckdb.DuckDBPyConnection, period: Period | str, targets: TargetBook, *,
    options: ReviewOptions = ReviewOptions(),
) -> list[Kpi]:
    """Time to restore (SEV1 and critical services), incident volume, repeat rate, actionable alerts and
    on-call load, each with its history (:func:`analytics.metrics.incidents.incident_summary` per period).

    >>> from analytics.warehouse import connect
    >>> kpis = incident_kpis(connect(":memory:"), "2026Q3", TargetBook())
    >>> [(k.key, k.status) for k in kpis][:2]
    [('time_to_restore_sev1_minutes', 'no data'), ('time_to_restore_critical_minutes', 'no data')]
    """
    periods = review_periods(period, options.history)
    rule = targets.rule("time_to_restore_critical_minutes", tier=CRITICAL_TIER)
    within = rule.target if rule is not None else im.CRITICAL_RESTORE_MINUTES
    summaries = im.incident_summaries(con, periods, restore_target_minutes=within, critical_tier=CRITICAL_TIER)
    rows = [data_rows(con, p) for p in periods]
    loaded = [r["incidents"] > 0 for r in rows]
    now, loaded_now = summaries[-1], loaded[-1]
    label, previous = periods[-1].label, periods[-2].label
    no_incidents = None if loaded_now else LOAD["incidents"]
    out: list[Kpi] = []

    def history(value: Any) -> list[Any]:
        return [value(s) if ok else None for s, ok in zip(summaries, loaded, strict=True)]

    # time to restore: SEV1, all services
    note, details = _restore_note(now.sev1, previous_label=previous)
    out.append(_line(
        "time_to_restore_sev1_minutes", "Time to restore, SEV1 (median)", "Reliability", periods,
        history(lambda s: s.sev1.median.value), unit="minutes",
        rule=targets.rule("time_to_restore_sev1_minutes"), n=now.sev1.median.n, evidence=_evidence("restore"),
        missing=no_incidents or f"no resolved SEV1 incident in {label}", note=note,
        details={**details, "ci_method": now.sev1.ci_method}, estimate=now.sev1.median, min_n=MIN_N))

    # time to restore: critical services (tier 1, SEV1–SEV2)
    restores = now.restores
    note, details = _restore_note(now.critical, previous_label=previous)
    restored = (f"{restores.restored} of {restores.incidents} restored within {within:.0f} min"
                if restores.incidents else "")
    no_tiers = None if rows[-1]["tiered_services"] else LOAD["services"]
    out.append(_line(
        "time_to_restore_critical_minutes", "Time to restore, critical services (median)", "Reliability", periods,
        history(lambda s: s.critical.median.value), unit="minutes",
        rule=rule, n=now.critical.median.n, evidence=_evidence("restore"),
        missing=no_incidents or no_tiers or f"no resolved tier-1 SEV1–SEV2 incident in {label}",
        note="; ".join(t for t in (f"tier-1 services, SEV1–SEV2; {restored}" if restored else "", note) if t),
        details={**details, "ci_method": now.critical.ci_method, "critical_incidents": restores.incidents,
                 "restored_within_target": restores.restored, "restored_share": restores.share,
                 "target_minutes": within},
        estimate=now.critical.median, min_n=MIN_N))

    # volume
    severities = dict(now.by_severity)
    mix = ", ".join(f"{k} {v}" for k, v in severities.items() if v)
    out.append(_line(
        "incidents_major", "Major incidents (SEV1–SEV2)", "Incidents", periods, history(lambda s: s.major),
        unit="count", rule=targets.rule("incidents_major"), n=now.total, evidence=_evidence("volume"),
        missing=no_incidents, note=f"by severity: {mix}" if mix else None,
        details={"by_severity": severities}))
    out.append(_line(
        "incidents_total", "Incidents, all severities", "Incidents", periods, history(lambda s: s.total),
        unit="count", rule=targets.rule("incidents_total"), n=now.total, evidence=_evidence("volume"),
        missing=no_incidents, details={"by_severity": severities}))

    # repeats, noise, on-call
    out.append(_line(
        "repeat_incident_rate", "Repeat incidents", "Incidents", periods,
        history(lambda s: s.repeats.repeat_rate), unit="ratio",
        rule=targets.rule("repeat_incident_rate"), n=now.repeats.incidents, evidence=_evidence("repeats"),
        missing=no_incidents, min_n=MIN_N,
        note=(f"{now.repeats.repeats} of {now.repeats.incidents} repeated an incident of the same service and "
              f"failure key within {now.repeats.window_days} days"),
        details={"repeats": now.repeats.repeats, "window_days": now.repeats.window_days,
                 "reopen_rate": now.repeats.reopen_rate}))
    out.append(_line(
        "actionable_alert_share", "Actionable alerts", "On-call", periods,
        history(lambda s: s.noise.actionable_share), unit="ratio",
        rule=targets.rule("actionable_alert_share"), n=now.noise.incidents, evidence=_evidence("noise"),
        missing=no_incidents, min_n=MIN_N,
        note=(f"noise ratio {_pct(now.noise.noise_ratio)} (resolved within 5 min or never acknowledged)"
              + (f"; {now.noise.alerts_per_incident:.1f} alerts per incident" if now.noise.alerts else "")),
        details={"actionable": now.noise.actionable, "noise_ratio": now.noise.noise_ratio,
                 "alerts_per_incident": now.noise.alerts_per_incident}))
    paged = now.oncall
    basis = "vendor interruption buckets" if paged.basis == "vendor" else "proxy: incidents created off hours"
    out.append(_line(
        "pages_per_responder_week", "On-call load (pages per responder per week)", "On-call", periods,
        [s.oncall.pages_per_responder_week if r["pages"] else None for s, r in zip(summaries, rows, strict=True)],
        unit="per week", rule=targets.rule("pages_per_responder_week"), n=paged.pages, evidence=_evidence("oncall"),
        missing=no_incidents or LOAD["pages"],
        note=(f"{paged.pages} pages to {paged.paged_responders} people; {_pct(paged.off_hours_share, 0)} "
              f"outside business hours ({basis})") if paged.pages else None,
        details={"pages": paged.pages, "paged_responders": paged.paged_responders,
                 "off_hours_share": paged.off_hours_share, "sleep_share": paged.sleep_share, "basis": paged.basis}))
    return out


# -- SLOs ------------------------------------------------------------------------------------------
def _slo_group(journey: Any, tier: Any) -> str:
    """``critical`` for a critical journey, else the service's tier (``(no tier)`` without one)."""
    if isinstance(journey, str) and journey.strip().lower() == CRITICAL_JOURNEY:
        return CRITICAL_JOURNEY
    return str(tier) if isinstance(tier, str) and tier else "(no tier)"


def _group_label(group: str) -> str:
    """``critical journeys``, ``tier2 services``."""
    return "critical journeys" if group == CRITICAL_JOURNEY else f"{group} services"


def _group_order(groups: Collection[str]) -> list[str]:
    return sorted(groups, key=lambda g: (g != CRITICAL_JOURNEY, g.startswith("("), g))


def slo_kpis(
    con: duckdb.DuckDBPyConnection, period: Period | str, targets: TargetBook, *,
    options: ReviewOptions = ReviewOptions(),
) -> list[Kpi]:
    """SLO compliance per group (critical journeys, then each tier; the group's lowest SLO is the value)
    and the error budget left of the worst SLO.

    >>> from analytics.warehouse import connect
    >>> [(k.key, k.status) for k in slo_kpis(connect(":memory:"), "2026Q3", TargetBook())]
    [('slo_compliance_critical', 'no data'), ('error_budget_remaining', 'no data')]
    """
    periods = review_periods(period, options.history)
    label = periods[-1].label
    frames = []
    for p in periods:
        frame = sm.slo_compliance(con, p)
        frame["group"] = [_slo_group(j, t) for j, t in zip(frame["journey"], frame["tier"], strict=True)]
        frames.append(frame)
    now = frames[-1]
    missing = LOAD["slos"] if now.empty else LOAD["sli"]
    out: list[Kpi] = []
    for group in _group_order(set(now["group"])) or [CRITICAL_JOURNEY]:
        rule = targets.rule("slo_compliance", tier=CRITICAL_TIER if group == CRITICAL_JOURNEY else
                            (None if group.startswith("(") else group))
        values = []
        for frame in frames:
            mine = frame.loc[frame["group"] == group, "compliance"].dropna()
            values.append(float(mine.min()) if len(mine) else None)
        ranked = now[(now["group"] == group)].dropna(subset=["compliance"]).sort_values(["compliance", "slo"])
        met = int((ranked["compliance"] >= rule.target).sum()) if rule is not None else int(ranked["met"].sum())
        goal = format_value(rule.target, "ratio") if rule is not None else "their objectives"
        note = (f"{met} of {len(ranked)} SLOs at or above {goal}; lowest {ranked.iloc[0]['slo']}"
                if len(ranked) else None)
        out.append(_line(
            f"slo_compliance_{group if group == CRITICAL_JOURNEY else group.strip('()').replace(' ', '_')}",
            f"SLO compliance, {_group_label(group)} (lowest SLO)", "Reliability", periods, values, unit="ratio",
            rule=rule, n=len(ranked), evidence=_evidence("slo"), missing=missing, note=note,
            details={"slos": ranked[["slo", "service", "target", "compliance", "error_budget_remaining", "met"]],
                     "target_tier": CRITICAL_TIER if group == CRITICAL_JOURNEY else group}))
    measured = now.dropna(subset=["compliance"]).sort_values(["error_budget_remaining", "slo"])
    overspent = measured[measured["error_budget_remaining"] < 0]
    worst = [float(f["error_budget_remaining"].min()) if f["error_budget_remaining"].notna().any() else None
             for f in frames]
    out.append(_line(
        "error_budget_remaining", "Error budget left, worst SLO", "Reliability", periods, worst, unit="ratio",
        rule=targets.rule("error_budget_remaining"), n=len(measured), evidence=_evidence("budget_burn"),
        missing=missing,
        note=(f"{len(overspent)} of {len(measured)} SLOs overspent their {label} budget"
              + (": " + ", ".join(overspent["slo"]) if len(overspent) else "")) if len(measured) else None,
        details={"worst_slo": measured.iloc[0]["slo"] if len(measured) else None, "overspent": list(overspent["slo"]),
                 "slos": measured[["slo", "service", "target", "compliance", "error_budget_remaining"]]}))
    return out


# -- delivery --------------------------------------------------------------------------------------
def delivery_kpis(
    con: duckdb.DuckDBPyConnection, period: Period | str, targets: TargetBook, *,
    options: ReviewOptions = ReviewOptions(),
) -> list[Kpi]:
    """The DORA keys (:func:`analytics.metrics.delivery.dora_summary`) and the pipeline success rate.

    >>> from analytics.warehouse import connect
    >>> [k.missing.split(":")[0] for k in delivery_kpis(connect(":memory:"), "2026Q3", TargetBook())]
    ['load deployments', 'load deployments', 'load deployments', 'load deployments', 'load CI runs']
    """
    periods = review_periods(period, options.history)
    label = periods[-1].label
    summaries = [dm.dora_summary(con, p, environment=options.environment) for p in periods]
    rows = data_rows(con, periods[-1])
    now = summaries[-1]
    where = options.environment or "any environment"
    no_deploys = None if now.deployments else (
        LOAD["deployments"] + (f" (none to {where} in {label})" if rows["deployments"] else ""))
    out = [
        _line("deployment_frequency_per_week", "Deployment frequency (per service per week)", "Delivery", periods,
              [s.deploys_per_service_week for s in summaries], unit="per week",
              rule=targets.rule("deployment_frequency_per_week"), n=now.deployments,
              evidence=_evidence("frequency"), missing=no_deploys,
              note=(f"{now.deployments} deployments to {where} by {now.services_deploying} services; "
                    f"fourkeys cadence {now.fourkeys_frequency_bucket}") if now.deployments else None,
              details={"deployments": now.deployments, "services_deploying": now.services_deploying,
                       "deploys_per_week": now.deploys_per_week, "fourkeys_bucket": now.fourkeys_frequency_bucket,
                       "dora_level": now.frequency_level}),
        _line("lead_time_hours", "Lead time for changes (median)", "Delivery", periods,
              [s.lead_time_hours.value for s in summaries], unit="hours", rule=targets.rule("lead_time_hours"),
              n=now.lead_time_hours.n, evidence=_evidence("lead_time"),
              missing=no_deploys or (LOAD["changes"] if not rows["changes"] else None),
              note=(f"p90 {format_value(now.lead_time_p90_hours.value, 'hours')}; "
                    f"{now.lead_time_excluded_nonpositive} commits with a lead time ≤ 0 left out"),
              details={"pairs": now.lead_time_pairs, "excluded_nonpositive": now.lead_time_excluded_nonpositive,
                       "p90_hours": now.lead_time_p90_hours.value, "dora_level": now.lead_time_level},
              estimate=now.lead_time_hours, min_n=MIN_N),
        _line("change_failure_rate", "Change failure rate", "Delivery", periods,
              [s.change_failure_rate for s in summaries], unit="ratio", rule=targets.rule("change_failure_rate"),
              n=now.deployments, evidence=_evidence("failure"), missing=no_deploys,
              note=f"{now.failed_deployments} of {now.deployments} deployments caused an incident",
              details={"failed_deployments": now.failed_deployments, "dora_level": now.change_failure_level,
                       "rework_rate": now.rework_rate},
              estimate=Estimate(now.change_failure_rate, now.change_failure_rate_low, now.change_failure_rate_high,
                                now.deployments), min_n=MIN_N),
        _line("deployment_recovery_minutes", "Failed-deployment recovery time (median)", "Delivery", periods,
              [s.recovery_minutes.value for s in summaries], unit="minutes",
              rule=targets.rule("deployment_recovery_minutes"), n=now.recovery_minutes.n,
              evidence=_evidence("recovery"),
              missing=no_deploys or f"no resolved incident linked to a deployment of {label}",
              note=(f"p90 {format_value(now.recovery_p90_minutes.value, 'minutes')}"
                    + (f"; {now.recovery_still_open} still open, left out" if now.recovery_still_open else "")),
              details={"p90_minutes": now.recovery_p90_minutes.value, "still_open": now.recovery_still_open,
                       "dora_level": now.recovery_level},
              estimate=now.recovery_minutes, min_n=MIN_N),
    ]
    decided = dm.pipeline_outcomes_by_workflow(con, periods[-1])
    finished = int(decided["succeeded"].sum() + decided["failed"].sum()) if len(decided) else 0
    out.append(_line(
        "pipeline_success_rate", "Pipeline success rate", "Delivery", periods,
        [s.pipeline_success_rate for s in summaries], unit="ratio", rule=targets.rule("pipeline_success_rate"),
        n=finished, evidence=_evidence("pipelines"),
        missing=LOAD["pipeline_runs"] if not rows["pipeline_runs"] else f"no CI run finished in {label}",
        note=f"{now.pipeline_runs} runs; cancelled and skipped runs left out" if now.pipeline_runs else None,
        details={"runs": now.pipeline_runs}, estimate=_wilson(now.pipeline_success_rate, finished), min_n=MIN_N))
    return out


def _wilson(rate: float | None, n: int) -> Estimate | None:
    """The Wilson interval of a share as an :class:`Estimate`."""
    if rate is None or not n:
        return None
    interval = wilson_interval(round(rate * n), n)
    return Estimate(rate, interval[0], interval[1], n) if interval else None


# -- cost ------------------------------------------------------------------------------------------
def cost_kpis(
    con: duckdb.DuckDBPyConnection, period: Period | str, targets: TargetBook, *,
    options: ReviewOptions = ReviewOptions(),
) -> list[Kpi]:
    """Cloud cost, cost against budget, unit cost, cost per tenant, tag coverage and commitment utilisation.

    >>> from analytics.warehouse import connect
    >>> {k.status for k in cost_kpis(connect(":memory:"), "2026Q3", TargetBook())}
    {'no data'}
    """
    periods = review_periods(period, options.history)
    label = periods[-1].label
    rows = [data_rows(con, p) for p in periods]
    has_cost = [r["cost"] > 0 for r in rows]
    currency = cm.billing_currency(con, *periods) or "USD"
    no_cost = None if has_cost[-1] else LOAD["cost"]
    out: list[Kpi] = []

    totals = [float(cm.effective_cost_total(con, p)) if ok else None for p, ok in zip(periods, has_cost, strict=True)]
    out.append(_line(
        "cloud_cost", "Cloud cost (EffectiveCost)", "Cost", periods, totals, unit=currency,
        rule=targets.rule("cloud_cost"), n=rows[-1]["cost"], evidence=_evidence("cost"), missing=no_cost,
        note=f"amortised cost of the rows charged in {label}, corrections included",
        details={"currency": currency}))

    rule = targets.rule("budget_variance")
    band = (rule.target, rule.at_risk) if rule is not None else cm.DEFAULT_BAND
    budgets = [cm.budget_status(con, p, scope=options.budget_scope, band=band) if ok else None
               for p, ok in zip(periods, has_cost, strict=True)]
    now = budgets[-1]
    out.append(_line(
        "budget_variance", "Cloud cost vs budget", "Cost", periods,
        [b.variance_pct if b is not None else None for b in budgets], unit="ratio", rule=rule,
        n=len(periods[-1].months()) - now.months_without_budget if now is not None and now.budget is not None else 0,
        evidence=_evidence("budget"), missing=no_cost or LOAD["budgets"],
        note=(f"{'actual' if now.complete else 'forecast'} {format_value(now.forecast, currency)} against a budget "
              f"of {format_value(now.budget, currency)} ({options.budget_scope})")
        if now is not None and now.budget is not None else None,
        details={} if now is None else {"scope": now.scope, "budget": now.budget, "actual": now.actual,
                                        "forecast": now.forecast, "variance": now.variance,
                                        "complete": now.complete, "cost_basis": now.cost_basis}))

    units = [cm.unit_cost_summary(con, p, metric=options.unit_metric, per=options.unit_per,
                                  cost_tag_key=options.cost_tag_key) for p in periods]
    current = units[-1].by_dimension
    ranked = current.dropna(subset=["unit_cost"]).sort_values(["unit_cost", "dimension"], ascending=[False, True])
    per = f"{options.unit_per:,.0f} {options.unit_metric}"
    out.append(_line(
        "unit_cost", f"Unit cost (per {per}, all services)", "Cost", periods,
        [u.unit_cost for u in units], unit=currency,
        rule=targets.rule("unit_cost"), n=len(ranked), evidence=_evidence("unit_cost"),
        missing=no_cost or LOAD["business_metrics"] + f" (metric {options.unit_metric} per service)",
        note=(f"highest {ranked.iloc[0]['dimension']} {format_value(ranked.iloc[0]['unit_cost'], currency)}, lowest "
              f"{ranked.iloc[-1]['dimension']} {format_value(ranked.iloc[-1]['unit_cost'], currency)}")
        if len(ranked) else None,
        details={"metric": options.unit_metric, "per": options.unit_per, "cost_tag_key": options.cost_tag_key,
                 "by_service": current[["dimension", "cost", "volume", "unit_cost", "previous_unit_cost"]]}))

    if options.tenant_metric:
        tenants = [cm.unit_cost_by_dimension(con, p, metric=options.tenant_metric, per=1, aggregate="mean",
                                             cost_tag_key=options.cost_tag_key) for p in periods]
        company = [t[t["dimension"] == ""] for t in tenants]
        values = [float(c["unit_cost"].iloc[0]) if len(c) and pd.notna(c["unit_cost"].iloc[0]) else None
                  for c in company]
        monthly = cm.unit_cost_by_month(con, periods[-1], metric=options.tenant_metric, per=1, aggregate="mean",
                                        cost_tag_key=options.cost_tag_key)
        days = int(monthly.loc[monthly["dimension"] == "", "volume_days"].sum()) if len(monthly) else 0
        name = options.tenant_metric.replace("_", " ")
        out.append(_line(
            "cost_per_tenant", f"Cloud cost per {name.removesuffix('s')} (quarter)", "Cost", periods, values,
            unit=currency, rule=targets.rule("cost_per_tenant"), n=days, evidence=_evidence("tenant"),
            missing=no_cost or LOAD["business_metrics"] + f" (company-wide metric {options.tenant_metric})",
            note=(f"all cloud cost ÷ the daily average of {name} ({float(company[-1]['volume'].iloc[0]):,.0f}, "
                  f"{days} days)") if values[-1] is not None else None))

    coverage = [cm.tag_coverage_total(con, p, tag_key=options.tag_key) for p in periods]
    out.append(_line(
        "tag_coverage", f"Tag coverage ('{options.tag_key}' tag, cost-weighted)", "Cost", periods,
        [c.cost_share for c in coverage], unit="ratio", rule=targets.rule("tag_coverage"),
        n=coverage[-1].taggable_rows, evidence=_evidence("tags"), missing=no_cost or "no taggable usage rows",
        note=f"{format_value(coverage[-1].untagged_cost, currency)} of usage untagged"
        if coverage[-1].cost_share is not None else None,
        details={"tag_key": options.tag_key, "row_share": coverage[-1].row_share,
                 "untagged_cost": coverage[-1].untagged_cost}))

    commitments = cm.commitment_utilisation_by_commitment(con, periods[-1])
    names = [f"{n if isinstance(n, str) and n else i} {_pct(u)}" for n, i, u in
             zip(commitments["commitment_name"], commitments["commitment_id"], commitments["utilisation"],
                 strict=True)]
    contracts = cm.contract_commitment_progress(con, periods[-1])
    behind = contracts.loc[~contracts["on_track"], "commitment_id"].tolist()
    contract_note = (f"contract commitments (FOCUS 1.3): {len(contracts) - len(behind)} of {len(contracts)} on track"
                     + (f", behind: {', '.join(behind)}" if behind else "")) if len(contracts) else ""  # fmt: skip
    out.append(_line(
        "commitment_utilisation", "Commitment utilisation", "Cost", periods,
        [cm.commitment_utilisation(con, p) for p in periods], unit="ratio",
        rule=targets.rule("commitment_utilisation"), n=len(commitments), evidence=_evidence("commitments"),
        missing=(no_cost or f"no commitment discount (Savings Plan, reservation, CUD) in the {label} cost data")
        + (f"; {contract_note}" if contract_note else ""),
        note="; ".join([*names, contract_note] if contract_note else names) or None,
        details={"commitments": commitments[["commitment_id", "commitment_name", "commitment_type", "used_cost",
                                             "unused_cost", "utilisation"]],
                 "contract_commitments": contracts[["commitment_id", "contract_id", "commitment_category",
                                                    "commitment_type", "committed", "applied", "elapsed",
                                                    "fulfilled", "on_track"]]}))
    return out


# -- anomalies -------------------------------------------------------------------------------------
ANOMALY_COLUMNS = ("anomaly_id", "kind", "shape", "level", "provider", "service", "member", "scope", "start", "end",
                   "ongoing", "direction", "impact", "impact_pct", "top_drivers", "services", "annotations")
"""What the anomaly KPI records of each alert (``details['alerts']``, largest first)."""


def top_anomalies(kpi: Kpi, *, limit: int = 5) -> pd.DataFrame:
    """The largest alerted cost anomalies recorded on the anomaly KPI (``details['alerts']``), for display:
    kind, scope, window, impact, drivers and the deployments and incidents around the start."""
    rows = []
    for i, a in enumerate(list(kpi.details.get("alerts", []))[:limit], start=1):
        start, end = pd.Timestamp(a["start"]), pd.Timestamp(a["end"])
        pct = a.get("impact_pct")
        rows.append({
            "#": i, "kind": "new spend" if a["kind"] == "new" else f"{a['shape']} increase", "scope": a["scope"],
            "window": f"{start:%d %b} – {end:%d %b %Y}" + (", ongoing" if a["ongoing"] else ""),
            "impact": format_value(float(a["impact"]), kpi.unit, signed=True),
            "impact %": "new" if pct is None else f"{float(pct):+.0f}%",
            "drivers": a.get("top_drivers") or "", "around the start": a.get("annotations") or "",
        })
    return pd.DataFrame(rows, columns=["#", "kind", "scope", "window", "impact", "impact %", "drivers",
                                       "around the start"])


def anomaly_kpis(
    con: duckdb.DuckDBPyConnection, period: Period | str, targets: TargetBook, *,
    options: ReviewOptions = ReviewOptions(),
) -> list[Kpi]:
    """The period's alerted cost anomalies (Σ impact, the largest first in ``details``) and the
    incident-volume anomalies; history: the period and the one before.

    >>> from analytics.warehouse import connect
    >>> [(k.key, k.status) for k in anomaly_kpis(connect(":memory:"), "2026Q3", TargetBook())]
    [('cost_anomalies', 'no data')]
    """
    periods = review_periods(period, 2)
    rows = data_rows(con, periods[-1])
    currency = cm.billing_currency(con, *periods) or "USD"
    impacts, found = [], pd.DataFrame()
    # one read of the series; the previous quarter only needs its alerted impact, not its root causes
    explain = [p == periods[-1] for p in periods]
    for result in ca.cost_anomalies_of_periods(con, periods, tag_key=options.cost_tag_key, explain=explain):
        found = ca.alerts(result.anomalies, min_impact=options.anomaly_min_impact,
                          min_impact_pct=options.anomaly_min_impact_pct)
        impacts.append(float(found["impact"].sum()) if result.last_day is not None else None)
    volume = cc.incident_count_anomalies(con, periods[-1]) if rows["incidents"] else pd.DataFrame()
    alerts = found[list(ANOMALY_COLUMNS)] if len(found) else pd.DataFrame(columns=list(ANOMALY_COLUMNS))
    top = alerts.iloc[0] if len(alerts) else None
    note = (f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
            + (f"; largest {top['scope']} {format_value(float(top['impact']), currency, signed=True)}"
               if top is not None else "")
            + (f"; {len(volume)} incident-volume anomal{'y' if len(volume) == 1 else 'ies'}" if len(volume) else ""))
    return [_line(
        "cost_anomalies", "Cost anomalies (unexplained spend, alerted)", "Cost", periods, impacts, unit=currency,
        rule=targets.rule("cost_anomalies"), n=len(alerts), evidence=_evidence("anomalies"),
        missing=LOAD["cost"] if not rows["cost"] else f"no judged usage cost in {periods[-1].label}",
        note=note, details={"alerts": alerts, "thresholds": {"min_impact": options.anomaly_min_impact,
                                                               "min_impact_pct": options.anomaly_min_impact_pct},
                            "incident_volume_anomalies": volume})]


# -- everything ------------------------------------------------------------------------------------
def quarterly_kpis(
    con: duckdb.DuckDBPyConnection, period: Period | str, targets: TargetBook | None = None, *,
    options: ReviewOptions = ReviewOptions(),
) -> list[Kpi]:
    """Every KPI of the quarterly scorecard, in scorecard order (reliability, incidents, on-call,
    delivery, cost); a KPI without data is present with status ``no data`` and what to load.

    >>> from analytics.warehouse import connect
    >>> kpis = quarterly_kpis(connect(":memory:"), "2026Q3")
    >>> len(kpis), {k.status for k in kpis}, all(k.missing for k in kpis)
    (21, {'no data'}, True)
    """
    book = targets or TargetBook()
    p = parse_period(period)
    families = [f(con, p, book, options=options) for f in (incident_kpis, slo_kpis, delivery_kpis, cost_kpis,
                                                             anomaly_kpis)]
    order = {"Reliability": 0, "Incidents": 1, "On-call": 2, "Delivery": 3, "Cost": 4}
    every = [k for family in families for k in family]
    return sorted(every, key=lambda k: order.get(k.area, len(order)))


def kpi_frame(kpis: Sequence[Kpi]) -> pd.DataFrame:
    """One row per KPI (key, label, area, value, unit, status, previous, n) for charts and tests."""
    return pd.DataFrame([{"key": k.key, "label": k.label, "area": k.area, "value": k.value, "unit": k.unit,
                          "status": k.status, "previous": k.previous, "n": k.n} for k in kpis],
                        columns=["key", "label", "area", "value", "unit", "status", "previous", "n"])


def missing_data_frame(kpis: Sequence[Kpi]) -> pd.DataFrame:
    """The KPIs without a value and what to load (or why there is none)."""
    return pd.DataFrame([{"KPI": k.label, "area": k.area, "what to load": k.missing} for k in kpis
                         if k.value is None], columns=["KPI", "area", "what to load"])


# -- reliability against cost --------------------------------------------------------------------
RELIABILITY_COST_COLUMNS = ("service", "team", "tier", "cloud_cost", "slos", "slo", "slo_target", "slo_compliance",
                            "error_budget_remaining", "slo_met", "incidents", "major_incidents", "unresolved",
                            "incident_hours", "responder_hours", "incident_cost", "incident_cost_share")


def reliability_cost_by_service(
    con: duckdb.DuckDBPyConnection, period: Period | str, *, hourly_rate: float = DEFAULT_HOURLY_RATE,
    cost_tag_key: str = "service",
) -> pd.DataFrame:
    """Per service: cloud cost (EffectiveCost tagged ``cost_tag_key=<service>``), SLO attainment (the
    service's lowest-compliance SLO, its target and error budget left), incidents and the cost of incident
    hours = responder-hours × ``hourly_rate`` (responder-hours = Σ max(1, responders) × hours created →
    resolved; unresolved incidents add none and are counted). Most expensive service first.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute("INSERT INTO services VALUES ('pay', 'core', 'tier1', NULL, NULL, 0)")
    >>> _ = con.execute("INSERT INTO incidents (incident_id, source, source_id, service, severity_rank, created_at, "
    ...     "resolved_at, responders, source_file_id) VALUES ('x:1', 'x', '1', 'pay', 1, '2026-07-01 00:00+00', "
    ...     "'2026-07-01 02:00+00', ['ann', 'bob'], 0)")
    >>> row = reliability_cost_by_service(con, "2026Q3", hourly_rate=150).iloc[0]
    >>> row["service"], float(row["incident_hours"]), float(row["responder_hours"]), float(row["incident_cost"])
    ('pay', 2.0, 4.0, 600.0)
    """
    if not 0 <= hourly_rate < float("inf"):
        raise ValueError("hourly_rate must be a finite number ≥ 0")
    p = parse_period(period)
    catalogue = query(con, "services_by_tier", {})
    hours = query(con, "incident_hours_by_service", {"period_start": p.start_ts, "period_end": p.end_ts})
    cost = cm.cost_by_dimension(con, p, dimension=f"tag:{cost_tag_key}")
    cost = cost[~cost["is_correction"] & ~cost["value"].astype(str).str.startswith("(")]  # no (untagged)
    slos = sm.slo_compliance(con, p).dropna(subset=["compliance"])
    services = sorted(({str(s) for s in catalogue["service"]} | {str(s) for s in cost["value"]}
                       | {str(s) for s in hours["service"]} | {str(s) for s in slos["service"]}) - {"(no service)"})
    team = dict(zip(catalogue["service"], catalogue["team"], strict=True))
    tier = dict(zip(catalogue["service"], catalogue["tier"], strict=True))
    spend = dict(zip(cost["value"], cost["effective_cost"], strict=True))
    load = hours.set_index("service")
    rows = []
    for service in services:
        mine = slos[slos["service"] == service].sort_values(["compliance", "slo"])
        worst = mine.iloc[0] if len(mine) else None
        incidents: Any = load.loc[service] if service in load.index else None  # the service's row
        responder_hours = float(incidents["responder_hours"]) if incidents is not None else 0.0
        cloud = spend.get(service)
        incident_cost = responder_hours * hourly_rate
        rows.append({
            "service": service, "team": team.get(service), "tier": tier.get(service),
            "cloud_cost": None if cloud is None else float(cloud), "slos": len(mine),
            "slo": None if worst is None else worst["slo"], "slo_target": None if worst is None else worst["target"],
            "slo_compliance": None if worst is None else worst["compliance"],
            "error_budget_remaining": None if worst is None else float(mine["error_budget_remaining"].min()),
            "slo_met": None if worst is None else bool(mine["met"].all()),
            "incidents": 0 if incidents is None else int(incidents["incidents"]),
            "major_incidents": 0 if incidents is None else int(incidents["major_incidents"]),
            "unresolved": 0 if incidents is None else int(incidents["unresolved"]),
            "incident_hours": 0.0 if incidents is None else float(incidents["incident_hours"]),
            "responder_hours": responder_hours, "incident_cost": incident_cost,
            "incident_cost_share": incident_cost / float(cloud) if cloud else None,
        })
    frame = pd.DataFrame(rows, columns=list(RELIABILITY_COST_COLUMNS))
    for column in ("cloud_cost", "slo_target", "slo_compliance", "error_budget_remaining", "incident_hours",
                   "responder_hours", "incident_cost", "incident_cost_share"):
        frame[column] = frame[column].astype("float64")
    frame["slo_met"] = frame["slo_met"].astype("boolean")
    order = np.lexsort((frame["service"].to_numpy(), -frame["cloud_cost"].fillna(-1.0).to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


# -- the executive summary -------------------------------------------------------------------------
def evidence_pages(report_dir: str | Path | None) -> set[str] | None:
    """The evidence pages present in the report folder (None when there is no folder: link everything)."""
    if report_dir is None:
        return None
    folder = Path(report_dir)
    return {p.name for p in folder.glob("*.html")} if folder.is_dir() else set()


def _dated(period: Period) -> str:
    """``01 Jul – 30 Sep 2026``."""
    return f"{period.start:%d %b} – {period.last_day:%d %b %Y}"


def executive_summary_html(
    kpis: Sequence[Kpi],
    services: pd.DataFrame,
    *,
    period: Period | str,
    hourly_rate: float = DEFAULT_HOURLY_RATE,
    currency: str = "USD",
    pages: Collection[str] | None = None,
    risk_limit: int = 5,
    win_limit: int = 3,
) -> str:
    """The one-page summary: the tally of statuses, the top risks and the top wins (each a computed sentence
    with a link to its evidence), and what else an executive should know — cost anomalies, the cost of
    incident hours, and the services that overspent their error budget."""
    esc = html_text
    p = parse_period(period)
    previous = p.previous().label
    counts = status_counts(kpis)
    judged = counts["on track"] + counts["at risk"] + counts["off track"]
    tally = (f"Of {judged} KPIs with a target, <b>{counts['on track']} on track</b>, <b>{counts['at risk']} at "
             f"risk</b> and <b>{counts['off track']} off track</b>") if judged else (
        "No KPI with a target has a value for this period")
    tally += (f"; {counts['no target']} more {'is' if counts['no target'] == 1 else 'are'} shown without a target"
              if counts["no target"] else "")
    tally += (f"; {counts['no data']} {'has' if counts['no data'] == 1 else 'have'} no data (listed at the end, "
              "with what to load)" if counts["no data"] else "") + "."

    def item(k: Kpi) -> str:
        note = f" <span style='color:#555'>({esc(k.note)})</span>" if k.note else ""
        link = evidence_link(k.evidence, "evidence", pages=pages)
        return f"<li>{esc(kpi_sentence(k, previous_label=previous))}{note} {link}</li>"

    # a median that moved within its noise (the CI of the difference spans 0) is no win (docs/metrics.md §1.2)
    risks = top_risks(kpis, risk_limit)
    wins = top_wins([k for k in kpis if k.details.get("change_is_real", True)], win_limit)
    parts = [f"<p><b>{esc(p.label)}</b> ({esc(_dated(p))}), compared with {esc(previous)}. {tally}</p>",
             "<h3>Top risks</h3>",
             f"<ol>{''.join(item(k) for k in risks)}</ol>" if risks else "<p>No KPI is at risk or off track.</p>",
             "<h3>Top wins</h3>",
             f"<ol>{''.join(item(k) for k in wins)}</ol>" if wins else
             f"<p>No KPI both met its target and improved on {esc(previous)}.</p>"]
    more = []
    anomalies = next((k for k in kpis if k.key == "cost_anomalies"), None)
    if anomalies is not None and anomalies.value is not None:
        top = top_anomalies(anomalies, limit=1)
        more.append(
            f"Cost anomalies added {esc(format_value(anomalies.value, anomalies.unit))} of unexplained spend "
            f"({anomalies.n} alert{'s' if anomalies.n != 1 else ''})"
            + (f"; the largest: {esc(str(top.iloc[0]['scope']))}, {esc(str(top.iloc[0]['impact']))} "
               f"({esc(str(top.iloc[0]['window']))})" if len(top) else "")
            + ". " + evidence_link(anomalies.evidence, "evidence", pages=pages))
    if len(services) and services["responder_hours"].sum() > 0:
        busiest = services.sort_values(["incident_cost", "service"], ascending=[False, True]).iloc[0]
        total = float(services["incident_cost"].sum())
        more.append(
            f"Incidents took {services['responder_hours'].sum():,.0f} responder-hours, "
            f"{esc(format_value(total, currency))} at {esc(format_value(hourly_rate, currency))} an hour; the most "
            f"on {esc(str(busiest['service']))} ({esc(format_value(float(busiest['incident_cost']), currency))}).")
    overspent = services[services["error_budget_remaining"] < 0] if len(services) else services
    if len(overspent):
        more.append(
            f"{len(overspent)} service{'s' if len(overspent) != 1 else ''} overspent an error budget "
            f"({esc(', '.join(overspent['service']))}); together they cost "
            f"{esc(format_value(float(overspent['cloud_cost'].fillna(0).sum()), currency))} in cloud cost this "
            "quarter.")
    if more:
        parts += ["<h3>Also worth knowing</h3>", "<ul>" + "".join(f"<li>{m}</li>" for m in more) + "</ul>"]
    return f'<div class="{NO_MATH_CLASS}">' + "\n".join(parts) + "</div>"
