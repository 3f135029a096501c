"""Hostile input for the DevLake raw-table reader (issue 13.11): the real PagerDuty and Opsgenie raw
tables with one mutation each — a ``data`` cell that is not strict JSON (cut, a key twice, NaN), a
ragged row, a renamed header, a field of the API object set to nonsense, invalid UTF-8, a cut file.
The load must refuse on one line naming the file (and the row and column of a row-level problem)
with the warehouse untouched, or — with ``--quarantine`` — set exactly that row aside and load the
others."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analytics
from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, ingest
from analytics.warehouse import run
from tests.conftest import TEST_DATA
from tests.unit import cost_inputs as ci

pytestmark = pytest.mark.unit

SAMPLES = {
    "pagerduty": TEST_DATA / "incidents" / "devlake" / "pagerduty" / "_raw_pagerduty_incidents.csv",
    "opsgenie": TEST_DATA / "incidents" / "devlake" / "opsgenie" / "_raw_opsgenie_incidents.csv",
}
FIELDS = {"pagerduty": ("created_at", "status"), "opsgenie": ("createdAt", "status")}
NONSENSE = st.sampled_from(["yesterday", "", "2026-13-45T00:00:00Z", "💸", "9999-01-01T00:00:00Z"])
MUTATIONS = ("cut_json", "twice", "nan", "ragged", "header", "field", "utf8", "truncate")


def table(kind: str) -> list[list[str]]:
    csv.field_size_limit(1 << 24)
    return list(csv.reader(io.StringIO(SAMPLES[kind].read_text("utf-8"), newline="")))


def write_rows(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> tuple[bytes, str, int | None, str | None]:
    """(file bytes, mutation, row it hits, column it names) of one mutation of a real raw table."""
    rows = table(kind)
    how = draw(st.sampled_from(MUTATIONS))
    r = draw(st.integers(1, len(rows) - 1))
    data = rows[r][2]
    if how == "cut_json":
        rows[r][2] = data[: draw(st.integers(1, len(data) - 1))]
        return write_rows(rows), how, r, "data"
    if how == "twice":
        rows[r][2] = data[:-1] + ', "status": "resolved"}'
        return write_rows(rows), how, r, "data"
    if how == "nan":
        rows[r][2] = data[:-1] + ', "x_score": NaN}'
        return write_rows(rows), how, r, "data"
    if how == "ragged":
        rows[r] = rows[r][:-1]
        return write_rows(rows), how, r, None
    if how == "header":
        rows[0][2] = "payload"
        return write_rows(rows), how, None, None
    if how == "field":
        obj = json.loads(data)
        field = draw(st.sampled_from(FIELDS[kind]))
        obj[field] = draw(NONSENSE)
        rows[r][2] = json.dumps(obj)
        return write_rows(rows), how, r, field
    content = write_rows(rows)
    if how == "utf8":
        at = content.index(b'"', len(content) // 2)
        return content[:at] + b"\xff" + content[at:], how, None, None
    return content[: draw(st.integers(0, len(content) - 1))], how, None, None


HOSTILE = settings(max_examples=30, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip


@HOSTILE
@given(kind=st.sampled_from(sorted(SAMPLES)), data=st.data(), quarantine=st.booleans())
def test_hostile_devlake_raw_tables(tmp_path_factory: pytest.TempPathFactory, kind: str, data: st.DataObject,
                                    quarantine: bool) -> None:  # fmt: skip
    content, how, row, column = data.draw(mutated(kind))
    path = tmp_path_factory.mktemp("devlake") / SAMPLES[kind].name
    path.write_bytes(content)
    con = analytics.connect(":memory:")
    try:
        _check(con, kind, path, how, row, column, quarantine)
    finally:
        con.close()


def _check(con: duckdb.DuckDBPyConnection, kind: str, path: Path, how: str, row: int | None, column: str | None,
           quarantine: bool) -> None:  # fmt: skip
    before = ci.snapshot(con)
    total = len(table(kind)) - 1
    row_level = how in ("cut_json", "twice", "nan", "ragged", "field")
    try:
        (result,) = ingest(con, kind, [str(path)], LoadOptions(quarantine=quarantine))
    except (ExportFormatError, UsageError) as exc:
        message = str(exc)
        assert "\n" not in message and path.name in message, message
        assert ci.snapshot(con) == before, "a refused load leaves the warehouse untouched"
        assert not (quarantine and row_level and how != "field"), f"a bad row must be set aside: {message}"
        if row_level and isinstance(exc, ExportFormatError) and not quarantine:
            assert exc.row == row, message
            if column is not None and how != "field":
                assert exc.column == column, message
        return
    assert how in ("field", "truncate") or (quarantine and row_level), f"{how} must not load"
    if quarantine and row_level and how != "field":
        assert (result.rows_loaded, result.rows_quarantined) == (total - 1, 1)
        assert run(con, "SELECT row_number FROM ingest_quarantine") == [(row,)]
