"""Incident KPIs: volume and time to acknowledge / resolve (METRICS.md §1).

Every function takes a warehouse connection and a :class:`~analytics.periods.Period`, runs one
``analytics/sql`` statement, and returns a DataFrame with a total order. Durations are reported
as p50/p90 with bootstrap 95% CIs and ``n`` (:mod:`analytics.metrics.stats`), never bare means.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from analytics.metrics.stats import quantile_ci
from analytics.periods import Period
from analytics.sql import query

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")


def _params(period: Period, *, service: str | None, team: str | None, max_severity_rank: int) -> dict[str, Any]:
    """Bound parameters shared by the incident statements."""
    if not 1 <= max_severity_rank <= 5:
        raise ValueError("max_severity_rank must be within 1..5")
    return {
        "period_start": period.start_ts,
        "period_end": period.end_ts,
        "service": service,
        "team": team,
        "max_severity_rank": max_severity_rank,
    }


def incident_counts_by_week(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Incidents created per ISO week and severity (zeros included; partial weeks flagged).

    >>> from analytics.warehouse import connect
    >>> from analytics.periods import parse_period
    >>> con = connect(":memory:")
    >>> frame = incident_counts_by_week(con, parse_period("2026Q3"), max_severity_rank=2)
    >>> len(frame), int(frame["incidents"].sum())
    (28, 0)
    """
    params = _params(period, service=service, team=team, max_severity_rank=max_severity_rank)
    return query(con, "incident_counts_by_week", params)


def incident_durations(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """One row per incident created in the period with minutes to acknowledge and to resolve."""
    params = _params(period, service=service, team=team, max_severity_rank=max_severity_rank)
    return query(con, "incident_durations", params)


def mttr_by_severity(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Time to resolve per severity: p50 and p90 in minutes with 95% CIs, n, and open incidents left out."""
    durations = incident_durations(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    rows = []
    for rank, severity in enumerate(SEVERITIES[:max_severity_rank], start=1):
        mine = durations[durations["severity_rank"] == rank]
        done = mine["minutes_to_resolve"].dropna()
        p50, p90 = quantile_ci(done, 0.5), quantile_ci(done, 0.9)
        rows.append({
            "severity": severity,
            "incidents": len(mine),
            "n": p50.n,
            "still_open": int(mine["still_open"].sum()),
            "p50_minutes": p50.value,
            "p50_low": p50.low,
            "p50_high": p50.high,
            "p90_minutes": p90.value,
            "p90_low": p90.low,
            "p90_high": p90.high,
            "sufficient": p50.sufficient,
        })
    return pd.DataFrame(rows)


def incident_totals(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> dict[str, int]:
    """Incidents created in the period per severity, plus ``total``."""
    weekly = incident_counts_by_week(con, period, service=service, team=team, max_severity_rank=max_severity_rank)
    per = weekly.groupby("severity", sort=False)["incidents"].sum()
    totals = {sev: int(per.get(sev, 0)) for sev in SEVERITIES[:max_severity_rank]}
    totals["total"] = sum(totals.values())
    return totals
