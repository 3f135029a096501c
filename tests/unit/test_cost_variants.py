"""Cost export variants of issue 13 from seeded generators built on the documented layouts: each loads
with exactly the totals an independent csv/Decimal (or json) parse gives, or is refused naming file,
row and column with the warehouse untouched."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from analytics.errors import ExportFormatError
from analytics.sources import ingest
from analytics.sources._csv_layout import broken_field, csv_layout
from analytics.sources._tabular import read_text_view
from analytics.sources.cost._azure_headers import HEADER_LANGUAGES, header_map
from analytics.warehouse import run
from tests.unit import cost_inputs as ci
from tests.unit import variant_inputs as vi

pytestmark = pytest.mark.unit


def _load(con: duckdb.DuckDBPyConnection, path: Path, content: bytes, kind: str = "azure"):
    path.write_bytes(content)
    (result,) = ingest(con, kind, [str(path)])
    ledger = run(con, "SELECT reconciled, status, details FROM ingest_ledger WHERE file_id = $f", {"f": result.file_id})
    ((reconciled, status, details),) = ledger
    assert (reconciled, status) == (True, "loaded")
    return result, json.loads(details)


# -- Azure usage details v1 -------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("spelling", ["PascalCase", "camelCase"])
def test_azure_usage_details_v1(con: duckdb.DuckDBPyConnection, tmp_path: Path, seed: int, spelling: str) -> None:
    rows = vi.azure_v1_rows(seed)
    names = vi.V1_HEADER if spelling == "PascalCase" else [vi.camel(h) for h in vi.V1_HEADER]
    content = vi.write_csv(vi.V1_HEADER, rows, newline="\r\n", names=names)
    parsed = vi.read_rows(content)
    date, cost, currency = (names[vi.V1_HEADER.index(h)] for h in ("UsageDateTime", "PreTaxCost", "Currency"))
    expected = vi.azure_v1_expected(parsed, date_column=date, cost=cost, currency=currency)
    result, details = _load(con, tmp_path / "usage.csv", content)
    assert ci.cost_totals(con, result.file_id) == expected
    assert result.variant == f"usage details v1 ({spelling})"
    assert (details["variant"], details["billing_account_from"]) == ("usage-v1", names[0])
    # the subscription is the billing account; the billing period is the calendar month of the usage date
    subs = sorted({r[names[0]] for r in parsed})
    assert [a for (a,) in run(con, "SELECT DISTINCT BillingAccountId FROM cost ORDER BY 1")] == subs
    odd = run(con, "SELECT count(*) FROM cost WHERE BillingPeriodStart <> date_trunc('month', ChargePeriodStart) "
                   "OR BillingPeriodEnd <> BillingPeriodStart + INTERVAL 1 MONTH OR ChargeCategory <> 'Usage'")
    assert odd == [(0,)]
    # Tags: braced on some rows, the body without braces on others, both read as the same object shape
    tagged = [json.loads(t) for (t,) in run(con, "SELECT Tags FROM cost WHERE Tags IS NOT NULL")]
    tags_col = names[vi.V1_HEADER.index("Tags")]
    assert len(tagged) == sum(1 for r in parsed if r[tags_col].strip())
    assert all(set(t) in ({"team", "env"}, {"team", "cost-center"}) for t in tagged)


def test_azure_v1_german_headers_with_and_without_the_english_name(con: duckdb.DuckDBPyConnection,
                                                                    tmp_path: Path) -> None:
    rows = vi.azure_v1_rows(5)
    german = vi.header_of(vi.HEADERSETS / "German.csv")  # the real German header row, same order as PayAsYouGo
    bare = [h.split(" (")[0] for h in german]  # display names alone: mapped through the German table
    expected = vi.azure_v1_expected(rows, date_column="UsageDateTime", cost="PreTaxCost", currency="Currency")
    for name, header in (("paren.csv", german), ("bare.csv", bare)):
        result, details = _load(con, tmp_path / name, vi.write_csv(vi.V1_HEADER, rows, names=header, bom=True))
        assert ci.cost_totals(con, result.file_id) == expected, name
        assert details["header_language"] == "German headers"
        assert result.variant == "usage details v1 (PascalCase), German headers, UTF-8 BOM"


def test_german_table_holds_every_translated_name_of_the_real_header_sets() -> None:
    pairs = {}
    for file in ("German.csv", "YA.csv"):
        for header in vi.header_of(vi.HEADERSETS / file):
            display, sep, english = header.partition(" (")
            if sep and display != english.rstrip(")"):
                pairs[display] = english.rstrip(")")
    assert pairs == HEADER_LANGUAGES["German"]


def test_unknown_header_language_lists_the_headers_it_could_not_map(con: duckdb.DuckDBPyConnection,
                                                                     tmp_path: Path) -> None:
    rows = vi.azure_v1_rows(2)
    french = {"PreTaxCost": "Coût avant impôts", "UsageDateTime": "Date d'utilisation", "Currency": "Devise"}
    names = [french.get(h, h) for h in vi.V1_HEADER]
    path = tmp_path / "fr.csv"
    path.write_bytes(vi.write_csv(vi.V1_HEADER, rows, names=names))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, "azure", [str(path)])
    message = str(info.value)
    assert message.startswith(
        f"{path}, column 'PreTaxCost': cannot map 3 header(s) to Azure column names: "
        "\"Date d'utilisation\", 'Coût avant impôts', 'Devise'; required PreTaxCost, Currency, UsageDateTime "
        "not found."
    ), message
    assert "Supported header languages: English, German" in message
    assert ci.snapshot(con) == before


# -- Azure MCA camelCase v2 ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_azure_mca_camelcase_v2_bom_crlf_quoted_json(con: duckdb.DuckDBPyConnection, tmp_path: Path, seed: int,
                                                     newline: str) -> None:
    rows = vi.azure_mca_rows(seed)
    content = vi.write_csv(vi.MCA_HEADER, rows, newline=newline, bom=True)
    assert b'"{""UsageType"": ""ComputeHR""' in content  # quoted JSON with doubled quotes, as Azure writes it
    result, details = _load(con, tmp_path / "mca.csv", content)
    assert ci.cost_totals(con, result.file_id) == vi.azure_mca_expected(vi.read_rows(content))
    assert result.variant == "MCA cost details (camelCase v2), UTF-8 BOM"
    assert details["billing_period_from"] == "billingPeriodStartDate"
    assert run(con, "SELECT DISTINCT BillingAccountId FROM cost") == [("acct-7",)]


def test_azure_mixed_line_endings_load_with_a_warning(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rows = vi.azure_mca_rows(6)
    crlf, lf = (vi.write_csv(vi.MCA_HEADER, rows[:k], newline=nl) for k, nl in ((6, "\r\n"), (0, "\n")))
    appended = vi.write_csv(vi.MCA_HEADER, rows[6:], newline="\n")[len(lf):]
    mixed = crlf + appended  # six rows written with CRLF, four appended later with LF (DuckDB refuses it)
    assert mixed.count(b"\r\n") == 7 and mixed.count(b"\n") == 11
    result, details = _load(con, tmp_path / "mixed.csv", mixed)
    assert ci.cost_totals(con, result.file_id) == vi.azure_mca_expected(vi.read_rows(mixed))
    assert details["warnings"] == ["the file mixes CRLF and LF line endings (read anyway: every row was checked)"]
    assert "warning: the file mixes CRLF and LF line endings" in result.summary()
    # the values are the file's: no line-end character left on the last column
    read_text_view(con, tmp_path / "mixed.csv", "__mixed")
    assert run(con, "SELECT DISTINCT provider FROM __mixed") == [("Azure",)]


def test_azure_billing_period_empty_on_some_rows_only_is_refused(con: duckdb.DuckDBPyConnection,
                                                                  tmp_path: Path) -> None:
    rows = vi.azure_mca_rows(7)
    rows[3]["billingPeriodStartDate"] = ""
    path = tmp_path / "gap.csv"
    path.write_bytes(vi.write_csv(vi.MCA_HEADER, rows))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, "azure", [str(path)])
    assert (info.value.row, info.value.column) == (4, "billingPeriodStartDate")
    assert ci.snapshot(con) == before
    for row in rows:  # empty on every row: the billing period is the month of the date
        row["billingPeriodStartDate"] = row["billingPeriodEndDate"] = ""
    result, details = _load(con, path, vi.write_csv(vi.MCA_HEADER, rows))
    assert details["billing_period_from"] == "calendar month of date"
    assert {k[0] for k in ci.cost_totals(con, result.file_id)} == {"2026-07"}


# -- GCP CSV written by pandas -----------------------------------------------------------------------
def _pandas_csv(records: list[dict], *, numpy_arrays: bool, drop: tuple[str, ...] = ()) -> bytes:
    """The export table written the usual way: json_normalize (dotted columns, lists kept) and to_csv;
    through Arrow, lists become numpy arrays (what the BigQuery client's to_dataframe() gives)."""
    frame = pd.json_normalize(records)
    if numpy_arrays:
        frame = pa.Table.from_pandas(frame, preserve_index=False).to_pandas()
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("numpy_arrays", [False, True])
@pytest.mark.parametrize("seed", [11, 12])
def test_gcp_csv_written_by_pandas_with_python_literals(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                        seed: int, numpy_arrays: bool) -> None:
    records = ci.gcp_records(seed, n=12, others=3)
    for i, r in enumerate(records):  # the repeated fields a real export carries
        r["system_labels"] = [{"key": "compute.googleapis.com/machine_spec", "value": "e2-small"}] if i % 3 else []
        r["project"]["labels"] = [{"key": "owner", "value": "it's shop"}] if i % 2 else []
        r["project"]["ancestors"] = [{"resource_name": "projects/123", "display_name": "Shop"},
                                     {"resource_name": "organizations/9", "display_name": "Example"}]
    content = _pandas_csv(records, numpy_arrays=numpy_arrays)
    assert b"[{'name': " in content and b"'key': 'team'" in content  # Python literals, not JSON
    if numpy_arrays:
        assert b"}\n {" in content  # numpy's newline-separated elements
    path = tmp_path / "billing.csv"
    result, details = _load(con, path, content, kind="gcp-billing")
    assert ci.cost_totals(con, result.file_id, period="x_InvoiceMonth") == ci.gcp_expected(records)
    assert details["variant"].endswith("repeated fields as Python literals (pandas / BigQuery client)")
    by_sku = {sku: (credits, tags, system, owner, ancestors) for sku, credits, tags, system, owner, ancestors in run(
        con, "SELECT SkuId, x_Credits, Tags, x_SystemLabels, x_ProjectLabels, x_ProjectAncestors FROM cost")}
    for r in records:
        credits, tags, system, owner, ancestors = by_sku[r["sku"]["id"]]
        assert (json.loads(credits) if credits else []) == r["credits"]
        assert (json.loads(tags) if tags else {}) == {lb["key"].strip(): lb["value"] for lb in r["labels"]}
        assert (json.loads(system) if system else {}) == {lb["key"]: lb["value"] for lb in r["system_labels"]}
        assert (json.loads(owner) if owner else {}) == {lb["key"]: lb["value"] for lb in r["project"]["labels"]}
        assert json.loads(ancestors) == r["project"]["ancestors"]


def test_gcp_older_export_without_the_newer_columns(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    records = ci.gcp_records(13, n=10)
    for r in records:
        r["cost_type"] = "regular"  # the older exports predate cost_type: every row is usage
    dropped = ("cost_at_list", "cost_type", "resource.name", "resource.global_name")
    content = _pandas_csv(records, numpy_arrays=False, drop=dropped)
    result, details = _load(con, tmp_path / "old.csv", content, kind="gcp-billing")
    assert ci.cost_totals(con, result.file_id, period="x_InvoiceMonth") == ci.gcp_expected(records)
    assert set(dropped) <= set(details["absent_columns"])
    # absent columns are NULL (ListCost falls back to cost, as documented), never guessed
    assert run(con, "SELECT count(*) FILTER (WHERE ResourceId IS NOT NULL OR ResourceName IS NOT NULL), "
                    "count(*) FILTER (WHERE ListCost <> ContractedCost), count(*) FILTER (WHERE ChargeCategory "
                    "<> 'Usage') FROM cost") == [(0, 0, 0)]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[{'name': 'x', 'amount': __import__('os')}]", "character 26: expected a list, dict, string, number"),
        ("[{'name': 'x', 'amount': -1e-06}", "the list is not closed"),
        ("[{'amount': 1, 'amount': 2}]", "key 'amount' appears twice"),
        ("[{'name': 'x', 'amount': Decimal('1.5')}]", "character 26: expected a list, dict"),
        ("[{'key': 'a'} ...]", "'...': the list was abbreviated"),
    ],
)
def test_gcp_bad_python_literal_names_row_column_and_character(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                               value: str, message: str) -> None:
    records = ci.gcp_records(14, n=4)
    content = _pandas_csv(records, numpy_arrays=False).decode()
    rows = vi.read_rows(content.encode())
    rows[2]["credits"] = value
    path = tmp_path / "bad.csv"
    path.write_bytes(vi.write_csv(list(rows[0]), rows))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, "gcp-billing", [str(path)])
    assert (info.value.row, info.value.column) == (3, "credits")
    assert "is neither JSON nor a Python literal list" in str(info.value) and message in str(info.value)
    assert ci.snapshot(con) == before


