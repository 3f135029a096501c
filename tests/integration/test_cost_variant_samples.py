"""Real export variants (issue 13) from public repositories load with exactly the totals a plain
csv / ast parse of the file gives, or are refused naming file, row and column; ``auto`` picks the
kind and the load message says which variant was read."""

from __future__ import annotations

import ast
import csv
import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from analytics.errors import ExportFormatError
from analytics.sources import ingest
from analytics.warehouse import run
from tests.unit import cost_inputs as ci

pytestmark = pytest.mark.integration

COST = Path(__file__).resolve().parents[1] / "data" / "cost"
HEADERSETS = COST / "azure" / "headersets"
COST_COLUMNS = {"costinbillingcurrency", "pretaxcost"}


def english(header: str) -> str:
    """The English column name of a (possibly localised) Azure header: the name in parentheses."""
    match = re.search(r"\(([^()]+)\)\s*$", header)
    return (match.group(1) if match else header).strip()


def azure_rows(path: Path) -> list[dict[str, str]]:
    """Rows keyed by English column name, lower-case (csv module, BOM dropped)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [{english(k).lower(): v for k, v in row.items()} for row in csv.DictReader(handle)]


def month_of(text: str) -> str:
    """YYYY-MM of an ISO or M/D/YYYY date."""
    if "/" in text:
        month, _, year = text.split("/")
        return f"{year}-{int(month):02d}"
    return text[:7]


@pytest.mark.parametrize(
    ("name", "variant", "account_column", "period_column", "known"),
    [
        ("PayAsYouGo.csv", "usage details v1 (PascalCase)", "subscriptionguid", "usagedatetime",
         ("2021-02", "USD", "0.075")),
        ("German.csv", "usage details v1 (PascalCase), German headers", "subscriptionguid", "usagedatetime",
         ("2021-02", "USD", "0.075")),
        ("YA.csv", "subscription usage details (camelCase), German headers", "subscriptionid", "date",
         ("2021-02", "USD", "0.075")),
        ("Enterprise.csv", "EA cost details (PascalCase)", "billingaccountid", "billingperiodstartdate",
         ("2021-05", "CAD", "0")),
        ("EnterpriseCamel.csv", "partner (MPA) customer cost details (camelCase)", "customertenantid", "date",
         ("2021-02", "USD", "0.012")),
    ],
)
def test_azure_real_header_sets(con: duckdb.DuckDBPyConnection, name: str, variant: str, account_column: str,
                                period_column: str, known: tuple[str, str, str]) -> None:
    path = HEADERSETS / name
    rows = azure_rows(path)
    cost = next(c for c in rows[0] if c in COST_COLUMNS)
    currency = next(c for c in ("billingcurrencycode", "billingcurrency", "currency") if c in rows[0])
    expected: dict[tuple[str, str], list] = defaultdict(lambda: [Decimal(0), 0])
    for r in rows:
        acc = expected[(month_of(r[period_column]), r[currency])]
        acc[0] += Decimal(r[cost])
        acc[1] += 1
    (result,) = ingest(con, "auto", [str(path)])
    assert (result.kind, result.variant, result.detected) == ("azure", variant, True)
    assert f"(file {result.file_id}, detected azure: {variant})" in result.summary()
    got = {k: [b, n] for k, (b, _e, n) in ci.cost_totals(con, result.file_id).items()}
    assert got == dict(expected) == {known[:2]: [Decimal(known[2]), 1]}  # the one data row, as read by eye
    assert run(con, "SELECT DISTINCT BillingAccountId FROM cost") == [(rows[0][account_column],)]
    assert run(con, "SELECT reconciled FROM ingest_ledger") == [(True,)]


def test_azure_bom_header_set_is_refused_naming_its_empty_cost(con: duckdb.DuckDBPyConnection) -> None:
    path = HEADERSETS / "BOM.csv"  # the PayAsYouGo header after a UTF-8 BOM; every field but the date empty
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, "auto", [str(path)])
    assert (info.value.file, info.value.row, info.value.column) == (str(path), 1, "PreTaxCost")
    assert info.value.message == "value is required but empty"
    assert ci.snapshot(con) == before


def test_azure_mca_camelcase_v2_sample(con: duckdb.DuckDBPyConnection) -> None:
    path = COST / "azure" / "opencost_values" / "test_azure_billing.csv"
    rows = azure_rows(path)
    total = sum(Decimal(r["costinbillingcurrency"]) for r in rows)
    assert (total, len(rows)) == (Decimal("42.676"), 5)
    (result,) = ingest(con, "auto", [str(path)])
    assert result.variant == "MCA cost details (camelCase v2)"
    # billingPeriodStartDate is empty on every row: the billing period is the month of `date`
    assert ci.cost_totals(con, result.file_id) == {("2024-10", "USD"): (total, total, 5)}
    tags = dict(run(con, "SELECT ResourceId, Tags FROM cost"))
    for r in rows:  # quoted JSON with doubled quotes, read as the object it is
        assert json.loads(tags[r["resourceid"]]) == json.loads(r["tags"])
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    assert (details["variant"], details["billing_period_from"]) == ("mca", "calendar month of date")


def test_gcp_export_written_with_python_literals(con: duckdb.DuckDBPyConnection) -> None:
    path = COST / "gcp" / "billing_export_2020-11_python_literals.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows[0]) == 29 and "cost_at_list" not in rows[0]  # an older, 29-column export
    net = defaultdict(lambda: [Decimal(0), 0])
    for r in rows:  # ast.literal_eval: the test's own, independent reading of the literals
        credits = ast.literal_eval(r["credits"])
        acc = net[r["invoice.month"]]
        acc[0] += Decimal(r["cost"]) + sum(Decimal(repr(c["amount"])) for c in credits)
        acc[1] += 1
    assert {k: v[1] for k, v in net.items()} == {"202011": 25}
    (result,) = ingest(con, "auto", [str(path)])
    assert result.kind == "gcp-billing" and result.detected
    assert result.variant == "flattened CSV, 29 columns, repeated fields as Python literals (pandas / BigQuery client)"
    got = ci.cost_totals(con, result.file_id, period="x_InvoiceMonth")
    assert got == {("202011", "USD"): (net["202011"][0], net["202011"][0], 25)}
    gross = sum(Decimal(r["cost"]) for r in rows)
    assert run(con, "SELECT sum(ContractedCost) FROM cost") == [(gross,)] and gross == Decimal("0.000032")
    credited = [r for r in rows if ast.literal_eval(r["credits"])]
    stored = run(con, "SELECT x_Credits FROM cost WHERE x_Credits IS NOT NULL")
    assert len(stored) == len(credited) == 8
    key = lambda v: json.dumps(v, sort_keys=True)  # noqa: E731
    assert sorted(key(json.loads(c)) for (c,) in stored) == sorted(
        key(ast.literal_eval(r["credits"])) for r in credited
    )
    labelled = sorted(ast.literal_eval(r["labels"])[0]["value"] for r in rows if ast.literal_eval(r["labels"]))
    assert sorted(json.loads(t)["goog-resource-type"] for (t,) in run(con, "SELECT Tags FROM cost WHERE Tags "
                                                                           "IS NOT NULL")) == labelled
    details = json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])
    assert {"cost_at_list", "resource.global_name", "transaction_type"} <= set(details["absent_columns"])


def _cur_with_trailing_column(tmp_path: Path, *, extra: dict[int, str] | None = None) -> Path:
    """The real legacy CUR sample with one more header column that no row fills (CRLF), as AWS
    writes when a tag column is activated after the month's rows were written."""
    with (COST / "aws" / "cur_legacy_sample.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    path = tmp_path / "cur-00001.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([*rows[0], "resourceTags/user:Owner"])
        for i, row in enumerate(rows[1:], start=1):
            writer.writerow([*row, extra[i]] if extra and i in extra else row)
    return path


def test_aws_legacy_cur_header_longer_than_every_row(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = _cur_with_trailing_column(tmp_path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    assert {len(r) for r in rows} == {len(header) - 1} == {94}
    billed = sum(Decimal(r[header.index("lineItem/UnblendedCost")]) for r in rows)
    (result,) = ingest(con, "auto", [str(path)])
    assert (result.kind, result.variant) == ("aws-cur", "legacy CUR (category/Name columns)")
    assert ci.cost_totals(con, result.file_id) == {("2023-11", "USD"): (billed, billed, 1281)}
    warning = "every row lacks the header's last 1 column(s) ('resourceTags/user:Owner'): loaded as empty"
    assert result.warnings == (warning,)
    assert json.loads(run(con, "SELECT details FROM ingest_ledger")[0][0])["warnings"] == [warning]
    assert run(con, "SELECT count(*) FROM cost WHERE Tags IS NOT NULL") == [(0,)]


def test_aws_legacy_cur_rows_of_uneven_length_are_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = _cur_with_trailing_column(tmp_path, extra={7: "alice"})
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as info:
        ingest(con, "aws-cur", [str(path)])
    assert (info.value.row, info.value.column) == (1, "resourceTags/user:Owner")
    assert "row 7 has 95, so the rows do not all lack the same columns" in info.value.message
    assert ci.snapshot(con) == before


def test_status_shows_the_warning_of_a_load(tmp_path: Path) -> None:
    import analytics
    from analytics.status import warehouse_status

    warehouse = str(tmp_path / "wh.duckdb")
    con = analytics.connect(warehouse)
    try:
        (result,) = ingest(con, "aws-cur", [str(_cur_with_trailing_column(tmp_path))])
    finally:
        con.close()
    status = warehouse_status(warehouse)
    assert status.recent[0]["warnings"] == list(result.warnings) and status.recent[0]["variant"] == "legacy"
    assert f"  file {result.file_id} cur-00001.csv: {result.warnings[0]}" in status.as_text().splitlines()
