"""PagerDuty REST pages read in bulk by DuckDB: the fast path of ``opsreview ingest pagerduty``.

:func:`stage_rest_pages` hands the files of a delivery to DuckDB as Arrow record batches (scanned
in parallel), computes the canonical incident rows and timeline events in SQL (no Python object
per record) and stages them in the :class:`~analytics.sources.incidents._common.IncidentWriter`'s
staging tables as the per-record path (:func:`analytics.sources.incidents.pagerduty.parse_rest_page`)
would. A batch of files is read in three statements: the pages (one row per file: the checks that
need the whole file and its ``json_structure``), then every incident and every log entry straight
into the staging tables with a ``__plain`` flag; the rows of a file that is not clean are then
deleted again and the file is left to the per-record path.

It only keeps a file it can show the per-record path would accept *with the same values*. A file
is **clean** when

* its bytes are UTF-8 and JSON that Python's strict parser reads: DuckDB's parser also accepts
  ``NaN``/``Infinity``, trailing commas and duplicated keys, so no comma may precede a closing
  bracket, the keys of every object in the page (``$..*``) must be distinct and no number may be
  a float (which also rules out NaN and Infinity);
* its ``json_structure`` fits what the loader reads (:func:`structure_verdict`, once per distinct
  structure): text fields are strings or null in every record, counts non-negative integers,
  references objects of text names, record lists arrays, the page's other values scalars, nesting
  bounded (Python's parser stops near 1,000 levels) — which lets the selects read values without
  typing each record;
* every record is *plain*: the values the per-record functions would compute without converting
  or refusing anything (``…Z`` whole-second UTC timestamps inside the plausible range, known
  statuses and severity labels, counts within 32 bits, a reference with a ``summary``), and its
  compact JSON (``incidents.raw``) is the text Python's encoder writes (no ``\\u`` escape).

Every other file — a bad record, an unusual but valid shape, invalid JSON — goes to the
per-record path, which converts it or raises the exact error (file, row, column). Positions
(``__pos``) are ``file index << 32`` plus the record's place in the file, the numbering the
per-record path uses, so "last copy wins", event order and the derived columns agree.

Why one module over 500 lines: one SQL pipeline (pages pass, records, log entries, derive) whose
fragments are composed into a few statements; the fragments are only meaningful next to each other.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from analytics.sources._values import EARLIEST, latest_instant
from analytics.sources.incidents._common import FILE_BITS, TEXT_LIMIT, IncidentWriter, SeverityMap
from analytics.warehouse import run, run_quietly

log = logging.getLogger(__name__)

# str.strip()'s whitespace (str.isspace), for DuckDB's trim(text, characters)
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
BATCH_FILES = 1000  # files per DuckDB pass: bounds the memory the file contents take
FILES_PER_TASK = 16  # files per Arrow record batch (DuckDB scans record batches in parallel)
INT32_MAX = 2**31 - 1
MAX_CONTAINERS = 500  # objects and arrays in one record (a bound on its nesting depth)
_UTC_SECONDS = "[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z"  # (DuckDB reads hour 24)


@dataclass(frozen=True)
class RestVocabulary:
    """The PagerDuty tables the per-record path uses (passed in: they live in ``pagerduty``)."""

    source: str
    statuses: Mapping[str, str]  # status -> canonical status
    log_entry_types: Mapping[str, tuple[str, int]]  # log entry type -> (event type, tie rank)
    channels: Mapping[str, str]  # channel / notification type -> canonical channel
    custom_fields: Mapping[str, str]  # label_key(custom field name) -> canonical column
    severities: SeverityMap


# -- SQL building blocks (constants of this module only; every value is a bound parameter) -------
def _strip(value: str) -> str:
    """``str.strip()`` of a text of the record: nothing to strip in a record whose texts cannot start
    or end with whitespace (``__bare``), else DuckDB's trim with Python's whitespace."""
    return f"(CASE WHEN __bare THEN {value} ELSE trim({value}, $ws) END)"


def _flags() -> str:
    """Per record: ``__bare`` — ASCII, no escape (``\\t \\n \\r \\f`` are written escaped) and no
    space next to a quote, so no text of it starts or ends with Python whitespace (compact JSON has
    none outside its texts)."""
    return ("NOT contains(r, '\\') AND NOT contains(r, '\" ') AND NOT contains(r, ' \"') "
            "AND strlen(r) = length(r) AS __bare")


def _text_ok(kind: str) -> str:
    """``as_text`` accepts the value as it is: absent, null, or text (numbers, which it would
    convert, are left to the per-record path). NUL characters (``\\u0000``) and over-long texts
    are excluded for the whole record (see :func:`_record_ok`)."""
    return f"({kind} IS NULL OR {kind} IN ('NULL', 'VARCHAR'))"


def _record_ok() -> str:
    """The record's compact JSON has no ``\\u`` escape (control characters, NUL among them, which
    DuckDB also writes in upper case) and is short enough for any of its texts to be within the
    length limit."""
    return f"(NOT contains(r, '\\u') AND strlen(r) <= {TEXT_LIMIT})"


def _instant_of(stripped: str) -> str:
    """The UTC instant of a stripped ``…Z`` whole-second text (NULL for any other text)."""
    return f"(CASE WHEN regexp_full_match({stripped}, '{_UTC_SECONDS}') THEN TRY_CAST({stripped} AS TIMESTAMPTZ) END)"


def _instant_ok(value: str, stripped: str, instant: str) -> str:
    """``parse_instant`` accepts the value on its fast path: absent, null, blank, or a ``…Z``
    whole-second UTC time (a real calendar time) inside the plausible range."""
    return f"({value} IS NULL OR {stripped} = '' OR ({instant} >= $earliest AND {instant} < $latest))"


def _ascii(value: str) -> str:
    """Text whose case folding and label key DuckDB computes as Python does (ASCII only: as many
    bytes as characters)."""
    return f"strlen({value}) = length({value})"


def _label_key(value: str) -> str:
    """``label_key`` of ASCII text."""
    return f"regexp_replace(lower({value}), '[^0-9a-z]+', '', 'g')"


def _count(text: str, needle: str) -> str:
    """Occurrences of a one-byte needle in a text."""
    return f"(strlen({text}) - strlen(replace({text}, '{needle}', '')))"


def _scalar_ok(fragment: str) -> str:
    """A scalar JSON value Python reads and writes back unchanged: text, true/false or an integer."""
    return (f"({fragment} IS NULL OR left({fragment}::VARCHAR, 1) = '\"' OR {fragment}::VARCHAR IN ('true', 'false') "
            f"OR regexp_full_match({fragment}::VARCHAR, '-?[0-9]+'))")


class _Paths:
    """A fixed list of JSON paths typed in one ``json_type`` call; ``t('$.id')`` is its type."""

    def __init__(self, column: str, paths: Sequence[str]) -> None:
        self.column = column
        self.paths = list(paths)

    def sql(self, record: str) -> str:
        return f"json_type({record}, [{', '.join(repr(p) for p in self.paths)}])"

    def t(self, path: str) -> str:
        return f"{self.column}[{self.paths.index(path) + 1}]"


def _ref_paths(base: str) -> list[str]:
    return [base, *(f"{base}.{k}" for k in ("summary", "name", "display_name", "label"))]


class _Query:
    """Nested projections over a base select: each level's columns may use the earlier levels'."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.levels: list[dict[str, str]] = []

    def level(self, **columns: str) -> None:
        self.levels.append(columns)

    def sql(self, final: Mapping[str, str]) -> str:
        query = self.base
        for columns in self.levels:
            listed = ", ".join(f"{expr} AS {name}" for name, expr in columns.items())
            query = f"SELECT *, {listed} FROM ({query})"
        return f"SELECT {', '.join(f'{expr} AS {name}' for name, expr in final.items())} FROM ({query})"


