"""GitHub delivery exports as saved from the REST API or webhooks: kinds ``github-actions`` and
``github-deployments``.

A delivery is one JSON file or a folder of them (read recursively, loaded as one ledger entry).
Each file holds one object or an array of objects; what an object is follows from its keys:

``github-actions`` (target ``deployments``, plus every run in ``pipeline_runs``)
    * a page of ``GET /repos/{owner}/{repo}/actions/runs`` (``{"total_count", "workflow_runs": […]}``)
      or a ``workflow_run`` webhook payload;
    * a run is a **deployment** when it is ``completed``, its workflow name or path matches
      ``--option workflow=REGEX`` (default ``deploy``, case-insensitive; fourkeys' rule) and, with
      ``--option branch=main``, it ran on that branch. Conclusion ``success`` → success;
      ``failure`` / ``timed_out`` / ``startup_failure`` → failure; ``cancelled`` → cancelled;
      ``skipped`` / ``neutral`` / ``action_required`` / ``stale`` deployed nothing and are left out.
      ``deployed_at`` is the run's ``updated_at`` (GitHub has no ``completed_at``); environment is
      ``--option environment`` (default ``production``); a title or branch matching
      ``--option rework=REGEX`` (default ``hotfix|revert|rollback``) marks rework, ``revert|rollback``
      a rollback;
    * the run's ``head_commit`` is a change (lead time from its ``timestamp``).

``github-deployments`` (target ``deployments``)
    * deployments (``GET /repos/{o}/{r}/deployments``: objects with ``sha``, ``environment``,
      ``production_environment`` …) and their statuses (``GET …/deployments/{id}/statuses``: objects
      with ``state`` and ``deployment_url``; a file may hold the statuses of many deployments), or
      ``deployment`` / ``deployment_status`` webhook payloads;
    * a deployment's outcome is its latest ``success`` / ``failure`` / ``error`` status (error counts
      as failure) and ``deployed_at`` is that status's ``created_at``; a deployment whose statuses
      are all ``inactive`` (superseded after succeeding) counts as success at its ``created_at``;
      only queued / pending / in_progress statuses (or none) give ``in_progress``;
    * ``payload.service`` / ``payload.team`` name the service and team (else the repository name
      and the catalogue); ``payload.is_rework`` / ``rework`` / ``hotfix``, ``payload.is_rollback`` /
      ``rollback`` and the tasks ``deploy:hotfix``, ``deploy:rework``, ``deploy:rollback`` mark rework
      and rollbacks.

Both kinds also read commits into ``changes``: ``push`` webhook payloads (``after`` is the head;
``commits[].timestamp``) and compare files (``GET /repos/{o}/{r}/compare/{base}...{head}``: the last
of ``commits`` is the head; ``commit.committer.date``). A change is linked to the earliest
successful production deployment (``--option production=production,prod``) of its head commit in
the same repository — "the deployment that first shipped it". Records are de-duplicated by source
id before anything is joined (duplicated webhook deliveries, overlapping pages: fourkeys #213):
the latest copy of a run / deployment and one copy of each status id count.

``--option service=…``, ``team=…``, ``repo=…`` override what the files say.

This module reads a delivery and loads it; the readers of each record are in ``_github_records``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources.delivery._common import (
    RowError,
    as_list,
    as_object,
    delivery_files,
    fingerprint_delivery,
    option_text,
    production_names,
    read_json,
    source_zone,
    stage,
    write_changes,
    write_deployments,
)
from analytics.sources.delivery._github_records import (
    ACTIONS_RECORDS,
    DEPLOYMENTS_RECORDS,
    REPO_NAME,
    Delivery,
    Settings,
    deployment_outcome,
    read_compare,
    read_deployment_event,
    read_deployment_record,
    read_push,
    read_run,
    read_status,
    read_status_event,
    record_kind,
)
from analytics.warehouse import run, run_quietly, scalar
from analytics.warehouse.ledger import LoadResult, LoadTransaction, run_load
from analytics.warehouse.schema import canonical_schema

ACTIONS_OPTIONS = ("workflow", "branch", "environment", "service", "team", "repo", "production", "rework")
DEPLOYMENTS_OPTIONS = ("service", "team", "repo", "production")
PIPELINE_SCHEMA: dict[str, pa.DataType] = canonical_schema("pipeline_runs")  # from the migration DDL


def _pattern(value: str | None, default: str, name: str) -> re.Pattern[str]:
    try:
        return re.compile(value or default, re.IGNORECASE)
    except re.error as exc:
        raise UsageError(f"--option {name} is not a valid regular expression: {exc}") from exc


def _settings(options: LoadOptions, known: tuple[str, ...]) -> Settings:
    def get(name: str) -> str | None:
        return option_text(options, name)

    repo = get("repo")
    if repo is not None and not REPO_NAME.fullmatch(repo):
        raise UsageError(f"--option repo must look like owner/name, got {repo!r}")
    actions = "workflow" in known
    return Settings(
        zone=source_zone(options), production=production_names(options),
        service=get("service"), team=get("team"), repo=repo,
        environment=(get("environment") or "production") if actions else "production",
        workflow=_pattern(get("workflow"), "deploy", "workflow") if actions else None,
        branch=get("branch") if actions else None,
        rework=_pattern(get("rework"), "hotfix|revert|rollback", "rework") if actions else None,
    )


# -- reading a delivery ------------------------------------------------------------------------
def _records(item: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    """The records inside one object (a page holds many runs)."""
    if kind == "runs_page":
        runs = as_list(item.get("workflow_runs"), "workflow_runs")
        return [("run", r) for r in runs]
    if kind == "run_event":
        return [("run", as_object(item.get("workflow_run"), "workflow_run") or {})]
    return [(kind, item)]


def read_delivery(files: list[Path], s: Settings, *, allowed: tuple[str, ...], kind_name: str) -> Delivery:
    """Parse every file of a delivery; problems name file, record number and field."""
    out = Delivery()
    other = "github-deployments" if kind_name == "github-actions" else "github-actions"
    handlers: dict[str, Callable[[dict[str, Any], Settings, Delivery], None]] = {
        "run": read_run, "deployment": read_deployment_record, "status": read_status, "push": read_push,
        "compare": read_compare, "deployment_event": read_deployment_event, "status_event": read_status_event,
    }
    for file in files:
        doc = read_json(file)
        items = doc if isinstance(doc, list) else [doc]
        record = 0
        for index, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise ExportFormatError(f"expected a JSON object, got {type(item).__name__}", file=file, row=index)
            kind = record_kind(item)
            if kind == "unknown":
                raise ExportFormatError("not a GitHub object this loader reads (expected workflow runs, deployments, "
                                        "deployment statuses, push payloads or compare results)", file=file, row=index)
            if kind not in allowed:
                raise ExportFormatError(f"this is a GitHub {kind.replace('_', ' ')}: load it with kind {other}",
                                        file=file, row=index)
            try:
                inner = _records(item, kind)
            except RowError as exc:
                raise ExportFormatError(exc.message, file=file, row=index, column=exc.column) from None
            for sub_kind, sub in inner:
                record += 1
                try:
                    if not isinstance(sub, dict):
                        raise RowError(None, f"expected a JSON object, got {type(sub).__name__}")
                    handlers[sub_kind](sub, s, out)
                except RowError as exc:
                    raise ExportFormatError(exc.message, file=file, row=record, column=exc.column) from None
                except RecursionError as exc:
                    raise ExportFormatError("the record nests values too deeply to read", file=file,
                                            row=record) from exc
        out.counts["records"] += record
    return out


def final_deployments(out: Delivery, *, file: Path) -> list[dict[str, Any]]:
    """Deployment rows with their outcome from the statuses (github-deployments)."""
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for status in out.statuses.values():
        by_parent.setdefault(status["deployment"], []).append(status)
    orphans = set(by_parent) - set(out.deployments)
    if orphans:
        out.counts["statuses_without_their_deployment"] = sum(len(by_parent[o]) for o in orphans)
    if out.deployments and not out.statuses:
        raise ExportFormatError("the delivery has deployments but no deployment statuses: a deployment's outcome "
                                "lives in GET /repos/{owner}/{repo}/deployments/{id}/statuses; save those next to "
                                "the deployments", file=file)
    rows = []
    for deploy_id, (_, staged) in sorted(out.deployments.items(), key=lambda kv: int(kv[0])):
        outcome, at, how = deployment_outcome(by_parent.get(deploy_id, []), staged["created_at"])
        if how != "status":
            out.counts[f"deployments_{how}"] += 1
        row = {k: v for k, v in staged.items() if k != "created_at"}
        rows.append({**row, "status": outcome, "deployed_at": at})
    return rows


# -- loading ------------------------------------------------------------------------------------
def _write_runs(tx: LoadTransaction, runs: list[dict[str, Any]]) -> None:
    """Upsert pipeline runs on run_id inside the load transaction (pipeline_runs is not a ledger table)."""
    if not runs:
        return
    con = tx.con
    staged_runs = f"__pipeline_stage_{tx.file_id}"
    stage(con, staged_runs, runs, PIPELINE_SCHEMA)
    try:
        replaced = int(scalar(con, f"SELECT count(*) FROM pipeline_runs WHERE run_id IN "
                                   f"(SELECT run_id FROM {staged_runs})"))
        run(con, f"DELETE FROM pipeline_runs WHERE run_id IN (SELECT run_id FROM {staged_runs})")
        run(con, f"INSERT INTO pipeline_runs BY NAME SELECT *, $f::BIGINT AS source_file_id FROM {staged_runs}",
            {"f": tx.file_id})
        tx.details["pipeline_runs"] = len(runs)
        tx.details["pipeline_runs_replaced"] = replaced
    finally:
        run_quietly(con, f"DROP TABLE IF EXISTS {staged_runs}")


def _load(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions, *, kind: str) -> list[LoadResult]:
    actions = kind == "github-actions"
    s = _settings(options, ACTIONS_OPTIONS if actions else DEPLOYMENTS_OPTIONS)
    root = Path(path)
    files = delivery_files(root, suffixes=(".json",))
    source = fingerprint_delivery(root, files)

    def load(tx: LoadTransaction) -> None:
        out = read_delivery(files, s, allowed=ACTIONS_RECORDS if actions else DEPLOYMENTS_RECORDS, kind_name=kind)
        if actions:
            deployments = [row for _, row in sorted(out.deployments.values(), key=lambda v: int(v[1]["source_id"]))]
        else:
            deployments = final_deployments(out, file=root)
        runs = [row for _, row in sorted(out.runs.values(), key=lambda v: int(v[1]["source_id"]))]
        if not deployments and not runs and not out.changes:
            raise ExportFormatError("the delivery holds no workflow runs, deployments or commits", file=root)
        tx.rows_read = out.counts["records"]
        write_deployments(tx, deployments)
        _write_runs(tx, runs)
        write_changes(tx, out.changes, production=s.production)
        times = [d["deployed_at"] for d in deployments] or [r["started_at"] for r in runs]
        if times:
            tx.period_start, tx.period_end = min(times), max(times) + timedelta(seconds=1)
        tx.details.update({k: v for k, v in sorted(out.counts.items()) if k != "records"})
        tx.details["deployments"] = len(deployments)

    return [run_load(con, kind=kind, file=source, target_table="deployments", load=load,
                     options=options.as_record())]


def load_github_actions(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load GitHub Actions workflow runs (deploy workflows → deployments; every run → pipeline_runs)."""
    return _load(con, path, options, kind="github-actions")


