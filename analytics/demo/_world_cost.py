"""The demo world's cost: daily FOCUS rows for AWS, Google Cloud and Azure (commitments, fees, tax,
credits, the planted anomalies), AWS 2026-08 as first delivered, and the monthly budgets."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pandas as pd

from analytics.demo._world_common import Q3_END, Q3_START, domain_rng, hex_id, window_days
from analytics.demo.company import CURRENCY, END, SERVICES, START, TEAMS, Service, service

PLANTED_SP_UTILISATION = 0.92
RESTATED_PERIOD = date(2026, 8, 1)
RI_PURCHASED = date(2026, 2, 1)  # the all-upfront RDS reservation's purchase (and first covered) day
SP_ID = "arn:aws:savingsplans::999999999999:savingsplan/sp-0lumen2025compute"
RI_ID = "arn:aws:rds:us-east-1:111111111101:ri:lumen-rds-checkout-2026"
PAYER = "999999999999"

ANOMALIES: tuple[dict[str, Any], ...] = (
    {
        "id": "A1",
        "kind": "spike",
        "provider": "AWS",
        "service_name": "Amazon Elastic Compute Cloud",
        "company_service": "search",
        "region": "us-east-1",
        "start": "2026-08-12",
        "end": "2026-08-14",
        "daily_extra": 2400.0,
        "story": "a runaway re-indexing job after the 2026-08-12 search deployment",
    },
    {
        "id": "A2",
        "kind": "level_shift",
        "provider": "Google Cloud",
        "service_name": "BigQuery",
        "company_service": "data-pipeline",
        "region": "us-central1",
        "start": "2026-07-20",
        "end": "2026-09-30",
        "factor": 0.45,
        "story": "a new full-table scan in the nightly ETL (+45% BigQuery spend, sustained)",
    },
    {
        "id": "A3",
        "kind": "ramp",
        "provider": "Microsoft",
        "service_name": "Storage",
        "company_service": "notifications",
        "region": "westeurope",
        "start": "2026-09-01",
        "end": "2026-09-30",
        "ramp_to": 300.0,
        "story": "log retention left at 'forever' after a config change: storage grows daily",
    },
    {
        "id": "A4",
        "kind": "new_region",
        "provider": "AWS",
        "service_name": "Amazon Elastic Compute Cloud",
        "company_service": "recommendations",
        "region": "ap-southeast-2",
        "start": "2026-09-10",
        "end": "2026-09-30",
        "daily_extra": 350.0,
        "story": "GPU instances started in a region the company never used (a leaked key?)",
    },
)

# Provider services each company service consumes, with their share of its daily cost.
COMPONENTS: dict[str, tuple[tuple[str, str, float, str, str, str], ...]] = {
    # ServiceName, ServiceCategory, share, usage type, operation, pricing unit
    "AWS": (
        ("Amazon Elastic Compute Cloud", "Compute", 0.55, "BoxUsage:m6i.xlarge", "RunInstances", "Hours"),
        ("Amazon Relational Database Service", "Databases", 0.25, "InstanceUsage:db.r6g.large",
         "CreateDBInstance", "Hours"),
        ("Amazon Simple Storage Service", "Storage", 0.08, "TimedStorage-ByteHrs", "StandardStorage",
         "GB-Mo"),
        ("Amazon CloudFront", "Networking", 0.07, "DataTransfer-Out-Bytes", "GET", "GB"),
        ("AWS Lambda", "Compute", 0.05, "Lambda-GB-Second", "Invoke", "GB-Seconds"),
    ),
    "Google Cloud": (
        ("Compute Engine", "Compute", 0.35, "N2 Instance Core running in Americas", "", "Hours"),
        ("BigQuery", "Analytics", 0.45, "Analysis", "", "Tebibytes"),
        ("Cloud Storage", "Storage", 0.20, "Standard Storage US Multi-region", "", "GiB-Months"),
    ),
    "Microsoft": (
        ("Virtual Machines", "Compute", 0.50, "D4s v5", "", "1 Hour"),
        ("Azure SQL Database", "Databases", 0.30, "vCore", "", "1 Hour"),
        ("Storage", "Storage", 0.20, "Hot LRS Data Stored", "", "1 GB/Month"),
    ),
}
REGIONS = {"AWS": (("us-east-1", 0.7), ("eu-west-1", 0.3)), "Google Cloud": (("us-central1", 1.0),),
           "Microsoft": (("westeurope", 1.0),)}
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)", "eu-west-1": "Europe (Ireland)",
    "ap-southeast-2": "Asia Pacific (Sydney)", "us-central1": "Iowa", "westeurope": "West Europe",
}
# (ServiceName, company service) pairs whose resources carry no tags at all.
UNTAGGED = {("Amazon CloudFront", "api-gateway"), ("Cloud Storage", "reporting"),
            ("AWS Lambda", "tracking")}
SP_DISCOUNT = 0.28  # Savings Plan rate vs on-demand
SP_COVERAGE = 0.70  # share of EC2 usage the plan covers
RI_DISCOUNT = 0.40


def _account(svc: Service) -> tuple[str, str]:
    """(SubAccountId, SubAccountName) of the team's account on the service's provider."""
    index = [t.name for t in TEAMS].index(svc.team) + 1
    if svc.provider == "AWS":
        return f"11111111110{index}", f"lumen-{svc.team}-prod"
    if svc.provider == "Google Cloud":
        return f"lumen-{svc.team}-prod", f"lumen-{svc.team}-prod"
    return f"0000000{index}-1111-2222-3333-44445555666{index}", f"Lumen {svc.team.title()} Production"


def _billing_account(provider: str) -> tuple[str, str]:
    return {"AWS": (PAYER, "Lumen Logistics"), "Google Cloud": ("01A2B3-C4D5E6-F7A8B9", "Lumen Logistics GCP"),
            "Microsoft": ("87654321", "Lumen Logistics EA")}[provider]


def _tags(svc_name: str, team_name: str, service_name: str) -> str | None:
    if (service_name, svc_name) in UNTAGGED:
        return None
    return json.dumps({"service": svc_name, "team": team_name, "env": "prod"}, sort_keys=True)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _anomaly_extra(anomaly: dict[str, Any], day: date, expected: float) -> float:
    """Extra cost the anomaly adds on ``day`` to a row whose expected cost is ``expected``."""
    start, end = date.fromisoformat(anomaly["start"]), date.fromisoformat(anomaly["end"])
    if not start <= day <= end:
        return 0.0
    if anomaly["kind"] in ("spike", "new_region"):
        return float(anomaly["daily_extra"])
    if anomaly["kind"] == "level_shift":
        return expected * float(anomaly["factor"])
    if anomaly["kind"] == "ramp":
        span = (end - start).days or 1
        return float(anomaly["ramp_to"]) * (day - start).days / span
    raise ValueError(anomaly["kind"])


def cost_rows(seed: int, scale: float, business: pd.DataFrame, *,
              start: date = START) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily FOCUS rows for the three providers (final deliveries) and AWS 2026-08 as first delivered."""
    rng = domain_rng(seed, 5)
    rows: list[dict[str, Any]] = []
    days = window_days(start)
    for svc in SERVICES:
        account_id, account_name = _account(svc)
        requests = business[(business["metric"] == "requests") & (business["dimension"] == svc.name)]
        volume = dict(zip(requests["date"], requests["value"], strict=True))
        for service_name, category, share, usage_type, operation, unit in COMPONENTS[svc.provider]:
            for region, region_share in REGIONS[svc.provider]:
                resources = max(1, round(scale))
                for r in range(resources):
                    resource_id = _resource_id(svc, service_name, region, r)
                    for day in days:
                        weekend = day.weekday() >= 5
                        load = volume[day] / svc.requests_per_day
                        elastic = 0.85 if weekend and category == "Compute" else 1.0
                        expected = svc.cost_per_day * share * region_share * (load ** 0.8) * elastic / resources
                        expected *= 1 + float(rng.normal(0, 0.025))
                        extra = sum(
                            _anomaly_extra(a, day, expected) / resources for a in ANOMALIES
                            if a["company_service"] == svc.name and a["service_name"] == service_name
                            and a["region"] == region
                        )
                        rows.append(_usage_row(svc, account_id, account_name, service_name, category, usage_type,
                                               operation, unit, region, resource_id, day,
                                               round(expected + extra, 6), expected))
    # the brand-new region of anomaly A4
    a4 = next(a for a in ANOMALIES if a["id"] == "A4")
    svc = service(a4["company_service"])
    account_id, account_name = _account(svc)
    for day in days:
        extra = _anomaly_extra(a4, day, 0.0)
        if extra:
            rows.append(_usage_row(svc, account_id, account_name, a4["service_name"], "Compute",
                                   "BoxUsage:g5.2xlarge", "RunInstances", "Hours", a4["region"],
                                   _resource_id(svc, a4["service_name"], a4["region"], 99), day, round(extra, 6),
                                   0.0))
    usage = pd.DataFrame(rows)
    usage = _apply_commitments(usage)
    extras = _monthly_charges(usage, start=start)
    final = pd.concat([usage, extras], ignore_index=True)
    final = _finalise(final)
    first = _first_delivery(final)
    return final, first


