"""Opsgenie alert and incident exports (kind ``opsgenie``): Alert API v2 and Incident API v1 JSON
responses (``{"data": [...]}``, a single ``{"data": {...}}`` or a bare list; files or a folder),
and the alert list CSV through a header-alias table (:data:`CSV_ALIASES`).

Alerts (records with ``alias``/``acknowledged``/``report``): ``number`` = ``tinyId``, ``title`` =
``message``, ``fingerprint`` = ``alias`` (the de-duplication key used for repeat detection),
``alert_count`` = ``count`` (de-duplication hits), ``category`` = ``source``. ``report.ackTime`` and
``report.closeTime`` are durations from creation: stored as ``seconds_to_first_ack`` /
``seconds_to_resolve`` and turned into ``acknowledged_at`` / ``resolved_at``. Their unit is
milliseconds in Opsgenie's documentation; pass ``--option ack_unit=s`` for re-exports in seconds
(a close that would land after ``updatedAt`` is reported as a probable unit mistake). A closed
alert without ``closeTime`` is resolved at ``updatedAt``. ``team`` = the first team responder,
``service`` = a ``service:<name>`` tag, ``failure_mode`` = a ``failure_mode:<name>`` tag,
``responders`` = ``report.acknowledgedBy`` and ``report.closedBy``; ``auto_resolved`` is true
when the alert was closed by its own integration.

Incidents (records with ``impactStartDate``/``ownerTeam``/``impactedServices``): ``status``
open/resolved/closed, ``impact_started_at`` = ``impactStartDate``, ``resolved_at`` =
``impactEndDate`` (else ``updatedAt`` once resolved), ``service`` = the first impacted service,
``team`` = ``ownerTeam``.

Severity is the priority (:data:`DEFAULT_SEVERITY`, P1 → SEV1 … P5 → SEV5; Opsgenie's default
is P3). Timestamps are ISO 8601 UTC (or epoch milliseconds in CSV re-exports).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from analytics.errors import ExportFormatError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources.incidents._common import (
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
    extra_option,
    file_head,
    header_index,
    is_devlake_like,
    is_devlake_raw_table,
    json_head,
    label_key,
    load_delivery,
    parse_instant,
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
from analytics.sources.incidents._records import incident_object, write_records
from analytics.warehouse.ledger import LoadResult

SOURCE = "opsgenie"
DEFAULT_SEVERITY: dict[str, str] = {"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV5",
                                    "critical": "SEV1", "high": "SEV2", "moderate": "SEV3", "low": "SEV4",
                                    "informational": "SEV5"}
CSV_ALIASES: dict[str, str] = {label_key(k): v for k, v in {
    "Id": "id", "Alert Id": "id", "Alert ID": "id", "TinyId": "tinyId", "Tiny Id": "tinyId", "Alias": "alias",
    "Message": "message", "Status": "status", "Acknowledged": "acknowledged", "IsSeen": "isSeen", "Count": "count",
    "CreatedAt": "createdAt", "Created At": "createdAt", "Created": "createdAt", "UpdatedAt": "updatedAt",
    "Updated At": "updatedAt", "LastOccurredAt": "lastOccurredAt", "Owner": "owner", "Priority": "priority",
    "Tags": "tags", "Source": "source", "Teams": "teams", "Responders": "teams", "Integration": "integration",
    "Integration Name": "integration", "IntegrationName": "integration", "AckTime": "ackTime",
    "Ack Time": "ackTime", "Time To Ack": "ackTime", "CloseTime": "closeTime", "Close Time": "closeTime",
    "Time To Close": "closeTime", "AcknowledgedBy": "acknowledgedBy", "Acknowledged By": "acknowledgedBy",
    "ClosedBy": "closedBy", "Closed By": "closedBy",
}.items()}
_INCIDENT_KEYS = {"impactStartDate", "impactEndDate", "ownerTeam", "impactedServices"}


def load_opsgenie(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load Opsgenie alert/incident JSON pages or the alert CSV (file or folder)."""
    zone = source_zone(options)
    severities = severity_map(SOURCE, DEFAULT_SEVERITY, options)
    unit = extra_option(options, "ack_unit", ("ms", "s")) or "ms"

    def parse(file: Path, writer: IncidentWriter) -> None:
        header = csv_head(file_head(file)) if file.name.lower().endswith(".csv") else []
        if is_devlake_raw_table(header) or is_devlake_like(header):  # a near miss is refused there, not misread
            _parse_devlake(file, writer, zone=zone, severities=severities, unit=unit)
            return
        if file.name.lower().endswith(".csv"):
            _parse_csv(file, writer, zone=zone, severities=severities, unit=unit)
            return
        doc = read_json(file)
        if isinstance(doc, dict):
            if "data" not in doc:
                raise ExportFormatError("expected an Opsgenie API response with 'data'; this does not look like "
                                        "an Opsgenie export", file=file)
            data = doc["data"]
            records = data if isinstance(data, list) else [data]
        elif isinstance(doc, list):
            records = doc
        else:
            raise ExportFormatError("expected an Opsgenie API response (an object with 'data')", file=file)
        write_records(file, records, writer,
                      lambda record: opsgenie_row(record, zone=zone, severities=severities, unit=unit))

    return load_delivery(con, path, options, kind="opsgenie", source=SOURCE, suffixes=(".json", ".csv"),
                         parse=parse, timeline=False)


