"""Sharded deliveries, superseded reloads and exact duplicate line items (issue 15, points 1, 2, 6).

A billing period delivered in several files (``part-00001.csv``, ``part-00002.csv``; GCP JSON-lines
parts) loads as one delivery; a later part never silently replaces an earlier part of the same
delivery; reloading a superseded delivery makes it current again; identical rows of a cost file are
counted, recorded and reported. Test data: the real FOCUS 1.0 and GCP samples of tests/data split
into parts here (line-wise, bytes unchanged), and the seeded GCP JSON-lines generator. Expected
numbers come from the raw bytes via Python's ``csv`` / ``json`` and ``Decimal``, never the loader.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import random
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.cli import main
from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, ingest
from analytics.warehouse import connect, run
from tests.unit import cost_inputs as ci

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data" / "cost"
FOCUS_SAMPLE = DATA / "focus" / "focus_sample_1.0.csv"
GCP_SAMPLE = DATA / "gcp" / "billing_export_sample.csv"
NANO = Decimal("1e-7")  # the warehouse keeps 10 decimals; the sample has 11 (1,000 rows × 5e-11 at most)
CENT = Decimal("0.01")

Totals = dict[tuple[str, str], Decimal]  # (billing month, provider) -> Σ BilledCost


# -- test data -------------------------------------------------------------------------------------
def sample_lines(path: Path) -> tuple[bytes, list[bytes]]:
    """Header and data lines of a sample whose records are one line each (checked with ``csv``)."""
    content = path.read_bytes()
    lines = content.splitlines(keepends=True)
    assert len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) == len(lines)
    return lines[0], lines[1:]


def split(lines: list[bytes], cuts: list[int]) -> list[list[bytes]]:
    """The lines cut at the given (sorted, distinct, inner) positions."""
    bounds = [0, *cuts, len(lines)]
    return [lines[a:b] for a, b in itertools.pairwise(bounds)]


def write_parts(
    folder: Path, header: bytes, chunks: list[list[bytes]], *, pattern: str = "part-{:05d}.csv"
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, chunk in enumerate(chunks, start=1):
        path = folder / pattern.format(i)
        path.write_bytes(header + b"".join(chunk))
        paths.append(path)
    return paths


def focus_totals(header: bytes, lines: list[bytes]) -> Totals:
    """Σ BilledCost per (billing month, provider) of FOCUS lines, via csv + Decimal."""
    out: Totals = defaultdict(Decimal)
    for row in csv.DictReader(io.StringIO((header + b"".join(lines)).decode("utf-8-sig"))):
        out[(row["BillingPeriodStart"][:7], row["ProviderName"])] += Decimal(row["BilledCost"])
    return dict(out)


def warehouse_totals(con: duckdb.DuckDBPyConnection) -> Totals:
    rows = run(
        con,
        "SELECT strftime(BillingPeriodStart, '%Y-%m'), ProviderName, sum(BilledCost) FROM cost GROUP BY ALL",
    )
    return {(str(p), str(v)): Decimal(b) for p, v, b in rows}


def redelivered(before: Totals, after: Totals) -> Totals:
    """What a re-delivery leaves: its own (period, provider) totals, and the earlier ones it does not
    carry (a delivery replaces only the periods of the provider and billing account it holds; each
    provider has one billing account in the sample)."""
    return {**{k: v for k, v in before.items() if k not in after}, **after}


def assert_totals(got: Totals, expected: Totals) -> None:
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        assert abs(got[key] - value) < NANO, key


def ledger(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return run(con, "SELECT file_id, file_name, status, superseded_by, delivery_id FROM ingest_ledger ORDER BY file_id")


@pytest.fixture(scope="module")
def focus() -> tuple[bytes, list[bytes]]:
    return sample_lines(FOCUS_SAMPLE)


# -- point 1: a delivery made of several files --------------------------------------------------------
def test_the_two_halves_of_a_real_focus_month_named_in_one_command_are_one_delivery(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, focus: tuple[bytes, list[bytes]]
) -> None:
    header, lines = focus
    parts = write_parts(tmp_path / "2024-09", header, split(lines, [500]))
    results = ingest(con, "focus", [str(p) for p in parts])
    assert [r.status for r in results] == ["loaded"]
    (result,) = results
    assert result.rows_loaded == 1000 and result.delivery_files == 2 and result.superseded_file_ids == ()
    assert "one delivery of 2 files" in result.summary()
    assert_totals(warehouse_totals(con), focus_totals(header, lines))
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    assert [(f["name"], f["rows"]) for f in details["data_files"]] == [("part-00001.csv", 500), ("part-00002.csv", 500)]
    assert ledger(con) == [(result.file_id, "2024-09 (2 files)", "loaded", None, result.file_id)]


def test_a_focus_folder_is_one_delivery_per_folder_of_parts(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, focus: tuple[bytes, list[bytes]]
) -> None:
    header, lines = focus
    write_parts(tmp_path / "export" / "BILLING_PERIOD=2024-09", header, split(lines, [250, 600, 601]))
    (tmp_path / "export" / "BILLING_PERIOD=2024-09" / "manifest.json").write_text("{}")  # not a data file
    (tmp_path / "export" / ".part-00009.csv.crc").write_bytes(b"\0\1")  # hidden: skipped
    results = ingest(con, "focus", [str(tmp_path / "export")])
    assert [(r.status, r.delivery_files, r.rows_loaded) for r in results] == [("loaded", 4, 1000)]
    assert_totals(warehouse_totals(con), focus_totals(header, lines))
    again = ingest(con, "focus", [str(tmp_path / "export")])
    assert [(r.status, r.file_id) for r in again] == [("unchanged", results[0].file_id)]


def test_an_empty_folder_is_a_one_line_usage_error(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("nothing to load")
    for kind in ("focus", "gcp-billing"):
        with pytest.raises(UsageError, match="no data files"):
            ingest(con, kind, [str(tmp_path / "empty")])
    assert run(con, "SELECT count(*) FROM ingest_ledger") == [(0,)]


def test_status_shows_the_whole_month_through_the_cli(
    tmp_path: Path, focus: tuple[bytes, list[bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    header, lines = focus
    parts = write_parts(tmp_path / "2024-09", header, split(lines, [500]))
    assert main(["ingest", "focus", *map(str, parts)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "one delivery of 2 files" in out and "replaces" not in out
    assert main(["status", "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    expected = focus_totals(header, lines)
    got = {(p["billing_period"], p["provider"]): p for p in status["cost_periods"]}
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        assert Decimal(str(got[key]["billed"])).quantize(CENT) == value.quantize(CENT), key
        assert (got[key]["files"], got[key]["deliveries"], got[key]["reconciled"]) == (1, 1, True)
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    september = sum(v for (m, _), v in expected.items() if m == "2024-09")
    assert f"{expected[('2024-09', 'AWS')]:,.2f}" in text and september > expected[("2024-09", "AWS")]


def test_gcp_json_lines_parts_load_as_one_delivery(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = ci.gcp_records(15, n=30, others=6)
    folder = tmp_path / "gcs" / "billing"
    folder.mkdir(parents=True)
    for i, cut in enumerate(split(records, [10, 21])):  # type: ignore[arg-type]
        (folder / f"billing-{i:012d}.json").write_bytes(ci.gcp_jsonl(cut))
    (result,) = ingest(con, "gcp-billing", [str(folder)])
    assert (result.status, result.delivery_files, result.rows_loaded) == ("loaded", 3, 36)
    assert ci.cost_totals(con, result.file_id, period="x_InvoiceMonth") == ci.gcp_expected(records)
    # the same parts named one by one in one command are the same delivery: nothing to do
    again = ingest(con, "gcp-billing", sorted(str(p) for p in folder.iterdir()))
    assert [(r.status, r.file_id) for r in again] == [("unchanged", result.file_id)]


def test_the_real_gcp_sample_split_in_two_is_one_delivery(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    header, lines = sample_lines(GCP_SAMPLE)
    parts = write_parts(tmp_path / "gcp", header, split(lines, [3]), pattern="export-{}.csv")
    (result,) = ingest(con, "gcp-billing", [str(p) for p in parts])
    rows = list(csv.DictReader(io.StringIO(GCP_SAMPLE.read_text("utf-8"))))
    months = Counter(r["invoice.month"] for r in rows)
    got = run(con, "SELECT x_InvoiceMonth, count(*), count(DISTINCT source_file_id) FROM cost GROUP BY 1 ORDER BY 1")
    assert got == [(m, n, 1) for m, n in sorted(months.items())]
    assert result.delivery_files == 2 and result.rows_loaded == len(rows)


# -- parts of one period in separate commands ----------------------------------------------------------
def test_a_later_part_from_the_same_folder_joins_the_current_delivery(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, focus: tuple[bytes, list[bytes]]
) -> None:
    header, lines = focus
    first, second = write_parts(tmp_path / "2024-09", header, split(lines, [500]))
    (a,) = ingest(con, "focus", [str(first)])
    (b,) = ingest(con, "focus", [str(second)])
    assert b.superseded_file_ids == () and b.delivery_id == a.file_id
    assert f"part of delivery {a.file_id}" in b.summary() and "2 files" in b.summary()
    assert ledger(con) == [
        (a.file_id, "part-00001.csv", "loaded", None, a.file_id),
        (b.file_id, "part-00002.csv", "loaded", None, a.file_id),
    ]
    assert_totals(warehouse_totals(con), focus_totals(header, lines))
    # the whole folder afterwards is the same delivery: nothing to do
    assert [r.status for r in ingest(con, "focus", [str(tmp_path / "2024-09")])] == ["unchanged"]
    # a re-delivery from another folder replaces both parts, and says so
    rerun = write_parts(tmp_path / "rerun", header, split(lines[:700], [300]))
    (c,) = ingest(con, "focus", [str(tmp_path / "rerun")])
    assert c.superseded_file_ids == (a.file_id, b.file_id) and "replaces file" in c.summary()
    assert_totals(warehouse_totals(con), redelivered(focus_totals(header, lines), focus_totals(header, lines[:700])))
    assert len(rerun) == 2


def test_a_part_with_a_name_already_in_the_delivery_is_a_redelivery(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, focus: tuple[bytes, list[bytes]]
) -> None:
    header, lines = focus
    (first,) = write_parts(tmp_path / "2024-09", header, [lines[:500]])
    (a,) = ingest(con, "focus", [str(first)])
    first.write_bytes(header + b"".join(lines[100:800]))  # the export rewrote part-00001.csv
    (b,) = ingest(con, "focus", [str(first)])
    assert b.superseded_file_ids == (a.file_id,) and b.delivery_id == b.file_id
    assert "re-delivery" in b.summary()
    assert_totals(
        warehouse_totals(con), redelivered(focus_totals(header, lines[:500]), focus_totals(header, lines[100:800]))
    )


def test_option_delivery_replace_makes_a_part_a_redelivery(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, focus: tuple[bytes, list[bytes]]
) -> None:
    header, lines = focus
    first, second = write_parts(tmp_path / "2024-09", header, split(lines, [400]))
    (a,) = ingest(con, "focus", [str(first)])
    (b,) = ingest(con, "focus", [str(second)], LoadOptions(extra={"delivery": "replace"}))
    assert b.superseded_file_ids == (a.file_id,)
    first_only, second_only = focus_totals(header, lines[:400]), focus_totals(header, lines[400:])
    assert_totals(warehouse_totals(con), redelivered(first_only, second_only))
    with pytest.raises(UsageError, match="delivery"):
        ingest(con, "focus", [str(first)], LoadOptions(extra={"delivery": "sometimes"}))


def test_differently_named_files_of_one_folder_are_separate_deliveries_in_the_order_named(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, focus: tuple[bytes, list[bytes]]
) -> None:
    header, lines = focus
    folder = tmp_path / "monthly"
    folder.mkdir()
    (folder / "september.csv").write_bytes(header + b"".join(lines))
    (folder / "september-restated.csv").write_bytes(header + b"".join(lines[:300]))
    results = ingest(con, "focus", [str(folder / "september.csv"), str(folder / "september-restated.csv")])
    assert [(r.file.name, r.superseded_file_ids) for r in results] == [
        ("september.csv", ()),
        ("september-restated.csv", (results[0].file_id,)),
    ]
    assert_totals(warehouse_totals(con), redelivered(focus_totals(header, lines), focus_totals(header, lines[:300])))


# -- point 2: reloading a superseded delivery ----------------------------------------------------------
@pytest.mark.parametrize("sharded", [False, True])
def test_reloading_a_superseded_delivery_makes_it_current_again(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, focus: tuple[bytes, list[bytes]], sharded: bool
) -> None:
    header, lines = focus
    write_parts(tmp_path / "a", header, split(lines, [500]) if sharded else [lines])
    write_parts(tmp_path / "b", header, [lines[:600]])  # AWS rows only: replaces AWS September
    (a,) = ingest(con, "focus", [str(tmp_path / "a")])
    (b,) = ingest(con, "focus", [str(tmp_path / "b")])
    assert b.superseded_file_ids == (a.file_id,)
    assert_totals(warehouse_totals(con), redelivered(focus_totals(header, lines), focus_totals(header, lines[:600])))
    (again,) = ingest(con, "focus", [str(tmp_path / "a")])
    # A's own rows that B left (the other providers) are replaced by A's new load too
    assert again.status == "loaded" and again.superseded_file_ids == (a.file_id, b.file_id)
    assert_totals(warehouse_totals(con), focus_totals(header, lines))
    statuses = run(con, "SELECT file_id, status, superseded_by FROM ingest_ledger ORDER BY file_id")
    assert statuses == [
        (a.file_id, "superseded", again.file_id),
        (b.file_id, "superseded", again.file_id),
        (again.file_id, "loaded", None),
    ]
    before = ci.snapshot(con)
    (noop,) = ingest(con, "focus", [str(tmp_path / "a")])  # the current one again: nothing to do
    assert (noop.status, noop.file_id) == ("unchanged", again.file_id)
    assert ci.snapshot(con) == before


# -- point 6: exact duplicate line items -----------------------------------------------------------------
def test_exact_duplicate_rows_are_counted_recorded_and_reported(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, focus: tuple[bytes, list[bytes]], caplog: pytest.LogCaptureFixture
) -> None:
    header, lines = focus
    rng = random.Random(15)
    doubled = list(lines)
    for line in rng.sample(lines, 7):
        doubled.insert(rng.randrange(len(doubled) + 1), line)
    doubled.insert(rng.randrange(len(doubled) + 1), doubled[0])  # one line three times (two duplicates)
    expected_duplicates = sum(n - 1 for n in Counter(doubled).values())
    assert expected_duplicates == 8
    (path,) = write_parts(tmp_path / "dup", header, [doubled])
    with caplog.at_level(logging.WARNING):
        (result,) = ingest(con, "focus", [str(path)])
    assert result.duplicate_rows == expected_duplicates
    first_twin = next(i for i, line in enumerate(doubled, start=1) if line in doubled[: i - 1])
    message = f"{expected_duplicates} exact duplicate rows loaded as delivered (first: row {first_twin})"
    assert message in result.summary()
    assert any("exact duplicate rows" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    # loaded as delivered: the totals are the file's, duplicates included, and they reconcile
    assert_totals(warehouse_totals(con), focus_totals(header, doubled))
    assert run(con, "SELECT duplicate_rows, reconciled FROM ingest_ledger") == [(expected_duplicates, True)]


def test_status_flags_a_period_with_duplicate_rows(
    tmp_path: Path, focus: tuple[bytes, list[bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    header, lines = focus
    (path,) = write_parts(tmp_path / "dup", header, [[*lines, lines[3], lines[3]]])
    assert main(["ingest", "focus", str(path)]) == 0
    assert "2 exact duplicate rows" in capsys.readouterr().out
    assert main(["status", "--format", "json"]) == 0
    periods = json.loads(capsys.readouterr().out)["cost_periods"]
    provider = next(csv.DictReader(io.StringIO((header + lines[3]).decode())))["ProviderName"]
    flagged = {(p["billing_period"], p["provider"]): p["duplicate_rows"] for p in periods}
    assert flagged[("2024-09", provider)] == 2
    assert main(["status"]) == 0
    assert "2 duplicate rows" in capsys.readouterr().out


def test_duplicates_refuse_names_the_row_and_changes_nothing(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, focus: tuple[bytes, list[bytes]]
) -> None:
    header, lines = focus
    (path,) = write_parts(tmp_path / "dup", header, [[*lines[:10], lines[4], *lines[10:]]])
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "focus", [str(path)], LoadOptions(extra={"duplicates": "refuse"}))
    assert err.value.row == 11 and "repeats row 5" in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)
    assert ci.snapshot(con) == before


def test_gcp_json_duplicates_are_counted(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = ci.gcp_records(3, n=12)
    content = ci.gcp_jsonl([*records, records[2], records[7]])
    path = tmp_path / "billing.jsonl"
    path.write_bytes(content)
    (result,) = ingest(con, "gcp-billing", [str(path)])
    assert result.duplicate_rows == sum(n - 1 for n in Counter(content.splitlines()).values()) == 2
    expected = ci.gcp_expected([*records, records[2], records[7]])
    assert ci.cost_totals(con, result.file_id, period="x_InvoiceMonth") == expected


@pytest.mark.parametrize(
    ("kind", "sample"),
    [("aws-cur", DATA / "aws" / "cur_legacy_sample.csv"), ("azure", DATA / "azure" / "ea_sample.csv")],
)
def test_real_cur_and_azure_samples_with_repeated_lines_count_them(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, kind: str, sample: Path
) -> None:
    header, lines = sample_lines(sample)
    rng = random.Random(6)
    doubled = list(lines)
    for line in rng.sample(lines, 3):
        doubled.insert(rng.randrange(len(doubled) + 1), line)
    path = tmp_path / sample.name
    path.write_bytes(header + b"".join(doubled))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError, match="repeats row"):
        ingest(con, kind, [str(path)], LoadOptions(extra={"duplicates": "refuse"}))
    assert ci.snapshot(con) == before
    (result,) = ingest(con, kind, [str(path)])
    assert result.duplicate_rows == sum(n - 1 for n in Counter(doubled).values()) == 3
    assert result.rows_loaded == len(doubled)


# -- hostile input -------------------------------------------------------------------------------------
HOSTILE = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@HOSTILE
@given(data=st.data())
def test_any_split_of_the_sample_loads_to_the_full_month(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    header, lines = sample_lines(FOCUS_SAMPLE)
    n = len(lines)
    cuts = sorted(data.draw(st.sets(st.integers(1, n - 1), min_size=0, max_size=5), label="cuts"))
    doubled = data.draw(st.lists(st.integers(0, n - 1), max_size=3), label="duplicated lines")
    chunks = split(lines, cuts)
    for i in doubled:
        chunks[i % len(chunks)].append(lines[i])
    folder = tmp_path_factory.mktemp("parts") / "2024-09"
    paths = write_parts(folder, header, chunks)
    order = data.draw(st.permutations(paths), label="argument order")
    how = data.draw(st.sampled_from(["files", "folder", "one by one"]), label="how")
    con = connect(":memory:")
    try:
        if how == "files":
            results = ingest(con, "focus", [str(p) for p in order])
        elif how == "folder":
            results = ingest(con, "focus", [str(folder)])
        else:
            results = [r for p in order for r in ingest(con, "focus", [str(p)])]
        everything = [line for chunk in chunks for line in chunk]
        assert_totals(warehouse_totals(con), focus_totals(header, everything))
        assert sum(r.duplicate_rows for r in results) == sum(
            sum(m - 1 for m in Counter(chunk).values()) for chunk in chunks
        )
        assert all(r.superseded_file_ids == () for r in results)
        before = ci.snapshot(con)
        for again in ([str(folder)], [str(p) for p in order]):
            assert {r.status for r in ingest(con, "focus", again)} == {"unchanged"}
        assert ci.snapshot(con) == before
    finally:
        con.close()


@HOSTILE
@given(data=st.data())
def test_a_bad_part_refuses_the_whole_delivery(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    header, lines = sample_lines(FOCUS_SAMPLE)
    chunks = split(lines, sorted(data.draw(st.sets(st.integers(1, len(lines) - 1), min_size=1, max_size=4))))
    folder = tmp_path_factory.mktemp("parts") / "2024-09"
    paths = write_parts(folder, header, chunks)
    victim = data.draw(st.sampled_from(paths), label="bad part")
    raw = victim.read_bytes()
    how = data.draw(st.sampled_from(["truncate", "bad amount", "header only", "missing column"]), label="how")
    if how == "truncate":
        raw = raw[: data.draw(st.integers(1, len(header) - 1))]
    elif how == "bad amount":
        raw = raw.replace(b",0.0", b",1e999", 1) if b",0.0" in raw else raw[: len(header)] + b'"x"' + raw[len(header) :]
    elif how == "missing column":
        raw = raw.replace(b'"BilledCost"', b'"BilledCosts"', 1)
    else:
        raw = header
    victim.write_bytes(raw)
    con = connect(":memory:")
    try:
        write_parts(folder.parent / "earlier", header, [lines[:50]])
        ingest(con, "focus", [str(folder.parent / "earlier")])
        before = ci.snapshot(con)
        with pytest.raises((ExportFormatError, UsageError)) as err:
            ingest(con, "focus", [str(folder)])
        assert "\n" not in str(err.value)
        assert ci.snapshot(con) == before
    finally:
        con.close()
