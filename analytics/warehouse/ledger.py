"""Transactional, idempotent, reconciled loads recorded in ``ingest_ledger``.

A loader never writes to the warehouse directly. It hands a function to :func:`run_load`, which

1. returns at once (status ``unchanged``) when a file with the same kind and SHA-256 is already in
   the ledger — re-loading the same file is a no-op;
2. opens one transaction and gives the loader a :class:`LoadTransaction` (its ``file_id`` is the
   lineage key every inserted row carries in ``source_file_id``);
3. after the loader returns, supersedes what the delivery replaces, reconciles the declared source
   totals against what landed (to the cent, in decimal), writes the ledger row and commits;
4. on any error rolls everything back, so nothing is half-written.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd
import pyarrow as pa

from analytics import __version__
from analytics.errors import ExportFormatError, ReconciliationError, WarehouseError
from analytics.warehouse import CANONICAL_TABLES, COST_PERIOD_KEY, run, scalar, table_columns
from analytics.warehouse.sqlutil import is_extra_column, quote_identifier, require_one_of

log = logging.getLogger(__name__)

CENT = Decimal("0.005")  # |source − warehouse| must stay below half a cent
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    """Identity of one delivered file (or multi-file delivery)."""

    path: str
    name: str
    sha256: str
    size_bytes: int | None = None


def fingerprint(path: str | Path) -> SourceFile:
    """SHA-256 and size of a local file, read in chunks."""
    file = Path(path)
    if not file.is_file():
        raise ExportFormatError("no such file", file=file)
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return SourceFile(str(file.resolve()), file.name, digest.hexdigest(), file.stat().st_size)


def fingerprint_parts(path: str, name: str, parts: Iterable[bytes]) -> SourceFile:
    """Fingerprint of a delivery made of several byte strings (a manifest and its data files)."""
    return fingerprint_part_digests(path, name, ((hashlib.sha256(part).digest(), len(part)) for part in parts))


def fingerprint_part_digests(path: str, name: str, digests: Iterable[tuple[bytes, int]]) -> SourceFile:
    """:func:`fingerprint_parts` from each part's SHA-256 digest and length (parts hashed elsewhere,
    e.g. in parallel)."""
    digest = hashlib.sha256()
    size = 0
    for part_digest, length in digests:
        digest.update(part_digest)
        size += length
    return SourceFile(path, name, digest.hexdigest(), size)


@dataclass(frozen=True)
class PeriodTotal:
    """Source-side cost totals of one billing period and currency, in exact decimals."""

    billing_period_start: datetime
    currency: str
    billed: Decimal
    effective: Decimal
    rows: int


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

    def summary(self) -> str:
        """One line for logs and the CLI."""
        if self.status == "unchanged":
            return f"{self.file.name}: already loaded as file {self.file_id} ({self.kind}); nothing to do"
        parts = [f"{self.file.name}: {self.rows_loaded:,} rows into {self.target_table}"]
        if self.rows_updated:
            parts.append(f"{self.rows_updated:,} updated")
        if self.rows_quarantined:
            parts.append(f"{self.rows_quarantined:,} quarantined")
        if self.billed_total is not None:
            parts.append(f"BilledCost {self.billed_total:,.2f} reconciled")
        if self.superseded_file_ids:
            parts.append("replaces file " + ", ".join(map(str, self.superseded_file_ids)))
        return f"{'; '.join(parts)} (file {self.file_id}, {self.kind})"


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
        load delivered: a re-delivered period replaces the old one instead of adding to it."""
        cols = ", ".join(quote_identifier(c) for c in COST_PERIOD_KEY)
        return self.supersede(
            "cost",
            f"({cols}) IN (SELECT DISTINCT {cols} FROM cost WHERE source_file_id = $__file_id)",
        )

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

    def quarantine(self, *, row: int | None, column: str | None, problem: str, raw: str | None = None) -> None:
        """Set one bad row aside (only when the user opted into quarantine)."""
        run(
            self.con,
            "INSERT INTO ingest_quarantine VALUES ($f, $r, $c, $p, $raw)",
            {"f": self.file_id, "r": row, "c": column, "p": problem, "raw": (raw or "")[:2000] or None},
        )
        self._quarantined += 1

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


def find_loaded(con: duckdb.DuckDBPyConnection, *, kind: str, sha256: str) -> int | None:
    """file_id of an earlier load of the same content by the same loader, if any."""
    found = scalar(
        con,
        "SELECT min(file_id) FROM ingest_ledger WHERE source_kind = $k AND sha256 = $s",
        {"k": kind, "s": sha256},
    )
    return int(found) if found is not None else None  # type: ignore[arg-type]


def count_rows(con: duckdb.DuckDBPyConnection, table: str, file_id: int) -> int:
    """Rows of a canonical table that came from one file."""
    require_one_of(table, CANONICAL_TABLES, what="table")
    return int(
        scalar(con, f"SELECT count(*) FROM {quote_identifier(table)} WHERE source_file_id = $f", {"f": file_id})  # type: ignore[arg-type]
    )


