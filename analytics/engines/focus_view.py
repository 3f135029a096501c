"""A FOCUS view over a CUR 2.0 table, made from the loader's own mapping (``opsreview engine create-focus-view``).

The cost engines read a FOCUS-shaped table (:mod:`analytics.engines`). Where the engine holds a raw
AWS CUR 2.0 table instead, this module writes ``CREATE OR REPLACE VIEW <view> AS SELECT <FOCUS
columns> FROM <table>`` in the engine's dialect, from the **same** mapping the ``aws-cur`` loader
inserts with (:func:`analytics.sources.cost.aws_cur.cur_fields`): each FOCUS column is the loader's
DuckDB expression, parsed by sqlglot, cast to the warehouse column's type as the loader's ``INSERT``
casts it, and generated for ``spark``, ``trino`` (Athena) or ``bigquery``. There is no second copy of
the mapping; what this module adds is only what a view needs and a load does not (docs/engines.md):

* **the source table's columns** (name → type) come from the engine — Spark ``table(...).schema``,
  BigQuery ``tables.get``, Athena ``GetTableMetadata`` — or from a sample export file staged by the
  loader's own :func:`~analytics.sources.cost._common.stage_parquet` (``--schema-from FILE``); the
  mapping is built for exactly those columns, as the loader builds it per file;
* **bound values become literals**: the mapping's parameters (``$__codes``, ``$__categories``: the
  loader's service-category table) cannot be parameters of a DDL — no engine binds values in
  ``CREATE VIEW`` — so each is turned into a typed sqlglot literal node (never text formatting), and
  only plain values are accepted (:func:`literal_node`): the loaders' constants, not user data;
* the lookup ``list_extract($__categories, list_position($__codes, x))`` becomes
  ``CASE x WHEN code THEN category … END`` (the same first-match lookup, in every dialect);
* **map columns** (``resource_tags``, ``cost_category``, ``discount``, ``product``): the loader's
  DuckDB lambda form (:func:`~analytics.sources.cost._common.map_json`) is recognised in the tree — its
  map column and its key renames (``user_`` → ``''``, ``aws_`` → ``aws:``) are read from the
  expression itself — and rebuilt with the engine's map functions: ``Tags`` as the map the URL's
  ``tags=map`` expects (Spark, Athena) or JSON text (``tags=json``; BigQuery's JSON column), the ``x_``
  map columns as JSON text; a ``product['key']`` lookup becomes ``try_element_at`` / ``element_at``.

What a view cannot do that the loader does — the row checks, reconciliation of the source totals
to the cent, replacing a restated billing period — is written down in docs/engines.md.

Why one module over 500 lines: one command: the CUR 2.0 mapping rewritten for three dialects (map
columns, typed literals) plus the three engines' runners; the rewrites are only checked together
(golden DDL per dialect).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, cast

import sqlglot
from sqlglot import exp

from analytics.engines.dialects import Dialect, TagsAs, quoted_table, table_parts
from analytics.errors import ExportFormatError, UsageError

Source = Literal["cur2"]
SOURCES: tuple[Source, ...] = ("cur2",)
#: The Tags form each engine's cost statements read by default (the engine URL's ``tags=``).
VIEW_TAGS: dict[Dialect, TagsAs] = {"spark": "map", "trino": "map", "bigquery": "json"}
#: Columns of ``cost`` that only the warehouse has (the ingest ledger's file id): never in a view.
WAREHOUSE_ONLY: frozenset[str] = frozenset({"source_file_id"})
_PLAIN_TEXT = re.compile(r"^[\w .,:/()&+\-']{0,200}$")


class FocusViewError(UsageError):
    """The FOCUS view cannot be made as asked: a missing source table or columns, a bad name (exit 2)."""


@dataclass(frozen=True)
class FocusView:
    """A FOCUS view's DDL in one dialect, and the FOCUS columns it defines (in order)."""

    source: Source
    dialect: Dialect
    view: str
    table: str
    columns: tuple[str, ...]
    sql: str


