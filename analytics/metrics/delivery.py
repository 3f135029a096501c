"""DORA delivery KPIs (docs/metrics.md §2): deployment frequency, lead time for changes, change failure
rate, failed-deployment recovery time and deployment rework rate, with the fourkeys frequency
bucket and the DORA 2024 performance level per service and team.

Every function takes a warehouse connection and a period (a :class:`~analytics.periods.Period` or
its spelling, ``"2026Q3"``) and the same scope options: ``service``, ``team`` (the deployment's
team, else the catalogue owner), ``repo`` and ``environment`` (default ``production``; ``None``
for every environment). Per-group tables take ``by`` — ``service``, ``team``, ``repo``,
``environment`` or ``None`` for one ``(all)`` row — and return one row per group in name order.

Definitions (and the fourkeys defects they avoid, docs/delivery-and-slo.md):

* a **deployment** is a distinct successful deployment; copies of one source deployment (same
  ``source`` and ``source_id``) are removed before any join (fourkeys #213, #383);
* **deployment frequency** = deployments / weeks in the period; the fourkeys bucket (Daily,
  Weekly, Monthly, Yearly) is computed over the period's calendar, and is ``None`` — not
  "Yearly" — when there is no deployment (fourkeys #116);
* **lead time for changes** = deployed_at − committed_at per (deployment, commit) pair, in hours
  (minutes, not truncated); pairs ≤ 0 are excluded and counted; median and p90 with 95% bootstrap
  CIs and ``n``;
* **change failure rate** = deployments with ≥ 1 linked incident / deployments: the denominator is
  distinct deployments (fourkeys #351) and a deployment linked to several incidents counts once
  (#383, DevLake #8890); ``None`` without deployments;
* **failed-deployment recovery time** = resolved_at − created_at of incidents linked to a
  deployment, created in the period; the clock starts at the incident (#119), in minutes; still-open
  incidents are counted and left out;
* **deployment rework rate** = rework or rollback deployments / deployments.

Quantile CIs use the percentile bootstrap (:mod:`analytics.metrics.stats`); above
:data:`BOOTSTRAP_MAX_N` values the distribution-free order-statistic interval (the bootstrap's
large-sample limit) is used instead, because 9,999 resamples of thousands of values are slow.

This module holds the per-group tables and the summary; the bound scope and the three row sets
(``_delivery_scope``), the DORA 2024 levels and fourkeys bucket (``_delivery_levels``) and the CI
pipeline outcomes (``_delivery_pipelines``) are private siblings whose names are importable from here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import pandas as pd

from analytics.artifacts import json_ready, write_json_artifact
from analytics.metrics._delivery_levels import (
    DORA_2024_CAVEAT,
    DORA_YEAR,
    FOURKEYS_BUCKETS,
    LEVEL_CUTS,
    LEVELS,
    dora_2024_level,
    fourkeys_frequency_bucket,
    overall_level,
)
from analytics.metrics._delivery_pipelines import pipeline_outcomes_by_workflow, pipeline_success_rate
from analytics.metrics._delivery_scope import (
    ALL,
    DEFAULT_ENVIRONMENT,
    GROUPINGS,
    SCOPE_COLUMN,
    as_floats,
    check_by,
    deployments_in_period,
    each_group,
    group_column,
    lead_time_pairs,
    quantile_columns,
    recovery_incidents,
    scope_params,
)
from analytics.metrics.stats import (  # noqa: F401
    BOOTSTRAP_MAX_N,
    MIN_N,
    Estimate,
    quantile_ci,
    quantile_estimate,
    share,
    wilson_interval,
)
from analytics.periods import Period, parse_period
from analytics.sql import query

# the names of the private sibling modules are part of this module's API
__all__ = [
    "ALL", "DEFAULT_ENVIRONMENT", "DORA_2024_CAVEAT", "DORA_YEAR", "FOURKEYS_BUCKETS", "GROUPINGS", "LEVELS",
    "LEVEL_CUTS", "SCOPE_COLUMN", "DoraSummary", "change_failure_rate", "delivery_report",
    "deployment_counts_by_week", "deployment_frequency", "deployment_rework_rate", "deployments_in_period",
    "dora_2024_level", "dora_performance_levels", "dora_summary", "failed_deployment_recovery_time",
    "fourkeys_frequency_bucket", "json_ready", "lead_time_for_changes", "lead_time_pairs", "overall_level",
    "pipeline_outcomes_by_workflow", "pipeline_success_rate", "recovery_incidents", "write_json_artifact"
]


# -- per-group tables --------------------------------------------------------------------------
def deployment_counts_by_week(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    by: str | None = "service",
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """Deployments per ISO week and group (zeros included; partial weeks flagged).

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute("INSERT INTO deployments (deployment_id, source, source_id, service, environment, deployed_at, "
    ...     "status, source_file_id) VALUES ('x:1', 'x', '1', 'a', 'production', '2026-07-01 10:00:00+00', "
    ...     "'success', 0)")
    >>> frame = deployment_counts_by_week(con, "2026Q3")
    >>> len(frame), int(frame["deployments"].sum()), list(frame.columns)
    (14, 1, ['week_start', 'service', 'deployments', 'partial_week'])
    """
    by = check_by(by)
    params = scope_params(period, service=service, team=team, repo=repo, environment=environment, by=by)
    frame = query(con, "delivery_counts_by_week", params)
    return frame.rename(columns={"group_value": group_column(by)})


def deployment_frequency(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    by: str | None = None,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """Deployments, per week and per day, deployment days, the fourkeys bucket and the DORA 2024 level per group.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute("INSERT INTO deployments (deployment_id, source, source_id, service, environment, deployed_at, "
    ...     "status, source_file_id) SELECT 'x:' || i, 'x', i::VARCHAR, 'a', 'production', "
    ...     "TIMESTAMPTZ '2026-07-01 10:00:00+00' + to_days(i::INTEGER), 'success', 0 FROM range(92) t(i)")
    >>> row = deployment_frequency(con, "2026Q3").iloc[0]
    >>> row["scope"], int(row["deployments"]), float(row["deploys_per_week"]), row["fourkeys_bucket"], row["dora_level"]
    ('(all)', 92, 7.0, 'Daily', 'elite')
    """
    by = check_by(by)
    p = parse_period(period)
    params = scope_params(p, service=service, team=team, repo=repo, environment=environment)
    frame = deployments_in_period(con, p, service=service, team=team, repo=repo, environment=environment)
    weeks = p.days / 7
    rows = []
    for group, mine in each_group(con, frame, by, params):
        n = len(mine)
        per_week = n / weeks if n else None
        rows.append({group_column(by): group, "deployments": n,
                     "deploy_days": int(mine["deployed_at"].dt.date.nunique()) if n else 0,
                     "deploys_per_week": per_week, "deploys_per_day": n / p.days if n else None,
                     "fourkeys_bucket": fourkeys_frequency_bucket(mine["deployed_at"], p),
                     "dora_level": dora_2024_level("deployment_frequency", per_week)})
    out = pd.DataFrame(rows, columns=[group_column(by), "deployments", "deploy_days", "deploys_per_week",
                                      "deploys_per_day", "fourkeys_bucket", "dora_level"])
    return as_floats(out, ("deploys_per_week", "deploys_per_day"))


def lead_time_for_changes(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    by: str | None = None,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
    confidence_intervals: bool = True,
) -> pd.DataFrame:
    """Lead time for changes per group: p50/p90 hours with 95% CIs and n; values ≤ 0 excluded and counted.

    ``confidence_intervals=False`` skips the bootstrap (point values only, ``ci_method`` "none").

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute("INSERT INTO deployments (deployment_id, source, source_id, environment, deployed_at, status, "
    ...     "source_file_id) VALUES ('x:1', 'x', '1', 'production', '2026-07-02 12:00:00+00', 'success', 0)")
    >>> _ = con.execute("INSERT INTO changes (change_id, source, commit_sha, committed_at, deployment_id, "
    ...     "source_file_id) VALUES ('c:1', 'c', 'aaaaaaa', '2026-07-01 12:00:00+00', 'x:1', 0), "
    ...     "('c:2', 'c', 'bbbbbbb', '2026-07-02 00:00:00+00', 'x:1', 0), "
    ...     "('c:3', 'c', 'ccccccc', '2026-07-02 13:00:00+00', 'x:1', 0)")
    >>> row = lead_time_for_changes(con, "2026Q3").iloc[0]
    >>> int(row["pairs"]), int(row["excluded_nonpositive"]), int(row["n"]), float(row["p50_hours"])
    (3, 1, 2, 18.0)
    """
    by = check_by(by)
    p = parse_period(period)
    params = scope_params(p, service=service, team=team, repo=repo, environment=environment)
    pairs = lead_time_pairs(con, p, service=service, team=team, repo=repo, environment=environment)
    rows = []
    for group, mine in each_group(con, pairs, by, params):
        minutes = mine["lead_minutes"].astype("float64")
        positive = minutes[minutes > 0] / 60.0
        quantiles = quantile_columns(positive, "hours", intervals=confidence_intervals)
        rows.append({group_column(by): group, "deployments": int(mine["deployment_id"].nunique()), "pairs": len(mine),
                     "excluded_nonpositive": int((minutes <= 0).sum()), **quantiles,
                     "dora_level": dora_2024_level("lead_time_hours", quantiles["p50_hours"])})
    out = pd.DataFrame(rows, columns=[group_column(by), "deployments", "pairs", "excluded_nonpositive", "n",
                                      "p50_hours", "p50_low", "p50_high", "p90_hours", "p90_low", "p90_high",
                                      "sufficient", "ci_method", "dora_level"])
    return as_floats(out, ("p50_hours", "p50_low", "p50_high", "p90_hours", "p90_low", "p90_high"))


def change_failure_rate(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    by: str | None = None,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """Change failure rate per group: distinct deployments with ≥ 1 linked incident / distinct deployments.

    A deployment linked to several incidents counts once; the Wilson 95% interval is given with ``n``.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute("INSERT INTO deployments (deployment_id, source, source_id, environment, deployed_at, status, "
    ...     "source_file_id) SELECT 'x:' || i, 'x', i::VARCHAR, 'production', '2026-07-02 12:00:00+00', 'success', 0 "
    ...     "FROM range(4) t(i)")
    >>> _ = con.execute("INSERT INTO incidents (incident_id, source, source_id, created_at, deployment_id, "
    ...     "source_file_id) VALUES ('p:1', 'p', '1', '2026-07-02 13:00:00+00', 'x:0', 0), "
    ...     "('p:2', 'p', '2', '2026-07-02 13:05:00+00', 'x:0', 0)")
    >>> row = change_failure_rate(con, "2026Q3").iloc[0]
    >>> int(row["deployments"]), int(row["failed_deployments"]), int(row["linked_incidents"])
    (4, 1, 2)
    >>> float(row["change_failure_rate"])
    0.25
    """
    by = check_by(by)
    p = parse_period(period)
    params = scope_params(p, service=service, team=team, repo=repo, environment=environment)
    frame = deployments_in_period(con, p, service=service, team=team, repo=repo, environment=environment)
    rows = []
    for group, mine in each_group(con, frame, by, params):
        n, failed = len(mine), int(mine["failed"].sum())
        rate = share(failed, n)
        interval = wilson_interval(failed, n)
        rows.append({group_column(by): group, "deployments": n, "failed_deployments": failed,
                     "linked_incidents": int(mine["linked_incidents"].sum()), "change_failure_rate": rate,
                     "ci_low": interval[0] if interval else None, "ci_high": interval[1] if interval else None,
                     "sufficient": n >= MIN_N, "dora_level": dora_2024_level("change_failure_rate", rate)})
    out = pd.DataFrame(rows, columns=[group_column(by), "deployments", "failed_deployments", "linked_incidents",
                                      "change_failure_rate", "ci_low", "ci_high", "sufficient", "dora_level"])
    return as_floats(out, ("change_failure_rate", "ci_low", "ci_high"))


def failed_deployment_recovery_time(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    by: str | None = None,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
    confidence_intervals: bool = True,
) -> pd.DataFrame:
    """Failed-deployment recovery time per group: p50/p90 minutes (incident start → resolve) with CIs and n.

    ``confidence_intervals=False`` skips the bootstrap (point values only).

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute("INSERT INTO deployments (deployment_id, source, source_id, environment, deployed_at, status, "
    ...     "source_file_id) VALUES ('x:1', 'x', '1', 'production', '2026-06-30 12:00:00+00', 'success', 0)")
    >>> _ = con.execute("INSERT INTO incidents (incident_id, source, source_id, created_at, resolved_at, "
    ...     "deployment_id, source_file_id) VALUES "
    ...     "('p:1', 'p', '1', '2026-07-01 10:00:00+00', '2026-07-01 10:30:00+00', 'x:1', 0), "
    ...     "('p:2', 'p', '2', '2026-07-01 11:00:00+00', NULL, 'x:1', 0)")
    >>> row = failed_deployment_recovery_time(con, "2026Q3").iloc[0]
    >>> int(row["incidents"]), int(row["still_open"]), int(row["n"]), float(row["p50_minutes"]), row["dora_level"]
    (2, 1, 1, 30.0, 'elite')
    """
    by = check_by(by)
    p = parse_period(period)
    params = scope_params(p, service=service, team=team, repo=repo, environment=environment)
    frame = recovery_incidents(con, p, service=service, team=team, repo=repo, environment=environment)
    rows = []
    for group, mine in each_group(con, frame, by, params):
        resolved = mine.loc[~mine["still_open"].astype(bool), "minutes_to_recover"]
        quantiles = quantile_columns(resolved, "minutes", intervals=confidence_intervals)
        rows.append({group_column(by): group, "incidents": len(mine), "still_open": int(mine["still_open"].sum()),
                     **quantiles, "dora_level": dora_2024_level("recovery_minutes", quantiles["p50_minutes"])})
    out = pd.DataFrame(rows, columns=[group_column(by), "incidents", "still_open", "n", "p50_minutes", "p50_low",
                                      "p50_high", "p90_minutes", "p90_low", "p90_high", "sufficient", "ci_method",
                                      "dora_level"])
    return as_floats(out, ("p50_minutes", "p50_low", "p50_high", "p90_minutes", "p90_low", "p90_high"))


def deployment_rework_rate(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    by: str | None = None,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """Deployment rework rate per group: rework or rollback deployments / deployments (Wilson 95% interval)."""
    by = check_by(by)
    p = parse_period(period)
    params = scope_params(p, service=service, team=team, repo=repo, environment=environment)
    frame = deployments_in_period(con, p, service=service, team=team, repo=repo, environment=environment)
    rows = []
    for group, mine in each_group(con, frame, by, params):
        n, rework = len(mine), int(mine["rework"].sum())
        interval = wilson_interval(rework, n)
        rows.append({group_column(by): group, "deployments": n, "rework_deployments": rework,
                     "rollbacks": int(mine["is_rollback"].sum()), "rework_rate": share(rework, n),
                     "ci_low": interval[0] if interval else None, "ci_high": interval[1] if interval else None})
    out = pd.DataFrame(rows, columns=[group_column(by), "deployments", "rework_deployments", "rollbacks", "rework_rate",
                                      "ci_low", "ci_high"])
    return as_floats(out, ("rework_rate", "ci_low", "ci_high"))


def dora_performance_levels(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    by: str | None = "service",
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """The DORA 2024 level per group: each metric's value and level, and the overall (lowest) level.

    ``sufficient`` is False below 10 deployments: the level is shown but rests on too little data.
    """
    scope = {"by": by, "service": service, "team": team, "repo": repo, "environment": environment}
    label = group_column(check_by(by))
    frequency = deployment_frequency(con, period, **scope).set_index(label)
    lead = lead_time_for_changes(con, period, confidence_intervals=False, **scope).set_index(label)
    failure = change_failure_rate(con, period, **scope).set_index(label)
    recovery = failed_deployment_recovery_time(con, period, confidence_intervals=False, **scope).set_index(label)
    rows = []
    for group in frequency.index:
        levels: dict[str, Any] = {
            "frequency_level": frequency.at[group, "dora_level"],
            "lead_time_level": lead.at[group, "dora_level"] if group in lead.index else None,
            "change_failure_level": failure.at[group, "dora_level"] if group in failure.index else None,
            "recovery_level": recovery.at[group, "dora_level"] if group in recovery.index else None,
        }
        deployments = int(frequency.at[group, "deployments"])  # type: ignore[arg-type]  # a count column
        rows.append({
            label: group, "deployments": deployments,
            "deploys_per_week": frequency.at[group, "deploys_per_week"],
            "lead_time_p50_hours": lead.at[group, "p50_hours"] if group in lead.index else None,
            "change_failure_rate": failure.at[group, "change_failure_rate"] if group in failure.index else None,
            "recovery_p50_minutes": recovery.at[group, "p50_minutes"] if group in recovery.index else None,
            **levels,
            "dora_level": overall_level(list(levels.values())) if deployments else None,
            "sufficient": deployments >= MIN_N,
        })
    out = pd.DataFrame(rows, columns=[label, "deployments", "deploys_per_week", "lead_time_p50_hours",
                                      "change_failure_rate", "recovery_p50_minutes", "frequency_level",
                                      "lead_time_level", "change_failure_level", "recovery_level", "dora_level",
                                      "sufficient"])
    return as_floats(out, ("deploys_per_week", "lead_time_p50_hours", "change_failure_rate", "recovery_p50_minutes"))


# -- the summary the quarterly report consumes -------------------------------------------------
@dataclass(frozen=True)
class DoraSummary:
    """The delivery KPIs of one scope and period (the ``delivery.json`` artifact)."""

    period: str
    environment: str | None
    deployments: int
    deploys_per_week: float | None
    services_deploying: int
    deploys_per_service_week: float | None
    fourkeys_frequency_bucket: str | None
    lead_time_hours: Estimate
    lead_time_p90_hours: Estimate
    lead_time_pairs: int
    lead_time_excluded_nonpositive: int
    failed_deployments: int
    change_failure_rate: float | None
    change_failure_rate_low: float | None
    change_failure_rate_high: float | None
    recovery_minutes: Estimate
    recovery_p90_minutes: Estimate
    recovery_still_open: int
    rework_deployments: int
    rework_rate: float | None
    frequency_level: str | None
    lead_time_level: str | None
    change_failure_level: str | None
    recovery_level: str | None
    dora_level: str | None
    pipeline_runs: int
    pipeline_success_rate: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (estimates as ``{value, low, high, n}``)."""
        return json_ready(asdict(self))


