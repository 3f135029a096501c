"""CUR 2.0 parquet (generated with pyarrow, MAP columns included), Data Exports manifests locally
and on S3 (moto), the AWS amortisation rules, and hostile input."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from analytics.demo.render_cost import CUR_SCHEMA
from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions, ingest
from analytics.warehouse import CANONICAL_TABLES, run

pytestmark = pytest.mark.unit

TYPES = [
    "Usage",
    "Usage",
    "Usage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "DiscountedUsage",
    "Tax",
    "Credit",
    "SavingsPlanRecurringFee",
    "RIFee",
    "Fee",
    "Refund",
]


def cur2_lines(seed: int, n: int, *, period: str = "2026-07", scale: float = 1.0) -> list[dict]:
    """Seeded CUR 2.0 line items with two-decimal-cent amounts (so expected sums are exact)."""
    rng = random.Random(seed)
    start = datetime.fromisoformat(f"{period}-01")
    end = (start + timedelta(days=32)).replace(day=1)
    lines = []
    for i in range(n):
        kind = rng.choice(TYPES)
        amount = round(rng.randint(1, 100_000) / 100 * scale, 2)
        day = start + timedelta(hours=rng.randrange(24 * 28))
        line = {c: None for c in CUR_SCHEMA.names}
        line.update(
            identity_line_item_id=f"li-{seed}-{i}",
            bill_payer_account_id="123456789012",
            bill_billing_period_start_date=start,
            bill_billing_period_end_date=end,
            line_item_usage_account_id=rng.choice(["111111111111", "222222222222"]),
            line_item_line_item_type=kind,
            line_item_usage_start_date=day,
            line_item_usage_end_date=day + timedelta(hours=1),
            line_item_product_code=rng.choice(["AmazonEC2", "AmazonS3"]),
            line_item_currency_code="USD",
            line_item_unblended_cost=-amount if kind in ("Credit", "Refund", "SavingsPlanNegation") else amount,
            line_item_usage_amount=1.0,
            pricing_public_on_demand_cost=amount,
            product=[("product_name", "Amazon Elastic Compute Cloud"), ("region", "us-east-1")],
            resource_tags=[("user_team", rng.choice(["a", "b"])), ("aws_createdBy", "me")] if i % 3 else [],
            cost_category=[("unit", "x")],
            discount=[("edp", -0.01)] if i % 5 == 0 else [],
        )
        if kind == "DiscountedUsage":
            line.update(
                line_item_unblended_cost=0.0,
                reservation_effective_cost=amount / 2,
                reservation_reservation_a_r_n="arn:ri",
            )
        if kind == "RIFee":
            line.update(
                reservation_reservation_a_r_n="arn:ri",
                reservation_unused_amortized_upfront_fee_for_billing_period=1.25,
                reservation_unused_recurring_fee=0.75,
            )
        if kind.startswith("SavingsPlan"):
            line["savings_plan_savings_plan_a_r_n"] = "arn:sp"
        if kind == "SavingsPlanCoveredUsage":
            line["savings_plan_savings_plan_effective_cost"] = round(amount * 0.7, 2)
        if kind == "SavingsPlanRecurringFee":
            line.update(
                savings_plan_total_commitment_to_date=amount, savings_plan_used_commitment=round(amount * 0.8, 2)
            )
        lines.append(line)
    return lines


def expected_totals(lines: list[dict]) -> tuple[Decimal, Decimal]:
    """BilledCost and EffectiveCost by the AWS amortisation table, computed independently in Decimal."""
    billed = effective = Decimal(0)
    for line in lines:
        d = {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in line.items()}
        b = d["line_item_unblended_cost"]
        billed += b
        kind = d["line_item_line_item_type"]
        if kind == "SavingsPlanCoveredUsage":
            effective += d["savings_plan_savings_plan_effective_cost"]
        elif kind == "SavingsPlanRecurringFee":
            effective += d["savings_plan_total_commitment_to_date"] - d["savings_plan_used_commitment"]
        elif kind == "DiscountedUsage":
            effective += d["reservation_effective_cost"]
        elif kind == "RIFee":
            effective += Decimal("2.00")
        elif kind != "SavingsPlanNegation":
            effective += b
    return billed, effective


def write_cur2(path: Path, lines: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(lines, schema=CUR_SCHEMA), path)
    return path


def state(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    counts = ", ".join(f"(SELECT count(*) FROM {t})" for t in (*CANONICAL_TABLES, "ingest_ledger"))
    return [
        *run(con, f"SELECT {counts}"),
        *run(con, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'cost'"),
        *run(con, "SELECT coalesce(sum(BilledCost), 0) FROM cost"),
    ]


def test_cur2_parquet_maps_and_amortisation(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = cur2_lines(7, 400)
    result = ingest(con, "aws-cur", [str(write_cur2(tmp_path / "cur.parquet", lines))])[0]
    billed, effective = expected_totals(lines)
    assert run(con, "SELECT sum(BilledCost), sum(EffectiveCost), count(*) FROM cost") == [(billed, effective, 400)]
    assert result.billed_total == billed
    assert run(con, "SELECT DISTINCT Tags FROM cost WHERE Tags IS NOT NULL ORDER BY 1") == [
        ('{"team":"a","aws:createdBy":"me"}',),
        ('{"team":"b","aws:createdBy":"me"}',),
    ]
    assert run(con, "SELECT DISTINCT ServiceName, RegionId, x_CostCategories FROM cost") == [
        ("Amazon Elastic Compute Cloud", "us-east-1", '{"unit":"x"}')
    ]
    by_type = dict(
        run(
            con,
            "SELECT x_SourceLineItemType, any_value(ChargeCategory || '/' || "
            "coalesce(CommitmentDiscountStatus, '-')) FROM cost GROUP BY 1",
        )
    )
    assert by_type["Credit"] == "Credit/-" and by_type["Refund"] == "Adjustment/-" and by_type["Tax"] == "Tax/-"
    assert by_type["SavingsPlanCoveredUsage"] == "Usage/Used" and by_type["DiscountedUsage"] == "Usage/Used"
    assert by_type["SavingsPlanRecurringFee"] == "Purchase/Unused" and by_type["RIFee"] == "Purchase/Unused"
    assert run(con, "SELECT count(*) FROM cost WHERE x_Discounts = '{\"edp\":-0.01}'")[0][0] == 80


def _export(root: Path, period: str, execution: str, files: dict[str, list[dict]], *, manifest: list[str]) -> None:
    """A local Data Exports layout: data files, then the manifest naming ``manifest`` of them."""
    for name, lines in files.items():
        write_cur2(root / "data" / f"BILLING_PERIOD={period}" / execution / name, lines)
    meta = root / "metadata" / f"BILLING_PERIOD={period}"
    meta.mkdir(parents=True, exist_ok=True)
    uris = [f"s3://bucket/exports/cur/data/BILLING_PERIOD={period}/{execution}/{n}" for n in manifest]
    (meta / "cur-Manifest.json").write_text(json.dumps({"executionId": execution, "dataFiles": uris}))


def test_local_export_folder_follows_the_manifest(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    root = tmp_path / "cur"
    a, b, stale = cur2_lines(1, 50), cur2_lines(2, 30), cur2_lines(3, 99)
    _export(
        root,
        "2026-07",
        "e1",
        {"cur-1.parquet": a, "cur-2.parquet": b, "old.parquet": stale},
        manifest=["cur-1.parquet", "cur-2.parquet"],
    )
    results = ingest(con, "auto", [str(root)])
    assert [r.kind for r in results] == ["aws-cur"] and results[0].rows_loaded == 80
    assert run(con, "SELECT sum(BilledCost) FROM cost")[0][0] == expected_totals(a + b)[0]
    assert ingest(con, "aws-cur", [str(root)])[0].status == "unchanged"


def test_manifest_naming_a_missing_file_writes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    root = tmp_path / "cur"
    _export(root, "2026-07", "e1", {"cur-1.parquet": cur2_lines(1, 5)}, manifest=["cur-1.parquet", "gone.parquet"])
    before = state(con)
    with pytest.raises(
        ExportFormatError,
        match=r"Manifest.json, column 'dataFiles': manifest names a data file "
        r"that is missing: .*gone.parquet",
    ):
        ingest(con, "aws-cur", [str(root)])
    assert state(con) == before


def _s3_put(client, key: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    client.put_object(Bucket="bucket", Key=key, Body=body)


def _parquet_bytes(tmp: Path, lines: list[dict]) -> bytes:
    return write_cur2(tmp / f"{len(lines)}-{lines[0]['identity_line_item_id']}.parquet", lines).read_bytes()


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="bucket")
        yield client


def test_s3_restated_month_replaces_the_old_delivery(con: duckdb.DuckDBPyConnection, tmp_path: Path, s3) -> None:  # type: ignore[no-untyped-def]
    prefix = "exports/cur"
    first, june = cur2_lines(10, 60), cur2_lines(11, 20, period="2026-06")
    _s3_put(s3, f"{prefix}/data/BILLING_PERIOD=2026-07/e1/cur-00001.parquet", _parquet_bytes(tmp_path, first))
    _s3_put(s3, f"{prefix}/data/BILLING_PERIOD=2026-06/e1/cur-00001.parquet", _parquet_bytes(tmp_path, june))
    # July's manifest is written after its data; a data file without a manifest yet is not loaded
    _s3_put(
        s3,
        f"{prefix}/metadata/BILLING_PERIOD=2026-07/cur-Manifest.json",
        json.dumps(
            {
                "executionId": "e1",
                "dataFiles": [f"s3://bucket/{prefix}/data/BILLING_PERIOD=2026-07/e1/cur-00001.parquet"],
            }
        ).encode(),
    )
    results = ingest(con, "aws-cur", [f"s3://bucket/{prefix}"])
    assert [r.rows_loaded for r in results] == [60]
    # AWS restates July: a new execution's file, then the rewritten manifest; the e1 file stays behind
    second = cur2_lines(12, 45, scale=1.1)
    _s3_put(s3, f"{prefix}/data/BILLING_PERIOD=2026-07/e2/cur-00001.parquet", _parquet_bytes(tmp_path, second))
    _s3_put(
        s3,
        f"{prefix}/metadata/BILLING_PERIOD=2026-07/cur-Manifest.json",
        json.dumps(
            {
                "executionId": "e2",
                "dataFiles": [f"s3://bucket/{prefix}/data/BILLING_PERIOD=2026-07/e2/cur-00001.parquet"],
            }
        ).encode(),
    )
    again = ingest(con, "aws-cur", [f"s3://bucket/{prefix}"], LoadOptions(extra={"billing_period": "2026-07"}))
    assert again[0].superseded_file_ids == (results[0].file_id,)
    assert run(con, "SELECT file_id, status, superseded_by FROM ingest_ledger ORDER BY 1") == [
        (results[0].file_id, "superseded", again[0].file_id),
        (again[0].file_id, "loaded", None),
    ]
    billed, effective = expected_totals(second)
    assert run(con, "SELECT sum(BilledCost), sum(EffectiveCost), count(*) FROM cost") == [(billed, effective, 45)]


def test_s3_manifest_naming_a_missing_object(con: duckdb.DuckDBPyConnection, s3) -> None:  # type: ignore[no-untyped-def]
    _s3_put(
        s3,
        "x/metadata/BILLING_PERIOD=2026-07/x-Manifest.json",
        json.dumps({"dataFiles": ["s3://bucket/x/data/BILLING_PERIOD=2026-07/nope.parquet"]}).encode(),
    )
    before = state(con)
    with pytest.raises(ExportFormatError, match="missing: s3://bucket/x/data"):
        ingest(con, "aws-cur", ["s3://bucket/x"])
    assert state(con) == before
    with pytest.raises(UsageError, match="no Data Exports manifest"):
        ingest(con, "aws-cur", ["s3://bucket/elsewhere"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"line_item_unblended_cost": float("nan")},
            r"row 3, column 'line_item_unblended_cost': 'nan' is not a finite",
        ),
        (
            {"line_item_line_item_type": "Mystery"},
            r"row 3, column 'line_item_line_item_type': 'Mystery' is not a known",
        ),
        ({"line_item_currency_code": "EUR"}, r"row 3, column 'line_item_currency_code': billing period 2026-07 mixes"),
        ({"bill_payer_account_id": None}, r"row 3, column 'bill_payer_account_id': value is required but empty"),
    ],
)
def test_bad_rows_name_file_row_and_column(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, change: dict, message: str
) -> None:
    lines = cur2_lines(5, 6)
    lines[2].update(change)
    path = write_cur2(tmp_path / "bad.parquet", lines)
    before = state(con)
    with pytest.raises(ExportFormatError, match=message):
        ingest(con, "aws-cur", [str(path)])
    assert state(con) == before


def test_mixed_currencies_pass_with_a_rate_table(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = cur2_lines(5, 6)
    lines[2]["line_item_currency_code"] = "EUR"
    run(con, "INSERT INTO fx_rates VALUES ('2026-07-01', 'EUR', 'USD', 1.08, 'test')")
    ingest(con, "aws-cur", [str(write_cur2(tmp_path / "ok.parquet", lines))])
    assert run(con, "SELECT BillingCurrency, count(*) FROM cost GROUP BY 1 ORDER BY 1") == [("EUR", 1), ("USD", 5)]


def test_truncated_parquet_and_missing_columns(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    good = write_cur2(tmp_path / "good.parquet", cur2_lines(4, 20))
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    before = state(con)
    with pytest.raises(ExportFormatError, match=r"cut.parquet: not a readable parquet file"):
        ingest(con, "aws-cur", [str(cut)])
    legacy = tmp_path / "legacy.csv"
    legacy.write_text("lineItem/LineItemType,lineItem/UnblendedCost\nUsage,1\n")
    with pytest.raises(ExportFormatError, match=r"column 'lineItem/UsageStartDate': required CUR column missing"):
        ingest(con, "aws-cur", [str(legacy)])
    assert state(con) == before


def test_legacy_csv_gz_with_tags_and_cost_categories(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    import gzip

    header = (
        "bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,lineItem/LineItemType,"
        "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UnblendedCost,lineItem/CurrencyCode,"
        "resourceTags/user:team,resourceTags/user: env,costCategory/unit,savingsPlan/SavingsPlanARN,"
        "savingsPlan/SavingsPlanEffectiveCost\n"
    )
    body = (
        "001234567890,2026-07-01T00:00:00Z,2026-08-01T00:00:00Z,Usage,2026-07-01T00:00:00Z,"
        "2026-07-01T01:00:00Z,0.1,USD,pay,,u1,,\n"
        "001234567890,2026-07-01T00:00:00Z,2026-08-01T00:00:00Z,SavingsPlanCoveredUsage,2026-07-01T00:00:00Z,"
        "2026-07-01T01:00:00Z,0.2,USD,,prod,,arn:sp,0.15\n"
    )
    path = tmp_path / "cur.csv.gz"
    path.write_bytes(gzip.compress((header + body).encode()))
    ingest(con, "aws-cur", [str(path)])
    assert run(con, "SELECT BillingAccountId, Tags, x_CostCategories, EffectiveCost FROM cost ORDER BY BilledCost") == [
        ("001234567890", '{"team":"pay"}', '{"unit":"u1"}', Decimal("0.1")),
        ("001234567890", '{"env":"prod"}', None, Decimal("0.15")),
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=0, max_value=4000),
    junk=st.binary(max_size=300),
    value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=50)),
)
def test_hostile_cur_input_fails_cleanly(
    con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory, cut: int, junk: bytes, value: object
) -> None:
    folder = tmp_path_factory.mktemp("hostile")
    lines = cur2_lines(9, 4)
    good = write_cur2(folder / "good.parquet", lines)
    broken = folder / "broken.parquet"
    broken.write_bytes(good.read_bytes()[:cut] + junk)
    csv_path = folder / "cur.csv"
    csv_path.write_text(
        "line_item_line_item_type,line_item_unblended_cost,line_item_usage_start_date,"
        "line_item_usage_end_date,bill_billing_period_start_date,bill_billing_period_end_date,"
        "bill_payer_account_id,line_item_currency_code\n"
        f"Usage,{json.dumps(str(value))},2026-07-01,2026-07-02,2026-07-01,2026-08-01,1,USD\n",
        encoding="utf-8",
    )
    for path in (broken, csv_path):
        before = state(con)
        try:
            ingest(con, "aws-cur", [str(path)])
        except (ExportFormatError, UsageError):
            assert state(con) == before
