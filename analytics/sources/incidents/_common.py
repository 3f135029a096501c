"""Shared machinery of the incident loaders (PagerDuty, Opsgenie, Jira, ServiceNow, incident.io,
Statuspage, mapped CSV): reading deliveries, typed field access with row/column errors, time-zone
rules, severity tables with a YAML override, and the staged, idempotent write into ``incidents``
and ``incident_events``.

Write path (one transaction, through :func:`analytics.warehouse.ledger.run_load`):

1. the adapter parses records in Python and hands canonical rows to an :class:`IncidentWriter`,
   which stages them in temp tables in chunks (bounded memory for million-row deliveries); an
   adapter may first stage the files it can read in bulk (``load_delivery(bulk=…)``: the PagerDuty
   REST pages, :mod:`._rest_bulk`), the others are parsed here in file order;
2. row-level problems raise :class:`~analytics.errors.ExportFormatError` naming file, row and
   column — or, with ``--quarantine``, are set aside with ``tx.quarantine`` and counted;
3. :meth:`IncidentWriter.finish` keeps the last copy of each ``incident_id`` in the delivery, lets the
   adapter derive fields from the timeline in SQL, checks the time order (acknowledge / resolve
   before create), upserts ``incidents`` on ``incident_id`` and replaces ``incident_events`` of
   the incidents the delivery carries timeline entries for.

Why one module over 500 lines: the incident loaders' one write path (staging, idempotent upsert,
timeline) and the typed field access every adapter uses; its parts call each other and change
together. The value primitives are in sources/_values.py, the record loop in _records.py.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import json
import logging
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import yaml

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions
from analytics.sources._files import (  # noqa: F401 - re-exported for the loaders
    RowError,
    decode_text,
    delivery_files,
    fingerprint_delivery,
    label_key,
    parse_json,
    read_json,
    source_zone,
)
from analytics.sources._values import (  # noqa: F401 - the shared value primitives, re-exported for the loaders
    TEXT_LIMIT,
    as_bool,
    as_list,
    as_object,
    as_text,
    encodable,
    instant_text,
    parse_instant,
    surrogate_error,
    to_utc,
)
from analytics.warehouse import run, run_quietly, scalar
from analytics.warehouse.ledger import LoadResult, LoadTransaction, run_load
from analytics.warehouse.schema import canonical_schema

log = logging.getLogger(__name__)

SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
STATUSES: tuple[str, ...] = ("open", "acknowledged", "mitigated", "resolved", "closed", "canceled")
EVENT_TYPES: tuple[str, ...] = ("trigger", "notify", "acknowledge", "unacknowledge", "escalate", "assign",
                                "state_change", "resolve", "reopen", "note")
_EVENT_TYPE_SET = frozenset(EVENT_TYPES)
_TS = pa.timestamp("us", tz="UTC")
INCIDENT_COLUMNS: dict[str, pa.DataType] = canonical_schema("incidents")  # from the migration DDL
EVENT_COLUMNS: dict[str, pa.DataType] = canonical_schema("incident_events")  # seq is assigned on write
# __plain: FALSE for a row staged in bulk from a record the bulk reader cannot take as it is (its file's
# rows are removed again and the file is parsed record by record); NULL for rows staged here
_STAGE_EXTRA: dict[str, pa.DataType] = {"__pos": pa.int64(), "__file": pa.string(), "__row": pa.int64(),
                                        "__plain": pa.bool_()}
_EVENT_EXTRA: dict[str, pa.DataType] = {"__pos": pa.int64(), "__plain": pa.bool_(), "__rank": pa.int16(),
                                        "__key": pa.string(),
                                        "__agent": pa.string()}
CHUNK_ROWS = 20_000
FILE_BITS = 32  # staged positions are (file index << FILE_BITS) + the record's place in its file
_INT32 = 2**31 - 1
_RAW_LIMIT = 100_000  # characters of the source record kept in incidents.raw
_SEEN_LIMIT = 10_000  # distinct raw severity labels remembered per load




# -- option helpers ----------------------------------------------------------------------------


def extra_option(options: LoadOptions, name: str, allowed: Sequence[str] | None = None) -> str | None:
    """A kind-specific ``--option name=value`` (checked against ``allowed`` when given)."""
    value = options.extra.get(name)
    if value is None:
        return None
    value = str(value).strip()
    if allowed is not None and value not in allowed:
        raise UsageError(f"--option {name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


# -- reading deliveries ------------------------------------------------------------------------






def json_head(path: Path, head: bytes) -> bytes:
    """The first bytes of a JSON file, or of the first JSON file in a folder (for sniffing)."""
    if path.is_file():
        return head
    if path.is_dir():
        for file in sorted(path.glob("*.json"))[:1]:
            with file.open("rb") as handle:
                return handle.read(64 * 1024)
    return b""


def csv_head(head: bytes) -> list[str]:
    """The header fields of a CSV from its first bytes (empty when it cannot be read)."""
    try:
        text = head.decode("utf-8-sig", errors="replace")
        return next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        return []


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, limit))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read strictly: its header and its data records with 1-based row numbers."""

    file: Path
    header: list[str]
    rows: list[tuple[int, list[str]]]
    bad_rows: list[tuple[int, str, str]]  # (row, problem, raw) for rows with the wrong field count


