"""The quarterly review's KPIs (``notebooks/quarterly_review.ipynb``): every KPI the loaded data supports
as a scorecard line, and reliability set against cost per service.

One function per KPI family — :func:`incident_kpis`, :func:`slo_kpis`, :func:`delivery_kpis`,
:func:`cost_kpis` and :func:`anomaly_kpis` — returns :class:`~analytics.scorecard.Kpi` objects carrying
the value for the period, the previous period's value (the QoQ change), the last ``history`` periods
for the sparkline, the ``n`` the value rests on, the target rule from the targets file and a link to
the section of the evidence page that shows the KPI in detail. :func:`quarterly_kpis` returns them all
in scorecard order.

This module holds the delivery lines, the assembly of the scorecard, reliability against cost and the
executive summary; the incident and SLO lines are in ``_quarterly_reliability``, the cost and anomaly
lines in ``_quarterly_cost``, and what they share — :class:`ReviewOptions`, :data:`LOAD`,
:data:`EVIDENCE` and the one constructor of a line — in ``_quarterly_lines``; all are importable
from here.

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

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.escaping import NO_MATH_CLASS, html_text
from analytics.metrics import cost as cm
from analytics.metrics import delivery as dm
from analytics.metrics import slo as sm
from analytics.metrics._quarterly_cost import anomaly_kpis, cost_kpis, top_anomalies
from analytics.metrics._quarterly_lines import (
    CRITICAL_JOURNEY,
    CRITICAL_TIER,
    EVIDENCE,
    EVIDENCE_PAGES,
    HISTORY,
    LOAD,
    ReviewOptions,
    data_rows,
    evidence_of,
    kpi_line,
    review_periods,
)
from analytics.metrics._quarterly_reliability import incident_kpis, slo_kpis
from analytics.metrics.stats import MIN_N, Estimate, wilson_interval
from analytics.periods import Period, parse_period
from analytics.scorecard import (
    Kpi,
    TargetBook,
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
        kpi_line("deployment_frequency_per_week", "Deployment frequency (per service per week)", "Delivery", periods,
                 [s.deploys_per_service_week for s in summaries], unit="per week",
                 rule=targets.rule("deployment_frequency_per_week"), n=now.deployments,
                 evidence=evidence_of("frequency"), missing=no_deploys,
                 note=(f"{now.deployments} deployments to {where} by {now.services_deploying} services; "
                       f"fourkeys cadence {now.fourkeys_frequency_bucket}") if now.deployments else None,
                 details={"deployments": now.deployments, "services_deploying": now.services_deploying,
                          "deploys_per_week": now.deploys_per_week, "fourkeys_bucket": now.fourkeys_frequency_bucket,
                          "dora_level": now.frequency_level}),
        kpi_line("lead_time_hours", "Lead time for changes (median)", "Delivery", periods,
                 [s.lead_time_hours.value for s in summaries], unit="hours", rule=targets.rule("lead_time_hours"),
                 n=now.lead_time_hours.n, evidence=evidence_of("lead_time"),
                 missing=no_deploys or (LOAD["changes"] if not rows["changes"] else None),
                 note=(f"p90 {format_value(now.lead_time_p90_hours.value, 'hours')}; "
                       f"{now.lead_time_excluded_nonpositive} commits with a lead time ≤ 0 left out"),
                 details={"pairs": now.lead_time_pairs, "excluded_nonpositive": now.lead_time_excluded_nonpositive,
                          "p90_hours": now.lead_time_p90_hours.value, "dora_level": now.lead_time_level},
                 estimate=now.lead_time_hours, min_n=MIN_N),
        kpi_line("change_failure_rate", "Change failure rate", "Delivery", periods,
                 [s.change_failure_rate for s in summaries], unit="ratio", rule=targets.rule("change_failure_rate"),
                 n=now.deployments, evidence=evidence_of("failure"), missing=no_deploys,
                 note=f"{now.failed_deployments} of {now.deployments} deployments caused an incident",
                 details={"failed_deployments": now.failed_deployments, "dora_level": now.change_failure_level,
                          "rework_rate": now.rework_rate},
                 estimate=Estimate(now.change_failure_rate, now.change_failure_rate_low, now.change_failure_rate_high,
                                   now.deployments), min_n=MIN_N),
        kpi_line("deployment_recovery_minutes", "Failed-deployment recovery time (median)", "Delivery", periods,
                 [s.recovery_minutes.value for s in summaries], unit="minutes",
                 rule=targets.rule("deployment_recovery_minutes"), n=now.recovery_minutes.n,
                 evidence=evidence_of("recovery"),
                 missing=no_deploys or f"no resolved incident linked to a deployment of {label}",
                 note=(f"p90 {format_value(now.recovery_p90_minutes.value, 'minutes')}"
                       + (f"; {now.recovery_still_open} still open, left out" if now.recovery_still_open else "")),
                 details={"p90_minutes": now.recovery_p90_minutes.value, "still_open": now.recovery_still_open,
                          "dora_level": now.recovery_level},
                 estimate=now.recovery_minutes, min_n=MIN_N),
    ]
    decided = dm.pipeline_outcomes_by_workflow(con, periods[-1])
    finished = int(decided["succeeded"].sum() + decided["failed"].sum()) if len(decided) else 0
    out.append(kpi_line(
        "pipeline_success_rate", "Pipeline success rate", "Delivery", periods,
        [s.pipeline_success_rate for s in summaries], unit="ratio", rule=targets.rule("pipeline_success_rate"),
        n=finished, evidence=evidence_of("pipelines"),
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
