"""Synthetic FOCUS benchmark of the cost-anomaly pipeline: event-level precision, recall, F1 and
dollar-weighted recall of the shipped defaults (detection + the default alert gate).

Each scenario is a seeded synthetic company: three providers, 8–14 company services (the
``service`` tag) on several provider services, accounts, regions and resources, 365 days of
history and one evaluation quarter (92 days) of daily FOCUS rows. Everywhere there are the
realistic **non-anomalies**: weekly cycles (compute cheaper at weekends), steady growth (0–3 % a
month), heavy-tailed day-to-day noise, month-start support fees and month-start recurring usage
fees, monthly tax and credits, a Savings Plan (monthly recurring fee, covered EC2 usage priced
down from its start day) and an all-upfront reserved instance (a one-time purchase row, the
covered usage amortised flat from that day). Inside the quarter, 4–7 labelled **anomalies** are
injected, each with its scope, window and exact EffectiveCost impact: spikes, level shifts, slow
ramps, weekend-only drift, a runaway resource (cost doubling every few days until stopped) and
spend in a new region.

**Event matching.** An alert matches a label when it is an increase, its window shares a day
with the label's window, and its scope names the label's provider and provider service (level
``service`` or deeper; a deeper alert's member — account, region, usage type or tag value — must
be the label's). A provider-level alert matches when its largest service driver is the label's
service; a total-level alert never matches (too vague to act on). Precision = alerts matching a
label / alerts; recall = labels matched by an alert / labels; $-weighted recall = Σ impact of
matched labels / Σ impact of all labels; F1 = 2PR/(P+R). Detection recall (any finding, before
the alert gate) is reported too.

Usage::

    python bench/cost_anomaly_benchmark.py                 # evaluation seeds 100–129
    python bench/cost_anomaly_benchmark.py --seeds 0-9     # the development seeds (used for tuning)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

import analytics
from analytics.anomalies import cost
from analytics.periods import Period, parse_period
from analytics.warehouse import run

QUARTER = "2026Q3"
HISTORY_DAYS = 365
PROVIDERS: dict[str, tuple[tuple[str, str, float], ...]] = {
    # provider service, category, weekend factor range upper bound marker (compute-like when < 1)
    "AWS": (("Amazon Elastic Compute Cloud", "Compute", 0.7), ("Amazon Relational Database Service", "Databases", 1.0),
            ("Amazon Simple Storage Service", "Storage", 1.0), ("Amazon CloudFront", "Networking", 0.8),
            ("AWS Lambda", "Compute", 0.6)),
    "Google Cloud": (("Compute Engine", "Compute", 0.7), ("BigQuery", "Analytics", 0.5),
                     ("Cloud Storage", "Storage", 1.0)),
    "Microsoft": (("Virtual Machines", "Compute", 0.7), ("Azure SQL Database", "Databases", 1.0),
                  ("Storage", "Storage", 1.0)),
}
REGIONS = {"AWS": ("us-east-1", "eu-west-1", "us-west-2"), "Google Cloud": ("us-central1", "europe-west1"),
           "Microsoft": ("westeurope", "eastus")}
NEW_REGIONS = {"AWS": "ap-southeast-2", "Google Cloud": "asia-east1", "Microsoft": "japaneast"}
KINDS = ("spike", "level_shift", "slow_ramp", "weekend_drift", "runaway_resource", "new_region")


@dataclass
class Resource:
    """One billed resource: where it lives and how its cost behaves."""

    rid: str
    provider: str
    service_name: str
    category: str
    account: str
    region: str
    usage_type: str
    company_service: str
    team: str
    base: float
    weekend: float
    growth: float
    noise: float


def _slug(name: str) -> str:
    """``Amazon Relational Database Service`` → ``ards`` (unique per provider service here)."""
    return "".join(word[0] for word in name.split()).lower() + str(len(name))


def _company(rng: np.random.Generator) -> list[Resource]:
    """A random company: company services on provider services, accounts, regions, resources."""
    resources: list[Resource] = []
    n_services = int(rng.integers(8, 15))
    teams = [f"team-{i}" for i in range(int(rng.integers(3, 6)))]
    for s in range(n_services):
        provider = str(rng.choice(list(PROVIDERS), p=[0.55, 0.25, 0.20]))
        team = str(rng.choice(teams))
        account = f"{provider[:3].lower()}-{team}-{int(rng.integers(1, 3))}"
        regions = list(rng.choice(REGIONS[provider], size=int(rng.integers(1, 3)), replace=False))
        budget = float(np.exp(rng.normal(np.log(600), 0.8)))  # $ per day for the company service
        offered = PROVIDERS[provider]
        used = rng.choice(len(offered), size=int(rng.integers(2, len(offered) + 1)), replace=False)
        shares = rng.dirichlet(np.ones(len(used)))
        for k, share in zip(used, shares, strict=True):
            name, category, weekend_hint = offered[int(k)]
            for region in regions:
                for r in range(int(rng.integers(1, 3))):
                    base = budget * share / len(regions) * float(rng.uniform(0.6, 1.4))
                    weekend = float(rng.uniform(weekend_hint, 1.0)) if weekend_hint < 1 else 1.0
                    resources.append(Resource(
                        rid=f"{provider[:3].lower()}:{region}:{_slug(name)}:svc{s}-{r}",
                        provider=provider, service_name=name, category=category, account=account, region=region,
                        usage_type=f"{region}:{_slug(name)}-usage", company_service=f"svc{s}", team=team,
                        base=base, weekend=weekend, growth=float(rng.uniform(0.0, 0.03)),
                        noise=float(rng.uniform(0.01, 0.05))))
    return resources


def _days(quarter: Period) -> list[date]:
    start = quarter.start - timedelta(days=HISTORY_DAYS)
    return [start + timedelta(days=i) for i in range((quarter.end - start).days)]


def _baseline(rng: np.random.Generator, res: Resource, days: list[date]) -> np.ndarray:
    """Expected-plus-noise cost of a resource per day (no anomalies)."""
    months = np.arange(len(days)) / 30.4375
    weekday = np.array([d.weekday() for d in days])
    cycle = np.where(weekday >= 5, res.weekend, 1.0)
    noise = np.exp(res.noise * rng.standard_t(6, size=len(days)) / np.sqrt(1.5))
    return res.base * (1 + res.growth) ** months * cycle * noise


def _label(kind: str, res: Resource, start: date, end: date, impact: float, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "provider": res.provider, "service_name": res.service_name, "account": res.account,
            "region": res.region, "usage_type": res.usage_type, "tag": res.company_service,
            "start": start, "end": end, "impact": impact, **extra}


def _inject(rng: np.random.Generator, resources: list[Resource], costs: dict[str, np.ndarray], days: list[date],
            quarter: Period) -> tuple[list[dict[str, Any]], list[Resource]]:
    """Plant 4–7 anomalies inside the quarter; return their labels and any new resources."""
    labels: list[dict[str, Any]] = []
    added: list[Resource] = []
    first_q = days.index(quarter.start)
    n_days = len(days)
    weekday = np.array([d.weekday() for d in days])
    used_scopes: set[tuple[str, str, str]] = set()
    for _ in range(int(rng.integers(4, 8))):
        kind = str(rng.choice(KINDS))
        res = resources[int(rng.integers(len(resources)))]
        scope = (res.provider, res.service_name, res.company_service)
        if scope in used_scopes:
            continue
        used_scopes.add(scope)
        group = [r for r in resources if (r.provider, r.service_name, r.company_service, r.region)
                 == (res.provider, res.service_name, res.company_service, res.region)]
        base = sum(float(np.median(costs[r.rid][first_q - 28:first_q])) for r in group)
        start = first_q + int(rng.integers(7, 80))
        extra = np.zeros(n_days)
        if kind == "spike":
            length = int(rng.integers(1, 5))
            extra[start:start + length] = base * float(rng.uniform(0.4, 3.0))
        elif kind == "level_shift":
            stop = min(n_days, start + int(rng.integers(20, 90)))
            extra[start:stop] = base * float(rng.uniform(0.2, 1.0))
        elif kind == "slow_ramp":
            length = int(rng.integers(20, 46))
            stop = min(n_days, start + length)
            top = base * float(rng.uniform(0.4, 1.5))
            extra[start:stop] = top * np.arange(1, stop - start + 1) / length
        elif kind == "weekend_drift":
            stop = n_days
            weekend = weekday[start:stop] >= 5
            extra[start:stop] = np.where(weekend, base * float(rng.uniform(0.4, 1.5)), 0.0)
            if not weekend.any():
                continue
        elif kind == "runaway_resource":
            length = int(rng.integers(5, 16))
            stop = min(n_days, start + length)
            doubling = float(rng.uniform(2.0, 5.0))
            one = float(np.median(costs[res.rid][first_q - 28:first_q]))
            extra[start:stop] = one * (2.0 ** (np.arange(stop - start) / doubling) - 1.0 + 0.3)
        else:  # new_region: GPU instances somewhere the company never ran anything
            stop = n_days
            new = Resource(rid=f"{res.provider[:3].lower()}:{NEW_REGIONS[res.provider]}:gpu:{res.company_service}",
                           provider=res.provider, service_name=res.service_name, category=res.category,
                           account=res.account, region=NEW_REGIONS[res.provider],
                           usage_type=f"{NEW_REGIONS[res.provider]}:gpu-usage", company_service=res.company_service,
                           team=res.team, base=0.0, weekend=1.0, growth=0.0, noise=0.0)
            daily = max(20.0, base * float(rng.uniform(0.3, 1.5)))
            extra[start:stop] = daily
            costs[new.rid] = extra.copy()
            added.append(new)
            labels.append(_label(kind, new, days[start], days[stop - 1], float(extra.sum())))
            continue
        nz = np.flatnonzero(extra)
        if kind == "runaway_resource":
            costs[res.rid] = costs[res.rid] + extra
            labels.append(_label(kind, res, days[nz[0]], days[nz[-1]], float(extra.sum()), resource=res.rid))
            continue
        share = np.array([float(np.median(costs[r.rid][first_q - 28:first_q])) for r in group])
        share = share / share.sum()
        for r, w in zip(group, share, strict=True):
            costs[r.rid] = costs[r.rid] + extra * w
        labels.append(_label(kind, res, days[nz[0]], days[nz[-1]], float(extra.sum())))
    return labels, added


def _rows(resources: list[Resource], costs: dict[str, np.ndarray], days: list[date]) -> pd.DataFrame:
    """Daily Usage rows of every resource (0-cost days are not billed)."""
    frames = []
    starts = pd.to_datetime(pd.Series(days)).dt.tz_localize("UTC")
    for res in resources:
        values = np.round(costs[res.rid], 6)
        keep = values != 0
        frames.append(pd.DataFrame({
            "ChargePeriodStart": starts[keep].to_numpy(), "cost": values[keep], "ProviderName": res.provider,
            "ServiceName": res.service_name, "ServiceCategory": res.category, "SubAccountId": res.account,
            "RegionId": res.region, "x_UsageType": res.usage_type, "ResourceId": res.rid,
            "Tags": json.dumps({"service": res.company_service, "team": res.team, "env": "prod"}, sort_keys=True),
            "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "CommitmentDiscountStatus": None,
            "ChargeDescription": f"{res.service_name} usage",
        }))
    return pd.concat(frames, ignore_index=True)


def _commitments(rng: np.random.Generator, resources: list[Resource], costs: dict[str, np.ndarray],
                 days: list[date], quarter: Period) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A Savings Plan and an all-upfront RI starting on month starts; returns extra rows and their labels."""
    extra: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    month_starts = [d for d in days if d.day == 1]
    first_q = days.index(quarter.start)
    aws = [r for r in resources if r.provider == "AWS"]
    ec2 = [r for r in aws if r.service_name == "Amazon Elastic Compute Cloud"]
    rds = [r for r in aws if r.service_name == "Amazon Relational Database Service"]
    if ec2:
        sp_day = month_starts[int(rng.integers(2, len(month_starts)))]
        i = days.index(sp_day)
        discount = float(rng.uniform(0.2, 0.3))
        for r in ec2:
            costs[r.rid][i:] = costs[r.rid][i:] * (1 - discount)
        labels.append({"kind": "savings_plan_start", "provider": "AWS", "day": sp_day})
        committed = sum(float(np.median(costs[r.rid][i:i + 28])) for r in ec2) * 30
        for m in month_starts:
            if m >= sp_day:
                extra.append({"day": m, "category": "Purchase", "frequency": "Recurring",
                              "service": "Savings Plans for AWS Compute usage", "billed": committed, "effective": 0.0,
                              "description": "Savings Plan recurring fee"})
    if rds:
        r = rds[int(rng.integers(len(rds)))]
        ri_day = month_starts[int(rng.integers(2, len(month_starts)))]
        i = days.index(ri_day)
        flat = float(np.median(costs[r.rid][max(0, i - 28):i])) * 0.6
        costs[r.rid][i:] = flat
        extra.append({"day": ri_day, "category": "Purchase", "frequency": "One-Time",
                      "service": "Amazon Relational Database Service", "billed": round(flat * 365, 2),
                      "effective": 0.0, "description": "RDS reserved instance, 1 year, all upfront"})
        labels.append({"kind": "reserved_instance_purchase", "provider": "AWS", "day": ri_day,
                       "in_quarter": i >= first_q})
    for m in month_starts:
        extra.append({"day": m, "category": "Purchase", "frequency": "Recurring", "service": "AWS Support (Business)",
                      "billed": 1500.0, "effective": 1500.0, "description": "Support fee"})
        extra.append({"day": m, "category": "Usage", "frequency": "Recurring", "service": "Amazon Route 53",
                      "billed": 350.0, "effective": 350.0, "description": "Hosted zones, monthly"})
        extra.append({"day": m, "category": "Credit", "frequency": "One-Time", "service": "AWS Promotional Credit",
                      "billed": -200.0, "effective": -200.0, "description": "Credit"})
        extra.append({"day": m, "category": "Tax", "frequency": "Recurring", "service": "Tax",
                      "billed": 900.0, "effective": 900.0, "description": "Sales tax"})
    return extra, labels