def _all(items: str, var: str, condition: str) -> str:
    """Every element of a list (NULL: none) satisfies a condition."""
    return f"coalesce(len(list_filter({items}, lambda {var}: NOT coalesce({condition}, FALSE))) = 0, TRUE)"


def _elements(items: str, paths: _Paths, **fields: str) -> str:
    """Each element of a JSON array as a struct: the fragment ``e``, the types of ``paths`` in ``k``
    and ``fields`` (name -> expression over ``e``); NULL for an empty or absent array."""
    extra = "".join(f", '{name}': {expr}" for name, expr in fields.items())
    return (f"(CASE WHEN len(coalesce({items}, [])) > 0 THEN list_transform({items}, lambda e: "
            f"{{'e': e, 'k': {paths.sql('e')}{extra}}}) END)")


def _plain(checks: Sequence[str]) -> str:
    return " AND ".join(f"coalesce({c}, FALSE)" for c in checks)


# -- the structure of a page ----------------------------------------------------------------------
# Each file's ``json_structure`` (every key of every object with its JSON type, array elements merged;
# "JSON" where they disagree) is checked once per distinct structure against what the loader reads:
# where a schema says TEXT the value is a string or null in every record of the file, and so on.
# That is what lets the selects below read values without typing each record.
TEXT = frozenset({"VARCHAR", "NULL"})
COUNT = frozenset({"UBIGINT", "NULL"})
SCALAR = frozenset({"VARCHAR", "NULL", "UBIGINT", "BIGINT", "HUGEINT", "BOOLEAN"})
ANY = "any"  # whatever Python reads and writes back unchanged: no float anywhere
MAX_DEPTH = 200  # levels of nesting in a page (Python's parser stops near 1,000, its checks here sooner)


@dataclass(frozen=True)
class Obj:
    """An object (or null) whose named keys follow their schema; other keys are :data:`ANY`."""

    keys: Mapping[str, Any]


@dataclass(frozen=True)
class Arr:
    """An array (or null) whose elements follow a schema (null elements too)."""

    element: Any