# -- values as literals ---------------------------------------------------------------------------
def literal_node(value: Any, *, name: str) -> exp.Expression:
    """A mapping constant as a typed sqlglot literal: text, a number, or a list of those.

    Only plain values are taken (the loaders' own constants: service codes and categories, a time
    zone); anything else is refused, so no value from a file or a user ever becomes SQL text.

    >>> literal_node(["AmazonEC2", "Compute"], name="x").sql("spark")
    "ARRAY('AmazonEC2', 'Compute')"
    >>> literal_node("it's", name="x").sql("trino")
    "'it''s'"
    """
    if isinstance(value, (list, tuple)):
        return exp.Array(expressions=[literal_node(v, name=name) for v in value])
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return exp.Literal.number(str(value))
    if isinstance(value, str) and _PLAIN_TEXT.match(value):
        return exp.Literal.string(value)
    raise FocusViewError(f"mapping value ${name} is not a plain constant ({type(value).__name__} {str(value)[:40]!r}); "
                         "a view inlines only the loaders' own constants")


def _inline_parameters(tree: exp.Expression, params: Mapping[str, Any]) -> exp.Expression:
    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            if node.name not in params:
                raise FocusViewError(f"mapping parameter ${node.name} has no value")
            return literal_node(params[node.name], name=node.name)
        return node

    return tree.transform(replace, copy=False)


def _lookup_as_case(tree: exp.Expression) -> exp.Expression:
    """``list_extract(V, list_position(K, x))`` over two literal lists → ``CASE x WHEN k THEN v … END``."""
    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() == "list_extract" and len(node.expressions) == 2:
            values, position = node.expressions
            if isinstance(position, exp.Anonymous) and position.name.lower() == "list_position" \
                    and isinstance(values, exp.Array) and isinstance(position.expressions[0], exp.Array):
                keys, subject = position.expressions[0].expressions, position.expressions[1]
                if len(keys) != len(values.expressions):
                    raise FocusViewError("mapping lookup lists differ in length")
                seen: set[str] = set()
                ifs = []
                for key, value in zip(keys, values.expressions, strict=True):
                    if key.name in seen:  # list_position finds the first; a CASE takes the first WHEN too
                        continue
                    seen.add(key.name)
                    ifs.append(exp.If(this=key.copy(), true=value.copy()))
                return exp.Case(this=subject.copy(), ifs=ifs)
        return node

    return tree.transform(replace, copy=False)


# -- map columns ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MapJson:
    """What the loader's :func:`~analytics.sources.cost._common.map_json` expression says: the map
    column it serialises and the key prefixes it rewrites."""

    column: str
    renames: tuple[tuple[str, str], ...]


_RENAME = re.compile(r'^\(\[\{,\]\)"(?P<old>[^"\\]*)$')


def map_json_parts(tree: exp.Expression) -> MapJson | None:
    """The map column and key renames of a loader ``map_json`` expression (None for anything else).

    The expression starts ``CASE WHEN coalesce(cardinality(<col>), 0) = 0 THEN NULL`` and its fast path
    rewrites each prefix with ``regexp_replace(…, '([{,])"<old>', '\\1"<new>', 'g')``."""
    if not isinstance(tree, exp.Case) or not tree.args.get("ifs") or not isinstance(tree.args["ifs"][0].args.get(
            "true"), exp.Null):
        return None
    card = next((f for f in tree.args["ifs"][0].this.find_all(exp.Anonymous) if f.name.lower() == "cardinality"),
                None)
    to_json = any(f.name.lower() == "to_json" for f in tree.find_all(exp.Anonymous))
    if card is None or not to_json or len(card.expressions) != 1 or not isinstance(card.expressions[0], exp.Column):
        return None
    column = card.expressions[0].name
    renames: list[tuple[str, str]] = []
    for call in tree.find_all(exp.RegexpReplace):
        pattern, replacement = call.expression, call.args.get("replacement")
        match = _RENAME.match(pattern.name) if isinstance(pattern, exp.Literal) else None
        if match is None or not isinstance(replacement, exp.Literal) or not replacement.name.startswith('\\1"'):
            return None
        renames.append((match["old"], replacement.name[3:]))
    return MapJson(column, tuple(reversed(renames)))  # the fast path nests the first rename innermost


