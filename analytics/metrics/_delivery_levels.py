"""DORA 2024 performance levels (project cut-points over the 2024 cluster descriptions,
docs/delivery-and-slo.md) and fourkeys' deployment-frequency bucket over a period's calendar."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from analytics.periods import Period, parse_period

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