def _resource_id(svc: Service, service_name: str, region: str, r: int) -> str:
    slug = hex_id(svc.name, service_name, region, r, length=17)
    if svc.provider == "AWS":
        kind = {"Amazon Elastic Compute Cloud": f"ec2:{region}:{_account(svc)[0]}:instance/i-{slug}",
                "Amazon Relational Database Service": f"rds:{region}:{_account(svc)[0]}:db:{svc.name}-db-{r}",
                "Amazon Simple Storage Service": f"s3:::lumen-{svc.name}-{region}-{r}",
                "Amazon CloudFront": f"cloudfront::{_account(svc)[0]}:distribution/E{slug[:13].upper()}",
                "AWS Lambda": f"lambda:{region}:{_account(svc)[0]}:function:{svc.name}-{r}"}[service_name]
        return f"arn:aws:{kind}"
    if svc.provider == "Google Cloud":
        return f"//{service_name.lower().replace(' ', '')}.googleapis.com/projects/{_account(svc)[0]}/{svc.name}-{r}"
    return (f"/subscriptions/{_account(svc)[0]}/resourceGroups/rg-{svc.name}/providers/"
            f"Microsoft.{service_name.replace(' ', '')}/{svc.name}-{r}")


def _usage_row(svc: Service, account_id: str, account_name: str, service_name: str, category: str,
               usage_type: str, operation: str, unit: str, region: str, resource_id: str, day: date,
               cost: float, expected: float) -> dict[str, Any]:
    """One on-demand usage row for a day."""
    billing_id, billing_name = _billing_account(svc.provider)
    month = _month_start(day)
    list_unit = {"Hours": 0.192, "GB-Mo": 0.023, "GB": 0.085, "GB-Seconds": 0.0000166667, "Tebibytes": 6.25,
                 "GiB-Months": 0.026, "1 Hour": 0.21, "1 GB/Month": 0.0184}.get(unit, 1.0)
    quantity = round(cost / list_unit, 6) if list_unit else 0.0
    return {
        "ProviderName": svc.provider, "PublisherName": svc.provider, "InvoiceIssuerName": svc.provider,
        "BillingAccountId": billing_id, "BillingAccountName": billing_name, "BillingCurrency": CURRENCY,
        "BillingPeriodStart": month, "BillingPeriodEnd": _next_month(month),
        "ChargePeriodStart": day, "ChargePeriodEnd": day + timedelta(days=1),
        "ChargeCategory": "Usage", "ChargeClass": None, "ChargeFrequency": "Usage-Based",
        "ChargeDescription": f"{service_name} {usage_type} in {region}",
        "ServiceName": service_name, "ServiceCategory": category,
        "SubAccountId": account_id, "SubAccountName": account_name,
        "RegionId": region, "RegionName": REGION_NAMES[region], "ResourceId": resource_id,
        "ResourceName": resource_id.rsplit("/", 1)[-1], "ResourceType": service_name,
        "PricingCategory": "Standard", "PricingUnit": unit, "PricingQuantity": quantity,
        "ConsumedQuantity": quantity, "ConsumedUnit": unit, "ListUnitPrice": list_unit,
        "ContractedUnitPrice": list_unit, "SkuId": hex_id(service_name, usage_type, length=10).upper(),
        "Tags": _tags(svc.name, svc.team, service_name),
        "x_UsageType": usage_type if svc.provider != "AWS" or region == "us-east-1"
        else f"{region.upper().replace('-', '')[:4]}-{usage_type}",
        "x_Operation": operation or None, "x_SourceLineItemType": "Usage",
        "BilledCost": cost, "EffectiveCost": cost, "ListCost": cost, "ContractedCost": cost,
        "_expected": expected,
    }


