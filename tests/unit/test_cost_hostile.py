"""Property tests: every cost loader fed malformed and hostile input.

Each example starts from a small valid file made by a seeded generator (:mod:`tests.unit.cost_inputs`)
and applies one mutation: truncation at a random byte, an amount / date / JSON cell flipped to text
or to a value of the wrong type, invalid UTF-8, a UTF-16 encoding or BOM, a 1 MB field, a dropped
(required) column, NUL bytes. The load must then either

* succeed and reconcile: the ledger says reconciled, and the warehouse holds exactly the totals an
  independent Decimal parse of the mutated file gives (a harmless mutation must succeed); or
* raise the project's :class:`~analytics.errors.ExportFormatError` (or ``UsageError``) on one line,
  naming the file and, for a row-level problem, the row and column that were mutated;

and a failed load leaves every table of the warehouse (cost, ledger, …) byte-for-byte as it was.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from analytics.errors import AnalyticsError, ExportFormatError, ReconciliationError, UsageError
from analytics.sources import LoadOptions, ingest
from analytics.warehouse import run
from analytics.warehouse.ledger import CENT, LoadResult
from tests.unit import cost_inputs as ci

pytestmark = pytest.mark.unit

MB = 1 << 20
SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Expect:
    """What a mutation must do: ``fails`` True / False / None (either); where a failure must point."""

    fails: bool | None
    row: int | None = None
    column: str | None = None


EITHER = Expect(None)
MUST_FAIL = Expect(True)
MUST_LOAD = Expect(False)

# values that are not amounts (the loaders refuse |amount| >= 1e18 as nonsense)
NOT_AMOUNT = st.sampled_from(
    ["abc", "NaN", "nan", "inf", "-Infinity", "1e18", "-1e19", "1e999", "1,5", "12.34.5", "$12", "0x1F", "--1",
     "1 2", "true", "2026-07-01", "💸", " ", "12 EUR", "(5.00)"]
) | st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).map(lambda s: "x" + s)  # fmt: skip
NOT_NUMBER = st.sampled_from(["abc", "NaN", "inf", "-Infinity", "1e999", "1,5", "12.34.5", "--1", "true", " ", "💸"])
NOT_TIMESTAMP = st.sampled_from(
    ["yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "31/12/2026", "0", "1785000000",
     "2026-07-01T25:00:00Z", "T", "ｆｕｌｌ", "2026-07-01 noon"]
)  # fmt: skip
NOT_US_DATE = st.sampled_from(["13/45/2026", "2/30/2026", "yesterday", "7-3-2026", "0", "07/01", "2026/07/01"])
NOT_INVOICE_MONTH = st.sampled_from(["2026-07", "202613", "abc", "20260", "2026070", "000000"])
NOT_CREDITS = st.sampled_from(["{}", "[1, 2]", "not json", '[{"amount": "x"}]', '{"a": 1}', '[{"name": "x"}]', "[[]]"])
NOT_LABELS = st.sampled_from(["{}", "[1, 2]", "not json", '[{"value": "x"}]', '"team"', "[[]]"])
INVALID_UTF8 = st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80abc"])
HUGE = st.sampled_from(["x", "é", "💸"]).map(lambda ch: ch * (MB // len(ch.encode())))


# -- checking one load ------------------------------------------------------------------------------
def check_load(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    path: Path,
    expect: Expect,
    verify: Callable[[duckdb.DuckDBPyConnection, LoadResult], None],
    options: LoadOptions | None = None,
) -> str:
    """Load ``path`` and hold the outcome to ``expect``; return ``"loaded"``, ``"unchanged"`` or ``"failed"``."""
    outcome = _check_load(con, kind, path, expect, verify, options)
    if currently_in_test_context():
        event(f"outcome: {outcome}")
    return outcome


def _check_load(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    path: Path,
    expect: Expect,
    verify: Callable[[duckdb.DuckDBPyConnection, LoadResult], None],
    options: LoadOptions | None,
) -> str:
    before = ci.snapshot(con)
    try:
        results = ingest(con, kind, [str(path)], options)
    except (ExportFormatError, UsageError) as exc:
        assert not isinstance(exc, ReconciliationError), f"a loader mis-totalled its own rows: {exc}"
        assert ci.snapshot(con) == before, "a failed load must leave the warehouse untouched"
        message = str(exc)
        assert message.strip() and "\n" not in message and "\x00" not in message, repr(message)
        assert path.name in message, f"the error must name the file: {message!r}"
        assert expect.fails is not False, f"a harmless mutation must load: {message}"
        if expect.row is not None:
            assert isinstance(exc, ExportFormatError) and exc.row == expect.row, message
        if expect.column is not None:
            # a column missing from the file is named as the loader knows it (Azure: lower-case alias)
            assert isinstance(exc, ExportFormatError) and (exc.column or "").casefold() == expect.column.casefold(), (
                message
            )
        return "failed"
    except AnalyticsError as exc:  # pragma: no cover - reported with its type
        raise AssertionError(f"{type(exc).__name__} instead of ExportFormatError/UsageError: {exc}") from exc
    assert expect.fails is not True, f"{expect} but the load succeeded"
    (result,) = results
    if result.status == "unchanged":
        assert ci.snapshot(con) == before, "re-loading the same file is a no-op"
        return "unchanged"
    verify(con, result)
    return "loaded"


def cost_verifier(expected: ci.Totals | None, *, period: str = ci.MONTH_LABEL) -> Callable[..., None]:
    """The load reconciled in the ledger and (when the file could be parsed independently) holds exactly
    the independent totals."""

    def verify(con: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
        ledger = run(
            con,
            "SELECT status, reconciled, rows_read, rows_loaded, source_billed_total, warehouse_billed_total, "
            "source_effective_total, warehouse_effective_total FROM ingest_ledger WHERE file_id = $f",
            {"f": result.file_id},
        )
        ((status, reconciled, read, loaded, sb, wb, se, we),) = ledger
        assert (status, reconciled, read) == ("loaded", True, loaded)
        assert abs(sb - wb) < CENT and abs(se - we) < CENT
        got = ci.cost_totals(con, result.file_id, period=period)
        assert sum(n for _, _, n in got.values()) == loaded
        if expected is not None:
            assert got == expected

    return verify


def _guard(compute: Callable[[], Any]) -> Any:
    """An independent expectation, or None when the mutated file cannot be parsed independently."""
    try:
        return compute()
    except (ValueError, KeyError, TypeError, ArithmeticError, AttributeError, IndexError, RecursionError):
        return None


# -- CSV mutations ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CsvSpec:
    """How to mutate one CSV format: its columns, which are required, and bad values per column."""

    header: tuple[str, ...]
    required: tuple[str, ...]
    bad: dict[str, st.SearchStrategy[str]]  # column -> values the loader must refuse at that row and column
    free_text: tuple[str, ...]  # columns where any text (1 MB, NUL) is acceptable
    label: dict[str, str] | None = None  # column -> how the error names it, when not the header
    reads_every_column: bool = True  # False: bytes in a column the loader ignores may go unread


CSV_MUTATIONS = ("truncate", "flip", "flip", "empty", "invalid_utf8", "utf16", "bom16", "bom8", "huge", "drop",
                 "nul", "ragged", "crlf")  # fmt: skip


@st.composite
def csv_case(draw: st.DrawFn, spec: CsvSpec, rows: list[dict[str, str | None]]) -> tuple[bytes, Expect]:
    """One mutation of a valid CSV."""
    table = [list(spec.header)] + [["" if r.get(h) is None else str(r.get(h)) for h in spec.header] for r in rows]
    base = ci.csv_bytes(table[0], table[1:])
    how = draw(st.sampled_from([m for m in CSV_MUTATIONS if spec.free_text or m != "huge"]), label="mutation")
    event(f"mutation: {how}")  # --hypothesis-show-statistics tells how often each ran
    r = draw(st.integers(1, len(rows)), label="row")
    name = (spec.label or {}).get

    def cell(column: str, value: str) -> bytes:
        table[r][spec.header.index(column)] = value
        return ci.csv_bytes(table[0], table[1:])

    if how == "truncate":
        return base[: draw(st.integers(0, len(base) - 1))], EITHER
    if how == "flip":
        column = draw(st.sampled_from(sorted(spec.bad)))
        return cell(column, draw(spec.bad[column])), Expect(True, r, name(column, column))
    if how == "empty":
        column = draw(st.sampled_from(spec.header))
        return cell(column, ""), Expect(True, r, name(column, column)) if column in spec.required else EITHER
    if how == "invalid_utf8":
        column = draw(st.sampled_from(spec.header))
        value = table[r][spec.header.index(column)]
        marked = cell(column, value + "\x1e")  # a placeholder byte the generators never write
        return marked.replace(b"\x1e", draw(INVALID_UTF8)), Expect(spec.reads_every_column or None, row=r)
    if how == "utf16":
        return base.decode().encode(draw(st.sampled_from(["utf-16", "utf-16-be", "utf-32"]))), MUST_FAIL
    if how == "bom16":
        return b"\xff\xfe" + base, MUST_FAIL
    if how == "bom8":
        return b"\xef\xbb\xbf" + base, MUST_LOAD
    if how == "huge":
        return cell(draw(st.sampled_from(spec.free_text)), draw(HUGE)), MUST_LOAD
    if how == "drop":
        c = draw(st.integers(0, len(spec.header) - 1))
        dropped = [row[:c] + row[c + 1 :] for row in table]
        column = spec.header[c]
        expect = Expect(True, column=name(column, column)) if column in spec.required else EITHER
        return ci.csv_bytes(dropped[0], dropped[1:]), expect
    if how == "nul":
        column = draw(st.sampled_from(spec.header))
        value = table[r][spec.header.index(column)]
        at = draw(st.integers(0, len(value)))
        return cell(column, value[:at] + "\x00" + value[at:]), EITHER
    if how == "ragged":
        table[r] = table[r][:-1]
        return ci.csv_bytes(table[0], table[1:]), Expect(True, row=r)
    return ci.csv_bytes(table[0], table[1:], newline="\r\n"), MUST_LOAD


def _load_csv_case(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    kind: str,
    case: tuple[bytes, Expect],
    expected: Callable[[list[dict[str, str]]], Any],
    verify: Callable[[Any], Callable[..., None]],
    *,
    name: str = "export.csv",
    options: LoadOptions | None = None,
) -> str:
    content, expect = case
    path = folder / name
    path.write_bytes(content)
    parsed = ci.read_csv_bytes(content)
    want = None if parsed is None else _guard(lambda: expected(parsed))
    return check_load(con, kind, path, expect, verify(want), options)


FOCUS_SPEC = CsvSpec(
    header=ci.FOCUS_HEADER,
    required=ci.FOCUS_REQUIRED,
    bad={
        **dict.fromkeys(ci.FOCUS_AMOUNTS, NOT_AMOUNT),
        **dict.fromkeys(ci.FOCUS_TIMES, NOT_TIMESTAMP),
        "ChargeCategory": st.sampled_from(["usage", "Refund", "Discount", "💸"]),
        "BillingCurrency": st.sampled_from(["usd", "US", "DOLLAR", "12$"]),
        "Tags": st.sampled_from(["not json", "[1, 2]", '{"a": 1, "a": 2}', '"team"', "{"]),
        "PricingQuantity": NOT_NUMBER,
    },
    free_text=ci.FOCUS_FREE_TEXT,
)


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_focus_csv(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory, seed: int,
                           data: st.DataObject) -> None:  # fmt: skip
    case = data.draw(csv_case(FOCUS_SPEC, ci.focus_rows(seed)))
    folder = tmp_path_factory.mktemp("focus")
    _load_csv_case(con, folder, "focus", case, ci.focus_expected, cost_verifier)


AZURE_SPEC = CsvSpec(
    header=ci.AZURE_HEADER,
    required=ci.AZURE_REQUIRED,
    bad={
        **dict.fromkeys(ci.AZURE_AMOUNTS, NOT_AMOUNT),
        **dict.fromkeys(ci.AZURE_NUMBERS, NOT_NUMBER),
        **dict.fromkeys(ci.AZURE_DATES, NOT_US_DATE | st.just("2026-07-03")),
        "ChargeType": st.sampled_from(["usage", "Discount", "Fee", "💸"]),
        "BillingCurrencyCode": st.sampled_from(["US", "DOLLAR", "12$", "€"]),
        "Tags": st.sampled_from(['"team": ', '"a": 1, "a": 2', "[1, 2]", "team=web", '{"x": ']),
    },
    free_text=ci.AZURE_FREE_TEXT,
    reads_every_column=True,  # staging reads every value once (analytics.sources._tabular._probe)
)


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_azure_csv(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory, seed: int,
                           data: st.DataObject) -> None:  # fmt: skip
    case = data.draw(csv_case(AZURE_SPEC, ci.azure_rows(seed)))
    folder = tmp_path_factory.mktemp("azure")
    _load_csv_case(con, folder, "azure", case, ci.azure_expected, cost_verifier)


GCP_CSV_SPEC = CsvSpec(
    header=ci.GCP_CSV_HEADER,
    required=ci.GCP_REQUIRED,
    bad={
        "cost": NOT_AMOUNT,
        "cost_at_list": NOT_AMOUNT,
        "usage_start_time": NOT_TIMESTAMP,
        "usage_end_time": NOT_TIMESTAMP,
        "invoice.month": NOT_INVOICE_MONTH,
        "credits": NOT_CREDITS,
        "labels": NOT_LABELS,
        "cost_type": st.sampled_from(["Regular", "credit", "usage", "💸"]),
        "currency": st.sampled_from(["US", "DOLLAR", "12$"]),
    },
    free_text=ci.GCP_FREE_TEXT,
    reads_every_column=True,  # staging reads every value once (analytics.sources._tabular._probe)
)
GCP_PERIOD = "x_InvoiceMonth"


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_gcp_csv(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory, seed: int,
                         data: st.DataObject) -> None:  # fmt: skip
    rows = [{h: ci.flat_value(r, h) for h in ci.GCP_CSV_HEADER} for r in ci.gcp_records(seed)]
    case = data.draw(csv_case(GCP_CSV_SPEC, rows))
    folder = tmp_path_factory.mktemp("gcp")
    _load_csv_case(con, folder, "gcp-billing", case, ci.gcp_expected,
                   lambda want: cost_verifier(want, period=GCP_PERIOD))  # fmt: skip


# -- business metrics and budgets ---------------------------------------------------------------------
def table_verifier(table: str, key: tuple[str, ...], value: str) -> Callable[[Any], Callable[..., None]]:
    """Every row of the file is in ``table`` under this load, with exactly the parsed values."""

    def make(want: list[tuple] | None) -> Callable[..., None]:
        def verify(con: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
            ((status, read, loaded),) = run(
                con, "SELECT status, rows_read, rows_loaded FROM ingest_ledger WHERE file_id = $f",
                {"f": result.file_id},
            )  # fmt: skip
            assert (status, read) == ("loaded", loaded)
            cols = ", ".join([*key, value])
            got = run(con, f"SELECT {cols} FROM {table} WHERE source_file_id = $f", {"f": result.file_id})
            assert len(got) == loaded
            if want is not None:
                assert sorted((*(str(v) for v in r[:-1]), Decimal(str(r[-1]))) for r in got) == sorted(want)

        return verify

    return make


def metrics_expected(rows: list[dict[str, str]]) -> list[tuple]:
    return [(r["date"].strip(), r["metric"].strip(), (r.get("dimension") or "").strip(),
             Decimal(repr(float(r["value"].strip())))) for r in rows]  # fmt: skip


def budgets_expected(rows: list[dict[str, str]]) -> list[tuple]:
    return [(r["period"].strip(), r["scope"].strip(), Decimal(r["amount"].strip())) for r in rows]


METRICS_SPEC = CsvSpec(
    header=ci.METRICS_HEADER,
    required=("date", "metric", "value"),
    bad={
        "date": st.sampled_from(["2026-13-01", "07/01/2026", "yesterday", "2026-02-30", "0"]),
        "value": NOT_NUMBER,
    },
    free_text=("unit",),
)
BUDGETS_SPEC = CsvSpec(
    header=ci.BUDGETS_HEADER,
    required=("period", "scope", "amount", "currency"),
    bad={
        "period": st.sampled_from(["2026-13", "Q3", "2026Q5", "July", "2026-07-01/2026-08-01x"]),
        "scope": st.sampled_from(["team", ":x", "team:", "a b:c"]),
        "amount": NOT_AMOUNT,
        "currency": st.sampled_from(["US", "DOLLAR", "12$", "€"]),
        "cost_basis": st.sampled_from(["Effective", "ListCost", "billedcost"]),
    },
    free_text=(),
)


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_business_metrics(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory,
                                  seed: int, data: st.DataObject) -> None:  # fmt: skip
    case = data.draw(csv_case(METRICS_SPEC, ci.metric_rows(seed)))
    folder = tmp_path_factory.mktemp("metrics")
    verify = table_verifier("business_metrics", ("date", "metric", "dimension"), "value")
    _load_csv_case(con, folder, "business-metrics", case, metrics_expected, verify, name="metrics.csv")


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_budgets(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory, seed: int,
                         data: st.DataObject) -> None:  # fmt: skip
    case = data.draw(csv_case(BUDGETS_SPEC, ci.budget_rows(seed)))
    folder = tmp_path_factory.mktemp("budgets")
    verify = table_verifier("budgets", ("period", "scope"), "amount")
    _load_csv_case(con, folder, "budgets", case, budgets_expected, verify, name="budgets.csv")


# -- JSON documents (GCP JSON lines, saved Cost Explorer pages) ----------------------------------------
WRONG_JSON = st.sampled_from([None, True, 5, -1.5, "x", [], [1], {}, {"a": [None]}])


def _bytes_with(doc_bytes: bytes, marker: str, replacement: bytes) -> bytes:
    return doc_bytes.replace(json.dumps(marker)[1:-1].encode(), replacement, 1)


@st.composite
def gcp_json_case(draw: st.DrawFn, records: list[dict[str, Any]]) -> tuple[bytes, Expect]:
    """One mutation of valid billing-export JSON lines."""
    base = ci.gcp_jsonl(records)
    how = draw(st.sampled_from(["truncate", "flip", "flip", "wrong_type", "drop", "not_object", "invalid_utf8",
                                "utf16", "bom16", "huge", "deep", "nul"]), label="mutation")  # fmt: skip
    event(f"mutation: {how}")  # --hypothesis-show-statistics tells how often each ran
    r = draw(st.integers(1, len(records)), label="row")
    doc = copy.deepcopy(records)
    rec = doc[r - 1]
    if how == "truncate":
        cut = draw(st.integers(0, len(base) - 1))
        return base[:cut], EITHER
    if how == "flip":
        path, values = draw(st.sampled_from([
            ("cost", NOT_AMOUNT | st.sampled_from([True, [1], {"a": 1}, 1e300])),
            ("cost_at_list", NOT_AMOUNT), ("usage_start_time", NOT_TIMESTAMP), ("usage_end_time", NOT_TIMESTAMP),
            ("invoice.month", NOT_INVOICE_MONTH | st.just(True)),
            ("credits", st.sampled_from([{}, [1, 2], "[]", [{"amount": "x"}], [{"name": "x"}], 5])),
            ("labels", st.sampled_from([{}, [1, 2], [{"value": "x"}], "team", 5])),
            ("cost_type", st.sampled_from(["Regular", "credit", 5])), ("currency", st.sampled_from(["US", 5, "€"])),
        ]))  # fmt: skip
        _set(rec, path, draw(values))
        return ci.gcp_jsonl(doc), Expect(True, r, path)
    if how == "wrong_type":  # a nested record of the wrong shape where the loader only reads text
        _set(rec, draw(st.sampled_from(["service", "sku", "project", "location", "usage", "resource"])),
             draw(WRONG_JSON))  # fmt: skip
        return ci.gcp_jsonl(doc), EITHER
    if how == "drop":
        key = draw(st.sampled_from(sorted(rec)))
        del rec[key]
        required = {"invoice": "invoice.month"} | {k: k for k in ci.GCP_REQUIRED}
        return ci.gcp_jsonl(doc), Expect(True, r, required[key]) if key in required else EITHER
    if how == "not_object":
        doc[r - 1] = draw(st.sampled_from([[1, 2], "record", 5, None]))
        return ci.gcp_jsonl(doc), Expect(True, row=r)
    if how == "invalid_utf8":
        rec["sku"]["description"] = "\x1e"
        return _bytes_with(ci.gcp_jsonl(doc), "\x1e", draw(INVALID_UTF8)), MUST_FAIL
    if how == "utf16":
        return base.decode().encode(draw(st.sampled_from(["utf-16", "utf-32"]))), MUST_FAIL
    if how == "bom16":
        return b"\xff\xfe" + base, MUST_FAIL
    if how == "huge":
        rec["sku"]["description"] = draw(HUGE)
        return ci.gcp_jsonl(doc), MUST_LOAD
    if how == "deep":  # a value nested 20,000 levels deep where the loader expects a record
        rec["sku"] = "\x1e"
        return ci.gcp_jsonl(doc).replace(b'"\\u001e"', b"[" * 20_000 + b"]" * 20_000), EITHER
    rec["project"]["name"] = "pro\x00ject"
    return ci.gcp_jsonl(doc), EITHER


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        doc = doc[part]
    doc[last] = value


def _jsonl_records(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_gcp_json_lines(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory, seed: int,
                                data: st.DataObject) -> None:  # fmt: skip
    content, expect = data.draw(gcp_json_case(ci.gcp_records(seed)))
    path = tmp_path_factory.mktemp("gcp") / "billing.jsonl"
    path.write_bytes(content)
    want = _guard(lambda: ci.gcp_expected(_jsonl_records(content)))
    check_load(con, "gcp-billing", path, expect, cost_verifier(want, period=GCP_PERIOD))


def _group_count(pages: list[dict[str, Any]]) -> list[tuple[int, int, int]]:
    """(page, result, group) of every group, in the loader's row order."""
    return [(p, i, g) for p, page in enumerate(pages) for i, result in enumerate(page["ResultsByTime"])
            for g in range(len(result["Groups"]))]  # fmt: skip


