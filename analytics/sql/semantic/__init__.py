"""The semantic layer: one definition per shared concept, as DuckDB macros in ``.sql`` files.

``incidents.sql`` (an incident in scope, time to acknowledge / resolve with the censoring flags,
repeat key) and ``delivery.sql`` (a distinct successful deployment in scope) hold the
definitions that statements in :mod:`analytics.sql` build on instead of restating them. They are
installed as TEMP macros on every connection :func:`analytics.warehouse.connect` opens — read-only
ones included — so a definition change needs no migration and every statement sees the same
definition. Each file documents its macros in its header; the macros are plain SQL expressions and
table macros (no DuckDB-only types), so a transpiler can inline them for another engine.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import duckdb

_STATEMENT_END = re.compile(r";\s*(?:\n|$)")
_COMMENT_LINE = re.compile(r"^\s*--[^\n]*\n?", re.MULTILINE)


def semantic_files() -> list[str]:
    """Names of the semantic-layer files, sorted (installation order)."""
    folder = resources.files(__name__)
    return sorted(e.name for e in folder.iterdir() if e.name.endswith(".sql"))


@cache
def semantic_statements() -> tuple[str, ...]:
    """Every ``CREATE … MACRO`` statement of the semantic layer, in installation order."""
    statements: list[str] = []
    for name in semantic_files():
        text = _COMMENT_LINE.sub("", (resources.files(__name__) / name).read_text(encoding="utf-8"))
        statements.extend(s.strip() for s in _STATEMENT_END.split(text) if s.strip())
    return tuple(statements)


def install_semantic_layer(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the semantic-layer macros as TEMP macros on ``con``.

    Call it on a migrated warehouse: DuckDB binds a table macro's tables when the macro is created.
    """
    for statement in semantic_statements():
        con.execute(statement)
