"""PagerDuty REST pages read in bulk by DuckDB: the fast path of ``opsreview ingest pagerduty``.

:func:`stage_rest_pages` reads every file of a delivery with DuckDB's JSON functions (no Python
object per record), computes the canonical incident rows and timeline events in SQL, and stages
them in the :class:`~analytics.sources.incidents._common.IncidentWriter`'s staging tables exactly
as the per-record path (:func:`analytics.sources.incidents.pagerduty.parse_rest_page`) would.

It only takes a file it can prove the per-record path would accept *with the same values*. A
file is **clean** when

* its bytes are UTF-8 and JSON that Python's strict parser reads: DuckDB's parser also accepts
  ``NaN``/``Infinity``, trailing commas and duplicated keys, so the page's commas are counted
  against the re-serialised page (a trailing comma leaves one more in the source), every object
  of every record is rebuilt as a map (NULL when a key repeats) and non-integer numbers are
  refused; nesting is bounded (Python's parser stops near 1,000 levels);
* the page is an object with ``incidents``/``log_entries`` arrays and/or an ``incident`` object,
  its other values scalars;
* every record is *plain*: each field the loader reads has the type and shape the per-record
  functions accept without conversion (text as text, ``…Z`` whole-second UTC timestamps inside
  the plausible range, known statuses and severity labels, integer counts, reference objects
  with a text ``summary``), and its compact JSON (``incidents.raw``) is the text Python's encoder
  writes (no ``\\u`` escapes, no floats).

Every other file — a bad record, an unusual but valid shape, invalid JSON — goes to the
per-record path, which converts it or raises the exact error (file, row, column). Positions
(``__pos``) are ``file index << 32`` plus the record's place in the file, the numbering the
per-record path uses, so "last copy wins", event order and the derived columns agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import logging

from analytics.sources._values import EARLIEST, latest_instant
from analytics.sources.incidents._common import FILE_BITS, TEXT_LIMIT, IncidentWriter, SeverityMap
from analytics.warehouse import run, run_quietly

log = logging.getLogger(__name__)

# str.strip()'s whitespace (str.isspace), for DuckDB's trim(text, characters)
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
BATCH_FILES = 400  # files per DuckDB pass: bounds the memory of the intermediate tables
RAW_LIMIT = 100_000  # characters of incidents.raw (longer records are cut by the per-record path)
INT32_MAX = 2**31 - 1
MAX_DEPTH = 6  # containers nested below a record (PagerDuty objects nest 3 deep)
_UTC_SECONDS = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"
_MAP = "'\"MAP(VARCHAR, JSON)\"'"
_LIST = "'[\"JSON\"]'"


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
def _text_ok(value: str, kind: str) -> str:
    """The per-record ``as_text`` accepts the value as it is: absent, null, or text without NUL
    within the length limit (numbers, which it would convert, are left to it)."""
    return (f"({kind} IS NULL OR {kind} = 'NULL' OR ({kind} = 'VARCHAR' AND NOT contains({value}, chr(0)) "
            f"AND length(trim({value}, $ws)) <= {TEXT_LIMIT}))")


def _text(value: str, kind: str) -> str:
    """``as_text`` of a value :func:`_text_ok` accepts: stripped, blank as NULL."""
    return f"(CASE WHEN {kind} = 'VARCHAR' THEN nullif(trim({value}, $ws), '') END)"


def _instant_ok(value: str) -> str:
    """``parse_instant`` accepts the value on its fast path: absent, null, blank, or a ``…Z``
    whole-second UTC time (a real calendar time) inside the plausible range."""
    stripped = f"trim({value}, $ws)"
    moment = f"try_strptime({stripped}, '%Y-%m-%dT%H:%M:%SZ')"
    return (f"({value} IS NULL OR {stripped} = '' OR (regexp_full_match({stripped}, '{_UTC_SECONDS}') "
            f"AND {moment} IS NOT NULL AND timezone('UTC', {moment}) >= $earliest "
            f"AND timezone('UTC', {moment}) < $latest))")


def _instant(value: str) -> str:
    """``parse_instant`` of a value :func:`_instant_ok` accepts."""
    return f"timezone('UTC', try_strptime(nullif(trim({value}, $ws), ''), '%Y-%m-%dT%H:%M:%SZ'))"


def _ascii(value: str) -> str:
    """Text whose case folding and label key DuckDB computes as Python does (ASCII only)."""
    return f"NOT regexp_matches({value}, '[^\\x01-\\x7f]')"


def _label_key(value: str) -> str:
    """``label_key`` of ASCII text."""
    return f"regexp_replace(lower({value}), '[^0-9a-z]+', '', 'g')"


def _severity(value: str) -> str:
    """The severity table's SEVn for a label (NULL when unknown)."""
    return f"map($sev_keys, $sev_values)[{_label_key(value)}]"


