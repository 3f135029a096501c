"""Seeded generators of the cost export variants of issue 13, built from the documented layouts
(header rows copied from real exports in tests/data/cost), and the totals each must load to,
computed independently with the csv module and Decimal (never with the loader).

Every amount has at most six decimals, so the warehouse (ten decimals) holds the sums exactly.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.unit.cost_inputs import Totals, money

DATA = Path(__file__).resolve().parents[1] / "data" / "cost"
HEADERSETS = DATA / "azure" / "headersets"


def header_of(path: Path) -> list[str]:
    """The header row of a real export (BOM dropped)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle))


def write_csv(header: Sequence[str], rows: Sequence[Mapping[str, str | None]], *, newline: str = "\n",
              bom: bool = False, names: Sequence[str] | None = None) -> bytes:
    """A CSV of ``rows`` (keyed by ``header``) with the header written as ``names``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(list(names or header))
    writer.writerows([["" if r.get(h) is None else str(r.get(h)) for h in header] for r in rows])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def read_rows(content: bytes) -> list[dict[str, str]]:
    """The rows of a CSV via the csv module (BOM dropped), keyed by the header as written."""
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _add(out: dict[tuple[str, str], list[Any]], key: tuple[str, str], amount: Decimal) -> None:
    acc = out.setdefault(key, [Decimal(0), Decimal(0), 0])
    acc[0] += amount
    acc[1] += amount
    acc[2] += 1


def _frozen(out: Mapping[tuple[str, str], list[Any]]) -> Totals:
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


# -- Azure usage details v1 (pay-as-you-go) ----------------------------------------------------------
V1_HEADER: list[str] = header_of(HEADERSETS / "PayAsYouGo.csv")  # 24 PascalCase columns


def camel(name: str) -> str:
    """camelCase v1 spelling (``SubscriptionGuid`` → ``subscriptionGuid``)."""
    return name[:1].lower() + name[1:]


def azure_v1_rows(seed: int, *, n: int = 10, months: Sequence[str] = ("2026-06", "2026-07")) -> list[dict[str, str]]:
    """Usage details v1 rows over several calendar months; Tags as a braced JSON object on some rows,
    the body without braces on others, empty on the rest; ISO dates (some with a time part)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        first = date.fromisoformat(f"{rng.choice(list(months))}-01")
        day = first + timedelta(days=rng.randrange(28))
        shape = i % 3
        tags = ('{"team": "web", "env": "prod"}' if shape == 0 else '"team": "data","cost-center": "42"' if shape == 1
                else "")
        rows.append({
            "SubscriptionGuid": f"1111111{rng.randint(1, 2)}-12ab-34dc-56ef-123456abcdef",
            "ResourceGroup": "rg-web", "ResourceLocation": "US East",
            "UsageDateTime": day.isoformat() if rng.random() < 0.7 else f"{day.isoformat()}T00:00:00Z",
            "MeterCategory": rng.choice(["Virtual Machines", "Storage", "Load Balancer"]), "MeterSubcategory": "Std",
            "MeterId": f"meter-{i}", "MeterName": "D2 v3", "MeterRegion": "US East",
            "UsageQuantity": str(rng.randint(1, 100)), "ResourceRate": "0.025", "PreTaxCost": money(rng, low=0),
            "ConsumedService": "Microsoft.Compute", "ResourceType": "Microsoft.Compute/virtualMachines",
            "InstanceId": f"/subscriptions/x/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-{i}",
            "Tags": tags, "OfferId": "MS-AZR-0003P", "AdditionalInfo": '{"ServiceType": "Standard_D2_v3"}',
            "ServiceInfo1": "", "ServiceInfo2": "", "ServiceName": "Virtual Machines", "ServiceTier": "Dv3",
            "Currency": "USD", "UnitOfMeasure": "100 Hours",
        })  # fmt: skip
    return rows


def azure_v1_expected(rows: Sequence[Mapping[str, str]], *, date_column: str, cost: str, currency: str) -> Totals:
    """Per (calendar month of the usage date, currency): Σ PreTaxCost."""
    out: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        _add(out, (r[date_column][:7], r[currency].strip().upper()), Decimal(r[cost]))
    return _frozen(out)


# -- Azure MCA cost details, camelCase v2 -----------------------------------------------------------
MCA_HEADER: list[str] = header_of(DATA / "azure" / "opencost_values" / "test_azure_billing.csv")  # 65 columns


def _us(day: date) -> str:
    return f"{day.month:02d}/{day.day:02d}/{day.year}"


def azure_mca_rows(seed: int, *, n: int = 10, period: str = "2026-07", currency: str = "EUR") -> list[dict[str, str]]:
    """MCA camelCase rows of one billing period: MM/DD/YYYY dates, JSON in additionalInfo and tags
    (quoted, with inner quotes doubled by the CSV writer)."""
    rng = random.Random(seed)
    first = date.fromisoformat(f"{period}-01")
    after = (first + timedelta(days=32)).replace(day=1)
    rows = []
    for i in range(n):
        day = first + timedelta(days=rng.randrange((after - first).days))
        cost = money(rng, low=0)
        row = dict.fromkeys(MCA_HEADER, "")
        row.update({
            "billingAccountId": "acct-7", "billingAccountName": "Example Ltd", "billingProfileId": "bp-1",
            "billingProfileName": "Main", "invoiceSectionId": "is-1", "invoiceSectionName": "Platform",
            "billingPeriodStartDate": _us(first), "billingPeriodEndDate": _us(after - timedelta(days=1)),
            "date": _us(day), "serviceFamily": "Compute", "meterCategory": rng.choice(["Virtual Machines", "Storage"]),
            "meterName": "D2s v3", "SubscriptionId": f"sub-{rng.randint(1, 3)}", "subscriptionName": "prod",
            "resourceGroupName": "rg", "ResourceId": f"/subscriptions/s/resourceGroups/rg/vm-{i}",
            "resourceLocation": "westeurope", "effectivePrice": "0.1", "quantity": str(rng.randint(1, 50)),
            "unitOfMeasure": "1 Hour", "chargeType": rng.choice(["Usage", "Usage", "Tax"]), "billingCurrency": currency,
            "pricingCurrency": currency, "costInBillingCurrency": cost, "costInPricingCurrency": cost,
            "costInUsd": cost, "paygCostInBillingCurrency": cost, "exchangeRatePricingToBilling": "1",
            "additionalInfo": '{"UsageType": "ComputeHR", "VCPUs": 2, "VMName": "vm, \\"primary\\""}',
            "tags": '{"team": "web", "env": "prod"}' if i % 2 else "", "PayGPrice": "0.1", "frequency": "UsageBased",
            "pricingModel": "OnDemand", "unitPrice": "0.1", "provider": "Azure",
        })  # fmt: skip
        rows.append(row)
    return rows


def azure_mca_expected(rows: Sequence[Mapping[str, str]]) -> Totals:
    """Per (billing period start month, currency): Σ costInBillingCurrency."""
    out: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        month, _, year = r["billingPeriodStartDate"].split("/")
        _add(out, (f"{year}-{int(month):02d}", r["billingCurrency"]), Decimal(r["costInBillingCurrency"]))
    return _frozen(out)
