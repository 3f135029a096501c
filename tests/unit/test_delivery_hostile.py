"""Property tests: the delivery and SLO loaders fed malformed or hostile input — random bytes, other
encodings, truncated files, JSON / YAML values of the wrong type, huge fields, mangled CSV cells —
either load cleanly or fail with a one-line ExportFormatError / UsageError, and a failed load leaves
the warehouse (canonical tables, pipeline runs, ledger) untouched."""

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
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import AnalyticsError
from analytics.sources import LoadOptions, ingest
from analytics.warehouse import run
from tests.unit.test_delivery_loaders import state

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data" / "delivery"


def _json_list(*names: str) -> Callable[[], bytes]:
    def make() -> bytes:
        items: list[Any] = []
        for name in names:
            doc = json.loads((DATA / name).read_text())
            items += doc if isinstance(doc, list) else [doc]
        return json.dumps(items).encode()
    return make


# kind -> (file suffix, valid content)
BASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "github-actions": (".json", lambda: (DATA / "actions" / "runs-page-1.json").read_bytes()),
    "github-deployments": (".json", _json_list("deployments/deployments.json", "deployments/statuses.json",
                                               "deployments/pushes.json", "deployments/compare-503-504.json",
                                               "deployments/webhook-events.json")),
    "deployments-csv": (".csv", lambda: (DATA / "deployments.csv").read_bytes()),
    "changes-csv": (".csv", lambda: (DATA / "changes.csv").read_bytes()),
    "openslo": (".yaml", lambda: (DATA / "slo" / "slos.yaml").read_bytes()),
    "sli": (".csv", lambda: (DATA / "slo" / "sli.csv").read_bytes()),
}