def _count(text: str, needle: str) -> str:
    """Occurrences of a one-byte needle in a text."""
    return f"(strlen({text}) - strlen(replace({text}, '{needle}', '')))"


def _scalar_ok(fragment: str) -> str:
    """A scalar JSON value Python reads and writes back unchanged: text, true/false or an integer."""
    return (f"({fragment} IS NULL OR left({fragment}::VARCHAR, 1) = '\"' OR {fragment}::VARCHAR IN ('true', 'false') "
            f"OR regexp_full_match({fragment}::VARCHAR, '-?[0-9]+'))")


def _shape_ok(fragment: str, depth: int, level: int = 0) -> str:
    """A JSON value whose objects repeat no key, whose numbers are integers and whose containers
    nest at most ``depth`` deep (every object becomes a map: NULL when a key repeats)."""
    if depth == 0:
        return _scalar_ok(fragment)
    x = f"v{level}"
    children = (f"CASE WHEN left({fragment}::VARCHAR, 1) = '{{' THEN map_values(json_transform({fragment}, {_MAP})) "
                f"ELSE json_transform({fragment}, {_LIST}) END")
    return (f"(CASE WHEN {fragment} IS NULL THEN TRUE WHEN left({fragment}::VARCHAR, 1) IN ('{{', '[') "
            f"THEN coalesce(len(list_filter({children}, lambda {x}: NOT {_shape_ok(x, depth - 1, level + 1)})) = 0, FALSE) "
            f"ELSE {_scalar_ok(fragment)} END)")


class _Paths:
    """A fixed list of JSON paths typed in one ``json_type`` call; ``t('$.id')`` is its type."""

    def __init__(self, column: str, paths: Sequence[str]) -> None:
        self.column = column
        self.paths = list(paths)

    def sql(self, record: str) -> str:
        return f"json_type({record}, [{', '.join(repr(p) for p in self.paths)}])"

    def t(self, path: str) -> str:
        return f"{self.column}[{self.paths.index(path) + 1}]"


def _ref(paths: _Paths, base: str, summary: str) -> tuple[str, str]:
    """``ref_name`` of a reference object at ``base``: (accepted as it is, value). Absent or null
    is NULL; an object's text ``summary`` is its name; an object with none of summary, name,
    display_name, label is NULL; anything else goes to the per-record path."""
    t = paths.t
    kinds = [t(f"{base}.{k}") for k in ("summary", "name", "display_name", "label")]
    no_name = " AND ".join(f"({k} IS NULL OR {k} = 'NULL')" for k in kinds)
    ok = (f"({t(base)} IS NULL OR {t(base)} = 'NULL' OR ({t(base)} = 'OBJECT' AND "
          f"(({kinds[0]} = 'VARCHAR' AND {_text_ok(summary, kinds[0])}) OR ({no_name}))))")
    return ok, f"(CASE WHEN {t(base)} = 'OBJECT' THEN {_text(summary, kinds[0])} END)"


def _ref_paths(base: str) -> list[str]:
    return [base, *(f"{base}.{k}" for k in ("summary", "name", "display_name", "label"))]


