"""Re-delivery semantics of the FOCUS and Azure loaders: loading the same file again is a no-op, and a
re-delivered billing period replaces the old one (only for the same provider and billing account)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pytest

from analytics.sources import LoadOptions, ingest
from analytics.warehouse import run
from tests.unit import cost_inputs as ci

pytestmark = pytest.mark.unit

Rows = list[dict[str, str | None]]
# kind, rows generator (seed, period, account), file writer, expected totals
LOADERS: dict[str, tuple[Callable[..., Rows], Callable[[Sequence[dict]], bytes], Callable[..., ci.Totals]]] = {
    "focus": (ci.focus_rows, ci.focus_csv, ci.focus_expected),
    "azure": (ci.azure_rows, ci.azure_csv, ci.azure_expected),
}


def _write(tmp_path: Path, kind: str, name: str, seed: int, **kw: str) -> tuple[Path, ci.Totals]:
    make, write, expected = LOADERS[kind]
    rows = make(seed, **kw)
    path = tmp_path / name
    path.write_bytes(write(rows))
    return path, expected(rows)


def _ledger(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return run(con, "SELECT file_name, status, superseded_by, reconciled FROM ingest_ledger ORDER BY file_id")


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_reloading_the_same_file_is_a_no_op(con: duckdb.DuckDBPyConnection, tmp_path: Path, kind: str) -> None:
    path, expected = _write(tmp_path, kind, "july.csv", 1)
    first = ingest(con, kind, [str(path)])[0]
    assert first.status == "loaded" and ci.cost_totals(con, first.file_id) == expected
    before = ci.snapshot(con)
    copy = tmp_path / "copy-of-july.csv"  # the same bytes under another name are the same delivery
    copy.write_bytes(path.read_bytes())
    for again in (path, copy):
        result = ingest(con, kind, [str(again)])[0]
        assert (result.status, result.file_id, result.rows_loaded) == ("unchanged", first.file_id, 0)
    assert ci.snapshot(con) == before


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_a_redelivered_period_replaces_the_old_one(con: duckdb.DuckDBPyConnection, tmp_path: Path, kind: str) -> None:
    june, june_totals = _write(tmp_path, kind, "june.csv", 1, period="2026-06")
    july, _ = _write(tmp_path, kind, "july.csv", 2, period="2026-07")
    other, other_totals = _write(tmp_path, kind, "july-other-account.csv", 3, period="2026-07", account="999")
    restated, restated_totals = _write(tmp_path, kind, "july-restated.csv", 4, period="2026-07")
    ids = [r.file_id for path in (june, july, other) for r in ingest(con, kind, [str(path)])]
    result = ingest(con, kind, [str(restated)])[0]
    assert result.superseded_file_ids == (ids[1],)
    assert _ledger(con) == [
        ("june.csv", "loaded", None, True),
        ("july.csv", "superseded", result.file_id, True),
        ("july-other-account.csv", "loaded", None, True),
        ("july-restated.csv", "loaded", None, True),
    ]
    # what is left is exactly June, the other account's July and the restated July
    assert ci.cost_totals(con, ids[0]) == june_totals
    assert ci.cost_totals(con, ids[2]) == other_totals
    assert ci.cost_totals(con, result.file_id) == restated_totals
    assert run(con, "SELECT count(*) FROM cost WHERE source_file_id = $f", {"f": ids[1]}) == [(0,)]
    ((july_billed,),) = run(
        con,
        "SELECT sum(BilledCost) FROM cost WHERE BillingPeriodStart = '2026-07-01' AND BillingAccountId <> '999'",
    )
    assert july_billed == restated_totals[("2026-07", "USD" if kind == "focus" else "EUR")][0]


def test_azure_amortised_export_replaces_the_actual_one_of_the_month(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    actual, _ = _write(tmp_path, "azure", "actual.csv", 5)
    rows = ci.azure_rows(5)
    amortised = tmp_path / "amortised.csv"
    amortised.write_bytes(ci.azure_csv([{**r, "CostInBillingCurrency": r["CostInBillingCurrency"] + "1"}
                                        for r in rows]))  # fmt: skip
    first = ingest(con, "azure", [str(actual)])[0]
    second = ingest(con, "azure", [str(amortised)], LoadOptions(extra={"basis": "amortized"}))[0]
    assert second.superseded_file_ids == (first.file_id,)
    expected = ci.azure_expected([{**r, "CostInBillingCurrency": r["CostInBillingCurrency"] + "1"} for r in rows])
    assert ci.cost_totals(con, second.file_id) == expected
    assert run(con, "SELECT count(DISTINCT source_file_id) FROM cost") == [(1,)]
