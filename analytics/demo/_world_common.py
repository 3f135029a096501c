"""What every domain of the demo world shares: the random stream per domain, the window's days,
growth, stable ids and local wall-clock times (:mod:`analytics.demo.world` puts the domains together)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from analytics.demo.company import END, START

Q3_START = date(2026, 7, 1)
Q3_END = date(2026, 10, 1)


def domain_rng(seed: int, domain: int) -> np.random.Generator:
    """Independent random stream per domain."""
    return np.random.default_rng([seed, domain])


def window_start(months: int | None = None) -> date:
    """First day of the generated window: START, or the first of the month ``months`` months before END."""
    if months is None:
        return START
    if months < 1:
        raise ValueError("months must be at least 1")
    index = END.year * 12 + END.month - 1 - months
    return max(START, date(index // 12, index % 12 + 1, 1))


def window_days(start: date = START) -> list[date]:
    """Every day of the demo window (``start`` to END)."""
    return [start + timedelta(days=i) for i in range((END - start).days)]


def growth_factor(day: date, per_month: float) -> float:
    """Compound monthly growth factor from START."""
    months = (day - START).days / 30.4375
    return float((1 + per_month) ** months)


def hex_id(*parts: object, length: int = 12) -> str:
    """A stable pseudo-random hex id from its parts."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:length]


def local_to_utc(day: date, minutes: float, tz: str) -> datetime:
    """A wall-clock time on ``day`` in ``tz`` as a UTC datetime (whole seconds)."""
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)) + timedelta(minutes=float(minutes))
    return local.astimezone(UTC).replace(microsecond=0)
