"""Shared machinery of the cost loaders: stage a source file in DuckDB, validate it, map it onto the
FOCUS columns of ``cost`` in SQL, total it exactly from the raw values and insert it.

Write path (inside one :func:`analytics.warehouse.ledger.run_load` transaction):

1. the adapter stages each data file as a temp view with a 1-based ``__row`` column
   (:func:`stage_csv`, :func:`stage_parquet`, :func:`stage_json_lines`) and describes the mapping
   as one SQL expression per ``cost`` column (:class:`Field`) plus row checks (:class:`Check`);
2. :func:`load_cost_view` runs **one** aggregate scan that yields, per billing period and
   currency, the row count, the exact source totals (``DECIMAL(38, 18)`` over the raw values, not
   the ``DECIMAL(38, 10)`` insert path) and the first row failing each check; the earliest problem
   is raised as an :class:`~analytics.errors.ExportFormatError` naming file, row and column;
3. a billing period delivered in more than one currency is refused unless ``fx_rates`` links the
   currencies for that month;
4. one ``INSERT … SELECT`` writes the rows (raw line items never pass through pandas); the
   caller then calls ``tx.replace_cost_periods()`` and the ledger reconciles to the cent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analytics.errors import ExportFormatError, UsageError
from analytics.sources._tabular import (  # noqa: F401 - reading re-exported for the cost loaders
    ROW,
    Column,
    duckdb_error,
    read_text_table,
    read_text_view,
    reading,
    table_schema,
)
from analytics.sources._values import bound_params, check_options, nul_check  # check_options: re-exported
from analytics.sources.cost._cost_mapping import (
    AMOUNT_LIMIT,
    CHARGE_CATEGORIES,
    COST_TYPE,
    EXACT,
    NESTED_TYPES,
    Check,
    Field,
    Staged,
    amount_check,
    braces,
    exact,
    json_object_map,
    json_text_check,
    lit,
    map_json,
    number_check,
    tags_entries_json,
    tags_json,
    text_list,
    timestamp_check,
    timestamp_range_checks,
)
from analytics.sources.cost._cost_staging import (
    parquet_columns,
    require_columns,
    stage_csv,
    stage_json_lines,
    stage_parquet,
)
from analytics.warehouse import run, run_quietly
from analytics.warehouse.ledger import LoadTransaction, PeriodTotal, period_order
from analytics.warehouse.sqlutil import is_extra_column, quote_identifier, quote_literal

# the mapping and staging siblings' names are part of this module's API (the cost loaders import them here)
__all__ = [
    "AMOUNT_LIMIT", "CHARGE_CATEGORIES", "COST_TYPE", "EXACT", "GOOD_ROWS", "NESTED_TYPES", "QUARANTINE", "Check",
    "Field", "Staged", "amount_check", "braces", "check_options", "describe_problem", "exact", "json_object_map",
    "json_text_check", "lit", "load_cost_view", "map_json", "number_check", "option", "parquet_columns", "rates_link",
    "raw_row_json", "refuse_first_bad_row", "require_columns", "sniff_columns", "stage_csv", "stage_json_lines",
    "stage_parquet", "tags_entries_json", "tags_json", "text_list", "timestamp_check", "timestamp_range_checks",
    "used_params"
]

log = logging.getLogger(__name__)


# -- the write -----------------------------------------------------------------------------------
def load_cost_view(
    tx: LoadTransaction,
    staged: Staged,
    fields: Mapping[str, Field],
    *,
    checks: Sequence[Check] = (),
    params: Mapping[str, Any] | None = None,
    billed_exact: str | None = None,
    effective_exact: str | None = None,
) -> int:
    """Validate, total and insert one staged file into ``cost``; return the rows inserted.

    ``billed_exact`` / ``effective_exact`` give the source totals over the raw values (default:
    the BilledCost / EffectiveCost expressions at :data:`EXACT` precision).

    A row failing a check refuses the file, or, when the user opted into quarantine
    (``--quarantine``), is set aside in ``ingest_quarantine`` with its first problem, its billing
    period, currency and raw amounts (:func:`_quarantine_bad_rows`); the good rows load and the
    ledger reconciles source = loaded + quarantined per billing period.
    """
    con = tx.con
    bound = {**bound_params(), **(params or {})}
    extras = [n for n in fields if is_extra_column(n)]
    if extras:
        tx.add_extra_columns("cost", extras)
    schema = {c.name: c for c in table_schema(con, "cost")}
    # DuckDB names are case-insensitive: an x_ column of an earlier file (x_Id) takes this file's x_id
    by_lower = {name.lower(): name for name in schema}
    fields = {by_lower.get(n.lower(), n): fld for n, fld in fields.items()}
    unknown = [n for n in fields if n not in schema]
    if unknown:
        raise ValueError(f"not columns of cost: {unknown}")
    all_checks = [*checks, *_field_checks(fields, schema, staged)]
    view = quote_identifier(staged.view)
    f = fields
    billed = billed_exact or exact(f["BilledCost"].expr)
    effective = effective_exact or exact(f["EffectiveCost"].expr)
    groups = _period_groups(con, staged, view, fields, billed, effective, all_checks, bound)
    if not groups:
        raise ExportFormatError("no data rows", file=staged.file)
    source = view
    loaded_groups = groups
    if tx.quarantines and _first_problem(groups) is not None:
        source = _quarantine_bad_rows(tx, staged, fields, all_checks, bound, billed=billed, effective=effective)
        loaded_groups = _period_groups(con, staged, source, fields, billed, effective, (), bound)
    _raise_first_problem(con, staged, groups if source == view else [], all_checks, bound)
    currency_source = f["BillingCurrency"].source
    _check_currencies(con, staged, loaded_groups, currency_source)
    _merge_totals(tx, groups, spans=loaded_groups)
    types = {n: schema[n].dtype for n in fields}
    select = ", ".join(f"CAST(({fld.expr}) AS {types[n]}) AS {quote_identifier(n)}" for n, fld in fields.items())
    with reading(staged.file):
        insert = f"SELECT {select} FROM {source}"
        try:
            return tx.insert_query("cost", insert, used_params(bound, insert))
        finally:
            if source != view:  # the quarantine's temp objects go with the file
                run_quietly(con, f"DROP VIEW IF EXISTS {GOOD_ROWS}")
                run_quietly(con, f"DROP TABLE IF EXISTS {QUARANTINE}")


def _period_groups(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    view: str,
    f: Mapping[str, Field],
    billed: str,
    effective: str,
    checks: Sequence[Check],
    bound: Mapping[str, Any],
) -> list[tuple]:
    """One aggregate scan: per billing period and currency the rows, exact source totals, first row,
    charge span and the first row failing each check (columns 8…)."""
    firsts = ", ".join(f"min({ROW}) FILTER (WHERE {c.bad})" for c in checks) or "NULL"
    sql = (
        f"SELECT TRY_CAST(({f['BillingPeriodStart'].expr}) AS TIMESTAMPTZ) AS p, "
        f"CAST(({f['BillingCurrency'].expr}) AS VARCHAR) AS c, count(*), sum({billed}), sum({effective}), "
        f"min({ROW}), min(TRY_CAST(({f['ChargePeriodStart'].expr}) AS TIMESTAMPTZ)), "
        f"max(TRY_CAST(({f['ChargePeriodEnd'].expr}) AS TIMESTAMPTZ)), {firsts} "
        f"FROM {view} GROUP BY ALL"
    )
    with reading(staged.file):
        try:
            return run(con, sql, used_params(bound, sql))
        except duckdb.OutOfRangeException as exc:
            raise ExportFormatError(
                "amounts too large to total exactly: a billing period's sum exceeds 10^20", file=staged.file
            ) from exc


QUARANTINE = "__cost_quarantine"  # temp table of the rows set aside from the file being loaded
GOOD_ROWS = "__cost_good_rows"  # temp view: the staged rows that were not set aside


def _quarantine_bad_rows(
    tx: LoadTransaction,
    staged: Staged,
    fields: Mapping[str, Field],
    checks: Sequence[Check],
    params: Mapping[str, Any],
    *,
    billed: str,
    effective: str,
) -> str:
    """Set every row failing a check aside in ``ingest_quarantine`` (its first problem in check
    order, the same message a refusal gives, its billing period, currency, provider, exact raw
    amounts and the raw row) and return a view of the remaining rows."""
    con = tx.con
    view = quote_identifier(staged.view)
    first = "CASE " + " ".join(f"WHEN coalesce(({c.bad}), false) THEN {i}" for i, c in enumerate(checks)) + " END"
    shows = [(i, c.show) for i, c in enumerate(checks) if c.show is not None]
    shown = (
        "CASE __check " + " ".join(f"WHEN {i} THEN CAST(({show}) AS VARCHAR)" for i, show in shows) + " END"
        if shows else "NULL::VARCHAR"
    )
    f = fields
    sql = (
        f"CREATE OR REPLACE TEMP TABLE {QUARANTINE} AS "
        f"SELECT {ROW}, __check, {shown} AS __shown, "
        f"TRY_CAST(({f['BillingPeriodStart'].expr}) AS TIMESTAMPTZ) AS billing_period_start, "
        f"CAST(({f['BillingCurrency'].expr}) AS VARCHAR) AS billing_currency, "
        f"TRY_CAST(({f['ProviderName'].expr}) AS VARCHAR) AS provider, "
        f"{billed} AS billed_cost, {effective} AS effective_cost, "
        f"{raw_row_json(staged)} AS raw "
        f"FROM (SELECT *, {first} AS __check FROM {view}) WHERE __check IS NOT NULL"
    )
    with reading(staged.file):
        run(con, sql, used_params(params, sql))
        problems = run(con, f"SELECT {ROW}, __check, __shown FROM {QUARANTINE} ORDER BY {ROW}")
    frame = pa.table({
        "__r": pa.array([int(r) for r, _, _ in problems], pa.int64()),
        "column_name": pa.array([checks[i].column for _, i, _ in problems], pa.string()),
        "problem": pa.array([describe_problem(checks[i], v) for _, i, v in problems], pa.string()),
    })
    name = f"{QUARANTINE}_problems"
    con.register(name, frame)
    try:
        tx.quarantine_query(
            f"SELECT q.{ROW} AS row_number, p.column_name, p.problem, q.raw, $__data_file AS data_file, "
            "q.billing_period_start, q.billing_currency, q.provider, q.billed_cost, q.effective_cost "
            f"FROM {QUARANTINE} AS q JOIN {name} AS p ON p.__r = q.{ROW}",
            {"__data_file": Path(staged.file).name},
        )
    finally:
        con.unregister(name)
    log.warning(
        "%s: %s rows quarantined (first: row %s, %s)", staged.file, f"{len(problems):,}", problems[0][0],
        checks[problems[0][1]].column,
    )
    run(
        con,
        f"CREATE OR REPLACE TEMP VIEW {GOOD_ROWS} AS SELECT v.* FROM {view} AS v "
        f"ANTI JOIN {QUARANTINE} AS q ON v.{ROW} = q.{ROW}",
    )
    return GOOD_ROWS


def refuse_first_bad_row(
    con: duckdb.DuckDBPyConnection,
    view: str,
    checks: Sequence[Check],
    *,
    file: str | Path,
    params: Mapping[str, Any] | None = None,
) -> None:
    """One scan of a staged text view (with ``__row``): raise the earliest (row, check order) row
    failing a check as an ExportFormatError naming file, row and column (for tables other than
    ``cost``, whose checks run inside :func:`load_cost_view`)."""
    if not checks:
        return
    sql = f"SELECT {', '.join(f'min({ROW}) FILTER (WHERE {c.bad})' for c in checks)} FROM {quote_identifier(view)}"
    firsts = run(con, sql, used_params(params or {}, sql))[0]
    problems = sorted((int(r), i) for i, r in enumerate(firsts) if r is not None)
    if not problems:
        return
    row, i = problems[0]
    check = checks[i]
    shown = None
    if check.show:
        value = run(con, f"SELECT CAST(({check.show}) AS VARCHAR) FROM {quote_identifier(view)} WHERE {ROW} = $__r",
                    {**used_params(params or {}, check.show), "__r": row})  # fmt: skip
        shown = value[0][0] if value else None
    raise ExportFormatError(describe_problem(check, shown), file=file, row=row, column=check.column)


def raw_row_json(staged: Staged) -> str:
    """SQL for a staged row as JSON text, the source's column names as keys (``__row`` left out)."""
    pairs = [f"{quote_literal(c)}, {quote_identifier(c)}" for c in staged.columns if c != ROW]
    return f"CAST(json_object({', '.join(pairs)}) AS VARCHAR)" if pairs else "NULL::VARCHAR"