# -- incidents ------------------------------------------------------------------------------------
INCIDENT_PATHS = _Paths("t", [
    "$", "$.id", "$.title", "$.summary", "$.created_at", "$.created_on", "$.status", "$.resolved_at",
    "$.last_status_change_at", "$.urgency", "$.incident_key", "$.incident_number",
    *_ref_paths("$.priority"), *_ref_paths("$.service"), "$.teams", *_ref_paths("$.teams[0]"),
    "$.acknowledgements", "$.incidents_responders", "$.alert_counts", "$.alert_counts.all", "$.custom_fields",
])
INCIDENT_SHAPE = json.dumps({
    **{k: "VARCHAR" for k in ("id", "title", "summary", "created_at", "created_on", "status", "resolved_at",
                              "last_status_change_at", "urgency", "incident_key", "incident_number")},
    "priority": {"summary": "VARCHAR"}, "service": {"summary": "VARCHAR"}, "teams": [{"summary": "VARCHAR"}],
    "alert_counts": {"all": "VARCHAR"}, "acknowledgements": ["JSON"], "incidents_responders": ["JSON"],
    "custom_fields": ["JSON"],
})
_CUSTOM_TEXT = ("severity_raw", "category", "failure_mode", "problem_id", "change_id", "deployment_id")
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
# array elements are typed one element at a time (their own small parse)
ACK_PATHS = _Paths("a.k", ["$.at", *_ref_paths("$.acknowledger")])
JOINED_PATHS = _Paths("j.k", ["$.state", *_ref_paths("$.user")])
CUSTOM_PATHS = _Paths("c.k", ["$.name", "$.display_name", "$.value"])


def _elements(items: str, var: str, paths: _Paths, **fields: str) -> str:
    """Each element of a JSON array as a struct: the fragment ``e``, the types of ``paths`` in ``k``
    and ``fields`` (name -> expression over ``e``); NULL for an empty or absent array."""
    extra = "".join(f", '{name}': {expr}" for name, expr in fields.items())
    return (f"(CASE WHEN len(coalesce({items}, [])) > 0 THEN list_transform({items}, lambda e: "
            f"{{'e': e, 'k': {paths.sql('e')}{extra}}}) END)")


def _all(items: str, var: str, condition: str) -> str:
    """Every element of a list (NULL: none) satisfies a condition."""
    return f"coalesce(len(list_filter({items}, lambda {var}: NOT coalesce({condition}, FALSE))) = 0, TRUE)"


def _count_ok(value: str, kind: str) -> str:
    """``as_int`` accepts it as it is: absent, null or a JSON integer within 0 … 2^31-1."""
    return f"({kind} IS NULL OR {kind} = 'NULL' OR ({kind} = 'UBIGINT' AND TRY_CAST({value} AS BIGINT) <= {INT32_MAX}))"


def _array_ok(kind: str) -> str:
    return f"({kind} IS NULL OR {kind} IN ('NULL', 'ARRAY'))"


