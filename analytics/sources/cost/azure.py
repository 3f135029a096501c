"""Azure Cost Management exports (kind ``azure``): EA and MCA cost details, partner exports and the
older pay-as-you-go usage details, actual or amortised cost, CSV or CSV.gz (or parquet).

Variants (docs/cost-loaders.md, "Azure variants"), told apart by their columns:

* **EA cost details** (PascalCase: ``CostInBillingCurrency`` or ``Cost``, ``BillingAccountId``,
  ``BillingPeriodStartDate``, ``Date`` as ``MM/DD/YYYY``; ``Tags`` without the outer braces);
* **MCA cost details, camelCase v2** (``billingAccountId``, ``costInBillingCurrency``, ``date`` as
  ``MM/DD/YYYY``, quoted JSON in ``additionalInfo`` and ``tags``, a UTF-8 BOM and CRLF), and
  **partner (MPA) customer exports** (``partnerName``, ``customerTenantId``; no ``billingAccountId``):
  the customer tenant is the billing account;
* **usage details v1**, PascalCase (``SubscriptionGuid``, ``UsageDateTime``, ``PreTaxCost``,
  ``InstanceId``, ``Tags`` with or without braces row by row) or camelCase (``subscriptionGuid``,
  ``usageDateTime``, ``preTaxCost``), and other subscription-scoped exports without billing
  columns: they carry no billing account, billing period or charge type, so the subscription is the
  billing account (pay-as-you-go subscriptions are billed one by one), the billing period is the
  calendar month (UTC) of the usage date and every row is usage (unless a ChargeType column says
  otherwise);
* **localised headers**: ``Kategorie der Verbrauchseinheit (MeterCategory)`` maps by the name in
  parentheses, display names alone through a table per supported language
  (``analytics/sources/cost/_azure_headers.py``); an export in an unsupported language is refused
  listing the headers that could not be mapped.

Headers are matched case-insensitively, spaces and punctuation ignored, through an alias table. In
an export with billing columns, an empty billing period on **every** row (partner and some MCA
exports leave ``billingPeriodStartDate`` / ``billingPeriodEndDate`` empty) also means the calendar
month of ``date``; a billing period empty on some rows only is refused at the first such row. Dates
are ``M/D/YYYY`` (with or without zero padding) or ISO ``YYYY-MM-DD``, detected per file from every
date value (a file mixing both is refused); the locale never guesses. ``Tags`` is a JSON object
body, with or without the outer braces.

Actual or amortised: ``--option basis=actual`` (default) or ``basis=amortized``. Actual cost is the
billed basis: BilledCost = cost; EffectiveCost = cost, except commitment purchases (ChargeType
Purchase with a reservation / benefit id), whose EffectiveCost is 0. Amortised cost is the
effective basis: EffectiveCost = cost; BilledCost = 0 on reservation / savings-plan covered usage
and on UnusedReservation / UnusedSavingsPlan rows (billed with the purchase). Both exports of a month
describe the same charges, so loading one replaces the other for that billing account and period.

ChargeType → ChargeCategory: Usage, UnusedReservation, UnusedSavingsPlan → Usage; Purchase →
Purchase; Tax → Tax; Credit → Credit; Refund and RoundingAdjustment → Adjustment.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._files import label_key
from analytics.sources._tabular import ROW, file_format
from analytics.sources.cost._azure_headers import HeaderMap, english_name, header_map, unmapped_message
from analytics.sources.cost._common import (
    Check,
    Field,
    Staged,
    amount_check,
    braces,
    exact,
    json_object_map,
    json_text_check,
    lit,
    load_cost_view,
    number_check,
    option,
    reading,
    sniff_columns,
    stage_csv,
    stage_parquet,
    tags_json,
)
from analytics.sources.cost._deliveries import record_duplicate_rows, refuses_duplicates
from analytics.warehouse import run, run_quietly
from analytics.warehouse.ledger import LoadResult, LoadTransaction, fingerprint, run_load
from analytics.warehouse.sqlutil import quote_identifier

log = logging.getLogger(__name__)

KIND = "azure"
VIEW = "__azure_src"
OPTIONS: tuple[str, ...] = ("basis", "duplicates")
PROVIDER = "Microsoft"

# canonical name -> accepted header spellings (compared through label_key: case, spaces and
# punctuation ignored), first match wins
ALIASES: dict[str, tuple[str, ...]] = {
    "cost": ("costinbillingcurrency", "cost", "pretaxcost"),
    "currency": ("billingcurrencycode", "billingcurrency", "currency"),
    "date": ("date", "usagedate", "usagedatetime"),
    "billing_period_start": ("billingperiodstartdate",),
    "billing_period_end": ("billingperiodenddate",),
    "billing_account_id": ("billingaccountid",),
    "billing_account_name": ("billingaccountname",),
    "billing_profile_id": ("billingprofileid",),
    "invoice_id": ("invoiceid",),
    "invoice_section": ("invoicesectionname", "invoicesection", "invoicesectionid"),
    "customer_tenant_id": ("customertenantid",),
    "partner_name": ("partnername",),
    "subscription_id": ("subscriptionid", "subscriptionguid"),
    "subscription_name": ("subscriptionname",),
    "resource_group": ("resourcegroup", "resourcegroupname"),
    "resource_location": ("resourcelocation", "resourcelocationnormalized"),
    "resource_id": ("resourceid", "instanceid", "instancename"),
    "resource_name": ("resourcename",),
    "meter_category": ("metercategory",),
    "meter_subcategory": ("metersubcategory",),
    "meter_id": ("meterid",),
    "meter_name": ("metername",),
    "unit": ("unitofmeasure",),
    "quantity": ("quantity", "usagequantity"),
    "effective_price": ("effectiveprice",),
    "unit_price": ("unitprice", "resourcerate"),
    "payg_price": ("paygprice",),
    "payg_cost": ("paygcostinbillingcurrency",),
    "charge_type": ("chargetype",),
    "frequency": ("frequency",),
    "pricing_model": ("pricingmodel",),
    "reservation_id": ("reservationid",),
    "reservation_name": ("reservationname",),
    "benefit_id": ("benefitid",),
    "benefit_name": ("benefitname",),
    "publisher_name": ("publishername",),
    "publisher_type": ("publishertype",),
    "availability_zone": ("availabilityzone",),
    "tags": ("tags",),
    "product_name": ("productname", "product"),
    "pricing_currency": ("pricingcurrency", "pricingcurrencycode"),
}
ALWAYS_REQUIRED: tuple[str, ...] = ("cost", "currency", "date")
# columns only usage details v1 have, and the v1 names of the canonical columns (for messages)
V1_MARKERS: frozenset[str] = frozenset({"pretaxcost", "usagedatetime", "subscriptionguid", "usagequantity",
                                        "resourcerate", "instanceid"})
V1_NAMES: dict[str, str] = {"cost": "PreTaxCost", "date": "UsageDateTime", "subscription_id": "SubscriptionGuid",
                            "currency": "Currency", "quantity": "UsageQuantity"}
# columns only exports with a billing account (EA, MCA, partner) have; an export without any of them is
# subscription-scoped (pay-as-you-go usage details)
BILLING_COLUMNS: tuple[str, ...] = ("billing_account_id", "billing_account_name", "billing_profile_id",
                                    "billing_period_start", "billing_period_end", "invoice_id", "invoice_section")
BILLING_REQUIRED: tuple[str, ...] = ("billing_period_start", "billing_period_end", "billing_account_id", "charge_type")
CHARGE_TYPES: dict[str, str] = {"Usage": "Usage", "UnusedReservation": "Usage", "UnusedSavingsPlan": "Usage",
                                "Purchase": "Purchase", "Tax": "Tax", "Credit": "Credit", "Refund": "Adjustment",
                                "RoundingAdjustment": "Adjustment"}
FREQUENCIES: dict[str, str] = {"UsageBased": "Usage-Based", "Recurring": "Recurring", "OneTime": "One-Time"}
SERVICE_CATEGORIES: dict[str, str] = {
    "Virtual Machines": "Compute", "Azure App Service": "Compute", "Functions": "Compute",
    "Container Instances": "Compute", "Azure Kubernetes Service": "Compute", "Virtual Machines Licenses": "Compute",
    "Storage": "Storage", "Backup": "Storage", "Virtual Network": "Networking", "Bandwidth": "Networking",
    "Load Balancer": "Networking", "Application Gateway": "Networking", "Azure DNS": "Networking",
    "Content Delivery Network": "Networking", "Azure Front Door Service": "Networking", "VPN Gateway": "Networking",
    "Network Watcher": "Networking", "SQL Database": "Databases", "Azure Cosmos DB": "Databases",
    "Azure Database for PostgreSQL": "Databases", "Azure Database for MySQL": "Databases", "Redis Cache": "Databases",
    "Azure Monitor": "Management and Governance", "Log Analytics": "Management and Governance",
    "Insight and Analytics": "Management and Governance", "Key Vault": "Security", "Microsoft Defender for Cloud":
    "Security", "Azure Synapse Analytics": "Analytics", "Azure Data Factory v2": "Analytics",
    "Event Hubs": "Integration", "Service Bus": "Integration", "Logic Apps": "Integration",
    "Cognitive Services": "AI and Machine Learning", "Azure OpenAI Service": "AI and Machine Learning",
    "Azure Machine Learning": "AI and Machine Learning",
}


class Columns:
    """The file's headers under canonical names: localised headers mapped to English, then matched
    through :data:`ALIASES`."""

    def __init__(self, staged: Staged, headers: HeaderMap | None = None) -> None:
        self.staged = staged
        self.headers = headers or header_map([c for c in staged.columns if c != ROW])
        by_key: dict[str, str] = {}
        for header, english in self.headers.english.items():
            by_key.setdefault(label_key(english), header)
        self.found: dict[str, str] = {}  # canonical name -> header as written in the file
        for name, aliases in ALIASES.items():
            for alias in aliases:
                if alias in by_key:
                    self.found[name] = by_key[alias]
                    break
        self.period_in_file = True  # False when the billing period comes from the usage date

    def col(self, name: str) -> str:
        """The quoted source column, or NULL."""
        return quote_identifier(self.found[name]) if name in self.found else "NULL"

    def label(self, name: str) -> str:
        """How the file spells a column."""
        return self.found.get(name, name)

    def english(self, name: str) -> str:
        """The English name of a canonical column in this file ('' when absent)."""
        return self.headers.english.get(self.found.get(name, ""), "")

    def missing_name(self, name: str) -> str:
        """How this file would spell a canonical column it lacks: the usage-details-v1 name in a v1
        file (``PreTaxCost``, ``UsageDateTime``, ``SubscriptionGuid``), else the EA name; camelCase
        when the file's headers are."""
        english = [e for e in self.headers.english.values() if e[:1].isalpha()]
        v1 = any(label_key(e) in V1_MARKERS for e in english)
        spelled = V1_NAMES.get(name) if v1 else None
        spelled = spelled or english_name(ALIASES[name][0])
        camel = sum(e[:1].islower() for e in english) > len(english) / 2
        return spelled[:1].lower() + spelled[1:] if camel else spelled

    @property
    def subscription_scoped(self) -> bool:
        """No billing columns at all: pay-as-you-go usage details and the like."""
        return not any(n in self.found for n in BILLING_COLUMNS)

    @property
    def partner(self) -> bool:
        """A partner (MPA) customer export: customer tenant and partner, no billing account id."""
        return "billing_account_id" not in self.found and "customer_tenant_id" in self.found

    @property
    def account_source(self) -> str:
        """The canonical column the BillingAccountId comes from."""
        if self.subscription_scoped:
            return "subscription_id"
        return "customer_tenant_id" if self.partner else "billing_account_id"

    def required(self) -> list[str]:
        """Canonical columns this variant must have."""
        if self.subscription_scoped:
            return [*ALWAYS_REQUIRED, "subscription_id"]
        extra = [n for n in BILLING_REQUIRED if not (n == "billing_account_id" and self.partner)]
        return [*ALWAYS_REQUIRED, *extra, *(["customer_tenant_id"] if self.partner else [])]

    @property
    def variant(self) -> str:
        """What the export is, in words (recorded in the ledger and shown in the load message)."""
        cost = self.english("cost")
        case = "camelCase" if cost[:1].islower() else "PascalCase"
        if label_key(cost) == "pretaxcost":
            layout = f"usage details v1 ({case})"
        elif self.subscription_scoped:
            layout = f"subscription usage details ({case})"
        elif self.partner:
            layout = "partner (MPA) customer cost details (camelCase)"
        elif case == "camelCase":
            layout = "MCA cost details (camelCase v2)"
        else:
            layout = "EA cost details (PascalCase)"
        return layout if not self.headers.localised else f"{layout}, {self.headers.describe()}"

    @property
    def short_variant(self) -> str:
        """ea, mca, partner, usage-v1 or subscription."""
        if label_key(self.english("cost")) == "pretaxcost":
            return "usage-v1"
        if self.subscription_scoped:
            return "subscription"
        if self.partner:
            return "partner"
        return "mca" if self.english("cost")[:1].islower() else "ea"


