"""GCP Cloud Billing export (kind ``gcp-billing``): exported files or BigQuery.

Inputs:

* a file exported from the billing table, or a folder of them (an export split by size into
  ``…-000000000000.json``, ``…-000000000001.json``: the files of one folder are one delivery, see
  ``analytics/sources/cost/_deliveries.py``): newline-delimited JSON (or a JSON array) or parquet with
  the nested records (``service``, ``sku``, ``project``, ``location``, ``usage``, ``invoice``,
  ``resource``, repeated ``credits`` and ``labels``), or CSV flattened with dotted headers
  (``service.description``, ``invoice.month``) whose repeated fields are JSON arrays;
* ``bq://project.dataset.table`` (standard or detailed export table), read with
  google-cloud-bigquery, querying **only the requested invoice months**:
  ``--option months=2026-07,2026-08`` or ``--option from=2026-07 --option to=2026-09`` (inclusive).
  Each row comes back as ``TO_JSON_STRING`` and is loaded exactly like an exported JSON file.
  ``--option billing_project=…`` runs the job in another project; ``--option endpoint_url=…``
  points the client at a local emulator (anonymous credentials).

Mapping (docs/cost-mappings.md §3): BilledCost = EffectiveCost = ``cost + Σ credits.amount`` (credits are
negative; this is what the invoice charges, so it reconciles; not floored at 0); ListCost =
``cost_at_list`` (else ``cost``); ContractedCost = ``cost`` (before credits); the credits are kept in
``x_Credits``. BillingPeriodStart = ``invoice.month`` at midnight America/Los_Angeles (Google's
invoice month), in UTC (``--option invoice_timezone=UTC`` to use UTC midnight); late rows and
adjustments therefore land in the invoice month that bills them. ``cost_type`` → ChargeCategory:
regular → Usage, tax → Tax, adjustment and rounding_error → Adjustment (an adjustment for usage
before its invoice month is ``ChargeClass = Correction``). ``labels`` become Tags (keys trimmed,
first of duplicates kept); SubAccount = project; ResourceId = ``resource.global_name``.

Why one module over 500 lines: one export in three carriers (files, JSON lines, BigQuery) with its
Python-literal repair; the mapping (gcp_fields) and the carriers' staging define each other's
columns.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._literals import LiteralError, python_literal_json
from analytics.sources._tabular import ROW, file_format
from analytics.sources._values import instant_checks
from analytics.sources.cost._common import (
    AMOUNT_LIMIT,
    COST_TYPE,
    Check,
    Field,
    Staged,
    check_options,
    exact,
    lit,
    load_cost_view,
    option,
    reading,
    sniff_columns,
    stage_csv,
    stage_json_lines,
    tags_entries_json,
)
from analytics.sources.cost._deliveries import (
    DELIVERY_OPTIONS,
    delivery_policy,
    file_sets,
    record_duplicate_rows,
    refuses_duplicates,
)
from analytics.warehouse import run, run_quietly
from analytics.warehouse.ledger import LoadResult, LoadTransaction, SourceFile, run_load
from analytics.warehouse.sqlutil import quote_identifier, quote_literal

log = logging.getLogger(__name__)

KIND = "gcp-billing"
VIEW = "__gcp_billing_src"
OPTIONS: tuple[str, ...] = (
    "months", "from", "to", "invoice_timezone", "billing_project", "endpoint_url", *DELIVERY_OPTIONS
)
PROVIDER = "Google Cloud"
DEFAULT_ZONE = "America/Los_Angeles"
COST_TYPES: dict[str, str] = {
    "regular": "Usage",
    "tax": "Tax",
    "adjustment": "Adjustment",
    "rounding_error": "Adjustment",
}
SERVICE_CATEGORIES: dict[str, str] = {
    "Compute Engine": "Compute",
    "Kubernetes Engine": "Compute",
    "Cloud Run": "Compute",
    "Cloud Functions": "Compute",
    "App Engine": "Compute",
    "Cloud Storage": "Storage",
    "Filestore": "Storage",
    "Cloud SQL": "Databases",
    "Cloud Spanner": "Databases",
    "Cloud Bigtable": "Databases",
    "Firestore": "Databases",
    "Memorystore for Redis": "Databases",
    "BigQuery": "Analytics",
    "Dataflow": "Analytics",
    "Dataproc": "Analytics",
    "Cloud Pub/Sub": "Integration",
    "Networking": "Networking",
    "Cloud DNS": "Networking",
    "Cloud CDN": "Networking",
    "Cloud Load Balancing": "Networking",
    "Cloud Logging": "Management and Governance",
    "Cloud Monitoring": "Management and Governance",
    "Vertex AI": "AI and Machine Learning",
    "Cloud Key Management Service (KMS)": "Security",
    "Secret Manager": "Security",
    "Artifact Registry": "Developer Tools",
    "Cloud Build": "Developer Tools",
}
REQUIRED: tuple[str, ...] = (
    "billing_account_id",
    "cost",
    "currency",
    "usage_start_time",
    "usage_end_time",
    "invoice.month",
)
# repeated fields that pandas / the BigQuery client write to CSV as Python literals
LITERAL_FIELDS: tuple[str, ...] = ("credits", "labels", "system_labels", "project.labels", "project.ancestors", "tags")
LABEL_FIELDS: tuple[str, ...] = ("labels", "system_labels", "project.labels")  # arrays of {key, value}
EXTRA_COLUMNS: dict[str, str] = {
    "system_labels": "x_SystemLabels",
    "project.labels": "x_ProjectLabels",
    "project.ancestors": "x_ProjectAncestors",
}
# columns of today's export that older (28-29 column) exports lack; they load as NULL
NEWER_COLUMNS: tuple[str, ...] = (
    "cost_at_list", "cost_type", "resource.name", "resource.global_name", "price.effective_price",
    "price.tier_start_amount", "price.unit", "price.pricing_unit_quantity", "subscription.instance_id",
    "adjustment_info.id", "adjustment_info.description", "adjustment_info.mode", "adjustment_info.type",
    "transaction_type", "seller_name", "tags", "project.ancestors",
)  # fmt: skip
LITERALS = "__gcp_literals"
JSON_VIEW = "__gcp_billing_json"
BQ_URI = re.compile(r"^bq://(?P<project>[A-Za-z0-9.:_-]+)\.(?P<dataset>[A-Za-z0-9_]+)\.(?P<table>[A-Za-z0-9_$-]+)$")
MONTH = re.compile(r"^(\d{4})-?(0[1-9]|1[0-2])$")


class Access:
    """Field access by dotted path, over dotted CSV headers or one JSON object per row."""

    def __init__(self, staged: Staged) -> None:
        self.staged = staged
        self.json = staged.has("__j")
        self.lowered = {c.lower(): c for c in staged.columns}

    def present(self, path: str) -> bool:
        """Whether a CSV has the column (JSON records are checked row by row)."""
        return self.json or path.lower() in self.lowered

    def text(self, path: str) -> str:
        """The value as text (NULL when absent)."""
        if self.json:
            return f"json_extract_string(__j, {lit(_json_path(path))})"
        return quote_identifier(self.lowered[path.lower()]) if path.lower() in self.lowered else "NULL"

    def json_value(self, path: str) -> str:
        """The value as JSON (CSV cells hold JSON text)."""
        if self.json:
            return f"json_extract(__j, {lit(_json_path(path))})"
        col = self.text(path)
        return f"TRY_CAST(nullif(trim({col}), '') AS JSON)" if col != "NULL" else "NULL"

    def label(self, path: str) -> str:
        """How the file spells the field."""
        return self.lowered.get(path.lower(), path)

    @property
    def variant(self) -> str:
        """How the export was written, in words (the load message and the ledger)."""
        if self.json:
            return "nested records (JSON lines or parquet)"
        shape = f"flattened CSV, {len(self.staged.columns)} columns"
        if self.staged.view == JSON_VIEW:
            return f"{shape}, repeated fields as Python literals (pandas / BigQuery client)"
        return shape


def _json_path(path: str) -> str:
    return "$." + ".".join(f'"{p}"' for p in path.split("."))


def load_gcp_billing(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load an exported billing file or folder, or the requested invoice months of a BigQuery export table."""
    check_options(options.extra, OPTIONS, kind=KIND)
    zone = _zone(con, options)
    if path.startswith("bq://"):
        return _load_bigquery(con, path, options, zone)
    return load_gcp_billing_paths(con, [path], options)


