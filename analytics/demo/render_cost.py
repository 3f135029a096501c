"""Render canonical FOCUS cost rows as the raw exports the cost loaders read.

* :func:`write_cur2_export`: AWS rows as a CUR 2.0 Data Export folder (parquet with the MAP
  columns, ``data/BILLING_PERIOD=YYYY-MM/<execution>/…`` and a ``…Manifest.json`` per billing period
  written after its data files). A Savings-Plan-covered usage row becomes AWS's pair of a
  ``SavingsPlanCoveredUsage`` line (the on-demand equivalent, amortised to the row's
  EffectiveCost) and its ``SavingsPlanNegation``; the loader gives both back, and their sum is the
  original row.
* :func:`write_gcp_billing_export`: Google Cloud rows as a billing export file (JSON lines or
  parquet) with nested ``service``, ``project``, ``credits``, ``labels`` and ``invoice.month``.

The line type comes from ``x_SourceLineItemType`` when present, else from ChargeCategory and the
commitment columns. Loading what is written returns the same FOCUS values for the columns in
:data:`CUR_ROUND_TRIP_COLUMNS` / :data:`GCP_ROUND_TRIP_COLUMNS` (a test proves it to the cent);
columns the raw formats cannot carry (CommitmentDiscountName, ResourceName, ResourceType, …) are
derived again by the loaders' rules.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analytics.errors import UsageError

CUR_ROUND_TRIP_COLUMNS: tuple[str, ...] = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "CommitmentDiscountId",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "RegionId",
    "ResourceId",
    "ServiceName",
    "ServiceCategory",
    "SubAccountId",
    "Tags",
    "x_UsageType",
    "x_Operation",
    "x_SourceLineItemType",
)
GCP_ROUND_TRIP_COLUMNS: tuple[str, ...] = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodStart",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ProviderName",
    "RegionId",
    "ResourceId",
    "ResourceName",
    "ServiceName",
    "SkuId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
    "PricingQuantity",
    "PricingUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
)
# product codes of the AWS services the demo uses (anything else: the name without spaces)
PRODUCT_CODES: dict[str, str] = {
    "Amazon Elastic Compute Cloud": "AmazonEC2",
    "Amazon Relational Database Service": "AmazonRDS",
    "Amazon Simple Storage Service": "AmazonS3",
    "Amazon CloudFront": "AmazonCloudFront",
    "AWS Lambda": "AWSLambda",
    "Savings Plans for AWS Compute usage": "ComputeSavingsPlans",
    "AWS Support (Business)": "AWSSupportBusiness",
    "Amazon Simple Queue Service": "AmazonSQS",
    "Amazon DynamoDB": "AmazonDynamoDB",
}
_TS = pa.timestamp("ms")
_STR_MAP = pa.map_(pa.string(), pa.string())
CUR_SCHEMA = pa.schema(
    [
        ("identity_line_item_id", pa.string()),
        ("identity_time_interval", pa.string()),
        ("bill_invoice_id", pa.string()),
        ("bill_invoicing_entity", pa.string()),
        ("bill_billing_entity", pa.string()),
        ("bill_bill_type", pa.string()),
        ("bill_payer_account_id", pa.string()),
        ("bill_payer_account_name", pa.string()),
        ("bill_billing_period_start_date", _TS),
        ("bill_billing_period_end_date", _TS),
        ("line_item_usage_account_id", pa.string()),
        ("line_item_usage_account_name", pa.string()),
        ("line_item_line_item_type", pa.string()),
        ("line_item_usage_start_date", _TS),
        ("line_item_usage_end_date", _TS),
        ("line_item_product_code", pa.string()),
        ("line_item_usage_type", pa.string()),
        ("line_item_operation", pa.string()),
        ("line_item_availability_zone", pa.string()),
        ("line_item_resource_id", pa.string()),
        ("line_item_usage_amount", pa.float64()),
        ("line_item_currency_code", pa.string()),
        ("line_item_unblended_rate", pa.float64()),
        ("line_item_unblended_cost", pa.float64()),
        ("line_item_line_item_description", pa.string()),
        ("product_region_code", pa.string()),
        ("product_location", pa.string()),
        ("product_sku", pa.string()),
        ("product", _STR_MAP),
        ("pricing_public_on_demand_cost", pa.float64()),
        ("pricing_public_on_demand_rate", pa.float64()),
        ("pricing_term", pa.string()),
        ("pricing_unit", pa.string()),
        ("pricing_rate_id", pa.string()),
        ("reservation_reservation_a_r_n", pa.string()),
        ("reservation_effective_cost", pa.float64()),
        ("reservation_unused_amortized_upfront_fee_for_billing_period", pa.float64()),
        ("reservation_unused_recurring_fee", pa.float64()),
        ("savings_plan_savings_plan_a_r_n", pa.string()),
        ("savings_plan_savings_plan_effective_cost", pa.float64()),
        ("savings_plan_total_commitment_to_date", pa.float64()),
        ("savings_plan_used_commitment", pa.float64()),
        ("resource_tags", _STR_MAP),
        ("cost_category", _STR_MAP),
        ("discount", pa.map_(pa.string(), pa.float64())),
    ]
)


def _value(row: pd.Series | dict[str, Any], name: str) -> Any:
    """A cell, with NaN / NaT / missing as None."""
    value = row.get(name) if hasattr(row, "get") else None
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _number(row: Any, name: str) -> float | None:
    value = _value(row, name)
    return None if value is None else float(value)


def _naive_utc(value: Any) -> datetime | None:
    """A timestamp as naive UTC (how CUR parquet stores times)."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.tz_localize(None).to_pydatetime()


