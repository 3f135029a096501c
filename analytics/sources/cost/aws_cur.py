"""AWS Cost and Usage Reports (kind ``aws-cur``): legacy CUR and CUR 2.0 (Data Exports).

Inputs:

* a CSV, CSV.gz or parquet file: one delivery;
* a local Data Exports folder or an ``s3://bucket/prefix`` URI (read with boto3): for each
  ``metadata/BILLING_PERIOD=YYYY-MM/`` partition the newest ``…Manifest.json`` is taken and exactly
  its ``dataFiles`` are loaded, as one delivery (the folder is never globbed: stale files of an
  older execution stay out; a partition whose manifest is not written yet is skipped). Restrict the
  periods with ``--option billing_period=2026-07,2026-08``;
* a ``…Manifest.json`` path.

Each delivery replaces the billing periods it carries (AWS restates a month for weeks after it
closes) in one transaction and is reconciled to the cent against totals summed from the raw values.

Column names: legacy ``category/Name`` headers are read as their CUR 2.0 snake_case names
(``lineItem/UnblendedCost`` → ``line_item_unblended_cost``, ``savingsPlan/SavingsPlanARN`` →
``savings_plan_savings_plan_a_r_n``); ``resourceTags/user:team`` (or any ``user:`` / ``aws:``
column) becomes a tag, ``costCategory/*`` and ``discount/*`` become map entries. CUR 2.0 MAP columns
(``resource_tags``, ``product``, ``cost_category``, ``discount``) are read as maps in parquet and as
JSON objects in CSV. Missing optional columns read as NULL.

Mapping (see docs/cost-loaders.md for the full table):

* BilledCost = ``line_item_net_unblended_cost`` if present, else ``line_item_unblended_cost``.
* EffectiveCost by LineItemType (docs/cost-mappings.md §2, the focus_converters / CUDOS rule):
  SavingsPlanCoveredUsage → ``savings_plan_savings_plan_effective_cost``; SavingsPlanRecurringFee →
  ``total_commitment_to_date − used_commitment``; SavingsPlanNegation, SavingsPlanUpfrontFee and a
  Fee with a reservation ARN (RI upfront) → 0; DiscountedUsage → ``reservation_effective_cost``;
  RIFee → unused amortised upfront fee + unused recurring fee; anything else → BilledCost.
* ChargeCategory by LineItemType (§2.3): Tax → Tax; Fee, RIFee, SavingsPlanUpfrontFee,
  SavingsPlanRecurringFee → Purchase, except an RIFee / SavingsPlanRecurringFee line with no billed
  amount, which only carries unused commitment → Usage; Usage, DiscountedUsage,
  SavingsPlanCoveredUsage, SavingsPlanNegation and the discount types → Usage; **Credit → Credit**
  (FOCUS ≥ 1.0 has a category for such incentives; focus_converters predates it and says
  Adjustment); **Refund → Adjustment** (a change to charges already billed). A Credit or Refund
  whose usage lies before its billing period is ``ChargeClass = Correction``. Unknown types are
  refused.
* CommitmentDiscountStatus: Used on covered usage and negation; Unused on RIFee /
  SavingsPlanRecurringFee lines that carry unused commitment (so utilisation = Used / (Used +
  Unused) works on CUR data).

Why one module over 500 lines: one format with two generations (legacy CUR and CUR 2.0),
CSV/gzip/parquet and manifests/S3: the column mapping (cur_fields, also read by
engines/focus_view.py) and its checks must stay beside the readers that define which columns exist.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import duckdb

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._files import parse_json
from analytics.sources._tabular import file_format
from analytics.sources.cost._common import (
    NESTED_TYPES,
    Check,
    Field,
    Staged,
    amount_check,
    check_options,
    exact,
    json_object_map,
    json_text_check,
    load_cost_view,
    map_json,
    number_check,
    reading,
    sniff_columns,
    stage_csv,
    stage_parquet,
    tags_json,
    text_list,
    timestamp_check,
)
from analytics.sources.cost._deliveries import record_duplicate_rows, refuses_duplicates
from analytics.warehouse import run_quietly
from analytics.warehouse.ledger import LoadResult, LoadTransaction, SourceFile, fingerprint, run_load
from analytics.warehouse.sqlutil import quote_identifier

log = logging.getLogger(__name__)

KIND = "aws-cur"
VIEW = "__aws_cur_src"
OPTIONS: tuple[str, ...] = ("billing_period", "endpoint_url", "region", "duplicates")
PROVIDER = "AWS"
PERIOD_DIR = re.compile(r"BILLING_PERIOD=(\d{4}-\d{2})")

SP_TYPES: tuple[str, ...] = (
    "SavingsPlanCoveredUsage",
    "SavingsPlanRecurringFee",
    "SavingsPlanNegation",
    "SavingsPlanUpfrontFee",
)
RI_TYPES: tuple[str, ...] = ("DiscountedUsage", "RIFee")
USAGE_TYPES: tuple[str, ...] = (
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "BundledDiscount",
    "Discount",
    "PrivateRateDiscount",
    "EdpDiscount",
)
PURCHASE_TYPES: tuple[str, ...] = ("Fee", "RIFee", "SavingsPlanUpfrontFee", "SavingsPlanRecurringFee")
OTHER_TYPES: dict[str, str] = {"Tax": "Tax", "Credit": "Credit", "Refund": "Adjustment"}
LINE_ITEM_TYPES: tuple[str, ...] = (*USAGE_TYPES, *PURCHASE_TYPES, *OTHER_TYPES)
COVERED_TYPES: tuple[str, ...] = ("SavingsPlanCoveredUsage", "DiscountedUsage")
FEE_TYPES: tuple[str, ...] = ("SavingsPlanRecurringFee", "RIFee")

# FOCUS ServiceCategory by line_item_product_code (anything else: Other)
SERVICE_CATEGORIES: dict[str, str] = {
    "AmazonEC2": "Compute",
    "AWSLambda": "Compute",
    "AmazonECS": "Compute",
    "AmazonEKS": "Compute",
    "AWSFargate": "Compute",
    "ComputeSavingsPlans": "Compute",
    "AmazonLightsail": "Compute",
    "AmazonS3": "Storage",
    "AmazonEFS": "Storage",
    "AmazonGlacier": "Storage",
    "AWSBackup": "Storage",
    "AmazonFSx": "Storage",
    "AmazonRDS": "Databases",
    "AmazonDynamoDB": "Databases",
    "AmazonElastiCache": "Databases",
    "AmazonRedshift": "Databases",
    "AmazonDocDB": "Databases",
    "AmazonNeptune": "Databases",
    "AmazonCloudFront": "Networking",
    "AmazonVPC": "Networking",
    "AWSDataTransfer": "Networking",
    "AmazonRoute53": "Networking",
    "AWSELB": "Networking",
    "AWSGlobalAccelerator": "Networking",
    "AWSDirectConnect": "Networking",
    "AmazonApiGateway": "Web",
    "AmazonSQS": "Integration",
    "AmazonSNS": "Integration",
    "AWSEvents": "Integration",
    "AmazonMQ": "Integration",
    "AWSStepFunctions": "Integration",
    "AmazonKinesis": "Analytics",
    "AmazonAthena": "Analytics",
    "AWSGlue": "Analytics",
    "AmazonQuickSight": "Analytics",
    "AmazonES": "Analytics",
    "AmazonMSK": "Analytics",
    "AmazonSageMaker": "AI and Machine Learning",
    "AmazonBedrock": "AI and Machine Learning",
    "AmazonRekognition": "AI and Machine Learning",
    "AmazonCloudWatch": "Management and Governance",
    "AWSCloudTrail": "Management and Governance",
    "AWSConfig": "Management and Governance",
    "AWSSystemsManager": "Management and Governance",
    "AWSCostExplorer": "Management and Governance",
    "AWSSupportBusiness": "Management and Governance",
    "AWSSupportEnterprise": "Management and Governance",
    "AWSDeveloperSupport": "Management and Governance",
    "awskms": "Security",
    "AWSSecretsManager": "Security",
    "AmazonGuardDuty": "Security",
    "AWSSecurityHub": "Security",
    "AmazonInspector": "Security",
    "AWSWAF": "Security",
    "AWSShield": "Security",
    "AmazonCognito": "Identity",
    "AWSDirectoryService": "Identity",
    "AWSCodeBuild": "Developer Tools",
    "AWSCodePipeline": "Developer Tools",
    "AmazonECR": "Developer Tools",
    "AWSIoT": "Internet of Things",
    "AmazonChime": "Business Applications",
    "AmazonConnect": "Business Applications",
    "AWSMarketplace": "Other",
    "AWSElementalMediaConvert": "Media",
}
REQUIRED: tuple[str, ...] = (
    "line_item_line_item_type",
    "line_item_unblended_cost",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "bill_billing_period_start_date",
    "bill_billing_period_end_date",
    "bill_payer_account_id",
    "line_item_currency_code",
)
AMOUNTS: tuple[str, ...] = (
    "line_item_unblended_cost",
    "line_item_net_unblended_cost",
    "pricing_public_on_demand_cost",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_net_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "reservation_effective_cost",
    "reservation_net_effective_cost",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
)
NUMBERS: tuple[str, ...] = ("line_item_usage_amount", "line_item_unblended_rate", "pricing_public_on_demand_rate")
TIMESTAMPS: tuple[str, ...] = (
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "bill_billing_period_start_date",
    "bill_billing_period_end_date",
)
VARIANTS: dict[str, str] = {"legacy": "legacy CUR (category/Name columns)", "cur2": "CUR 2.0 (Data Exports)"}
TAG_PREFIXES: tuple[tuple[str, str], ...] = (("user_", ""), ("aws_", "aws:"))


# -- column names --------------------------------------------------------------------------------
def snake(name: str) -> str:
    """CUR 2.0 spelling of a legacy camelCase name part.

    >>> snake("SavingsPlanARN"), snake("publicOnDemandCost"), snake("servicecode")
    ('savings_plan_a_r_n', 'public_on_demand_cost', 'servicecode')
    """
    return re.sub(r"([A-Z])", r"_\1", name).lower().lstrip("_")


def tag_key(raw: str) -> str:
    """FOCUS tag key of an AWS tag: user tags unprefixed, AWS-generated tags as ``aws:…``.

    >>> tag_key("user:team"), tag_key("aws:createdBy"), tag_key("user_cost_center"), tag_key("aws_created_by")
    ('team', 'aws:createdBy', 'cost_center', 'aws:created_by')
    """
    for prefix, replacement in (("user:", ""), ("user_", ""), ("aws:", "aws:"), ("aws_", "aws:")):
        if raw.startswith(prefix):
            return replacement + raw[len(prefix) :]
    return raw


@dataclass
class CurColumns:
    """The columns of one CUR file under their CUR 2.0 names, and its tag / map columns."""

    staged: Staged
    flat: dict[str, str] = field(default_factory=dict)  # snake name -> source column
    tags: dict[str, str] = field(default_factory=dict)  # FOCUS tag key -> legacy source column
    cost_categories: dict[str, str] = field(default_factory=dict)
    discounts: dict[str, str] = field(default_factory=dict)
    legacy: bool = False

    def col(self, name: str) -> str:
        """The source column for a CUR 2.0 name (``NULL`` when absent)."""
        return quote_identifier(self.flat[name]) if name in self.flat else "NULL"

    def has(self, name: str) -> bool:
        """Whether the file has the CUR 2.0 column."""
        return name in self.flat

    def label(self, name: str) -> str:
        """How the file spells a CUR 2.0 column (for error messages)."""
        return self.flat.get(name, name)

    def is_map(self, name: str) -> bool:
        """Whether a CUR 2.0 map column is a real MAP (parquet) rather than JSON text (CSV)."""
        return self.has(name) and self.staged.columns[self.flat[name]].startswith("MAP(")

    def product(self, key: str) -> str:
        """A product attribute: the flat ``product_<key>`` column, else the ``product`` map entry."""
        if self.has(f"product_{key}"):
            return self.col(f"product_{key}")
        if not self.has("product"):
            return "NULL"
        col = self.col("product")
        if self.is_map("product"):
            return f"CAST({col}[{_const(key)}] AS VARCHAR)"
        return f"json_extract_string(TRY_CAST({col} AS JSON), {_const('$.' + json.dumps(key))})"


def cur_columns(staged: Staged) -> CurColumns:
    """Classify a CUR file's columns (legacy ``category/Name`` or CUR 2.0 snake_case)."""
    cols = CurColumns(staged)
    for name in staged.columns:
        if name == "__row":
            continue
        category, _, part = name.partition("/")
        tail = name.rsplit("/", 1)[-1]
        if tail.startswith(("user:", "aws:")):
            cols.tags.setdefault(tag_key(tail).strip(), name)
            cols.legacy = True
        elif part and category == "costCategory":
            cols.cost_categories.setdefault(part, name)
            cols.legacy = True
        elif part and category == "discount":
            cols.discounts.setdefault(part, name)
            cols.legacy = True
        elif part:
            cols.flat.setdefault(f"{snake(category)}_{snake(part)}", name)
            cols.legacy = True
        else:
            cols.flat.setdefault(name.lower(), name)
    return cols


