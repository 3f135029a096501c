"""Atlassian Statuspage incident history (kind ``statuspage``): a JSON file or a folder of them.

Accepted shapes: ``{"page": {...}, "incident": {...}}`` (one incident per file, as in the GitHub
status history), ``{"page": {...}, "incidents": [...]}`` (``/api/v2/incidents.json``) and a bare
incident object or list. Timestamps carry their offset (``Z`` or ``-06:00``) and are stored in UTC.

Mapping: ``created_at`` = ``created_at``; ``impact_started_at`` = ``started_at``;
``mitigated_at`` = ``monitoring_at``, else the first ``monitoring`` update; ``resolved_at`` =
``resolved_at``; ``service`` = the first affected component, ``category`` = all of them joined
by ``, ``; the ``source`` is ``statuspage`` and the key ``statuspage:<incident id>``.
``incident_updates`` become the timeline (``display_at`` — the time the update speaks for — or
``created_at``): ``resolved`` → resolve, ``postmortem`` → note, other statuses → state_change.

Severity is the ``impact`` (:data:`DEFAULT_SEVERITY`): critical → SEV1, major → SEV2, minor →
SEV3, none → SEV4. Back-filled incidents (``created_at`` = ``resolved_at``, e.g. GitHub's
2010–2018 history) are loaded as they are; the duration metrics leave such zero-length records
out and count them.
"""

from __future__ import annotations

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
    as_list,
    as_object,
    as_text,
    json_head,
    load_delivery,
    parse_instant,
    rank_of,
    raw_json,
    read_json,
    ref_name,
    severity_map,
    source_zone,
    utf8_text,
)
from analytics.sources.incidents._records import incident_object
from analytics.warehouse.ledger import LoadResult

SOURCE = "statuspage"
DEFAULT_SEVERITY: dict[str, str] = {"critical": "SEV1", "major": "SEV2", "minor": "SEV3", "none": "SEV4",
                                    "maintenance": "SEV5"}
STATUS: dict[str, str] = {"investigating": "open", "identified": "acknowledged", "monitoring": "mitigated",
                          "resolved": "resolved", "postmortem": "resolved", "scheduled": "open",
                          "in_progress": "acknowledged", "verifying": "mitigated", "completed": "resolved"}
UPDATE_EVENTS: dict[str, tuple[str, int]] = {"resolved": ("resolve", 9), "postmortem": ("note", 9),
                                             "completed": ("resolve", 9)}


def load_statuspage(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load Statuspage incident JSON (one file, or a folder of per-incident files)."""
    zone = source_zone(options)
    severities = severity_map(SOURCE, DEFAULT_SEVERITY, options)

    def parse(file: Path, writer: IncidentWriter) -> None:
        doc = read_json(file)
        if isinstance(doc, dict) and "incident" in doc:
            records = [doc["incident"]]
        elif isinstance(doc, dict) and "incidents" in doc:
            records = doc["incidents"] if isinstance(doc["incidents"], list) else [None]
        elif isinstance(doc, dict) and "incident_updates" in doc:
            records = [doc]
        elif isinstance(doc, list):
            records = doc
        else:
            raise ExportFormatError("expected a Statuspage incident ({'page', 'incident'}, {'incidents': [...]} or "
                                    "an incident object); this does not look like a Statuspage export", file=file)
        page = doc.get("page") if isinstance(doc, dict) else None
        page_name = ref_name(page, "page") if isinstance(page, dict) else None
        for i, record in enumerate(records, start=1):
            writer.read()
            try:
                row, updates = incident_row(record, zone=zone, severities=severities, page_name=page_name)
            except RowError as exc:
                writer.reject(file, i, exc.column, exc.message, record)
                continue
            writer.incident(row, file=file, row_no=i)
            for j, (at, status, body) in enumerate(updates):
                event_type, rank = UPDATE_EVENTS.get(status or "", ("state_change", 5))
                writer.event(row["incident_id"], at, event_type, actor=page_name, channel="web", detail=status,
                             rank=rank, key=f"{row['incident_id']}:{j}:{body}")

    return load_delivery(con, path, options, kind="statuspage", source=SOURCE, suffixes=(".json",), parse=parse,
                         timeline=True)


def incident_row(record: Any, *, zone: ZoneInfo | None, severities: SeverityMap,
                 page_name: str | None) -> tuple[dict[str, Any], list[tuple[Any, str | None, str]]]:
    """One Statuspage incident → canonical row and its updates as (time, status, update id)."""
    rec, source_id = incident_object(record)
    created = parse_instant(rec.get("created_at"), "created_at", zone=zone, required=True)
    impact = as_text(rec.get("impact"), "impact")
    severity = severities.severity(impact, "impact") if impact else None
    status_raw = as_text(rec.get("status"), "status")
    components = [ref_name(c, "components") for c in as_list(rec.get("components"), "components")]
    components = [c for c in components if c]
    updates = []
    monitoring_update = None
    for j, item in enumerate(as_list(rec.get("incident_updates"), "incident_updates")):
        update = as_object(item, f"incident_updates[{j}]") or {}
        at = parse_instant(update.get("display_at") or update.get("created_at"), "incident_updates.display_at",
                           zone=zone)
        if at is None:
            continue
        status = as_text(update.get("status"), "incident_updates.status")
        updates.append((at, status, as_text(update.get("id"), "incident_updates.id") or str(j)))
        if status == "monitoring" and (monitoring_update is None or at < monitoring_update):
            monitoring_update = at
    mitigated = parse_instant(rec.get("monitoring_at"), "monitoring_at", zone=zone) or monitoring_update
    return {
        "incident_id": f"{SOURCE}:{source_id}",
        "source": SOURCE,
        "source_id": source_id,
        "number": as_text(rec.get("shortlink"), "shortlink"),
        "title": as_text(rec.get("name"), "name"),
        "service": components[0] if components else None,
        "team": page_name,
        "severity": severity,
        "severity_rank": rank_of(severity),
        "severity_raw": impact,
        "status": STATUS.get((status_raw or "").lower()) if status_raw else None,
        "status_raw": status_raw,
        "created_at": created,
        "impact_started_at": parse_instant(rec.get("started_at"), "started_at", zone=zone),
        "mitigated_at": mitigated,
        "resolved_at": parse_instant(rec.get("resolved_at"), "resolved_at", zone=zone),
        "category": ", ".join(c for c in components if c is not None) or None,
        "is_major": impact in ("major", "critical") if impact else None,
        "raw": raw_json(rec),
    }, updates


def _sniff(path: Path, head: bytes) -> bool:
    if path.is_file() and not path.name.lower().endswith(".json"):
        return False
    text = utf8_text(json_head(path, head))
    return '"incident_updates"' in text or ('"shortlink"' in text and '"impact"' in text)


register(SourceKind("statuspage", "incidents", "Atlassian Statuspage incident history JSON (file or folder)",
                    load_statuspage, sniff=_sniff))
