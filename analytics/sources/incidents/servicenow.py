"""ServiceNow ``incident`` table CSV exports (kind ``servicenow``), in two forms:

* the **incident table** list export: one row per incident, field names (``number``,
  ``opened_at``…) or Excel-style labels (``Number``, ``Opened``…) as headers;
* the **event-log** (audit) form: one row per update (``sys_mod_count``, ``sys_updated_at``), as in
  the public ServiceNow event-log sample. Rows are collapsed to one incident per ``number``: its
  attributes come from the last row (highest ``sys_mod_count``, then latest ``sys_updated_at``),
  ``created_at``/``resolved_at``/``closed_at`` are the record's own ``opened_at``/``resolved_at``/
  ``closed_at`` (not the times of the audit rows), and the state history becomes the timeline.

Display values are expected (``3 - Moderate``; ``?`` or an empty cell is missing; ``TRUE``/``false``).
Severity comes from ``priority``: the label is looked up in :data:`DEFAULT_SEVERITY`, else its
leading integer (``1 - Critical`` → SEV1 … ``5 - Planning`` → SEV5), so re-saved files with bare
``3`` work too. ``--severity-map`` overrides labels.

**Acknowledgement proxy.** ServiceNow records no acknowledgement. In the event-log form
``acknowledged_at`` is the first audit row that shows the incident engaged — a state other than
New/Resolved/Closed/Canceled, or a first ``assigned_to`` — and ``ack_is_proxy`` is TRUE. Audit rows
can predate ``opened_at`` (the field is editable); such an incident counts as engaged when opened.
The table form has no history, so ``acknowledged_at`` stays NULL there.

**Timestamps** have no offset and follow the exporting user's date format. The field order is
detected from the data (a first field above 12 can only be the day, a second one above 12 only
the day of a month-first date); when every date is ambiguous pass ``--option date_order=dmy`` (or
``mdy``). ``--timezone`` is required. ISO dates (``2016-02-29 01:16:00``) are read as such.

Other columns: ``service`` = ``business_service``, else ``cmdb_ci``; ``team`` =
``assignment_group``; ``failure_mode`` = ``u_symptom`` when present, else ``subcategory``;
``change_id`` = ``rfc``; ``responders`` = ``assigned_to`` and ``resolved_by``. The key is
``servicenow:<number>``, so both forms of one instance update the same rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from analytics.errors import ExportFormatError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources.incidents._common import (
    CsvTable,
    IncidentWriter,
    RowError,
    SeverityMap,
    as_int,
    as_text,
    csv_head,
    extra_option,
    label_key,
    load_delivery,
    rank_of,
    raw_json,
    read_csv,
    severity_map,
    source_zone,
    to_utc,
)
from analytics.warehouse.ledger import LoadResult

SOURCE = "servicenow"
DEFAULT_SEVERITY: dict[str, str] = {
    "1": "SEV1", "2": "SEV2", "3": "SEV3", "4": "SEV4", "5": "SEV5",
    "critical": "SEV1", "high": "SEV2", "moderate": "SEV3", "low": "SEV4", "planning": "SEV5",
}
STATES: dict[str, str] = {
    "new": "open", "active": "acknowledged", "inprogress": "acknowledged", "onhold": "acknowledged",
    "resolved": "resolved", "closed": "closed", "canceled": "canceled", "cancelled": "canceled",
}
MISSING = {"", "?"}
# Field names and list-export labels → the field they mean.
FIELDS: tuple[str, ...] = (
    "number", "incident_state", "state", "active", "reassignment_count", "reopen_count", "sys_mod_count",
    "made_sla", "caller_id", "opened_by", "opened_at", "sys_created_by", "sys_created_at", "sys_created_on",
    "sys_updated_by", "sys_updated_at", "sys_updated_on", "contact_type", "location", "category", "subcategory",
    "u_symptom", "cmdb_ci", "business_service", "impact", "urgency", "priority", "severity", "assignment_group",
    "assigned_to", "knowledge", "u_priority_confirmation", "notify", "problem_id", "rfc", "vendor", "caused_by",
    "closed_code", "close_code", "resolved_by", "resolved_at", "closed_at", "closed_by", "short_description",
    "description", "close_notes", "sys_id",
)
LABELS: dict[str, str] = {
    **{label_key(f): f for f in FIELDS},
    **{label_key(k): v for k, v in {
        "Opened": "opened_at", "Resolved": "resolved_at", "Closed": "closed_at", "Incident state": "incident_state",
        "Short description": "short_description", "Configuration item": "cmdb_ci", "Service": "business_service",
        "Business service": "business_service", "Assignment group": "assignment_group", "Assigned to": "assigned_to",
        "Problem": "problem_id", "Change Request": "rfc", "Caused by Change": "caused_by", "Updated": "sys_updated_on",
        "Updated by": "sys_updated_by", "Created": "sys_created_on", "Resolution code": "close_code",
        "Close code": "close_code", "Resolved by": "resolved_by", "Reopen count": "reopen_count",
        "Reassignment count": "reassignment_count", "Updates": "sys_mod_count", "Made SLA": "made_sla",
    }.items()},
}
EVENT_LOG_COLUMNS: tuple[str, ...] = (
    "number", "incident_state", "active", "reassignment_count", "reopen_count", "sys_mod_count", "made_sla",
    "caller_id", "opened_by", "opened_at", "sys_created_by", "sys_created_at", "sys_updated_by", "sys_updated_at",
    "contact_type", "location", "category", "subcategory", "u_symptom", "cmdb_ci", "impact", "urgency", "priority",
    "assignment_group", "assigned_to", "knowledge", "u_priority_confirmation", "notify", "problem_id", "rfc",
    "vendor", "caused_by", "closed_code", "resolved_by", "resolved_at", "closed_at",
)
TIME_FIELDS = ("opened_at", "resolved_at", "closed_at", "sys_created_at", "sys_created_on", "sys_updated_at",
               "sys_updated_on")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_ENGAGED_EXCLUDED = {"new", "resolved", "closed", "canceled", "cancelled"}


def load_servicenow(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load a ServiceNow incident CSV (list export or event log); ``--timezone`` is required."""
    zone = source_zone(options)
    severities = severity_map(SOURCE, DEFAULT_SEVERITY, options)
    order_option = extra_option(options, "date_order", ("dmy", "mdy"))
    form_option = extra_option(options, "form", ("table", "event-log"))

    def parse(file: Path, writer: IncidentWriter) -> None:
        table = read_csv(file)
        index = {LABELS[label_key(h)]: i for i, h in reversed(list(enumerate(table.header)))
                 if label_key(h) in LABELS}
        for required in ("number", "opened_at"):
            if required not in index:
                raise ExportFormatError(f"required column missing (a ServiceNow incident export has number and "
                                        f"opened_at; found {', '.join(table.header[:8])}…)", file=file,
                                        column=required)
        event_log = form_option == "event-log" or (form_option is None and "sys_mod_count" in index)
        if event_log:
            for required in ("sys_mod_count", "sys_updated_at", "incident_state"):
                if required not in index and not (required == "sys_updated_at" and "sys_updated_on" in index):
                    raise ExportFormatError("required column of the event-log form missing", file=file,
                                            column=required)
            absent = [c for c in EVENT_LOG_COLUMNS if c not in index]
            if absent:
                writer.details["missing_event_log_columns"] = absent
        if zone is None:
            raise ExportFormatError("ServiceNow exports write local times without an offset: pass the exporting "
                                    "user's time zone with --timezone", file=file, column="opened_at")
        order = date_order(table, index, option=order_option)
        writer.details.update({"form": "event-log" if event_log else "table", "date_order": order})
        for row_no, problem, raw in table.bad_rows:
            writer.read()
            writer.reject(file, row_no, None, problem, raw)
        if event_log:
            _parse_event_log(file, table, index, writer, zone=zone, order=order, severities=severities)
        else:
            for row_no, cells in table.rows:
                writer.read()
                rec = _record(table.header, index, cells)
                try:
                    row = incident_row(rec, zone=zone, order=order, severities=severities)
                except RowError as exc:
                    writer.reject(file, row_no, exc.column, exc.message, rec)
                    continue
                writer.incident(row, file=file, row_no=row_no)

    return load_delivery(con, path, options, kind="servicenow", source=SOURCE, suffixes=(".csv",), parse=parse,
                         timeline=lambda w: w.details.get("form") == "event-log")