def dora_summary(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> DoraSummary:
    """All delivery KPIs of one scope and period, with the DORA 2024 levels.

    ``deploys_per_service_week`` divides by the services that deployed in the period.

    >>> from analytics.warehouse import connect
    >>> summary = dora_summary(connect(":memory:"), "2026Q3")
    >>> summary.deployments, summary.change_failure_rate, summary.fourkeys_frequency_bucket, summary.dora_level
    (0, None, None, None)
    """
    p = parse_period(period)
    scope = {"service": service, "team": team, "repo": repo, "environment": environment}
    frame = deployments_in_period(con, p, **scope)
    pairs = lead_time_pairs(con, p, **scope)
    recoveries = recovery_incidents(con, p, **scope)
    n = len(frame)
    failed, rework = int(frame["failed"].sum()), int(frame["rework"].sum())
    weeks = p.days / 7
    services = int(frame["service"].nunique())
    minutes = pairs["lead_minutes"].astype("float64")
    hours = minutes[minutes > 0] / 60.0
    lead50, lead90 = quantile_estimate(hours, 0.5)[0], quantile_estimate(hours, 0.9)[0]
    open_mask = recoveries["still_open"].astype(bool)
    resolved = recoveries.loc[~open_mask, "minutes_to_recover"]
    rec50, rec90 = quantile_estimate(resolved, 0.5)[0], quantile_estimate(resolved, 0.9)[0]
    cfr = share(failed, n)
    interval = wilson_interval(failed, n)
    per_week = n / weeks if n else None
    levels = (dora_2024_level("deployment_frequency", per_week), dora_2024_level("lead_time_hours", lead50.value),
              dora_2024_level("change_failure_rate", cfr), dora_2024_level("recovery_minutes", rec50.value))
    pipelines = pipeline_outcomes_by_workflow(con, p, service=service, team=team, repo=repo)
    return DoraSummary(
        period=p.label, environment=environment, deployments=n, deploys_per_week=per_week,
        services_deploying=services, deploys_per_service_week=n / weeks / services if services else None,
        fourkeys_frequency_bucket=fourkeys_frequency_bucket(frame["deployed_at"], p),
        lead_time_hours=lead50, lead_time_p90_hours=lead90, lead_time_pairs=len(pairs),
        lead_time_excluded_nonpositive=int((minutes <= 0).sum()), failed_deployments=failed,
        change_failure_rate=cfr, change_failure_rate_low=interval[0] if interval else None,
        change_failure_rate_high=interval[1] if interval else None, recovery_minutes=rec50,
        recovery_p90_minutes=rec90, recovery_still_open=int(open_mask.sum()), rework_deployments=rework,
        rework_rate=share(rework, n), frequency_level=levels[0], lead_time_level=levels[1],
        change_failure_level=levels[2], recovery_level=levels[3],
        dora_level=overall_level(list(levels)) if n else None,
        pipeline_runs=int(pipelines["runs"].sum()), pipeline_success_rate=share(
            int(pipelines["succeeded"].sum()), int(pipelines["succeeded"].sum() + pipelines["failed"].sum())),
    )


# -- artifacts ---------------------------------------------------------------------------------


def delivery_report(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    summary: DoraSummary | None = None,
    previous_summary: DoraSummary | None = None,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> dict[str, Any]:
    """The machine-readable delivery artifact: the summary, the levels per service and team, definitions.

    Pass the summaries already computed for the period and the previous one to save recomputing them.
    """
    p = parse_period(period)
    scope = {"service": service, "team": team, "repo": repo, "environment": environment}
    summary = summary or dora_summary(con, p, **scope)
    previous_summary = previous_summary or dora_summary(con, p.previous(), **scope)
    return json_ready({
        "period": p.label,
        "previous_period": p.previous().label,
        "scope": scope,
        "summary": summary.as_dict(),
        "previous_summary": previous_summary.as_dict(),
        "levels_by_service": dora_performance_levels(con, p, by="service", **scope),
        "levels_by_team": dora_performance_levels(con, p, by="team", **scope),
        "dora_year": DORA_YEAR,
        "dora_caveat": DORA_2024_CAVEAT,
        "definitions": "docs/delivery-and-slo.md",
    })
