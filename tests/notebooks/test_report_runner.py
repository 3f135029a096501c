"""The report runner on tiny throwaway notebooks: failures are collected, successes kept, runs
never overwrite each other, HTML carries no code."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analytics.errors import ParameterError, ReportError
from analytics.reports import run_reports
from analytics.settings import Settings
from analytics.warehouse import connect

pytestmark = pytest.mark.notebooks

PARAMS = (
    'period: str = "2026Q3"  # period\nwarehouse: str = ""  # warehouse\n'
    'output_dir: str = ""  # out\nlimit: int = 3  # rows'
)


def _notebook(path: Path, body: str) -> None:
    nb = new_notebook(cells=[
        new_markdown_cell("# Tiny report"),
        new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
        new_code_cell(body),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "good.ipynb",
              "secret_code_marker = 41 + 1\nprint(f'answer {secret_code_marker} for {period}, limit {limit}')")
    _notebook(folder / "bad.ipynb", "raise RuntimeError('planted failure')")
    warehouse = tmp_path / "w.duckdb"
    connect(warehouse).close()
    return Settings(home=tmp_path, warehouse=str(warehouse), reports_dir=tmp_path / "reports",
                    notebooks_dir=folder, demo_dir=tmp_path / "demo")


def test_failures_are_collected_and_successes_kept(settings: Settings) -> None:
    summary = run_reports(["all"], "2026Q3", settings=settings, parameters={"limit": 5})
    assert not summary.ok
    assert [(r.name, r.ok) for r in summary.results] == [("bad", False), ("good", True)]
    assert "planted failure" in (summary.failed[0].error or "")
    out = settings.report_dir("2026Q3")
    html = (out / "good.html").read_text()
    assert "answer 42 for 2026Q3, limit 5" in html
    assert "secret_code_marker = 41" not in html, "HTML must not contain code"
    assert not (out / "bad.html").exists() and (out / "bad.ipynb").exists()
    index = (out / "index.html").read_text()
    assert "failed" in index and "good.html" in index
    run = json.loads((out / "run.json").read_text())
    assert run["period"] == "2026Q3" and len(run["results"]) == 2


def test_a_second_run_archives_the_first(settings: Settings) -> None:
    first = run_reports(["good"], "2026Q3", settings=settings)
    second = run_reports(["good"], "2026Q3", settings=settings)
    assert first.ok and second.ok
    assert second.archived_previous_run is not None
    archived = Path(second.archived_previous_run)
    assert (archived / "good.html").exists() and (archived / "run.json").exists()


def test_unknown_parameters_fail_before_anything_runs(settings: Settings) -> None:
    with pytest.raises(ParameterError, match="has no parameter 'limt'"):
        run_reports(["good"], "2026Q3", settings=settings, parameters={"limt": 1})
    assert not settings.reports_dir.exists()


def test_a_locked_period_is_refused(settings: Settings) -> None:
    out = settings.report_dir("2026Q3")
    out.mkdir(parents=True)
    (out / ".lock").write_text("123")
    with pytest.raises(ReportError, match="another report run"):
        run_reports(["good"], "2026Q3", settings=settings)


def test_notebooks_must_declare_the_common_parameters(settings: Settings) -> None:
    nb = new_notebook(cells=[new_code_cell('period: str = "2026Q3"', metadata={"tags": ["parameters"]})],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, settings.notebooks_dir / "partial.ipynb")
    with pytest.raises(ParameterError, match="does not declare the common parameter"):
        run_reports(["partial"], "2026Q3", settings=settings)
