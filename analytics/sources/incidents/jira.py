"""Jira Service Management / Jira Cloud "Export CSV (all fields)" (kind ``jira``).

The export repeats a header once per value of a multi-value field (``Watchers``, ``Labels``,
``Comment``, ``Custom field (Impact)``…); the loader reads the header itself and collapses each
group of same-named columns into a list (empty cells dropped). Quoted cells may span lines; a BOM
and CRLF line ends are fine.

Rows are incidents when ``Issue Type`` contains "incident" (``--option issue_types=Incident,Outage``
names the types exactly); other rows are skipped and counted. Dates look like
``25/Feb/26 10:17 PM`` or ``30/Jul/18 23:33`` (English month abbreviations; ISO dates work too)
and carry no zone: they are in the exporting user's profile zone, so ``--timezone`` is required.

Mapping: key ``jira:<Issue id>`` (else the issue key), ``number`` = ``Issue key``, ``title`` =
``Summary``, ``service`` = ``Custom field (Affected services)`` (first value) else
``Component/s``, ``team`` = ``Custom field (Team)`` / ``Team``, ``category`` =
``Custom field (Category)``, ``failure_mode`` = ``Custom field (Root cause)`` /
``Custom field (Failure mode)``, ``urgency`` = ``Custom field (Urgency)``, ``problem_id`` = an
issue link to a problem, ``responders`` = ``Custom field (Responders)`` and ``Assignee``,
``resolved_at`` = ``Resolved``. Status: canceled for Canceled/Declined/Won't Do (status or
resolution), closed for Closed, resolved when a ``Resolved`` date exists, acknowledged for
status category In Progress, else open. Jira records no acknowledgement, so ``acknowledged_at``
is NULL.

Severity: ``Custom field (Severity)`` when filled, else ``Priority``, through
:data:`DEFAULT_SEVERITY` (Highest/Blocker/Critical → SEV1, High/Major → SEV2, Medium → SEV3,
Low/Minor → SEV4, Lowest/Trivial → SEV5, and Sev-1…Sev-5 / P1…P5 spellings).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
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
    csv_head,
    devlake_rows,
    file_head,
    is_devlake_raw_table,
    label_key,
    load_delivery,
    rank_of,
    raw_json,
    read_csv,
    severity_map,
    sniff_devlake,
    source_zone,
    to_utc,
)
from analytics.warehouse.ledger import LoadResult

SOURCE = "jira"
DEFAULT_SEVERITY: dict[str, str] = {
    "highest": "SEV1", "blocker": "SEV1", "critical": "SEV1", "high": "SEV2", "major": "SEV2",
    "medium": "SEV3", "moderate": "SEV3", "low": "SEV4", "minor": "SEV4", "lowest": "SEV5", "trivial": "SEV5",
    **{f"sev{n}": f"SEV{n}" for n in range(1, 6)}, **{f"severity{n}": f"SEV{n}" for n in range(1, 6)},
    **{f"p{n}": f"SEV{n}" for n in range(1, 6)},
}
MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                      "nov", "dec"), start=1)}
_JIRA_DATE = re.compile(r"^(\d{1,2})/([A-Za-z]{3})/(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_CANCELED = {"canceled", "cancelled", "declined", "wontdo", "wontfix", "duplicate", "rejected"}


def load_jira(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load a Jira CSV export (repeated columns collapsed into lists); ``--timezone`` is required."""
    zone = source_zone(options)
    severities = severity_map(SOURCE, DEFAULT_SEVERITY, options)
    wanted = options.extra.get("issue_types")
    types = {t.strip().casefold() for t in wanted.split(",") if t.strip()} if wanted else None

    def parse(file: Path, writer: IncidentWriter) -> None:
        if is_devlake_raw_table(csv_head(file_head(file))):
            _parse_devlake(file, writer, severities=severities, types=types)
            return
        table = read_csv(file, allow_duplicate_names=True)
        groups: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(table.header):
            groups[name].append(i)
        if "Issue key" not in groups and "Issue id" not in groups:
            raise ExportFormatError("required column missing: a Jira export has 'Issue key' (this does not look "
                                    "like a Jira CSV export)", file=file, column="Issue key")
        if "Created" not in groups:
            raise ExportFormatError("required column missing", file=file, column="Created")
        if zone is None:
            raise ExportFormatError("Jira CSV dates carry no time zone (they are in the exporting user's profile "
                                    "zone): pass it with --timezone", file=file, column="Created")
        writer.details["repeated_columns"] = sorted(n for n, idx in groups.items() if len(idx) > 1)
        skipped = 0
        for row_no, problem, raw in table.bad_rows:
            writer.read()
            writer.reject(file, row_no, None, problem, raw)
        for row_no, cells in table.rows:
            writer.read()
            rec = collapse(groups, cells)
            issue_type = _first(rec.get("Issue Type"))
            if issue_type is not None and not _is_incident(issue_type, types):
                skipped += 1
                continue
            try:
                row = jira_row(rec, zone=zone, severities=severities)
            except RowError as exc:
                writer.reject(file, row_no, exc.column, exc.message, rec)
                continue
            writer.incident(row, file=file, row_no=row_no)
        writer.details["skipped_other_issue_types"] = writer.details.get("skipped_other_issue_types", 0) + skipped

    return load_delivery(con, path, options, kind="jira", source=SOURCE, suffixes=(".csv",), parse=parse,
                         timeline=False)