def _tag_map(text: Any, *, aws: bool) -> list[tuple[str, str | None]] | None:
    """FOCUS Tags JSON as map entries (AWS keys: ``user_…`` / ``aws_…``)."""
    if text is None:
        return None
    tags = json.loads(text) if isinstance(text, str) else dict(text)
    out = []
    for key, value in tags.items():
        if aws:
            key = f"aws_{key[4:]}" if key.startswith("aws:") else f"user_{key}"
        out.append((str(key), None if value is None else str(value)))
    return out


def line_item_type(row: Any) -> str:
    """The CUR LineItemType of a FOCUS row: x_SourceLineItemType, else derived."""
    given = _value(row, "x_SourceLineItemType")
    if given:
        return str(given)
    category = _value(row, "ChargeCategory")
    status = _value(row, "CommitmentDiscountStatus")
    sp = _value(row, "CommitmentDiscountType") == "Savings Plan"
    if category == "Tax":
        return "Tax"
    if category == "Credit":
        return "Credit"
    if category == "Adjustment":
        return "Refund"
    if category == "Purchase":
        return "SavingsPlanRecurringFee" if sp and _value(row, "ChargeFrequency") == "Recurring" else "Fee"
    if status == "Used":
        return "SavingsPlanCoveredUsage" if sp else "DiscountedUsage"
    if status == "Unused":
        return "SavingsPlanRecurringFee" if sp else "RIFee"
    return "Usage"


def _cur_lines(row: Any, n: int) -> list[dict[str, Any]]:
    """The CUR 2.0 line item(s) of one FOCUS row."""
    kind = line_item_type(row)
    billed = _number(row, "BilledCost") or 0.0
    effective = _number(row, "EffectiveCost") or 0.0
    listed = _number(row, "ListCost")
    contracted = _number(row, "ContractedCost")
    service = _value(row, "ServiceName") or "Unknown"
    code = PRODUCT_CODES.get(service) or re.sub(r"[^A-Za-z0-9]", "", service) or "Unknown"
    start, end = _naive_utc(_value(row, "ChargePeriodStart")), _naive_utc(_value(row, "ChargePeriodEnd"))
    commitment = _value(row, "CommitmentDiscountId")
    ri = _value(row, "CommitmentDiscountType") == "Reserved Instance" or kind in ("DiscountedUsage", "RIFee")
    line: dict[str, Any] = {
        "identity_line_item_id": hashlib.sha1(f"{n}".encode()).hexdigest()[:26],
        "identity_time_interval": f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}",
        "bill_invoice_id": _value(row, "InvoiceId"),
        "bill_invoicing_entity": _value(row, "InvoiceIssuerName"),
        "bill_billing_entity": "AWS",
        "bill_bill_type": "Anniversary",
        "bill_payer_account_id": str(_value(row, "BillingAccountId")),
        "bill_payer_account_name": _value(row, "BillingAccountName"),
        "bill_billing_period_start_date": _naive_utc(_value(row, "BillingPeriodStart")),
        "bill_billing_period_end_date": _naive_utc(_value(row, "BillingPeriodEnd")),
        "line_item_usage_account_id": _value(row, "SubAccountId"),
        "line_item_usage_account_name": _value(row, "SubAccountName"),
        "line_item_line_item_type": kind,
        "line_item_usage_start_date": start,
        "line_item_usage_end_date": end,
        "line_item_product_code": code,
        "line_item_usage_type": _value(row, "x_UsageType"),
        "line_item_operation": _value(row, "x_Operation"),
        "line_item_availability_zone": _value(row, "AvailabilityZone"),
        "line_item_resource_id": _value(row, "ResourceId"),
        "line_item_usage_amount": _number(row, "PricingQuantity"),
        "line_item_currency_code": _value(row, "BillingCurrency"),
        "line_item_unblended_rate": _number(row, "ContractedUnitPrice"),
        "line_item_unblended_cost": billed,
        "line_item_line_item_description": _value(row, "ChargeDescription"),
        "product_region_code": _value(row, "RegionId"),
        "product_location": _value(row, "RegionName"),
        "product_sku": _value(row, "SkuId"),
        "product": [("product_name", service)],
        "pricing_public_on_demand_cost": listed if listed is not None else billed,
        "pricing_public_on_demand_rate": _number(row, "ListUnitPrice"),
        "pricing_term": "Spot" if _value(row, "PricingCategory") == "Dynamic" else "OnDemand",
        "pricing_unit": _value(row, "PricingUnit"),
        "pricing_rate_id": _value(row, "SkuPriceId"),
        "reservation_reservation_a_r_n": commitment if ri else None,
        "savings_plan_savings_plan_a_r_n": commitment if not ri else None,
        "resource_tags": _tag_map(_value(row, "Tags"), aws=True),
        "cost_category": _tag_map(_value(row, "x_CostCategories"), aws=False),
        "discount": None,
    }
    if kind == "SavingsPlanCoveredUsage":
        on_demand = contracted if contracted is not None else (listed or 0.0)
        line.update(line_item_unblended_cost=on_demand, savings_plan_savings_plan_effective_cost=effective)
        negation = dict(
            line,
            identity_line_item_id=line["identity_line_item_id"] + "n",
            line_item_line_item_type="SavingsPlanNegation",
            line_item_unblended_cost=billed - on_demand,
            line_item_usage_amount=0.0,
            pricing_public_on_demand_cost=0.0,
            savings_plan_savings_plan_effective_cost=None,
            resource_tags=line["resource_tags"],
        )
        return [line, negation]
    if kind == "DiscountedUsage":
        line["reservation_effective_cost"] = effective
    elif kind == "SavingsPlanRecurringFee":
        line.update(savings_plan_total_commitment_to_date=effective, savings_plan_used_commitment=0.0)
    elif kind == "RIFee":
        line.update(
            reservation_unused_amortized_upfront_fee_for_billing_period=effective, reservation_unused_recurring_fee=0.0
        )
    elif kind in ("Usage", "Tax", "Credit", "Refund", *([] if ri else ["Fee"])) and abs(effective - billed) > 5e-7:
        raise UsageError(
            f"row {n}: a {kind} line must have EffectiveCost = BilledCost in CUR; got {effective} and {billed}"
        )
    return [line]