def load_github_deployments(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load GitHub deployments with their statuses (and commits) into deployments and changes."""
    return _load(con, path, options, kind="github-deployments")


def _heads(path: Path, head: bytes) -> list[bytes]:
    """First bytes of the file, or of up to 20 JSON files of a folder."""
    if path.is_file():
        return [head] if path.name.lower().endswith(".json") else []
    if not path.is_dir():
        return []
    out = []
    for file in sorted(path.rglob("*.json"))[:20]:
        with file.open("rb") as handle:
            out.append(handle.read(64 * 1024))
    return out


def _sniff_actions(path: Path, head: bytes) -> bool:
    return any(b'"workflow_runs"' in h or b'"workflow_run"' in h for h in _heads(path, head))


def _sniff_deployments(path: Path, head: bytes) -> bool:
    heads = _heads(path, head)
    if any(b'"workflow_runs"' in h or b'"workflow_run"' in h for h in heads):
        return False
    return any(b'"deployment_url"' in h or b'"deployment_status"' in h or b'"production_environment"' in h
               or b'"original_environment"' in h for h in heads)


register(SourceKind("github-actions", "deployments",
                    "GitHub Actions workflow runs JSON (deploy workflows -> deployments, all runs -> pipeline_runs)",
                    load_github_actions, sniff=_sniff_actions, options=ACTIONS_OPTIONS))
register(SourceKind("github-deployments", "deployments",
                    "GitHub deployments + deployment statuses JSON (+ push / compare commits -> changes)",
                    load_github_deployments, sniff=_sniff_deployments, options=DEPLOYMENTS_OPTIONS))