def _parse_devlake(file: Path, writer: IncidentWriter, *, severities: SeverityMap, types: set[str] | None) -> None:
    """Apache DevLake's ``_raw_jira_api_issues`` table: one Jira REST issue (Agile board API, with
    ``changelog`` expanded) per row, read as the CSV export's row of the same issue
    (:func:`rest_issue_record`) and filtered by issue type the same way. Timestamps carry their
    offset (``2020-06-12T08:13:13.360+0800``), so no ``--timezone`` is needed. The changelog table
    (``_raw_jira_api_issue_changelogs``) holds histories, not issues: refused, saying so."""
    rows = devlake_rows(file, writer)
    skipped: Counter[str] = Counter()
    for r in rows:
        if "/changelog" in r.url or (isinstance(r.record, dict) and "items" in r.record and "fields" not in r.record):
            raise ExportFormatError(
                "a DevLake raw table of Jira issue changelogs (histories, not issues): nothing to load as "
                "incidents on its own; load _raw_jira_api_issues.csv, whose issues embed their changelog",
                file=file, row=r.row, column="url",
            )
        writer.read()
        try:
            rec = rest_issue_record(r.record)
            issue_type = _first(rec.get("Issue Type"))
            if issue_type is not None and not _is_incident(issue_type, types):
                skipped[issue_type] += 1
                continue
            row = jira_row(rec, zone=_UTC, severities=severities)
        except RowError as exc:
            writer.reject(file, r.row, exc.column, exc.message, r.record)
            continue
        row["raw"] = raw_json(r.record)
        writer.incident(row, file=file, row_no=r.row)
    if rows and sum(skipped.values()) == len(rows):
        found = ", ".join(f"{t} {n}" for t, n in skipped.most_common())
        raise ExportFormatError(
            f"none of the {len(rows)} Jira issues has an incident issue type (found: {found}); name the types to "
            "load as incidents with --option issue_types=…", file=file, column="fields.issuetype",
        )
    writer.details["skipped_other_issue_types"] = (writer.details.get("skipped_other_issue_types", 0)
                                                   + sum(skipped.values()))  # fmt: skip
    writer.details["devlake_rows"] = writer.details.get("devlake_rows", 0) + len(rows)


_UTC = ZoneInfo("UTC")
_STATUS_CATEGORIES = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}


