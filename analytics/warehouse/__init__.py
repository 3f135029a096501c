"""The warehouse: the one place a DuckDB connection is made, its schema and its migrations.

Design
------
* :func:`connect` is the only caller of ``duckdb.connect`` in the package. It resolves the path
  (argument → ``OPSREVIEW_WAREHOUSE`` → ``data/warehouse.duckdb``; ``":memory:"`` for tests), pins
  the session time zone to UTC, and applies pending migrations on read-write connections.
* Migrations are numbered SQL files in ``analytics/warehouse/migrations`` (``0001_initial.sql``…),
  applied in order, each in its own transaction, and recorded with a checksum in
  ``schema_migrations``; an edited, already-applied migration is an error, not a silent drift.
* Column documentation lives in the migrations as ``COMMENT ON`` statements, so the live schema
  documents itself (:func:`schema_markdown`, ``docs/schema.md``).
* Loads go through :mod:`analytics.warehouse.ledger`: one transaction per file, recorded in
  ``ingest_ledger``, reconciled before commit.
* Readers and writers (``docs/concurrency.md``): DuckDB lets one process write a warehouse file, or
  several read it, never both. When another process holds the file, :func:`connect` retries for a
  bounded time (``wait_s``; the CLI's ``--wait``, ``OPSREVIEW_LOCK_WAIT``, default
  :data:`DEFAULT_LOCK_WAIT_S`), then fails naming that process in plain words. A report run reads
  one consistent state through :func:`snapshot`: a copy of the file taken under a read lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from analytics.errors import WarehouseError
from analytics.settings import IN_MEMORY, Settings
from analytics.sql.semantic import install_semantic_layer

log = logging.getLogger(__name__)

CANONICAL_TABLES: tuple[str, ...] = (
    "cost",
    "incidents",
    "incident_events",
    "deployments",
    "changes",
    "pipeline_runs",
    "slos",
    "sli",
    "services",
    "business_metrics",
    "budgets",
    "contract_commitments",
    "provider_incidents",
    "provider_incident_updates",
)
# Natural key of each canonical table: a re-delivered row with the same key replaces the old one.
# ``cost`` has none at row level: a re-delivered billing period replaces the whole period
# (:data:`COST_PERIOD_KEY`).
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "incidents": ("incident_id",),
    "incident_events": ("incident_id", "seq"),
    "deployments": ("deployment_id",),
    "changes": ("change_id",),
    "pipeline_runs": ("run_id",),
    "slos": ("slo",),
    "sli": ("slo", "interval_start"),
    "services": ("service",),
    "business_metrics": ("date", "metric", "dimension"),
    "budgets": ("period", "scope"),
    "contract_commitments": ("ContractCommitmentId",),
    "provider_incidents": ("provider_incident_id",),
    "provider_incident_updates": ("provider_incident_id", "seq"),
}
COST_PERIOD_KEY: tuple[str, ...] = ("ProviderName", "BillingAccountId", "BillingPeriodStart")
LOCK_WAIT_ENV = "OPSREVIEW_LOCK_WAIT"
DEFAULT_LOCK_WAIT_S = 60.0
"""How long a connection waits for another process to release the warehouse file, by default."""
_LOCK_HELD = re.compile(r"Could not set lock on file .*Conflicting lock is held in (?P<exe>.*) \(PID (?P<pid>\d+)\)")
_RETRY_EVERY_S = 0.2
_MIGRATION_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered schema change."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the migration text, to notice edits of applied migrations."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def migrations() -> list[Migration]:
    """All migrations shipped with the package, in version order."""
    folder = resources.files("analytics.warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match["version"]), match["name"], entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise WarehouseError(f"two migrations share a version number: {versions}")
    return found


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Highest applied migration version (0 for an empty database)."""
    exists = scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations'")
    if not exists:
        return 0
    return int(scalar(con, "SELECT coalesce(max(version), 0) FROM schema_migrations"))


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations in order; return the versions applied."""
    run(
        con,
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL)"
    )
    applied = dict(run(con, "SELECT version, checksum FROM schema_migrations"))
    done: list[int] = []
    for migration in migrations():
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise WarehouseError(
                    f"migration {migration.version:04d}_{migration.name} was edited after it was "
                    "applied to this warehouse; add a new migration instead"
                )
            continue
        run(con, "BEGIN TRANSACTION")
        try:
            run(con, migration.sql)
            run(
                con,
                "INSERT INTO schema_migrations VALUES ($v, $n, $c, $t)",
                {
                    "v": migration.version,
                    "n": migration.name,
                    "c": migration.checksum,
                    "t": datetime.now(UTC),
                },
            )
            run(con, "COMMIT")
        except Exception:
            run(con, "ROLLBACK")
            raise
        log.info("applied migration %04d_%s", migration.version, migration.name)
        done.append(migration.version)
    return done


def run(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object] | None = None
) -> list[tuple]:
    """Execute one statement with bound parameters and fetch every row.

    Always fetch to the end: DuckDB 2 refuses ``register``/``unregister`` on a connection with an
    unfinished result ("call complete() or abort()"), so the package never leaves one behind.
    """
    return con.execute(sql, params or {}).fetchall()


def run_quietly(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run a clean-up statement (DROP …) without masking the error that aborted a transaction."""
    try:
        run(con, sql)
    except duckdb.TransactionException:
        log.debug("skipped clean-up in an aborted transaction: %s", sql)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object] | None = None) -> Any:
    """The first column of the first row of a query (None when it returns no rows)."""
    rows = run(con, sql, params)
    return rows[0][0] if rows else None


