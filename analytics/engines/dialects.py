"""A composed statement in another engine's dialect: sqlglot's transpiler plus the few rewrites it lacks.

:func:`translate` takes the portable form of a statement (:func:`analytics.engines.compose.composed`)
and generates it for ``bigquery``, ``trino`` (Athena) or ``spark``. sqlglot does the dialect work
(functions, casts, ``FILTER`` → ``IF`` on BigQuery, ``NULLS LAST`` made explicit where the default
differs, parameter markers); this module adds only what sqlglot cannot know:

* **the table** — ``cost`` becomes the engine's FOCUS table (quoted identifier parts, from an
  allow-list pattern: never text from a value);
* **tag access** — the DuckDB idiom ``TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$key]`` (the key a bound
  value, looked up literally) becomes the engine's own lookup of a bound key: Spark
  ``try_element_at(from_json(Tags, 'MAP<STRING,STRING>'), :key)`` over a JSON string column (or
  ``try_element_at(Tags, :key)`` over a MAP column), Athena ``element_at(Tags, ?)`` over its
  ``map(varchar, varchar)`` (or ``json_parse`` of a JSON string), BigQuery ``JSON_VALUE(Tags[@key])``
  over a JSON column;
* ``GROUP BY ALL`` → the grouped expressions (Trino has no ``GROUP BY ALL``);
* multi-argument ``GROUPING(a, b, …)`` (DuckDB's bit vector, first argument the highest bit) → a sum
  of one-argument ``GROUPING`` × powers of two on Spark and BigQuery (Spark's ``grouping_id`` must
  name every grouping column, BigQuery's ``GROUPING`` takes one);
* ``date_trunc($grain, x)`` with a bound grain → a ``CASE`` over the allow-listed grains on BigQuery,
  whose ``TIMESTAMP_TRUNC`` takes the part as a keyword, not a value;
* ``generate_series`` → ``GENERATE_DATE_ARRAY`` / ``GENERATE_TIMESTAMP_ARRAY`` and ISO ``week`` →
  ``ISOWEEK`` on BigQuery;
* several ``unnest`` projections of one ``SELECT`` without ``FROM`` (DuckDB zips lists of equal
  length: the request lists of ``anomaly_cost_by_member``) → a zip in the ``FROM``: Trino's
  ``UNNEST(a, b, …) AS z(x, y, …)`` (which zips), Spark's ``inline(arrays_zip(a, b, …))``, BigQuery's
  ``a[ORDINAL(o)]`` over ``UNNEST(GENERATE_ARRAY(1, ARRAY_LENGTH(a))) AS o`` — not sqlglot's generic
  rewrite, which cross joins every list before filtering (n¹⁰ rows for ten lists);
* parameters → Athena's positional ``?``, with the order of the names returned beside the SQL.

Values are never formatted into the text on any engine: each engine binds them
(:mod:`analytics.engines`). The generated SQL of every cost statement in every dialect is
snapshotted in ``tests/data/engine_sql`` and compared by the tests, so a sqlglot upgrade that
changes one fails loudly (regenerate with ``OPSREVIEW_REGENERATE_SQL=1``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

from analytics.engines.compose import composed
from analytics.errors import ParameterError

Dialect = Literal["duckdb", "spark", "trino", "bigquery"]
DIALECTS: tuple[Dialect, ...] = ("bigquery", "trino", "spark")
TagsAs = Literal["json", "map"]
#: How each engine stores FOCUS ``Tags`` by default: Spark tables made from a FOCUS export (JSON text),
#: Athena over AWS's FOCUS export or a CUR 2.0 view (``map(varchar, varchar)``), BigQuery (a JSON column).
DEFAULT_TAGS: dict[Dialect, TagsAs] = {"duckdb": "json", "spark": "json", "trino": "map", "bigquery": "json"}
#: The grains a bound ``date_trunc`` unit can take (the cost statements' ``$grain``).
GRAIN_PARTS: dict[str, str] = {"day": "DAY", "week": "ISOWEEK", "month": "MONTH"}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,127}$")


@dataclass(frozen=True)
class Translated:
    """A statement in one dialect: its SQL text and the parameter names in the order they are bound
    (Athena's positional ``?``; for named markers each name once, sorted)."""

    name: str
    dialect: Dialect
    sql: str
    parameters: tuple[str, ...]


def table_parts(table: str) -> tuple[str, ...]:
    """``project.dataset.table`` → its parts, each an identifier (letters, digits, ``_``, ``-``).

    >>> table_parts("billing-prod.focus.costs")
    ('billing-prod', 'focus', 'costs')
    """
    parts = tuple(table.split("."))
    if not 1 <= len(parts) <= 3 or not all(_IDENTIFIER.match(p) for p in parts):
        raise ParameterError(f"bad table name {table!r}: expected [catalog.][schema.]table of plain identifiers")
    return parts


def quoted_table(parts: tuple[str, ...]) -> exp.Table:
    """``[catalog.][schema.]table`` as a table node of quoted identifiers (parts from :func:`table_parts`)."""
    ids = [exp.to_identifier(p, quoted=True) for p in parts]
    return exp.Table(this=ids[-1], db=ids[-2] if len(ids) > 1 else None, catalog=ids[-3] if len(ids) > 2 else None)


def _with_table(tree: exp.Expression, parts: tuple[str, ...]) -> exp.Expression:
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for table in list(tree.find_all(exp.Table)):
        if isinstance(table.this, exp.Identifier) and table.name.lower() == "cost" and not table.db \
                and "cost" not in ctes:
            new = quoted_table(parts)
            # unaliased, the table keeps the name ``cost`` as its alias: the statements and macros
            # qualify columns with it (``cost.*``, ``cost.Tags``)
            new.set("alias", table.args.get("alias") or exp.TableAlias(this=exp.to_identifier("cost")))
            table.replace(new)
    return tree


def _is_tag_access(node: exp.Expression) -> bool:
    if not isinstance(node, exp.Bracket) or len(node.expressions) != 1:
        return False
    inner = node.this
    return (isinstance(inner, exp.Cast) and inner.to.is_type(exp.DataType.Type.MAP))


def _tag_lookup(tags: exp.Expression, key: exp.Expression, dialect: Dialect, tags_as: TagsAs) -> exp.Expression:
    if dialect == "spark":
        source = tags if tags_as == "map" else exp.func("from_json", tags, exp.Literal.string("MAP<STRING,STRING>"))
        return exp.Anonymous(this="try_element_at", expressions=[source, key])
    if dialect == "trino":
        source = tags if tags_as == "map" else exp.TryCast(
            this=exp.Anonymous(this="json_parse", expressions=[tags]), to=exp.DataType.build("MAP(VARCHAR, VARCHAR)"))
        return exp.Anonymous(this="element_at", expressions=[source, key])
    if dialect == "bigquery":
        return exp.Anonymous(this="JSON_VALUE", expressions=[exp.Bracket(this=tags, expressions=[key])])
    raise ParameterError(f"no tag lookup for dialect {dialect}")


def _with_tag_access(tree: exp.Expression, dialect: Dialect, tags_as: TagsAs) -> exp.Expression:
    def replace(node: exp.Expression) -> exp.Expression:
        if _is_tag_access(node):
            assert isinstance(node, exp.Bracket)
            return _tag_lookup(node.this.this.copy(), node.expressions[0].copy(), dialect, tags_as)
        return node

    return tree.transform(replace, copy=False)


def _explicit_group_by(tree: exp.Expression) -> exp.Expression:
    """``GROUP BY ALL`` → every SELECT expression that holds no aggregate (DuckDB's own rule)."""
    for select in list(tree.find_all(exp.Select)):
        group = select.args.get("group")
        if group is None or not group.args.get("all"):
            continue
        keys = [e.unalias().copy() for e in select.selects if not e.find(exp.AggFunc)]
        select.set("group", exp.Group(expressions=keys))
    return tree


def _grouping(tree: exp.Expression, dialect: Dialect) -> exp.Expression:
    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Grouping) and len(node.expressions) > 1:
            columns = [c.copy() for c in node.expressions]
            if dialect in ("spark", "bigquery"):
                n = len(columns)
                terms: list[exp.Expression] = [
                    exp.Mul(this=exp.Grouping(expressions=[c]), expression=exp.Literal.number(2 ** (n - 1 - i)))
                    for i, c in enumerate(columns)]
                total = terms[0]
                for term in terms[1:]:
                    total = exp.Add(this=total, expression=term)
                return exp.Paren(this=total)
        return node

    return tree.transform(replace, copy=False)


