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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

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

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
DIFFERENCE_BOOTSTRAP_MAX_N = 500  # above this, the CI of a difference of medians is a normal approximation
ACTIONABLE_TARGET = 0.70  # share of actionable incidents of a mature on-call (PagerDuty)
CRITICAL_RESTORE_MINUTES = 60.0  # usual restore target for critical (tier 1) services
CRITICAL_TIER = "tier1"  # catalogue tier of the critical services (semantic layer: incident_is_critical)
REPEAT_WINDOW_DAYS = 30
BUSINESS_HOURS = (8 * 60, 18 * 60)
SLEEP_HOURS = (22 * 60, 8 * 60)  # 22:00–08:00 every day (PagerDuty's buckets)
_NO_GROUP = {"service": "(no service)", "team": "(no team)", "tier": "(no tier)", "severity": "unknown"}


def _period(period: Period | str) -> Period:
    return parse_period(period)


def _params(period: Period | str, *, service: str | None, team: str | None, max_severity_rank: int,
            critical_tier: str = CRITICAL_TIER) -> dict[str, Any]:
    """Bound parameters shared by the incident statements."""
    if not 1 <= int(max_severity_rank) <= 5:
        raise ValueError("max_severity_rank must be within 1..5")
    p = _period(period)
    return {
        "period_start": p.start_ts,
        "period_end": p.end_ts,
        "previous_start": p.previous().start_ts,
        "service": service or None,
        "team": team or None,
        "max_severity_rank": int(max_severity_rank),
        "critical_tier": critical_tier,
    }


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
    params = _params(period, service=service, team=team, max_severity_rank=max_severity_rank)
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
    params = _params(period, service=service, team=team, max_severity_rank=max_severity_rank)
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
    params = _params(period, service=service, team=team, max_severity_rank=max_severity_rank)
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
    params = _params(period, service=service, team=team, max_severity_rank=max_severity_rank,
                     critical_tier=critical_tier)
    return query(con, "incident_durations", params)


def _group_order(frame: pd.DataFrame, by: str, max_severity_rank: int) -> list[str]:
    """Groups to report, in a fixed order (every severity up to the floor; others by name, blanks last)."""
    present = sorted({str(v) for v in frame[by].unique()} - {_NO_GROUP[by]})
    if by == "severity":
        present = [s for s in present if s not in SEVERITIES]
        return [*SEVERITIES[:max_severity_rank], *present,
                *([_NO_GROUP[by]] if (frame[by] == _NO_GROUP[by]).any() else [])]
    return [*present, *([_NO_GROUP[by]] if (frame[by] == _NO_GROUP[by]).any() else [])]


def _quantile_columns(values: pd.Series) -> dict[str, Any]:
    """p50/p90 with CIs, n, sufficiency and the CI method for one group."""
    p50, method = quantile_estimate(values, 0.5)
    p90, _ = quantile_estimate(values, 0.9)
    return {"n": p50.n, "p50_minutes": p50.value, "p50_low": p50.low, "p50_high": p50.high,
            "p90_minutes": p90.value, "p90_low": p90.low, "p90_high": p90.high, "sufficient": p50.n >= MIN_N,
            "ci_method": method}