def _const(text: str) -> str:
    """A string literal for constants of our own code."""
    return "'" + text.replace("'", "''") + "'"


# -- mapping -------------------------------------------------------------------------------------
def cur_fields(cur: CurColumns) -> tuple[dict[str, Field], list[Check], dict[str, Any], str, str]:
    """The FOCUS mapping of a CUR file: fields, checks, bound parameters and the exact
    BilledCost / EffectiveCost expressions used for the source totals."""
    staged = cur.staged
    missing = [n for n in REQUIRED if not cur.has(n)]
    if missing:
        shown = [_legacy_name(n) if cur.legacy else n for n in missing]
        raise ExportFormatError(
            f"required CUR column missing (also missing: {', '.join(shown[1:]) or 'none'})",
            file=staged.file,
            column=shown[0],
        )
    check_parquet_types(cur)
    c = cur.col
    t = c("line_item_line_item_type")
    checks = [
        Check(
            f"{t} IS NOT NULL AND {t} NOT IN ({', '.join(_const(x) for x in LINE_ITEM_TYPES)})",
            "is not a known LineItemType",
            cur.label("line_item_line_item_type"),
            show=t,
        )
    ]
    checks += [amount_check(staged, cur.flat[n]) for n in AMOUNTS if cur.has(n)]
    checks += [number_check(staged, cur.flat[n]) for n in NUMBERS if cur.has(n)]
    checks += [timestamp_check(staged, cur.flat[n]) for n in TIMESTAMPS if staged.is_text(cur.flat[n])]
    for name in ("resource_tags", "cost_category", "discount", "product"):
        if cur.has(name) and not cur.is_map(name):
            if staged.is_text(cur.flat[name]):
                checks.append(json_text_check(staged, cur.flat[name]))
            else:
                raise ExportFormatError("expected a MAP column (or JSON text)", file=staged.file, column=cur.flat[name])

    billed = f"coalesce({exact(c('line_item_net_unblended_cost'))}, {exact(c('line_item_unblended_cost'))})"
    ri_arn = f"nullif({c('reservation_reservation_a_r_n')}, '')"
    sp_arn = f"nullif({c('savings_plan_savings_plan_a_r_n')}, '')"
    effective = (
        f"CASE {t} "
        f"WHEN 'SavingsPlanCoveredUsage' THEN coalesce({exact(c('savings_plan_net_savings_plan_effective_cost'))}, "
        f"{exact(c('savings_plan_savings_plan_effective_cost'))}, 0) "
        f"WHEN 'SavingsPlanRecurringFee' THEN coalesce({exact(c('savings_plan_total_commitment_to_date'))}, 0) "
        f"- coalesce({exact(c('savings_plan_used_commitment'))}, 0) "
        f"WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 "
        f"WHEN 'DiscountedUsage' THEN coalesce({exact(c('reservation_net_effective_cost'))}, "
        f"{exact(c('reservation_effective_cost'))}, 0) "
        f"WHEN 'RIFee' THEN coalesce({exact(c('reservation_unused_amortized_upfront_fee_for_billing_period'))}, 0) "
        f"+ coalesce({exact(c('reservation_unused_recurring_fee'))}, 0) "
        f"WHEN 'Fee' THEN CASE WHEN {ri_arn} IS NOT NULL THEN 0 ELSE {billed} END "
        f"ELSE {billed} END"
    )
    purchase_or_usage = (
        f"CASE WHEN {t} IN ('SavingsPlanRecurringFee', 'RIFee') AND {billed} = 0 THEN 'Usage' ELSE 'Purchase' END"
    )
    category = (
        f"CASE WHEN {t} = 'Tax' THEN 'Tax' WHEN {t} = 'Credit' THEN 'Credit' WHEN {t} = 'Refund' "
        f"THEN 'Adjustment' WHEN list_contains({text_list(PURCHASE_TYPES)}, {t}) THEN {purchase_or_usage} "
        f"WHEN list_contains({text_list(USAGE_TYPES)}, {t}) THEN 'Usage' END"
    )
    start, end = c("line_item_usage_start_date"), c("line_item_usage_end_date")
    bp_start, bp_end = c("bill_billing_period_start_date"), c("bill_billing_period_end_date")
    ts = _ts
    is_sp = f"list_contains({text_list(SP_TYPES)}, {t})"
    is_ri = f"(list_contains({text_list(RI_TYPES)}, {t}) OR ({t} = 'Fee' AND {ri_arn} IS NOT NULL))"
    covered = f"list_contains({text_list(COVERED_TYPES)}, {t})"
    unused_line = f"(list_contains({text_list(FEE_TYPES)}, {t}) AND ({billed} = 0 OR ({effective}) <> 0))"
    public = exact(c("pricing_public_on_demand_cost"))
    usage_like = f"list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'], {t})"
    usage_type = c("line_item_usage_type")
    product_code = c("line_item_product_code")
    fields: dict[str, Field] = {
        "BilledCost": Field(billed, cur.label("line_item_unblended_cost"), trusted=True),
        "EffectiveCost": Field(effective, cur.label("line_item_unblended_cost"), trusted=True),
        "ListCost": Field(
            f"CASE WHEN {t} = 'SavingsPlanNegation' THEN 0 ELSE coalesce({public}, {billed}) END",
            cur.label("pricing_public_on_demand_cost"),
            trusted=True,
        ),
        "ContractedCost": Field(
            f"CASE WHEN {covered} THEN coalesce({public}, {exact(c('line_item_unblended_cost'))}) "
            f"WHEN {t} = 'SavingsPlanNegation' THEN 0 ELSE {exact(c('line_item_unblended_cost'))} END",
            cur.label("line_item_unblended_cost"),
            trusted=True,
        ),
        "BillingAccountId": Field(f"CAST({c('bill_payer_account_id')} AS VARCHAR)", cur.label("bill_payer_account_id")),
        "BillingAccountName": Field(f"CAST({c('bill_payer_account_name')} AS VARCHAR)"),
        "BillingCurrency": Field(
            f"CAST({c('line_item_currency_code')} AS VARCHAR)", cur.label("line_item_currency_code")
        ),
        "BillingPeriodStart": Field(ts(bp_start), cur.label("bill_billing_period_start_date"), trusted=True),
        "BillingPeriodEnd": Field(ts(bp_end), cur.label("bill_billing_period_end_date"), trusted=True),
        "ChargePeriodStart": Field(ts(start), cur.label("line_item_usage_start_date"), trusted=True),
        "ChargePeriodEnd": Field(ts(end), cur.label("line_item_usage_end_date"), trusted=True),
        "ChargeCategory": Field(category, cur.label("line_item_line_item_type")),
        "ChargeClass": Field(
            f"CASE WHEN {t} IN ('Credit', 'Refund') AND {ts(start)} < {ts(bp_start)} THEN 'Correction' END"
        ),
        "ChargeDescription": Field(f"CAST({c('line_item_line_item_description')} AS VARCHAR)"),
        "ChargeFrequency": Field(
            f"CASE WHEN ({category}) = 'Usage' THEN 'Usage-Based' "
            f"WHEN {t} IN ('SavingsPlanRecurringFee', 'RIFee') THEN 'Recurring' "
            f"WHEN {t} IN ('Fee', 'Tax') AND {ts(start)} = {ts(bp_start)} AND {ts(end)} = {ts(bp_end)} "
            "THEN 'Recurring' ELSE 'One-Time' END"
        ),
        "CommitmentDiscountId": Field(f"CASE WHEN {is_sp} THEN {sp_arn} WHEN {is_ri} THEN {ri_arn} END"),
        "CommitmentDiscountType": Field(
            f"CASE WHEN {is_sp} AND {sp_arn} IS NOT NULL THEN 'Savings Plan' "
            f"WHEN {is_ri} AND {ri_arn} IS NOT NULL THEN 'Reserved Instance' END"
        ),
        "CommitmentDiscountCategory": Field(
            f"CASE WHEN {is_sp} AND {sp_arn} IS NOT NULL THEN 'Spend' "
            f"WHEN {is_ri} AND {ri_arn} IS NOT NULL THEN 'Usage' END"
        ),
        "CommitmentDiscountStatus": Field(
            f"CASE WHEN ({covered} OR {t} = 'SavingsPlanNegation') AND coalesce({sp_arn}, {ri_arn}) IS NOT NULL "
            f"THEN 'Used' WHEN {unused_line} AND coalesce({sp_arn}, {ri_arn}) IS NOT NULL THEN 'Unused' END"
        ),
        "PricingCategory": Field(
            f"CASE WHEN {t} IN ('Tax', 'Credit', 'Refund') THEN NULL "
            f"WHEN {covered} OR {t} = 'SavingsPlanNegation' OR (({category}) = 'Usage' AND "
            f"list_contains({text_list(FEE_TYPES)}, {t})) THEN 'Committed' "
            f"WHEN {c('pricing_term')} = 'Spot' OR contains(coalesce({usage_type}, ''), 'SpotUsage') THEN 'Dynamic' "
            "ELSE 'Standard' END"
        ),
        "PricingQuantity": Field(f"TRY_CAST({c('line_item_usage_amount')} AS DOUBLE)", trusted=True),
        "PricingUnit": Field(f"CAST({c('pricing_unit')} AS VARCHAR)"),
        "ConsumedQuantity": Field(
            f"CASE WHEN {usage_like} THEN TRY_CAST({c('line_item_usage_amount')} AS DOUBLE) END", trusted=True
        ),
        "ConsumedUnit": Field(f"CASE WHEN {usage_like} THEN CAST({c('pricing_unit')} AS VARCHAR) END"),
        "ListUnitPrice": Field(f"TRY_CAST({c('pricing_public_on_demand_rate')} AS DOUBLE)", trusted=True),
        "ContractedUnitPrice": Field(
            f"CASE WHEN {covered} THEN TRY_CAST({c('pricing_public_on_demand_rate')} AS DOUBLE) "
            f"WHEN {t} = 'SavingsPlanNegation' THEN NULL "
            f"ELSE TRY_CAST({c('line_item_unblended_rate')} AS DOUBLE) END",
            trusted=True,
        ),
        "InvoiceId": Field(f"nullif(CAST({c('bill_invoice_id')} AS VARCHAR), '')"),
        "InvoiceIssuerName": Field(f"coalesce(CAST({c('bill_invoicing_entity')} AS VARCHAR), 'Amazon Web Services')"),
        "ProviderName": Field(_const(PROVIDER), trusted=True),
        "ServiceProviderName": Field(_const(PROVIDER), trusted=True),
        "PublisherName": Field(
            f"CASE WHEN {c('bill_billing_entity')} = 'AWS Marketplace' "
            f"THEN coalesce(CAST({c('line_item_legal_entity')} AS VARCHAR), 'AWS Marketplace') "
            "ELSE 'Amazon Web Services' END"
        ),
        "AvailabilityZone": Field(f"nullif(CAST({c('line_item_availability_zone')} AS VARCHAR), '')"),
        "RegionId": Field(
            f"nullif(CAST(coalesce({cur.product('region_code')}, {cur.product('region')}) AS VARCHAR), '')"
        ),
        "RegionName": Field(f"nullif(CAST({cur.product('location')} AS VARCHAR), '')"),
        "ResourceId": Field(f"nullif(CAST({c('line_item_resource_id')} AS VARCHAR), '')"),
        "ServiceName": Field(
            f"coalesce(nullif(CAST({cur.product('product_name')} AS VARCHAR), ''), CAST({product_code} AS VARCHAR))"
        ),
        "ServiceCategory": Field(
            f"coalesce(list_extract($__categories, list_position($__codes, CAST({product_code} AS VARCHAR))), 'Other')"
        ),
        "SkuId": Field(f"nullif(CAST({cur.product('sku')} AS VARCHAR), '')"),
        "SkuPriceId": Field(f"nullif(CAST({c('pricing_rate_id')} AS VARCHAR), '')"),
        "SubAccountId": Field(f"CAST({c('line_item_usage_account_id')} AS VARCHAR)"),
        "SubAccountName": Field(f"CAST({c('line_item_usage_account_name')} AS VARCHAR)"),
        "Tags": Field(_tags(cur), trusted=True),
        "x_UsageType": Field(f"nullif(CAST({usage_type} AS VARCHAR), '')"),
        "x_Operation": Field(f"nullif(CAST({c('line_item_operation')} AS VARCHAR), '')"),
        "x_CostCategories": Field(_map_json(cur, "cost_category", cur.cost_categories), trusted=True),
        "x_Discounts": Field(_map_json(cur, "discount", cur.discounts, numeric=True), trusted=True),
        "x_SourceLineItemType": Field(f"CAST({t} AS VARCHAR)"),
    }
    params = {"__codes": list(SERVICE_CATEGORIES), "__categories": list(SERVICE_CATEGORIES.values())}
    return fields, checks, params, billed, effective


