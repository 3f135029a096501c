"""``canonical``: files already in a canonical table's shape (CSV, parquet or JSON), and
``services``: the service catalogue (CSV, parquet or YAML).

Columns are matched to the table case-insensitively; unknown columns are an error (``cost``
accepts unknown ``x_…`` columns and adds them). Rows replace earlier rows with the same natural
key (:data:`analytics.warehouse.NATURAL_KEYS`); cost files replace the billing periods they
deliver and are reconciled to the cent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._tabular import ROW, cast_select, read_text_table, reading, table_schema
from analytics.warehouse import CANONICAL_TABLES, NATURAL_KEYS, run, run_quietly
from analytics.warehouse.ledger import LoadResult, LoadTransaction, PeriodTotal, fingerprint, run_load
from analytics.warehouse.sqlutil import is_extra_column, quote_identifier

VIEW = "__canonical_src"


def load_canonical(
    con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions, *, kind: str = "canonical"
) -> list[LoadResult]:
    """Load one canonical-shaped file into ``options.table``."""
    table = options.table
    if table not in CANONICAL_TABLES:
        raise UsageError(f"canonical: --table must be one of {', '.join(CANONICAL_TABLES)}, got {table!r}")
    file = Path(path)
    source = fingerprint(file)

    def load(tx: LoadTransaction) -> None:
        present = read_text_table(con, file, VIEW)
        with reading(file):  # the text view is read lazily: bad bytes surface in any scan
            _load_view(tx, table, present, file)

    try:
        return [run_load(con, kind=kind, file=source, target_table=table, load=load,
                         options=options.as_record())]
    finally:
        run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")


# Closed vocabularies checked row by row, so the error names the row (CHECK constraints would not).
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("services", "tier"): ("tier1", "tier2", "tier3"),
    ("incidents", "severity"): ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5"),
    ("budgets", "cost_basis"): ("EffectiveCost", "BilledCost"),
    ("slos", "budgeting_method"): ("Occurrences", "Timeslices", "RatioTimeslices"),
}


def _check_enums(con: duckdb.DuckDBPyConnection, table: str, present: list[str], file: Path) -> None:
    """Fail on the first value outside a closed vocabulary, naming row and column."""
    for name in present:
        allowed = ENUMS.get((table, name.lower()))
        if allowed is None:
            continue
        col = quote_identifier(name)
        rows = run(
            con,
            f"SELECT {ROW}, {col} FROM {VIEW} WHERE {col} IS NOT NULL AND NOT list_contains($a, {col}) "
            f"ORDER BY {ROW} LIMIT 1",
            {"a": list(allowed)},
        )
        if rows:
            raise ExportFormatError(f"{rows[0][1]!r} is not one of {', '.join(allowed)}", file=file,
                                    row=int(rows[0][0]), column=name)


def _load_view(tx: LoadTransaction, table: str, present: list[str], file: Path) -> None:
    """Validate, cast and write the temp view into ``table``."""
    con = tx.con
    columns = table_schema(con, table)
    known = {c.name.lower() for c in columns}
    unknown = [c for c in present if c.lower() not in known and c != ROW]
    if table == "cost":
        extras = [c for c in unknown if is_extra_column(c)]
        tx.add_extra_columns("cost", extras)
        columns = table_schema(con, table)
        unknown = [c for c in unknown if c not in extras]
    if unknown:
        raise ExportFormatError(
            f"column is not part of table {table} (expected some of: "
            f"{', '.join(c.name for c in columns if c.name != 'source_file_id')})",
            file=file, column=unknown[0],
        )
    if "source_file_id" in (p.lower() for p in present):
        raise ExportFormatError("source_file_id is assigned by the loader", file=file, column="source_file_id")
    select = cast_select(con, VIEW, columns, [p for p in present if p != ROW], file=file)
    _check_enums(con, table, present, file)
    tx.rows_read = int(run(con, f"SELECT count(*) FROM {VIEW}")[0][0])
    if table == "cost":
        tx.period_totals = _source_cost_totals(con)
        tx.insert_query("cost", select)
        tx.replace_cost_periods()
        span = run(con, "SELECT min(ChargePeriodStart), max(ChargePeriodEnd) FROM cost WHERE source_file_id = $f",
                   {"f": tx.file_id})[0]
        tx.period_start, tx.period_end = span
        return
    key = NATURAL_KEYS[table]
    dupes = run(
        con,
        f"SELECT min({ROW}), max({ROW}) FROM ({select.replace(' FROM ', f', {ROW} FROM ', 1)}) "
        f"GROUP BY {', '.join(quote_identifier(k) for k in key)} HAVING count(*) > 1 ORDER BY 2 LIMIT 1",
    )
    if dupes:
        raise ExportFormatError(
            f"duplicate key {', '.join(key)} (first seen in row {dupes[0][0]})", file=file, row=int(dupes[0][1]),
            column=key[0],
        )
    staged = f"__staged_{tx.file_id}"
    run(con, f"CREATE TEMP TABLE {staged} AS {select}")
    try:
        updated = tx.delete_matching(table, key=key, source=staged)
        tx.rows_updated += updated
        tx.insert_query(table, f"SELECT * FROM {staged}")
    finally:
        run_quietly(con, f"DROP TABLE IF EXISTS {staged}")


def _source_cost_totals(con: duckdb.DuckDBPyConnection) -> list[PeriodTotal]:
    """BilledCost / EffectiveCost per billing period and currency, summed exactly from the text."""
    rows = run(
        con,
        f"SELECT BillingPeriodStart, BillingCurrency, BilledCost, EffectiveCost FROM {VIEW} ORDER BY {ROW}",
    )
    totals: dict[tuple[datetime, str], list[Decimal | int]] = {}
    for start, currency, billed, effective in rows:
        when = pd.Timestamp(start)
        when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
        key = (when.to_pydatetime(), str(currency))
        acc = totals.setdefault(key, [Decimal(0), Decimal(0), 0])
        acc[0] += Decimal(billed)
        acc[1] += Decimal(effective)
        acc[2] += 1
    return [PeriodTotal(k[0], k[1], v[0], v[1], int(v[2])) for k, v in sorted(totals.items())]  # type: ignore[arg-type]


def load_services(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load a service catalogue: CSV/parquet with service, team, tier, owner, description, or YAML
    ``services: [{service, team, tier, owner, description}, …]``."""
    file = Path(path)
    if file.suffix.lower() not in {".yaml", ".yml"}:
        return load_canonical(con, path, replace(options, table="services"), kind="services")
    source = fingerprint(file)
    try:
        doc = yaml.safe_load(file.read_text("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ExportFormatError(f"not valid YAML: {str(exc).splitlines()[0]}", file=file) from exc
    items = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise ExportFormatError("expected a top-level 'services:' list", file=file)
    allowed = {"service", "team", "tier", "owner", "description"}
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not item.get("service"):
            raise ExportFormatError("each entry needs a 'service'", file=file, row=i, column="service")
        extra = set(item) - allowed
        if extra:
            raise ExportFormatError("unknown field", file=file, row=i, column=sorted(extra)[0])
    frame = pd.DataFrame([{k: (None if item.get(k) is None else str(item.get(k))) for k in sorted(allowed)}
                          for item in items])

    def load(tx: LoadTransaction) -> None:
        con.register(f"{VIEW}_frame", frame)
        try:
            run(con, f"CREATE OR REPLACE TEMP TABLE {VIEW}_yaml AS SELECT * FROM {VIEW}_frame")
        finally:
            con.unregister(f"{VIEW}_frame")
        run(con, f"CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT *, row_number() OVER () AS {ROW} FROM {VIEW}_yaml")
        try:
            _load_view(tx, "services", list(frame.columns), file)
        finally:
            run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")
            run_quietly(con, f"DROP TABLE IF EXISTS {VIEW}_yaml")

    return [run_load(con, kind="services", file=source, target_table="services", load=load,
                     options=options.as_record())]


def _sniff_services(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in {".yaml", ".yml"} and head.lstrip().startswith(b"services:")


register(SourceKind("canonical", "(--table)", "files already in a canonical table's columns (CSV, parquet, JSON)",
                    load_canonical))
register(SourceKind("services", "services", "service catalogue: service, team, tier, owner (CSV, parquet, YAML)",
                    load_services, sniff=_sniff_services))
