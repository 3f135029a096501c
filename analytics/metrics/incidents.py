"""Incident KPIs (docs/metrics.md §0–1): volume, time to acknowledge / resolve, critical restores,
repeats and reopens, recurring failure modes, on-call load and alert noise.

Every function takes a warehouse connection and a period (a :class:`~analytics.periods.Period`
or its spelling, ``"2026Q3"``), runs one ``analytics/sql/incident_*.sql`` statement and returns a
DataFrame with a total order (or a small frozen summary computed from one). The scope options are
the same everywhere: ``service``, ``team`` (the incident's team, else the catalogue owner) and
``max_severity_rank`` (the severity floor: 3 keeps SEV1–SEV3; incidents without a severity count
only when there is no floor). Canceled incidents are always left out.

Durations are reported as p50/p90 with 95% CIs and ``n`` (:mod:`analytics.metrics.stats`:
percentile bootstrap, 9,999 resamples, fixed seed), never bare means. Incidents still open at
export time are counted in volume and left out of durations (right-censored), and so are closed
incidents without a resolve time and back-filled status-page history (``created_at`` =
``resolved_at``: a zero that was never measured); each table says how many.
Above :data:`BOOTSTRAP_MAX_N` points the interval is the distribution-free order-statistic interval
(the bootstrap's large-sample limit), because 9,999 resamples of a huge group cost seconds to minutes
and gigabytes; the ``ci_method`` column says which was used. The difference of two medians is
bootstrapped up to :data:`DIFFERENCE_BOOTSTRAP_MAX_N` points per sample and otherwise combines the
two order-statistic intervals (normal approximation).

This module holds volume, durations, critical restores and the period's summary; the bound scope
(``_incident_scope``), the pure duration statistics (``_incident_durations``), repeats
(``_incident_repeats``), on-call load and alert noise (``_incident_oncall``) and degraded
dependencies (``_incident_dependencies``) are private siblings whose names are importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.metrics._incident_dependencies import (
    DegradedDependencies,
    degraded_dependencies,
    degraded_dependency_summary,
)
from analytics.metrics._incident_durations import (
    DIFFERENCE_BOOTSTRAP_MAX_N,
    ack_time_table,
    change_is_real,
    median_difference,
    resolve_minutes,
    resolve_time_table,
    typed_table,
)
from analytics.metrics._incident_oncall import (
    ACTIONABLE_TARGET,
    BUSINESS_HOURS,
    SLEEP_HOURS,
    AlertNoise,
    OnCallHealth,
    alert_noise,
    alert_noise_by_service,
    interruptions_by_team,
    oncall_health,
    pages_by_responder,
)
from analytics.metrics._incident_repeats import (
    REPEAT_WINDOW_DAYS,
    RepeatRates,
    recurring_failure_modes,
    repeat_incident_rates,
    repeat_rates_by_service,
)
from analytics.metrics._incident_scope import CRITICAL_TIER, SEVERITIES, scope_params
from analytics.metrics.stats import (  # noqa: F401
    BOOTSTRAP_MAX_N,
    MIN_N,
    Estimate,
    order_statistic_ci,
    quantile_ci,
    quantile_difference_ci,
    quantile_estimate,
)
from analytics.periods import Period, parse_period
from analytics.sql import query

# the names of the private sibling modules are part of this module's API
__all__ = [
    "ACTIONABLE_TARGET", "BUSINESS_HOURS", "CRITICAL_RESTORE_MINUTES", "CRITICAL_TIER", "DIFFERENCE_BOOTSTRAP_MAX_N",
    "REPEAT_WINDOW_DAYS", "SEVERITIES", "SLEEP_HOURS", "AlertNoise", "CriticalRestores", "DegradedDependencies",
    "IncidentSummary", "OnCallHealth", "RepeatRates", "RestoreTimes", "ack_time_table", "alert_noise",
    "alert_noise_by_service", "change_is_real", "critical_restore_share", "critical_restores",
    "degraded_dependencies", "degraded_dependency_summary", "incident_counts_by_month", "incident_counts_by_severity",
    "incident_counts_by_week", "incident_durations", "incident_summaries", "incident_summary", "incident_totals",
    "interruptions_by_team", "median_difference", "mtta_by_service", "mtta_by_severity", "mtta_by_team",
    "mtta_by_tier", "mttr_by_service", "mttr_by_severity", "mttr_by_team", "mttr_by_tier", "mttr_change_by_severity",
    "oncall_health", "pages_by_responder", "recurring_failure_modes", "repeat_incident_rates",
    "repeat_rates_by_service", "resolve_minutes", "resolve_time_table", "restore_times"
]

CRITICAL_RESTORE_MINUTES = 60.0  # usual restore target for critical (tier 1) services


def _period(period: Period | str) -> Period:
    return parse_period(period)


# -- volume ------------------------------------------------------------------------------------
def incident_counts_by_week(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Incidents created per ISO week and severity (zeros included; partial weeks flagged).

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> frame = incident_counts_by_week(con, "2026Q3", max_severity_rank=2)
    >>> len(frame), int(frame["incidents"].sum())
    (28, 0)
    """
    params = scope_params(period, service=service, team=team, max_severity_rank=max_severity_rank)
    return query(con, "incident_counts_by_week", params)


