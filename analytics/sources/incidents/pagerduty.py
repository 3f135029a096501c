"""PagerDuty: REST API v2 ``/incidents`` pages with their log entries (kind ``pagerduty``), the
Analytics raw-incidents JSON and the web UI CSV (kind ``pagerduty-analytics``), and a small
client, :func:`fetch_incidents`, that saves REST pages the ``pagerduty`` loader reads.

``pagerduty`` (REST): a JSON file or a folder of them. Files with ``incidents`` (a list page),
``incident`` (one incident) and/or ``log_entries`` (``/log_entries`` or
``/incidents/{id}/log_entries`` pages) are read together; the delivery's log entries become the
timeline in ``incident_events``. Time to acknowledge comes from the **earliest
``acknowledge_log_entry``** (``acknowledgements[]`` is emptied once an incident resolves and is
only a fallback for incidents delivered without log entries). ``escalation_count`` counts
``escalate_log_entry``; ``auto_resolved`` is true when the last ``resolve_log_entry`` was made by
a service or integration rather than a user; ``responders`` are the acknowledgers in order, then
joined ``incidents_responders``. Incident custom fields (``custom_fields``, as returned by
``/incidents/{id}/custom_fields/values``) named ``severity``, ``failure_mode``, ``category``,
``problem_id``, ``change_id``, ``deployment_id`` and ``major`` fill the columns of the same name.

``pagerduty-analytics``: ``POST /analytics/raw/incidents`` responses (``{"data": [...]}`` or a bare
list) and the Insights "Download CSV" (Title-Case headers mapped through :data:`CSV_ALIASES`;
unknown columns are kept in ``raw``, missing ones are NULL). Vendor durations
(``seconds_to_first_ack``, ``seconds_to_resolve``) and interruption buckets are stored as given.
Analytics timestamps carry **no offset**: they are wall-clock times in the request's
``time_zone``, so ``--timezone`` is required for them (and must agree with a ``time_zone`` the
file declares).

Severity (:data:`DEFAULT_SEVERITY`): the ``severity`` custom field if present, else the priority
name, else the urgency (``urgency high`` → SEV2, ``urgency low`` → SEV4); ``--severity-map`` adds
or overrides labels. Both kinds write ``incident_id = pagerduty:<id>``, so REST and Analytics
deliveries of the same incident update one row (the later load replaces the whole row).

Why one module over 500 lines: three PagerDuty inputs (REST pages, Analytics export, web CSV) and
the REST client share one vocabulary (statuses, urgencies, priorities, log-entry types) and one
error style; the bulk REST path already lives in _rest_bulk.py.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from analytics import __version__
from analytics.errors import AnalyticsError, ExportFormatError, UsageError
from analytics.redact import MASK, redact
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources.incidents._common import (
    NOT_PLAIN,
    IncidentWriter,
    RowError,
    SeverityMap,
    as_bool,
    as_float,
    as_int,
    as_list,
    as_object,
    as_text,
    csv_head,
    devlake_rows,
    header_index,
    instant_text,
    json_head,
    label_key,
    load_delivery,
    parse_instant,
    plain_text,
    plus_seconds,
    rank_of,
    raw_json,
    read_csv,
    read_json,
    ref_name,
    severity_map,
    sniff_devlake,
    source_zone,
    utf8_text,
)
from analytics.sources.incidents._records import incident_object
from analytics.sources.incidents._rest_bulk import RestVocabulary, stage_rest_pages
from analytics.warehouse import run
from analytics.warehouse.ledger import LoadResult, LoadTransaction

log = logging.getLogger(__name__)

SOURCE = "pagerduty"
DEFAULT_SEVERITY: dict[str, str] = {
    # priority names (PagerDuty's default P1..P5 scheme) and common severity custom-field values
    "P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV5",
    "SEV1": "SEV1", "SEV2": "SEV2", "SEV3": "SEV3", "SEV4": "SEV4", "SEV5": "SEV5",
    "critical": "SEV1", "high": "SEV2", "major": "SEV2", "moderate": "SEV3", "medium": "SEV3",
    "low": "SEV4", "minor": "SEV4", "info": "SEV5", "informational": "SEV5",
    # no priority at all: the urgency decides
    "urgency high": "SEV2", "urgency low": "SEV4",
}
STATUS: dict[str, str] = {"triggered": "open", "acknowledged": "acknowledged", "resolved": "resolved"}
# log entry type -> (canonical event type, tie rank at equal timestamps)
LOG_ENTRY_TYPES: dict[str, tuple[str, int]] = {
    "trigger_log_entry": ("trigger", 0),
    "notify_log_entry": ("notify", 2),
    "escalate_log_entry": ("escalate", 3),
    "assign_log_entry": ("assign", 3),
    "delegate_log_entry": ("assign", 3),
    "acknowledge_log_entry": ("acknowledge", 4),
    "unacknowledge_log_entry": ("unacknowledge", 4),
    "annotate_log_entry": ("note", 5),
    "resolve_log_entry": ("resolve", 9),
}
# PagerDuty channel / notification types <-> canonical channel names (the writer inverts this)
CHANNELS: dict[str, str] = {
    "sms": "sms", "sms_notification": "sms", "phone": "phone", "phone_notification": "phone",
    "push_notification": "push", "email": "email", "email_notification": "email", "website": "web",
    "web_trigger": "web", "web_ui": "web", "api": "api", "integration": "integration", "mobile": "mobile",
    "auto": "auto", "timeout": "timeout", "note": "note",
}
CUSTOM_FIELDS: dict[str, str] = {
    "severity": "severity_raw", "failuremode": "failure_mode", "rootcause": "failure_mode", "category": "category",
    "problemid": "problem_id", "problem": "problem_id", "changeid": "change_id", "change": "change_id",
    "deploymentid": "deployment_id", "deployment": "deployment_id", "major": "is_major", "ismajor": "is_major",
}
_USER_AGENTS = {"user_reference", "user"}
_NOTE = ("note", 5)
_OBJECT = (dict, type(None))  # what as_object accepts


# -- REST -------------------------------------------------------------------------------------
def load_rest(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load REST ``/incidents`` pages (+ log entries) from a JSON file or a folder of them."""
    severities = severity_map(SOURCE, DEFAULT_SEVERITY, options)
    parse = partial(parse_rest_page, zone=source_zone(options), severities=severities)
    vocabulary = RestVocabulary(SOURCE, STATUS, LOG_ENTRY_TYPES, CHANNELS, CUSTOM_FIELDS, severities)
    return load_delivery(con, path, options, kind="pagerduty", source=SOURCE, suffixes=(".json", ".csv"),
                         parse=parse, timeline=lambda w: bool(w.details.get("log_entries")),
                         derive=derive_from_log_entries,
                         bulk=lambda writer, files: stage_rest_pages(writer, files, vocabulary))