def _renamed_key(key: exp.Expression, renames: Sequence[tuple[str, str]]) -> exp.Expression:
    """``CASE WHEN starts_with(k, old) THEN new || substr(k, len(old) + 1) … ELSE k END`` (first match wins)."""
    if not renames:
        return key
    ifs = [exp.If(this=exp.StartsWith(this=key.copy(), expression=exp.Literal.string(old)),
                  true=exp.DPipe(this=exp.Literal.string(new),
                                 expression=exp.Substring(this=key.copy(), start=exp.Literal.number(len(old) + 1))))
           for old, new in renames]
    return exp.Case(ifs=ifs, default=key.copy())


def _lambda(params: Sequence[str], body: exp.Expression) -> exp.Lambda:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(p) for p in params])


def _map_column(parts: MapJson, *, as_json: bool, dialect: Dialect) -> exp.Expression:
    """The loader's map → FOCUS map in the engine: NULL values and empty keys dropped, keys renamed, an
    empty map NULL; JSON text when ``as_json``."""
    col = exp.column(parts.column, quoted=True)
    k, v = exp.column("k"), exp.column("v")
    if dialect == "bigquery":  # a map loaded into BigQuery is a repeated STRUCT<key, value>
        key = _renamed_key(exp.column("key", table="e"), parts.renames)
        keep = "e.value IS NOT NULL AND __key <> ''"  # NULL values and keys renamed to '' dropped, as in the loader
        keys = sqlglot.parse_one(f"ARRAY(SELECT __key FROM UNNEST(__col) AS e WHERE {keep} ORDER BY e.key)",
                                 read="bigquery")
        values = sqlglot.parse_one(f"ARRAY(SELECT e.value FROM UNNEST(__col) AS e WHERE {keep} ORDER BY e.key)",
                                   read="bigquery")
        fill = {"__key": key, "__col": col}
        keys = keys.transform(lambda n: fill[n.name].copy() if isinstance(n, exp.Column) and n.name in fill else n)
        values = values.transform(lambda n: fill[n.name].copy() if isinstance(n, exp.Column) and n.name in fill else n)
        obj = exp.Anonymous(this="JSON_OBJECT", expressions=[keys, values])
        return exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.func("coalesce", exp.ArraySize(this=keys.copy()),
                                                             exp.Literal.number(0)),
                                                expression=exp.Literal.number(0)), true=exp.Null())],
                        default=obj)
    kept = exp.Anonymous(this="map_filter", expressions=[col, _lambda(["k", "v"], exp.Not(this=exp.Is(
        this=v.copy(), expression=exp.Null())))])
    renamed = exp.Anonymous(this="transform_keys",
                            expressions=[kept, _lambda(["k", "v"], _renamed_key(k, parts.renames))])
    named = exp.Anonymous(this="map_filter", expressions=[renamed, _lambda(["k", "v"], exp.NEQ(
        this=k.copy(), expression=exp.Literal.string("")))])
    if as_json:
        value: exp.Expression = (exp.Anonymous(this="to_json", expressions=[named.copy()]) if dialect == "spark"
                                 else exp.Anonymous(this="json_format", expressions=[
                                     exp.Cast(this=named.copy(), to=exp.DataType.build("JSON", dialect="trino"))]))
    else:
        value = named.copy()
    empty = exp.EQ(this=exp.func("coalesce", exp.Anonymous(this="cardinality", expressions=[named]),
                                 exp.Literal.number(0)), expression=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=empty, true=exp.Null())], default=value)


