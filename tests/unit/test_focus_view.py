"""The FOCUS view DDL over a CUR 2.0 table (analytics/engines/focus_view.py): golden DDL per dialect,
built from the demo's CUR 2.0 schema read the way ``--schema-from`` reads a sample file (the loader's
own staging); the mapping's constants inlined as typed literals and nothing else; the map-column
recognition; the type names of the engines' catalogs; bad input as one line, exit 2.

Regenerate the golden DDL deliberately with ``OPSREVIEW_REGENERATE_SQL=1`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.cli import main
from analytics.demo.render_cost import CUR_SCHEMA
from analytics.engines.focus_view import (
    FocusViewError,
    MapJson,
    columns_from_file,
    duckdb_type,
    focus_view,
    literal_node,
    map_json_parts,
)
from analytics.sources.cost._common import map_json
from analytics.sources.cost.aws_cur import SERVICE_CATEGORIES, TAG_PREFIXES

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "engine_sql" / "focus_view"
REGENERATE = os.environ.get("OPSREVIEW_REGENERATE_SQL") == "1"
NAMES = {  # (source table, view) per dialect, as each engine spells them
    "spark": ("billing.cur2", "billing.focus_cur2"),
    "trino": ("billing.cur2", "billing.focus_cur2"),
    "bigquery": ("billing-prod.billing.cur2", "billing-prod.billing.focus_cur2"),
}


@pytest.fixture(scope="module")
def cur2_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty parquet file with the demo's CUR 2.0 schema (MAP columns included)."""
    path = tmp_path_factory.mktemp("cur2-schema") / "cur2.parquet"
    pq.write_table(pa.Table.from_pylist([], schema=CUR_SCHEMA), path)
    return path


@pytest.fixture(scope="module")
def cur2_columns(cur2_file: Path) -> dict[str, str]:
    return columns_from_file(cur2_file)


@pytest.mark.parametrize("dialect", sorted(NAMES))
def test_the_ddl_equals_its_golden_file(dialect: str, cur2_columns: dict[str, str]) -> None:
    table, view = NAMES[dialect]
    made = focus_view("cur2", cur2_columns, dialect=dialect, table=table, view=view)  # type: ignore[arg-type]
    path = GOLDEN / dialect / "cur2.sql"
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(made.sql + "\n", encoding="utf-8")
    assert path.exists(), f"no golden DDL {path}; regenerate with OPSREVIEW_REGENERATE_SQL=1"
    assert made.sql + "\n" == path.read_text(encoding="utf-8"), f"{dialect} FOCUS view DDL changed (sqlglot?)"
    parsed = sqlglot.parse_one(made.sql, read=dialect)
    assert isinstance(parsed, sqlglot.exp.Create) and parsed.args["kind"] == "VIEW" and parsed.args["replace"]
    assert [s.alias for s in parsed.expression.selects] == list(made.columns)
    # the 47 mapped columns, then the 18 FOCUS columns a CUR load leaves NULL (CapacityReservationId, …)
    assert len(made.columns) == 65 and made.columns[:2] == ("BilledCost", "EffectiveCost")
    assert made.columns[47:50] == ("BillingAccountType", "CapacityReservationId", "CapacityReservationStatus")


@pytest.mark.parametrize("dialect", sorted(NAMES))
def test_the_ddl_carries_no_parameter_and_the_whole_category_table(dialect: str,
                                                                   cur2_columns: dict[str, str]) -> None:
    table, view = NAMES[dialect]
    sql = focus_view("cur2", cur2_columns, dialect=dialect, table=table, view=view).sql  # type: ignore[arg-type]
    assert "$" not in sql and "@" not in sql and "?" not in sql and ":__" not in sql
    case = sqlglot.parse_one(sql, read=dialect).find(sqlglot.exp.Case, bfs=False)
    assert case is not None
    whens = {w.this.name: w.args["true"].name for c in sqlglot.parse_one(sql, read=dialect).find_all(sqlglot.exp.Case)
             for w in c.args.get("ifs", []) if isinstance(w.this, sqlglot.exp.Literal) and w.this.name in
             SERVICE_CATEGORIES}
    assert whens == SERVICE_CATEGORIES  # every code → its category, first match as list_position finds it


