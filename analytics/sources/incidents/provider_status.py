"""Provider status history — the incidents of our dependencies, kept apart from our own incidents in
``provider_incidents`` and ``provider_incident_updates`` (kinds ``gcp-status`` and ``aws-health``).

``gcp-status``: Google Cloud's public ``https://status.cloud.google.com/incidents.json`` (schema
``incidents.schema.json``): a JSON array of incidents with ``id``, ``number``, ``begin``, ``end``
(absent or empty while ongoing), ``external_desc``, ``severity`` (high / medium / low),
``status_impact`` (SERVICE_OUTAGE / SERVICE_DISRUPTION / SERVICE_INFORMATION), ``service_name``,
``affected_products[{title, id}]``, ``currently_affected_locations`` / ``previously_affected_locations``
(``[{title, id}]``), ``uri`` (``incidents/<id>``) and ``updates[{created, modified, when, text,
status, affected_locations}]``.

``aws-health``: the AWS Health Dashboard's public feeds: ``currentevents`` (a JSON array of events)
and the history archive ``historyevents`` (an object mapping a service key such as
``ec2-us-east-1`` to its events), UTF-8 or UTF-16 with a BOM (how the dashboard serves them). An
event has ``date`` (epoch seconds, as text or number), ``service`` (the key), ``service_name``,
``region_name``, ``summary``, ``status`` (0 operating normally, 1 informational, 2 performance
issues, 3 service disruption — the dashboard's legend), optional ``arn`` and ``impacted_services``,
and ``event_log[{summary, message, status, timestamp}]``. begin = the earliest of ``date`` and the
log timestamps; end = the latest log timestamp once the event (or an update) is marked
``[RESOLVED]``, else NULL (ongoing); impact and severity from the highest status of the event and
its log (3 disruption / high, 2 degraded / medium, 0–1 information / low).

Each record fails the file naming file, record and field on a problem (or is set aside with
``--quarantine``); a provider incident id twice in one file is refused. A later delivery replaces
the incidents it carries and their updates (upsert on ``provider_incident_id``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import duckdb
import pyarrow as pa

from analytics.errors import ExportFormatError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._files import RowError, delivery_files, fingerprint_delivery, parse_json
from analytics.sources._values import plausible_instant
from analytics.sources.incidents._common import as_list, as_object, as_text, parse_instant, raw_json, utf8_text
from analytics.sources.incidents._records import incident_object
from analytics.warehouse.ledger import LoadResult, LoadTransaction, run_load

log = logging.getLogger(__name__)

INCIDENTS = "provider_incidents"
UPDATES = "provider_incident_updates"
GCP_IMPACT: dict[str, str] = {"SERVICE_OUTAGE": "outage", "SERVICE_DISRUPTION": "disruption",
                              "SERVICE_INFORMATION": "information"}  # fmt: skip
SEVERITIES: tuple[str, ...] = ("high", "medium", "low")
AWS_IMPACT: dict[int, tuple[str, str]] = {0: ("information", "low"), 1: ("information", "low"),
                                          2: ("degraded", "medium"), 3: ("disruption", "high")}  # fmt: skip
GCP_STATUS_PAGE = "https://status.cloud.google.com/"
_TS = pa.timestamp("us", tz="UTC")
INCIDENT_SCHEMA = pa.schema([
    ("provider_incident_id", pa.string()), ("provider", pa.string()), ("product", pa.string()),
    ("products", pa.list_(pa.string())), ("locations", pa.list_(pa.string())), ("title", pa.string()),
    ("severity", pa.string()), ("impact", pa.string()), ("begin_at", _TS), ("end_at", _TS), ("updates", pa.int32()),
    ("last_update_at", _TS), ("uri", pa.string()), ("raw", pa.string()),
])  # fmt: skip
UPDATE_SCHEMA = pa.schema([
    ("provider_incident_id", pa.string()), ("seq", pa.int32()), ("update_at", _TS), ("status", pa.string()),
    ("text", pa.string()), ("locations", pa.list_(pa.string())),
])  # fmt: skip
Parsed = tuple[dict[str, Any], list[dict[str, Any]]]


# -- Google Cloud ---------------------------------------------------------------------------------
def gcp_incident(record: Any) -> Parsed:
    """One incidents.json entry → (provider incident row, its updates oldest first)."""
    rec, source_id = incident_object(record)
    begin = parse_instant(rec.get("begin"), "begin", zone=None, required=True)
    end = parse_instant(rec.get("end"), "end", zone=None)
    if end is not None and end < begin:
        raise RowError("end", f"end {rec.get('end')!r} is before begin")
    impact_raw = as_text(rec.get("status_impact"), "status_impact")
    impact = GCP_IMPACT.get((impact_raw or "").upper())
    if impact is None:
        raise RowError("status_impact", f"{(impact_raw or '')[:40]!r} is not one of {', '.join(GCP_IMPACT)}")
    severity = (as_text(rec.get("severity"), "severity") or "").lower() or None
    if severity is not None and severity not in SEVERITIES:
        raise RowError("severity", f"{severity[:40]!r} is not one of {', '.join(SEVERITIES)}")
    products = _titles(rec.get("affected_products"), "affected_products")
    product = as_text(rec.get("service_name"), "service_name") or (products[0] if products else None)
    locations = sorted({*_ids(rec.get("currently_affected_locations"), "currently_affected_locations"),
                        *_ids(rec.get("previously_affected_locations"), "previously_affected_locations")})
    key = f"gcp-status:{source_id}"
    updates = []
    for i, item in enumerate(as_list(rec.get("updates"), "updates")):
        upd = as_object(item, f"updates[{i}]") or {}
        when = parse_instant(upd.get("when") or upd.get("created"), f"updates[{i}].when", zone=None)
        if when is None:
            raise RowError(f"updates[{i}].when", "update time is missing")
        updates.append({"provider_incident_id": key, "update_at": when,
                        "status": as_text(upd.get("status"), f"updates[{i}].status"),
                        "text": as_text(upd.get("text"), f"updates[{i}].text"),
                        "locations": _ids(upd.get("affected_locations"), f"updates[{i}].affected_locations")})
    updates.sort(key=lambda u: cast(datetime, u["update_at"]))  # the feed lists the newest first
    uri = as_text(rec.get("uri"), "uri")
    row = {
        "provider_incident_id": key, "provider": "Google Cloud", "product": product,
        "products": products or ([product] if product else []), "locations": locations,
        "title": as_text(rec.get("external_desc"), "external_desc"), "severity": severity, "impact": impact,
        "begin_at": begin, "end_at": end, "uri": GCP_STATUS_PAGE + uri if uri and "://" not in uri else uri,
    }  # fmt: skip
    return row, updates


def _titles(value: Any, column: str) -> list[str]:
    out = []
    for i, item in enumerate(as_list(value, column)):
        title = as_text((as_object(item, f"{column}[{i}]") or {}).get("title"), f"{column}[{i}].title")
        if title and title not in out:
            out.append(title)
    return out


def _ids(value: Any, column: str) -> list[str]:
    out = []
    for i, item in enumerate(as_list(value, column)):
        obj = as_object(item, f"{column}[{i}]") or {}
        text = as_text(obj.get("id") or obj.get("title"), f"{column}[{i}].id")
        if text and text not in out:
            out.append(text)
    return out


def gcp_records(doc: Any, file: Path) -> list[Any]:
    """incidents.json is a bare array."""
    if not isinstance(doc, list):
        raise ExportFormatError("expected the JSON array of Google Cloud's incidents.json", file=file)
    return doc


# -- AWS ------------------------------------------------------------------------------------------
def aws_event(record: Any) -> Parsed:
    """One AWS Health Dashboard event → (provider incident row, its event log oldest first)."""
    rec = as_object(record, "event")
    if rec is None:
        raise RowError("event", "expected an event object, got null")
    service = as_text(rec.get("service"), "service")
    date = _epoch(rec.get("date"), "date")
    log_entries = []
    for i, item in enumerate(as_list(rec.get("event_log"), "event_log")):
        entry = as_object(item, f"event_log[{i}]") or {}
        when = _epoch(entry.get("timestamp"), f"event_log[{i}].timestamp")
        if when is None:
            raise RowError(f"event_log[{i}].timestamp", "update time is missing")
        log_entries.append((when, i, entry))
    log_entries.sort(key=lambda e: (e[0], e[1]))
    times = [t for t, _, _ in log_entries]
    if date is None and not times:
        raise RowError("date", "the event has neither a date nor a timestamped update")
    begin = min([*times, *([date] if date is not None else [])])
    summary = as_text(rec.get("summary"), "summary")
    statuses = [_status(rec.get("status"), "status")]
    statuses += [_status(e.get("status"), f"event_log[{i}].status") for _, i, e in log_entries]
    top = max((s for s in statuses if s is not None), default=None)
    if top is None:
        raise RowError("status", "status is missing")
    impact, severity = AWS_IMPACT[top]
    resolved = "[resolved]" in (summary or "").lower() or any(
        "[resolved]" in str(e.get("summary") or "").lower() for _, _, e in log_entries)
    arn = as_text(rec.get("arn"), "arn")
    if not arn and not service:
        raise RowError("service", "an event needs a service key (or an arn)")
    key = f"aws-health:{arn}" if arn else f"aws-health:{service}:{int(begin.timestamp())}"
    product = as_text(rec.get("service_name"), "service_name")
    impacted = as_object(rec.get("impacted_services"), "impacted_services") or {}
    names = [product] if product else []
    for name, info in sorted(impacted.items()):
        label = as_text((as_object(info, f"impacted_services.{name}") or {}).get("service_name"),
                        f"impacted_services.{name}.service_name") or name
        if label not in names:
            names.append(label)
    region = _region(service) or as_text(rec.get("region_name"), "region_name")
    updates = [{"provider_incident_id": key, "update_at": when,
                "status": None if e.get("status") is None else str(e.get("status")),
                "text": " — ".join(t for t in (as_text(e.get("summary"), f"event_log[{i}].summary"),
                                               as_text(e.get("message"), f"event_log[{i}].message")) if t) or None,
                "locations": [region] if region else []}
               for when, i, e in log_entries]  # fmt: skip
    row = {
        "provider_incident_id": key, "provider": "AWS", "product": product or service, "products": names,
        "locations": [region] if region else [], "title": summary, "severity": severity, "impact": impact,
        "begin_at": begin, "end_at": max(times) if resolved and times else None, "uri": None,
    }  # fmt: skip
    return row, updates


def _epoch(value: Any, column: str) -> datetime | None:
    """Epoch seconds (number or digit text) as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RowError(column, f"expected epoch seconds, got {type(value).__name__}")
    try:
        seconds = float(value)
        moment = datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        raise RowError(column, f"cannot read {str(value)[:40]!r} as epoch seconds") from None
    return plausible_instant(moment, column, shown=str(value))