def read_csv(file: Path, *, allow_duplicate_names: bool = False, max_field: int = 16 * 1024 * 1024) -> CsvTable:
    """Read a CSV (BOM, CRLF and multi-line quoted cells handled) with errors naming the row."""
    text = decode_text(file)  # strict UTF-8, no NUL; errors name the file and line
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    bad: list[tuple[int, str, str]] = []
    with _field_limit(max_field):
        try:
            header = next(reader, None)
            if not header or all(not h.strip() for h in header):
                raise ExportFormatError("file is empty or has no header row", file=file)
            header = [h.strip() for h in header]
            for i, name in enumerate(header):
                if not name:
                    raise ExportFormatError(f"empty column name in the header (column {i + 1})", file=file)
            if not allow_duplicate_names:
                seen: set[str] = set()
                for name in header:
                    if name.lower() in seen:
                        raise ExportFormatError("column name appears twice in the header", file=file, column=name)
                    seen.add(name.lower())
            row_no = 0
            for record in reader:
                if not record or (len(record) == 1 and record[0] == ""):
                    continue  # blank line
                row_no += 1
                if len(record) != len(header):
                    bad.append((row_no, f"has {len(record)} fields, the header has {len(header)}",
                                ",".join(record)[:2000]))
                    continue
                rows.append((row_no, record))
        except csv.Error as exc:
            raise ExportFormatError(f"malformed CSV: {exc}", file=file, row=max(reader.line_num - 1, 1)) from exc
    return CsvTable(file, header, rows, bad)


# -- Apache DevLake raw tables ---------------------------------------------------------------------
DEVLAKE_COLUMNS: tuple[str, ...] = ("id", "params", "data", "url", "input", "created_at")


def file_head(file: Path, size: int = 64 * 1024) -> bytes:
    """The first bytes of a file (to read its header without parsing it all)."""
    with file.open("rb") as handle:
        return handle.read(size)


def is_devlake_raw_table(header: Sequence[str]) -> bool:
    """Whether a CSV header is an Apache DevLake raw table (``id,params,data,url,input,created_at``:
    one API object per row, as JSON text in ``data``)."""
    return [h.strip().lower() for h in header] == list(DEVLAKE_COLUMNS)


def is_devlake_like(header: Sequence[str]) -> bool:
    """Whether a header has most of the DevLake raw-table columns (a renamed or dropped one)."""
    return len({h.strip().lower() for h in header} & set(DEVLAKE_COLUMNS)) >= len(DEVLAKE_COLUMNS) - 2


def sniff_devlake(path: Path, head: bytes, *markers: str) -> bool:
    """A DevLake raw-table CSV whose first bytes contain every marker (JSON keys inside a CSV cell
    have their quotes doubled: pass ``'""incident_number""'``)."""
    if not (path.is_file() and path.name.lower().endswith(".csv")) or not is_devlake_raw_table(csv_head(head)):
        return False
    text = utf8_text(head)
    return all(m in text for m in markers)


@dataclass(frozen=True)
class DevLakeRow:
    """One row of a DevLake raw table: its 1-based row number, request URL and the API object."""

    row: int
    url: str
    record: Any


