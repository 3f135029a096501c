"""Issue 15 points 5, 6 and 8: only plausible values are accepted, and every refusal is one line.

* timestamps outside 2000-01-01 … today + 2 years, or with a UTC offset beyond ±14:00, are refused
  by every loader naming file, row and column (year 0 once crashed two cost loaders);
* NUL characters in text fields and duplicated JSON keys are refused;
* ServiceNow event-log rows with bad values are refused even when a later row of the same incident
  would have won;
* non-UTF-8 CSVs, a lowercased FOCUS header and an unreadable BigQuery credentials file give one
  line (exit 2), never a traceback.

Inputs are the real samples of tests/data and the seeded generators (:mod:`tests.loader_seeds`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import analytics
from analytics.cli import main
from analytics.errors import AnalyticsError, ExportFormatError
from analytics.sources import LoadOptions, ingest
from analytics.sources._files import RowError
from analytics.sources._values import EARLIEST, latest_instant, plausible_instant
from analytics.warehouse import run
from tests.loader_seeds import MAPPING, Seed, seeds, with_offset, with_year
from tests.unit import cost_inputs as ci

pytestmark = pytest.mark.unit

ALL = seeds(Path("mapping.yaml"))  # the mapped-csv seed gets its real mapping path in _write


@pytest.fixture(scope="module")
def shared() -> Iterator[duckdb.DuckDBPyConnection]:
    """One in-memory warehouse for the refusal cases: each must leave it exactly as it was."""
    connection = analytics.connect(":memory:")
    try:
        yield connection
    finally:
        connection.close()


def _digest(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every main-schema table's rows, as text, sorted: a content digest of the warehouse."""
    tables = [r[0] for r in run(con, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                     "AND NOT temporary ORDER BY table_name")]
    return [(t, run(con, f'SELECT md5(coalesce(string_agg(CAST(x AS VARCHAR), chr(10) ORDER BY CAST(x AS VARCHAR)),'
                         f" '')) FROM \"{t}\" AS x")[0][0]) for t in tables]


def _write(tmp_path: Path, seed: Seed, content: bytes) -> tuple[Path, LoadOptions]:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    path = tmp_path / seed.name
    path.write_bytes(content)
    options = seed.options
    if seed.kind == "mapped-csv":
        options = LoadOptions(timezone="UTC", mapping=mapping)
    return path, options


def _refused(con: duckdb.DuckDBPyConnection, tmp_path: Path, seed: Seed, content: bytes) -> ExportFormatError:
    """Load ``content`` as ``seed``; it must be refused with a one-line error naming the file, and
    leave the warehouse exactly as it was."""
    path, options = _write(tmp_path, seed, content)
    before = _digest(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, seed.kind, [str(path)], options)
    message = str(info.value)
    assert "\n" not in message and path.name in message, message
    assert _digest(con) == before
    return info.value


def _with_times(seed: Seed) -> bool:
    return with_year(seed.content, b"9999") != seed.content


TIMED = [s for s in ALL if _with_times(s) and s.kind != "openslo"]  # openslo reads no timestamp
OFFSET = [s for s in TIMED if with_offset(s.content, b"+99:00") != s.content]


def test_every_loader_kind_with_timestamps_is_covered() -> None:
    kinds = {s.kind for s in TIMED}
    assert kinds >= {"focus", "aws-cur", "azure", "gcp-billing", "aws-ce", "business-metrics", "servicenow",
                     "statuspage", "pagerduty", "pagerduty-analytics", "opsgenie", "incidentio", "mapped-csv",
                     "github-actions", "github-deployments", "deployments-csv", "changes-csv", "sli"}


@pytest.mark.parametrize("seed", ALL, ids=lambda s: f"{s.kind}:{s.name}")
def test_the_seeds_load(con: duckdb.DuckDBPyConnection, tmp_path: Path, seed: Seed) -> None:
    path, options = _write(tmp_path, seed, seed.content)
    assert sum(r.rows_loaded for r in ingest(con, seed.kind, [str(path)], options)) > 0


@pytest.mark.parametrize("year", [b"0000", b"9999"])
@pytest.mark.parametrize("seed", TIMED, ids=lambda s: f"{s.kind}:{s.name}")
def test_implausible_years_are_refused_with_row_and_column(shared: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                          seed: Seed, year: bytes) -> None:
    error = _refused(shared, tmp_path, seed, with_year(seed.content, year))
    assert error.row is not None and error.column is not None, str(error)


@pytest.mark.parametrize("offset", [b"+99:00", b"-14:01"])
@pytest.mark.parametrize("seed", OFFSET, ids=lambda s: f"{s.kind}:{s.name}")
def test_offsets_beyond_14_hours_are_refused(shared: duckdb.DuckDBPyConnection, tmp_path: Path, seed: Seed,
                                             offset: bytes) -> None:
    error = _refused(shared, tmp_path, seed, with_offset(seed.content, offset))
    assert error.row is not None and error.column is not None, str(error)


