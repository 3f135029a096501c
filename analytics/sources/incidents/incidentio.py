"""incident.io (kind ``incidentio``): API v2 JSON (``{"incidents": [...]}`` list pages, a single
``{"incident": {...}}``, or a bare list; files or a folder) and the dashboard CSV export through a
header-alias table.

Timestamps are org-configurable: each ``incident_timestamp_values`` element names its timestamp
(``incident_timestamp.name``); the loader pivots them by name through :data:`DEFAULT_TIMESTAMPS`
("Impact started at" → ``impact_started_at``, "Acknowledged at" → ``acknowledged_at``,
"Fixed at"/"Mitigated at" → ``mitigated_at``, "Resolved at" → ``resolved_at``, "Closed at" →
``closed_at``). An organisation with other names passes a YAML file with ``--mapping``::

    timestamps:
      "Stabilised at": mitigated_at
      "Customer impact ended": resolved_at

In the CSV the same names are column headers. ``created_at`` is the incident's ``created_at``.

Status comes from ``incident_status.category``: triage → open, live/paused → acknowledged,
learning → resolved, closed → closed, declined/merged/canceled → canceled (metrics leave
canceled incidents out). ``test`` and ``tutorial`` mode incidents are skipped and counted.
Custom fields named like "Affected services", "Team", "Root cause"/"Failure mode", "Category" and
"Problem" fill ``service``, ``team``, ``failure_mode``, ``category`` and ``problem_id``; role
assignments give ``responders`` (lead first); ``workload_minutes_total`` × 60 is
``engaged_seconds``. Severity is ``severity.name`` through :data:`DEFAULT_SEVERITY`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import yaml

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources.incidents._common import (
    IncidentWriter,
    RowError,
    SeverityMap,
    as_float,
    as_list,
    as_object,
    as_text,
    csv_head,
    header_index,
    json_head,
    label_key,
    load_delivery,
    parse_instant,
    rank_of,
    raw_json,
    read_csv,
    read_json,
    ref_name,
    severity_map,
    source_zone,
    utf8_text,
)
from analytics.sources.incidents._records import incident_object, write_records
from analytics.warehouse.ledger import LoadResult

SOURCE = "incidentio"
DEFAULT_SEVERITY: dict[str, str] = {
    "critical": "SEV1", "major": "SEV2", "minor": "SEV3", "low": "SEV4", "info": "SEV5", "informational": "SEV5",
    **{f"sev{n}": f"SEV{n}" for n in range(1, 6)}, **{f"p{n}": f"SEV{n}" for n in range(1, 6)},
    "sev0": "SEV1",
}
DEFAULT_TIMESTAMPS: dict[str, str] = {
    "impact started at": "impact_started_at", "acknowledged at": "acknowledged_at",
    "accepted at": "acknowledged_at", "fixed at": "mitigated_at", "mitigated at": "mitigated_at",
    "resolved at": "resolved_at", "closed at": "closed_at",
}
TIMESTAMP_COLUMNS = ("impact_started_at", "acknowledged_at", "mitigated_at", "resolved_at", "closed_at")
CATEGORY_STATUS: dict[str, str] = {"triage": "open", "live": "acknowledged", "paused": "acknowledged",
                                   "learning": "resolved", "closed": "closed", "declined": "canceled",
                                   "merged": "canceled", "canceled": "canceled", "cancelled": "canceled"}
CUSTOM_FIELDS: dict[str, str] = {
    "affectedservices": "service", "affectedservice": "service", "services": "service", "service": "service",
    "team": "team", "teams": "team", "owningteam": "team", "rootcause": "failure_mode", "failuremode": "failure_mode",
    "category": "category", "problem": "problem_id", "problemid": "problem_id",
}
CSV_ALIASES: dict[str, str] = {label_key(k): v for k, v in {
    "ID": "id", "Incident ID": "id", "Reference": "reference", "Name": "name", "Title": "name",
    "Summary": "summary", "Status": "status", "Status category": "status_category", "Severity": "severity",
    "Type": "incident_type", "Incident type": "incident_type", "Mode": "mode", "Created at": "created_at",
    "Created": "created_at", "Updated at": "updated_at", "Workload minutes total": "workload_minutes_total",
    "Incident lead": "lead", "Lead": "lead",
}.items()}
_SKIPPED_MODES = {"test", "tutorial"}


def timestamp_names(options: LoadOptions) -> dict[str, str]:
    """Timestamp name → canonical column: the defaults plus the ``timestamps:`` section of ``--mapping``."""
    names = {label_key(k): v for k, v in DEFAULT_TIMESTAMPS.items()}
    if options.mapping is None:
        return names
    path = Path(options.mapping)
    try:
        doc = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read mapping {path}: {exc.strerror or exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"mapping {path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
    section = doc.get("timestamps") if isinstance(doc, dict) else None
    if not isinstance(section, dict):
        raise UsageError(f"mapping {path} needs a 'timestamps:' section of name → column")
    for name, column in section.items():
        if column not in TIMESTAMP_COLUMNS:
            raise UsageError(f"mapping {path}: {name!r} maps to {column!r}; expected one of "
                             f"{', '.join(TIMESTAMP_COLUMNS)}")
        names[label_key(str(name))] = str(column)
    return names


def load_incidentio(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load incident.io API JSON pages or the dashboard CSV (file or folder)."""
    zone = source_zone(options)
    severities = severity_map(SOURCE, DEFAULT_SEVERITY, options)
    stamps = timestamp_names(options)

    def parse(file: Path, writer: IncidentWriter) -> None:
        if file.name.lower().endswith(".csv"):
            _parse_csv(file, writer, zone=zone, severities=severities, stamps=stamps)
            return
        doc = read_json(file)
        if isinstance(doc, dict) and "incident" in doc and isinstance(doc["incident"], dict):
            records: Any = [doc["incident"]]
        elif isinstance(doc, dict) and "incidents" in doc:
            records = doc["incidents"]
        elif isinstance(doc, list):
            records = doc
        else:
            raise ExportFormatError("expected an incident.io API response with 'incidents' (or 'incident'); this "
                                    "does not look like an incident.io export", file=file)
        if not isinstance(records, list):
            raise ExportFormatError("'incidents' must be a list", file=file, column="incidents")
        write_records(file, records, writer,
                      lambda record: incidentio_row(record, zone=zone, severities=severities, stamps=stamps),
                      skipped="skipped_test_incidents")

    return load_delivery(con, path, options, kind="incidentio", source=SOURCE, suffixes=(".json", ".csv"),
                         parse=parse, timeline=False)


