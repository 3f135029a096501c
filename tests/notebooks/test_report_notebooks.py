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
from analytics.reports import available_reports, run_reports
from tests.conftest import REPO, DemoBuild

pytestmark = pytest.mark.notebooks


def test_every_report_renders_on_the_demo(demo: DemoBuild, tmp_path: Path) -> None:
    names = available_reports(demo.settings)
    summary = run_reports(["all"], "latest", settings=demo.settings, out_dir=tmp_path / "out")
    assert summary.period == demo.truth["quarter"]
    # the quarterly review links to the other pages, so it runs after all of them
    assert [r.name for r in summary.results] == [n for n in names if n != "quarterly_review"] + ["quarterly_review"]
    failures = {r.name: r.error for r in summary.failed}
    assert not failures
    for name in names:
        html = (tmp_path / "out" / f"{name}.html").read_text()
        assert "import analytics" not in html and "params = " not in html, f"{name}: code leaked into HTML"
        executed = nbformat.read(tmp_path / "out" / f"{name}.ipynb", as_version=4)
        errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors
    assert (tmp_path / "out" / "index.html").is_file()
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
