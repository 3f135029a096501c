"""The cost engine seam: where the cost statements run — the warehouse's DuckDB, or Spark, BigQuery, Athena.

Incidents, deployments and SLOs are small and always stay in DuckDB. The cost KPIs and the cost
anomaly series can instead run **inside the engine that holds the bill** (a FOCUS table of 100M+
rows), with only aggregates coming back (docs/engines.md):

* a statement is one ``.sql`` file of :mod:`analytics.sql` (the definition, DuckDB dialect); for
  another engine it is composed (:mod:`analytics.engines.compose`: the semantic-layer macros
  expanded) and translated by sqlglot (:mod:`analytics.engines.dialects`) — never a hand-written copy;
* only statements that read nothing but the ``cost`` table go to the engine
  (:func:`engine_statements`); the budget and business-volume statements read local tables and stay
  in DuckDB, and the metric functions join the two sides in Python;
* values are bound by each engine's own mechanism (Spark ``args``, BigQuery query parameters, Athena
  execution parameters), never formatted into the SQL text;
* every statement run on an engine is logged with the rows and bytes it returned (and the bytes the
  engine scanned where it reports them); :meth:`Engine.totals` sums them for ``run.json``.

The engine is chosen once: ``analytics.connect(..., cost_engine="spark://local/cost")`` returns a
:class:`EngineConnection` — the DuckDB connection with the engine attached — and the cost functions
of :mod:`analytics.metrics.cost` and :mod:`analytics.anomalies.cost` find it there
(:func:`cost_records`, :func:`cost_frame`). Without an engine nothing changes: the same statement
text runs on the warehouse connection exactly as before.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.errors import AnalyticsError, ParameterError
from analytics.sql import load_sql, parameters_of, query, sql_names

if TYPE_CHECKING:  # sqlglot is imported only when an engine is used: plain DuckDB runs never load it
    from analytics.engines.dialects import Dialect, TagsAs, Translated

log = logging.getLogger(__name__)

COST_TABLE = "cost"


class EngineError(AnalyticsError):
    """The cost engine could not answer: unreachable, missing table or columns, denied, over a cap."""


@cache
def tables_read(name: str) -> frozenset[str]:
    """The tables a statement reads (after composing: the macros' tables included), lower case."""
    from sqlglot import exp

    from analytics.engines.compose import composed

    tree = composed(name)
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return frozenset(t.name.lower() for t in tree.find_all(exp.Table)
                     if isinstance(t.this, exp.Identifier) and t.name.lower() not in ctes)


@cache
def engine_statements() -> tuple[str, ...]:
    """Every statement that reads only the FOCUS ``cost`` table: the ones a cost engine runs, sorted."""
    return tuple(n for n in sql_names() if tables_read(n) == {COST_TABLE})


@dataclass(frozen=True)
class StatementStats:
    """What one statement cost and returned on an engine."""

    statement: str
    engine: str
    rows: int
    bytes_returned: int
    bytes_scanned: int | None
    seconds: float


@dataclass
class Engine(ABC):
    """A place the cost statements run. Subclasses implement :meth:`execute` for one dialect."""

    table: str = COST_TABLE
    tags_as: TagsAs | None = None
    stats: list[StatementStats] = field(default_factory=list, init=False)

    name: ClassVar[str] = "engine"
    dialect: ClassVar[Dialect] = "duckdb"

    def translated(self, statement: str) -> Translated:
        """The statement in this engine's dialect over its table."""
        from analytics.engines.dialects import translate

        return translate(statement, self.dialect, table=self.table, tags_as=self.tags_as)

    @abstractmethod
    def execute(self, translated: Translated, params: Mapping[str, Any]) -> tuple[pa.Table, int | None]:
        """Run one translated statement with its parameters bound; the result and the bytes scanned."""

    def describe(self) -> str:
        """``spark local[2] table cost``: where the statements run, without any credential."""
        return f"{self.name} table {self.table}"

    def run(self, statement: str, params: Mapping[str, Any]) -> pa.Table:
        """Run a named statement; log and record the rows and bytes it returned."""
        if statement not in engine_statements():
            raise EngineError(f"statement {statement} reads more than the cost table; it runs in the warehouse")
        translated = self.translated(statement)
        missing = set(translated.parameters) - params.keys()
        if missing:
            raise ParameterError(f"SQL statement {statement!r} needs parameters {sorted(missing)}")
        started = time.perf_counter()
        table, scanned = self.execute(translated, params)
        table = normalised(table)
        stats = StatementStats(statement, self.name, table.num_rows, table.nbytes, scanned,
                               round(time.perf_counter() - started, 3))
        self.stats.append(stats)
        log.info("%s on %s: %d rows, %d bytes returned%s in %.2f s", statement, self.name, stats.rows,
                 stats.bytes_returned, "" if scanned is None else f", {scanned} bytes scanned", stats.seconds)
        return table

    def totals(self) -> dict[str, Any]:
        """Statements, rows, bytes returned and scanned so far (for ``run.json``)."""
        scanned = [s.bytes_scanned for s in self.stats if s.bytes_scanned is not None]
        return {
            "engine": self.describe(),
            "statements": len(self.stats),
            "rows_returned": sum(s.rows for s in self.stats),
            "bytes_returned": sum(s.bytes_returned for s in self.stats),
            "bytes_scanned": sum(scanned) if scanned else None,
            "per_statement": [asdict(s) for s in self.stats],
        }

    def close(self) -> None:  # noqa: B027 - engines without resources need nothing
        """Release the engine's session or client."""


def normalised(table: pa.Table) -> pa.Table:
    """Engine results in the warehouse's types: DECIMAL(38, 10) money (BigQuery's BIGNUMERIC is
    decimal256) and UTC-aware timestamps."""
    columns = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_decimal256(kind):
            column = column.cast(pa.decimal128(38, min(kind.scale, 10)), safe=True)
        elif pa.types.is_timestamp(kind) and kind.tz is None:
            column = column.cast(pa.timestamp(kind.unit, tz="UTC"))
        elif pa.types.is_timestamp(kind) and kind.tz not in ("UTC", "Etc/UTC", "+00:00"):
            column = column.cast(pa.timestamp(kind.unit, tz="UTC"))
        columns.append(column)
    return pa.table(columns, names=table.column_names)


class EngineConnection:
    """A warehouse connection with a cost engine attached; everything else is the DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, engine: Engine) -> None:
        self._con = con
        self.cost_engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    @property
    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """The warehouse connection itself."""
        return self._con

    def close(self) -> None:
        """Close the engine and the warehouse connection."""
        try:
            self.cost_engine.close()
        finally:
            self._con.close()

    def __enter__(self) -> EngineConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cost_engine_of(con: Any) -> Engine | None:
    """The cost engine attached to a connection, None for a plain warehouse connection."""
    engine = getattr(con, "cost_engine", None)
    return engine if isinstance(engine, Engine) else None


def _bound(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    wanted = parameters_of(load_sql(name))
    missing = wanted - params.keys()
    if missing:
        raise ParameterError(f"SQL statement {name!r} needs parameters {sorted(missing)}")
    return {k: params[k] for k in wanted}


def cost_records(con: Any, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of a cost statement as dicts with exact Decimals: on the attached engine when it reads
    only ``cost``, else on the warehouse connection (the statement text as it is, macros and all)."""
    bound = _bound(name, params)
    engine = cost_engine_of(con)
    if engine is not None and name in engine_statements():
        return engine.run(name, bound).to_pylist()
    result = con.execute(load_sql(name), bound)
    rows = result.fetchall()
    columns = [d[0] for d in result.description or []]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def cost_frame(con: Any, name: str, params: Mapping[str, Any]) -> pd.DataFrame:
    """A cost statement's result as the DataFrame DuckDB would give (same dtypes on every engine)."""
    engine = cost_engine_of(con)
    if engine is None or name not in engine_statements():
        return query(con, name, dict(params))
    table = engine.run(name, _bound(name, params))
    view = f"__engine_result_{name}"
    warehouse = con.duckdb if isinstance(con, EngineConnection) else con
    warehouse.register(view, table)
    try:
        return warehouse.execute(f'SELECT * FROM "{view}"').df()
    finally:
        warehouse.unregister(view)
