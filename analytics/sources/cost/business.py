"""Business volumes and budgets: kinds ``business-metrics`` and ``budgets`` (CSV, parquet, JSON or
YAML).

``business-metrics``: ``date, metric, dimension, value[, unit]`` (``metric_name`` is accepted for
``metric`` and ``day`` for ``date``; ``dimension`` may be left out: the company total). YAML:
``business_metrics: [{date, metric, dimension, value, unit}, …]``.

``budgets``: ``period, scope, amount, currency[, cost_basis]``. ``period`` is a label such as
``2026-07``, ``2026Q3`` or ``2026`` (parsed with :func:`analytics.periods.parse_period` into
``period_start`` / ``period_end`` and stored in its canonical spelling); ``scope`` is ``total`` or
``<dimension>:<value>`` (``provider:AWS``, ``team:payments``); ``cost_basis`` is EffectiveCost
(default) or BilledCost. YAML: ``budgets: [{period, scope, amount, currency, cost_basis}, …]``.

Rows replace earlier rows with the same natural key (date, metric, dimension / period, scope).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from analytics.errors import ExportFormatError, PeriodError, UsageError
from analytics.periods import parse_period
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._tabular import ROW, read_text_table
from analytics.sources._values import EARLIEST, bound_params, instant_checks, latest_instant, nul_check, range_text
from analytics.sources.cost._common import Check, reading, refuse_first_bad_row, sniff_columns
from analytics.warehouse import NATURAL_KEYS, run, run_quietly
from analytics.warehouse.ledger import LoadResult, LoadTransaction, fingerprint, run_load
from analytics.warehouse.sqlutil import quote_identifier

log = logging.getLogger(__name__)

VIEW = "__business_src"
YAML_TABLE = "__business_yaml"
METRIC_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "day"),
    "metric": ("metric", "metric_name"),
    "dimension": ("dimension",),
    "value": ("value",),
    "unit": ("unit",),
}
BUDGET_ALIASES: dict[str, tuple[str, ...]] = {
    "period": ("period",),
    "scope": ("scope",),
    "amount": ("amount",),
    "currency": ("currency",),
    "cost_basis": ("cost_basis",),
}
BASES: tuple[str, ...] = ("EffectiveCost", "BilledCost")


def load_business_metrics(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load daily business volumes into ``business_metrics``."""
    return _load(
        con,
        path,
        options,
        kind="business-metrics",
        table="business_metrics",
        aliases=METRIC_ALIASES,
        yaml_keys=("business_metrics", "metrics"),
    )


