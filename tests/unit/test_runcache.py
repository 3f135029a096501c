"""The report run's shared results (analytics/runcache.py): inside a run, on a read-only warehouse, a
named statement or a cached computation is run once and read back (from the process or from the run's
folder, by a later notebook); outside a run, on a writable connection or on other content, it is
always computed; callers get copies; an unreadable entry is computed again."""

from __future__ import annotations

import pickle
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import analytics
from analytics import runcache
from analytics.sources import ingest
from analytics.sql import query, records

pytestmark = pytest.mark.unit

STATEMENT = "services_by_tier"


def _warehouse(path: Path, services: list[tuple[str, str, str]]) -> Path:
    catalogue = path.with_suffix(".csv")
    catalogue.write_text("service,team,tier\n" + "".join(f"{s},{t},{tier}\n" for s, t, tier in services))
    con = analytics.connect(path)
    try:
        ingest(con, "services", [str(catalogue)])
    finally:
        con.close()
    return path


@pytest.fixture
def run_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "run-cache"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv(runcache.RUN_CACHE_ENV, str(folder))
    runcache._MEMORY.clear()
    return folder


def _services(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(query(con, STATEMENT)["service"])


def test_outside_a_run_every_call_runs_the_statement(con: duckdb.DuckDBPyConnection) -> None:
    assert runcache.run_cache_folder() is None
    assert _services(con) == []
    con.execute("INSERT INTO services (service, team, tier, source_file_id) VALUES ('a', 't', 'tier1', 0)")
    assert _services(con) == ["a"]


def test_in_a_run_a_writable_connection_is_never_shared(run_folder: Path, con: duckdb.DuckDBPyConnection) -> None:
    assert _services(con) == []
    con.execute("INSERT INTO services (service, team, tier, source_file_id) VALUES ('a', 't', 'tier1', 0)")
    assert _services(con) == ["a"] and list(run_folder.iterdir()) == []


def test_in_a_run_a_later_notebook_reads_the_rows_back(run_folder: Path, tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "w.duckdb", [("checkout", "payments", "tier1")])
    first = analytics.connect(path, read_only=True)
    try:
        assert _services(first) == ["checkout"]
    finally:
        first.close()
    (entry,) = [p for p in run_folder.iterdir() if p.name.startswith(f"sql-frame-{STATEMENT}-")]
    # a later notebook is another process: nothing in memory, the entry on disk (altered here to prove it is read)
    runcache._MEMORY.clear()
    entry.write_bytes(pickle.dumps(pd.DataFrame({"service": ["from the run folder"]})))
    later = analytics.connect(path, read_only=True)
    try:
        assert _services(later) == ["from the run folder"]
    finally:
        later.close()


def test_other_content_gets_its_own_results(run_folder: Path, tmp_path: Path) -> None:
    one = _warehouse(tmp_path / "one.duckdb", [("a", "t", "tier1")])
    two = _warehouse(tmp_path / "two.duckdb", [("b", "t", "tier1"), ("c", "t", "tier2")])
    for path, expected in ((one, ["a"]), (two, ["b", "c"]), (one, ["a"])):
        con = analytics.connect(path, read_only=True)
        try:
            assert _services(con) == expected
        finally:
            con.close()
    assert len([p for p in run_folder.iterdir() if p.name.startswith("sql-")]) == 2


def test_callers_get_copies_and_unreadable_entries_are_computed_again(run_folder: Path, tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "w.duckdb", [("checkout", "payments", "tier1")])
    con = analytics.connect(path, read_only=True)
    try:
        frame = query(con, STATEMENT)
        frame.loc[0, "service"] = "changed by the caller"
        rows = records(con, STATEMENT)
        rows[0]["service"] = "changed too"
        assert _services(con) == ["checkout"] and records(con, STATEMENT)[0]["service"] == "checkout"
        runcache._MEMORY.clear()
        for entry in run_folder.iterdir():
            entry.write_bytes(b"not a pickle")
        assert _services(con) == ["checkout"]
    finally:
        con.close()


def test_cached_computes_once_per_run_and_always_outside(run_folder: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = _warehouse(tmp_path / "w.duckdb", [("checkout", "payments", "tier1")])
    calls: list[int] = []
    con = analytics.connect(path, read_only=True)
    try:
        values = [runcache.cached(con, "answer", ("q", 1), lambda: calls.append(1) or [42]) for _ in range(3)]
        assert values == [[42]] * 3 and calls == [1]
        assert runcache.is_cached(con, "answer", ("q", 1)) and not runcache.is_cached(con, "answer", ("q", 2))
        monkeypatch.delenv(runcache.RUN_CACHE_ENV)
        runcache.cached(con, "answer", ("q", 1), lambda: calls.append(1) or [42])
        assert calls == [1, 1]
    finally:
        con.close()