def resolve_time_table(durations: pd.DataFrame, *, by: str, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to resolve per group from :func:`incident_durations` rows (a pure computation)."""
    rows = []
    for group in _group_order(durations, by, max_severity_rank):
        mine = durations[durations[by] == group]
        usable = ~(mine["still_open"] | mine["no_resolve_time"] | mine["backfilled"])
        rows.append({by: group, "incidents": len(mine), "still_open": int(mine["still_open"].sum()),
                     "no_resolve_time": int(mine["no_resolve_time"].sum()),
                     "backfilled": int(mine["backfilled"].sum()),
                     **_quantile_columns(mine.loc[usable, "minutes_to_resolve"])})
    return _typed(pd.DataFrame(rows, columns=[by, "incidents", "still_open", "no_resolve_time", "backfilled",
                                              *_QUANTILE_COLUMNS]))


def ack_time_table(durations: pd.DataFrame, *, by: str, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to acknowledge per group: acknowledged incidents only; the rest is the unacknowledged share."""
    rows = []
    for group in _group_order(durations, by, max_severity_rank):
        mine = durations[durations[by] == group]
        acked = mine["minutes_to_ack"].notna()
        unacked = int((~acked).sum())
        rows.append({by: group, "incidents": len(mine), "unacknowledged": unacked,
                     "unacknowledged_share": unacked / len(mine) if len(mine) else None,
                     "proxy": int(mine.loc[acked, "ack_is_proxy"].sum()),
                     **_quantile_columns(mine.loc[acked, "minutes_to_ack"])})
    return _typed(pd.DataFrame(rows, columns=[by, "incidents", "unacknowledged", "unacknowledged_share", "proxy",
                                              *_QUANTILE_COLUMNS]))


_QUANTILE_COLUMNS = ("n", "p50_minutes", "p50_low", "p50_high", "p90_minutes", "p90_low", "p90_high", "sufficient",
                     "ci_method")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes for the quantile tables, also when they are empty (floats stay float, flags bool)."""
    for column in ("p50_minutes", "p50_low", "p50_high", "p90_minutes", "p90_low", "p90_high",
                   "unacknowledged_share"):
        if column in frame:
            frame[column] = frame[column].astype("float64")
    for column in ("incidents", "n", "still_open", "no_resolve_time", "backfilled", "unacknowledged", "proxy",
                   "previous_n"):
        if column in frame:
            frame[column] = frame[column].astype("int64")
    for column in ("sufficient", "changed"):
        if column in frame:
            frame[column] = frame[column].astype("bool")
    return frame


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
    return _typed(pd.DataFrame(rows)).astype({c: "float64" for c in ("p50_minutes", "previous_p50_minutes",
                                                                      "difference_minutes", "difference_low",
                                                                      "difference_high")})


def median_difference(current: np.ndarray, previous: np.ndarray) -> Estimate:
    """Difference of medians (current − previous) with a 95% CI: bootstrap for samples up to
    :data:`DIFFERENCE_BOOTSTRAP_MAX_N`, else the two order-statistic intervals combined.

    >>> est = median_difference(np.arange(2000.0), np.arange(2000.0) + 100)
    >>> est.value, est.low < -100 < est.high
    (-100.0, True)
    """
    if max(len(current), len(previous)) <= DIFFERENCE_BOOTSTRAP_MAX_N:
        return quantile_difference_ci(current, previous, 0.5)
    a, b = order_statistic_ci(current, 0.5), order_statistic_ci(previous, 0.5)
    if a.value is None or b.value is None or a.low is None or a.high is None or b.low is None or b.high is None:
        return Estimate(None, None, None, min(a.n, b.n))
    se = np.hypot((a.high - a.low) / (2 * 1.959963984540054), (b.high - b.low) / (2 * 1.959963984540054))
    value = a.value - b.value
    return Estimate(value, float(value - 1.959963984540054 * se), float(value + 1.959963984540054 * se),
                    min(a.n, b.n))


def change_is_real(difference: Estimate) -> bool:
    """Whether a difference is worth calling a change: its 95% CI excludes 0 (docs/metrics.md §1.2).

    >>> change_is_real(Estimate(-5.0, -9.0, -1.0, 20)), change_is_real(Estimate(-5.0, -9.0, 2.0, 20))
    (True, False)
    """
    low, high = difference.low, difference.high
    return low is not None and high is not None and (low > 0 or high < 0)


def resolve_minutes(frame: pd.DataFrame) -> np.ndarray:
    """Minutes to resolve of the rows of :func:`incident_durations` that have a true resolve time
    (still-open, timeless and backfilled incidents left out)."""
    usable = ~(frame["still_open"] | frame["no_resolve_time"] | frame["backfilled"])
    values = frame.loc[usable, "minutes_to_resolve"].to_numpy(dtype=float)
    return values[np.isfinite(values)]


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


# -- repeats and failure modes -----------------------------------------------------------------
def repeat_rates_by_service(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    window_days: int = REPEAT_WINDOW_DAYS,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Repeat rate (same service and key within ``window_days``), reopen rate and problem-linked share per
    service; the first row is ``(all services)``.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute(
    ...     "INSERT INTO incidents (incident_id, source, source_id, service, fingerprint, created_at, reopen_count, "
    ...     "source_file_id) VALUES ('x:1','x','1','db','disk','2026-06-20 00:00:00+00',0,0), "
    ...     "('x:2','x','2','db','disk','2026-07-10 00:00:00+00',1,0), "
    ...     "('x:3','x','3','db','disk','2026-09-01 00:00:00+00',0,0), "
    ...     "('x:4','x','4','web','disk','2026-07-11 00:00:00+00',0,0)")
    >>> frame = repeat_rates_by_service(con, "2026Q3")[["service", "incidents", "repeats", "reopened"]]
    >>> [tuple(r.values()) for r in frame.to_dict("records")]
    [('(all services)', 3, 1, 1), ('db', 2, 1, 1), ('web', 1, 0, 0)]
    """
    if window_days < 1:
        raise ValueError("window_days must be at least 1")
    params = _params(period, service=service, team=team, max_severity_rank=max_severity_rank)
    return query(con, "incident_repeats_by_service", {**params, "window_days": int(window_days)})


@dataclass(frozen=True)
class RepeatRates:
    """Repeat, reopen and problem-linked incidents of a period."""

    incidents: int
    repeats: int
    reopened: int
    problem_linked: int
    window_days: int

    @property
    def repeat_rate(self) -> float | None:
        """repeats / incidents."""
        return self.repeats / self.incidents if self.incidents else None

    @property
    def reopen_rate(self) -> float | None:
        """incidents with reopen_count > 0 / incidents."""
        return self.reopened / self.incidents if self.incidents else None

    @property
    def problem_linked_share(self) -> float | None:
        """incidents linked to a problem record / incidents."""
        return self.problem_linked / self.incidents if self.incidents else None


def repeat_incident_rates(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    window_days: int = REPEAT_WINDOW_DAYS,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> RepeatRates:
    """The ``(all services)`` row of :func:`repeat_rates_by_service` as a summary."""
    frame = repeat_rates_by_service(con, period, window_days=window_days, service=service, team=team,
                                    max_severity_rank=max_severity_rank)
    total = frame[frame["service"] == "(all services)"]
    if total.empty or int(total["incidents"].iloc[0]) == 0:
        return RepeatRates(0, 0, 0, 0, window_days)
    row = total.iloc[0]
    return RepeatRates(int(row["incidents"]), int(row["repeats"]), int(row["reopened"]), int(row["problem_linked"]),
                       window_days)


def recurring_failure_modes(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    limit: int = 10,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Failure modes seen at least twice per service, ranked by their cost in incident-hours."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    params = _params(period, service=service, team=team, max_severity_rank=max_severity_rank)
    return query(con, "incident_failure_modes_by_service", {**params, "limit": int(limit)})


# -- on-call load ------------------------------------------------------------------------------
def _oncall_params(period: Period | str, *, responder_timezone: str, business_hours: tuple[int, int],
                   service: str | None, team: str | None, max_severity_rank: int) -> dict[str, Any]:
    start, end = business_hours
    if not 0 <= start < end <= 24 * 60:
        raise ValueError("business_hours must be (start, end) minutes after midnight with start < end")
    params = _params(period, service=service, team=team, max_severity_rank=max_severity_rank)
    return {**params, "responder_timezone": responder_timezone, "business_start": int(start),
            "business_end": int(end), "sleep_start": SLEEP_HOURS[0], "sleep_end": SLEEP_HOURS[1]}


def pages_by_responder(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    responder_timezone: str = "UTC",
    business_hours: tuple[int, int] = BUSINESS_HOURS,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Pages (notify events) per responder in the period, with pages per week and the shares outside
    business hours and in sleep hours (responder's local time); the last row is ``(everyone)``."""
    params = _oncall_params(period, responder_timezone=responder_timezone, business_hours=business_hours,
                            service=service, team=team, max_severity_rank=max_severity_rank)
    frame = query(con, "incident_pages_by_responder", params)
    weeks = _period(period).days / 7
    frame["pages_per_week"] = frame["pages"] / (frame["responders"].clip(lower=1) * weeks)
    frame["outside_business_share"] = frame["outside_business_pages"] / frame["pages"].where(frame["pages"] > 0)
    frame["sleep_share"] = frame["sleep_pages"] / frame["pages"].where(frame["pages"] > 0)
    return frame


def interruptions_by_team(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    responder_timezone: str = "UTC",
    business_hours: tuple[int, int] = BUSINESS_HOURS,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Vendor interruption buckets and the created-outside-business-hours proxy per team; the last row is
    ``(all teams)``."""
    params = _oncall_params(period, responder_timezone=responder_timezone, business_hours=business_hours,
                            service=service, team=team, max_severity_rank=max_severity_rank)
    return query(con, "incident_interruptions_by_team", params)


@dataclass(frozen=True)
class OnCallHealth:
    """On-call load of a period (docs/metrics.md §1.5).

    ``basis`` says where the off-hours and sleep shares come from: ``vendor`` (PagerDuty's
    per-interruption buckets) or ``proxy`` (share of incidents *created* outside business hours /
    in sleep hours in ``responder_timezone``).
    """

    weeks: float
    pages: int
    paged_responders: int
    interruptions: int
    responders: int
    off_hours_share: float | None
    sleep_share: float | None
    basis: str
    responder_timezone: str

    @property
    def pages_per_responder_week(self) -> float | None:
        """Pages / (distinct people paged × weeks)."""
        return self.pages / (self.paged_responders * self.weeks) if self.paged_responders else None

    @property
    def interruptions_per_responder_week(self) -> float | None:
        """Vendor interruptions / (distinct responders × weeks); None without vendor data."""
        if self.basis != "vendor" or not self.responders:
            return None
        return self.interruptions / (self.responders * self.weeks)


def oncall_health(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    responder_timezone: str = "UTC",
    business_hours: tuple[int, int] = BUSINESS_HOURS,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> OnCallHealth:
    """Pages per responder per week and the off-hours / sleep shares (vendor buckets where present, else
    the labelled created-outside-business-hours proxy).

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute(
    ...     "INSERT INTO incidents (incident_id, source, source_id, created_at, source_file_id) VALUES "
    ...     "('x:1','x','1','2026-07-01 10:00:00+00',0), ('x:2','x','2','2026-07-04 10:00:00+00',0)")
    >>> h = oncall_health(con, "2026Q3")
    >>> h.basis, h.off_hours_share, h.sleep_share
    ('proxy', 0.5, 0.0)
    """
    p = _period(period)
    scope: dict[str, Any] = {"responder_timezone": responder_timezone, "business_hours": business_hours,
                             "service": service, "team": team, "max_severity_rank": max_severity_rank}
    pages = pages_by_responder(con, p, **scope)
    everyone = pages[pages["responder"] == "(everyone)"]
    load = interruptions_by_team(con, p, **scope)
    total: Any = load[load["team"] == "(all teams)"].iloc[0] if (load["team"] == "(all teams)").any() else None
    weeks = p.days / 7
    page_count = int(everyone["pages"].iloc[0]) if len(everyone) else 0
    paged = int(everyone["responders"].iloc[0]) if len(everyone) else 0
    if total is not None and int(total["interruptions"]) > 0:
        interruptions = int(total["interruptions"])
        return OnCallHealth(weeks, page_count, paged, interruptions, int(total["responders"]),
                            (interruptions - int(total["business_interruptions"])) / interruptions,
                            int(total["sleep_interruptions"]) / interruptions, "vendor", responder_timezone)
    incidents = int(total["incidents"]) if total is not None else 0
    return OnCallHealth(
        weeks, page_count, paged, 0, int(total["responders"]) if total is not None else 0,
        int(total["created_outside_business"]) / incidents if incidents else None,
        int(total["created_in_sleep_hours"]) / incidents if incidents else None, "proxy", responder_timezone)


# -- alert noise -------------------------------------------------------------------------------
def alert_noise_by_service(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Noise ratio, actionable share and alerts per incident per service, ranked by noise incidents;
    the first row is ``(all services)``.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute(
    ...     "INSERT INTO incidents (incident_id, source, source_id, service, urgency, created_at, acknowledged_at, "
    ...     "resolved_at, auto_resolved, alert_count, source_file_id) VALUES "
    ...     "('x:1','x','1','a','high','2026-07-01 00:00+00','2026-07-01 00:05+00','2026-07-01 01:00+00',false,1,0),"
    ...     "('x:2','x','2','a','high','2026-07-01 00:00+00',NULL,'2026-07-01 00:03+00',true,9,0),"
    ...     "('x:3','x','3','a','low','2026-07-01 00:00+00','2026-07-01 00:05+00','2026-07-01 01:00+00',false,2,0)")
    >>> [int(x) for x in alert_noise_by_service(con, "2026Q3").iloc[0][["noise", "actionable", "alerts"]]]
    [1, 1, 12]
    """
    params = _params(period, service=service, team=team, max_severity_rank=max_severity_rank)
    return query(con, "incident_noise_by_service", params)


@dataclass(frozen=True)
class AlertNoise:
    """Alert noise of a period against the actionable-share target."""

    incidents: int
    resolved: int
    noise: int
    actionable: int
    alerts: int
    target: float

    @property
    def noise_ratio(self) -> float | None:
        """Noise incidents / resolved incidents."""
        return self.noise / self.resolved if self.resolved else None

    @property
    def actionable_share(self) -> float | None:
        """Actionable incidents / incidents."""
        return self.actionable / self.incidents if self.incidents else None

    @property
    def alerts_per_incident(self) -> float | None:
        """Alerts grouped into incidents / incidents."""
        return self.alerts / self.incidents if self.incidents else None

    @property
    def meets_target(self) -> bool | None:
        """Whether the actionable share is above the target (None without incidents)."""
        share = self.actionable_share
        return None if share is None else share > self.target


def alert_noise(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    target: float = ACTIONABLE_TARGET,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> AlertNoise:
    """The ``(all services)`` row of :func:`alert_noise_by_service` against the actionable target (70%)."""
    frame = alert_noise_by_service(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    total = frame[frame["service"] == "(all services)"]
    if total.empty:
        return AlertNoise(0, 0, 0, 0, 0, target)
    row = total.iloc[0]
    return AlertNoise(int(row["incidents"]), int(row["resolved"]), int(row["noise"]), int(row["actionable"]),
                      int(row["alerts"]), target)


# -- degraded dependencies -------------------------------------------------------------------------
def degraded_dependencies(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    provider: str | None = None,
    include_information: bool = False,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Our incidents of the period that overlapped a provider incident (``provider_incidents``: Google
    Cloud / AWS status history), one row per pair, with the minutes both were open.

    >>> from analytics.warehouse import connect
    >>> len(degraded_dependencies(connect(":memory:"), "2026Q3"))
    0
    """
    params = {**_params(period, service=service, team=team, max_severity_rank=max_severity_rank),
              "provider": provider or None, "include_information": bool(include_information)}
    return query(con, "incident_provider_overlaps", params)


@dataclass(frozen=True)
class DegradedDependencies:
    """How many of a period's incidents overlapped a provider incident, and with which ones."""

    incidents: int  # our incidents in scope
    overlapping: int  # of them, those open while a provider incident was
    provider_incidents: int  # distinct provider incidents they overlapped
    by_provider: tuple[tuple[str, int], ...]  # (provider, our incidents overlapping one of its incidents)

    @property
    def share(self) -> float | None:
        """overlapping / incidents (None without incidents)."""
        return self.overlapping / self.incidents if self.incidents else None

    def sentence(self, period_label: str) -> str:
        """Two lines of narrative for a report (plain text: a notebook shows it through
        :func:`analytics.display.md_text`)."""
        if not self.incidents:
            return f"No incidents in {period_label}, so none overlapped a provider incident."
        if not self.overlapping:
            return (f"None of the {self.incidents} incidents of {period_label} overlapped a provider incident in the "
                    "loaded status history (Google Cloud, AWS).")
        providers = ", ".join(f"{name} {n}" for name, n in self.by_provider)
        return (f"{self.overlapping} of the {self.incidents} incidents of {period_label} "
                f"({self.share:.0%}) were open while a provider reported an incident ({self.provider_incidents} "
                f"provider incidents; by provider: {providers}). Time overlap only: check whether the service "
                "depends on the product before blaming the dependency.")


def degraded_dependency_summary(overlaps: pd.DataFrame, incidents: int) -> DegradedDependencies:
    """Summarise :func:`degraded_dependencies` against the number of incidents in scope."""
    by_provider = (overlaps.groupby("provider")["incident_id"].nunique().sort_index() if len(overlaps)
                   else pd.Series(dtype="int64"))  # fmt: skip
    return DegradedDependencies(
        incidents=int(incidents), overlapping=int(overlaps["incident_id"].nunique()) if len(overlaps) else 0,
        provider_incidents=int(overlaps["provider_incident_id"].nunique()) if len(overlaps) else 0,
        by_provider=tuple((str(k), int(v)) for k, v in by_provider.items()),
    )


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
