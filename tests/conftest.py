"""Shared fixtures. An autouse fixture points every output at a temporary folder, so a test run
never touches data/ or reports/ of the checkout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import analytics

REPO = Path(__file__).resolve().parent.parent
TEST_DATA = REPO / "tests" / "data"
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()


@pytest.fixture(autouse=True)
def _isolated_paths(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Warehouse, reports and demo folders under a temp dir; notebooks from the checkout."""
    root = tmp_path_factory.mktemp("opsreview")
    monkeypatch.setenv("OPSREVIEW_HOME", str(REPO))
    monkeypatch.setenv("OPSREVIEW_WAREHOUSE", str(root / "warehouse.duckdb"))
    monkeypatch.setenv("OPSREVIEW_REPORTS_DIR", str(root / "reports"))
    monkeypatch.setenv("OPSREVIEW_DEMO_DIR", str(root / "demo"))
    monkeypatch.setenv("OPSREVIEW_NOTEBOOKS_DIR", str(REPO / "notebooks"))


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh, migrated in-memory warehouse."""
    connection = analytics.connect(":memory:")
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture
def test_data() -> Path:
    """tests/data (copies of the public samples with their licence notes)."""
    return TEST_DATA
