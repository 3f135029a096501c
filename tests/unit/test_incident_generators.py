"""Seeded generators of small vendor exports for the incident loader tests, plus tests of the
generators themselves.

Each generator starts from the same kind of ground truth (:func:`truth`: a list of plain dicts
with UTC datetimes) and renders it the way the vendor does — independently of the loaders and of
``analytics.demo.render_incidents`` — so the loader tests compare the warehouse against the truth.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.unit

SERVICES = ("checkout", "payments-api", "search", "identity")
TEAMS = ("payments", "platform", "discovery")
PEOPLE = ("ana.lima", "ben.okafor", "chen.wei", "dara.nolan", "eli.cohen")
MODES = ("db-connection-pool", "cert-expiry", "queue-backlog", "oom-kill")
START = datetime(2026, 7, 1, tzinfo=UTC)


def truth(seed: int, n: int = 40, *, open_share: float = 0.1) -> list[dict[str, Any]]:
    """``n`` incidents in 2026Q3 with acks, resolves, escalations, pages and interruption buckets."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        created = START + timedelta(minutes=rng.randrange(0, 90 * 24 * 60), seconds=rng.randrange(60))
        priority = rng.choice((1, 2, 3, 3, 3, 4, 5))
        acked = None if rng.random() < 0.15 else created + timedelta(seconds=rng.randrange(30, 3600))
        resolved = None if rng.random() < open_share else (acked or created) + timedelta(
            seconds=rng.randrange(60, 20 * 3600))
        responders = [] if acked is None else rng.sample(PEOPLE, k=rng.choice((1, 1, 2)))
        total = rng.randrange(0, 6)
        business = rng.randrange(0, total + 1)
        off = rng.randrange(0, total - business + 1)
        out.append({
            "id": f"Q{seed:02d}{i:05d}X",
            "number": 1000 + i,
            "title": f"[{rng.choice(SERVICES)}] {rng.choice(MODES)} on host-{rng.randrange(99)}",
            "service": rng.choice(SERVICES),
            "team": rng.choice(TEAMS),
            "priority": priority,
            "urgency": "high" if priority <= 3 else "low",
            "created": created,
            "acked": acked,
            "resolved": resolved,
            "auto_resolved": resolved is not None and acked is None and rng.random() < 0.7,
            "responders": responders,
            "escalations": rng.randrange(0, 3),
            "alerts": rng.randrange(1, 9),
            "fingerprint": f"{rng.choice(SERVICES)}/{rng.choice(MODES)}",
            "failure_mode": rng.choice(MODES),
            "interruptions": (total, business, off, total - business - off),
            "engaged": float(rng.randrange(0, 7200)),
            "major": priority == 1,
        })
    return out


def z(moment: datetime | None, *, millis: bool = False) -> str | None:
    """UTC ISO 8601 with Z."""
    if moment is None:
        return None
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if millis else "%Y-%m-%dT%H:%M:%S"
    text = moment.astimezone(UTC).strftime(fmt)
    return (text[:-3] if millis else text) + "Z"


def local(moment: datetime | None, zone: str, fmt: str = "%Y-%m-%dT%H:%M:%S") -> str | None:
    """Wall-clock text in ``zone`` without an offset."""
    return None if moment is None else moment.astimezone(ZoneInfo(zone)).strftime(fmt)


