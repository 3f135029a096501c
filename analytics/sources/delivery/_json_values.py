"""Typed access to the values of a JSON record (delivery and SLO loaders): ids, commit SHAs and repository
names (bounded text, ISO instants, booleans, objects and arrays are the shared primitives of
:mod:`analytics.sources._values`); each raises :class:`RowError` naming the field (the caller adds
file and row)."""

from __future__ import annotations

import re
from typing import Any

from analytics.sources._files import RowError
from analytics.sources._values import as_text

MAX_TEXT = 10_000  # characters kept in an id, name or label
MAX_ID = 2**63 - 1


def required_text(value: Any, column: str, *, max_len: int = MAX_TEXT) -> str:
    """Like :func:`~analytics.sources._values.as_text`, but missing or blank is an error."""
    out = as_text(value, column, max_len=max_len)
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
    raw = as_text(value, column, max_len=100)
    if raw is None:
        if required:
            raise RowError(column, "commit sha is required but missing")
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{7,64}", raw):
        raise RowError(column, f"{raw[:60]!r} is not a git commit sha (7 to 64 hex characters)")
    return raw.lower()


def repo_from_api_url(value: Any, column: str) -> str | None:
    """``owner/name`` from a GitHub API URL such as ``https://api.github.com/repos/o/r/deployments/1``."""
    url = as_text(value, column, max_len=2000)
    if url is None:
        return None
    match = re.search(r"/repos/([^/\s]+/[^/\s]+?)(?:/|$)", url)
    return match.group(1) if match else None
