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
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

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
}
COST_PERIOD_KEY: tuple[str, ...] = ("ProviderName", "BillingAccountId", "BillingPeriodStart")
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
    return int(scalar(con, "SELECT coalesce(max(version), 0) FROM schema_migrations"))  # type: ignore[arg-type]


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
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None
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


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> object:
    """The first column of the first row of a query (None when it returns no rows)."""
    rows = run(con, sql, params)
    return rows[0][0] if rows else None


def resolve_path(path: str | Path | None) -> str:
    """Warehouse location from the argument, ``OPSREVIEW_WAREHOUSE`` or the project default."""
    return Settings.from_env(warehouse=path).warehouse


def connect(
    path: str | Path | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (the only place a DuckDB connection is made).

    ``path`` defaults to ``OPSREVIEW_WAREHOUSE`` or ``data/warehouse.duckdb``; ``":memory:"``
    gives a fresh in-memory warehouse. Read-write connections create the file and apply pending
    migrations; read-only connections require an existing, up-to-date warehouse.

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
    try:
        con = duckdb.connect(location, read_only=read_only and location != IN_MEMORY)
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WarehouseError(f"cannot open warehouse {location}: {first_line}") from exc
    try:
        run(con, "SET TimeZone = 'UTC'")
        if read_only and location != IN_MEMORY:
            _require_current(con, location)
        else:
            migrate(con)
        install_semantic_layer(con)
    except BaseException:
        con.close()
        raise
    return con


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