def resolve_path(path: str | Path | None) -> str:
    """Warehouse location from the argument, ``OPSREVIEW_WAREHOUSE`` or the project default."""
    return Settings.from_env(warehouse=path).warehouse


def lock_wait_seconds() -> float:
    """The bounded wait for a busy warehouse: ``OPSREVIEW_LOCK_WAIT`` (seconds) or the default."""
    text = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_LOCK_WAIT_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 86_400:
        raise WarehouseError(f"{LOCK_WAIT_ENV} must be a number of seconds from 0 to 86399, got {text!r}")
    return value


def process_description(pid: int, fallback: str = "") -> str:
    """``process 4242 (opsreview ingest focus july.csv)``: a process in words, from ``/proc`` where it exists."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        args = [fallback] if fallback else []
    args = [a for a in args if a]
    if len(args) > 1 and Path(args[0]).name.startswith("python"):
        args = args[1:]  # "python …/opsreview ingest" → "opsreview ingest"
        if args[0] == "-m" and len(args) > 1:
            args = args[1:]
    if args:
        args[0] = Path(args[0]).name
    command = " ".join(args)
    command = command if len(command) <= 120 else command[:117] + "..."
    return f"process {pid} ({command})" if command else f"process {pid}"


def _on_terminal() -> bool:
    """Whether both output streams are a terminal (an interactive run, not cron or a pipe)."""
    return all(stream is not None and stream.isatty() for stream in (sys.stdout, sys.stderr))


def _lock_holder(exc: duckdb.Error) -> str | None:
    """Who holds the file, when ``exc`` is DuckDB's lock conflict; else None."""
    match = _LOCK_HELD.search(str(exc))
    return process_description(int(match["pid"]), match["exe"]) if match else None