def write_cur2_export(focus_rows: pd.DataFrame, out_dir: Path, *, export_name: str, execution_id: str) -> Path:
    """Write AWS FOCUS rows as a CUR 2.0 Data Export folder; return the export's root folder."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", export_name) or not re.fullmatch(r"[A-Za-z0-9_-]+", execution_id):
        raise UsageError("export_name and execution_id must be letters, digits, '-' or '_'")
    others = set(focus_rows.get("ProviderName", pd.Series(dtype=object)).dropna()) - {"AWS"}
    if others:
        raise UsageError(f"write_cur2_export renders AWS rows only, got {sorted(others)}")
    root = Path(out_dir) / export_name
    lines: list[dict[str, Any]] = []
    for n, (_, row) in enumerate(focus_rows.iterrows(), start=1):
        lines += _cur_lines(row, n)
    frame: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        frame.setdefault(f"{line['bill_billing_period_start_date']:%Y-%m}", []).append(line)
    for period, items in sorted(frame.items()):
        data_dir = root / "data" / f"BILLING_PERIOD={period}" / execution_id
        data_dir.mkdir(parents=True, exist_ok=True)
        data_file = data_dir / f"{export_name}-00001.snappy.parquet"
        table = pa.Table.from_pylist(items, schema=CUR_SCHEMA)
        pq.write_table(table, data_file, compression="snappy")
        relative = data_file.relative_to(root.parent).as_posix()
        start = items[0]["bill_billing_period_start_date"]
        end = items[0]["bill_billing_period_end_date"]
        manifest = {
            "executionId": execution_id,
            "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{items[0]['bill_payer_account_id']}:export/{export_name}",
            "columns": [{"name": f.name, "type": str(f.type)} for f in CUR_SCHEMA],
            "dataFiles": [f"s3://opsreview-demo/{relative}"],
            "additionalOutputFiles": [],
            "billingPeriod": {"start": f"{start:%Y-%m-%dT%H:%M:%SZ}", "end": f"{end:%Y-%m-%dT%H:%M:%SZ}"},
            # deterministic: AWS writes a period's manifest after the period's data, so stamp it then
            "writtenAt": f"{max(item['line_item_usage_end_date'] for item in items):%Y-%m-%dT%H:%M:%SZ}",
        }
        meta_dir = root / "metadata" / f"BILLING_PERIOD={period}"
        meta_dir.mkdir(parents=True, exist_ok=True)
        (meta_dir / f"{export_name}-Manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return root


GCP_SCHEMA = pa.schema(
    [
        ("billing_account_id", pa.string()),
        ("service", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("sku", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("usage_start_time", pa.string()),
        ("usage_end_time", pa.string()),
        ("project", pa.struct([("id", pa.string()), ("name", pa.string())])),
        ("labels", pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))),
        ("location", pa.struct([("location", pa.string()), ("region", pa.string()), ("zone", pa.string())])),
        ("cost", pa.float64()),
        ("cost_at_list", pa.float64()),
        ("currency", pa.string()),
        (
            "usage",
            pa.struct(
                [
                    ("amount", pa.float64()),
                    ("unit", pa.string()),
                    ("amount_in_pricing_units", pa.float64()),
                    ("pricing_unit", pa.string()),
                ]
            ),
        ),
        ("credits", pa.list_(pa.struct([("name", pa.string()), ("amount", pa.float64()), ("type", pa.string())]))),
        ("invoice", pa.struct([("month", pa.string())])),
        ("cost_type", pa.string()),
        ("resource", pa.struct([("name", pa.string()), ("global_name", pa.string())])),
    ]
)
COST_TYPES: dict[str, str] = {"Usage": "regular", "Tax": "tax", "Adjustment": "adjustment", "Credit": "adjustment"}


def _gcp_row(row: Any, n: int) -> dict[str, Any]:
    """One billing-export record of a FOCUS row (cost = ContractedCost; credits carry the rest)."""
    billed = _number(row, "BilledCost") or 0.0
    effective = _number(row, "EffectiveCost") or 0.0
    if abs(billed - effective) > 5e-7:
        raise UsageError(f"row {n}: the GCP export has one cost basis; EffectiveCost {effective} ≠ BilledCost {billed}")
    category = _value(row, "ChargeCategory")
    if category not in COST_TYPES:
        raise UsageError(f"row {n}: ChargeCategory {category!r} has no GCP cost_type")
    contracted = _number(row, "ContractedCost")
    cost = billed if contracted is None else contracted
    credit = round(billed - cost, 10)
    listed = _number(row, "ListCost")
    period = _naive_utc(_value(row, "BillingPeriodStart"))
    start, end = _naive_utc(_value(row, "ChargePeriodStart")), _naive_utc(_value(row, "ChargePeriodEnd"))
    region = _value(row, "RegionId")
    return {
        "billing_account_id": str(_value(row, "BillingAccountId")),
        "service": {
            "id": hashlib.sha1(str(_value(row, "ServiceName")).encode()).hexdigest()[:14].upper(),
            "description": _value(row, "ServiceName"),
        },
        "sku": {
            "id": _value(row, "SkuId"),
            "description": _value(row, "x_UsageType") or _value(row, "ChargeDescription"),
        },
        "usage_start_time": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "usage_end_time": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "project": {"id": _value(row, "SubAccountId"), "name": _value(row, "SubAccountName")},
        "labels": [{"key": k, "value": v} for k, v in (_tag_map(_value(row, "Tags"), aws=False) or [])],
        "location": {"location": region, "region": region, "zone": _value(row, "AvailabilityZone")},
        "cost": cost,
        "cost_at_list": listed if listed is not None else cost,
        "currency": _value(row, "BillingCurrency"),
        "usage": {
            "amount": _number(row, "ConsumedQuantity"),
            "unit": _value(row, "ConsumedUnit"),
            "amount_in_pricing_units": _number(row, "PricingQuantity"),
            "pricing_unit": _value(row, "PricingUnit"),
        },
        "credits": [{"name": "Discount", "amount": credit, "type": "DISCOUNT"}] if credit else [],
        "invoice": {"month": f"{period:%Y%m}"},
        "cost_type": COST_TYPES[category],
        "resource": {"name": _value(row, "ResourceName"), "global_name": _value(row, "ResourceId")},
    }


def write_gcp_billing_export(focus_rows: pd.DataFrame, out_path: Path) -> Path:
    """Write Google Cloud FOCUS rows as a billing export: JSON lines (.json/.jsonl) or parquet."""
    others = set(focus_rows.get("ProviderName", pd.Series(dtype=object)).dropna()) - {"Google Cloud"}
    if others:
        raise UsageError(f"write_gcp_billing_export renders Google Cloud rows only, got {sorted(others)}")
    records = [_gcp_row(row, n) for n, (_, row) in enumerate(focus_rows.iterrows(), start=1)]
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        out.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records), encoding="utf-8")
    elif out.suffix.lower() in (".parquet", ".pq"):
        pq.write_table(pa.Table.from_pylist(records, schema=GCP_SCHEMA), out)
    else:
        raise UsageError(f"{out}: write .jsonl or .parquet")
    return out


__all__ = ["CUR_ROUND_TRIP_COLUMNS", "GCP_ROUND_TRIP_COLUMNS", "write_cur2_export", "write_gcp_billing_export"]
