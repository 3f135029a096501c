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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.artifacts import json_ready, write_json_artifact  # noqa: F401 - re-exported
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

GROUPINGS: tuple[str, ...] = ("service", "team", "repo", "environment")
ALL = "(all)"
SCOPE_COLUMN = "scope"
DEFAULT_ENVIRONMENT = "production"
LEVELS: tuple[str, ...] = ("elite", "high", "medium", "low")
DORA_YEAR = 2024
DORA_2024_CAVEAT = (
    "DORA performance levels use the 2024 Accelerate State of DevOps clusters. Only the share of teams per "
    "cluster and the elite and high change fail rates are corroborated by a public benchmark file; the other "
    "cluster values are unverified, and the cut-points between clusters are this project's reading of them "
    "(the 2024 clusters are centroids, not thresholds; their change fail rates are not even ordered: medium 10%, "
    "high 20%). The overall level is the lowest of the per-metric levels."
)
# Per-metric cut-points (project definition from the 2024 cluster descriptions, docs/delivery-and-slo.md).
LEVEL_CUTS: dict[str, tuple[str, tuple[tuple[str, float], ...]]] = {
    # metric: (direction, ((level, bound), …)); higher: value >= bound; lower: value < bound (<= for CFR)
    "deployment_frequency": ("higher", (("elite", 7.0), ("high", 1.0), ("medium", 7.0 / 30.0))),
    "lead_time_hours": ("lower", (("elite", 24.0), ("high", 168.0), ("medium", 720.0))),
    "change_failure_rate": ("lower_equal", (("elite", 0.05), ("high", 0.20))),
    "recovery_minutes": ("lower", (("elite", 60.0), ("high", 1440.0), ("medium", 10080.0))),
}
FOURKEYS_BUCKETS: tuple[str, ...] = ("Daily", "Weekly", "Monthly", "Yearly")


# -- scope -------------------------------------------------------------------------------------
def _params(
    period: Period | str,
    *,
    service: str | None,
    team: str | None,
    repo: str | None,
    environment: str | None,
    by: str | None = None,
) -> dict[str, Any]:
    """Bound parameters shared by the delivery statements."""
    p = parse_period(period)
    return {"period_start": p.start_ts, "period_end": p.end_ts, "service": service or None, "team": team or None,
            "repo": repo or None, "environment": environment or None, "by": by or "(all)"}


def _check_by(by: str | None) -> str | None:
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)} or None, got {by!r}")
    return by


def _label(by: str | None) -> str:
    """The name of the group column of a per-group table."""
    return by or SCOPE_COLUMN


def _groups(con: duckdb.DuckDBPyConnection, values: pd.Series, by: str | None, params: Mapping[str, Any]
            ) -> list[str]:
    """Groups to report in name order (placeholders such as ``(no team)`` last), catalogue ones included."""
    if by is None:
        return [ALL]
    found = {str(v) for v in values.unique()}
    if by in ("service", "team"):
        found |= {str(v) for v in query(con, "delivery_catalogue_groups", {**params, "by": by})["group_value"]}
    return sorted(found, key=lambda g: (g.startswith("(no "), g))


def _with_group(frame: pd.DataFrame, by: str | None) -> pd.Series:
    return frame[by].astype(str) if by is not None else pd.Series(ALL, index=frame.index, dtype=object)


# -- statistics --------------------------------------------------------------------------------


def _quantiles(values: pd.Series, unit: str, *, intervals: bool = True) -> dict[str, Any]:
    """p50 / p90 with CIs, n, sufficiency and the CI method of one group, columns suffixed with ``unit``."""
    if not intervals:
        data = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
        point = (lambda q: float(np.quantile(data, q)) if data.size else None)  # noqa: E731
        p50, p90, how = Estimate(point(0.5), None, None, int(data.size)), Estimate(point(0.9), None, None,
                                                                                    int(data.size)), "none"
    else:
        p50, how = quantile_estimate(values, 0.5)
        p90, _ = quantile_estimate(values, 0.9)
    return {"n": p50.n, f"p50_{unit}": p50.value, "p50_low": p50.low, "p50_high": p50.high,
            f"p90_{unit}": p90.value, "p90_low": p90.low, "p90_high": p90.high, "sufficient": p50.n >= MIN_N,
            "ci_method": how if p50.n else None}


