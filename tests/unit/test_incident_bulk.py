"""The bulk path of ``ingest pagerduty`` (DuckDB reads the pages, :mod:`_rest_bulk`) against the
per-record reference (every file through :func:`pagerduty.parse_rest_page`): for generated REST
deliveries with hostile values, both give the same warehouse — every row of ``incidents``,
``incident_events``, the ledger and the quarantine — or the same one-line error.

The reference is the same loader with the bulk stager replaced by one that takes no file."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import analytics
from analytics.errors import AnalyticsError
from analytics.sources import LoadOptions, ingest
from analytics.sources.incidents import _rest_bulk, pagerduty
from analytics.warehouse import run
from tests.unit.test_incident_generators import (
    incidentio_incidents,
    opsgenie_alerts,
    pagerduty_analytics,
    pagerduty_rest,
    truth,
)

pytestmark = pytest.mark.unit

BASE = truth(5, 12)
TABLES = {
    "incidents": "SELECT * EXCLUDE (raw), raw::VARCHAR FROM incidents ORDER BY incident_id",
    "incident_events": "SELECT * FROM incident_events ORDER BY incident_id, seq",
    "ingest_ledger": "SELECT * EXCLUDE (loaded_at) FROM ingest_ledger ORDER BY file_id",
    "ingest_quarantine": ("SELECT file_id, row_number, column_name, problem, raw FROM ingest_quarantine "
                          "ORDER BY file_id, row_number, problem"),
}


@contextmanager
def _per_record_only() -> Iterator[None]:
    with mock.patch.object(pagerduty, "stage_rest_pages", lambda writer, files, vocabulary: frozenset()):
        yield


@contextmanager
def _counting_bulk(taken: list[int]) -> Iterator[None]:
    real = pagerduty.stage_rest_pages

    def spy(writer: Any, files: Any, vocabulary: Any) -> frozenset[int]:
        done = real(writer, files, vocabulary)
        taken.append(len(done))
        return done

    with mock.patch.object(pagerduty, "stage_rest_pages", spy):
        yield


def outcome(path: Path, options: LoadOptions, *, bulk: bool, taken: list[int] | None = None) -> Any:
    """Load ``path`` into a fresh warehouse: ("error", message) or ("ok", every table's rows)."""
    con = analytics.connect(":memory:")
    try:
        with _counting_bulk(taken if taken is not None else []) if bulk else _per_record_only():
            try:
                ingest(con, "pagerduty", [str(path)], options)
            except AnalyticsError as exc:
                return "error", str(exc)
        return "ok", {name: run(con, sql) for name, sql in TABLES.items()}
    finally:
        con.close()


DEFAULT = LoadOptions()


def assert_same(path: Path, options: LoadOptions = DEFAULT) -> tuple[Any, int]:
    """Both paths agree on ``path``; returns the outcome and how many files the bulk path took."""
    taken: list[int] = []
    fast = outcome(path, options, bulk=True, taken=taken)
    reference = outcome(path, options, bulk=False)
    assert fast == reference
    return fast, sum(taken)


# -- generated deliveries ------------------------------------------------------------------------------
def _rich(records: list[dict[str, Any]], rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """REST pages of ``records`` with the optional parts the API writes: acknowledgements, joined
    responders, assignments, nested references, custom fields as a list."""
    page, log = pagerduty_rest(records)
    for incident in page["incidents"]:
        if rng.random() < 0.5:
            incident["acknowledgements"] = [
                {"at": incident["created_at"], "acknowledger": {"id": "PU1", "type": "user_reference",
                                                                "summary": rng.choice(["ann", "bob", " cy "])}}
                for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.5:
            incident["incidents_responders"] = [
                {"state": rng.choice(["joined", "pending", "JOINED"]), "user": {"type": "user_reference",
                                                                                "summary": rng.choice(["dee", "ann"])},
                 "incident": {"id": incident["id"], "type": "incident_reference"}}]
        if rng.random() < 0.5:
            incident["assignments"] = [{"at": incident["created_at"],
                                        "assignee": {"id": "PU2", "type": "user_reference", "summary": "eve"}}]
        if rng.random() < 0.3:
            incident["last_status_change_at"] = incident["updated_at"]
            incident["escalation_policy"] = {"id": "PEP", "type": "escalation_policy_reference", "summary": "ops"}
        if rng.random() < 0.3:
            incident.pop("custom_fields", None)
    return page, log


def _leaves(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += _leaves(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += _leaves(v, (*prefix, i))
    return found


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


HOSTILE_VALUES = st.sampled_from([
    None, "", " ", "\u3000x\u2003", "\x1cP1\x85", "x\x00y", "a\x1fb", "\ud800", "tab\there", "quote\"s\\", "é",
    "ǅ", "\u212a", "ß", "İ", "x" * 100_001, "2026-02-30T00:00:00Z", "2026-01-01T00:00:00+00:00",
    "2026-01-01T00:00:00.5Z", "1999-12-31T23:59:59Z", "9999-01-01T00:00:00Z", " 2026-01-01T00:00:00Z ",
    "2026-01-01T24:00:00Z", "2026-07-01T10:00:00Z", "Resolved", "RESOLVED", "closed", "acknowledged", "P1", "p1",
    "Sev-1", "sev zero", "critical", "urgency high", "high", "low", "joined", "notify_log_entry", "annotate_log_entry",
    "resolve_log_entry", "mystery_log_entry", "user_reference", "sms_notification", "web_ui", "a,b", "[x]", "{y}",
    "\u2028", "日本", 0, 1, -1, 2**31 - 1, 2**31, 2**64, 7.0, 1.5, 1e20, -0.0, True, False, [], {}, [None],
    {"summary": "named"}, {"name": "n"}, {"summary": None, "name": "x"}, {"summary": 5}, {"summary": " "},
    [{"summary": "t"}], [{"name": "Severity", "value": "SEV2"}], [{"name": "major", "value": "yes"}],
    {"severity": "P1"}, [[1]], {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}},
])
EXTRA_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**40), max_value=2**40) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=4), children, max_size=2),
    max_leaves=4,
)


