"""Seeded generator of the demo company's data in canonical-table shape.

:func:`generate` returns a :class:`World`: one DataFrame per canonical table, the cost rows of a
billing period as first delivered (AWS restates it later), and the planted cost anomalies.
Randomness comes from one NumPy generator per domain (``default_rng([seed, domain])``), so
changing one domain never shifts another, and the same seed always gives the same bytes.

What is planted (and checked by :mod:`analytics.demo.truth`):

* incidents with severities, acks, resolves, after-hours pages, recurring failure modes, noisy
  auto-resolving alerts, a handful still open at the end (right-censored), and in 2026Q3 a SEV1
  median time to resolve of exactly :data:`PLANTED_SEV1_MTTR_MIN` minutes;
* deployments with commit times; in 2026Q3 exactly :data:`PLANTED_CFR` of production deployments
  cause an incident (one of them causes two), each followed by a rework deployment;
* hourly SLI counts whose bad events rise during the incidents of the service;
* daily FOCUS cost for AWS, Google Cloud and Azure with tags (and an untagged share), a Savings
  Plan at :data:`PLANTED_SP_UTILISATION` utilisation, an all-upfront RDS reservation bought on
  2026-02-01, month-start support fees, tax, credits, a correction of a closed month, and AWS
  2026-08 delivered twice (the second delivery restates the first);
* four cost anomalies (:data:`ANOMALIES`) and realistic non-anomalies around them.

This module puts the world together and keeps the catalogue, business volumes and SLIs; each
domain's generator is its own module (``_world_delivery``, ``_world_incidents``, ``_world_cost``,
sharing ``_world_common``), and their public names are importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics.demo._world_common import domain_rng, growth_factor, window_days, window_start
from analytics.demo._world_cost import (
    ANOMALIES,
    PLANTED_SP_UTILISATION,
    RESTATED_PERIOD,
    SP_ID,
    budgets_frame,
    cost_rows,
)
from analytics.demo._world_delivery import (
    PIPELINE_PASS_RATE,
    PLANTED_PIPELINE_PASS_RATE_Q3,
    add_rework,
    delivery,
    pipeline_runs,
)
from analytics.demo._world_incidents import (
    ESCALATE_AFTER_MIN,
    PLANTED_CFR,
    PLANTED_SEV1_MTTR_MIN,
    SEVERITIES,
    incident_history,
)
from analytics.demo.company import (
    END,
    SERVICES,
    SLO_TARGETS,
    START,
    service,
    team,
)

# the domains' public names, importable from here as before the split
__all__ = [
    "ANOMALIES", "END", "ESCALATE_AFTER_MIN", "PIPELINE_PASS_RATE", "PLANTED_CFR", "PLANTED_PIPELINE_PASS_RATE_Q3",
    "PLANTED_SEV1_MTTR_MIN", "PLANTED_SP_UTILISATION", "RESTATED_PERIOD", "SEVERITIES", "SP_ID", "START", "World",
    "business_metrics", "cost_rows", "delivery", "generate", "incident_history", "services_frame", "sli_counts",
    "slos_frame", "window_start"
]


@dataclass
class World:
    """The generated company: canonical tables plus what the truth file needs."""

    seed: int
    scale: float
    services: pd.DataFrame
    incidents: pd.DataFrame
    incident_events: pd.DataFrame
    deployments: pd.DataFrame
    changes: pd.DataFrame
    slos: pd.DataFrame
    sli: pd.DataFrame
    business_metrics: pd.DataFrame
    budgets: pd.DataFrame
    cost: pd.DataFrame
    cost_first_delivery: pd.DataFrame
    pipeline_runs: pd.DataFrame
    anomalies: list[dict[str, Any]] = field(default_factory=list)
    start: date = START  # first day of the generated window (END is always the end)



def generate(seed: int = 7, scale: float = 1.0, *, months: int | None = None) -> World:
    """Generate the whole company for a seed; ``scale`` multiplies event and cost-row volumes and
    ``months`` keeps only the last months of the window (all 18 by default; fewer for fast tests)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    start = window_start(months)
    business = business_metrics(seed, start=start)
    deployments, changes = delivery(seed, scale, start=start)
    incidents, events = incident_history(seed, scale, deployments, start=start)
    deployments, changes = add_rework(seed, deployments, changes, incidents)
    cost, first = cost_rows(seed, scale, business, start=start)
    return World(
        seed=seed,
        scale=scale,
        services=services_frame(),
        incidents=incidents,
        incident_events=events,
        deployments=deployments,
        changes=changes,
        slos=slos_frame(),
        sli=sli_counts(seed, business, incidents, start=start),
        business_metrics=business,
        budgets=budgets_frame(seed, cost, start=start),
        cost=cost,
        cost_first_delivery=first,
        pipeline_runs=pipeline_runs(seed, changes),
        anomalies=[dict(a) for a in ANOMALIES],
        start=start,
    )


