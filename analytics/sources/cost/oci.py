"""Oracle Cloud Infrastructure cost reports (kind ``oci``): the proprietary CSV (or CSV.gz) cost
reports OCI writes to the ``bling`` Object Storage namespace (``reports/cost-csv/…``).

Oracle's schema (docs/cost-loaders.md, "OCI"): one row per resource and hour with
``lineItem/referenceNo``, ``lineItem/tenantId``, ``lineItem/intervalUsageStart`` / ``…End``,
``product/service``, ``product/compartmentId`` / ``…Name``, ``product/region``,
``product/availabilityDomain``, ``product/resourceId``, ``usage/billedQuantity``,
``cost/subscriptionId``, ``cost/productSku``, ``product/Description``, ``cost/unitPrice``,
``cost/myCost`` (inclusive of overage), ``cost/myCostOverage``, ``cost/currencyCode``,
``cost/skuUnitDescription``, ``cost/overageFlag``, ``lineItem/isCorrection``,
``lineItem/backreferenceNo``, and one ``tags/<namespace>.<key>`` (defined) or ``tags/<key>``
(free-form) column per tag. Headers are matched case-insensitively (Oracle's documentation writes
``lineItem/TenantId``, the files ``lineItem/tenantId``).

What real files do is tolerated: timestamps without seconds (``2023-11-13T05:00Z``) next to full
ones (``2023-11-13T06:00:00Z``); amounts in scientific notation (``2.323760000E-9``); CRLF or LF;
empty ``cost/currencyCode`` on zero-cost rows (filled with the file's only currency, or
``--option currency=…``; a file with two currencies and empty cells refuses those rows);
subscription ids with and without a leading zero (kept as written).

Mapping to FOCUS: BilledCost = EffectiveCost = ContractedCost = ``cost/myCost`` (one cost basis;
the report has no list price); BillingAccountId = ``cost/subscriptionId`` (else the tenancy, as
OCI's own FOCUS reports use the subscription number), SubAccountId = the tenancy;
BillingPeriodStart = the calendar month (UTC) of ``intervalUsageStart``; ChargeCategory Usage, and
``lineItem/isCorrection`` true → ChargeClass Correction; ServiceName = ``product/service`` with a
ServiceCategory table; ResourceType = the OCID's type (``ocid1.instance…`` → ``instance``); tags →
Tags (key without ``tags/``); compartment, reference numbers, overage and flags → ``x_`` columns.

OCI cost reports are **increments** (each covers about six hours, corrections arrive as new rows in
later files), so a load **adds** to the billing periods it touches instead of replacing them, and a
row whose ``lineItem/referenceNo`` an earlier current load already holds refuses the file (the same
rows must not count twice; :func:`analytics.sources.cost._deliveries.refuse_rows_already_loaded`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import duckdb

from analytics.errors import ExportFormatError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._tabular import ROW
from analytics.sources.cost._common import (
    Check,
    Field,
    Staged,
    amount_check,
    exact,
    lit,
    load_cost_view,
    number_check,
    reading,
    sniff_columns,
    stage_csv,
    tags_entries_json,
    timestamp_check,
)
from analytics.sources.cost._deliveries import (
    FileSet,
    file_sets,
    record_duplicate_rows,
    refuse_rows_already_loaded,
    refuses_duplicates,
)
from analytics.warehouse import run, run_quietly
from analytics.warehouse.ledger import LoadResult, LoadTransaction, run_load
from analytics.warehouse.sqlutil import quote_identifier

log = logging.getLogger(__name__)

KIND = "oci"
VIEW = "__oci_src"
PROVIDER = "Oracle"
OPTIONS: tuple[str, ...] = ("currency", "duplicates")
TAG_PREFIX = "tags/"
REFERENCE = "x_ReferenceNo"  # the cost column holding lineItem/referenceNo (the overlap guard's key)

# canonical name -> the documented header (matched lower-case)
COLUMNS: dict[str, str] = {
    "reference": "lineItem/referenceNo",
    "tenant": "lineItem/tenantId",
    "start": "lineItem/intervalUsageStart",
    "end": "lineItem/intervalUsageEnd",
    "service": "product/service",
    "resource": "product/resource",
    "compartment_id": "product/compartmentId",
    "compartment_name": "product/compartmentName",
    "region": "product/region",
    "availability_domain": "product/availabilityDomain",
    "resource_id": "product/resourceId",
    "billed_quantity": "usage/billedQuantity",
    "billed_quantity_overage": "usage/billedQuantityOverage",
    "subscription": "cost/subscriptionId",
    "sku": "cost/productSku",
    "description": "product/Description",
    "unit_price": "cost/unitPrice",
    "unit_price_overage": "cost/unitPriceOverage",
    "cost": "cost/myCost",
    "cost_overage": "cost/myCostOverage",
    "currency": "cost/currencyCode",
    "billing_unit": "cost/billingUnitReadable",
    "sku_unit": "cost/skuUnitDescription",
    "overage_flag": "cost/overageFlag",
    "is_correction": "lineItem/isCorrection",
    "back_reference": "lineItem/backreferenceNo",
}
REQUIRED: tuple[str, ...] = ("start", "end", "cost", "currency")
# product/service → FOCUS ServiceCategory (services seen in OCI cost reports; others are Other)
SERVICE_CATEGORIES: dict[str, str] = {
    "COMPUTE": "Compute", "CONTAINER_ENGINE": "Compute", "FUNCTIONS": "Compute", "BLOCK_STORAGE": "Storage",
    "OBJECTSTORE": "Storage", "FILE_STORAGE": "Storage", "ARCHIVE_STORAGE": "Storage", "NETWORK": "Networking",
    "LOAD_BALANCER": "Networking", "FASTCONNECT": "Networking", "DNS": "Networking", "API_GATEWAY": "Web",
    "DATABASE": "Databases", "MYSQL": "Databases", "NOSQL": "Databases", "POSTGRESQL": "Databases",
    "TELEMETRY": "Management and Governance", "LOGGING": "Management and Governance",
    "NOTIFICATIONS": "Integration", "ORACLE_STREAMING_SERVICE": "Integration", "INTEGRATION": "Integration",
    "VAULT": "Security", "KEY_MANAGEMENT": "Security", "DATA_SCIENCE": "AI and Machine Learning",
    "AI_SERVICE_LANGUAGE": "AI and Machine Learning", "ANALYTICS": "Analytics", "DATA_FLOW": "Analytics",
}


class Columns:
    """The report's headers under canonical names, and its tag columns."""

    def __init__(self, staged: Staged) -> None:
        self.staged = staged
        lowered: dict[str, str] = {}
        for name in staged.columns:
            if name == ROW:
                continue
            if name.lower() in lowered:
                raise ExportFormatError(f"column appears twice (also as {lowered[name.lower()]!r})",
                                        file=staged.file, column=name)  # fmt: skip
            lowered[name.lower()] = name
        self.found = {key: lowered[header.lower()] for key, header in COLUMNS.items() if header.lower() in lowered}
        self.tags = [c for c in staged.columns if c.lower().startswith(TAG_PREFIX) and len(c) > len(TAG_PREFIX)]

    def col(self, name: str) -> str:
        """The quoted source column, or NULL when the report lacks it."""
        return quote_identifier(self.found[name]) if name in self.found else "NULL"

    def label(self, name: str) -> str:
        """How the report spells a column (Oracle's spelling when it lacks it)."""
        return self.found.get(name, COLUMNS[name])