def _parse_csv(file: Path, writer: IncidentWriter, *, zone: ZoneInfo | None, severities: SeverityMap,
               stamps: dict[str, str]) -> None:
    """The dashboard CSV: fixed columns through :data:`CSV_ALIASES`, timestamp and custom-field columns by name."""
    table = read_csv(file)
    index = header_index(table.header, CSV_ALIASES)
    for required in ("id", "created_at"):
        if required not in index:
            raise ExportFormatError("required column missing", file=file, column=required)
    for row_no, problem, raw in table.bad_rows:
        writer.read()
        writer.reject(file, row_no, None, problem, raw)
    for row_no, cells in table.rows:
        writer.read()
        cell = {h: (c if c.strip() else None) for h, c in zip(table.header, cells, strict=True)}
        flat = {name: cells[i] if cells[i].strip() else None for name, i in index.items()}
        rec: dict[str, Any] = {
            "id": flat.get("id"), "reference": flat.get("reference"), "name": flat.get("name"),
            "summary": flat.get("summary"), "mode": flat.get("mode"), "created_at": flat.get("created_at"),
            "severity": {"name": flat["severity"]} if flat.get("severity") else None,
            "incident_status": {"name": flat.get("status"), "category": flat.get("status_category")},
            "incident_type": {"name": flat["incident_type"]} if flat.get("incident_type") else None,
            "workload_minutes_total": flat.get("workload_minutes_total"),
            "incident_role_assignments": [{"role": {"role_type": "lead"}, "assignee": {"name": flat["lead"]}}]
            if flat.get("lead") else [],
            "incident_timestamp_values": [{"incident_timestamp": {"name": h}, "value": {"value": v}}
                                          for h, v in cell.items() if label_key(h) in stamps and v],
            "custom_field_entries": [{"custom_field": {"name": h}, "values": [{"value_text": v}]}
                                     for h, v in cell.items() if label_key(h) in CUSTOM_FIELDS and v],
        }
        try:
            row = incidentio_row(rec, zone=zone, severities=severities, stamps=stamps)
        except RowError as exc:
            header = next((h for h in table.header if CSV_ALIASES.get(label_key(h)) == exc.column.split(".")[0]),
                          exc.column) if exc.column else None
            writer.reject(file, row_no, header, exc.message, cell)
            continue
        if row is None:
            writer.details["skipped_test_incidents"] = writer.details.get("skipped_test_incidents", 0) + 1
            continue
        writer.incident(row, file=file, row_no=row_no)


