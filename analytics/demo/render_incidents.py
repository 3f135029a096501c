"""Render canonical incidents and their timelines as PagerDuty REST API v2 exports.

:func:`write_pagerduty_rest` writes ``/incidents`` list pages and ``log_entries`` pages that the
``pagerduty`` loader (:mod:`analytics.sources.incidents.pagerduty`) reads back into the same canonical rows,
so the demo exercises the real loader. What PagerDuty's REST objects carry:

* incident fields: id, incident_number, title, service, first team, priority (``priority_raw``),
  urgency, status (open → triggered), created_at, resolved_at, incident_key (``fingerprint``),
  alert_counts.all (``alert_count``);
* custom fields (``custom_fields``: name/value pairs): ``severity`` (``severity_raw``),
  ``failure_mode``, ``category``, ``problem_id``, ``change_id``, ``deployment_id``, ``major``;
* log entries: one per event row (trigger, notify, escalate, assign, acknowledge, unacknowledge,
  resolve, note); the loader derives ``acknowledged_at`` (earliest acknowledge), ``escalation_count``,
  ``auto_resolved`` (the resolve entry's agent is a service, not a user) and ``responders``
  (acknowledgers, then joined ``incidents_responders``).

Not representable, so they come back NULL: ``impact_started_at``, ``mitigated_at``,
``closed_at``, vendor seconds, reopen/reassignment counts, interruptions, ``engaged_seconds``; and
an unresolved incident's ``auto_resolved`` comes back FALSE. Event types ``state_change`` and
``reopen`` have no PagerDuty log entry and are refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

SOURCE = "pagerduty"
PAGE_SIZE = 100
API = "https://api.pagerduty.com"
WEB = "https://lumen.pagerduty.com"
STATUS_OUT = {"open": "triggered", "acknowledged": "acknowledged", "resolved": "resolved"}
ENTRY_TYPES = {"trigger": "trigger_log_entry", "notify": "notify_log_entry", "escalate": "escalate_log_entry",
               "assign": "assign_log_entry", "acknowledge": "acknowledge_log_entry",
               "unacknowledge": "unacknowledge_log_entry", "resolve": "resolve_log_entry", "note": "annotate_log_entry"}
CHANNELS_OUT = {"sms": "sms", "phone": "phone", "push": "push_notification", "email": "email", "web": "website",
                "api": "api", "integration": "integration", "mobile": "mobile", "auto": "auto", "timeout": "timeout"}
NOTIFICATIONS_OUT = {"sms": "sms_notification", "phone": "phone_notification", "push": "push_notification",
                     "email": "email_notification"}
CUSTOM_FIELDS_OUT = {"severity_raw": "severity", "failure_mode": "failure_mode", "category": "category",
                     "problem_id": "problem_id", "change_id": "change_id", "deployment_id": "deployment_id",
                     "is_major": "major"}


def _value(x: Any) -> Any:
    """None for pandas/numpy missing values, plain Python values otherwise."""
    if x is None or x is pd.NaT:
        return None
    if isinstance(x, float) and math.isnan(x):
        return None
    if hasattr(x, "item") and not isinstance(x, list | tuple | str):
        with contextlib.suppress(ValueError, AttributeError):
            x = x.item()
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    return x


def _iso(moment: Any) -> str | None:
    """A UTC ISO 8601 string with ``Z`` (fractions only when present)."""
    value = _value(moment)
    if value is None:
        return None
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{ts.microsecond:06d}Z" if ts.microsecond else f"{text}Z"


def _ref_id(kind: str, name: str) -> str:
    """A stable PagerDuty-looking id (``P`` + 6 characters) for a named object."""
    return "P" + hashlib.sha1(f"{kind}:{name}".encode()).hexdigest()[:6].upper()


def _ref(kind: str, name: str, path: str) -> dict[str, Any]:
    ref_id = _ref_id(kind, name)
    return {"id": ref_id, "type": f"{kind}_reference", "summary": name, "self": f"{API}/{path}/{ref_id}",
            "html_url": f"{WEB}/{path}/{ref_id}"}


def _people(value: Any) -> list[str]:
    value = _value(value) if not isinstance(value, list | tuple) and not hasattr(value, "tolist") else value
    if value is None:
        return []
    items = value.tolist() if hasattr(value, "tolist") else list(value)
    return [str(v) for v in items if _value(v) is not None]


def _incident_object(inc: dict[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    """One canonical incident row → a REST Incident object."""
    source_id = str(inc["source_id"])
    number = _value(inc.get("number"))
    if number is not None and not str(number).isdigit():
        raise ValueError(f"incident {source_id}: number {number!r} is not an integer (PagerDuty incident_number)")
    status = _value(inc.get("status")) or ("resolved" if _value(inc.get("resolved_at")) else "open")
    status_raw = _value(inc.get("status_raw"))
    pd_status = status_raw if status_raw in STATUS_OUT.values() else STATUS_OUT.get(status)
    if pd_status is None:
        raise ValueError(f"incident {source_id}: status {status!r} has no PagerDuty equivalent")
    created, resolved = _iso(inc["created_at"]), _iso(inc.get("resolved_at"))
    title = _value(inc.get("title")) or ""
    service, team = _value(inc.get("service")), _value(inc.get("team"))
    acks = [e for e in entries if e["event_type"] == "acknowledge"]
    ackers = list(dict.fromkeys(str(e["actor"]) for e in sorted(acks, key=lambda e: (e["event_at"], str(e["actor"])))
                                if e.get("actor") is not None))
    joined = [p for p in _people(inc.get("responders")) if p not in ackers]
    alerts = _value(inc.get("alert_count"))
    custom = [{"name": name, "value": _value(inc.get(column))} for column, name in CUSTOM_FIELDS_OUT.items()
              if _value(inc.get(column)) is not None]
    last_change = resolved or (_iso(min(e["event_at"] for e in acks)) if acks else None) or created
    priority = _value(inc.get("priority_raw"))
    return {
        "id": source_id,
        "type": "incident",
        "summary": f"[#{number}] {title}" if number is not None else title,
        "self": f"{API}/incidents/{source_id}",
        "html_url": f"{WEB}/incidents/{source_id}",
        "incident_number": int(number) if number is not None else None,
        "title": title or None,
        "created_at": created,
        "updated_at": last_change,
        "status": pd_status,
        "resolved_at": resolved,
        "last_status_change_at": last_change,
        "incident_key": _value(inc.get("fingerprint")),
        "urgency": _value(inc.get("urgency")),
        "priority": {**_ref("priority", str(priority), "priorities"), "type": "priority_reference"}
        if priority is not None else None,
        "service": _ref("service", str(service), "services") if service is not None else None,
        "escalation_policy": _ref("escalation_policy", f"{service or 'default'} policy", "escalation_policies"),
        "teams": [_ref("team", str(team), "teams")] if team is not None else [],
        "assignments": [] if pd_status == "resolved" else [
            {"at": created, "assignee": _ref("user", name, "users")} for name in ackers[:1]],
        "acknowledgements": [] if pd_status != "acknowledged" else [
            {"at": _iso(e["event_at"]), "acknowledger": _ref("user", str(e["actor"]), "users")} for e in acks],
        "incidents_responders": [{"state": "joined", "user": _ref("user", name, "users")} for name in joined],
        "alert_counts": {"all": alerts, "triggered": 0 if pd_status == "resolved" else alerts,
                         "resolved": alerts if pd_status == "resolved" else 0} if alerts is not None else None,
        "custom_fields": custom,
        "incident_type": {"name": "incident_default"},
        "is_mergeable": True,
    }


def _log_entry(inc: dict[str, Any], event: dict[str, Any], seq: int) -> dict[str, Any]:
    """One canonical event row → a REST log entry of the incident."""
    source_id = str(inc["source_id"])
    kind = ENTRY_TYPES.get(event["event_type"])
    if kind is None:
        raise ValueError(f"incident {source_id}: event type {event['event_type']!r} has no PagerDuty log entry")
    actor = _value(event.get("actor"))
    channel = _value(event.get("channel"))
    detail = _value(event.get("detail"))
    automatic = kind == "trigger_log_entry" or (kind == "resolve_log_entry" and bool(_value(inc.get("auto_resolved"))))
    entry: dict[str, Any] = {
        "id": f"R{source_id}{seq:03d}",
        "type": kind,
        "summary": f"{event['event_type']} by {actor}" if actor else event["event_type"],
        "self": f"{API}/log_entries/R{source_id}{seq:03d}",
        "html_url": f"{WEB}/incidents/{source_id}/log_entries/R{source_id}{seq:03d}",
        "created_at": _iso(event["event_at"]),
        "incident": {"id": source_id, "type": "incident_reference", "self": f"{API}/incidents/{source_id}"},
        "contexts": [],
    }
    if actor is not None and kind != "notify_log_entry":
        entry["agent"] = {**_ref("service" if automatic else "user", str(actor), "services" if automatic else "users"),
                          "summary": str(actor)}
    if kind == "notify_log_entry" and actor is not None:
        entry["user"] = _ref("user", str(actor), "users")
    if channel is not None:
        if kind == "notify_log_entry" and channel in NOTIFICATIONS_OUT:
            entry["channel"] = {"type": "auto", "notification": {"type": NOTIFICATIONS_OUT[channel]}}
        else:
            entry["channel"] = {"type": CHANNELS_OUT.get(str(channel), str(channel))}
    if detail is not None:
        if kind == "annotate_log_entry":
            entry["note"] = str(detail)
        else:
            entry["event_details"] = {"description": str(detail)}
    return entry


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(zip(frame.columns, row, strict=True)) for row in frame.itertuples(index=False, name=None)]


def write_pagerduty_rest(incidents: pd.DataFrame, events: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write canonical incidents (+ incident_events) as PagerDuty REST ``/incidents`` pages of 100 and
    matching ``log_entries`` pages into ``out_dir``; return the files in load order.

    ``incidents`` needs ``source_id`` (or ``incident_id`` = ``pagerduty:<id>``) and ``created_at``;
    ``events`` has the ``incident_events`` columns (``seq`` orders each timeline).
    """
    if "source_id" not in incidents.columns and "incident_id" not in incidents.columns:
        raise ValueError("incidents need a source_id or incident_id column")
    rows = _records(incidents)
    for row in rows:
        if _value(row.get("source")) not in (None, SOURCE):
            raise ValueError(f"only pagerduty incidents render as PagerDuty exports, got {row.get('source')!r}")
        if _value(row.get("source_id")) is None:
            incident_id = str(row["incident_id"])
            if not incident_id.startswith(f"{SOURCE}:"):
                raise ValueError(f"incident_id {incident_id!r} is not pagerduty:<id>")
            row["source_id"] = incident_id.split(":", 1)[1]
        if _value(row.get("created_at")) is None:
            raise ValueError(f"incident {row['source_id']}: created_at is required")
    by_incident: dict[str, list[dict[str, Any]]] = {}
    if len(events):
        ordered = events.sort_values(["incident_id", "seq"] if "seq" in events.columns else ["incident_id"],
                                     kind="stable")
        for event in _records(ordered):
            by_incident.setdefault(str(event["incident_id"]), []).append(event)
    rows.sort(key=lambda r: (pd.Timestamp(r["created_at"]), str(r["source_id"])))
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    total = len(rows)
    for page, start in enumerate(range(0, total, PAGE_SIZE), start=1):
        chunk = rows[start:start + PAGE_SIZE]
        objects, entries = [], []
        for inc in chunk:
            mine = by_incident.get(f"{SOURCE}:{inc['source_id']}", [])
            _check_consistency(inc, mine)
            objects.append(_incident_object(inc, mine))
            entries += [_log_entry(inc, event, seq) for seq, event in enumerate(mine)]
        page_doc = {"incidents": objects, "limit": PAGE_SIZE, "offset": start, "total": None,
                    "more": start + PAGE_SIZE < total}
        written.append(_dump(out_dir / f"incidents-{page:04d}.json", page_doc))
        if entries:
            written.append(_dump(out_dir / f"log_entries-{page:04d}.json",
                                 {"log_entries": entries, "limit": len(entries), "offset": 0, "more": False}))
    return written


def _check_consistency(inc: dict[str, Any], events: Iterable[dict[str, Any]]) -> None:
    """The loader derives ack time and escalations from the log entries: they must agree with the row."""
    events = list(events)
    acks = [pd.Timestamp(e["event_at"]) for e in events if e["event_type"] == "acknowledge"]
    acknowledged = _value(inc.get("acknowledged_at"))
    if acknowledged is not None and (not acks or min(acks) != pd.Timestamp(acknowledged)):
        raise ValueError(f"incident {inc['source_id']}: acknowledged_at {acknowledged} does not match its earliest "
                         "acknowledge event")
    escalations = _value(inc.get("escalation_count"))
    counted = sum(e["event_type"] == "escalate" for e in events)
    if escalations is not None and events and int(escalations) != counted:
        raise ValueError(f"incident {inc['source_id']}: escalation_count {escalations} but {counted} escalate events")


def _dump(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, indent=1, default=_json_default), encoding="utf-8")
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value.astimezone(UTC))
    plain = _value(value)
    if plain is not value:
        return plain
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