@pytest.mark.parametrize("seed", [s for s in OFFSET if s.kind in ("sli", "focus", "deployments-csv", "statuspage")],
                         ids=lambda s: f"{s.kind}:{s.name}")
def test_offsets_of_14_hours_are_accepted(con: duckdb.DuckDBPyConnection, tmp_path: Path, seed: Seed) -> None:
    path, options = _write(tmp_path, seed, with_offset(seed.content, b"-14:00"))
    assert sum(r.rows_loaded for r in ingest(con, seed.kind, [str(path)], options)) > 0


def test_an_sli_file_with_a_99_hour_offset_changes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """The issue's case: +99:00 'updated' (deleted) about four days of real SLI rows."""
    seed = next(s for s in ALL if s.kind == "sli")
    path, options = _write(tmp_path, seed, seed.content)
    ingest(con, "sli", [str(path)], options)
    before = run(con, "SELECT * FROM sli ORDER BY ALL")
    _refused(con, tmp_path / "..", seed, with_offset(seed.content, b"+99:00"))
    assert run(con, "SELECT * FROM sli ORDER BY ALL") == before


@pytest.mark.parametrize("period", ["0000-07", "9999Q3", "1999"])
def test_budget_periods_outside_the_range_are_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                      period: str) -> None:
    rows = ci.budget_rows(3)
    rows[4]["period"] = period
    seed = Seed("budgets", "budgets.csv", lambda: b"")
    error = _refused(con, tmp_path, seed, ci.table_csv(ci.BUDGETS_HEADER, rows))
    assert (error.column, error.row) == ("period", 5), str(error)


@pytest.mark.parametrize(("moment", "ok"), [
    (datetime(2000, 1, 1, tzinfo=UTC), True),
    (datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), False),
    (datetime(2000, 1, 1, 13, tzinfo=timezone(timedelta(hours=14))), False),  # 1999-12-31 23:00 UTC
    (datetime(2026, 7, 1, tzinfo=timezone(timedelta(hours=14))), True),
    (datetime(2026, 7, 1, tzinfo=timezone(timedelta(hours=-14, minutes=-1))), False),
    (datetime(2026, 7, 1, tzinfo=timezone(timedelta(hours=23))), False),
    (datetime(9999, 1, 1, tzinfo=UTC), False),
])
def test_plausible_instant(moment: datetime, ok: bool) -> None:
    if ok:
        assert plausible_instant(moment, "t") == moment.astimezone(UTC)
    else:
        with pytest.raises(RowError):
            plausible_instant(moment, "t")


def test_the_latest_instant_is_two_years_ahead() -> None:
    today = datetime.now(UTC).date()
    latest = latest_instant()
    assert date(today.year + 2, today.month, min(today.day, 28)) < latest.date() <= today + timedelta(days=2 * 366 + 1)
    assert datetime(2000, 1, 1, tzinfo=UTC) == EARLIEST