def _incident_select() -> str:
    """One row per incident record: its canonical values and whether it is plain."""
    t = INCIDENT_PATHS.t
    checks: list[str] = [f"{t('$')} = 'OBJECT'", "NOT contains(r, '\\u')", f"length(r) <= {RAW_LIMIT}",
                         _shape_ok("r", MAX_DEPTH)]
    text = {}
    for key in ("id", "title", "summary", "status", "urgency", "incident_key"):
        checks.append(_text_ok(f"x.{key}", t(f"$.{key}")))
        text[key] = _text(f"x.{key}", t(f"$.{key}"))
    checks.append(f"{text['id']} IS NOT NULL")
    # created_at, else the legacy created_on when created_at is absent
    created_raw = f"(CASE WHEN {t('$.created_at')} IS NULL THEN x.created_on ELSE x.created_at END)"
    checks += [_instant_ok(created_raw), f"nullif(trim({created_raw}, $ws), '') IS NOT NULL"]
    status_raw = text["status"]
    checks.append(f"({status_raw} IS NULL OR (regexp_full_match({status_raw}, '[A-Za-z]+') "
                  f"AND list_contains($status_keys, lower({status_raw}))))")
    status = f"map($status_keys, $status_values)[lower({status_raw})]"
    resolved_direct = _instant("x.resolved_at")
    checks += [_instant_ok("x.resolved_at"),
               f"({resolved_direct} IS NOT NULL OR {status} IS DISTINCT FROM 'resolved' "
               f"OR {_instant_ok('x.last_status_change_at')})"]
    resolved = (f"(CASE WHEN {resolved_direct} IS NULL AND {status} = 'resolved' "
                f"THEN {_instant('x.last_status_change_at')} ELSE {resolved_direct} END)")
    title = f"(CASE WHEN {t('$.title')} IS NULL THEN {text['summary']} ELSE {text['title']} END)"
    priority_ok, priority = _ref(INCIDENT_PATHS, "$.priority", "x.priority.summary")
    service_ok, service = _ref(INCIDENT_PATHS, "$.service", "x.service.summary")
    team_ok, team = _ref(INCIDENT_PATHS, "$.teams[0]", "x.teams[1].summary")
    checks += [priority_ok, service_ok, _array_ok(t("$.teams")), team_ok]
    checks += [_count_ok("x.incident_number", t("$.incident_number")),
               f"({t('$.alert_counts')} IS NULL OR {t('$.alert_counts')} IN ('NULL', 'OBJECT'))",
               _count_ok("x.alert_counts.all", t("$.alert_counts.all"))]
    number = f"(CASE WHEN {t('$.incident_number')} = 'UBIGINT' THEN x.incident_number END)"
    alert_count = f"(CASE WHEN {t('$.alert_counts.all')} = 'UBIGINT' THEN x.alert_counts.all::INTEGER END)"
    # acknowledgements[]: objects or nulls; the earliest "at", the acknowledgers in order
    a = ACK_PATHS.t
    acker_ok, acker = _ref(ACK_PATHS, "$.acknowledger", "a.s")
    ack_ok = (f"(a.e IS NULL OR (left(a.e::VARCHAR, 1) = '{{' AND ({a('$.at')} IS NULL OR {a('$.at')} IN ('NULL', 'VARCHAR')) "
              f"AND {_instant_ok('a.at')} AND {acker_ok}))")
    checks += [_array_ok(t("$.acknowledgements")), _all("acks", "a", ack_ok)]
    first_ack = f"list_min(list_transform(acks, lambda a: {_instant('a.at')}))"
    ackers = f"coalesce(list_transform(acks, lambda a: CASE WHEN a.e IS NOT NULL THEN {acker} END), [])"
    # incidents_responders[]: objects or nulls; the joined ones' users in order
    j = JOINED_PATHS.t
    joined_state = f"({j('$.state')} IS NULL OR ({j('$.state')} = 'VARCHAR' AND lower(j.state) = 'joined'))"
    user_ok, user = _ref(JOINED_PATHS, "$.user", "j.s")
    joined_ok = (f"(j.e IS NULL OR (left(j.e::VARCHAR, 1) = '{{' AND ({j('$.state')} IS NULL OR {j('$.state')} = 'NULL' OR "
                 f"({j('$.state')} = 'VARCHAR' AND {_ascii('j.state')})) AND (NOT {joined_state} OR {user_ok})))")
    checks += [_array_ok(t("$.incidents_responders")), _all("joined", "j", joined_ok)]
    joined_names = (f"coalesce(list_transform(list_filter(joined, lambda j: j.e IS NULL OR {joined_state}), "
                    f"lambda j: CASE WHEN j.e IS NOT NULL THEN {user} END), [])")
    custom_ok, custom = _custom_fields()
    checks.append(custom_ok)
    severity_raw = custom["severity_raw"]
    urgency = text["urgency"]
    checks.append(f"({severity_raw} IS NULL OR ({_ascii(severity_raw)} AND {_severity(severity_raw)} IS NOT NULL))")
    checks.append(f"({severity_raw} IS NOT NULL OR {priority} IS NULL "
                  f"OR ({_ascii(priority)} AND {_severity(priority)} IS NOT NULL))")
    checks.append(f"({severity_raw} IS NOT NULL OR {priority} IS NOT NULL OR {urgency} IS NULL OR {_ascii(urgency)})")
    severity = (f"(CASE WHEN {severity_raw} IS NOT NULL THEN {_severity(severity_raw)} "
                f"WHEN {priority} IS NOT NULL THEN {_severity(priority)} "
                f"WHEN {urgency} IS NOT NULL THEN {_severity(chr(39) + 'urgency ' + chr(39) + ' || ' + urgency)} END)")
    responders = f"list_concat({ackers}, {joined_names})"
    columns = {
        "incident_id": f"$source || ':' || {text['id']}",
        "source": "$source",
        "source_id": text["id"],
        "number": number,
        "title": title,
        "service": service,
        "team": team,
        "severity": "__severity",
        "severity_rank": "CAST(right(__severity, 1) AS SMALLINT)",
        "severity_raw": severity_raw,
        "priority_raw": priority,
        "urgency": urgency,
        "status": status,
        "status_raw": status_raw,
        "created_at": _instant(created_raw),
        "acknowledged_at": first_ack,
        "resolved_at": resolved,
        "is_major": custom["is_major"],
        "category": custom["category"],
        "failure_mode": custom["failure_mode"],
        "fingerprint": text["incident_key"],
        "problem_id": custom["problem_id"],
        "change_id": custom["change_id"],
        "deployment_id": custom["deployment_id"],
        "alert_count": alert_count,
        "responders": f"list_filter({responders}, lambda n, i: n IS NOT NULL AND list_position({responders}, n) = i)",
        "raw": "r",
    }
    plain = " AND ".join(f"coalesce({c}, FALSE)" for c in checks)
    outer = ", ".join(f"{expr} AS {name}" for name, expr in columns.items())
    acks = _elements("x.acknowledgements", "a", ACK_PATHS, at="json_extract_string(e, '$.at')",
                     s="json_extract_string(e, '$.acknowledger.summary')")
    joined = _elements("x.incidents_responders", "j", JOINED_PATHS, state="json_extract_string(e, '$.state')",
                       s="json_extract_string(e, '$.user.summary')")
    fields = _elements("x.custom_fields", "c", CUSTOM_PATHS, name="json_extract_string(e, '$.name')",
                       dn="json_extract_string(e, '$.display_name')", value="json_extract_string(e, '$.value')")
    return f"""
        SELECT file_idx, idx, plain, {outer}
        FROM (
            SELECT *, {plain} AS plain, {severity} AS __severity
            FROM (
                SELECT file_idx, idx, r, t, x, acks, joined, fields,
                       list_transform(fields, lambda c: {{'c': c, 'col': {_custom_column()}}}) AS custom
                FROM (
                    SELECT file_idx, idx, r, t, x, {acks} AS acks, {joined} AS joined, {fields} AS fields
                    FROM (
                        SELECT file_idx, idx, r, {INCIDENT_PATHS.sql('r')} AS t,
                               json_transform(r, '{INCIDENT_SHAPE}') AS x
                        FROM @records
                        WHERE section = 0
                    )
                )
            )
        )
    """