def scenario(seed: int, quarter: Period) -> tuple[pd.DataFrame, list[dict[str, Any]], list[dict[str, Any]]]:
    """FOCUS rows, anomaly labels and non-anomaly labels of one seeded company."""
    rng = np.random.default_rng([seed, 20260930])
    days = _days(quarter)
    resources = _company(rng)
    costs = {r.rid: _baseline(rng, r, days) for r in resources}
    extra, quiet = _commitments(rng, resources, costs, days, quarter)
    labels, added = _inject(rng, resources, costs, days, quarter)
    usage = _rows(resources + added, costs, days)
    fees = pd.DataFrame([{
        "ChargePeriodStart": pd.Timestamp(e["day"], tz="UTC"), "cost": e["effective"], "billed": e["billed"],
        "ProviderName": "AWS", "ServiceName": e["service"], "ServiceCategory": "Other", "SubAccountId": "payer",
        "RegionId": None, "x_UsageType": None, "ResourceId": None, "Tags": None, "ChargeCategory": e["category"],
        "ChargeFrequency": e["frequency"], "CommitmentDiscountStatus": None, "ChargeDescription": e["description"],
    } for e in extra])
    quiet.append({"kind": "month_start_fees", "provider": "AWS", "days": sorted({e["day"] for e in extra})})
    return pd.concat([usage, fees], ignore_index=True), labels, quiet