def parse_rest_page(file: Path, writer: IncidentWriter, *, zone: ZoneInfo | None, severities: SeverityMap) -> None:
    """One REST page (``incidents``, ``incident`` and/or ``log_entries``) → staged incidents and events;
    a DevLake raw table (``.csv``) → :func:`parse_devlake_incidents`."""
    if file.name.lower().endswith(".csv"):
        parse_devlake_incidents(file, writer, zone=zone, severities=severities)
        return
    doc = read_json(file)
    if not isinstance(doc, dict) or not ({"incidents", "incident", "log_entries"} & set(doc)):
        raise ExportFormatError("expected a PagerDuty REST page with 'incidents', 'incident' or "
                                "'log_entries'; this does not look like a PagerDuty REST export", file=file)
    records: list[Any] = []
    if "incidents" in doc:
        records = doc["incidents"] if isinstance(doc["incidents"], list) else _not_list(file, "incidents")
    if "incident" in doc:
        records = [*records, doc["incident"]]
    _stage_incidents(file, records, writer, zone=zone, severities=severities)
    if "log_entries" in doc:
        entries = doc["log_entries"] if isinstance(doc["log_entries"], list) else _not_list(file, "log_entries")
        writer.details["log_entries"] = writer.details.get("log_entries", 0) + len(entries)
        _stage_log_entries(file, entries, writer, zone=zone)


def parse_devlake_incidents(file: Path, writer: IncidentWriter, *, zone: ZoneInfo | None,
                            severities: SeverityMap) -> None:
    """Apache DevLake's ``_raw_pagerduty_incidents`` table: one REST Incident object per row with its
    ``log_entries[]`` embedded (DevLake collects them per incident); the entries are the timeline,
    exactly as if they came from an ``/incidents/{id}/log_entries`` page."""
    rows = devlake_rows(file, writer)
    _stage_incidents(file, [r.record for r in rows], writer, zone=zone, severities=severities,
                     numbers=[r.row for r in rows])
    entries: list[Any] = []
    for r in rows:
        embedded = r.record.get("log_entries") if isinstance(r.record, dict) else None
        if embedded is not None and not isinstance(embedded, list):
            writer.reject(file, r.row, "log_entries", "'log_entries' must be a list", r.record)
            continue
        entries += embedded or []
    writer.details["log_entries"] = writer.details.get("log_entries", 0) + len(entries)
    writer.details["devlake_rows"] = writer.details.get("devlake_rows", 0) + len(rows)
    _stage_log_entries(file, entries, writer, zone=zone)


def _not_list(file: Path, key: str) -> list[Any]:
    raise ExportFormatError(f"'{key}' must be a list", file=file, column=key)


def _stage_incidents(file: Path, records: list[Any], writer: IncidentWriter, *, zone: ZoneInfo | None,
                     severities: SeverityMap, numbers: list[int] | None = None) -> None:
    """The incidents of one page → one block of staged rows (bad records fail the file or are
    quarantined); ``numbers`` are their row numbers in the file (default 1, 2, …)."""
    writer.read(len(records))
    rows: list[tuple[Any, ...]] = []
    staged: list[int] = []
    for i, record in zip(numbers or range(1, len(records) + 1), records, strict=True):
        try:
            rows.append(rest_incident_values(record, zone=zone, severities=severities))
        except RowError as exc:
            writer.reject(file, i, exc.column, exc.message, record)
            continue
        staged.append(i)
    writer.incident_rows(REST_COLUMNS, rows, staged, file=file)


def _stage_log_entries(file: Path, entries: list[Any], writer: IncidentWriter, *, zone: ZoneInfo | None) -> None:
    """The log entries of one page → one block of staged events."""
    rows: list[tuple[Any, ...]] = []
    for i, entry in enumerate(entries, start=1):
        try:
            row = _plain_log_entry(entry, zone)
        except RowError:
            row = None
        if row is None:  # anything unusual: the general path converts it or names the problem
            try:
                row = log_entry_event(entry, zone=zone)
            except RowError as exc:
                writer.reject(file, i, f"log_entries.{exc.column}", exc.message, entry)
                continue
        rows.append(row)
    writer.event_rows(rows)


@lru_cache(maxsize=1024)
def _custom_column(name: str) -> str | None:
    """The canonical column a custom field name fills (names repeat on every incident)."""
    return CUSTOM_FIELDS.get(label_key(name))