def _custom_name() -> str:
    """``obj.get("name") or obj.get("display_name")`` of one custom_fields element ``c`` (text only)."""
    k = CUSTOM_PATHS.t
    return (f"(CASE WHEN {k('$.name')} = 'VARCHAR' AND c.name <> '' THEN c.name "
            f"WHEN {k('$.display_name')} = 'VARCHAR' THEN c.dn END)")


def _custom_column() -> str:
    """The canonical column a custom_fields element ``c`` fills (NULL: none)."""
    return f"map($custom_keys, $custom_values)[{_label_key(_custom_name())}]"


def _custom_fields() -> tuple[str, dict[str, str]]:
    """custom_fields as a list of {name, value} (the elements in ``custom``: {c, col}): (accepted,
    canonical column -> value, the last non-null value of the elements naming it)."""
    t = INCIDENT_PATHS.t
    k = CUSTOM_PATHS.t
    name = _custom_name()
    element_ok = (f"(c.e IS NULL OR (left(c.e::VARCHAR, 1) = '{{' AND ({k('$.name')} IS NULL OR {k('$.name')} IN ('NULL', 'VARCHAR')) "
                  f"AND ({k('$.display_name')} IS NULL OR {k('$.display_name')} IN ('NULL', 'VARCHAR')) "
                  f"AND ({name} IS NULL OR {_ascii(name)})))")
    checks = [f"({t('$.custom_fields')} IS NULL OR {t('$.custom_fields')} = 'NULL' OR "
              f"({t('$.custom_fields')} = 'ARRAY' AND {_all('fields', 'c', element_ok)}))"]
    found: dict[str, str] = {}
    for target in (*_CUSTOM_TEXT, "is_major"):
        last = (f"list_filter(custom, lambda m: m.c.e IS NOT NULL AND m.col = '{target}' "
                f"AND m.c.k[3] IS NOT NULL AND m.c.k[3] <> 'NULL')[-1].c")
        kind, val = f"{last}.k[3]", f"{last}.value"
        if target == "is_major":
            key = f"lower(trim({val}, $ws))"
            checks.append(f"({kind} IS NULL OR {kind} = 'BOOLEAN' OR ({kind} = 'VARCHAR' AND {_ascii(val)} "
                          f"AND ({key} = '' OR {key} IN {_TRUE + _FALSE})))")
            found[target] = (f"(CASE WHEN {kind} = 'BOOLEAN' THEN {val} = 'true' WHEN {key} IN {_TRUE} THEN TRUE "
                             f"WHEN {key} IN {_FALSE} THEN FALSE END)")
        else:
            checks.append(f"({kind} IS NULL OR {_text_ok(val, kind)})")
            found[target] = _text(val, kind)
    found = {key: f"(CASE WHEN {t('$.custom_fields')} = 'ARRAY' THEN {v} END)" for key, v in found.items()}
    return " AND ".join(f"coalesce({c}, FALSE)" for c in checks), found


