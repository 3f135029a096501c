"""Engine parity on a real Spark (pyspark local mode, the same engine as a cluster): every cost metric
function and the cost anomaly pipeline, run with the cost statements inside Spark over the demo's
FOCUS export (``opsreview export focus`` → parquet → a Spark view), equal what DuckDB computes over the
warehouse. Money derived from DECIMAL sums is compared exactly (same Decimal, or the same float made
from it); the anomaly series are DOUBLE sums whose last bits depend on the summation order, and are
compared to 1e-6 (well inside a cent). Rows and their order must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import analytics
from analytics.engines import EngineConnection, EngineError, engine_statements
from analytics.engines.spark import SparkEngine, local_session
from analytics.metrics import cost
from tests.engine_parity import CALLS, Q3, same

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = local_session(small_data=True)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def pair(demo: Any, spark: Any, focus_parquet: Path) -> Iterator[tuple[Any, EngineConnection]]:
    """(plain warehouse connection, the same warehouse with the cost statements on Spark)."""
    local = analytics.connect(demo.warehouse, read_only=True)
    spark.read.parquet(str(focus_parquet)).cache().createOrReplaceTempView("focus_cost")  # read once, in memory
    remote = EngineConnection(analytics.connect(demo.warehouse, read_only=True),
                              SparkEngine(table="focus_cost", session=spark))
    yield local, remote
    local.close()
    remote.duckdb.close()


def test_every_cost_function_on_spark_equals_duckdb(pair: tuple[Any, EngineConnection]) -> None:
    local, remote = pair
    engine = remote.cost_engine
    for label, call in CALLS:
        same(call(local), call(remote), where=label)
    ran = {s.statement for s in engine.stats}
    # every statement that reads only `cost` was run on Spark by some function above
    assert ran == set(engine_statements())
    assert all(s.engine == "spark" and s.bytes_returned > 0 for s in engine.stats)
    totals = engine.totals()
    assert totals["statements"] == len(engine.stats) and totals["rows_returned"] == sum(s.rows for s in engine.stats)


def test_the_results_carry_real_numbers(pair: tuple[Any, EngineConnection]) -> None:
    """The parity above is not 0 == 0: the quarter's total is the demo's, exactly, on both engines."""
    local, remote = pair
    exact = local.execute("SELECT sum(EffectiveCost) FROM cost WHERE ChargePeriodStart >= $s AND "
                          "ChargePeriodStart < $e", {"s": Q3.start_ts, "e": Q3.end_ts}).fetchone()[0]
    assert isinstance(exact, Decimal) and exact > 100_000
    assert cost.effective_cost_total(remote, Q3) == exact == cost.effective_cost_total(local, Q3)


def test_a_table_lacking_focus_columns_is_named(spark: Any, focus_parquet: Path) -> None:
    spark.read.parquet(str(focus_parquet)).drop("Tags", "x_UsageType").createOrReplaceTempView("thin_cost")
    with pytest.raises(EngineError, match=r"^spark table thin_cost lacks FOCUS column\(s\) Tags, x_UsageType$"):
        SparkEngine(table="thin_cost", session=spark)


def test_a_missing_table_is_one_line(spark: Any) -> None:
    with pytest.raises(EngineError) as info:
        SparkEngine(table="no_such_table", session=spark)
    assert str(info.value).startswith("spark: cannot read table no_such_table: ") and "\n" not in str(info.value)


def test_a_session_that_dies_mid_run_is_one_line_naming_the_java_cause(demo: Any, spark: Any,
                                                                        focus_parquet: Path) -> None:
    """Last in this module: it stops the module's session (the fixture's stop is then a no-op)."""
    spark.read.parquet(str(focus_parquet)).createOrReplaceTempView("dying_cost")
    con = EngineConnection(analytics.connect(demo.warehouse, read_only=True),
                           SparkEngine(table="dying_cost", session=spark))
    try:
        spark.stop()  # what a lost driver, a killed cluster or an expired Databricks session look like
        with pytest.raises(EngineError) as info:
            cost.billing_currencies(con, Q3)
    finally:
        con.duckdb.close()
    message = str(info.value)
    assert message.startswith("spark: cost_currencies failed: ") and "\n" not in message
    assert "An error occurred while calling" not in message  # py4j's wrapper says nothing; the cause does