REF = {"summary": TEXT, "name": TEXT, "display_name": TEXT, "label": TEXT}
INCIDENT = Obj({
    **{k: TEXT for k in ("id", "title", "summary", "created_at", "created_on", "status", "resolved_at",
                         "last_status_change_at", "urgency", "incident_key")},
    "incident_number": COUNT, "priority": Obj(REF), "service": Obj(REF), "teams": Arr(Obj(REF)),
    "acknowledgements": Arr(Obj({"at": TEXT, "acknowledger": Obj(REF)})),
    "incidents_responders": Arr(Obj({"user": Obj(REF)})),  # state: typed element by element
    "alert_counts": Obj({"all": COUNT}), "custom_fields": Arr(Obj({"name": TEXT, "display_name": TEXT})),
})
LOG_ENTRY = Obj({
    "type": TEXT, "incident": Obj({"id": TEXT}), "created_at": TEXT, "agent": Obj({**REF, "type": TEXT}),
    "user": Obj(REF), "channel": Obj({"type": TEXT, "notification": Obj({"type": TEXT})}),
    "event_details": Obj({"description": TEXT}), "note": TEXT, "id": TEXT,
})
PAGE = {"incidents": Arr(INCIDENT), "incident": INCIDENT, "log_entries": Arr(LOG_ENTRY), "limit": SCALAR,
        "offset": SCALAR, "more": SCALAR, "total": SCALAR}
PAGE_KEYS = tuple(PAGE)


@lru_cache(maxsize=256)
def structure_verdict(structure: str) -> str:
    """``ok``, ``floats?`` (an unread value's types disagree or it is an empty object, so the file is
    searched for floats) or ``no`` for a page's ``json_structure``."""
    found: set[str] = set()

    def fits(value: Any, schema: Any, depth: int) -> bool:
        if depth > MAX_DEPTH:
            return False
        if schema is ANY:
            if value == "JSON":
                found.add("floats?")
                return True
            if isinstance(value, dict):
                return all(fits(v, ANY, depth + 1) for v in value.values())
            if isinstance(value, list):
                return all(fits(v, ANY, depth + 1) for v in value)
            return value != "DOUBLE"
        if isinstance(schema, frozenset):
            return isinstance(value, str) and value in schema
        if value == "NULL":
            return True
        if isinstance(schema, Obj):
            return isinstance(value, dict) and all(fits(v, schema.keys.get(k, ANY), depth + 1)
                                                   for k, v in value.items())
        if isinstance(schema, Arr):
            return isinstance(value, list) and all(fits(v, schema.element, depth + 1) for v in value)
        return False

    depth = deepest = 0
    for char in structure:  # brackets in key names only make it more cautious
        depth += (char in "[{") - (char in "]}")
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        return "no"
    try:
        page = json.loads(structure)
    except (ValueError, RecursionError):
        return "no"
    if not isinstance(page, dict) or not set(page) <= set(PAGE):
        return "no"
    if any(not isinstance(page[k], list) for k in ("incidents", "log_entries") if k in page):
        return "no"  # a record list that is null or not a list
    if "incident" in page and not isinstance(page["incident"], dict):
        return "no"
    try:
        if not all(fits(v, PAGE[k], 0) for k, v in page.items()):
            return "no"
    except RecursionError:
        return "no"
    return "floats?" if found else "ok"


# -- incidents ------------------------------------------------------------------------------------
_REF_SHAPE = {k: "VARCHAR" for k in REF}
INCIDENT_SHAPE = json.dumps({
    **{k: "VARCHAR" for k in ("id", "title", "summary", "created_at", "created_on", "status", "resolved_at",
                              "last_status_change_at", "urgency", "incident_key", "incident_number")},
    "priority": _REF_SHAPE, "service": _REF_SHAPE, "teams": [_REF_SHAPE],
    "alert_counts": {"all": "VARCHAR"},
    # usually empty: kept as text and read only when there is something in them (a typed list costs
    # as much to transform as the rest of the record)
    "acknowledgements": "JSON", "incidents_responders": "JSON", "custom_fields": "JSON",
})
ACKS_SHAPE = json.dumps([{"at": "VARCHAR", "acknowledger": _REF_SHAPE}])


def _unless_empty(fragment: str, shape: str) -> str:
    """A JSON array fragment transformed to ``shape``; NULL when absent, null or empty."""
    return (f"(CASE WHEN {fragment} IS NOT NULL AND {fragment}::VARCHAR <> '[]' "
            f"THEN json_transform({fragment}, '{shape}') END)")
_INCIDENT_TEXT = ("id", "title", "summary", "status", "urgency", "incident_key")
_CUSTOM_TEXT = ("severity_raw", "category", "failure_mode", "problem_id", "change_id", "deployment_id")
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
# elements whose keys' presence matters are typed one element at a time (their own small parse)
JOINED_PATHS = _Paths("j.k", ["$.state"])
CUSTOM_PATHS = _Paths("c.k", ["$.name", "$.display_name", "$.value"])


def _kind_in(kind: str, *kinds: str) -> str:
    return f"({kind} IS NULL OR {kind} IN ({', '.join(repr(k) for k in kinds)}))"


def _count_ok(value: str) -> str:
    """``as_int`` accepts it as it is: absent, null or an integer (the structure says so) within
    0 … 2^31-1."""
    return f"({value} IS NULL OR TRY_CAST({value} AS BIGINT) <= {INT32_MAX})"


