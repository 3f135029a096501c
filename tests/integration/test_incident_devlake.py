"""Real API payloads from Apache DevLake's raw tables (issue 13.11; tests/data/incidents/devlake) through
the existing loaders: PagerDuty incidents with embedded log entries (``pagerduty``), Opsgenie
incidents (``opsgenie``), Jira REST issues (``jira``); the Opsgenie teams / users tables and the Jira
changelog table are refused with the reason. Every expected number is computed here from the CSV
with ``csv`` + ``json`` (and the data README's facts are asserted as a check of that pass)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from analytics.errors import ExportFormatError
from analytics.sources import LoadOptions, ingest, sniff_kind
from analytics.warehouse import run
from tests.conftest import TEST_DATA

pytestmark = pytest.mark.integration
DEVLAKE = TEST_DATA / "incidents" / "devlake"
PAGERDUTY = DEVLAKE / "pagerduty" / "_raw_pagerduty_incidents.csv"
OPSGENIE = DEVLAKE / "opsgenie" / "_raw_opsgenie_incidents.csv"
JIRA = DEVLAKE / "jira" / "_raw_jira_api_issues.csv"
CHANGELOGS = DEVLAKE / "jira" / "_raw_jira_api_issue_changelogs.csv"


def payloads(path: Path) -> list[dict[str, Any]]:
    """The ``data`` objects of a raw table, in row order."""
    csv.field_size_limit(1 << 24)
    with path.open(newline="", encoding="utf-8") as handle:
        return [json.loads(row["data"]) for row in csv.DictReader(handle)]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def test_auto_names_the_loader_of_each_raw_table() -> None:
    kinds = {p.name: sniff_kind(p).name for p in sorted(DEVLAKE.rglob("*.csv"))}
    assert kinds == {
        "_raw_pagerduty_incidents.csv": "pagerduty", "_raw_opsgenie_incidents.csv": "opsgenie",
        "_raw_opsgenie_teams.csv": "opsgenie", "_raw_opsgenie_users.csv": "opsgenie",
        "_raw_jira_api_issues.csv": "jira", "_raw_jira_api_issue_changelogs.csv": "jira",
    }  # fmt: skip


def test_pagerduty_incidents_and_their_embedded_log_entries(con: duckdb.DuckDBPyConnection) -> None:
    incidents = payloads(PAGERDUTY)
    (result,) = ingest(con, "pagerduty", [str(PAGERDUTY)])
    assert result.rows_loaded == len(incidents) == 3
    entries = [e for i in incidents for e in i["log_entries"]]
    assert len(entries) == 44 and Counter(e["type"] for e in entries)["notify_log_entry"] == 15  # README facts
    got = {r[0]: r[1:] for r in run(con, "SELECT source_id, number, title, status, urgency, service, created_at, "
                                         "acknowledged_at, resolved_at, escalation_count FROM incidents")}  # fmt: skip
    status = {"triggered": "open", "acknowledged": "acknowledged", "resolved": "resolved"}
    for inc in incidents:
        acks = sorted(utc(e["created_at"]) for e in inc["log_entries"] if e["type"] == "acknowledge_log_entry")
        resolved = utc(inc["last_status_change_at"]) if inc["status"] == "resolved" else None
        escalations = sum(e["type"] == "escalate_log_entry" for e in inc["log_entries"])
        assert got[inc["id"]] == (
            str(inc["incident_number"]), inc["title"], status[inc["status"]], inc["urgency"],
            inc["service"]["summary"], utc(inc["created_at"]), acks[0] if acks else None, resolved, escalations,
        )  # fmt: skip
    events = run(con, "SELECT count(*), count(DISTINCT incident_id) FROM incident_events")
    assert events == [(len(entries), 3)]


def test_opsgenie_incidents(con: duckdb.DuckDBPyConnection) -> None:
    incidents = payloads(OPSGENIE)
    (result,) = ingest(con, "opsgenie", [str(OPSGENIE)])
    assert result.rows_loaded == len(incidents) == 2
    got = {r[0]: r[1:] for r in run(con, "SELECT source_id, number, title, status, severity, created_at, "
                                         "impact_started_at, resolved_at, service FROM incidents")}  # fmt: skip
    for inc in incidents:
        end = inc.get("impactEndDate")
        assert got[inc["id"]] == (
            inc["tinyId"], inc["message"], inc["status"], f"SEV{inc['priority'][1]}", utc(inc["createdAt"]),
            utc(inc["impactStartDate"]), utc(end) if end else None, inc["impactedServices"][0],
        )  # fmt: skip


@pytest.mark.parametrize("name", ["_raw_opsgenie_teams.csv", "_raw_opsgenie_users.csv"])
def test_opsgenie_teams_and_users_are_refused_with_the_reason(con: duckdb.DuckDBPyConnection, name: str) -> None:
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "opsgenie", [str(DEVLAKE / "opsgenie" / name)])
    assert (err.value.row, err.value.column) == (1, "url")
    assert "not incidents or alerts" in str(err.value) and name in str(err.value)
    assert run(con, "SELECT count(*) FROM ingest_ledger") == [(0,)]


def test_jira_rest_issues_load_filtered_by_issue_type(con: duckdb.DuckDBPyConnection) -> None:
    issues = payloads(JIRA)
    types = Counter(i["fields"]["issuetype"]["name"] for i in issues)
    assert len(issues) == 33 and types["子任务"] == 12 and types["缺陷"] == 1  # README facts
    with pytest.raises(ExportFormatError, match="none of the 33 Jira issues has an incident issue type") as err:
        ingest(con, "jira", [str(JIRA)])
    assert err.value.column == "fields.issuetype"
    wanted = {"缺陷", "story"}  # the bug and the two English stories, named as --option issue_types does
    (result,) = ingest(con, "jira", [str(JIRA)], LoadOptions(extra={"issue_types": "缺陷,Story"}))
    chosen = [i for i in issues if i["fields"]["issuetype"]["name"].casefold() in wanted]
    assert result.rows_loaded == len(chosen) == 3
    got = {r[0]: r[1:] for r in run(con, "SELECT source_id, number, title, created_at, resolved_at, status, "
                                         "priority_raw FROM incidents")}  # fmt: skip
    for issue in chosen:
        f = issue["fields"]

        def when(key: str, f: dict[str, Any] = f) -> datetime | None:
            text = f.get(key)
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC).replace(microsecond=0) \
                if text else None

        assert got[issue["id"]] == (issue["key"], f["summary"], when("created"), when("resolutiondate"),
                                    "resolved" if f.get("resolutiondate") else "open", f["priority"]["name"])
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    assert details["skipped_other_issue_types"] == 30 and details["devlake_rows"] == 33


def test_jira_changelogs_are_refused_with_the_reason(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "jira", [str(CHANGELOGS)])
    assert (err.value.row, err.value.column) == (1, "url") and "changelogs (histories, not issues)" in str(err.value)
