"""Metric SQL, one statement per file, loaded by name (the PUDL pattern).

Files are named ``<noun>_<by>.sql`` (``incident_counts_by_week.sql``) and take DuckDB named
parameters (``$period_start``). :func:`query` binds only the parameters a statement uses, so
callers can pass one shared parameter dict.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import duckdb
import pandas as pd

from analytics.errors import UnknownNameError

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


def query(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run a named statement with the parameters it uses bound; return a DataFrame."""
    sql = load_sql(name)
    wanted = parameters_of(sql)
    given = params or {}
    missing = wanted - given.keys()
    if missing:
        raise UnknownNameError(f"SQL statement {name!r} needs parameters {sorted(missing)}")
    return con.execute(sql, {k: given[k] for k in wanted}).df()
