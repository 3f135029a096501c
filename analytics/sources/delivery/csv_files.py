"""Generic delivery exports: kinds ``deployments-csv`` and ``changes-csv`` (CSV, or parquet / JSON
with the same columns), read through header-alias tables so that Jenkins, Argo CD, GitLab or
spreadsheet exports load without a mapping file.

``deployments-csv`` — one row per deployment (or per deployment event):

============== =========================================================================== ========
field          accepted headers (case, spaces and punctuation ignored)                      required
============== =========================================================================== ========
deployment id  deployment_id, deploy_id, deployment, id, run_id, build_id, release_id       yes
service        service, service_name, app, application, component, project                 column
environment    environment, env, stage, target, environment_name                           column
deployed_at    deployed_at, deployed, deploy_time, finished_at, completed_at, end_time, …  yes
status         status, state, result, outcome, conclusion                                  yes
commit sha     commit_sha, sha, commit, git_sha, revision, head_sha, commit_id             column
team           team, owner, owning_team                                                    no
repo           repo, repository, repo_name                                                 no
is_rollback    is_rollback, rollback                                                       no
is_rework      is_rework, rework, hotfix, unplanned                                        no
============== =========================================================================== ========

"column" means the header must exist but cells may be empty. Statuses map to success (success,
succeeded, ok, passed, deployed, completed, done), failure (failure, failed, error, broken),
cancelled (cancelled, canceled, aborted, stopped) or in_progress (in progress, running, pending,
queued, started). Timestamps are ISO 8601; values without an offset need ``--timezone``. Keys are
``<source>:<id>`` with ``--option source=NAME`` (default ``csv``). A deployment listed several times
(an event log: started, then succeeded) is de-duplicated by id before anything else: the row with
the latest ``deployed_at`` (then the last row) wins.

``changes-csv`` — one row per commit: commit sha and committed_at (required), repo, service, team,
and either the deployment id that shipped it (``deployment_id``, keyed with
``--option deployment_source=NAME``, default the same source) or the head commit of the deployment
that shipped it (``deployed_sha``); with neither, the commit itself is looked up as a deployment's
head commit. Keys are ``<source>:<repo>:<sha>``.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._tabular import ROW, reading
from analytics.sources.delivery._common import (
    Field,
    header_keys,
    label_key,
    link_and_write_changes,
    match_columns,
    option_text,
    production_names,
    source_label,
    source_zone,
    text_view,
    typed_select,
    upsert_staged,
)
from analytics.warehouse import run, run_quietly, scalar
from analytics.warehouse.ledger import LoadResult, LoadTransaction, fingerprint, run_load

VIEW = "__delivery_csv_src"
DEPLOYMENT_OPTIONS = ("source",)
CHANGE_OPTIONS = ("source", "deployment_source", "production")
STATUS_VALUES: dict[str, str] = {
    **dict.fromkeys(("success", "succeeded", "successful", "ok", "passed", "pass", "deployed", "complete",
                     "completed", "done"), "success"),
    **dict.fromkeys(("failure", "failed", "fail", "error", "errored", "broken"), "failure"),
    **dict.fromkeys(("cancelled", "canceled", "aborted", "stopped"), "cancelled"),
    **dict.fromkeys(("inprogress", "running", "pending", "queued", "started", "deploying"), "in_progress"),
}
DEPLOYMENT_FIELDS: tuple[Field, ...] = (
    Field("source_id", "text", ("deployment_id", "deploy_id", "deployment", "id", "run_id", "build_id", "release_id",
                                "pipeline_id"), required_column=True, required_value=True, max_len=200),
    Field("service", "text", ("service", "service_name", "app", "application", "component", "project"),
          required_column=True, max_len=500),
    Field("environment", "text", ("environment", "env", "stage", "target", "environment_name"),
          required_column=True, max_len=200),
    Field("deployed_at", "timestamp", ("deployed_at", "deployed", "deploy_time", "deployment_time", "finished_at",
                                       "completed_at", "end_time", "timestamp", "time", "date"),
          required_column=True, required_value=True),
    Field("status", "enum", ("status", "state", "result", "outcome", "conclusion"), required_column=True,
          required_value=True, values={label_key(k): v for k, v in STATUS_VALUES.items()}),
    Field("commit_sha", "sha", ("commit_sha", "sha", "commit", "git_sha", "revision", "head_sha", "commit_id"),
          required_column=True),
    Field("team", "text", ("team", "owner", "owning_team"), max_len=500),
    Field("repo", "text", ("repo", "repository", "repo_name"), max_len=500),
    Field("is_rollback", "bool", ("is_rollback", "rollback")),
    Field("is_rework", "bool", ("is_rework", "rework", "hotfix", "unplanned")),
)
CHANGE_FIELDS: tuple[Field, ...] = (
    Field("commit_sha", "sha", ("commit_sha", "sha", "commit", "commit_id", "revision", "git_sha"),
          required_column=True, required_value=True),
    Field("committed_at", "timestamp", ("committed_at", "commit_time", "committed", "commit_date", "authored_at",
                                        "author_date", "created_at", "timestamp", "time", "date"),
          required_column=True, required_value=True),
    Field("repo", "text", ("repo", "repository", "repo_name"), max_len=500),
    Field("service", "text", ("service", "service_name", "app", "application", "component", "project"), max_len=500),
    Field("team", "text", ("team", "owner", "owning_team"), max_len=500),
    Field("deployment", "text", ("deployment_id", "deploy_id", "deployment", "shipped_in", "release_id"),
          max_len=200),
    Field("head_sha", "sha", ("deployed_sha", "deploy_sha", "deployment_sha", "release_sha")),
)


def _read(con: duckdb.DuckDBPyConnection, file: Path, fields: tuple[Field, ...], options: LoadOptions,
          typed: str) -> int:
    """Text view → validated, typed temp table ``typed`` (with ``__row``); return the rows read."""
    present = text_view(con, file, VIEW)
    columns = match_columns(present, fields, file=file)
    sql, params = typed_select(con, VIEW, fields, columns, file=file, zone=source_zone(options))
    with reading(file):  # the text view is read lazily: bad bytes surface here
        run(con, f"CREATE TEMP TABLE {typed} AS {sql}", params)
    rows = int(scalar(con, f"SELECT count(*) FROM {typed}"))
    if rows == 0:
        raise ExportFormatError("the file holds no rows", file=file)
    return rows


def load_deployments_csv(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load a generic deployments table (see the module docstring for the accepted headers)."""
    source = source_label(options, default="csv")
    source_zone(options)  # a bad --timezone is a usage error before anything is read
    file = Path(path)
    delivered = fingerprint(file)

    def load(tx: LoadTransaction) -> None:
        typed, staged = f"__deploy_typed_{tx.file_id}", f"__deploy_csv_stage_{tx.file_id}"
        try:
            tx.rows_read = _read(con, file, DEPLOYMENT_FIELDS, options, typed)
            run(con, f"""
                CREATE TEMP TABLE {staged} AS
                SELECT $source || ':' || source_id AS deployment_id, $source AS source, source_id, service, team,
                       repo, environment, deployed_at, status, commit_sha,
                       coalesce(is_rollback, FALSE) AS is_rollback, coalesce(is_rework, FALSE) AS is_rework
                FROM {typed}
                QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY deployed_at DESC, {ROW} DESC) = 1
            """, {"source": source})
            kept = int(scalar(con, f"SELECT count(*) FROM {staged}"))
            if kept < tx.rows_read:
                tx.details["duplicate_deployment_rows"] = tx.rows_read - kept
            upsert_staged(tx, "deployments", staged, key=("deployment_id",))
            span = run(con, f"SELECT min(deployed_at), max(deployed_at) + INTERVAL 1 SECOND FROM {staged}")[0]
            tx.period_start, tx.period_end = span
        finally:
            run_quietly(con, f"DROP TABLE IF EXISTS {staged}")
            run_quietly(con, f"DROP TABLE IF EXISTS {typed}")
            run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")

    return [run_load(con, kind="deployments-csv", file=delivered, target_table="deployments", load=load,
                     options=options.as_record())]


