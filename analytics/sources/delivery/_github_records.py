"""What the GitHub delivery loaders read from one JSON object: which record it is (:func:`record_kind`), and
the readers of workflow runs, deployments and their statuses (also inside webhook payloads) and commits
(push payloads, compare results), each adding its rows to the :class:`Delivery` being read."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from analytics.sources.delivery._common import (
    RowError,
    as_bool,
    as_list,
    as_object,
    as_text,
    commit_sha,
    identifier,
    parse_instant,
    repo_from_api_url,
    required_text,
)

RUN_STATUSES = ("completed", "in_progress", "queued", "waiting", "requested", "pending", "action_required")
CONCLUSIONS: dict[str, str | None] = {
    "success": "success", "failure": "failure", "timed_out": "failure", "startup_failure": "failure",
    "cancelled": "cancelled", "skipped": None, "neutral": None, "action_required": None, "stale": None,
}
STATES = ("success", "failure", "error", "inactive", "in_progress", "queued", "pending")
REWORK_TASKS = ("deploy:hotfix", "deploy:rework", "deploy:rollback", "rollback", "hotfix")
MAX_TITLE = 2000
REPO_NAME = re.compile(r"[^/\s]+/[^/\s]+")
_ZERO_SHA = re.compile(r"^0+$")
_DEPLOYMENT_URL = re.compile(r"/deployments/(\d{1,19})/?$")


@dataclass(frozen=True)
class Settings:
    """Options of one load, validated."""

    zone: ZoneInfo | None
    production: list[str]
    service: str | None = None
    team: str | None = None
    repo: str | None = None
    environment: str = "production"
    workflow: re.Pattern[str] | None = None
    branch: str | None = None
    rework: re.Pattern[str] | None = None


@dataclass
class Delivery:
    """What the files of one delivery hold, keyed by source id (later copies win)."""

    runs: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    deployments: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    position: int = 0

    def next_position(self) -> int:
        """A running number that orders records by where they were read."""
        self.position += 1
        return self.position

    def keep(self, table: dict[str, tuple[tuple[Any, ...], dict[str, Any]]], key: str, rank: tuple[Any, ...],
             row: dict[str, Any], what: str) -> None:
        """Keep the copy of a record with the highest rank (latest attempt / update, then last read)."""
        if key in table:
            self.counts[f"duplicate_{what}_records"] += 1
            if table[key][0] >= rank:
                return
        table[key] = (rank, row)

# -- what an object is -------------------------------------------------------------------------
def record_kind(item: dict[str, Any]) -> str:
    """Which GitHub object a JSON object is, from its keys.

    >>> record_kind({"total_count": 1, "workflow_runs": []}), record_kind({"state": "success", "deployment_url": "u"})
    ('runs_page', 'status')
    """
    if "workflow_runs" in item:
        return "runs_page"
    if "workflow_run" in item:
        return "run_event"
    if "deployment_status" in item and "deployment" in item:
        return "status_event"
    if "deployment" in item and isinstance(item.get("deployment"), dict):
        return "deployment_event"
    if "state" in item and "deployment_url" in item:
        return "status"
    if "sha" in item and "environment" in item and ("statuses_url" in item or "task" in item
                                                    or "production_environment" in item):
        return "deployment"
    if "commits" in item and ("after" in item or ("ref" in item and "before" in item)):
        return "push"
    if "commits" in item and ("base_commit" in item or "merge_base_commit" in item or "ahead_by" in item):
        return "compare"
    if "head_sha" in item and "conclusion" in item and "status" in item:
        return "run"
    return "unknown"


ACTIONS_RECORDS = ("runs_page", "run_event", "run", "push", "compare")
DEPLOYMENTS_RECORDS = ("deployment", "status", "deployment_event", "status_event", "push", "compare")


# -- workflow runs -----------------------------------------------------------------------------
def _repo_name(value: Any, column: str) -> str | None:
    """``owner/name`` (the repository's full name) or None."""
    name = as_text(value, column, max_len=500)
    if name is not None and not REPO_NAME.fullmatch(name):
        raise RowError(column, f"{name[:60]!r} is not a repository full name (owner/name)")
    return name


def _repo_of(item: dict[str, Any], s: Settings, *, url_key: str = "url") -> str | None:
    if s.repo:
        return s.repo
    repository = as_object(item.get("repository"), "repository") or {}
    return _repo_name(repository.get("full_name"), "repository.full_name") or repo_from_api_url(
        item.get(url_key), url_key)


def _service_of(repo: str | None, s: Settings, named: str | None = None) -> str | None:
    return s.service or named or (repo.split("/", 1)[1] if repo else None)


def read_run(item: dict[str, Any], s: Settings, out: Delivery) -> None:
    """One workflow run → a pipeline run, and a deployment (plus its head commit) for deploy workflows."""
    run_id = identifier(item.get("id"), "id")
    repo = _repo_of(item, s)
    name = as_text(item.get("name"), "name", max_len=500)
    path = as_text(item.get("path"), "path", max_len=500)
    status = required_text(item.get("status"), "status", max_len=40).lower()
    if status not in RUN_STATUSES:
        raise RowError("status", f"run status {status!r} is not one of {', '.join(RUN_STATUSES)}")
    conclusion = as_text(item.get("conclusion"), "conclusion", max_len=40)
    conclusion = conclusion.lower() if conclusion else None
    if conclusion is not None and conclusion not in CONCLUSIONS:
        raise RowError("conclusion", f"conclusion {conclusion!r} is not one of {', '.join(CONCLUSIONS)}")
    if status == "completed" and conclusion is None:
        raise RowError("conclusion", "a completed run needs a conclusion")
    created = parse_instant(item.get("created_at"), "created_at", zone=s.zone, required=True)
    started = parse_instant(item.get("run_started_at"), "run_started_at", zone=s.zone, required=False) or created
    updated = parse_instant(item.get("updated_at"), "updated_at", zone=s.zone, required=status == "completed")
    attempt = item.get("run_attempt")
    if attempt is not None and (isinstance(attempt, bool) or not isinstance(attempt, int) or not 0 < attempt < 2**31):
        raise RowError("run_attempt", f"expected a positive whole number, got {str(attempt)[:40]!r}")
    head = commit_sha(item.get("head_sha"), "head_sha")
    branch = as_text(item.get("head_branch"), "head_branch", max_len=500)
    title = as_text(item.get("display_title"), "display_title", max_len=MAX_TITLE) or ""
    assert s.workflow is not None and s.rework is not None
    is_deploy = bool(s.workflow.search(name or "") or s.workflow.search(path or "")) and (
        s.branch is None or branch == s.branch)
    service = _service_of(repo, s)
    row = {
        "run_id": f"github-actions:{run_id}", "source": "github-actions", "source_id": run_id, "repo": repo,
        "service": service, "team": s.team, "workflow": name or path,
        "workflow_id": as_text(item.get("workflow_id"), "workflow_id", max_len=40),
        "event": as_text(item.get("event"), "event", max_len=100), "head_branch": branch, "head_sha": head,
        "run_attempt": attempt, "status": status, "conclusion": conclusion, "started_at": started,
        "finished_at": updated if status == "completed" else None, "is_deployment": is_deploy,
    }
    rank = (attempt or 0, updated or created, out.next_position())
    out.keep(out.runs, run_id, rank, row, "run")
    outcome = CONCLUSIONS.get(conclusion or "")
    if not is_deploy or status != "completed" or outcome is None:
        if is_deploy:
            out.counts["deploy_runs_not_deployments"] += 1
        return
    assert updated is not None
    words = f"{title} {branch or ''}"
    deployment = {
        "deployment_id": f"github-actions:{run_id}", "source": "github-actions", "source_id": run_id,
        "service": service, "team": s.team, "repo": repo, "environment": s.environment, "deployed_at": updated,
        "status": outcome, "commit_sha": head, "is_rework": bool(s.rework.search(words)),
        "is_rollback": bool(re.search(r"revert|rollback", words, re.IGNORECASE)),
    }
    out.keep(out.deployments, run_id, rank, deployment, "deployment")
    commit = as_object(item.get("head_commit"), "head_commit") or {}
    if commit:
        sha = commit_sha(commit.get("id"), "head_commit.id")
        when = parse_instant(commit.get("timestamp"), "head_commit.timestamp", zone=s.zone, required=True)
        out.changes.append(_change(repo, sha, when, head, s, out))



# -- deployments and statuses ------------------------------------------------------------------
def _payload(value: Any) -> dict[str, Any]:
    """A deployment payload: an object, or JSON text of one (GitHub returns either); else empty."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{") and len(value) < 100_000:
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _first_flag(payload: dict[str, Any], keys: tuple[str, ...]) -> bool:
    for key in keys:
        if key in payload:
            flag = as_bool(payload[key], f"payload.{key}")
            if flag is not None:
                return flag
    return False


def read_deployment(item: dict[str, Any], s: Settings, out: Delivery, *, repository: str | None = None) -> str:
    """One deployment object → a staged deployment (its outcome comes from its statuses later)."""
    deploy_id = identifier(item.get("id"), "id")
    sha = commit_sha(item.get("sha"), "sha")
    environment = required_text(item.get("environment"), "environment", max_len=200)
    repo = s.repo or repository or repo_from_api_url(item.get("repository_url"), "repository_url") \
        or repo_from_api_url(item.get("url"), "url")
    payload = _payload(item.get("payload"))
    task = (as_text(item.get("task"), "task", max_len=200) or "").lower()
    created = parse_instant(item.get("created_at"), "created_at", zone=s.zone, required=True)
    updated = parse_instant(item.get("updated_at"), "updated_at", zone=s.zone, required=False) or created
    service = _service_of(repo, s, as_text(payload.get("service"), "payload.service", max_len=500))
    row = {
        "deployment_id": f"github:{deploy_id}", "source": "github", "source_id": deploy_id, "service": service,
        "team": s.team or as_text(payload.get("team"), "payload.team", max_len=500), "repo": repo,
        "environment": environment, "created_at": created, "commit_sha": sha,
        "is_rework": _first_flag(payload, ("is_rework", "rework", "hotfix")) or task in REWORK_TASKS,
        "is_rollback": _first_flag(payload, ("is_rollback", "rollback")) or "rollback" in task,
    }
    out.keep(out.deployments, deploy_id, (updated, out.next_position()), row, "deployment")
    return deploy_id


def read_status(item: dict[str, Any], s: Settings, out: Delivery, *, deployment: str | None = None) -> None:
    """One deployment status (de-duplicated by status id: duplicated webhook deliveries count once)."""
    status_id = identifier(item.get("id"), "id")
    state = required_text(item.get("state"), "state", max_len=40).lower()
    if state not in STATES:
        raise RowError("state", f"deployment state {state!r} is not one of {', '.join(STATES)}")
    created = parse_instant(item.get("created_at"), "created_at", zone=s.zone, required=True)
    url = as_text(item.get("deployment_url"), "deployment_url", max_len=2000)
    match = _DEPLOYMENT_URL.search(url or "")
    parent = match.group(1).lstrip("0") if match else deployment
    if not parent:
        raise RowError("deployment_url", "cannot tell which deployment the status belongs to "
                                         "(expected …/deployments/{id})")
    if status_id in out.statuses:
        out.counts["duplicate_status_records"] += 1
    out.statuses[status_id] = {"deployment": parent, "state": state, "created_at": created, "id": int(status_id)}


def deployment_outcome(statuses: list[dict[str, Any]], created: datetime) -> tuple[str, datetime, str]:
    """(status, deployed_at, how) of a deployment from its statuses.

    >>> from datetime import UTC, datetime as dt
    >>> t = lambda h: dt(2026, 7, 1, h, tzinfo=UTC)
    >>> s = [{"state": "in_progress", "created_at": t(1), "id": 1}, {"state": "success", "created_at": t(2), "id": 2},
    ...      {"state": "inactive", "created_at": t(5), "id": 3}]
    >>> deployment_outcome(s, t(0))[:2] == ("success", t(2))
    True
    """
    ordered = sorted(statuses, key=lambda x: (x["created_at"], x["id"]))
    terminal = [x for x in ordered if x["state"] in ("success", "failure", "error")]
    if terminal:
        last = terminal[-1]
        return ("success" if last["state"] == "success" else "failure"), last["created_at"], "status"
    if ordered and all(x["state"] == "inactive" for x in ordered):
        return "success", created, "inactive_only"
    if ordered:
        return "in_progress", ordered[-1]["created_at"], "unfinished"
    return "in_progress", created, "no_statuses"


# -- commits -----------------------------------------------------------------------------------
def _change(repo: str | None, sha: str | None, when: datetime | None, head: str | None, s: Settings,
            out: Delivery) -> dict[str, Any]:
    assert sha is not None
    return {"change_id": f"github:{repo or ''}:{sha}", "source": "github", "repo": repo,
            "service": s.service, "team": s.team, "commit_sha": sha, "committed_at": when, "deployment_id": None,
            "head_sha": head, "__pos": out.next_position()}


def read_push(item: dict[str, Any], s: Settings, out: Delivery) -> None:
    """A push webhook payload: every commit, with ``after`` as the head it shipped with."""
    after = commit_sha(item.get("after"), "after", required=False)
    if after is None or _ZERO_SHA.match(after):
        out.counts["pushes_without_a_head"] += 1  # branch deletions
        return
    repo = _repo_of(item, s)
    seen = set()
    commits = as_list(item.get("commits"), "commits")
    head_commit = as_object(item.get("head_commit"), "head_commit") or {}
    for j, raw in enumerate([*commits, *([head_commit] if head_commit else [])]):
        where = f"commits[{j}]" if j < len(commits) else "head_commit"
        commit = as_object(raw, where) or {}
        sha = commit_sha(commit.get("id"), f"{where}.id")
        if sha in seen:
            continue
        seen.add(sha)
        when = parse_instant(commit.get("timestamp"), f"{where}.timestamp", zone=s.zone, required=True)
        out.changes.append(_change(repo, sha, when, after, s, out))


def read_compare(item: dict[str, Any], s: Settings, out: Delivery) -> None:
    """A compare file: every commit, with the last one as the head."""
    commits = as_list(item.get("commits"), "commits")
    if not commits:
        return
    repo = s.repo or repo_from_api_url(item.get("url"), "url")
    parsed = []
    for j, raw in enumerate(commits):
        commit = as_object(raw, f"commits[{j}]") or {}
        sha = commit_sha(commit.get("sha"), f"commits[{j}].sha")
        inner = as_object(commit.get("commit"), f"commits[{j}].commit") or {}
        committer = as_object(inner.get("committer"), f"commits[{j}].commit.committer") or {}
        author = as_object(inner.get("author"), f"commits[{j}].commit.author") or {}
        date = committer.get("date") if committer.get("date") is not None else author.get("date")
        parsed.append((sha, parse_instant(date, f"commits[{j}].commit.committer.date", zone=s.zone, required=True)))
    head = parsed[-1][0]
    for sha, when in parsed:
        out.changes.append(_change(repo, sha, when, head, s, out))


def _event_repo(item: dict[str, Any]) -> str | None:
    repository = as_object(item.get("repository"), "repository") or {}
    return _repo_name(repository.get("full_name"), "repository.full_name")


def read_deployment_record(item: dict[str, Any], s: Settings, out: Delivery) -> None:
    read_deployment(item, s, out)


def read_deployment_event(item: dict[str, Any], s: Settings, out: Delivery) -> None:
    read_deployment(as_object(item.get("deployment"), "deployment") or {}, s, out, repository=_event_repo(item))


def read_status_event(item: dict[str, Any], s: Settings, out: Delivery) -> None:
    deployment = as_object(item.get("deployment"), "deployment") or {}
    parent = read_deployment(deployment, s, out, repository=_event_repo(item))
    read_status(as_object(item.get("deployment_status"), "deployment_status") or {}, s, out, deployment=parent)
