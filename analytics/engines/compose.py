"""The portable form of a statement: its semantic-layer macro calls expanded in place (sqlglot AST).

The ``.sql`` files in :mod:`analytics.sql` are the definitions, in DuckDB's dialect, and they call
the semantic layer's macros: the cost scope macros of migration 0006 (``cost_in_scope``,
``cost_in_scope_any_date``, ``cost_dimension_value``) and the TEMP macros of
:mod:`analytics.sql.semantic` (incidents, delivery). Only DuckDB has macros, so for any other engine
a statement is **composed** first: every macro call is replaced by the macro's own body, parsed from
the very ``CREATE MACRO`` text DuckDB installs (one definition, read from the migration and the
semantic files — never a copy):

* a **table macro** in ``FROM``/``JOIN`` (``cost_in_scope($start, …) AS cost_row``) becomes a
  subquery with the same alias, its parameters replaced by the call's arguments;
* a **scalar macro** (``cost_dimension_value($dimension, $dimension_tag_key, cost_row)``) becomes its
  expression; a parameter passed a whole row (``p_row.ServiceName``) becomes a column of the alias
  the call passes (``cost_row.ServiceName``);
* calls inside macro bodies are expanded the same way, until none is left;
* a join of the warehouse's **tag table** (``LEFT JOIN cost_tags AS t ON t.Tags = r.Tags AND
  t.tag_key = K``, migration 0010: the tags of ``cost`` parsed once per distinct tag set, a DuckDB
  speed-up) is dropped and every ``t.tag_value`` becomes the tag lookup it caches,
  ``TRY_CAST(r.Tags AS MAP(VARCHAR, VARCHAR))[K]`` — the value the migration defines ``cost_tags`` by.
  An engine has only the FOCUS table; :mod:`analytics.engines.dialects` turns that lookup into the
  engine's own (``element_at``, ``from_json``, ``JSON_VALUE``).

DuckDB itself keeps running the ``.sql`` text with its macros (speed and behaviour unchanged); the
composed SQL runs on DuckDB too in the tests, and equals the macro version on every cost statement
(``tests/unit/test_engine_sql.py``), which is what makes the expansion a proof rather than a copy.
Dialect-specific rewrites (tag access, ``GROUP BY ALL``, parameters) come after composing, in
:mod:`analytics.engines.dialects`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import cast

import sqlglot
from sqlglot import exp

from analytics.errors import AnalyticsError
from analytics.sql import load_sql
from analytics.sql.semantic import semantic_files

_MACRO = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?MACRO\s+(?P<name>\w+)\s*\((?P<params>[^)]*)\)\s+AS\s+"
    r"(?P<table>TABLE\s+)?(?P<body>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_STATEMENT_END = re.compile(r";\s*(?:\n|$)")
_COMMENT_LINE = re.compile(r"^\s*--[^\n]*\n?", re.MULTILINE)
#: Where the macros are defined: the migration that stores the cost scope macros in the warehouse, and
#: the semantic-layer files installed as TEMP macros on every connection.
MACRO_SOURCES: tuple[tuple[str, str], ...] = (
    ("analytics.warehouse", "migrations/0006_cost_scope_macros.sql"),
    ("analytics.warehouse", "migrations/0010_cost_tags.sql"),  # re-creates two of 0006's: the later one wins
    ("analytics.warehouse", "migrations/0011_cost_judged_rows.sql"),
    # every semantic-layer file, in the order the warehouse installs them (a new file needs no edit here)
    *(("analytics.sql.semantic", name) for name in semantic_files()),
)


class CompositionError(AnalyticsError):
    """A statement could not be composed into its portable form (a bug in a definition, not user input)."""


@dataclass(frozen=True)
class Macro:
    """One ``CREATE MACRO``: its parameters and body (an expression, or a SELECT for a table macro)."""

    name: str
    params: tuple[str, ...]
    body: exp.Expression
    is_table: bool


def _statements(text: str) -> list[str]:
    return [s.strip() for s in _STATEMENT_END.split(_COMMENT_LINE.sub("", text)) if s.strip()]


@cache
def macros() -> dict[str, Macro]:
    """Every semantic-layer macro by (lower-case) name, parsed from the files DuckDB installs them from."""
    found: dict[str, Macro] = {}
    for package, name in MACRO_SOURCES:
        text = resources.files(package).joinpath(*name.split("/")).read_text(encoding="utf-8")
        for statement in _statements(text):
            match = _MACRO.match(statement)
            if not match:
                continue
            params = tuple(p.strip().lower() for p in match["params"].split(",") if p.strip())
            body_sql = match["body"].strip()
            body = cast(exp.Expression, sqlglot.parse_one(body_sql, read="duckdb"))
            found[match["name"].lower()] = Macro(match["name"].lower(), params, body, bool(match["table"]))
    return found


def _argument(value: exp.Expression) -> exp.Expression:
    """An argument ready to stand where a parameter stood: parenthesised unless it is atomic."""
    if isinstance(value, (exp.Column, exp.Literal, exp.Placeholder, exp.Null, exp.Boolean, exp.Paren, exp.Cast,
                          exp.Func)):
        return value.copy()
    return exp.Paren(this=value.copy())


def _substitute(macro: Macro, args: list[exp.Expression]) -> exp.Expression:
    """The macro body with its parameters replaced by the call's arguments."""
    if len(args) != len(macro.params):
        raise CompositionError(f"macro {macro.name} takes {len(macro.params)} arguments, got {len(args)}")
    bound = dict(zip(macro.params, args, strict=True))
    body = macro.body.copy()

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            table = node.table.lower() if node.table else ""
            name = node.name.lower()
            if table and table in bound:
                row = bound[table]
                if not isinstance(row, exp.Column) or row.table:
                    raise CompositionError(f"macro {macro.name}: {table} must be passed a table alias")
                return exp.column(node.this.copy(), table=row.this.copy())
            if not table and name in bound:
                return _argument(bound[name])
        return node

    return body.transform(replace, copy=False)