def devlake_rows(file: Path, writer: IncidentWriter) -> list[DevLakeRow]:
    """The API objects of a DevLake raw-table CSV. A row with the wrong field count or a ``data``
    cell that is not strict JSON fails the file naming row and column (or is quarantined)."""
    table = read_csv(file)
    if not is_devlake_raw_table(table.header):
        raise ExportFormatError(f"expected a DevLake raw table with columns {', '.join(DEVLAKE_COLUMNS)}", file=file,
                                column=table.header[0] if table.header else None)  # fmt: skip
    for row_no, problem, raw in table.bad_rows:
        writer.read()
        writer.reject(file, row_no, None, problem, raw)
    out: list[DevLakeRow] = []
    for row_no, cells in table.rows:
        try:
            record = parse_json(cells[2])
        except (ValueError, RecursionError) as exc:
            writer.read()
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)[:120] or type(exc).__name__
            writer.reject(file, row_no, "data", f"not valid JSON: {reason}", cells[2])
            continue
        out.append(DevLakeRow(row_no, cells[3], record))
    return out


def header_index(header: Sequence[str], aliases: Mapping[str, str]) -> dict[str, int]:
    """Map canonical field names to column positions through an alias table (case/space-insensitive)."""
    found: dict[str, int] = {}
    for i, name in enumerate(header):
        target = aliases.get(label_key(name))
        if target is not None and target not in found:
            found[target] = i
    return found




# -- typed field access ------------------------------------------------------------------------
NOT_PLAIN: Any = object()  # plain_text: the value needs as_text (conversion or an error)


def plain_text(value: Any) -> Any:
    """:func:`as_text` for None and ordinary strings, else :data:`NOT_PLAIN` (numbers to convert,
    wrong types, NUL characters, over-long text): lets a loader's fast path hand such values to the
    general path, which converts them or raises the row error."""
    if value is None:
        return None
    if value.__class__ is str:
        text = value.strip()
        if len(text) <= TEXT_LIMIT and "\x00" not in text and (text.isascii() or encodable(text)):
            return text or None
    return NOT_PLAIN