CE_NOT_AMOUNT = st.sampled_from(["abc", "NaN", "inf", "-Infinity", "1e18", "1e999", "1,5", "$12", "", "true", None,
                                 True, [1], {"Amount": 1}, "0x1F"])  # fmt: skip


@st.composite
def ce_case(draw: st.DrawFn, pages: list[dict[str, Any]]) -> tuple[bytes, Expect]:
    """One mutation of saved Cost Explorer responses."""
    base = json.dumps(pages).encode()
    doc = copy.deepcopy(pages)
    groups = _group_count(doc)
    n = draw(st.integers(1, len(groups)), label="row")
    p, i, g = groups[n - 1]
    group = doc[p]["ResultsByTime"][i]["Groups"][g]
    how = draw(st.sampled_from(["truncate", "flip", "flip", "unit", "drop", "wrong_type", "invalid_utf8", "utf16",
                                "bom8", "huge", "deep", "nul"]), label="mutation")  # fmt: skip
    event(f"mutation: {how}")  # --hypothesis-show-statistics tells how often each ran
    if how == "truncate":
        return base[: draw(st.integers(0, len(base) - 1))], MUST_FAIL
    if how == "flip":
        metric = draw(st.sampled_from(["UnblendedCost", "AmortizedCost"]))
        group["Metrics"][metric]["Amount"] = draw(CE_NOT_AMOUNT)
        return json.dumps(doc).encode(), Expect(True, n, metric)
    if how == "unit":
        unit = draw(st.sampled_from(["usd", "", "US Dollar", None, 5]))
        for metric in ("UnblendedCost", "AmortizedCost"):
            group["Metrics"][metric]["Unit"] = unit
        return json.dumps(doc).encode(), Expect(True, n, "Unit")
    if how == "drop":
        where = draw(st.sampled_from(["UnblendedCost", "AmortizedCost", "TimePeriod", "ResultsByTime", "Keys",
                                      "GroupDefinitions"]))  # fmt: skip
        if where in ("UnblendedCost", "AmortizedCost"):
            del group["Metrics"][where]
            return json.dumps(doc).encode(), Expect(True, n, where) if where == "UnblendedCost" else MUST_LOAD
        if where == "TimePeriod":
            del doc[p]["ResultsByTime"][i]["TimePeriod"]
            first = groups.index((p, i, 0)) + 1
            return json.dumps(doc).encode(), Expect(True, first, "TimePeriod")
        if where == "ResultsByTime":
            del doc[p]["ResultsByTime"]
            return json.dumps(doc).encode(), Expect(True, column="ResultsByTime")
        if where == "Keys":
            del group["Keys"]
        else:
            del doc[p]["GroupDefinitions"]
        return json.dumps(doc).encode(), MUST_LOAD
    if how == "wrong_type":
        target = draw(st.sampled_from(["doc", "page", "GroupDefinitions", "definition", "ResultsByTime", "result",
                                       "TimePeriod", "Start", "Groups", "group", "Keys", "Metrics", "metric",
                                       "Estimated"]))  # fmt: skip
        value = draw(WRONG_JSON)
        result = doc[p]["ResultsByTime"][i]
        if target == "doc":
            return json.dumps(value).encode(), MUST_FAIL
        if target == "page":
            doc[p] = value
        elif target == "GroupDefinitions":
            doc[p]["GroupDefinitions"] = value
        elif target == "definition":
            doc[p]["GroupDefinitions"] = [value, *CE_DEFS_TAIL]
        elif target == "ResultsByTime":
            doc[p]["ResultsByTime"] = value
        elif target == "result":
            doc[p]["ResultsByTime"][i] = value
        elif target == "TimePeriod":
            result["TimePeriod"] = value
        elif target == "Start":
            result["TimePeriod"]["Start"] = value
        elif target == "Groups":
            result["Groups"] = value
        elif target == "group":
            result["Groups"][g] = value
        elif target == "Keys":
            group["Keys"] = value
        elif target == "Metrics":
            group["Metrics"] = value
        elif target == "metric":
            group["Metrics"]["UnblendedCost"] = value
        else:
            result["Estimated"] = value
        return json.dumps(doc).encode(), EITHER
    if how == "invalid_utf8":
        group["Keys"][0] = "\x1e"
        return _bytes_with(json.dumps(doc).encode(), "\x1e", draw(INVALID_UTF8)), MUST_FAIL
    if how == "utf16":
        return base.decode().encode(draw(st.sampled_from(["utf-16", "utf-32"]))), MUST_FAIL
    if how == "bom8":
        return b"\xef\xbb\xbf" + base, MUST_LOAD
    if how == "huge":
        group["Keys"][0] = draw(HUGE)
        return json.dumps(doc).encode(), MUST_LOAD
    if how == "deep":  # nested past Python's recursion limit
        group["Keys"][0] = "\x1e"
        return json.dumps(doc).encode().replace(b'"\\u001e"', b"[" * 50_000 + b"]" * 50_000), MUST_FAIL
    group["Keys"][1] = "team$we\x00b"
    return json.dumps(doc).encode(), EITHER