def load_oci(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load one OCI cost report file or folder."""
    return load_oci_paths(con, [path], options)


def load_oci_paths(con: duckdb.DuckDBPyConnection, paths: Sequence[str], options: LoadOptions) -> list[LoadResult]:
    """Load the OCI cost reports of one command; the files of one folder load together."""
    refuse = refuses_duplicates(options.extra)
    return [_load_set(con, fileset, options, refuse_duplicates=refuse)
            for fileset in file_sets(paths, formats=("csv",), kind=KIND)]  # fmt: skip


def _load_set(con: duckdb.DuckDBPyConnection, fileset: FileSet, options: LoadOptions, *,
              refuse_duplicates: bool) -> LoadResult:  # fmt: skip
    source = fileset.source_file()
    several = len(fileset.files) > 1

    def load(tx: LoadTransaction) -> None:
        data_files, filled = [], 0
        for file, part in zip(fileset.files, source.parts, strict=True):
            with reading(file):
                staged = stage_csv(con, file, VIEW)
                cols = Columns(staged)
                missing = [n for n in REQUIRED if n not in cols.found]
                if missing:
                    also = ", ".join(COLUMNS[n] for n in missing[1:]) or "none"
                    raise ExportFormatError(
                        f"required column missing (also missing: {also}); is this an OCI cost report?",
                        file=file, column=COLUMNS[missing[0]],
                    )
                currency = file_currency(con, cols, options)
                fields, checks, params = oci_fields(cols, currency=currency)
                rows = load_cost_view(tx, staged, fields, checks=checks, params=params)
                refuse_rows_already_loaded(tx, staged, column=cols.found.get("reference"), cost_column=REFERENCE)
                dups = record_duplicate_rows(tx, staged, refuse=refuse_duplicates, part=file.name if several else None)
                filled += empty_currency_rows(con, cols) if currency else 0
            data_files.append({"name": part.name, "sha256": part.sha256, "rows": rows, "duplicate_rows": dups})
        # increments: nothing is replaced (module docstring)
        tx.details.update({"data_files": data_files, "currency_filled_rows": filled, "periods": "added"})

    try:
        return run_load(con, kind=KIND, file=source, target_table="cost", load=load, options=options.as_record())
    finally:
        run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")


def file_currency(con: duckdb.DuckDBPyConnection, cols: Columns, options: LoadOptions) -> str | None:
    """The currency for empty ``cost/currencyCode`` cells: ``--option currency``, else the file's only one."""
    if "currency" in options.extra:
        return options.extra["currency"].strip().upper()
    col = cols.col("currency")
    found = run(con, f"SELECT DISTINCT upper(trim({col})) FROM {quote_identifier(cols.staged.view)} "
                     f"WHERE nullif(trim({col}), '') IS NOT NULL ORDER BY 1 LIMIT 2")  # fmt: skip
    return str(found[0][0]) if len(found) == 1 else None


def empty_currency_rows(con: duckdb.DuckDBPyConnection, cols: Columns) -> int:
    """Rows whose ``cost/currencyCode`` is empty (filled from the file's currency)."""
    col = cols.col("currency")
    return int(run(con, f"SELECT count(*) FROM {quote_identifier(cols.staged.view)} "
                        f"WHERE nullif(trim({col}), '') IS NULL")[0][0])  # fmt: skip


def oci_fields(cols: Columns, *, currency: str | None) -> tuple[dict[str, Field], list[Check], dict[str, object]]:
    """The FOCUS mapping of an OCI cost report, its row checks and bound parameters."""
    staged, c, label = cols.staged, cols.col, cols.label
    checks = [timestamp_check(staged, cols.found["start"]), timestamp_check(staged, cols.found["end"]),
              amount_check(staged, cols.found["cost"])]  # fmt: skip
    checks += [amount_check(staged, cols.found[n]) for n in ("cost_overage",) if n in cols.found]
    checks += [number_check(staged, cols.found[n]) for n in ("billed_quantity", "unit_price") if n in cols.found]
    start = f"TRY_CAST(trim({c('start')}) AS TIMESTAMPTZ)"
    end = f"TRY_CAST(trim({c('end')}) AS TIMESTAMPTZ)"
    month = f"date_trunc('month', timezone('UTC', {start}))"
    cost = exact(c("cost"))
    params: dict[str, object] = {"__services": list(SERVICE_CATEGORIES),
                                 "__categories": list(SERVICE_CATEGORIES.values())}  # fmt: skip
    written = f"nullif(upper(trim({c('currency')})), '')"
    if currency is not None:
        params["__currency"] = currency
    service = f"nullif(trim({c('service')}), '')"
    resource = f"nullif(trim({c('resource_id')}), '')"
    correction = f"lower(trim(coalesce({c('is_correction')}, ''))) IN ('true', 'y', 'yes', '1')"
    entries = ", ".join(f"{{'key': {lit(t[len(TAG_PREFIX):])}, 'value': nullif({quote_identifier(t)}, '')}}"
                        for t in cols.tags)  # fmt: skip
    fields: dict[str, Field] = {
        "ChargePeriodStart": Field(start, label("start"), trusted=True),
        "ChargePeriodEnd": Field(end, label("end"), trusted=True),
        "BilledCost": Field(cost, label("cost"), trusted=True),
        "EffectiveCost": Field(cost, label("cost"), trusted=True),
        "ContractedCost": Field(cost, label("cost"), trusted=True),
        "BillingCurrency": Field(f"coalesce({written}, $__currency)" if currency else written, label("currency")),
        "BillingAccountId": Field(f"coalesce(nullif(trim({c('subscription')}), ''), nullif(trim({c('tenant')}), ''))",
                                  label("subscription")),
        "BillingPeriodStart": Field(f"timezone('UTC', {month})", label("start"), trusted=True),
        "BillingPeriodEnd": Field(f"timezone('UTC', {month} + INTERVAL 1 MONTH)", label("start"), trusted=True),
        "ChargeCategory": Field("'Usage'", trusted=True),
        "ChargeClass": Field(f"CASE WHEN {correction} THEN 'Correction' END", label("is_correction"), trusted=True),
        "ChargeFrequency": Field("'Usage-Based'", trusted=True),
        "ChargeDescription": Field(f"nullif({c('description')}, '')"),
        "PricingQuantity": Field(f"TRY_CAST({c('billed_quantity')} AS DOUBLE)", trusted=True),
        "PricingUnit": Field(f"nullif({c('sku_unit')}, '')"),
        "ContractedUnitPrice": Field(f"TRY_CAST({c('unit_price')} AS DOUBLE)", trusted=True),
        "ProviderName": Field(lit(PROVIDER), trusted=True),
        "ServiceProviderName": Field(lit(PROVIDER), trusted=True),
        "PublisherName": Field(lit(PROVIDER), trusted=True),
        "InvoiceIssuerName": Field(lit(PROVIDER), trusted=True),
        "ServiceName": Field(f"coalesce({service}, 'Unknown')"),
        "ServiceCategory": Field(
            f"coalesce(list_extract($__categories, list_position($__services, {service})), 'Other')"
        ),
        "RegionId": Field(f"nullif(trim({c('region')}), '')"),
        "RegionName": Field(f"nullif(trim({c('region')}), '')"),
        "AvailabilityZone": Field(f"nullif(trim({c('availability_domain')}), '')"),
        "ResourceId": Field(resource),
        "ResourceType": Field(f"nullif(regexp_extract({resource}, '^ocid1\\.([A-Za-z0-9_]+)\\.', 1), '')"),
        "SkuId": Field(f"nullif(trim({c('sku')}), '')"),
        "SubAccountId": Field(f"nullif(trim({c('tenant')}), '')"),
        "Tags": Field(tags_entries_json(f"[{entries}]") if cols.tags else "NULL", trusted=True),
        "x_UsageType": Field(f"nullif({c('billing_unit')}, '')"),
        "x_SourceLineItemType": Field(f"CASE WHEN {correction} THEN 'Correction' ELSE 'Usage' END", trusted=True),
        REFERENCE: Field(f"nullif(trim({c('reference')}), '')"),
        "x_BackReferenceNo": Field(f"nullif(trim({c('back_reference')}), '')"),
        "x_CompartmentId": Field(f"nullif(trim({c('compartment_id')}), '')"),
        "x_CompartmentName": Field(f"nullif({c('compartment_name')}, '')"),
        "x_MyCostOverage": Field(f"nullif(trim({c('cost_overage')}), '')"),
        "x_OverageFlag": Field(f"nullif(trim({c('overage_flag')}), '')"),
    }
    return fields, checks, params


def sniff_oci(path: Path, head: bytes) -> bool:
    """An OCI cost report: ``lineItem/intervalUsageStart`` and ``cost/myCost`` columns."""
    names = {c.strip().lower() for c in sniff_columns(path, head)}
    return {"lineitem/intervalusagestart", "cost/mycost"} <= names


register(
    SourceKind(
        KIND,
        "cost",
        "Oracle Cloud (OCI) cost reports, reports/cost-csv (CSV, CSV.gz; a folder of reports; increments add up)",
        load_oci,
        sniff=sniff_oci,
        load_paths=load_oci_paths,
        options=OPTIONS,
    )
)
