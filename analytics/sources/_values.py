"""Plausible values: the one definition of which timestamps and UTC offsets a loader accepts.

Every loader (cost, incidents, delivery, SLI, canonical) refuses, naming file, row and column:

* an instant before :data:`EARLIEST` (2000-01-01 00:00 UTC) — year 0 / ``0001 BC`` included;
* an instant at or after :func:`latest_instant` — two years after the day of the load (UTC), so
  year 9999 is refused while a budget or forecast a year ahead is not;
* a written UTC offset beyond ±14:00 (:data:`MAX_OFFSET`, the widest offset in use: Kiribati),
  e.g. ``+99:00`` — DuckDB and Python would otherwise shift the instant by days.

Python paths call :func:`plausible_instant`; SQL paths add :func:`instant_checks` to their row
checks and bind :func:`bound_params`. See docs/security.md ("Plausible values").

It is also the one module of the value primitives every loader room shares, one name each:
:func:`as_text` (bounded text without NUL or lone surrogates), :func:`as_bool`, :func:`as_object`,
:func:`as_list`, :func:`parse_instant` / :func:`instant_text` (ISO 8601 timestamps as UTC),
:func:`to_utc` (the ``--timezone`` rule) and
:func:`check_options` (the ``--option`` names a kind takes; literals inlined into SQL are
:func:`analytics.warehouse.sqlutil.quote_literal`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal, overload
from zoneinfo import ZoneInfo

from analytics.errors import UsageError
from analytics.sources._files import RowError

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
HORIZON_YEARS = 2
MAX_OFFSET = timedelta(hours=14)
TEXT_LIMIT = 100_000  # characters of one text value

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


# -- text and timestamps ------------------------------------------------------------------------


def encodable(text: str) -> bool:
    """Whether text can be stored (JSON's ``\\ud800`` escape decodes to a lone surrogate, which
    UTF-8 cannot encode)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def surrogate_error(column: str | None, text: str) -> RowError:
    """The row error for a text with a lone surrogate (shown escaped)."""
    found = next(c for c in text if "\ud800" <= c <= "\udfff")
    return RowError(column, f"contains a lone surrogate \\u{ord(found):04x} (half of a UTF-16 pair), "
                            "which is not text")


def as_text(value: Any, column: str, *, max_len: int = TEXT_LIMIT) -> str | None:
    """Text from a JSON/CSV value (numbers become text); None and blanks stay None."""
    if value.__class__ is str:  # the common case first: this runs millions of times per load
        text = value.strip()
        if len(text) > max_len:
            raise RowError(column, f"value is {len(text):,} characters long (limit {max_len:,})")
        if "\x00" in text:
            raise RowError(column, "contains a NUL character")
        if not (text.isascii() or encodable(text)):
            raise surrogate_error(column, text)
        return text or None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowError(column, f"expected text, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise RowError(column, "expected text, got a non-finite number")
    text = str(value).strip()
    if "\x00" in text:
        raise RowError(column, "contains a NUL character")
    if len(text) > max_len:
        raise RowError(column, f"value is {len(text):,} characters long (limit {max_len:,})")
    return text or None


_ISO_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I)


_FRACTION = re.compile(r"(\.\d{6})\d+")


@overload
def parse_instant(value: Any, column: str, *, zone: ZoneInfo | None, required: Literal[True]) -> datetime: ...
@overload
def parse_instant(value: Any, column: str, *, zone: ZoneInfo | None, required: bool = False) -> datetime | None: ...
def parse_instant(value: Any, column: str, *, zone: ZoneInfo | None, required: bool = False) -> datetime | None:
    """An ISO 8601 timestamp as UTC; offset-less values need ``zone`` (``--timezone``); missing or
    blank is None, or the error "``column`` is missing" when ``required``.

    >>> parse_instant("2026-07-01T10:00:00+02:00", "at", zone=None).isoformat()
    '2026-07-01T08:00:00+00:00'
    >>> try:
    ...     parse_instant("2026-07-01 10:00", "at", zone=None)
    ... except RowError as exc:
    ...     print(exc.message)
    timestamp '2026-07-01 10:00' has no UTC offset: pass the source time zone with --timezone
    """
    text = value.strip() if value.__class__ is str else as_text(value, column)
    if not text:
        if required:
            raise RowError(column, f"{column} is missing")
        return None
    try:
        return instant_text(text, zone)
    except RowError as exc:
        raise RowError(column, exc.message) from None


# The shape APIs write (``2015-10-06T21:30:42Z``): UTC, whole seconds — no zone rules to apply.
_UTC_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


@lru_cache(maxsize=1 << 17)
def instant_text(text: str, zone: ZoneInfo | None) -> datetime:
    """A stripped, non-empty timestamp text as UTC (:class:`RowError` without a column): for
    loaders' fast paths (cached: exports repeat the same instants many times)."""
    if _UTC_SECONDS.fullmatch(text):  # fast path: fromisoformat reads 'Z' as UTC (Python 3.11)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:  # e.g. February 30th: the general path below words the error
            pass
        else:
            if EARLIEST <= moment < latest_instant():
                return moment
    if not _ISO_SHAPE.match(text):
        raise RowError(None, f"cannot read {text[:60]!r} as an ISO 8601 timestamp")
    cleaned = _FRACTION.sub(r"\1", text) if "." in text else text  # Python keeps microseconds only
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise RowError(None, f"cannot read {text[:60]!r} as a timestamp: {exc}") from None
    return to_utc(moment, "", zone=zone, shown=text)


def to_utc(moment: datetime, column: str, *, zone: ZoneInfo | None, shown: str = "") -> datetime:
    """Attach ``zone`` to a naive wall-clock time (error without one) and convert to UTC."""
    if moment.tzinfo is None:
        if zone is None:
            raise RowError(column, f"timestamp {shown or moment.isoformat()!r} has no UTC offset: "
                                   "pass the source time zone with --timezone")
        moment = moment.replace(tzinfo=zone)
    return plausible_instant(moment, column, shown=shown)


# -- booleans, objects and arrays ---------------------------------------------------------------


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def as_bool(value: Any, column: str) -> bool | None:
    """true/false from JSON booleans, 0/1 or text (TRUE, false, yes …)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = value.strip().lower()
        if key == "":
            return None
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    raise RowError(column, f"expected true or false, got {str(value)[:40]!r}")


def as_object(value: Any, column: str) -> dict[str, Any] | None:
    """A JSON object (or None)."""
    if value is None or value.__class__ is dict:
        return value
    if not isinstance(value, dict):
        raise RowError(column, f"expected an object, got {type(value).__name__}")
    return value


def as_list(value: Any, column: str) -> list[Any]:
    """A JSON array (None is an empty list)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowError(column, f"expected a list, got {type(value).__name__}")
    return value


# -- options -------------------------------------------------------------------------------------


def check_options(extra: Mapping[str, object], known: Sequence[str], *, kind: str) -> None:
    """Refuse ``--option`` names ``kind`` does not take (a typo must not pass silently).

    :func:`analytics.sources.ingest` calls it for every kind that declares ``SourceKind.options``.

    >>> check_options({"currency": "EUR"}, ("currency", "duplicates"), kind="oci")
    >>> try:
    ...     check_options({"colour": "red"}, ("currency", "duplicates"), kind="oci")
    ... except UsageError as exc:
    ...     print(exc)
    oci: unknown --option 'colour'; known: currency, duplicates
    """
    unknown = sorted(set(extra) - set(known))
    if unknown:
        raise UsageError(f"{kind}: unknown --option {unknown[0]!r}; known: {', '.join(known) or 'none'}")