@st.composite
def mutated_delivery(draw: st.DrawFn, tmp: Path) -> Path:
    """A folder of 1-3 REST files (incident pages, log-entry pages, single incidents, repeats of
    the same incidents) with values replaced, keys added or dropped, and text-level damage."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    page, log = _rich(copy.deepcopy(BASE), rng)
    docs: list[Any] = [page, log]
    if draw(st.booleans()):  # a later page repeats some incidents (the last copy wins)
        docs.append({"incidents": copy.deepcopy(page["incidents"][:4])})
    if draw(st.booleans()):
        docs.append({"incident": copy.deepcopy(page["incidents"][0]), "log_entries": log["log_entries"][:3]})
    for _ in range(draw(st.integers(0, 3))):
        doc = draw(st.sampled_from(docs))
        paths = [p for p in _leaves(doc) if p[0] in ("incidents", "log_entries", "incident")]
        if not paths:
            continue
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["value", "value", "value", "extra", "drop"]))
        if how == "value":
            _set(doc, path, draw(HOSTILE_VALUES))
        elif how == "extra" and len(path) >= 2:
            holder = doc
            for key in path[:-1]:
                holder = holder[key]
            if isinstance(holder, dict):
                holder[draw(st.sampled_from(["body", "x", "pending_actions", "priority"]))] = draw(EXTRA_VALUES)
        elif how == "drop" and len(path) >= 2:
            holder = doc
            for key in path[:-1]:
                holder = holder[key]
            if isinstance(holder, dict):
                holder.pop(path[-1], None)
    texts = [json.dumps(d, indent=draw(st.sampled_from([None, None, 2]))) for d in docs]
    damage = draw(st.sampled_from(["none", "none", "none", "trailing comma", "nan", "duplicate key", "bom",
                                   "escaped comma", "dup nested", "page extra"]))
    k = draw(st.integers(0, len(texts) - 1))
    if damage == "trailing comma":
        at = texts[k].find("}")
        texts[k] = texts[k][:at] + ", }" + texts[k][at + 1:] if at > 0 else texts[k]
    elif damage == "nan":
        texts[k] = texts[k].replace('"incident_number": 1', '"incident_number": NaN', 1).replace(
            '"limit": 100', '"limit": Infinity', 1)
    elif damage == "duplicate key":
        texts[k] = texts[k].replace('"status":', '"status": "resolved", "status":', 1)
    elif damage == "dup nested":
        texts[k] = texts[k].replace('"summary":', '"summary": "x", "summary":', 1)
    elif damage == "bom":
        texts[k] = "\ufeff" + texts[k]
    elif damage == "escaped comma":
        texts[k] = texts[k].replace(",", "\\u002c", 1) if '"title": "' not in texts[k] else texts[k].replace(
            '"title": "', '"title": "\\u002c', 1)
    elif damage == "page extra":
        texts[k] = texts[k][:-1] + ', "more": {"x": 1}}' if texts[k].endswith("}") else texts[k]
    folder = tmp / "delivery"
    folder.mkdir()
    for i, text in enumerate(texts):
        (folder / f"page-{i:02d}.json").write_text(text, encoding="utf-8")
    return folder


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), quarantine=st.booleans())
def test_bulk_and_per_record_paths_agree(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject,
                                         quarantine: bool) -> None:
    folder = data.draw(mutated_delivery(tmp_path_factory.mktemp("bulk")))
    (status, _), taken = assert_same(folder, LoadOptions(quarantine=quarantine))
    event(f"{status}, {'some' if taken else 'no'} files in bulk")


# -- examples that must take the bulk path --------------------------------------------------------------
def _write(folder: Path, docs: list[Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, doc in enumerate(docs):
        (folder / f"p{i}.json").write_text(json.dumps(doc))
    return folder


def test_the_generated_rest_shape_is_read_in_bulk(tmp_path: Path) -> None:
    page, log = _rich(copy.deepcopy(BASE), random.Random(3))
    (status, tables), taken = assert_same(_write(tmp_path / "d", [page, log]))
    assert status == "ok" and taken == 2
    assert len(tables["incidents"]) == len(BASE) and len(tables["incident_events"]) == len(log["log_entries"])


def test_repeats_across_files_keep_the_last_copy_in_both_paths(tmp_path: Path) -> None:
    page, log = pagerduty_rest(copy.deepcopy(BASE))
    later = copy.deepcopy(page)
    later["incidents"][0]["title"] = "renamed later"
    (status, tables), taken = assert_same(_write(tmp_path / "d", [page, log, later]))
    assert status == "ok" and taken == 3
    titles = {r[0]: r[4] for r in tables["incidents"]}
    assert titles[f"pagerduty:{BASE[0]['id']}"] == "renamed later"


def test_one_bad_file_goes_to_the_per_record_path_and_names_the_row(tmp_path: Path) -> None:
    page, log = pagerduty_rest(copy.deepcopy(BASE))
    bad = copy.deepcopy(page)
    bad["incidents"][2]["created_at"] = "2026-02-30T10:00:00Z"
    (status, message), taken = assert_same(_write(tmp_path / "d", [page, log, bad]))
    assert status == "error" and taken == 2
    assert message.startswith(f"{tmp_path / 'd' / 'p2.json'}, row 3, column 'created_at': ")


def test_a_lone_surrogate_in_a_title_is_one_line_naming_row_and_column(tmp_path: Path) -> None:
    page, log = pagerduty_rest(copy.deepcopy(BASE))
    page["incidents"][1]["title"] = "db \ud800 down"
    (status, message), taken = assert_same(_write(tmp_path / "d", [page, log]))
    assert status == "error" and taken == 1  # the log entries page is clean
    assert message == (f"{tmp_path / 'd' / 'p0.json'}, row 2, column 'title': contains a lone surrogate "
                       "\\ud800 (half of a UTF-16 pair), which is not text")


def test_a_lone_surrogate_is_quarantined_with_the_record_escaped(tmp_path: Path) -> None:
    page, log = pagerduty_rest(copy.deepcopy(BASE))
    page["incidents"][1]["body"] = {"details": ["x\udc00"]}
    (status, tables), _ = assert_same(_write(tmp_path / "d", [page, log]), LoadOptions(quarantine=True))
    assert status == "ok" and len(tables["incidents"]) == len(BASE) - 1
    [(_, row, column, problem, raw)] = tables["ingest_quarantine"]
    assert (row, column) == (2, "body.details[0]") and "lone surrogate \\udc00" in problem
    assert '"details":["x\\udc00"]' in raw


@pytest.mark.parametrize(("damage", "expected"), [
    (lambda t: t.replace('"limit": 100', '"limit": NaN'), "not valid JSON"),
    (lambda t: t.replace('"more": false', '"more": false, '), "not valid JSON"),
    (lambda t: t.replace('"status":', '"status": "triggered", "status":', 1), "duplicate key 'status'"),
    (lambda t: t.replace('"summary": "P', '"summary": "x", "summary": "P', 1), "duplicate key 'summary'"),
])
def test_json_the_strict_parser_refuses_is_refused(tmp_path: Path, damage: Any, expected: str) -> None:
    page, _ = pagerduty_rest(copy.deepcopy(BASE))
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "p.json").write_text(damage(json.dumps(page)))
    (status, message), taken = assert_same(folder)
    assert status == "error" and taken == 0 and expected in message


def test_the_whitespace_set_is_pythons() -> None:
    assert set(_rest_bulk.PY_WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert all(chr(c).strip() == "" for c in map(ord, _rest_bulk.PY_WHITESPACE))


def test_duckdb_strips_like_python(con: duckdb.DuckDBPyConnection) -> None:
    text = "\u3000\x1c title \u2003\x85"
    assert run(con, "SELECT trim($t, $ws)", {"t": text, "ws": _rest_bulk.PY_WHITESPACE}) == [(text.strip(),)]


def test_the_demo_worlds_rest_pages_are_read_in_bulk_and_agree(tmp_path: Path) -> None:
    """The demo's PagerDuty writer (acknowledgements, assignments, escalations, notes) is the
    realistic shape: every file goes through the bulk path, with the per-record path's rows."""
    from analytics.demo.render_incidents import write_pagerduty_rest
    from analytics.demo.world import generate

    world = generate(3, 0.2)
    folder = tmp_path / "pd"
    write_pagerduty_rest(world.incidents, world.incident_events, folder)
    (status, tables), taken = assert_same(folder)
    assert status == "ok" and taken == len(list(folder.rglob("*.json")))
    assert len(tables["incidents"]) == len(world.incidents)
    assert len(tables["incident_events"]) == len(world.incident_events)