def custom_field_values(value: Any) -> dict[str, Any]:
    """Incident custom fields as ``{canonical column: value}`` (list of {name, value} or a mapping)."""
    found: dict[str, Any] = {}
    if value is None:
        return found
    items: list[tuple[Any, Any]]
    if isinstance(value, dict):
        items = list(value.items())
    else:
        items = []
        for i, item in enumerate(as_list(value, "custom_fields")):
            obj = as_object(item, f"custom_fields[{i}]") or {}
            items.append((obj.get("name") or obj.get("display_name"), obj.get("value")))
    for name, val in items:
        if not isinstance(name, str):
            continue
        column = _custom_column(name)
        if column is not None and val is not None:
            found[column] = val
    return found


# the canonical columns of a REST incident, in the order rest_incident_values returns them
REST_COLUMNS: tuple[str, ...] = (
    "incident_id", "source", "source_id", "number", "title", "service", "team", "severity", "severity_rank",
    "severity_raw", "priority_raw", "urgency", "status", "status_raw", "created_at", "acknowledged_at",
    "resolved_at", "is_major", "category", "failure_mode", "fingerprint", "problem_id", "change_id",
    "deployment_id", "alert_count", "responders", "raw",
)


def rest_incident_row(record: Any, *, zone: ZoneInfo | None, severities: SeverityMap) -> dict[str, Any]:
    """One REST Incident object → canonical incident row (ack time is refined from log entries later)."""
    return dict(zip(REST_COLUMNS, rest_incident_values(record, zone=zone, severities=severities), strict=True))


def rest_incident_values(record: Any, *, zone: ZoneInfo | None, severities: SeverityMap) -> tuple[Any, ...]:
    """:func:`rest_incident_row` as a tuple in :data:`REST_COLUMNS` order (no dict per incident).

    Fields are checked in a fixed order, so a record with several problems always reports the same one.
    """
    rec, source_id = incident_object(record)
    get = rec.get
    created = parse_instant(get("created_at", get("created_on")), "created_at", zone=zone, required=True)
    status_raw = as_text(get("status"), "status")
    status = STATUS.get(status_raw.lower()) if status_raw else None
    if status_raw is not None and status is None:
        raise RowError("status", f"unknown status {status_raw[:40]!r} (expected triggered, acknowledged, resolved)")
    resolved = parse_instant(get("resolved_at"), "resolved_at", zone=zone)
    if resolved is None and status == "resolved":
        resolved = parse_instant(get("last_status_change_at"), "last_status_change_at", zone=zone)
    custom = custom_field_values(get("custom_fields"))
    priority = ref_name(get("priority"), "priority")
    urgency = as_text(get("urgency"), "urgency")
    severity_raw = as_text(custom.get("severity_raw"), "custom_fields.severity") if custom else None
    if severity_raw is not None:
        severity = severities.severity(severity_raw, "custom_fields.severity")
    elif priority is not None:
        severity = severities.severity(priority, "priority")
    else:
        severity = severities.lookup(f"urgency {urgency}") if urgency else None
    teams = as_list(get("teams"), "teams")
    acks = as_list(get("acknowledgements"), "acknowledgements")
    acknowledged, ackers = _acknowledgements(acks, zone) if acks else (None, [])
    joined = as_list(get("incidents_responders"), "incidents_responders")
    joined = _joined_responders(joined) if joined else []
    responders = list(dict.fromkeys(n for n in [*ackers, *joined] if n)) if ackers or joined else []
    alerts = as_object(get("alert_counts"), "alert_counts") or {}
    number = as_int(get("incident_number"), "incident_number")
    return (
        f"{SOURCE}:{source_id}", SOURCE, source_id, None if number is None else str(number),
        as_text(get("title", get("summary")), "title"),
        ref_name(get("service"), "service"),
        ref_name(teams[0], "teams") if teams else None,
        severity, rank_of(severity), severity_raw, priority, urgency, status, status_raw,
        created, acknowledged, resolved,
        as_bool(custom.get("is_major"), "custom_fields.major") if custom else None,
        as_text(custom.get("category"), "custom_fields.category") if custom else None,
        as_text(custom.get("failure_mode"), "custom_fields.failure_mode") if custom else None,
        as_text(get("incident_key"), "incident_key"),
        as_text(custom.get("problem_id"), "custom_fields.problem_id") if custom else None,
        as_text(custom.get("change_id"), "custom_fields.change_id") if custom else None,
        as_text(custom.get("deployment_id"), "custom_fields.deployment_id") if custom else None,
        as_int(alerts.get("all"), "alert_counts.all"),
        responders,
        raw_json(rec),
    )


def _acknowledgements(acks: list[Any], zone: ZoneInfo | None) -> tuple[datetime | None, list[str | None]]:
    """Earliest ``acknowledgements[].at`` and the acknowledgers (all times are checked first)."""
    times = [parse_instant((as_object(a, "acknowledgements") or {}).get("at"), "acknowledgements.at", zone=zone)
             for a in acks]
    ackers = [ref_name((as_object(a, "acknowledgements") or {}).get("acknowledger"), "acknowledgements.acknowledger")
              for a in acks]
    return min((t for t in times if t is not None), default=None), ackers


def _joined_responders(items: list[Any]) -> list[str | None]:
    """Names of ``incidents_responders`` whose state is joined (the default)."""
    joined = []
    for i, item in enumerate(items):
        obj = as_object(item, f"incidents_responders[{i}]") or {}
        if str(obj.get("state", "joined")).lower() == "joined":
            joined.append(ref_name(obj.get("user"), "incidents_responders.user"))
    return joined