def incident_counts_by_month(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Incidents created per calendar month and severity (zeros included)."""
    params = scope_params(period, service=service, team=team, max_severity_rank=max_severity_rank)
    return query(con, "incident_counts_by_month", params)


def incident_counts_by_severity(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Incidents per severity this period and the previous one, with the relative change and a total row.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute(
    ...     "INSERT INTO incidents (incident_id, source, source_id, severity, severity_rank, created_at, "
    ...     "source_file_id) VALUES ('x:1','x','1','SEV2',2,'2026-07-02T00:00:00Z',0), "
    ...     "('x:2','x','2','SEV2',2,'2026-08-02T00:00:00Z',0), ('x:3','x','3','SEV2',2,'2026-05-02T00:00:00Z',0)")
    >>> [tuple(r.values()) for r in incident_counts_by_severity(con, "2026Q3", max_severity_rank=2).to_dict("records")]
    [('SEV1', 0, 0, nan), ('SEV2', 2, 1, 1.0), ('total', 2, 1, 1.0)]
    """
    params = scope_params(period, service=service, team=team, max_severity_rank=max_severity_rank)
    frame = query(con, "incident_counts_by_severity", params)
    total = pd.DataFrame([{"severity": "total", "incidents": int(frame["incidents"].sum()),
                           "previous": int(frame["previous"].sum())}])
    out = pd.concat([frame, total], ignore_index=True)
    out["incidents"] = out["incidents"].astype("int64")
    out["previous"] = out["previous"].astype("int64")
    out["change"] = [float("nan") if p == 0 else (c - p) / p
                     for c, p in zip(out["incidents"], out["previous"], strict=True)]
    return out


def incident_totals(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> dict[str, int]:
    """Incidents created in the period per severity, plus ``total``."""
    weekly = incident_counts_by_week(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    per = weekly.groupby("severity", sort=False)["incidents"].sum()
    totals = {sev: int(per.get(sev, 0)) for sev in SEVERITIES[:max_severity_rank]}
    if "unknown" in per.index:
        totals["unknown"] = int(per["unknown"])
    totals["total"] = sum(totals.values())
    return totals


# -- durations ---------------------------------------------------------------------------------
def incident_durations(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
    critical_tier: str = CRITICAL_TIER,
) -> pd.DataFrame:
    """One row per incident created in the period with minutes to acknowledge / resolve, the censoring flags
    and whether it is major (SEV1–SEV2) and critical (major, on a ``critical_tier`` service)."""
    params = scope_params(period, service=service, team=team, max_severity_rank=max_severity_rank,
                     critical_tier=critical_tier)
    return query(con, "incident_durations", params)



def mttr_by_severity(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Time to resolve per severity: p50/p90 minutes with 95% CIs, n, and what was left out (still open, …).

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute(
    ...     "INSERT INTO incidents (incident_id, source, source_id, severity, severity_rank, created_at, "
    ...     "resolved_at, status, source_file_id) SELECT 'x:' || i, 'x', i::VARCHAR, 'SEV1', 1, "
    ...     "TIMESTAMPTZ '2026-07-01 00:00:00+00', TIMESTAMPTZ '2026-07-01 00:00:00+00' + to_minutes(m), "
    ...     "'resolved', 0 FROM (VALUES (1, 10), (2, 20), (3, 30), (4, 40)) v(i, m)")
    >>> row = mttr_by_severity(con, "2026Q3", max_severity_rank=1).iloc[0]
    >>> row["severity"], int(row["n"]), float(row["p50_minutes"]), float(row["p90_minutes"]), bool(row["sufficient"])
    ('SEV1', 4, 25.0, 37.0, False)
    """
    durations = incident_durations(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    return resolve_time_table(durations, by="severity", max_severity_rank=max_severity_rank)


def mttr_by_service(con: duckdb.DuckDBPyConnection, period: Period | str, *, service: str | None = None,
                    team: str | None = None, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to resolve per service (p50/p90 with CIs and n)."""
    durations = incident_durations(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    return resolve_time_table(durations, by="service")


def mttr_by_team(con: duckdb.DuckDBPyConnection, period: Period | str, *, service: str | None = None,
                 team: str | None = None, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to resolve per team (p50/p90 with CIs and n)."""
    durations = incident_durations(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    return resolve_time_table(durations, by="team")


def mttr_by_tier(con: duckdb.DuckDBPyConnection, period: Period | str, *, service: str | None = None,
                 team: str | None = None, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to resolve per service tier from the catalogue (p50/p90 with CIs and n)."""
    durations = incident_durations(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    return resolve_time_table(durations, by="tier")


def mtta_by_severity(con: duckdb.DuckDBPyConnection, period: Period | str, *, service: str | None = None,
                     team: str | None = None, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to acknowledge per severity (p50/p90 with CIs, n, unacknowledged share, proxy count).

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute(
    ...     "INSERT INTO incidents (incident_id, source, source_id, severity, severity_rank, created_at, "
    ...     "acknowledged_at, source_file_id) VALUES "
    ...     "('x:1','x','1','SEV2',2,'2026-07-01 00:00:00+00','2026-07-01 00:04:00+00',0), "
    ...     "('x:2','x','2','SEV2',2,'2026-07-01 00:00:00+00','2026-07-01 00:10:00+00',0), "
    ...     "('x:3','x','3','SEV2',2,'2026-07-01 00:00:00+00',NULL,0)")
    >>> row = mtta_by_severity(con, "2026Q3", max_severity_rank=2).iloc[1]
    >>> row["severity"], int(row["n"]), float(row["p50_minutes"]), int(row["unacknowledged"])
    ('SEV2', 2, 7.0, 1)
    """
    durations = incident_durations(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    return ack_time_table(durations, by="severity", max_severity_rank=max_severity_rank)


def mtta_by_service(con: duckdb.DuckDBPyConnection, period: Period | str, *, service: str | None = None,
                    team: str | None = None, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to acknowledge per service."""
    durations = incident_durations(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    return ack_time_table(durations, by="service")


def mtta_by_team(con: duckdb.DuckDBPyConnection, period: Period | str, *, service: str | None = None,
                 team: str | None = None, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to acknowledge per team."""
    durations = incident_durations(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    return ack_time_table(durations, by="team")


def mtta_by_tier(con: duckdb.DuckDBPyConnection, period: Period | str, *, service: str | None = None,
                 team: str | None = None, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to acknowledge per service tier."""
    durations = incident_durations(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    return ack_time_table(durations, by="tier")


def mttr_change_by_severity(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Median time to resolve per severity now vs the previous period: the difference with a bootstrap
    95% CI, and ``changed`` only when the interval excludes 0 (docs/metrics.md §1.2)."""
    p = _period(period)
    scope: dict[str, Any] = {"service": service, "team": team, "max_severity_rank": max_severity_rank}
    now, before = incident_durations(con, p, **scope), incident_durations(con, p.previous(), **scope)
    rows = []
    for severity in SEVERITIES[:max_severity_rank]:
        a, b = (resolve_minutes(f[f["severity"] == severity]) for f in (now, before))
        diff = median_difference(a, b)
        rows.append({"severity": severity, "n": len(a), "previous_n": len(b),
                     "p50_minutes": float(np.median(a)) if len(a) else None,
                     "previous_p50_minutes": float(np.median(b)) if len(b) else None,
                     "difference_minutes": diff.value, "difference_low": diff.low, "difference_high": diff.high,
                     "changed": change_is_real(diff)})
    return typed_table(pd.DataFrame(rows)).astype({c: "float64" for c in ("p50_minutes", "previous_p50_minutes",
                                                                           "difference_minutes", "difference_low",
                                                                           "difference_high")})


@dataclass(frozen=True)
class CriticalRestores:
    """Critical incidents (major incidents of tier-1 services) restored within the target."""

    incidents: int
    restored: int
    still_open: int
    target_minutes: float

    @property
    def share(self) -> float | None:
        """restored / incidents (None without critical incidents)."""
        return self.restored / self.incidents if self.incidents else None


def critical_restores(durations: pd.DataFrame, *, within_minutes: float = CRITICAL_RESTORE_MINUTES) -> CriticalRestores:
    """The critical rows of :func:`incident_durations` resolved in under ``within_minutes``; still-open ones
    count as not restored (a pure computation)."""
    critical = durations[durations["critical"]]
    minutes = critical["minutes_to_resolve"]
    restored = int((minutes.notna() & (minutes < within_minutes)).sum())
    return CriticalRestores(len(critical), restored, int(critical["still_open"].sum()), float(within_minutes))


def critical_restore_share(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    within_minutes: float = CRITICAL_RESTORE_MINUTES,
    tier: str = CRITICAL_TIER,
    service: str | None = None,
    team: str | None = None,
) -> CriticalRestores:
    """Share of critical incidents (SEV1–SEV2 of ``tier`` services: the semantic layer's
    ``incident_is_critical``) resolved in under ``within_minutes``; still-open ones count as not restored.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute("INSERT INTO services VALUES ('pay', 'core', 'tier1', NULL, NULL, 0)")
    >>> _ = con.execute(
    ...     "INSERT INTO incidents (incident_id, source, source_id, service, severity, severity_rank, created_at, "
    ...     "resolved_at, status, source_file_id) VALUES "
    ...     "('x:1','x','1','pay','SEV1',1,'2026-07-01 00:00:00+00','2026-07-01 00:30:00+00','resolved',0), "
    ...     "('x:2','x','2','pay','SEV2',2,'2026-07-01 00:00:00+00','2026-07-01 02:00:00+00','resolved',0), "
    ...     "('x:3','x','3','pay','SEV1',1,'2026-07-01 00:00:00+00',NULL,'open',0)")
    >>> r = critical_restore_share(con, "2026Q3")
    >>> r.incidents, r.restored, r.still_open, round(r.share, 3)
    (3, 1, 1, 0.333)
    """
    durations = incident_durations(con, period, service=service, team=team, max_severity_rank=5, critical_tier=tier)
    return critical_restores(durations, within_minutes=within_minutes)




# -- the summary of a period -------------------------------------------------------------------
@dataclass(frozen=True)
class RestoreTimes:
    """Time to restore of one class of incidents in a period (docs/metrics.md §1.2): the median with its 95%
    CI and ``n`` (resolved, measured incidents), the p90, the still-open incidents left out, and the change
    of the median on the previous period with the CI of the difference."""

    median: Estimate
    ci_method: str
    p90_minutes: float | None
    still_open: int
    change: Estimate

    @property
    def change_is_real(self) -> bool:
        """Whether the 95% CI of the difference of medians excludes 0 (:func:`change_is_real`)."""
        return change_is_real(self.change)


def restore_times(current: pd.DataFrame, previous: pd.DataFrame) -> RestoreTimes:
    """:class:`RestoreTimes` of some :func:`incident_durations` rows against the same class of rows of the
    previous period (a pure computation).

    >>> rows = lambda *m: pd.DataFrame({"minutes_to_resolve": list(m), "still_open": False, "no_resolve_time": False,
    ...                                 "backfilled": False})
    >>> r = restore_times(rows(10.0, 20.0, 30.0), rows(40.0, 50.0))
    >>> r.median.value, r.median.n, r.p90_minutes, r.change.value
    (20.0, 3, 28.0, -25.0)
    """
    now, before = resolve_minutes(current), resolve_minutes(previous)
    median, method = quantile_estimate(now, 0.5)
    return RestoreTimes(median, method, float(np.quantile(now, 0.9)) if len(now) else None,
                        int(current["still_open"].sum()), median_difference(now, before))


@dataclass(frozen=True)
class IncidentSummary:
    """Every incident KPI of one scope and period, as the quarterly review reports them: volume by severity,
    time to restore of SEV1 and of critical incidents (with the critical restores within the target),
    repeats, alert noise and on-call load."""

    period: str
    by_severity: Mapping[str, int]  # SEV1..SEV5 (and ``unknown`` when present), as incident_totals
    total: int
    major: int  # SEV1–SEV2 (incident_is_major)
    sev1: RestoreTimes
    critical: RestoreTimes  # critical = incident_is_critical (major, on a tier-1 service)
    restores: CriticalRestores
    repeats: RepeatRates
    noise: AlertNoise
    oncall: OnCallHealth


def incident_summaries(
    con: duckdb.DuckDBPyConnection,
    periods: Sequence[Period | str],
    *,
    restore_target_minutes: float = CRITICAL_RESTORE_MINUTES,
    critical_tier: str = CRITICAL_TIER,
    service: str | None = None,
    team: str | None = None,
) -> list[IncidentSummary]:
    """:func:`incident_summary` of each period, reading each period's durations once (the previous period of
    one being the period before it in a run of consecutive periods)."""
    scope: dict[str, Any] = {"service": service, "team": team}
    read: dict[Period, pd.DataFrame] = {}

    def durations(p: Period) -> pd.DataFrame:
        if p not in read:
            read[p] = incident_durations(con, p, critical_tier=critical_tier, **scope)
        return read[p]

    out = []
    for p in (parse_period(x) for x in periods):
        now, before = durations(p), durations(p.previous())
        totals = incident_totals(con, p, **scope)
        sev1 = restore_times(now[now["severity"] == "SEV1"], before[before["severity"] == "SEV1"])
        critical = restore_times(now[now["critical"]], before[before["critical"]])
        out.append(IncidentSummary(
            period=p.label, by_severity={k: v for k, v in totals.items() if k != "total"}, total=totals["total"],
            major=int(now["major"].sum()), sev1=sev1, critical=critical,
            restores=critical_restores(now, within_minutes=restore_target_minutes),
            repeats=repeat_incident_rates(con, p, **scope), noise=alert_noise(con, p, **scope),
            oncall=oncall_health(con, p, **scope)))
    return out


def incident_summary(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    restore_target_minutes: float = CRITICAL_RESTORE_MINUTES,
    critical_tier: str = CRITICAL_TIER,
    service: str | None = None,
    team: str | None = None,
) -> IncidentSummary:
    """All incident KPIs of one scope and period (SEV1 and critical restores compared with the previous
    period), like :func:`analytics.metrics.delivery.dora_summary` for delivery.

    >>> from analytics.warehouse import connect
    >>> s = incident_summary(connect(":memory:"), "2026Q3")
    >>> s.total, s.major, s.sev1.median.value, s.restores.share, s.repeats.repeat_rate
    (0, 0, None, None, None)
    """
    return incident_summaries(con, [period], restore_target_minutes=restore_target_minutes,
                              critical_tier=critical_tier, service=service, team=team)[0]
