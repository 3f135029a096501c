"""Grow a demo warehouse to benchmark size inside DuckDB, without writing rows through Python.

``opsreview demo`` generates the company through the real vendor exports and loaders; that path
is proven but takes minutes per hundred thousand cost rows. A warehouse the size of a big CUR
(10M cost rows, 100k incidents) is made from a loaded demo by copying its rows in SQL:

* **cost**: every row ``cost_copies`` times. Copy ``k`` (``k = 0`` is the original row, unchanged)
  gets its own resources (``ResourceId``/``ResourceName`` + ``~k``), one of four sibling
  sub-accounts per account (``SubAccountId``/``SubAccountName`` + ``~(k mod 4)``; NULL stays NULL),
  a per-resource ``Name`` tag (so there are many distinct tag sets, as in a real CUR; untagged rows
  stay untagged) and its amounts and quantities times :func:`amount_factor` (0.90 … 1.10, exact in
  decimal). Charge dates, billing periods and billing accounts are kept, so every billing period
  still belongs to the file that delivered it. The mix of the demo — usage, Savings Plan and RI
  coverage, unused commitment, purchases, fees, tax, credits, a correction, NULL regions and
  accounts, an untagged share — is kept in the same proportions.
* Copies are inserted one billing period at a time, in charge order, the way monthly deliveries land:
  the table stays clustered by date as a real one is.
* **incidents** (with their timeline entries), **deployments**, **changes** and **pipeline runs**:
  every row ``incident_copies`` times, ids + ``~k`` (links between them follow the same ``k``) and
  timestamps shifted by :func:`shift_seconds` (under an hour). SLI good/total counts and business
  volumes are multiplied by the same factors as the rows they are compared with, budgets by the
  growth of EffectiveCost, so rates, unit costs and budget variances stay those of a company of
  that size rather than absurd.
* **ledger**: each file's ``rows_loaded``/``rows_read`` and, for cost files, the source and warehouse
  totals are set to what the grown rows sum to, so the file still reconciles to the cent and
  ``opsreview status`` agrees with the tables; ``details.grown`` records the copies.

Everything is deterministic (no random numbers): the same demo and copies give the same warehouse.
All of it runs in one transaction; the tag dictionary (:func:`analytics.warehouse.ledger.
refresh_cost_tags`) is brought up to date before it commits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from analytics.errors import UsageError
from analytics.warehouse import run, scalar, table_columns
from analytics.warehouse.ledger import refresh_cost_tags
from analytics.warehouse.sqlutil import quote_identifier

log = logging.getLogger(__name__)

SUB_ACCOUNTS_PER_ACCOUNT = 4
"""Copies spread over this many sibling sub-accounts of each original one."""
_COST_AMOUNTS = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingCurrencyEffectiveCost")
_COST_QUANTITIES = ("ConsumedQuantity", "PricingQuantity", "CommitmentDiscountQuantity")
_COST_BASE = "__grow_cost_base"


def amount_factor(k: int) -> str:
    """SQL decimal literal multiplying the amounts of copy ``k``: 1 for the original, 0.90–1.10 otherwise.

    >>> amount_factor(0), amount_factor(1), amount_factor(2)
    ('1.00', '1.06', '1.01')
    """
    if k == 0:
        return "1.00"
    cents = 90 + (k * 37) % 21
    return f"{cents // 100}.{cents % 100:02d}"


def shift_seconds(k: int) -> int:
    """Seconds by which copy ``k`` of an incident or deployment is later than the original (< 1 h).

    >>> shift_seconds(0), shift_seconds(1), shift_seconds(2)
    (0, 1439, 2878)
    """
    return (k * 1439) % 3600


def _factor_sql(k_column: str) -> str:
    """The amount factor of the copy in ``k_column`` as a SQL expression (mirrors :func:`amount_factor`)."""
    return (f"(CASE WHEN {k_column} = 0 THEN 1.00 ELSE (90 + ({k_column} * 37) % 21) / 100.0 END)"
            "::DECIMAL(4, 2)")


@dataclass(frozen=True)
class Growth:
    """What :func:`grow_warehouse` did."""

    cost_rows_before: int
    cost_rows: int
    incidents_before: int
    incidents: int
    cost_copies: int
    incident_copies: int

    def describe(self) -> str:
        """One line for logs."""
        return (f"grew cost {self.cost_rows_before:,} → {self.cost_rows:,} rows ({self.cost_copies}×), incidents "
                f"{self.incidents_before:,} → {self.incidents:,} ({self.incident_copies}×)")


def copies_for(target: int, base: int) -> int:
    """Copies of ``base`` rows that come closest to ``target`` rows (at least 1).

    >>> copies_for(10_000_000, 68_631), copies_for(10, 68_631)
    (146, 1)
    """
    if base <= 0:
        raise UsageError("the warehouse to grow has no rows of that kind")
    return max(1, round(target / base))


def _cost_copy_select(columns: list[str], copies: int) -> str:
    """SELECT of copies 1 … ``copies - 1`` of the base cost rows of billing period ``$month``, in charge order."""
    factor = _factor_sql("r.k")
    replaced = {
        **{c: f"(c.{c} * {factor})::DECIMAL(38, 10)" for c in _COST_AMOUNTS},
        **{c: f"c.{c} * {factor}::DOUBLE" for c in _COST_QUANTITIES},
        "ResourceId": "CASE WHEN c.ResourceId IS NULL THEN NULL ELSE c.ResourceId || '~' || r.k END",
        "ResourceName": "CASE WHEN c.ResourceName IS NULL THEN NULL ELSE c.ResourceName || '~' || r.k END",
        "SubAccountId": f"CASE WHEN c.SubAccountId IS NULL THEN NULL "
                        f"ELSE c.SubAccountId || '~' || (r.k % {SUB_ACCOUNTS_PER_ACCOUNT}) END",
        "SubAccountName": f"CASE WHEN c.SubAccountName IS NULL THEN NULL "
                          f"ELSE c.SubAccountName || '~' || (r.k % {SUB_ACCOUNTS_PER_ACCOUNT}) END",
        "Tags": "CASE WHEN c.Tags IS NULL THEN NULL ELSE json_merge_patch(c.Tags, json_object('Name', "
                "coalesce(c.ResourceId, c.ServiceName, 'shared') || '~' || r.k)) END",
    }
    items = [f"{replaced[c]} AS {quote_identifier(c)}" if c in replaced else f"c.{quote_identifier(c)}"
             for c in columns]
    return (f"SELECT {', '.join(items)} FROM {_COST_BASE} AS c CROSS JOIN range(1, {copies}) AS r(k) "
            "WHERE c.BillingPeriodStart = $month ORDER BY c.ChargePeriodStart, c.ProviderName, r.k")


def _grow_cost(con: duckdb.DuckDBPyConnection, copies: int, tick: Callable[[int], None]) -> None:
    """Insert copies 1 … ``copies - 1`` of the cost rows as they were before the first copy, one billing
    period at a time in charge order — the way monthly deliveries land, so the table stays clustered by
    date as a real one is (and statements over a quarter skip the row groups of other months)."""
    columns = table_columns(con, "cost")
    run(con, f"CREATE TEMP TABLE {_COST_BASE} AS SELECT * FROM cost")
    select = _cost_copy_select(columns, copies)
    for (month,) in run(con, f"SELECT DISTINCT BillingPeriodStart FROM {_COST_BASE} ORDER BY 1"):
        run(con, f"INSERT INTO cost BY NAME {select}", {"month": month})
        tick(1)
    run(con, f"DROP TABLE {_COST_BASE}")


_ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": ("incident_id", "source_id", "number", "deployment_id", "change_id", "problem_id"),
    "incident_events": ("incident_id",),
    "deployments": ("deployment_id", "source_id", "commit_sha"),
    "changes": ("change_id", "commit_sha", "deployment_id"),
    "pipeline_runs": ("run_id", "source_id", "head_sha"),
}
_TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": ("created_at", "impact_started_at", "acknowledged_at", "mitigated_at", "resolved_at", "closed_at"),
    "incident_events": ("event_at",),
    "deployments": ("deployed_at",),
    "changes": ("committed_at",),
    "pipeline_runs": ("started_at", "finished_at"),
}


def _copy_rows(con: duckdb.DuckDBPyConnection, table: str, copies: int) -> None:
    """Insert copies 1 … ``copies - 1`` of every row of ``table``: ids + ``~k``, times + shift."""
    shift = "((r.k * 1439) % 3600)"  # mirrors shift_seconds
    replaced = {c: f"CASE WHEN t.{c} IS NULL THEN NULL ELSE t.{c} || '~' || r.k END" for c in _ID_COLUMNS[table]}
    replaced |= {c: f"t.{c} + to_seconds({shift})" for c in _TIME_COLUMNS[table]}
    items = [f"{replaced[c]} AS {quote_identifier(c)}" if c in replaced else f"t.{quote_identifier(c)}"
             for c in table_columns(con, table)]
    run(con, f"INSERT INTO {quote_identifier(table)} BY NAME SELECT {', '.join(items)} "
             f"FROM {quote_identifier(table)} AS t CROSS JOIN range(1, {copies}) AS r(k)")


def _update_ledger(con: duckdb.DuckDBPyConnection, *, cost_copies: int, incident_copies: int) -> None:
    """Rows and reconciled totals per file as the grown tables hold them."""
    grown = json.dumps({"cost_copies": cost_copies, "incident_copies": incident_copies})
    for table in ("cost", "incidents", "incident_events", "deployments", "changes", "pipeline_runs",
                  "sli", "business_metrics", "budgets"):
        run(con, f"""
            UPDATE ingest_ledger AS l SET rows_loaded = n.rows, rows_read = n.rows,
                   details = json_merge_patch(coalesce(l.details, '{{}}'), json_object('grown', $grown::JSON))
            FROM (SELECT source_file_id, count(*) AS rows FROM {quote_identifier(table)} GROUP BY ALL) AS n
            WHERE l.file_id = n.source_file_id AND l.target_table = $table""", {"table": table, "grown": grown})
    run(con, """
        UPDATE ingest_ledger AS l
        SET source_billed_total = t.billed, warehouse_billed_total = t.billed,
            source_effective_total = t.effective, warehouse_effective_total = t.effective
        FROM (SELECT source_file_id, sum(BilledCost) AS billed, sum(EffectiveCost) AS effective
              FROM cost GROUP BY ALL) AS t
        WHERE l.file_id = t.source_file_id AND l.source_billed_total IS NOT NULL""")


def grow_warehouse(
    con: duckdb.DuckDBPyConnection, *, cost_copies: int, incident_copies: int,
    progress: Callable[[int, int], None] | None = None,
) -> Growth:
    """Multiply a loaded warehouse's rows in place (see the module docstring); one transaction.

    ``progress(done, total)`` is called after each step (the copies of one billing period's cost rows,
    then the other tables).
    """
    if cost_copies < 1 or incident_copies < 1:
        raise UsageError("copies must be at least 1")
    cost_before = int(scalar(con, "SELECT count(*) FROM cost"))
    incidents_before = int(scalar(con, "SELECT count(*) FROM incidents"))
    months = int(scalar(con, "SELECT count(DISTINCT BillingPeriodStart) FROM cost"))
    total_steps = (months if cost_copies > 1 else 0) + 1
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total_steps)

    run(con, "BEGIN TRANSACTION")
    try:
        effective_before = scalar(con, "SELECT sum(EffectiveCost) FROM cost")
        if cost_copies > 1:
            _grow_cost(con, cost_copies, tick)
        if incident_copies > 1:
            for table in _ID_COLUMNS:
                _copy_rows(con, table, incident_copies)
            run(con, "UPDATE sli SET good = good * $k, total = total * $k", {"k": incident_copies})
        effective_after = scalar(con, "SELECT sum(EffectiveCost) FROM cost")
        if effective_before and cost_copies > 1:
            run(con, "UPDATE budgets SET amount = (amount * $after / $before)::DECIMAL(38, 10)",
                {"after": effective_after, "before": effective_before})
            run(con, "UPDATE business_metrics SET value = value * $k", {"k": cost_copies})
        _update_ledger(con, cost_copies=cost_copies, incident_copies=incident_copies)
        refresh_cost_tags(con)
        run(con, "COMMIT")
    except BaseException:
        run(con, "ROLLBACK")
        raise
    tick(1)
    growth = Growth(cost_before, int(scalar(con, "SELECT count(*) FROM cost")),
                    incidents_before, int(scalar(con, "SELECT count(*) FROM incidents")),
                    cost_copies, incident_copies)
    log.info(growth.describe())
    return growth