def test_the_default_tags_form_per_engine(cur2_columns: dict[str, str]) -> None:
    spark = focus_view("cur2", cur2_columns, dialect="spark", table="t", view="v").sql
    spark_json = focus_view("cur2", cur2_columns, dialect="spark", table="t", view="v", tags_as="json").sql
    assert spark.count("TO_JSON(") == 2 and spark_json.count("TO_JSON(") == 3  # x_ columns are always JSON text
    with pytest.raises(FocusViewError, match="BigQuery has no MAP type"):
        focus_view("cur2", cur2_columns, dialect="bigquery", table="p.d.t", view="p.d.v", tags_as="map")


@pytest.mark.parametrize(("renames", "expected"), [
    (TAG_PREFIXES, MapJson("resource_tags", TAG_PREFIXES)),
    ((), MapJson("resource_tags", ())),
    ((("a_", "x:"),), MapJson("resource_tags", (("a_", "x:"),))),
])
def test_the_loaders_map_json_is_recognised(renames: tuple[tuple[str, str], ...], expected: MapJson) -> None:
    tree = sqlglot.parse_one(map_json('"resource_tags"', renames=renames), read="duckdb")
    assert map_json_parts(tree) == expected


def test_other_expressions_are_no_map_json() -> None:
    for sql in ("CASE WHEN x = 1 THEN NULL END", "coalesce(a, b)", "CASE WHEN cardinality(m) = 0 THEN 1 END",
                "CASE WHEN cardinality(m) = 0 THEN NULL ELSE m['a'] END"):
        assert map_json_parts(sqlglot.parse_one(sql, read="duckdb")) is None


@pytest.mark.parametrize(("value", "spark"), [
    ("Compute", "'Compute'"), ("it's", "'it\\'s'"), (3, "3"), (["a", "b"], "ARRAY('a', 'b')"),
    ("AI and Machine Learning", "'AI and Machine Learning'"),
])
def test_plain_constants_become_typed_literals(value: object, spark: str) -> None:
    assert literal_node(value, name="x").sql("spark") == spark


@pytest.mark.parametrize("value", ["a\nb", "x' OR 1=1 --", "$(rm)", "a;b", "é" * 300, object(), 1.5, None])
def test_anything_else_is_refused(value: object) -> None:
    with pytest.raises(FocusViewError, match=r"^mapping value \$x is not a plain constant"):
        literal_node(value, name="x")


