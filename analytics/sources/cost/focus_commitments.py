"""FOCUS 1.3 Contract Commitment dataset (kind ``focus-commitments``; ``focus`` hands such files
here): CSV, CSV.gz or parquet into ``contract_commitments``.

The dataset (FOCUS 1.3, "Contract Commitment") has 13 columns: BillingCurrency,
ContractCommitmentCategory (Spend / Usage), ContractCommitmentCost, ContractCommitmentDescription,
ContractCommitmentId, ContractCommitmentPeriodStart / End, ContractCommitmentQuantity,
ContractCommitmentType, ContractCommitmentUnit, ContractId, ContractPeriodStart / End. Names match
case-insensitively; a ServiceProviderName column (later FOCUS versions) or ``--option provider=…``
names the provider; other columns are kept as ``x_…`` text columns.

Rules from the specification, checked per row (file, row and column on failure; nothing written):
ContractCommitmentId, ContractId, Category, Type and the four period bounds are required;
Category is Spend or Usage; ContractCommitmentCost is a decimal and required for Spend,
ContractCommitmentQuantity a number and required for Usage; BillingCurrency is ISO 4217 and
required when a cost is given; periods end after they start (end exclusive); timestamps are ISO
8601 (naive ones read as UTC) within the plausible range. The nullable columns may be absent (NULL).
A ContractCommitmentId twice in one file is refused; a later file's commitment replaces the row with
the same ContractCommitmentId (``rows_updated``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import duckdb

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._tabular import ROW, file_format, read_text_table
from analytics.sources._values import bound_params, instant_checks, nul_check
from analytics.sources.cost._common import (
    AMOUNT_LIMIT,
    COST_TYPE,
    Check,
    lit,
    reading,
    refuse_first_bad_row,
    sniff_columns,
)
from analytics.warehouse import NATURAL_KEYS, run, run_quietly
from analytics.warehouse.ledger import LoadResult, LoadTransaction, fingerprint, run_load
from analytics.warehouse.sqlutil import extra_column_name, is_extra_column, quote_identifier

log = logging.getLogger(__name__)

KIND = "focus-commitments"
TABLE = "contract_commitments"
VIEW = "__commitments_src"
STAGED = "__commitments_staged"
OPTIONS: tuple[str, ...] = ("provider",)
CATEGORIES: tuple[str, ...] = ("Spend", "Usage")
TEXT = (
    "ContractCommitmentId", "ContractId", "ContractCommitmentCategory", "ContractCommitmentType",
    "ContractCommitmentDescription", "ContractCommitmentUnit", "BillingCurrency", "ServiceProviderName",
)  # fmt: skip
TIMES = ("ContractCommitmentPeriodStart", "ContractCommitmentPeriodEnd", "ContractPeriodStart", "ContractPeriodEnd")
REQUIRED = ("ContractCommitmentId", "ContractId", "ContractCommitmentCategory", "ContractCommitmentType", *TIMES)
COLUMNS = (*TEXT, *TIMES, "ContractCommitmentCost", "ContractCommitmentQuantity")
SIGNATURE = frozenset({"contractcommitmentid", "contractid", "contractcommitmentcategory"})


def is_contract_commitment_file(columns: Sequence[str]) -> bool:
    """Whether a header is a Contract Commitment dataset (its key columns, and no BilledCost)."""
    names = {c.strip().lower() for c in columns}
    return names >= SIGNATURE and "billedcost" not in names


def load_commitments(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load one Contract Commitment file into ``contract_commitments``."""
    file = Path(path)
    if file.is_dir():
        raise UsageError(f"{file}: {KIND} loads files; name each Contract Commitment file")
    if file_format(file) == "json":
        raise ExportFormatError("a Contract Commitment dataset is CSV, CSV.gz or parquet", file=file)
    source = fingerprint(file)

    def load(tx: LoadTransaction) -> None:
        with reading(file):
            present = read_text_table(con, file, VIEW)
            tx.rows_read = int(run(con, f"SELECT count(*) FROM {VIEW}")[0][0])
            if tx.rows_read == 0:
                raise ExportFormatError("no data rows", file=file)
            found, extras = _columns(present, file)
            select, params = commitments_select(con, found, extras, file=file, provider=options.extra.get("provider"))
            _write(tx, select, params, file)
        tx.details["commitments"] = tx.rows_read

    try:
        return [run_load(con, kind=KIND, file=source, target_table=TABLE, load=load, options=options.as_record())]
    finally:
        run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")
        run_quietly(con, f"DROP TABLE IF EXISTS {STAGED}")


