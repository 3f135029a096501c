"""FOCUS 1.0–1.3 Cost and Usage files (kind ``focus``): CSV, CSV.gz or parquet.

A folder, or several files of one folder named in one command, is one delivery: the parts of a
sharded export load in one transaction and replace the billing periods they carry as a whole
(``analytics/sources/cost/_deliveries.py``; ``--option delivery=replace``, ``duplicates=refuse``).

Columns are matched to ``cost`` case-insensitively (``SkuPriceid`` → ``SkuPriceId``). What real
files do is tolerated:

* ``''``, ``NULL`` and ``null`` are NULL (the FOCUS sample writes the literal ``NULL``);
* timestamps without ``T`` / ``Z`` (``2024-09-18 22:00:00``) are read as UTC;
* Tags keys are trimmed (``" org"`` → ``"org"``; the first of colliding keys is kept) and an empty
  object becomes NULL;
* FOCUS 1.3 ``ServiceProviderName`` fills ``ProviderName`` (and the other way round for ≤ 1.2);
* unknown columns are kept as ``x_…`` text columns (the FOCUS 1.0 sample's ``Id`` → ``x_Id``,
  1.3's ``AllocatedMethodId`` → ``x_AllocatedMethodId``); 1.3's ``ContractApplied`` is a JSON column of
  ``cost`` (migration 0009), joined to ``contract_commitments``;
* a FOCUS 1.3 **Contract Commitment** dataset (``ContractCommitmentId`` … and no ``BilledCost``) given
  to ``focus`` loads into ``contract_commitments`` (:mod:`analytics.sources.cost.focus_commitments`);
* the FOCUS 1.0-preview names that OCI's own FOCUS reports still write are read as their 1.0 names
  when the file lacks those (:data:`PREVIEW_NAMES`: ``Provider`` → ProviderName, ``Publisher``,
  ``InvoiceIssuer``, ``Region`` → RegionName, ``UsageQuantity`` / ``UsageUnit`` → ConsumedQuantity /
  ConsumedUnit); OCI's ``oci_…`` columns are kept as ``x_oci_…``;
* OCI's FOCUS reports (files with ``oci_ReferenceNumber``) are daily **increments**, not restatements:
  such a delivery adds to the billing periods it carries instead of replacing them, and a row whose
  ``oci_ReferenceNumber`` a current earlier load holds refuses the file (it would count twice);
* partial files such as the FOCUS specification's worked examples may lack mandatory columns:
  ``--option provider=… billing_account=… currency=…`` fill ProviderName, BillingAccountId and
  BillingCurrency where the file has no such column.

Values are loaded as given (no repair of a provider's defects such as the sample's rounded AWS
EffectiveCost); source totals per billing period and currency are summed from the raw text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import duckdb

from analytics.errors import ExportFormatError
from analytics.sources import SNIFF_BYTES, LoadOptions, SourceKind, register
from analytics.sources._tabular import file_format, table_schema
from analytics.sources.cost._common import (
    Check,
    Field,
    Staged,
    json_object_map,
    json_text_check,
    load_cost_view,
    reading,
    sniff_columns,
    stage_csv,
    stage_parquet,
    tags_json,
)
from analytics.sources.cost._deliveries import (
    DELIVERY_OPTIONS,
    FileSet,
    delivery_policy,
    file_sets,
    record_duplicate_rows,
    refuse_rows_already_loaded,
    refuses_duplicates,
)
from analytics.sources.cost.focus_commitments import is_contract_commitment_file, load_commitments
from analytics.warehouse import run_quietly
from analytics.warehouse.ledger import DeliveryPolicy, LoadResult, LoadTransaction, run_load
from analytics.warehouse.sqlutil import extra_column_name, is_extra_column, quote_identifier

log = logging.getLogger(__name__)

KIND = "focus"
VIEW = "__focus_src"
NULLS: tuple[str, ...] = ("", "NULL", "null")
OPTIONS: tuple[str, ...] = ("provider", "billing_account", "currency", *DELIVERY_OPTIONS)
FILLABLE: dict[str, str] = {
    "ProviderName": "provider",
    "BillingAccountId": "billing_account",
    "BillingCurrency": "currency",
}
# FOCUS 1.0-preview column -> its 1.0 name (used only when the file lacks the 1.0 column)
PREVIEW_NAMES: dict[str, str] = {
    "provider": "ProviderName",
    "publisher": "PublisherName",
    "invoiceissuer": "InvoiceIssuerName",
    "region": "RegionName",
    "usagequantity": "ConsumedQuantity",
    "usageunit": "ConsumedUnit",
}
OCI_REFERENCE = "oci_ReferenceNumber"  # OCI FOCUS row id: its files are increments (module docstring)
# columns introduced by each version (to record the detected version in the ledger)
SINCE: tuple[tuple[str, frozenset[str]], ...] = (
    ("1.3", frozenset({"serviceprovidername", "hostprovidername", "contractapplied", "allocatedmethodid"})),
    ("1.2", frozenset({"billingaccounttype", "invoiceid", "pricingcurrency", "subaccounttype"})),
    (
        "1.1",
        frozenset(
            {"capacityreservationid", "commitmentdiscountquantity", "servicesubcategory", "skumeter", "skupricedetails"}
        ),
    ),
)


def load_focus(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load one FOCUS file or folder (one delivery per folder of parts)."""
    return load_focus_paths(con, [path], options)