def load_budgets(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load cost budgets into ``budgets``."""
    return _load(con, path, options, kind="budgets", table="budgets", aliases=BUDGET_ALIASES, yaml_keys=("budgets",))


def _load(
    con: duckdb.DuckDBPyConnection,
    path: str,
    options: LoadOptions,
    *,
    kind: str,
    table: str,
    aliases: dict[str, tuple[str, ...]],
    yaml_keys: tuple[str, ...],
) -> list[LoadResult]:
    if options.extra:
        raise UsageError(f"{kind}: takes no --option")
    file = Path(path)
    if file.is_dir():
        raise UsageError(f"{file}: {kind} loads files")
    source = fingerprint(file)

    def load(tx: LoadTransaction) -> None:
        with reading(file):
            present = _stage(con, file, yaml_keys)
            columns = _resolve(present, aliases, file)
            select, params = (_metrics_select if table == "business_metrics" else _budgets_select)(con, columns, file)
            tx.rows_read = int(run(con, f"SELECT count(*) FROM {VIEW}")[0][0])
            if tx.rows_read == 0:
                raise ExportFormatError("no data rows", file=file)
            _write(tx, table, select, params, file)

    try:
        return [run_load(con, kind=kind, file=source, target_table=table, load=load, options=options.as_record())]
    finally:
        run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")
        run_quietly(con, f"DROP TABLE IF EXISTS {YAML_TABLE}")


def _stage(con: duckdb.DuckDBPyConnection, file: Path, yaml_keys: tuple[str, ...]) -> list[str]:
    """Stage the file as text with ``__row``; YAML through a small frame."""
    if file.suffix.lower() not in {".yaml", ".yml"}:
        return read_text_table(con, file, VIEW)
    try:
        doc = yaml.safe_load(file.read_text("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ExportFormatError(f"not valid YAML: {str(exc).splitlines()[0]}", file=file) from exc
    items = next((doc[k] for k in yaml_keys if isinstance(doc, dict) and k in doc), None)
    if not isinstance(items, list):
        raise ExportFormatError(f"expected a top-level '{yaml_keys[0]}:' list", file=file)
    keys: list[str] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ExportFormatError("each entry must be a mapping", file=file, row=i)
        for key in item:
            if str(key) not in keys:
                keys.append(str(key))
    frame = pd.DataFrame([{k: _text(item.get(k)) for k in keys} for item in items], columns=keys, dtype=object)
    frame[ROW] = range(1, len(frame) + 1)
    con.register(f"{YAML_TABLE}_frame", frame)
    try:
        run(con, f"CREATE OR REPLACE TEMP TABLE {YAML_TABLE} AS SELECT * FROM {YAML_TABLE}_frame")
    finally:
        con.unregister(f"{YAML_TABLE}_frame")
    casts = ", ".join(f"CAST({quote_identifier(k)} AS VARCHAR) AS {quote_identifier(k)}" for k in keys)
    run(con, f"CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT {casts}{', ' if casts else ''}{ROW} FROM {YAML_TABLE}")
    return keys


def _text(value: Any) -> str | None:
    """A YAML scalar as text (dates and numbers as written)."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        return str(value)
    return str(value)


def _resolve(present: list[str], aliases: dict[str, tuple[str, ...]], file: Path) -> dict[str, str]:
    """Canonical column -> source column (case-insensitive aliases); unknown columns are errors."""
    lowered = {p.lower(): p for p in present if p != ROW}
    found: dict[str, str] = {}
    for name, options in aliases.items():
        hits = [lowered[a] for a in options if a in lowered]
        if len(hits) > 1:
            raise ExportFormatError(f"both {hits[0]!r} and {hits[1]!r} give {name}", file=file, column=hits[1])
        if hits:
            found[name] = hits[0]
    known = {a for options in aliases.values() for a in options}
    unknown = [p for p in present if p != ROW and p.lower() not in known]
    if unknown:
        raise ExportFormatError(f"unknown column (expected {', '.join(aliases)})", file=file, column=unknown[0])
    return found


def _require(found: dict[str, str], names: tuple[str, ...], file: Path) -> None:
    missing = [n for n in names if n not in found]
    if missing:
        raise ExportFormatError(
            f"required column missing (also missing: {', '.join(missing[1:]) or 'none'})", file=file, column=missing[0]
        )


def _first_problem(
    con: duckdb.DuckDBPyConnection, checks: list[Check], file: Path, params: dict[str, Any] | None = None
) -> None:
    """Raise the earliest row failing a check."""
    refuse_first_bad_row(con, VIEW, checks, file=file, params=params)


def _range_checks(parsed: str, column: str, show: str) -> list[Check]:
    """The plausible-range rule of :mod:`analytics.sources._values` on a parsed date."""
    return [Check(f"{parsed} IS NOT NULL AND ({condition})", message, column, show=show)
            for message, condition in instant_checks(parsed)]


def _nul_checks(found: dict[str, str], c: dict[str, str], names: tuple[str, ...]) -> list[Check]:
    """No NUL character in the text columns ``names`` that the file has."""
    checks = []
    for name in names:
        if name in c:
            message, condition = nul_check(c[name])
            checks.append(Check(f"coalesce({condition}, false)", message, found[name]))
    return checks


def _metrics_select(con: duckdb.DuckDBPyConnection, found: dict[str, str], file: Path) -> tuple[str, dict[str, Any]]:
    _require(found, ("date", "metric", "value"), file)
    c = {k: quote_identifier(v) for k, v in found.items()}
    dimension = f"coalesce(trim({c['dimension']}), '')" if "dimension" in c else "''"
    checks = [
        Check(f"{c['date']} IS NULL", "value is required but empty", found["date"]),
        Check(
            f"{c['date']} IS NOT NULL AND TRY_CAST(trim({c['date']}) AS DATE) IS NULL",
            "is not a date (YYYY-MM-DD)",
            found["date"],
            show=c["date"],
        ),
        *_range_checks(f"CAST(TRY_CAST(trim({c['date']}) AS DATE) AS TIMESTAMPTZ)", found["date"], c["date"]),
        *_nul_checks(found, c, ("metric", "dimension", "unit")),
        Check(f"coalesce(trim({c['metric']}), '') = ''", "value is required but empty", found["metric"]),
        Check(f"{c['value']} IS NULL", "value is required but empty", found["value"]),
        Check(
            f"{c['value']} IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST(trim({c['value']}) AS DOUBLE)), false)",
            "is not a finite number",
            found["value"],
            show=c["value"],
        ),
    ]
    _first_problem(con, checks, file, bound_params())
    unit = f"nullif(trim({c['unit']}), '')" if "unit" in c else "NULL"
    return (
        f"SELECT CAST(trim({c['date']}) AS DATE) AS date, trim({c['metric']}) AS metric, {dimension} AS dimension, "
        f"CAST(trim({c['value']}) AS DOUBLE) AS value, {unit} AS unit, {ROW} FROM {VIEW}"
    ), {}


def _budgets_select(con: duckdb.DuckDBPyConnection, found: dict[str, str], file: Path) -> tuple[str, dict[str, Any]]:
    _require(found, ("period", "scope", "amount", "currency"), file)
    c = {k: quote_identifier(v) for k, v in found.items()}
    labels = [
        r[0] for r in run(con, f"SELECT DISTINCT trim({c['period']}) FROM {VIEW} WHERE {c['period']} IS NOT NULL")
    ]
    parsed: dict[str, Any] = {}
    bad_labels: list[str] = []
    for label in labels:
        try:
            parsed[label] = parse_period(label)
        except PeriodError:
            bad_labels.append(label)
    latest = latest_instant()
    implausible = [label for label, p in parsed.items() if not (p.start_ts >= EARLIEST and p.end_ts <= latest)]
    basis = (
        f"coalesce(nullif(trim({c['cost_basis']}), ''), 'EffectiveCost')" if "cost_basis" in c else "'EffectiveCost'"
    )
    checks = [
        Check(f"coalesce(trim({c['period']}), '') = ''", "value is required but empty", found["period"]),
        Check(
            f"list_contains($bad::VARCHAR[], trim({c['period']}))",
            "is not a period (2026-07, 2026Q3, 2026)",
            found["period"],
            show=c["period"],
        ),
        Check(
            f"list_contains($implausible::VARCHAR[], trim({c['period']}))",
            f"is outside {range_text()}",
            found["period"],
            show=c["period"],
        ),
        *_nul_checks(found, c, ("period", "scope", "currency", "cost_basis")),
        Check(f"coalesce(trim({c['scope']}), '') = ''", "value is required but empty", found["scope"]),
        Check(
            f"trim({c['scope']}) <> 'total' AND NOT regexp_full_match(trim({c['scope']}), '[A-Za-z_]+:.+')",
            "is not a scope (total or dimension:value)",
            found["scope"],
            show=c["scope"],
        ),
        Check(f"{c['amount']} IS NULL", "value is required but empty", found["amount"]),
        Check(
            f"{c['amount']} IS NOT NULL AND (TRY_CAST(trim({c['amount']}) AS DECIMAL(38, 10)) IS NULL OR "
            f"abs(TRY_CAST(trim({c['amount']}) AS DOUBLE)) >= 1e18)",
            "is not a finite amount",
            found["amount"],
            show=c["amount"],
        ),
        Check(
            f"NOT coalesce(regexp_full_match(upper(trim({c['currency']})), '[A-Z]{{3}}'), false)",
            "is not an ISO 4217 currency code",
            found["currency"],
            show=c["currency"],
        ),
        Check(
            f"{basis} NOT IN ('EffectiveCost', 'BilledCost')",
            "is not one of EffectiveCost, BilledCost",
            found.get("cost_basis"),
            show=basis,
        ),
    ]
    _first_problem(con, checks, file, {"bad": bad_labels, "implausible": implausible})
    period = f"trim({c['period']})"
    params = {
        "keys": list(parsed),
        "canon": [p.label for p in parsed.values()],
        "starts": [p.start.isoformat() for p in parsed.values()],
        "ends": [p.end.isoformat() for p in parsed.values()],
    }
    return (
        f"SELECT list_extract($canon::VARCHAR[], list_position($keys::VARCHAR[], {period})) AS period, "
        f"CAST(list_extract($starts::VARCHAR[], list_position($keys::VARCHAR[], {period})) AS DATE) "
        "AS period_start, "
        f"CAST(list_extract($ends::VARCHAR[], list_position($keys::VARCHAR[], {period})) AS DATE) AS period_end, "
        f"trim({c['scope']}) AS scope, CAST(trim({c['amount']}) AS DECIMAL(38, 10)) AS amount, "
        f"upper(trim({c['currency']})) AS currency, {basis} AS cost_basis, {ROW} FROM {VIEW}"
    ), params


def _write(tx: LoadTransaction, table: str, select: str, params: dict[str, Any], file: Path) -> None:
    """Refuse duplicate keys, then replace rows with the same natural key and insert."""
    con = tx.con
    key = NATURAL_KEYS[table]
    cols = ", ".join(quote_identifier(k) for k in key)
    dupes = run(
        con,
        f"SELECT min({ROW}), max({ROW}) FROM ({select}) GROUP BY {cols} HAVING count(*) > 1 ORDER BY 2 LIMIT 1",
        params,
    )
    if dupes:
        raise ExportFormatError(
            f"duplicate key {', '.join(key)} (first seen in row {dupes[0][0]})",
            file=file,
            row=int(dupes[0][1]),
            column=key[0],
        )
    staged = f"__business_staged_{tx.file_id}"
    run(con, f"CREATE TEMP TABLE {staged} AS SELECT * EXCLUDE ({ROW}) FROM ({select})", params)
    try:
        tx.rows_updated += tx.delete_matching(table, key=key, source=staged)
        tx.insert_query(table, f"SELECT * FROM {staged}")
    finally:
        run_quietly(con, f"DROP TABLE IF EXISTS {staged}")


def _sniff(path: Path, head: bytes, names: set[str], yaml_key: bytes) -> bool:
    if path.suffix.lower() in {".yaml", ".yml"}:
        return head.lstrip().startswith(yaml_key)
    found = {c.strip().lower() for c in sniff_columns(path, head)}
    return names <= found


def sniff_business_metrics(path: Path, head: bytes) -> bool:
    """date, metric, value columns (or a ``business_metrics:`` YAML)."""
    return _sniff(path, head, {"date", "metric", "value"}, b"business_metrics:")


def sniff_budgets(path: Path, head: bytes) -> bool:
    """period, scope, amount, currency columns (or a ``budgets:`` YAML)."""
    return _sniff(path, head, {"period", "scope", "amount", "currency"}, b"budgets:")


register(
    SourceKind(
        "business-metrics",
        "business_metrics",
        "daily business volumes: date, metric, dimension, value[, unit] (CSV, parquet, JSON, YAML)",
        load_business_metrics,
        sniff=sniff_business_metrics,
    )
)
register(
    SourceKind(
        "budgets",
        "budgets",
        "cost budgets: period (2026-07, 2026Q3), scope, amount, currency[, cost_basis] (CSV, parquet, JSON, YAML)",
        load_budgets,
        sniff=sniff_budgets,
    )
)
