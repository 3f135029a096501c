"""On-call load and alert noise of a period (docs/metrics.md §1.5–1.6): pages per responder, interruption
buckets per team, their summary, and noise against the actionable-share target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from analytics.metrics._incident_scope import scope_params
from analytics.periods import Period, parse_period
from analytics.sql import query

ACTIONABLE_TARGET = 0.70  # share of actionable incidents of a mature on-call (PagerDuty)
BUSINESS_HOURS = (8 * 60, 18 * 60)
SLEEP_HOURS = (22 * 60, 8 * 60)  # 22:00–08:00 every day (PagerDuty's buckets)


def _oncall_params(period: Period | str, *, responder_timezone: str, business_hours: tuple[int, int],
                   service: str | None, team: str | None, max_severity_rank: int) -> dict[str, Any]:
    start, end = business_hours
    if not 0 <= start < end <= 24 * 60:
        raise ValueError("business_hours must be (start, end) minutes after midnight with start < end")
    params = scope_params(period, service=service, team=team, max_severity_rank=max_severity_rank)
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
    weeks = parse_period(period).days / 7
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
    p = parse_period(period)
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
    params = scope_params(period, service=service, team=team, max_severity_rank=max_severity_rank)
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

