"""The demo world's incidents: organic, noisy and deployment-caused ones with PagerDuty-style
timelines, the planted SEV1 median and change failure rate, and the last ones left open."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from analytics.demo._world_common import Q3_END, Q3_START, domain_rng, hex_id, local_to_utc
from analytics.demo.company import END, FAILURE_MODES, SERVICES, START, Service, service, team

PLANTED_SEV1_MTTR_MIN = 42.0
PLANTED_CFR = 0.12
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
SEVERITY_MIX = {
    "tier1": (0.07, 0.18, 0.40, 0.25, 0.10),
    "tier2": (0.03, 0.14, 0.43, 0.28, 0.12),
    "tier3": (0.01, 0.08, 0.41, 0.32, 0.18),
}
INCIDENTS_PER_WEEK = {"tier1": 0.9, "tier2": 0.7, "tier3": 0.5}
NOISE_PER_WEEK = {"tier1": 0.45, "tier2": 0.35, "tier3": 0.25}
TTR_MEDIAN_MIN = {"SEV1": 45, "SEV2": 95, "SEV3": 240, "SEV4": 600, "SEV5": 1200}
ESCALATE_AFTER_MIN = 15  # the escalation policy pages the backup after this many unacknowledged minutes
TTA_MEDIAN_MIN = {"SEV1": 3, "SEV2": 4, "SEV3": 8, "SEV4": 14, "SEV5": 20}


def _pd_id(number: int) -> str:
    """A PagerDuty-style id (``P`` + 6 upper-case characters)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    digest = int(hashlib.sha256(f"pd{number}".encode()).hexdigest(), 16)
    chars = []
    for _ in range(6):
        digest, r = divmod(digest, len(alphabet))
        chars.append(alphabet[r])
    return "P" + "".join(chars)


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
    return local_to_utc(day, minutes, tz)


def incident_history(seed: int, scale: float, deployments: pd.DataFrame, *,
                     start: date = START) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Incidents (organic, noisy and deployment-caused) and their PagerDuty-style timelines.

    Marks the failed deployments in ``deployments`` (adds rework deployments) as a side effect
    on the returned incident links; see :func:`_plant_failures`.
    """
    rng = domain_rng(seed, 3)
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
                            "fingerprint": f"{svc.name}/{mode}/{hex_id(seed, svc.name, len(organic), length=6)}"})
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