def load_gcp_billing_paths(
    con: duckdb.DuckDBPyConnection, paths: Sequence[str], options: LoadOptions
) -> list[LoadResult]:
    """Load the exported files and folders of one command: the files of one folder are one
    delivery (an export split by size), replacing the invoice months they carry as a whole."""
    check_options(options.extra, OPTIONS, kind=KIND)
    zone = _zone(con, options)
    return [
        _load_set(con, fileset.files, fileset.source_file(), options, zone)
        for fileset in file_sets(paths, formats=("csv", "json", "parquet"), kind=KIND)
    ]


def _zone(con: duckdb.DuckDBPyConnection, options: LoadOptions) -> str:
    zone = option(options.extra, "invoice_timezone", default=DEFAULT_ZONE) or DEFAULT_ZONE
    try:
        run(con, "SELECT timezone($z, TIMESTAMP '2020-01-01')", {"z": zone})
    except duckdb.Error as exc:
        raise UsageError(f"--option invoice_timezone={zone}: not a time zone") from exc
    return zone


def _load_set(
    con: duckdb.DuckDBPyConnection, files: Sequence[Path], source: SourceFile, options: LoadOptions, zone: str
) -> LoadResult:
    """One delivery (one file, or the parts of one folder) in one transaction."""
    refuse = refuses_duplicates(options.extra)
    several = len(files) > 1

    def load(tx: LoadTransaction) -> None:
        data_files = []
        variants: set[str] = set()
        absent: set[str] = set()
        for file in files:
            fmt = file_format(file)
            with reading(file):
                if fmt == "csv":
                    staged = literals_as_json(con, stage_csv(con, file, VIEW))
                elif fmt == "json":
                    staged = stage_json_lines(con, file, VIEW)
                else:
                    staged = _stage_parquet_as_json(con, file)
                access = Access(staged)
                fields, checks, params = gcp_fields(access, zone=zone, extras=extra_label_fields(con, access))
                rows = load_cost_view(tx, staged, fields, checks=checks, params=params)
                dups = record_duplicate_rows(tx, staged, refuse=refuse, part=file.name if several else None)
            for note in staged.notes:
                tx.warn(f"{file.name}: {note}" if several else note)
            variants.add(access.variant)
            if not access.json:
                absent.update(n for n in NEWER_COLUMNS if not access.present(n))
            data_files.append({"name": file.name, "rows": rows, "duplicate_rows": dups})
        with reading(source.path):
            tx.replace_cost_periods()
        tx.details["invoice_timezone"] = zone
        tx.variant = "; ".join(sorted(variants))
        tx.details["variant"] = tx.variant
        if absent:  # an older export: the columns Google added later load as NULL
            tx.details["absent_columns"] = sorted(absent)
        if source.parts:
            tx.details["data_files"] = [
                {**d, "sha256": p.sha256} for d, p in zip(data_files, source.parts, strict=True)
            ]

    try:
        return run_load(
            con, kind=KIND, file=source, target_table="cost", load=load, options=options.as_record(),
            delivery=delivery_policy(options.extra),
        )
    finally:
        run_quietly(con, f"DROP VIEW IF EXISTS {JSON_VIEW}")
        run_quietly(con, f"DROP TABLE IF EXISTS {LITERALS}")
        run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")