def _record(header: list[str], index: dict[str, int], cells: list[str]) -> dict[str, str | None]:
    """One CSV row as ``{field: value}`` with ``?`` and blanks as None."""
    rec = {name: (None if cells[i].strip() in MISSING else cells[i].strip()) for name, i in index.items()}
    if "incident_state" not in rec and "state" in rec:
        rec["incident_state"] = rec["state"]
    if "sys_updated_at" not in rec and "sys_updated_on" in rec:
        rec["sys_updated_at"] = rec["sys_updated_on"]
    if "closed_code" not in rec and "close_code" in rec:
        rec["closed_code"] = rec["close_code"]
    return rec


def date_order(table: CsvTable, index: dict[str, int], *, option: str | None) -> str:
    """``dmy``, ``mdy`` or ``iso``: detected from every timestamp cell, or the ``date_order`` option."""
    day_first = month_first = None
    iso = plain = 0
    for row_no, cells in table.rows:
        for name in TIME_FIELDS:
            i = index.get(name)
            if i is None:
                continue
            value = cells[i].strip()
            if value in MISSING:
                continue
            if _YMD.match(value):
                iso += 1
                continue
            match = _DMY.match(value)
            if not match:
                continue  # reported with its row when parsed
            plain += 1
            a, b = int(match.group(1)), int(match.group(2))
            if a > 12 and day_first is None:
                day_first = (row_no, name, value)
            if b > 12 and month_first is None:
                month_first = (row_no, name, value)
    if day_first and month_first:
        raise ExportFormatError(f"dates mix day-first ({day_first[2]!r}, row {day_first[0]}) and month-first "
                                f"({month_first[2]!r}) orders", file=table.file, row=month_first[0],
                                column=month_first[1])
    detected = "dmy" if day_first else "mdy" if month_first else None
    if option is not None:
        evidence = day_first if option == "mdy" else month_first
        if evidence is not None:
            raise ExportFormatError(f"--option date_order={option} contradicts {evidence[2]!r}", file=table.file,
                                    row=evidence[0], column=evidence[1])
        return option
    if detected is not None:
        return detected
    if plain:
        raise ExportFormatError("cannot tell day-first from month-first dates (no day above 12 in any date): "
                                "pass --option date_order=dmy or --option date_order=mdy", file=table.file,
                                column="opened_at")
    return "iso"


