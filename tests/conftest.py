"""Shared fixtures. An autouse fixture points every output at a temporary folder, so a test run
never touches data/ or reports/ of the checkout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import settings as hypothesis_settings

import analytics
from analytics.demo.build import build_demo
from analytics.settings import Settings

# Hypothesis' 200 ms per-example deadline measures the machine, not the code: on a loaded 2-core CI
# runner a DuckDB round trip can take longer and fail a test that checks values. No deadline; the
# examples and their checks are unchanged.
hypothesis_settings.register_profile("opsreview", deadline=None)
hypothesis_settings.load_profile("opsreview")

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


@dataclass(frozen=True)
class DemoBuild:
    """The demo warehouse built once per test session, its truth file and its raw exports."""

    warehouse: str
    demo_dir: Path
    truth: dict[str, Any]
    settings: Settings


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoBuild:
    """Build the demo company (seed 7, scale 1) into a session temp folder, exactly as `make report` does."""
    root = tmp_path_factory.mktemp("demo-session")
    settings = Settings(
        home=REPO,
        warehouse=str(root / "warehouse.duckdb"),
        reports_dir=root / "reports",
        notebooks_dir=REPO / "notebooks",
        demo_dir=root / "demo",
    )
    build_demo(settings=settings, seed=7, scale=1.0)
    truth = json.loads((settings.demo_dir / "truth.json").read_text("utf-8"))
    return DemoBuild(settings.warehouse, settings.demo_dir, truth, settings)


@pytest.fixture
def demo_con(demo: DemoBuild) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the session's demo warehouse."""
    connection = analytics.connect(demo.warehouse, read_only=True)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(scope="session")
def focus_parquet(demo: DemoBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's FOCUS export as parquet (``opsreview export focus``): the cost table the engine tests
    load into Spark and into the BigQuery and Athena fakes."""
    from analytics.sources.cost.focus_export import export_focus

    out = tmp_path_factory.mktemp("focus-export") / "focus.parquet"
    con = analytics.connect(demo.warehouse, read_only=True)
    try:
        export_focus(con, out)
    finally:
        con.close()
    return out
