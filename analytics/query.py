"""Read-only SQL for users without a DuckDB shell (``opsreview sql``)."""

from __future__ import annotations

import json
from typing import TextIO

import duckdb
import pandas as pd

from analytics.errors import UsageError
from analytics.warehouse import connect, run


def run_readonly_query(warehouse: str, sql: str) -> pd.DataFrame:
    """Run one statement on a read-only connection with file access disabled.

    The connection can neither write the warehouse nor read or write other files, so the
    command is safe to hand to anyone who may look at the data.
    """
    if not sql.strip():
        raise UsageError("empty query")
    con = connect(warehouse, read_only=True)
    try:
        run(con, "SET enable_external_access = false")
        run(con, "SET lock_configuration = true")
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise UsageError(f"SQL error: {_first_line(exc)}") from exc
        if len(statements) != 1:
            raise UsageError(f"give exactly one SQL statement, got {len(statements)}")
        try:
            return con.execute(sql).df()
        except duckdb.Error as exc:
            raise UsageError(f"SQL error: {_first_line(exc)}") from exc
    finally:
        con.close()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def write_result(frame: pd.DataFrame, out: TextIO, *, fmt: str = "table", max_rows: int = 1000) -> None:
    """Print a result as an aligned table, CSV or JSON records (timestamps as ISO 8601)."""
    if fmt == "csv":
        frame.to_csv(out, index=False)
    elif fmt == "json":
        out.write(json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), indent=2))
        out.write("\n")
    elif fmt == "table":
        if frame.empty:
            out.write(f"(no rows; columns: {', '.join(map(str, frame.columns))})\n")
            return
        shown = frame.head(max_rows)
        out.write(shown.to_string(index=False, max_colwidth=60))
        out.write("\n")
        if len(frame) > max_rows:
            out.write(f"… {len(frame) - max_rows:,} more rows (use --format csv for all)\n")
        out.write(f"({len(frame):,} rows)\n")
    else:
        raise UsageError(f"unknown format {fmt!r}")
