"""Typed access to the values of a JSON record (delivery and SLO loaders): bounded text, ids, commit SHAs,
booleans, objects, arrays and ISO instants; each raises :class:`RowError` naming the field (the caller adds
file and row)."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from analytics.sources._files import RowError
from analytics.sources._values import plausible_instant

MAX_TEXT = 10_000  # characters kept in an id, name or label
MAX_ID = 2**63 - 1
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I)


def text(value: Any, column: str, *, max_len: int = MAX_TEXT) -> str | None:
    """Text from a JSON value (numbers become text); None and blanks stay None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowError(column, f"expected text, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise RowError(column, "expected text, got a non-finite number")
    out = str(value).strip()
    if "\x00" in out:
        raise RowError(column, "contains a NUL character")
    if len(out) > max_len:
        raise RowError(column, f"value is {len(out):,} characters long (limit {max_len:,})")
    return out or None


def required_text(value: Any, column: str, *, max_len: int = MAX_TEXT) -> str:
    """Like :func:`text`, but missing or blank is an error."""
    out = text(value, column, max_len=max_len)
    if out is None:
        raise RowError(column, "value is required but missing")
    return out


def identifier(value: Any, column: str) -> str:
    """A numeric id (GitHub ids are integers; digit strings are accepted) as text."""
    if isinstance(value, bool) or value is None:
        raise RowError(column, "expected a numeric id, got " + ("nothing" if value is None else "true/false"))
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return str(value)
    if isinstance(value, str) and re.fullmatch(r"\d{1,19}", value.strip()) and 0 < int(value) <= MAX_ID:
        return str(int(value))
    shown = repr(value)[:40] if not isinstance(value, dict | list) else type(value).__name__
    raise RowError(column, f"expected a positive numeric id, got {shown}")


def commit_sha(value: Any, column: str, *, required: bool = True) -> str | None:
    """A git commit id: 7 to 64 hexadecimal characters, lower-cased."""
    raw = text(value, column, max_len=100)
    if raw is None:
        if required:
            raise RowError(column, "commit sha is required but missing")
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{7,64}", raw):
        raise RowError(column, f"{raw[:60]!r} is not a git commit sha (7 to 64 hex characters)")
    return raw.lower()


def boolean(value: Any, column: str) -> bool | None:
    """true/false from JSON booleans, 0/1 or text (true, yes, 1 …)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = value.strip().lower()
        if key in ("", "none", "null"):
            return None
        if key in ("true", "t", "yes", "y", "1"):
            return True
        if key in ("false", "f", "no", "n", "0"):
            return False
    raise RowError(column, f"expected true or false, got {str(value)[:40]!r}")


def obj(value: Any, column: str) -> dict[str, Any]:
    """A JSON object; None is an empty object."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RowError(column, f"expected an object, got {type(value).__name__}")
    return value


def array(value: Any, column: str) -> list[Any]:
    """A JSON array; None is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowError(column, f"expected a list, got {type(value).__name__}")
    return value


def instant(value: Any, column: str, *, zone: ZoneInfo | None, required: bool = True) -> datetime | None:
    """An ISO 8601 timestamp as UTC; offset-less values need ``zone`` (``--timezone``)."""
    raw = text(value, column, max_len=64)
    if raw is None:
        if required:
            raise RowError(column, "timestamp is required but missing")
        return None
    if not _ISO.match(raw):
        raise RowError(column, f"cannot read {raw[:60]!r} as an ISO 8601 timestamp")
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", raw)
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise RowError(column, f"cannot read {raw[:60]!r} as a timestamp: {exc}") from None
    if moment.tzinfo is None:
        if zone is None:
            raise RowError(column, f"timestamp {raw!r} has no UTC offset: pass the source time zone with --timezone")
        moment = moment.replace(tzinfo=zone)
    return plausible_instant(moment, column, shown=raw)


def repo_from_api_url(value: Any, column: str) -> str | None:
    """``owner/name`` from a GitHub API URL such as ``https://api.github.com/repos/o/r/deployments/1``."""
    url = text(value, column, max_len=2000)
    if url is None:
        return None
    match = re.search(r"/repos/([^/\s]+/[^/\s]+?)(?:/|$)", url)
    return match.group(1) if match else None