def rest_issue_record(issue: Any) -> dict[str, Any]:
    """A Jira REST issue (``{id, key, fields: {…}}``) as the CSV export's row of that issue, its
    timestamps in UTC (``YYYY-MM-DD HH:MM:SS``; read with ``zone=UTC``)."""
    if not isinstance(issue, dict):
        raise RowError("data", f"expected a Jira issue object, got {type(issue).__name__}")
    fields = issue.get("fields")
    if not isinstance(fields, dict):
        raise RowError("fields", "a Jira REST issue has 'fields'; this object has none")

    def name(key: str, attr: str = "name") -> Any:
        value = fields.get(key)
        return value.get(attr) if isinstance(value, dict) else None

    status: dict[str, Any] = fields["status"] if isinstance(fields.get("status"), dict) else {}
    category: dict[str, Any] = status["statusCategory"] if isinstance(status.get("statusCategory"), dict) else {}
    components: list[Any] = fields["components"] if isinstance(fields.get("components"), list) else []
    return {
        "Issue key": _text(issue.get("key")), "Issue id": _text(issue.get("id")),
        "Summary": _text(fields.get("summary")),
        "Issue Type": _text(name("issuetype")), "Created": _rest_date(fields.get("created"), "fields.created"),
        "Resolved": _rest_date(fields.get("resolutiondate"), "fields.resolutiondate"),
        "Priority": _text(name("priority")), "Status": _text(status.get("name")),
        "Status Category": _STATUS_CATEGORIES.get(str(category.get("key"))),
        "Resolution": _text(name("resolution")), "Assignee": _text(name("assignee", "displayName")),
        "Component/s": [c["name"] for c in components if isinstance(c, dict) and isinstance(c.get("name"), str)],
    }  # fmt: skip


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _rest_date(value: Any, column: str) -> str | None:
    """A Jira REST timestamp (``2020-06-12T08:13:13.360+0800``) as UTC ``YYYY-MM-DD HH:MM:SS``."""
    if value is None:
        return None
    text = str(value).strip()
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    raise RowError(column, f"cannot read {text[:60]!r} as a Jira REST timestamp (like 2020-06-12T08:13:13.360+0800)")


def collapse(groups: dict[str, list[int]], cells: list[str]) -> dict[str, Any]:
    """One CSV row as ``{column: value}``; repeated column names become lists of their non-empty values."""
    rec: dict[str, Any] = {}
    for name, positions in groups.items():
        if len(positions) == 1:
            value = cells[positions[0]]
            rec[name] = value if value.strip() else None
        else:
            rec[name] = [cells[i] for i in positions if cells[i].strip()]
    return rec


def _first(value: Any) -> str | None:
    """The first value of a cell or a collapsed list, stripped."""
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    return [v.strip() for v in (value if isinstance(value, list) else [value]) if str(v).strip()]


def _is_incident(issue_type: str, types: set[str] | None) -> bool:
    key = issue_type.casefold()
    return key in types if types is not None else "incident" in key


def parse_jira_date(value: str | None, column: str, *, zone: ZoneInfo) -> datetime | None:
    """``25/Feb/26 10:17 PM``, ``30/Jul/18 23:33`` or ISO, in ``zone``, as UTC."""
    if value is None:
        return None
    text = value.strip()
    try:
        match = _JIRA_DATE.match(text)
        if match:
            day, mon, year, hh, mm, ss, ampm = match.groups()
            month = MONTHS.get(mon.lower())
            if month is None:
                raise RowError(column, f"unknown month {mon!r} in {text!r} (English abbreviations expected)")
            y = int(year) + (2000 if len(year) == 2 else 0)
            hour = int(hh)
            if ampm:
                if not 1 <= hour <= 12:
                    raise RowError(column, f"hour {hour} with {ampm.upper()} in {text!r}")
                hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
            moment = datetime(y, month, int(day), hour, int(mm), int(ss or 0))
            return to_utc(moment, column, zone=zone, shown=text)
        match = _ISO_DATE.match(text)
        if match:
            y, m, d, hh, mm, ss = (int(g) if g else 0 for g in match.groups())
            return to_utc(datetime(y, m, d, hh, mm, ss), column, zone=zone, shown=text)
    except ValueError as exc:
        raise RowError(column, f"cannot read {text[:60]!r} as a date: {exc}") from None
    raise RowError(column, f"cannot read {text[:60]!r} as a Jira date (like 25/Feb/26 10:17 PM)")