CE_DEFS_TAIL = ci.CE_DEFINITIONS[1:]
CE_OPTIONS = LoadOptions(extra={"billing_account": "123456789012"})


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_aws_ce_saved_pages(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory,
                                    seed: int, data: st.DataObject) -> None:  # fmt: skip
    content, expect = data.draw(ce_case(ci.ce_pages(seed, days=4, per_page=2)))
    path = tmp_path_factory.mktemp("ce") / "ce-pages.json"
    path.write_bytes(content)
    want = _guard(lambda: ci.ce_expected(json.loads(content.decode("utf-8-sig"))))
    check_load(con, "aws-ce", path, expect, cost_verifier(want), CE_OPTIONS)


# -- parquet (FOCUS, GCP) -------------------------------------------------------------------------------
@st.composite
def parquet_case(draw: st.DrawFn, table: pa.Table, *, required: Sequence[str], amounts: Sequence[str],
                 free_text: Sequence[str], label: Callable[[str], str] = str,
                 per_row: bool = False) -> tuple[pa.Table | bytes, Expect]:  # fmt: skip
    """One mutation of a valid parquet table: returns the mutated table (or raw bytes) and what it must do."""
    how = draw(st.sampled_from(["truncate", "flip", "flip", "drop", "retype", "huge", "nul", "binary"]),
               label="mutation")  # fmt: skip
    event(f"mutation: {how}")  # --hypothesis-show-statistics tells how often each ran
    r = draw(st.integers(1, table.num_rows), label="row")
    names = table.column_names
    if how == "truncate":
        base = ci.parquet_bytes(table)
        return base[: draw(st.integers(0, len(base) - 1))] + draw(st.binary(max_size=64)), MUST_FAIL
    if how == "flip":
        column = draw(st.sampled_from(list(amounts)))
        values = [None if v is None else str(v) for v in table.column(column).to_pylist()]
        values[r - 1] = draw(NOT_AMOUNT)
        return _replace(table, column, pa.array(values, pa.string())), Expect(True, r, label(column))
    if how == "drop":
        column = draw(st.sampled_from(names))
        dropped = table.drop_columns([column])
        # a missing column is a file-level error, or (records read per row) an empty value in row 1
        expect = Expect(True, 1 if per_row else None, label(column)) if column in required else EITHER
        return dropped, expect
    if how == "retype":  # a column of another type: every row has it, so row 1 fails, or it casts
        column = draw(st.sampled_from(names))
        value = draw(st.sampled_from([pa.array([True] * table.num_rows), pa.array([7] * table.num_rows),
                                      pa.array([[1, 2]] * table.num_rows)]))  # fmt: skip
        return _replace(table, column, value), EITHER
    if how == "huge":
        column = draw(st.sampled_from(list(free_text)))
        values = table.column(column).to_pylist()
        values[r - 1] = draw(HUGE)
        return _replace(table, column, pa.array(values, pa.string())), MUST_LOAD
    if how == "nul":
        column = draw(st.sampled_from(list(free_text)))
        values = table.column(column).to_pylist()
        values[r - 1] = "nul\x00here"
        return _replace(table, column, pa.array(values, pa.string())), EITHER
    column = draw(st.sampled_from(list(free_text)))  # a binary column with bytes that are not UTF-8
    values = [None if v is None else str(v).encode() for v in table.column(column).to_pylist()]
    values[r - 1] = b"bad" + draw(INVALID_UTF8)
    return _replace(table, column, pa.array(values, pa.binary())), EITHER