def load_focus_paths(con: duckdb.DuckDBPyConnection, paths: Sequence[str], options: LoadOptions) -> list[LoadResult]:
    """Load the FOCUS files and folders of one command: the files of one folder are one delivery
    (the parts of a sharded export), replacing the billing periods they carry with the whole set."""
    policy, refuse = delivery_policy(options.extra), refuses_duplicates(options.extra)
    results: list[LoadResult] = []
    for fileset in file_sets(paths, formats=("csv", "parquet"), kind=KIND):
        commitments = [f for f in fileset.files if is_contract_commitment_file(header_of(f))]
        if commitments and len(commitments) < len(fileset.files):
            raise ExportFormatError(
                "a FOCUS Contract Commitment file among Cost and Usage files of one delivery; load it on its own",
                file=commitments[0],
            )
        if commitments:  # the FOCUS 1.3 companion dataset: its own table
            extra = {k: v for k, v in options.extra.items() if k == "provider"}
            for file in commitments:
                log.info("%s: a FOCUS Contract Commitment dataset; loading it into contract_commitments", file)
                results += load_commitments(con, str(file), replace(options, extra=extra))
            continue
        results.append(_load_set(con, fileset, options, policy=policy, refuse_duplicates=refuse))
    return results


def header_of(file: Path) -> list[str]:
    """The column names of a CSV / CSV.gz / parquet file ([] when they cannot be read here; the
    loader then reports the problem)."""
    with file.open("rb") as handle:
        return sniff_columns(file, handle.read(SNIFF_BYTES))


def _load_set(
    con: duckdb.DuckDBPyConnection, fileset: FileSet, options: LoadOptions, *, policy: DeliveryPolicy,
    refuse_duplicates: bool,
) -> LoadResult:
    source = fileset.source_file()
    several = len(fileset.files) > 1

    def load(tx: LoadTransaction) -> None:
        versions, data_files, increments = set(), [], []
        for file, part in zip(fileset.files, source.parts, strict=True):
            with reading(file):
                staged = (
                    stage_parquet(con, file, VIEW, as_text=True)
                    if file_format(file) == "parquet"
                    else stage_csv(con, file, VIEW, nulls=NULLS)
                )
                fields, checks, params = focus_fields(tx, staged, options)
                rows = load_cost_view(tx, staged, fields, checks=checks, params=params)
                reference = oci_reference(staged)
                increments.append(reference is not None)
                if reference is not None:
                    refuse_rows_already_loaded(tx, staged, column=reference, cost_column=extra_column_name(reference))
                dups = record_duplicate_rows(tx, staged, refuse=refuse_duplicates, part=file.name if several else None)
            versions.add(focus_version(list(staged.columns)))
            data_files.append({"name": part.name, "sha256": part.sha256, "rows": rows, "duplicate_rows": dups})
        if not all(increments):
            with reading(source.path):
                tx.replace_cost_periods()
        else:
            tx.details["periods"] = "added"  # OCI FOCUS increments
        tx.details["focus_version"] = ",".join(sorted(versions))
        tx.variant = f"FOCUS {' and '.join(sorted(versions))} cost and usage"
        tx.details["data_files"] = data_files

    try:
        return run_load(
            con, kind=KIND, file=source, target_table="cost", load=load, options=options.as_record(), delivery=policy
        )
    finally:
        run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")


def focus_version(columns: list[str]) -> str:
    """The lowest FOCUS version whose columns the file has (1.0 when none of the later ones)."""
    lowered = {c.lower() for c in columns}
    for version, introduced in SINCE:
        if lowered & introduced:
            return version
    return "1.0"


