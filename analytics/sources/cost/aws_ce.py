"""AWS Cost Explorer (kind ``aws-ce``) for accounts without a CUR: ``get_cost_and_usage``, DAILY,
grouped, every page.

Path: ``ce://`` (optionally ``ce://REGION``; the API's endpoint is ``us-east-1``) with
``--option start=YYYY-MM-DD --option end=YYYY-MM-DD`` (end exclusive). The window is widened to
whole months, because a load replaces the billing periods it delivers. ``--option
group_by=SERVICE,LINKED_ACCOUNT`` (the default; at most two of ``SERVICE``, ``LINKED_ACCOUNT``,
``REGION``, ``USAGE_TYPE``, ``RECORD_TYPE``, ``TAG:key``, ``COST_CATEGORY:name``); ``--option
billing_account=…`` (default: the caller's account from STS). A ``.json`` file of saved responses
(one response or a list of pages) loads the same way without calling the API (each call costs
$0.01).

Mapping: one row per day and group. BilledCost = ``UnblendedCost``, EffectiveCost =
``AmortizedCost`` (``Amount`` strings parsed as Decimal; the source totals are summed in Python
from those strings); BillingCurrency = the metric's ``Unit``; BillingPeriod = the calendar month
of the day; SERVICE → ServiceName, LINKED_ACCOUNT → SubAccountId, REGION → RegionId, USAGE_TYPE →
x_UsageType, ``TAG`` ``key$value`` → Tags (an empty value means untagged), COST_CATEGORY →
x_CostCategories, RECORD_TYPE → x_SourceLineItemType and ChargeCategory (Tax → Tax, …Credit →
Credit, Refund → Adjustment, …Fee → Purchase, else Usage; without RECORD_TYPE every row is Usage).
``Estimated`` is kept in ``x_CeEstimated``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._files import parse_json
from analytics.sources.cost._common import Field, Staged, lit, load_cost_view, reading
from analytics.warehouse import run, run_quietly
from analytics.warehouse.ledger import LoadResult, LoadTransaction, PeriodTotal, SourceFile, run_load
from analytics.warehouse.sqlutil import quote_identifier

log = logging.getLogger(__name__)

KIND = "aws-ce"
TABLE = "__aws_ce_rows"
OPTIONS: tuple[str, ...] = ("start", "end", "group_by", "billing_account", "endpoint_url")
METRICS: tuple[str, ...] = ("UnblendedCost", "AmortizedCost", "UsageQuantity")
DIMENSIONS: dict[str, str] = {"SERVICE": "ServiceName", "LINKED_ACCOUNT": "SubAccountId", "REGION": "RegionId",
                              "USAGE_TYPE": "x_UsageType", "RECORD_TYPE": "x_SourceLineItemType"}
COLUMNS: tuple[str, ...] = ("period_start", "period_end", "billing_start", "billing_end", "currency", "billed",
                            "effective", "quantity", "service", "account", "region", "usage_type", "record_type",
                            "tags", "cost_categories", "estimated", "__row")
SERVICE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("Elastic Compute Cloud", "Compute"), ("Lambda", "Compute"), ("Container", "Compute"), ("Kubernetes", "Compute"),
    ("Simple Storage Service", "Storage"), ("Elastic File System", "Storage"), ("Relational Database", "Databases"),
    ("DynamoDB", "Databases"), ("ElastiCache", "Databases"), ("CloudFront", "Networking"),
    ("Virtual Private Cloud", "Networking"), ("Route 53", "Networking"), ("Data Transfer", "Networking"),
    ("Load Balancing", "Networking"), ("CloudWatch", "Management and Governance"), ("Tax", "Other"),
)


def load_aws_ce(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Pull (or read saved) Cost Explorer results and load them as one delivery."""
    if path.startswith("ce://"):
        pages, label, account = _fetch(path, options)
    else:
        file = Path(path)
        try:
            doc = parse_json(file.read_text("utf-8-sig"))  # a BOM is how Windows tools save UTF-8
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ExportFormatError(f"not a JSON file of Cost Explorer responses: {exc}", file=file) from exc
        pages = doc if isinstance(doc, list) else [doc]
        label, given = str(file.resolve()), options.extra.get("billing_account")
        if not given:
            raise UsageError(f"{file}: saved Cost Explorer responses need --option billing_account=…")
        account = given
    digest = hashlib.sha256(json.dumps(pages, sort_keys=True, default=str).encode()).hexdigest()
    source = SourceFile(label, label.rsplit("/", 1)[-1], digest, None)
    rows, totals = ce_rows(pages, file=label)

    def load(tx: LoadTransaction) -> None:
        staged = _stage(con, rows, label)
        with reading(label):
            load_cost_view(tx, staged, ce_fields(), params={"__account": account})
            tx.period_totals = totals  # summed from the Amount strings in Python, not in SQL
            tx.replace_cost_periods()
        tx.details["pages"] = len(pages)

    try:
        return [run_load(con, kind=KIND, file=source, target_table="cost", load=load, options=options.as_record())]
    finally:
        run_quietly(con, f"DROP TABLE IF EXISTS {TABLE}")


