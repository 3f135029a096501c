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

import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.errors import AnalyticsError, ParameterError
from analytics.runcache import shared_statement
from analytics.sql import bound_parameters, query, records, sql_names

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
    stats_path: Path | None = field(default=None, init=False)
    """Where :meth:`totals` is rewritten after every statement (a report's ``cost_engine.json``)."""

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
        if self.stats_path is not None:
            self.stats_path.parent.mkdir(parents=True, exist_ok=True)
            self.stats_path.write_text(json.dumps(self.totals(), indent=2), encoding="utf-8")
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
        elif pa.types.is_timestamp(kind) and kind.tz not in ("UTC", "Etc/UTC", "+00:00"):  # naive = UTC
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
    """The parameters statement ``name`` uses, taken from a shared dict (as on the warehouse path)."""
    return bound_parameters(name, params, error=ParameterError)[1]


def cost_records(con: Any, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of a cost statement as dicts with exact Decimals: on the attached engine when it reads
    only ``cost``, else on the warehouse connection (the statement text as it is, macros and all).

    Inside a report run an identical earlier call's rows are read back from the run cache
    (:func:`analytics.runcache.shared_statement`) on either path; an engine's rows are keyed by the
    engine as well, so a warehouse result never stands in for an engine's or the reverse."""
    engine = cost_engine_of(con)
    if engine is None or name not in engine_statements():
        return records(con, name, params, error=ParameterError)
    bound = _bound(name, params)
    return shared_statement(con, name, {**bound, _ENGINE_KEY: engine.describe()},
                            lambda: engine.run(name, bound).to_pylist(), form="engine-rows")


def cost_frame(con: Any, name: str, params: Mapping[str, Any]) -> pd.DataFrame:
    """A cost statement's result as the DataFrame DuckDB would give (same dtypes on every engine)."""
    engine = cost_engine_of(con)
    if engine is None or name not in engine_statements():
        return query(con, name, dict(params))
    bound = _bound(name, params)
    warehouse = con.duckdb if isinstance(con, EngineConnection) else con

    def fetch() -> pd.DataFrame:
        table = engine.run(name, bound)
        view = f"__engine_result_{name}"
        warehouse.register(view, table)
        try:
            return warehouse.execute(f'SELECT * FROM "{view}"').df()
        finally:
            warehouse.unregister(view)

    return shared_statement(con, name, {**bound, _ENGINE_KEY: engine.describe()}, fetch, form="engine-frame")


#: The run-cache key part naming the engine a cached result came from.
_ENGINE_KEY = " engine"


#: Environment variable naming the cost engine for report runs and notebooks (``--cost-engine``).
COST_ENGINE_ENV = "OPSREVIEW_COST_ENGINE"
SCHEMES: tuple[str, ...] = ("duckdb", "spark", "bigquery", "athena")


@dataclass(frozen=True)
class EngineSpec:
    """A parsed ``--cost-engine`` URL (no credentials: those come from Google ADC or the AWS chain).

    * ``duckdb`` (or empty): the warehouse itself;
    * ``spark://local/TABLE`` (local mode, 2 cores) or ``spark://HOST:PORT/TABLE`` (a standalone master),
      ``?parquet=PATH`` to register a FOCUS parquet export as TABLE;
    * ``bigquery://PROJECT.DATASET.TABLE`` (``?billing_project=``, ``?location=``, ``?endpoint=`` for a
      local emulator, ``?max_bytes_billed=N``);
    * ``athena://WORKGROUP/DATABASE.TABLE?output=s3://bucket/prefix/`` (``?region=``, ``?endpoint=``,
      ``?catalog=``); every kind also takes ``?tags=json|map``.
    """

    scheme: str
    location: str
    table: str
    options: dict[str, str]

    def describe(self) -> str:
        """The URL without options that might point at private endpoints: ``spark://local/cost``."""
        return "duckdb" if self.scheme == "duckdb" else f"{self.scheme}://{self.location}/{self.table}"


def parse_engine(url: str) -> EngineSpec:
    """Parse a cost-engine URL; one clear line for anything else.

    >>> parse_engine("athena://primary/focus.costs?output=s3://b/p/").options["output"]
    's3://b/p/'
    >>> parse_engine("bigquery://billing-prod.focus.costs").table
    'billing-prod.focus.costs'
    """
    from urllib.parse import parse_qsl, urlsplit

    from analytics.engines.dialects import table_parts

    text = (url or "").strip()
    if text in ("", "duckdb", "duckdb://"):
        return EngineSpec("duckdb", "", COST_TABLE, {})
    parts = urlsplit(text)
    if parts.scheme not in SCHEMES:
        raise ParameterError(f"unknown cost engine {text!r}: expected {', '.join(s + '://…' for s in SCHEMES)}")
    if parts.username or parts.password:
        raise ParameterError("a cost-engine URL carries no credentials: Google ADC and the AWS chain provide them")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    if bad := sorted(set(options) - _OPTIONS[parts.scheme]):
        raise ParameterError(f"{parts.scheme} engine has no option {bad[0]!r}; it takes "
                             f"{', '.join(sorted(_OPTIONS[parts.scheme]))}")
    if options.get("tags", "json" if parts.scheme != "athena" else "map") not in ("json", "map"):
        raise ParameterError("tags must be json or map")
    path = parts.path.strip("/")
    if parts.scheme == "bigquery":
        location, table = "", parts.netloc
        if len(table.split(".")) != 3:
            raise ParameterError(f"bigquery engine needs bigquery://PROJECT.DATASET.TABLE, got {text!r}")
    else:
        location, table = parts.netloc, path
        if not location or not table:
            raise ParameterError(f"{parts.scheme} engine needs {parts.scheme}://{_SHAPE[parts.scheme]}, got {text!r}")
    table_parts(table)
    if parts.scheme == "athena" and not options.get("output", "").startswith("s3://"):
        raise ParameterError("athena engine needs ?output=s3://bucket/prefix/ (the query result location)")
    return EngineSpec(parts.scheme, location, table, options)


_OPTIONS: dict[str, set[str]] = {
    "spark": {"parquet", "tags"},
    "bigquery": {"billing_project", "location", "endpoint", "max_bytes_billed", "tags"},
    "athena": {"output", "region", "endpoint", "catalog", "tags"},
}
_SHAPE = {"spark": "local/TABLE or HOST:PORT/TABLE", "athena": "WORKGROUP/DATABASE.TABLE?output=s3://…"}


def open_engine(spec: str | EngineSpec | Engine | None, *, max_bytes_billed: int | None = None) -> Engine | None:
    """The engine a URL names (None for the warehouse itself); an :class:`Engine` is returned as it is."""
    if spec is None or isinstance(spec, Engine):
        return spec
    parsed = spec if isinstance(spec, EngineSpec) else parse_engine(spec)
    tags = parsed.options.get("tags") or None
    if parsed.scheme == "duckdb":
        return None
    if parsed.scheme == "spark":
        from analytics.engines.spark import SparkEngine, local_session

        master = "local[2]" if parsed.location == "local" else f"spark://{parsed.location}"
        return SparkEngine(table=parsed.table, tags_as=tags, session=local_session(master),  # type: ignore[arg-type]
                           parquet=parsed.options.get("parquet"), owns_session=True)
    if parsed.scheme == "bigquery":
        from analytics.engines.bigquery import BigQueryEngine

        cap = parsed.options.get("max_bytes_billed")
        return BigQueryEngine(table=parsed.table, tags_as=tags,  # type: ignore[arg-type]
                              billing_project=parsed.options.get("billing_project") or None,
                              location=parsed.options.get("location") or None,
                              endpoint=parsed.options.get("endpoint") or None,
                              max_bytes_billed=max_bytes_billed if max_bytes_billed is not None
                              else (int(cap) if cap else None))
    from analytics.engines.athena import AthenaEngine

    return AthenaEngine(table=parsed.table, tags_as=tags, workgroup=parsed.location,  # type: ignore[arg-type]
                        output=parsed.options["output"], region=parsed.options.get("region") or None,
                        endpoint=parsed.options.get("endpoint") or None,
                        catalog=parsed.options.get("catalog") or "AwsDataCatalog")


def connect(
    path: Any = None, *, read_only: bool = False, wait_s: float | None = None,
    cost_engine: str | EngineSpec | Engine | None = None,
) -> Any:
    """:func:`analytics.warehouse.connect`, with the cost statements on ``cost_engine`` when one is named
    (a URL, see :class:`EngineSpec`, or an :class:`Engine`): then an :class:`EngineConnection`.

    >>> type(connect(":memory:")).__name__
    'DuckDBPyConnection'
    """
    from analytics.warehouse import connect as warehouse_connect

    engine = open_engine(cost_engine)
    con = warehouse_connect(path, read_only=read_only, wait_s=wait_s)
    return con if engine is None else EngineConnection(con, engine)


def with_max_bytes_billed(url: str | None, max_bytes: int | None) -> str | None:
    """The engine URL with ``--max-bytes-billed`` folded in (BigQuery only; an error elsewhere).

    >>> with_max_bytes_billed("bigquery://p.d.t", 10**9)
    'bigquery://p.d.t?max_bytes_billed=1000000000'
    """
    if max_bytes is None:
        return url
    if max_bytes < 1:
        raise ParameterError("--max-bytes-billed must be a positive number of bytes")
    spec = parse_engine(url or "")
    if spec.scheme != "bigquery":
        raise ParameterError("--max-bytes-billed applies to a bigquery:// cost engine")
    text = str(url)
    return f"{text}{'&' if '?' in text else '?'}max_bytes_billed={max_bytes}"