def log_entry_event(entry: Any, *, zone: ZoneInfo | None) -> tuple[Any, ...]:
    """One log entry → one timeline event as an :data:`EVENT_ROW` tuple (unknown entry types are notes)."""
    obj = as_object(entry, "log_entry")
    if obj is None:
        raise RowError("log_entry", "expected a log entry object, got null")
    get = obj.get
    kind = as_text(get("type"), "type") or ""
    incident = as_object(get("incident"), "incident") or {}
    incident_id = as_text(incident.get("id"), "incident.id")
    if incident_id is None:
        raise RowError("incident.id", "log entry has no incident reference")
    at = parse_instant(get("created_at"), "created_at", zone=zone)
    if at is None:
        raise RowError("created_at", "log entry has no created_at")
    event_type, rank = LOG_ENTRY_TYPES.get(kind, _NOTE)
    agent = as_object(get("agent"), "agent") or {}
    actor = ref_name(get("user"), "user") if kind == "notify_log_entry" and get("user") else None
    actor = actor or ref_name(agent or None, "agent")
    channel_obj = as_object(get("channel"), "channel") or {}
    notification = as_object(channel_obj.get("notification"), "channel.notification") or {}
    channel_raw = as_text(notification.get("type") or channel_obj.get("type"), "channel.type")
    details = as_object(get("event_details"), "event_details") or {}
    detail = as_text(get("note") if kind == "annotate_log_entry" else details.get("description"), "note")
    if event_type == "note" and kind not in LOG_ENTRY_TYPES and kind:
        detail = detail or kind
    return (f"{SOURCE}:{incident_id}", at, event_type, actor,
            CHANNELS.get(channel_raw, channel_raw) if channel_raw else None, detail, rank,
            as_text(get("id"), "id"), as_text(agent.get("type"), "agent.type"))


def _plain_log_entry(obj: Any, zone: ZoneInfo | None) -> tuple[Any, ...] | None:
    """:func:`log_entry_event` for entries shaped as the API writes them (a known type; objects,
    strings and nulls where expected), else None. Same values, fewer checks: every text goes
    through :func:`plain_text`, anything it does not pass sends the entry down the general path."""
    if obj.__class__ is not dict:
        return None
    get = obj.get
    kind = get("type")
    incident = get("incident")
    if kind.__class__ is not str or kind not in LOG_ENTRY_TYPES or incident.__class__ is not dict:
        return None
    incident_id = plain_text(incident.get("id"))
    created = get("created_at")
    if incident_id is None or incident_id is NOT_PLAIN or created.__class__ is not str or not created.strip():
        return None
    at = instant_text(created.strip(), zone)
    agent, channel, details = get("agent"), get("channel"), get("event_details")
    if agent.__class__ not in _OBJECT or channel.__class__ not in _OBJECT or details.__class__ not in _OBJECT:
        return None
    agent, channel, details = agent or {}, channel or {}, details or {}
    notification = channel.get("notification")
    if notification.__class__ not in _OBJECT:
        return None
    notification = notification or {}
    actor = _plain_name(get("user")) if kind == "notify_log_entry" and get("user") else None
    actor = actor or _plain_name(agent or None)
    values = (actor, plain_text(notification.get("type") or channel.get("type")),
              plain_text(get("note") if kind == "annotate_log_entry" else details.get("description")),
              plain_text(get("id")), plain_text(agent.get("type")))
    if NOT_PLAIN in values:
        return None
    actor, channel_raw, detail, key, agent_type = values
    event_type, rank = LOG_ENTRY_TYPES[kind]
    return (f"{SOURCE}:{incident_id}", at, event_type, actor,
            CHANNELS.get(channel_raw, channel_raw) if channel_raw else None, detail, rank, key, agent_type)


def _plain_name(value: Any) -> Any:
    """:func:`ref_name` of None or a reference with a text ``summary``, else :data:`NOT_PLAIN`."""
    if value is None:
        return None
    if value.__class__ is dict and value.get("summary").__class__ is str:
        return plain_text(value["summary"])
    return NOT_PLAIN


def derive_from_log_entries(tx: LoadTransaction, final: str, events: str) -> None:
    """Ack time, responders, escalations and auto-resolution from the delivered timeline (SQL)."""
    run(tx.con, f"""
        UPDATE {final} AS f SET
            acknowledged_at = coalesce(d.first_ack, f.acknowledged_at),
            escalation_count = d.escalations,
            auto_resolved = coalesce(d.auto_resolved, FALSE),
            responders = list_concat(d.ackers, list_filter(coalesce(f.responders, []),
                                                           lambda x: NOT list_contains(d.ackers, x)))
        FROM (
            SELECT t.*, coalesce(a.ackers, []) AS ackers
            FROM (
                SELECT incident_id,
                       min(event_at) FILTER (WHERE event_type = 'acknowledge') AS first_ack,
                       count(*) FILTER (WHERE event_type = 'escalate')::INTEGER AS escalations,
                       -- the last resolve entry of the timeline (seq order: time, then delivery order)
                       arg_max(coalesce(__agent, '') NOT IN ('user_reference', 'user'), (event_at, __pos))
                           FILTER (WHERE event_type = 'resolve') AS auto_resolved
                FROM {events}
                GROUP BY incident_id
            ) AS t
            LEFT JOIN (  -- acknowledgers in the order of their first acknowledgement
                SELECT incident_id, list(actor ORDER BY first_at, actor) AS ackers
                FROM (SELECT incident_id, actor, min(event_at) AS first_at
                      FROM {events}
                      WHERE event_type = 'acknowledge' AND actor IS NOT NULL
                      GROUP BY incident_id, actor)
                GROUP BY incident_id
            ) AS a USING (incident_id)
        ) AS d
        WHERE f.incident_id = d.incident_id
    """)
    # Incidents re-delivered without log entries keep what their earlier timeline established.
    run(tx.con, f"""
        UPDATE {final} AS f SET
            acknowledged_at = coalesce(f.acknowledged_at, o.acknowledged_at),
            escalation_count = coalesce(f.escalation_count, o.escalation_count),
            auto_resolved = coalesce(f.auto_resolved, o.auto_resolved),
            responders = CASE WHEN len(coalesce(f.responders, [])) = 0 THEN o.responders ELSE f.responders END
        FROM incidents AS o
        WHERE o.incident_id = f.incident_id
          AND f.incident_id NOT IN (SELECT incident_id FROM {events})
    """)


