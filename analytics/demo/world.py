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
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.demo.company import (
    CURRENCY,
    END,
    FAILURE_MODES,
    SERVICES,
    SLO_TARGETS,
    START,
    TEAMS,
    Service,
    service,
    team,
)

PLANTED_SEV1_MTTR_MIN = 42.0
PLANTED_CFR = 0.12
PLANTED_SP_UTILISATION = 0.92
# CI (build-and-test) pass rate per change: healthy until a flaky test suite lands in 2026Q3
PIPELINE_PASS_RATE = 0.965
PLANTED_PIPELINE_PASS_RATE_Q3 = 0.915
PIPELINE_FLAKY_FROM = date(2026, 7, 1)
Q3_START = date(2026, 7, 1)
Q3_END = date(2026, 10, 1)
RESTATED_PERIOD = date(2026, 8, 1)
RI_PURCHASED = date(2026, 2, 1)  # the all-upfront RDS reservation's purchase (and first covered) day
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
SEVERITY_MIX = {
    "tier1": (0.07, 0.18, 0.40, 0.25, 0.10),
    "tier2": (0.03, 0.14, 0.43, 0.28, 0.12),
    "tier3": (0.01, 0.08, 0.41, 0.32, 0.18),
}
INCIDENTS_PER_WEEK = {"tier1": 0.9, "tier2": 0.7, "tier3": 0.5}
NOISE_PER_WEEK = {"tier1": 0.45, "tier2": 0.35, "tier3": 0.25}
DEPLOYS_PER_DAY = {"tier1": 1.4, "tier2": 0.8, "tier3": 0.45}
TTR_MEDIAN_MIN = {"SEV1": 45, "SEV2": 95, "SEV3": 240, "SEV4": 600, "SEV5": 1200}
ESCALATE_AFTER_MIN = 15  # the escalation policy pages the backup after this many unacknowledged minutes
TTA_MEDIAN_MIN = {"SEV1": 3, "SEV2": 4, "SEV3": 8, "SEV4": 14, "SEV5": 20}

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


def _rng(seed: int, domain: int) -> np.random.Generator:
    """Independent random stream per domain."""
    return np.random.default_rng([seed, domain])


def window_start(months: int | None = None) -> date:
    """First day of the generated window: START, or the first of the month ``months`` months before END."""
    if months is None:
        return START
    if months < 1:
        raise ValueError("months must be at least 1")
    index = END.year * 12 + END.month - 1 - months
    return max(START, date(index // 12, index % 12 + 1, 1))


def _days(start: date = START) -> list[date]:
    """Every day of the demo window (``start`` to END)."""
    return [start + timedelta(days=i) for i in range((END - start).days)]


def _growth(day: date, per_month: float) -> float:
    """Compound monthly growth factor from START."""
    months = (day - START).days / 30.4375
    return float((1 + per_month) ** months)


def _hex_id(*parts: object, length: int = 12) -> str:
    """A stable pseudo-random hex id from its parts."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:length]


def _pd_id(number: int) -> str:
    """A PagerDuty-style id (``P`` + 6 upper-case characters)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    digest = int(hashlib.sha256(f"pd{number}".encode()).hexdigest(), 16)
    chars = []
    for _ in range(6):
        digest, r = divmod(digest, len(alphabet))
        chars.append(alphabet[r])
    return "P" + "".join(chars)


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


def pipeline_runs(seed: int, changes: pd.DataFrame) -> pd.DataFrame:
    """One CI run (workflow ``ci``) per pushed commit, started a few minutes after it.

    An own random stream (domain 8), so adding CI runs changed nothing else of the world. About 2 %
    of runs are cancelled (superseded by a newer push) and count for neither side of the rate.
    """
    rng = _rng(seed, 8)
    rows = []
    change: Any  # a row of the frame
    for n, change in enumerate(changes.sort_values("change_id", kind="stable").itertuples(index=False), start=1):
        started = pd.Timestamp(change.committed_at) + timedelta(minutes=float(rng.uniform(1, 6)))
        rate = PLANTED_PIPELINE_PASS_RATE_Q3 if started.date() >= PIPELINE_FLAKY_FROM else PIPELINE_PASS_RATE
        draw = rng.random()
        conclusion = "cancelled" if draw < 0.02 else ("success" if rng.random() < rate else
                                                      str(rng.choice(["failure", "failure", "timed_out"])))
        run_id = str(7_000_000 + n)
        rows.append({
            "run_id": f"github-actions:{run_id}", "source": "github-actions", "source_id": run_id,
            "repo": change.repo, "service": change.service, "team": change.team, "workflow": "ci",
            "event": "push", "head_branch": "main", "head_sha": change.commit_sha, "run_attempt": 1,
            "status": "completed", "conclusion": conclusion, "started_at": started.to_pydatetime(),
            "finished_at": (started + timedelta(minutes=float(rng.uniform(4, 18)))).to_pydatetime(),
            "is_deployment": False,
        })
    return pd.DataFrame(rows)


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
    rng = _rng(seed, 1)
    days = _days(start)
    weekday = np.array([d.weekday() for d in days])
    weekly = np.where(weekday >= 5, 0.72, 1.0)
    growth = np.array([_growth(d, 0.02) for d in days])
    frames = []
    for svc in SERVICES:
        noise = np.exp(rng.normal(0, 0.03, len(days)))
        values = np.round(svc.requests_per_day * growth * weekly * noise)
        frames.append(pd.DataFrame({"date": days, "metric": "requests", "dimension": svc.name,
                                    "value": values, "unit": "requests"}))
    tenants = np.round(1200 * np.array([_growth(d, 0.015) for d in days]))
    frames.append(pd.DataFrame({"date": days, "metric": "active_tenants", "dimension": "",
                                "value": tenants, "unit": "tenants"}))
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).dt.date
    return out


# -- delivery ----------------------------------------------------------------------------------
def _local_to_utc(day: date, minutes: float, tz: str) -> datetime:
    """A wall-clock time on ``day`` in ``tz`` as a UTC datetime (whole seconds)."""
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)) + timedelta(minutes=float(minutes))
    return local.astimezone(UTC).replace(microsecond=0)


