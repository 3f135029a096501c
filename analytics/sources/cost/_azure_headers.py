"""Azure cost export headers in the portal's languages, mapped to the English column names.

The Azure portal writes the header row in the user's language. The real header sets
(opencost/opencost ``pkg/cloud/azure/resources/billingexports/headersets/``, copied into
``tests/data/cost/azure/headersets/``) show the two shapes:

* ``Kategorie der Verbrauchseinheit (MeterCategory)``: the display name, then the English column
  name in parentheses (German.csv, and the German columns of YA.csv). The name in parentheses is
  used, whatever the language: such a header always maps.
* a display name alone: mapped through :data:`HEADER_LANGUAGES`, one table per supported language,
  built from the real header sets (German: every translated name of German.csv). Names the export
  leaves untranslated (``ServiceName``, ``Currency``) are English already.

A header that is neither an English Azure column (:data:`ENGLISH_COLUMNS`), nor in parentheses, nor
in a language table is *unmapped*; when the export then lacks a required column, the loader refuses it
listing the unmapped headers (:func:`unmapped_message`) instead of naming one missing English column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from analytics.sources._files import label_key

# every English column name seen in real Azure cost exports: EA (PascalCase), MCA / partner
# (camelCase), pay-as-you-go usage details v1, and the EA cost-details names (Cost, BillingCurrency,
# Product, InvoiceSection) of docs/cost-mappings.md §4; compared through label_key
ENGLISH_COLUMNS: tuple[str, ...] = (
    "AccountId", "AccountName", "AccountOwnerId", "AdditionalInfo", "AvailabilityZone", "BenefitId", "BenefitName",
    "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingCurrencyCode", "BillingPeriod",
    "BillingPeriodEndDate", "BillingPeriodStartDate", "BillingProfileId", "BillingProfileName", "ChargeType",
    "ConsumedService", "Cost", "CostAllocationRuleName", "CostCenter", "CostInBillingCurrency",
    "CostInPricingCurrency", "CostInUsd", "Currency", "CustomerName", "CustomerTenantId", "Date", "EffectivePrice",
    "ExchangeRateDate", "ExchangeRatePricingToBilling", "Frequency", "InstanceId", "InstanceName", "InvoiceId",
    "InvoiceSection", "InvoiceSectionId", "InvoiceSectionName", "IsAzureCreditEligible", "Location", "MeterCategory",
    "MeterId", "MeterName", "MeterRegion", "MeterSubCategory", "OfferId", "PartnerName", "PartNumber",
    "PayGCostInBillingCurrency", "PayGCostInUsd", "PayGPrice", "PlanName", "PreTaxCost", "PreviousInvoiceId",
    "PricingCurrency", "PricingModel", "Product", "ProductId", "ProductName", "ProductOrderId", "ProductOrderName",
    "Provider", "PublisherId", "PublisherName", "PublisherType", "Quantity", "ResellerMpnId", "ResellerName",
    "ReservationId", "ReservationName", "ResourceGroup", "ResourceGroupName", "ResourceId", "ResourceLocation",
    "ResourceLocationNormalized", "ResourceName", "ResourceRate", "ResourceType", "ServiceFamily", "ServiceInfo1",
    "ServiceInfo2", "ServiceName", "ServicePeriodEndDate", "ServicePeriodStartDate", "ServiceTier",
    "SubscriptionGuid", "SubscriptionId", "SubscriptionName", "Tags", "Term", "UnitOfMeasure", "UnitPrice",
    "UsageDate", "UsageDateTime", "UsageQuantity",
)  # fmt: skip
_ENGLISH: dict[str, str] = {label_key(name): name for name in ENGLISH_COLUMNS}

# language -> {display name as the portal writes it: English column name}; every entry is a header
# of a real export (German: opencost headersets German.csv and YA.csv, commit 5f65333)
HEADER_LANGUAGES: dict[str, dict[str, str]] = {
    "German": {
        "Abonnement-GUID": "SubscriptionGuid",
        "Ressourcengruppe": "ResourceGroup",
        "Ressourcenstandort": "ResourceLocation",
        "Kategorie der Verbrauchseinheit": "MeterCategory",
        "ID der Verbrauchseinheit": "MeterId",
        "Name der Verbrauchseinheit": "MeterName",
        "Region der Verbrauchseinheit": "MeterRegion",
        "Ressourcensatz": "ResourceRate",
        "Genutzter Dienst": "ConsumedService",
        "Zusätzliche Informationen": "AdditionalInfo",
        "Dienstinformation 1": "ServiceInfo1",
        "Dienstinformation 2": "ServiceInfo2",
        "Maßeinheit": "UnitOfMeasure",
    },
}
_PARENTHESES = re.compile(r"^(?P<display>.*?)\s*\((?P<english>[^()]+)\)\s*$")


def _display_key(name: str) -> str:
    """A display name compared case-insensitively, whitespace collapsed."""
    return " ".join(name.casefold().split())


_BY_LANGUAGE: dict[str, dict[str, str]] = {
    language: {_display_key(name): english for name, english in table.items()}
    for language, table in HEADER_LANGUAGES.items()
}


@dataclass(frozen=True)
class HeaderMap:
    """The English column name of each header of one file, and how it was found."""

    english: dict[str, str]  # header as written -> English column name
    languages: tuple[str, ...]  # languages of the display names that were translated (German, …)
    in_parentheses: int  # headers mapped by the English name in parentheses
    unmapped: tuple[str, ...]  # headers that are no known column in any supported language

    @property
    def localised(self) -> bool:
        """Whether any header was written in a language other than English."""
        return bool(self.languages or self.in_parentheses)

    def describe(self) -> str:
        """How the headers read, for the ledger and the load message (e.g. ``German headers``)."""
        if self.languages:
            return f"{', '.join(self.languages)} headers"
        if self.in_parentheses:
            return "localised headers (English names in parentheses)"
        return "English headers"


def header_map(headers: Sequence[str]) -> HeaderMap:
    """Map each header to its English Azure column name.

    >>> m = header_map(["Kategorie der Verbrauchseinheit (MeterCategory)", "Maßeinheit", "Currency", "Kosten"])
    >>> m.english, m.languages, m.unmapped
    ({'Kategorie der Verbrauchseinheit (MeterCategory)': 'MeterCategory', 'Maßeinheit': 'UnitOfMeasure', \
'Currency': 'Currency'}, ('German',), ('Kosten',))
    """
    english: dict[str, str] = {}
    languages: list[str] = []
    in_parentheses = 0
    unmapped: list[str] = []
    for header in headers:
        name = header.lstrip("\ufeff").strip()
        match = _PARENTHESES.match(name)
        known = _ENGLISH.get(label_key(name))
        if known is not None:
            english[header] = name  # the file's own spelling (case kept for the EA / MCA variant)
            continue
        if match and _ENGLISH.get(label_key(match["english"])):
            english[header] = match["english"].strip()
            in_parentheses += 1
            language = _language_of(match["display"])
            if language and language not in languages:
                languages.append(language)
            continue
        key = _display_key(name)
        for language, table in _BY_LANGUAGE.items():
            if key in table:
                english[header] = table[key]
                if language not in languages:
                    languages.append(language)
                break
        else:
            unmapped.append(header)
    return HeaderMap(english, tuple(languages), in_parentheses, tuple(unmapped))


def english_name(key: str) -> str:
    """The English spelling of a column compared through label_key (``billingaccountid`` →
    ``BillingAccountId``); the key itself when unknown."""
    return _ENGLISH.get(label_key(key), key)


def _language_of(display: str) -> str | None:
    key = _display_key(display)
    return next((language for language, table in _BY_LANGUAGE.items() if key in table), None)


def unmapped_message(headers: HeaderMap, missing: Sequence[str]) -> str:
    """The refusal of an export whose required columns are missing and some headers unknown."""
    shown = ", ".join(repr(h) for h in headers.unmapped[:12])
    more = f" and {len(headers.unmapped) - 12} more" if len(headers.unmapped) > 12 else ""
    return (
        f"cannot map {len(headers.unmapped)} header(s) to Azure column names: {shown}{more}; required "
        f"{', '.join(missing)} not found. Supported header languages: English, {', '.join(HEADER_LANGUAGES)} "
        "(and any language whose headers end with the English name in parentheses). Export with English "
        "headers, or rename these headers to the English column names"
    )
