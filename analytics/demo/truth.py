"""The demo company's ground truth, computed with plain Python from the generated records.

This is the independent second method the tests and the quarterly report compare against: no
SQL, no warehouse — only the World's DataFrames/records and the definitions written next to each
value (docs/metrics.md where it defines one; the ``definition`` strings otherwise). The quarter is the
demo's latest full quarter, 2026Q3, with 2026Q2 for quarter-on-quarter changes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.demo import world as w
from analytics.demo.company import LATEST_QUARTER, SERVICES, TEAMS, team
from analytics.periods import Period, parse_period

DEFINITIONS: dict[str, str] = {
    "incident_count_by_severity": "incidents whose created_at falls in the quarter, by normalised severity",
    "mttr_minutes": "resolved_at − created_at in minutes over resolved incidents created in the quarter; "
    "p50/p90 with linear interpolation (numpy default); still-open incidents excluded and counted",
    "mtta_minutes": "acknowledged_at − created_at over acknowledged incidents created in the quarter",
    "noise_ratio": "resolved incidents resolved within 5 min of creation or never acknowledged / resolved incidents",
    "actionable_share": "incidents with urgency high, not auto-resolved within 5 min, acknowledged within 4 h "
    "and resolved within 24 h / all incidents created in the quarter",
    "repeat_rate": "incidents with an earlier incident of the same service and fingerprint in the 30 days "
    "before their created_at / incidents created in the quarter",
    "reopen_rate": "incidents with reopen_count > 0 / incidents (the demo has no reopens)",
    "critical_restored_60min_share": "tier1-service incidents of severity SEV1–SEV2 created in the quarter "
    "resolved in under 60 min / all of them (still-open ones count as not restored)",
    "off_hours_created_share": "share of incidents created outside 08:00–18:00 Mon–Fri in the owning team's "
    "time zone (the proxy of docs/metrics.md §1.5)",
    "pages_per_responder_week": "notify events in the quarter / (distinct people notified × weeks in quarter)",
    "deployments": "distinct production deployments with deployed_at in the quarter",
    "change_failure_rate": "distinct deployments in the quarter with ≥ 1 linked incident / distinct deployments",
    "lead_time_hours_p50": "median of deployed_at − committed_at over (deployment, change) pairs deployed in "
    "the quarter, values ≤ 0 excluded",
    "recovery_minutes_p50": "median resolved_at − created_at of deployment-caused incidents created in the quarter",
    "rework_rate": "rework deployments / all deployments in the quarter",
    "slo_compliance": "Σ good / Σ total over the quarter per SLO (request-weighted)",
    "error_budget_remaining": "1 − (1 − compliance) / (1 − target)",
    "effective_cost": "Σ EffectiveCost of rows whose ChargePeriodStart falls in the period (final deliveries)",
    "billed_cost": "Σ BilledCost of rows whose BillingPeriodStart falls in the period",
    "budget_variance": "(Σ EffectiveCost − Σ total budget) / Σ total budget over the quarter's months",
    "tag_coverage_team": "Σ EffectiveCost of taggable rows (Usage, not unused commitment) with a non-empty "
    "'team' tag / Σ EffectiveCost of taggable rows, quarter",
    "commitment_utilisation": "Σ EffectiveCost(Status Used) / Σ EffectiveCost(Status Used or Unused), quarter",
    "unit_cost_per_1k_requests": "Σ EffectiveCost tagged with the service / (Σ requests of the service / 1000)",
    "corrections": "Σ BilledCost of ChargeClass = Correction rows billed in the quarter",
    "anomaly_impact": "Σ (EffectiveCost − expected) over the anomaly's rows and days; expected is the cost "
    "the row would have had without the anomaly",
}


def _q(values: list[float], q: float) -> float | None:
    return None if not values else float(np.quantile(np.asarray(values, dtype=float), q))


def _in(ts: Any, period: Period) -> bool:
    t = pd.Timestamp(ts)
    return period.start_ts <= t.to_pydatetime() < period.end_ts


def _within(series: pd.Series, period: Period) -> pd.Series:
    """Vectorised ``_in``: which timestamps fall inside ``[start, end)``."""
    values = pd.to_datetime(series, utc=True)
    return (values >= pd.Timestamp(period.start_ts)) & (values < pd.Timestamp(period.end_ts))


def _minutes(a: Any, b: Any) -> float:
    return (pd.Timestamp(b) - pd.Timestamp(a)).total_seconds() / 60


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT


def incident_truth(world: w.World, period: Period) -> dict[str, Any]:
    """Incident KPIs of one period from the incident records."""
    records = world.incidents.to_dict("records")
    mine = [r for r in records if _in(r["created_at"], period)]
    out: dict[str, Any] = {"incidents": len(mine)}
    out["incident_count_by_severity"] = {s: sum(r["severity"] == s for r in mine) for s in w.SEVERITIES}
    resolved = [r for r in mine if not _is_null(r["resolved_at"])]
    out["open_incidents_excluded"] = len(mine) - len(resolved)
    mttr: dict[str, dict[str, float | int | None]] = {}
    mtta: dict[str, dict[str, float | int | None]] = {}
    for sev in w.SEVERITIES:
        durations = [_minutes(r["created_at"], r["resolved_at"]) for r in resolved if r["severity"] == sev]
        mttr[sev] = {"p50": _q(durations, 0.5), "p90": _q(durations, 0.9), "n": len(durations)}
        acks = [_minutes(r["created_at"], r["acknowledged_at"]) for r in mine
                if r["severity"] == sev and not _is_null(r["acknowledged_at"])]
        mtta[sev] = {"p50": _q(acks, 0.5), "p90": _q(acks, 0.9), "n": len(acks)}
    out["mttr_minutes"] = mttr
    out["mtta_minutes"] = mtta
    noise = [r for r in resolved if _minutes(r["created_at"], r["resolved_at"]) <= 5 or _is_null(r["acknowledged_at"])]
    out["noise_ratio"] = len(noise) / len(resolved) if resolved else None

    def actionable(r: dict[Any, Any]) -> bool:
        if r["urgency"] != "high" or _is_null(r["acknowledged_at"]) or _is_null(r["resolved_at"]):
            return False
        ttr = _minutes(r["created_at"], r["resolved_at"])
        if r["auto_resolved"] and ttr <= 5:
            return False
        return _minutes(r["created_at"], r["acknowledged_at"]) <= 240 and ttr <= 1440

    out["actionable_share"] = sum(actionable(r) for r in mine) / len(mine) if mine else None
    by_key: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for r in records:
        by_key[(r["service"], r["fingerprint"])].append(pd.Timestamp(r["created_at"]).to_pydatetime())
    repeats = 0
    for r in mine:
        created = pd.Timestamp(r["created_at"]).to_pydatetime()
        earlier = [t for t in by_key[(r["service"], r["fingerprint"])] if created - timedelta(days=30) <= t < created]
        repeats += bool(earlier)
    out["repeat_rate"] = repeats / len(mine) if mine else None
    out["repeat_incidents"] = repeats
    out["reopen_rate"] = 0.0 if mine else None
    tier1 = {s.name for s in SERVICES if s.tier == "tier1"}
    critical = [r for r in mine if r["service"] in tier1 and r["severity"] in ("SEV1", "SEV2")]
    restored = [r for r in critical
                if not _is_null(r["resolved_at"]) and _minutes(r["created_at"], r["resolved_at"]) < 60]
    out["critical_restored_60min_share"] = len(restored) / len(critical) if critical else None
    out["critical_incidents"] = len(critical)

    def off_hours(r: dict[Any, Any]) -> bool:
        local = pd.Timestamp(r["created_at"]).tz_convert(team(r["team"]).timezone)
        return local.weekday() >= 5 or not 8 * 60 <= local.hour * 60 + local.minute < 18 * 60

    out["off_hours_created_share"] = sum(off_hours(r) for r in mine) / len(mine) if mine else None
    ids = {r["incident_id"] for r in mine}
    events = world.incident_events
    pages = events[(events["event_type"] == "notify") & _within(events["event_at"], period)]
    weeks = period.days / 7
    people = pages["actor"].nunique()
    out["pages"] = len(pages)
    out["pages_per_responder_week"] = len(pages) / (people * weeks) if people else None
    out["incident_ids_in_period"] = len(ids)
    return out


def delivery_truth(world: w.World, period: Period) -> dict[str, Any]:
    """DORA KPIs of one period."""
    deploys = world.deployments[_within(world.deployments["deployed_at"], period)]
    ids = set(deploys["deployment_id"])
    linked = set(world.incidents["deployment_id"].dropna()) & ids
    changes = world.changes[world.changes["deployment_id"].isin(ids)]
    when = dict(zip(world.deployments["deployment_id"], world.deployments["deployed_at"], strict=True))
    rows: list[Any] = list(changes.itertuples(index=False))
    leads = [(pd.Timestamp(when[c.deployment_id]) - pd.Timestamp(c.committed_at)).total_seconds() / 3600
             for c in rows]
    caused = world.incidents[world.incidents["deployment_id"].notna()
                             & _within(world.incidents["created_at"], period)
                             & world.incidents["resolved_at"].notna()]
    recovery = [_minutes(r.created_at, r.resolved_at) for r in caused.itertuples(index=False)]
    return {
        "deployments": len(ids),
        "failed_deployments": len(linked),
        "change_failure_rate": len(linked) / len(ids) if ids else None,
        "lead_time_hours_p50": _q([x for x in leads if x > 0], 0.5),
        "lead_time_excluded_nonpositive": sum(x <= 0 for x in leads),
        "recovery_minutes_p50": _q(recovery, 0.5),
        "recovery_n": len(recovery),
        "rework_rate": float(deploys["is_rework"].sum()) / len(ids) if ids else None,
        **_pipeline_truth(world, period),
        "deployments_per_week_by_service": {
            s.name: round(int((deploys["service"] == s.name).sum()) / (period.days / 7), 6) for s in SERVICES
        },
    }


def _pipeline_truth(world: w.World, period: Period) -> dict[str, Any]:
    """CI pass rate: succeeded / (succeeded + failed) runs started in the period (cancelled excluded)."""
    runs = world.pipeline_runs[_within(world.pipeline_runs["started_at"], period)]
    passed = int((runs["conclusion"] == "success").sum())
    failed = int(runs["conclusion"].isin(["failure", "timed_out"]).sum())
    rate = passed / (passed + failed) if passed + failed else None
    return {"pipeline_runs": len(runs), "pipeline_success_rate": rate}


def slo_truth(world: w.World, period: Period) -> dict[str, Any]:
    """SLO compliance and budget remaining per SLO for one period."""
    sli = world.sli
    start, end = pd.Timestamp(period.start_ts), pd.Timestamp(period.end_ts)
    window = sli[(sli["interval_start"] >= start) & (sli["interval_start"] < end)]
    out: dict[str, Any] = {}
    slo: Any
    for slo in world.slos.itertuples(index=False):
        rows = window[window["slo"] == slo.slo]
        good, total = int(rows["good"].sum()), int(rows["total"].sum())
        compliance = good / total if total else None
        out[slo.slo] = {
            "target": slo.target,
            "good": good,
            "total": total,
            "compliance": compliance,
            "error_budget_remaining": None if compliance is None else 1 - (1 - compliance) / (1 - slo.target),
            "met": None if compliance is None else compliance >= slo.target,
        }
    return out


def cost_truth(world: w.World, period: Period) -> dict[str, Any]:
    """FinOps KPIs of one period from the final cost rows."""
    cost = world.cost
    charge_in = _within(cost["ChargePeriodStart"], period)
    billed_in = _within(cost["BillingPeriodStart"], period)
    rows = cost[charge_in]
    out: dict[str, Any] = {
        "effective_cost": round(float(rows["EffectiveCost"].sum()), 2),
        "billed_cost": round(float(cost.loc[billed_in, "BilledCost"].sum()), 2),
        "effective_cost_by_provider": {p: round(float(g.sum()), 2)
                                       for p, g in rows.groupby("ProviderName")["EffectiveCost"]},
        "billed_cost_by_provider": {p: round(float(g.sum()), 2)
                                    for p, g in cost[billed_in].groupby("ProviderName")["BilledCost"]},
    }
    monthly = {}
    for month in period.months():
        m = cost[_within(cost["ChargePeriodStart"], month)]
        monthly[month.label] = round(float(m["EffectiveCost"].sum()), 2)
    out["effective_cost_by_month"] = monthly
    budgets = world.budgets[(world.budgets["scope"] == "total")
                            & world.budgets["period_start"].map(lambda d: period.start <= d < period.end)]
    budget = round(float(budgets["amount"].sum()), 2)
    out["budget"] = budget
    out["budget_variance"] = (out["effective_cost"] - budget) / budget if budget else None
    taggable = rows[(rows["ChargeCategory"] == "Usage") & (rows["CommitmentDiscountStatus"] != "Unused")]
    tagged = taggable["Tags"].map(lambda t: isinstance(t, str) and bool(json.loads(t).get("team")))
    taggable_cost = float(taggable["EffectiveCost"].sum())
    out["tag_coverage_team"] = (float(taggable.loc[tagged, "EffectiveCost"].sum()) / taggable_cost
                                if taggable_cost else None)  # None: a quarter outside a short window
    status = rows["CommitmentDiscountStatus"]
    used = float(rows.loc[status == "Used", "EffectiveCost"].sum())
    unused = float(rows.loc[status == "Unused", "EffectiveCost"].sum())
    out["commitment_utilisation"] = used / (used + unused) if used + unused else None
    sp = rows[rows["CommitmentDiscountId"] == w.SP_ID]
    sp_used = float(sp.loc[sp["CommitmentDiscountStatus"] == "Used", "EffectiveCost"].sum())
    sp_unused = float(sp.loc[sp["CommitmentDiscountStatus"] == "Unused", "EffectiveCost"].sum())
    out["savings_plan_utilisation"] = sp_used / (sp_used + sp_unused) if sp_used + sp_unused else None
    requests = world.business_metrics[(world.business_metrics["metric"] == "requests")
                                      & world.business_metrics["date"].map(lambda d: period.start <= d < period.end)]
    unit = {}
    for svc in SERVICES:
        svc_cost = rows.loc[rows["Tags"].fillna("").str.contains(f'"service": "{svc.name}"', regex=False),
                            "EffectiveCost"].sum()
        volume = requests.loc[requests["dimension"] == svc.name, "value"].sum()
        unit[svc.name] = float(svc_cost / (volume / 1000)) if volume else None
    out["unit_cost_per_1k_requests"] = unit
    corrections = cost[billed_in & (cost["ChargeClass"] == "Correction")]
    out["corrections"] = round(float(corrections["BilledCost"].sum()), 2)
    return out


def anomaly_truth(world: w.World) -> list[dict[str, Any]]:
    """Each planted cost anomaly with its window and exact EffectiveCost impact."""
    cost = world.cost
    day = cost["ChargePeriodStart"].dt.date
    out = []
    for anomaly in world.anomalies:
        start, end = date.fromisoformat(anomaly["start"]), date.fromisoformat(anomaly["end"])
        rows = cost[(cost["ProviderName"] == anomaly["provider"]) & (cost["ServiceName"] == anomaly["service_name"])
                    & (cost["RegionId"] == anomaly["region"]) & (day >= start) & (day <= end)
                    & cost["Tags"].fillna("").str.contains(f'"service": "{anomaly["company_service"]}"', regex=False)]
        impact = float((rows["EffectiveCost"] - rows["_expected"]).sum())
        out.append({**anomaly, "impact": round(impact, 2), "days": (end - start).days + 1})
    return out


def compute_truth(world: w.World, *, quarter: str = LATEST_QUARTER) -> dict[str, Any]:
    """Every planted and derived truth for the quarter and the one before it."""
    current = parse_period(quarter)
    previous = current.previous()
    return {
        "company": "Lumen Logistics",
        "seed": world.seed,
        "scale": world.scale,
        "quarter": current.label,
        "previous_quarter": previous.label,
        "data_window": {"start": world.start.isoformat(), "end_exclusive": w.END.isoformat()},
        "generated_from": "analytics.demo.world.generate — values computed by analytics.demo.truth in plain Python",
        "planted": {
            "sev1_mttr_p50_minutes": w.PLANTED_SEV1_MTTR_MIN,
            "change_failure_rate_target": w.PLANTED_CFR,
            "savings_plan_utilisation": w.PLANTED_SP_UTILISATION,
            "pipeline_pass_rate": {"before": w.PIPELINE_PASS_RATE, "from_2026Q3": w.PLANTED_PIPELINE_PASS_RATE_Q3},
            "restated_billing_period": {"provider": "AWS", "period": w.RESTATED_PERIOD.isoformat()},
            "correction": {"charge_day": "2026-07-15", "billing_period": "2026-09", "billed": -420.0},
            "annotation": {"anomaly": "A1", "deployment_id": "github:999001", "incident_title": "[search] oom kill"},
        },
        "definitions": DEFINITIONS,
        "teams": {t.name: t.timezone for t in TEAMS},
        "incidents": {current.label: incident_truth(world, current), previous.label: incident_truth(world, previous)},
        "delivery": {current.label: delivery_truth(world, current), previous.label: delivery_truth(world, previous)},
        "slo": {current.label: slo_truth(world, current), previous.label: slo_truth(world, previous)},
        "cost": {current.label: cost_truth(world, current), previous.label: cost_truth(world, previous)},
        "anomalies": anomaly_truth(world),
    }


def write_truth(truth: dict[str, Any], path: Any) -> None:
    """Write the truth file as sorted, indented JSON."""
    from pathlib import Path

    Path(path).write_text(json.dumps(truth, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")


__all__ = ["DEFINITIONS", "compute_truth", "write_truth"]
_ = (UTC, ZoneInfo)