def _ref_ok(ref: str) -> str:
    """``ref_name`` takes the reference object (a struct of its name keys; NULL when absent or null)
    as it is: with a ``summary``, or with none of summary, name, display_name, label."""
    return (f"({ref} IS NULL OR {ref}.summary IS NOT NULL OR "
            f"({ref}.name IS NULL AND {ref}.display_name IS NULL AND {ref}.label IS NULL))")


def _ref_name(ref: str) -> str:
    """``ref_name`` of a reference :func:`_ref_ok` accepts."""
    return f"nullif({_strip(ref + '.summary')}, '')"


def _incident_select() -> str:
    """One row per incident record: its canonical values and whether it is plain."""
    q = _Query(f"SELECT file_idx, idx, r, json_transform(r, '{INCIDENT_SHAPE}') AS x, {_flags()} "
               f"FROM ({_records('incidents')})")
    q.level(acks=_unless_empty("x.acknowledgements", ACKS_SHAPE),
            responders_list=_unless_empty("x.incidents_responders", '["JSON"]'),
            fields_list=_unless_empty("x.custom_fields", '["JSON"]'))
    # 1: stripped texts, timestamps' texts, array elements as structs
    created_raw = ("(CASE WHEN x.created_at IS NULL AND NOT json_exists(r, '$.created_at') THEN x.created_on "
                   "ELSE x.created_at END)")
    level1 = {f"s_{k}": _strip(f"x.{k}") for k in _INCIDENT_TEXT}
    level1.update(
        created_raw=created_raw, s_created=_strip(created_raw), s_resolved=_strip("x.resolved_at"),
        s_lsc=_strip("x.last_status_change_at"),
        joined=_elements("responders_list", JOINED_PATHS, state="json_extract_string(e, '$.state')",
                         u=f"json_transform(json_extract(e, '$.user'), '{json.dumps(_REF_SHAPE)}')"),
        fields=_elements("fields_list", CUSTOM_PATHS, name="json_extract_string(e, '$.name')",
                         dn="json_extract_string(e, '$.display_name')", value="json_extract_string(e, '$.value')"),
    )
    q.level(**level1)
    # 2: text values, instants, the custom fields' target columns
    level2 = {f"v_{k}": f"nullif(s_{k}, '')" for k in _INCIDENT_TEXT}
    level2.update(
        v_priority=_ref_name("x.priority"), v_service=_ref_name("x.service"), v_team=_ref_name("x.teams[1]"),
        i_created=_instant_of("s_created"), i_resolved=_instant_of("s_resolved"), i_lsc=_instant_of("s_lsc"),
        custom=f"list_transform(fields, lambda c: {{'c': c, 'col': {_custom_column()}}})",
    )
    q.level(**level2)
    q.level(**_custom_last())
    # 3: status, custom field values, acknowledgements, responders
    j = JOINED_PATHS.t
    joined_state = f"({j('$.state')} IS NULL OR ({j('$.state')} = 'VARCHAR' AND lower(j.state) = 'joined'))"
    custom_ok, custom = _custom_fields()
    ack_at = _strip("a.at")
    level3 = {
        "status": "map($status_keys, $status_values)[lower(v_status)]",
        "first_ack": f"list_min(list_transform(acks, lambda a: {_instant_of(ack_at)}))",
        "ackers": (f"coalesce(list_transform(acks, lambda a: CASE WHEN a IS NOT NULL "
                   f"THEN {_ref_name('a.acknowledger')} END), [])"),
        "joined_names": (f"coalesce(list_transform(list_filter(joined, lambda j: j.e IS NULL OR {joined_state}), "
                         f"lambda j: CASE WHEN j.e IS NOT NULL THEN {_ref_name('j.u')} END), [])"),
        "custom_ok": custom_ok,
        **{f"v_{k}": v for k, v in custom.items()},
    }
    q.level(**level3)
    # 4: severity and the checks
    ack_ok = (f"(a IS NULL OR ((a.at IS NULL OR {ack_at} = '' OR ({_instant_of(ack_at)} >= $earliest "
              f"AND {_instant_of(ack_at)} < $latest)) AND {_ref_ok('a.acknowledger')}))")
    joined_ok = (f"(j.e IS NULL OR (left(j.e::VARCHAR, 1) = '{{' AND ({j('$.state')} IS NULL "
                 f"OR {j('$.state')} = 'NULL' OR ({j('$.state')} = 'VARCHAR' AND {_ascii('j.state')})) "
                 f"AND (NOT {joined_state} OR {_ref_ok('j.u')})))")
    severity_key = {name: f"map($sev_keys, $sev_values)[{_label_key(expr)}]" for name, expr in
                    (("raw", "v_severity_raw"), ("priority", "v_priority"), ("urgency", "'urgency ' || v_urgency"))}
    checks = [
        "left(r, 1) = '{'", _record_ok(), "v_id IS NOT NULL",
        _instant_ok("created_raw", "s_created", "i_created"), "nullif(s_created, '') IS NOT NULL",
        "(v_status IS NULL OR (regexp_full_match(v_status, '[A-Za-z]+') AND status IS NOT NULL))",
        _instant_ok("x.resolved_at", "s_resolved", "i_resolved"),
        f"(nullif(s_resolved, '') IS NOT NULL OR status IS DISTINCT FROM 'resolved' OR "
        f"{_instant_ok('x.last_status_change_at', 's_lsc', 'i_lsc')})",
        _ref_ok("x.priority"), _ref_ok("x.service"), _ref_ok("x.teams[1]"),
        _count_ok("x.incident_number"), _count_ok("x.alert_counts.all"),
        _all("acks", "a", ack_ok), _all("joined", "j", joined_ok),
        "custom_ok",
        f"(v_severity_raw IS NULL OR ({_ascii('v_severity_raw')} AND {severity_key['raw']} IS NOT NULL))",
        f"(v_severity_raw IS NOT NULL OR v_priority IS NULL OR ({_ascii('v_priority')} "
        f"AND {severity_key['priority']} IS NOT NULL))",
        f"(v_severity_raw IS NOT NULL OR v_priority IS NOT NULL OR v_urgency IS NULL OR {_ascii('v_urgency')})",
    ]
    q.level(plain=_plain(checks),
            severity=(f"(CASE WHEN v_severity_raw IS NOT NULL THEN {severity_key['raw']} "
                      f"WHEN v_priority IS NOT NULL THEN {severity_key['priority']} "
                      f"WHEN v_urgency IS NOT NULL THEN {severity_key['urgency']} END)"),
            responders="list_concat(ackers, joined_names)")
    return q.sql({
        "file_idx": "file_idx", "idx": "idx", "plain": "plain",
        "incident_id": "$source || ':' || v_id",
        "source": "$source",
        "source_id": "v_id",
        "number": "x.incident_number",
        "title": ("(CASE WHEN x.title IS NULL THEN CASE WHEN json_exists(r, '$.title') THEN NULL ELSE v_summary END "
                  "ELSE v_title END)"),
        "service": "v_service",
        "team": "v_team",
        "severity": "severity",
        "severity_rank": "CAST(right(severity, 1) AS SMALLINT)",
        "severity_raw": "v_severity_raw",
        "priority_raw": "v_priority",
        "urgency": "v_urgency",
        "status": "status",
        "status_raw": "v_status",
        "created_at": "i_created",
        "acknowledged_at": "first_ack",
        "resolved_at": "(CASE WHEN i_resolved IS NULL AND status = 'resolved' THEN i_lsc ELSE i_resolved END)",
        "is_major": "v_is_major",
        "category": "v_category",
        "failure_mode": "v_failure_mode",
        "fingerprint": "v_incident_key",
        "problem_id": "v_problem_id",
        "change_id": "v_change_id",
        "deployment_id": "v_deployment_id",
        "alert_count": "TRY_CAST(x.alert_counts.all AS INTEGER)",
        "responders": "list_filter(responders, lambda n, i: n IS NOT NULL AND list_position(responders, n) = i)",
        "raw": "r",
    })