def _floats(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = frame[column].astype("float64")
    return frame


# -- DORA 2024 levels and the fourkeys bucket --------------------------------------------------
def dora_2024_level(metric: str, value: float | None) -> str | None:
    """The DORA 2024 level of one metric value (project cut-points; see :data:`DORA_2024_CAVEAT`).

    ``deployment_frequency`` is deployments per week; ``lead_time_hours`` and ``recovery_minutes``
    are medians; ``change_failure_rate`` is a share. No value, no level.

    >>> dora_2024_level("deployment_frequency", 8.0), dora_2024_level("lead_time_hours", 30.0)
    ('elite', 'high')
    >>> dora_2024_level("change_failure_rate", 0.12), dora_2024_level("recovery_minutes", 2000.0)
    ('high', 'medium')
    >>> dora_2024_level("change_failure_rate", None) is None
    True
    """
    if metric not in LEVEL_CUTS:
        raise ValueError(f"unknown DORA metric {metric!r}; expected one of {', '.join(LEVEL_CUTS)}")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    direction, cuts = LEVEL_CUTS[metric]
    for level, bound in cuts:
        if (direction == "higher" and value >= bound) or (direction == "lower" and value < bound) or (
                direction == "lower_equal" and value <= bound):
            return level
    return "low"


def overall_level(levels: Sequence[str | None]) -> str | None:
    """The lowest of the per-metric levels that have a value (None when none has).

    >>> overall_level(["elite", "high", None, "elite"]), overall_level([None, None])
    ('high', None)
    >>> overall_level(["medium", float("nan")])  # a group without failed deployments has a NaN level in its frame
    'medium'
    """
    known = [lv for lv in levels if isinstance(lv, str)]
    return max(known, key=LEVELS.index) if known else None


def fourkeys_frequency_bucket(deployed_at: Sequence[datetime] | pd.Series, period: Period | str) -> str | None:
    """fourkeys' deployment-frequency bucket over the period's calendar, None without deployments.

    Over every day of the period: per ISO week, whether it had a deployment and on how many days;
    **Daily** when the median week has ≥ 3 deployment days, **Weekly** when the median week had one,
    **Monthly** when the median (over weeks) of deployment-weeks in the week's month is ≥ 1, else
    **Yearly**. fourkeys says Yearly for an empty quarter (#116); this returns None.

    >>> from datetime import UTC, datetime as dt
    >>> fourkeys_frequency_bucket([dt(2026, 7, d, 12, tzinfo=UTC) for d in range(1, 32)], "2026-07")
    'Daily'
    >>> fourkeys_frequency_bucket([dt(2026, 7, 2, tzinfo=UTC)], "2026Q3"), fourkeys_frequency_bucket([], "2026Q3")
    ('Yearly', None)
    """
    p = parse_period(period)
    stamps = pd.to_datetime(deployed_at if isinstance(deployed_at, pd.Series)
                            else pd.Series(list(deployed_at), dtype=object), utc=True)
    inside = stamps[(stamps >= pd.Timestamp(p.start_ts)) & (stamps < pd.Timestamp(p.end_ts))]
    days = {d.date() for d in inside.dt.normalize().unique()}  # vectorised: a quarter has 10^5 deployments
    if not days:
        return None
    weeks: dict[date, list[date]] = {}
    for i in range(p.days):
        day = p.start + timedelta(days=i)
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(day)
    starts = sorted(weeks)
    days_deployed = [sum(d in days for d in weeks[w]) for w in starts]
    week_deployed = [int(n > 0) for n in days_deployed]
    per_month: dict[tuple[int, int], int] = {}
    for w, flag in zip(starts, week_deployed, strict=True):
        per_month[(w.year, w.month)] = per_month.get((w.year, w.month), 0) + flag
    monthly = [per_month[(w.year, w.month)] for w in starts]
    if np.median(days_deployed) >= 3:
        return "Daily"
    if np.median(week_deployed) >= 1:
        return "Weekly"
    if np.median(monthly) >= 1:
        return "Monthly"
    return "Yearly"


# -- rows --------------------------------------------------------------------------------------
def deployments_in_period(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """One row per distinct successful deployment in the period with its linked incidents and flags."""
    return query(con, "delivery_deployments", _params(period, service=service, team=team, repo=repo,
                                                      environment=environment))


def lead_time_pairs(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """One row per (deployment, commit) pair of the period's deployments with ``lead_minutes``."""
    return query(con, "delivery_lead_times", _params(period, service=service, team=team, repo=repo,
                                                     environment=environment))


def recovery_incidents(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """One row per deployment-linked incident created in the period with ``minutes_to_recover``."""
    return query(con, "delivery_recoveries", _params(period, service=service, team=team, repo=repo,
                                                     environment=environment))


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
    by = _check_by(by)
    params = _params(period, service=service, team=team, repo=repo, environment=environment, by=by)
    frame = query(con, "delivery_counts_by_week", params)
    return frame.rename(columns={"group_value": _label(by)})


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
    by = _check_by(by)
    p = parse_period(period)
    params = _params(p, service=service, team=team, repo=repo, environment=environment)
    frame = deployments_in_period(con, p, service=service, team=team, repo=repo, environment=environment)
    groups = _with_group(frame, by)
    weeks = p.days / 7
    rows = []
    for group in _groups(con, groups, by, params):
        mine = frame[groups == group]
        n = len(mine)
        per_week = n / weeks if n else None
        rows.append({_label(by): group, "deployments": n,
                     "deploy_days": int(mine["deployed_at"].dt.date.nunique()) if n else 0,
                     "deploys_per_week": per_week, "deploys_per_day": n / p.days if n else None,
                     "fourkeys_bucket": fourkeys_frequency_bucket(mine["deployed_at"], p),
                     "dora_level": dora_2024_level("deployment_frequency", per_week)})
    out = pd.DataFrame(rows, columns=[_label(by), "deployments", "deploy_days", "deploys_per_week", "deploys_per_day",
                                      "fourkeys_bucket", "dora_level"])
    return _floats(out, ("deploys_per_week", "deploys_per_day"))


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
    by = _check_by(by)
    p = parse_period(period)
    params = _params(p, service=service, team=team, repo=repo, environment=environment)
    pairs = lead_time_pairs(con, p, service=service, team=team, repo=repo, environment=environment)
    groups = _with_group(pairs, by)
    rows = []
    for group in _groups(con, groups, by, params):
        mine = pairs[groups == group]
        minutes = mine["lead_minutes"].astype("float64")
        positive = minutes[minutes > 0] / 60.0
        quantiles = _quantiles(positive, "hours", intervals=confidence_intervals)
        rows.append({_label(by): group, "deployments": int(mine["deployment_id"].nunique()), "pairs": len(mine),
                     "excluded_nonpositive": int((minutes <= 0).sum()), **quantiles,
                     "dora_level": dora_2024_level("lead_time_hours", quantiles["p50_hours"])})
    out = pd.DataFrame(rows, columns=[_label(by), "deployments", "pairs", "excluded_nonpositive", "n", "p50_hours",
                                      "p50_low", "p50_high", "p90_hours", "p90_low", "p90_high", "sufficient",
                                      "ci_method", "dora_level"])
    return _floats(out, ("p50_hours", "p50_low", "p50_high", "p90_hours", "p90_low", "p90_high"))


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
    by = _check_by(by)
    p = parse_period(period)
    params = _params(p, service=service, team=team, repo=repo, environment=environment)
    frame = deployments_in_period(con, p, service=service, team=team, repo=repo, environment=environment)
    groups = _with_group(frame, by)
    rows = []
    for group in _groups(con, groups, by, params):
        mine = frame[groups == group]
        n, failed = len(mine), int(mine["failed"].sum())
        rate = share(failed, n)
        interval = wilson_interval(failed, n)
        rows.append({_label(by): group, "deployments": n, "failed_deployments": failed,
                     "linked_incidents": int(mine["linked_incidents"].sum()), "change_failure_rate": rate,
                     "ci_low": interval[0] if interval else None, "ci_high": interval[1] if interval else None,
                     "sufficient": n >= MIN_N, "dora_level": dora_2024_level("change_failure_rate", rate)})
    out = pd.DataFrame(rows, columns=[_label(by), "deployments", "failed_deployments", "linked_incidents",
                                      "change_failure_rate", "ci_low", "ci_high", "sufficient", "dora_level"])
    return _floats(out, ("change_failure_rate", "ci_low", "ci_high"))


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
    by = _check_by(by)
    p = parse_period(period)
    params = _params(p, service=service, team=team, repo=repo, environment=environment)
    frame = recovery_incidents(con, p, service=service, team=team, repo=repo, environment=environment)
    groups = _with_group(frame, by)
    rows = []
    for group in _groups(con, groups, by, params):
        mine = frame[groups == group]
        resolved = mine.loc[~mine["still_open"].astype(bool), "minutes_to_recover"]
        quantiles = _quantiles(resolved, "minutes", intervals=confidence_intervals)
        rows.append({_label(by): group, "incidents": len(mine), "still_open": int(mine["still_open"].sum()),
                     **quantiles, "dora_level": dora_2024_level("recovery_minutes", quantiles["p50_minutes"])})
    out = pd.DataFrame(rows, columns=[_label(by), "incidents", "still_open", "n", "p50_minutes", "p50_low",
                                      "p50_high", "p90_minutes", "p90_low", "p90_high", "sufficient", "ci_method",
                                      "dora_level"])
    return _floats(out, ("p50_minutes", "p50_low", "p50_high", "p90_minutes", "p90_low", "p90_high"))


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
    by = _check_by(by)
    p = parse_period(period)
    params = _params(p, service=service, team=team, repo=repo, environment=environment)
    frame = deployments_in_period(con, p, service=service, team=team, repo=repo, environment=environment)
    groups = _with_group(frame, by)
    rows = []
    for group in _groups(con, groups, by, params):
        mine = frame[groups == group]
        n, rework = len(mine), int(mine["rework"].sum())
        interval = wilson_interval(rework, n)
        rows.append({_label(by): group, "deployments": n, "rework_deployments": rework,
                     "rollbacks": int(mine["is_rollback"].sum()), "rework_rate": share(rework, n),
                     "ci_low": interval[0] if interval else None, "ci_high": interval[1] if interval else None})
    out = pd.DataFrame(rows, columns=[_label(by), "deployments", "rework_deployments", "rollbacks", "rework_rate",
                                      "ci_low", "ci_high"])
    return _floats(out, ("rework_rate", "ci_low", "ci_high"))


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
    label = _label(_check_by(by))
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
    return _floats(out, ("deploys_per_week", "lead_time_p50_hours", "change_failure_rate", "recovery_p50_minutes"))


# -- pipelines ---------------------------------------------------------------------------------
def pipeline_outcomes_by_workflow(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
) -> pd.DataFrame:
    """Pipeline runs per repository and workflow by outcome, with the success rate (None without outcomes)."""
    frame = query(con, "delivery_pipeline_outcomes_by_workflow",
                  _params(period, service=service, team=team, repo=repo, environment=None))
    decided = frame["succeeded"] + frame["failed"]
    frame["success_rate"] = [share(int(s), int(d)) for s, d in zip(frame["succeeded"], decided, strict=True)]
    return _floats(frame, ("success_rate",))


def pipeline_success_rate(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
) -> float | None:
    """Succeeded / (succeeded + failed) pipeline runs started in the period; None when no run finished so.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> pipeline_success_rate(con, "2026Q3") is None
    True
    """
    frame = pipeline_outcomes_by_workflow(con, period, service=service, team=team, repo=repo)
    return share(int(frame["succeeded"].sum()), int(frame["succeeded"].sum() + frame["failed"].sum()))


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


