"""Property tests for the parsers of issue 13: Python literals (GCP CSVs written by pandas / the
BigQuery client) and Azure header maps. Valid input round-trips exactly; hostile input is a clear
error (file, row, column) and leaves the warehouse untouched; nothing else ever escapes."""

from __future__ import annotations

import ast
import json
import re
import warnings
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from analytics.errors import ExportFormatError
from analytics.sources import ingest
from analytics.sources._files import label_key
from analytics.sources._literals import MAX_DEPTH, LiteralError, python_literal_json
from analytics.sources.cost._azure_headers import ENGLISH_COLUMNS, HEADER_LANGUAGES, header_map
from analytics.warehouse import run
from analytics.warehouse.ledger import CENT
from tests.unit import cost_inputs as ci
from tests.unit import variant_inputs as vi
from tests.unit.test_cost_hostile import (  # the shared mutation machinery
    NOT_AMOUNT,
    NOT_NUMBER,
    NOT_US_DATE,
    CsvSpec,
    _load_csv_case,
    cost_verifier,
    csv_case,
)
from tests.unit.test_cost_hostile import (
    SETTINGS as HOSTILE,
)

pytestmark = pytest.mark.unit

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LOADS = settings(max_examples=15, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SCALARS = (st.none() | st.booleans() | st.integers(-(10**20), 10**20)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
LABELS = st.lists(st.fixed_dictionaries({"key": st.text(min_size=1, max_size=10), "value": st.text(max_size=10)}),
                  min_size=1, max_size=4)


def _literal_eval(text: str) -> Any:
    """ast's reading of a literal, or a marker when ast refuses it (the test's independent parser)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return _REFUSED


_REFUSED = object()


@SETTINGS
@given(value=VALUES)
def test_any_python_repr_reads_as_the_same_json(value: Any) -> None:
    assert json.loads(python_literal_json(repr(value))) == value


@SETTINGS
@given(labels=st.lists(LABELS, min_size=1, max_size=3).map(lambda ls: [x for lb in ls for x in lb]))
def test_numpy_array_repr_of_label_dicts_reads_as_the_list(labels: list[dict[str, str]]) -> None:
    text = str(np.array(labels, dtype=object))  # what pandas writes for an array column
    assert json.loads(python_literal_json(text)) == labels


def _mutations(text: str) -> st.SearchStrategy[str]:
    """Cuts, insertions and replacements of one character or a word."""
    junk = st.sampled_from(["'", '"', "[", "]", "{", "}", ",", ":", "\\", "...", "nan", "__import__('os')", "\n",
                            "\x00", "True", "1e999", " ", "Decimal('1')", "{}", "()", "b'x'", "-"])
    at = st.integers(0, len(text))
    return st.one_of(
        at.map(lambda i: text[:i]),
        st.tuples(at, junk).map(lambda p: text[: p[0]] + p[1] + text[p[0]:]),
        st.tuples(at, junk).map(lambda p: text[: p[0]] + p[1] + text[p[0] + 1 :]),
    )


@SETTINGS
@given(data=st.data(), value=VALUES)
def test_hostile_literals_are_refused_or_read_as_python_reads_them(data: st.DataObject, value: Any) -> None:
    text = data.draw(_mutations(repr(value)) | st.text(max_size=40))
    try:
        out = python_literal_json(text)
    except LiteralError as exc:
        assert exc.position >= 0 and exc.message and "\n" not in str(exc)
        return
    parsed = json.loads(out)  # always JSON
    expected = _literal_eval(text)
    if expected is not _REFUSED and json.dumps(expected, default=str) == json.dumps(parsed, default=str):
        return
    # accepted where ast is not: only numpy's whitespace-separated list elements
    assert expected is _REFUSED or expected == parsed, (text, out)


def test_literal_caps() -> None:
    with pytest.raises(LiteralError, match="nested deeper than 32"):
        python_literal_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(LiteralError, match="longer than"):
        python_literal_json("'" + "x" * (1 << 20) + "'")
    assert python_literal_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) == "[" * MAX_DEPTH + "]" * MAX_DEPTH


@LOADS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_literal_cells_through_the_gcp_loader(con: duckdb.DuckDBPyConnection,
                                                      tmp_path_factory: pytest.TempPathFactory, seed: int,
                                                      data: st.DataObject) -> None:
    records = ci.gcp_records(seed, n=5)
    header = [*ci.GCP_CSV_HEADER, "system_labels", "project.labels"]
    table = [{h: ci.flat_value(r, h) for h in ci.GCP_CSV_HEADER} for r in records]
    for r, row in zip(records, table, strict=True):
        row["credits"] = repr(r["credits"])  # Python literals, as pandas writes them
        row["labels"] = repr(r["labels"])
        row["system_labels"] = row["project.labels"] = "[]"
    row_no = data.draw(st.integers(1, len(table)), label="row")
    column = data.draw(st.sampled_from(["credits", "labels", "system_labels", "project.labels"]), label="column")
    table[row_no - 1][column] = data.draw(_mutations(table[row_no - 1][column] or "[]"), label="value")
    path = tmp_path_factory.mktemp("gcp") / "billing.csv"
    path.write_bytes(vi.write_csv(header, table))
    before = ci.snapshot(con)
    try:
        (result,) = ingest(con, "gcp-billing", [str(path)])
    except ExportFormatError as exc:
        assert ci.snapshot(con) == before, "a refused file must leave the warehouse untouched"
        assert str(path) in str(exc) and "\n" not in str(exc)
        assert (exc.row, exc.column) == (row_no, column), str(exc)
        event("refused")
        return
    event("loaded")
    # it loaded: the cell was still a valid literal, and the totals are what ast reads
    for rec, row in zip(records, table, strict=True):
        text = row["credits"].strip()
        credits = _literal_eval(text) if text else []
        if credits is _REFUSED:  # numpy's form: elements separated by whitespace, no comma
            credits = _literal_eval(re.sub(r"}\s+{", "}, {", text))
        assert credits is not _REFUSED and isinstance(credits, list)
        rec["credits"] = credits
    assert ci.cost_totals(con, result.file_id, period="x_InvoiceMonth") == ci.gcp_expected(records)
    ((sb, wb),) = run(con, "SELECT source_billed_total, warehouse_billed_total FROM ingest_ledger WHERE file_id = $f",
                      {"f": result.file_id})
    assert abs(sb - wb) < CENT


# -- Azure header maps ------------------------------------------------------------------------------
def _spellings(name: str) -> st.SearchStrategy[str]:
    """How an export may write an English column: any case, spaces between words, a German display name
    with or without the English name in parentheses."""
    words = "".join(f" {ch}" if ch.isupper() else ch for ch in name).split()
    german = [d for d, e in HEADER_LANGUAGES["German"].items() if e == name]
    options = [st.just(name), st.just(name.lower()), st.just(name.upper()), st.just(" ".join(words)),
               st.just(f"Anzeige ({name})")]
    options += [st.just(g) for g in german] + [st.just(f"{g} ({name})") for g in german]
    return st.one_of(options)


UNKNOWN = st.text(st.characters(whitelist_categories=("Ll", "Lu")), min_size=3, max_size=10).filter(
    lambda w: label_key(w) not in {label_key(e) for e in ENGLISH_COLUMNS}
    and w.casefold() not in {d.casefold() for d in HEADER_LANGUAGES["German"]}
)


@SETTINGS
@given(data=st.data(), names=st.lists(st.sampled_from(ENGLISH_COLUMNS), min_size=1, max_size=12, unique=True),
       unknown=st.lists(UNKNOWN, max_size=4, unique_by=str.casefold))
def test_header_map_maps_every_spelling_and_lists_exactly_the_unknown(data: st.DataObject, names: list[str],
                                                                      unknown: list[str]) -> None:
    written = [data.draw(_spellings(n)) for n in names]
    headers = written + unknown
    if len({label_key(h) for h in headers}) < len(headers):
        return  # two spellings of one name (or a word that is one): not a valid header row
    m = header_map(headers)
    assert {label_key(m.english[h]) for h in written} == {label_key(n) for n in names}
    assert list(m.unmapped) == unknown


@LOADS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_unknown_language_headers_through_the_azure_loader(con: duckdb.DuckDBPyConnection,
                                                           tmp_path_factory: pytest.TempPathFactory, seed: int,
                                                           data: st.DataObject) -> None:
    rows = vi.azure_v1_rows(seed, n=4)
    required = ["PreTaxCost", "UsageDateTime", "Currency", "SubscriptionGuid"]
    replaced = data.draw(st.lists(st.sampled_from(required), min_size=1, unique=True), label="replaced")
    words = data.draw(st.lists(UNKNOWN, min_size=len(replaced), max_size=len(replaced), unique_by=str.casefold))
    names = [words[replaced.index(h)] if h in replaced else h for h in vi.V1_HEADER]
    if len({label_key(n) for n in names}) < len(names):
        return
    path: Path = tmp_path_factory.mktemp("azure") / "export.csv"
    path.write_bytes(vi.write_csv(vi.V1_HEADER, rows, names=names))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, "azure", [str(path)])
    message = str(info.value)
    unmapped = [n for n in names if n in words]
    assert f"cannot map {len(unmapped)} header(s) to Azure column names: " in message
    assert message.count("'") >= 2 * len(unmapped) and all(repr(w) in message for w in unmapped)
    assert ci.snapshot(con) == before


# -- the new Azure layouts under the hostile-CSV mutations of test_cost_hostile ---------------------------

AZURE_V1_SPEC = CsvSpec(
    header=tuple(vi.V1_HEADER),
    required=("PreTaxCost", "UsageDateTime", "Currency", "SubscriptionGuid"),
    bad={
        "PreTaxCost": NOT_AMOUNT,
        "UsageQuantity": NOT_NUMBER,
        "ResourceRate": NOT_NUMBER,
        "UsageDateTime": st.sampled_from(["yesterday", "2026-13-01", "2026-02-30", "07/03/2026", "0", "T"]),
        "Currency": st.sampled_from(["US", "DOLLAR", "12$", "€"]),
        "Tags": st.sampled_from(['"team": ', '"a": 1, "a": 2', "[1, 2]", "team=web", '{"x": ']),
    },
    free_text=("ResourceGroup", "MeterName", "InstanceId", "OfferId", "ServiceName"),
)
AZURE_MCA_SPEC = CsvSpec(
    header=tuple(vi.MCA_HEADER),
    required=("costInBillingCurrency", "billingCurrency", "date", "billingPeriodStartDate", "billingPeriodEndDate",
              "billingAccountId", "chargeType"),
    bad={
        "costInBillingCurrency": NOT_AMOUNT,
        **dict.fromkeys(("quantity", "effectivePrice", "unitPrice", "PayGPrice"), NOT_NUMBER),
        **dict.fromkeys(("date", "billingPeriodStartDate", "billingPeriodEndDate"),
                        NOT_US_DATE | st.just("2026-07-03")),
        "chargeType": st.sampled_from(["usage", "Discount", "Fee", "💸"]),
        "billingCurrency": st.sampled_from(["US", "DOLLAR", "12$", "€"]),
        "tags": st.sampled_from(['"team": ', '"a": 1, "a": 2', "[1, 2]", "team=web", '{"x": ']),
    },
    free_text=("meterName", "ResourceId", "subscriptionName", "resourceGroupName", "additionalInfo"),
)


def _v1_expected(rows: list[dict[str, str]]) -> ci.Totals:
    return vi.azure_v1_expected(rows, date_column="UsageDateTime", cost="PreTaxCost", currency="Currency")


@HOSTILE
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_azure_usage_details_v1(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory,
                                        seed: int, data: st.DataObject) -> None:
    case = data.draw(csv_case(AZURE_V1_SPEC, vi.azure_v1_rows(seed, n=6)))
    _load_csv_case(con, tmp_path_factory.mktemp("azure-v1"), "azure", case, _v1_expected, cost_verifier)


@HOSTILE
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_azure_mca_camelcase_v2(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory,
                                        seed: int, data: st.DataObject) -> None:
    case = data.draw(csv_case(AZURE_MCA_SPEC, vi.azure_mca_rows(seed, n=6)))
    _load_csv_case(con, tmp_path_factory.mktemp("azure-mca"), "azure", case, vi.azure_mca_expected, cost_verifier)