def _custom_name() -> str:
    """``obj.get("name") or obj.get("display_name")`` of one custom_fields element ``c`` (text only)."""
    k = CUSTOM_PATHS.t
    return (f"(CASE WHEN {k('$.name')} = 'VARCHAR' AND c.name <> '' THEN c.name "
            f"WHEN {k('$.display_name')} = 'VARCHAR' THEN c.dn END)")


def _custom_column() -> str:
    """The canonical column a custom_fields element ``c`` fills (NULL: none)."""
    return f"map($custom_keys, $custom_values)[{_label_key(_custom_name())}]"


def _custom_last() -> dict[str, str]:
    """Per canonical column, the last custom_fields element naming it with a non-null value."""
    return {f"last_{target}": (f"list_filter(custom, lambda m: m.c.e IS NOT NULL AND m.col = '{target}' "
                               f"AND m.c.k[3] IS NOT NULL AND m.c.k[3] <> 'NULL')[-1].c")
            for target in (*_CUSTOM_TEXT, "is_major")}


def _custom_fields() -> tuple[str, dict[str, str]]:
    """custom_fields as a list of {name, value} (elements in ``fields``, the winners in ``last_…``):
    (accepted, canonical column -> value)."""
    k = CUSTOM_PATHS.t
    name = _custom_name()
    element_ok = (f"(c.e IS NULL OR (left(c.e::VARCHAR, 1) = '{{' AND {_kind_in(k('$.name'), 'NULL', 'VARCHAR')} "
                  f"AND {_kind_in(k('$.display_name'), 'NULL', 'VARCHAR')} AND ({name} IS NULL OR {_ascii(name)})))")
    checks = [_all("fields", "c", element_ok)]
    found: dict[str, str] = {}
    for target in (*_CUSTOM_TEXT, "is_major"):
        kind, val = f"last_{target}.k[3]", f"last_{target}.value"
        if target == "is_major":
            key = f"lower({_strip(val)})"
            checks.append(f"({kind} IS NULL OR {kind} = 'BOOLEAN' OR ({kind} = 'VARCHAR' AND {_ascii(val)} "
                          f"AND ({key} = '' OR {key} IN {_TRUE + _FALSE})))")
            found[target] = (f"(CASE WHEN {kind} = 'BOOLEAN' THEN {val} = 'true' WHEN {key} IN {_TRUE} THEN TRUE "
                             f"WHEN {key} IN {_FALSE} THEN FALSE END)")
        else:
            checks.append(_text_ok(kind))
            found[target] = f"(CASE WHEN {kind} = 'VARCHAR' THEN nullif({_strip(val)}, '') END)"
    return _plain(checks), found


