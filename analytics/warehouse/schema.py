"""The canonical tables as pyarrow schemas, derived from the migration DDL — the one definition of a table.

A loader stages its canonical rows as Arrow before it writes them; the columns and types it stages are
those of the warehouse table (``analytics/warehouse/migrations/*.sql``), read from an in-memory warehouse
the migrations built, never a second hand-written list. Columns the warehouse fills itself
(:data:`WAREHOUSE_COLUMNS`: the ingest ledger's ``source_file_id``, an event's ``seq``) are left out.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

import duckdb
import pyarrow as pa

from analytics.errors import WarehouseError

__all__ = ["ARROW_TYPES", "WAREHOUSE_COLUMNS", "canonical_schema", "table_columns"]

ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "JSON": pa.string(),
    "BOOLEAN": pa.bool_(),
    "SMALLINT": pa.int16(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
    "VARCHAR[]": pa.list_(pa.string()),
}
"""The Arrow type a loader stages for each DuckDB column type of a canonical table."""

WAREHOUSE_COLUMNS: frozenset[str] = frozenset({"source_file_id", "seq"})
"""Columns the warehouse fills when it writes staged rows: the delivery (ingest ledger) and an event's order."""


@cache
def _catalogue() -> dict[str, tuple[tuple[str, str], ...]]:
    """Every table the migrations create: ``(column, DuckDB type)`` in DDL order (one in-memory build)."""
    from analytics.warehouse import migrate  # the package imports this module's users

    con = duckdb.connect(":memory:")
    try:
        migrate(con)
        rows = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                           "ORDER BY table_name, ordinal_position").fetchall()
    finally:
        con.close()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, name, kind in rows:
        out.setdefault(str(table), []).append((str(name), str(kind)))
    return {table: tuple(columns) for table, columns in out.items()}


def table_columns(table: str) -> tuple[tuple[str, str], ...]:
    """``(column, DuckDB type)`` of a warehouse table in DDL order, from the migrations applied to an
    in-memory warehouse.

    >>> table_columns("services")[:2]
    (('service', 'VARCHAR'), ('team', 'VARCHAR'))
    """
    columns = _catalogue().get(table)
    if columns is None:
        raise WarehouseError(f"the migrations define no table {table!r}")
    return columns


def canonical_schema(table: str, *, exclude: Collection[str] = WAREHOUSE_COLUMNS) -> dict[str, pa.DataType]:
    """The columns a loader stages for ``table`` (all but ``exclude``) with their Arrow types.

    >>> canonical_schema("services")["team"], canonical_schema("incidents")["responders"]
    (DataType(string), ListType(list<item: string>))
    """
    out: dict[str, pa.DataType] = {}
    for name, kind in table_columns(table):
        if name in exclude:
            continue
        if kind not in ARROW_TYPES:
            raise WarehouseError(f"column {table}.{name} has type {kind}, which has no staging type in ARROW_TYPES")
        out[name] = ARROW_TYPES[kind]
    return out