def _apply_commitments(usage: pd.DataFrame) -> pd.DataFrame:
    """Savings Plan over AWS EC2 (70% covered at 28% off) and the checkout RDS reservation."""
    out = usage.copy()
    for col in ("CommitmentDiscountId", "CommitmentDiscountType", "CommitmentDiscountCategory",
                "CommitmentDiscountStatus", "CommitmentDiscountName"):
        out[col] = None
    ec2 = (out["ProviderName"] == "AWS") & (out["ServiceName"] == "Amazon Elastic Compute Cloud") & (
        out["RegionId"] != "ap-southeast-2")
    covered = out[ec2].copy()
    uncovered = out[ec2].copy()
    for frame, part in ((covered, SP_COVERAGE), (uncovered, 1 - SP_COVERAGE)):
        for col in ("BilledCost", "ListCost", "ContractedCost", "PricingQuantity", "ConsumedQuantity"):
            frame[col] = (frame[col] * part).round(6)
        frame["EffectiveCost"] = frame["BilledCost"]
        frame["_expected"] = frame["_expected"] * part
    covered["EffectiveCost"] = (covered["ListCost"] * (1 - SP_DISCOUNT)).round(6)
    covered["_expected"] = covered["_expected"] * (1 - SP_DISCOUNT)
    covered["BilledCost"] = 0.0
    covered["PricingCategory"] = "Committed"
    covered["CommitmentDiscountId"] = SP_ID
    covered["CommitmentDiscountType"] = "Savings Plan"
    covered["CommitmentDiscountCategory"] = "Spend"
    covered["CommitmentDiscountStatus"] = "Used"
    covered["CommitmentDiscountName"] = "Compute Savings Plan 2025"
    covered["x_SourceLineItemType"] = "SavingsPlanCoveredUsage"
    rds = (out["ProviderName"] == "AWS") & (out["ServiceName"] == "Amazon Relational Database Service") & (
        out["Tags"].fillna("").str.contains('"service": "checkout"')) & (
        pd.to_datetime(out["ChargePeriodStart"]) >= pd.Timestamp(RI_PURCHASED))
    out.loc[rds, "PricingCategory"] = "Committed"
    out.loc[rds, "CommitmentDiscountId"] = RI_ID
    out.loc[rds, "CommitmentDiscountType"] = "Reserved Instance"
    out.loc[rds, "CommitmentDiscountCategory"] = "Usage"
    out.loc[rds, "CommitmentDiscountStatus"] = "Used"
    out.loc[rds, "CommitmentDiscountName"] = "RDS r6g.large 1y all upfront"
    out.loc[rds, "x_SourceLineItemType"] = "DiscountedUsage"
    out.loc[rds, "ContractedCost"] = out.loc[rds, "ListCost"]
    out.loc[rds, "BilledCost"] = 0.0
    # an all-upfront reservation amortises to the same amount every day of its term
    daily_list = out.loc[rds].groupby("ChargePeriodStart")["ListCost"].transform("sum")
    per_day = round(float(out.loc[rds].groupby("ChargePeriodStart")["ListCost"].sum().mean()) * (1 - RI_DISCOUNT), 6)
    out.loc[rds, "EffectiveCost"] = (per_day * out.loc[rds, "ListCost"] / daily_list).round(6)
    out.loc[rds, "_expected"] = out.loc[rds, "EffectiveCost"]
    return pd.concat([out[~ec2], covered, uncovered], ignore_index=True)