def _stage_parquet_as_json(con: duckdb.DuckDBPyConnection, file: Path) -> Staged:
    """A nested parquet export as one JSON object per row (the same access path as JSON lines)."""
    from analytics.sources.cost._common import parquet_columns

    parquet_columns(con, file)  # a truncated file fails here, naming the file
    reader = f"read_parquet({quote_literal(str(file))}, file_row_number = true)"
    run(
        con,
        f"CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT to_json(t) AS __j, t.file_row_number + 1 AS __row "
        f"FROM {reader} t",
    )
    return Staged(VIEW, str(file), {"__j": "JSON"})


def gcp_fields(
    a: Access, *, zone: str, extras: Sequence[str] = ()
) -> tuple[dict[str, Field], list[Check], dict[str, Any]]:
    """The FOCUS mapping of a billing export."""
    staged = a.staged
    if not a.json:
        missing = [p for p in REQUIRED if not a.present(p)]
        if missing:
            raise ExportFormatError(
                f"required column missing (also missing: {', '.join(missing[1:]) or 'none'})",
                file=staged.file,
                column=missing[0],
            )
    t = a.text
    cost, cost_at_list = t("cost"), t("cost_at_list")
    credits = a.json_value("credits")
    amounts = f"CAST(json_extract_string({credits}, '$[*].amount') AS VARCHAR[])"
    credit_sum = f"coalesce(list_sum(list_transform({amounts}, lambda x: {exact('x')})), 0)"
    month = f"CAST({t('invoice.month')} AS VARCHAR)"
    kind = f"coalesce({t('cost_type')}, 'regular')"
    period_start = f"timezone($__zone, TRY_STRPTIME({month} || '01', '%Y%m%d'))"
    period_end = f"timezone($__zone, TRY_STRPTIME({month} || '01', '%Y%m%d') + INTERVAL 1 MONTH)"
    start, end = f"TRY_CAST({t('usage_start_time')} AS TIMESTAMPTZ)", f"TRY_CAST({t('usage_end_time')} AS TIMESTAMPTZ)"
    checks = [
        _amount(cost, a.label("cost")),
        _amount(cost_at_list, a.label("cost_at_list")),
        Check(
            # '$[*].amount' skips elements without an amount: compare counts, or [1, 2] would pass as no credit
            f"{credits} IS NOT NULL AND (json_type({credits}) <> 'ARRAY' OR len({amounts}) <> "
            f"json_array_length({credits}) OR len(list_filter({amounts}, lambda x: "
            f"x IS NULL OR TRY_CAST(x AS {COST_TYPE}) IS NULL OR abs(TRY_CAST(x AS DOUBLE)) >= {AMOUNT_LIMIT})) > 0)",
            "is not a JSON array of credits with numeric amounts",
            a.label("credits"),
            show=f"CAST({credits} AS VARCHAR)",
        ),
        Check(
            f"{t('credits')} IS NOT NULL AND trim({t('credits')}) <> '' AND {credits} IS NULL",
            "is neither JSON nor a Python literal list", a.label("credits"), show=t("credits")
        ),
        Check(
            f"{month} IS NOT NULL AND NOT regexp_full_match({month}, '\\d{{4}}(0[1-9]|1[0-2])')",
            "is not an invoice month YYYYMM",
            a.label("invoice.month"),
            show=month,
        ),
        Check(
            f"{kind} NOT IN ({', '.join(lit(k) for k in COST_TYPES)})",
            f"is not a known cost_type ({', '.join(COST_TYPES)})",
            a.label("cost_type"),
            show=kind,
        ),
    ]
    for path in ("usage_start_time", "usage_end_time"):
        checks.append(
            Check(
                f"{t(path)} IS NOT NULL AND TRY_CAST({t(path)} AS TIMESTAMPTZ) IS NULL",
                "is not a timestamp",
                a.label(path),
                show=t(path),
            )
        )
        checks += [
            Check(f"{t(path)} IS NOT NULL AND ({condition})", message, a.label(path), show=t(path))
            for message, condition in instant_checks(f"TRY_CAST({t(path)} AS TIMESTAMPTZ)", t(path))
        ]
    for path in ("usage.amount", "usage.amount_in_pricing_units"):
        # quantities are DOUBLE: without this, NaN, Infinity or 1e999 would be stored as nan / inf
        checks.append(
            Check(
                f"{t(path)} IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST({t(path)} AS DOUBLE)), false)",
                "is not a finite number",
                a.label(path),
                show=t(path),
            )
        )
    for path in LABEL_FIELDS:
        value = a.json_value(path)
        checks.append(
            Check(
                f"{value} IS NOT NULL AND (json_type({value}) <> 'ARRAY' OR "
                f"len(list_filter(CAST(json_extract({value}, '$[*]') AS JSON[]), lambda x: "
                "json_type(x) <> 'OBJECT' OR json_extract_string(x, '$.key') IS NULL)) > 0)",
                "is not a JSON array of {key, value} labels",
                a.label(path),
                show=f"CAST({value} AS VARCHAR)",
            )
        )
    ancestors = a.json_value("project.ancestors")
    checks.append(
        Check(
            f"{ancestors} IS NOT NULL AND (json_type({ancestors}) <> 'ARRAY' OR len(list_filter("
            f"CAST(json_extract({ancestors}, '$[*]') AS JSON[]), lambda x: json_type(x) <> 'OBJECT')) > 0)",
            "is not a JSON array of {resource_name, display_name} objects",
            a.label("project.ancestors"),
            show=f"CAST({ancestors} AS VARCHAR)",
        )
    )
    for path in (*LABEL_FIELDS, "project.ancestors"):
        if not a.json and a.present(path):
            raw = a.text(path)
            checks.append(
                Check(f"{raw} IS NOT NULL AND trim({raw}) <> '' AND {a.json_value(path)} IS NULL",
                      "is neither JSON nor a Python literal list", a.label(path), show=raw)
            )
    labels = a.json_value("labels")
    entries = _label_entries(labels)
    net = f"{exact(cost)} + {credit_sum}"
    service = t("service.description")
    fields: dict[str, Field] = {
        "BilledCost": Field(net, a.label("cost"), trusted=True),
        "EffectiveCost": Field(net, a.label("cost"), trusted=True),
        "ListCost": Field(f"coalesce({exact(cost_at_list)}, {exact(cost)})", a.label("cost_at_list"), trusted=True),
        "ContractedCost": Field(exact(cost), a.label("cost"), trusted=True),
        "BillingAccountId": Field(
            f"nullif(CAST({t('billing_account_id')} AS VARCHAR), '')", a.label("billing_account_id")
        ),
        "BillingCurrency": Field(f"upper(trim({t('currency')}))", a.label("currency")),
        "BillingPeriodStart": Field(period_start, a.label("invoice.month"), trusted=True),
        "BillingPeriodEnd": Field(period_end, a.label("invoice.month"), trusted=True),
        "ChargePeriodStart": Field(start, a.label("usage_start_time"), trusted=True),
        "ChargePeriodEnd": Field(end, a.label("usage_end_time"), trusted=True),
        "ChargeCategory": Field(
            "CASE " + " ".join(f"WHEN {kind} = {lit(k)} THEN {lit(v)}" for k, v in COST_TYPES.items()) + " END",
            a.label("cost_type"),
        ),
        "ChargeClass": Field(f"CASE WHEN {kind} = 'adjustment' AND {start} < {period_start} THEN 'Correction' END"),
        "ChargeDescription": Field(f"nullif({t('sku.description')}, '')"),
        "ChargeFrequency": Field(
            f"CASE {kind} WHEN 'regular' THEN 'Usage-Based' WHEN 'tax' THEN 'Recurring' ELSE 'One-Time' END"
        ),
        "PricingCategory": Field(f"CASE WHEN {kind} = 'regular' THEN 'Standard' END"),
        "PricingQuantity": Field(f"TRY_CAST({t('usage.amount_in_pricing_units')} AS DOUBLE)", trusted=True),
        "PricingUnit": Field(f"nullif({t('usage.pricing_unit')}, '')"),
        "ConsumedQuantity": Field(f"TRY_CAST({t('usage.amount')} AS DOUBLE)", trusted=True),
        "ConsumedUnit": Field(f"nullif({t('usage.unit')}, '')"),
        "InvoiceIssuerName": Field("'Google'", trusted=True),
        "ProviderName": Field(lit(PROVIDER), trusted=True),
        "ServiceProviderName": Field(lit(PROVIDER), trusted=True),
        "PublisherName": Field(f"coalesce(nullif({t('seller_name')}, ''), 'Google')"),
        "AvailabilityZone": Field(f"nullif({t('location.zone')}, '')"),
        "RegionId": Field(f"nullif(coalesce({t('location.region')}, {t('location.location')}), '')"),
        "RegionName": Field(f"nullif(coalesce({t('location.region')}, {t('location.location')}), '')"),
        "ResourceId": Field(f"nullif({t('resource.global_name')}, '')"),
        "ResourceName": Field(f"nullif({t('resource.name')}, '')"),
        "ServiceName": Field(f"coalesce(nullif({service}, ''), 'Unknown')"),
        "ServiceCategory": Field(
            f"coalesce(list_extract($__categories, list_position($__services, {service})), 'Other')"
        ),
        "SkuId": Field(f"nullif({t('sku.id')}, '')"),
        "SubAccountId": Field(f"nullif({t('project.id')}, '')"),
        "SubAccountName": Field(f"nullif({t('project.name')}, '')"),
        "Tags": Field(f"CASE WHEN json_type({labels}) = 'ARRAY' THEN {tags_entries_json(entries)} END", trusted=True),
        "x_UsageType": Field(f"nullif({t('sku.description')}, '')"),
        "x_Credits": Field(
            f"CASE WHEN json_array_length({credits}) > 0 THEN CAST({credits} AS VARCHAR) END", trusted=True
        ),
        "x_InvoiceMonth": Field(month),
        "x_SourceLineItemType": Field(kind),
    }
    for path in extras:  # project and system labels, and the project's ancestors, when the file has some
        value = a.json_value(path)
        if path == "project.ancestors":
            expr = f"CASE WHEN json_array_length({value}) > 0 THEN CAST({value} AS VARCHAR) END"
        else:
            expr = f"CASE WHEN json_type({value}) = 'ARRAY' THEN {tags_entries_json(_label_entries(value))} END"
        fields[EXTRA_COLUMNS[path]] = Field(expr, a.label(path), trusted=True)
    params = {"__zone": zone, "__services": list(SERVICE_CATEGORIES), "__categories": list(SERVICE_CATEGORIES.values())}
    return fields, checks, params