def _map_lookups(tree: exp.Expression, maps: set[str], dialect: Dialect) -> exp.Expression:
    """``col['key']`` on a map column → ``try_element_at`` (Spark: no error on a missing key under ANSI
    mode), ``element_at`` (Trino: NULL on a missing key), a subquery over the key/value array (BigQuery)."""
    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Bracket) and isinstance(node.this, exp.Column) and node.this.name in maps \
                and len(node.expressions) == 1:
            col, key = node.this.copy(), node.expressions[0].copy()
            if dialect == "spark":
                return exp.Anonymous(this="try_element_at", expressions=[col, key])
            if dialect == "trino":
                return exp.Anonymous(this="element_at", expressions=[col, key])
            lookup = sqlglot.parse_one("(SELECT e.value FROM UNNEST(__col) AS e WHERE e.key = __k LIMIT 1)",
                                       read="bigquery")
            fill = {"__col": col, "__k": key}
            return lookup.transform(lambda n: fill[n.name].copy() if isinstance(n, exp.Column) and n.name in fill
                                    else n)
        return node

    return tree.transform(replace, copy=False)


def _bigquery_decimals(tree: exp.Expression) -> exp.Expression:
    """DECIMAL(38, s) → BIGNUMERIC (BigQuery's NUMERIC keeps 9 decimals; the loader's exact sums keep 18)."""
    for node in list(tree.find_all(exp.DataType)):
        if node.is_type(exp.DataType.Type.DECIMAL):
            node.replace(exp.DataType.build("BIGNUMERIC", dialect="bigquery"))
    return tree


# -- the mapping ----------------------------------------------------------------------------------
def cur2_mapping(columns: Mapping[str, str], *, table: str) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    """The ``aws-cur`` loader's FOCUS fields and parameters for a table with these columns (DuckDB
    types), and which of its columns are MAPs. A missing required CUR column is one line naming them."""
    from analytics.sources.cost._common import Staged
    from analytics.sources.cost.aws_cur import REQUIRED, cur_columns, cur_fields

    lowered = {name.lower(): name for name in columns}
    missing = [n for n in REQUIRED if n not in lowered]
    if missing:
        raise FocusViewError(f"table {table} lacks required CUR 2.0 column(s) {', '.join(missing)}")
    staged = Staged(view=table, file=table, columns=dict(columns))
    cur = cur_columns(staged)
    if cur.legacy:
        raise FocusViewError(f"table {table} has legacy CUR column names (category/Name); "
                             "a view maps CUR 2.0 (Data Exports) tables")
    try:
        fields, _checks, params, _billed, _effective = cur_fields(cur)
    except ExportFormatError as exc:
        raise FocusViewError(f"table {table}: column {exc.column}: {exc.message}") from None
    maps = {name for name in ("resource_tags", "cost_category", "discount", "product") if cur.has(name)}
    text_maps = sorted(n for n in maps if not cur.is_map(n))
    if text_maps:
        raise FocusViewError(f"table {table}: column(s) {', '.join(text_maps)} are text, not MAP columns; "
                             "a view maps CUR 2.0 parquet's MAP columns")
    return fields, params, {cur.flat[n] for n in maps}


def cost_column_types() -> dict[str, str]:
    """The warehouse ``cost`` table's column types (a fresh in-memory warehouse, all migrations)."""
    from analytics.sources._tabular import table_schema
    from analytics.warehouse import connect

    con = connect(":memory:")
    try:
        return {c.name: c.dtype for c in table_schema(con, "cost")}
    finally:
        con.close()


