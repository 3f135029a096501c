"""``opsreview status``: what is loaded, from where, for which period, and whether it reconciles."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from analytics.warehouse import CANONICAL_TABLES, connect, run, schema_version


@dataclass
class WarehouseStatus:
    """A snapshot of the ledger and the canonical tables."""

    warehouse: str
    schema_version: int
    tables: dict[str, int] = field(default_factory=dict)
    kinds: list[dict[str, Any]] = field(default_factory=list)
    cost_periods: list[dict[str, Any]] = field(default_factory=list)
    recent: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "warehouse": self.warehouse,
            "schema_version": self.schema_version,
            "tables": self.tables,
            "kinds": self.kinds,
            "cost_periods": self.cost_periods,
            "recent_loads": self.recent,
        }

    def as_text(self) -> str:
        """Human-readable summary."""
        lines = [f"warehouse {self.warehouse} (schema v{self.schema_version})", "", "rows per table:"]
        lines += [f"  {t:18s} {n:>12,}" for t, n in self.tables.items()]
        lines += ["", "loaded files by kind:"]
        if not self.kinds:
            lines.append("  nothing loaded yet: `opsreview demo` or `opsreview ingest KIND PATH…`")
        for k in self.kinds:
            lines.append(
                f"  {k['source_kind']:18s} {k['files']:>4} file(s) ({k['superseded']} superseded)  "
                f"{k['rows']:>10,} rows  {k['first'] or '-'} → {k['last'] or '-'}"
            )
        if self.cost_periods:
            lines += ["", "cost by billing period (BilledCost loaded [+ quarantined = source]; "
                      "every load reconciled to the cent):"]
            for p in self.cost_periods:
                flag = "ok" if p["reconciled"] else "NOT RECONCILED"
                if p["duplicate_rows"]:
                    flag += f", {p['duplicate_rows']:,} duplicate rows loaded as delivered"
                amount = f"{p['billed']:>16,.2f}"
                if p["quarantined_rows"]:
                    unreadable = p["quarantined_unreadable_amounts"]
                    note = f", {unreadable:,} without a readable amount" if unreadable else ""
                    amount += (f" + {p['quarantined_billed']:,.2f} quarantined ({p['quarantined_rows']:,} row(s){note})"
                               f" = {p['source_billed']:,.2f}")
                lines.append(
                    f"  {p['billing_period'] or '(unreadable)':7s}  {p['provider'] or '-':14s} "
                    f"{p['currency'] or '-'}  {amount}  "
                    f"{p['files']} load(s), {p['deliveries']} delivery(ies)  {flag}"
                )
        warned = [r for r in self.recent if r.get("warnings")]
        if warned:
            lines += ["", "recent loads with warnings (ledger details.warnings):"]
            for r in warned:
                lines += [f"  file {r['file_id']} {r['file_name']}: {w}" for w in r["warnings"]]
        return "\n".join(lines)


# Cost per billing period, provider and currency: what is loaded (cost) and what was set aside with
# --quarantine (ingest_quarantine) by loads that are still current for that period, so that
# loaded + quarantined is the source total. A quarantined row of a partially superseded load counts
# while that load still has rows in its billing period; rows whose period was unreadable have period NULL.
COST_PERIODS_SQL = """
WITH lines AS (
    SELECT strftime(BillingPeriodStart, '%Y-%m') AS period, ProviderName AS provider,
           BillingCurrency AS currency, source_file_id AS file_id, sum(BilledCost) AS billed,
           0 AS q_rows, 0 AS q_billed, 0 AS q_unreadable
    FROM cost GROUP BY ALL
    UNION ALL
    SELECT strftime(q.billing_period_start, '%Y-%m'), q.provider, q.billing_currency, q.file_id, 0,
           count(*), coalesce(sum(q.billed_cost), 0), count(*) FILTER (WHERE q.billed_cost IS NULL)
    FROM ingest_quarantine q JOIN ingest_ledger l ON l.file_id = q.file_id
    WHERE l.target_table = 'cost' AND (l.status = 'loaded' OR (l.status = 'partially_superseded' AND EXISTS (
        SELECT 1 FROM cost c WHERE c.source_file_id = q.file_id AND c.BillingPeriodStart = q.billing_period_start)))
    GROUP BY ALL
)
SELECT x.period, x.provider, x.currency, sum(x.billed), sum(x.q_rows), sum(x.q_billed), sum(x.q_unreadable),
       count(DISTINCT x.file_id),
       count(DISTINCT coalesce(l.delivery_id, l.file_id)), bool_and(coalesce(l.reconciled, false))
FROM lines x JOIN ingest_ledger l ON l.file_id = x.file_id
GROUP BY ALL ORDER BY x.period NULLS LAST, x.provider NULLS LAST, x.currency NULLS LAST
"""


def warehouse_status(warehouse: str) -> WarehouseStatus:
    """Read the ledger and table sizes of a warehouse (read-only)."""
    con = connect(warehouse, read_only=True)
    try:
        status = WarehouseStatus(warehouse, schema_version(con))
        status.tables = {t: int(run(con, f"SELECT count(*) FROM {t}")[0][0]) for t in CANONICAL_TABLES}
        for kind, files, superseded, rows, first, last in run(
            con,
            "SELECT source_kind, count(*), count(*) FILTER (WHERE status = 'superseded'), "
            "sum(rows_loaded) FILTER (WHERE status <> 'superseded'), "
            "min(period_start)::DATE, max(period_end)::DATE FROM ingest_ledger GROUP BY ALL ORDER BY ALL",
        ):
            status.kinds.append({"source_kind": kind, "files": files, "superseded": superseded,
                                 "rows": int(rows or 0), "first": first, "last": last})
        duplicates = {
            (period, provider, currency): int(n)
            for period, provider, currency, n in run(
                con,
                # exact duplicate line items per period, only in the loads whose ledger row counted some
                "SELECT strftime(BillingPeriodStart, '%Y-%m'), ProviderName, BillingCurrency, "
                "count(*) - count(DISTINCT c) FROM cost c WHERE source_file_id IN "
                "(SELECT file_id FROM ingest_ledger WHERE duplicate_rows > 0) GROUP BY ALL ORDER BY ALL",
            )
        }
        for period, provider, currency, billed, q_rows, q_billed, q_unreadable, files, deliveries, reconciled in run(
            con, COST_PERIODS_SQL
        ):
            status.cost_periods.append({"billing_period": period, "provider": provider, "currency": currency,
                                        "billed": float(billed), "files": files, "deliveries": deliveries,
                                        "reconciled": bool(reconciled),
                                        "duplicate_rows": duplicates.get((period, provider, currency), 0),
                                        "quarantined_rows": int(q_rows), "quarantined_billed": float(q_billed),
                                        "quarantined_unreadable_amounts": int(q_unreadable),
                                        "source_billed": float(billed + q_billed)})
        for *row, variant, warnings in run(
            con,
            "SELECT file_id, source_kind, file_name, status, rows_loaded, loaded_at, "
            "details->>'$.variant', details->'$.warnings' FROM ingest_ledger ORDER BY file_id DESC LIMIT 10",
        ):
            load = dict(zip(("file_id", "source_kind", "file_name", "status", "rows_loaded", "loaded_at"), row,
                            strict=True))
            load["variant"] = variant
            load["warnings"] = json.loads(warnings) if warnings else []
            status.recent.append(load)
        return status
    finally:
        con.close()