# -- Analytics raw incidents and the UI CSV ----------------------------------------------------
ANALYTICS_FIELDS: tuple[str, ...] = (
    "id", "incident_number", "description", "status", "urgency", "major", "created_at", "updated_at",
    "resolved_at", "service_id", "service_name", "team_id", "team_name", "escalation_policy_id",
    "escalation_policy_name", "priority_id", "priority_name", "priority_order", "incident_type_id",
    "incident_type_name", "seconds_to_first_ack", "seconds_to_resolve", "seconds_to_engage", "seconds_to_mobilize",
    "engaged_seconds", "engaged_user_count", "active_user_count", "snoozed_seconds", "user_defined_effort_seconds",
    "acknowledgement_count", "assignment_count", "reassignment_count", "escalation_count",
    "manual_escalation_count", "timeout_escalation_count", "auto_resolved", "business_hour_interruptions",
    "off_hour_interruptions", "sleep_hour_interruptions", "total_interruptions", "total_notifications",
    "acknowledged_user_ids", "acknowledged_user_names", "assigned_user_ids", "assigned_user_names",
    "joined_user_ids", "joined_user_names", "resolved_by_user_id", "resolved_by_user_name",
)
# Title-Case UI CSV headers (and other spellings) → Analytics field names; the field names
# themselves (any case, spaces or underscores) are accepted too.
CSV_ALIASES: dict[str, str] = {
    **{label_key(f): f for f in ANALYTICS_FIELDS},
    **{label_key(k): v for k, v in {
        "Incident ID": "id", "Incident Id": "id", "Number": "incident_number", "Incident #": "incident_number",
        "#": "incident_number", "Title": "description", "Incident Title": "description", "Summary": "description",
        "Created": "created_at", "Created On": "created_at", "Opened At": "created_at", "Triggered At": "created_at",
        "Resolved": "resolved_at", "Resolved On": "resolved_at", "Updated": "updated_at",
        "Service": "service_name", "Team": "team_name", "Teams": "team_name", "Priority": "priority_name",
        "Escalation Policy": "escalation_policy_name", "Incident Type": "incident_type_name",
        "Major Incident": "major", "Is Major": "major", "Auto-Resolved": "auto_resolved",
        "Time to First Ack (s)": "seconds_to_first_ack", "Time To First Ack": "seconds_to_first_ack",
        "TTA (seconds)": "seconds_to_first_ack", "Time to Resolve (s)": "seconds_to_resolve",
        "Time To Resolve": "seconds_to_resolve", "TTR (seconds)": "seconds_to_resolve",
        "Engaged Time (s)": "engaged_seconds", "Escalations": "escalation_count",
        "Reassignments": "reassignment_count", "Interruptions": "total_interruptions",
        "Business Hour Interruptions": "business_hour_interruptions",
        "Off-Hour Interruptions": "off_hour_interruptions", "Off Hours Interruptions": "off_hour_interruptions",
        "Sleep Hour Interruptions": "sleep_hour_interruptions", "Sleep Hours Interruptions": "sleep_hour_interruptions",
        "Acknowledged By": "acknowledged_user_names", "Acknowledgers": "acknowledged_user_names",
        "Responders": "joined_user_names", "Resolved By": "resolved_by_user_name",
    }.items()},
}
_LIST_FIELDS = {"acknowledged_user_names", "joined_user_names", "assigned_user_names", "acknowledged_user_ids",
                "assigned_user_ids", "joined_user_ids"}


