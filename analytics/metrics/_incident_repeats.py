"""Repeats, reopens and recurring failure modes (docs/metrics.md §1.3): per service, as a summary, and
the failure modes seen at least twice ranked by incident-hours."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.metrics._incident_scope import scope_params
from analytics.periods import Period
from analytics.sql import query

REPEAT_WINDOW_DAYS = 30


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
    params = scope_params(period, service=service, team=team, max_severity_rank=max_severity_rank)
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
    params = scope_params(period, service=service, team=team, max_severity_rank=max_severity_rank)
    return query(con, "incident_failure_modes_by_service", {**params, "limit": int(limit)})