# -- log entries ----------------------------------------------------------------------------------
EVENT_PATHS = _Paths("t", [
    "$", "$.type", "$.incident", "$.incident.id", "$.created_at", *_ref_paths("$.agent"), "$.agent.type",
    *_ref_paths("$.user"), "$.channel", "$.channel.type", "$.channel.notification", "$.channel.notification.type",
    "$.event_details", "$.event_details.description", "$.note", "$.id",
])
EVENT_SHAPE = json.dumps({
    "type": "VARCHAR", "incident": {"id": "VARCHAR"}, "created_at": "VARCHAR",
    "agent": {"type": "VARCHAR", "summary": "VARCHAR"}, "user": {"summary": "VARCHAR"},
    "channel": {"type": "VARCHAR", "notification": {"type": "VARCHAR"}}, "event_details": {"description": "VARCHAR"},
    "note": "VARCHAR", "id": "VARCHAR",
})


def _event_select() -> str:
    """One row per log entry: its timeline event (EVENT_ROW values) and whether it is plain."""
    t = EVENT_PATHS.t
    checks = [f"{t('$')} = 'OBJECT'", _shape_ok("r", MAX_DEPTH)]

    def obj_ok(path: str) -> str:
        return f"({t(path)} IS NULL OR {t(path)} IN ('NULL', 'OBJECT'))"

    checks += [obj_ok("$.incident"), obj_ok("$.agent"), obj_ok("$.channel"), obj_ok("$.channel.notification"),
               obj_ok("$.event_details")]
    text = {}
    for name, path, value in (("kind", "$.type", "x.type"), ("incident", "$.incident.id", "x.incident.id"),
                              ("agent_type", "$.agent.type", "x.agent.type"), ("note", "$.note", "x.note"),
                              ("description", "$.event_details.description", "x.event_details.description"),
                              ("key", "$.id", "x.id")):
        checks.append(_text_ok(value, t(path)))
        text[name] = _text(value, t(path))
    kind = f"coalesce({text['kind']}, '')"
    checks += [f"{text['incident']} IS NOT NULL", _instant_ok("x.created_at"),
               f"nullif(trim(x.created_at, $ws), '') IS NOT NULL"]
    agent_ok, agent = _ref(EVENT_PATHS, "$.agent", "x.agent.summary")
    user_ok, user = _ref(EVENT_PATHS, "$.user", "x.user.summary")
    notify = f"{kind} = 'notify_log_entry'"
    checks += [agent_ok, f"(NOT {notify} OR {user_ok})"]
    # notification.type when truthy, else channel.type; either must be text, null or absent
    ntype_kind, ctype_kind = t("$.channel.notification.type"), t("$.channel.type")
    checks += [f"({ntype_kind} IS NULL OR {ntype_kind} IN ('NULL', 'VARCHAR'))",
               f"({ctype_kind} IS NULL OR {ctype_kind} IN ('NULL', 'VARCHAR'))",
               _text_ok("x.channel.notification.type", ntype_kind), _text_ok("x.channel.type", ctype_kind)]
    channel_raw = (f"(CASE WHEN {ntype_kind} = 'VARCHAR' AND x.channel.notification.type <> '' "
                   f"THEN {_text('x.channel.notification.type', ntype_kind)} ELSE {_text('x.channel.type', ctype_kind)} END)")
    event_type = f"coalesce(map($type_keys, $type_events)[{kind}], 'note')"
    detail = f"(CASE WHEN {kind} = 'annotate_log_entry' THEN {text['note']} ELSE {text['description']} END)"
    unknown = f"({kind} <> '' AND NOT list_contains($type_keys, {kind}))"
    columns = {
        "incident_id": f"$source || ':' || {text['incident']}",
        "event_at": _instant("x.created_at"),
        "event_type": event_type,
        "actor": f"coalesce(CASE WHEN {notify} THEN {user} END, {agent})",
        "channel": f"(CASE WHEN {channel_raw} IS NOT NULL THEN coalesce(map($channel_keys, $channel_values)"
                   f"[{channel_raw}], {channel_raw}) END)",
        "detail": f"(CASE WHEN {unknown} THEN coalesce({detail}, {kind}) ELSE {detail} END)",
        "__rank": f"coalesce(map($type_keys, $type_ranks)[{kind}], 5)::SMALLINT",
        "__key": text["key"],
        "__agent": text["agent_type"],
    }
    plain = " AND ".join(f"coalesce({c}, FALSE)" for c in checks)
    outer = ", ".join(f"{expr} AS {name}" for name, expr in columns.items())
    return f"""
        SELECT file_idx, idx, {plain} AS plain, {outer}
        FROM (
            SELECT file_idx, idx, r, {EVENT_PATHS.sql('r')} AS t, json_transform(r, '{EVENT_SHAPE}') AS x
            FROM @records
            WHERE section = 1
        )
    """