def _replace(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.column_names.index(column), column, values)


def _parquet_rows(case: pa.Table | bytes) -> list[dict[str, Any]] | None:
    return case.to_pylist() if isinstance(case, pa.Table) else None


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_focus_parquet(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory, seed: int,
                               data: st.DataObject) -> None:  # fmt: skip
    table = ci.focus_arrow(ci.focus_rows(seed))
    case, expect = data.draw(parquet_case(table, required=ci.FOCUS_REQUIRED, amounts=ci.FOCUS_AMOUNTS,
                                          free_text=ci.FOCUS_FREE_TEXT))  # fmt: skip
    path = tmp_path_factory.mktemp("focus") / "focus.parquet"
    path.write_bytes(ci.parquet_bytes(case) if isinstance(case, pa.Table) else case)
    rows = _parquet_rows(case)
    want = None if rows is None else _guard(lambda: ci.focus_expected(rows))
    check_load(con, "focus", path, expect, cost_verifier(want))


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_gcp_parquet(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory, seed: int,
                             data: st.DataObject) -> None:  # fmt: skip
    table = pq.read_table(io.BytesIO(ci.gcp_parquet(ci.gcp_records(seed))))
    required = [*ci.GCP_REQUIRED[:-1], "invoice"]
    case, expect = data.draw(parquet_case(table, required=required, amounts=("cost", "cost_at_list"),
                                          free_text=("billing_account_id",),
                                          label=lambda c: "invoice.month" if c == "invoice" else c,
                                          per_row=True))  # fmt: skip
    path = tmp_path_factory.mktemp("gcp") / "billing.parquet"
    path.write_bytes(ci.parquet_bytes(case) if isinstance(case, pa.Table) else case)
    rows = _parquet_rows(case)
    want = None if rows is None else _guard(lambda: ci.gcp_expected(rows))
    check_load(con, "gcp-billing", path, expect, cost_verifier(want, period=GCP_PERIOD))