def ri_upfront(usage: pd.DataFrame) -> float:
    """Upfront price of the RDS reservation: its daily amortisation times the 365-day term."""
    covered = usage[usage["CommitmentDiscountId"] == RI_ID]
    per_day = covered.groupby("ChargePeriodStart")["EffectiveCost"].sum().mean()
    return round(float(per_day) * 365, 2)


def _fee_row(provider: str, day: date, end: date, *, category: str, frequency: str, service_name: str,
             service_category: str, billed: float, effective: float, description: str, line_type: str,
             **extra: Any) -> dict[str, Any]:
    """A non-usage row (purchase, fee, tax, credit)."""
    billing_id, billing_name = _billing_account(provider)
    month = _month_start(day)
    row = {
        "ProviderName": provider, "PublisherName": provider, "InvoiceIssuerName": provider,
        "BillingAccountId": billing_id, "BillingAccountName": billing_name, "BillingCurrency": CURRENCY,
        "BillingPeriodStart": month, "BillingPeriodEnd": _next_month(month), "ChargePeriodStart": day,
        "ChargePeriodEnd": end, "ChargeCategory": category, "ChargeClass": None, "ChargeFrequency": frequency,
        "ChargeDescription": description, "ServiceName": service_name, "ServiceCategory": service_category,
        "SubAccountId": PAYER if provider == "AWS" else None, "SubAccountName": None, "RegionId": None,
        "RegionName": None, "ResourceId": None, "ResourceName": None, "ResourceType": None,
        "PricingCategory": None, "PricingUnit": None, "PricingQuantity": None, "ConsumedQuantity": None,
        "ConsumedUnit": None, "ListUnitPrice": None, "ContractedUnitPrice": None, "SkuId": None, "Tags": None,
        "x_UsageType": None, "x_Operation": None, "x_SourceLineItemType": line_type,
        "BilledCost": billed, "EffectiveCost": effective, "ListCost": billed, "ContractedCost": billed,
        "CommitmentDiscountId": None, "CommitmentDiscountType": None, "CommitmentDiscountCategory": None,
        "CommitmentDiscountStatus": None, "CommitmentDiscountName": None, "_expected": effective,
    }
    row.update(extra)
    return row


