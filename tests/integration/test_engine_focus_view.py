"""The FOCUS view over a CUR 2.0 table, on a real Spark (pyspark local mode): the demo's CUR 2.0 Data
Export (parquet, MAP columns) registered as a Spark catalog table, the view created by
``opsreview engine create-focus-view``, and its rows compared with what ``opsreview ingest aws-cur``
loads into DuckDB from the same export: the same rows (every FOCUS column, as a multiset), the same
BilledCost / EffectiveCost totals to the cent — both also equal to the sum over the raw parquet — and
every cost statement run on Spark over the view (``SparkEngine(table=view, tags_as="map")``) equal to
the DuckDB warehouse's.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

import analytics
from analytics.cli import main
from analytics.engines import EngineConnection
from analytics.engines.spark import SparkEngine, local_session
from tests.engine_parity import CALLS, same

pytestmark = [pytest.mark.integration, pytest.mark.slow]

JSON_COLUMNS = ("Tags", "x_CostCategories", "x_Discounts")


@pytest.fixture(scope="module")
def cur_export(demo: Any) -> Path:
    """The demo's final CUR 2.0 Data Export (one manifest and one parquet file per billing period)."""
    return Path(demo.demo_dir) / "cost" / "aws" / "lumen-cur2"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = local_session(small_data=True)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def cur_table(spark: Any, cur_export: Path) -> str:
    """The export's parquet files as the Spark catalog table ``cur2`` (a view needs a catalog table)."""
    spark.sql("DROP VIEW IF EXISTS focus_cur2")
    spark.sql("DROP TABLE IF EXISTS cur2")
    spark.catalog.createTable("cur2", path=str(cur_export / "data"), source="parquet", recursiveFileLookup="true")
    return "cur2"


@pytest.fixture(scope="module")
def view(spark: Any, cur_table: str) -> str:
    """The FOCUS view, created by the CLI command in this process (it uses the running session)."""
    assert main(["engine", "create-focus-view", "--source", "cur2", "--engine", f"spark://local/{cur_table}",
                 "--view", "focus_cur2"]) == 0
    return "focus_cur2"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, cur_export: Path) -> Iterator[str]:
    """A fresh warehouse holding what ``opsreview ingest aws-cur`` loads from the same export."""
    path = str(tmp_path_factory.mktemp("focus-view") / "warehouse.duckdb")
    assert main(["ingest", "aws-cur", str(cur_export), "--warehouse", path]) == 0
    yield path


def _raw_totals(cur_export: Path) -> tuple[int, Decimal]:
    """Rows and the sum of line_item_unblended_cost straight from the parquet files (no mapping)."""
    con = duckdb.connect()
    try:
        files = str(cur_export / "data" / "*" / "final" / "*.parquet")
        rows, total = con.execute("SELECT count(*), sum(CAST(line_item_unblended_cost AS DECIMAL(38, 10))) "
                                  "FROM read_parquet($f)", {"f": files}).fetchone()
    finally:
        con.close()
    return int(rows), Decimal(total)


def _normal(value: Any, column: str) -> Any:
    if column in JSON_COLUMNS and value is not None:
        pairs = json.loads(value).items() if isinstance(value, str) else value
        return tuple(sorted((k, v) for k, v in pairs))
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _rows(table: Any, columns: list[str]) -> Counter[tuple[Any, ...]]:
    data = table.to_pydict()
    return Counter(tuple(_normal(data[c][i], c) for c in columns) for i in range(table.num_rows))