def storable_text(text: str) -> str:
    """Text as it can be stored: lone surrogates written as their ``\\udxxx`` escape."""
    return text if text.isascii() or encodable(text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


def as_int(value: Any, column: str) -> int | None:
    """A non-negative 32-bit integer from an int, an integral float or digit text."""
    if value.__class__ is int and 0 <= value <= _INT32:  # the common case first
        return value
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        raise RowError(column, "expected a whole number, got true/false")
    number: int
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*\d{1,10}(\.0+)?\s*", value):
        number = int(float(value))
    else:
        shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        raise RowError(column, f"expected a whole number, got {shown[:60]}")
    if not 0 <= number <= _INT32:
        raise RowError(column, f"number {number} is out of range")
    return number


def as_float(value: Any, column: str) -> float | None:
    """A finite, non-negative number (seconds, durations)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        raise RowError(column, "expected a number, got true/false")
    try:
        number = float(value) if isinstance(value, int | float | str) else math.nan
    except (ValueError, OverflowError):  # OverflowError: a JSON integer too large for a float
        number = math.nan
    if not math.isfinite(number):
        shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        raise RowError(column, f"expected a number, got {shown[:60]}")
    if number < 0:
        raise RowError(column, f"expected a non-negative number, got {number}")
    return number


def ref_name(value: Any, column: str) -> str | None:
    """The display name of a reference object (``summary`` or ``name``), or plain text."""
    if value is None or isinstance(value, str):
        return as_text(value, column)
    if value.__class__ is dict and value.get("summary").__class__ is str:
        text = plain_text(value["summary"])  # the common case without building the column name
        return as_text(value["summary"], f"{column}.summary") if text is NOT_PLAIN else text
    obj = as_object(value, column)
    assert obj is not None
    for key in ("summary", "name", "display_name", "label"):
        if obj.get(key) is not None:
            return as_text(obj[key], f"{column}.{key}")
    return None


def plus_seconds(moment: datetime | None, seconds: float | None, column: str) -> datetime | None:
    """``moment + seconds`` (vendor durations turned into instants), None when either is missing."""
    if moment is None or seconds is None:
        return None
    try:
        return moment + timedelta(seconds=seconds)
    except OverflowError as exc:
        raise RowError(column, f"{seconds} seconds is out of range") from exc


# One encoder for every record (json.dumps with these options would build one per call). Records are
# parsed JSON or CSV rows, trees without reference cycles, so the encoder need not look for any.
_RAW_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str, check_circular=False)


def raw_json(record: Any) -> str:
    """The source record as compact JSON for ``incidents.raw`` (very long records are cut); a lone
    surrogate anywhere in it is a row error naming its key path."""
    text = _raw_text(record)
    if not (text.isascii() or encodable(text)):
        path, value = _first_surrogate(record)
        raise surrogate_error(path, value)
    return text


def _raw_text(record: Any) -> str:
    text = _RAW_ENCODER.encode(record)
    if len(text) > _RAW_LIMIT:
        text = json.dumps({"truncated": True, "head": text[:_RAW_LIMIT]}, ensure_ascii=False)
    return text


def _first_surrogate(value: Any, path: str | None = None) -> tuple[str | None, str]:
    """The key path and text of the first key or string holding a lone surrogate in a parsed record."""
    if isinstance(value, str):
        return (path, value) if not encodable(value) else (None, "")
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        where = f"{path or ''}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))
        if isinstance(key, str) and not encodable(key):
            return storable_text(where), key
        found = _first_surrogate(child, where)
        if found[1]:
            return (storable_text(found[0]) if found[0] else found[0]), found[1]
    return None, ""


# -- severity ----------------------------------------------------------------------------------
def severity_label(value: Any) -> str:
    """``SEV1``..``SEV5`` from ``SEV2`` / ``sev2`` / ``2`` (used for override files).

    >>> severity_label("sev2"), severity_label(3)
    ('SEV2', 'SEV3')
    """
    text = str(value).strip().upper().replace(" ", "")
    if text.isdigit():
        text = f"SEV{text}"
    if text not in SEVERITIES:
        raise ValueError(f"{value!r} is not one of {', '.join(SEVERITIES)}")
    return text


@dataclass(frozen=True)
class SeverityMap:
    """Raw severity/priority labels of one source → SEV1..SEV5 (defaults plus the user's override)."""

    source: str
    table: Mapping[str, str]
    overridden: bool = False
    _seen: dict[str, str | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    def lookup(self, raw: str | None) -> str | None:
        """SEVn for a raw label, None when the label is missing or not in the table."""
        if raw is None:
            return None
        try:
            return self._seen[raw]  # exports repeat a handful of labels: normalise each once
        except KeyError:
            found = self.table.get(label_key(raw))
            if len(self._seen) < _SEEN_LIMIT:
                self._seen[raw] = found
            return found

    def severity(self, raw: str | None, column: str) -> str | None:
        """SEVn for a raw label; an unknown label is a row error that names the override option."""
        if raw is None:
            return None
        found = self.lookup(raw)
        if found is None:
            raise RowError(column, f"unknown {self.source} severity {raw[:60]!r}: map it with --severity-map "
                                   f"(known: {', '.join(sorted(set(self.table)))[:200]})")
        return found


def severity_map(source: str, defaults: Mapping[str, str], options: LoadOptions) -> SeverityMap:
    """The default table of a source merged with ``--severity-map FILE`` (flat, or per source)."""
    table = {label_key(k): severity_label(v) for k, v in defaults.items()}
    if options.severity_map is None:
        return SeverityMap(source, table)
    path = Path(options.severity_map)
    try:
        doc = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read severity map {path}: {exc.strerror or exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"severity map {path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(doc, dict):
        raise UsageError(f"severity map {path} must be a mapping of raw value → SEV1..SEV5")
    if doc and all(isinstance(v, dict) for v in doc.values()):
        section = next((v for k, v in doc.items() if str(k).strip().lower() == source), None)
        if section is None:
            log.info("severity map %s has no section for %s; using the defaults", path, source)
            return SeverityMap(source, table)
        doc = section
    for key, value in doc.items():
        try:
            table[label_key(str(key))] = severity_label(value)
        except ValueError as exc:
            raise UsageError(f"severity map {path}: {key!r}: {exc}") from exc
    return SeverityMap(source, table, overridden=True)


_RANKS = {name: int(name[-1]) for name in SEVERITIES}


def rank_of(severity: str | None) -> int | None:
    """1..5 from SEV1..SEV5."""
    return None if severity is None else _RANKS.get(severity) or int(severity[-1])


# -- the writer --------------------------------------------------------------------------------
Deriver = Callable[[LoadTransaction, str, str], None]


@dataclass
class IncidentWriter:
    """Stages canonical incident and event rows of one delivery and writes them in :meth:`finish`."""

    tx: LoadTransaction
    options: LoadOptions
    source: str
    _rows: list[dict[str, Any]] = field(default_factory=list)
    _events: list[dict[str, Any]] = field(default_factory=list)
    _row_blocks: list[_RowBlock] = field(default_factory=list)
    _event_blocks: list[tuple[int, Sequence[tuple[Any, ...]]]] = field(default_factory=list)
    _staged_rows: int = 0
    _staged_events: int = 0
    _pos: int = 0
    rejected: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The load transaction's connection."""
        return self.tx.con

    @property
    def stage(self) -> str:
        """Temp table with the staged incident rows."""
        return f"__incident_stage_{self.tx.file_id}"

    @property
    def event_stage(self) -> str:
        """Temp table with the staged event rows."""
        return f"__incident_event_stage_{self.tx.file_id}"

    def __post_init__(self) -> None:
        # raw is staged as JSON, the warehouse column's type: the text is checked once, on staging
        cols = ", ".join(f"{name} {'JSON' if name == 'raw' else _duck_type(t)}"
                         for name, t in {**INCIDENT_COLUMNS, **_STAGE_EXTRA}.items())
        run(self.con, f"CREATE TEMP TABLE {self.stage} ({cols})")
        ecols = ", ".join(f"{name} {_duck_type(t)}" for name, t in {**EVENT_COLUMNS, **_EVENT_EXTRA}.items())
        run(self.con, f"CREATE TEMP TABLE {self.event_stage} ({ecols})")

    def start_file(self, index: int) -> None:
        """Number the rows staged next from the position of file ``index`` of the delivery, so a file's
        rows sort the same whether it is parsed here or staged in bulk."""
        self._pos = max(self._pos, index << FILE_BITS)

    def read(self, n: int = 1) -> None:
        """Count source records read (``ingest_ledger.rows_read``)."""
        self.tx.rows_read += n

    def reject(self, file: Path, row: int | None, column: str | None, message: str, raw: Any = None) -> None:
        """A bad record: quarantine it when the user opted in, else fail the whole file."""
        if not self.options.quarantine:
            raise ExportFormatError(message, file=file, row=row, column=column)
        text = raw if isinstance(raw, str) or raw is None else _raw_text(raw)
        self.tx.quarantine(row=row, column=None if column is None else storable_text(column),
                           problem=storable_text(f"{file.name}: {message}"),
                           raw=None if text is None else storable_text(text), data_file=file.name)
        self.rejected += 1

    def incident(self, row: dict[str, Any], *, file: Path, row_no: int | None) -> None:
        """Stage one canonical incident row (later copies of the same incident_id win)."""
        self._pos += 1
        row["__pos"] = self._pos
        row["__file"] = str(file)
        row["__row"] = row_no
        self._rows.append(row)
        if len(self._rows) >= CHUNK_ROWS:
            self._flush()

    def event(self, incident_id: str, event_at: datetime, event_type: str, *, actor: str | None = None,
              channel: str | None = None, detail: str | None = None, rank: int = 5, key: str | None = None,
              agent: str | None = None) -> None:
        """Stage one timeline event; ``rank`` breaks ties at equal times, ``key`` de-duplicates and
        ``agent`` (the kind of actor, e.g. ``user_reference``) is available to the deriver."""
        if event_type not in _EVENT_TYPE_SET:
            raise ValueError(f"unknown event type {event_type!r}")
        self._pos += 1
        self._events.append({"incident_id": incident_id, "event_at": event_at, "event_type": event_type,
                             "actor": actor, "channel": channel, "detail": detail, "__pos": self._pos,
                             "__rank": rank, "__key": key, "__agent": agent})
        if len(self._events) >= CHUNK_ROWS * 4:
            self._flush()

    def incident_rows(self, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], row_numbers: Sequence[int],
                      *, file: Path) -> None:
        """Stage many incident rows of one file at once: tuples of canonical values in ``columns``
        order, in file order (same rules as :meth:`incident`, without a dict per row)."""
        if not rows:
            return
        _check_columns(columns)
        self._row_blocks.append(_RowBlock(tuple(columns), rows, row_numbers, str(file), self._pos + 1))
        self._added(rows=len(rows))

    def event_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Stage many timeline events at once: tuples in :data:`EVENT_ROW` order (same rules as
        :meth:`event`)."""
        if not rows:
            return
        _check_event_types(rows)
        self._event_blocks.append((self._pos + 1, rows))
        self._added(events=len(rows))

    def _added(self, *, rows: int = 0, events: int = 0) -> None:
        """Number the rows just staged and flush when a chunk is full."""
        self._pos += rows + events
        self._staged_rows += rows
        self._staged_events += events
        if self._staged_rows >= CHUNK_ROWS or self._staged_events >= CHUNK_ROWS * 4:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            for row in self._rows:
                if row.get("ack_is_proxy") is None:
                    row["ack_is_proxy"] = False
            _append(self.con, self.stage, self._rows, {**INCIDENT_COLUMNS, **_STAGE_EXTRA})
            self._rows = []
        if self._events:
            _append(self.con, self.event_stage, self._events, {**EVENT_COLUMNS, **_EVENT_EXTRA})
            self._events = []
        _insert(self.con, self.stage, [_blocks_table(columns, [b for b in self._row_blocks if b.columns == columns])
                                       for columns in dict.fromkeys(b.columns for b in self._row_blocks)])
        if self._event_blocks:
            _insert(self.con, self.event_stage, [_event_blocks_table(self._event_blocks)])
        self._row_blocks, self._event_blocks = [], []
        self._staged_rows = self._staged_events = 0

    def finish(self, *, timeline: bool, derive: Deriver | None = None) -> None:
        """De-duplicate, derive, check time order, upsert incidents and replace their timelines."""
        self._flush()
        con, tx = self.con, self.tx
        copies = (f"__incident_final_{tx.file_id}", f"__incident_events_unique_{tx.file_id}")
        try:
            final, unique = self._last_copies(*copies)
            if derive is not None:
                derive(tx, final, unique)
            self._check_time_order(final)
            kept = int(scalar(con, f"SELECT count(*) FROM {final}"))
            if kept == 0 and self.rejected == 0:
                raise ExportFormatError("the delivery holds no incidents", file=tx.file.path)
            updated = tx.delete_matching("incidents", key=("incident_id",), source=final)
            tx.rows_updated += updated
            tx.insert_query("incidents", f"SELECT * EXCLUDE (__pos, __file, __row, __plain) FROM {final}")
            if timeline:
                self._replace_timelines(final, unique)
            span = run(con, f"SELECT min(created_at), max(created_at) FROM {final}")[0]
            if span[0] is not None:
                tx.period_start, tx.period_end = span[0], span[1] + timedelta(seconds=1)
            self.details["incidents"] = kept
            self.details["rejected_records"] = self.rejected
            tx.details.update(self.details)
        finally:
            for table in (*copies, self.stage, self.event_stage):
                run_quietly(con, f"DROP TABLE IF EXISTS {table}")

    def _last_copies(self, final: str, unique: str) -> tuple[str, str]:
        """The staged incidents keeping the last copy of each ``incident_id`` and the staged events
        keeping the last copy of each key; the staging tables themselves when nothing repeats."""
        con = self.con
        staged, ids = run(con, f"SELECT count(*), count(DISTINCT incident_id) FROM {self.stage}")[0]
        if staged > ids:
            run(con, f"CREATE TEMP TABLE {final} AS SELECT * EXCLUDE (__rn) FROM (SELECT *, row_number() "
                     f"OVER (PARTITION BY incident_id ORDER BY __pos DESC) AS __rn FROM {self.stage}) WHERE __rn = 1")
            kept = int(scalar(con, f"SELECT count(*) FROM {final}"))
            if staged > kept:
                self.details["duplicate_incident_records"] = staged - kept
                log.warning("%s: %d incident(s) appear more than once; the last copy was kept",
                            self.tx.file.name, staged - kept)
        else:
            final = self.stage
        events, keys = run(con, f"SELECT count(*), count(DISTINCT coalesce(__key, 'pos:' || __pos)) "
                                f"FROM {self.event_stage}")[0]
        if events > keys:
            run(con, f"CREATE TEMP TABLE {unique} AS SELECT * EXCLUDE (__k) FROM (SELECT *, row_number() "
                     f"OVER (PARTITION BY coalesce(__key, 'pos:' || __pos) ORDER BY __pos DESC) AS __k "
                     f"FROM {self.event_stage}) WHERE __k = 1")
        else:
            unique = self.event_stage
        return final, unique

    def _replace_timelines(self, final: str, unique: str) -> None:
        """Replace the timelines of the incidents this delivery carries entries for, numbered oldest
        first; a page without log entries for some incident leaves that incident's timeline alone."""
        tx = self.tx
        delivered = f"{unique} e SEMI JOIN {final} f ON f.incident_id = e.incident_id"
        tx.supersede("incident_events", f"incident_id IN (SELECT DISTINCT e.incident_id FROM {delivered})")
        landed = tx.insert_query("incident_events", f"""
            SELECT e.incident_id,
                   (row_number() OVER (PARTITION BY e.incident_id
                                       ORDER BY e.event_at, e.__rank, e.__pos) - 1)::INTEGER AS seq,
                   e.event_at, e.event_type, e.actor, e.channel, e.detail
            FROM {delivered}
        """)
        total = int(scalar(self.con, f"SELECT count(*) FROM {self.event_stage}"))
        if total > landed:
            self.details["timeline_entries_skipped"] = total - landed

    def _check_time_order(self, final: str) -> None:
        """Acknowledged/resolved/closed before created is an error naming file, row and column."""
        checks = (("resolved_at", "resolved before it was created (resolve before create)"),
                  ("acknowledged_at", "acknowledged before it was created"),
                  ("closed_at", "closed before it was created"))
        for column, problem in checks:
            bad = run(self.con, f"SELECT __file, __row, incident_id, {column}, created_at, raw FROM {final} "
                                f"WHERE {column} < created_at ORDER BY __pos")
            for file, row, incident_id, at, created, raw in bad:
                self.reject(Path(file), row, column,
                            f"incident {incident_id} {problem}: {at:%Y-%m-%d %H:%M:%S} < {created:%Y-%m-%d %H:%M:%S}",
                            raw)
            if bad:
                run(self.con, f"DELETE FROM {final} WHERE {column} < created_at")


def _duck_type(dtype: pa.DataType) -> str:
    """DuckDB column type of a staged arrow type."""
    if dtype == _TS:
        return "TIMESTAMPTZ"
    if pa.types.is_list(dtype):
        return "VARCHAR[]"
    return {pa.string(): "VARCHAR", pa.int16(): "SMALLINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
            pa.float64(): "DOUBLE", pa.bool_(): "BOOLEAN"}[dtype]


def _append(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]],
            schema: Mapping[str, pa.DataType]) -> None:
    """Insert dict rows into a staging table through one typed arrow batch."""
    _insert(con, table, [_arrow({name: [r.get(name) for r in rows] for name in schema}, schema, len(rows))])


@dataclass(frozen=True)
class _RowBlock:
    """Incident rows of one file staged by :meth:`IncidentWriter.incident_rows`."""

    columns: tuple[str, ...]
    rows: Sequence[tuple[Any, ...]]
    row_numbers: Sequence[int]
    file: str
    first_pos: int


# the tuple layout of IncidentWriter.event_rows
EVENT_ROW: tuple[str, ...] = ("incident_id", "event_at", "event_type", "actor", "channel", "detail", "__rank",
                              "__key", "__agent")


def _check_columns(columns: Sequence[str]) -> None:
    """Staged incident columns must be canonical ones (a loader bug otherwise)."""
    unknown = set(columns) - set(INCIDENT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown incident column(s) {sorted(unknown)}")


def _check_event_types(rows: Sequence[tuple[Any, ...]]) -> None:
    """Staged events must have a canonical event type (a loader bug otherwise)."""
    unknown = {r[2] for r in rows} - _EVENT_TYPE_SET
    if unknown:
        raise ValueError(f"unknown event type(s) {sorted(unknown)}")


def _arrow(values: Mapping[str, Sequence[Any]], schema: Mapping[str, pa.DataType], size: int) -> pa.Table:
    """Columns (name → values; absent names are NULL) as one typed arrow table in ``schema`` order."""
    return pa.table({name: pa.array(values[name], type=dtype) if name in values else pa.nulls(size, dtype)
                     for name, dtype in schema.items()})


def _blocks_table(columns: tuple[str, ...], blocks: Sequence[_RowBlock]) -> pa.Table:
    """Incident blocks with one column layout as one arrow table of every staging column: absent
    canonical columns NULL, ``ack_is_proxy`` FALSE where unset, plus position, file and source row."""
    rows = [row for b in blocks for row in b.rows]
    values: dict[str, Sequence[Any]] = dict(zip(columns, zip(*rows, strict=True), strict=True))
    proxy = values.get("ack_is_proxy")
    values["ack_is_proxy"] = [False] * len(rows) if proxy is None else [False if v is None else v for v in proxy]
    values["__pos"] = [p for b in blocks for p in range(b.first_pos, b.first_pos + len(b.rows))]
    values["__file"] = [b.file for b in blocks for _ in b.rows]
    values["__row"] = [n for b in blocks for n in b.row_numbers]
    return _arrow(values, {**INCIDENT_COLUMNS, **_STAGE_EXTRA}, len(rows))


def _event_blocks_table(blocks: Sequence[tuple[int, Sequence[tuple[Any, ...]]]]) -> pa.Table:
    """Event blocks (first position, :data:`EVENT_ROW` tuples) as one arrow table with positions."""
    rows = [row for _, block in blocks for row in block]
    values: dict[str, Sequence[Any]] = dict(zip(EVENT_ROW, zip(*rows, strict=True), strict=True))
    values["__pos"] = [p for first, block in blocks for p in range(first, first + len(block))]
    return _arrow(values, {**EVENT_COLUMNS, **_EVENT_EXTRA}, len(rows))


def _insert(con: duckdb.DuckDBPyConnection, table: str, batches: Sequence[pa.Table]) -> None:
    """Insert arrow tables (columns matched by name) into a staging table in one statement."""
    if not batches:
        return
    batch = pa.concat_tables(batches, promote_options="none") if len(batches) > 1 else batches[0]
    name = f"{table}_batch"
    con.register(name, batch)
    try:
        run(con, f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
    finally:
        con.unregister(name)


# -- the load entry point ----------------------------------------------------------------------
Parser = Callable[[Path, IncidentWriter], None]
# stages the files of a delivery it can read in bulk; returns their indexes (the rest are parsed)
BulkStager = Callable[[IncidentWriter, Sequence[Path]], frozenset[int]]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while records are parsed and staged. Parsed JSON and
    CSV rows hold no reference cycles (reference counting frees them); the collector's repeated passes
    over millions of fresh objects cost a fifth of a large load. The previous state is restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_delivery(
    con: duckdb.DuckDBPyConnection,
    path: str,
    options: LoadOptions,
    *,
    kind: str,
    source: str,
    suffixes: tuple[str, ...],
    parse: Parser,
    timeline: bool | Callable[[IncidentWriter], bool],
    derive: Deriver | None = None,
    bulk: BulkStager | None = None,
) -> list[LoadResult]:
    """Load one file or folder of one incident export kind as one ledger entry.

    With ``bulk``, the files it stages are not parsed again; the others go through ``parse`` in
    file order, so the first problem reported is the one the per-record path alone would report."""
    root = Path(path)
    files = delivery_files(root, suffixes=suffixes)
    delivered = fingerprint_delivery(root, files)

    def load(tx: LoadTransaction) -> None:
        writer = IncidentWriter(tx, options, source)
        staged = bulk(writer, files) if bulk is not None else frozenset()
        with _collector_paused():
            for index, file in enumerate(files):
                if index not in staged:
                    writer.start_file(index)
                    _parse_file(parse, file, writer)
        if len(files) > 1:
            writer.details["files"] = len(files)
        has_timeline = timeline(writer) if callable(timeline) else timeline
        writer.finish(timeline=has_timeline, derive=derive)

    return [run_load(con, kind=kind, file=delivered, target_table="incidents", load=load,
                     options=options.as_record())]


def _parse_file(parse: Parser, file: Path, writer: IncidentWriter) -> None:
    """Parse one file; problems outside any record (page or file level) name the file."""
    try:
        parse(file, writer)
    except RowError as exc:
        raise ExportFormatError(exc.message, file=file, column=exc.column) from None
    except RecursionError as exc:
        raise ExportFormatError("the file nests values too deeply to read", file=file) from exc


def records_of(doc: Any, file: Path, *, keys: Sequence[str]) -> list[Any]:
    """The record array of a page: ``doc[key]`` for the first key present, or a bare array."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in keys:
            if key in doc:
                value = doc[key]
                if not isinstance(value, list):
                    raise ExportFormatError(f"'{key}' must be a list, got {type(value).__name__}", file=file,
                                            column=key)
                return value
    raise ExportFormatError(f"expected a JSON object with {' or '.join(repr(k) for k in keys)} (a list of "
                            "records); this does not look like that export", file=file)


def normalise_title(title: str | None) -> str | None:
    """Lower-case title with ids, hex runs and numbers replaced (the repeat key of last resort).

    >>> normalise_title("DB 12 down on host-7f3a9c2e1b (PT4KHLK9)")
    'db # down on host-# (#)'
    """
    if title is None:
        return None
    text = title.lower()
    text = re.sub(r"[0-9a-f]{8,}", "#", text)
    text = re.sub(r"\b[a-z_]*\d[a-z0-9_]*\b", "#", text)
    return re.sub(r"\s+", " ", text).strip() or None


def utf8_text(head: bytes) -> str:
    """Decode sniffing bytes leniently."""
    return codecs.decode(head, "utf-8", errors="replace").lstrip("\ufeff")