# -- pages ----------------------------------------------------------------------------------------
def _pages_select() -> str:
    """One row per file: the page as a map (NULL for invalid JSON or a repeated key) and the checks
    on its own level: an object with the record keys, record arrays / object, scalar other values,
    as many commas as its re-serialised form (no trailing comma) and no escaped comma."""
    return f"""
        SELECT f.file_idx, p.page, p.text IS NOT NULL AND p.page IS NOT NULL
            AND list_has_any(map_keys(p.page), ['incidents', 'incident', 'log_entries'])
            AND len(list_filter(map_entries(p.page), lambda e:
                    NOT CASE WHEN e.key IN ('incidents', 'log_entries') THEN coalesce(left(e.value::VARCHAR, 1) = '[', FALSE)
                             WHEN e.key = 'incident' THEN coalesce(left(e.value::VARCHAR, 1) = '{{', FALSE)
                             ELSE coalesce({_scalar_ok('e.value')}, FALSE) END)) = 0
            AND NOT contains(p.text, '\\u002c') AND NOT contains(p.text, '\\u002C')
            AND {_count('p.text', ',')} = len(map_keys(p.page)) - 1
                + list_sum(list_transform(map_values(p.page), lambda v: coalesce({_count('v', ',')}, 0)))
            AS page_ok
        FROM (SELECT unnest($files) AS filename, generate_subscripts($files, 1) - 1 + $first AS file_idx) AS f
        LEFT JOIN (
            SELECT filename, text, try(json_transform(text, {_MAP})) AS page
            FROM (SELECT filename, try(decode(content)) AS text FROM read_blob($files))
        ) AS p USING (filename)
    """


def _records_select(pages: str) -> str:
    """Every record of the clean-looking pages: (file, section 0 = incident / 1 = log entry, 1-based
    index in the file's record list, compact JSON)."""
    return f"""
        SELECT file_idx, 0 AS section, i AS idx, r
        FROM (SELECT file_idx, list_concat(coalesce(json_transform(page['incidents'], {_LIST}), []),
                                           CASE WHEN page['incident'] IS NOT NULL THEN [page['incident']] ELSE [] END) AS recs
              FROM {pages} WHERE page_ok),
             unnest(recs) WITH ORDINALITY AS u(r, i)
        UNION ALL
        SELECT file_idx, 1 AS section, i AS idx, r
        FROM (SELECT file_idx, json_transform(page['log_entries'], {_LIST}) AS recs FROM {pages}
              WHERE page_ok AND page['log_entries'] IS NOT NULL),
             unnest(recs) WITH ORDINALITY AS u(r, i)
    """


# statements over this load's intermediate tables, named @pages, @records, @incidents, @events, @counts
INCIDENT_SELECT = _incident_select()
EVENT_SELECT = _event_select()
PAGES_SELECT = _pages_select()
RECORDS_SELECT = _records_select("@pages")


