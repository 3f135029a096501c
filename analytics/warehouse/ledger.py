"""Transactional, idempotent, reconciled loads recorded in ``ingest_ledger``.

A loader never writes to the warehouse directly. It hands a function to :func:`run_load`, which

1. returns at once (status ``unchanged``) when a current (not superseded) load of the same kind has
   the same SHA-256, or when every part of the delivery is already a current part of its folder's
   delivery — re-loading the current delivery is a no-op, re-loading a superseded one makes it
   current again;
2. opens one transaction and gives the loader a :class:`LoadTransaction` (its ``file_id`` is the
   lineage key every inserted row carries in ``source_file_id``);
3. after the loader returns, supersedes what the delivery replaces (never rows of its own delivery:
   the parts of a sharded export, :func:`delivery_to_join`), reconciles the declared source
   totals against what landed (to the cent, in decimal), writes the ledger row and commits;
4. on any error rolls everything back, so nothing is half-written.

The identity of files and deliveries (fingerprints, the current delivery of a folder, which part
joins it) is in ``_delivery``, the cent-exact reconciliation of cost loads in ``_reconcile``; their
names are importable from here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import duckdb
import pandas as pd
import pyarrow as pa

from analytics import __version__
from analytics.errors import ExportFormatError, WarehouseError
from analytics.warehouse import CANONICAL_TABLES, COST_PERIOD_KEY, run, scalar, table_columns
from analytics.warehouse._delivery import (
    DeliveryPolicy,
    Part,
    SourceFile,
    current_delivery,
    delivery_to_join,
    find_loaded,
    fingerprint,
    fingerprint_part_digests,
    fingerprint_parts,
    part_shape,
)
from analytics.warehouse._reconcile import CENT, PeriodTotal, period_label, period_order, reconcile_cost
from analytics.warehouse.sqlutil import is_extra_column, quote_identifier, require_one_of

# the delivery and reconciliation siblings' names are part of this module's API
__all__ = [
    "CENT", "RAW_LIMIT", "DeliveryPolicy", "LoadResult", "LoadTransaction", "Part", "PeriodTotal", "SourceFile",
    "count_rows", "current_delivery", "delivery_to_join", "find_loaded", "fingerprint", "fingerprint_part_digests",
    "fingerprint_parts", "part_shape", "period_label", "period_order", "refresh_cost_tags", "run_load"
]

log = logging.getLogger(__name__)

RAW_LIMIT = 2000  # characters of a quarantined row kept in ingest_quarantine.raw


@dataclass(frozen=True)
class LoadResult:
    """What a load did."""

    kind: str
    file: SourceFile
    status: Literal["loaded", "unchanged"]
    file_id: int
    target_table: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_updated: int = 0
    rows_quarantined: int = 0
    superseded_file_ids: tuple[int, ...] = ()
    billed_total: Decimal | None = None
    effective_total: Decimal | None = None
    quarantined_billed: Decimal | None = None  # BilledCost of the quarantined cost rows (source = loaded + this)
    delivery_id: int | None = None
    delivery_files: int = 1  # data files of the delivery (all its parts so far)
    duplicate_rows: int = 0
    first_duplicate: str | None = None  # "row 12" or "row 12 of part-00002.csv"
    variant: str | None = None  # which layout of the kind the loader read (e.g. "usage details v1 (PascalCase)")
    warnings: tuple[str, ...] = ()  # what a person should know about how the file was read
    detected: bool = False  # the kind was chosen by ``ingest auto``

    def summary(self) -> str:
        """One line for logs and the CLI."""
        if self.status == "unchanged":
            return f"{self.file.name}: already loaded as file {self.file_id} ({self._kind_text()}); nothing to do"
        parts = [f"{self.file.name}: {self.rows_loaded:,} rows into {self.target_table}"]
        if self.rows_updated:
            parts.append(f"{self.rows_updated:,} updated")
        if self.rows_quarantined:
            parts.append(f"{self.rows_quarantined:,} quarantined")
        if self.billed_total is not None and self.rows_quarantined and self.quarantined_billed is not None:
            source = self.billed_total + self.quarantined_billed
            parts.append(
                f"BilledCost {self.billed_total:,.2f} loaded + {self.quarantined_billed:,.2f} quarantined "
                f"= {source:,.2f} in the source, reconciled"
            )
        elif self.billed_total is not None:
            parts.append(f"BilledCost {self.billed_total:,.2f} reconciled")
        if self.duplicate_rows:
            parts.append(
                f"{self.duplicate_rows:,} exact duplicate rows loaded as delivered (first: {self.first_duplicate})"
            )
        joined = self.delivery_id is not None and self.delivery_id != self.file_id
        if joined:
            parts.append(
                f"part of delivery {self.delivery_id} (same folder, now {self.delivery_files} files; "
                "--option delivery=replace to replace the period instead)"
            )
        elif len(self.file.parts) > 1:
            parts.append(f"one delivery of {len(self.file.parts)} files")
        if self.superseded_file_ids:
            parts.append("re-delivery: replaces file " + ", ".join(map(str, self.superseded_file_ids)))
        parts += [f"warning: {w}" for w in self.warnings]
        return f"{'; '.join(parts)} (file {self.file_id}, {self._kind_text()})"

    def _kind_text(self) -> str:
        """``azure``, ``azure: EA cost details (PascalCase)``, plus ``detected`` under ``ingest auto``."""
        text = f"{self.kind}: {self.variant}" if self.variant else self.kind
        return f"detected {text}" if self.detected else text


@dataclass
class LoadTransaction:
    """The loader's handle inside one load transaction."""

    con: duckdb.DuckDBPyConnection
    kind: str
    file: SourceFile
    file_id: int
    target_table: str
    rows_read: int = 0
    rows_updated: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    period_totals: list[PeriodTotal] | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    delivery_id: int | None = None  # the delivery this load belongs to (its own file_id unless it joins one)
    duplicate_rows: int | None = None  # exact duplicate line items (cost loads)
    first_duplicate: str | None = None
    variant: str | None = None  # the layout the loader read, in words (LoadResult.variant)
    warnings: list[str] = field(default_factory=list)  # recorded in details.warnings and the message
    _quarantined: int = 0
    _affected: dict[int, int] = field(default_factory=dict)
    _temp_counter: int = 0

    # -- writing rows -------------------------------------------------------------------------
    def insert_query(self, table: str, select_sql: str, params: Mapping[str, Any] | None = None) -> int:
        """Insert the rows of a SELECT (columns matched by name) tagged with this file's id."""
        require_one_of(table, CANONICAL_TABLES, what="table")
        bound = dict(params or {})
        if "__file_id" in bound:
            raise ValueError("parameter name __file_id is reserved")
        bound["__file_id"] = self.file_id
        before = self._count(table)
        run(
            self.con,
            f"INSERT INTO {quote_identifier(table)} BY NAME "
            f"SELECT * EXCLUDE (source_file_id), $__file_id::BIGINT AS source_file_id "
            f"FROM (SELECT *, NULL::BIGINT AS source_file_id FROM ({select_sql}))",
            bound,
        )
        return self._count(table) - before

    def insert_frame(self, table: str, frame: pd.DataFrame | pa.Table) -> int:
        """Insert a DataFrame or Arrow table (columns matched by name) tagged with this file's id."""
        name = self._register(frame)
        try:
            return self.insert_query(table, f"SELECT * FROM {quote_identifier(name)}")
        finally:
            self._unregister(name)

    def upsert_frame(self, table: str, frame: pd.DataFrame | pa.Table, *, key: Sequence[str]) -> tuple[int, int]:
        """Insert rows, replacing existing rows with the same key; return (inserted, updated)."""
        name = self._register(frame)
        try:
            updated = self.delete_matching(table, key=key, source=name)
            inserted = self.insert_query(table, f"SELECT * FROM {quote_identifier(name)}")
        finally:
            self._unregister(name)
        self.rows_updated += updated
        return inserted - updated, updated

    def delete_matching(self, table: str, *, key: Sequence[str], source: str) -> int:
        """Delete rows of ``table`` whose key appears in the registered relation ``source``."""
        require_one_of(table, CANONICAL_TABLES, what="table")
        cols = ", ".join(quote_identifier(k) for k in key)
        where = f"({cols}) IN (SELECT {cols} FROM {quote_identifier(source)})"
        return self.supersede(table, where)

    def supersede(self, table: str, where_sql: str, params: Mapping[str, Any] | None = None) -> int:
        """Delete rows of earlier loads matching ``where_sql``; the ledger notes who replaced whom."""
        require_one_of(table, CANONICAL_TABLES, what="table")
        bound = dict(params or {})
        bound["__file_id"] = self.file_id
        condition = f"({where_sql}) AND source_file_id <> $__file_id"
        counts = run(
            self.con,
            f"SELECT source_file_id, count(*) FROM {quote_identifier(table)} WHERE {condition} "
            "GROUP BY source_file_id ORDER BY source_file_id",
            bound,
        )
        if not counts:
            return 0
        run(self.con, f"DELETE FROM {quote_identifier(table)} WHERE {condition}", bound)
        for file_id, count in counts:
            self._affected[int(file_id)] = self._affected.get(int(file_id), 0) + int(count)
        return sum(int(c) for _, c in counts)

    def replace_cost_periods(self) -> int:
        """Supersede earlier cost rows of every (provider, billing account, billing period) this
        load delivered: a re-delivered period replaces the old one instead of adding to it. Rows of
        the same delivery (earlier parts of a sharded export) are kept."""
        cols = ", ".join(quote_identifier(c) for c in COST_PERIOD_KEY)
        return self.supersede(
            "cost",
            f"({cols}) IN (SELECT DISTINCT {cols} FROM cost WHERE source_file_id = $__file_id) "
            "AND source_file_id NOT IN (SELECT file_id FROM ingest_ledger WHERE delivery_id = $__delivery)",
            {"__delivery": self.delivery_id if self.delivery_id is not None else self.file_id},
        )

    def record_duplicates(self, count: int, *, first_row: int | None, part: str | None = None) -> None:
        """Add one data file's exact duplicate line items to the load's count (``part``: its name,
        for deliveries of several files)."""
        self.duplicate_rows = (self.duplicate_rows or 0) + count
        if count and self.first_duplicate is None:
            self.first_duplicate = f"row {first_row}" + (f" of {part}" if part else "")

    def warn(self, message: str) -> None:
        """Record something a person should know about this load (ledger ``details.warnings``, the
        load message and a log warning); the load still goes ahead."""
        if message not in self.warnings:
            self.warnings.append(message)
            log.warning("%s: %s", self.file.name, message)

    def add_extra_columns(self, table: str, names: Iterable[str]) -> list[str]:
        """Add ``x_…`` VARCHAR columns that do not exist yet; return the ones added."""
        require_one_of(table, CANONICAL_TABLES, what="table")
        existing = {c.lower() for c in table_columns(self.con, table)}
        added = []
        for name in names:
            if not is_extra_column(name):
                raise ValueError(f"extension column names must look like x_Name, got {name!r}")
            if name.lower() in existing:
                continue
            run(self.con, f"ALTER TABLE {quote_identifier(table)} ADD COLUMN {quote_identifier(name)} VARCHAR")
            existing.add(name.lower())
            added.append(name)
        return added

    @property
    def quarantines(self) -> bool:
        """Whether the user opted into quarantine (``--quarantine``): bad rows are set aside, not fatal."""
        return bool(self.options.get("quarantine"))

    def quarantine(
        self, *, row: int | None, column: str | None, problem: str, raw: str | None = None, data_file: str | None = None
    ) -> None:
        """Set one bad row aside (only when the user opted into quarantine)."""
        run(
            self.con,
            "INSERT INTO ingest_quarantine (file_id, row_number, column_name, problem, raw, data_file) "
            "VALUES ($f, $r, $c, $p, $raw, $file)",
            {"f": self.file_id, "r": row, "c": column, "p": problem, "raw": (raw or "")[:RAW_LIMIT] or None,
             "file": data_file},
        )
        self._quarantined += 1

    def quarantine_query(self, select_sql: str, params: Mapping[str, Any] | None = None) -> int:
        """Set aside the rows of a SELECT whose columns are named like ``ingest_quarantine``'s
        (``row_number``, ``column_name``, ``problem``, ``raw``, ``data_file``, and for cost rows
        ``billing_period_start``, ``billing_currency``, ``provider``, ``billed_cost``, ``effective_cost``);
        return how many."""
        bound = dict(params or {})
        if "__file_id" in bound:
            raise ValueError("parameter name __file_id is reserved")
        bound["__file_id"] = self.file_id
        before = self._quarantine_count()
        run(
            self.con,
            "INSERT INTO ingest_quarantine BY NAME SELECT * EXCLUDE (file_id, raw), $__file_id::BIGINT AS file_id, "
            f"left(raw, {RAW_LIMIT}) AS raw FROM (SELECT *, NULL::BIGINT AS file_id FROM ({select_sql}))",
            bound,
        )
        added = self._quarantine_count() - before
        self._quarantined += added
        return added

    def _quarantine_count(self) -> int:
        return int(scalar(self.con, "SELECT count(*) FROM ingest_quarantine WHERE file_id = $f",
                          {"f": self.file_id}))

    # -- helpers ------------------------------------------------------------------------------
    def _register(self, frame: pd.DataFrame | pa.Table) -> str:
        self._temp_counter += 1
        name = f"__load_{self.file_id}_{self._temp_counter}"
        self.con.register(name, frame)
        return name

    def _unregister(self, name: str) -> None:
        """Drop a registered frame; never mask the error that aborted the transaction."""
        try:
            self.con.unregister(name)
        except duckdb.Error:
            log.debug("could not unregister %s (transaction already aborted)", name)

    def _count(self, table: str) -> int:
        return count_rows(self.con, table, self.file_id)


