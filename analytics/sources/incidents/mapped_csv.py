"""Any incident CSV through a YAML column mapping (kind ``mapped-csv``, ``--mapping FILE``).

Mapping file::

    source: myitsm                 # required: incidents.source and the key prefix (myitsm:<id>)
    timezone: Europe/Berlin        # optional zone of offset-less times (else --timezone)
    datetime_format: "%d.%m.%Y %H:%M"   # optional strptime format; default ISO 8601
    list_separator: ";"            # optional, for responders (default ",")
    columns:                       # canonical column: CSV header (source_id and created_at required)
      source_id: Ticket
      created_at: Opened
      resolved_at: Closed
      title: Subject
      service: Application
      severity: Sev                # raw label, mapped through `severity:` below
    severity:                      # optional raw label → SEV1..SEV5 (also --severity-map)
      "Sev 1": SEV1
      "Sev 2": SEV2
    status:                        # optional raw status → open/acknowledged/mitigated/resolved/closed/canceled
      Done: resolved

Mappable columns are every canonical incident column except ``incident_id``, ``source``,
``severity_rank`` and ``raw`` (filled by the loader); ``severity`` takes the raw label (kept in
``severity_raw``) and is mapped through the table, whose default accepts SEV1..SEV5, 1..5 and
P1..P5. Unmapped CSV columns are kept in ``raw``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import pyarrow as pa
import yaml

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources.incidents._common import (
    INCIDENT_COLUMNS,
    STATUSES,
    IncidentWriter,
    RowError,
    as_bool,
    as_float,
    as_int,
    as_text,
    label_key,
    load_delivery,
    parse_instant,
    rank_of,
    raw_json,
    read_csv,
    severity_map,
    source_zone,
    to_utc,
)
from analytics.warehouse.ledger import LoadResult

DEFAULT_SEVERITY: dict[str, str] = {
    **{f"SEV{n}": f"SEV{n}" for n in range(1, 6)}, **{str(n): f"SEV{n}" for n in range(1, 6)},
    **{f"P{n}": f"SEV{n}" for n in range(1, 6)},
}
RESERVED = {"incident_id", "source", "severity_rank", "raw"}
MAPPABLE = tuple(c for c in INCIDENT_COLUMNS if c not in RESERVED)
_SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class ColumnMapping:
    """A validated mapping file."""

    def __init__(self, path: Path) -> None:
        try:
            doc = yaml.safe_load(path.read_text("utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot read mapping {path}: {exc.strerror or exc}") from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise UsageError(f"mapping {path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
        if not isinstance(doc, dict):
            raise UsageError(f"mapping {path} must be a YAML mapping with 'source' and 'columns'")
        known = {"source", "timezone", "datetime_format", "list_separator", "columns", "severity", "status"}
        unknown = sorted(str(k) for k in set(doc) - known)
        if unknown:
            raise UsageError(f"mapping {path}: unknown key {unknown[0]!r} (expected {', '.join(sorted(known))})")
        source = str(doc.get("source") or "")
        if not _SOURCE_NAME.match(source):
            raise UsageError(f"mapping {path}: 'source' must be a short lower-case name such as myitsm, got "
                             f"{doc.get('source')!r}")
        columns = doc.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise UsageError(f"mapping {path}: 'columns' must map canonical columns to CSV headers")
        for target, header in columns.items():
            if target not in MAPPABLE:
                raise UsageError(f"mapping {path}: columns.{target} is not a mappable incident column "
                                 f"(expected some of: {', '.join(MAPPABLE)})")
            if not isinstance(header, str) or not header.strip():
                raise UsageError(f"mapping {path}: columns.{target} must name a CSV header")
        for required in ("source_id", "created_at"):
            if required not in columns:
                raise UsageError(f"mapping {path}: columns.{required} is required")
        statuses = doc.get("status") or {}
        if not isinstance(statuses, dict) or any(v not in STATUSES for v in statuses.values()):
            raise UsageError(f"mapping {path}: 'status' must map raw values to one of {', '.join(STATUSES)}")
        severity = doc.get("severity") or {}
        if not isinstance(severity, dict):
            raise UsageError(f"mapping {path}: 'severity' must map raw labels to SEV1..SEV5")
        self.path = path
        self.source = source
        self.columns: dict[str, str] = {str(k): str(v).strip() for k, v in columns.items()}
        self.timezone = doc.get("timezone")
        self.datetime_format = doc.get("datetime_format")
        self.separator = str(doc.get("list_separator") or ",")
        self.severity: dict[str, str] = {str(k): str(v) for k, v in severity.items()}
        self.status = {label_key(str(k)): str(v) for k, v in statuses.items()}

    def zone(self, options: LoadOptions) -> ZoneInfo | None:
        """``--timezone`` wins over the mapping's ``timezone``."""
        if options.timezone:
            return source_zone(options)
        if not self.timezone:
            return None
        try:
            return ZoneInfo(str(self.timezone))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise UsageError(f"mapping {self.path}: unknown time zone {self.timezone!r}") from exc


