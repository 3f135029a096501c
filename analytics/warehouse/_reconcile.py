"""Reconciliation of a cost load: the source totals per billing period and currency against what landed in
``cost`` plus what was quarantined, to the cent, in rows and in both cost columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb

from analytics.errors import ReconciliationError
from analytics.warehouse import run

if TYPE_CHECKING:  # the ledger hands its transaction in; importing it at run time would be circular
    from analytics.warehouse.ledger import LoadTransaction


CENT = Decimal("0.005")  # |source − warehouse| must stay below half a cent


@dataclass(frozen=True)
class PeriodTotal:
    """Source-side cost totals of one billing period and currency, in exact decimals."""

    billing_period_start: datetime
    currency: str
    billed: Decimal
    effective: Decimal
    rows: int


def reconcile_cost(
    tx: LoadTransaction,
) -> tuple[Decimal, Decimal, Decimal, Decimal, str | None, list[dict[str, Any]]]:
    """Compare source totals per billing period and currency with what landed in ``cost`` plus what
    was quarantined (``ingest_quarantine``, --quarantine): source = loaded + quarantined, to the cent,
    in rows and in both cost columns."""
    assert tx.period_totals is not None
    landed = _period_sums(
        tx.con,
        "SELECT BillingPeriodStart, BillingCurrency, sum(BilledCost), sum(EffectiveCost), count(*) "
        "FROM cost WHERE source_file_id = $f GROUP BY ALL ORDER BY ALL",
        tx.file_id,
    )
    quarantined = _period_sums(
        tx.con,
        "SELECT billing_period_start, billing_currency, sum(billed_cost), sum(effective_cost), count(*) "
        "FROM ingest_quarantine WHERE file_id = $f GROUP BY ALL ORDER BY ALL",
        tx.file_id,
    )
    expected: dict[tuple[Any, Any], Any] = {(p.billing_period_start, p.currency): p for p in tx.period_totals}
    none = (Decimal(0), Decimal(0), 0)
    periods: list[dict[str, Any]] = []
    for key in sorted(set(landed) | set(expected) | set(quarantined), key=period_order):
        start, cur = key
        src = expected.get(key)
        got_b, got_e, got_n = landed.get(key, none)
        q_b, q_e, q_n = quarantined.get(key, none)
        src_b = src.billed if src else Decimal(0)
        src_e = src.effective if src else Decimal(0)
        src_n = src.rows if src else 0
        label = f"billing period {period_label(start)} ({cur})"
        if src_n != got_n + q_n:
            also = f" and {q_n} quarantined" if q_n else ""
            raise ReconciliationError(f"{label}: {src_n} source rows but {got_n} loaded{also}", file=tx.file.path)
        for what, a, b, q in (("BilledCost", src_b, got_b, q_b), ("EffectiveCost", src_e, got_e, q_e)):
            if abs(a - b - q) >= CENT:
                also = f" plus {q} quarantined" if q_n else ""
                raise ReconciliationError(
                    f"{label}: source {what} total {a} but warehouse total {b}{also}", file=tx.file.path
                )
        # the period's total in the warehouse must now be exactly this delivery's total
        rows = run(
            tx.con,
            "SELECT coalesce(sum(BilledCost), 0), count(DISTINCT source_file_id) FROM cost "
            "WHERE BillingPeriodStart = $s AND BillingCurrency = $c AND BillingAccountId IN "
            "(SELECT DISTINCT BillingAccountId FROM cost WHERE source_file_id = $f)",
            {"s": start, "c": cur, "f": tx.file_id},
        )
        row = rows[0] if rows else None
        entry: dict[str, Any] = {
            "billing_period_start": start.isoformat() if start is not None else None,
            "currency": cur,
            "rows": got_n,
            "source_billed": str(src_b),
            "warehouse_billed": str(got_b),
            "source_effective": str(src_e),
            "warehouse_effective": str(got_e),
            "period_billed_in_warehouse": str(row[0]) if row else None,
            "files_in_period": int(row[1]) if row else None,
        }
        if q_n:
            entry.update({"quarantined_rows": q_n, "quarantined_billed": str(q_b), "quarantined_effective": str(q_e)})
        periods.append(entry)
    currencies = sorted({p.currency for p in tx.period_totals if p.currency is not None})
    sum_b = sum((p.billed for p in tx.period_totals), Decimal(0))
    sum_e = sum((p.effective for p in tx.period_totals), Decimal(0))
    wh_b = sum((v[0] for v in landed.values()), Decimal(0))
    wh_e = sum((v[1] for v in landed.values()), Decimal(0))
    return sum_b, sum_e, wh_b, wh_e, ",".join(currencies) or None, periods


def _period_sums(
    con: duckdb.DuckDBPyConnection, sql: str, file_id: int
) -> dict[tuple[datetime | None, str | None], tuple[Decimal, Decimal, int]]:
    """(billing period, currency) → (billed, effective, rows) of one statement over one load."""
    return {
        (start, cur): (Decimal(b or 0), Decimal(e or 0), int(n))
        for start, cur, b, e, n in run(con, sql, {"f": file_id})
    }


def period_order(key: tuple[datetime | None, str | None]) -> tuple[bool, str, str]:
    """Sort key of (billing period, currency) pairs: unreadable (NULL) periods and currencies last."""
    start, cur = key
    return (start is None, start.isoformat() if start is not None else "", cur or "")


def period_label(start: datetime | None) -> str:
    """``2024-09-01``, or ``(unreadable)`` for quarantined rows whose billing period is not a date."""
    return f"{start:%Y-%m-%d}" if start is not None else "(unreadable)"
