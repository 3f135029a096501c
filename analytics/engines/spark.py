"""Spark (local mode, a standalone cluster, Databricks or EMR through a SparkSession you hand in).

Statements run as Spark SQL with named parameter markers (``:start``) bound by
``spark.sql(query, args=...)``; results come back through Arrow (``DataFrame.toArrow``), so DECIMAL
money stays exact and timestamps are UTC (the session time zone is set to UTC: FOCUS timestamps are
UTC, and Spark would otherwise shift them to the JVM's zone).

The FOCUS table is any table or view the session can read (``catalog.schema.table``); for local runs
and the tests, ``parquet=`` registers a FOCUS parquet export (``opsreview export focus``) as a temp
view of that name. Tags are JSON text by default (a FOCUS export), ``tags=map`` for a MAP column.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from analytics.engines import Engine, EngineError
from analytics.engines.dialects import Dialect, Translated, table_parts

log = logging.getLogger(__name__)

#: FOCUS columns every cost statement may read; a table lacking one is refused before any statement runs.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency", "BillingAccountId",
    "BillingPeriodStart", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "CommitmentDiscountCategory", "CommitmentDiscountId",
    "CommitmentDiscountName", "CommitmentDiscountStatus", "CommitmentDiscountType", "InvoiceId", "PricingCategory",
    "ProviderName", "RegionId", "ResourceId", "ServiceCategory", "ServiceName", "SubAccountId", "SubAccountName",
    "Tags", "x_UsageType",
)


def local_session(master: str = "local[2]", *, small_data: bool = False) -> Any:
    """A SparkSession for local runs and tests: UTC, few shuffle partitions, no UI, quiet logs.

    ``small_data`` (the tests) turns off whole-stage code generation and adaptive execution, which
    cost more planning time than they save on a few thousand rows (about 40% per statement here)."""
    try:
        with _quiet():
            from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a dependency of the spark extra
        raise EngineError("the spark engine needs pyspark: pip install 'opsreview-analytics[spark]'") from exc
    os.environ.setdefault("PYSPARK_PYTHON", "python3")
    settings = {
        # local mode runs every task in the driver's JVM; its 1 GiB default is short for the anomaly
        # series of a 10M-row table (about 1.4M aggregate rows collected as Arrow)
        "spark.driver.memory": os.environ.get("OPSREVIEW_SPARK_DRIVER_MEMORY", "4g"),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "2",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.codegen.wholeStage": "false" if small_data else "true",
        "spark.sql.adaptive.enabled": "false" if small_data else "true",
        # catalog tables (a CUR table made with CREATE TABLE … USING parquet) keep their metadata in the
        # temp folder, not in a spark-warehouse folder of the current directory
        "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "opsreview-spark-warehouse"),
    }
    try:
        with _quiet():
            session = _start(master, settings, SparkSession)
    except Exception as exc:  # py4j / JVM start-up failures have long multi-line messages
        raise EngineError(f"cannot start Spark ({master}): {_first_line(exc)}") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextmanager
def _quiet() -> Iterator[None]:
    """pyspark 4 warns about pandas 3 when it starts (the engine never converts to pandas: Arrow only)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        yield


def _start(master: str, settings: dict[str, str], session_class: Any) -> Any:
    """A new session (its JVM's start-up chatter — log4j profile, loopback address — in a log file, not in
    the caller's stderr, where a report notebook would show it), or the active one with these settings."""
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    if SparkContext._active_spark_context is None:
        conf = SparkConf().setMaster(master).setAppName("opsreview").setAll(list(settings.items()))
        # a context stopped earlier in this process leaves its JVM running and pyspark keeps using it;
        # a second gateway would be a JVM nobody uses (and a process left running)
        gateway = SparkContext._gateway
        if gateway is None:
            with (Path(tempfile.gettempdir()) / "opsreview-spark-jvm.log").open("ab") as jvm_log:
                # the JVM keeps its own copy of the descriptor; ours is closed once it has started
                gateway = launch_gateway(conf, popen_kwargs={"stdout": jvm_log, "stderr": jvm_log})
        return session_class(SparkContext(conf=conf, gateway=gateway))
    builder = session_class.builder.master(master).appName("opsreview")
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _first_line(exc: BaseException) -> str:
    """One line for a Spark failure: for a JVM error (py4j's ``An error occurred while calling o12.x``,
    which says nothing) the innermost Java cause, e.g. ``java.lang.OutOfMemoryError: Java heap space``."""
    text = str(exc).strip()
    java = getattr(exc, "java_exception", None)
    if java is not None:
        try:
            cause = java
            while cause.getCause() is not None:
                cause = cause.getCause()
            text = str(cause.toString()).strip() or text
        except Exception:  # a dead gateway: keep py4j's own text
            pass
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return type(exc).__name__


def _arg(value: Any) -> Any:
    """A bound value as Spark takes it (Python literals; lists become ARRAY literals)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None or isinstance(value, (str, int, float, bool, Decimal, date, datetime)):
        return value
    raise EngineError(f"cannot bind a {type(value).__name__} as a Spark parameter")


@dataclass
class SparkEngine(Engine):
    """Cost statements on a SparkSession."""

    session: Any = None
    parquet: str | None = None
    owns_session: bool = False

    name: ClassVar[str] = "spark"
    dialect: ClassVar[Dialect] = "spark"

    def __post_init__(self) -> None:
        table_parts(self.table)
        if self.session is None:
            self.session = local_session()
            self.owns_session = True
        if self.parquet is not None:
            if not Path(self.parquet).exists():
                raise EngineError(f"no FOCUS parquet at {self.parquet}")
            self.session.read.parquet(str(self.parquet)).createOrReplaceTempView(self.table)
        self.check_table()

    def describe(self) -> str:
        master = self.session.sparkContext.master if self.session is not None else "?"
        return f"spark {master} table {self.table}"

    def check_table(self) -> None:
        """Refuse a missing table or one lacking FOCUS columns (named), before any statement runs."""
        try:
            columns = set(self.session.table(self.table).columns)
        except Exception as exc:
            raise EngineError(f"spark: cannot read table {self.table}: {_first_line(exc)}") from None
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise EngineError(f"spark table {self.table} lacks FOCUS column(s) {', '.join(missing)}")

    def execute(self, translated: Translated, params: Mapping[str, Any]) -> tuple[pa.Table, int | None]:
        args = {name: _arg(params[name]) for name in translated.parameters}
        try:
            with _quiet():
                return self.session.sql(translated.sql, args=args).toArrow(), None
        except Exception as exc:
            raise EngineError(f"spark: {translated.name} failed: {_first_line(exc)}") from None

    def close(self) -> None:
        if self.owns_session and self.session is not None:
            self.session.stop()
            self.session = None
