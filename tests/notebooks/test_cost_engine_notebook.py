"""The cost_overview report rendered end to end with its cost statements on Spark (pyspark local mode,
started inside the notebook kernel from ``--cost-engine``) equals the DuckDB one: every table, sentence
and figure's data (tools/compare_reports.py; run metadata masked), and run.json sums what the engine
returned."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from analytics.reports import run_reports
from tests.conftest import DemoBuild

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

TOOL = Path(__file__).resolve().parents[2] / "tools" / "compare_reports.py"
spec = importlib.util.spec_from_file_location("compare_reports", TOOL)
assert spec and spec.loader
compare_reports = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_reports)


def test_cost_overview_on_spark_equals_duckdb(demo: DemoBuild, focus_parquet: Path, tmp_path: Path) -> None:
    period = demo.truth["quarter"]
    duck = run_reports(["cost_overview"], period, settings=demo.settings, out_dir=tmp_path / "duckdb")
    engine = f"spark://local/focus_cost?parquet={focus_parquet}"
    spark = run_reports(["cost_overview"], period, settings=demo.settings, out_dir=tmp_path / "spark",
                        cost_engine=engine)
    assert duck.ok and spark.ok, (duck.results, spark.results)
    differences = list(compare_reports.report_differences(tmp_path / "duckdb", tmp_path / "spark"))
    # the engine's own statistics are the one file only the Spark run writes
    assert differences == ["cost_overview/cost_engine.json: only in after"]
    run = json.loads((tmp_path / "spark" / "run.json").read_text(encoding="utf-8"))
    totals = run["cost_engine"]
    per_notebook = run["results"][0]["cost_engine"]
    assert totals["engine"] == "spark local[2] table focus_cost"
    assert totals["statements"] == per_notebook["statements"] == len(per_notebook["per_statement"]) > 20
    assert totals["rows_returned"] == sum(s["rows"] for s in per_notebook["per_statement"]) > 0
    assert json.loads((tmp_path / "duckdb" / "run.json").read_text(encoding="utf-8"))["cost_engine"] is None