def load(con: Any, rows: pd.DataFrame) -> None:
    """Insert synthetic rows into the warehouse's ``cost`` table."""
    month = rows["ChargePeriodStart"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("M")
    billed = rows["billed"] if "billed" in rows else rows["cost"]
    frame = pd.DataFrame({
        "BilledCost": billed.fillna(rows["cost"]), "EffectiveCost": rows["cost"],
        "BillingAccountId": "payer", "BillingCurrency": "USD",
        "BillingPeriodStart": month.dt.start_time.dt.tz_localize("UTC"),
        "BillingPeriodEnd": (month + 1).dt.start_time.dt.tz_localize("UTC"),
        "ChargeCategory": rows["ChargeCategory"], "ChargeFrequency": rows["ChargeFrequency"],
        "ChargeDescription": rows["ChargeDescription"], "ChargePeriodStart": rows["ChargePeriodStart"],
        "ChargePeriodEnd": rows["ChargePeriodStart"] + pd.Timedelta(days=1), "ProviderName": rows["ProviderName"],
        "ServiceName": rows["ServiceName"], "ServiceCategory": rows["ServiceCategory"],
        "SubAccountId": rows["SubAccountId"], "RegionId": rows["RegionId"], "ResourceId": rows["ResourceId"],
        "Tags": rows["Tags"], "x_UsageType": rows["x_UsageType"],
        "CommitmentDiscountStatus": rows["CommitmentDiscountStatus"], "source_file_id": 0,
    })
    con.register("synthetic_rows", frame)
    try:
        run(con, "INSERT INTO cost BY NAME SELECT * FROM synthetic_rows")
    finally:
        con.unregister("synthetic_rows")


def _matches(alert: Any, label: dict[str, Any], top_service: str | None) -> bool:
    """The event-matching rule of the module docstring."""
    if alert.direction != "increase" or alert.start > label["end"] or label["start"] > alert.end:
        return False
    if alert.level == "total" or alert.provider != label["provider"]:
        return False
    if alert.level == "provider":
        return top_service == label["service_name"]
    if alert.service != label["service_name"]:
        return False
    wanted = {"account": label["account"], "region": label["region"], "usage_type": label["usage_type"],
              "tag": label["tag"]}
    return alert.level == "service" or alert.member == wanted[alert.level]


def evaluate(seed: int, quarter: Period, *, settings: cost.CostAnomalySettings = cost.DEFAULT_COST_SETTINGS,
             gate: dict[str, float] | None = None) -> dict[str, Any]:
    """Run the pipeline (the shipped defaults unless told) on one scenario and match its alerts and findings."""
    rows, labels, quiet = scenario(seed, quarter)
    con = analytics.connect(":memory:")
    try:
        load(con, rows)
        began = time.perf_counter()
        result = cost.cost_anomalies(con, quarter, settings=settings)
        seconds = time.perf_counter() - began
    finally:
        con.close()
    alerted = cost.alerts(result.anomalies, **(gate or {}))
    findings = result.findings
    top_service = {}
    if not result.drivers.empty:
        services = result.drivers[(result.drivers["dimension"] == "service") & (result.drivers["rank"] == 1)]
        top_service = dict(zip(services["anomaly_id"], services["member"], strict=True))

    def hits(frame: pd.DataFrame) -> tuple[set[int], list[bool]]:
        found: set[int] = set()
        useful = []
        for a in frame.itertuples(index=False):
            matched = [i for i, lab in enumerate(labels) if _matches(a, lab, top_service.get(a.anomaly_id))]
            found.update(matched)
            useful.append(bool(matched))
        return found, useful

    found_alerts, useful = hits(alerted)
    found_any, useful_any = hits(findings[findings["direction"] == "increase"])
    false_alarms = [a for a, ok in zip(alerted.itertuples(index=False), useful, strict=True) if not ok]
    impact_error = []
    for i in found_alerts:
        lab = labels[i]
        best = [a.impact for a, ok in zip(alerted.itertuples(index=False), useful, strict=True)
                if ok and _matches(a, lab, top_service.get(a.anomaly_id))]
        impact_error.append((lab["kind"], (max(best) - lab["impact"]) / lab["impact"]))
    return {"seed": seed, "labels": labels, "quiet": quiet, "alerts": len(alerted), "useful_alerts": sum(useful),
            "found": found_alerts, "found_any": found_any, "false_alarms": false_alarms,
            "unmatched_findings": useful_any.count(False), "findings": len(useful_any),
            "impact_error": impact_error, "seconds": seconds}


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="100-129", help="scenario seeds, e.g. 100-129 or 0-9 (default 100-129)")
    parser.add_argument("--quarter", default=QUARTER, help="evaluation quarter (default 2026Q3)")
    args = parser.parse_args(argv)
    quarter = parse_period(args.quarter)
    seeds = _seeds(args.seeds)
    began = time.perf_counter()
    results = [evaluate(seed, quarter) for seed in seeds]
    labels = sum(len(r["labels"]) for r in results)
    alerts = sum(r["alerts"] for r in results)
    useful = sum(r["useful_alerts"] for r in results)
    found = sum(len(r["found"]) for r in results)
    found_any = sum(len(r["found_any"]) for r in results)
    dollars = sum(lab["impact"] for r in results for lab in r["labels"])
    found_dollars = sum(r["labels"][i]["impact"] for r in results for i in r["found"])
    precision = useful / alerts if alerts else float("nan")
    recall = found / labels if labels else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in results:
        for i, lab in enumerate(r["labels"]):
            by_kind[lab["kind"]][0] += 1
            by_kind[lab["kind"]][1] += i in r["found"]
            by_kind[lab["kind"]][2] += i in r["found_any"]
    causes: Counter[str] = Counter()
    for r in results:
        month_starts = set(next(q["days"] for q in r["quiet"] if q["kind"] == "month_start_fees"))
        for a in r["false_alarms"]:
            cause = "starts on a month-start fee day" if a.start in month_starts else f"{a.kind} at {a.level} level"
            causes[cause] += 1
    errors = [e for r in results for _, e in r["impact_error"]]
    print(f"Synthetic FOCUS benchmark: {len(seeds)} scenarios (seeds {args.seeds}), quarter {quarter.label}, "
          f"{labels} labelled anomalies worth ${dollars:,.0f}")
    print(f"alert gate: ${cost.DEFAULT_MIN_IMPACT:,.0f} and {cost.DEFAULT_MIN_IMPACT_PCT:.0f}%, increases")
    print("| kind | labels | recall (alerts) | recall (any finding) |")
    print("|---|---:|---:|---:|")
    for kind in KINDS:
        n, hit, hit_any = by_kind[kind]
        if n:
            print(f"| {kind} | {n} | {hit / n:.2f} | {hit_any / n:.2f} |")
    print(f"alerts {alerts}, matching a label {useful}, false alarms {alerts - useful} "
          f"({(alerts - useful) / len(seeds):.2f} per scenario-quarter): {dict(causes)}")
    if errors:
        print(f"impact error of matched alerts: median {np.median(errors) * 100:+.1f}%, "
              f"median |error| {np.median(np.abs(errors)) * 100:.1f}%")
    unmatched = sum(r["unmatched_findings"] for r in results)
    print(f"detection recall (any finding, before the alert gate): {found_any / labels:.3f}; increase findings "
          f"{sum(r['findings'] for r in results)}, matching no label {unmatched} "
          f"({unmatched / len(seeds):.1f} per scenario-quarter, nearly all below the gate)")
    big = [(r, i) for r in results for i, lab in enumerate(r["labels"]) if lab["impact"] >= cost.DEFAULT_MIN_IMPACT]
    print(f"recall of the {len(big)} labels whose impact reaches the ${cost.DEFAULT_MIN_IMPACT:,.0f} floor: "
          f"{sum(i in r['found'] for r, i in big) / len(big):.3f}")
    print(f"pipeline time per scenario: median {np.median([r['seconds'] for r in results]):.2f} s; "
          f"total run {time.perf_counter() - began:.0f} s")
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
          f"$-weighted recall {found_dollars / dollars:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

