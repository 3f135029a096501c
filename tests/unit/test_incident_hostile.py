"""Property tests: every incident loader fed malformed or hostile input (random bytes, truncated
files, wrong JSON types, odd encodings, huge fields, mangled CSV cells) either loads cleanly or
fails with a one-line ExportFormatError / UsageError — and then leaves the warehouse untouched."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import AnalyticsError
from analytics.sources import LoadOptions, ingest
from analytics.sources._files import RowError
from analytics.sources.incidents import pagerduty
from analytics.warehouse import run
from tests.conftest import TEST_DATA
from tests.unit.test_incident_generators import (
    incidentio_csv,
    incidentio_incidents,
    jira_csv,
    opsgenie_alerts,
    opsgenie_csv,
    pagerduty_analytics,
    pagerduty_csv,
    pagerduty_rest,
    servicenow_table,
    truth,
)
from tests.unit.test_incident_loaders import state

pytestmark = pytest.mark.unit

RECORDS = truth(21, 3)
MAPPING = ("source: myitsm\ntimezone: UTC\ncolumns: {source_id: Id, created_at: Opened, resolved_at: Closed, "
           "severity: Sev, title: Title, reopen_count: Reopens, responders: People}\n")


def _pd_rest() -> bytes:
    page, log = pagerduty_rest(RECORDS)
    return json.dumps({**page, **log}).encode()


def _statuspage() -> bytes:
    return json.dumps({"page": {"name": "GitHub"}, "incident": {
        "id": "abc", "name": "Git down", "status": "resolved", "impact": "major", "created_at": "2021-01-01T10:00:00Z",
        "started_at": "2021-01-01T09:58:00Z", "resolved_at": "2021-01-01T11:00:00.123Z", "monitoring_at": None,
        "components": [{"name": "Git Operations"}],
        "incident_updates": [{"id": "u", "status": "resolved", "display_at": "2021-01-01T11:00:00Z"}]}}).encode()


def _mapped() -> bytes:
    return (b"Id,Opened,Closed,Sev,Title,Reopens,People\nA,2026-07-01T10:00:00,2026-07-01T11:00:00,2,x,0,a,b\n"
            .replace(b"a,b", b"\"a,b\""))


# kind -> (file suffix, valid content)
BASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "pagerduty": (".json", _pd_rest),
    "pagerduty-analytics": (".json", lambda: json.dumps(pagerduty_analytics(RECORDS, "UTC")).encode()),
    "pagerduty-analytics+csv": (".csv", lambda: pagerduty_csv(RECORDS, "UTC").encode()),
    "opsgenie": (".json", lambda: json.dumps(opsgenie_alerts(RECORDS)).encode()),
    "jira": (".csv", lambda: jira_csv(RECORDS, "UTC")),
    "servicenow": (".csv", lambda: servicenow_table(RECORDS, "UTC", month_first=False).encode()),
    "servicenow+eventlog": (".csv", lambda: b"".join(
        (TEST_DATA / "incidents" / "servicenow_incident_event_log_sample.csv").read_bytes().splitlines(True)[:40])),
    "opsgenie+csv": (".csv", lambda: opsgenie_csv(RECORDS).encode()),
    "incidentio+csv": (".csv", lambda: incidentio_csv(RECORDS).encode()),
    "incidentio": (".json", lambda: json.dumps(incidentio_incidents(RECORDS)).encode()),
    "statuspage": (".json", _statuspage),
    "mapped-csv": (".csv", _mapped),
}

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.sampled_from(["2026-13-45T99:00:00Z", "", "?", "0000-00-00", "1e999", "\x00", "P9", "9999-01-01T00:00:00Z"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a JSON document."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += _paths(v, (*prefix, i))
    return found


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@st.composite
def json_mutation(draw: st.DrawFn, base: bytes) -> bytes:
    """Valid JSON with one or two values replaced by a value of another type (or a huge string)."""
    doc = json.loads(base)
    for _ in range(draw(st.integers(1, 2))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths)) if paths else ()
        value = draw(JSON_VALUES | st.just("x" * 300_000) | st.just([None] * 50))
        doc = _set(copy.deepcopy(doc), path, value)
    return json.dumps(doc).encode()


@st.composite
def csv_mutation(draw: st.DrawFn, base: bytes) -> bytes:
    """A CSV with a mangled cell, a dropped or duplicated column, or a ragged row."""
    text = base.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    how = draw(st.sampled_from(["cell", "drop", "dup", "ragged", "header"]))
    if how == "cell" and len(table) > 1:
        r = draw(st.integers(1, len(table) - 1))
        c = draw(st.integers(0, len(table[r]) - 1))
        table[r][c] = draw(st.text(max_size=30) | st.sampled_from(['"', "\n", "?", "31/Feb/26 1:00 PM",
                                                                   "13-13-2026 10:00", "x" * 200_000]))
    elif how == "drop":
        c = draw(st.integers(0, len(table[0]) - 1))
        table = [row[:c] + row[c + 1:] for row in table]
    elif how == "dup":
        table[0] = [table[0][0], *table[0][:-1]]
    elif how == "ragged" and len(table) > 1:
        table[-1] = table[-1][:-1]
    else:
        table[0] = [draw(st.text(max_size=10)) for _ in table[0]]
    out = io.StringIO()
    csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(table)
    return out.getvalue().encode("utf-8")


@st.composite
def hostile(draw: st.DrawFn, kind: str) -> bytes:
    """Any of: random bytes, text in another encoding, a truncated valid file, a type-mutated file."""
    suffix, make = BASES[kind]
    base = make()
    choice = draw(st.sampled_from(["bytes", "encoding", "truncate", "mutate", "mutate", "mutate"]))
    if choice == "bytes":
        return draw(st.binary(max_size=400))
    if choice == "encoding":
        return base.decode("utf-8-sig").encode(draw(st.sampled_from(["utf-16", "utf-32", "cp1252"])),
                                               errors="replace")
    if choice == "truncate":
        return base[: draw(st.integers(0, max(len(base) - 1, 0)))]
    return draw(json_mutation(base) if suffix == ".json" else csv_mutation(base))


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING)
    return path


def _check(con: duckdb.DuckDBPyConnection, path: Path, kind: str, options: LoadOptions) -> None:
    before = state(con)
    try:
        results = ingest(con, kind, [str(path)], options)
    except AnalyticsError as exc:
        message = str(exc)
        assert message.strip() and "\n" not in message, f"error messages are one clear line: {message!r}"
        assert state(con) == before, "a failing file leaves the warehouse untouched"
        return
    assert all(r.status in ("loaded", "unchanged") for r in results)
    assert run(con, "SELECT count(*) FROM incidents WHERE source_file_id NOT IN (SELECT file_id FROM ingest_ledger) "
                    "OR (resolved_at < created_at) OR severity NOT IN ('SEV1','SEV2','SEV3','SEV4','SEV5')") == [(0,)]
    assert run(con, "SELECT count(*) FROM incident_events e ANTI JOIN incidents i USING (incident_id)") == [(0,)]


@pytest.mark.parametrize("kind", sorted(BASES))
@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_input_fails_cleanly_or_loads_cleanly(con: duckdb.DuckDBPyConnection, tmp_path_factory:
                                                      pytest.TempPathFactory, mapping: Path, kind: str,
                                                      data: st.DataObject) -> None:
    body = data.draw(hostile(kind))
    suffix = BASES[kind][0]
    path = tmp_path_factory.mktemp("hostile") / f"export{suffix}"
    path.write_bytes(body)
    real_kind = kind.split("+")[0]
    _check(con, path, real_kind, LoadOptions(timezone="UTC", mapping=mapping if kind == "mapped-csv" else None))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_log_entry_fast_path_agrees_with_the_general_path(data: st.DataObject) -> None:
    """Entries the fast path takes give exactly the general path's event; the rest it hands over."""
    entry = json.loads(data.draw(json_mutation(json.dumps(_pd_rest_entry(data)).encode())))
    try:
        fast = pagerduty._plain_log_entry(entry, None)
    except RowError:
        fast = None
    if fast is not None:
        assert fast == pagerduty.log_entry_event(entry, zone=None)


