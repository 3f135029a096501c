"""Engine parity on a real Spark (pyspark local mode, the same engine as a cluster): every cost metric
function and the cost anomaly pipeline, run with the cost statements inside Spark over the demo's
FOCUS export (``opsreview export focus`` → parquet → a Spark view), equal what DuckDB computes over the
warehouse. Money derived from DECIMAL sums is compared exactly (same Decimal, or the same float made
from it); the anomaly series are DOUBLE sums whose last bits depend on the summation order, and are
compared to 1e-6 (well inside a cent). Rows and their order must be the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import analytics
from analytics.anomalies import cost as anomalies
from analytics.engines import EngineConnection, EngineError, engine_statements
from analytics.engines.spark import SparkEngine, local_session
from analytics.metrics import cost
from analytics.metrics._cost_scope import CostScope, Window
from analytics.periods import parse_period
from analytics.sources.cost.focus_export import export_focus

pytestmark = [pytest.mark.integration, pytest.mark.slow]

Q3, Q2 = parse_period("2026Q3"), parse_period("2026Q2")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = local_session(small_data=True)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def focus_parquet(demo: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("spark-focus") / "focus.parquet"
    con = analytics.connect(demo.warehouse, read_only=True)
    try:
        export_focus(con, out)
    finally:
        con.close()
    return out


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


def _same(a: Any, b: Any, *, where: str) -> None:
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame), where
        assert len(a) > 0 or a.empty, where
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=0, atol=1e-6, obj=where)
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), where=f"{where}.{f.name}")
    elif isinstance(a, (list, tuple)) and a and not isinstance(a[0], (str, int, float, Decimal, date)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, where=f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


CALLS: list[tuple[str, Any]] = [
    ("billing_currencies", lambda c: cost.billing_currencies(c, Q3)),
    ("cost_by_dimension provider", lambda c: cost.cost_by_dimension(c, Q3, dimension="provider")),
    ("cost_by_dimension tag:team", lambda c: cost.cost_by_dimension(c, Q3, dimension="tag:team")),
    ("cost_by_dimension untagged AWS", lambda c: cost.cost_by_dimension(
        c, Q3, dimension="account", scope=CostScope(provider="AWS", tag_key="team"))),
    ("effective_cost_total team", lambda c: cost.effective_cost_total(
        c, Q3, scope=CostScope(tag_key="team", tag_value="payments"))),
    ("cost_series day", lambda c: cost.cost_series(c, Q3, grain="day", dimension="provider")),
    ("cost_series week", lambda c: cost.cost_series(c, Window(date(2026, 7, 3), date(2026, 9, 17)), grain="week",
                                                    dimension="tag:team")),
    ("cost_by_month", lambda c: cost.cost_by_month(c, cost.trailing_window(Q3, months=12), dimension="service")),
    ("top_movers", lambda c: cost.top_movers(c, Q2, Q3, dimension="service", limit=3)),
    ("top_movers per day", lambda c: cost.top_movers(c, Q2, Q3, dimension="usage_type", per_day=True)),
    ("tag_coverage_by_class", lambda c: cost.tag_coverage_by_class(c, Q3, dimension="provider")),
    ("tag_coverage", lambda c: cost.tag_coverage(c, Q3, tag_key="team", dimension="account")),
    ("tag_coverage_total", lambda c: cost.tag_coverage_total(c, Q3, tag_key="env")),
    ("showback", lambda c: cost.showback(c, Q3, tag_key="team", shared_values=["platform"],
                                         shared_services=["AWS Support (Business)"])),
    ("data_complete_through", lambda c: cost.data_complete_through(c, Q3)),
    ("budget_status", lambda c: cost.budget_status(c, Q3, scope="team:payments")),
    ("budget_status provider", lambda c: cost.budget_status(c, Q3, scope="provider:AWS", as_of=date(2026, 8, 20))),
    ("commitment_utilisation_by_commitment", lambda c: cost.commitment_utilisation_by_commitment(c, Q3)),
    ("commitment_utilisation", lambda c: cost.commitment_utilisation(c, Q3, provider="AWS")),
    ("commitment_coverage", lambda c: cost.commitment_coverage(c, Q3, dimension="service")),
    ("savings_by_dimension", lambda c: cost.savings_by_dimension(c, Q3, dimension="provider")),
    ("savings_total", lambda c: cost.savings_total(c, Q3)),
    ("corrections", lambda c: cost.corrections(c, Q3)),
    ("unit_cost_by_month", lambda c: cost.unit_cost_by_month(c, cost.trailing_window(Q3, months=6))),
    ("unit_cost_by_dimension", lambda c: cost.unit_cost_by_dimension(c, Q3, metric="active_tenants",
                                                                     aggregate="mean", per=1)),
    ("cost_elasticity", lambda c: cost.cost_elasticity(c, Q3)),
    ("anomaly cost_series", lambda c: anomalies.cost_series(c, date(2026, 6, 1), date(2026, 10, 1))),
    ("scheduled_charges", lambda c: anomalies.scheduled_charges(c, Q3)),
    # the whole pipeline (series, scan, folding, root-cause members, scheduled charges) on two levels: every
    # level adds member statements per anomaly (bench/engine_parity.py runs all levels)
    ("cost_anomalies", lambda c: anomalies.cost_anomalies(c, Q3, levels=("total", "provider"))),
]


def test_every_cost_function_on_spark_equals_duckdb(pair: tuple[Any, EngineConnection]) -> None:
    local, remote = pair
    engine = remote.cost_engine
    for label, call in CALLS:
        _same(call(local), call(remote), where=label)
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