# the type families a typed (parquet) CUR column may have; text is always accepted (checked row by row)
_NUMERIC = ("DECIMAL", "DOUBLE", "FLOAT", "REAL", "INTEGER", "BIGINT", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT",
            "UINTEGER", "USMALLINT", "UTINYINT", "UHUGEINT")  # fmt: skip
TYPE_FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    **{n: ("a number", _NUMERIC) for n in (*AMOUNTS, *NUMBERS)},
    **{n: ("a timestamp", ("TIMESTAMP", "DATE")) for n in TIMESTAMPS},
    "line_item_line_item_type": ("text", ()),
    "line_item_currency_code": ("text", ()),
    "bill_payer_account_id": ("text or an integer id", _NUMERIC[4:]),
    "line_item_usage_account_id": ("text or an integer id", _NUMERIC[4:]),
}


def check_parquet_types(cur: CurColumns) -> None:
    """A typed column must have a type its role can use (a BOOLEAN cost or an INTEGER timestamp would
    otherwise cast silently or fail inside DuckDB): refused naming the column and both types."""
    for name, (expected, prefixes) in TYPE_FAMILIES.items():
        if not cur.has(name):
            continue
        dtype = cur.staged.columns[cur.flat[name]]
        nested = any(marker in dtype for marker in NESTED_TYPES)
        if not nested and (dtype == "VARCHAR" or (prefixes and dtype.startswith(prefixes))):
            continue
        alternative = "" if expected == "text" else " (or text)"
        raise ExportFormatError(
            f"has type {dtype} in the file's schema; expected {expected}{alternative}",
            file=cur.staged.file, column=cur.flat[name],
        )