# -- NUL characters and duplicated JSON keys --------------------------------------------------------------------
def _csv_with(content: bytes, column: str, row: int, value: str) -> bytes:
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    table[row][table[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    return out.getvalue().encode()


NUL_CASES = [
    ("budgets", "scope", "provider:Google Clou\x00d"),
    ("business-metrics", "metric", "req\x00uests"),
    ("focus", "ServiceName", "Amazon\x00EC2"),
    ("aws-cur", "product/ProductName", "Amazon\x00EC2"),
    ("azure", "MeterCategory", "Virtual\x00Machines"),
    ("gcp-billing", "service.description", "Compute\x00Engine"),
    ("deployments-csv", "Application", "check\x00out"),
    ("sli", "service", "check\x00out"),
]


@pytest.mark.parametrize(("kind", "column", "value"), NUL_CASES)
def test_nul_in_a_text_field_is_refused(shared: duckdb.DuckDBPyConnection, tmp_path: Path, kind: str, column: str,
                                        value: str) -> None:
    seed = next(s for s in ALL if s.kind == kind and s.name.endswith(".csv"))
    error = _refused(shared, tmp_path, seed, _csv_with(seed.content, column, 2, value))
    # the column named is the source column, or the canonical one an expression over it fills
    assert error.row == 2 and error.column is not None and "NUL" in error.message, str(error)


def _duplicate_first_key(content: bytes, key: str, value: object) -> bytes:
    """The first object holding ``key`` gets it a second time (``{"k": v, …, "k": value}``)."""
    text = content.decode("utf-8")
    at = text.index(f'"{key}"')
    return (text[:at] + f'"{key}": {json.dumps(value)}, ' + text[at:]).encode()


DUPLICATE_KEY_CASES = [
    ("gcp-billing", "billing.jsonl", "cost", 1_000_000.0),
    ("statuspage", None, "created_at", "2021-01-01T00:00:00Z"),
    ("github-actions", "runs.json", "conclusion", "failure"),
    ("github-deployments", "deployments.json", "environment", "staging"),
    ("pagerduty", "pd.json", "urgency", "low"),
    ("opsgenie", "alerts.json", "priority", "P5"),
    ("incidentio", "incidents.json", "name", "other"),
    ("aws-ce", "ce-pages.json", "Amount", "1000000"),
    ("pagerduty-analytics", "pda.json", "priority_name", "P5"),
]


@pytest.mark.parametrize(("kind", "name", "key", "value"), DUPLICATE_KEY_CASES)
def test_duplicated_json_keys_are_refused(shared: duckdb.DuckDBPyConnection, tmp_path: Path, kind: str,
                                          name: str | None, key: str, value: object) -> None:
    seed = next(s for s in ALL if s.kind == kind and (name is None or s.name == name))
    assert f'"{key}"'.encode() in seed.content
    error = _refused(shared, tmp_path, seed, _duplicate_first_key(seed.content, key, value))
    assert "duplicate" in error.message and key in error.message, str(error)


# -- ServiceNow event-log rows --------------------------------------------------------------------------------
SNOW = next(s for s in ALL if s.kind == "servicenow" and s.real)


@pytest.mark.parametrize(("column", "value"), [
    ("reassignment_count", "NaN"),
    ("reopen_count", "1" * 400),
    ("opened_at", "31-31-2016 99:99"),
    ("sys_updated_at", "garbage"),
    ("resolved_at", "29-02-9999 01:00"),
    ("priority", "7 - Whatever"),
])
def test_servicenow_bad_event_rows_are_refused_not_outvoted(shared: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                            column: str, value: str) -> None:
    table = list(csv.reader(io.StringIO(SNOW.content.decode("utf-8"))))
    number = table[0].index("number")
    # the first audit row of an incident that has later rows (the later row's values win today)
    row = next(i for i in range(1, len(table) - 1) if table[i][number] == table[i + 1][number])
    error = _refused(shared, tmp_path, SNOW, _csv_with(SNOW.content, column, row, value))
    assert (error.row, error.column) == (row, column), str(error)


# -- one-line errors instead of tracebacks --------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["deployments-csv", "changes-csv", "sli"])
@pytest.mark.parametrize("bad", [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80"])
def test_non_utf8_delivery_csvs_are_one_line_errors(shared: duckdb.DuckDBPyConnection, tmp_path: Path, kind: str,
                                                    bad: bytes) -> None:
    seed = next(s for s in ALL if s.kind == kind)
    lines = seed.content.splitlines(True)
    lines[2] = lines[2][:5] + bad + lines[2][5:]
    error = _refused(shared, tmp_path, seed, b"".join(lines))
    assert "UTF-8" in error.message and error.row == 2, str(error)


def test_a_flipped_byte_in_a_delivery_csv_is_a_one_line_error(con: duckdb.DuckDBPyConnection,
                                                              tmp_path: Path) -> None:
    seed = next(s for s in ALL if s.kind == "changes-csv")
    data = bytearray(seed.content)
    data[len(data) // 2] ^= 0x80
    _refused(con, tmp_path, seed, bytes(data))


def test_a_lowercased_focus_header_after_the_original_loads(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """FOCUS names match case-insensitively, also for the x_ columns an earlier file created (the
    lowercased sample after the original once raised ``ValueError: not columns of cost``)."""
    seed = next(s for s in ALL if s.kind == "focus")
    path, options = _write(tmp_path, seed, seed.content)
    ingest(con, "focus", [str(path)], options)
    head, rest = seed.content.split(b"\n", 1)
    lowered = tmp_path / "lowered.csv"
    lowered.write_bytes(head.lower() + b"\n" + rest)
    rows = list(csv.DictReader(io.StringIO(seed.content.decode("utf-8"))))
    assert ingest(con, "focus", [str(lowered)], options)[0].rows_loaded == len(rows)
    assert run(con, "SELECT count(*), count(DISTINCT x_Id), sum(BilledCost) FROM cost") == [
        (len(rows), len({r["Id"] for r in rows}), sum(Decimal(r["BilledCost"]) for r in rows))]


def test_bigquery_with_unreadable_credentials_is_a_one_line_error(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "-----BEGIN PRIVATE KEY-----sekrit"
    creds = tmp_path / "creds.json"
    creds.write_text('{"type": "service_account", "private_key": "' + secret + '"')  # truncated JSON
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(creds))
    before = _digest(con)
    with pytest.raises(AnalyticsError) as info:
        ingest(con, "gcp-billing", ["bq://my-project.billing.gcp_billing_export_v1_X"],
               LoadOptions(extra={"months": "2026-07"}))
    message = str(info.value)
    assert "\n" not in message and "credentials" in message.lower() and "sekrit" not in message, message
    assert info.value.exit_code == 2
    assert _digest(con) == before


@pytest.mark.parametrize("credentials", ["folder", "missing", "wrong-type", "truncated"])
def test_bigquery_credentials_problems_are_one_line_at_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], credentials: str
) -> None:
    """``GOOGLE_APPLICATION_CREDENTIALS`` naming a folder once escaped as ``IsADirectoryError`` with a
    traceback; every case is one line, exit 2, and never prints the file's content."""
    secret = "-----BEGIN PRIVATE KEY-----sekrit"
    path = tmp_path / "creds.json"
    if credentials == "folder":
        path.mkdir()
    elif credentials == "wrong-type":
        path.write_text(json.dumps({"type": "nonsense", "private_key": secret}))
    elif credentials == "truncated":
        path.write_text('{"type": "service_account", "private_key": "' + secret + '"')
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    warehouse = tmp_path / "w.duckdb"
    code = main(["ingest", "gcp-billing", "bq://my-project.billing.gcp_billing_export_v1_X", "--option",
                 "months=2026-07", "--warehouse", str(warehouse)])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.count("\n") == 1 and captured.err.startswith("opsreview: error: bq://my-project"), captured.err
    assert "credentials" in captured.err and "sekrit" not in captured.err + captured.out
    assert "Traceback" not in captured.err


def test_bigquery_unreachable_is_one_line(con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    """A network failure under the client (requests' ConnectionError is an OSError without a file name)."""
    import requests
    from google.cloud import bigquery

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise requests.exceptions.ConnectionError("Max retries exceeded with url: /bigquery/v2/projects")

    monkeypatch.setattr(bigquery, "Client", refuse)
    with pytest.raises(AnalyticsError) as info:
        ingest(con, "gcp-billing", ["bq://my-project.billing.gcp_billing_export_v1_X"],
               LoadOptions(extra={"months": "2026-07"}))
    assert str(info.value) == "bq://my-project.billing.gcp_billing_export_v1_X: cannot reach BigQuery (ConnectionError)"
    assert info.value.exit_code == 2


def _flipped(content: bytes) -> bytes:
    lines = content.splitlines(True)
    lines[2] = lines[2][:5] + b"\xff\xfe" + lines[2][5:]
    return b"".join(lines)


def _focus_renamed(content: bytes) -> bytes:
    head, rest = content.split(b"\n", 1)
    return head.replace(b"BilledCost", b"Billed_Cost").replace(b"ChargePeriodStart", b"chargeperiod_start") \
        + b"\n" + rest


@pytest.mark.parametrize(("kind", "mutate", "expected"), [
    # the column holding the bytes is named too (issue 13.6: analytics/sources/_csv_layout.py)
    ("deployments-csv", _flipped, "row 2, column 'Application': not UTF-8 text (bytes 0xFF 0xFE; as Windows-1252 "
                                  "it would read 'ÿþcheckout'); save the export as UTF-8"),
    ("changes-csv", _flipped, "row 2, column 'repo': not UTF-8 text (bytes 0xFF 0xFE; as Windows-1252 it would "
                              "read 'lumenÿþ/checkout'); save the export as UTF-8"),
    ("sli", _flipped, "row 2, column 'service': not UTF-8 text (bytes 0xFF 0xFE; as Windows-1252 it would read "
                      "'checkÿþout'); save the export as UTF-8"),
    ("focus", lambda c: c.split(b"\n", 1)[0].lower() + b"\n" + c.split(b"\n", 1)[1], None),
    ("focus", _focus_renamed, "column 'BilledCost': required FOCUS column missing; also missing: ChargePeriodStart"),
])
def test_cli_refusals_are_one_line_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str,
                                               mutate: Callable[[bytes], bytes], expected: str | None) -> None:
    """Issue 15.8 at the command line: the message names the file (and row or the missing columns), exit 2,
    no traceback; a lowercased FOCUS header is not an error at all."""
    seed = next(s for s in ALL if s.kind == kind)
    path, _ = _write(tmp_path, seed, mutate(seed.content))
    code = main(["ingest", kind, str(path), "--warehouse", str(tmp_path / "w.duckdb"), *(
        ["--timezone", "UTC"] if seed.options.timezone else [])])
    err = capsys.readouterr().err
    if expected is None:
        assert (code, err) == (0, "")
        return
    assert (code, err) == (2, f"opsreview: error: {path}, {expected}\n")