def focus_view(
    source: str, columns: Mapping[str, str], *, dialect: Dialect, table: str, view: str,
    tags_as: TagsAs | None = None,
) -> FocusView:
    """The ``CREATE OR REPLACE VIEW`` of a FOCUS view over ``table`` (whose columns are ``columns``,
    name → DuckDB type), in ``dialect``.

    >>> focus_view("cur2", {"bill_payer_account_id": "VARCHAR"}, dialect="spark", table="t", view="v")
    Traceback (most recent call last):
    ...
    analytics.engines.focus_view.FocusViewError: table t lacks required CUR 2.0 column(s) line_item_line_item_type, ...
    """
    if source not in SOURCES:
        raise FocusViewError(f"unknown source {source!r}: expected {', '.join(SOURCES)} "
                             "(a GCP billing export view is not built yet: docs/engines.md)")
    if dialect not in VIEW_TAGS:
        raise FocusViewError(f"unknown SQL dialect {dialect!r}; expected one of {', '.join(VIEW_TAGS)}")
    view_parts, table_parts_ = _plain(view, "view"), _plain(table, "source table")
    tags = tags_as or VIEW_TAGS[dialect]
    if dialect == "bigquery" and tags != "json":
        raise FocusViewError("BigQuery has no MAP type: its FOCUS view carries Tags as JSON (tags=json)")
    fields, params, maps = cur2_mapping(columns, table=table)
    types = cost_column_types()
    selects = []
    for name, fld in fields.items():
        tree = cast(exp.Expression, sqlglot.parse_one(fld.expr, read="duckdb"))
        parts = map_json_parts(tree)
        if parts is not None:
            # a MAP (Tags with tags=map) or JSON text (Spark, Trino) / a JSON value (BigQuery) as built
            tree = _map_column(parts, as_json=name != "Tags" or tags == "json", dialect=dialect)
            selects.append(exp.alias_(tree, name, quoted=True))
            continue
        else:
            if tree.find(exp.Lambda):
                raise FocusViewError(f"FOCUS column {name}: the mapping's expression has no {dialect} form here")
            tree = _lookup_as_case(_inline_parameters(tree, params))
            tree = _map_lookups(tree, maps, dialect)
        typed = exp.Cast(this=tree, to=exp.DataType.build(types.get(name, "VARCHAR"), dialect="duckdb"))
        selects.append(exp.alias_(typed, name, quoted=True))
    # the FOCUS columns of ``cost`` the mapping leaves out are NULL in the warehouse after a load: so in the view
    unmapped = [n for n in types if n not in fields and not n.startswith("x_") and n not in WAREHOUSE_ONLY]
    for name in unmapped:
        kind = types[name] if types[name] != "JSON" or dialect == "bigquery" else "VARCHAR"
        selects.append(exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(kind, dialect="duckdb")), name,
                                  quoted=True))
    select = exp.select(*selects).from_(quoted_table(table_parts_))
    ddl: exp.Expression = exp.Create(this=quoted_table(view_parts), kind="VIEW", replace=True, expression=select)
    if dialect == "bigquery":
        ddl = _bigquery_decimals(ddl)
    sql = ddl.sql(dialect=dialect, pretty=True, comments=False)
    return FocusView("cur2", dialect, view, table, (*fields, *unmapped), sql)


def _plain(name: str, what: str) -> tuple[str, ...]:
    try:
        return table_parts(name)
    except UsageError:
        raise FocusViewError(f"bad {what} name {name!r}: expected [catalog.][schema.]name of plain identifiers "
                             "(letters, digits, _ and -)") from None


# -- the source table's columns ---------------------------------------------------------------------
_SIMPLE_TYPES: dict[str, str] = {
    "string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR", "double": "DOUBLE", "float": "FLOAT",
    "real": "FLOAT", "bigint": "BIGINT", "int": "INTEGER", "integer": "INTEGER", "smallint": "SMALLINT",
    "tinyint": "TINYINT", "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP", "timestamp(3)": "TIMESTAMP", "timestamp(6)": "TIMESTAMP", "binary": "BLOB",
    "varbinary": "BLOB",
}


def duckdb_type(engine_type: str) -> str:
    """A Spark / Athena (Hive DDL) type name as the DuckDB type the loader's mapping reasons about.

    >>> duckdb_type("map<string,string>"), duckdb_type("decimal(38,10)"), duckdb_type("varchar(64)")
    ('MAP(VARCHAR, VARCHAR)', 'DECIMAL(38,10)', 'VARCHAR')
    """
    text = engine_type.strip().lower()
    if text.startswith("map<"):
        inner = text[4:-1]
        key, _, value = inner.partition(",")
        return f"MAP({duckdb_type(key)}, {duckdb_type(value)})"
    if text.startswith(("array<", "struct<", "row(", "array(")):
        return "STRUCT()" if text.startswith(("struct", "row")) else "VARCHAR[]"
    if text.startswith(("decimal", "numeric")):
        return text.upper().replace("NUMERIC", "DECIMAL").replace(" ", "")
    if text.startswith(("varchar", "char")):
        return "VARCHAR"
    if text.startswith("timestamp"):
        return "TIMESTAMP"
    return _SIMPLE_TYPES.get(text, text.upper())


