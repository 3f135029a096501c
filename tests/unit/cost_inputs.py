"""Seeded generators of small valid cost-loader inputs, the totals they must load to (computed
independently, in Decimal, from the raw file) and a snapshot of the whole warehouse.

Used by the hostile-input, re-delivery and Cost Explorer tests. Every amount has at most six
decimals, so the warehouse (ten decimals) must hold the independent sums exactly.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from analytics.demo.render_cost import GCP_SCHEMA
from analytics.warehouse import run
from analytics.warehouse.sqlutil import quote_identifier

Totals = dict[tuple[str, str], tuple[Decimal, Decimal, int]]  # (period label, currency) -> billed, effective, rows


# -- the warehouse ---------------------------------------------------------------------------------
def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[list[tuple], list[tuple]]]:
    """Every table of the warehouse: its columns and types, and every row as ``repr`` text in a
    stable order (so NaN, -0.0 and Decimal scale all count as differences)."""
    tables = run(con, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary ORDER BY 1")
    out: dict[str, tuple[list[tuple], list[tuple]]] = {}
    for (name,) in tables:
        columns = run(
            con,
            "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND table_name = $t ORDER BY column_index",
            {"t": name},
        )
        rows = run(con, f"SELECT * FROM {quote_identifier(name)}")
        out[name] = (columns, sorted(tuple(repr(v) for v in r) for r in rows))
    return out


MONTH_LABEL = "strftime(BillingPeriodStart, '%Y-%m')"


def cost_totals(con: duckdb.DuckDBPyConnection, file_id: int, *, period: str = MONTH_LABEL) -> Totals:
    """What one load put into ``cost``, per billing period label and currency."""
    rows = run(
        con,
        f"SELECT {period}, BillingCurrency, sum(BilledCost), sum(EffectiveCost), count(*) FROM cost "
        "WHERE source_file_id = $f GROUP BY ALL",
        {"f": file_id},
    )
    return {(str(p), str(c)): (Decimal(b), Decimal(e), int(n)) for p, c, b, e, n in rows}


def _add(out: dict[tuple[str, str], list[Any]], key: tuple[str, str], billed: Decimal, effective: Decimal) -> None:
    acc = out.setdefault(key, [Decimal(0), Decimal(0), 0])
    acc[0] += billed
    acc[1] += effective
    acc[2] += 1


def _frozen(out: Mapping[tuple[str, str], list[Any]]) -> Totals:
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


# -- small helpers ---------------------------------------------------------------------------------
def money(rng: random.Random, *, low: int = -50_00, high: int = 2_000_00) -> str:
    """An amount with two to six decimals, as text."""
    places = rng.choice([2, 4, 6])
    value = Decimal(rng.randint(low, high)) / 100 + Decimal(rng.randint(0, 9999)) / Decimal(10) ** places / 100
    return str(value.quantize(Decimal(1).scaleb(-places)))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str | None]], *, newline: str = "\n") -> bytes:
    """A CSV file (None written as an empty field)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode("utf-8")


def read_csv_bytes(content: bytes) -> list[dict[str, str]] | None:
    """The rows of a CSV via the csv module; None when it is not a well-formed UTF-8 CSV."""
    try:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None
    if not rows or any(len(r) != len(rows[0]) for r in rows[1:]):
        return None
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _days(period: str) -> tuple[date, date]:
    start = date.fromisoformat(f"{period}-01")
    return start, (start + timedelta(days=32)).replace(day=1)


# -- FOCUS -----------------------------------------------------------------------------------------
FOCUS_HEADER: tuple[str, ...] = (
    "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
    "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeDescription", "ProviderName",
    "PublisherName", "InvoiceIssuerName", "ServiceName", "ServiceCategory", "SubAccountId", "RegionId",
    "ResourceId", "PricingQuantity", "PricingUnit", "BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
    "Tags", "x_Team",
)  # fmt: skip
FOCUS_REQUIRED: tuple[str, ...] = (
    "BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "ChargeCategory",
    "ChargePeriodStart", "ChargePeriodEnd", "EffectiveCost", "ProviderName",
)  # fmt: skip
FOCUS_AMOUNTS: tuple[str, ...] = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
FOCUS_TIMES: tuple[str, ...] = ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")
FOCUS_FREE_TEXT: tuple[str, ...] = ("ChargeDescription", "ResourceId", "BillingAccountName", "x_Team", "PricingUnit")


