from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from analytics.errors import ExportFormatError, ReconciliationError
from analytics.warehouse import run
from analytics.warehouse.ledger import LoadTransaction, PeriodTotal, SourceFile, run_load

pytestmark = pytest.mark.unit
JULY = datetime(2026, 7, 1, tzinfo=UTC)


def _file(sha: str) -> SourceFile:
    return SourceFile(f"/exports/{sha}.csv", f"{sha}.csv", sha, 10)


def _snapshot(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return run(con, "SELECT (SELECT count(*) FROM services), (SELECT count(*) FROM cost), "
                    "(SELECT count(*) FROM ingest_ledger), (SELECT count(*) FROM ingest_quarantine)")


def _cost_rows(amounts: list[str], *, account: str = "111", period: datetime = JULY) -> pd.DataFrame:
    return pd.DataFrame({
        "BilledCost": [Decimal(a) for a in amounts], "EffectiveCost": [Decimal(a) for a in amounts],
        "BillingAccountId": account, "BillingCurrency": "USD", "BillingPeriodStart": period,
        "BillingPeriodEnd": datetime(2026, 8, 1, tzinfo=UTC), "ChargeCategory": "Usage",
        "ChargePeriodStart": period, "ChargePeriodEnd": datetime(2026, 7, 2, tzinfo=UTC), "ProviderName": "AWS",
    })


def _cost_loader(amounts: list[str], declared: list[str] | None = None, **kwargs: object):
    def load(tx: LoadTransaction) -> None:
        tx.insert_frame("cost", _cost_rows(amounts, **kwargs))  # type: ignore[arg-type]
        tx.replace_cost_periods()
        src = declared if declared is not None else amounts
        total = sum((Decimal(a) for a in src), Decimal(0))
        tx.period_totals = [PeriodTotal(JULY, "USD", total, total, len(src))]
        tx.rows_read = len(src)

    return load


def test_reloading_the_same_content_is_a_no_op(con: duckdb.DuckDBPyConnection) -> None:
    def load(tx: LoadTransaction) -> None:
        tx.insert_frame("services", pd.DataFrame({"service": ["a", "b"]}))

    first = run_load(con, kind="services", file=_file("s1"), target_table="services", load=load)
    again = run_load(con, kind="services", file=_file("s1"), target_table="services", load=load)
    assert (first.status, first.rows_loaded) == ("loaded", 2)
    assert (again.status, again.file_id) == ("unchanged", first.file_id)
    assert _snapshot(con) == [(2, 0, 1, 0)]


def test_a_failing_loader_leaves_nothing_behind(con: duckdb.DuckDBPyConnection) -> None:
    before = _snapshot(con)

    def load(tx: LoadTransaction) -> None:
        tx.add_extra_columns("cost", ["x_Half"])
        tx.insert_frame("services", pd.DataFrame({"service": ["a"]}))
        tx.quarantine(row=3, column="tier", problem="bad tier")
        raise ExportFormatError("boom", file="f.csv", row=3, column="tier")

    with pytest.raises(ExportFormatError, match=r"f\.csv, row 3, column .tier.: boom"):
        run_load(con, kind="services", file=_file("s2"), target_table="services", load=load)
    assert _snapshot(con) == before
    assert "x_Half" not in {r[0] for r in run(con, "SELECT column_name FROM duckdb_columns() WHERE table_name='cost'")}


def test_constraint_violations_become_file_errors_and_roll_back(con: duckdb.DuckDBPyConnection) -> None:
    def load(tx: LoadTransaction) -> None:
        tx.insert_frame("services", pd.DataFrame({"service": ["a"], "tier": ["tier7"]}))

    with pytest.raises(ExportFormatError, match="warehouse rule"):
        run_load(con, kind="services", file=_file("s3"), target_table="services", load=load)
    assert _snapshot(con) == [(0, 0, 0, 0)]


def test_upsert_updates_instead_of_duplicating_and_marks_the_older_file(con: duckdb.DuckDBPyConnection) -> None:
    def first(tx: LoadTransaction) -> None:
        tx.upsert_frame("services", pd.DataFrame({"service": ["a", "b"], "team": ["t1", "t1"]}), key=["service"])

    def second(tx: LoadTransaction) -> None:
        tx.upsert_frame("services", pd.DataFrame({"service": ["b", "c"], "team": ["t2", "t2"]}), key=["service"])

    one = run_load(con, kind="services", file=_file("u1"), target_table="services", load=first)
    two = run_load(con, kind="services", file=_file("u2"), target_table="services", load=second)
    assert (two.rows_loaded, two.rows_updated, two.superseded_file_ids) == (2, 1, (one.file_id,))
    assert run(con, "SELECT service, team FROM services ORDER BY service") == [("a", "t1"), ("b", "t2"), ("c", "t2")]
    assert run(con, "SELECT file_id, status, superseded_by FROM ingest_ledger ORDER BY file_id") == [
        (one.file_id, "partially_superseded", two.file_id), (two.file_id, "loaded", None)]


def test_cost_reconciles_to_the_cent_and_redelivery_replaces_the_period(con: duckdb.DuckDBPyConnection) -> None:
    one = run_load(con, kind="t", file=_file("c1"), target_table="cost", load=_cost_loader(["1.10", "2.20"]))
    other_account = run_load(con, kind="t", file=_file("c0"), target_table="cost",
                             load=_cost_loader(["5.00"], account="222"))
    two = run_load(con, kind="t", file=_file("c2"), target_table="cost", load=_cost_loader(["1.15", "2.20", "0.01"]))
    assert one.billed_total == Decimal("3.30")
    assert two.billed_total == Decimal("3.36") and two.superseded_file_ids == (one.file_id,)
    by_account = dict(run(con, "SELECT BillingAccountId, sum(BilledCost) FROM cost GROUP BY 1"))
    assert by_account == {"111": Decimal("3.36"), "222": Decimal("5.00")}
    statuses = dict(run(con, "SELECT file_id, status FROM ingest_ledger"))
    assert statuses == {one.file_id: "superseded", other_account.file_id: "loaded", two.file_id: "loaded"}
    assert run(con, "SELECT reconciled FROM ingest_ledger WHERE file_id = $f", {"f": two.file_id}) == [(True,)]


def test_a_cost_mismatch_rolls_the_load_back(con: duckdb.DuckDBPyConnection) -> None:
    run_load(con, kind="t", file=_file("m1"), target_table="cost", load=_cost_loader(["10.00"]))
    before = run(con, "SELECT sum(BilledCost), count(*) FROM cost")
    with pytest.raises(ReconciliationError, match=r"source BilledCost total 10\.01 but warehouse total 10\.00"):
        run_load(con, kind="t", file=_file("m2"), target_table="cost",
                 load=_cost_loader(["10.00"], declared=["10.01"]))
    assert run(con, "SELECT sum(BilledCost), count(*) FROM cost") == before
    # half a cent of rounding noise is tolerated, a cent is not
    run_load(con, kind="t", file=_file("m3"), target_table="cost",
             load=_cost_loader(["10.00"], declared=["10.004"]))


def test_row_count_mismatch_is_caught(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ReconciliationError, match="2 source rows but 1 loaded"):
        run_load(con, kind="t", file=_file("r1"), target_table="cost",
                 load=_cost_loader(["1.00"], declared=["0.50", "0.50"]))


def test_extension_columns_are_validated(con: duckdb.DuckDBPyConnection) -> None:
    def load(tx: LoadTransaction) -> None:
        tx.add_extra_columns("cost", ["x_Good", "nope; DROP TABLE cost"])

    with pytest.raises(ValueError, match="x_Name"):
        run_load(con, kind="t", file=_file("x1"), target_table="cost", load=load)