def run_load(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str,
    file: SourceFile,
    target_table: str,
    load: Callable[[LoadTransaction], None],
    options: Mapping[str, Any] | None = None,
) -> LoadResult:
    """Run ``load`` in one transaction, reconcile, record it in the ledger, and commit."""
    require_one_of(target_table, CANONICAL_TABLES, what="table")
    existing = find_loaded(con, kind=kind, sha256=file.sha256)
    if existing is not None:
        log.info("%s already loaded as file %s; skipping", file.name, existing)
        return LoadResult(kind, file, "unchanged", existing, target_table)
    if _in_transaction(con):
        raise WarehouseError("run_load must not be called inside an open transaction")
    run(con, "BEGIN TRANSACTION")
    try:
        file_id = int(scalar(con, "SELECT nextval('ingest_file_id_seq')"))  # type: ignore[arg-type]
        tx = LoadTransaction(con, kind, file, file_id, target_table, options=dict(options or {}))
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
    billed = effective = wh_billed = wh_effective = None
    currency = None
    details = dict(tx.details)
    details["rows_by_table"] = {t: n for t, n in loaded.items() if n}
    if tx.period_totals is not None:
        billed, effective, wh_billed, wh_effective, currency, periods = _reconcile_cost(tx)
        details["billing_periods"] = periods
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
            superseded_by, tool_version, options, details)
        VALUES ($id, $kind, $path, $name, $sha, $size, $target, $read, $loaded, $updated, $quar,
            $cur, $sb, $wb, $se, $we, $rec, $ps, $pe, $at, 'loaded', NULL, $ver, $opt, $det)
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
        },
    )
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
    )


def _reconcile_cost(
    tx: LoadTransaction,
) -> tuple[Decimal, Decimal, Decimal, Decimal, str | None, list[dict[str, Any]]]:
    """Compare source totals per billing period and currency with what landed in ``cost``."""
    assert tx.period_totals is not None
    landed = {
        (start, cur): (Decimal(b), Decimal(e), int(n))
        for start, cur, b, e, n in run(
            tx.con,
            "SELECT BillingPeriodStart, BillingCurrency, sum(BilledCost), sum(EffectiveCost), count(*) "
            "FROM cost WHERE source_file_id = $f GROUP BY ALL ORDER BY ALL",
            {"f": tx.file_id},
        )
    }
    expected = {(p.billing_period_start, p.currency): p for p in tx.period_totals}
    periods: list[dict[str, Any]] = []
    for key in sorted(set(landed) | set(expected), key=lambda k: (k[0], k[1])):
        start, cur = key
        src = expected.get(key)
        got_b, got_e, got_n = landed.get(key, (Decimal(0), Decimal(0), 0))
        src_b = src.billed if src else Decimal(0)
        src_e = src.effective if src else Decimal(0)
        src_n = src.rows if src else 0
        label = f"billing period {start:%Y-%m-%d} ({cur})"
        if src_n != got_n:
            raise ReconciliationError(f"{label}: {src_n} source rows but {got_n} loaded", file=tx.file.path)
        for what, a, b in (("BilledCost", src_b, got_b), ("EffectiveCost", src_e, got_e)):
            if abs(a - b) >= CENT:
                raise ReconciliationError(
                    f"{label}: source {what} total {a} but warehouse total {b}", file=tx.file.path
                )
        # the period's total in the warehouse must now be exactly this delivery's total
        rows = run(
            tx.con,
            "SELECT coalesce(sum(BilledCost), 0), count(DISTINCT source_file_id) FROM cost "
            "WHERE BillingPeriodStart = $s AND BillingCurrency = $c AND BillingAccountId IN "
            "(SELECT DISTINCT BillingAccountId FROM cost WHERE source_file_id = $f)",
            {"s": start, "c": cur, "f": tx.file_id},
        )
        row = rows[0] if rows else None
        periods.append(
            {
                "billing_period_start": start.isoformat(),
                "currency": cur,
                "rows": got_n,
                "source_billed": str(src_b),
                "warehouse_billed": str(got_b),
                "source_effective": str(src_e),
                "warehouse_effective": str(got_e),
                "period_billed_in_warehouse": str(row[0]) if row else None,
                "files_in_period": int(row[1]) if row else None,
            }
        )
    currencies = sorted({p.currency for p in tx.period_totals})
    sum_b = sum((p.billed for p in tx.period_totals), Decimal(0))
    sum_e = sum((p.effective for p in tx.period_totals), Decimal(0))
    wh_b = sum((v[0] for v in landed.values()), Decimal(0))
    wh_e = sum((v[1] for v in landed.values()), Decimal(0))
    return sum_b, sum_e, wh_b, wh_e, ",".join(currencies) or None, periods