def _column(rec: dict[str, Any], *names: str) -> tuple[str | None, Any]:
    """The first of ``names`` present with a value (custom fields are matched case-insensitively)."""
    keys = {label_key(k): k for k in rec}
    for name in names:
        key = keys.get(label_key(name))
        if key is not None and _values(rec[key]):
            return key, rec[key]
    return None, None


def jira_row(rec: dict[str, Any], *, zone: ZoneInfo, severities: SeverityMap) -> dict[str, Any]:
    """One Jira issue row → canonical incident row."""
    key = _first(rec.get("Issue key"))
    issue_id = _first(rec.get("Issue id")) or key
    if issue_id is None:
        raise RowError("Issue key", "issue key is missing")
    created = parse_jira_date(_first(rec.get("Created")), "Created", zone=zone)
    if created is None:
        raise RowError("Created", "Created is missing")
    resolved = parse_jira_date(_first(rec.get("Resolved")), "Resolved", zone=zone)
    sev_column, sev_value = _column(rec, "Custom field (Severity)", "Severity")
    severity_raw = _first(sev_value)
    priority = _first(rec.get("Priority"))
    if severity_raw is not None:
        severity = severities.severity(severity_raw, sev_column or "Custom field (Severity)")
    else:
        severity = severities.severity(priority, "Priority") if priority else None
    status_raw = _first(rec.get("Status"))
    category = label_key(_first(rec.get("Status Category")) or "")
    resolution = label_key(_first(rec.get("Resolution")) or "")
    if label_key(status_raw or "") in _CANCELED or resolution in _CANCELED:
        status = "canceled"
    elif label_key(status_raw or "") == "closed":
        status = "closed"
    elif resolved is not None or category == "done":
        status = "resolved"
    elif category == "inprogress":
        status = "acknowledged"
    else:
        status = "open"
    _, services = _column(rec, "Custom field (Affected services)", "Affected services", "Component/s", "Components")
    _, team = _column(rec, "Custom field (Team)", "Team", "Custom field (Owning team)")
    _, category_value = _column(rec, "Custom field (Category)", "Category")
    _, failure = _column(rec, "Custom field (Root cause)", "Custom field (Failure mode)", "Root cause")
    _, urgency = _column(rec, "Custom field (Urgency)", "Urgency")
    _, responders = _column(rec, "Custom field (Responders)", "Responders")
    problem = next((_first(v) for k, v in rec.items() if "issue link" in k.lower() and "problem" in k.lower()
                    and _values(v)), None)
    people = [*_values(responders), *_values(rec.get("Assignee"))]
    return {
        "incident_id": f"{SOURCE}:{issue_id}",
        "source": SOURCE,
        "source_id": issue_id,
        "number": key,
        "title": _first(rec.get("Summary")),
        "service": _first(services),
        "team": _first(team),
        "severity": severity,
        "severity_rank": rank_of(severity),
        "severity_raw": severity_raw,
        "priority_raw": priority,
        "urgency": _first(urgency),
        "status": status,
        "status_raw": status_raw,
        "created_at": created,
        "resolved_at": resolved,
        "category": _first(category_value),
        "failure_mode": _first(failure),
        "problem_id": problem,
        "responders": list(dict.fromkeys(people)),
        "raw": raw_json(rec),
    }


def _sniff(path: Path, head: bytes) -> bool:
    if not (path.is_file() and path.name.lower().endswith(".csv")):
        return False
    if sniff_devlake(path, head, "atlassian.net"):
        return True
    header = set(csv_head(head))
    return "Issue key" in header and bool({"Summary", "Issue Type", "Created"} & header)


register(SourceKind("jira", "incidents", "Jira Service Management CSV export (needs --timezone)", load_jira,
                    sniff=_sniff))