def _monthly_charges(usage: pd.DataFrame, *, start: date = START) -> pd.DataFrame:
    """Savings Plan fees and unused commitment, the RI purchase, support fees, tax, credits and a
    correction of a closed month."""
    rows: list[dict[str, Any]] = []
    month = start
    sp_used = usage[usage["CommitmentDiscountId"] == SP_ID]
    while month < END:
        nxt = _next_month(month)
        in_month = (pd.to_datetime(sp_used["ChargePeriodStart"]) >= pd.Timestamp(month)) & (
            pd.to_datetime(sp_used["ChargePeriodStart"]) < pd.Timestamp(nxt))
        used = round(float(sp_used.loc[in_month, "EffectiveCost"].sum()), 6)
        unused = round(used * (1 / PLANTED_SP_UTILISATION - 1), 6)
        commitment = round(used + unused, 6)
        sp = {"CommitmentDiscountId": SP_ID, "CommitmentDiscountType": "Savings Plan",
              "CommitmentDiscountCategory": "Spend", "CommitmentDiscountName": "Compute Savings Plan 2025"}
        rows.append(_fee_row("AWS", month, nxt, category="Purchase", frequency="Recurring",
                             service_name="Savings Plans for AWS Compute usage", service_category="Compute",
                             billed=commitment, effective=0.0, line_type="SavingsPlanRecurringFee",
                             description="Savings Plan recurring fee", **sp))
        days = (nxt - month).days
        per_day = round(unused / days, 6)
        for i in range(days):
            day = month + timedelta(days=i)
            amount = per_day if i < days - 1 else round(unused - per_day * (days - 1), 6)
            rows.append(_fee_row("AWS", day, day + timedelta(days=1), category="Usage", frequency="Usage-Based",
                                 service_name="Savings Plans for AWS Compute usage", service_category="Compute",
                                 billed=0.0, effective=amount, line_type="SavingsPlanRecurringFee",
                                 description="Unused Savings Plan commitment", ResourceId=SP_ID,
                                 CommitmentDiscountStatus="Unused", PricingCategory="Committed", **sp))
        rows.append(_fee_row("AWS", month, nxt, category="Purchase", frequency="Recurring",
                             service_name="AWS Support (Business)", service_category="Management and Governance",
                             billed=1500.0, effective=1500.0, line_type="Fee",
                             description="AWS Support (Business) monthly fee"))
        rows.append(_fee_row("AWS", month, nxt, category="Credit", frequency="One-Time",
                             service_name="AWS Promotional Credit", service_category="Other",
                             billed=-250.0, effective=-250.0, line_type="Credit",
                             description="Migration acceleration credit"))
        for provider in ("AWS", "Google Cloud", "Microsoft"):
            charged = pd.to_datetime(usage["ChargePeriodStart"])
            mask = (usage["ProviderName"] == provider) & (charged >= pd.Timestamp(month)) & (
                charged < pd.Timestamp(nxt))
            base = float(usage.loc[mask, "BilledCost"].sum())
            tax = round(base * 0.07, 2)
            rows.append(_fee_row(provider, month, nxt, category="Tax", frequency="Recurring",
                                 service_name="Tax", service_category="Other", billed=tax, effective=tax,
                                 line_type="Tax", description="Sales tax"))
        month = nxt
    if start <= RI_PURCHASED:  # a shorter window starts after the reservation was bought
        rows.append(_fee_row("AWS", RI_PURCHASED, date(2027, 2, 1), category="Purchase", frequency="One-Time",
                             service_name="Amazon Relational Database Service", service_category="Databases",
                             billed=ri_upfront(usage), effective=0.0, line_type="Fee",
                             description="RDS reserved instance, 1 year, all upfront",
                             CommitmentDiscountId=RI_ID, CommitmentDiscountType="Reserved Instance",
                             CommitmentDiscountCategory="Usage", CommitmentDiscountName="RDS r6g.large 1y all upfront",
                             SubAccountId="111111111101"))
    rows.append(_fee_row("AWS", date(2026, 7, 15), date(2026, 7, 16), category="Adjustment", frequency="One-Time",
                         service_name="Amazon Elastic Compute Cloud", service_category="Compute",
                         billed=-420.0, effective=-420.0, line_type="Refund",
                         description="Correction: duplicate EC2 charges on 2026-07-15",
                         ChargeClass="Correction", BillingPeriodStart=date(2026, 9, 1),
                         BillingPeriodEnd=date(2026, 10, 1), SubAccountId="111111111104"))
    return pd.DataFrame(rows)