def delivery(seed: int, scale: float, *, start: date = START) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Production deployments with their commits; failures are decided in incident_history."""
    rng = _rng(seed, 2)
    deployments, changes = [], []
    counter = 0
    for svc in SERVICES:
        tz = team(svc.team).timezone
        rate = DEPLOYS_PER_DAY[svc.tier] * scale
        for day in _days(start):
            if day.weekday() >= 5:
                continue
            for _ in range(int(rng.poisson(rate))):
                counter += 1
                deployed = _local_to_utc(day, rng.uniform(9 * 60, 17.5 * 60), tz)
                source_id = str(100000 + counter)
                sha = _hex_id("deploy", seed, counter, length=40)
                deployments.append({
                    "deployment_id": f"github:{source_id}", "source": "github", "source_id": source_id,
                    "service": svc.name, "team": svc.team, "repo": f"lumen/{svc.name}",
                    "environment": "production", "deployed_at": deployed, "status": "success",
                    "commit_sha": sha, "is_rollback": False, "is_rework": False,
                })
                for c in range(int(rng.integers(1, 5))):
                    lead_h = float(np.exp(rng.normal(np.log(18), 0.9)))
                    commit_sha = sha if c == 0 else _hex_id("commit", seed, counter, c, length=40)
                    committed = (deployed - timedelta(hours=lead_h)).replace(microsecond=0)
                    changes.append({
                        "change_id": f"github:lumen/{svc.name}:{commit_sha}", "source": "github",
                        "repo": f"lumen/{svc.name}", "service": svc.name, "team": svc.team,
                        "commit_sha": commit_sha, "committed_at": committed,
                        "deployment_id": f"github:{source_id}",
                    })
    # the deployment that precedes cost anomaly A1 (annotation must find it)
    planted = datetime(2026, 8, 12, 9, 30, tzinfo=UTC)
    deployments.append({
        "deployment_id": "github:999001", "source": "github", "source_id": "999001", "service": "search",
        "team": "discovery", "repo": "lumen/search", "environment": "production", "deployed_at": planted,
        "status": "success", "commit_sha": _hex_id("deploy", seed, "A1", length=40), "is_rollback": False,
        "is_rework": False,
    })
    changes.append({
        "change_id": f"github:lumen/search:{_hex_id('deploy', seed, 'A1', length=40)}", "source": "github",
        "repo": "lumen/search", "service": "search", "team": "discovery",
        "commit_sha": _hex_id("deploy", seed, "A1", length=40), "committed_at": planted - timedelta(hours=20),
        "deployment_id": "github:999001",
    })
    frame = pd.DataFrame(deployments).sort_values(["deployed_at", "deployment_id"], kind="stable")
    return frame.reset_index(drop=True), pd.DataFrame(changes)


def add_rework(seed: int, deployments: pd.DataFrame, changes: pd.DataFrame,
               incidents: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A rework (fix-forward) deployment when each deployment-caused incident is resolved."""
    rng = _rng(seed, 7)
    caused = incidents.dropna(subset=["deployment_id"]).sort_values("created_at").drop_duplicates("deployment_id")
    new_deploys, new_changes = [], []
    row: Any  # a row of the frame
    for k, row in enumerate(caused.itertuples(index=False), start=1):
        resolved = row.resolved_at
        if resolved is None or pd.isna(resolved):
            continue
        source_id = str(900000 + k)
        sha = _hex_id("rework", seed, k, length=40)
        at = pd.Timestamp(resolved).to_pydatetime().replace(microsecond=0)
        new_deploys.append({
            "deployment_id": f"github:{source_id}", "source": "github", "source_id": source_id,
            "service": row.service, "team": row.team, "repo": f"lumen/{row.service}", "environment": "production",
            "deployed_at": at, "status": "success", "commit_sha": sha, "is_rollback": bool(rng.random() < 0.4),
            "is_rework": True,
        })
        new_changes.append({
            "change_id": f"github:lumen/{row.service}:{sha}", "source": "github", "repo": f"lumen/{row.service}",
            "service": row.service, "team": row.team, "commit_sha": sha,
            "committed_at": at - timedelta(minutes=float(rng.uniform(8, 40))),
            "deployment_id": f"github:{source_id}",
        })
    deploys = pd.concat([deployments, pd.DataFrame(new_deploys)], ignore_index=True)
    deploys["deployed_at"] = pd.to_datetime(deploys["deployed_at"], utc=True)
    deploys = deploys.sort_values(["deployed_at", "deployment_id"], kind="stable").reset_index(drop=True)
    all_changes = pd.concat([changes, pd.DataFrame(new_changes)], ignore_index=True)
    all_changes["committed_at"] = pd.to_datetime(all_changes["committed_at"], utc=True).dt.floor("s")
    return deploys, all_changes.sort_values(["committed_at", "change_id"], kind="stable").reset_index(drop=True)


