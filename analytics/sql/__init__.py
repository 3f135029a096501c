"""Metric SQL, one statement per file, loaded by name (the PUDL pattern).

Files are named ``<noun>_<by>.sql`` (``incident_counts_by_week.sql``) and take DuckDB named
parameters (``$period_start``). :func:`query` binds only the parameters a statement uses, so
callers can pass one shared parameter dict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import duckdb
import pandas as pd

from analytics.errors import AnalyticsError, UnknownNameError
from analytics.runcache import shared_statement

_PARAM = re.compile(r"(?<![$\w])\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def sql_names() -> list[str]:
    """Names of every shipped statement, sorted."""
    folder = resources.files("analytics.sql")
    return sorted(e.name[:-4] for e in folder.iterdir() if e.name.endswith(".sql"))


@cache
def load_sql(name: str) -> str:
    """Text of ``analytics/sql/<name>.sql``; a clear error names the close matches otherwise."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise UnknownNameError(f"bad SQL statement name {name!r}")
    entry = resources.files("analytics.sql") / f"{name}.sql"
    if not entry.is_file():
        import difflib

        close = difflib.get_close_matches(name, sql_names(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownNameError(f"no SQL statement named {name!r} in analytics/sql{hint}")
    return entry.read_text("utf-8")


def parameters_of(sql: str) -> set[str]:
    """Named parameters (``$name``) a statement uses, ignoring comments.

    >>> sorted(parameters_of("SELECT $a, $b -- $c\\n FROM t WHERE x = $a"))
    ['a', 'b']
    """
    return set(_PARAM.findall(_COMMENT.sub(" ", sql)))


def bound_parameters(name: str, params: Mapping[str, Any] | None, *,
                     error: type[AnalyticsError] = UnknownNameError) -> tuple[str, dict[str, Any]]:
    """The text of statement ``name`` and the parameters it uses, taken from ``params`` (a shared dict)."""
    sql = load_sql(name)
    wanted = parameters_of(sql)
    given = params or {}
    missing = wanted - given.keys()
    if missing:
        raise error(f"SQL statement {name!r} needs parameters {sorted(missing)}")
    return sql, {k: given[k] for k in sorted(wanted)}


def query(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run a named statement with the parameters it uses bound; return a DataFrame.

    Inside a report run, on its read-only snapshot, an identical earlier call's rows are read back
    instead (:func:`analytics.runcache.shared_statement`).
    """
    sql, bound = bound_parameters(name, params)
    return shared_statement(con, name, bound, lambda: con.execute(sql, bound).df(), form="frame")


def records(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None, *,
            error: type[AnalyticsError] = UnknownNameError) -> list[dict[str, Any]]:
    """Run a named statement like :func:`query`; rows as dicts with the exact values (Decimals)."""
    sql, bound = bound_parameters(name, params, error=error)

    def fetch() -> list[dict[str, Any]]:
        result = con.execute(sql, bound)
        rows = result.fetchall()
        columns = [d[0] for d in result.description or []]
        return [dict(zip(columns, row, strict=True)) for row in rows]

    return shared_statement(con, name, bound, fetch, form="rows")
