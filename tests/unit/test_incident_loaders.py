"""Incident loaders on seeded generated exports: every field against the generator's truth,
idempotent upserts with the ledger's counts, timelines replaced, time zones, severity tables and
overrides, quarantine, and errors that name file, row and column."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, ingest, sniff_kind
from analytics.warehouse import CANONICAL_TABLES, run
from tests.unit.test_incident_generators import (
    incidentio_csv,
    incidentio_incidents,
    jira_csv,
    jira_minute,
    opsgenie_alerts,
    opsgenie_csv,
    pagerduty_analytics,
    pagerduty_csv,
    pagerduty_rest,
    servicenow_table,
    truth,
    write_json,
)

pytestmark = pytest.mark.unit


def state(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Row counts of every canonical table, the ledger and the quarantine."""
    counts = ", ".join(f"(SELECT count(*) FROM {t})" for t in (*CANONICAL_TABLES, "ingest_ledger", "ingest_quarantine"))
    return run(con, f"SELECT {counts}")


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def by_id(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, dict[str, Any]]:
    return {r["source_id"]: r for r in rows(con, "SELECT * FROM incidents WHERE source = $s", {"s": source})}


def pd_folder(path: Path, records: list[dict[str, Any]]) -> Path:
    page, log = pagerduty_rest(records)
    write_json(path / "incidents-0001.json", page)
    write_json(path / "log_entries-0001.json", log)
    return path