def _bound_date_trunc(tree: exp.Expression) -> exp.Expression:
    """``date_trunc($grain, x)`` → ``CASE $grain WHEN 'day' THEN date_trunc('day', x) …`` (BigQuery)."""
    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, (exp.TimestampTrunc, exp.DateTrunc)) and isinstance(node.args.get("unit"),
                                                                                 exp.Placeholder):
            unit = node.args["unit"]
            ifs = [exp.If(this=exp.EQ(this=unit.copy(), expression=exp.Literal.string(grain)),
                          true=exp.TimestampTrunc(this=node.this.copy(), unit=exp.var(part)))
                   for grain, part in GRAIN_PARTS.items()]
            return exp.Case(ifs=ifs)
        return node

    return tree.transform(replace, copy=False)


def _bigquery_series(tree: exp.Expression) -> exp.Expression:
    """DuckDB's ``generate_series`` and ISO ``week`` for BigQuery: ``GENERATE_DATE_ARRAY`` over dates,
    ``GENERATE_TIMESTAMP_ARRAY`` for day steps over timestamps, month steps over timestamps through a
    date array; ``WEEK`` truncation → ``ISOWEEK`` (DuckDB's weeks start on Monday, BigQuery's WEEK on Sunday)."""
    def is_date(node: exp.Expression) -> bool:
        return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DATE)

    for trunc in list(tree.find_all(exp.TimestampTrunc, exp.DateTrunc)):
        unit = trunc.args.get("unit")
        if unit is not None and not isinstance(unit, exp.Placeholder) and unit.name.upper() == "WEEK":
            trunc.set("unit", exp.var("ISOWEEK"))

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.GenerateSeries):
            start, end, step = node.args["start"], node.args["end"], node.args["step"]
            monthly = isinstance(step, exp.Interval) and step.unit is not None and step.unit.name.upper() == "MONTH"
            if is_date(start):
                return exp.Anonymous(this="GENERATE_DATE_ARRAY", expressions=[start, end, step])
            if not monthly:
                return exp.Anonymous(this="GENERATE_TIMESTAMP_ARRAY", expressions=[start, end, step])
            template = sqlglot.parse_one(
                "ARRAY(SELECT CAST(d AS TIMESTAMP) FROM UNNEST(GENERATE_DATE_ARRAY(CAST(__start AS DATE), "
                "CAST(__end AS DATE), __step)) AS d)", read="bigquery")
            values = {"__start": start, "__end": end, "__step": step}
            return template.transform(
                lambda n: values[n.name].copy() if isinstance(n, exp.Column) and n.name in values else n)
        return node

    return tree.transform(replace, copy=False)


