"""Delivery loaders on hand-made exports (tests/data/delivery): every canonical row written out,
de-duplication by source id, deployment outcomes from statuses, the change → deployment link,
pipeline runs, header aliases, time zones, idempotent reloads, and errors naming file, row, column."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, ingest, sniff_kind
from analytics.warehouse import CANONICAL_TABLES, run

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data" / "delivery"
SHA = {
    "a": "acb5820ced9479c074f688cc328bf03f341a511d", "b": "b1e2f3a4c5d6e7f8091a2b3c4d5e6f708192a3b4",
    "c": "c0ffee0123456789abcdef0123456789abcdef01", "d": "d00dfeed0123456789abcdef0123456789abcdef",
    "e": "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1",
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def state(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Row counts of every canonical table, pipeline runs, the ledger and the quarantine."""
    tables = (*CANONICAL_TABLES, "pipeline_runs", "ingest_ledger", "ingest_quarantine")
    return run(con, "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables))


def deployments(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    sql = ("SELECT deployment_id, service, team, repo, environment, deployed_at, status, commit_sha, is_rework, "
           "is_rollback FROM deployments ORDER BY 1")
    return {r[0]: r[1:] for r in run(con, sql)}


def changes(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in run(con, "SELECT commit_sha, change_id, service, team, committed_at, deployment_id "
                                          "FROM changes ORDER BY 1")}


def write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# -- GitHub Actions ----------------------------------------------------------------------------
def test_actions_runs_become_deployments_pipeline_runs_and_changes(con: duckdb.DuckDBPyConnection) -> None:
    result = ingest(con, "github-actions", [str(DATA / "actions")])[0]
    assert (result.status, result.rows_loaded, result.rows_read) == ("loaded", 4, 10)
    prod = ("checkout", None, "lumen/checkout", "production")
    assert deployments(con) == {
        "github-actions:30433642": (*prod, at("2026-07-01T10:07:00"), "success", SHA["a"], False, False),
        # the failed first attempt was re-run (attempt 2) and succeeded: the latest attempt wins
        "github-actions:30433644": (*prod, at("2026-07-01T15:08:00"), "success", SHA["b"], False, False),
        "github-actions:30433647": (*prod, at("2026-07-02T16:01:00"), "cancelled", SHA["d"], False, False),
        "github-actions:30433649": (*prod, at("2026-07-03T15:06:00"), "success", SHA["e"], True, True),
    }
    runs = run(con, "SELECT source_id, workflow, status, conclusion, run_attempt, is_deployment FROM pipeline_runs "
                    "ORDER BY 1")
    assert runs == [
        ("30433642", "Deploy to production", "completed", "success", 1, True),
        ("30433643", "CI", "completed", "failure", 1, False),
        ("30433644", "Deploy to production", "completed", "success", 2, True),
        ("30433645", "CI", "completed", "success", 1, False),
        ("30433646", "Deploy to production", "in_progress", None, 1, True),
        ("30433647", "Deploy to production", "completed", "cancelled", 1, True),
        ("30433648", "CI", "completed", "skipped", 1, False),
        ("30433649", "Deploy to production", "completed", "success", 1, True),
    ]
    # head commits: +02:00 offset converted; the cancelled run's commit shipped nowhere
    got = changes(con)
    assert got[SHA["a"]][3:] == (at("2026-07-01T06:30:00"), "github-actions:30433642")
    assert got[SHA["d"]][4] is None
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    assert details["duplicate_run_records"] == 2 and details["pipeline_runs"] == 8
    assert details["deploy_runs_not_deployments"] == 1


def test_actions_options_choose_the_deploy_workflow_branch_and_environment(con: duckdb.DuckDBPyConnection) -> None:
    options = LoadOptions(extra={"workflow": "^ci$", "branch": "main", "environment": "build", "team": "payments"})
    ingest(con, "github-actions", [str(DATA / "actions")], options)
    assert run(con, "SELECT source_id, environment, status, team FROM deployments ORDER BY 1") == [
        ("30433643", "build", "failure", "payments")]  # the CI run on a feature branch and the skipped one drop out
    with pytest.raises(UsageError, match="not a valid regular expression"):
        ingest(con, "github-actions", [str(DATA / "actions")], LoadOptions(extra={"workflow": "(unclosed"}))
    with pytest.raises(UsageError, match="unknown --option 'colour'"):
        ingest(con, "github-actions", [str(DATA / "actions")], LoadOptions(extra={"colour": "red"}))


def test_a_rerun_delivered_later_replaces_the_run(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    ingest(con, "github-actions", [str(DATA / "actions" / "runs-page-1.json")])
    assert run(con, "SELECT status FROM deployments WHERE source_id = '30433644'") == [("failure",)]
    again = ingest(con, "github-actions", [str(DATA / "actions" / "runs-page-1.json")])[0]
    assert again.status == "unchanged"
    later = ingest(con, "github-actions", [str(DATA / "actions" / "runs-page-2.json")])[0]
    assert later.rows_updated >= 1
    assert run(con, "SELECT d.status, p.run_attempt FROM deployments AS d JOIN pipeline_runs AS p "
                    "ON run_id = deployment_id WHERE d.source_id = '30433644'") == [("success", 2)]
    assert run(con, "SELECT count(*) FROM pipeline_runs") == [(8,)]


# -- GitHub deployments ------------------------------------------------------------------------
def test_deployments_statuses_pushes_and_compares(con: duckdb.DuckDBPyConnection) -> None:
    result = ingest(con, "github-deployments", [str(DATA / "deployments")])[0]
    assert result.rows_loaded == 5
    repo = "lumen/checkout"
    assert deployments(con) == {
        "github:501": ("checkout", None, repo, "staging", at("2026-07-01T09:05:00"), "success", SHA["a"], False, False),
        # success then inactive (superseded by the next deployment): still success, at the success status
        "github:502": ("checkout", "payments", repo, "production", at("2026-07-01T10:06:00"), "success", SHA["a"],
                       False, False),
        "github:503": ("checkout", None, repo, "production", at("2026-07-02T10:04:00"), "failure", SHA["b"], False,
                       False),  # an error status is a failure
        "github:504": ("checkout", None, repo, "production", at("2026-07-03T15:05:00"), "success", SHA["e"], True,
                       True),  # payload.is_rework and task deploy:rollback
        "github:505": ("checkout", None, repo, "production", at("2026-07-04T11:05:00"), "success", SHA["c"], False,
                       False),  # from a webhook delivered twice
    }
    got = changes(con)
    assert {sha: (c[0], c[3], c[4]) for sha, c in got.items()} == {
        # the push's commits ship with 502: 501 has the same commit but went to staging
        "aaaa000011112222333344445555666677778888": (f"github:{repo}:aaaa000011112222333344445555666677778888",
                                                     at("2026-06-30T16:00:00"), "github:502"),
        SHA["a"]: (f"github:{repo}:{SHA['a']}", at("2026-07-01T08:00:00"), "github:502"),
        # compare: the last commit is the head; committer dates
        "fade0000111122223333444455556666777788ff": (f"github:{repo}:fade0000111122223333444455556666777788ff",
                                                     at("2026-07-03T13:30:00"), "github:504"),
        SHA["e"]: (f"github:{repo}:{SHA['e']}", at("2026-07-03T14:40:00"), "github:504"),
    }
    assert got[SHA["a"]][1:3] == ("checkout", "payments")  # service and team from the linked deployment
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    assert details["duplicate_status_records"] == 1 and details["duplicate_deployment_records"] == 1
    assert details["pushes_without_a_head"] == 1


def test_a_duplicated_webhook_does_not_duplicate_anything(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    event = json.loads((DATA / "deployments" / "webhook-events.json").read_text())[0]
    folder = tmp_path / "hooks"
    write(folder / "delivery-1.json", event)
    write(folder / "delivery-2.json", event)
    write(folder / "both.json", [event, event])
    ingest(con, "github-deployments", [str(folder)])
    assert run(con, "SELECT count(*), count(DISTINCT deployment_id) FROM deployments") == [(1, 1)]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([("in_progress", "10:01"), ("success", "10:05"), ("inactive", "12:00")], ("success", "10:05")),
        ([("success", "10:05"), ("failure", "10:09")], ("failure", "10:09")),
        ([("inactive", "12:00")], ("success", "10:00")),
        ([("queued", "10:01"), ("in_progress", "10:02")], ("in_progress", "10:02")),
    ],
)
def test_deployment_outcome_from_statuses(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                          states: list[tuple[str, str]], expected: tuple[str, str]) -> None:
    deployment = {"id": 7, "sha": SHA["a"], "environment": "production", "task": "deploy",
                  "created_at": "2026-07-01T10:00:00Z", "repository_url": "https://api.github.com/repos/o/r"}
    statuses = [{"id": i + 1, "state": s, "created_at": f"2026-07-01T{t}:00Z",
                 "deployment_url": "https://api.github.com/repos/o/r/deployments/7"} for i, (s, t) in enumerate(states)]
    write(tmp_path / "d" / "deployments.json", [deployment])
    write(tmp_path / "d" / "statuses.json", statuses)
    ingest(con, "github-deployments", [str(tmp_path / "d")])
    status, deployed_at = run(con, "SELECT status, deployed_at FROM deployments")[0]
    assert (status, deployed_at) == (expected[0], at(f"2026-07-01T{expected[1]}:00"))


def test_deployments_without_any_status_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    before = state(con)
    with pytest.raises(ExportFormatError, match="no deployment statuses"):
        ingest(con, "github-deployments", [str(DATA / "deployments" / "deployments.json")])
    assert state(con) == before


def test_a_change_keeps_the_earliest_production_deployment(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    ingest(con, "github-deployments", [str(DATA / "deployments")])
    # a later delivery ships the same commit again (a re-deploy): the change stays with 502
    redeploy = {"id": 600, "sha": SHA["a"], "environment": "production", "task": "deploy",
                "created_at": "2026-07-09T10:00:00Z", "repository_url": "https://api.github.com/repos/lumen/checkout"}
    status = {"id": 6001, "state": "success", "created_at": "2026-07-09T10:05:00Z",
              "deployment_url": "https://api.github.com/repos/lumen/checkout/deployments/600"}
    push = json.loads((DATA / "deployments" / "pushes.json").read_text())[0]
    write(tmp_path / "later" / "d.json", [redeploy, status, push])
    ingest(con, "github-deployments", [str(tmp_path / "later")])
    assert changes(con)[SHA["a"]][4] == "github:502"


def test_kinds_refuse_each_others_files(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ExportFormatError, match="load it with kind github-actions"):
        ingest(con, "github-deployments", [str(DATA / "actions" / "runs-page-1.json")])
    with pytest.raises(ExportFormatError, match="load it with kind github-deployments"):
        ingest(con, "github-actions", [str(DATA / "deployments" / "statuses.json")])


@pytest.mark.parametrize(
    ("mutate", "row", "column", "message"),
    [
        (lambda d: d[1].update(sha="not-a-sha"), 2, "sha", "not a git commit sha"),
        (lambda d: d[0].update(created_at="2026-07-01T10:00:00"), 1, "created_at", "no UTC offset"),
        (lambda d: d[3].update(id="12x"), 4, "id", "positive numeric id"),
        (lambda d: d[2].update(payload={"is_rework": "perhaps"}), 3, "payload.is_rework", "true or false"),
        (lambda d: d[2].update(environment=["production"]), 3, "environment", "expected text"),
        (lambda d: d.append(["not", "an", "object"]), 5, None, "expected a JSON object"),
    ],
)
def test_errors_name_file_row_and_column(con: duckdb.DuckDBPyConnection, tmp_path: Path, mutate: Any, row: int,
                                         column: str | None, message: str) -> None:
    folder = tmp_path / "delivery"
    shutil.copytree(DATA / "deployments", folder)
    doc = json.loads((folder / "deployments.json").read_text())
    mutate(doc)
    write(folder / "deployments.json", doc)
    before = state(con)
    with pytest.raises(ExportFormatError) as caught:
        ingest(con, "github-deployments", [str(folder)])
    error = caught.value
    assert (Path(error.file or "").name, error.row, error.column) == ("deployments.json", row, column)
    assert message in str(error) and "\n" not in str(error)
    assert state(con) == before


def test_offset_less_times_load_with_a_time_zone(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    folder = tmp_path / "delivery"
    shutil.copytree(DATA / "deployments", folder)
    doc = json.loads((folder / "statuses.json").read_text())
    doc[3]["created_at"] = "2026-07-01T12:06:00"  # 502's success, Berlin wall clock
    write(folder / "statuses.json", doc)
    ingest(con, "github-deployments", [str(folder)], LoadOptions(timezone="Europe/Berlin"))
    assert run(con, "SELECT deployed_at FROM deployments WHERE source_id = '502'") == [(at("2026-07-01T10:06:00"),)]
    with pytest.raises(UsageError, match="unknown time zone"):
        ingest(con, "github-deployments", [str(folder)], LoadOptions(timezone="Mars/Olympus"))


# -- generic CSV -------------------------------------------------------------------------------
def test_deployments_csv_through_the_alias_table(con: duckdb.DuckDBPyConnection) -> None:
    result = ingest(con, "deployments-csv", [str(DATA / "deployments.csv")])[0]
    assert (result.rows_read, result.rows_loaded) == (6, 5)
    repo = "lumen/checkout"
    assert deployments(con) == {
        "csv:1041": ("checkout", "payments", repo, "production", at("2026-07-01T10:06:00"), "success", SHA["a"],
                     False, False),
        "csv:1042": ("checkout", "payments", repo, "staging", at("2026-07-01T11:00:00"), "success", SHA["b"], False,
                     False),
        # listed twice (RUNNING, then Failed): the latest row wins
        "csv:1043": ("checkout", "payments", repo, "production", at("2026-07-02T10:09:00"), "failure", SHA["b"],
                     False, False),
        "csv:1044": ("checkout", "payments", repo, "production", at("2026-07-03T15:05:00"), "success", SHA["e"],
                     True, True),
        "csv:1045": ("payments-api", "payments", "lumen/payments-api", "production", at("2026-07-03T09:00:00"),
                     "success", None, False, False),
    }


def test_changes_csv_links_by_id_by_deployed_sha_or_by_the_commit(con: duckdb.DuckDBPyConnection) -> None:
    ingest(con, "deployments-csv", [str(DATA / "deployments.csv")], LoadOptions(extra={"source": "jenkins"}))
    ingest(con, "changes-csv", [str(DATA / "changes.csv")],
           LoadOptions(extra={"source": "git", "deployment_source": "jenkins"}))
    got = {sha: c[4] for sha, c in changes(con).items()}
    assert got == {
        "aaaa000011112222333344445555666677778888": "jenkins:1041",  # named
        SHA["a"]: "jenkins:1041",  # its own commit was deployed
        "fade0000111122223333444455556666777788ff": "jenkins:1044",  # through deployed_sha
        SHA["e"]: "jenkins:1044",
        "9999999999999999999999999999999999999999": None,
    }
    assert run(con, "SELECT change_id FROM changes WHERE commit_sha LIKE 'fade%'") == [
        ("git:lumen/checkout:fade0000111122223333444455556666777788ff",)]


@pytest.mark.parametrize(
    ("line", "column", "message", "options"),
    [
        ("1,checkout,production,2026-07-01 10:06:00+00:00,exploded,acb5820,t,r,false,false", "Result",
         "is not a known value", {}),
        ("1,checkout,production,2026-07-01 10:06:00,ok,acb5820,t,r,false,false", "Finished At", "no UTC offset", {}),
        ("1,checkout,production,01/07/2026 10:06,ok,acb5820,t,r,false,false", "Finished At", "ISO 8601", {}),
        ("1,checkout,production,2026-07-01T10:06:00Z,ok,zzz,t,r,false,false", "Git SHA", "git commit sha", {}),
        ("1,checkout,production,2026-07-01T10:06:00Z,ok,acb5820,t,r,sometimes,false", "Rollback", "true or false", {}),
        (",checkout,production,2026-07-01T10:06:00Z,ok,acb5820,t,r,false,false", "Deployment ID", "required", {}),
    ],
)
def test_csv_errors_name_the_row_and_header(con: duckdb.DuckDBPyConnection, tmp_path: Path, line: str, column: str,
                                            message: str, options: dict[str, str]) -> None:
    header = (DATA / "deployments.csv").read_text().splitlines()[0]
    good = "9,checkout,production,2026-07-01T09:00:00Z,ok,acb5820,t,r,false,false"
    path = tmp_path / "deploys.csv"
    path.write_text(f"{header}\n{good}\n{line}\n", encoding="utf-8")
    before = state(con)
    with pytest.raises(ExportFormatError) as caught:
        ingest(con, "deployments-csv", [str(path)], LoadOptions(extra=options))
    assert (caught.value.row, caught.value.column) == (2, column)
    assert message in str(caught.value)
    assert state(con) == before


def test_csv_needs_the_main_columns_and_a_time_zone_for_local_times(con: duckdb.DuckDBPyConnection,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("id,service,deployed_at,status,sha\n1,a,2026-07-01 10:00,ok,abcdef1\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match="environment") as caught:
        ingest(con, "deployments-csv", [str(path)])
    assert caught.value.column == "environment"
    path.write_text("id,service,env,deployed_at,status,sha\n1,a,prod,2026-07-01 10:00,ok,abcdef1\n", encoding="utf-8")
    ingest(con, "deployments-csv", [str(path)], LoadOptions(timezone="America/New_York"))
    assert run(con, "SELECT deployed_at FROM deployments") == [(at("2026-07-01T14:00:00"),)]
    with pytest.raises(UsageError, match="source must be a short lower-case name"):
        ingest(con, "deployments-csv", [str(path)], LoadOptions(extra={"source": "Jenkins CI"}))


def test_auto_detection_tells_the_kinds_apart() -> None:
    expected = {
        DATA / "actions": "github-actions", DATA / "actions" / "runs-page-2.json": "github-actions",
        DATA / "deployments": "github-deployments", DATA / "deployments" / "statuses.json": "github-deployments",
        DATA / "deployments" / "webhook-events.json": "github-deployments",
        DATA / "deployments.csv": "deployments-csv", DATA / "changes.csv": "changes-csv",
    }
    assert {path: sniff_kind(path).name for path in expected} == expected