def parse_local(value: str | None, column: str, *, zone: ZoneInfo, order: str) -> datetime | None:
    """A ServiceNow display timestamp (``29-02-2016 01:16``, ``02/29/2016 1:16 PM``, ISO) as UTC."""
    if value is None:
        return None
    try:
        match = _YMD.match(value)
        if match:
            y, m, d, hh, mm, ss = (int(g) if g else 0 for g in match.groups())
            return to_utc(datetime(y, m, d, hh, mm, ss), column, zone=zone, shown=value)
        match = _DMY.match(value)
        if match is None:
            raise RowError(column, f"cannot read {value[:60]!r} as a date and time")
        a, b, y, hh, mm, ss = (int(g) if g else 0 for g in match.groups()[:6])
        d, m = (a, b) if order == "dmy" else (b, a)
        ampm = (match.group(7) or "").lower()
        if ampm:
            if not 1 <= hh <= 12:
                raise RowError(column, f"hour {hh} with {ampm.upper()} in {value!r}")
            hh = hh % 12 + (12 if ampm == "pm" else 0)
        return to_utc(datetime(y, m, d, hh, mm, ss), column, zone=zone, shown=value)
    except ValueError as exc:
        raise RowError(column, f"cannot read {value[:60]!r} as a date: {exc}") from None


def servicenow_severity(raw: str | None, severities: SeverityMap, column: str) -> str | None:
    """SEVn for a priority display value: the whole label, else its leading integer."""
    if raw is None:
        return None
    found = severities.lookup(raw)
    if found is None:
        match = re.match(r"^\s*(\d+)", raw)
        if match:
            found = severities.lookup(match.group(1))
    if found is None:
        raise RowError(column, f"unknown ServiceNow priority {raw[:60]!r}: map it with --severity-map")
    return found


def incident_row(rec: dict[str, str | None], *, zone: ZoneInfo, order: str,
                 severities: SeverityMap) -> dict[str, Any]:
    """One incident-table record → canonical row (also the attribute part of an event-log incident)."""
    number = as_text(rec.get("number"), "number")
    if number is None:
        raise RowError("number", "number is missing")
    created = parse_local(rec.get("opened_at"), "opened_at", zone=zone, order=order)
    if created is None:
        raise RowError("opened_at", "opened_at is missing")
    state = rec.get("incident_state")
    status = STATES.get(label_key(state), "acknowledged" if label_key(state).startswith("awaiting") else None) \
        if state else None
    priority = rec.get("priority")
    severity = servicenow_severity(priority, severities, "priority")
    people = [p for p in (rec.get("assigned_to"), rec.get("resolved_by")) if p]
    return {
        "incident_id": f"{SOURCE}:{number}",
        "source": SOURCE,
        "source_id": number,
        "number": number,
        "title": as_text(rec.get("short_description"), "short_description"),
        "service": rec.get("business_service") or rec.get("cmdb_ci"),
        "team": rec.get("assignment_group"),
        "severity": severity,
        "severity_rank": rank_of(severity),
        "severity_raw": rec.get("severity"),
        "priority_raw": priority,
        "urgency": rec.get("urgency"),
        "status": status,
        "status_raw": state,
        "created_at": created,
        "resolved_at": parse_local(rec.get("resolved_at"), "resolved_at", zone=zone, order=order),
        "closed_at": parse_local(rec.get("closed_at"), "closed_at", zone=zone, order=order),
        "category": rec.get("category"),
        "failure_mode": rec.get("u_symptom") or rec.get("subcategory"),
        "problem_id": rec.get("problem_id"),
        "change_id": rec.get("rfc"),
        "reopen_count": as_int(rec.get("reopen_count"), "reopen_count"),
        "reassignment_count": as_int(rec.get("reassignment_count"), "reassignment_count"),
        "responders": list(dict.fromkeys(people)),
        "raw": raw_json(rec),
    }