# -- log entries ----------------------------------------------------------------------------------
EVENT_SHAPE = json.dumps({
    "type": "VARCHAR", "incident": {"id": "VARCHAR"}, "created_at": "VARCHAR",
    "agent": {"type": "VARCHAR", **_REF_SHAPE}, "user": _REF_SHAPE,
    "channel": {"type": "VARCHAR", "notification": {"type": "VARCHAR"}}, "event_details": {"description": "VARCHAR"},
    "note": "VARCHAR", "id": "VARCHAR",
})
_EVENT_TEXT = {"kind": "x.type", "incident": "x.incident.id", "agent_type": "x.agent.type", "note": "x.note",
               "description": "x.event_details.description", "key": "x.id",
               "ntype": "x.channel.notification.type", "ctype": "x.channel.type"}


def _event_select() -> str:
    """One row per log entry: its timeline event (EVENT_ROW values) and whether it is plain."""
    q = _Query(f"SELECT file_idx, idx, r, json_transform(r, '{EVENT_SHAPE}') AS x, {_flags()} "
               f"FROM ({_records('log_entries')})")
    level1 = {f"s_{n}": _strip(v) for n, v in _EVENT_TEXT.items()}
    level1.update(s_created=_strip("x.created_at"))
    q.level(**level1)
    level2 = {f"v_{n}": f"nullif(s_{n}, '')" for n in _EVENT_TEXT}
    level2.update(i_created=_instant_of("s_created"), v_agent=_ref_name("x.agent"), v_user=_ref_name("x.user"))
    q.level(**level2)
    # notification.type when truthy (non-empty text), else channel.type
    q.level(kind="coalesce(v_kind, '')",
            channel_raw="(CASE WHEN x.channel.notification.type <> '' THEN v_ntype ELSE v_ctype END)")
    checks = [
        "left(r, 1) = '{'", _record_ok(), "v_incident IS NOT NULL",
        _instant_ok("x.created_at", "s_created", "i_created"), "nullif(s_created, '') IS NOT NULL",
        _ref_ok("x.agent"), f"(kind <> 'notify_log_entry' OR {_ref_ok('x.user')})",
    ]
    q.level(plain=_plain(checks),
            detail="(CASE WHEN kind = 'annotate_log_entry' THEN v_note ELSE v_description END)")
    return q.sql({
        "file_idx": "file_idx", "idx": "idx", "plain": "plain",
        "incident_id": "$source || ':' || v_incident",
        "event_at": "i_created",
        "event_type": "coalesce(map($type_keys, $type_events)[kind], 'note')",
        "actor": "coalesce(CASE WHEN kind = 'notify_log_entry' THEN v_user END, v_agent)",
        "channel": "(CASE WHEN channel_raw IS NOT NULL THEN coalesce(map($channel_keys, $channel_values)[channel_raw], "
                   "channel_raw) END)",
        "detail": ("(CASE WHEN kind <> '' AND NOT list_contains($type_keys, kind) THEN coalesce(detail, kind) "
                   "ELSE detail END)"),
        "__rank": "coalesce(map($type_keys, $type_ranks)[kind], 5)::SMALLINT",
        "__key": "v_key",
        "__agent": "v_agent_type",
    })


# -- pages ----------------------------------------------------------------------------------------
# the page's own level: record arrays typed as lists of booleans (counted, not serialised)
PAGE_SHAPE = json.dumps({"incidents": ["BOOLEAN"], "incident": "JSON", "log_entries": ["BOOLEAN"], "limit": "JSON",
                         "offset": "JSON", "more": "JSON", "total": "JSON"})


def _texts() -> str:
    """The batch's files (``@files``: index, bytes) as text; NULL when not UTF-8."""
    return "SELECT file_idx, try(decode(content)) AS text FROM @files"


def _document(shape: str) -> str:
    """The file's JSON transformed to ``shape`` (NULL when it is not JSON DuckDB reads: the parse
    error is caught, which costs less than a separate ``json_valid`` parse of every file)."""
    return f"try(json_transform(text, '{shape}'))"


def _pages_select() -> str:
    """One row per file: its record counts, its ``json_structure`` (checked by
    :func:`structure_verdict`) and the checks that need the whole file: UTF-8 JSON (no BOM, nothing
    after the value), an object with a record key, no object anywhere repeating a key (``$..*``
    lists the keys of every object inside the page), no comma trailing the last element of an array
    or object and no escaped comma (DuckDB reads trailing commas; the escape would hide one)."""
    unique = "len(list_filter(list_distinct(json_keys(text, '$..*')), lambda k: list_unique(k) < len(k))) = 0"
    return f"""
        SELECT file_idx, structure, coalesce(text IS NOT NULL AND doc IS NOT NULL AND root IS NOT NULL AND unique_keys
            AND list_has_any(root, ['incidents', 'incident', 'log_entries']) AND list_unique(root) = len(root)
            AND NOT contains(text, '\\u002') AND {_no_trailing_comma('text')}, FALSE) AS page_ok,
            len(coalesce(doc.incidents, [])) + CASE WHEN doc.incident IS NOT NULL THEN 1 ELSE 0 END AS incidents,
            doc.log_entries IS NOT NULL AS has_log_entries, len(coalesce(doc.log_entries, [])) AS log_entries
        FROM (
            SELECT file_idx, text, doc,
                   CASE WHEN doc IS NOT NULL THEN json_keys(text) END AS root,
                   CASE WHEN doc IS NOT NULL THEN {unique} END AS unique_keys,
                   CASE WHEN doc IS NOT NULL THEN json_structure(text)::VARCHAR END AS structure
            FROM (SELECT file_idx, text, {_document(PAGE_SHAPE)} AS doc FROM ({_texts()}))
        )
    """