def _status(value: Any, column: str) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text not in {"0", "1", "2", "3"}:
        raise RowError(column, f"{text[:20]!r} is not an AWS Health status (0, 1, 2 or 3)")
    return int(text)


_REGION = re.compile(r"([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)$")


def _region(service: str | None) -> str | None:
    """The region suffix of a service key: ``ec2-us-east-1`` → ``us-east-1`` (None without one).

    >>> _region("ec2-us-east-1"), _region("rds-me-central-1"), _region("ec2-us-gov-west-1"), _region("iam")
    ('us-east-1', 'me-central-1', 'us-gov-west-1', None)
    """
    match = _REGION.search(service or "")
    return match.group(1) if match else None


def aws_records(doc: Any, file: Path) -> list[Any]:
    """``currentevents`` (an array) or ``historyevents`` (service key → array of events)."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        out: list[Any] = []
        for key in sorted(doc):
            events = doc[key]
            if not isinstance(events, list):
                raise ExportFormatError(f"history entry {key[:60]!r} must be a list of events", file=file,
                                        column=key[:60])  # fmt: skip
            out.extend(events)
        return out
    raise ExportFormatError("expected the AWS Health Dashboard's event array or history object", file=file)


# -- loading --------------------------------------------------------------------------------------
def read_feed(file: Path) -> Any:
    """A status feed's JSON: UTF-8 (BOM allowed) or UTF-16 with its BOM; strict JSON."""
    data = file.read_bytes()
    try:
        text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportFormatError(f"not UTF-8 or UTF-16 text (byte {exc.start})", file=file) from exc
    try:
        return parse_json(text)
    except (ValueError, RecursionError) as exc:
        raise ExportFormatError(f"not valid JSON: {str(exc)[:160]}", file=file) from exc