def load_analytics(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load Analytics raw-incidents JSON or the Insights CSV (offset-less times need ``--timezone``)."""
    zone = source_zone(options)
    severities = severity_map(SOURCE, DEFAULT_SEVERITY, options)

    def parse(file: Path, writer: IncidentWriter) -> None:
        if file.name.lower().endswith(".csv"):
            _parse_analytics_csv(file, writer, zone=zone, severities=severities)
            return
        doc = read_json(file)
        if isinstance(doc, dict) and "data" not in doc:
            raise ExportFormatError("expected an Analytics raw-incidents response with 'data' (a list of "
                                    "incidents); this does not look like a PagerDuty Analytics export", file=file)
        declared = doc.get("time_zone") if isinstance(doc, dict) else None
        _check_declared_zone(file, declared, options)
        records = doc["data"] if isinstance(doc, dict) else doc
        if not isinstance(records, list):
            raise ExportFormatError("'data' must be a list of incidents", file=file, column="data")
        for i, record in enumerate(records, start=1):
            writer.read()
            try:
                rec = as_object(record, "incident")
                if rec is None:
                    raise RowError("incident", "expected an incident object, got null")
                row = analytics_row(rec, zone=zone, severities=severities, declared_zone=declared)
            except RowError as exc:
                writer.reject(file, i, exc.column, exc.message, record)
                continue
            writer.incident(row, file=file, row_no=i)

    return load_delivery(con, path, options, kind="pagerduty-analytics", source=SOURCE,
                         suffixes=(".json", ".csv"), parse=parse, timeline=False)


def _check_declared_zone(file: Path, declared: Any, options: LoadOptions) -> None:
    """A ``time_zone`` the file declares must agree with ``--timezone`` when both are given."""
    if not isinstance(declared, str) or not options.timezone:
        return
    same = {"utc", "etc/utc", "etc/universal", "universal", "zulu", "etc/zulu", "gmt", "etc/gmt"}
    a, b = declared.strip().lower(), str(options.timezone).strip().lower()
    if a != b and not (a in same and b in same):
        raise UsageError(f"{file}: the export says time_zone {declared!r} but --timezone is {options.timezone!r}")


def _parse_analytics_csv(file: Path, writer: IncidentWriter, *, zone: ZoneInfo | None,
                         severities: SeverityMap) -> None:
    """The Insights CSV: headers through :data:`CSV_ALIASES`, cells parsed like the JSON fields."""
    table = read_csv(file)
    index = header_index(table.header, CSV_ALIASES)
    missing = [f for f in ("id", "created_at") if f not in index]
    if missing:
        raise ExportFormatError(f"required column missing: no header maps to {missing[0]} (see the alias table "
                                "in docs/incident-sources.md)", file=file, column=missing[0])
    for row_no, problem, raw in table.bad_rows:
        writer.read()
        writer.reject(file, row_no, None, problem, raw)
    for row_no, cells in table.rows:
        writer.read()
        rec: dict[str, Any] = {}
        for field_name, i in index.items():
            value: Any = cells[i] if cells[i].strip() != "" else None
            if field_name in _LIST_FIELDS and value is not None:
                value = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
            rec[field_name] = value
        extra = {h: cells[i] for i, h in enumerate(table.header) if i not in index.values() and cells[i] != ""}
        try:
            row = analytics_row(rec, zone=zone, severities=severities, declared_zone=None)
        except RowError as exc:
            header = next((h for h in table.header if CSV_ALIASES.get(label_key(h)) == exc.column), exc.column)
            writer.reject(file, row_no, header, exc.message, dict(zip(table.header, cells, strict=True)))
            continue
        if extra:
            row["raw"] = raw_json({**rec, "extra_columns": extra})
        writer.incident(row, file=file, row_no=row_no)


def analytics_row(rec: Mapping[str, Any], *, zone: ZoneInfo | None, severities: SeverityMap,
                  declared_zone: Any) -> dict[str, Any]:
    """One Analytics raw incident → canonical row; vendor durations kept, instants derived from them."""
    source_id = as_text(rec.get("id"), "id")
    if source_id is None:
        raise RowError("id", "incident id is missing")
    try:
        created = parse_instant(rec.get("created_at"), "created_at", zone=zone)
    except RowError as exc:
        if "no UTC offset" in exc.message and isinstance(declared_zone, str):
            raise RowError("created_at", f"{exc.message} (the export declares time_zone {declared_zone!r})") from None
        raise
    if created is None:
        raise RowError("created_at", "created_at is missing")
    to_ack = as_float(rec.get("seconds_to_first_ack"), "seconds_to_first_ack")
    to_resolve = as_float(rec.get("seconds_to_resolve"), "seconds_to_resolve")
    resolved = parse_instant(rec.get("resolved_at"), "resolved_at", zone=zone)
    if resolved is None:
        resolved = plus_seconds(created, to_resolve, "seconds_to_resolve")
    status_raw = as_text(rec.get("status"), "status")
    status = STATUS.get((status_raw or "").lower(), "resolved" if resolved is not None else None)
    priority = as_text(rec.get("priority_name"), "priority_name")
    urgency = as_text(rec.get("urgency"), "urgency")
    if priority is not None:
        severity = severities.severity(priority, "priority_name")
    else:
        severity = severities.lookup(f"urgency {urgency}") if urgency else None
    names = [*_names(rec.get("acknowledged_user_names"), "acknowledged_user_names"),
             *_names(rec.get("joined_user_names"), "joined_user_names")]
    number = as_int(rec.get("incident_number"), "incident_number")
    return {
        "incident_id": f"{SOURCE}:{source_id}",
        "source": SOURCE,
        "source_id": source_id,
        "number": None if number is None else str(number),
        "title": as_text(rec.get("description"), "description"),
        "service": as_text(rec.get("service_name"), "service_name"),
        "team": as_text(rec.get("team_name"), "team_name"),
        "severity": severity,
        "severity_rank": rank_of(severity),
        "priority_raw": priority,
        "urgency": urgency,
        "status": status,
        "status_raw": status_raw,
        "created_at": created,
        "acknowledged_at": plus_seconds(created, to_ack, "seconds_to_first_ack"),
        "resolved_at": resolved,
        "seconds_to_first_ack": to_ack,
        "seconds_to_resolve": to_resolve,
        "is_major": as_bool(rec.get("major"), "major"),
        "auto_resolved": as_bool(rec.get("auto_resolved"), "auto_resolved"),
        "category": as_text(rec.get("incident_type_name"), "incident_type_name"),
        "reassignment_count": as_int(rec.get("reassignment_count"), "reassignment_count"),
        "escalation_count": as_int(rec.get("escalation_count"), "escalation_count"),
        "interruptions_total": as_int(rec.get("total_interruptions"), "total_interruptions"),
        "interruptions_business": as_int(rec.get("business_hour_interruptions"), "business_hour_interruptions"),
        "interruptions_off_hours": as_int(rec.get("off_hour_interruptions"), "off_hour_interruptions"),
        "interruptions_sleep": as_int(rec.get("sleep_hour_interruptions"), "sleep_hour_interruptions"),
        "engaged_seconds": as_float(rec.get("engaged_seconds"), "engaged_seconds"),
        "responders": list(dict.fromkeys(names)),
        "raw": raw_json(dict(rec)),
    }


def _names(value: Any, column: str) -> list[str]:
    """A list of names from a JSON array (or one name)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [n for n in (as_text(v, column) for v in as_list(value, column)) if n]


# -- sniffing ---------------------------------------------------------------------------------
def _sniff_rest(path: Path, head: bytes) -> bool:
    if path.is_file() and path.name.lower().endswith(".csv"):
        return sniff_devlake(path, head, '""incident_number""')
    if path.is_file() and not path.name.lower().endswith(".json"):
        return False
    text = utf8_text(json_head(path, head))
    if '"incident_updates"' in text or '"seconds_to_first_ack"' in text:
        return False
    return '"log_entries"' in text or ('"incident_number"' in text and '"incident' in text)


def _sniff_analytics(path: Path, head: bytes) -> bool:
    name = path.name.lower()
    if path.is_file() and name.endswith(".csv"):
        index = header_index(csv_head(head), CSV_ALIASES)
        vendor = {"seconds_to_first_ack", "seconds_to_resolve", "total_interruptions", "off_hour_interruptions",
                  "sleep_hour_interruptions", "engaged_seconds"}
        return {"id", "created_at"} <= set(index) and bool(vendor & set(index))
    if path.is_file() and not name.endswith(".json"):
        return False
    text = utf8_text(json_head(path, head))
    return '"seconds_to_first_ack"' in text or ('"service_name"' in text and '"incident_number"' in text)


register(SourceKind("pagerduty", "incidents", "PagerDuty REST /incidents pages + log_entries (JSON file or folder)",
                    load_rest, sniff=_sniff_rest))
register(SourceKind("pagerduty-analytics", "incidents",
                    "PagerDuty Analytics raw incidents JSON or Insights CSV (needs --timezone)", load_analytics,
                    sniff=_sniff_analytics))


# -- the REST client --------------------------------------------------------------------------
API = "https://api.pagerduty.com"
MAX_WINDOW = timedelta(days=180)  # the API allows at most 6 months between since and until
MAX_OFFSET = 10_000  # classic pagination stops at offset + limit = 10,000


class PagerDutyApiError(AnalyticsError):
    """The PagerDuty API refused a request or kept failing after the retries."""


def api_token(token: str | None = None) -> str:
    """The API token from the argument or ``PAGERDUTY_TOKEN`` (never logged)."""
    found = token or os.environ.get("PAGERDUTY_TOKEN")
    if not found:
        raise UsageError("no PagerDuty API token: pass one or set PAGERDUTY_TOKEN")
    return found


def date_windows(
    since: datetime, until: datetime, *, window: timedelta = MAX_WINDOW
) -> list[tuple[datetime, datetime]]:
    """Split ``[since, until)`` into consecutive windows no longer than ``window``.

    >>> w = date_windows(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    >>> [(a.date().isoformat(), b.date().isoformat()) for a, b in w]
    [('2026-01-01', '2026-06-30'), ('2026-06-30', '2026-12-27'), ('2026-12-27', '2026-12-31')]
    """
    if since.tzinfo is None or until.tzinfo is None:
        raise UsageError("since and until need a time zone (e.g. 2026-07-01T00:00:00+00:00)")
    if until <= since:
        raise UsageError(f"until ({until.isoformat()}) must be after since ({since.isoformat()})")
    if window <= timedelta(0):
        raise UsageError("window must be positive")
    out = []
    start = since
    while start < until:
        end = min(start + window, until)
        out.append((start, end))
        start = end
    return out


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of a URL (the port made explicit): what "the same server" means.

    >>> _origin("https://api.pagerduty.com/incidents?x=1") == _origin("https://API.pagerduty.com:443/")
    True
    """
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"https": 443, "http": 80}.get(scheme)


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the API's own scheme, host and port. urllib copies every request
    header, the token included, to wherever a redirect points; a redirect elsewhere is refused."""

    def __init__(self, base_url: str) -> None:
        self.origin = _origin(base_url)

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        if _origin(newurl) != self.origin:
            fp.close()
            scheme, host, port = _origin(newurl)
            raise PagerDutyApiError(
                f"PagerDuty API {urllib.parse.urlsplit(req.full_url).path}: HTTP {code} redirect to "
                f"{scheme}://{host}:{port} refused; the API token is only sent to "
                f"{self.origin[0]}://{self.origin[1]}:{self.origin[2]}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Client:
    """GET requests with the token header, retries on 429 (Retry-After) and on 5xx/network errors.
    The token goes only to ``base_url``'s server (:class:`_SameOriginRedirects`), and an error names
    the HTTP status and reason, never the response body (which can echo the request's token)."""

    def __init__(self, token: str, base_url: str, *, max_retries: int, timeout: float,
                 sleep: Callable[[float], None], backoff: float, max_wait: float) -> None:
        self._token = token
        self._headers = {"Authorization": f"Token token={token}",
                         "Accept": "application/vnd.pagerduty+json;version=2",
                         "User-Agent": f"opsreview/{__version__}"}
        self.base_url = base_url.rstrip("/")
        self._opener = urllib.request.build_opener(_SameOriginRedirects(self.base_url))
        self.max_retries = max_retries
        self.timeout = timeout
        self.sleep = sleep
        self.backoff = backoff
        self.max_wait = max_wait
        self.requests = 0
        self.retries = 0

    def get(self, path: str, params: Sequence[tuple[str, str]]) -> tuple[dict[str, Any], bytes]:
        """GET a JSON object (returns the parsed object and the raw bytes)."""
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(list(params))}"
        for attempt in range(self.max_retries + 1):
            self.requests += 1
            log.debug("GET %s", url)
            try:
                request = urllib.request.Request(url, headers=self._headers, method="GET")
                with self._opener.open(request, timeout=self.timeout) as response:
                    body = response.read()
                break
            except urllib.error.HTTPError as exc:
                status = exc.code
                message = self._reason(exc)
                exc.close()
                if status == 429 or status >= 500:
                    if attempt == self.max_retries:
                        raise PagerDutyApiError(f"PagerDuty API {path}: HTTP {status} {message} after {attempt} "
                                                "retries") from None
                    wait = self._retry_after(exc.headers.get("Retry-After"), attempt)
                    log.warning("PagerDuty API %s: HTTP %d, retrying in %.1f s", path, status, wait)
                    self.retries += 1
                    self.sleep(wait)
                    continue
                if status in (401, 403):
                    raise UsageError(f"PagerDuty API refused the token (HTTP {status} {message})") from None
                raise PagerDutyApiError(f"PagerDuty API {path}: HTTP {status} {message}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = self._masked(str(getattr(exc, "reason", exc)))
                if attempt == self.max_retries:
                    raise PagerDutyApiError(f"PagerDuty API {path}: {reason}") from None
                wait = self._retry_after(None, attempt)
                log.warning("PagerDuty API %s: %s, retrying in %.1f s", path, reason, wait)
                self.retries += 1
                self.sleep(wait)
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PagerDutyApiError(f"PagerDuty API {path}: the response is not JSON") from exc
        if not isinstance(doc, dict):
            raise PagerDutyApiError(f"PagerDuty API {path}: expected a JSON object")
        return doc, body

    def _masked(self, text: str) -> str:
        """``text`` without the token (or any other credential :func:`analytics.redact.redact` knows)."""
        return redact(text.replace(self._token, MASK))

    def _reason(self, exc: urllib.error.HTTPError) -> str:
        """The HTTP reason phrase only (``Unauthorized``): the body is never read into a message."""
        return self._masked(" ".join(str(exc.reason or "").split())[:80])

    def _retry_after(self, header: str | None, attempt: int) -> float:
        """Seconds to wait: the Retry-After header (seconds or HTTP date), else exponential backoff."""
        if header:
            try:
                return min(max(float(header), 0.0), self.max_wait)
            except ValueError:
                try:
                    when = parsedate_to_datetime(header)
                    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), self.max_wait)
                except (TypeError, ValueError):
                    pass
        return min(self.backoff * 2**attempt, self.max_wait)