def load_azure(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load one Azure cost export file."""
    basis = option(options.extra, "basis", allowed=("actual", "amortized", "amortised"), default="actual")
    refuse = refuses_duplicates(options.extra)
    file = Path(path)
    if file.is_dir():
        raise UsageError(f"{file}: azure loads files; give each export file")
    fmt = file_format(file)
    if fmt == "json":
        raise ExportFormatError("Azure exports are CSV or parquet", file=file)
    source = fingerprint(file)

    def load(tx: LoadTransaction) -> None:
        with reading(file):
            staged = stage_parquet(con, file, VIEW, as_text=True) if fmt == "parquet" else stage_csv(con, file, VIEW)
            cols = azure_columns(staged)
            cols.period_in_file = billing_period_in_file(con, cols)
            date_format = detect_date_format(con, cols)
            fields, checks, params = azure_fields(cols, date_format=date_format, amortized=basis != "actual")
            load_cost_view(tx, staged, fields, checks=checks, params=params)
            record_duplicate_rows(tx, staged, refuse=refuse)
            tx.replace_cost_periods()
        for note in staged.notes:
            tx.warn(note)
        tx.variant = cols.variant + (", UTF-8 BOM" if _starts_with_bom(file) else "")
        tx.details.update({
            "variant": cols.short_variant, "variant_description": cols.variant,
            "header_language": cols.headers.describe(), "basis": "amortized" if basis != "actual" else "actual",
            "date_format": date_format, "billing_account_from": cols.label(cols.account_source),
            "billing_period_from": cols.label("billing_period_start") if cols.period_in_file
            else f"calendar month of {cols.label('date')}",
        })

    try:
        return [run_load(con, kind=KIND, file=source, target_table="cost", load=load, options=options.as_record())]
    finally:
        run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")


def _starts_with_bom(file: Path) -> bool:
    """Whether a CSV starts with a UTF-8 byte-order mark (the Azure portal writes one)."""
    if file_format(file) != "csv" or file.name.lower().endswith(".gz"):
        return False
    with file.open("rb") as handle:
        return handle.read(3) == b"\xef\xbb\xbf"


def azure_columns(staged: Staged) -> Columns:
    """The canonical columns of a staged export; refuses one that lacks a column its variant needs
    (naming the headers that could not be mapped when the header row is in an unknown language)."""
    cols = Columns(staged)
    missing = [n for n in cols.required() if n not in cols.found]
    if missing:
        names = [cols.missing_name(n) for n in missing]
        if cols.headers.unmapped:
            raise ExportFormatError(unmapped_message(cols.headers, names), file=staged.file, column=names[0])
        raise ExportFormatError(
            f"required column missing for {cols.variant} (also missing: {', '.join(names[1:]) or 'none'})",
            file=staged.file, column=names[0],
        )
    return cols


def billing_period_in_file(con: duckdb.DuckDBPyConnection, cols: Columns) -> bool:
    """Whether the billing period comes from the file: False for subscription-scoped exports and for
    exports that leave both billing period columns empty on every row (then: the month of the date)."""
    if cols.subscription_scoped:
        return False
    filled = run(
        con,
        f"SELECT count(*) FILTER (WHERE nullif(trim({cols.col('billing_period_start')}), '') IS NOT NULL "
        f"OR nullif(trim({cols.col('billing_period_end')}), '') IS NOT NULL) FROM {quote_identifier(cols.staged.view)}",
    )[0][0]
    return bool(filled)


DATE_FORMATS: dict[str, str] = {"us": "%m/%d/%Y", "iso": "%Y-%m-%d"}
DATE_COLUMNS: tuple[str, ...] = ("date", "billing_period_start", "billing_period_end")


def detect_date_format(con: duckdb.DuckDBPyConnection, cols: Columns) -> str:
    """``us`` (M/D/YYYY) or ``iso`` (YYYY-MM-DD, a time part allowed) from every date in the file."""
    view = quote_identifier(cols.staged.view)
    counts = []
    for name in DATE_COLUMNS:
        col = cols.col(name)
        counts.append(
            f"count(*) FILTER (WHERE regexp_full_match(trim({col}), '\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}'))")
        counts.append(f"count(*) FILTER (WHERE regexp_matches(trim({col}), '^\\d{{4}}-\\d{{2}}-\\d{{2}}'))")
    found = run(con, f"SELECT {', '.join(counts)} FROM {view}")[0]
    us, iso = sum(found[0::2]), sum(found[1::2])
    if us and iso:
        # name the first value in the minority format (row, then column order), whichever date column holds it
        minority = "'^\\d{4}-\\d{2}-\\d{2}'" if us >= iso else "'^\\d{1,2}/\\d{1,2}/\\d{4}$'"
        firsts = [run(con, f"SELECT min({ROW}) FROM {view} WHERE regexp_matches(trim({cols.col(name)}), {minority})")
                  [0][0] for name in DATE_COLUMNS]
        row, i = min((int(r), i) for i, r in enumerate(firsts) if r is not None)
        raise ExportFormatError("dates mix M/D/YYYY and YYYY-MM-DD in one file", file=cols.staged.file, row=row,
                                column=cols.label(DATE_COLUMNS[i]))
    return "us" if us else "iso"


def azure_fields(cols: Columns, *, date_format: str,
                 amortized: bool) -> tuple[dict[str, Field], list[Check], dict[str, list[str]]]:
    """The FOCUS mapping of an Azure export."""
    staged = cols.staged
    c = cols.col
    checks: list[Check] = [amount_check(staged, cols.found["cost"])]
    checks += [number_check(staged, cols.found[n]) for n in ("quantity", "unit_price", "payg_price", "effective_price")
               if n in cols.found]
    if "payg_cost" in cols.found:
        checks.append(amount_check(staged, cols.found["payg_cost"]))
    fmt = DATE_FORMATS[date_format]

    def day(name: str) -> str:
        col = c(name)
        if date_format == "us":
            return f"timezone('UTC', TRY_STRPTIME(trim({col}), {lit(fmt)}))"
        return f"TRY_CAST(trim({col}) AS TIMESTAMPTZ)"

    for name in DATE_COLUMNS:
        col = c(name)
        checks.append(Check(f"{col} IS NOT NULL AND {day(name)} IS NULL",
                            f"is not a date ({'M/D/YYYY' if date_format == 'us' else 'YYYY-MM-DD'})",
                            cols.label(name), show=col))
    # usage details v1 have no ChargeType: every row is usage
    charge = c("charge_type") if "charge_type" in cols.found else lit("Usage")
    if "charge_type" in cols.found:
        checks.append(Check(f"{charge} IS NOT NULL AND {charge} NOT IN ({', '.join(lit(k) for k in CHARGE_TYPES)})",
                            f"is not a known ChargeType ({', '.join(CHARGE_TYPES)})", cols.label("charge_type"),
                            show=charge))
    if cols.period_in_file:
        period_start, period_source = day("billing_period_start"), cols.label("billing_period_start")
        period_end, end_source = f"{day('billing_period_end')} + INTERVAL 1 DAY", cols.label("billing_period_end")
    else:  # the calendar month (UTC) of the usage date
        period_start = f"date_trunc('month', {day('date')})"
        period_end = f"date_trunc('month', {day('date')}) + INTERVAL 1 MONTH"
        period_source = end_source = cols.label("date")
    if "tags" in cols.found:
        checks.append(json_text_check(staged, cols.found["tags"], wrap_braces=True))
    cost = exact(c("cost"))
    quantity = f"TRY_CAST({c('quantity')} AS DOUBLE)"
    model = f"coalesce({c('pricing_model')}, '')"
    commitment_id = f"coalesce(nullif({c('reservation_id')}, ''), nullif({c('benefit_id')}, ''))"
    commitment_name = f"coalesce(nullif({c('reservation_name')}, ''), nullif({c('benefit_name')}, ''))"
    is_sp = f"({model} = 'SavingsPlan' OR {charge} = 'UnusedSavingsPlan')"
    committed = f"({model} IN ('Reservation', 'SavingsPlan') OR {charge} IN ('UnusedReservation', 'UnusedSavingsPlan'))"
    covered = f"({committed} AND {charge} IN ('Usage', 'UnusedReservation', 'UnusedSavingsPlan'))"
    if amortized:
        billed = f"CASE WHEN {covered} THEN 0 ELSE {cost} END"
        effective = cost
    else:
        billed = cost
        effective = f"CASE WHEN {charge} = 'Purchase' AND {commitment_id} IS NOT NULL THEN 0 ELSE {cost} END"
    category = "CASE " + " ".join(f"WHEN {charge} = {lit(k)} THEN {lit(v)}" for k, v in CHARGE_TYPES.items()) + " END"
    frequency = ("CASE " + " ".join(f"WHEN {c('frequency')} = {lit(k)} THEN {lit(v)}" for k, v in FREQUENCIES.items())
                 + f" WHEN ({category}) = 'Usage' THEN 'Usage-Based' END")
    service = f"nullif({c('meter_category')}, '')"
    product = "TRY_CAST({} AS DOUBLE) * TRY_CAST({} AS DOUBLE)"
    list_cost = f"coalesce({exact(c('payg_cost'))}, {product.format(c('payg_price'), c('quantity'))}, {cost})"
    contracted = f"coalesce({product.format(c('unit_price'), c('quantity'))}, {cost})"
    fields: dict[str, Field] = {
        "BilledCost": Field(billed, cols.label("cost"), trusted=True),
        "EffectiveCost": Field(effective, cols.label("cost"), trusted=True),
        "ListCost": Field(list_cost, cols.label("payg_price")),
        "ContractedCost": Field(contracted, cols.label("unit_price")),
        "BillingAccountId": Field(f"nullif(trim({c(cols.account_source)}), '')", cols.label(cols.account_source)),
        "BillingAccountName": Field(c("billing_account_name")),
        "BillingCurrency": Field(f"upper(trim({c('currency')}))", cols.label("currency")),
        "BillingPeriodStart": Field(period_start, period_source, trusted=True),
        "BillingPeriodEnd": Field(period_end, end_source, trusted=True),
        "ChargePeriodStart": Field(day("date"), cols.label("date"), trusted=True),
        "ChargePeriodEnd": Field(f"{day('date')} + INTERVAL 1 DAY", cols.label("date"), trusted=True),
        "ChargeCategory": Field(category, cols.label("charge_type")),
        "ChargeClass": Field(f"CASE WHEN {charge} IN ('Refund', 'Credit') AND {day('date')} < "
                             f"{period_start} THEN 'Correction' END"),
        "ChargeDescription": Field(f"coalesce(nullif({c('product_name')}, ''), nullif({c('meter_name')}, ''))"),
        "ChargeFrequency": Field(frequency),
        "CommitmentDiscountId": Field(f"CASE WHEN {committed} OR {charge} = 'Purchase' THEN {commitment_id} END"),
        "CommitmentDiscountName": Field(f"CASE WHEN {committed} OR {charge} = 'Purchase' THEN {commitment_name} END"),
        "CommitmentDiscountCategory": Field(f"CASE WHEN {commitment_id} IS NULL THEN NULL WHEN {is_sp} THEN 'Spend' "
                                            f"WHEN {committed} THEN 'Usage' END"),
        "CommitmentDiscountType": Field(f"CASE WHEN {commitment_id} IS NULL THEN NULL WHEN {is_sp} THEN 'Savings Plan' "
                                        f"WHEN {committed} THEN 'Reservation' END"),
        "CommitmentDiscountStatus": Field(
            f"CASE WHEN {commitment_id} IS NULL THEN NULL WHEN {charge} IN ('UnusedReservation', 'UnusedSavingsPlan') "
            f"THEN 'Unused' WHEN {committed} AND {charge} = 'Usage' THEN 'Used' END"),
        "PricingCategory": Field(f"CASE WHEN {charge} IN ('Tax', 'Credit', 'Refund', 'RoundingAdjustment') THEN NULL "
                                 f"WHEN {committed} THEN 'Committed' WHEN {model} = 'Spot' THEN 'Dynamic' "
                                 "ELSE 'Standard' END"),
        "PricingQuantity": Field(quantity, trusted=True),
        "PricingUnit": Field(c("unit")),
        "ConsumedQuantity": Field(f"CASE WHEN {charge} = 'Usage' THEN {quantity} END", trusted=True),
        "ConsumedUnit": Field(f"CASE WHEN {charge} = 'Usage' THEN {c('unit')} END"),
        "ListUnitPrice": Field(f"TRY_CAST({c('payg_price')} AS DOUBLE)", trusted=True),
        "ContractedUnitPrice": Field(f"TRY_CAST({c('unit_price')} AS DOUBLE)", trusted=True),
        "PricingCurrency": Field(f"nullif(upper(trim({c('pricing_currency')})), '')"),
        "InvoiceId": Field(f"nullif({c('invoice_id')}, '')"),
        "InvoiceIssuerName": Field("'Microsoft'", trusted=True),
        "ProviderName": Field(lit(PROVIDER), trusted=True),
        "ServiceProviderName": Field(lit(PROVIDER), trusted=True),
        "PublisherName": Field(f"CASE WHEN coalesce({c('publisher_type')}, 'Azure') IN ('Azure', 'Microsoft') "
                               f"THEN 'Microsoft' ELSE coalesce(nullif({c('publisher_name')}, ''), "
                               f"{c('publisher_type')}) END"),
        "AvailabilityZone": Field(f"nullif({c('availability_zone')}, '')"),
        "RegionId": Field(f"nullif(lower(replace({c('resource_location')}, ' ', '')), '')"),
        "RegionName": Field(f"nullif({c('resource_location')}, '')"),
        "ResourceId": Field(f"nullif({c('resource_id')}, '')"),
        "ResourceName": Field(f"nullif({c('resource_name')}, '')"),
        "ServiceName": Field(f"coalesce({service}, 'Unknown')"),
        "ServiceCategory": Field("coalesce(list_extract($__categories, list_position($__services, "
                                 f"{service})), 'Other')"),
        "SkuId": Field(f"nullif({c('meter_id')}, '')"),
        "SkuMeter": Field(f"nullif({c('meter_name')}, '')"),
        "SubAccountId": Field(f"nullif({c('subscription_id')}, '')"),
        "SubAccountName": Field(f"nullif({c('subscription_name')}, '')"),
        "Tags": Field(tags_json(json_object_map(braces(c("tags")))) if "tags" in cols.found else "NULL",
                      trusted=True),
        "x_UsageType": Field(f"nullif({c('meter_name')}, '')"),
        "x_ResourceGroupName": Field(f"nullif({c('resource_group')}, '')"),
        "x_SourceLineItemType": Field(charge),
    }
    params = {"__services": list(SERVICE_CATEGORIES), "__categories": list(SERVICE_CATEGORIES.values())}
    return fields, checks, params


def sniff_azure(path: Path, head: bytes) -> bool:
    """An Azure cost export (headers mapped from any supported language): MeterCategory and a cost
    column (CostInBillingCurrency, Cost or PreTaxCost), and not a FOCUS file."""
    names = {label_key(n) for n in header_map(sniff_columns(path, head)).english.values()}
    return "metercategory" in names and bool(names & {"costinbillingcurrency", "cost", "pretaxcost"}) \
        and "billedcost" not in names


register(SourceKind(KIND, "cost", "Azure Cost Management exports: EA, MCA, partner, usage details v1; localised "
                    "headers; actual or amortised (CSV, parquet)",
                    load_azure, sniff=sniff_azure, options=OPTIONS))