def _parse_devlake(file: Path, writer: IncidentWriter, *, zone: ZoneInfo | None, severities: SeverityMap,
                   unit: str) -> None:
    """Apache DevLake's ``_raw_opsgenie_incidents`` (or alerts) table: one Incident API v1 (or Alert
    API v2) object per row. Its teams and users tables hold no incident: refused, saying so."""
    rows = devlake_rows(file, writer)
    for r in rows:
        endpoint = _endpoint(r.url)
        if endpoint in NOT_INCIDENTS:
            raise ExportFormatError(
                f"a DevLake raw table of Opsgenie {endpoint} ({r.url.split('?')[0]}), not incidents or alerts: "
                "there is nothing to load from it (load _raw_opsgenie_incidents.csv)",
                file=file, row=r.row, column="url",
            )
        writer.read()
        try:
            row = opsgenie_row(r.record, zone=zone, severities=severities, unit=unit)
        except RowError as exc:
            writer.reject(file, r.row, exc.column, exc.message, r.record)
            continue
        writer.incident(row, file=file, row_no=r.row)
    writer.details["devlake_rows"] = writer.details.get("devlake_rows", 0) + len(rows)


NOT_INCIDENTS = ("teams", "users", "services", "schedules")  # Opsgenie API collections without incidents


def _endpoint(url: str) -> str:
    """The collection an Opsgenie API URL names: ``https://api.opsgenie.com/v2/teams?…`` → ``teams``."""
    path = url.split("?", 1)[0].rstrip("/").split("/")
    return path[-1].lower() if len(path) > 1 else ""


def _parse_csv(file: Path, writer: IncidentWriter, *, zone: ZoneInfo | None, severities: SeverityMap,
               unit: str) -> None:
    """The alert list CSV: headers through :data:`CSV_ALIASES`; report durations as plain columns."""
    table = read_csv(file)
    index = header_index(table.header, CSV_ALIASES)
    for required in ("id", "createdAt"):
        if required not in index and not (required == "id" and "tinyId" in index):
            raise ExportFormatError(f"required column missing: no header maps to {required}", file=file,
                                    column=required)
    for row_no, problem, raw in table.bad_rows:
        writer.read()
        writer.reject(file, row_no, None, problem, raw)
    for row_no, cells in table.rows:
        writer.read()
        flat = {name: (cells[i] if cells[i].strip() else None) for name, i in index.items()}
        rec: dict[str, Any] = {k: v for k, v in flat.items()
                               if k not in {"ackTime", "closeTime", "acknowledgedBy", "closedBy", "integration",
                                            "teams", "tags"}}
        rec["id"] = rec.get("id") or rec.get("tinyId")
        rec["report"] = {k: flat.get(k) for k in ("ackTime", "closeTime", "acknowledgedBy", "closedBy")}
        rec["integration"] = {"name": flat.get("integration")}
        rec["tags"] = [t.strip() for t in (flat.get("tags") or "").replace(";", ",").split(",") if t.strip()]
        rec["responders"] = [{"type": "team", "name": t.strip()}
                             for t in (flat.get("teams") or "").replace(";", ",").split(",") if t.strip()]
        for key in ("createdAt", "updatedAt", "lastOccurredAt"):
            if rec.get(key) is not None and str(rec[key]).strip().isdigit():
                rec[key] = _epoch_ms(rec[key], key)
        rec["__alert"] = True
        try:
            row = opsgenie_row(rec, zone=zone, severities=severities, unit=unit)
        except RowError as exc:
            header = next((h for h in table.header if CSV_ALIASES.get(label_key(h)) == exc.column), exc.column)
            writer.reject(file, row_no, header, exc.message, dict(zip(table.header, cells, strict=True)))
            continue
        writer.incident(row, file=file, row_no=row_no)


def _epoch_ms(value: Any, column: str) -> str:
    """Epoch milliseconds as an ISO string."""
    try:
        return datetime.fromtimestamp(int(str(value).strip()) / 1000, tz=UTC).isoformat()
    except (OverflowError, OSError, ValueError) as exc:
        raise RowError(column, f"cannot read {str(value)[:30]!r} as epoch milliseconds") from exc


def _tag(tags: list[Any], name: str) -> str | None:
    """The value of a ``name:value`` (or ``name=value``) tag."""
    for tag in tags:
        if isinstance(tag, str):
            for sep in (":", "="):
                key, found, value = tag.partition(sep)
                if found and key.strip().lower() == name and value.strip():
                    return as_text(value, "tags")  # NUL and over-long values refused like any text
    return None