def columns_from_file(path: Path) -> dict[str, str]:
    """The columns of a sample CUR 2.0 export file, read by the loader's own staging (parquet)."""
    import duckdb

    from analytics.sources.cost._common import stage_parquet
    from analytics.sources.cost.aws_cur import VIEW

    if not path.is_file():
        raise FocusViewError(f"--schema-from {path}: no such file")
    con = duckdb.connect()
    try:
        staged = stage_parquet(con, path, VIEW)
    except ExportFormatError as exc:
        raise FocusViewError(str(exc)) from None
    finally:
        con.close()
    return {name: dtype for name, dtype in staged.columns.items() if name != "__row"}


def columns_from_spark(session: Any, table: str) -> dict[str, str]:
    """The columns of a Spark table or view (its schema), as DuckDB types."""
    from analytics.engines.spark import _first_line

    try:
        fields = session.table(table).schema.fields
    except Exception as exc:
        raise FocusViewError(f"spark: cannot read table {table}: {_first_line(exc)}") from None
    return {f.name: duckdb_type(f.dataType.simpleString()) for f in fields}


def columns_from_bigquery(client: Any, table: str) -> dict[str, str]:
    """The columns of a BigQuery table (``tables.get``); a repeated ``STRUCT<key, value>`` is a map."""
    from google.api_core import exceptions as gexc

    try:
        schema = client.get_table(table).schema
    except gexc.NotFound:
        raise FocusViewError(f"bigquery: table {table} not found") from None
    except gexc.GoogleAPIError as exc:
        raise FocusViewError(f"bigquery: table {table}: {str(exc).splitlines()[0][:300]}") from None
    out = {}
    for f in schema:
        names = [s.name.lower() for s in f.fields]
        if f.field_type in ("RECORD", "STRUCT") and f.mode == "REPEATED" and names == ["key", "value"]:
            out[f.name] = "MAP(VARCHAR, VARCHAR)"
        else:
            out[f.name] = {"STRING": "VARCHAR", "FLOAT": "DOUBLE", "FLOAT64": "DOUBLE", "NUMERIC": "DECIMAL(38,9)",
                           "BIGNUMERIC": "DECIMAL(38,18)", "INTEGER": "BIGINT", "INT64": "BIGINT",
                           "TIMESTAMP": "TIMESTAMP", "DATE": "DATE", "BOOLEAN": "BOOLEAN"}.get(f.field_type, "VARCHAR")
    return out


def columns_from_athena(client: Any, *, catalog: str, database: str, table: str) -> dict[str, str]:
    """The columns of an Athena (Glue) table (``GetTableMetadata``), partition keys included."""
    from botocore import exceptions as bexc

    try:
        meta = client.get_table_metadata(CatalogName=catalog, DatabaseName=database, TableName=table)
    except bexc.ClientError as exc:
        error = exc.response.get("Error", {})
        raise FocusViewError(f"athena: table {database}.{table}: {error.get('Code', 'error')}: "
                             f"{str(error.get('Message', '')).splitlines()[0] if error.get('Message') else ''}"
                             .rstrip(": ")) from None
    found = meta["TableMetadata"]
    return {c["Name"]: duckdb_type(c.get("Type", "string"))
            for c in [*found.get("Columns", []), *found.get("PartitionKeys", [])]}


# -- the command ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Created:
    """What ``create-focus-view`` did: the view, whether it ran, and the cost-engine URL that reads it."""

    view: FocusView
    executed: bool
    engine_url: str