def load_mapped_csv(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load a CSV through the ``--mapping`` YAML file."""
    if options.mapping is None:
        raise UsageError("mapped-csv needs --mapping FILE (a YAML column mapping; see docs/incident-sources.md)")
    mapping = ColumnMapping(Path(options.mapping))
    zone = mapping.zone(options)
    defaults = {**DEFAULT_SEVERITY, **mapping.severity}
    try:
        severities = severity_map(mapping.source, defaults, options)
    except ValueError as exc:
        raise UsageError(f"mapping {mapping.path}: severity: {exc}") from exc

    def parse(file: Path, writer: IncidentWriter) -> None:
        table = read_csv(file)
        position = {h: i for i, h in enumerate(table.header)}
        for target, header in mapping.columns.items():
            if header not in position:
                raise ExportFormatError(f"the mapping's columns.{target} names a column the file does not have "
                                        f"(headers: {', '.join(table.header[:10])})", file=file, column=header)
        for row_no, problem, raw in table.bad_rows:
            writer.read()
            writer.reject(file, row_no, None, problem, raw)
        for row_no, cells in table.rows:
            writer.read()
            record = dict(zip(table.header, cells, strict=True))
            try:
                row = mapped_row(record, mapping, zone=zone, severities=severities.severity)
            except RowError as exc:
                writer.reject(file, row_no, mapping.columns.get(exc.column or "", exc.column), exc.message, record)
                continue
            writer.incident(row, file=file, row_no=row_no)

    return load_delivery(con, path, options, kind="mapped-csv", source=mapping.source, suffixes=(".csv",),
                         parse=parse, timeline=False)


def _timestamp(value: str | None, column: str, *, fmt: str | None, zone: ZoneInfo | None) -> datetime | None:
    if value is None:
        return None
    if fmt is None:
        return parse_instant(value, column, zone=zone)
    try:
        moment = datetime.strptime(value.strip(), fmt)
    except ValueError:
        raise RowError(column, f"cannot read {value[:60]!r} with datetime_format {fmt!r}") from None
    return to_utc(moment, column, zone=zone, shown=value)


def mapped_row(record: dict[str, str], mapping: ColumnMapping, *, zone: ZoneInfo | None,
               severities: Callable[[str | None, str], str | None]) -> dict[str, Any]:
    """One CSV record → canonical row through the mapping."""
    value = {t: (record[h].strip() or None) for t, h in mapping.columns.items()}
    row: dict[str, Any] = {}
    for target, text in value.items():
        dtype = INCIDENT_COLUMNS[target]
        if target == "severity":
            continue
        if pa.types.is_timestamp(dtype):
            row[target] = _timestamp(text, target, fmt=mapping.datetime_format, zone=zone)
        elif pa.types.is_integer(dtype):
            row[target] = as_int(text, target)
        elif pa.types.is_floating(dtype):
            row[target] = as_float(text, target)
        elif pa.types.is_boolean(dtype):
            row[target] = as_bool(text, target)
        elif target == "responders":
            row[target] = [p.strip() for p in (text or "").split(mapping.separator) if p.strip()]
        else:
            row[target] = as_text(text, target)
    source_id = row.get("source_id")
    if source_id is None:
        raise RowError("source_id", "the id is missing")
    if row.get("created_at") is None:
        raise RowError("created_at", "the creation time is missing")
    raw_severity = value.get("severity") or value.get("severity_raw")
    if raw_severity is not None:
        row["severity_raw"] = row.get("severity_raw") or raw_severity
        row["severity"] = severities(raw_severity, "severity")
    elif row.get("priority_raw"):
        row["severity"] = severities(row["priority_raw"], "priority_raw")
    row["severity_rank"] = rank_of(row.get("severity"))
    if row.get("status") is not None:
        raw_status = row["status"]
        row["status_raw"] = row.get("status_raw") or raw_status
        row["status"] = mapping.status.get(label_key(raw_status), raw_status.lower())
        if row["status"] not in STATUSES:
            raise RowError("status", f"status {raw_status[:40]!r} is not one of {', '.join(STATUSES)}; map it "
                                     "in the mapping's 'status:' section")
    row.update({"incident_id": f"{mapping.source}:{source_id}", "source": mapping.source,
                "raw": raw_json(record)})
    return row


register(SourceKind("mapped-csv", "incidents", "any incident CSV through a YAML column mapping (--mapping FILE)",
                    load_mapped_csv))
