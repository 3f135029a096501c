"""Regression tests for what the loader fuzz suite (tests/integration/test_fuzz_loaders.py) found.

* gcp-billing stored ``nan`` / ``inf`` quantities: ``usage.amount`` and
  ``usage.amount_in_pricing_units`` reached the DOUBLE columns through an unchecked
  ``TRY_CAST``, so ``NaN``, ``Infinity`` (JSON lines) and ``1e999`` (CSV) were accepted;
* opsgenie took the service from a ``service:<name>`` tag without the text checks (a NUL was stored);
* the canonical loaders (``services``, ``canonical``) accepted NUL characters in text and NaN / Inf
  in DOUBLE columns;
* a JSON-lines file DuckDB cannot parse gave DuckDB's message (``Invalid Input Error: Malformed
  JSON in file "…", at byte 387 in line 6``: the path twice, and a line number one too high); a
  CSV with CRLF rows and trailing LF blank lines gave ``The CSV Parser state machine reached an
  invalid state``.

Inputs: the seeds of :mod:`tests.loader_seeds` (real samples and seeded generators).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from analytics.errors import ExportFormatError
from analytics.sources import LoadOptions, ingest
from analytics.sources._tabular import first_bad_json_line
from tests.fuzz_loaders import digest
from tests.loader_seeds import COST, RECORDS
from tests.unit import cost_inputs as ci
from tests.unit.test_incident_generators import opsgenie_alerts
from tests.unit.test_plausible_values import _csv_with

pytestmark = pytest.mark.unit


def _refused(con: duckdb.DuckDBPyConnection, kind: str, path: Path, options: LoadOptions | None = None
             ) -> ExportFormatError:
    before = digest(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, kind, [str(path)], options)
    message = str(info.value)
    assert "\n" not in message and path.name in message, message
    assert not any(raw in message for raw in ("Invalid Input Error", "Malformed JSON in file", "state machine"))
    assert digest(con) == before
    return info.value


def _gcp_lines(change: str) -> bytes:
    """The seeded GCP JSON-lines export with record 2's usage changed (``change`` is raw JSON text)."""
    lines = ci.gcp_jsonl(ci.gcp_records(3)).decode().splitlines(True)
    record = json.loads(lines[1])
    assert set(record["usage"]) >= {"amount", "amount_in_pricing_units"}
    lines[1] = lines[1].replace(f'"amount": {json.dumps(record["usage"]["amount"])}', f'"amount": {change}', 1)
    return "".join(lines).encode()


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_gcp_json_lines_non_finite_usage_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                    value: str) -> None:
    path = tmp_path / "billing.jsonl"
    path.write_bytes(_gcp_lines(value))
    error = _refused(con, "gcp-billing", path)
    assert (error.row, error.column) == (2, "usage.amount") and "finite" in error.message, str(error)


@pytest.mark.parametrize("column", ["usage.amount", "usage.amount_in_pricing_units"])
@pytest.mark.parametrize("value", ["1e999", "nan", "-inf"])
def test_gcp_csv_non_finite_usage_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path, column: str,
                                             value: str) -> None:
    sample = (COST / "gcp" / "billing_export_sample.csv").read_bytes()
    path = tmp_path / "billing.csv"
    path.write_bytes(_csv_with(sample, column, 3, value))
    error = _refused(con, "gcp-billing", path)
    assert (error.row, error.column) == (3, column), str(error)


def test_gcp_finite_usage_still_loads(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "billing.jsonl"
    path.write_bytes(_gcp_lines("1.5e3"))
    assert ingest(con, "gcp-billing", [str(path)])[0].rows_loaded == 8
    assert con.execute("SELECT count(*) FROM cost WHERE ConsumedQuantity = 1500").fetchone() == (1,)


def test_a_nul_in_a_service_name_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "services.csv"
    path.write_bytes(b"service,team,tier,owner\nsearch,discovery,tier2,nina\nche\x00ckout,payments,tier1,ana\n")
    error = _refused(con, "services", path)
    assert (error.row, error.column) == (2, "service") and "NUL" in error.message, str(error)


@pytest.mark.parametrize("value", ["NaN", "inf", "-Infinity", "1e999"])
def test_canonical_non_finite_numbers_are_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                  value: str) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text(f"date,metric,value\n2026-07-01,orders,12\n2026-07-02,orders,{value}\n")
    error = _refused(con, "canonical", path, LoadOptions(table="business_metrics"))
    assert (error.row, error.column) == (2, "value") and "finite" in error.message, str(error)