def opsgenie_row(record: Any, *, zone: ZoneInfo | None, severities: SeverityMap, unit: str) -> dict[str, Any]:
    """One alert or incident record → canonical row."""
    rec, source_id = incident_object(record, column="record", noun="an alert or incident object",
                                     id_message="id is missing")
    created = parse_instant(rec.get("createdAt"), "createdAt", zone=zone, required=True)
    updated = parse_instant(rec.get("updatedAt"), "updatedAt", zone=zone)
    priority = as_text(rec.get("priority"), "priority")
    severity = severities.severity(priority, "priority") if priority else None
    tags = as_list(rec.get("tags"), "tags")
    status_raw = as_text(rec.get("status"), "status")
    status_key = (status_raw or "").lower()
    row: dict[str, Any] = {
        "incident_id": f"{SOURCE}:{source_id}",
        "source": SOURCE,
        "source_id": source_id,
        "number": as_text(rec.get("tinyId"), "tinyId"),
        "title": as_text(rec.get("message"), "message"),
        "severity": severity,
        "severity_rank": rank_of(severity),
        "priority_raw": priority,
        "status_raw": status_raw,
        "created_at": created,
        "failure_mode": _tag(tags, "failure_mode") or _tag(tags, "failure-mode"),
        "raw": raw_json({k: v for k, v in rec.items() if k != "__alert"}),
    }
    if _INCIDENT_KEYS & set(rec) and not rec.get("__alert"):
        services = as_list(rec.get("impactedServices"), "impactedServices")
        resolved = parse_instant(rec.get("impactEndDate"), "impactEndDate", zone=zone)
        if resolved is None and status_key in ("resolved", "closed"):
            resolved = updated
        row.update({
            "status": {"open": "open", "resolved": "resolved", "closed": "closed"}.get(status_key),
            "impact_started_at": parse_instant(rec.get("impactStartDate"), "impactStartDate", zone=zone),
            "resolved_at": resolved,
            "service": ref_name(services[0], "impactedServices") if services else _tag(tags, "service"),
            "team": ref_name(rec.get("ownerTeam"), "ownerTeam"),
        })
        return row
    report = as_object(rec.get("report"), "report") or {}
    scale = 1000.0 if unit == "ms" else 1.0
    ack_raw = as_float(report.get("ackTime"), "report.ackTime")
    close_raw = as_float(report.get("closeTime"), "report.closeTime")
    to_ack = None if ack_raw is None else ack_raw / scale
    to_close = None if close_raw is None else close_raw / scale
    acknowledged = as_bool(rec.get("acknowledged"), "acknowledged")
    resolved = plus_seconds(created, to_close, "report.closeTime") if status_key == "closed" else None
    if status_key == "closed" and resolved is None:
        resolved = updated
    if resolved is not None and updated is not None and to_close is not None and resolved > updated + timedelta(
            minutes=1):
        raise RowError("report.closeTime", f"closeTime {close_raw:g} {unit} puts the close after updatedAt; "
                                           "is the unit right? (--option ack_unit=ms or s)")
    team = next((ref_name(r, "responders") for r in as_list(rec.get("responders"), "responders")
                 if isinstance(r, dict) and r.get("type") == "team"), None)
    integration = ref_name(rec.get("integration"), "integration")
    closed_by = as_text(report.get("closedBy"), "report.closedBy")
    people = [p for p in (as_text(report.get("acknowledgedBy"), "report.acknowledgedBy"), closed_by) if p]
    status = {"closed": "resolved", "open": "acknowledged" if acknowledged else "open"}.get(status_key)
    row.update({
        "status": status,
        "acknowledged_at": plus_seconds(created, to_ack, "report.ackTime"),
        "resolved_at": resolved,
        "seconds_to_first_ack": to_ack,
        "seconds_to_resolve": to_close if status_key == "closed" else None,
        "fingerprint": as_text(rec.get("alias"), "alias"),
        "alert_count": as_int(rec.get("count"), "count"),
        "category": as_text(rec.get("source"), "source"),
        "service": _tag(tags, "service"),
        "team": team,
        "auto_resolved": (closed_by == integration) if closed_by and integration else None,
        "responders": list(dict.fromkeys(people)),
    })
    return row


def _sniff(path: Path, head: bytes) -> bool:
    if path.is_file() and path.name.lower().endswith(".csv"):
        return sniff_devlake(path, head, "api.opsgenie.com") or "tinyId" in header_index(csv_head(head), CSV_ALIASES)
    if path.is_file() and not path.name.lower().endswith(".json"):
        return False
    return '"tinyId"' in utf8_text(json_head(path, head))


register(SourceKind("opsgenie", "incidents", "Opsgenie alert/incident API JSON or alert CSV", load_opsgenie,
                    sniff=_sniff))