def describe_problem(check: Check, shown: str | None) -> str:
    """A check's message, prefixed with the offending value (quoted, cut at 60 characters) when known."""
    if shown is None:
        return check.message
    text = shown if len(shown) <= 60 else shown[:57] + "..."
    return f"{text!r} {check.message}"


def used_params(params: Mapping[str, Any], sql: str) -> dict[str, Any]:
    """The parameters a statement refers to (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}


def _field_checks(fields: Mapping[str, Field], schema: Mapping[str, Column], staged: Staged) -> list[Check]:
    """Cast, plausible-range, required-value and vocabulary checks of the mapped columns."""
    out: list[Check] = []
    for name, fld in fields.items():
        target = schema[name]
        e = f"({fld.expr})"
        if target.dtype != "VARCHAR" and not fld.trusted:
            if target.dtype.startswith("DECIMAL"):
                bad = (
                    f"{e} IS NOT NULL AND (TRY_CAST({e} AS {target.dtype}) IS NULL "
                    f"OR abs(TRY_CAST({e} AS DOUBLE)) >= {AMOUNT_LIMIT})"
                )
                message = "is not a finite amount"
            elif target.dtype == "DOUBLE":
                bad = f"{e} IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST({e} AS DOUBLE)), false)"
                message = "is not a finite number"
            elif target.dtype.startswith("TIMESTAMP"):
                bad = f"{e} IS NOT NULL AND TRY_CAST({e} AS {target.dtype}) IS NULL"
                message = "is not a timestamp (ISO 8601; naive values are read as UTC)"
            else:
                bad = f"{e} IS NOT NULL AND TRY_CAST({e} AS {target.dtype}) IS NULL"
                message = f"cannot be read as {target.dtype}"
            out.append(Check(bad, message, fld.source or name, show=fld.expr))
        if target.dtype.startswith("TIMESTAMP"):
            out += timestamp_range_checks(staged, fld, name)
        if target.dtype == "VARCHAR":
            message, condition = nul_check(e)
            out.append(Check(f"coalesce({condition}, false)", message, fld.source or name))
        if not target.nullable and not target.has_default:
            out.append(Check(f"{e} IS NULL", "value is required but empty", fld.source or name))
    vocab = {
        "ChargeCategory": (
            f"({fields['ChargeCategory'].expr}) NOT IN {_tuple(CHARGE_CATEGORIES)}",
            f"is not one of {', '.join(CHARGE_CATEGORIES)}",
        ),
        "BillingCurrency": (
            f"NOT regexp_full_match(({fields['BillingCurrency'].expr}), '[A-Z]{{3}}')",
            "is not an ISO 4217 currency code",
        ),
        "ChargePeriodEnd": (
            f"TRY_CAST(({fields['ChargePeriodEnd'].expr}) AS TIMESTAMPTZ) < "
            f"TRY_CAST(({fields['ChargePeriodStart'].expr}) AS TIMESTAMPTZ)",
            "ends before ChargePeriodStart",
        ),
        "BillingPeriodEnd": (
            f"TRY_CAST(({fields['BillingPeriodEnd'].expr}) AS TIMESTAMPTZ) <= "
            f"TRY_CAST(({fields['BillingPeriodStart'].expr}) AS TIMESTAMPTZ)",
            "is not after BillingPeriodStart",
        ),
    }
    for name, (bad, message) in vocab.items():
        fld = fields[name]
        out.append(Check(bad, message, fld.source or name, show=fld.expr))
    return out


def _tuple(values: Sequence[str]) -> str:
    return "(" + ", ".join(quote_literal(v) for v in values) + ")"


def _first_problem(groups: list[tuple]) -> tuple[int, int] | None:
    """(row, check index) of the earliest problem the aggregate scan found, if any."""
    best: tuple[int, int] | None = None
    for group in groups:
        for i, row in enumerate(group[8:]):
            if row is not None and (best is None or (int(row), i) < best):
                best = (int(row), i)
    return best


def _raise_first_problem(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    groups: list[tuple],
    checks: Sequence[Check],
    params: Mapping[str, Any],
) -> None:
    """Raise the earliest (row, check order) problem found by the aggregate scan."""
    found = _first_problem(groups)
    if found is None:
        return
    row, order = found
    check = checks[order]
    shown = None
    if check.show is not None:
        value = run(
            con,
            f"SELECT CAST(({check.show}) AS VARCHAR) FROM {quote_identifier(staged.view)} "
            f"WHERE {ROW} = $__r LIMIT 1",
            {**used_params(params, check.show), "__r": row},
        )
        shown = value[0][0] if value else None
    raise ExportFormatError(describe_problem(check, shown), file=staged.file, row=row, column=check.column)


def _check_currencies(con: duckdb.DuckDBPyConnection, staged: Staged, groups: list[tuple], column: str | None) -> None:
    """Refuse a billing period delivered in several currencies unless fx_rates links them."""
    by_period: dict[datetime, list[tuple[int, str]]] = {}
    for group in groups:
        by_period.setdefault(group[0], []).append((int(group[5]), str(group[1])))
    for period, seen in sorted(by_period.items()):
        if len(seen) < 2:
            continue
        currencies = sorted({c for _, c in seen})
        if rates_link(con, period.date(), currencies):
            continue
        second = sorted(seen)[1]
        raise ExportFormatError(
            f"billing period {period:%Y-%m} mixes currencies {', '.join(currencies)}; load rates into fx_rates "
            f"for {period:%Y-%m} first (first {second[1]!r} row)",
            file=staged.file,
            row=second[0],
            column=column,
        )


def rates_link(con: duckdb.DuckDBPyConnection, month: date, currencies: Sequence[str]) -> bool:
    """Whether fx_rates has, for ``month``, a rate from every currency to one of them."""
    rows = run(
        con, "SELECT from_currency, to_currency FROM fx_rates WHERE month = date_trunc('month', $m::DATE)", {"m": month}
    )
    pairs = {(a, b) for a, b in rows} | {(b, a) for a, b in rows}
    return any(all(c == t or (c, t) in pairs for c in currencies) for t in currencies)


def _merge_totals(tx: LoadTransaction, groups: list[tuple], *, spans: list[tuple]) -> None:
    """Add one file's per-period source totals and rows (``groups``: every row, quarantined ones
    too) and the charge span of the rows it loads (``spans``) to the delivery's."""
    merged: dict[tuple[datetime, str], PeriodTotal] = {
        (p.billing_period_start, p.currency): p for p in tx.period_totals or []
    }
    for period, currency, n, billed, effective, *_ in groups:
        key = (period, currency)
        old = merged.get(key)
        merged[key] = PeriodTotal(
            period,
            currency,
            (old.billed if old else Decimal(0)) + Decimal(billed or 0),
            (old.effective if old else Decimal(0)) + Decimal(effective or 0),
            (old.rows if old else 0) + int(n),
        )
        tx.rows_read += int(n)
    for *_, start, end in (g[:8] for g in spans):
        if start is not None:
            tx.period_start = start if tx.period_start is None else min(tx.period_start, start)
        if end is not None:
            tx.period_end = end if tx.period_end is None else max(tx.period_end, end)
    tx.period_totals = [merged[k] for k in sorted(merged, key=period_order)]


# -- options -------------------------------------------------------------------------------------
def option(
    extra: Mapping[str, str], name: str, *, allowed: Sequence[str] | None = None, default: str | None = None
) -> str | None:
    """A ``--option key=value`` value, checked against ``allowed``."""
    value = extra.get(name, default)
    if value is not None and allowed is not None and value not in allowed:
        raise UsageError(f"--option {name}={value}: expected one of {', '.join(allowed)}")
    return value


# -- sniffing ------------------------------------------------------------------------------------
def sniff_columns(path: Path, head: bytes) -> list[str]:
    """Column names of a CSV/CSV.gz (from its first bytes) or parquet file; [] when unknown."""
    name = path.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        if name.endswith(".csv.gz"):
            import zlib

            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 1 << 20)
        elif not name.endswith((".csv", ".tsv")):
            return []
        import csv
        import io

        first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
        return next(csv.reader(io.StringIO(first[0])), []) if first else []
    except Exception:  # a sniffer never fails: the file is simply not recognised
        return []