HOSTILE_TEXT = st.sampled_from(["2026-13-45T99:00:00Z", "", "?", "0000-00-00", "1e999", "\x00", "-1", "NaN",
                                "9999-01-01T00:00:00Z", "2026-07-01T10:00:00", "ｆｕｌｌｗｉｄｔｈ",
                                "'; DROP TABLE sli; --", "deadbeef" * 9, "../../etc/passwd", "\u202e\u0000"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=20) | HOSTILE_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a JSON / YAML document."""
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
def tree_mutation(draw: st.DrawFn, doc: Any) -> Any:
    """A document with one or two values replaced by a value of another type, a huge string or a long list."""
    for _ in range(draw(st.integers(1, 2))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths)) if paths else ()
        value = draw(JSON_VALUES | st.just("x" * 300_000) | st.just([None] * 50) | st.just({"deep": [[[[[1]]]]]}))
        doc = _set(copy.deepcopy(doc), path, value)
    return doc


@st.composite
def csv_mutation(draw: st.DrawFn, base: bytes) -> bytes:
    """A CSV with a mangled cell, a dropped or duplicated column, a ragged row or a mangled header."""
    table = list(csv.reader(io.StringIO(base.decode("utf-8-sig"), newline="")))
    how = draw(st.sampled_from(["cell", "cell", "drop", "dup", "ragged", "header"]))
    if how == "cell" and len(table) > 1:
        r = draw(st.integers(1, len(table) - 1))
        c = draw(st.integers(0, len(table[r]) - 1))
        table[r][c] = draw(st.text(max_size=30) | HOSTILE_TEXT | st.sampled_from(['"', "\n", "x" * 200_000, "1.5",
                                                                                 "99999999999999999999"]))
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
def yaml_mutation(draw: st.DrawFn, base: bytes) -> bytes:
    """YAML with a value of the wrong type, a dropped document, or YAML-only hostility (tags, aliases, tabs)."""
    docs = list(yaml.safe_load_all(base))
    how = draw(st.sampled_from(["value", "value", "drop", "tag", "alias", "tab", "deep"]))
    if how == "value":
        return yaml.safe_dump_all(draw(tree_mutation(docs)), sort_keys=False).encode()
    if how == "drop":
        docs.pop(draw(st.integers(0, len(docs) - 1)))
        return yaml.safe_dump_all(docs, sort_keys=False).encode()
    text = base.decode()
    if how == "tag":
        return text.replace("target: 0.999", "target: !!python/object/apply:os.system ['true']").encode()
    if how == "alias":
        return text.replace("alertPolicies: []", "alertPolicies: &loop [*loop]").encode()
    if how == "tab":
        return text.replace("  service: checkout", "\tservice: checkout").encode()
    return text.replace("description: Successful checkout requests",
                        "description: " + "[" * 2000 + "]" * 2000).encode()


@st.composite
def hostile(draw: st.DrawFn, kind: str) -> bytes:
    """Any of: random bytes, text in another encoding, a truncated valid file, a type-mutated file."""
    suffix, make = BASES[kind]
    base = make()
    choice = draw(st.sampled_from(["bytes", "encoding", "truncate", "mutate", "mutate", "mutate"]))
    if choice == "bytes":
        return draw(st.binary(max_size=400))
    if choice == "encoding":
        return base.decode("utf-8-sig").encode(draw(st.sampled_from(["utf-16", "utf-32", "cp1252", "latin-1"])),
                                               errors="replace")
    if choice == "truncate":
        return base[: draw(st.integers(0, max(len(base) - 1, 0)))]
    if suffix == ".json":
        return json.dumps(draw(tree_mutation(json.loads(base)))).encode()
    if suffix == ".yaml":
        return draw(yaml_mutation(base))
    return draw(csv_mutation(base))


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
    lineage = "source_file_id NOT IN (SELECT file_id FROM ingest_ledger)"
    for table in ("deployments", "changes", "slos", "sli", "pipeline_runs"):
        assert run(con, f"SELECT count(*) FROM {table} WHERE {lineage}") == [(0,)]
    assert run(con, "SELECT count(*) FROM sli WHERE good > total OR good < 0 "
                    "OR interval_end <= interval_start") == [(0,)]
    assert run(con, "SELECT count(*) FROM slos WHERE target <= 0 OR target >= 1") == [(0,)]
    assert run(con, "SELECT count(*) FROM deployments WHERE status NOT IN "
                    "('success', 'failure', 'cancelled', 'in_progress')") == [(0,)]


@pytest.mark.parametrize("kind", sorted(BASES))
@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_input_fails_cleanly_or_loads_cleanly(con: duckdb.DuckDBPyConnection,
                                                      tmp_path_factory: pytest.TempPathFactory, kind: str,
                                                      data: st.DataObject) -> None:
    body = data.draw(hostile(kind))
    path = tmp_path_factory.mktemp("hostile") / f"export{BASES[kind][0]}"
    path.write_bytes(body)
    _check(con, path, kind, LoadOptions(timezone="UTC"))


@pytest.mark.parametrize("kind", sorted(BASES))
def test_the_unmangled_bases_load(con: duckdb.DuckDBPyConnection, tmp_path: Path, kind: str) -> None:
    suffix, make = BASES[kind]
    path = tmp_path / f"export{suffix}"
    path.write_bytes(make())
    result = ingest(con, kind, [str(path)], LoadOptions(timezone="UTC"))[0]
    assert result.status == "loaded" and result.rows_loaded >= 1


@pytest.mark.parametrize(("kind", "good"), [("github-deployments", "deployments"), ("openslo", "slo")])
def test_a_folder_with_one_bad_file_writes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path, kind: str,
                                                   good: str) -> None:
    folder = tmp_path / "delivery"
    folder.mkdir()
    suffix, make = BASES[kind]
    (folder / f"a{suffix}").write_bytes(make())
    (folder / f"b{suffix}").write_bytes(b"{\"truncated\": " if suffix == ".json" else b"kind: [unclosed\n")
    before = state(con)
    with pytest.raises(AnalyticsError, match=rf"b\{suffix}: not valid (JSON|YAML)"):
        ingest(con, kind, [str(folder)], LoadOptions(timezone="UTC"))
    assert state(con) == before
    _ = good