def _legacy_name(name: str) -> str:
    """Legacy spelling of a core CUR 2.0 column, for messages."""
    category, _, rest = name.partition("_")
    if name.startswith("line_item_"):
        category, rest = "lineItem", name[len("line_item_") :]
    camel = "".join(p.capitalize() for p in rest.split("_"))
    return f"{category}/{camel}"


def _ts(expr: str) -> str:
    """A timestamp column (text or typed) as TIMESTAMPTZ; naive values are UTC."""
    return f"TRY_CAST({expr} AS TIMESTAMPTZ)"


def _tags(cur: CurColumns) -> str:
    """FOCUS Tags from ``resource_tags`` (map or JSON text) or legacy tag columns."""
    rename = (
        "CASE WHEN starts_with(e.key, 'user_') THEN e.key[6:] WHEN starts_with(e.key, 'aws_') "
        "THEN 'aws:' || e.key[5:] ELSE e.key END"
    )
    if cur.is_map("resource_tags"):
        return map_json(cur.col("resource_tags"), renames=TAG_PREFIXES)
    if cur.has("resource_tags"):
        return tags_json(json_object_map(cur.col("resource_tags"), "VARCHAR"), key=rename)
    if cur.tags:
        keys = ", ".join(_const(k) for k in cur.tags)
        values = ", ".join(f"CAST(nullif({quote_identifier(v)}, '') AS VARCHAR)" for v in cur.tags.values())
        return tags_json(f"map([{keys}], [{values}])", key="e.key")
    return "NULL"


