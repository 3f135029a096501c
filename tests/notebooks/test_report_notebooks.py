"""Every report notebook executed on the demo warehouse through the real runner, plus nbval on the
cells whose output is compared on purpose."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analytics.metrics.quarterly import EVIDENCE_PAGES
from analytics.reports import RunSummary, available_reports, run_reports
from tests.conftest import REPO, DemoBuild
from tools.compare_reports import report_differences

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def one_at_a_time(demo: DemoBuild, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunSummary, Path]:
    """``opsreview report all --period latest`` on the demo, one notebook at a time (the default)."""
    out = tmp_path_factory.mktemp("one-at-a-time") / "out"
    return run_reports(["all"], "latest", settings=demo.settings, out_dir=out), out


def test_every_report_renders_on_the_demo(demo: DemoBuild, one_at_a_time: tuple[RunSummary, Path]) -> None:
    names = available_reports(demo.settings)
    summary, out = one_at_a_time
    assert summary.period == demo.truth["quarter"]
    # the quarterly review links to the other pages, so it runs after all of them
    assert [r.name for r in summary.results] == [n for n in names if n != "quarterly_review"] + ["quarterly_review"]
    failures = {r.name: r.error for r in summary.failed}
    assert not failures
    for name in names:
        html = (out / f"{name}.html").read_text()
        assert "import analytics" not in html and "params = " not in html, f"{name}: code leaked into HTML"
        executed = nbformat.read(out / f"{name}.ipynb", as_version=4)
        errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors
    assert (out / "index.html").is_file()
    _evidence_links_resolve(out)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")], "the snapshot or the run cache was left"


def test_two_at_a_time_writes_the_same_reports(demo: DemoBuild, one_at_a_time: tuple[RunSummary, Path],
                                               tmp_path: Path) -> None:
    """``--jobs 2``: the same pages, numbers, tables, figures' data and artifacts as one at a time (the
    comparison of tools/compare_reports.py), results listed in the same order, the review still last."""
    first, out_one = one_at_a_time
    summary = run_reports(["all"], "latest", settings=demo.settings, out_dir=tmp_path / "out", jobs=2)
    assert summary.ok, summary.failed
    assert [r.name for r in summary.results] == [r.name for r in first.results]
    assert list(report_differences(out_one, tmp_path / "out")) == []
    _evidence_links_resolve(tmp_path / "out")


def _evidence_links_resolve(out: Path) -> None:
    """Every evidence link of the quarterly review points at a page of the same run and a section id in it."""
    review = (out / "quarterly_review.html").read_text()
    links = set(re.findall(r'href="([a-z_]+\.html)#([^"]+)"', review))
    assert {page for page, _ in links} == set(EVIDENCE_PAGES) and "(not in this run)" not in review
    for page, anchor in sorted(links):
        assert f'id="{html.unescape(anchor)}"' in (out / page).read_text(), f"{page}#{anchor}"


def test_incident_trends_states_the_planted_numbers(demo: DemoBuild, tmp_path: Path) -> None:
    summary = run_reports(["incident_trends"], demo.truth["quarter"], settings=demo.settings, out_dir=tmp_path)
    assert summary.ok
    html = (tmp_path / "incident_trends.html").read_text()
    truth = demo.truth["incidents"][demo.truth["quarter"]]
    assert f"{truth['incidents']} incidents were opened in {demo.truth['quarter']}" in html
    sev1 = demo.truth["planted"]["sev1_mttr_p50_minutes"]
    assert f"SEV1 incidents were resolved in a median {sev1:.0f} min" in html


def test_nbval_compares_the_checked_outputs(demo: DemoBuild) -> None:
    env = {**os.environ, "OPSREVIEW_WAREHOUSE": demo.warehouse}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", "-o", "addopts=",
         "-o", "filterwarnings=", "notebooks/incident_trends.ipynb"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