def count_rows(con: duckdb.DuckDBPyConnection, table: str, file_id: int) -> int:
    """Rows of a canonical table that came from one file."""
    require_one_of(table, CANONICAL_TABLES, what="table")
    return int(
        scalar(con, f"SELECT count(*) FROM {quote_identifier(table)} WHERE source_file_id = $f", {"f": file_id})
    )


def run_load(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str,
    file: SourceFile,
    target_table: str,
    load: Callable[[LoadTransaction], None],
    options: Mapping[str, Any] | None = None,
    delivery: DeliveryPolicy = "auto",
) -> LoadResult:
    """Run ``load`` in one transaction, reconcile, record it in the ledger, and commit.

    ``delivery="replace"`` makes a later part from the folder of the current delivery a
    re-delivery instead of a further part (:func:`delivery_to_join`)."""
    require_one_of(target_table, CANONICAL_TABLES, what="table")
    existing = find_loaded(con, kind=kind, sha256=file.sha256)
    if existing is None and file.folder is not None and file.parts:
        current = current_delivery(con, kind=kind, folder=file.folder)
        if current is not None and set(file.parts) <= current.intact:
            existing = current.delivery_id  # every part is already a current part of this delivery
    if existing is not None:
        log.info("%s already loaded as file %s; skipping", file.name, existing)
        return LoadResult(kind, file, "unchanged", existing, target_table)
    if _in_transaction(con):
        raise WarehouseError("run_load must not be called inside an open transaction")
    run(con, "BEGIN TRANSACTION")
    try:
        joined = delivery_to_join(con, kind=kind, file=file, policy=delivery)
        file_id = int(scalar(con, "SELECT nextval('ingest_file_id_seq')"))
        tx = LoadTransaction(con, kind, file, file_id, target_table, options=dict(options or {}))
        tx.delivery_id = joined.delivery_id if joined is not None else file_id
        load(tx)
        result = _finish(tx)
        run(con, "COMMIT")
    except duckdb.ConstraintException as exc:
        run(con, "ROLLBACK")
        first = str(exc).strip().splitlines()[0]
        raise ExportFormatError(f"rows break a warehouse rule, nothing loaded: {first}", file=file.path) from exc
    except BaseException:
        run(con, "ROLLBACK")
        raise
    log.info(result.summary())
    return result