def _map_json(cur: CurColumns, name: str, legacy: dict[str, str], *, numeric: bool = False) -> str:
    """A CUR 2.0 map column (or legacy ``category/key`` columns) as a JSON object, NULL when empty."""
    if cur.is_map(name):
        return map_json(cur.col(name))
    if cur.has(name):
        return tags_json(json_object_map(cur.col(name), "JSON"), key="e.key")
    if legacy:
        keys = ", ".join(_const(k) for k in legacy)
        cast = "DOUBLE" if numeric else "VARCHAR"
        values = ", ".join(f"TRY_CAST(nullif({quote_identifier(v)}, '') AS {cast})" for v in legacy.values())
        return tags_json(f"map([{keys}], [{values}])", key="e.key")
    return "NULL"


# -- deliveries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    """One load: a billing period's manifest and its data files (or a single file)."""

    label: str  # path or URI recorded in the ledger
    name: str
    data_files: tuple[Path, ...]
    manifest: bytes | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def source_file(self) -> SourceFile:
        """Identity of the delivery: the manifest bytes and every data file's SHA-256."""
        if self.manifest is None and len(self.data_files) == 1:
            found = fingerprint(self.data_files[0])
            return SourceFile(self.label, self.name, found.sha256, found.size_bytes)
        digest = hashlib.sha256()
        size = 0
        if self.manifest is not None:
            digest.update(hashlib.sha256(self.manifest).digest())
            size += len(self.manifest)
        for data in self.data_files:
            found = fingerprint(data)
            digest.update(bytes.fromhex(found.sha256))
            size += found.size_bytes or 0
        return SourceFile(self.label, self.name, digest.hexdigest(), size)


