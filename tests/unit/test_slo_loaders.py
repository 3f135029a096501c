"""OpenSLO and SLI loaders: every row of the sample written out, the OpenSLO rules (ratio SLIs,
one window, one objective, target or targetPercent), re-deliveries, and errors naming file, row
(document or data row) and column (YAML path or header)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, ingest, sniff_kind
from analytics.warehouse import run
from tests.unit.test_delivery_loaders import state

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data" / "delivery" / "slo"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def documents() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((DATA / "slos.yaml").read_text()))


def write_docs(path: Path, docs: list[Any]) -> Path:
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return path


def test_openslo_documents_become_slos(con: duckdb.DuckDBPyConnection) -> None:
    result = ingest(con, "openslo", [str(DATA / "slos.yaml")])[0]
    assert (result.rows_read, result.rows_loaded) == (6, 3)
    assert run(con, "SELECT * EXCLUDE (source_file_id) FROM slos ORDER BY slo") == [
        ("checkout-availability", "checkout", "Checkout availability", "Successful checkout requests", 0.999,
         "Occurrences", "1Q", False, "critical", None, None),
        ("gateway-good-hours", "api-gateway", "Gateway hours above 99 percent", None, 0.9, "Timeslices", "1M", False,
         None, 0.99, "1h"),
        ("search-availability", "search", None, None, 0.995, "Occurrences", "28d", True, None, None, None),
    ]
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    assert details["documents_by_kind"] == {"AlertPolicy": 1, "SLI": 1, "SLO": 3, "Service": 1}
    assert ingest(con, "openslo", [str(DATA / "slos.yaml")])[0].status == "unchanged"


def test_a_changed_slo_replaces_the_old_one(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    ingest(con, "openslo", [str(DATA / "slos.yaml")])
    docs = documents()
    docs[2]["spec"]["objectives"][0]["target"] = 0.995
    result = ingest(con, "openslo", [str(write_docs(tmp_path / "v2.yaml", docs))])[0]
    assert result.rows_updated == 3
    assert run(con, "SELECT slo, target FROM slos ORDER BY slo") == [
        ("checkout-availability", 0.995), ("gateway-good-hours", 0.9), ("search-availability", 0.995)]


def _edit(index: int, path: list[Any], value: Any) -> Any:
    def apply(docs: list[Any]) -> list[Any]:
        target = docs[index]
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return docs
    return apply


@pytest.mark.parametrize(
    ("change", "row", "column", "message"),
    [
        (_edit(2, ["spec", "objectives"], [{"target": 0.99}, {"target": 0.999}]), 3, "spec.objectives",
         "exactly one objective"),
        (_edit(2, ["spec", "objectives", 0, "target"], 1.0), 3, "spec.objectives[0].target", "strictly between"),
        (_edit(3, ["spec", "objectives", 0, "targetPercent"], "99.5"), 4, "spec.objectives[0].targetPercent",
         "expected a number"),
        (_edit(2, ["spec", "indicatorRef"], "nowhere"), 3, "spec.indicatorRef", "no SLI document named"),
        (_edit(1, ["spec"], {"thresholdMetric": {"metricSource": {}}}), 3, "SLI checkout-success-ratio.spec."
         "thresholdMetric", "threshold SLIs are not supported"),
        (_edit(2, ["spec", "timeWindow", 0, "duration"], "a quarter"), 3, "spec.timeWindow[0].duration",
         "not an OpenSLO duration"),
        (_edit(2, ["spec", "budgetingMethod"], "Vibes"), 3, "spec.budgetingMethod", "is not one of"),
        (_edit(4, ["spec", "objectives", 0, "timeSliceTarget"], KeyError), 5, "spec.objectives[0].timeSliceTarget",
         "Timeslices objectives need timeSliceTarget"),
        (_edit(2, ["spec", "description"], "x" * 1051), 3, "spec.description", "1,050"),
        (_edit(2, ["apiVersion"], "openslo/v1alpha"), 3, "apiVersion", "v1alpha"),
        (_edit(2, ["kind"], "Dashboard"), 3, "kind", "unknown OpenSLO kind"),
        (_edit(3, ["metadata", "name"], "checkout-availability"), 4, "metadata.name", "a second SLO"),
        (_edit(2, ["metadata"], ["checkout"]), 3, "metadata", "expected a mapping"),
    ],
)
def test_openslo_errors_name_the_document_and_the_yaml_path(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                            change: Any, row: int, column: str, message: str) -> None:
    path = write_docs(tmp_path / "slos.yaml", change(documents()))
    before = state(con)
    with pytest.raises(ExportFormatError) as caught:
        ingest(con, "openslo", [str(path)])
    assert (caught.value.row, caught.value.column) == (row, column)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert state(con) == before


def test_broken_yaml_and_empty_deliveries(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match=r"not valid YAML: .*line 4"):
        ingest(con, "openslo", [str(path)])
    path.write_text("apiVersion: openslo/v1\nkind: Service\nmetadata: {name: x}\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match="no OpenSLO documents of kind SLO"):
        ingest(con, "openslo", [str(path)])
    with pytest.raises(UsageError, match="unknown --option"):
        ingest(con, "openslo", [str(DATA / "slos.yaml")], LoadOptions(extra={"x": "y"}))


def test_a_folder_of_yaml_files_resolves_references_across_files(con: duckdb.DuckDBPyConnection,
                                                                 tmp_path: Path) -> None:
    docs = documents()
    folder = tmp_path / "openslo"
    folder.mkdir()
    write_docs(folder / "indicators.yml", docs[:2])
    write_docs(folder / "objectives.yaml", docs[2:])
    assert ingest(con, "openslo", [str(folder)])[0].rows_loaded == 3


# -- SLI counts --------------------------------------------------------------------------------
def test_sli_counts_load_and_a_redelivery_replaces_the_span(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    result = ingest(con, "sli", [str(DATA / "sli.csv")])[0]
    assert (result.rows_read, result.rows_loaded) == (6, 6)
    assert run(con, "SELECT slo, sum(good), sum(total) FROM sli GROUP BY 1 ORDER BY 1") == [
        ("checkout-availability", 11070, 11100), ("gateway-good-hours", 1905, 2010)]
    # checkout re-delivered at a coarser grain (one 3-hour interval): it replaces the three hourly rows
    path = tmp_path / "fix.csv"
    path.write_text("service,slo,interval_start,interval_end,good,total\n"
                    "checkout,checkout-availability,2026-07-01T00:00:00Z,2026-07-01T03:00:00Z,11000,11100\n",
                    encoding="utf-8")
    again = ingest(con, "sli", [str(path)])[0]
    assert again.rows_updated == 3
    assert run(con, "SELECT slo, count(*), sum(good) FROM sli GROUP BY 1 ORDER BY 1") == [
        ("checkout-availability", 1, 11000), ("gateway-good-hours", 3, 1905)]
    details = json.loads(run(con, "SELECT details FROM ingest_ledger ORDER BY file_id DESC LIMIT 1")[0][0])
    assert details["sli_for_slos_not_loaded"] == ["checkout-availability"]


def test_sli_bad_counts_parquet_and_the_service_from_the_slo(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    ingest(con, "openslo", [str(DATA / "slos.yaml")])
    frame = pd.DataFrame({
        "slo": ["search-availability"] * 2,
        "start": pd.to_datetime(["2026-07-01T00:00:00Z", "2026-07-01T01:00:00Z"], utc=True),
        "end": pd.to_datetime(["2026-07-01T01:00:00Z", "2026-07-01T02:00:00Z"], utc=True),
        "errors": [5, 0], "requests": [1000, 10],
    })
    path = tmp_path / "search.parquet"
    frame.to_parquet(path, index=False)
    assert sniff_kind(path).name == "sli"
    ingest(con, "sli", [str(path)])
    assert run(con, "SELECT service, interval_start, good, total FROM sli ORDER BY interval_start") == [
        ("search", at("2026-07-01T00:00:00"), 995, 1000), ("search", at("2026-07-01T01:00:00"), 10, 10)]


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("checkout,checkout-availability,2026-07-01T05:00:00Z,2026-07-01T06:00:00Z,11,10", "good",
         "good is larger than total"),
        ("checkout,checkout-availability,2026-07-01T05:00:00Z,2026-07-01T05:00:00Z,1,10", "interval_end", "not after"),
        ("checkout,checkout-availability,2026-07-01T00:30:00Z,2026-07-01T01:30:00Z,1,10", "interval_start",
         "overlaps"),
        ("checkout,checkout-availability,2026-07-01T05:00:00Z,2026-07-01T06:00:00Z,1.5,10", "good", "whole number"),
        ("checkout,checkout-availability,2026-07-01T05:00:00Z,2026-07-01T06:00:00Z,-1,10", "good", "non-negative"),
        ("checkout,checkout-availability,2026-07-01 05:00,2026-07-01T06:00:00Z,1,10", "interval_start",
         "no UTC offset"),
        (",mystery-slo,2026-07-01T05:00:00Z,2026-07-01T06:00:00Z,1,10", "service", "no service for SLO"),
    ],
)
def test_sli_errors_name_row_and_column(con: duckdb.DuckDBPyConnection, tmp_path: Path, line: str, column: str,
                                        message: str) -> None:
    lines = (DATA / "sli.csv").read_text().splitlines()
    path = tmp_path / "sli.csv"
    path.write_text("\n".join([*lines[:3], line]) + "\n", encoding="utf-8")
    before = state(con)
    with pytest.raises(ExportFormatError) as caught:
        ingest(con, "sli", [str(path)])
    assert (caught.value.row, caught.value.column) == (3, column)
    assert message in str(caught.value)
    assert state(con) == before


def test_sli_needs_good_or_bad(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "sli.csv"
    path.write_text("slo,interval_start,interval_end,total\nx,2026-07-01T00:00:00Z,2026-07-01T01:00:00Z,5\n",
                    encoding="utf-8")
    with pytest.raises(ExportFormatError, match=r"good \(or bad\) event count column is required"):
        ingest(con, "sli", [str(path)])


def test_auto_detection() -> None:
    assert sniff_kind(DATA / "slos.yaml").name == "openslo"
    assert sniff_kind(DATA / "sli.csv").name == "sli"