def _no_trailing_comma(text: str) -> str:
    """No comma is followed by a closing bracket (JSON whitespace between). One regular expression:
    RE2 skips to the commas, which measured 4-5x faster than eight ``contains`` scans."""
    return f"NOT regexp_matches({text}, ',[ \\t\\n\\r]*[\\]}}]')"


def _records(section: str) -> str:
    """The records of the batch's files: (file, 1-based index in the file's record list, compact
    JSON); ``incidents`` are the page's list then its single ``incident``."""
    if section == "incidents":
        count = "incidents"
        shape = json.dumps({"incidents": ["JSON"], "incident": "JSON"})
        # (a page's list as it is unless it also has a single ``incident``: concatenating copies it)
        records = ("CASE WHEN doc.incident IS NULL THEN doc.incidents ELSE list_concat(coalesce(doc.incidents, []), "
                   "[doc.incident]) END")
    else:
        count = "log_entries"
        shape = json.dumps({"log_entries": ["JSON"]})
        records = "doc.log_entries"
    # Only files whose page passed its checks (so their text is valid JSON) and that hold records of
    # the section (an incidents page is not parsed again for log entries); the unnest is in the
    # select list, zipped with the subscripts (a lateral unnest WITH ORDINALITY runs on one thread).
    return (f"SELECT file_idx, unnest(recs) AS r, generate_subscripts(recs, 1) AS idx FROM (SELECT file_idx, "
            f"{records} AS recs FROM (SELECT file_idx, json_transform(text, '{shape}') AS doc FROM ({_texts()}) "
            f"WHERE file_idx IN (SELECT file_idx FROM @pages WHERE page_ok AND {count} > 0)))")


# statements over the batch's files (@files) and the table of their pages (@pages)
INCIDENT_SELECT = _incident_select()
EVENT_SELECT = _event_select()
PAGES_SELECT = _pages_select()