def load_changes_csv(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load a generic commits table and link each commit to the deployment that first shipped it."""
    source = source_label(options, default="csv")
    deployment_source = option_text(options, "deployment_source") or source
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", deployment_source):
        raise UsageError(f"--option deployment_source must be a short lower-case name, got {deployment_source!r}")
    production = production_names(options)
    source_zone(options)
    file = Path(path)
    delivered = fingerprint(file)

    def load(tx: LoadTransaction) -> None:
        typed, staged = f"__change_typed_{tx.file_id}", f"__change_csv_stage_{tx.file_id}"
        try:
            tx.rows_read = _read(con, file, CHANGE_FIELDS, options, typed)
            run(con, f"""
                CREATE TEMP TABLE {staged} AS
                SELECT $source || ':' || coalesce(repo, '') || ':' || commit_sha AS change_id, $source AS source,
                       repo, service, team, commit_sha, committed_at,
                       CASE WHEN deployment IS NOT NULL THEN $deployment_source || ':' || deployment END
                           AS deployment_id,
                       coalesce(head_sha, commit_sha) AS head_sha, {ROW}::BIGINT AS __pos
                FROM {typed}
            """, {"source": source, "deployment_source": deployment_source})
            link_and_write_changes(tx, staged, production=production)
            span = run(con, f"SELECT min(committed_at), max(committed_at) + INTERVAL 1 SECOND FROM {staged}")[0]
            tx.period_start, tx.period_end = span
        finally:
            run_quietly(con, f"DROP TABLE IF EXISTS {staged}")
            run_quietly(con, f"DROP TABLE IF EXISTS {typed}")
            run_quietly(con, f"DROP VIEW IF EXISTS {VIEW}")

    return [run_load(con, kind="changes-csv", file=delivered, target_table="changes", load=load,
                     options=options.as_record())]


def _is_csv(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith((".csv", ".tsv", ".csv.gz"))


def _sniff_deployments(path: Path, head: bytes) -> bool:
    keys = header_keys(path, head) if _is_csv(path) else set()
    when = {"deployedat", "deploytime", "deploymenttime", "deployed", "finishedat", "completedat", "endtime"}
    what = {"commitsha", "sha", "commit", "gitsha", "revision", "headsha", "commitid", "deploymentid", "deployid"}
    return bool(keys & when) and bool(keys & what) and bool(keys & {"status", "state", "result", "outcome",
                                                                    "conclusion"})


def _sniff_changes(path: Path, head: bytes) -> bool:
    keys = header_keys(path, head) if _is_csv(path) else set()
    return bool(keys & {"committedat", "committime", "commitdate", "authoredat", "authordate"}) and bool(
        keys & {"commitsha", "sha", "commit", "commitid", "revision", "gitsha"}) and not (keys & {"deployedat"})


register(SourceKind("deployments-csv", "deployments",
                    "generic deployments CSV through a header-alias table (id, service, environment, deployed_at, "
                    "status, commit sha)", load_deployments_csv, sniff=_sniff_deployments,
                    options=DEPLOYMENT_OPTIONS))
register(SourceKind("changes-csv", "changes",
                    "generic commits CSV (commit sha, committed_at, deployment id or deployed sha) linked to the "
                    "deployment that first shipped each", load_changes_csv, sniff=_sniff_changes,
                    options=CHANGE_OPTIONS))
