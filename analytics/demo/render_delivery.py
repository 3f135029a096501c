"""Write the demo company's deployments and commits as GitHub REST API / webhook JSON.

:func:`write_github_deployments` turns canonical ``deployments`` and ``changes`` frames into one
folder per repository, shaped as saved from the API, which the ``github-deployments`` loader reads
back into the same canonical rows:

* ``deployments.json`` — ``GET /repos/{owner}/{repo}/deployments`` (service, team, rework and
  rollback in ``payload``);
* ``deployment_statuses.json`` — the statuses of every deployment of the repository
  (``GET …/deployments/{id}/statuses``, concatenated): ``in_progress`` then ``success`` /
  ``failure`` at ``deployed_at``;
* ``pushes.json`` — one ``push`` webhook payload per deployment: its commits, with the deployed
  commit as ``after``.

Only deployment ids that are numeric (GitHub's) and statuses success, failure and in_progress can
be written; other rows raise ``ValueError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

API = "https://api.github.com"
BOT = {"login": "lumen-deploy-bot", "id": 41898282, "type": "Bot"}
_STATE = {"success": "success", "failure": "failure", "in_progress": "in_progress"}


def _iso(moment: Any) -> str:
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NA


def deployment_object(row: Mapping[str, Any]) -> dict[str, Any]:
    """One GitHub deployment object for a canonical deployment row."""
    repo = str(row["repo"])
    deploy_id = int(row["source_id"])
    deployed = pd.Timestamp(row["deployed_at"])
    payload: dict[str, Any] = {"service": row["service"], "team": row["team"] if _present(row["team"]) else None,
                               "is_rework": bool(row["is_rework"]), "is_rollback": bool(row["is_rollback"])}
    return {
        "url": f"{API}/repos/{repo}/deployments/{deploy_id}", "id": deploy_id, "node_id": f"DE_{deploy_id}",
        "sha": row["commit_sha"], "ref": "main", "task": "deploy", "payload": payload,
        "original_environment": row["environment"], "environment": row["environment"], "description": None,
        "creator": BOT, "created_at": _iso(deployed - timedelta(minutes=4)), "updated_at": _iso(deployed),
        "statuses_url": f"{API}/repos/{repo}/deployments/{deploy_id}/statuses",
        "repository_url": f"{API}/repos/{repo}", "transient_environment": False,
        "production_environment": row["environment"] == "production",
    }


def status_objects(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The statuses of one deployment: in_progress when it started, then its outcome at ``deployed_at``."""
    state = _STATE.get(str(row["status"]))
    if state is None:
        raise ValueError(f"cannot write deployment status {row['status']!r} as a GitHub deployment state")
    repo, deploy_id = str(row["repo"]), int(row["source_id"])
    deployed = pd.Timestamp(row["deployed_at"])
    base = {"creator": BOT, "description": None, "environment": row["environment"], "target_url": "",
            "deployment_url": f"{API}/repos/{repo}/deployments/{deploy_id}", "repository_url": f"{API}/repos/{repo}"}
    started = {**base, "id": deploy_id * 10 + 1, "state": "in_progress",
               "created_at": _iso(deployed - timedelta(minutes=3)), "updated_at": _iso(deployed - timedelta(minutes=3))}
    if state == "in_progress":
        return [started]
    return [started, {**base, "id": deploy_id * 10 + 2, "state": state, "created_at": _iso(deployed),
                      "updated_at": _iso(deployed)}]


def push_payload(row: Mapping[str, Any], commits: list[Mapping[str, Any]], *, before: str | None = None
                 ) -> dict[str, Any]:
    """A ``push`` webhook payload carrying a deployment's commits (change rows; the deployed commit is
    ``after``; ``before`` is the previously deployed commit, zeros for the first push)."""
    repo = str(row["repo"])
    owner, name = repo.split("/", 1)
    ordered = sorted(commits, key=lambda c: (pd.Timestamp(c["committed_at"]), str(c["commit_sha"])))
    entries = [{"id": c["commit_sha"], "tree_id": str(c["commit_sha"])[::-1], "distinct": True, "message": "change",
                "timestamp": _iso(c["committed_at"]), "author": {"name": "dev", "email": "dev@lumen.example"},
                "committer": {"name": "dev", "email": "dev@lumen.example"}} for c in ordered]
    head = next((e for e in entries if e["id"] == row["commit_sha"]), entries[-1] if entries else None)
    return {"ref": "refs/heads/main", "before": before or "0" * 40,
            "after": row["commit_sha"], "created": False, "deleted": False, "forced": False,
            "repository": {"full_name": repo, "name": name, "owner": {"login": owner}},
            "pusher": {"name": "dev"}, "head_commit": head, "commits": entries}


def github_deployment_files(deployments: pd.DataFrame, changes: pd.DataFrame) -> dict[str, Any]:
    """Relative path → JSON document, per repository (see the module docstring)."""
    files: dict[str, Any] = {}
    by_deployment: dict[str, list[Mapping[str, Any]]] = {}
    records: list[Any] = changes.to_dict("records")
    for change in records:
        if _present(change.get("deployment_id")):
            by_deployment.setdefault(str(change["deployment_id"]), []).append(change)
    for repo, group in deployments.groupby("repo", sort=True):
        ordered: list[dict[Any, Any]] = group.sort_values(["deployed_at", "deployment_id"], kind="stable").to_dict(
            "records")
        folder = str(repo).replace("/", "-")
        files[f"{folder}/deployments.json"] = [deployment_object(r) for r in reversed(ordered)]  # API: newest first
        files[f"{folder}/deployment_statuses.json"] = [s for r in ordered for s in status_objects(r)]
        previous = [None, *(r["commit_sha"] for r in ordered[:-1])]
        files[f"{folder}/pushes.json"] = [push_payload(r, by_deployment[r["deployment_id"]], before=b)
                                         for r, b in zip(ordered, previous, strict=True)
                                         if r["deployment_id"] in by_deployment]
    return files


def write_github_deployments(deployments: pd.DataFrame, changes: pd.DataFrame, folder: Path) -> Path:
    """Write :func:`github_deployment_files` under ``folder`` (for the ``github-deployments`` loader)."""
    for relative, document in github_deployment_files(deployments, changes).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document) + "\n", encoding="utf-8")
    return folder


__all__ = ["deployment_object", "github_deployment_files", "push_payload", "status_objects",
           "write_github_deployments"]
