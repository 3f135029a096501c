"""Reporting periods: parse ``2026Q3`` / ``2026-07`` / ``2026`` into half-open UTC intervals.

Every metric works on ``[start, end)`` in UTC (docs/metrics.md §0). Dates in reports derive from the
period, never from ``now()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from analytics.errors import PeriodError

Grain = Literal["year", "half", "quarter", "month"]

_PATTERNS: tuple[tuple[Grain, re.Pattern[str]], ...] = (
    ("quarter", re.compile(r"^(?P<y>\d{4})-?Q(?P<n>[1-4])$", re.IGNORECASE)),
    ("half", re.compile(r"^(?P<y>\d{4})-?H(?P<n>[12])$", re.IGNORECASE)),
    ("month", re.compile(r"^(?P<y>\d{4})-(?P<n>0[1-9]|1[0-2])$")),
    ("year", re.compile(r"^(?P<y>\d{4})$")),
)
_MONTHS: dict[Grain, int] = {"year": 12, "half": 6, "quarter": 3, "month": 1}


def _add_months(d: date, months: int) -> date:
    """First day of the month ``months`` after ``d``'s month."""
    index = d.year * 12 + (d.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


class DaySpan:
    """What every half-open day range ``[start, end)`` offers (periods, and the cost scope's windows)."""

    start: date
    end: date

    @property
    def start_ts(self) -> datetime:
        """Inclusive start as a UTC timestamp."""
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def end_ts(self) -> datetime:
        """Exclusive end as a UTC timestamp."""
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=UTC)

    @property
    def days(self) -> int:
        """Number of calendar days in the span."""
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        """The last calendar day inside the span."""
        return self.end - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period(DaySpan):
    """A calendar period ``[start, end)``; ``label`` is its canonical spelling (``2026Q3``)."""

    start: date
    end: date
    grain: Grain

    @property
    def label(self) -> str:
        """Canonical spelling: ``2026Q3``, ``2026H1``, ``2026-07`` or ``2026``."""
        y = self.start.year
        if self.grain == "quarter":
            return f"{y}Q{(self.start.month - 1) // 3 + 1}"
        if self.grain == "half":
            return f"{y}H{(self.start.month - 1) // 6 + 1}"
        if self.grain == "month":
            return f"{y}-{self.start.month:02d}"
        return f"{y}"

    def __str__(self) -> str:
        return self.label


    def previous(self, n: int = 1) -> Period:
        """The period of the same grain ``n`` steps earlier (``2026Q3`` → ``2026Q2``)."""
        months = _MONTHS[self.grain]
        return Period(_add_months(self.start, -n * months), _add_months(self.end, -n * months), self.grain)

    def next(self, n: int = 1) -> Period:
        """The period of the same grain ``n`` steps later."""
        return self.previous(-n)

    def months(self) -> list[Period]:
        """The calendar months inside the period, in order."""
        return [
            Period(_add_months(self.start, i), _add_months(self.start, i + 1), "month")
            for i in range(_MONTHS[self.grain])
        ]

    def contains(self, moment: date | datetime) -> bool:
        """Whether a date or timestamp falls inside ``[start, end)``."""
        if isinstance(moment, datetime):
            if moment.tzinfo is None:
                raise PeriodError(f"naive timestamp {moment!r}: give a time zone")
            return self.start_ts <= moment < self.end_ts
        return self.start <= moment < self.end


def parse_period(text: str | int | Period) -> Period:
    """Parse ``2026Q3``, ``2026-Q3``, ``2026H1``, ``2026-07`` or ``2026`` into a :class:`Period`.

    >>> p = parse_period("2026Q3")
    >>> (p.start.isoformat(), p.end.isoformat(), p.label, p.days)
    ('2026-07-01', '2026-10-01', '2026Q3', 92)
    >>> parse_period("2026Q1").previous().label
    '2025Q4'
    """
    if isinstance(text, Period):
        return text
    raw = str(text).strip()
    for grain, pattern in _PATTERNS:
        match = pattern.match(raw)
        if match is None:
            continue
        year = int(match["y"])
        if not 1970 <= year <= 2200:
            break
        n = int(match["n"]) if grain != "year" else 1
        first_month = (n - 1) * _MONTHS[grain] + 1 if grain != "month" else n
        start = date(year, first_month, 1)
        return Period(start, _add_months(start, _MONTHS[grain]), grain)
    raise PeriodError(
        f"bad period {raw!r}: expected a quarter like 2026Q3, a half like 2026H1, "
        "a month like 2026-07 or a year like 2026"
    )


def latest_full_quarter(last_day_with_data: date) -> Period:
    """The last quarter that ends on or before the day after ``last_day_with_data``.

    >>> latest_full_quarter(date(2026, 9, 30)).label
    '2026Q3'
    >>> latest_full_quarter(date(2026, 9, 29)).label
    '2026Q2'
    """
    after = last_day_with_data + timedelta(days=1)
    return parse_period(f"{after.year}Q{(after.month - 1) // 3 + 1}").previous()