def _params(sql: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The bound parameters a statement names."""
    return {k: v for k, v in values.items() if f"${k}" in sql}


def _batches(count: int, size: int) -> Iterator[range]:
    for first in range(0, count, size):
        yield range(first, min(first + size, count))


def stage_rest_pages(writer: IncidentWriter, files: Sequence[Path], vocabulary: RestVocabulary) -> frozenset[int]:
    """Stage the clean files of a delivery in bulk; return the indexes (in ``files``) it took."""
    con = writer.con
    tid = writer.tx.file_id
    tables = {name: f"__pd_{name}_{tid}" for name in ("pages", "records", "incidents", "events", "counts")}
    names = [str(f) for f in files]
    severities = vocabulary.severities
    values: dict[str, Any] = {
        "ws": PY_WHITESPACE, "earliest": EARLIEST, "latest": latest_instant(), "source": vocabulary.source,
        "status_keys": list(vocabulary.statuses), "status_values": list(vocabulary.statuses.values()),
        "sev_keys": list(severities.table), "sev_values": list(severities.table.values()),
        "custom_keys": list(vocabulary.custom_fields), "custom_values": list(vocabulary.custom_fields.values()),
        "type_keys": list(vocabulary.log_entry_types),
        "type_events": [v[0] for v in vocabulary.log_entry_types.values()],
        "type_ranks": [v[1] for v in vocabulary.log_entry_types.values()],
        "channel_keys": list(vocabulary.channels), "channel_values": list(vocabulary.channels.values()),
        "names": names,
    }
    taken: set[int] = set()
    for batch in _batches(len(files), BATCH_FILES):
        try:
            taken.update(_stage_batch(writer, tables, {**values, "files": names[batch.start:batch.stop],
                                                        "first": batch.start}))
        finally:
            for table in tables.values():
                run_quietly(con, f"DROP TABLE IF EXISTS {table}")
    log.debug("%d of %d file(s) read in bulk", len(taken), len(files))
    return frozenset(taken)


def _stage_batch(writer: IncidentWriter, tables: Mapping[str, str], values: Mapping[str, Any]) -> list[int]:
    """Read one batch of files, stage the rows of its clean files, return their indexes."""
    con = writer.con

    def named(sql: str) -> str:
        for name, table in tables.items():
            sql = sql.replace(f"@{name}", table)
        return sql

    def create(name: str, select: str) -> None:
        sql = named(f"CREATE TEMP TABLE @{name} AS {select}")
        run(con, sql, _params(sql, values))

    create("pages", PAGES_SELECT)
    create("records", RECORDS_SELECT)
    create("incidents", INCIDENT_SELECT)
    create("events", EVENT_SELECT)
    create("counts", COUNTS_SELECT)
    clean = [int(r[0]) for r in run(con, named("SELECT file_idx FROM @counts ORDER BY file_idx"))]
    if not clean:
        return clean
    stage_incidents = named(f"""
        INSERT INTO {writer.stage} BY NAME
        SELECT * EXCLUDE (file_idx, idx, plain),
               (file_idx::BIGINT << {FILE_BITS}) + idx AS __pos, $names[file_idx + 1] AS __file, idx AS __row,
               FALSE AS ack_is_proxy
        FROM @incidents SEMI JOIN @counts USING (file_idx)""")
    run(con, stage_incidents, _params(stage_incidents, values))
    run(con, named(f"""
        INSERT INTO {writer.event_stage} BY NAME
        SELECT e.* EXCLUDE (file_idx, idx, plain), (e.file_idx::BIGINT << {FILE_BITS}) + c.incidents + e.idx AS __pos
        FROM @events AS e JOIN @counts AS c USING (file_idx)"""))
    read, with_entries, entries = run(con, named("SELECT sum(incidents), count(*) FILTER (WHERE has_log_entries), "
                                                 "sum(log_entries) FROM @counts"))[0]
    writer.read(int(read))
    if with_entries:
        writer.details["log_entries"] = writer.details.get("log_entries", 0) + int(entries)
    return clean


# per clean file: the incident records, whether it has a log_entries key and how many entries
COUNTS_SELECT = """
    SELECT p.file_idx, count(r.r) FILTER (WHERE r.section = 0) AS incidents,
           any_value(p.page['log_entries'] IS NOT NULL) AS has_log_entries,
           count(r.r) FILTER (WHERE r.section = 1) AS log_entries
    FROM @pages AS p LEFT JOIN @records AS r USING (file_idx)
    WHERE p.page_ok
      AND p.file_idx NOT IN (SELECT file_idx FROM @incidents WHERE NOT plain)
      AND p.file_idx NOT IN (SELECT file_idx FROM @events WHERE NOT plain)
    GROUP BY p.file_idx
"""