@given(st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_a_literal_round_trips_or_is_refused(text: str) -> None:
    """Hostile text never changes the statement: it is one string literal with the same value, or refused."""
    try:
        node = literal_node(text, name="x")
    except FocusViewError:
        return
    for dialect in ("spark", "trino", "bigquery"):
        parsed = sqlglot.parse_one(f"SELECT {node.sql(dialect)} AS v", read=dialect)
        (select,) = parsed.selects
        assert isinstance(select.this, sqlglot.exp.Literal) and select.this.is_string and select.this.name == text


@given(st.text(min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_a_view_name_is_refused_or_one_quoted_identifier(name: str) -> None:
    """Hostile view names never change the statement: refused, or the view is exactly that name."""
    columns = {n: "VARCHAR" for n in ("line_item_line_item_type", "line_item_currency_code",
                                      "bill_payer_account_id", "line_item_usage_account_id")}
    columns |= {n: "DOUBLE" for n in ("line_item_unblended_cost",)}
    columns |= {n: "TIMESTAMP" for n in ("line_item_usage_start_date", "line_item_usage_end_date",
                                         "bill_billing_period_start_date", "bill_billing_period_end_date")}
    try:
        made = focus_view("cur2", columns, dialect="trino", table="billing.cur2", view=name)
    except FocusViewError as exc:
        assert str(exc).startswith("bad view name ") and "\n" not in str(exc)
        return
    parsed = sqlglot.parse_one(made.sql, read="trino")
    assert ".".join(p.name for p in parsed.this.parts) == name


@pytest.mark.parametrize(("engine", "duck"), [
    ("map<string,string>", "MAP(VARCHAR, VARCHAR)"), ("map<varchar,double>", "MAP(VARCHAR, DOUBLE)"),
    ("string", "VARCHAR"), ("varchar(64)", "VARCHAR"), ("double", "DOUBLE"), ("decimal(38,10)", "DECIMAL(38,10)"),
    ("timestamp", "TIMESTAMP"), ("timestamp(3)", "TIMESTAMP"), ("bigint", "BIGINT"), ("boolean", "BOOLEAN"),
])
def test_catalog_types_as_duckdb_types(engine: str, duck: str) -> None:
    assert duckdb_type(engine) == duck


def test_a_table_lacking_cur_columns_names_them(cur2_columns: dict[str, str]) -> None:
    thin = {k: v for k, v in cur2_columns.items() if k not in ("line_item_unblended_cost", "line_item_currency_code")}
    with pytest.raises(FocusViewError, match=r"^table billing\.cur2 lacks required CUR 2\.0 column\(s\) "
                                             r"line_item_unblended_cost, line_item_currency_code$"):
        focus_view("cur2", thin, dialect="spark", table="billing.cur2", view="billing.v")


def test_text_map_columns_and_legacy_names_are_refused(cur2_columns: dict[str, str]) -> None:
    text_tags = {**cur2_columns, "resource_tags": "VARCHAR"}
    with pytest.raises(FocusViewError, match=r"column\(s\) resource_tags are text, not MAP columns"):
        focus_view("cur2", text_tags, dialect="spark", table="t", view="v")
    legacy = {**cur2_columns, "lineItem/UsageType": "VARCHAR"}
    with pytest.raises(FocusViewError, match="legacy CUR column names"):
        focus_view("cur2", legacy, dialect="spark", table="t", view="v")


def test_a_typed_column_of_the_wrong_kind_is_named(cur2_columns: dict[str, str]) -> None:
    wrong = {**cur2_columns, "line_item_unblended_cost": "BOOLEAN"}
    with pytest.raises(FocusViewError, match=r"^table t: column line_item_unblended_cost: has type BOOLEAN"):
        focus_view("cur2", wrong, dialect="trino", table="t", view="v")


@pytest.mark.parametrize(("args", "message"), [
    (["--source", "gcp", "--engine", "spark://local/cur2", "--view", "v"], "unknown --source 'gcp': expected cur2"),
    (["--source", "cur2", "--engine", "spark://local/cur2", "--view", "a;b"], "bad view name 'a;b'"),
    (["--source", "cur2", "--engine", "spark://local/cur2", "--view", 'x"y'], "bad view name 'x\"y'"),
    (["--source", "cur2", "--engine", "spark://local/cur2", "--view", "a.b.c.d"], "bad view name 'a.b.c.d'"),
    (["--source", "cur2", "--engine", "duckdb", "--view", "v"], "needs a spark://, athena:// or bigquery:// engine"),
    (["--source", "cur2", "--engine", "bigquery://p.d.t", "--view", "v"], "bigquery view must be project.dataset.view"),
    (["--source", "cur2", "--engine", "athena://wg/db.t?output=s3://b/p/", "--view", "v"],
     "athena view must be database.view"),
    (["--source", "cur2", "--engine", "spark://local/t?parquet=/x.parquet", "--view", "v"], "not ?parquet="),
    (["--source", "cur2", "--engine", "spark://local/bad;table", "--view", "v"], "bad table name"),
])
def test_bad_arguments_are_one_line_exit_2(args: list[str], message: str, cur2_file: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["engine", "create-focus-view", *args, "--dry-run", "--schema-from", str(cur2_file)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("opsreview: error: ") and message in err and err.count("\n") == 1


def test_a_schema_file_that_is_no_parquet_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "cur.parquet"
    bad.write_bytes(b"not parquet")
    assert main(["engine", "create-focus-view", "--source", "cur2", "--engine", "spark://local/t", "--view", "v",
                 "--dry-run", "--schema-from", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err == f"opsreview: error: {bad}: not a readable parquet file: the file is too small to be parquet " \
                  "(truncated, or empty)\n"


def test_dry_run_from_a_schema_file_prints_the_golden_ddl(cur2_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No engine is contacted: the columns come from the file, the DDL is printed and nothing runs."""
    assert main(["engine", "create-focus-view", "--source", "cur2", "--engine",
                 "athena://primary/billing.cur2?output=s3://results/x/", "--view", "billing.focus_cur2",
                 "--dry-run", "--schema-from", str(cur2_file)]) == 0
    assert capsys.readouterr().out == (GOLDEN / "trino" / "cur2.sql").read_text("utf-8").rstrip("\n") + ";\n"