def _parse_event_log(file: Path, table: CsvTable, index: dict[str, int], writer: IncidentWriter, *,
                     zone: ZoneInfo, order: str, severities: SeverityMap) -> None:
    """Collapse audit rows to incidents with a proxy ack time and a state-change timeline."""
    # every audit row is read in full, so a bad value is refused (named by its row) even when a later
    # row of the same incident would have supplied the incident's attributes
    groups: dict[str, list[tuple[int, dict[str, str | None], int, datetime, dict[str, Any]]]] = defaultdict(list)
    for row_no, cells in table.rows:
        writer.read()
        rec = _record(table.header, index, cells)
        try:
            parsed = incident_row(rec, zone=zone, order=order, severities=severities)
            mod = as_int(rec.get("sys_mod_count"), "sys_mod_count")
            updated = parse_local(rec.get("sys_updated_at"), "sys_updated_at", zone=zone, order=order)
            if mod is None or updated is None:
                raise RowError("sys_mod_count" if mod is None else "sys_updated_at",
                               "an event-log row needs sys_mod_count and sys_updated_at")
        except RowError as exc:
            writer.reject(file, row_no, exc.column, exc.message, rec)
            continue
        groups[parsed["source_id"]].append((row_no, rec, mod, updated, parsed))
    writer.details["event_rows"] = sum(len(v) for v in groups.values())
    clamped = 0
    for rows in groups.values():
        rows.sort(key=lambda r: (r[2], r[3], r[0]))
        last_row, last, _, _, row = rows[-1]
        incident_id = row["incident_id"]
        engaged = next((r for r in rows if label_key(r[1].get("incident_state") or "") not in _ENGAGED_EXCLUDED
                        or r[1].get("assigned_to")), None)
        if engaged is not None:
            # audit rows can predate opened_at (opened_at is editable): engaged before opening = at opening
            row["acknowledged_at"] = max(engaged[3], row["created_at"])
            row["ack_is_proxy"] = True
            clamped += engaged[3] < row["created_at"]
        row["raw"] = raw_json({**last, "event_rows": len(rows)})
        writer.incident(row, file=file, row_no=last_row)
        writer.event(incident_id, row["created_at"], "trigger", actor=last.get("opened_by"),
                     detail=last.get("contact_type"), rank=0, key=f"{incident_id}:open")
        state = assignee = None
        reopens = 0
        for row_no, rec, mod, updated, parsed in rows:
            new_state = rec.get("incident_state")
            actor = rec.get("sys_updated_by")
            if rec.get("assigned_to") and rec.get("assigned_to") != assignee:
                writer.event(incident_id, updated, "assign", actor=actor, detail=rec.get("assigned_to"), rank=3,
                             key=f"{incident_id}:{mod}:{row_no}:assign")
                assignee = rec.get("assigned_to")
            count = parsed["reopen_count"] or 0
            if count > reopens:
                writer.event(incident_id, updated, "reopen", actor=actor, detail=new_state, rank=4,
                             key=f"{incident_id}:{mod}:{row_no}:reopen")
                reopens = count
            if new_state and new_state != state:
                kind = "resolve" if label_key(new_state) == "resolved" else "state_change"
                writer.event(incident_id, updated, kind, actor=actor, detail=new_state, rank=5,
                             key=f"{incident_id}:{mod}:{row_no}:state")
                state = new_state
    writer.details["ack_proxy_clamped_to_opened_at"] = clamped


def _sniff(path: Path, head: bytes) -> bool:
    if not (path.is_file() and path.name.lower().endswith(".csv")):
        return False
    names = {LABELS.get(label_key(h)) for h in csv_head(head)}
    return {"number", "opened_at"} <= names and bool({"priority", "incident_state", "state", "sys_mod_count"} & names)


register(SourceKind("servicenow", "incidents",
                    "ServiceNow incident CSV: list export or event log (needs --timezone)", load_servicenow,
                    sniff=_sniff))
