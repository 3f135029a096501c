"""Plausible values: the one definition of which timestamps and UTC offsets a loader accepts.

Every loader (cost, incidents, delivery, SLI, canonical) refuses, naming file, row and column:

* an instant before :data:`EARLIEST` (2000-01-01 00:00 UTC) — year 0 / ``0001 BC`` included;
* an instant at or after :func:`latest_instant` — two years after the day of the load (UTC), so
  year 9999 is refused while a budget or forecast a year ahead is not;
* a written UTC offset beyond ±14:00 (:data:`MAX_OFFSET`, the widest offset in use: Kiribati),
  e.g. ``+99:00`` — DuckDB and Python would otherwise shift the instant by days.

Python paths call :func:`plausible_instant`; SQL paths add :func:`instant_checks` to their row
checks and bind :func:`bound_params`. See docs/security.md ("Plausible values").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from analytics.sources._files import RowError

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
HORIZON_YEARS = 2
MAX_OFFSET = timedelta(hours=14)

# A written offset beyond ±14:00 after a time of day (``…T10:00:00+99:00``, ``… 10:00 -1501``).
BAD_OFFSET = r"\d{2}:\d{2}(:\d{2}(\.\d*)?)?\s*[+-](1[5-9]|[2-9][0-9]|14:?(0[1-9]|[1-5][0-9]))(:?[0-9]{2})?$"
_BAD_OFFSET = re.compile(BAD_OFFSET)


def latest_instant(today: date | None = None) -> datetime:
    """The first instant refused as too late: midnight UTC after ``today`` + two years.

    >>> latest_instant(date(2026, 12, 7)).isoformat()
    '2028-12-08T00:00:00+00:00'
    >>> latest_instant(date(2028, 2, 29)).isoformat()
    '2030-03-01T00:00:00+00:00'
    """
    day = today or datetime.now(UTC).date()
    try:
        ahead = day.replace(year=day.year + HORIZON_YEARS)
    except ValueError:  # 29 February → 28 February
        ahead = day.replace(year=day.year + HORIZON_YEARS, day=28)
    return datetime(ahead.year, ahead.month, ahead.day, tzinfo=UTC) + timedelta(days=1)


def range_text() -> str:
    """The accepted range, for error messages."""
    return f"{EARLIEST:%Y-%m-%d} … {latest_instant():%Y-%m-%d}"


def plausible_instant(moment: datetime, column: str | None, *, shown: str = "") -> datetime:
    """``moment`` (aware) as UTC, or :class:`RowError` when its offset or instant is implausible."""
    shown = shown or moment.isoformat()
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise RowError(column, f"timestamp {shown[:60]!r} has a UTC offset beyond ±14:00")
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise RowError(column, f"timestamp {shown[:60]!r} is outside {range_text()}") from exc
    if not EARLIEST <= utc < latest_instant():
        raise RowError(column, f"timestamp {shown[:60]!r} is outside {range_text()}")
    return utc


def has_bad_offset(text: str) -> bool:
    """Whether a timestamp text carries a UTC offset beyond ±14:00.

    >>> has_bad_offset("2026-07-01T10:00:00+99:00"), has_bad_offset("2026-07-01T10:00:00-14:00")
    (True, False)
    """
    return _BAD_OFFSET.search(text.strip()) is not None


def bound_params() -> dict[str, object]:
    """The parameters :func:`instant_checks` refers to."""
    return {"__earliest": EARLIEST, "__latest": latest_instant(), "__bad_offset": BAD_OFFSET}


def instant_checks(parsed: str, text: str | None = None) -> list[tuple[str, str]]:
    """(problem, SQL condition) pairs for a TIMESTAMPTZ expression ``parsed`` and, when the raw
    text is at hand, that text ``text``; conditions hold on offending non-NULL values and use
    :func:`bound_params`."""
    checks = []
    if text is not None:
        checks.append(("timestamp has a UTC offset beyond ±14:00",
                       f"regexp_matches(trim(CAST(({text}) AS VARCHAR)), $__bad_offset)"))
    checks.append((f"timestamp is outside {range_text()}",
                   f"NOT (({parsed}) >= $__earliest AND ({parsed}) < $__latest)"))
    return checks


NUL_MESSAGE = "contains a NUL character"


def nul_check(text: str) -> tuple[str, str]:
    """(problem, SQL condition) for a text expression holding a NUL character (refused in every
    text field: no export writes one, and it silently splits names downstream)."""
    return NUL_MESSAGE, f"contains(CAST(({text}) AS VARCHAR), chr(0))"