def _columns(present: list[str], file: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(FOCUS column -> source column, x_ column -> source column), names matched case-insensitively."""
    by_lower = {c.lower(): c for c in COLUMNS}
    found: dict[str, str] = {}
    extras: dict[str, str] = {}
    for name in present:
        if name == ROW:
            continue
        target = by_lower.get(name.lower())
        if target is None:
            try:
                target = name if is_extra_column(name) else extra_column_name(name)
            except ValueError as exc:
                raise ExportFormatError("column name cannot be kept as an x_ column", file=file, column=name) from exc
            if target.lower() in {e.lower() for e in extras}:
                raise ExportFormatError(f"column maps to {target}, as does another column", file=file, column=name)
            extras[target] = name
        else:
            found[target] = name
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        hint = "" if found else "; is this a FOCUS 1.3 Contract Commitment file?"
        raise ExportFormatError(f"required column missing (also missing: {', '.join(missing[1:]) or 'none'}){hint}",
                                file=file, column=missing[0])  # fmt: skip
    return found, extras


def commitments_select(
    con: duckdb.DuckDBPyConnection, found: dict[str, str], extras: dict[str, str], *, file: Path,
    provider: str | None,
) -> tuple[str, dict[str, object]]:
    """Check every row and return the SELECT giving ``contract_commitments`` columns (+ ``__row``)."""

    def col(name: str) -> str:
        return f"nullif(trim({quote_identifier(found[name])}), '')" if name in found else "NULL"

    def when(name: str) -> str:
        return f"TRY_CAST({col(name)} AS TIMESTAMPTZ)"

    label = found.get
    checks: list[Check] = [Check(f"{col(n)} IS NULL", "value is required but empty", label(n)) for n in REQUIRED]
    for name in TEXT:
        if name in found:
            message, condition = nul_check(col(name))
            checks.append(Check(f"coalesce({condition}, false)", message, label(name)))
    category = col("ContractCommitmentCategory")
    checks.append(Check(f"{category} NOT IN ({', '.join(lit(c) for c in CATEGORIES)})",
                        f"is not one of {', '.join(CATEGORIES)}", label("ContractCommitmentCategory"), show=category))
    for name in TIMES:
        checks.append(Check(f"{col(name)} IS NOT NULL AND {when(name)} IS NULL",
                            "is not a timestamp (ISO 8601; naive values are read as UTC)", label(name), show=col(name)))
        checks += [Check(f"{when(name)} IS NOT NULL AND ({condition})", message, label(name), show=col(name))
                   for message, condition in instant_checks(when(name), col(name))]
    for start, end in (TIMES[:2], TIMES[2:]):
        checks.append(Check(f"{when(end)} <= {when(start)}", f"is not after {start}", label(end), show=col(end)))
    cost, quantity = col("ContractCommitmentCost"), col("ContractCommitmentQuantity")
    checks += [
        Check(f"{cost} IS NOT NULL AND (TRY_CAST({cost} AS {COST_TYPE}) IS NULL "
              f"OR abs(TRY_CAST({cost} AS DOUBLE)) >= {AMOUNT_LIMIT})", "is not a finite amount",
              label("ContractCommitmentCost", "ContractCommitmentCost"), show=cost),
        Check(f"{category} = 'Spend' AND {cost} IS NULL", "is required when ContractCommitmentCategory is Spend",
              label("ContractCommitmentCost", "ContractCommitmentCost")),
        Check(f"{quantity} IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST({quantity} AS DOUBLE)), false)",
              "is not a finite number", label("ContractCommitmentQuantity", "ContractCommitmentQuantity"),
              show=quantity),
        Check(f"{category} = 'Usage' AND {quantity} IS NULL", "is required when ContractCommitmentCategory is Usage",
              label("ContractCommitmentQuantity", "ContractCommitmentQuantity")),
        Check(f"{col('BillingCurrency')} IS NOT NULL AND NOT regexp_full_match(upper({col('BillingCurrency')}), "
              "'[A-Z]{3}')", "is not an ISO 4217 currency code", label("BillingCurrency", "BillingCurrency"),
              show=col("BillingCurrency")),
        Check(f"{cost} IS NOT NULL AND {col('BillingCurrency')} IS NULL",
              "is required when ContractCommitmentCost is given", label("BillingCurrency", "BillingCurrency")),
    ]  # fmt: skip
    params: dict[str, object] = dict(bound_params())
    refuse_first_bad_row(con, VIEW, checks, file=file, params=params)
    provider_expr = col("ServiceProviderName")
    if provider is not None and "ServiceProviderName" not in found:
        params["__provider"] = provider
        provider_expr = "$__provider"
    plain = [n for n in TEXT if n not in ("BillingCurrency", "ServiceProviderName")]
    selects = [f"{col(n)} AS {quote_identifier(n)}" for n in plain]
    selects += [f"upper({col('BillingCurrency')}) AS BillingCurrency", f"{provider_expr} AS ServiceProviderName"]
    selects += [f"{when(n)} AS {quote_identifier(n)}" for n in TIMES]
    selects += [f"CAST({cost} AS {COST_TYPE}) AS ContractCommitmentCost",
                f"CAST({quantity} AS DOUBLE) AS ContractCommitmentQuantity"]
    selects += [f"{quote_identifier(src)} AS {quote_identifier(x)}" for x, src in extras.items()]
    return f"SELECT {', '.join(selects)}, {ROW} FROM {VIEW}", params


def _write(tx: LoadTransaction, select: str, params: dict[str, object], file: Path) -> None:
    """Refuse an id twice in the file, then replace earlier rows with the same id and insert."""
    con = tx.con
    used = {k: v for k, v in params.items() if f"${k}" in select}
    twice = run(con, f"SELECT min({ROW}), max({ROW}) FROM ({select}) GROUP BY ContractCommitmentId "
                     "HAVING count(*) > 1 ORDER BY 2 LIMIT 1", used)  # fmt: skip
    if twice:
        raise ExportFormatError(f"ContractCommitmentId appears twice (first in row {twice[0][0]})", file=file,
                                row=int(twice[0][1]), column="ContractCommitmentId")  # fmt: skip
    run(con, f"CREATE OR REPLACE TEMP TABLE {STAGED} AS SELECT * EXCLUDE ({ROW}) FROM ({select})", used)
    extras = [c for (c,) in run(con, f"SELECT column_name FROM (DESCRIBE {STAGED})") if is_extra_column(c)]
    if extras:
        tx.add_extra_columns(TABLE, extras)
    tx.rows_updated += tx.delete_matching(TABLE, key=NATURAL_KEYS[TABLE], source=STAGED)
    tx.insert_query(TABLE, f"SELECT * FROM {STAGED}")


def sniff_commitments(path: Path, head: bytes) -> bool:
    """A CSV or parquet file with the Contract Commitment dataset's key columns and no BilledCost."""
    return is_contract_commitment_file(sniff_columns(path, head))


register(
    SourceKind(
        KIND,
        TABLE,
        "FOCUS 1.3 Contract Commitment dataset (CSV, CSV.gz, parquet; `focus` hands these files here too)",
        load_commitments,
        sniff=sniff_commitments,
        options=OPTIONS,
    )
)