def _amount(expr: str, label: str) -> Check:
    return Check(
        f"{expr} IS NOT NULL AND (TRY_CAST({expr} AS {COST_TYPE}) IS NULL "
        f"OR abs(TRY_CAST({expr} AS DOUBLE)) >= {AMOUNT_LIMIT})",
        "is not a finite amount",
        label,
        show=expr,
    )


def _label_entries(labels: str) -> str:
    """SQL: the {key, value} structs of a JSON array of labels (keys trimmed)."""
    return (
        f"list_transform(CAST(json_extract({labels}, '$[*]') AS JSON[]), lambda x: "
        "{'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')})"
    )


def extra_label_fields(con: duckdb.DuckDBPyConnection, a: Access) -> list[str]:
    """The repeated fields beyond ``labels`` and ``credits`` that hold something in this file
    (system_labels, project.labels, project.ancestors): kept as x_ columns. A file without any adds
    no column to ``cost``."""
    candidates = [p for p in EXTRA_COLUMNS if a.present(p)]
    if not candidates:
        return []
    counts = ", ".join(
        f"count(*) FILTER (WHERE json_type({a.json_value(p)}) = 'ARRAY' AND json_array_length({a.json_value(p)}) > 0)"
        for p in candidates
    )
    with reading(a.staged.file):
        found = run(con, f"SELECT {counts} FROM {quote_identifier(a.staged.view)}")[0]
    return [p for p, n in zip(candidates, found, strict=True) if n]