# -- catalogue ---------------------------------------------------------------------------------
def services_frame() -> pd.DataFrame:
    """The service catalogue."""
    return pd.DataFrame(
        [{"service": s.name, "team": s.team, "tier": s.tier, "owner": team(s.team).responders[0],
          "description": s.description} for s in SERVICES]
    )


def slos_frame() -> pd.DataFrame:
    """One availability SLO per customer-facing service, calendar-quarter windows."""
    rows = []
    for name, target in SLO_TARGETS.items():
        svc = service(name)
        rows.append({
            "slo": f"{name}-availability",
            "service": name,
            "display_name": f"{name} availability",
            "description": "Share of requests served without a 5xx error",
            "target": target,
            "budgeting_method": "Occurrences",
            "time_window": "1Q",
            "is_rolling": False,
            "journey": "critical" if svc.tier == "tier1" else None,
        })
    return pd.DataFrame(rows)


# -- business volumes --------------------------------------------------------------------------
def business_metrics(seed: int, *, start: date = START) -> pd.DataFrame:
    """Daily requests per service (weekly cycle, 2%/month growth) and active tenants."""
    rng = domain_rng(seed, 1)
    days = window_days(start)
    weekday = np.array([d.weekday() for d in days])
    weekly = np.where(weekday >= 5, 0.72, 1.0)
    growth = np.array([growth_factor(d, 0.02) for d in days])
    frames = []
    for svc in SERVICES:
        noise = np.exp(rng.normal(0, 0.03, len(days)))
        values = np.round(svc.requests_per_day * growth * weekly * noise)
        frames.append(pd.DataFrame({"date": days, "metric": "requests", "dimension": svc.name,
                                    "value": values, "unit": "requests"}))
    tenants = np.round(1200 * np.array([growth_factor(d, 0.015) for d in days]))
    frames.append(pd.DataFrame({"date": days, "metric": "active_tenants", "dimension": "",
                                "value": tenants, "unit": "tenants"}))
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).dt.date
    return out


# -- reliability signals -----------------------------------------------------------------------
def sli_counts(seed: int, business: pd.DataFrame, incidents: pd.DataFrame, *, start: date = START) -> pd.DataFrame:
    """Hourly good/total request counts per SLO; bad events rise during the service's incidents."""
    rng = domain_rng(seed, 4)
    hours = pd.date_range(pd.Timestamp(start, tz="UTC"), pd.Timestamp(END, tz="UTC"), freq="h", inclusive="left")
    diurnal = 0.55 + 0.9 * np.exp(-((hours.hour.to_numpy() - 14) % 24 - 0) ** 2 / 40.0)
    frames = []
    for name, target in SLO_TARGETS.items():
        daily = business[(business["metric"] == "requests") & (business["dimension"] == name)]
        per_day = pd.Series(daily["value"].to_numpy(), index=pd.to_datetime(daily["date"]).dt.tz_localize("UTC"))
        day_values = per_day.reindex(hours.floor("D")).to_numpy()
        total = np.maximum(1, np.round(day_values / 24 * diurnal / diurnal.mean())).astype(np.int64)
        base = 0.00025 if target >= 0.999 else 0.0018
        error_ratio = np.full(len(hours), base)
        mine = incidents[(incidents["service"] == name) & incidents["severity"].isin(["SEV1", "SEV2"])]
        row: Any  # a row of the frame
        for row in mine.itertuples(index=False):
            start = pd.Timestamp(row.created_at)
            end = pd.Timestamp(row.resolved_at) if row.resolved_at is not None and not pd.isna(row.resolved_at) \
                else pd.Timestamp(END, tz="UTC")
            impact = 0.22 if row.severity == "SEV1" else 0.035
            lo = hours.searchsorted(start.floor("h"))
            hi = hours.searchsorted(end, side="left")
            for h in range(int(lo), min(int(hi) + 1, len(hours))):
                h_start = hours[h]
                overlap = (min(end, h_start + pd.Timedelta(hours=1)) - max(start, h_start)).total_seconds() / 3600
                if overlap > 0:
                    error_ratio[h] += impact * overlap
        bad = rng.binomial(total, np.clip(error_ratio, 0, 1))
        frames.append(pd.DataFrame({
            "service": name, "slo": f"{name}-availability", "interval_start": hours,
            "interval_end": hours + pd.Timedelta(hours=1), "good": total - bad, "total": total,
        }))
    return pd.concat(frames, ignore_index=True)