# -- where a CSV breaks --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "row", "column", "message"),
    [
        (b"a,b,c\n1,2,3\n4,5\n", 2, "c", "the row ends after 2 of the header's 3 fields"),
        (b"a,b,c\n1,2,3,4\n", 1, "c", "4 fields where the header names 3 columns: 1 value(s) after the last column"),
        (b'a,b,c\n1,"x"y,3\n', 1, "b", "a quoted value goes on after its closing quote"),
        (b'a,b,c\n1,2,3\n4,5,"six\n', 2, "c", "a quoted value is never closed"),
        (b"a,b,c\n1,2,3\n4,\xe9t\xe9,6\n", 2, "b", "not UTF-8 text (byte 0xE9; as Windows-1252 it would read 'été')"),
        (b"a,b,c\r\n1,2,3\r\n4,5,\x81\r\n", 2, "c", "not UTF-8 text (byte 0x81); save the export as UTF-8"),
        (b'a,b,c\n1,"2\n2",3\n4,5\n', 2, "c", "the row ends after 2"),  # a quoted newline is one record
    ],
)
def test_csv_layout_names_row_column_and_what_was_expected(tmp_path: Path, content: bytes, row: int, column: str,
                                                           message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(ExportFormatError) as info:
        csv_layout(path, ["a", "b", "c"])
    assert (info.value.row, info.value.column) == (row, column)
    assert message in info.value.message


def test_csv_layout_of_sound_files(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b'a,b,c\r\n1,"x\ny",3\n\n4,,6\r\n')
    assert csv_layout(path, ["a", "b", "c"]).__dict__ == {
        "rows": 2, "fields": 3, "value_bytes": len("1x\ny346"), "line_endings": ("\r\n", "\n")}
    path.write_bytes(b"a,b,c\n1,2\n3,4\n")
    assert csv_layout(path, ["a", "b", "c"], short_rows_ok=True).fields == 2
    with pytest.raises(ExportFormatError, match="row 2 has 3, so the rows do not all lack the same columns"):
        path.write_bytes(b"a,b,c\n1,2\n3,4,5\n")
        csv_layout(path, ["a", "b", "c"], short_rows_ok=True)


def test_broken_field_counts_quoted_delimiters() -> None:
    assert broken_field('"a,b","c""d",x"y,"e"f') == (3, broken_field('1,"x"y')[1])


@pytest.mark.parametrize(
    ("kind", "content", "row", "column"),
    [
        ("azure", b"SubscriptionGuid,UsageDateTime,MeterCategory,PreTaxCost,Currency\n"
                  b"s,2026-07-01,VM,1,USD\ns,2026-07-02,VM,\"2\"x,USD\n", 2, "PreTaxCost"),
        ("azure", b"SubscriptionGuid,UsageDateTime,MeterCategory,PreTaxCost,Currency\r\n"
                  b"s,2026-07-01,VM,1,USD\r\ns,2026-07-02,VM,2\r\n", 2, "Currency"),
        ("azure", b"SubscriptionGuid,UsageDateTime,MeterCategory,PreTaxCost,Currency,OfferId\n"
                  b"s,2026-07-01,VM,1,USD,ok\ns,2026-07-02,VM,2,USD,\xc3\x28\n", 2, "OfferId"),  # a column not mapped
        ("focus", b"BilledCost,EffectiveCost\n1,2\n3,4,5\n", 2, "EffectiveCost"),
        ("gcp-billing", b"billing_account_id,cost\n\"a,1\n", 1, "billing_account_id"),
    ],
)
def test_reader_failures_name_row_and_column_never_duckdb_text(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                               kind: str, content: bytes, row: int,
                                                               column: str) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, kind, [str(path)])
    text = str(info.value)
    assert (info.value.row, info.value.column) == (row, column), text
    assert "\n" not in text
    for raw in ("Invalid Input Error", "Possible fixes", "strict_mode", "state machine", "Original Line", "Error:"):
        assert raw not in text
    assert ci.snapshot(con) == before