def test_structure_verdicts() -> None:
    ok = json.dumps({"incidents": [{"id": "VARCHAR", "priority": {"summary": "VARCHAR"}, "body": {"x": ["UBIGINT"]}}],
                     "limit": "UBIGINT", "more": "BOOLEAN"})
    assert _rest_bulk.structure_verdict(ok) == "ok"
    assert _rest_bulk.structure_verdict(ok.replace('"body": {"x": ["UBIGINT"]}', '"body": "JSON"')) == "floats?"
    for bad in ('"id": "UBIGINT"', '"id": "JSON"', '"priority": "VARCHAR"', '"body": {"x": ["DOUBLE"]}'):
        assert _rest_bulk.structure_verdict(ok.replace(
            '"id": "VARCHAR"' if "id" in bad else ('"priority": {"summary": "VARCHAR"}' if "priority" in bad
                                                    else '"body": {"x": ["UBIGINT"]}'), bad)) == "no", bad
    assert _rest_bulk.structure_verdict(json.dumps({"incidents": "NULL"})) == "no"
    assert _rest_bulk.structure_verdict(json.dumps({"incidents": [], "extra": "UBIGINT"})) == "no"
    deep: Any = "UBIGINT"
    for _ in range(_rest_bulk.MAX_DEPTH + 2):
        deep = [deep]
    assert _rest_bulk.structure_verdict(json.dumps({"incidents": [{"body": deep}]})) == "no"


@pytest.mark.parametrize(("kind", "make", "records_key", "field"), [
    ("opsgenie", lambda: opsgenie_alerts(truth(6, 3)), "data", "message"),
    ("incidentio", lambda: incidentio_incidents(truth(6, 3)), "incidents", "name"),
    ("pagerduty-analytics", lambda: pagerduty_analytics(truth(6, 3), "UTC"), "data", "description"),
])
def test_a_lone_surrogate_is_one_line_in_the_other_json_loaders(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                                 kind: str, make: Any, records_key: str,
                                                                 field: str) -> None:
    doc = make()
    doc[records_key][1][field] = "half \udfff pair"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(AnalyticsError) as info:
        ingest(con, kind, [str(path)], LoadOptions(timezone="UTC"))
    assert str(info.value) == (f"{path}, row 2, column '{field}': contains a lone surrogate \\udfff "
                               "(half of a UTF-16 pair), which is not text")
