"""FinOps KPIs on the FOCUS ``cost`` table (docs/metrics.md §4, docs/metrics.md §5).

Conventions every function here follows (docs/cost-analyses.md explains each choice):

* **Basis.** EffectiveCost (amortised) unless a KPI says otherwise; BilledCost only for invoice
  budgets. Money is summed in DuckDB as DECIMAL; frames carry floats for display, while the exact
  results that must add up (showback, movers) are computed in :class:`~decimal.Decimal` first.
* **Time.** A row belongs to the window containing its ``ChargePeriodStart``; windows are half-open
  ``[start, end)`` in UTC (:class:`~analytics.periods.Period` or :class:`Window`). "Today" is never
  the clock: forecasts start from the last complete day of data (:func:`data_complete_through`).
* **Corrections** (``ChargeClass = 'Correction'``) are never mixed into a dimension value: they are
  a line of their own in breakdowns, a column of their own in series, and listed by
  :func:`corrections` with the period they restate.
* **Dimensions** are allow-listed names (:data:`DIMENSIONS`) or ``tag:<key>``; a tag key is a bound
  value, never spliced into SQL or a JSON path. Scope filters are a :class:`CostScope`.

Why one module over 500 lines: the public FinOps KPI functions, each a thin typed wrapper over one
statement of analytics/sql with the same conventions (scope, window, Decimal money, the engine
seam); they are looked up here by analysts and notebooks as one catalogue. Allocation/showback,
commitments and unit cost are the natural next split.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from analytics.artifacts import write_json_artifact
from analytics.engines import cost_records
from analytics.errors import AnalyticsError, ParameterError
from analytics.metrics._cost_allocation import METHODS, Method, allocate_shared, cents_preserving_total, from_cents
from analytics.metrics._cost_elasticity import elasticity, loglog_points, r_squared
from analytics.metrics._cost_scope import (
    BUDGET_SCOPE_COLUMNS,
    DIMENSIONS,
    CostScope,
    Dimension,
    Interval,
    Window,
    parse_dimension,
    parse_tag_key,
)
from analytics.metrics.stats import MIN_N
from analytics.money import money  # the one money formatter, re-exported for the notebooks
from analytics.periods import Period

__all__ = [
    "ALL", "BUDGET_SCOPE_COLUMNS", "CORRECTIONS_LABEL", "DEFAULT_BAND", "DIMENSIONS", "GRAINS", "SHARED_NOT_ALLOCATED",
    "UNALLOCATED", "BudgetStatus", "CostScope", "Dimension", "Interval", "Showback", "ShowbackLine", "TagCoverage",
    "UnitCostSummary", "Window", "band_status", "billing_currencies", "billing_currency", "blended_unit_cost",
    "budget_status", "budget_vs_actual_by_month", "commitment_coverage", "commitment_utilisation",
    "commitment_utilisation_by_commitment", "contract_commitment_progress", "corrections",
    "cost_by_day", "cost_by_dimension", "cost_by_month", "cost_elasticity", "cost_series", "data_complete_through",
    "effective_cost_total", "fold_small_values", "money", "parse_dimension", "parse_tag_key", "savings_by_dimension",
    "savings_total", "showback", "tag_coverage", "tag_coverage_by_class", "tag_coverage_total", "top_movers",
    "trailing_window", "unit_cost_by_dimension", "unit_cost_by_month", "unit_cost_summary", "write_artifact",
]
log = logging.getLogger(__name__)

Grain = Literal["day", "week", "month"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month")
Aggregate = Literal["sum", "mean"]
DEFAULT_BAND: tuple[float, float] = (0.05, 0.10)

CORRECTIONS_LABEL = "(corrections)"


# -- windows ----------------------------------------------------------------------------------
def _label(interval: Interval) -> str:
    """A period's label, or a window's date range."""
    return str(getattr(interval, "label", f"{interval.start} – {interval.end}"))


def _days(interval: Interval) -> int:
    return (interval.end - interval.start).days


def trailing_window(interval: Interval, *, months: int) -> Window:
    """The ``months`` calendar months that end where the window ends (for trend charts).

    >>> from analytics.periods import parse_period
    >>> trailing_window(parse_period("2026Q3"), months=12).label
    '2025-10-01 – 2026-09-30'
    """
    if months < 1:
        raise ParameterError("months must be at least 1")
    end = interval.end
    first = end.replace(day=1) if end.day == 1 else (end.replace(day=28) + timedelta(days=4)).replace(day=1)
    index = first.year * 12 + first.month - 1 - months
    return Window(date(index // 12, index % 12 + 1, 1), end)


def _previous(interval: Interval) -> Interval:
    """The comparison window: the previous period of the same grain, or the preceding window."""
    if isinstance(interval, Period):
        return interval.previous()
    return Window(interval.start, interval.end).previous()


ALL = CostScope()


# -- running statements ------------------------------------------------------------------------
def _window_params(interval: Interval) -> dict[str, Any]:
    return {"start": interval.start_ts, "end": interval.end_ts}


def _records(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Run ``analytics/sql/<name>.sql`` with the parameters it uses (on the connection's cost engine when
    one is attached and the statement reads only ``cost``); rows as dicts with exact Decimals."""
    return cost_records(con, name, params)


def _to_float(value: Any) -> float | None:
    """Decimal/number → float; None and NaN stay None."""
    if value is None:
        return None
    out = float(value)
    return None if math.isnan(out) else out


_BOOLEAN_COLUMNS = frozenset({"is_correction", "partial", "taggable", "restates_earlier_period", "sufficient",
                              "on_track"})
_OTHER_COLUMNS = frozenset({
    "value", "dimension", "row_class", "state", "status", "cost_basis", "currency", "commitment_id", "commitment_name",
    "commitment_type", "commitment_category", "provider", "billing_account", "account", "service", "charge_category",
    "description", "invoice_id", "corrects_month", "direction", "bucket", "kind", "month", "bucket_start",
    "bucket_end", "complete_through", "billing_period_start", "charge_period_start", "contract_id", "unit",
    "period_start", "period_end",
})


