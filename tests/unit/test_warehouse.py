from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import analytics
from analytics.errors import WarehouseError
from analytics.warehouse import (
    CANONICAL_TABLES,
    connect,
    migrate,
    migrations,
    run,
    schema_version,
    table_columns,
)

pytestmark = pytest.mark.unit


def test_memory_warehouse_has_every_canonical_table_and_utc_session(con: duckdb.DuckDBPyConnection) -> None:
    tables = {r[0] for r in run(con, "SELECT table_name FROM duckdb_tables()")}
    assert set(CANONICAL_TABLES) | {"ingest_ledger", "ingest_quarantine", "schema_migrations"} <= tables
    assert run(con, "SELECT current_setting('TimeZone')") == [("UTC",)]
    assert schema_version(con) == max(m.version for m in migrations())


def test_migrations_are_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    assert migrate(con) == []


def test_edited_migration_is_detected(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
    with pytest.raises(WarehouseError, match="edited after it was applied"):
        migrate(con)


def test_file_warehouse_defaults_to_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "sub" / "w.duckdb"
    monkeypatch.setenv("OPSREVIEW_WAREHOUSE", str(target))
    analytics.connect().close()
    assert target.is_file()
    ro = connect(read_only=True)
    try:
        with pytest.raises(duckdb.Error):
            run(ro, "INSERT INTO services (service, source_file_id) VALUES ('x', 1)")
    finally:
        ro.close()


def test_missing_warehouse_read_only_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match=r"no warehouse at .*opsreview demo"):
        connect(tmp_path / "absent.duckdb", read_only=True)
    assert not (tmp_path / "absent.duckdb").exists()


def test_a_file_that_is_not_duckdb_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_bytes(b"this is not a database" * 100)
    with pytest.raises(WarehouseError, match="cannot open warehouse"):
        connect(bogus)


def test_a_plain_duckdb_file_is_not_mistaken_for_a_warehouse(tmp_path: Path) -> None:
    plain = tmp_path / "plain.duckdb"
    raw = duckdb.connect(str(plain))
    raw.close()
    with pytest.raises(WarehouseError, match="not an opsreview warehouse"):
        connect(plain, read_only=True)


def test_newer_schema_is_refused_read_only(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = connect(path)
    run(con, "INSERT INTO schema_migrations VALUES (999, 'future', 'x', now())")
    con.close()
    with pytest.raises(WarehouseError, match="migration\\(s\\) 999 that this version"):
        connect(path, read_only=True)


def test_a_gap_in_applied_migrations_is_refused_read_only(tmp_path: Path) -> None:
    """Versions need not be contiguous, so the check compares sets: a middle one missing is caught."""
    path = tmp_path / "w.duckdb"
    con = connect(path)
    middle = sorted(int(r[0]) for r in run(con, "SELECT version FROM schema_migrations"))[1]
    run(con, "DELETE FROM schema_migrations WHERE version = $v", {"v": middle})
    con.close()
    with pytest.raises(WarehouseError, match=f"lacks schema migration\\(s\\) {middle}:"):
        connect(path, read_only=True)


def test_every_column_is_documented(con: duckdb.DuckDBPyConnection) -> None:
    undocumented = run(
        con,
        "SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND NOT internal AND table_name <> 'schema_migrations' AND (comment IS NULL OR comment = '') ORDER BY 1",
    )
    assert undocumented == []
    assert "source_file_id" in table_columns(con, "incidents")
