"""The three cost notebooks run on the demo through the real report runner; their artifacts and
narrative state the truth file's numbers (the notebooks tier runs them again alongside the others)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics.reports import run_reports
from tests.conftest import DemoBuild

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAMES = ["cost_overview", "unit_cost", "cost_investigation"]


@pytest.fixture(scope="module")
def rendered(demo: DemoBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cost-reports")
    summary = run_reports(NAMES, demo.truth["quarter"], settings=demo.settings, out_dir=out)
    assert {r.name: r.error for r in summary.failed} == {}
    return out


def _artifact(rendered: Path, name: str, file: str) -> dict:
    return json.loads((rendered / name / file).read_text("utf-8"))


def test_cost_overview_artifact_states_the_truth(demo: DemoBuild, rendered: Path) -> None:
    truth = demo.truth["cost"][demo.truth["quarter"]]
    before = demo.truth["cost"][demo.truth["previous_quarter"]]
    cost = _artifact(rendered, "cost_overview", "cost.json")
    assert cost["period"] == demo.truth["quarter"]
    assert cost["effective_cost"] == pytest.approx(truth["effective_cost"], abs=0.006)
    assert cost["previous_effective_cost"] == pytest.approx(before["effective_cost"], abs=0.006)
    assert cost["kpis"]["budget_variance"] == pytest.approx(truth["budget_variance"], abs=1e-8)
    assert cost["kpis"]["tag_coverage"] == pytest.approx(truth["tag_coverage_team"], abs=1e-12)
    assert cost["kpis"]["commitment_utilisation"] == pytest.approx(truth["commitment_utilisation"], abs=1e-12)
    assert cost["corrections"]["billed_cost"] == truth["corrections"]
    lines = {r["value"]: r["effective_cost"] for r in cost["effective_cost_by_provider"]}
    assert lines.pop("(corrections)") == truth["corrections"]
    aws = truth["effective_cost_by_provider"]["AWS"] - truth["corrections"]  # the correction is an AWS row
    assert lines == pytest.approx({**truth["effective_cost_by_provider"], "AWS": aws}, abs=0.006)
    assert cost["showback"]["total"] == pytest.approx(truth["effective_cost"], abs=0.006)
    html = (rendered / "cost_overview.html").read_text("utf-8")
    assert f"+{truth['budget_variance'] * 100:.1f}%" in html and "at risk" in html
    assert f"{truth['tag_coverage_team'] * 100:.1f}% of taggable usage" in html
    assert "import analytics" not in html


def test_unit_cost_artifact_states_the_truth(demo: DemoBuild, rendered: Path) -> None:
    truth = demo.truth["cost"][demo.truth["quarter"]]["unit_cost_per_1k_requests"]
    unit = _artifact(rendered, "unit_cost", "unit_cost.json")
    got = {r["dimension"]: r["unit_cost"] for r in unit["unit_cost_by_dimension"]}
    assert got == pytest.approx(truth, rel=1e-12)
    assert unit["cost_per_tenant"]["unit_cost"] > 0 and len(unit["elasticity"]) == len(truth)


def test_cost_investigation_artifact_explains_the_change(demo: DemoBuild, rendered: Path) -> None:
    now = demo.truth["cost"][demo.truth["quarter"]]["effective_cost"]
    before = demo.truth["cost"][demo.truth["previous_quarter"]]["effective_cost"]
    inv = _artifact(rendered, "cost_investigation", "cost_investigation.json")
    assert inv["window"] == {"start": "2026-07-01", "end": "2026-10-01"}
    assert inv["effective_cost"] == pytest.approx(now, abs=0.006)
    assert sum(r["change"] for r in inv["top_movers"]) == pytest.approx(now - before, abs=0.01)
    assert inv["top_movers"][0]["value"] == "Amazon Elastic Compute Cloud"