def _custom_value(entry: dict[str, Any]) -> str | None:
    """The first value of a custom field entry (text, option, catalog entry, link or number)."""
    for j, value in enumerate(as_list(entry.get("values"), "custom_field_entries.values")):
        obj = as_object(value, f"custom_field_entries.values[{j}]") or {}
        for key in ("value_text", "value_link", "value_numeric"):
            if obj.get(key) is not None:
                return as_text(obj[key], f"custom_field_entries.{key}")
        for key in ("value_option", "value_catalog_entry"):
            if isinstance(obj.get(key), dict):
                found = ref_name(obj[key], f"custom_field_entries.{key}") or as_text(
                    obj[key].get("value"), f"custom_field_entries.{key}.value")
                if found:
                    return found
    return None


def incidentio_row(record: Any, *, zone: ZoneInfo | None, severities: SeverityMap,
                   stamps: dict[str, str]) -> dict[str, Any] | None:
    """One incident.io incident → canonical row (None for test/tutorial incidents)."""
    rec, source_id = incident_object(record)
    mode = as_text(rec.get("mode"), "mode")
    if mode is not None and mode.lower() in _SKIPPED_MODES:
        return None
    created = parse_instant(rec.get("created_at"), "created_at", zone=zone, required=True)
    severity_raw = ref_name(rec.get("severity"), "severity")
    severity = severities.severity(severity_raw, "severity") if severity_raw else None
    status_obj = as_object(rec.get("incident_status"), "incident_status") or {}
    category = as_text(status_obj.get("category"), "incident_status.category")
    status_name = as_text(status_obj.get("name"), "incident_status.name")
    status = CATEGORY_STATUS.get((category or "").lower()) if category else \
        CATEGORY_STATUS.get(label_key(status_name or "")) or ("open" if status_name else None)
    times: dict[str, Any] = {}
    for j, item in enumerate(as_list(rec.get("incident_timestamp_values"), "incident_timestamp_values")):
        obj = as_object(item, f"incident_timestamp_values[{j}]") or {}
        name = ref_name(obj.get("incident_timestamp"), "incident_timestamp_values.incident_timestamp")
        column = stamps.get(label_key(name or ""))
        if column is None:
            continue
        value = obj.get("value")
        raw = value.get("value") if isinstance(value, dict) else value
        moment = parse_instant(raw, f"incident_timestamp_values.{name}", zone=zone)
        if moment is not None and (column not in times or moment < times[column]):
            times[column] = moment
    custom: dict[str, str] = {}
    for j, item in enumerate(as_list(rec.get("custom_field_entries"), "custom_field_entries")):
        obj = as_object(item, f"custom_field_entries[{j}]") or {}
        name = ref_name(obj.get("custom_field"), "custom_field_entries.custom_field")
        column = CUSTOM_FIELDS.get(label_key(name or ""))
        value = _custom_value(obj)
        if column is not None and value is not None and column not in custom:
            custom[column] = value
    leads: list[str] = []
    others: list[str] = []
    for j, item in enumerate(as_list(rec.get("incident_role_assignments"), "incident_role_assignments")):
        obj = as_object(item, f"incident_role_assignments[{j}]") or {}
        person = ref_name(obj.get("assignee"), "incident_role_assignments.assignee")
        role = as_object(obj.get("role"), "incident_role_assignments.role") or {}
        if person:
            (leads if str(role.get("role_type", "")).lower() == "lead" else others).append(person)
    minutes = as_float(rec.get("workload_minutes_total"), "workload_minutes_total")
    return {
        "incident_id": f"{SOURCE}:{source_id}",
        "source": SOURCE,
        "source_id": source_id,
        "number": as_text(rec.get("reference"), "reference"),
        "title": as_text(rec.get("name"), "name"),
        "service": custom.get("service"),
        "team": custom.get("team"),
        "severity": severity,
        "severity_rank": rank_of(severity),
        "severity_raw": severity_raw,
        "status": status,
        "status_raw": status_name,
        "created_at": created,
        **{column: times.get(column) for column in TIMESTAMP_COLUMNS},
        "category": custom.get("category") or ref_name(rec.get("incident_type"), "incident_type"),
        "failure_mode": custom.get("failure_mode"),
        "problem_id": custom.get("problem_id"),
        "engaged_seconds": None if minutes is None else minutes * 60,
        "responders": list(dict.fromkeys([*leads, *others])),
        "raw": raw_json(rec),
    }


def _sniff(path: Path, head: bytes) -> bool:
    if path.is_file() and path.name.lower().endswith(".csv"):
        index = header_index(csv_head(head), CSV_ALIASES)
        return {"id", "reference", "severity", "created_at"} <= set(index)
    if path.is_file() and not path.name.lower().endswith(".json"):
        return False
    text = utf8_text(json_head(path, head))
    return '"incident_status"' in text or '"incident_timestamp_values"' in text


register(SourceKind("incidentio", "incidents", "incident.io API JSON or dashboard CSV", load_incidentio,
                    sniff=_sniff))
