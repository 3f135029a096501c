"""tools/compare_reports.py: a key renamed on purpose (--rename OLD=NEW) still has to carry the same value."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
TOOL = Path(__file__).resolve().parents[2] / "tools" / "compare_reports.py"
spec = importlib.util.spec_from_file_location("compare_reports", TOOL)
assert spec is not None and spec.loader is not None
compare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare)


def folder(root: Path, name: str, payload: object) -> Path:
    path = root / name
    path.mkdir()
    (path / "kpis.json").write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_a_renamed_key_compares_by_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = folder(tmp_path, "before", {"alerts": [{"impact_usd": 5.0, "kind": "new"}], "generated_at": "x"})
    same = folder(tmp_path, "same", {"alerts": [{"impact": 5.0, "kind": "new"}], "generated_at": "y"})
    moved = folder(tmp_path, "moved", {"alerts": [{"impact": 6.0, "kind": "new"}]})
    assert list(compare.report_differences(before, same)) == [
        "kpis.json.alerts[0].impact: only in after", "kpis.json.alerts[0].impact_usd: only in before"]
    assert list(compare.report_differences(before, same, {"impact_usd": "impact"})) == []
    assert list(compare.report_differences(before, moved, {"impact_usd": "impact"})) == [
        "kpis.json.alerts[0].impact: 5.0 before, 6.0 after"]
    assert compare.main([str(before), str(same), "--rename", "impact_usd=impact"]) == 0
    assert "keys renamed on purpose: impact_usd → impact" in capsys.readouterr().out