def focus_rows(
    seed: int,
    *,
    n: int = 8,
    period: str = "2026-07",
    account: str = "123456789012",
    provider: str = "AWS",
    scale: int = 1,
) -> list[dict[str, str | None]]:
    """Seeded FOCUS 1.2 rows of one billing period (text values, as in a CSV)."""
    rng = random.Random(seed)
    first, after = _days(period)
    rows = []
    for i in range(n):
        day = first + timedelta(days=rng.randrange((after - first).days))
        category = rng.choice(["Usage", "Usage", "Usage", "Tax", "Credit", "Purchase"])
        billed = money(rng, high=2_000_00 * scale) if category != "Credit" else "-" + money(rng, low=1, high=500)
        effective = "0" if category == "Purchase" else billed
        tags = {"team": rng.choice(["payments", "search"]), "env": rng.choice(["prod", "dev"])} if i % 3 else None
        rows.append({
            "BillingAccountId": account, "BillingAccountName": "Example Payer", "BillingCurrency": "USD",
            "BillingPeriodStart": f"{first}T00:00:00Z", "BillingPeriodEnd": f"{after}T00:00:00Z",
            "ChargePeriodStart": f"{day}T00:00:00Z", "ChargePeriodEnd": f"{day + timedelta(days=1)}T00:00:00Z",
            "ChargeCategory": category, "ChargeDescription": f"{category} line {i}", "ProviderName": provider,
            "PublisherName": provider, "InvoiceIssuerName": provider,
            "ServiceName": rng.choice(["Amazon EC2", "Amazon S3"]), "ServiceCategory": "Compute",
            "SubAccountId": rng.choice(["111111111111", "222222222222"]), "RegionId": "us-east-1",
            "ResourceId": f"i-{seed:x}{i:04d}" if category == "Usage" else None,
            "PricingQuantity": str(rng.randint(1, 500)), "PricingUnit": "Hours",
            "BilledCost": billed, "EffectiveCost": effective, "ListCost": billed, "ContractedCost": billed,
            "Tags": json.dumps(tags) if tags else None, "x_Team": rng.choice(["a", "b", None]),
        })  # fmt: skip
    return rows


def focus_csv(rows: Sequence[Mapping[str, str | None]], header: Sequence[str] = FOCUS_HEADER) -> bytes:
    return csv_bytes(header, [[r.get(h) for h in header] for r in rows])


FOCUS_PARQUET_TYPES: dict[str, pa.DataType] = {
    "BilledCost": pa.decimal128(20, 6),
    "EffectiveCost": pa.float64(),
    "ListCost": pa.decimal128(20, 6),
    "ContractedCost": pa.float64(),
    "PricingQuantity": pa.float64(),
    **{c: pa.timestamp("us", tz="UTC") for c in FOCUS_TIMES},
}


def focus_arrow(rows: Sequence[Mapping[str, str | None]], header: Sequence[str] = FOCUS_HEADER) -> pa.Table:
    """FOCUS rows as a typed table: decimal and double money, UTC timestamps, text."""
    arrays = {}
    for name in header:
        values: list[Any] = [r.get(name) for r in rows]
        dtype = FOCUS_PARQUET_TYPES.get(name, pa.string())
        if pa.types.is_decimal(dtype):
            values = [None if v is None else Decimal(v) for v in values]
        elif pa.types.is_floating(dtype):
            values = [None if v is None else float(v) for v in values]
        elif pa.types.is_timestamp(dtype):
            values = [None if v is None else _utc(v) for v in values]
        arrays[name] = pa.array(values, type=dtype)
    return pa.table(arrays)