def test_header_map_recovers_english_names() -> None:
    m = header_map(["Abonnement-GUID", "Kosten", "PreTaxCost (PreTaxCost)", "usage date time", "\ufeffTags"])
    assert m.english == {"Abonnement-GUID": "SubscriptionGuid", "PreTaxCost (PreTaxCost)": "PreTaxCost",
                         "usage date time": "usage date time", "\ufeffTags": "Tags"}
    assert (m.languages, m.unmapped) == (("German",), ("Kosten",))


# -- typed CUR parquet columns --------------------------------------------------------------------------
def _cur_table(**override: pa.Array) -> pa.Table:
    ms = pa.timestamp("ms", tz="UTC")
    columns = {
        "line_item_line_item_type": pa.array(["Usage", "Tax"]),
        "line_item_unblended_cost": pa.array([1.25, 0.5]),
        "line_item_usage_start_date": pa.array([1_783_000_000_000, 1_783_000_000_000], type=ms),
        "line_item_usage_end_date": pa.array([1_783_003_600_000, 1_783_003_600_000], type=ms),
        "bill_billing_period_start_date": pa.array([1_782_864_000_000] * 2, type=ms),
        "bill_billing_period_end_date": pa.array([1_785_542_400_000] * 2, type=ms),
        "bill_payer_account_id": pa.array(["123412340534"] * 2),
        "line_item_currency_code": pa.array(["USD"] * 2),
    }
    columns.update(override)
    return pa.table(columns)


