"""Staging of a cost file as a temp view with a 1-based ``__row`` column: CSV (every column as text),
parquet (its own types, or text with nested values as JSON) and JSON lines; a file DuckDB cannot read is
an :class:`~analytics.errors.ExportFormatError` in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from analytics.errors import ExportFormatError
from analytics.sources._files import json_lines_problem
from analytics.sources._tabular import ROW, duckdb_error, read_text_view, reading
from analytics.sources.cost._cost_mapping import NESTED_TYPES, Staged
from analytics.warehouse import run
from analytics.warehouse.sqlutil import quote_identifier, quote_literal


def stage_csv(
    con: duckdb.DuckDBPyConnection, path: Path, view: str, *, nulls: tuple[str, ...] = ("",),
    short_rows_ok: bool = False,
) -> Staged:
    """Stage a CSV (or CSV.gz) strictly, every column as text (``short_rows_ok``: rows that all lack
    the same trailing header columns read them as NULL, noted in :attr:`Staged.notes`)."""
    table = read_text_view(con, path, view, null_strings=nulls, short_rows_ok=short_rows_ok)
    return Staged(view, str(path), {c: "VARCHAR" for c in table.columns}, tuple(table.notes))


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str]]:
    """(name, type) of a parquet file's columns; a truncated or foreign file is an ExportFormatError."""
    try:
        rows = run(con, f"DESCRIBE SELECT * FROM read_parquet({quote_literal(str(path))})")
    except duckdb.Error as exc:
        raise ExportFormatError(f"not a readable parquet file: {_parquet_problem(exc)}", file=path) from exc
    return [(str(r[0]), str(r[1])) for r in rows]


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, view: str, *, as_text: bool = False) -> Staged:
    """Stage a parquet file with its own types (or as text, nested values as JSON), plus ``__row``."""
    columns = parquet_columns(con, path)
    if not columns:
        raise ExportFormatError("parquet file has no columns", file=path)
    seen: set[str] = set()
    for name, _ in columns:
        if name.lower() in seen or name == ROW:
            raise ExportFormatError("column name appears twice (or is reserved)", file=path, column=name)
        seen.add(name.lower())
    selects = []
    staged: dict[str, str] = {}
    for name, dtype in columns:
        col = quote_identifier(name)
        if as_text:
            nested = any(marker in dtype for marker in NESTED_TYPES[:4])
            selects.append(f"CAST({'to_json(' + col + ')' if nested else col} AS VARCHAR) AS {col}")
            staged[name] = "VARCHAR"
        else:
            selects.append(col)
            staged[name] = dtype
    reader = f"read_parquet({quote_literal(str(path))}, file_row_number = true)"
    with reading(path):
        run(
            con,
            f"CREATE OR REPLACE TEMP VIEW {quote_identifier(view)} AS "
            f"SELECT {', '.join(selects)}, file_row_number + 1 AS {ROW} FROM {reader}",
        )
    return Staged(view, str(path), staged)


def stage_json_lines(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> Staged:
    """Stage newline-delimited JSON (or a JSON array) as one JSON value per row in column ``__j``."""
    reader = f"read_json_objects({quote_literal(str(path))}, format = 'auto', maximum_object_size = 134217728)"
    try:
        run(
            con,
            f"CREATE OR REPLACE TEMP VIEW {quote_identifier(view)} AS "
            f"SELECT json AS __j, row_number() OVER () AS {ROW} FROM {reader}",
        )
        bad = run(con, f"SELECT min({ROW}) FROM {quote_identifier(view)} WHERE json_type(__j) <> 'OBJECT'")[0][0]
        if bad is not None:
            raise ExportFormatError("record is not a JSON object", file=path, row=int(bad))
        # a key twice in one object (json_extract would silently read the first): every object node of
        # every record, grouped by its parent node and key (array elements are keyed by their index)
        twice = run(
            con,
            f"SELECT v.{ROW}, t.key FROM {quote_identifier(view)} AS v, json_tree(v.__j) AS t "
            f"WHERE t.key IS NOT NULL GROUP BY v.{ROW}, t.parent, t.key HAVING count(*) > 1 ORDER BY 1, 2 LIMIT 1",
        )
    except duckdb.Error as exc:  # DuckDB refused the file: Python's json names the record, key and problem
        raise json_lines_problem(path) or duckdb_error(exc, path) from exc
    if twice:
        row, key = twice[0]
        raise ExportFormatError(f"duplicate key {str(key)[:60]!r} in a JSON object", file=path, row=int(row),
                                column=str(key)[:60])
    return Staged(view, str(path), {"__j": "JSON"})


def _parquet_problem(exc: BaseException) -> str:
    """Why a parquet file cannot be opened, in words (not DuckDB's message)."""
    text = str(exc).casefold()
    if "too small" in text:
        return "the file is too small to be parquet (truncated, or empty)"
    if "magic" in text or "footer" in text:
        return "it has no parquet footer (truncated, or another format named .parquet)"
    if "metadata" in text or "thrift" in text:
        return "its metadata is corrupt (truncated or damaged file)"
    return "DuckDB cannot open it as parquet (truncated, damaged or another format)"


def require_columns(staged: Staged, names: Sequence[str], *, label: Mapping[str, str] | None = None) -> None:
    """Fail naming the first required source column the file lacks."""
    missing = [n for n in names if not staged.has(n)]
    if missing:
        shown = [(label or {}).get(n, n) for n in missing]
        raise ExportFormatError(
            f"required column missing (also missing: {', '.join(shown[1:]) or 'none'})",
            file=staged.file,
            column=shown[0],
        )
