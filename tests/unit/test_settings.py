from __future__ import annotations

from pathlib import Path

import pytest

from analytics.settings import IN_MEMORY, Settings

pytestmark = pytest.mark.unit


def test_environment_overrides_every_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPSREVIEW_HOME", str(tmp_path))
    monkeypatch.setenv("OPSREVIEW_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("OPSREVIEW_REPORTS_DIR", str(tmp_path / "out"))
    settings = Settings.from_env()
    assert settings.warehouse == str(tmp_path / "w.duckdb")
    assert settings.report_dir("2026Q3") == tmp_path / "out" / "2026Q3"


def test_argument_beats_environment_and_relative_paths_become_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env(warehouse="x/y.duckdb")
    assert settings.warehouse == str(tmp_path / "x" / "y.duckdb")
    assert Settings.from_env(warehouse=IN_MEMORY).warehouse_is_memory


def test_default_warehouse_lives_in_the_project_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OPSREVIEW_WAREHOUSE")
    monkeypatch.setenv("OPSREVIEW_HOME", str(tmp_path))
    assert Settings.from_env().warehouse == str(tmp_path / "data" / "warehouse.duckdb")


def test_home_is_found_from_a_subfolder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OPSREVIEW_HOME")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert Settings.from_env(cwd=deep).home == tmp_path