@pytest.mark.parametrize(
    ("override", "column", "message"),
    [
        ({"line_item_usage_start_date": pa.array([5, 6])}, "line_item_usage_start_date",
         "has type BIGINT in the file's schema; expected a timestamp (or text)"),
        ({"line_item_unblended_cost": pa.array([True, False])}, "line_item_unblended_cost",
         "has type BOOLEAN in the file's schema; expected a number (or text)"),
        ({"line_item_unblended_cost": pa.array([[1.0], [2.0]])}, "line_item_unblended_cost",
         "has type DOUBLE[] in the file's schema; expected a number (or text)"),
        ({"line_item_line_item_type": pa.array([b"Usage", b"Tax"])}, "line_item_line_item_type",
         "has type BLOB in the file's schema; expected text"),
    ],
)
def test_cur_parquet_column_of_the_wrong_type_is_refused_naming_it(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                                  override: dict, column: str, message: str) -> None:
    path = tmp_path / "cur.parquet"
    path.write_bytes(ci.parquet_bytes(_cur_table(**override)))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, "aws-cur", [str(path)])
    assert (info.value.column, info.value.message) == (column, message)
    assert ci.snapshot(con) == before
    # the same file with the right types loads, with the total of its rows
    path.write_bytes(ci.parquet_bytes(_cur_table(line_item_unblended_cost=pa.array([1, 2], type=pa.decimal128(12, 0)),
                                                 bill_payer_account_id=pa.array([123412340534] * 2))))
    (result,) = ingest(con, "aws-cur", [str(path)])
    assert result.billed_total == 3 and run(con, "SELECT DISTINCT BillingAccountId FROM cost") == [("123412340534",)]