def load_feed(
    con: duckdb.DuckDBPyConnection,
    path: str,
    options: LoadOptions,
    *,
    kind: str,
    records: Callable[[Any, Path], list[Any]],
    parse: Callable[[Any], Parsed],
) -> list[LoadResult]:
    """Load one status feed file (or a folder of them) into provider_incidents and their updates."""
    if options.extra:
        raise ExportFormatError(f"{kind} takes no --option", file=path)
    root = Path(path)
    files = delivery_files(root, suffixes=(".json",))
    delivered = fingerprint_delivery(root, files)

    def load(tx: LoadTransaction) -> None:
        rows: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        seen: dict[str, tuple[str, int]] = {}
        for file in files:
            for i, record in enumerate(records(read_feed(file), file), start=1):
                tx.rows_read += 1
                try:
                    row, ups = parse(record)
                except RowError as exc:
                    _reject(tx, options, file, i, exc.column, exc.message, record)
                    continue
                first = seen.get(row["provider_incident_id"])
                if first is not None:
                    raise ExportFormatError(f"provider incident {row['provider_incident_id'][:80]!r} appears twice "
                                            f"(first in record {first[1]} of {first[0]})", file=file, row=i,
                                            column="id")  # fmt: skip
                seen[row["provider_incident_id"]] = (file.name, i)
                row.update({"updates": len(ups), "last_update_at": max((u["update_at"] for u in ups), default=None),
                            "raw": raw_json(record)})  # fmt: skip
                rows.append(row)
                updates += [{**u, "seq": n} for n, u in enumerate(ups, start=1)]
        if not rows:
            raise ExportFormatError("the delivery holds no provider incidents", file=root)
        incidents = pa.Table.from_pylist(rows, schema=INCIDENT_SCHEMA)
        tx.upsert_frame(INCIDENTS, incidents, key=("provider_incident_id",))
        ids = pa.table({"provider_incident_id": incidents.column("provider_incident_id")})
        name = f"__provider_ids_{tx.file_id}"
        tx.con.register(name, ids)
        try:
            tx.delete_matching(UPDATES, key=("provider_incident_id",), source=name)
        finally:
            tx.con.unregister(name)
        if updates:
            tx.insert_frame(UPDATES, pa.Table.from_pylist(updates, schema=UPDATE_SCHEMA))
        begins = incidents.column("begin_at").to_pylist()
        ends = [e or b for e, b in zip(incidents.column("end_at").to_pylist(), begins, strict=True)]
        tx.period_start, tx.period_end = min(begins), max(ends)
        tx.details.update({"provider_incidents": len(rows), "updates": len(updates),
                           "ongoing": sum(1 for r in rows if r["end_at"] is None)})  # fmt: skip

    return [run_load(con, kind=kind, file=delivered, target_table=INCIDENTS, load=load, options=options.as_record())]


