"""Export the ``cost`` table as a FOCUS 1.2 dataset (CSV or parquet).

Only FOCUS 1.2 columns (in ``cost``'s order) and the ``x_`` extension columns are written; the
FOCUS 1.3 columns (provider columns, ContractApplied) and the lineage column stay behind. Ids are text; money keeps its
``DECIMAL(38, 10)`` type in parquet; timestamps are UTC (``TIMESTAMP WITH TIME ZONE`` in parquet,
``YYYY-MM-DDTHH:MM:SSZ`` in CSV, where NULL is an empty field).

focus-validator 1.0.0 (the version on PyPI here; it checks FOCUS 1.0) runs on this export with
``money="double"``; see docs/cost-loaders.md for the rules it gets wrong.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import duckdb

from analytics.errors import UsageError
from analytics.periods import Period, parse_period
from analytics.sources._tabular import table_schema
from analytics.warehouse import run
from analytics.warehouse.sqlutil import is_extra_column, quote_identifier, quote_literal

log = logging.getLogger(__name__)

NOT_FOCUS_1_2: frozenset[str] = frozenset(
    {"ServiceProviderName", "HostProviderName", "ContractApplied", "source_file_id"}
)


def export_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, type) of the columns written: FOCUS 1.2 columns, then the x_ columns."""
    schema = [c for c in table_schema(con, "cost") if c.name not in NOT_FOCUS_1_2]
    focus = [(c.name, c.dtype) for c in schema if not is_extra_column(c.name)]
    extras = [(c.name, c.dtype) for c in schema if is_extra_column(c.name)]
    return focus + extras


def export_focus(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    *,
    fmt: Literal["parquet", "csv"] = "parquet",
    period: str | Period | None = None,
    money: Literal["decimal", "double"] = "decimal",
) -> int:
    """Write the cost rows (those billed in ``period`` if given) as FOCUS 1.2; return the row count.

    ``money="double"`` writes the cost and price columns as DOUBLE for readers that take FOCUS's
    Decimal as a float (focus-validator 1.0 checks for a float dtype); the default keeps the exact
    ``DECIMAL(38, 10)``."""
    if fmt not in ("parquet", "csv"):
        raise UsageError(f"export format must be parquet or csv, got {fmt!r}")
    if money not in ("decimal", "double"):
        raise UsageError(f"money must be decimal or double, got {money!r}")
    selects = []
    for name, dtype in export_columns(con):
        col = quote_identifier(name)
        if dtype.startswith("TIMESTAMP") and fmt == "csv":
            selects.append(f"strftime(timezone('UTC', {col}), '%Y-%m-%dT%H:%M:%SZ') AS {col}")
        elif dtype.startswith("DECIMAL") and money == "double":
            selects.append(f"CAST({col} AS DOUBLE) AS {col}")
        elif dtype == "JSON":
            selects.append(f"CAST({col} AS VARCHAR) AS {col}")
        else:
            selects.append(col)
    where, params = "", {}
    if period is not None:
        span = parse_period(period) if not isinstance(period, Period) else period
        where = "WHERE BillingPeriodStart >= $start AND BillingPeriodStart < $end"
        params = {"start": span.start_ts, "end": span.end_ts}
    order = "ORDER BY BillingPeriodStart, ChargePeriodStart, ProviderName, BillingAccountId, source_file_id"
    query = f"SELECT {', '.join(selects)} FROM cost {where} {order}"
    count = int(run(con, f"SELECT count(*) FROM cost {where}", params)[0][0])
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
    # COPY cannot take a bound file name, so the path is inlined through the tested escape helper
    run(con, f"COPY ({query}) TO {quote_literal(str(out))} ({options})", params)
    log.info("exported %s cost rows as FOCUS 1.2 %s to %s", f"{count:,}", fmt, out)
    return count
