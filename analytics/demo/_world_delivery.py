"""The demo world's delivery: production deployments with their commits, rework deployments after
deployment-caused incidents, and one CI run per pushed commit."""


from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from analytics.demo._world_common import domain_rng, hex_id, local_to_utc, window_days
from analytics.demo.company import SERVICES, START, team

# CI (build-and-test) pass rate per change: healthy until a flaky test suite lands in 2026Q3
PIPELINE_PASS_RATE = 0.965
PLANTED_PIPELINE_PASS_RATE_Q3 = 0.915
PIPELINE_FLAKY_FROM = date(2026, 7, 1)
DEPLOYS_PER_DAY = {"tier1": 1.4, "tier2": 0.8, "tier3": 0.45}


def delivery(seed: int, scale: float, *, start: date = START) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Production deployments with their commits; failures are decided in incident_history."""
    rng = domain_rng(seed, 2)
    deployments, changes = [], []
    counter = 0
    for svc in SERVICES:
        tz = team(svc.team).timezone
        rate = DEPLOYS_PER_DAY[svc.tier] * scale
        for day in window_days(start):
            if day.weekday() >= 5:
                continue
            for _ in range(int(rng.poisson(rate))):
                counter += 1
                deployed = local_to_utc(day, rng.uniform(9 * 60, 17.5 * 60), tz)
                source_id = str(100000 + counter)
                sha = hex_id("deploy", seed, counter, length=40)
                deployments.append({
                    "deployment_id": f"github:{source_id}", "source": "github", "source_id": source_id,
                    "service": svc.name, "team": svc.team, "repo": f"lumen/{svc.name}",
                    "environment": "production", "deployed_at": deployed, "status": "success",
                    "commit_sha": sha, "is_rollback": False, "is_rework": False,
                })
                for c in range(int(rng.integers(1, 5))):
                    lead_h = float(np.exp(rng.normal(np.log(18), 0.9)))
                    commit_sha = sha if c == 0 else hex_id("commit", seed, counter, c, length=40)
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
        "status": "success", "commit_sha": hex_id("deploy", seed, "A1", length=40), "is_rollback": False,
        "is_rework": False,
    })
    changes.append({
        "change_id": f"github:lumen/search:{hex_id('deploy', seed, 'A1', length=40)}", "source": "github",
        "repo": "lumen/search", "service": "search", "team": "discovery",
        "commit_sha": hex_id("deploy", seed, "A1", length=40), "committed_at": planted - timedelta(hours=20),
        "deployment_id": "github:999001",
    })
    frame = pd.DataFrame(deployments).sort_values(["deployed_at", "deployment_id"], kind="stable")
    return frame.reset_index(drop=True), pd.DataFrame(changes)


def add_rework(seed: int, deployments: pd.DataFrame, changes: pd.DataFrame,
               incidents: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A rework (fix-forward) deployment when each deployment-caused incident is resolved."""
    rng = domain_rng(seed, 7)
    caused = incidents.dropna(subset=["deployment_id"]).sort_values("created_at").drop_duplicates("deployment_id")
    new_deploys, new_changes = [], []
    row: Any  # a row of the frame
    for k, row in enumerate(caused.itertuples(index=False), start=1):
        resolved = row.resolved_at
        if resolved is None or pd.isna(resolved):
            continue
        source_id = str(900000 + k)
        sha = hex_id("rework", seed, k, length=40)
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


def pipeline_runs(seed: int, changes: pd.DataFrame) -> pd.DataFrame:
    """One CI run (workflow ``ci``) per pushed commit, started a few minutes after it.

    An own random stream (domain 8), so adding CI runs changed nothing else of the world. About 2 %
    of runs are cancelled (superseded by a newer push) and count for neither side of the rate.
    """
    rng = domain_rng(seed, 8)
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