def _open(location: str, *, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect``, retrying while another process holds the file, at most ``wait_s`` seconds."""
    deadline = time.monotonic() + wait_s
    waiting = False
    while True:
        try:
            return duckdb.connect(location, read_only=read_only)
        except duckdb.Error as exc:
            holder = _lock_holder(exc)
            if holder is None:
                first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise WarehouseError(f"cannot open warehouse {location}: {first_line}") from exc
            if time.monotonic() >= deadline:
                doing = "is writing" if read_only else "is using"
                raise WarehouseError(
                    f"warehouse {location} is busy: {holder} {doing} it and did not finish within "
                    f"{wait_s:g} s; try again when it has finished, or wait longer with --wait SECONDS"
                ) from None
            if not waiting:
                log.info("warehouse %s is held by %s; waiting up to %g s", location, holder, wait_s)
                waiting = True
            time.sleep(min(_RETRY_EVERY_S, max(deadline - time.monotonic(), 0.0)))


def connect(
    path: str | Path | None = None, *, read_only: bool = False, wait_s: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (the only place a DuckDB connection is made).

    ``path`` defaults to ``OPSREVIEW_WAREHOUSE`` or ``data/warehouse.duckdb``; ``":memory:"``
    gives a fresh in-memory warehouse. Read-write connections create the file and apply pending
    migrations; read-only connections require an existing, up-to-date warehouse. While another
    process holds the file, wait up to ``wait_s`` seconds (default :func:`lock_wait_seconds`).

    >>> con = connect(":memory:")
    >>> con.execute("SELECT count(*) FROM incidents").fetchone()
    (0,)
    """
    location = resolve_path(path)
    if location != IN_MEMORY:
        file = Path(location)
        if file.is_dir():
            raise WarehouseError(f"warehouse path {file} is a folder, expected a DuckDB file")
        if read_only and not file.exists():
            raise WarehouseError(
                f"no warehouse at {file}: build the demo with `opsreview demo` or load your "
                "exports with `opsreview ingest KIND PATH…` (or point --warehouse / "
                "OPSREVIEW_WAREHOUSE at an existing file)"
            )
        if not read_only:
            file.parent.mkdir(parents=True, exist_ok=True)
    con = _open(location, read_only=read_only and location != IN_MEMORY,
                wait_s=lock_wait_seconds() if wait_s is None else wait_s)
    try:
        run(con, "SET TimeZone = 'UTC'")
        # DuckDB's bar for long queries goes to stdout: on a terminal it is the progress of a long load,
        # anywhere else (cron, pipes, notebook kernels) it would be noise in the output
        # (inside a Jupyter kernel DuckDB refuses any change of the setting without ipywidgets: keep its default)
        with contextlib.suppress(duckdb.Error):
            con.execute(f"SET enable_progress_bar = {'true' if _on_terminal() else 'false'}")
        if read_only and location != IN_MEMORY:
            _require_current(con, location)
        else:
            migrate(con)
        install_semantic_layer(con)
    except BaseException:
        con.close()
        raise
    return con


def snapshot(path: str | Path, target: Path, *, wait_s: float | None = None) -> Path:
    """Copy the warehouse file to ``target`` under a read lock; return ``target``.

    The read lock (a read-only connection held during the copy) means no writer is between its
    first and last write, so the copy is one committed state; a WAL left by a killed writer is copied
    with it. Readers of the copy never block a load, and a load landing later never reaches them.
    """
    source = Path(resolve_path(path))
    con = connect(source, read_only=True, wait_s=wait_s)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        wal = source.with_name(source.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    finally:
        con.close()
    return target


def _require_current(con: duckdb.DuckDBPyConnection, location: str) -> None:
    """Fail unless a read-only warehouse has exactly the shipped migrations applied.

    Compares the *set* of versions, not the maximum: versions need not be contiguous, so a file
    migrated by a build that lacked one migration would otherwise pass with a table missing.
    """
    shipped = {m.version for m in migrations()}
    if schema_version(con) == 0:
        raise WarehouseError(f"{location} is a DuckDB file but not an opsreview warehouse")
    applied = {int(r[0]) for r in run(con, "SELECT version FROM schema_migrations ORDER BY version")}
    if missing := sorted(shipped - applied):
        raise WarehouseError(
            f"warehouse {location} lacks schema migration(s) {', '.join(map(str, missing))}: "
            "run `opsreview migrate` (or any load) once to bring it up to date"
        )
    if unknown := sorted(applied - shipped):
        raise WarehouseError(
            f"warehouse {location} has schema migration(s) {', '.join(map(str, unknown))} that this version of "
            "opsreview does not know: upgrade the package"
        )


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of a table in the main schema, in order."""
    rows = run(
        con,
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $t AND NOT internal "
        "ORDER BY column_index",
        {"t": table},
    )
    return [r[0] for r in rows]


def schema_markdown(con: duckdb.DuckDBPyConnection) -> str:
    """The canonical schema as a Markdown page, generated from the live tables' comments."""
    lines = [
        "# Warehouse schema",
        "",
        "Generated by `opsreview schema --markdown` from the `COMMENT ON` statements in",
        "`analytics/warehouse/migrations/*.sql`; a test fails when this page and the schema differ.",
        "Timestamps are `TIMESTAMPTZ` in UTC and every period is half-open `[start, end)`.",
        "",
    ]
    tables = run(
        con,
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main' "
        "AND table_name <> 'schema_migrations' ORDER BY table_name = 'ingest_ledger' DESC, "
        "table_name",
    )
    for table, comment in tables:
        lines += [f"## `{table}`", "", (comment or "").strip(), "", "| Column | Type | Null | Meaning |",
                  "|---|---|---|---|"]
        cols = run(
            con,
            "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND table_name = $t ORDER BY column_index",
            {"t": table},
        )
        for name, dtype, nullable, col_comment in cols:
            text = (col_comment or "").replace("|", "\\|")
            lines.append(f"| `{name}` | {dtype} | {'yes' if nullable else 'no'} | {text} |")
        lines.append("")
    return "\n".join(lines)