def _table_macro_call(node: exp.Expression) -> tuple[Macro, exp.Anonymous] | None:
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous):
        macro = macros().get(node.this.name.lower())
        if macro is not None and macro.is_table:
            return macro, node.this
    return None


def expand(tree: exp.Expression) -> exp.Expression:
    """``tree`` with every macro call replaced by its definition (repeated until none is left)."""
    for _ in range(20):
        changed = False

        def replace(node: exp.Expression) -> exp.Expression:
            nonlocal changed
            call = _table_macro_call(node)
            if call is not None:
                macro, fn = call
                changed = True
                alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(macro.name))
                return exp.Subquery(this=_substitute(macro, list(fn.expressions)), alias=alias.copy())
            if isinstance(node, exp.Anonymous):
                scalar = macros().get(node.name.lower())
                if scalar is not None and not scalar.is_table:
                    changed = True
                    return _substitute(scalar, list(node.expressions))
            return node

        tree = tree.transform(replace, copy=False)
        if not changed:
            return tree
    raise CompositionError("macro expansion did not terminate (a macro calls itself?)")


#: The warehouse's parsed-tags table (migration 0010) and its columns.
TAG_TABLE = "cost_tags"


def _tag_join_key(join: exp.Join) -> tuple[str, exp.Expression, exp.Expression] | None:
    """``(alias, row's Tags column, key)`` of ``LEFT JOIN cost_tags AS alias ON alias.Tags = r.Tags AND
    alias.tag_key = K`` (either order of the terms), None for any other join."""
    table = join.this
    if not (isinstance(table, exp.Table) and isinstance(table.this, exp.Identifier)
            and table.name.lower() == TAG_TABLE and join.side.upper() == "LEFT"):
        return None
    alias = (table.alias or table.name).lower()
    on = join.args.get("on")
    terms = list(on.flatten()) if isinstance(on, exp.And) else [on]
    tags: exp.Expression | None = None
    key: exp.Expression | None = None
    for term in terms:
        if not isinstance(term, exp.EQ) or len(terms) != 2:
            raise CompositionError(f"a join of {TAG_TABLE} must be ON {alias}.Tags = r.Tags AND {alias}.tag_key = K")
        left, right = term.this, term.expression
        if isinstance(right, exp.Column) and right.table.lower() == alias:
            left, right = right, left
        if not (isinstance(left, exp.Column) and left.table.lower() == alias):
            raise CompositionError(f"a join of {TAG_TABLE}: {term.sql('duckdb')} does not compare {alias}'s columns")
        if left.name.lower() == "tags" and isinstance(right, exp.Column):
            tags = right
        elif left.name.lower() == "tag_key":
            key = right
    if tags is None or key is None:
        raise CompositionError(f"a join of {TAG_TABLE} must match {alias}.Tags and {alias}.tag_key")
    return alias, tags, key


def tag_joins_as_lookups(tree: exp.Expression) -> exp.Expression:
    """``tree`` without joins of ``cost_tags``: each ``alias.tag_value`` is the lookup the table caches."""
    lookups: dict[str, exp.Expression] = {}
    for join in list(tree.find_all(exp.Join)):
        found = _tag_join_key(join)
        if found is None:
            continue
        alias, tags, key = found
        if alias in lookups:
            raise CompositionError(f"{TAG_TABLE} joined twice as {alias}")
        lookups[alias] = sqlglot.parse_one("TRY_CAST(x AS MAP(VARCHAR, VARCHAR))[k]", read="duckdb").transform(
            lambda n, tags=tags, key=key: tags.copy() if isinstance(n, exp.Column) and n.name == "x"
            else _argument(key) if isinstance(n, exp.Column) and n.name == "k" else n)
        join.pop()

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.table.lower() in lookups:
            if node.name.lower() != "tag_value":
                raise CompositionError(f"{TAG_TABLE} is read for {node.name}; only tag_value has a lookup")
            return lookups[node.table.lower()].copy()
        return node

    tree = tree.transform(replace, copy=False)
    left = [t.name for t in tree.find_all(exp.Table) if t.name.lower() == TAG_TABLE]
    if left:
        raise CompositionError(f"{TAG_TABLE} is read other than by a LEFT JOIN on (Tags, tag_key)")
    return tree


def composed(name: str) -> exp.Expression:
    """The statement ``analytics/sql/<name>.sql`` with its macro calls expanded (a fresh tree per call)."""
    return _composed(name).copy()


@cache
def _composed(name: str) -> exp.Expression:
    tree = cast(exp.Expression, sqlglot.parse_one(load_sql(name), read="duckdb"))
    return tag_joins_as_lookups(expand(tree))


def composed_duckdb_sql(name: str) -> str:
    """The composed statement as DuckDB SQL (runs without any macro; the tests compare it with the original)."""
    return composed(name).sql(dialect="duckdb", pretty=True)