def literals_as_json(con: duckdb.DuckDBPyConnection, staged: Staged) -> Staged:
    """A flattened CSV whose repeated fields hold Python literals (``[{'key': 'env', …}]``, written by
    pandas or the BigQuery client) as a view where they hold JSON; values that already are JSON are
    untouched. Each distinct literal is converted once (exports repeat the same labels and credits
    on many rows) by :func:`analytics.sources._literals.python_literal_json` (never ``eval``); a
    value that is neither JSON nor a supported literal is refused naming the first row holding it,
    its column and what was expected."""
    present = [c for c in staged.columns if c.lower() in LITERAL_FIELDS]
    if not present:
        return staged
    view = quote_identifier(staged.view)
    converted: dict[str, list[str]] = {"col": [], "raw": [], "json": []}
    bad: dict[str, dict[str, LiteralError]] = {}
    with reading(staged.file):
        for column in present:
            col = quote_identifier(column)
            values = run(con, f"SELECT DISTINCT {col} FROM {view} WHERE nullif(trim({col}), '') IS NOT NULL "
                              f"AND NOT json_valid(trim({col}))")
            for (value,) in values:
                try:
                    text = python_literal_json(str(value).strip())
                except LiteralError as exc:
                    bad.setdefault(column, {})[str(value)] = exc
                    continue
                converted["col"].append(column)
                converted["raw"].append(str(value))
                converted["json"].append(text)
        if bad:
            _raise_first_bad_literal(con, staged, bad)
    if not converted["raw"]:
        return staged
    import pyarrow as pa

    con.register("__gcp_literal_values", pa.table({k: pa.array(v, type=pa.string()) for k, v in converted.items()}))
    try:
        run(con, f"CREATE OR REPLACE TEMP TABLE {LITERALS} AS SELECT * FROM __gcp_literal_values")
    finally:
        con.unregister("__gcp_literal_values")
    joins, replaced = [], []
    for i, column in enumerate(present):
        col = quote_identifier(column)
        joins.append(f"LEFT JOIN (SELECT raw, json FROM {LITERALS} WHERE col = {quote_literal(column)}) AS l{i} "
                     f"ON v.{col} = l{i}.raw")
        replaced.append(f"coalesce(l{i}.json, v.{col}) AS {col}")
    run(
        con,
        f"CREATE OR REPLACE TEMP VIEW {JSON_VIEW} AS SELECT v.* REPLACE ({', '.join(replaced)}) "
        f"FROM {view} AS v {' '.join(joins)}",
    )
    log.info("%s: %s distinct Python literals in %s read as JSON", staged.file, len(converted["raw"]),
             ", ".join(present))
    return Staged(JSON_VIEW, staged.file, dict(staged.columns), staged.notes)