def _dialect_of(scheme: str) -> Dialect:
    dialects: dict[str, Dialect] = {"spark": "spark", "athena": "trino", "bigquery": "bigquery"}
    if scheme not in dialects:
        raise FocusViewError(f"create-focus-view needs a spark://, athena:// or bigquery:// engine, not {scheme}")
    return dialects[scheme]


def _view_url(spec: Any, view: str, tags: TagsAs) -> str:
    """The ``--cost-engine`` URL of the new view (same engine, the view as table, its Tags form)."""
    options = {k: v for k, v in spec.options.items() if k not in ("tags", "parquet")}
    options["tags"] = tags
    query = "&".join(f"{k}={v}" for k, v in sorted(options.items()))
    where = view if spec.scheme == "bigquery" else f"{spec.location}/{view}"
    return f"{spec.scheme}://{where}?{query}"


def create_focus_view(
    url: str, *, source: str, view: str, schema_from: Path | None = None, dry_run: bool = False,
) -> Created:
    """Make (or with ``dry_run`` only write) the FOCUS view ``view`` over the source table the engine
    URL names (``spark://local/cur2``, ``athena://primary/billing.cur2?output=s3://…``,
    ``bigquery://project.billing.cur2``). The source table's columns come from the engine, or from
    ``schema_from`` (a sample export file). A dry run reads at most the table's schema, never data."""
    from analytics.engines import parse_engine

    spec = parse_engine(url)
    dialect = _dialect_of(spec.scheme)
    if source not in SOURCES:  # before any engine is contacted
        raise FocusViewError(f"unknown --source {source!r}: expected {', '.join(SOURCES)}")
    _plain(view, "view")
    if spec.scheme == "athena" and len(view.split(".")) != 2:
        raise FocusViewError(f"athena view must be database.view, got {view!r}")
    if spec.scheme == "bigquery" and len(view.split(".")) != 3:
        raise FocusViewError(f"bigquery view must be project.dataset.view, got {view!r}")
    if "parquet" in spec.options:
        raise FocusViewError("create-focus-view reads a catalog table, not ?parquet= (register the CUR files "
                             "with CREATE TABLE … USING parquet)")
    tags: TagsAs = spec.options.get("tags") or VIEW_TAGS[dialect]  # type: ignore[assignment]
    runner = _runner(spec, need_engine=schema_from is None or not dry_run)
    try:
        columns = columns_from_file(schema_from) if schema_from is not None else runner.columns(spec.table)
        made = focus_view(source, columns, dialect=dialect, table=spec.table, view=view, tags_as=tags)
        if not dry_run:
            runner.execute(made.sql)
    finally:
        runner.close()
    return Created(made, not dry_run, _view_url(spec, view, tags))


class _Runner:
    """Reads a table's columns and runs one DDL statement on an engine."""

    def columns(self, table: str) -> dict[str, str]:
        raise FocusViewError("no engine to read the table's columns from (give --schema-from FILE)")

    def execute(self, sql: str) -> None:
        raise FocusViewError("no engine to run the DDL on")

    def close(self) -> None:
        """Release the engine's session or client."""


class _SparkRunner(_Runner):
    def __init__(self, master: str) -> None:
        from pyspark import SparkContext

        from analytics.engines.spark import local_session

        self.owned = SparkContext._active_spark_context is None  # a session already running is the caller's
        self.session = local_session(master)

    def columns(self, table: str) -> dict[str, str]:
        return columns_from_spark(self.session, table)

    def execute(self, sql: str) -> None:
        from analytics.engines.spark import _first_line, _quiet

        try:
            with _quiet():
                self.session.sql(sql)
        except Exception as exc:
            raise FocusViewError(f"spark: the view was not created: {_first_line(exc)}") from None

    def close(self) -> None:
        if self.owned:
            self.session.stop()