# -- incidents ---------------------------------------------------------------------------------
def _severity(rng: np.random.Generator, tier: str) -> str:
    return str(rng.choice(SEVERITIES, p=SEVERITY_MIX[tier]))


def _lognormal_minutes(rng: np.random.Generator, median: float, sigma: float = 0.8) -> float:
    return float(np.exp(rng.normal(np.log(median), sigma)))


def _random_moment(rng: np.random.Generator, day: date, tz: str, *, business_share: float = 0.6) -> datetime:
    """A moment on ``day``: business hours in the team's zone with the given probability."""
    if day.weekday() < 5 and rng.random() < business_share:
        minutes = rng.uniform(8 * 60, 18 * 60)
    else:
        minutes = rng.uniform(0, 24 * 60)
    return _local_to_utc(day, minutes, tz)


def incident_history(seed: int, scale: float, deployments: pd.DataFrame, *,
                     start: date = START) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Incidents (organic, noisy and deployment-caused) and their PagerDuty-style timelines.

    Marks the failed deployments in ``deployments`` (adds rework deployments) as a side effect
    on the returned incident links; see :func:`_plant_failures`.
    """
    rng = _rng(seed, 3)
    specs: list[dict[str, Any]] = []
    weeks = (END - start).days / 7
    for svc in SERVICES:
        tz = team(svc.team).timezone
        modes = [m for m in FAILURE_MODES[svc.name] if m != "bad-deploy"]
        n_real = int(rng.poisson(INCIDENTS_PER_WEEK[svc.tier] * weeks * scale))
        n_noise = int(rng.poisson(NOISE_PER_WEEK[svc.tier] * weeks * scale))
        organic: list[dict[str, Any]] = []
        for _ in range(n_real):
            day = start + timedelta(days=int(rng.integers(0, (END - start).days)))
            # the first mode of each service is its chronic one
            mode = modes[0] if rng.random() < 0.45 else str(rng.choice(modes))
            organic.append({"service": svc, "created": _random_moment(rng, day, tz), "mode": mode,
                            "severity": _severity(rng, svc.tier), "noise": False, "deployment": None,
                            "fingerprint": f"{svc.name}/{mode}/{_hex_id(seed, svc.name, len(organic), length=6)}"})
        organic.sort(key=lambda s: s["created"])
        # ~12% recur: the same problem (same fingerprint) comes back 1–25 days later
        for spec in [o for o in organic if rng.random() < 0.12]:
            again = spec["created"] + timedelta(days=float(rng.uniform(1, 25)))
            if again < datetime(END.year, END.month, END.day, tzinfo=UTC):
                organic.append({**spec, "created": again.replace(microsecond=0),
                                "severity": _severity(rng, svc.tier)})
        specs += organic
        alerts = [f"{svc.name}/flapping/{name}" for name in ("cpu-high", "disk-io", "5xx-burst", "latency-p99",
                                                             "pod-restarts", "queue-depth", "heartbeat")]
        for _ in range(n_noise):
            day = start + timedelta(days=int(rng.integers(0, (END - start).days)))
            specs.append({"service": svc, "created": _random_moment(rng, day, tz, business_share=0.3),
                          "mode": "flapping-alert", "severity": str(rng.choice(["SEV4", "SEV5"])),
                          "noise": True, "deployment": None, "fingerprint": str(rng.choice(alerts))})
    specs += _plant_failures(rng, deployments)
    specs += _plant_annotation_incident()
    specs.sort(key=lambda s: (s["created"], s["service"].name, s["mode"]))
    incidents, events = [], []
    for number, spec in enumerate(specs, start=1):
        inc, evs = _materialise(rng, number, spec)
        incidents.append(inc)
        events.extend(evs)
    frame = pd.DataFrame(incidents)
    frame = _plant_sev1_median(frame)
    frame = _leave_last_ones_open(frame)
    events_frame = _align_events(pd.DataFrame(events), frame)
    return frame, events_frame


def _plant_failures(rng: np.random.Generator, deployments: pd.DataFrame) -> list[dict[str, Any]]:
    """Choose failed deployments (exactly PLANTED_CFR of 2026Q3's) and make their incidents."""
    deployed = pd.to_datetime(deployments["deployed_at"], utc=True)
    in_q3 = (deployed >= pd.Timestamp(Q3_START, tz="UTC")) & (deployed < pd.Timestamp(Q3_END, tz="UTC"))
    chosen: list[int] = []
    q3_idx = np.flatnonzero(in_q3.to_numpy())
    # each failure brings a rework deployment into the denominator: f / (n + f) = target
    n_fail = round(PLANTED_CFR * len(q3_idx) / (1 - PLANTED_CFR))
    chosen += list(rng.choice(q3_idx, size=n_fail, replace=False))
    other = np.flatnonzero(~in_q3.to_numpy())
    chosen += list(other[rng.random(len(other)) < rng.uniform(0.08, 0.16)])
    specs = []
    for k, idx in enumerate(sorted(int(i) for i in chosen)):
        dep = deployments.iloc[idx]
        svc = service(dep["service"])
        created = (dep["deployed_at"] + timedelta(minutes=float(rng.uniform(4, 60)))).replace(microsecond=0)
        severity = str(rng.choice(["SEV1", "SEV2", "SEV3"], p=[0.2, 0.45, 0.35]))
        fingerprint = f"{svc.name}/bad-deploy/{dep['deployment_id']}"
        specs.append({"service": svc, "created": created, "mode": "bad-deploy", "severity": severity,
                      "noise": False, "deployment": dep["deployment_id"], "commit": dep["commit_sha"],
                      "fingerprint": fingerprint})
        if k % 9 == 4:  # a failed deployment reported twice (a second, linked incident)
            specs.append({"service": svc, "created": created + timedelta(minutes=7), "mode": "bad-deploy",
                          "severity": "SEV3", "noise": False, "deployment": dep["deployment_id"],
                          "commit": dep["commit_sha"], "fingerprint": fingerprint})
    return specs


def _plant_annotation_incident() -> list[dict[str, Any]]:
    """The search incident during cost anomaly A1 (the anomaly annotation must find it)."""
    return [{"service": service("search"), "created": datetime(2026, 8, 12, 14, 5, tzinfo=UTC),
             "mode": "oom-kill", "severity": "SEV3", "noise": False, "deployment": None,
             "fingerprint": "search/oom-kill/a1-reindex"}]


def _materialise(
    rng: np.random.Generator, number: int, spec: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One incident row and its events from a spec."""
    svc: Service = spec["service"]
    squad = team(svc.team)
    created: datetime = spec["created"]
    week = (created.date() - START).days // 7
    primary = squad.responders[week % len(squad.responders)]
    backup = squad.responders[(week + 1) % len(squad.responders)]
    severity = spec["severity"]
    noise = spec["noise"]
    if noise:
        ttr = float(rng.uniform(1.0, 4.5))
        tta = None
    else:
        ttr = max(6.0, _lognormal_minutes(rng, TTR_MEDIAN_MIN[severity]))
        tta = None if rng.random() < 0.04 else min(_lognormal_minutes(rng, TTA_MEDIAN_MIN[severity], 0.9), ttr * 0.8)
    acked = None if tta is None else (created + timedelta(minutes=tta)).replace(microsecond=0)
    resolved = (created + timedelta(minutes=ttr)).replace(microsecond=0)
    # the policy escalates 15 minutes after the trigger unless someone acknowledged by then; decided
    # on the stored (whole-second) ack time, so the row and its escalate entry always agree
    escalates_at = created + timedelta(minutes=ESCALATE_AFTER_MIN)
    escalated = not noise and (acked is None or acked > escalates_at)
    source_id = _pd_id(number)
    pretty = spec["mode"].replace("-", " ")
    responder = primary if not escalated else backup
    incident = {
        "incident_id": f"pagerduty:{source_id}",
        "source": "pagerduty",
        "source_id": source_id,
        "number": str(number),
        "title": f"[{svc.name}] {pretty}",
        "service": svc.name,
        "team": svc.team,
        "severity": severity,
        "severity_rank": int(severity[-1]),
        "severity_raw": None,
        "priority_raw": f"P{severity[-1]}",
        "urgency": "high" if severity in ("SEV1", "SEV2", "SEV3") else "low",
        "status": "resolved",
        "status_raw": "resolved",
        "created_at": created,
        "acknowledged_at": acked,
        "resolved_at": resolved,
        "is_major": severity == "SEV1",
        "auto_resolved": noise,
        "failure_mode": spec["mode"],
        "fingerprint": spec["fingerprint"],
        "change_id": spec.get("commit"),
        "deployment_id": spec["deployment"],
        "alert_count": int(rng.integers(3, 25)) if noise else int(rng.integers(1, 4)),
        "escalation_count": 1 if escalated else 0,
        "responders": [responder] if acked is not None else [],
    }
    channel = "phone" if severity in ("SEV1", "SEV2") else "push"
    events = [
        {"incident_id": incident["incident_id"], "event_at": created, "event_type": "trigger",
         "actor": f"{svc.name}-monitoring", "channel": "integration", "detail": None},
        {"incident_id": incident["incident_id"], "event_at": created, "event_type": "notify",
         "actor": primary, "channel": channel, "detail": None},
    ]
    if escalated:
        events += [
            {"incident_id": incident["incident_id"], "event_at": escalates_at, "event_type": "escalate",
             "actor": "escalation-policy", "channel": "api", "detail": f"to {backup}"},
            {"incident_id": incident["incident_id"], "event_at": escalates_at, "event_type": "notify",
             "actor": backup, "channel": channel, "detail": None},
        ]
    if acked is not None:
        events.append({"incident_id": incident["incident_id"], "event_at": acked, "event_type": "acknowledge",
                       "actor": responder, "channel": "mobile", "detail": None})
    events.append({"incident_id": incident["incident_id"], "event_at": resolved, "event_type": "resolve",
                   "actor": f"{svc.name}-monitoring" if noise else responder,
                   "channel": "integration" if noise else "web", "detail": None})
    return incident, events


def _plant_sev1_median(frame: pd.DataFrame) -> pd.DataFrame:
    """Make 2026Q3's median SEV1 time to resolve exactly PLANTED_SEV1_MTTR_MIN minutes."""
    created = pd.to_datetime(frame["created_at"], utc=True)
    mask = (frame["severity"] == "SEV1") & (created >= pd.Timestamp(Q3_START, tz="UTC")) & (
        created < pd.Timestamp(Q3_END, tz="UTC"))
    idx = frame.index[mask]
    if len(idx) == 0:
        return frame
    minutes = (pd.to_datetime(frame.loc[idx, "resolved_at"], utc=True) - created[idx]).dt.total_seconds() / 60
    order = minutes.sort_values(kind="stable").index
    n = len(order)
    cell: Any = frame.at  # frame.at, whose cells pandas-stubs types as any scalar
    middle = [order[n // 2]] if n % 2 else [order[n // 2 - 1], order[n // 2]]
    for i in middle:
        cell[i, "resolved_at"] = (cell[i, "created_at"] + timedelta(minutes=PLANTED_SEV1_MTTR_MIN))
        acked = cell[i, "acknowledged_at"]
        if acked is not None and not pd.isna(acked) and acked > cell[i, "resolved_at"]:
            cell[i, "acknowledged_at"] = cell[i, "created_at"] + timedelta(minutes=2)
    # keep the order: values below the middle stay below, above stay above
    below = order[: n // 2 - (0 if n % 2 else 1)]
    above = order[n // 2 + 1:]
    for i in below:
        limit = cell[i, "created_at"] + timedelta(minutes=PLANTED_SEV1_MTTR_MIN - 1)
        if cell[i, "resolved_at"] > limit:
            cell[i, "resolved_at"] = limit
    for i in above:
        floor = cell[i, "created_at"] + timedelta(minutes=PLANTED_SEV1_MTTR_MIN + 1)
        if cell[i, "resolved_at"] < floor:
            cell[i, "resolved_at"] = floor
    for i in idx:
        acked = cell[i, "acknowledged_at"]
        if acked is not None and not pd.isna(acked) and acked > cell[i, "resolved_at"]:
            cell[i, "acknowledged_at"] = cell[i, "resolved_at"]
    return frame


def _leave_last_ones_open(frame: pd.DataFrame) -> pd.DataFrame:
    """Incidents resolving after the export moment (END) are still open: right-censored."""
    cutoff = datetime(END.year, END.month, END.day, tzinfo=UTC)
    open_mask = pd.to_datetime(frame["resolved_at"], utc=True) >= pd.Timestamp(cutoff)
    frame.loc[open_mask, "resolved_at"] = None
    frame.loc[open_mask, "status"] = "acknowledged"
    frame.loc[open_mask, "status_raw"] = "acknowledged"
    acked = pd.to_datetime(frame["acknowledged_at"], utc=True)
    late_ack = open_mask & (acked >= pd.Timestamp(cutoff))
    frame.loc[late_ack, "acknowledged_at"] = None
    frame.loc[open_mask & frame["acknowledged_at"].isna(), "status"] = "triggered"
    frame.loc[open_mask & frame["acknowledged_at"].isna(), "status_raw"] = "triggered"
    return frame


def _align_events(events: pd.DataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """Make timelines agree with the (planted) incident rows and number them."""
    ack = incidents.set_index("incident_id")["acknowledged_at"]
    res = incidents.set_index("incident_id")["resolved_at"]
    keep = []
    row: Any  # a row of the frame
    for row in events.itertuples(index=False):
        if row.event_type == "acknowledge":
            at = ack.get(row.incident_id)
            if at is None or pd.isna(at):
                continue
            row = row._replace(event_at=at)
        elif row.event_type == "resolve":
            at = res.get(row.incident_id)
            if at is None or pd.isna(at):
                continue
            row = row._replace(event_at=at)
        keep.append(row._asdict())
    out = pd.DataFrame(keep)
    order = {"trigger": 0, "notify": 1, "escalate": 2, "acknowledge": 3, "resolve": 4}
    out["_o"] = out["event_type"].map(order)
    out = out.sort_values(["incident_id", "event_at", "_o", "actor"], kind="stable").drop(columns="_o")
    out["seq"] = out.groupby("incident_id").cumcount()
    return out.reset_index(drop=True)[["incident_id", "seq", "event_at", "event_type", "actor", "channel", "detail"]]


# -- reliability signals -----------------------------------------------------------------------
def sli_counts(seed: int, business: pd.DataFrame, incidents: pd.DataFrame, *, start: date = START) -> pd.DataFrame:
    """Hourly good/total request counts per SLO; bad events rise during the service's incidents."""
    rng = _rng(seed, 4)
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


# -- cost --------------------------------------------------------------------------------------
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
    rng = _rng(seed, 5)
    rows: list[dict[str, Any]] = []
    days = _days(start)
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
    slug = _hex_id(svc.name, service_name, region, r, length=17)
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
        "ContractedUnitPrice": list_unit, "SkuId": _hex_id(service_name, usage_type, length=10).upper(),
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
    rng = _rng(seed, 6)
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