def _frame(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with the given columns and stable dtypes (also when empty); Decimals become floats
    (display only)."""
    data = [{c: (_to_float(r[c]) if isinstance(r.get(c), Decimal) else r.get(c)) for c in columns} for r in records]
    frame = pd.DataFrame(data, columns=list(columns))
    for col in columns:
        if col in _BOOLEAN_COLUMNS:
            frame[col] = frame[col].astype(bool)
        elif col not in _OTHER_COLUMNS and (frame.empty or (frame[col].dtype == object and all(
                isinstance(v, (float, int)) or v is None for v in frame[col]))):
            frame[col] = pd.to_numeric(frame[col]).astype(float) if frame.empty else pd.to_numeric(frame[col])
    return frame


def _ratio(numerator: Decimal | float | None, denominator: Decimal | float | None) -> float | None:
    """numerator / denominator as a float; None on a zero or missing denominator."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(Decimal(str(numerator)) / Decimal(str(denominator)))


def billing_currencies(con: duckdb.DuckDBPyConnection, interval: Interval) -> list[str]:
    """Billing currencies of the cost rows charged or billed in a window."""
    return [r["currency"] for r in _records(con, "cost_currencies", _window_params(interval))]


def billing_currency(con: duckdb.DuckDBPyConnection, *intervals: Interval) -> str | None:
    """The one billing currency of the windows (None without cost); several are an error, not a sum."""
    found = sorted({c for i in intervals for c in billing_currencies(con, i)})
    if len(found) > 1:
        raise AnalyticsError(
            f"cost in several currencies ({', '.join(found)}) in {', '.join(_label(i) for i in intervals)}: "
            "sums would mix them; convert to one currency first or filter to one billing account"
        )
    return found[0] if found else None


# -- cost by dimension, series, movers ---------------------------------------------------------
def _change_records(
    con: duckdb.DuckDBPyConnection, before: Interval, after: Interval, *, dim: Dimension, scope: CostScope
) -> list[dict[str, Any]]:
    params = {"a_start": before.start_ts, "a_end": before.end_ts, "b_start": after.start_ts,
              "b_end": after.end_ts, **dim.params(), **scope.params()}
    return _records(con, "cost_change_by_dimension", params)


def cost_by_dimension(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    dimension: str | Dimension = "provider",
    scope: CostScope = ALL,
    previous: Interval | None = None,
) -> pd.DataFrame:
    """EffectiveCost per dimension value with its change against the previous period (QoQ for a quarter).

    Corrections are the last line, ``(corrections)``; ``share`` is of the period's total, corrections
    included; ``change_pct`` is None where the previous period had no cost.

    >>> from analytics.warehouse import connect
    >>> from analytics.periods import parse_period
    >>> cost_by_dimension(connect(":memory:"), parse_period("2026Q3")).columns.tolist()[:4]
    ['value', 'effective_cost', 'previous_cost', 'change']
    """
    dim = parse_dimension(dimension)
    before = previous if previous is not None else _previous(period)
    billing_currency(con, period, before)
    records = _change_records(con, before, period, dim=dim, scope=scope)
    total = sum((r["cost_b"] for r in records), Decimal(0))
    out = [
        {
            "value": r["value"],
            "effective_cost": r["cost_b"],
            "previous_cost": r["cost_a"],
            "change": r["cost_b"] - r["cost_a"],
            "change_pct": _ratio(r["cost_b"] - r["cost_a"], r["cost_a"]),
            "share": _ratio(r["cost_b"], total),
            "rows": r["rows_b"],
            "is_correction": r["is_correction"],
        }
        for r in records
        if r["rows_b"] or r["rows_a"]
    ]
    return _frame(out, ["value", "effective_cost", "previous_cost", "change", "change_pct", "share", "rows",
                        "is_correction"])


def effective_cost_total(
    con: duckdb.DuckDBPyConnection, period: Interval, *, scope: CostScope = ALL
) -> Decimal:
    """Σ EffectiveCost of the rows charged in the window, corrections included (exact).

    >>> from analytics.warehouse import connect
    >>> from analytics.periods import parse_period
    >>> effective_cost_total(connect(":memory:"), parse_period("2026Q3"))
    Decimal('0')
    """
    records = _change_records(con, period, period, dim=Dimension("total"), scope=scope)
    return sum((r["cost_b"] for r in records), Decimal(0))


def cost_series(
    con: duckdb.DuckDBPyConnection,
    window: Interval,
    *,
    grain: Grain = "month",
    dimension: str | Dimension = "total",
    scope: CostScope = ALL,
) -> pd.DataFrame:
    """EffectiveCost per day, ISO week or month and dimension value (zeros filled; partial buckets flagged).

    ``effective_cost`` and ``billed_cost`` exclude corrections, whose EffectiveCost is in
    ``corrections``; ``billed_cost`` is a charge-period view, not the invoice view.
    """
    if grain not in GRAINS:
        raise ParameterError(f"grain must be one of {', '.join(GRAINS)}, got {grain!r}")
    dim = parse_dimension(dimension)
    billing_currency(con, window)
    params = {**_window_params(window), "grain": grain, **dim.params(), **scope.params()}
    records = _records(con, "cost_series_by_grain", params)
    return _frame(records, ["bucket_start", "bucket_end", "value", "effective_cost", "corrections", "billed_cost",
                            "rows", "partial"])


def cost_by_month(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    dimension: str | Dimension = "total",
    scope: CostScope = ALL,
) -> pd.DataFrame:
    """Monthly EffectiveCost (corrections in their own column) per dimension value."""
    return cost_series(con, period, grain="month", dimension=dimension, scope=scope)


def cost_by_day(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    dimension: str | Dimension = "total",
    scope: CostScope = ALL,
) -> pd.DataFrame:
    """Daily EffectiveCost (corrections in their own column) per dimension value; rows with a charge
    period longer than a day (monthly fees, tax) count on the day their charge period starts."""
    return cost_series(con, period, grain="day", dimension=dimension, scope=scope)


def top_movers(
    con: duckdb.DuckDBPyConnection,
    before: Interval,
    after: Interval,
    *,
    dimension: str | Dimension = "service",
    scope: CostScope = ALL,
    limit: int = 10,
    per_day: bool = False,
) -> pd.DataFrame:
    """The values whose EffectiveCost changed most between two windows, with each one's contribution.

    ``change`` is after − before (daily averages when ``per_day``, for windows of unequal length);
    the ``limit`` largest absolute changes are listed one by one and the rest are summed into
    ``other increases`` and ``other decreases`` — never netted against each other — so the
    ``change`` column adds up exactly to the total change. ``contribution`` = change / total change
    (adds up to 1); ``contribution_pp`` = change / total before (adds up to the total growth rate).
    """
    if limit < 1:
        raise ParameterError("limit must be at least 1")
    dim = parse_dimension(dimension)
    billing_currency(con, before, after)
    records = _change_records(con, before, after, dim=dim, scope=scope)
    a_div = Decimal(_days(before)) if per_day else Decimal(1)
    b_div = Decimal(_days(after)) if per_day else Decimal(1)
    items = [{"value": r["value"], "cost_before": r["cost_a"] / a_div, "cost_after": r["cost_b"] / b_div}
             for r in records if r["rows_a"] or r["rows_b"]]
    for item in items:
        item["change"] = item["cost_after"] - item["cost_before"]
    items.sort(key=lambda i: (-abs(i["change"]), i["value"]))
    total_before = sum((i["cost_before"] for i in items), Decimal(0))
    total_change = sum((i["change"] for i in items), Decimal(0))
    shown, rest = items[:limit], items[limit:]
    for sign, name in ((1, "other increases"), (-1, "other decreases")):
        group = [i for i in rest if (i["change"] > 0 if sign > 0 else i["change"] < 0)]
        if group:
            shown.append({
                "value": f"{name} ({len(group)} {'value' if len(group) == 1 else 'values'})",
                "cost_before": sum((i["cost_before"] for i in group), Decimal(0)),
                "cost_after": sum((i["cost_after"] for i in group), Decimal(0)),
                "change": sum((i["change"] for i in group), Decimal(0)),
                "grouped": len(group),
            })
    out = []
    for rank, item in enumerate(shown, start=1):
        change = item["change"]
        out.append({
            "rank": rank,
            "value": item["value"],
            "cost_before": item["cost_before"],
            "cost_after": item["cost_after"],
            "change": change,
            "change_pct": _ratio(change, item["cost_before"]),
            "contribution": _ratio(change, total_change),
            "contribution_pp": _ratio(change, total_before),
            "direction": "up" if change > 0 else "down" if change < 0 else "flat",
            "grouped_values": item.get("grouped", 1),
        })
    return _frame(out, ["rank", "value", "cost_before", "cost_after", "change", "change_pct", "contribution",
                        "contribution_pp", "direction", "grouped_values"])


# -- tag coverage --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TagCoverage:
    """Coverage of one tag key: cost-weighted (the headline) and by rows, over taggable usage."""

    tag_key: str
    cost_share: float | None
    row_share: float | None
    taggable_cost: float
    tagged_cost: float
    taggable_rows: int
    tagged_rows: int
    untaggable_cost: float
    untaggable_rows: int

    @property
    def untagged_cost(self) -> float:
        """Taggable cost without the tag."""
        return self.taggable_cost - self.tagged_cost


def tag_coverage_by_class(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    tag_key: str = "team",
    dimension: str | Dimension = "total",
    scope: CostScope = ALL,
) -> pd.DataFrame:
    """Cost and rows per dimension value and row class, with the tagged part; only class ``usage`` is
    taggable — tax, support, purchases, credits, unused commitment and corrections cannot carry tags."""
    dim = parse_dimension(dimension)
    key = parse_tag_key(tag_key)
    params = {**_window_params(period), "tag_key": key, **dim.params(), **scope.params()}
    records = _records(con, "cost_tag_coverage_by_class", params)
    return _frame(records, ["value", "row_class", "taggable", "cost", "tagged_cost", "rows", "tagged_rows"])


def tag_coverage(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    tag_key: str = "team",
    dimension: str | Dimension = "total",
    scope: CostScope = ALL,
) -> pd.DataFrame:
    """Tag coverage per dimension value: cost share (headline) and row share over taggable usage, plus
    the untaggable cost shown apart. None where a value has no taggable cost."""
    dim = parse_dimension(dimension)
    params = {**_window_params(period), "tag_key": parse_tag_key(tag_key), **dim.params(), **scope.params()}
    sums: dict[str, dict[str, Any]] = {}
    for r in _records(con, "cost_tag_coverage_by_class", params):
        acc = sums.setdefault(r["value"], {"taggable_cost": Decimal(0), "tagged_cost": Decimal(0),
                                           "taggable_rows": 0, "tagged_rows": 0, "untaggable_cost": Decimal(0),
                                           "untaggable_rows": 0})
        if r["taggable"]:
            acc["taggable_cost"] += r["cost"]
            acc["tagged_cost"] += r["tagged_cost"]
            acc["taggable_rows"] += r["rows"]
            acc["tagged_rows"] += r["tagged_rows"]
        else:
            acc["untaggable_cost"] += r["cost"]
            acc["untaggable_rows"] += r["rows"]
    rows = [
        {"value": value, "cost_coverage": _ratio(acc["tagged_cost"], acc["taggable_cost"]),
         "row_coverage": _ratio(acc["tagged_rows"], acc["taggable_rows"]),
         "untagged_cost": acc["taggable_cost"] - acc["tagged_cost"], **acc}
        for value, acc in sorted(sums.items())
    ]
    return _frame(rows, ["value", "cost_coverage", "row_coverage", "taggable_cost", "tagged_cost", "untagged_cost",
                         "taggable_rows", "tagged_rows", "untaggable_cost", "untaggable_rows"])


def tag_coverage_total(
    con: duckdb.DuckDBPyConnection, period: Interval, *, tag_key: str = "team", scope: CostScope = ALL
) -> TagCoverage:
    """Tag coverage of all cost in scope: Σ EffectiveCost of taggable usage carrying a non-empty tag /
    Σ EffectiveCost of taggable usage (docs/metrics.md §4), and the same by rows.

    >>> from analytics.warehouse import connect
    >>> from analytics.periods import parse_period
    >>> tag_coverage_total(connect(":memory:"), parse_period("2026Q3")).cost_share is None
    True
    """
    key = parse_tag_key(tag_key)
    frame = tag_coverage(con, period, tag_key=key, dimension="total", scope=scope)
    if frame.empty:
        return TagCoverage(key, None, None, 0.0, 0.0, 0, 0, 0.0, 0)
    row = frame.iloc[0]
    return TagCoverage(
        tag_key=key,
        cost_share=None if pd.isna(row["cost_coverage"]) else float(row["cost_coverage"]),
        row_share=None if pd.isna(row["row_coverage"]) else float(row["row_coverage"]),
        taggable_cost=float(row["taggable_cost"]),
        tagged_cost=float(row["tagged_cost"]),
        taggable_rows=int(row["taggable_rows"]),
        tagged_rows=int(row["tagged_rows"]),
        untaggable_cost=float(row["untaggable_cost"]),
        untaggable_rows=int(row["untaggable_rows"]),
    )


# -- showback --------------------------------------------------------------------------------------
UNALLOCATED = "unallocated"
SHARED_NOT_ALLOCATED = "shared (no recipient)"


@dataclass(frozen=True)
class ShowbackLine:
    """One bucket of a showback: its direct cost, its share of the shared pool and the total, in cents."""

    bucket: str
    kind: Literal["direct", "unallocated", "correction", "shared"]
    direct_cost: Decimal
    shared_cost: Decimal
    total_cost: Decimal
    rows: int


@dataclass(frozen=True)
class Showback:
    """EffectiveCost shown back to the values of one tag key, shared cost allocated, to the cent."""

    tag_key: str
    method: Method
    method_requested: Method
    lines: tuple[ShowbackLine, ...]
    shared_pool: tuple[tuple[str, Decimal], ...]
    exact_total: Decimal
    declared_shared_values: tuple[str, ...] = ()
    declared_shared_services: tuple[str, ...] = ()
    fixed_shares: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        """Σ of the lines' totals: the exact total rounded to the cent."""
        return sum((line.total_cost for line in self.lines), Decimal(0))

    @property
    def shared_total(self) -> Decimal:
        """The shared pool in cents."""
        return sum((line.shared_cost for line in self.lines), Decimal(0))

    @property
    def unallocated(self) -> Decimal:
        """Cost without the tag that was not declared shared."""
        return sum((ln.total_cost for ln in self.lines if ln.kind == "unallocated"), Decimal(0))

    def describe_method(self) -> str:
        """The allocation rule in words, for the report: plain text (no Markdown), since it quotes tag values
        and service names; a notebook shows it through :func:`analytics.display.md_text`."""
        declared = [f"{self.tag_key}={v}" for v in self.declared_shared_values] + list(self.declared_shared_services)
        pool = f"Shared cost ({', '.join(declared)})" if declared else "No cost was declared shared"
        if not declared:
            return f"{pool}; untagged cost stays in '{UNALLOCATED}'."
        rule = {
            "proportional": f"split in proportion to each {self.tag_key}'s direct EffectiveCost (Kubecost 'weighted')",
            "even": f"split evenly across the {self.tag_key} values (Kubecost 'even')",
            "fixed": "split by fixed shares " + ", ".join(f"{k} {v:g}" for k, v in self.fixed_shares),
        }[self.method]
        fallback = (" (no value had a positive direct cost, so the proportional split fell back to even)"
                    if self.method != self.method_requested else "")
        return (f"{pool} is {rule}{fallback}. Untagged cost stays in '{UNALLOCATED}' and receives no shared "
                f"cost; corrections are a line of their own. Amounts are rounded to the cent so that the lines "
                f"add up exactly to the total.")

    def shared_frame(self) -> pd.DataFrame:
        """What the shared pool is made of (exact EffectiveCost per declared source), largest first."""
        return pd.DataFrame([{"source": s, "cost": float(c)} for s, c in self.shared_pool], columns=["source", "cost"])

    def frame(self) -> pd.DataFrame:
        """The lines as a display frame (floats), largest total first, then unallocated and corrections."""
        order = {"direct": 0, "shared": 1, "unallocated": 2, "correction": 3}
        lines = sorted(self.lines, key=lambda ln: (order[ln.kind], -ln.total_cost, ln.bucket))
        total = self.total
        return pd.DataFrame(
            [{"bucket": ln.bucket, "kind": ln.kind, "direct_cost": float(ln.direct_cost),
              "shared_cost": float(ln.shared_cost), "total_cost": float(ln.total_cost),
              "share": _ratio(ln.total_cost, total), "rows": ln.rows} for ln in lines],
            columns=["bucket", "kind", "direct_cost", "shared_cost", "total_cost", "share", "rows"],
        )


def showback(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    tag_key: str = "team",
    shared_values: Sequence[str] = (),
    shared_services: Sequence[str] = (),
    method: Method = "proportional",
    fixed_shares: Mapping[str, float] | None = None,
    scope: CostScope = ALL,
) -> Showback:
    """Showback of EffectiveCost by a tag key: direct cost per value, untagged cost in an explicit
    ``unallocated`` bucket, shared cost (rows whose tag value is in ``shared_values`` or whose
    ServiceName is in ``shared_services``) allocated by ``method``; totals preserved to the cent.

    >>> from analytics.warehouse import connect
    >>> from analytics.periods import parse_period
    >>> showback(connect(":memory:"), parse_period("2026Q3")).total
    Decimal('0')
    """
    if method not in METHODS:
        raise ParameterError(f"unknown allocation method {method!r}; expected one of {', '.join(METHODS)}")
    key = parse_tag_key(tag_key)
    billing_currency(con, period)
    params = {**_window_params(period), "tag_key": key, "shared_values": list(shared_values),
              "shared_services": list(shared_services), **scope.params()}
    records = _records(con, "cost_showback_by_tag", params)
    shared = [(r["bucket"], r["cost"]) for r in records if r["kind"] == "shared"]
    own = [r for r in records if r["kind"] != "shared"]
    names = [r["bucket"] if r["kind"] == "direct" else UNALLOCATED if r["kind"] == "unallocated"
             else CORRECTIONS_LABEL for r in own]
    shared_exact = sum((cost for _, cost in shared), Decimal(0))
    cents = cents_preserving_total([r["cost"] for r in own] + [shared_exact])
    rounded = [from_cents(c) for c in cents[:-1]]
    pool = from_cents(cents[-1])
    recipients = {n: c for n, r, c in zip(names, own, rounded, strict=True) if r["kind"] == "direct"}
    used: Method = method
    allocation: dict[str, Decimal] = {}
    lines: list[ShowbackLine] = []
    if shared and (recipients or method == "fixed"):
        allocation, used = allocate_shared(recipients, pool, method=method, fixed_shares=fixed_shares)
    elif shared:
        rows = sum(r["rows"] for r in records if r["kind"] == "shared")
        lines.append(ShowbackLine(SHARED_NOT_ALLOCATED, "shared", Decimal("0.00"), pool, pool, rows))
    for name, r, direct_cost in zip(names, own, rounded, strict=True):
        part = allocation.get(name, Decimal("0.00"))
        lines.append(ShowbackLine(name, r["kind"], direct_cost, part, direct_cost + part, r["rows"]))
    for name in sorted(set(allocation) - set(names)):
        lines.append(ShowbackLine(name, "direct", Decimal("0.00"), allocation[name], allocation[name], 0))
    return Showback(
        tag_key=key,
        method=used,
        method_requested=method,
        lines=tuple(lines),
        shared_pool=tuple(sorted(shared, key=lambda s: (-s[1], s[0]))),
        exact_total=sum((r["cost"] for r in own), Decimal(0)) + shared_exact,
        declared_shared_values=tuple(shared_values),
        declared_shared_services=tuple(shared_services),
        fixed_shares=tuple(sorted((str(k), float(v)) for k, v in (fixed_shares or {}).items())),
    )


# -- budgets and forecast ------------------------------------------------------------------------
def band_status(variance_pct: float | None, band: tuple[float, float] = DEFAULT_BAND) -> str:
    """``on track`` inside ±band[0], ``at risk`` inside ±band[1], else ``off track``; ``no data`` for None.

    >>> band_status(0.064), band_status(-0.02), band_status(0.12), band_status(None)
    ('at risk', 'on track', 'off track', 'no data')
    """
    low, high = band
    if not 0 <= low <= high:
        raise ParameterError(f"band must be two increasing non-negative shares, got {band!r}")
    if variance_pct is None or (isinstance(variance_pct, float) and math.isnan(variance_pct)):
        return "no data"
    size = abs(variance_pct)
    return "on track" if size <= low else "at risk" if size <= high else "off track"


def data_complete_through(
    con: duckdb.DuckDBPyConnection, window: Interval, *, scope: CostScope = ALL
) -> date | None:
    """The exclusive end of the last complete day of usage data charged in the window (the earliest
    across providers), or None without usage. Forecasts start here — never from the clock."""
    params = {**_window_params(window), **scope.params()}
    value = _records(con, "cost_data_through", params)[0]["complete_through"]
    return None if value is None else value.date()


def _months_of(interval: Interval) -> list[Window]:
    """Calendar months overlapping the window (the window must start on a month boundary)."""
    if interval.start.day != 1:
        raise ParameterError(f"budget periods start on the 1st of a month, got {interval.start}")
    months, cursor = [], interval.start
    while cursor < interval.end:
        nxt = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
        months.append(Window(cursor, nxt))
        cursor = nxt
    return months


@dataclass(frozen=True)
class BudgetStatus:
    """Budget against actual and forecast over a whole period (the sum of its months)."""

    scope: str
    period: str
    cost_basis: str
    currency: str | None
    budget: float | None
    actual: float
    forecast: float | None
    variance: float | None
    variance_pct: float | None
    status: str
    complete: bool
    complete_through: date | None
    months_without_budget: int
    method: str


def budget_vs_actual_by_month(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    scope: str = "total",
    as_of: date | None = None,
    band: tuple[float, float] = DEFAULT_BAND,
    run_rate_days: int = 7,
) -> pd.DataFrame:
    """Budget vs actual per month of the period on the budget's own basis, with a month-end forecast,
    the variance and its band status.

    Actuals count rows charged before the end of the last complete day (``as_of`` — the last
    complete day, inclusive — or :func:`data_complete_through`). A complete month's forecast is its
    actual. A month in progress: actual to date + run-rate × remaining days, where the run-rate is
    the mean daily cost of rows charged for a day or less over the last ``run_rate_days`` complete
    days. A month not started: run-rate × its days + the recurring long-period charges (fees, tax)
    of the latest complete month. ``variance_pct`` = (forecast − budget) / budget, which is
    (actual − budget) / budget once a month is complete; ``mtd_variance_pct`` compares the actual to
    date with the budget pro-rated by days. Status: within ±band[0] on track, ±band[1] at risk.
    """
    if run_rate_days < 1:
        raise ParameterError("run_rate_days must be at least 1")
    months = _months_of(period)
    cost_scope = CostScope.from_budget_scope(scope)
    budgets = {b["month_start"]: b for b in _records(con, "cost_budget_by_month",
                                                      {**_window_params(period), "scope": scope.strip()})}
    if any(b["currencies"] > 1 or b["cost_bases"] > 1 for b in budgets.values()):
        raise AnalyticsError(f"budgets for {scope} mix currencies or cost bases within a month")
    bases = {b["cost_basis"] for b in budgets.values() if b["cost_basis"]}
    if len(bases) > 1:
        raise AnalyticsError(f"budgets for {scope} in {_label(period)} mix cost bases {sorted(bases)}")
    basis = bases.pop() if bases else "EffectiveCost"
    kind = "effective" if basis == "EffectiveCost" else "billed"
    # one month of look-back: the recurring charges of the latest complete month and the run-rate days
    lookback = Window((period.start - timedelta(days=1)).replace(day=1), period.end)
    through = as_of + timedelta(days=1) if as_of is not None else data_complete_through(con, lookback, scope=cost_scope)
    as_of_end = lookback.start if through is None else min(max(through, lookback.start), period.end)
    as_of_ts = datetime(as_of_end.year, as_of_end.month, as_of_end.day, tzinfo=UTC)
    actuals = {r["month_start"]: r for r in _records(
        con, "cost_actuals_by_month", {**_window_params(lookback), "as_of_end": as_of_ts, **cost_scope.params()})}
    rate_start = max(as_of_end - timedelta(days=run_rate_days), lookback.start)
    rate = _records(con, "cost_run_rate", {"rate_start": datetime(rate_start.year, rate_start.month, rate_start.day,
                                                                  tzinfo=UTC),
                                           "rate_end": as_of_ts, **cost_scope.params()})[0]
    rate_days = (as_of_end - max(rate_start, rate["first_day"] or as_of_end)).days
    daily = rate[f"{kind}_cost"] / rate_days if rate_days > 0 else None
    complete = [m for m in _months_of(lookback) if m.end <= as_of_end]
    recurring = actuals[complete[-1].start][f"{kind}_recurring"] if complete else Decimal(0)
    currency = billing_currency(con, lookback)
    out = []
    for month in months:
        act, bud = actuals[month.start], budgets[month.start]
        actual, budget = act[f"{kind}_cost"], bud["budget"]
        forecast: Decimal | None
        if month.end <= as_of_end:
            state, elapsed, forecast = "complete", month.days, actual
        elif month.start >= as_of_end:
            state, elapsed = "not started", 0
            forecast = None if daily is None else actual + daily * month.days + recurring
        else:
            state, elapsed = "in progress", (as_of_end - month.start).days
            forecast = None if daily is None else actual + daily * (month.days - elapsed)
        budget_to_date = None if budget is None else budget * Decimal(elapsed) / Decimal(month.days)
        variance = None if budget is None or forecast is None else forecast - budget
        variance_pct = _ratio(variance, budget)
        out.append({
            "month": month.start,
            "state": state,
            "days": month.days,
            "days_complete": elapsed,
            "budget": budget,
            "actual": actual,
            "corrections": act[f"{kind}_corrections"],
            "budget_to_date": budget_to_date,
            "mtd_variance_pct": None if not budget_to_date else _ratio(actual - budget_to_date, budget_to_date),
            "forecast": forecast,
            "variance": variance,
            "variance_pct": variance_pct,
            "status": band_status(variance_pct, band),
            "cost_basis": basis,
            "currency": bud["currency"] or currency,
            "run_rate_per_day": None if state == "complete" else daily,
            "complete_through": as_of_end,
        })
    return _frame(out, ["month", "state", "days", "days_complete", "budget", "actual", "corrections",
                        "budget_to_date", "mtd_variance_pct", "forecast", "variance", "variance_pct", "status",
                        "cost_basis", "currency", "run_rate_per_day", "complete_through"])


def budget_status(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    scope: str = "total",
    as_of: date | None = None,
    band: tuple[float, float] = DEFAULT_BAND,
    run_rate_days: int = 7,
) -> BudgetStatus:
    """Budget vs actual over the whole period: the months summed; variance % = (forecast − budget) /
    budget, i.e. (actual − budget) / budget once the period is complete (docs/metrics.md §4).

    >>> from analytics.warehouse import connect
    >>> from analytics.periods import parse_period
    >>> budget_status(connect(":memory:"), parse_period("2026Q3")).status
    'no data'
    """
    months = budget_vs_actual_by_month(con, period, scope=scope, as_of=as_of, band=band, run_rate_days=run_rate_days)
    has_budget = months["budget"].notna()
    budget = float(months.loc[has_budget, "budget"].sum()) if has_budget.any() else None
    actual = float(months["actual"].sum())
    forecast = None if months["forecast"].isna().any() else float(months["forecast"].sum())
    variance = None if budget is None or forecast is None else forecast - budget
    variance_pct = None if variance is None or not budget else variance / budget
    complete = bool((months["state"] == "complete").all())
    method = ("actuals of complete months" if complete else
              f"forecast = actual to date + mean daily cost of the last {run_rate_days} complete days × remaining "
              "days, plus the latest complete month's recurring fees for months not started")
    return BudgetStatus(
        scope=scope,
        period=_label(period),
        cost_basis=str(months["cost_basis"].iloc[0]),
        currency=months["currency"].iloc[0],
        budget=budget,
        actual=actual,
        forecast=forecast,
        variance=variance,
        variance_pct=variance_pct,
        status=band_status(variance_pct, band),
        complete=complete,
        complete_through=months["complete_through"].iloc[0],
        months_without_budget=int((~has_budget).sum()),
        method=method,
    )


# -- commitments and savings ---------------------------------------------------------------------
def commitment_utilisation_by_commitment(
    con: duckdb.DuckDBPyConnection, period: Interval, *, provider: str | None = None
) -> pd.DataFrame:
    """Utilisation per CommitmentDiscountId: Σ EffectiveCost(Used) / Σ EffectiveCost(Used + Unused)."""
    records = _records(con, "cost_commitment_utilisation_by_commitment",
                       {**_window_params(period), "provider": provider})
    return _frame(records, ["commitment_id", "commitment_name", "commitment_type", "commitment_category",
                            "provider", "used_cost", "unused_cost", "used_rows", "unused_rows", "utilisation"])


def commitment_utilisation(
    con: duckdb.DuckDBPyConnection, period: Interval, *, provider: str | None = None
) -> float | None:
    """All commitments rolled up: Σ used / Σ (used + unused) over the per-commitment sums (cost-weighted).

    >>> from analytics.warehouse import connect
    >>> from analytics.periods import parse_period
    >>> commitment_utilisation(connect(":memory:"), parse_period("2026Q3")) is None
    True
    """
    records = _records(con, "cost_commitment_utilisation_by_commitment",
                       {**_window_params(period), "provider": provider})
    used = sum((r["used_cost"] for r in records), Decimal(0))
    unused = sum((r["unused_cost"] for r in records), Decimal(0))
    return _ratio(used, used + unused)


CONTRACT_COMMITMENT_COLUMNS = ["commitment_id", "contract_id", "commitment_category", "commitment_type", "description",
                               "provider", "period_start", "period_end", "currency", "unit", "committed", "applied",
                               "charges", "elapsed", "fulfilled", "on_track"]


def contract_commitment_progress(
    con: duckdb.DuckDBPyConnection, period: Interval, *, provider: str | None = None
) -> pd.DataFrame:
    """Progress of each FOCUS 1.3 contract commitment overlapping the period: committed amount (cost
    for Spend, quantity for Usage), what usage applied to it (``ContractApplied``) from its start to
    the period's end, the share of its period elapsed by then, fulfilled = applied / committed, and
    on_track = fulfilled >= elapsed.

    >>> from analytics.warehouse import connect
    >>> from analytics.periods import parse_period
    >>> len(contract_commitment_progress(connect(":memory:"), parse_period("2026Q3")))
    0
    """
    records = _records(con, "cost_commitment_contracts_by_commitment",
                       {**_window_params(period), "provider": provider})
    for r in records:
        r["on_track"] = r["fulfilled"] is not None and r["fulfilled"] >= r["elapsed"]
    return _frame(records, CONTRACT_COMMITMENT_COLUMNS)


def commitment_coverage(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    dimension: str | Dimension = "provider",
    scope: CostScope = ALL,
) -> pd.DataFrame:
    """Commitment coverage per dimension value: Σ EffectiveCost of usage a commitment covered / Σ
    EffectiveCost of eligible usage (PricingCategory Standard or Committed; project definition)."""
    dim = parse_dimension(dimension)
    records = _records(con, "cost_commitment_coverage_by_dimension",
                       {**_window_params(period), **dim.params(), **scope.params()})
    return _frame(records, ["value", "covered_cost", "eligible_cost", "coverage", "rows"])


_SAVINGS_COLUMNS = ["value", "list_cost", "contracted_cost", "effective_cost", "negotiated_savings",
                    "commitment_savings", "total_savings", "effective_savings_rate", "unused_commitment_cost",
                    "rows", "purchase_rows_excluded", "purchase_billed_excluded", "correction_rows_excluded",
                    "unpriced_rows_excluded", "unpriced_cost_excluded"]


def savings_by_dimension(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    dimension: str | Dimension = "provider",
    scope: CostScope = ALL,
) -> pd.DataFrame:
    """Negotiated (List − Contracted), commitment (Contracted − Effective) and total (List − Effective)
    savings and the effective savings rate per dimension value, without double counting commitment
    purchases (they are left out and counted in ``purchase_*_excluded``)."""
    dim = parse_dimension(dimension)
    records = _records(con, "cost_savings_by_dimension", {**_window_params(period), **dim.params(), **scope.params()})
    for r in records:
        r["effective_savings_rate"] = _ratio(r["total_savings"], r["list_cost"])
    return _frame(records, _SAVINGS_COLUMNS)


def savings_total(
    con: duckdb.DuckDBPyConnection, period: Interval, *, scope: CostScope = ALL
) -> dict[str, float | int | None]:
    """The savings of all cost in scope as one record (see :func:`savings_by_dimension`).

    >>> from analytics.warehouse import connect
    >>> from analytics.periods import parse_period
    >>> savings_total(connect(":memory:"), parse_period("2026Q3"))["total_savings"]
    0.0
    """
    params = {**_window_params(period), **Dimension("total").params(), **scope.params()}
    records = _records(con, "cost_savings_by_dimension", params)
    out: dict[str, float | int | None] = {}
    for column in _SAVINGS_COLUMNS[1:]:
        if column == "effective_savings_rate":
            continue
        values = [r[column] for r in records]
        out[column] = int(sum(values)) if column.endswith("rows") or column.endswith("rows_excluded") else float(
            sum(values, Decimal(0)))
    out["effective_savings_rate"] = _ratio(sum((r["total_savings"] for r in records), Decimal(0)),
                                           sum((r["list_cost"] for r in records), Decimal(0)))
    return out


def corrections(con: duckdb.DuckDBPyConnection, period: Interval, *, scope: CostScope = ALL) -> pd.DataFrame:
    """Corrections to closed periods billed in the window (by BillingPeriodStart), with the month they
    correct and whether that month lies before the window (a restatement of an earlier report)."""
    records = _records(con, "cost_corrections", {**_window_params(period), **scope.params()})
    for r in records:
        charged = r["charge_period_start"]
        r["corrects_month"] = f"{charged:%Y-%m}"
        r["restates_earlier_period"] = charged < period.start_ts
    return _frame(records, ["billing_period_start", "corrects_month", "restates_earlier_period", "provider",
                            "billing_account", "account", "service", "charge_category", "description",
                            "billed_cost", "effective_cost", "invoice_id", "charge_period_start"])


# -- unit cost and elasticity ------------------------------------------------------------------------
def _unit_records(
    con: duckdb.DuckDBPyConnection,
    window: Interval,
    *,
    grain: Literal["day", "month"],
    metric: str,
    cost_tag_key: str,
    scope: CostScope,
) -> list[dict[str, Any]]:
    """Per bucket and dimension the metric reports: its volume and the cost matched to it (0 when none).

    The volume comes from the warehouse (business_volume_by_grain), the cost from the cost engine
    (cost_by_tag_by_grain); they are joined here on (bucket_start, dimension), in the volume's order."""
    params = {**_window_params(window), "grain": grain, "metric": metric, "cost_tag_key": parse_tag_key(cost_tag_key),
              **scope.params()}
    costs = {(r["bucket_start"], r["dimension"]): r for r in _records(con, "cost_by_tag_by_grain", params)}
    out = []
    for volume in _records(con, "business_volume_by_grain", params):
        cost = costs.get((volume["bucket_start"], volume["dimension"]))
        out.append({"bucket_start": volume["bucket_start"], "dimension": volume["dimension"],
                    "cost": _NO_COST if cost is None else cost["cost"],
                    "cost_rows": 0 if cost is None else int(cost["cost_rows"]),
                    "volume": volume["volume"], "volume_days": volume["volume_days"]})
    return out


_NO_COST = Decimal("0E-10")  # DECIMAL(38, 10) zero, as the warehouse returns it


def _unit_cost(cost: Decimal | float, volume: float, days: int, *, aggregate: Aggregate, per: float) -> float | None:
    """cost / (denominator / per); the denominator is Σ volume (flows) or the daily mean (gauges)."""
    if aggregate not in ("sum", "mean"):
        raise ParameterError(f"aggregate must be sum or mean, got {aggregate!r}")
    denominator = volume if aggregate == "sum" else (volume / days if days else 0.0)
    if not denominator or per <= 0:
        return None
    return float(cost) / (denominator / per)


def unit_cost_by_month(
    con: duckdb.DuckDBPyConnection,
    window: Interval,
    *,
    metric: str = "requests",
    per: float = 1000,
    aggregate: Aggregate = "sum",
    cost_tag_key: str = "service",
    scope: CostScope = ALL,
) -> pd.DataFrame:
    """Σ EffectiveCost / business volume per month and metric dimension (the trend of unit cost).

    Cost is matched to a metric dimension through the tag ``cost_tag_key`` (``service=checkout`` ↔
    requests of ``checkout``); a metric with an empty dimension is set against all cost in scope.
    ``aggregate`` is ``sum`` for flows (requests: cost per ``per`` requests) and ``mean`` for gauges
    (active tenants: cost per average tenant). ``unit_cost`` is None on a zero denominator.
    """
    records = _unit_records(con, window, grain="month", metric=metric, cost_tag_key=cost_tag_key, scope=scope)
    for r in records:
        r["unit_cost"] = _unit_cost(r["cost"], r["volume"], r["volume_days"], aggregate=aggregate, per=per)
    return _frame(records, ["bucket_start", "dimension", "cost", "volume", "volume_days", "unit_cost", "cost_rows"])


def _unit_totals(records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per dimension: Σ cost, Σ volume and days over the buckets of a window."""
    out: dict[str, dict[str, Any]] = {}
    for r in records:
        acc = out.setdefault(r["dimension"], {"cost": Decimal(0), "volume": 0.0, "days": 0})
        acc["cost"] += r["cost"]
        acc["volume"] += float(r["volume"])
        acc["days"] += int(r["volume_days"])
    return out


def unit_cost_by_dimension(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    metric: str = "requests",
    per: float = 1000,
    aggregate: Aggregate = "sum",
    cost_tag_key: str = "service",
    scope: CostScope = ALL,
    previous: Interval | None = None,
) -> pd.DataFrame:
    """Unit cost per metric dimension for the period and the previous one, with the QoQ change of the
    unit cost, the cost and the volume (see :func:`unit_cost_by_month` for the definition)."""
    before = previous if previous is not None else _previous(period)
    now = _unit_totals(_unit_records(con, period, grain="month", metric=metric, cost_tag_key=cost_tag_key,
                                     scope=scope))
    then = _unit_totals(_unit_records(con, before, grain="month", metric=metric, cost_tag_key=cost_tag_key,
                                      scope=scope))
    rows = []
    for dim_value in sorted(set(now) | set(then)):
        a, b = then.get(dim_value), now.get(dim_value)
        unit_b = _unit_cost(b["cost"], b["volume"], b["days"], aggregate=aggregate, per=per) if b else None
        unit_a = _unit_cost(a["cost"], a["volume"], a["days"], aggregate=aggregate, per=per) if a else None
        vol_b = None if b is None else (b["volume"] if aggregate == "sum" else _ratio(b["volume"], b["days"]))
        vol_a = None if a is None else (a["volume"] if aggregate == "sum" else _ratio(a["volume"], a["days"]))
        rows.append({
            "dimension": dim_value,
            "cost": None if b is None else b["cost"],
            "volume": vol_b,
            "unit_cost": unit_b,
            "previous_cost": None if a is None else a["cost"],
            "previous_volume": vol_a,
            "previous_unit_cost": unit_a,
            "unit_cost_change_pct": _ratio(unit_b - unit_a, unit_a) if unit_a and unit_b is not None else None,
            "cost_change_pct": _ratio(b["cost"] - a["cost"], a["cost"]) if a and b else None,
            "volume_change_pct": _ratio(vol_b - vol_a, vol_a) if vol_a and vol_b is not None else None,
        })
    return _frame(rows, ["dimension", "cost", "volume", "unit_cost", "previous_cost", "previous_volume",
                         "previous_unit_cost", "unit_cost_change_pct", "cost_change_pct", "volume_change_pct"])


@dataclass(frozen=True)
class UnitCostSummary:
    """Unit cost of a period over all dimensions of a metric: the blended unit cost = Σ cost / Σ volume ×
    ``per`` over the dimensions with volume (cost without volume has no unit), and each dimension's row of
    :func:`unit_cost_by_dimension`."""

    period: str
    metric: str
    per: float
    unit_cost: float | None
    by_dimension: pd.DataFrame


def blended_unit_cost(units: pd.DataFrame, *, per: float) -> float | None:
    """Σ cost / Σ volume × ``per`` over the rows of :func:`unit_cost_by_dimension` with volume.

    >>> blended_unit_cost(pd.DataFrame({"cost": [10.0, 30.0, 5.0], "volume": [1000.0, 3000.0, 0.0]}), per=1000)
    10.0
    """
    has = units["volume"].fillna(0) > 0
    total = float(units.loc[has, "volume"].sum())
    return float(units.loc[has, "cost"].fillna(0).sum()) / total * per if total else None


def unit_cost_summary(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    metric: str = "requests",
    per: float = 1000,
    cost_tag_key: str = "service",
    scope: CostScope = ALL,
) -> UnitCostSummary:
    """The blended unit cost of a flow metric (``aggregate='sum'``) over its dimensions, with the rows it
    rests on.

    >>> from analytics.periods import parse_period
    >>> from analytics.warehouse import connect
    >>> summary = unit_cost_summary(connect(":memory:"), parse_period("2026Q3"))
    >>> summary.unit_cost, len(summary.by_dimension)
    (None, 0)
    """
    units = unit_cost_by_dimension(con, period, metric=metric, per=per, cost_tag_key=cost_tag_key, scope=scope)
    return UnitCostSummary(_label(period), metric, float(per), blended_unit_cost(units, per=per), units)


def cost_elasticity(
    con: duckdb.DuckDBPyConnection,
    period: Interval,
    *,
    metric: str = "requests",
    cost_tag_key: str = "service",
    scope: CostScope = ALL,
    by_weekday: bool = True,
) -> pd.DataFrame:
    """Elasticity of daily EffectiveCost against daily volume per metric dimension: the log-log slope
    with a 95% bootstrap CI, r², n (days with positive cost and volume) and the days left out.

    With ``by_weekday`` (default) the slope is estimated within each day of the week (day-of-week fixed
    effects), so the weekly cycle — lower weekend traffic meeting a weekend scale-down — does not pass
    for volume elasticity. 1 = cost moves with volume; < 1 = economies of scale; flagged insufficient
    below n = 10.
    """
    records = _unit_records(con, period, grain="day", metric=metric, cost_tag_key=cost_tag_key, scope=scope)
    by_dim: dict[str, tuple[list[float], list[float], list[int]]] = {}
    for r in records:
        costs, volumes, days = by_dim.setdefault(r["dimension"], ([], [], []))
        costs.append(float(r["cost"]))
        volumes.append(float(r["volume"]))
        days.append(r["bucket_start"].weekday())
    rows = []
    for dim_value in sorted(by_dim):
        costs, volumes, days = by_dim[dim_value]
        groups = days if by_weekday else None
        est = elasticity(costs, volumes, groups=groups)
        _, _, dropped = loglog_points(costs, volumes)
        rows.append({"dimension": dim_value, "elasticity": est.value, "low": est.low, "high": est.high, "n": est.n,
                     "r_squared": r_squared(costs, volumes, groups), "excluded_days": dropped,
                     "sufficient": est.n >= MIN_N})
    return pd.DataFrame(rows, columns=["dimension", "elasticity", "low", "high", "n", "r_squared", "excluded_days",
                                       "sufficient"])


# -- presentation helpers ------------------------------------------------------------------------------
def fold_small_values(
    frame: pd.DataFrame,
    *,
    keep: int = 10,
    value: str = "value",
    amount: str = "effective_cost",
    by: Sequence[str] = ("bucket_start", "bucket_end", "partial"),
) -> pd.DataFrame:
    """A series with every value outside the ``keep`` largest (by absolute total ``amount``) summed into
    ``other (n values)`` per ``by`` key; every numeric column is summed, so totals are unchanged.

    >>> f = pd.DataFrame({"bucket_start": [1, 1, 1], "value": ["a", "b", "c"], "effective_cost": [5.0, 1.0, 2.0]})
    >>> fold_small_values(f, keep=1, by=["bucket_start"])["value"].tolist()
    ['a', 'other (2 values)']
    """
    totals = frame.groupby(value)[amount].sum().abs().sort_values(ascending=False, kind="stable")
    small = list(totals.index[keep:])
    if len(small) < 2:
        return frame.reset_index(drop=True)
    keys = [c for c in by if c in frame.columns]
    label = f"other ({len(small)} values)"
    folded = frame.assign(**{value: frame[value].where(~frame[value].isin(small), label)})
    numeric = [c for c in frame.columns if c not in keys and c != value and pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]
    out = folded.groupby([*keys, value], sort=True)[numeric].sum().reset_index()
    return out[[c for c in frame.columns if c in out.columns]]


# -- artifacts ---------------------------------------------------------------------------------------
def write_artifact(path: Path | None, payload: Mapping[str, Any]) -> Path | None:
    """Write a report's machine-readable results as sorted JSON (nothing when there is no output folder)."""
    written = write_json_artifact(path, payload)
    if written is not None:
        log.info("wrote %s", written)
    return written