# -- the unmangled bases load and reconcile exactly -----------------------------------------------------
@pytest.mark.parametrize("seed", [5])
def test_every_seeded_base_loads_to_its_independent_totals(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                           seed: int) -> None:  # fmt: skip
    focus = ci.focus_rows(seed)
    azure = ci.azure_rows(seed, period="2026-06")
    gcp = ci.gcp_records(seed)
    pages = ci.ce_pages(seed, start="2026-05-01")
    cases: list[tuple[str, str, bytes, ci.Totals, str, LoadOptions | None]] = [
        ("focus", "f.csv", ci.focus_csv(focus), ci.focus_expected(focus), ci.MONTH_LABEL, None),
        ("focus", "f.parquet", ci.parquet_bytes(ci.focus_arrow(ci.focus_rows(seed, account="other"))),
         ci.focus_expected(ci.focus_rows(seed, account="other")), ci.MONTH_LABEL, None),
        ("azure", "a.csv", ci.azure_csv(azure), ci.azure_expected(azure), ci.MONTH_LABEL, None),
        ("gcp-billing", "g.csv", ci.gcp_csv(gcp), ci.gcp_expected(gcp), GCP_PERIOD, None),
        ("gcp-billing", "g.jsonl", ci.gcp_jsonl(ci.gcp_records(seed, account="B")),
         ci.gcp_expected(ci.gcp_records(seed, account="B")), GCP_PERIOD, None),
        ("gcp-billing", "g.parquet", ci.gcp_parquet(ci.gcp_records(seed, account="C")),
         ci.gcp_expected(ci.gcp_records(seed, account="C")), GCP_PERIOD, None),
        ("aws-ce", "ce.json", json.dumps(pages).encode(), ci.ce_expected(pages), ci.MONTH_LABEL, CE_OPTIONS),
    ]  # fmt: skip
    for kind, name, content, expected, period, options in cases:
        path = tmp_path / name
        path.write_bytes(content)
        assert check_load(con, kind, path, MUST_LOAD, cost_verifier(expected, period=period), options) == "loaded"
        assert check_load(con, kind, path, MUST_LOAD, cost_verifier(expected, period=period), options) == "unchanged"
    metrics, budgets = ci.metric_rows(seed), ci.budget_rows(seed)
    for kind, name, content, verify in (
        ("business-metrics", "m.csv", ci.table_csv(ci.METRICS_HEADER, metrics),
         table_verifier("business_metrics", ("date", "metric", "dimension"), "value")(
             metrics_expected([{k: v or "" for k, v in r.items()} for r in metrics]))),
        ("budgets", "b.csv", ci.table_csv(ci.BUDGETS_HEADER, budgets),
         table_verifier("budgets", ("period", "scope"), "amount")(
             budgets_expected([{k: v or "" for k, v in r.items()} for r in budgets]))),
    ):  # fmt: skip
        path = tmp_path / name
        path.write_bytes(content)
        assert check_load(con, kind, path, MUST_LOAD, verify) == "loaded"
