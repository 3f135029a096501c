"""The scope every incident statement binds (docs/metrics.md §0): the period and the one before it,
service, team (the incident's team, else the catalogue owner), the severity floor and the critical tier."""

from __future__ import annotations

from typing import Any

from analytics.periods import Period, parse_period

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
CRITICAL_TIER = "tier1"  # catalogue tier of the critical services (semantic layer: incident_is_critical)


def scope_params(period: Period | str, *, service: str | None, team: str | None, max_severity_rank: int,
            critical_tier: str = CRITICAL_TIER) -> dict[str, Any]:
    """Bound parameters shared by the incident statements."""
    if not 1 <= int(max_severity_rank) <= 5:
        raise ValueError("max_severity_rank must be within 1..5")
    p = parse_period(period)
    return {
        "period_start": p.start_ts,
        "period_end": p.end_ts,
        "previous_start": p.previous().start_ts,
        "service": service or None,
        "team": team or None,
        "max_severity_rank": int(max_severity_rank),
        "critical_tier": critical_tier,
    }