# -- PagerDuty -----------------------------------------------------------------------------------
def pagerduty_rest(records: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An ``/incidents`` page and a ``/log_entries`` page (newest first, as the API lists them)."""
    incidents, entries = [], []
    for r in records:
        status = "resolved" if r["resolved"] else ("acknowledged" if r["acked"] else "triggered")
        incidents.append({
            "id": r["id"], "type": "incident", "summary": f"[#{r['number']}] {r['title']}",
            "self": f"https://api.pagerduty.com/incidents/{r['id']}", "incident_number": r["number"],
            "title": r["title"], "created_at": z(r["created"]), "updated_at": z(r["resolved"] or r["created"]),
            "status": status, "resolved_at": z(r["resolved"]), "incident_key": r["fingerprint"],
            "urgency": r["urgency"], "priority": {"id": "PPRI", "type": "priority_reference",
                                                  "summary": f"P{r['priority']}"},
            "service": {"id": "PSVC", "type": "service_reference", "summary": r["service"]},
            "teams": [{"id": "PTEAM", "type": "team_reference", "summary": r["team"]}],
            "assignments": [], "alert_counts": {"all": r["alerts"], "triggered": 0, "resolved": r["alerts"]},
            "acknowledgements": [] if status != "acknowledged" else [
                {"at": z(r["acked"]), "acknowledger": {"type": "user_reference", "summary": p}}
                for p in r["responders"]],
            "custom_fields": [{"name": "Failure mode", "value": r["failure_mode"]},
                              {"name": "major", "value": r["major"]}],
            "conference_bridge": None, "is_mergeable": True,
        })
        timeline = [("trigger_log_entry", r["created"], {"type": "service_reference", "summary": "monitoring"},
                     {"type": "api"})]
        timeline.append(("notify_log_entry", r["created"], None, {"type": "auto", "notification": {
            "type": "sms_notification"}}))
        for k in range(r["escalations"]):
            timeline.append(("escalate_log_entry", r["created"] + timedelta(seconds=10 + k), None, {"type": "timeout"}))
        for p in r["responders"]:
            timeline.append(("acknowledge_log_entry", r["acked"], {"type": "user_reference", "summary": p},
                             {"type": "mobile"}))
        if r["resolved"]:
            agent = {"type": "service_reference" if r["auto_resolved"] else "user_reference",
                     "summary": "monitoring" if r["auto_resolved"] else (r["responders"] or ["ops"])[0]}
            timeline.append(("resolve_log_entry", r["resolved"], agent, {"type": "web_ui"}))
        for k, (kind, at, agent, channel) in enumerate(timeline):
            entry: dict[str, Any] = {"id": f"{r['id']}L{k}", "type": kind, "created_at": z(at),
                                     "incident": {"id": r["id"], "type": "incident_reference"}, "channel": channel}
            if agent:
                entry["agent"] = agent
            if kind == "notify_log_entry":
                entry["user"] = {"type": "user_reference", "summary": "on-call-primary"}
            entries.append(entry)
    entries.sort(key=lambda e: e["created_at"], reverse=True)
    return ({"incidents": incidents, "limit": 100, "offset": 0, "more": False, "total": None},
            {"log_entries": entries, "limit": 100, "offset": 0, "more": False})


def pagerduty_analytics(records: list[dict[str, Any]], zone: str) -> dict[str, Any]:
    """A raw-incidents response whose timestamps are wall-clock times in ``zone`` (no offset)."""
    data = []
    for r in records:
        total, business, off, sleep = r["interruptions"]
        data.append({
            "id": r["id"], "incident_number": r["number"], "description": r["title"],
            "status": "resolved" if r["resolved"] else "triggered", "urgency": r["urgency"], "major": r["major"],
            "created_at": local(r["created"], zone), "resolved_at": local(r["resolved"], zone),
            "service_id": "PSVC", "service_name": r["service"], "team_id": "PTEAM", "team_name": r["team"],
            "priority_name": f"P{r['priority']}", "priority_order": 6 - r["priority"],
            "seconds_to_first_ack": None if r["acked"] is None else (r["acked"] - r["created"]).total_seconds(),
            "seconds_to_resolve": None if r["resolved"] is None else (r["resolved"] - r["created"]).total_seconds(),
            "engaged_seconds": r["engaged"], "escalation_count": r["escalations"], "auto_resolved": r["auto_resolved"],
            "business_hour_interruptions": business, "off_hour_interruptions": off,
            "sleep_hour_interruptions": sleep, "total_interruptions": total,
            "acknowledged_user_names": r["responders"], "incident_type_name": "incident_default",
        })
    return {"data": data, "time_zone": zone, "limit": 1000, "more": False, "order": "asc", "order_by": "created_at"}


PD_CSV_HEADER = ("Incident ID", "Incident Number", "Title", "Status", "Urgency", "Priority", "Service", "Team",
                 "Created At", "Resolved At", "Seconds To First Ack", "Seconds To Resolve", "Major Incident",
                 "Auto-Resolved", "Business Hour Interruptions", "Off-Hour Interruptions",
                 "Sleep Hour Interruptions", "Total Interruptions", "Acknowledged By", "Some New Column")


def pagerduty_csv(records: list[dict[str, Any]], zone: str) -> str:
    """The Insights "Download CSV" with Title-Case headers and one column the loader does not know."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PD_CSV_HEADER)
    for r in records:
        total, business, off, sleep = r["interruptions"]
        writer.writerow([
            r["id"], r["number"], r["title"], "resolved" if r["resolved"] else "triggered", r["urgency"],
            f"P{r['priority']}", r["service"], r["team"], local(r["created"], zone, "%Y-%m-%d %H:%M:%S"),
            local(r["resolved"], zone, "%Y-%m-%d %H:%M:%S") or "",
            "" if r["acked"] is None else int((r["acked"] - r["created"]).total_seconds()),
            "" if r["resolved"] is None else int((r["resolved"] - r["created"]).total_seconds()),
            str(r["major"]).lower(), str(r["auto_resolved"]).lower(), business, off, sleep, total,
            "; ".join(r["responders"]), "x",
        ])
    return buffer.getvalue()


# -- Opsgenie, Jira, incident.io, ServiceNow table ---------------------------------------------
def opsgenie_alerts(records: list[dict[str, Any]]) -> dict[str, Any]:
    """``GET /v2/alerts`` with ``report`` durations in milliseconds."""
    data = []
    for r in records:
        closed = r["resolved"] is not None
        data.append({
            "id": f"{r['id'].lower()}-0000-4000-8000", "tinyId": str(r["number"]), "alias": r["fingerprint"],
            "message": r["title"], "status": "closed" if closed else "open", "acknowledged": r["acked"] is not None,
            "isSeen": True, "tags": [f"service:{r['service']}", "env:prod"], "snoozed": False, "count": r["alerts"],
            "lastOccurredAt": z(r["created"], millis=True), "createdAt": z(r["created"], millis=True),
            "updatedAt": z((r["resolved"] or r["acked"] or r["created"]) + timedelta(seconds=1), millis=True),
            "source": "datadog", "owner": "", "priority": f"P{r['priority']}",
            "responders": [{"type": "team", "id": "t1", "name": r["team"]}],
            "integration": {"id": "i1", "name": "Datadog", "type": "Datadog"},
            "report": {k: v for k, v in {
                "ackTime": None if r["acked"] is None else int((r["acked"] - r["created"]).total_seconds() * 1000),
                "closeTime": None if not closed else int((r["resolved"] - r["created"]).total_seconds() * 1000),
                "acknowledgedBy": r["responders"][0] if r["responders"] else None,
                "closedBy": None if not closed else "Datadog" if r["auto_resolved"]
                else (r["responders"] or ["ops"])[0],
            }.items() if v is not None},
        })
    return {"data": data, "paging": {"first": "x"}, "took": 0.01, "requestId": "r1"}


JIRA_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
JIRA_PRIORITY = {1: "Highest", 2: "High", 3: "Medium", 4: "Low", 5: "Lowest"}


def jira_date(moment: datetime | None, zone: str) -> str:
    """``25/Feb/26 10:17 PM`` in ``zone``."""
    if moment is None:
        return ""
    t = moment.astimezone(ZoneInfo(zone))
    hour = t.hour % 12 or 12
    half = "AM" if t.hour < 12 else "PM"
    return f"{t.day:02d}/{JIRA_MONTHS[t.month - 1]}/{t.year % 100:02d} {hour}:{t.minute:02d} {half}"


JIRA_HEADER = ("Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Priority", "Resolution",
               "Assignee", "Created", "Updated", "Resolved", "Watchers", "Watchers", "Labels", "Labels",
               "Description", "Custom field (Affected services)", "Custom field (Impact)", "Custom field (Impact)",
               "Custom field (Severity)", "Comment", "Comment", "Status Category")


def jira_csv(records: list[dict[str, Any]], zone: str, *, with_task: bool = True) -> bytes:
    """"Export CSV (all fields)": BOM, CRLF, repeated headers, multi-line cells, minute precision."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(JIRA_HEADER)
    for r in records:
        severity = "" if r["priority"] == 3 else f"Sev-{r['priority']}"
        writer.writerow([
            r["title"], f"OPS-{r['number']}", str(r["number"] + 50000), "Incident",
            "Done" if r["resolved"] else "In Progress", "OPS", JIRA_PRIORITY[r["priority"]],
            "Done" if r["resolved"] else "", (r["responders"] or [""])[0], jira_date(r["created"], zone),
            jira_date(r["resolved"] or r["created"], zone), jira_date(r["resolved"], zone), "ana.lima", "ben.okafor",
            "prod", "", f"Line one of {r['id']}\nline two, with a comma\n\"quoted\"", r["service"], "High", "",
            severity, f"{jira_date(r['created'], zone)};acc-1;first look\nmore", "",
            "Done" if r["resolved"] else "In Progress",
        ])
    if with_task:
        writer.writerow(["A task", "OPS-9", "59999", "Task", "To Do", "OPS", "Low", "", "", jira_date(START, zone),
                         "", "", "", "", "", "", "", "", "", "", "", "", "", "To Do"])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def jira_minute(moment: datetime | None) -> datetime | None:
    """What a Jira CSV keeps of a timestamp: the minute."""
    return None if moment is None else moment.replace(second=0, microsecond=0)


INCIDENTIO_SEVERITY = {1: "Critical", 2: "Major", 3: "Minor", 4: "Low", 5: "Info"}


def incidentio_incidents(records: list[dict[str, Any]]) -> dict[str, Any]:
    """``GET /v2/incidents`` with org-named timestamps, custom fields and role assignments (+ a test incident)."""
    items = []
    for r in records:
        stamps = [("Reported at", r["created"]), ("Acknowledged at", r["acked"]), ("Fixed at", r["resolved"]),
                  ("Resolved at", r["resolved"])]
        items.append({
            "id": f"01H{r['id']}", "reference": f"INC-{r['number']}", "name": r["title"], "mode": "standard",
            "created_at": z(r["created"]), "updated_at": z(r["created"]),
            "severity": {"id": "s", "name": INCIDENTIO_SEVERITY[r["priority"]], "rank": 6 - r["priority"]},
            "incident_status": {"id": "st", "name": "Closed" if r["resolved"] else "Investigating",
                                "category": "closed" if r["resolved"] else "live"},
            "incident_type": {"id": "ty", "name": "Default"},
            "incident_timestamp_values": [{"incident_timestamp": {"id": f"t{k}", "name": name, "rank": k},
                                           "value": {"value": z(at)}} for k, (name, at) in enumerate(stamps) if at],
            "custom_field_entries": [
                {"custom_field": {"id": "c1", "name": "Affected services", "field_type": "multi_select"},
                 "values": [{"value_catalog_entry": {"id": "e", "name": r["service"]}}]},
                {"custom_field": {"id": "c2", "name": "Team", "field_type": "single_select"},
                 "values": [{"value_option": {"id": "o", "value": r["team"]}}]},
                {"custom_field": {"id": "c3", "name": "Root cause", "field_type": "text"},
                 "values": [{"value_text": r["failure_mode"]}]},
            ],
            "incident_role_assignments": [{"role": {"name": "Incident Lead", "role_type": "lead"},
                                           "assignee": {"id": "u", "name": p}} for p in r["responders"][:1]],
            "workload_minutes_total": r["engaged"] / 60,
        })
    items.append({"id": "01HTEST", "reference": "INC-0", "name": "drill", "mode": "test", "created_at": z(START),
                  "severity": {"name": "Minor"}, "incident_status": {"name": "Closed", "category": "closed"}})
    return {"incidents": items, "pagination_meta": {"after": None, "page_size": 250}}


SNOW_PRIORITY = {1: "1 - Critical", 2: "2 - High", 3: "3 - Moderate", 4: "4 - Low", 5: "5 - Planning"}


def servicenow_table(records: list[dict[str, Any]], zone: str, *, month_first: bool) -> str:
    """An incident list export: display values, ``?`` for missing, user-format dates without seconds."""
    fmt = "%m/%d/%Y %H:%M" if month_first else "%d-%m-%Y %H:%M"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["number", "state", "priority", "urgency", "opened_at", "resolved_at", "closed_at",
                     "short_description", "cmdb_ci", "assignment_group", "reopen_count", "problem_id"])
    for r in records:
        writer.writerow([f"INC{r['number']:07d}", "Resolved" if r["resolved"] else "In Progress",
                         SNOW_PRIORITY[r["priority"]], "1 - High" if r["urgency"] == "high" else "3 - Low",
                         local(r["created"], zone, fmt), local(r["resolved"], zone, fmt) or "?", "?", r["title"],
                         r["service"], r["team"], "0", "?"])
    return buffer.getvalue()


def opsgenie_csv(records: list[dict[str, Any]]) -> str:
    """The alert list CSV: epoch-millisecond creation times, report durations as columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["TinyId", "Alias", "Message", "Status", "Acknowledged", "Count", "CreatedAt", "UpdatedAt",
                     "Priority", "Tags", "Teams", "Integration Name", "AckTime", "CloseTime", "ClosedBy"])
    for r in records:
        closed = r["resolved"] is not None
        writer.writerow([
            r["number"], r["fingerprint"], r["title"], "closed" if closed else "open", str(r["acked"] is not None),
            r["alerts"], int(r["created"].timestamp() * 1000),
            z((r["resolved"] or r["acked"] or r["created"]) + timedelta(seconds=1)), f"P{r['priority']}",
            f"service:{r['service']}, env:prod", r["team"], "Datadog",
            "" if r["acked"] is None else int((r["acked"] - r["created"]).total_seconds() * 1000),
            "" if not closed else int((r["resolved"] - r["created"]).total_seconds() * 1000),
            "" if not closed else "Datadog" if r["auto_resolved"] else "ops",
        ])
    return buffer.getvalue()