def load_aws_cur(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load a CUR file, a local Data Exports folder or manifest, or an ``s3://`` export."""
    check_options(options.extra, OPTIONS, kind=KIND)
    wanted = _wanted_periods(options.extra.get("billing_period"))
    with _deliveries(path, options, wanted) as deliveries:
        return [_load_delivery(con, d, options) for d in deliveries]


def _wanted_periods(text: str | None) -> set[str] | None:
    if text is None:
        return None
    periods = {p.strip() for p in text.split(",") if p.strip()}
    bad = [p for p in periods if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", p)]
    if bad or not periods:
        raise UsageError(f"--option billing_period: expected YYYY-MM[,YYYY-MM…], got {text!r}")
    return periods


@contextmanager
def _deliveries(path: str, options: LoadOptions, wanted: set[str] | None) -> Iterator[list[Delivery]]:
    """The deliveries behind a path or URI, oldest billing period first (S3 objects in a temp dir)."""
    if path.startswith("s3://"):
        with tempfile.TemporaryDirectory(prefix="opsreview-cur-") as tmp:
            yield _s3_deliveries(path, Path(tmp), options, wanted)
        return
    if "://" in path:
        raise UsageError(f"{path}: aws-cur reads local paths and s3:// URIs")
    root = Path(path)
    if root.is_file() and root.name.endswith("Manifest.json"):
        yield [_local_manifest_delivery(root, _export_root(root))]
    elif root.is_file():
        file_format(root)
        yield [Delivery(str(root.resolve()), root.name, (root,))]
    elif root.is_dir():
        manifests = _newest_by_period(
            [(m, m.stat().st_mtime, str(m)) for m in root.rglob("*Manifest.json") if m.is_file()], wanted
        )
        if not manifests:
            raise UsageError(
                f"{root}: no Data Exports manifest (…/metadata/BILLING_PERIOD=YYYY-MM/…-Manifest.json) "
                "found; give a CUR file or an export folder"
            )
        yield [_local_manifest_delivery(m, root) for m in manifests]
    else:
        raise UsageError(f"{path}: no such file or folder")


def _period_of(key: str) -> str:
    match = PERIOD_DIR.search(key)
    return match.group(1) if match else str(PurePosixPath(key).parent)


def _newest_by_period(found: Sequence[tuple[Any, float, str]], wanted: set[str] | None) -> list[Any]:
    """The newest manifest of each billing period (by modification time, then name), oldest period first."""
    newest: dict[str, tuple[float, str, Any]] = {}
    for item, mtime, key in found:
        period = _period_of(key)
        if wanted is not None and period not in wanted:
            continue
        if period not in newest or (mtime, key) > newest[period][:2]:
            newest[period] = (mtime, key, item)
    return [newest[p][2] for p in sorted(newest)]


def _export_root(manifest: Path) -> Path:
    """The export folder of a local manifest (the parent of ``metadata/``), or its own folder."""
    for parent in manifest.parents:
        if parent.name == "metadata":
            return parent.parent
    return manifest.parent


def read_manifest(raw: bytes, *, file: str) -> dict[str, Any]:
    """A Data Exports manifest: a JSON object with a non-empty ``dataFiles`` list of URIs."""
    try:
        doc = parse_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ExportFormatError(f"manifest is not JSON: {exc}", file=file) from exc
    if not isinstance(doc, dict):
        raise ExportFormatError("manifest is not a JSON object", file=file)
    files = doc.get("dataFiles")
    if not isinstance(files, list) or not files or not all(isinstance(f, str) and f for f in files):
        raise ExportFormatError("manifest needs a non-empty dataFiles list of URIs", file=file, column="dataFiles")
    return doc


def _manifest_details(doc: dict[str, Any], period: str) -> dict[str, Any]:
    return {
        "billing_period": period,
        "execution_id": doc.get("executionId"),
        "export_arn": doc.get("exportArn"),
        "data_files": list(doc["dataFiles"]),
    }


def _local_manifest_delivery(manifest: Path, root: Path) -> Delivery:
    """Resolve a local manifest's dataFiles (S3 URIs) against the local export folder."""
    raw = manifest.read_bytes()
    doc = read_manifest(raw, file=str(manifest))
    files = []
    for uri in doc["dataFiles"]:
        local = _local_data_file(uri, root)
        if local is None:
            raise ExportFormatError(
                f"manifest names a data file that is missing: {uri}", file=manifest, column="dataFiles"
            )
        files.append(local)
    period = _period_of(str(manifest))
    return Delivery(
        str(manifest.resolve()), f"{manifest.name} ({period})", tuple(files), raw, _manifest_details(doc, period)
    )


def _local_data_file(uri: str, root: Path) -> Path | None:
    """The local copy of a data file URI: the longest tail of its path found under ``root``."""
    parts = [p for p in uri.split("://", 1)[-1].split("/") if p]
    for i in range(len(parts)):
        candidate = root.joinpath(*parts[i:])
        if candidate.is_file():
            return candidate
    return None


def _s3_deliveries(uri: str, tmp: Path, options: LoadOptions, wanted: set[str] | None) -> list[Delivery]:
    """Download the newest manifest of each billing period under an S3 prefix, and its data files."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not bucket:
        raise UsageError(f"{uri}: expected s3://bucket/prefix")
    client = boto3.client("s3", endpoint_url=options.extra.get("endpoint_url"), region_name=options.extra.get("region"))
    try:
        if prefix.endswith("Manifest.json"):
            head = client.head_object(Bucket=bucket, Key=prefix)
            manifests = [prefix] if wanted is None or _period_of(prefix) in wanted else []
            del head
        else:
            found = []
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    if obj["Key"].endswith("Manifest.json"):
                        found.append((obj["Key"], obj["LastModified"].timestamp(), obj["Key"]))
            manifests = _newest_by_period(found, wanted)
        if not manifests:
            raise UsageError(f"{uri}: no Data Exports manifest found under this prefix")
        deliveries = []
        for n, key in enumerate(manifests):
            label = f"s3://{bucket}/{key}"
            raw = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            doc = read_manifest(raw, file=label)
            files = []
            for i, data_uri in enumerate(doc["dataFiles"]):
                data_bucket, _, data_key = data_uri.removeprefix("s3://").partition("/")
                local = tmp / f"{n:04d}" / f"{i:05d}-{PurePosixPath(data_key).name}"
                local.parent.mkdir(parents=True, exist_ok=True)
                try:
                    client.download_file(data_bucket, data_key, str(local))
                except ClientError as exc:
                    raise ExportFormatError(
                        f"manifest names a data file that is missing: {data_uri}", file=label, column="dataFiles"
                    ) from exc
                files.append(local)
            period = _period_of(key)
            deliveries.append(
                Delivery(
                    label, f"{PurePosixPath(key).name} ({period})", tuple(files), raw, _manifest_details(doc, period)
                )
            )
        return deliveries
    except ClientError as exc:
        raise UsageError(f"{uri}: S3 refused the request: {exc}") from exc
    except BotoCoreError as exc:
        raise UsageError(f"{uri}: cannot reach S3: {exc}") from exc


def _load_delivery(con: duckdb.DuckDBPyConnection, delivery: Delivery, options: LoadOptions) -> LoadResult:
    """One delivery in one transaction: every data file staged, mapped, inserted; periods replaced."""

    refuse = refuses_duplicates(options.extra)
    several = len(delivery.data_files) > 1

    def load(tx: LoadTransaction) -> None:
        variants = set()
        for data in delivery.data_files:
            fmt = file_format(data)
            if fmt == "json":
                raise ExportFormatError("CUR data files are CSV, CSV.gz or parquet", file=data)
            with reading(data):
                # legacy CUR CSVs whose header names trailing columns no row fills: those read as NULL (warned)
                staged = (
                    stage_parquet(con, data, VIEW) if fmt == "parquet"
                    else stage_csv(con, data, VIEW, short_rows_ok=True)
                )
                cur = cur_columns(staged)
                fields, checks, params, billed, effective = cur_fields(cur)
                load_cost_view(
                    tx, staged, fields, checks=checks, params=params, billed_exact=billed, effective_exact=effective
                )
                record_duplicate_rows(tx, staged, refuse=refuse, part=data.name if several else None)
            for note in staged.notes:
                tx.warn(f"{data.name}: {note}" if several else note)
            variants.add("legacy" if cur.legacy else "cur2")
        with reading(delivery.label):
            tx.replace_cost_periods()
        tx.details.update(delivery.details)
        tx.details["variant"] = ",".join(sorted(variants))
        tx.variant = " and ".join(VARIANTS[v] for v in sorted(variants))

    try:
        return run_load(
            con, kind=KIND, file=delivery.source_file(), target_table="cost", load=load, options=options.as_record()
        )
    finally:
        run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")


def sniff_aws_cur(path: Path, head: bytes) -> bool:
    """A CUR file (legacy or 2.0 columns), a Data Exports manifest or an export folder."""
    if path.is_dir():
        return next(path.rglob("*Manifest.json"), None) is not None
    if path.name.endswith("Manifest.json"):
        return b"dataFiles" in head
    names = {c.strip() for c in sniff_columns(path, head)}
    return bool(names & {"lineItem/UnblendedCost", "line_item_unblended_cost"})


register(
    SourceKind(
        KIND,
        "cost",
        "AWS CUR legacy and CUR 2.0 (CSV, CSV.gz, parquet; folder, manifest or s3://)",
        load_aws_cur,
        sniff=sniff_aws_cur,
        accepts_uri=True,
    )
)
