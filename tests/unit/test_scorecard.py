from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics.errors import ParameterError
from analytics.scorecard import (
    Kpi,
    TargetBook,
    TargetRule,
    format_delta,
    format_value,
    load_targets,
    ranked,
    scorecard_html,
    sparkline_svg,
    top_risks,
    top_wins,
    write_kpis_json,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("better", "target", "at_risk", "value", "expected"),
    [
        ("lower", 60, 90, 60, "on track"), ("lower", 60, 90, 60.1, "at risk"), ("lower", 60, 90, 90, "at risk"),
        ("lower", 60, 90, 91, "off track"), ("higher", 0.7, 0.6, 0.7, "on track"),
        ("higher", 0.7, 0.6, 0.65, "at risk"), ("higher", 0.7, 0.6, 0.59, "off track"),
        ("band", 0.05, 0.10, -0.05, "on track"), ("band", 0.05, 0.10, 0.064, "at risk"),
        ("band", 0.05, 0.10, 0.11, "off track"), ("lower", 60, 90, None, "no data"),
    ],
)
def test_status_rules(better: str, target: float, at_risk: float, value: float | None, expected: str) -> None:
    assert TargetRule("k", better, target, at_risk).status(value) == expected  # type: ignore[arg-type]


def test_shipped_targets_match_the_issue_defaults() -> None:
    rules = load_targets()
    assert rules["time_to_restore_critical_minutes"].target == 60
    assert rules["change_failure_rate"].target == 0.15
    assert rules["slo_compliance"].target == 0.999
    assert rules["repeat_incident_rate"].target == 0.10
    assert rules["actionable_alert_share"].target == 0.70
    assert rules["pipeline_success_rate"].target == 0.95
    assert (rules["budget_variance"].target, rules["budget_variance"].at_risk) == (0.05, 0.10)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kpis: {x: {better: lower, target: 2, at_risk: 1}}", "wrong side of target"),
        ("kpis: {x: {better: sideways, target: 2, at_risk: 1}}", "better: lower, higher or band"),
        ("kpis: {x: {better: lower, target: two, at_risk: 3}}", "numeric target"),
        ("kpis: {x: {better: lower, target: 1, at_risk: 3, colour: red}}", "unknown field"),
        ("nope: 1", "top-level 'kpis:'"),
        ("kpis: [", "not valid YAML"),
    ],
)
def test_bad_target_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(ParameterError, match=message):
        load_targets(path)


def _kpi(key: str, value: float | None, previous: float | None, rule: TargetRule | None, unit: str = "ratio") -> Kpi:
    return Kpi(key, key.upper(), "Area", "2026Q3", value, unit, n=10, previous=previous,
               history=(("2026Q2", previous), ("2026Q3", value)), target=rule, missing="load X")


def test_ranking_risks_and_wins() -> None:
    cfr = TargetRule("cfr", "lower", 0.15, 0.20)
    kpis = [
        _kpi("a", 0.30, 0.25, cfr),  # off track, far
        _kpi("b", 0.21, 0.22, cfr),  # off track, near
        _kpi("c", 0.17, 0.16, cfr),  # at risk
        _kpi("d", 0.05, 0.10, cfr),  # on track, improved 50%
        _kpi("e", 0.10, 0.11, cfr),  # on track, improved 9%
        _kpi("f", None, 0.10, cfr),  # no data
    ]
    assert [k.key for k in ranked(kpis)] == ["a", "b", "c", "f", "d", "e"]
    assert [k.key for k in top_risks(kpis)] == ["a", "b", "c"]
    assert [k.key for k in top_wins(kpis)] == ["d", "e"]


def test_records_html_and_json(tmp_path: Path) -> None:
    kpi = _kpi("cfr", 0.12, 0.10, TargetRule("cfr", "lower", 0.15, 0.20))
    missing = _kpi("pipeline", None, None, TargetRule("p", "higher", 0.95, 0.9))
    assert format_delta(kpi) == "+2.0 pp"
    record = kpi.as_record()
    assert record["status"] == "on track" and record["target"]["text"] == "≤ 15.0%"
    assert missing.as_record()["missing"] == "load X" and missing.status == "no data"
    page = scorecard_html([kpi, missing])
    assert "no data" in page and "load X" in page and "<svg" in page
    out = write_kpis_json([kpi, missing], tmp_path / "kpis.json", period="2026Q3")
    payload = json.loads(out.read_text())
    assert payload["period"] == "2026Q3" and [k["key"] for k in payload["kpis"]] == ["cfr", "pipeline"]


def test_sparkline_breaks_at_gaps() -> None:
    svg = sparkline_svg([1.0, 2.0, None, 4.0, 5.0])
    assert svg.count("<polyline") == 2


def test_a_value_without_a_target_is_shown_unjudged() -> None:
    kpi = Kpi("cost", "Cost", "Cost", "2026Q3", 1.5e6, "EUR", previous=1.2e6)
    assert kpi.status == "no target" and kpi.improved is None
    assert [k.key for k in ranked([kpi, _kpi("d", 0.05, 0.10, TargetRule("c", "lower", 0.15, 0.2))])] == ["cost", "d"]
    assert format_delta(kpi) == "+€300.0k" and "no target" in scorecard_html([kpi])


def test_target_book_reads_the_file_once_and_applies_tier_overrides(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("kpis: {slo_compliance: {better: higher, target: 0.99, at_risk: 0.98, "
                    "tiers: {tier1: {target: 0.9995, at_risk: 0.999}}}}")
    book = TargetBook(path)
    assert book.rule("slo_compliance").target == 0.99 and book.rule("slo_compliance", tier="tier1").target == 0.9995
    assert book.rule("change_failure_rate") is None and book.source == str(path)
    with pytest.raises(ParameterError, match="cannot read targets file"):
        TargetBook(tmp_path / "missing.yaml")


def test_kpis_json_carries_metadata_and_never_nan(tmp_path: Path) -> None:
    kpi = Kpi("x", "X", "A", "2026Q3", 0.5, "ratio", details={"ratio": float("nan")}, ci_low=0.4, ci_high=0.6)
    out = write_kpis_json([kpi], tmp_path / "kpis.json", period="2026Q3", metadata={"previous_period": "2026Q2"})
    payload = json.loads(out.read_text())
    assert payload["previous_period"] == "2026Q2" and payload["kpis"][0]["details"] == {"ratio": None}
    assert payload["kpis"][0]["ci"] == {"low": 0.4, "high": 0.6, "level": 0.95}


@pytest.mark.parametrize(
    ("value", "unit", "signed", "expected"),
    [(0.0643, "ratio", True, "+6.4%"), (-0.0643, "ratio", True, "-6.4%"), (-1234.5, "USD", False, "-$1.2k"),
     (2.49, "GBP", False, "£2.49"), (1.5e6, "CHF", False, "CHF 1.50M"), (0.99893, "ratio", False, "99.89%")],
)
def test_format_value_units(value: float, unit: str, signed: bool, expected: str) -> None:
    assert format_value(value, unit, signed=signed) == expected