def test_the_view_holds_the_rows_the_loader_loads(spark: Any, view: str, warehouse: str, cur_export: Path) -> None:
    raw_rows, raw_billed = _raw_totals(cur_export)
    con = analytics.connect(warehouse, read_only=True)
    try:
        columns = [c for c in spark.table(view).columns if c in {d[0] for d in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'cost'").fetchall()}]
        local = con.sql(f"SELECT {', '.join(chr(34) + c + chr(34) for c in columns)} FROM cost").to_arrow_table()
        billed, effective = con.execute("SELECT sum(BilledCost), sum(EffectiveCost) FROM cost").fetchone()
    finally:
        con.close()
    remote = spark.table(view).select(*columns).toArrow()
    spark_billed, spark_effective = spark.sql(f"SELECT sum(BilledCost), sum(EffectiveCost) FROM {view}").first()
    assert raw_rows > 50_000 and local.num_rows == remote.num_rows == raw_rows
    assert spark_billed == billed == raw_billed  # every line item, to the cent (and beyond: DECIMAL(38, 10))
    assert spark_effective == effective and effective < billed  # savings plans and RIs amortised the same way
    assert len(columns) == 65
    assert _rows(remote, columns) == _rows(local, columns)  # every row, every FOCUS column


def test_tags_are_a_map_with_the_loaders_keys(spark: Any, view: str) -> None:
    """``user_team`` → ``team`` (the loader's TAG_PREFIXES), as a Spark MAP the engine's tags=map reads."""
    kind = dict(spark.table(view).dtypes)["Tags"]
    keys = {r[0] for r in spark.sql(f"SELECT DISTINCT explode(map_keys(Tags)) FROM {view}").collect()}
    assert kind == "map<string,string>"
    assert {"team", "env", "service"} <= keys and not any(k.startswith("user_") for k in keys)


def test_cost_statements_over_the_view_equal_the_warehouse(spark: Any, view: str, warehouse: str) -> None:
    local = analytics.connect(warehouse, read_only=True)
    remote = EngineConnection(analytics.connect(warehouse, read_only=True),
                              SparkEngine(table=view, session=spark, tags_as="map"))
    try:
        for label, call in CALLS:
            same(call(local), call(remote), where=label)
        assert len(remote.cost_engine.stats) >= len(CALLS)
    finally:
        local.close()
        remote.duckdb.close()


def test_a_view_with_json_tags_answers_the_tag_calls_alike(spark: Any, cur_table: str, warehouse: str) -> None:
    """``?tags=json``: Tags as JSON text (Spark's to_json), read by the engine's default ``from_json`` lookup."""
    assert main(["engine", "create-focus-view", "--source", "cur2", "--engine",
                 f"spark://local/{cur_table}?tags=json", "--view", "focus_cur2_json"]) == 0
    assert dict(spark.table("focus_cur2_json").dtypes)["Tags"] == "string"
    local = analytics.connect(warehouse, read_only=True)
    remote = EngineConnection(analytics.connect(warehouse, read_only=True),
                              SparkEngine(table="focus_cur2_json", session=spark))
    try:
        for label, call in CALLS:
            if "tag" in label or label.startswith(("showback", "effective_cost_total")):
                same(call(local), call(remote), where=label)
    finally:
        local.close()
        remote.duckdb.close()


def test_dry_run_prints_the_ddl_and_creates_nothing(spark: Any, cur_table: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["engine", "create-focus-view", "--source", "cur2", "--engine", f"spark://local/{cur_table}",
                 "--view", "focus_dry", "--dry-run"]) == 0
    out = capsys.readouterr().out
    golden = (Path(__file__).parents[1] / "data" / "engine_sql" / "focus_view" / "spark" / "cur2.sql").read_text()
    assert out.startswith("CREATE OR REPLACE VIEW `focus_dry` AS\nSELECT\n")
    assert out.replace("`focus_dry`", "`billing`.`focus_cur2`", 1).replace("FROM `cur2`", "FROM `billing`.`cur2`") \
        == golden.rstrip("\n") + ";\n"
    assert not spark.catalog.tableExists("focus_dry")


@pytest.mark.parametrize(("args", "message"), [
    (["--engine", "spark://local/no_such_table"], "opsreview: error: spark: cannot read table no_such_table: "),
    (["--engine", "spark://local/thin_cur"],
     "opsreview: error: table thin_cur lacks required CUR 2.0 column(s) line_item_unblended_cost, "
     "line_item_currency_code\n"),
])
def test_bad_source_tables_are_one_line(spark: Any, cur_table: str, args: list[str], message: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    spark.table(cur_table).drop("line_item_unblended_cost", "line_item_currency_code") \
        .createOrReplaceTempView("thin_cur")
    assert main(["engine", "create-focus-view", "--source", "cur2", "--view", "v", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