def refresh_cost_tags(con: duckdb.DuckDBPyConnection, *, file_id: int | None = None) -> int:
    """Add the parsed tags of new tag sets to ``cost_tags`` (migration 0010); return the rows added.

    Every load that writes cost rows calls it for its own rows (``file_id``) inside its transaction,
    so the statements' tag lookups (``cost_tag_value``) see every tag set that is loaded; anything
    else that writes ``cost`` directly (the benchmark's row copies, tests) calls it with no file id,
    which looks at every row. Parsing is the ``cost_tags_missing`` macro, the one definition of it.
    """
    before = int(scalar(con, "SELECT count(*) FROM cost_tags"))
    run(con, "INSERT INTO cost_tags SELECT Tags, tag_key, tag_value FROM cost_tags_missing($f::BIGINT)",
        {"f": file_id})
    return int(scalar(con, "SELECT count(*) FROM cost_tags")) - before


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection has an explicit transaction open."""
    try:
        run(con, "BEGIN TRANSACTION")
    except duckdb.TransactionException:
        return True
    run(con, "ROLLBACK")
    return False


def _finish(tx: LoadTransaction) -> LoadResult:
    """Reconcile, mark superseded loads and write the ledger row (inside the transaction)."""
    con = tx.con
    loaded = {t: tx._count(t) for t in CANONICAL_TABLES}
    rows_loaded = loaded[tx.target_table]
    billed = effective = wh_billed = wh_effective = quarantined_billed = None
    currency = None
    details = dict(tx.details)
    details["rows_by_table"] = {t: n for t, n in loaded.items() if n}
    if tx.period_totals is not None:
        billed, effective, wh_billed, wh_effective, currency, periods = reconcile_cost(tx)
        details["billing_periods"] = periods
        if tx._quarantined:
            quarantined_billed = sum((Decimal(p.get("quarantined_billed", 0)) for p in periods), Decimal(0))
    if tx.file.parts:
        details.setdefault("data_files", [{"name": p.name, "sha256": p.sha256} for p in tx.file.parts])
    if tx.duplicate_rows:
        details["first_duplicate"] = tx.first_duplicate
    if tx.warnings:
        details["warnings"] = list(tx.warnings)
    delivery_id = tx.delivery_id if tx.delivery_id is not None else tx.file_id
    if loaded["cost"]:
        refresh_cost_tags(con, file_id=tx.file_id)
    for file_id in sorted(tx._affected):
        remaining = sum(count_rows(con, t, file_id) for t in CANONICAL_TABLES)
        run(
            con,
            "UPDATE ingest_ledger SET status = $s, superseded_by = $by WHERE file_id = $f",
            {"s": "superseded" if remaining == 0 else "partially_superseded", "by": tx.file_id, "f": file_id},
        )
    run(
        con,
        """
        INSERT INTO ingest_ledger (
            file_id, source_kind, file_path, file_name, sha256, size_bytes, target_table,
            rows_read, rows_loaded, rows_updated, rows_quarantined, currency,
            source_billed_total, warehouse_billed_total, source_effective_total,
            warehouse_effective_total, reconciled, period_start, period_end, loaded_at, status,
            superseded_by, tool_version, options, details, delivery_id, delivery_folder, duplicate_rows)
        VALUES ($id, $kind, $path, $name, $sha, $size, $target, $read, $loaded, $updated, $quar,
            $cur, $sb, $wb, $se, $we, $rec, $ps, $pe, $at, 'loaded', NULL, $ver, $opt, $det,
            $delivery, $folder, $dups)
        """,
        {
            "id": tx.file_id,
            "kind": tx.kind,
            "path": tx.file.path,
            "name": tx.file.name,
            "sha": tx.file.sha256,
            "size": tx.file.size_bytes,
            "target": tx.target_table,
            "read": tx.rows_read,
            "loaded": rows_loaded,
            "updated": tx.rows_updated,
            "quar": tx._quarantined,
            "cur": currency,
            "sb": billed,
            "wb": wh_billed,
            "se": effective,
            "we": wh_effective,
            "rec": True if tx.period_totals is not None else None,
            "ps": tx.period_start,
            "pe": tx.period_end,
            "at": datetime.now(UTC),
            "ver": __version__,
            "opt": json.dumps(tx.options, sort_keys=True, default=str),
            "det": json.dumps(details, sort_keys=True, default=str),
            "delivery": delivery_id,
            "folder": tx.file.folder,
            "dups": tx.duplicate_rows,
        },
    )
    delivery_files = len(tx.file.parts) or 1
    if delivery_id != tx.file_id and tx.file.folder is not None:
        joined = current_delivery(con, kind=tx.kind, folder=tx.file.folder)  # now including this load
        delivery_files = len(joined.parts) if joined is not None else delivery_files
    return LoadResult(
        tx.kind,
        tx.file,
        "loaded",
        tx.file_id,
        tx.target_table,
        rows_read=tx.rows_read,
        rows_loaded=rows_loaded,
        rows_updated=tx.rows_updated,
        rows_quarantined=tx._quarantined,
        superseded_file_ids=tuple(sorted(tx._affected)),
        billed_total=wh_billed,
        effective_total=wh_effective,
        quarantined_billed=quarantined_billed,
        delivery_id=delivery_id,
        delivery_files=delivery_files,
        duplicate_rows=tx.duplicate_rows or 0,
        first_duplicate=tx.first_duplicate,
        variant=tx.variant,
        warnings=tuple(tx.warnings),
    )