# -- PagerDuty REST -----------------------------------------------------------------------------
def test_pagerduty_rest_matches_the_truth(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = truth(1, 60)
    result = ingest(con, "pagerduty", [str(pd_folder(tmp_path / "pd", records))])[0]
    assert (result.kind, result.rows_read, result.rows_loaded, result.rows_updated) == ("pagerduty", 60, 60, 0)
    loaded = by_id(con, "pagerduty")
    for r in records:
        got = loaded[r["id"]]
        assert got["incident_id"] == f"pagerduty:{r['id']}"
        assert got["created_at"] == r["created"]
        assert got["acknowledged_at"] == r["acked"], "ack time = earliest acknowledge_log_entry"
        assert got["resolved_at"] == r["resolved"]
        assert (got["severity"], got["severity_rank"], got["priority_raw"]) == (
            f"SEV{r['priority']}", r["priority"], f"P{r['priority']}")
        assert got["status"] == ("resolved" if r["resolved"] else "acknowledged" if r["acked"] else "open")
        assert got["escalation_count"] == r["escalations"]
        assert got["auto_resolved"] == r["auto_resolved"]
        assert sorted(got["responders"]) == sorted(r["responders"])
        assert (got["service"], got["team"], got["fingerprint"]) == (r["service"], r["team"], r["fingerprint"])
        assert (got["failure_mode"], got["is_major"], got["alert_count"]) == (r["failure_mode"], r["major"],
                                                                               r["alerts"])
        assert json.loads(got["raw"])["id"] == r["id"]
    events = run(con, "SELECT count(*), count(*) FILTER (WHERE event_type = 'notify'), min(seq) FROM incident_events")
    assert events == [(sum(2 + r["escalations"] + len(r["responders"]) + bool(r["resolved"]) for r in records), 60, 0)]
    first = run(con, "SELECT event_type FROM incident_events WHERE seq = 0 GROUP BY ALL")
    assert first == [("trigger",)], "timelines are ordered oldest first even though the API lists newest first"


def test_reloading_is_a_no_op_and_an_overlapping_export_updates(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = truth(2, 40)
    first = pd_folder(tmp_path / "first", records)
    ingest(con, "pagerduty", [str(first)])
    again = ingest(con, "pagerduty", [str(first)])[0]
    assert again.status == "unchanged"
    events_before = run(con, "SELECT count(*) FROM incident_events")[0][0]
    # the next export overlaps: the last 20 again (now all resolved) plus 10 new ones
    later = [dict(r, resolved=r["resolved"] or r["created"] + timedelta(hours=5)) for r in records[20:]]
    later += truth(3, 10)
    second = ingest(con, "pagerduty", [str(pd_folder(tmp_path / "second", later))])[0]
    assert (second.rows_loaded, second.rows_updated) == (30, 20)
    assert run(con, "SELECT count(*), count(DISTINCT incident_id) FROM incidents") == [(50, 50)]
    assert run(con, "SELECT rows_updated, status FROM ingest_ledger ORDER BY file_id") == [
        (0, "partially_superseded"), (20, "loaded")]
    assert run(con, "SELECT count(*) FROM incidents WHERE resolved_at IS NULL AND source_file_id = 2") == [(0,)]
    per_incident = run(con, "SELECT max(n) FROM (SELECT count(*) FILTER (WHERE event_type = 'trigger') AS n "
                            "FROM incident_events GROUP BY incident_id)")
    assert per_incident == [(1,)], "timelines are replaced, never appended"
    assert run(con, "SELECT count(*) FROM incident_events")[0][0] > events_before


def test_a_page_without_log_entries_keeps_the_known_ack_time(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = truth(4, 10, open_share=0)
    ingest(con, "pagerduty", [str(pd_folder(tmp_path / "pd", records))])
    page, _ = pagerduty_rest(records)
    page["incidents"][0]["title"] = "renamed"
    ingest(con, "pagerduty", [str(write_json(tmp_path / "again.json", page))])
    got = by_id(con, "pagerduty")
    assert got[records[0]["id"]]["title"] == "renamed"
    assert all(got[r["id"]]["acknowledged_at"] == r["acked"] for r in records)
    assert run(con, "SELECT count(*) FROM incident_events") != [(0,)]


def test_timelines_are_replaced_only_where_the_delivery_has_entries(con: duckdb.DuckDBPyConnection,
                                                                    tmp_path: Path) -> None:
    records = truth(18, 10, open_share=0)
    ingest(con, "pagerduty", [str(pd_folder(tmp_path / "first", records))])
    before = dict(run(con, "SELECT incident_id, count(*) FROM incident_events GROUP BY 1"))
    page, log = pagerduty_rest(records)
    first_five = {r["id"] for r in records[:5]}
    log["log_entries"] = [e for e in log["log_entries"] if e["incident"]["id"] in first_five
                          and e["type"] != "notify_log_entry"]
    write_json(tmp_path / "second" / "incidents.json", page)
    write_json(tmp_path / "second" / "log_entries.json", log)
    ingest(con, "pagerduty", [str(tmp_path / "second")])
    after = dict(run(con, "SELECT incident_id, count(*) FROM incident_events GROUP BY 1"))
    for r in records:
        key = f"pagerduty:{r['id']}"
        assert after[key] == (before[key] - 1 if r["id"] in first_five else before[key])


def test_auto_resolved_follows_the_last_resolve_entry_of_the_timeline(con: duckdb.DuckDBPyConnection,
                                                                       tmp_path: Path) -> None:
    """Resolve entries at the same second: the one delivered later is later in the timeline (seq)
    and decides auto_resolved, on every run (arg_max over equal times used to pick either)."""
    incidents, entries = [], []
    for i in range(300):
        agents = [{"type": "service_reference", "summary": "monitor"}, {"type": "user_reference", "summary": "ana"}]
        if i % 2:
            agents.reverse()
        incidents.append({"id": f"T{i}", "created_at": "2026-07-01T10:00:00Z", "status": "resolved",
                          "resolved_at": "2026-07-01T11:00:00Z"})
        entries += [{"id": f"T{i}R{k}", "type": "resolve_log_entry", "created_at": "2026-07-01T11:00:00Z",
                     "incident": {"id": f"T{i}"}, "agent": agent} for k, agent in enumerate(agents)]
    path = write_json(tmp_path / "ties.json", {"incidents": incidents, "log_entries": entries})
    ingest(con, "pagerduty", [str(path)])
    got = dict(run(con, "SELECT source_id, auto_resolved FROM incidents"))
    assert got == {f"T{i}": i % 2 == 1 for i in range(300)}
    last = dict(run(con, "SELECT incident_id, arg_max(actor, seq) FROM incident_events GROUP BY 1"))
    assert all((last[f"pagerduty:T{i}"] == "monitor") == (i % 2 == 1) for i in range(300))


def test_pagerduty_priority_urgency_and_severity_override(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = truth(5, 6)
    page, _ = pagerduty_rest(records)
    page["incidents"][0]["priority"] = None
    page["incidents"][0]["urgency"] = "low"
    page["incidents"][1]["priority"] = {"summary": "Sev Zero"}
    path = write_json(tmp_path / "p.json", page)
    with pytest.raises(ExportFormatError, match=r"row 2, column 'priority': unknown pagerduty severity 'Sev Zero'"):
        ingest(con, "pagerduty", [str(path)])
    mapping = tmp_path / "sev.yaml"
    mapping.write_text("pagerduty:\n  Sev Zero: SEV1\n  urgency low: 5\nservicenow:\n  '1': SEV2\n")
    ingest(con, "pagerduty", [str(path)], LoadOptions(severity_map=mapping))
    got = by_id(con, "pagerduty")
    assert got[records[0]["id"]]["severity"] == "SEV5"
    assert (got[records[1]["id"]]["severity"], got[records[1]["id"]]["priority_raw"]) == ("SEV1", "Sev Zero")


# -- PagerDuty Analytics ------------------------------------------------------------------------
def test_analytics_json_needs_the_request_time_zone(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = truth(6, 30)
    path = write_json(tmp_path / "raw_incidents.json", pagerduty_analytics(records, "America/New_York"))
    before = state(con)
    with pytest.raises(ExportFormatError, match=r"row 1, column 'created_at': .*no UTC offset.*--timezone.*"
                                                r"America/New_York"):
        ingest(con, "pagerduty-analytics", [str(path)])
    with pytest.raises(UsageError, match="export says time_zone 'America/New_York' but --timezone is 'UTC'"):
        ingest(con, "pagerduty-analytics", [str(path)], LoadOptions(timezone="UTC"))
    assert state(con) == before
    ingest(con, "auto", [str(path)], LoadOptions(timezone="America/New_York"))
    loaded = by_id(con, "pagerduty")
    for r in records:
        got = loaded[r["id"]]
        assert got["created_at"] == r["created"].replace(microsecond=0)
        assert got["resolved_at"] == r["resolved"]
        assert got["acknowledged_at"] == r["acked"]
        to_ack = None if r["acked"] is None else (r["acked"] - r["created"]).total_seconds()
        assert got["seconds_to_first_ack"] == to_ack
        total, business, off, sleep = r["interruptions"]
        assert (got["interruptions_total"], got["interruptions_business"], got["interruptions_off_hours"],
                got["interruptions_sleep"]) == (total, business, off, sleep)
        assert (got["engaged_seconds"], got["is_major"], got["auto_resolved"]) == (r["engaged"], r["major"],
                                                                                   r["auto_resolved"])
        assert got["responders"] == r["responders"]


def test_ui_csv_goes_through_the_alias_table(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = truth(7, 25)
    path = tmp_path / "incidents.csv"
    text = pagerduty_csv(records, "Europe/Berlin")
    # drop the Team column: missing columns are tolerated
    lines = [",".join(c for i, c in enumerate(line.split(",")) if i != 7) for line in text.splitlines()]
    assert all(r["title"].count(",") == 0 for r in records)
    path.write_text("\n".join(lines) + "\n")
    assert sniff_kind(path).name == "pagerduty-analytics"
    ingest(con, "pagerduty-analytics", [str(path)], LoadOptions(timezone="Europe/Berlin"))
    loaded = by_id(con, "pagerduty")
    for r in records:
        got = loaded[r["id"]]
        assert got["created_at"] == r["created"]
        assert got["team"] is None
        assert got["acknowledged_at"] == (None if r["acked"] is None else r["created"] + timedelta(
            seconds=int((r["acked"] - r["created"]).total_seconds())))
        assert got["responders"] == r["responders"]
        assert json.loads(got["raw"])["extra_columns"] == {"Some New Column": "x"}


# -- Opsgenie -----------------------------------------------------------------------------------
def test_opsgenie_alerts_with_millisecond_reports(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = truth(8, 30)
    path = write_json(tmp_path / "alerts.json", opsgenie_alerts(records))
    assert sniff_kind(path).name == "opsgenie"
    with pytest.raises(ExportFormatError, match=r"column 'report.closeTime': .*is the unit right"):
        ingest(con, "opsgenie", [str(path)], LoadOptions(extra={"ack_unit": "s"}))
    ingest(con, "opsgenie", [str(path)])
    loaded = {r["number"]: r for r in rows(con, "SELECT * FROM incidents")}
    for r in records:
        got = loaded[str(r["number"])]
        assert got["created_at"] == r["created"]
        assert got["acknowledged_at"] == r["acked"]
        assert got["resolved_at"] == r["resolved"]
        assert (got["fingerprint"], got["service"], got["team"], got["alert_count"]) == (
            r["fingerprint"], r["service"], r["team"], r["alerts"])
        assert got["severity"] == f"SEV{r['priority']}"
        assert got["status"] == ("resolved" if r["resolved"] else "acknowledged" if r["acked"] else "open")
        if r["resolved"]:
            assert got["auto_resolved"] == r["auto_resolved"]


def test_opsgenie_alert_csv(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = truth(16, 20)
    path = tmp_path / "alerts.csv"
    path.write_text(opsgenie_csv(records))
    assert sniff_kind(path).name == "opsgenie"
    ingest(con, "opsgenie", [str(path)])
    loaded = {r["number"]: r for r in rows(con, "SELECT * FROM incidents")}
    for r in records:
        got = loaded[str(r["number"])]
        assert (got["created_at"], got["acknowledged_at"], got["resolved_at"]) == (
            r["created"].replace(microsecond=0), r["acked"], r["resolved"])
        assert (got["service"], got["team"], got["fingerprint"], got["severity"]) == (
            r["service"], r["team"], r["fingerprint"], f"SEV{r['priority']}")
        assert got["auto_resolved"] == (r["auto_resolved"] if r["resolved"] else None)


def test_incidentio_dashboard_csv(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = truth(17, 20)
    path = tmp_path / "incidents.csv"
    path.write_text(incidentio_csv(records))
    assert sniff_kind(path).name == "incidentio"
    ingest(con, "incidentio", [str(path)])
    loaded = {r["number"]: r for r in rows(con, "SELECT * FROM incidents")}
    for r in records:
        got = loaded[f"INC-{r['number']}"]
        assert (got["created_at"], got["acknowledged_at"], got["resolved_at"]) == (
            r["created"].replace(microsecond=0), r["acked"], r["resolved"])
        assert (got["service"], got["team"], got["failure_mode"]) == (r["service"], r["team"], r["failure_mode"])
        assert (got["severity"], got["status"]) == (f"SEV{r['priority']}",
                                                    "closed" if r["resolved"] else "acknowledged")
        assert got["responders"] == r["responders"][:1]


# -- Jira ---------------------------------------------------------------------------------------
def test_jira_csv_collapses_repeated_columns_and_needs_a_time_zone(con: duckdb.DuckDBPyConnection,
                                                                   tmp_path: Path) -> None:
    records = truth(9, 30)
    path = tmp_path / "jira.csv"
    path.write_bytes(jira_csv(records, "Asia/Kolkata"))
    assert sniff_kind(path).name == "jira"
    with pytest.raises(ExportFormatError, match=r"column 'Created': Jira CSV dates carry no time zone"):
        ingest(con, "jira", [str(path)])
    result = ingest(con, "jira", [str(path)], LoadOptions(timezone="Asia/Kolkata"))[0]
    assert (result.rows_read, result.rows_loaded) == (31, 30)
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    assert details["skipped_other_issue_types"] == 1
    assert {"Watchers", "Labels", "Comment", "Custom field (Impact)"} <= set(details["repeated_columns"])
    loaded = {r["number"]: r for r in rows(con, "SELECT * FROM incidents")}
    for r in records:
        got = loaded[f"OPS-{r['number']}"]
        assert got["incident_id"] == f"jira:{r['number'] + 50000}"
        assert got["created_at"] == jira_minute(r["created"])
        assert got["resolved_at"] == jira_minute(r["resolved"])
        assert got["severity"] == f"SEV{r['priority']}"
        assert got["severity_raw"] == (None if r["priority"] == 3 else f"Sev-{r['priority']}")
        assert got["service"] == r["service"]
        assert got["status"] == ("resolved" if r["resolved"] else "acknowledged")
        raw = json.loads(got["raw"])
        assert raw["Watchers"] == ["ana.lima", "ben.okafor"] and raw["Labels"] == ["prod"]
        assert raw["Description"].splitlines()[1] == "line two, with a comma"


# -- ServiceNow table form ----------------------------------------------------------------------
@pytest.mark.parametrize("month_first", [True, False])
def test_servicenow_table_detects_the_date_order(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                 month_first: bool) -> None:
    records = truth(10, 40)
    path = tmp_path / "incident.csv"
    path.write_text(servicenow_table(records, "Europe/Paris", month_first=month_first))
    assert sniff_kind(path).name == "servicenow"
    ingest(con, "servicenow", [str(path)], LoadOptions(timezone="Europe/Paris"))
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    assert (details["form"], details["date_order"]) == ("table", "mdy" if month_first else "dmy")
    loaded = {r["number"]: r for r in rows(con, "SELECT * FROM incidents")}
    for r in records:
        got = loaded[f"INC{r['number']:07d}"]
        assert got["created_at"] == jira_minute(r["created"])
        assert got["resolved_at"] == jira_minute(r["resolved"])
        assert (got["severity"], got["priority_raw"]) == (f"SEV{r['priority']}", f"{r['priority']} - " + {
            1: "Critical", 2: "High", 3: "Moderate", 4: "Low", 5: "Planning"}[r["priority"]])
        assert got["problem_id"] is None and got["acknowledged_at"] is None


def test_servicenow_ambiguous_dates_need_the_order(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "incident.csv"
    path.write_text("number,priority,opened_at,resolved_at\nINC1,3 - Moderate,01/02/2026 10:00,01/03/2026 10:00\n")
    with pytest.raises(ExportFormatError, match="column 'opened_at': cannot tell day-first from month-first"):
        ingest(con, "servicenow", [str(path)], LoadOptions(timezone="UTC"))
    ingest(con, "servicenow", [str(path)], LoadOptions(timezone="UTC", extra={"date_order": "mdy"}))
    assert run(con, "SELECT created_at, resolved_at FROM incidents") == [
        (datetime(2026, 1, 2, 10, tzinfo=UTC), datetime(2026, 1, 3, 10, tzinfo=UTC))]
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("number,priority,opened_at\nINC1,3,13/02/2026 10:00\nINC2,3,02/13/2026 10:00\n")
    with pytest.raises(ExportFormatError, match="row 2, column 'opened_at': dates mix day-first"):
        ingest(con, "servicenow", [str(mixed)], LoadOptions(timezone="UTC"))


# -- incident.io ----------------------------------------------------------------------------------
def test_incidentio_pivots_timestamps_by_name(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = truth(12, 20)
    path = write_json(tmp_path / "incidents.json", incidentio_incidents(records))
    assert sniff_kind(path).name == "incidentio"
    result = ingest(con, "incidentio", [str(path)])[0]
    assert (result.rows_read, result.rows_loaded) == (21, 20)
    loaded = {r["number"]: r for r in rows(con, "SELECT * FROM incidents")}
    for r in records:
        got = loaded[f"INC-{r['number']}"]
        assert (got["created_at"], got["acknowledged_at"], got["mitigated_at"], got["resolved_at"]) == (
            r["created"].replace(microsecond=0), r["acked"], r["resolved"], r["resolved"])
        assert (got["service"], got["team"], got["failure_mode"]) == (r["service"], r["team"], r["failure_mode"])
        assert got["severity"] == f"SEV{r['priority']}"
        assert got["responders"] == r["responders"][:1]
        assert got["engaged_seconds"] == pytest.approx(r["engaged"])
    mapping = tmp_path / "io.yaml"
    mapping.write_text("timestamps:\n  Reported at: impact_started_at\n")
    assert ingest(con, "incidentio", [str(path)], LoadOptions(mapping=mapping))[0].status == "unchanged", (
        "the ledger keys on content: the same file is not read again")
    path = write_json(tmp_path / "again.json", incidentio_incidents(records) | {"note": "re-exported"})
    ingest(con, "incidentio", [str(path)], LoadOptions(mapping=mapping))
    assert run(con, "SELECT count(*) FROM incidents WHERE impact_started_at = created_at") == [(20,)]
    mapping.write_text("timestamps:\n  Reported at: created_at\n")
    with pytest.raises(UsageError, match="expected one of impact_started_at"):
        ingest(con, "incidentio", [str(path)], LoadOptions(mapping=mapping))


# -- Statuspage -----------------------------------------------------------------------------------
def test_statuspage_offsets_become_utc(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    doc = {"page": {"id": "p", "name": "Acme", "time_zone": "America/Chicago"}, "incidents": [
        {"id": "a1", "name": "API errors", "status": "resolved", "impact": "major",
         "created_at": "2019-02-20T12:00:19.418-06:00", "started_at": "2019-02-20T11:55:00.000-06:00",
         "monitoring_at": None, "resolved_at": "2019-02-20T13:30:00.000-06:00", "shortlink": "http://stspg.io/x",
         "components": [{"name": "API"}, {"name": "Web"}],
         "incident_updates": [{"id": "u2", "status": "resolved", "display_at": "2019-02-20T13:30:00.000-06:00"},
                              {"id": "u1", "status": "monitoring", "display_at": "2019-02-20T13:00:00.000-06:00"}]}]}
    path = write_json(tmp_path / "incidents.json", doc)
    assert sniff_kind(path).name == "statuspage"
    ingest(con, "statuspage", [str(path)])
    got = rows(con, "SELECT * FROM incidents")[0]
    assert got["created_at"] == datetime(2019, 2, 20, 18, 0, 19, 418000, tzinfo=UTC)
    assert got["impact_started_at"] == datetime(2019, 2, 20, 17, 55, tzinfo=UTC)
    assert got["mitigated_at"] == datetime(2019, 2, 20, 19, 0, tzinfo=UTC)
    assert (got["service"], got["category"], got["severity"], got["team"]) == ("API", "API, Web", "SEV2", "Acme")
    assert run(con, "SELECT event_type FROM incident_events ORDER BY seq") == [("state_change",), ("resolve",)]


# -- mapped CSV -----------------------------------------------------------------------------------
def test_mapped_csv_follows_the_mapping(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    data = tmp_path / "tickets.csv"
    data.write_text("Ticket,Opened,Closed,Sev,Subject,App,State,People\n"
                    "T-1,01.07.2026 10:00,01.07.2026 11:30,Sev 1,DB down,db,Done,ann;bob\n"
                    "T-2,02.07.2026 09:00,,Sev 2,Slow,web,Open,\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "source: myitsm\ntimezone: Europe/Berlin\ndatetime_format: '%d.%m.%Y %H:%M'\nlist_separator: ';'\n"
        "columns: {source_id: Ticket, created_at: Opened, resolved_at: Closed, severity: Sev, title: Subject,\n"
        "          service: App, status: State, responders: People}\n"
        "severity: {Sev 1: SEV1, Sev 2: SEV2}\nstatus: {Done: resolved}\n")
    with pytest.raises(UsageError, match="mapped-csv needs --mapping"):
        ingest(con, "mapped-csv", [str(data)])
    ingest(con, "mapped-csv", [str(data)], LoadOptions(mapping=mapping))
    got = rows(con, "SELECT incident_id, source, created_at, resolved_at, severity, severity_raw, status, "
                    "responders FROM incidents ORDER BY 1")
    assert got[0] == {"incident_id": "myitsm:T-1", "source": "myitsm",
                      "created_at": datetime(2026, 7, 1, 8, tzinfo=UTC),
                      "resolved_at": datetime(2026, 7, 1, 9, 30, tzinfo=UTC), "severity": "SEV1",
                      "severity_raw": "Sev 1", "status": "resolved", "responders": ["ann", "bob"]}
    assert got[1]["status"] == "open" and got[1]["resolved_at"] is None
    data.write_text(data.read_text() + "T-3,03.07.2026 09:00,,Sev 2,Slow,web,Open,\n")
    mapping.write_text("source: myitsm\ncolumns: {source_id: Ticket, created_at: Nope}\n")
    with pytest.raises(ExportFormatError, match=r"column 'Nope': the mapping's columns\.created_at names a column"):
        ingest(con, "mapped-csv", [str(data)], LoadOptions(mapping=mapping))
    mapping.write_text("source: myitsm\ncolumns: {source_id: Ticket, created_at: Opened, incident_id: Ticket}\n")
    with pytest.raises(UsageError, match=r"columns\.incident_id is not a mappable incident column"):
        ingest(con, "mapped-csv", [str(data)], LoadOptions(mapping=mapping))


# -- bad input --------------------------------------------------------------------------------------
def test_resolve_before_create_fails_the_file_or_is_quarantined(con: duckdb.DuckDBPyConnection,
                                                                tmp_path: Path) -> None:
    records = truth(13, 10, open_share=0)
    page, _ = pagerduty_rest(records)
    page["incidents"][3]["resolved_at"] = "2026-06-01T00:00:00Z"
    path = write_json(tmp_path / "page.json", page)
    before = state(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, "pagerduty", [str(path)])
    assert str(info.value).startswith(f"{path}, row 4, column 'resolved_at': incident pagerduty:{records[3]['id']} "
                                      "resolved before it was created")
    assert state(con) == before, "nothing is written for a failing file"
    result = ingest(con, "pagerduty", [str(path)], LoadOptions(quarantine=True))[0]
    assert (result.rows_loaded, result.rows_quarantined) == (9, 1)
    assert run(con, "SELECT row_number, column_name FROM ingest_quarantine") == [(4, "resolved_at")]
    assert run(con, "SELECT rows_quarantined FROM ingest_ledger") == [(1,)]


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("servicenow", "jira.csv", "Summary,Issue key,Created\nx,OPS-1,01/Jan/26 1:00 PM\n",
         r"column 'number': required column missing"),
        ("jira", "snow.csv", "number,opened_at\nINC1,2026-01-01 10:00\n", r"column 'Issue key': required column"),
        ("statuspage", "pd.json", '{"incidents": [{"id": "P1", "incident_number": 1}]}',
         r"row 1, column 'created_at': created_at is missing"),
        ("pagerduty", "status.json", '{"page": {}, "incident": {"id": "x"}}', r"row 1, column 'created_at'"),
        ("pagerduty", "list.json", '[1, 2]', r"expected a PagerDuty REST page"),
        ("pagerduty-analytics", "pd.json", '{"incidents": []}', r"expected an Analytics raw-incidents response"),
        ("opsgenie", "x.json", '{"incidents": []}', r"expected an Opsgenie API response"),
        ("incidentio", "x.json", '{"data": []}', r"expected an incident.io API response"),
        ("pagerduty", "bad.json", '{"incidents": [{"id": "P1", "created_at": "yesterday"}]}',
         r"row 1, column 'created_at': cannot read 'yesterday' as an ISO 8601 timestamp"),
        ("pagerduty", "trunc.json", '{"incidents": [{"id": "P1", "created_at": "2026-01-0',
         r"not valid JSON: Unterminated string"),
        ("servicenow", "bad-date.csv", "number,priority,opened_at\nINC1,3,31-02-2026 10:00\n",
         r"row 1, column 'opened_at': cannot read '31-02-2026 10:00' as a date"),
        ("jira", "bad-month.csv", "Issue key,Created\nOPS-1,01/Foo/26 1:00 PM\n",
         r"row 1, column 'Created': unknown month 'Foo'"),
    ],
)
def test_wrong_or_broken_files_name_file_row_and_column(con: duckdb.DuckDBPyConnection, tmp_path: Path, kind: str,
                                                        name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    before = state(con)
    with pytest.raises(ExportFormatError, match=message) as info:
        ingest(con, kind, [str(path)], LoadOptions(timezone="UTC"))
    assert str(path) in str(info.value)
    assert state(con) == before


def test_auto_detection_tells_the_kinds_apart(tmp_path: Path) -> None:
    records = truth(14, 5)
    page, log = pagerduty_rest(records)
    files = {
        "pagerduty": write_json(tmp_path / "pd" / "incidents.json", page),
        "pagerduty-analytics": write_json(tmp_path / "raw.json", pagerduty_analytics(records, "UTC")),
        "opsgenie": write_json(tmp_path / "og.json", opsgenie_alerts(records)),
        "incidentio": write_json(tmp_path / "io.json", incidentio_incidents(records)),
    }
    write_json(tmp_path / "pd" / "log_entries.json", log)
    for kind, path in files.items():
        assert sniff_kind(path).name == kind
    assert sniff_kind(tmp_path / "pd").name == "pagerduty"
    with pytest.raises(UsageError, match="could not tell which export"):
        sniff_kind(write_json(tmp_path / "other.json", {"hello": "world"}))


def test_unknown_time_zone_and_option_values_are_usage_errors(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "incident.csv"
    path.write_text(servicenow_table(truth(15, 3), "UTC", month_first=False))
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Olympus'"):
        ingest(con, "servicenow", [str(path)], LoadOptions(timezone="Mars/Olympus"))
    with pytest.raises(UsageError, match="--option date_order must be one of dmy, mdy"):
        ingest(con, "servicenow", [str(path)], LoadOptions(timezone="UTC", extra={"date_order": "ymd"}))
    bad_map = tmp_path / "sev.yaml"
    bad_map.write_text("P1: SEV9\n")
    with pytest.raises(UsageError, match=r"severity map .*'P1': 'SEV9' is not one of SEV1"):
        ingest(con, "servicenow", [str(path)], LoadOptions(timezone="UTC", severity_map=bad_map))