def _zipped_unnest(tree: exp.Expression, dialect: Dialect) -> exp.Expression:
    """A ``SELECT`` of several ``unnest(list) AS c`` (each perhaps wrapped, ``nullif(unnest(l), '')``) and
    no ``FROM`` → the lists zipped in the ``FROM`` (see the module docstring), wrappers kept."""
    def explode_of(projection: exp.Expression) -> exp.Explode | None:
        found = list(projection.find_all(exp.Explode))
        return found[0] if len(found) == 1 else None

    def replace(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Select) or node.args.get("from_") or len(node.expressions) < 2:
            return node
        projections = node.expressions
        explodes = [explode_of(p) for p in projections]
        if not all(isinstance(p, exp.Alias) for p in projections) or any(e is None for e in explodes):
            return node
        names = [p.alias for p in projections]
        lists = [e.this.copy() for e in explodes if e is not None]
        if dialect == "bigquery":
            ordinal = exp.column("zip_ordinal")  # 1-based, as the list positions of every other dialect
            source: exp.Expression = exp.Unnest(
                expressions=[exp.func("GENERATE_ARRAY", exp.Literal.number(1),
                                      exp.func("ARRAY_LENGTH", lists[0].copy()))],
                alias=exp.TableAlias(columns=[exp.to_identifier("zip_ordinal")]))
            items: list[exp.Expression] = [exp.Bracket(this=values, expressions=[exp.func("ORDINAL", ordinal.copy())])
                                           for values in lists]
        else:
            source = exp.Unnest(expressions=lists, alias=exp.TableAlias(
                this=exp.to_identifier("zipped"), columns=[exp.to_identifier(n) for n in names]))
            items = [exp.column(n, table="zipped") for n in names]
        for explode, item in zip(explodes, items, strict=True):
            assert explode is not None
            explode.replace(item)
        node.set("from_", exp.From(this=source))
        return node

    return tree.transform(replace, copy=False)


def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """Named markers (``:start``) of generated Trino SQL → ``?``, and the names in textual order (the
    tokenizer finds them, so a ``:`` inside a string literal is left alone)."""
    from sqlglot.dialects.trino import Trino

    tokens = Trino().tokenize(sql)
    found: list[tuple[int, int, str]] = []
    for colon, name in itertools.pairwise(tokens):
        if colon.token_type == TokenType.COLON and name.start == colon.end + 1 and _NAME.match(name.text):
            found.append((colon.start, name.end + 1, name.text))
    for start, end, _ in reversed(found):
        sql = sql[:start] + "?" + sql[end:]
    return sql, tuple(n for _, _, n in found)


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@cache
def translate(name: str, dialect: Dialect, *, table: str = "cost", tags_as: TagsAs | None = None) -> Translated:
    """Statement ``analytics/sql/<name>.sql`` composed and generated for ``dialect``, over ``table``.

    >>> translate("cost_currencies", "trino", table="focus.costs").parameters
    ('start', 'end', 'start', 'end')
    """
    if dialect not in ("duckdb", *DIALECTS):
        raise ParameterError(f"unknown SQL dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    tree = composed(name)
    tree = _with_table(tree, table_parts(table))
    if dialect != "duckdb":
        tree = _zipped_unnest(tree, dialect)
        tree = _with_tag_access(tree, dialect, tags_as or DEFAULT_TAGS[dialect])
        tree = _grouping(tree, dialect)
    if dialect == "trino":
        tree = _explicit_group_by(tree)
    if dialect == "bigquery":
        tree = _bound_date_trunc(tree)
        tree = _bigquery_series(tree)
    sql = tree.sql(dialect=dialect, pretty=True, comments=False)
    if dialect == "trino":
        sql, order = _positional(sql)
    else:
        order = tuple(sorted({p.name for p in tree.find_all(exp.Placeholder) if p.name}))
    return Translated(name, dialect, sql, order)