@pytest.mark.parametrize(("content", "line"), [
    (b'{"a": 1}\n{"a": 2}\n{"a": \xff}\n', 3),  # invalid UTF-8 on line 3 (DuckDB says line 4)
    (b'{"a": 1}\n{"a": 2', 2),  # truncated
    (b'{"a": 1}\n\n{"a": x}\n{"a": 3}\n', 3),  # a blank line, then a broken one
    (b'[{"a": 1},\n{"a": x}]', 2),  # one JSON document
])
def test_first_bad_json_line(tmp_path: Path, content: bytes, line: int) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    assert first_bad_json_line(path) == line


def test_a_broken_json_lines_export_names_its_line(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = ci.gcp_jsonl(ci.gcp_records(3)).splitlines(True)
    path = tmp_path / "billing.jsonl"
    path.write_bytes(b"".join(lines[:4]) + lines[4][:40])  # cut in the middle of record 5
    error = _refused(con, "gcp-billing", path)
    # the JSON-lines re-read names the record's row and the first column it cannot read
    expected = (5, "not valid JSON: Unterminated string starting at (character 24)")
    assert (error.row, error.message.split(";")[0]) == expected, str(error)
    path.write_bytes(b"".join(lines[:5]) + lines[5][:30] + b"\xc3\x28" + lines[5][30:])
    error = _refused(con, "gcp-billing", path)
    assert (error.row, error.message.split(" (")[0]) == (6, "not UTF-8 text"), str(error)


def test_a_csv_with_crlf_rows_and_trailing_blank_lines_loads_as_its_rows(con: duckdb.DuckDBPyConnection,
                                                                         tmp_path: Path) -> None:
    """Mixed line endings (CRLF rows, then LF blank lines) were DuckDB's raw 'state machine' error; since
    the variants work the file is read with its row count and bytes cross-checked by Python's csv, so
    the blank lines add nothing: the same rows and totals as the sample itself."""
    import csv
    from decimal import Decimal

    sample = (COST / "azure" / "ea_sample.csv").read_bytes()
    assert sample.endswith(b"\r\n")
    path = tmp_path / "ea.csv"
    path.write_bytes(sample + b"\n\n")
    rows = list(csv.DictReader(sample.decode("utf-8-sig").splitlines()))
    (result,) = ingest(con, "azure", [str(path)])
    assert result.status == "loaded" and result.rows_loaded == len(rows)
    cost_column = next(c for c in rows[0] if c.casefold() in {"costinbillingcurrency", "cost"})
    expected = sum(Decimal(r[cost_column]) for r in rows).quantize(Decimal("1e-10"))  # DECIMAL(38,10)
    assert result.billed_total == expected


def test_a_nul_in_an_opsgenie_service_tag_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """The service comes from a ``service:<name>`` tag, which bypassed the text checks."""
    alerts = opsgenie_alerts(RECORDS)
    tags = alerts["data"][1]["tags"]
    at = next(i for i, tag in enumerate(tags) if tag.startswith("service:"))
    tags[at] = "service:\x00identity"
    path = tmp_path / "alerts.json"
    path.write_text(json.dumps(alerts))
    error = _refused(con, "opsgenie", path)
    assert (error.row, error.column) == (2, "tags") and "NUL" in error.message, str(error)


def test_a_json_integer_too_large_for_a_float_is_a_row_error() -> None:
    """Fuzz seed 20261207 #1076 (huge-field of an Opsgenie export): ``float(10**400)`` raised OverflowError
    out of the loader instead of the row error naming the field."""
    from analytics.sources.incidents._common import RowError, as_float

    with pytest.raises(RowError, match="expected a number"):
        as_float(10**400, "report.closeTime")
    assert as_float(10**20, "report.closeTime") == 1e20