def incidentio_csv(records: list[dict[str, Any]]) -> str:
    """The dashboard CSV: fixed columns plus one column per timestamp and custom field."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["ID", "Reference", "Name", "Severity", "Status", "Status category", "Mode", "Created at",
                     "Acknowledged at", "Resolved at", "Affected services", "Team", "Root cause", "Lead"])
    for r in records:
        writer.writerow([f"01H{r['id']}", f"INC-{r['number']}", r["title"], INCIDENTIO_SEVERITY[r["priority"]],
                         "Closed" if r["resolved"] else "Investigating", "closed" if r["resolved"] else "live",
                         "standard", z(r["created"]), z(r["acked"]) or "", z(r["resolved"]) or "", r["service"],
                         r["team"], r["failure_mode"], (r["responders"] or [""])[0]])
    return buffer.getvalue()


def write_json(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# -- tests of the generators ------------------------------------------------------------------
def test_generators_are_deterministic() -> None:
    assert truth(3) == truth(3)
    assert truth(3) != truth(4)
    assert pagerduty_rest(truth(5)) == pagerduty_rest(truth(5))
    assert jira_csv(truth(5), "Europe/Berlin") == jira_csv(truth(5), "Europe/Berlin")


def test_truth_is_internally_consistent() -> None:
    for r in truth(11, 200):
        assert r["acked"] is None or r["acked"] >= r["created"]
        assert r["resolved"] is None or r["resolved"] >= (r["acked"] or r["created"])
        assert sum(r["interruptions"][1:]) == r["interruptions"][0]
        assert bool(r["responders"]) == (r["acked"] is not None)


def test_jira_dates_look_like_the_export() -> None:
    assert jira_date(datetime(2026, 2, 25, 21, 17, tzinfo=UTC), "UTC") == "25/Feb/26 9:17 PM"
    assert jira_date(datetime(2026, 2, 25, 0, 5, tzinfo=UTC), "UTC") == "25/Feb/26 12:05 AM"
