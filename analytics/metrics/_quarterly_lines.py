"""What every KPI family of the quarterly review shares: the options, the periods of the sparklines,
the rows loaded per data domain and what to load when they are missing, the evidence page of each KPI
(:data:`EVIDENCE`), and the one constructor of a scorecard line."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from analytics.anomalies import cost as ca
from analytics.metrics import delivery as dm
from analytics.metrics import incidents as im
from analytics.metrics.delivery import json_ready
from analytics.metrics.stats import Estimate
from analytics.periods import Period, parse_period
from analytics.scorecard import Kpi, TargetRule, evidence_href
from analytics.sql import query

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


def evidence_of(name: str) -> str:
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


def kpi_line(
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


def percent(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"