def _raise_first_bad_literal(
    con: duckdb.DuckDBPyConnection, staged: Staged, bad: dict[str, dict[str, LiteralError]]
) -> None:
    """Refuse the file at the earliest row holding a value that is neither JSON nor a literal."""
    view = quote_identifier(staged.view)
    found = []
    for order, (column, errors) in enumerate(bad.items()):
        col = quote_identifier(column)
        row, value = run(con, f"SELECT {ROW}, {col} FROM {view} WHERE list_contains($bad, {col}) "
                              f"ORDER BY {ROW} LIMIT 1", {"bad": list(errors)})[0]
        found.append((int(row), order, column, str(value)))
    row, _, column, value = min(found)
    shown = value if len(value) <= 60 else value[:57] + "..."
    raise ExportFormatError(
        f"{shown!r} is neither JSON nor a Python literal list ({bad[column][value]})",
        file=staged.file, row=row, column=column,
    )


# -- BigQuery ------------------------------------------------------------------------------------
def requested_months(extra: dict[str, str] | Any) -> list[str]:
    """Invoice months (YYYYMM) from ``months=`` or ``from=`` / ``to=`` (inclusive).

    >>> requested_months({"from": "2026-07", "to": "2026-09"})
    ['202607', '202608', '202609']
    """
    if "months" in extra:
        items = [m.strip() for m in str(extra["months"]).split(",") if m.strip()]
        parsed = [_month(m) for m in items]
        if not parsed:
            raise UsageError("--option months: give at least one month, e.g. months=2026-07")
        return sorted(set(parsed))
    if "from" in extra:
        first, last = _month(str(extra["from"])), _month(str(extra.get("to", extra["from"])))
        if last < first:
            raise UsageError("--option to must not be before --option from")
        months, y, m = [], int(first[:4]), int(first[4:])
        while f"{y}{m:02d}" <= last:
            months.append(f"{y}{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return months
    raise UsageError(
        "bq:// needs the invoice months to read: --option months=2026-07,2026-08 "
        "or --option from=2026-07 --option to=2026-09"
    )


def _month(text: str) -> str:
    match = MONTH.match(text.strip())
    if not match:
        raise UsageError(f"not a month (YYYY-MM): {text!r}")
    return match.group(1) + match.group(2)


def billing_query(project: str, dataset: str, table: str) -> str:
    """The BigQuery SQL reading the requested invoice months of an export table as JSON rows."""
    return (
        f"SELECT TO_JSON_STRING(t) AS row FROM `{project}.{dataset}.{table}` AS t "
        "WHERE t.invoice.month IN UNNEST(@months)"
    )


def _load_bigquery(con: duckdb.DuckDBPyConnection, uri: str, options: LoadOptions, zone: str) -> list[LoadResult]:
    """Query the requested months, spool the rows as JSON lines and load them as one delivery."""
    match = BQ_URI.match(uri)
    if not match:
        raise UsageError(f"{uri}: expected bq://project.dataset.table")
    months = requested_months(options.extra)
    import requests
    from google.api_core import exceptions as gexc
    from google.auth import exceptions as auth_exc
    from google.cloud import bigquery

    project = match["project"]
    kwargs: dict[str, Any] = {"project": options.extra.get("billing_project", project)}
    if "endpoint_url" in options.extra:
        from google.auth.credentials import AnonymousCredentials

        kwargs["credentials"] = AnonymousCredentials()
        kwargs["client_options"] = {"api_endpoint": options.extra["endpoint_url"]}
    sql = billing_query(project, match["dataset"], match["table"])
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ArrayQueryParameter("months", "STRING", months)])
    label = f"{uri}?months={','.join(months)}"
    with tempfile.TemporaryDirectory(prefix="opsreview-bq-") as tmp:
        spool = Path(tmp) / "rows.jsonl"
        digest, size, count = 0, 0, 0
        try:
            client = bigquery.Client(**kwargs)
            with spool.open("w", encoding="utf-8") as out:
                for row in client.query_and_wait(sql, job_config=config):
                    line = str(row[0])
                    out.write(line + "\n")
                    digest = (digest + int.from_bytes(hashlib.sha256(line.encode()).digest(), "big")) % (1 << 256)
                    size += len(line) + 1
                    count += 1
        except gexc.GoogleAPIError as exc:
            raise UsageError(f"{uri}: BigQuery refused the query: {exc}") from exc
        except auth_exc.GoogleAuthError as exc:
            # the library's message can quote the credentials file; name only the kind of failure
            raise UsageError(
                f"{uri}: cannot use the Google credentials ({type(exc).__name__}): check "
                "GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`"
            ) from None
        except requests.exceptions.RequestException as exc:  # no network, a proxy refusing, DNS
            raise UsageError(f"{uri}: cannot reach BigQuery ({type(exc).__name__})") from None
        except OSError as exc:  # GOOGLE_APPLICATION_CREDENTIALS names a folder or a file we may not read
            if exc.filename is None or Path(str(exc.filename)) == spool:
                raise
            raise UsageError(
                f"{uri}: cannot read the Google credentials file {str(exc.filename)!r} "
                f"({exc.strerror or type(exc).__name__}): check GOOGLE_APPLICATION_CREDENTIALS"
            ) from None
        if count == 0:
            raise ExportFormatError(f"no rows for invoice months {', '.join(months)}", file=label)
        # order-independent content hash: the same rows in any order are the same delivery
        source = SourceFile(label, f"{match['table']} ({', '.join(months)})", f"{digest:064x}", size)
        log.info("%s: %s rows for invoice months %s", uri, count, ", ".join(months))
        result = _load_set(con, [spool], source, options, zone)
    return [result]


def sniff_gcp_billing(path: Path, head: bytes) -> bool:
    """A flattened CSV or parquet with invoice.month / billing_account_id, or JSON lines with both keys."""
    name = path.name.lower()
    if name.endswith((".json", ".jsonl", ".ndjson")):
        return b'"billing_account_id"' in head and b'"invoice"' in head
    names = {c.strip().lower() for c in sniff_columns(path, head)}
    return "billing_account_id" in names and ("invoice.month" in names or "invoice" in names)


register(
    SourceKind(
        KIND,
        "cost",
        "GCP billing export: JSON lines, parquet or flattened CSV files, or "
        "bq://project.dataset.table (requested invoice months only)",
        load_gcp_billing,
        sniff=sniff_gcp_billing,
        accepts_uri=True,
        load_paths=load_gcp_billing_paths,
    )
)