class _BigQueryRunner(_Runner):
    def __init__(self, spec: Any) -> None:
        from google.auth import exceptions as auth_exc
        from google.cloud import bigquery

        kwargs: dict[str, Any] = {"project": spec.options.get("billing_project") or spec.table.split(".")[0],
                                  "location": spec.options.get("location") or None}
        if spec.options.get("endpoint"):
            from google.auth.credentials import AnonymousCredentials

            kwargs["credentials"] = AnonymousCredentials()
            kwargs["client_options"] = {"api_endpoint": spec.options["endpoint"]}
        try:
            self.client = bigquery.Client(**kwargs)
        except auth_exc.GoogleAuthError as exc:
            raise FocusViewError(f"bigquery: no usable Google credentials ({type(exc).__name__})") from None

    def columns(self, table: str) -> dict[str, str]:
        return columns_from_bigquery(self.client, table)

    def execute(self, sql: str) -> None:
        from google.api_core import exceptions as gexc

        try:
            self.client.query_and_wait(sql)
        except gexc.GoogleAPIError as exc:
            raise FocusViewError(f"bigquery: the view was not created: {str(exc).splitlines()[0][:300]}") from None

    def close(self) -> None:
        self.client.close()


class _AthenaRunner(_Runner):
    def __init__(self, spec: Any, *, poll_s: float = 0.5, timeout_s: float = 300.0) -> None:
        import boto3

        self.spec, self.poll_s, self.timeout_s = spec, poll_s, timeout_s
        self.catalog = spec.options.get("catalog") or "AwsDataCatalog"
        self.client = boto3.session.Session().client("athena", region_name=spec.options.get("region") or "us-east-1",
                                                     endpoint_url=spec.options.get("endpoint") or None)

    def _call(self, what: str, fn: Any) -> Any:
        from botocore import exceptions as bexc

        try:
            return fn()
        except bexc.NoCredentialsError:
            raise FocusViewError("athena: no AWS credentials: configure the AWS chain") from None
        except bexc.ClientError as exc:
            error = exc.response.get("Error", {})
            message = str(error.get("Message", "")).splitlines()
            raise FocusViewError(f"athena: {what}: {error.get('Code', 'error')}: {message[0] if message else ''}"
                                 .rstrip(": ")) from None
        except (bexc.EndpointConnectionError, bexc.ConnectTimeoutError, bexc.ReadTimeoutError) as exc:
            raise FocusViewError(f"athena: {what}: cannot reach Athena ({type(exc).__name__})") from None

    def columns(self, table: str) -> dict[str, str]:
        database, name = table.split(".")
        return self._call(f"table {table}", lambda: columns_from_athena(
            self.client, catalog=self.catalog, database=database, table=name))

    def execute(self, sql: str) -> None:
        import time

        database = self.spec.table.split(".")[0]
        started = self._call("create view", lambda: self.client.start_query_execution(
            QueryString=sql, WorkGroup=self.spec.location,
            QueryExecutionContext={"Database": database, "Catalog": self.catalog},
            ResultConfiguration={"OutputLocation": self.spec.options["output"]}))
        query_id = started["QueryExecutionId"]
        deadline = time.monotonic() + self.timeout_s
        while True:
            status = self._call("create view", lambda: self.client.get_query_execution(
                QueryExecutionId=query_id))["QueryExecution"]["Status"]
            if status["State"] == "SUCCEEDED":
                return
            if status["State"] in ("FAILED", "CANCELLED"):
                reason = str(status.get("StateChangeReason") or "no reason given").splitlines()[0]
                raise FocusViewError(f"athena: the view was not created ({status['State'].lower()}): {reason}")
            if time.monotonic() >= deadline:
                raise FocusViewError(f"athena: create view still {status['State'].lower()} after {self.timeout_s:g} s")
            time.sleep(self.poll_s)


def _runner(spec: Any, *, need_engine: bool) -> _Runner:
    if not need_engine:
        return _Runner()
    if spec.scheme == "spark":
        return _SparkRunner("local[2]" if spec.location == "local" else f"spark://{spec.location}")
    if spec.scheme == "bigquery":
        return _BigQueryRunner(spec)
    return _AthenaRunner(spec)