def fetch_incidents(
    token: str | None,
    since: datetime,
    until: datetime,
    *,
    out_dir: Path,
    base_url: str = API,
    log_entries: bool = True,
    page_size: int = 100,
    window: timedelta = MAX_WINDOW,
    params: Mapping[str, str | Sequence[str]] | None = None,
    max_retries: int = 6,
    timeout: float = 30.0,
    backoff: float = 1.0,
    max_wait: float = 300.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Path]:
    """Fetch incidents created in ``[since, until)`` (and their log entries) into ``out_dir``.

    Writes every ``/incidents`` page as the API returned it (``incidents-wWW-pPPPP.json``) and the
    log entries of each page's incidents (``log_entries-wWW-pPPPP.json``); load the folder with
    ``opsreview ingest pagerduty out_dir``. The range is split into windows of at most six months
    (the API's limit), a window holding more than 10,000 incidents is halved, pages follow
    ``limit``/``offset``/``more``, and 429 responses are retried after their ``Retry-After``.
    The token comes from the argument or ``PAGERDUTY_TOKEN`` and is never logged.
    """
    if not 1 <= page_size <= 100:
        raise UsageError("page_size must be within 1..100")
    client = _Client(api_token(token), base_url, max_retries=max_retries, timeout=timeout, sleep=sleep,
                     backoff=backoff, max_wait=max_wait)
    out_dir.mkdir(parents=True, exist_ok=True)
    extra = [(k, v) for k, vals in (params or {}).items() for v in ([vals] if isinstance(vals, str) else vals)]
    written: list[Path] = []
    pending = list(date_windows(since, until, window=window))
    number = 0
    while pending:
        start, end = pending.pop(0)
        base = [("since", _iso(start)), ("until", _iso(end)), ("time_zone", "UTC"), ("sort_by", "created_at:asc"),
                *extra]
        first, _ = client.get("/incidents", [*base, ("limit", "1"), ("offset", "0"), ("total", "true")])
        total = int(first.get("total") or 0)
        if total > MAX_OFFSET and end - start > timedelta(minutes=2):
            middle = start + (end - start) / 2
            pending[:0] = [(start, middle), (middle, end)]
            log.info("window %s–%s holds %d incidents; splitting it", _iso(start), _iso(end), total)
            continue
        number += 1
        offset, page = 0, 0
        while True:
            doc, body = client.get("/incidents", [*base, ("limit", str(page_size)), ("offset", str(offset))])
            page += 1
            incidents = doc.get("incidents") or []
            target = out_dir / f"incidents-w{number:02d}-p{page:04d}.json"
            target.write_bytes(body)
            written.append(target)
            if log_entries and incidents:
                entries = []
                for incident in incidents:
                    entries += _incident_log_entries(client, str(incident.get("id")))
                target = out_dir / f"log_entries-w{number:02d}-p{page:04d}.json"
                target.write_text(json.dumps({"log_entries": entries}), encoding="utf-8")
                written.append(target)
            if not doc.get("more") or not incidents:
                break
            offset += len(incidents)
            if offset + page_size > MAX_OFFSET:
                raise PagerDutyApiError(f"window {_iso(start)}–{_iso(end)} exceeds the API's 10,000-offset limit")
    log.info("fetched %d file(s) from PagerDuty in %d request(s) (%d retried)", len(written), client.requests,
             client.retries)
    return written


def _incident_log_entries(client: _Client, incident_id: str) -> list[Any]:
    """Every log entry of one incident (paged)."""
    path = f"/incidents/{urllib.parse.quote(incident_id, safe='')}/log_entries"
    entries: list[Any] = []
    offset = 0
    while True:
        doc, _ = client.get(path, [("limit", "100"), ("offset", str(offset)), ("is_overview", "false"),
                                   ("time_zone", "UTC")])
        batch = doc.get("log_entries") or []
        entries += batch
        if not doc.get("more") or not batch:
            return entries
        offset += len(batch)