def _pd_rest_entry(data: st.DataObject) -> dict[str, Any]:
    _, log = pagerduty_rest(RECORDS)
    entry: dict[str, Any] = data.draw(st.sampled_from(log["log_entries"]))
    return entry


@pytest.mark.parametrize("kind", sorted(BASES))
def test_the_unmangled_bases_load(con: duckdb.DuckDBPyConnection, tmp_path: Path, mapping: Path, kind: str) -> None:
    suffix, make = BASES[kind]
    path = tmp_path / f"export{suffix}"
    path.write_bytes(make())
    options = LoadOptions(timezone="UTC", mapping=mapping if kind == "mapped-csv" else None)
    result = ingest(con, kind.split("+")[0], [str(path)], options)[0]
    assert result.rows_loaded >= 1


@pytest.mark.parametrize("kind", ["pagerduty", "statuspage", "opsgenie", "incidentio", "pagerduty-analytics"])
def test_a_folder_with_one_bad_file_writes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "delivery"
    folder.mkdir()
    (folder / "a.json").write_bytes(BASES[kind][1]())
    (folder / "b.json").write_bytes(b"{\"truncated\": ")
    before = state(con)
    with pytest.raises(AnalyticsError, match=r"b\.json: not valid JSON"):
        ingest(con, kind, [str(folder)], LoadOptions(timezone="UTC"))
    assert state(con) == before