def _finalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Column order, UTC timestamps and a stable row order."""
    out = frame.copy()
    for col in ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"):
        out[col] = pd.to_datetime(out[col]).dt.tz_localize("UTC")
    for col in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
        out[col] = out[col].astype(float).round(6)
    out["ServiceProviderName"] = out["ProviderName"]
    out = out.sort_values(["ProviderName", "ChargePeriodStart", "ServiceName", "SubAccountId", "RegionId",
                           "ResourceId", "ChargeCategory", "x_SourceLineItemType", "BilledCost"],
                          kind="stable", na_position="first").reset_index(drop=True)
    return out


def _first_delivery(final: pd.DataFrame) -> pd.DataFrame:
    """AWS 2026-08 as first delivered: S3 under-counted for the last week and no tax row yet."""
    period = pd.Timestamp(RESTATED_PERIOD, tz="UTC")
    rows = final[(final["ProviderName"] == "AWS") & (final["BillingPeriodStart"] == period)].copy()
    rows = rows[rows["ChargeCategory"] != "Tax"]
    late = (rows["ServiceName"] == "Amazon Simple Storage Service") & (
        rows["ChargePeriodStart"] >= pd.Timestamp("2026-08-25", tz="UTC"))
    for col in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
        rows.loc[late, col] = (rows.loc[late, col] * 0.8).round(6)
    return rows.reset_index(drop=True)


def budgets_frame(seed: int, cost: pd.DataFrame, *, start: date = START) -> pd.DataFrame:
    """Monthly EffectiveCost budgets per provider and in total, set from the plan: the cost each
    month would have had without anomalies, with some headroom — except 2026Q3, planned tight
    (2.5% below the anomaly-free cost), so its anomalies push it over budget."""
    rng = domain_rng(seed, 6)
    month_of = cost["ChargePeriodStart"].dt.strftime("%Y-%m")
    planned = cost.groupby([month_of, "ProviderName"])["_expected"].sum()
    rows = []
    month = start
    while month < END:
        nxt = _next_month(month)
        label = f"{month:%Y-%m}"
        headroom = 0.975 if Q3_START <= month < Q3_END else float(rng.uniform(1.0, 1.04))
        total = 0.0
        for provider in ("AWS", "Google Cloud", "Microsoft"):
            amount = round(float(planned.get((label, provider), 0.0)) * headroom, -2)
            rows.append({"period": label, "period_start": month, "period_end": nxt, "scope": f"provider:{provider}",
                         "amount": amount, "currency": CURRENCY, "cost_basis": "EffectiveCost"})
            total += amount
        rows.append({"period": label, "period_start": month, "period_end": nxt, "scope": "total",
                     "amount": round(total, 2), "currency": CURRENCY, "cost_basis": "EffectiveCost"})
        month = nxt
    return pd.DataFrame(rows)