def month_window(start: date, end: date) -> tuple[date, date]:
    """[start, end) widened to whole months.

    >>> month_window(date(2026, 7, 10), date(2026, 8, 2))
    (datetime.date(2026, 7, 1), datetime.date(2026, 9, 1))
    """
    first = start.replace(day=1)
    last = end - timedelta(days=1)
    after = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return first, after


def group_definitions(text: str) -> list[dict[str, str]]:
    """``SERVICE,TAG:team`` as Cost Explorer GroupBy definitions (at most two)."""
    groups = []
    for item in (p.strip() for p in text.split(",") if p.strip()):
        kind, _, key = item.partition(":")
        if kind in DIMENSIONS and not key:
            groups.append({"Type": "DIMENSION", "Key": kind})
        elif kind in ("TAG", "COST_CATEGORY") and key:
            groups.append({"Type": kind, "Key": key})
        else:
            raise UsageError(f"--option group_by: unknown group {item!r}; use {', '.join(DIMENSIONS)}, TAG:key or "
                             "COST_CATEGORY:name")
    if not 1 <= len(groups) <= 2:
        raise UsageError("--option group_by: Cost Explorer groups by one or two keys")
    return groups


def _fetch(uri: str, options: LoadOptions) -> tuple[list[dict[str, Any]], str, str]:
    """Every page of get_cost_and_usage for the (month-widened) window."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    extra = options.extra
    try:
        start = date.fromisoformat(extra["start"])
        end = date.fromisoformat(extra["end"])
    except KeyError as exc:
        raise UsageError("ce:// needs --option start=YYYY-MM-DD and --option end=YYYY-MM-DD (exclusive)") from exc
    except ValueError as exc:
        raise UsageError(f"--option start/end: {exc}") from exc
    if end <= start:
        raise UsageError("--option end must be after start (end is exclusive)")
    first, after = month_window(start, end)
    groups = group_definitions(extra.get("group_by", "SERVICE,LINKED_ACCOUNT"))
    region = uri[len("ce://"):].strip("/") or "us-east-1"
    try:
        ce = boto3.client("ce", region_name=region, endpoint_url=extra.get("endpoint_url"))
        account = extra.get("billing_account") or boto3.client(
            "sts", region_name=region, endpoint_url=extra.get("endpoint_url")).get_caller_identity()["Account"]
        pages: list[dict[str, Any]] = []
        request: dict[str, Any] = {"TimePeriod": {"Start": first.isoformat(), "End": after.isoformat()},
                                   "Granularity": "DAILY", "Metrics": list(METRICS), "GroupBy": groups}
        while True:
            page = ce.get_cost_and_usage(**request)
            page.pop("ResponseMetadata", None)
            pages.append(page)
            token = page.get("NextPageToken")
            if not token:
                break
            request["NextPageToken"] = token
            if len(pages) > 10_000:
                raise UsageError(f"{uri}: Cost Explorer kept returning pages; stopped after 10,000")
    except ClientError as exc:
        raise UsageError(f"{uri}: Cost Explorer refused the request: {exc}") from exc
    except BotoCoreError as exc:
        raise UsageError(f"{uri}: cannot reach Cost Explorer: {exc}") from exc
    label = f"ce://{region}?start={first}&end={after}&group_by={extra.get('group_by', 'SERVICE,LINKED_ACCOUNT')}"
    return pages, label, str(account)


def _amount(metrics: Mapping[str, Any], name: str, *, file: str, row: int) -> tuple[Decimal | None, str | None]:
    """A metric's Amount (a string) as a Decimal, and its Unit."""
    metric = metrics.get(name)
    if metric is None:
        return None, None
    if not isinstance(metric, Mapping):
        raise ExportFormatError("metric is not an object", file=file, row=row, column=name)
    try:
        value = Decimal(str(metric.get("Amount")))
    except InvalidOperation as exc:
        raise ExportFormatError(f"Amount {metric.get('Amount')!r} is not a decimal number", file=file, row=row,
                                column=name) from exc
    if not value.is_finite() or abs(value) >= Decimal("1e18"):
        raise ExportFormatError(f"Amount {metric.get('Amount')!r} is not a finite amount", file=file, row=row,
                                column=name)
    return value, str(metric.get("Unit")) if metric.get("Unit") is not None else None


