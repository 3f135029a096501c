"""Cost quarantine that still reconciles (issue 13.9): with ``--quarantine`` a cost loader sets rows
failing a row check aside in ``ingest_quarantine`` (file, row, column, reason, billing period,
currency, raw amounts), loads the rest, and the ledger holds source = loaded + quarantined per billing
period; ``opsreview status`` shows both. File-level problems still refuse the file untouched.

Expected numbers are computed independently from the raw rows with ``csv`` and ``Decimal``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.cli import main
from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, ingest
from analytics.status import warehouse_status
from analytics.warehouse import connect, run
from tests.unit import cost_inputs as ci
from tests.unit.test_cost_hostile import FOCUS_SPEC

pytestmark = pytest.mark.unit

QUARANTINE = LoadOptions(quarantine=True)
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def readable(text: str | None) -> Decimal | None:
    """An amount as a plain decimal number reads it (None for text, NaN, infinities, > 20 digits)."""
    if text is None or not _NUMBER.fullmatch(text):
        return None
    value = Decimal(text.strip())
    return value if abs(value) < Decimal("1e20") else None


def period_of(text: str | None) -> str | None:
    """YYYY-MM of an ISO timestamp text ``YYYY-MM-DDTHH:MM:SSZ`` naming a real instant, else None."""
    if not text or not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", text):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m")
    except ValueError:
        return None


def quarantined(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return run(
        con,
        "SELECT row_number, column_name, problem, data_file, strftime(billing_period_start, '%Y-%m'), "
        "billing_currency, provider, billed_cost, effective_cost FROM ingest_quarantine ORDER BY row_number",
    )


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def bad_focus_rows(seed: int = 3) -> tuple[list[dict[str, str | None]], dict[int, str]]:
    """Eight seeded FOCUS rows with three made bad: 1-based row -> the column made bad."""
    rows = ci.focus_rows(seed)
    rows[1]["BilledCost"] = "abc"
    rows[3]["ChargePeriodStart"] = "yesterday"
    rows[5]["BillingCurrency"] = "usd"
    return rows, {2: "BilledCost", 4: "ChargePeriodStart", 6: "BillingCurrency"}


def test_without_quarantine_the_first_bad_row_refuses_the_file(con: duckdb.DuckDBPyConnection,
                                                               tmp_path: Path) -> None:  # fmt: skip
    rows, _ = bad_focus_rows()
    path = write(tmp_path, "july.csv", ci.focus_csv(rows))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "focus", [str(path)])
    assert (err.value.row, err.value.column) == (2, "BilledCost")
    assert str(err.value).endswith("'abc' is not a finite amount")
    assert ci.snapshot(con) == before


def test_focus_bad_rows_are_set_aside_and_source_is_loaded_plus_quarantined(con: duckdb.DuckDBPyConnection,
                                                                            tmp_path: Path) -> None:  # fmt: skip
    rows, bad = bad_focus_rows()
    path = write(tmp_path, "july.csv", ci.focus_csv(rows))
    (result,) = ingest(con, "focus", [str(path)], QUARANTINE)
    good = [r for i, r in enumerate(rows, 1) if i not in bad]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (8, 5, 3)
    assert ci.cost_totals(con, result.file_id) == ci.focus_expected(good)
    got = quarantined(con)
    assert [(r, c) for r, c, *_ in got] == sorted(bad.items())
    assert [p for _, _, p, *_ in got] == [
        "'abc' is not a finite amount",
        "'yesterday' is not a timestamp (ISO 8601; naive values are read as UTC)",
        "'usd' is not an ISO 4217 currency code",
    ]
    for (row, _, _, file, period, currency, provider, billed, effective), src in zip(
        got, [rows[i - 1] for i in sorted(bad)], strict=True
    ):
        assert (file, period, currency, provider) == ("july.csv", "2026-07", src["BillingCurrency"], "AWS"), row
        assert (billed, effective) == (readable(src["BilledCost"]), readable(src["EffectiveCost"])), row
    # the ledger: source total = every readable amount of the file; warehouse = the good rows
    source = sum((readable(r["BilledCost"]) or Decimal(0) for r in rows), Decimal(0))
    loaded = sum((Decimal(r["BilledCost"]) for r in good), Decimal(0))
    ((sb, wb, reconciled, nq, details),) = run(
        con, "SELECT source_billed_total, warehouse_billed_total, reconciled, rows_quarantined, details "
             "FROM ingest_ledger WHERE file_id = $f", {"f": result.file_id},
    )  # fmt: skip
    assert (sb, wb, reconciled, nq) == (source, loaded, True, 3)
    periods = {(p["billing_period_start"][:7], p["currency"]): p for p in json.loads(details)["billing_periods"]}
    usd = periods[("2026-07", "USD")]
    q_usd = sum((readable(rows[i - 1]["BilledCost"]) or Decimal(0) for i in (2, 4)), Decimal(0))
    assert (usd["rows"], usd["quarantined_rows"], Decimal(usd["quarantined_billed"])) == (5, 2, q_usd)
    assert Decimal(usd["source_billed"]) == Decimal(usd["warehouse_billed"]) + Decimal(usd["quarantined_billed"])
    lower = periods[("2026-07", "usd")]
    assert (lower["rows"], lower["quarantined_rows"]) == (0, 1)
    assert Decimal(lower["source_billed"]) == Decimal(lower["quarantined_billed"]) == Decimal(rows[5]["BilledCost"])
    summary = result.summary()
    assert f"BilledCost {loaded:,.2f} loaded + {source - loaded:,.2f} quarantined = {source:,.2f}" in summary
    # the same file again is a no-op
    before = ci.snapshot(con)
    (again,) = ingest(con, "focus", [str(path)], QUARANTINE)
    assert again.status == "unchanged" and ci.snapshot(con) == before


def test_a_row_whose_billing_period_is_unreadable_counts_in_an_unreadable_period(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = ci.focus_rows(11)
    rows[0]["BillingPeriodStart"] = "2026-13-01T00:00:00Z"
    path = write(tmp_path, "july.csv", ci.focus_csv(rows))
    (result,) = ingest(con, "focus", [str(path)], QUARANTINE)
    assert (result.rows_loaded, result.rows_quarantined) == (7, 1)
    ((row, column, _, _, period, *_),) = quarantined(con)
    assert (row, column, period) == (1, "BillingPeriodStart", None)
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    unreadable = [p for p in details["billing_periods"] if p["billing_period_start"] is None]
    assert [(p["rows"], p["quarantined_rows"], Decimal(p["source_billed"])) for p in unreadable] == [
        (0, 1, Decimal(rows[0]["BilledCost"]))
    ]
    assert ci.cost_totals(con, result.file_id) == ci.focus_expected(rows[1:])


def test_status_shows_loaded_and_quarantined_per_billing_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, bad = bad_focus_rows()
    path = write(tmp_path, "july.csv", ci.focus_csv(rows))
    assert main(["ingest", "focus", str(path), "--quarantine"]) == 0
    assert "3 quarantined" in capsys.readouterr().out
    assert main(["status", "--format", "json"]) == 0
    periods = {(p["billing_period"], p["currency"]): p for p in json.loads(capsys.readouterr().out)["cost_periods"]}
    good = sum((Decimal(r["BilledCost"]) for i, r in enumerate(rows, 1) if i not in bad), Decimal(0))
    q_usd = Decimal(rows[3]["BilledCost"])  # row 2's amount is unreadable, row 4's counts
    usd = periods[("2026-07", "USD")]
    assert (usd["quarantined_rows"], usd["quarantined_unreadable_amounts"], usd["reconciled"]) == (2, 1, True)
    assert Decimal(str(usd["billed"])).quantize(Decimal("0.01")) == good.quantize(Decimal("0.01"))
    assert Decimal(str(usd["quarantined_billed"])).quantize(Decimal("0.01")) == q_usd.quantize(Decimal("0.01"))
    assert Decimal(str(usd["source_billed"])).quantize(Decimal("0.01")) == (good + q_usd).quantize(Decimal("0.01"))
    assert periods[("2026-07", "usd")]["billed"] == 0 and periods[("2026-07", "usd")]["quarantined_rows"] == 1
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert (f"{good:,.2f} + {q_usd:,.2f} quarantined (2 row(s), 1 without a readable amount) "
            f"= {good + q_usd:,.2f}") in text  # fmt: skip


def test_a_corrected_redelivery_replaces_the_quarantined_rows_in_status(tmp_path: Path) -> None:
    rows, _ = bad_focus_rows()
    warehouse = str(tmp_path / "w.duckdb")
    con = connect(warehouse)
    try:
        ingest(con, "focus", [str(write(tmp_path, "july.csv", ci.focus_csv(rows)))], QUARANTINE)
        fixed = ci.focus_rows(3)
        ingest(con, "focus", [str(write(tmp_path, "july-restated.csv", ci.focus_csv(fixed)))], QUARANTINE)
        assert run(con, "SELECT count(*) FROM ingest_quarantine") == [(3,)]  # kept as the record of load 1
    finally:
        con.close()
    periods = warehouse_status(warehouse).cost_periods
    assert [(p["billing_period"], p["currency"], p["quarantined_rows"]) for p in periods] == [("2026-07", "USD", 0)]
    assert Decimal(str(periods[0]["billed"])).quantize(Decimal("0.01")) == sum(
        (Decimal(r["BilledCost"]) for r in fixed), Decimal(0)
    ).quantize(Decimal("0.01"))


def test_azure_and_gcp_rows_are_quarantined_too(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    azure = ci.azure_rows(5)
    azure[2]["CostInBillingCurrency"] = "12 EUR"
    azure[6]["Date"] = "13/45/2026"
    (result,) = ingest(con, "azure", [str(write(tmp_path, "azure.csv", ci.azure_csv(azure)))], QUARANTINE)
    assert (result.rows_loaded, result.rows_quarantined) == (6, 2)
    assert ci.cost_totals(con, result.file_id) == ci.azure_expected([r for i, r in enumerate(azure) if i not in (2, 6)])
    assert [(r, c) for r, c, *_ in quarantined(con)] == [(3, "CostInBillingCurrency"), (7, "Date")]
    records = ci.gcp_records(9)
    rows = [{h: ci.flat_value(r, h) for h in ci.GCP_CSV_HEADER} for r in records]
    rows[4]["cost"] = "NaN"
    content = ci.csv_bytes(ci.GCP_CSV_HEADER, [[r[h] for h in ci.GCP_CSV_HEADER] for r in rows])
    (gcp,) = ingest(con, "gcp-billing", [str(write(tmp_path, "gcp.csv", content))], QUARANTINE)
    assert (gcp.rows_loaded, gcp.rows_quarantined) == (7, 1)
    expected = ci.gcp_expected([r for i, r in enumerate(records) if i != 4])
    assert ci.cost_totals(con, gcp.file_id, period="x_InvoiceMonth") == expected
    assert run(con, "SELECT row_number, column_name, data_file FROM ingest_quarantine WHERE file_id = $f",
               {"f": gcp.file_id}) == [(5, "cost", "gcp.csv")]  # fmt: skip


@pytest.mark.parametrize("problem", ["missing column", "mixed currencies", "ragged row"])
def test_file_level_problems_still_refuse_the_file_untouched(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                             problem: str) -> None:  # fmt: skip
    rows = ci.focus_rows(4)
    header = list(ci.FOCUS_HEADER)
    if problem == "missing column":
        header.remove("BilledCost")
    if problem == "mixed currencies":
        rows[3]["BillingCurrency"] = "EUR"
    table = [[r.get(h) for h in header] for r in rows]
    if problem == "ragged row":
        table[2] = table[2][:-1]
    path = write(tmp_path, "july.csv", ci.csv_bytes(header, table))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "focus", [str(path)], QUARANTINE)
    assert "july.csv" in str(err.value) and "\n" not in str(err.value)
    assert ci.snapshot(con) == before


# -- hostile input: any set of rows made bad ----------------------------------------------------------
HOSTILE = settings(max_examples=25, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip


@st.composite
def damaged_focus(draw: st.DrawFn) -> tuple[list[dict[str, str | None]], dict[int, str]]:
    """Seeded FOCUS rows with some rows given one bad value each (1-based row -> column)."""
    rows = ci.focus_rows(draw(st.integers(0, 2**16)), n=draw(st.integers(2, 12)))
    hit = draw(st.sets(st.integers(1, len(rows)), max_size=len(rows)))
    bad: dict[int, str] = {}
    for row in sorted(hit):
        column = draw(st.sampled_from(sorted(FOCUS_SPEC.bad)))
        rows[row - 1][column] = draw(FOCUS_SPEC.bad[column])
        bad[row] = column
    return rows, bad


@HOSTILE
@given(case=damaged_focus(), breakage=st.sampled_from(["none", "none", "none", "truncate", "utf16", "drop"]),
       cut=st.floats(0, 1))  # fmt: skip
def test_hostile_rows_are_quarantined_exactly_and_reconcile(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[list[dict[str, str | None]], dict[int, str]],
    breakage: str, cut: float,
) -> None:  # fmt: skip
    con = connect(":memory:")
    try:
        _check_hostile(con, tmp_path_factory, case, breakage, cut)
    finally:
        con.close()


def _check_hostile(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory,
                   case: tuple[list[dict[str, str | None]], dict[int, str]], breakage: str, cut: float) -> None:
    rows, bad = case
    content = ci.focus_csv(rows)
    if breakage == "truncate":
        content = content[: int(len(content) * cut)]
    elif breakage == "utf16":
        content = content.decode().encode("utf-16")
    elif breakage == "drop":
        parsed = list(csv.reader(io.StringIO(content.decode())))
        content = ci.csv_bytes(parsed[0][1:], [r[1:] for r in parsed[1:]])  # BillingAccountId, required
    path = write(tmp_path_factory.mktemp("quarantine"), "export.csv", content)
    before = ci.snapshot(con)
    try:
        (result,) = ingest(con, "focus", [str(path)], QUARANTINE)
    except (ExportFormatError, UsageError) as exc:
        assert breakage != "none", f"row-level problems must be quarantined, not refuse the file: {exc}"
        assert "export.csv" in str(exc) and "\n" not in str(exc)
        assert ci.snapshot(con) == before, "a refused load leaves the warehouse untouched"
        return
    if breakage == "truncate":  # a cut that left whole rows: the loader's view of them is not ours to predict
        return
    assert breakage == "none"
    good = [r for i, r in enumerate(rows, 1) if i not in bad]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (len(rows), len(good), len(bad))
    assert ci.cost_totals(con, result.file_id) == ci.focus_expected(good)
    got = quarantined(con)
    assert {r: c for r, c, *_ in got} == bad
    expected_q: dict[tuple[str | None, str | None], Decimal] = {}
    for row in sorted(bad):
        src = rows[row - 1]
        key = (period_of(src["BillingPeriodStart"]), src["BillingCurrency"])
        expected_q[key] = expected_q.get(key, Decimal(0)) + (readable(src["BilledCost"]) or Decimal(0))
    got_q: dict[tuple[str | None, str | None], Decimal] = {}
    for _, _, _, _, period, currency, _, billed, _ in got:
        got_q[(period, currency)] = got_q.get((period, currency), Decimal(0)) + (billed or Decimal(0))
    assert got_q == expected_q
    ((source, reconciled),) = run(con, "SELECT source_billed_total, reconciled FROM ingest_ledger")
    assert reconciled is True
    assert source == sum((readable(r["BilledCost"]) or Decimal(0) for r in rows), Decimal(0))