def oci_reference(staged: Staged) -> str | None:
    """The ``oci_ReferenceNumber`` column of an OCI FOCUS report (any case), if the file has one."""
    return next((c for c in staged.columns if c.lower() == OCI_REFERENCE.lower()), None)


def column_targets(staged: Staged, focus_columns: list[str]) -> dict[str, str]:
    """cost column for each source column: FOCUS names case-insensitively (1.0-preview names as their
    1.0 names when the file lacks those), the rest as ``x_…``."""
    by_lower = {c.lower(): c for c in focus_columns}
    present = {c.lower() for c in staged.columns}
    targets: dict[str, str] = {}
    taken: dict[str, str] = {}
    for name in staged.columns:
        if name == "__row":
            continue
        preview = PREVIEW_NAMES.get(name.lower())
        if name.lower() in by_lower:
            target = by_lower[name.lower()]
        elif preview is not None and preview.lower() not in present:
            target = preview
        elif is_extra_column(name):
            target = name
        else:
            try:
                target = extra_column_name(name)
            except ValueError as exc:
                raise ExportFormatError(
                    "column name cannot be kept as an x_ column", file=staged.file, column=name
                ) from exc
        if target.lower() in taken:
            raise ExportFormatError(
                f"column maps to {target}, as does {taken[target.lower()]!r}", file=staged.file, column=name
            )
        taken[target.lower()] = name
        targets[name] = target
    return targets


def focus_fields(
    tx: LoadTransaction, staged: Staged, options: LoadOptions
) -> tuple[dict[str, Field], list[Check], dict[str, str]]:
    """The mapping of a FOCUS file onto ``cost``, its extra checks and bound parameters."""
    schema = [c for c in table_schema(tx.con, "cost") if c.name != "source_file_id"]
    focus_columns = [c.name for c in schema if not is_extra_column(c.name)]
    targets = column_targets(staged, focus_columns)
    source_of = {t: s for s, t in targets.items()}
    fields: dict[str, Field] = {t: Field(quote_identifier(s), s) for s, t in targets.items()}
    checks: list[Check] = []
    params: dict[str, str] = {}
    provider = source_of.get("ProviderName") or source_of.get("ServiceProviderName")
    if provider:
        fields["ProviderName"] = Field(_coalesce(source_of, "ProviderName", "ServiceProviderName"), provider)
        fields["ServiceProviderName"] = Field(_coalesce(source_of, "ServiceProviderName", "ProviderName"), provider)
    for column, key in FILLABLE.items():
        if column not in fields and key in options.extra:
            params[key] = options.extra[key]
            fields[column] = Field(f"${key}", f"--option {key}")
            if column == "ProviderName":
                fields["ServiceProviderName"] = Field(f"${key}", f"--option {key}")
    required = [c.name for c in schema if not c.nullable and not c.has_default]
    missing = [c for c in required if c not in fields]
    if missing:
        hint = f" (or --option {FILLABLE[missing[0]]}=…)" if missing[0] in FILLABLE else ""
        raise ExportFormatError(
            f"required FOCUS column missing{hint}; also missing: {', '.join(missing[1:]) or 'none'}",
            file=staged.file,
            column=missing[0],
        )
    if "Tags" in source_of:
        tags = source_of["Tags"]
        checks.append(json_text_check(staged, tags))
        fields["Tags"] = Field(tags_json(json_object_map(quote_identifier(tags))), tags, trusted=True)
    return fields, checks, params


def _coalesce(source_of: dict[str, str], first: str, second: str) -> str:
    names = [quote_identifier(source_of[c]) for c in (first, second) if c in source_of]
    return names[0] if len(names) == 1 else f"coalesce({', '.join(names)})"


def sniff_focus(path: Path, head: bytes) -> bool:
    """A CSV or parquet file with FOCUS's BilledCost and ChargePeriodStart columns."""
    names = {c.strip().lower() for c in sniff_columns(path, head)}
    return {"billedcost", "chargeperiodstart"} <= names and bool(names & {"providername", "serviceprovidername",
                                                                          "provider"})


register(
    SourceKind(
        KIND,
        "cost",
        "FOCUS 1.0–1.3 cost and usage files (CSV, CSV.gz, parquet; a folder of parts is one delivery)",
        load_focus,
        sniff=sniff_focus,
        load_paths=load_focus_paths,
        options=OPTIONS,
    )
)