def _results(pages: list[Any], file: str) -> Iterator[tuple[dict[str, Any], list[dict[str, str]]]]:
    """Each ResultsByTime entry with its page's group definitions."""
    for page in pages:
        if not isinstance(page, Mapping) or not isinstance(page.get("ResultsByTime"), list):
            raise ExportFormatError("a Cost Explorer response needs a ResultsByTime list", file=file,
                                    column="ResultsByTime")
        definitions = page.get("GroupDefinitions") or []
        if not isinstance(definitions, list) or not all(isinstance(d, Mapping) for d in definitions):
            raise ExportFormatError("GroupDefinitions is not a list of {Type, Key} objects", file=file,
                                    column="GroupDefinitions")
        for result in page["ResultsByTime"]:
            yield result, definitions


def ce_rows(pages: list[Any], *, file: str) -> tuple[pa.Table, list[PeriodTotal]]:
    """Flatten responses into text rows (one per day and group) and sum the totals per month."""
    out: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    totals: dict[tuple[datetime, str], list[Any]] = {}
    n = 0
    for result, definitions in _results(pages, file):
        try:
            start = date.fromisoformat(result["TimePeriod"]["Start"])
            end = date.fromisoformat(result["TimePeriod"]["End"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ExportFormatError("TimePeriod needs Start and End dates", file=file, row=n + 1,
                                    column="TimePeriod") from exc
        groups = result.get("Groups") or []
        if not isinstance(groups, list):
            raise ExportFormatError("Groups is not a list", file=file, row=n + 1, column="Groups")
        if not groups and result.get("Total"):
            groups = [{"Keys": [], "Metrics": result["Total"]}]
        for group in groups:
            n += 1
            if not isinstance(group, Mapping) or not isinstance(group.get("Metrics"), Mapping):
                raise ExportFormatError("group needs Keys and Metrics", file=file, row=n, column="Groups")
            billed, currency = _amount(group["Metrics"], "UnblendedCost", file=file, row=n)
            effective, unit = _amount(group["Metrics"], "AmortizedCost", file=file, row=n)
            quantity, _ = _amount(group["Metrics"], "UsageQuantity", file=file, row=n)
            if billed is None:
                raise ExportFormatError("UnblendedCost is missing", file=file, row=n, column="UnblendedCost")
            effective = billed if effective is None else effective
            if unit is not None and currency is not None and unit != currency:
                raise ExportFormatError(f"AmortizedCost unit {unit} differs from UnblendedCost unit {currency}",
                                        file=file, row=n, column="AmortizedCost")
            keys = group.get("Keys") or []
            if not isinstance(keys, list):
                raise ExportFormatError("Keys is not a list", file=file, row=n, column="Keys")
            row: dict[str, Any] = dict.fromkeys(COLUMNS)
            tags: dict[str, str] = {}
            categories: dict[str, str] = {}
            for definition, key in zip(definitions, keys, strict=False):
                kind, name = definition.get("Type"), definition.get("Key")
                if kind == "DIMENSION" and name in DIMENSIONS:
                    row[{"SERVICE": "service", "LINKED_ACCOUNT": "account", "REGION": "region",
                         "USAGE_TYPE": "usage_type", "RECORD_TYPE": "record_type"}[name]] = str(key)
                elif kind in ("TAG", "COST_CATEGORY"):
                    tag, _, value = str(key).partition("$")
                    if value:
                        (tags if kind == "TAG" else categories)[tag or str(name)] = value
            billing_start = datetime(start.year, start.month, 1, tzinfo=UTC)
            billing_end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
            row.update({
                "period_start": start.isoformat(), "period_end": end.isoformat(),
                "billing_start": billing_start.isoformat(), "billing_end": billing_end.isoformat(),
                "currency": currency, "billed": str(billed), "effective": str(effective),
                "quantity": str(quantity) if quantity is not None else None,
                "tags": json.dumps(tags, separators=(",", ":")) if tags else None,  # as to_json writes Tags
                "cost_categories": json.dumps(categories, separators=(",", ":")) if categories else None,
                "estimated": "true" if result.get("Estimated") else "false", "__row": n,
            })
            for column in COLUMNS:
                out[column].append(row[column])
            acc = totals.setdefault((billing_start, str(currency)), [Decimal(0), Decimal(0), 0])
            acc[0] += billed
            acc[1] += effective
            acc[2] += 1
    if n == 0:
        raise ExportFormatError("Cost Explorer returned no results for the window", file=file)
    schema = pa.schema([(c, pa.int64() if c == "__row" else pa.string()) for c in COLUMNS])
    table = pa.table(out, schema=schema)
    return table, [PeriodTotal(k[0], k[1], v[0], v[1], v[2]) for k, v in sorted(totals.items())]


def _stage(con: duckdb.DuckDBPyConnection, rows: pa.Table, label: str) -> Staged:
    """The flattened rows as a temp table (text columns plus __row)."""
    name = f"{TABLE}_arrow"
    con.register(name, rows)
    try:
        run(con, f"CREATE OR REPLACE TEMP TABLE {TABLE} AS SELECT * FROM {quote_identifier(name)}")
    finally:
        con.unregister(name)
    return Staged(TABLE, label, {c: "VARCHAR" for c in COLUMNS if c != "__row"})


def ce_fields() -> dict[str, Field]:
    """The FOCUS mapping of the flattened rows."""
    record = "record_type"
    category = (f"CASE WHEN {record} IS NULL THEN 'Usage' WHEN {record} = 'Tax' THEN 'Tax' "
                f"WHEN {record} = 'Refund' THEN 'Adjustment' WHEN {record} LIKE '%Credit%' THEN 'Credit' "
                f"WHEN {record} LIKE '%Fee%' THEN 'Purchase' ELSE 'Usage' END")
    service_category = "CASE " + " ".join(f"WHEN contains(service, {lit(k)}) THEN {lit(v)}"
                                          for k, v in SERVICE_KEYWORDS) + " ELSE 'Other' END"
    return {
        "BilledCost": Field("billed", "UnblendedCost"),
        "EffectiveCost": Field("effective", "AmortizedCost"),
        "ListCost": Field("billed", "UnblendedCost"),
        "ContractedCost": Field("billed", "UnblendedCost"),
        "BillingAccountId": Field("$__account", "--option billing_account"),
        "BillingCurrency": Field("currency", "Unit"),
        "BillingPeriodStart": Field("billing_start", "TimePeriod"),
        "BillingPeriodEnd": Field("billing_end", "TimePeriod"),
        "ChargePeriodStart": Field("period_start", "TimePeriod"),
        "ChargePeriodEnd": Field("period_end", "TimePeriod"),
        "ChargeCategory": Field(category, "RECORD_TYPE"),
        "ChargeFrequency": Field(f"CASE WHEN ({category}) = 'Usage' THEN 'Usage-Based' ELSE 'One-Time' END"),
        "ChargeDescription": Field("coalesce(usage_type, service)"),
        "PricingCategory": Field(f"CASE WHEN ({category}) IN ('Usage', 'Purchase') THEN 'Standard' END"),
        "ConsumedQuantity": Field("CASE WHEN usage_type IS NOT NULL THEN quantity END", "UsageQuantity"),
        "ProviderName": Field("'AWS'"),
        "ServiceProviderName": Field("'AWS'"),
        "PublisherName": Field("'Amazon Web Services'"),
        "InvoiceIssuerName": Field("'Amazon Web Services'"),
        "ServiceName": Field("coalesce(service, 'All services')"),
        "ServiceCategory": Field(f"CASE WHEN service IS NULL THEN 'Other' ELSE {service_category} END"),
        "SubAccountId": Field("account"),
        "RegionId": Field("region"),
        "Tags": Field("tags", "TAG"),
        "x_UsageType": Field("usage_type"),
        "x_CostCategories": Field("cost_categories"),
        "x_SourceLineItemType": Field("record_type"),
        "x_CeEstimated": Field("estimated"),
    }


def sniff_aws_ce(path: Path, head: bytes) -> bool:
    """A JSON file of saved get_cost_and_usage responses."""
    return path.suffix.lower() == ".json" and b'"ResultsByTime"' in head


register(SourceKind(KIND, "cost", "AWS Cost Explorer get_cost_and_usage (ce:// with start/end, or saved JSON)",
                    load_aws_ce, sniff=sniff_aws_ce, accepts_uri=True, options=OPTIONS))