def _reject(tx: LoadTransaction, options: LoadOptions, file: Path, row: int, column: str | None, message: str,
            record: Any) -> None:  # fmt: skip
    if not options.quarantine:
        raise ExportFormatError(message, file=file, row=row, column=column)
    tx.quarantine(row=row, column=column, problem=f"{file.name}: {message}", raw=raw_json(record), data_file=file.name)


def load_gcp_status(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Google Cloud status incidents.json."""
    return load_feed(con, path, options, kind="gcp-status", records=gcp_records, parse=gcp_incident)


def load_aws_health(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """AWS Health Dashboard currentevents / historyevents JSON."""
    return load_feed(con, path, options, kind="aws-health", records=aws_records, parse=aws_event)


def _head_text(path: Path, head: bytes) -> str:
    if not (path.is_file() and path.name.lower().endswith(".json")):
        return ""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return head.decode("utf-16", errors="replace")
    return utf8_text(head)


def _sniff_gcp(path: Path, head: bytes) -> bool:
    text = _head_text(path, head)
    return '"status_impact"' in text and '"external_desc"' in text


def _sniff_aws(path: Path, head: bytes) -> bool:
    text = _head_text(path, head)
    return '"event_log"' in text and '"service_name"' in text and '"status_impact"' not in text


register(SourceKind("gcp-status", INCIDENTS, "Google Cloud status history: incidents.json (provider incidents)",
                    load_gcp_status, sniff=_sniff_gcp))
register(SourceKind("aws-health", INCIDENTS,
                    "AWS Health Dashboard events: currentevents / historyevents JSON (provider incidents)",
                    load_aws_health, sniff=_sniff_aws))