def _params(sql: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The bound parameters a statement names."""
    return {k: v for k, v in values.items() if f"${k}" in sql}


def _batches(count: int, size: int) -> Iterator[range]:
    for first in range(0, count, size):
        yield range(first, min(first + size, count))


def stage_rest_pages(writer: IncidentWriter, files: Sequence[Path], vocabulary: RestVocabulary) -> frozenset[int]:
    """Stage the clean files of a delivery in bulk; return the indexes (in ``files``) it took."""
    severities = vocabulary.severities
    values: dict[str, Any] = {
        "ws": PY_WHITESPACE, "earliest": EARLIEST, "latest": latest_instant(),
        "source": vocabulary.source,
        "status_keys": list(vocabulary.statuses), "status_values": list(vocabulary.statuses.values()),
        "sev_keys": list(severities.table), "sev_values": list(severities.table.values()),
        "custom_keys": list(vocabulary.custom_fields), "custom_values": list(vocabulary.custom_fields.values()),
        "type_keys": list(vocabulary.log_entry_types),
        "type_events": [v[0] for v in vocabulary.log_entry_types.values()],
        "type_ranks": [v[1] for v in vocabulary.log_entry_types.values()],
        "channel_keys": list(vocabulary.channels), "channel_values": list(vocabulary.channels.values()),
    }
    taken: set[int] = set()
    batches = list(_batches(len(files), BATCH_FILES))
    # the next batch's files are read while DuckDB works on this one (both release the GIL)
    with ThreadPoolExecutor(max_workers=1) as reader:
        upcoming = reader.submit(_file_table, files, batches[0]) if batches else None
        for k, batch in enumerate(batches):
            assert upcoming is not None
            table = upcoming.result()
            upcoming = reader.submit(_file_table, files, batches[k + 1]) if k + 1 < len(batches) else None
            taken.update(_stage_batch(writer, table, files, batch, values))
    log.debug("%d of %d file(s) read in bulk", len(taken), len(files))
    return frozenset(taken)


def _file_table(files: Sequence[Path], batch: range) -> pa.Table:
    """The batch's readable files as (index, bytes), in record batches DuckDB scans in parallel
    (an unreadable file is left to the per-record path, which names the problem)."""
    indexes, contents = [], []
    for i in batch:
        try:
            contents.append(files[i].read_bytes())
        except OSError:
            continue
        indexes.append(i)
    offsets = pa.array([0, *itertools.accumulate(len(c) for c in contents)], pa.int64())
    data = pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(contents),
                                            [None, offsets.buffers()[1], pa.py_buffer(b"".join(contents))])
    table = pa.table({"file_idx": pa.array(indexes, pa.int64()), "content": data})
    return pa.Table.from_batches(table.to_batches(max_chunksize=FILES_PER_TASK), schema=table.schema)


def _stage_batch(writer: IncidentWriter, table: pa.Table, files: Sequence[Path], batch: range,
                 values: Mapping[str, Any]) -> list[int]:
    """Read one batch of files, stage every record of it with its ``__plain`` flag, then take back
    the rows of every file that is not clean. Returns the clean files' indexes. (Rows are filtered
    afterwards, not in the select: a filter on ``plain`` would be pushed into the projections and
    evaluate them twice.)"""
    con = writer.con
    tid = writer.tx.file_id
    names = {"@files": f"__pd_files_{tid}", "@pages": f"__pd_pages_{tid}"}

    def named(sql: str) -> str:
        for placeholder, table in names.items():
            sql = sql.replace(placeholder, table)
        return sql

    def execute(sql: str, extra: Mapping[str, Any] | None = None) -> list[tuple]:
        sql = named(sql)
        return run(con, sql, _params(sql, {**values, **(extra or {})}))

    con.register(names["@files"], table)
    try:
        execute(f"CREATE TEMP TABLE @pages AS {PAGES_SELECT}")
        position = f"(file_idx::BIGINT << {FILE_BITS})"
        execute(f"""
            INSERT INTO {writer.stage} BY NAME
            SELECT * EXCLUDE (file_idx, idx, plain), {position} + idx AS __pos, $names[file_idx - $first + 1] AS __file,
                   idx AS __row, FALSE AS ack_is_proxy, plain AS __plain
            FROM ({INCIDENT_SELECT})""", {"names": [str(files[i]) for i in batch], "first": batch.start})
        # a file's log entries are numbered after its incidents; the counts are a bound list, not a join
        # with @pages: fed through the join the INSERT kept fewer threads busy and took longer
        # (DuckDB's profiler, 1,000 log-entry pages: 1.4-1.7 threads and 1.5-2.0 s against 1.6-1.9 and 1.3-1.6 s)
        incident_counts = [0] * len(batch)
        for index, count in execute("SELECT file_idx, incidents FROM @pages"):
            incident_counts[index - batch.start] = count
        execute(f"""
            INSERT INTO {writer.event_stage} BY NAME
            SELECT * EXCLUDE (file_idx, idx, plain), {position} + $incident_counts[file_idx - $first + 1]
                   + idx AS __pos, plain AS __plain
            FROM ({EVENT_SELECT})""", {"incident_counts": incident_counts, "first": batch.start})
        staged = {"low": batch.start << FILE_BITS, "high": batch.stop << FILE_BITS}
        verdicts = {s: structure_verdict(s) for (s,) in execute("SELECT DISTINCT structure FROM @pages WHERE page_ok")}
        rejected = [s for s, v in verdicts.items() if v == "no"]
        search = [s for s, v in verdicts.items() if v == "floats?"]
        if search:  # an empty object or disagreeing types outside what the loader reads could hide a float
            rejected_files = [r[0] for r in execute(f"""
                SELECT p.file_idx FROM @pages AS p JOIN ({_texts()}) AS t USING (file_idx)
                WHERE CASE WHEN p.page_ok AND list_contains($search, p.structure)
                           THEN list_contains(json_type(t.text, '$..*'), 'DOUBLE') END""", {"search": search})]
        else:
            rejected_files = []
        rows = execute(f"""
            SELECT f.i, coalesce(p.page_ok AND NOT list_contains($rejected, p.structure), FALSE)
                        AND NOT list_contains($rejected_files, f.i)
                        AND f.i NOT IN (SELECT __pos >> {FILE_BITS} FROM {writer.stage}
                                        WHERE __pos >= $low AND __pos < $high AND NOT __plain)
                        AND f.i NOT IN (SELECT __pos >> {FILE_BITS} FROM {writer.event_stage}
                                        WHERE __pos >= $low AND __pos < $high AND NOT __plain) AS clean,
                   p.incidents, p.has_log_entries, p.log_entries
            FROM range($first, $last) AS f(i) LEFT JOIN @pages AS p ON p.file_idx = f.i
            ORDER BY f.i""", {**staged, "first": batch.start, "last": batch.stop, "rejected": rejected,
                               "rejected_files": rejected_files})
        unclean = [r[0] for r in rows if not r[1]]
        if unclean:
            for table in (writer.stage, writer.event_stage):
                run(con, f"DELETE FROM {table} WHERE __pos >= $low AND __pos < $high "
                         f"AND list_contains($files, __pos >> {FILE_BITS})", {**staged, "files": unclean})
    finally:
        run_quietly(con, named("DROP TABLE IF EXISTS @pages"))
        con.unregister(names["@files"])
    clean = [r for r in rows if r[1]]
    writer.read(sum(r[2] for r in clean))
    if any(r[3] for r in clean):
        writer.details["log_entries"] = writer.details.get("log_entries", 0) + sum(r[4] for r in clean)
    return [r[0] for r in clean]
