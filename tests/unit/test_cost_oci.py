"""Oracle Cloud cost exports (issue 13.7): the proprietary cost reports (kind ``oci``) and OCI's own
FOCUS reports (kind ``focus``).

Real samples (tests/data/cost/oci, README there): Red Hat koku's OCI cost report test file (5 rows,
GBP, empty currency on zero-cost rows) and the first 6 rows of the FinOps Foundation
focus_converters' OCI cost report (USD, minute-only start times, scientific-notation amounts), plus
seeded generators following Oracle's documented columns. Every expected number is computed here with
``csv`` and ``Decimal`` from the file bytes.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.errors import ExportFormatError
from analytics.sources import LoadOptions, ingest, sniff_kind
from analytics.warehouse import run
from tests.conftest import TEST_DATA
from tests.unit import cost_inputs as ci
from tests.unit.test_cost_hostile import (
    NOT_AMOUNT,
    NOT_NUMBER,
    NOT_TIMESTAMP,
    SETTINGS,
    CsvSpec,
    _load_csv_case,
    cost_verifier,
    csv_case,
)

pytestmark = pytest.mark.unit

OCI = TEST_DATA / "cost" / "oci"
KOKU = OCI / "reports_cost-csv_0001000000603747.csv"
CONVERTERS = OCI / "reports_cost-csv_0000000030000269_first6.csv"
FOCUS_SAMPLE = TEST_DATA / "cost" / "focus" / "focus_sample_1.0.csv"
TEN_PLACES = Decimal("1e-10")


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


def totals(rows: list[dict[str, str]]) -> dict[tuple[str, str], tuple[Decimal, int]]:
    """Σ cost/myCost and rows per (month of intervalUsageStart, currency; empty → the file's only one),
    each amount at the warehouse's ten decimals (DECIMAL(38, 10) rounds half away from zero)."""
    written = {r["cost/currencyCode"] for r in rows} - {""}
    out: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for r in rows:
        key = (r["lineItem/intervalUsageStart"][:7], r["cost/currencyCode"] or min(written))
        total, n = out.get(key, (Decimal(0), 0))
        out[key] = (total + Decimal(r["cost/myCost"]).quantize(TEN_PLACES, ROUND_HALF_UP), n + 1)
    return out


def loaded(con: duckdb.DuckDBPyConnection, file_id: int | None = None) -> dict[tuple[str, str], tuple[Decimal, int]]:
    where, params = ("WHERE source_file_id = $f", {"f": file_id}) if file_id is not None else ("", {})
    return {(p, c): (Decimal(b), int(n)) for p, c, b, n in run(
        con, f"SELECT strftime(BillingPeriodStart, '%Y-%m'), BillingCurrency, sum(BilledCost), count(*) FROM cost "
             f"{where} GROUP BY ALL", params)}  # fmt: skip


def test_koku_oci_cost_report_loads_and_reconciles(con: duckdb.DuckDBPyConnection) -> None:
    rows = csv_rows(KOKU.read_bytes())
    (result,) = ingest(con, "oci", [str(KOKU)])
    assert result.rows_loaded == len(rows) == 5
    assert loaded(con) == totals(rows) == {("2022-04", "GBP"): (Decimal("0.000040641"), 5)}
    got = run(con, "SELECT x_ReferenceNo, BillingAccountId, SubAccountId, ChargePeriodStart, ChargePeriodEnd, "
                   "ServiceName, ServiceCategory, ResourceType, RegionName, AvailabilityZone, SkuId, Tags "
                   "FROM cost ORDER BY x_ReferenceNo")  # fmt: skip
    assert [(r[0], r[1], r[2]) for r in got] == [
        (src["lineItem/referenceNo"], src["cost/subscriptionId"], src["lineItem/tenantId"]) for src in rows
    ]  # the subscription id is kept as written: '015649487' on row 1, '15649487' on the others
    for (_, _, _, start, end, service, _, _, region, zone, sku, tags), src in zip(got, rows, strict=True):
        assert start.strftime("%Y-%m-%dT%H:%MZ") == src["lineItem/intervalUsageStart"]
        assert end.strftime("%Y-%m-%dT%H:%MZ") == src["lineItem/intervalUsageEnd"]
        assert (service, region, zone, sku) == (src["product/service"], src["product/region"],
                                                src["product/availabilityDomain"] or None, src["cost/productSku"])
        expected_tags = {k[len("tags/"):]: v for k, v in src.items() if k.startswith("tags/") and v}
        assert (json.loads(tags) if tags else {}) == expected_tags
    assert [r[7] for r in got] == [None, None, None, "apigateway", "bootvolume"]
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    assert details["currency_filled_rows"] == sum(1 for r in rows if not r["cost/currencyCode"]) == 2
    assert run(con, "SELECT reconciled FROM ingest_ledger") == [(True,)]


def test_focus_converters_oci_report_with_minute_timestamps_and_exponents(con: duckdb.DuckDBPyConnection) -> None:
    rows = csv_rows(CONVERTERS.read_bytes())
    (result,) = ingest(con, "oci", [str(CONVERTERS)])
    assert loaded(con, result.file_id) == totals(rows)
    total = sum((Decimal(r["cost/myCost"]) for r in rows), Decimal(0))
    ((source,),) = run(con, "SELECT source_billed_total FROM ingest_ledger")
    assert abs(source - total) < Decimal("1e-10")  # 2.323760000E-9 and 6.266090E-12 are in it
    assert run(con, "SELECT min(ChargePeriodStart)::VARCHAR, max(ChargePeriodEnd)::VARCHAR FROM cost") == [
        ("2023-11-13 07:00:00+00", "2023-11-13 11:00:00+00")]  # fmt: skip
    names = {k[len("tags/"):] for k in rows[0] if k.startswith("tags/")}
    assert "DevRel\\redbull-analytics-hol-4cb4.release" in names  # a backslash in a tag header is a plain key
    assert run(con, "SELECT DISTINCT BillingAccountId FROM cost") == [(rows[0]["cost/subscriptionId"],)]


def test_crlf_and_gzip_copies_load_the_same(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    import gzip

    raw = CONVERTERS.read_bytes()
    crlf = tmp_path / "crlf" / "reports_cost-csv_0000000030000269.csv"
    crlf.parent.mkdir()
    crlf.write_bytes(raw.replace(b"\n", b"\r\n"))
    (first,) = ingest(con, "oci", [str(crlf)])
    assert loaded(con, first.file_id) == totals(csv_rows(raw))
    gz = tmp_path / "gz" / "reports_cost-csv_0000000030000270.csv.gz"
    gz.parent.mkdir()
    shifted = raw.replace(b"2023-11-13", b"2023-12-13").replace(b"\n7108", b"\n8108").replace(b"\n0d26", b"\n1d26")
    for old, new in ((b"\n5835", b"\n6835"), (b"\nadb5", b"\nbdb5"), (b"\n98b0", b"\n08b0"), (b"\n5142", b"\n6142")):
        shifted = shifted.replace(old, new)
    gz.write_bytes(gzip.compress(shifted))
    (second,) = ingest(con, "oci", [str(gz)])
    assert loaded(con, second.file_id) == totals(csv_rows(shifted))


def test_oci_reports_are_increments_that_add_up(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    first, later = ci.oci_rows(1, day="2023-11-13"), ci.oci_rows(2, day="2023-11-14", first_reference=100)
    paths = []
    for i, rows in enumerate((first, later)):
        folder = tmp_path / f"2023-11-1{3 + i}"
        folder.mkdir()
        path = folder / f"reports_cost-csv_00010000006037{40 + i}.csv"
        path.write_bytes(ci.csv_bytes(ci.OCI_HEADER, [[r[h] for h in ci.OCI_HEADER] for r in rows], newline="\r\n"))
        paths.append(path)
        ingest(con, "oci", [str(path)])
    expected = ci.oci_expected(first + later)
    assert {k: (b, n) for k, (b, _, n) in expected.items()} == loaded(con)
    assert run(con, "SELECT count(*), count(*) FILTER (WHERE status = 'loaded') FROM ingest_ledger") == [(2, 2)]
    assert run(con, "SELECT count(*) FROM cost WHERE ChargeClass = 'Correction'") == [(2,)]
    before = ci.snapshot(con)
    (again,) = ingest(con, "oci", [str(paths[0])])
    assert again.status == "unchanged" and ci.snapshot(con) == before


def test_a_file_repeating_loaded_rows_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rows = ci.oci_rows(3)
    a = tmp_path / "a.csv"
    a.write_bytes(ci.csv_bytes(ci.OCI_HEADER, [[r[h] for h in ci.OCI_HEADER] for r in rows]))
    ingest(con, "oci", [str(a)])
    overlap = ci.oci_rows(4, first_reference=50)
    overlap[2]["lineItem/referenceNo"] = rows[5]["lineItem/referenceNo"]
    b = tmp_path / "b.csv"
    b.write_bytes(ci.csv_bytes(ci.OCI_HEADER, [[r[h] for h in ci.OCI_HEADER] for r in overlap]))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "oci", [str(b)])
    assert (err.value.row, err.value.column) == (3, "lineItem/referenceNo")
    assert "already loaded (file 1)" in str(err.value) and ci.snapshot(con) == before


def test_empty_currency_in_a_file_of_two_currencies_names_the_row(con: duckdb.DuckDBPyConnection,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    rows = ci.oci_rows(5, n=4)
    for r in rows:
        r["cost/currencyCode"] = "USD"
    rows[1]["cost/currencyCode"] = "EUR"
    rows[2]["cost/currencyCode"] = ""
    path = tmp_path / "two.csv"
    path.write_bytes(ci.csv_bytes(ci.OCI_HEADER, [[r[h] for h in ci.OCI_HEADER] for r in rows]))
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "oci", [str(path)])
    assert (err.value.row, err.value.column) == (3, "cost/currencyCode")
    # --option currency fills the empty cell, but the period still mixes USD and EUR
    with pytest.raises(ExportFormatError, match="mixes currencies EUR, USD"):
        ingest(con, "oci", [str(path)], LoadOptions(extra={"currency": "USD"}))


def test_auto_recognises_oci_reports_and_a_missing_column_is_named(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    assert sniff_kind(KOKU).name == "oci" and sniff_kind(CONVERTERS).name == "oci"
    header = [h for h in ci.OCI_HEADER if h != "cost/myCost"]
    path = tmp_path / "nocost.csv"
    path.write_bytes(ci.csv_bytes(header, [[r[h] for h in header] for r in ci.oci_rows(6)]))
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "oci", [str(path)])
    assert err.value.column == "cost/myCost" and "OCI cost report" in str(err.value)


OCI_SPEC = CsvSpec(
    header=ci.OCI_HEADER,
    required=ci.OCI_REQUIRED,
    bad={
        "cost/myCost": NOT_AMOUNT,
        "lineItem/intervalUsageStart": NOT_TIMESTAMP,
        "lineItem/intervalUsageEnd": NOT_TIMESTAMP,
        "usage/billedQuantity": NOT_NUMBER,
        "cost/unitPrice": NOT_NUMBER,
        "cost/currencyCode": st.sampled_from(["US", "DOLLAR", "12$", "€"]),
    },
    free_text=ci.OCI_FREE_TEXT,
    reads_every_column=True,
)


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_oci_csv(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory, seed: int,
                         data: st.DataObject) -> None:  # fmt: skip
    rows = ci.oci_rows(seed)
    for r in rows:  # every currency written, so an emptied one is a required value
        r["cost/currencyCode"] = "USD"
    case = data.draw(csv_case(OCI_SPEC, rows))
    folder = tmp_path_factory.mktemp("oci")
    _load_csv_case(con, folder, "oci", case, ci.oci_expected, cost_verifier, name="reports_cost-csv_1.csv")


# -- OCI's own FOCUS reports, kind focus --------------------------------------------------------------
def oci_focus_csv(rows: list[dict[str, str | None]]) -> bytes:
    return ci.csv_bytes(ci.OCI_FOCUS_HEADER, [[r[h] for h in ci.OCI_FOCUS_HEADER] for r in rows])


def test_the_oracle_rows_of_the_focus_sample_load_with_focus(con: duckdb.DuckDBPyConnection) -> None:
    ingest(con, "focus", [str(FOCUS_SAMPLE)])
    with FOCUS_SAMPLE.open(newline="") as handle:
        oracle = [r for r in csv.DictReader(handle) if r["ProviderName"] == "Oracle"]
    want = sum((Decimal(r["BilledCost"]).quantize(TEN_PLACES, ROUND_HALF_UP) for r in oracle), Decimal(0))
    got = run(con, "SELECT sum(BilledCost), count(*) FROM cost WHERE ProviderName = 'Oracle'")
    assert got == [(want, len(oracle))] and sum(Decimal(r["BilledCost"]) for r in oracle) == Decimal("0.53707392473")


def test_oci_focus_daily_reports_load_with_focus_and_add_up(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    days = [ci.oci_focus_rows(7, day="2024-09-15"), ci.oci_focus_rows(8, day="2024-09-16", first_reference=20)]
    paths = []
    for rows in days:  # OCI's layout: FOCUS Reports/YYYY/MM/DD/<n>-00001.csv(.gz)
        day = rows[0]["ChargePeriodStart"][:10].replace("-", "/")
        path = tmp_path / "FOCUS Reports" / day / "0001000001234567-00001.csv"
        path.parent.mkdir(parents=True)
        path.write_bytes(oci_focus_csv(rows))
        paths.append(path)
    assert sniff_kind(paths[0]).name == "focus"
    results = ingest(con, "focus", [str(tmp_path / "FOCUS Reports")])
    assert len(results) == 2 and not any(r.superseded_file_ids for r in results)
    want = sum((Decimal(r["BilledCost"]) for rows in days for r in rows), Decimal(0))
    got = run(con, "SELECT sum(BilledCost), count(*), count(DISTINCT x_oci_ReferenceNumber), min(ProviderName), "
                   "min(PublisherName), min(InvoiceIssuerName), min(RegionName), sum(ConsumedQuantity), "
                   "min(x_ChargeSubcategory) FROM cost")  # fmt: skip
    assert got == [(want, 12, 12, "Oracle", "Oracle", "Oracle", "us-sanjose-1", 96.0, "On-Demand")]
    details = [json.loads(d) for (d,) in run(con, "SELECT details FROM ingest_ledger ORDER BY file_id")]
    assert [d["periods"] for d in details] == ["added", "added"]
    # the same rows again under another name would count twice: refused, nothing changes
    again = tmp_path / "copy" / "0001000001234999-00001.csv"
    again.parent.mkdir()
    again.write_bytes(oci_focus_csv(days[1][::-1]))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "focus", [str(again)])
    assert err.value.column == "oci_ReferenceNumber" and err.value.row == 1 and ci.snapshot(con) == before