def _utc(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parquet_bytes(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def focus_expected(rows: Iterable[Mapping[str, Any]]) -> Totals:
    """Σ BilledCost, Σ EffectiveCost and rows per (billing month, currency), from the raw values."""
    out: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        period = r["BillingPeriodStart"]
        label = period.strftime("%Y-%m") if hasattr(period, "strftime") else str(period)[:7]
        _add(out, (label, str(r["BillingCurrency"])), _dec(r["BilledCost"]), _dec(r["EffectiveCost"]))
    return _frozen(out)


def _dec(value: Any) -> Decimal:
    """A raw amount as Decimal: floats through their shortest repr (what the loader reads)."""
    if value is None or value == "":
        raise ValueError("no amount")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())


# -- Azure (EA actual cost) ------------------------------------------------------------------------
AZURE_HEADER: tuple[str, ...] = (
    "InvoiceSectionName", "SubscriptionId", "SubscriptionName", "ResourceGroup", "ResourceLocation", "Date",
    "ProductName", "MeterCategory", "MeterName", "Quantity", "EffectivePrice", "CostInBillingCurrency",
    "ResourceId", "UnitPrice", "PayGPrice", "ChargeType", "Frequency", "PricingModel", "BillingAccountId",
    "BillingAccountName", "BillingCurrencyCode", "BillingPeriodStartDate", "BillingPeriodEndDate", "Tags",
)  # fmt: skip
AZURE_REQUIRED: tuple[str, ...] = (
    "CostInBillingCurrency", "BillingCurrencyCode", "Date", "BillingPeriodStartDate", "BillingPeriodEndDate",
    "BillingAccountId", "ChargeType",
)  # fmt: skip
AZURE_AMOUNTS: tuple[str, ...] = ("CostInBillingCurrency",)
AZURE_NUMBERS: tuple[str, ...] = ("Quantity", "EffectivePrice", "UnitPrice", "PayGPrice")
AZURE_DATES: tuple[str, ...] = ("Date", "BillingPeriodStartDate", "BillingPeriodEndDate")
AZURE_FREE_TEXT: tuple[str, ...] = ("InvoiceSectionName", "ProductName", "MeterName", "ResourceId", "SubscriptionName")


def _us(day: date, rng: random.Random) -> str:
    """M/D/YYYY, zero-padded or not (both occur in one export)."""
    return f"{day.month:02d}/{day.day:02d}/{day.year}" if rng.random() < 0.5 else f"{day.month}/{day.day}/{day.year}"


def azure_rows(
    seed: int, *, n: int = 8, period: str = "2026-07", account: str = "12345678", currency: str = "EUR"
) -> list[dict[str, str | None]]:
    """Seeded Azure EA actual-cost rows of one billing period (US dates, Tags without braces)."""
    rng = random.Random(seed)
    first, after = _days(period)
    rows = []
    for i in range(n):
        day = first + timedelta(days=rng.randrange((after - first).days))
        charge = rng.choice(["Usage", "Usage", "Usage", "Tax", "Refund", "Purchase"])
        cost = money(rng) if charge != "Refund" else "-" + money(rng, low=1, high=300)
        quantity = str(rng.randint(1, 100))
        rows.append({
            "InvoiceSectionName": "Platform", "SubscriptionId": f"sub-{rng.randint(1, 3)}",
            "SubscriptionName": "prod", "ResourceGroup": "rg-web", "ResourceLocation": "West Europe",
            "Date": _us(day, rng), "ProductName": f"Product {i}", "MeterCategory": rng.choice(["Virtual Machines",
                                                                                              "Storage"]),
            "MeterName": "D2 v3", "Quantity": quantity, "EffectivePrice": "0.1", "CostInBillingCurrency": cost,
            "ResourceId": f"/subscriptions/x/resourceGroups/rg-web/vm-{i}", "UnitPrice": "0.1", "PayGPrice": "0.12",
            "ChargeType": charge, "Frequency": "UsageBased" if charge == "Usage" else "OneTime",
            "PricingModel": "OnDemand", "BillingAccountId": account, "BillingAccountName": "Example Ltd",
            "BillingCurrencyCode": currency, "BillingPeriodStartDate": _us(first, rng),
            "BillingPeriodEndDate": _us(after - timedelta(days=1), rng),
            "Tags": '"team": "web","env": "prod"' if i % 2 else None,
        })  # fmt: skip
    return rows


def azure_csv(rows: Sequence[Mapping[str, str | None]], header: Sequence[str] = AZURE_HEADER) -> bytes:
    return csv_bytes(header, [[r.get(h) for h in header] for r in rows])


def azure_expected(rows: Iterable[Mapping[str, str]]) -> Totals:
    """Actual cost: BilledCost = EffectiveCost = CostInBillingCurrency (no commitment purchases here)."""
    out: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        start = r["BillingPeriodStartDate"].strip()
        month, year = start.split("/")[0], start.rsplit("/", 1)[-1]
        cost = _dec(r["CostInBillingCurrency"])
        _add(out, (f"{year}-{int(month):02d}", r["BillingCurrencyCode"].strip().upper()), cost, cost)
    return _frozen(out)


# -- GCP billing export ----------------------------------------------------------------------------
GCP_REQUIRED: tuple[str, ...] = (
    "billing_account_id",
    "cost",
    "currency",
    "usage_start_time",
    "usage_end_time",
    "invoice.month",
)
GCP_CSV_HEADER: tuple[str, ...] = (
    "billing_account_id", "service.id", "service.description", "sku.id", "sku.description", "usage_start_time",
    "usage_end_time", "project.id", "project.name", "labels", "location.location", "location.region",
    "location.zone", "cost", "cost_at_list", "currency", "usage.amount", "usage.unit", "credits", "invoice.month",
    "cost_type", "resource.name", "resource.global_name",
)  # fmt: skip
GCP_FREE_TEXT: tuple[str, ...] = ("sku.description", "project.name", "resource.name", "resource.global_name")


def gcp_records(
    seed: int, *, n: int = 8, month: str = "202607", account: str = "0189AB-CDEF01-234567", others: int = 0
) -> list[dict[str, Any]]:
    """Seeded billing-export records (nested, as BigQuery's TO_JSON_STRING gives them) of one
    invoice month, plus ``others`` records of the months around it."""
    rng = random.Random(seed)
    records = []
    for i in range(n + others):
        invoice = month if i < n else rng.choice([_shift(month, -1), _shift(month, 1)])
        start = date(int(invoice[:4]), int(invoice[4:]), 1) + timedelta(days=rng.randrange(27), hours=0)
        hour = rng.randrange(23)
        kind = rng.choice(["regular", "regular", "regular", "tax", "adjustment"])
        cost = float(money(rng, low=0, high=900_00))
        sud = -round(cost * rng.choice([0.1, 0.3]), 2)
        credits = [
            {"name": "Sustained use", "amount": sud, "type": "SUSTAINED_USAGE_DISCOUNT"},
            {"name": "Free tier", "amount": -0.01, "type": "FREE_TIER"},
        ][: rng.randint(0, 2)]
        if kind != "regular":
            credits = []
        records.append({
            "billing_account_id": account,
            "service": {"id": "6F81-5844-456A", "description": rng.choice(["Compute Engine", "BigQuery"])},
            "sku": {"id": f"SKU-{i}", "description": f"sku {i}"},
            "usage_start_time": f"{start}T{hour:02d}:00:00Z", "usage_end_time": f"{start}T{hour + 1:02d}:00:00Z",
            "project": {"id": rng.choice(["shop-prod", "shop-dev"]), "name": "Shop"},
            "labels": [{"key": "team", "value": rng.choice(["web", "data"])}, {"key": " env", "value": "prod"}]
            if i % 2 else [],
            "location": {"location": "us-central1", "region": "us-central1", "zone": "us-central1-a"},
            "cost": cost, "cost_at_list": round(cost * 1.1, 2), "currency": "USD",
            "usage": {"amount": float(rng.randint(1, 9000)), "unit": "seconds", "amount_in_pricing_units": 1.5,
                      "pricing_unit": "hour"},
            "credits": credits, "invoice": {"month": invoice}, "cost_type": kind,
            "resource": {"name": f"vm-{i}", "global_name": f"//compute.googleapis.com/vm-{i}"},
        })  # fmt: skip
    return records


def _shift(month: str, by: int) -> str:
    y, m = int(month[:4]), int(month[4:]) + by
    y, m = (y - 1, 12) if m == 0 else (y + 1, 1) if m == 13 else (y, m)
    return f"{y}{m:02d}"


def gcp_jsonl(records: Sequence[Mapping[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")


def gcp_parquet(records: Sequence[Mapping[str, Any]]) -> bytes:
    """The export's nested parquet shape (the demo renderer's schema)."""
    return parquet_bytes(pa.Table.from_pylist(list(records), schema=GCP_SCHEMA))


def flat_value(record: Mapping[str, Any], path: str) -> str | None:
    """A nested record's value at a dotted path as the flattened CSV writes it (lists as JSON)."""
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        return None
    return json.dumps(value) if isinstance(value, list) else repr(value) if isinstance(value, float) else str(value)


def gcp_csv(records: Sequence[Mapping[str, Any]], header: Sequence[str] = GCP_CSV_HEADER) -> bytes:
    """The flattened CSV form: dotted headers, repeated fields as JSON arrays."""
    return csv_bytes(header, [[flat_value(r, h) for h in header] for r in records])


def gcp_expected(records: Iterable[Mapping[str, Any]]) -> Totals:
    """Net cost = cost + Σ credits.amount per (invoice month, currency); one basis (billed = effective)."""
    out: dict[tuple[str, str], list[Any]] = {}
    for r in records:
        credits = r.get("credits") or []
        if isinstance(credits, str):
            credits = json.loads(credits) if credits.strip() else []
        net = _dec(r["cost"]) + sum((_dec(c["amount"]) for c in credits), Decimal(0))
        month = r["invoice"]["month"] if "invoice" in r else r["invoice.month"]
        _add(out, (str(month), str(r["currency"]).strip().upper()), net, net)
    return _frozen(out)


# -- AWS Cost Explorer -----------------------------------------------------------------------------
CE_DEFINITIONS: list[dict[str, str]] = [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "TAG", "Key": "team"}]


def ce_pages(
    seed: int,
    *,
    start: str = "2026-07-01",
    days: int = 4,
    per_page: int = 5,
    services: Sequence[str] = ("Amazon Elastic Compute Cloud - Compute", "Amazon Simple Storage Service", "Tax"),
) -> list[dict[str, Any]]:
    """Seeded get_cost_and_usage responses: DAILY, grouped by SERVICE and TAG team, split into pages
    of ``per_page`` days (each page carries a NextPageToken but the last)."""
    rng = random.Random(seed)
    first = date.fromisoformat(start)
    results = []
    for d in range(days):
        day = first + timedelta(days=d)
        groups = []
        for service in services:
            for team in ("team$web", "team$"):
                if rng.random() < 0.25:
                    continue
                billed = money(rng, low=0, high=300_00)
                amortised = money(rng, low=0, high=300_00) if "Compute" in service else billed
                groups.append(
                    {
                        "Keys": [service, team],
                        "Metrics": {
                            "UnblendedCost": {"Amount": billed, "Unit": "USD"},
                            "AmortizedCost": {"Amount": amortised, "Unit": "USD"},
                            "UsageQuantity": {"Amount": str(rng.randint(0, 1000)), "Unit": "N/A"},
                        },
                    }
                )
        results.append(
            {
                "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()},
                "Total": {},
                "Groups": groups,
                "Estimated": d == days - 1,
            }
        )
    pages = []
    for i in range(0, len(results), per_page):
        page: dict[str, Any] = {
            "GroupDefinitions": CE_DEFINITIONS,
            "ResultsByTime": results[i : i + per_page],
            "DimensionValueAttributes": [],
        }
        if i + per_page < len(results):
            page["NextPageToken"] = f"page-{i // per_page + 2}"
        pages.append(page)
    return pages


def ce_expected(pages: Iterable[Mapping[str, Any]]) -> Totals:
    """Σ UnblendedCost and Σ AmortizedCost (the Amount strings) per calendar month and Unit."""
    out: dict[tuple[str, str], list[Any]] = {}
    for page in pages:
        for result in page["ResultsByTime"]:
            month = result["TimePeriod"]["Start"][:7]
            for group in result.get("Groups") or [{"Metrics": result["Total"]}]:
                metrics = group["Metrics"]
                billed = Decimal(metrics["UnblendedCost"]["Amount"])
                amortised = metrics.get("AmortizedCost")
                effective = Decimal(amortised["Amount"]) if amortised else billed
                _add(out, (month, metrics["UnblendedCost"]["Unit"]), billed, effective)
    return _frozen(out)


# -- Oracle Cloud (OCI) -----------------------------------------------------------------------------
# The proprietary cost report (Oracle's documented columns, as in tests/data/cost/oci/)
OCI_HEADER: tuple[str, ...] = (
    "lineItem/referenceNo", "lineItem/tenantId", "lineItem/intervalUsageStart", "lineItem/intervalUsageEnd",
    "product/service", "product/compartmentId", "product/compartmentName", "product/region",
    "product/availabilityDomain", "product/resourceId", "usage/billedQuantity", "usage/billedQuantityOverage",
    "cost/subscriptionId", "cost/productSku", "product/Description", "cost/unitPrice", "cost/unitPriceOverage",
    "cost/myCost", "cost/myCostOverage", "cost/currencyCode", "cost/billingUnitReadable", "cost/skuUnitDescription",
    "cost/overageFlag", "lineItem/isCorrection", "lineItem/backreferenceNo", "tags/Oracle-Tags.CreatedBy",
    "tags/team",
)  # fmt: skip
OCI_REQUIRED: tuple[str, ...] = ("lineItem/intervalUsageStart", "lineItem/intervalUsageEnd", "cost/myCost")
OCI_FREE_TEXT: tuple[str, ...] = ("product/Description", "product/compartmentName", "product/resourceId")


def oci_rows(seed: int, *, n: int = 8, day: str = "2023-11-13", currency: str = "USD",
             first_reference: int = 0) -> list[dict[str, str | None]]:  # fmt: skip
    """Seeded OCI cost report rows of one day (hourly; minute-only start times as OCI writes them,
    amounts partly in scientific notation, an empty currency on zero-cost rows, a correction)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        hour = rng.randrange(23)
        service = rng.choice(["COMPUTE", "DATABASE", "OBJECTSTORE", "TELEMETRY", "NETWORK"])
        free = rng.random() < 0.15
        cost = "0.000000000000" if free else rng.choice([money(rng, low=0, high=900), f"{rng.randint(1, 999)}E-9"])
        rows.append({
            "lineItem/referenceNo": f"{seed:04x}{first_reference + i:08x}",
            "lineItem/tenantId": "ocid1.tenancy.oc1..aaaa",
            "lineItem/intervalUsageStart": f"{day}T{hour:02d}:00Z",
            "lineItem/intervalUsageEnd": f"{day}T{hour + 1:02d}:00:00Z", "product/service": service,
            "product/compartmentId": "ocid1.compartment.oc1..bbbb", "product/compartmentName": "platform",
            "product/region": "us-sanjose-1", "product/availabilityDomain": rng.choice(["sj-1", None]),
            "product/resourceId": f"ocid1.instance.oc1.us-sanjose-1.r{i}", "usage/billedQuantity": "0.5",
            "usage/billedQuantityOverage": None, "cost/subscriptionId": "20209880", "cost/productSku": "B93114",
            "product/Description": f"Standard - E4 - {i}", "cost/unitPrice": "0.0250", "cost/unitPriceOverage": None,
            "cost/myCost": cost, "cost/myCostOverage": None, "cost/currencyCode": None if free else currency,
            "cost/billingUnitReadable": "1 NONE HOURS INSTANCE", "cost/skuUnitDescription": "OCPU Hours",
            "cost/overageFlag": "false", "lineItem/isCorrection": "true" if i == n - 1 else "false",
            "lineItem/backreferenceNo": f"{seed:04x}{first_reference:08x}" if i == n - 1 else None,
            "tags/Oracle-Tags.CreatedBy": rng.choice(["default/ops@example.com", None]),
            "tags/team": rng.choice(["web", "data", None]),
        })  # fmt: skip
    return rows


def oci_expected(rows: Iterable[Mapping[str, str | None]]) -> Totals:
    """Σ cost/myCost per (calendar month of intervalUsageStart, currency; empty → the file's only one)."""
    rows = list(rows)
    written = {(r.get("cost/currencyCode") or "").strip().upper() for r in rows} - {""}
    fill = next(iter(written)) if len(written) == 1 else ""
    out: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        currency = (r.get("cost/currencyCode") or "").strip().upper() or fill
        cost = _dec(r["cost/myCost"])
        _add(out, (str(r["lineItem/intervalUsageStart"]).strip()[:7], currency), cost, cost)
    return _frozen(out)


# OCI's own FOCUS reports (FOCUS 1.0-preview column names plus oci_ extensions)
OCI_FOCUS_HEADER: tuple[str, ...] = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "ChargeSubcategory", "CommitmentDiscountCategory", "CommitmentDiscountId",
    "CommitmentDiscountName", "CommitmentDiscountType", "EffectiveCost", "InvoiceIssuer", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingQuantity", "PricingUnit", "Provider", "Publisher", "Region", "ResourceId",
    "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "SkuId", "SkuPriceId", "SubAccountId",
    "SubAccountName", "Tags", "UsageQuantity", "UsageUnit", "oci_ReferenceNumber", "oci_CompartmentId",
    "oci_CompartmentName", "oci_OverageFlag", "oci_UnitPriceOverage", "oci_BilledQuantityOverage", "oci_CostOverage",
    "oci_AttributedUsage", "oci_AttributedCost", "oci_BackReferenceNumber",
)  # fmt: skip


def oci_focus_rows(seed: int, *, n: int = 6, day: str = "2024-09-15",
                   first_reference: int = 0) -> list[dict[str, str | None]]:  # fmt: skip
    """Seeded rows of one daily OCI FOCUS report."""
    rng = random.Random(seed)
    first, after = _days(day[:7])
    rows = []
    for i in range(n):
        hour = rng.randrange(23)
        billed = money(rng, low=0, high=50_00)
        rows.append({
            "AvailabilityZone": "bzBe:US-SANJOSE-1-AD-1", "BilledCost": billed, "BillingAccountId": "20209880",
            "BillingAccountName": None, "BillingCurrency": "USD", "BillingPeriodEnd": f"{after}T00:00:00Z",
            "BillingPeriodStart": f"{first}T00:00:00Z", "ChargeCategory": rng.choice(["Usage", "Usage", "Adjustment"]),
            "ChargeDescription": "Standard - E5", "ChargeFrequency": "Usage-based",
            "ChargePeriodEnd": f"{day}T{hour + 1:02d}:00:00Z", "ChargePeriodStart": f"{day}T{hour:02d}:00:00Z",
            "ChargeSubcategory": "On-Demand", "CommitmentDiscountCategory": None, "CommitmentDiscountId": None,
            "CommitmentDiscountName": None, "CommitmentDiscountType": None, "EffectiveCost": billed,
            "InvoiceIssuer": "Oracle", "ListCost": billed, "ListUnitPrice": "0.03", "PricingCategory": None,
            "PricingQuantity": "8", "PricingUnit": "OCPU Hours", "Provider": "Oracle", "Publisher": "Oracle",
            "Region": "us-sanjose-1", "ResourceId": f"ocid1.instance.oc1.us-sanjose-1.r{i}", "ResourceName": None,
            "ResourceType": "instance", "ServiceCategory": "Compute", "ServiceName": "COMPUTE", "SkuId": "B97384",
            "SkuPriceId": None, "SubAccountId": "ocid1.tenancy.oc1..aaaa", "SubAccountName": "crowddev",
            "Tags": json.dumps({"Oracle-Tags.CreatedBy": "ops"}) if i % 2 else None, "UsageQuantity": "8",
            "UsageUnit": "OCPU Hours", "oci_ReferenceNumber": f"{seed:04x}{first_reference + i:08x}",
            "oci_CompartmentId": "ocid1.compartment.oc1..bbbb", "oci_CompartmentName": "platform",
            "oci_OverageFlag": "N", "oci_UnitPriceOverage": None, "oci_BilledQuantityOverage": None,
            "oci_CostOverage": None, "oci_AttributedUsage": "8", "oci_AttributedCost": billed,
            "oci_BackReferenceNumber": None,
        })  # fmt: skip
    return rows


# -- business metrics and budgets ------------------------------------------------------------------
METRICS_HEADER: tuple[str, ...] = ("date", "metric", "dimension", "value", "unit")
BUDGETS_HEADER: tuple[str, ...] = ("period", "scope", "amount", "currency", "cost_basis")


def metric_rows(seed: int, *, days: int = 5) -> list[dict[str, str | None]]:
    """Seeded daily volumes: requests per service and orders in total."""
    rng = random.Random(seed)
    rows = []
    for d in range(days):
        day = (date(2026, 7, 1) + timedelta(days=d)).isoformat()
        for dimension in ("checkout", "search"):
            rows.append(
                {
                    "date": day,
                    "metric": "requests",
                    "dimension": dimension,
                    "value": str(rng.randint(1_000, 90_000)),
                    "unit": "requests",
                }
            )
        rows.append(
            {"date": day, "metric": "orders", "dimension": None, "value": f"{rng.randint(10, 900)}.5", "unit": None}
        )
    return rows


def budget_rows(seed: int) -> list[dict[str, str | None]]:
    """Seeded budgets: monthly and quarterly, total and per provider."""
    rng = random.Random(seed)
    rows = []
    for period in ("2026-07", "2026-08", "2026Q3"):
        for scope in ("total", "provider:AWS", "team:payments"):
            rows.append(
                {
                    "period": period,
                    "scope": scope,
                    "amount": money(rng, low=1_000_00, high=90_000_00),
                    "currency": "USD",
                    "cost_basis": rng.choice(["EffectiveCost", "BilledCost", None]),
                }
            )
    return rows


def table_csv(header: Sequence[str], rows: Sequence[Mapping[str, str | None]]) -> bytes:
    return csv_bytes(header, [[r.get(h) for h in header] for r in rows])
