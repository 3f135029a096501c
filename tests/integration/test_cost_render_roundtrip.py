"""analytics/demo/render_cost.py round trip: seeded FOCUS rows from the demo world → rendered as a CUR
2.0 Data Export and as a GCP billing export → loaded by the real loaders → the warehouse holds the
input rows again (the columns the renderer promises, per row; money totals per billing period and
service to the cent; row counts; tags)."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from analytics.demo import world
from analytics.demo.render_cost import (
    CUR_ROUND_TRIP_COLUMNS,
    GCP_ROUND_TRIP_COLUMNS,
    write_cur2_export,
    write_gcp_billing_export,
)
from analytics.sources import LoadOptions, ingest
from analytics.warehouse import run

pytestmark = pytest.mark.integration

SEED = 7
PERIODS = ("2026-08-01", "2026-09-01")  # Sept carries the correction of a closed month (charged in July)
PER_TYPE = 25  # usage rows sampled per billing period and line type (all the monthly charges are kept)
MONEY = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
HALF_CENT = Decimal("0.005")
MICRO = Decimal("0.000001")  # the demo world rounds every amount to six decimals


@pytest.fixture(scope="module")
def focus_rows() -> pd.DataFrame:
    """The demo world's cost rows (seed 7) of two billing periods, a seeded sample of each line type."""
    cost, _ = world.cost_rows(SEED, 0.1, world.business_metrics(SEED))
    cost = cost.drop(columns="_expected")
    cost = cost[cost["BillingPeriodStart"].isin([pd.Timestamp(p, tz="UTC") for p in PERIODS])]
    keep = [
        i
        for _, group in cost.groupby(["ProviderName", "BillingPeriodStart", "x_SourceLineItemType"])
        for i in group.sample(min(len(group), PER_TYPE), random_state=SEED).index
    ]
    return cost.loc[sorted(keep)].reset_index(drop=True)


def _plain(value: Any) -> Any:
    """A cell as a comparable plain value: NULL-likes as None, times as UTC ISO, Tags as parsed JSON."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return pd.Timestamp(value).tz_convert("UTC").isoformat()
    return value


def _tags(value: Any) -> str | None:
    value = _plain(value)
    return None if value is None else json.dumps(json.loads(value), sort_keys=True)


def _money(value: Any) -> Decimal:
    value = _plain(value)
    return Decimal(0) if value is None else Decimal(repr(float(value)) if isinstance(value, float) else str(value))


def _frame_rows(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{c: row[c] for c in columns} for row in frame.to_dict("records")]


def _warehouse_rows(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    cursor = con.execute(f"SELECT {', '.join(columns)} FROM cost")
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _by_key(rows: list[dict[str, Any]], columns: tuple[str, ...], summed: tuple[str, ...]) -> dict[tuple, list]:
    """Rows grouped by every non-summed column (normalised), summing ``summed`` exactly in Decimal."""
    out: dict[tuple, list] = defaultdict(lambda: [Decimal(0)] * len(summed) + [0])
    for row in rows:
        key = tuple(_tags(row[c]) if c == "Tags" else _plain(row[c]) for c in columns if c not in summed)
        acc = out[key]
        for i, c in enumerate(summed):
            acc[i] += _money(row[c])
        acc[-1] += 1
    return dict(out)


def _totals_by_period_service(rows: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[Decimal, ...]]:
    out: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for row in rows:
        acc = out[(_plain(row["BillingPeriodStart"])[:7], row["ServiceName"])]
        for i, c in enumerate(("BilledCost", "EffectiveCost", "ListCost")):
            acc[i] += _money(row[c])
    return {k: tuple(v) for k, v in out.items()}


def _assert_to_the_cent(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for key, values in expected.items():
        for a, b in zip(got[key], values, strict=True):
            assert abs(a - b) < HALF_CENT, (key, a, b)


def test_cur2_export_round_trip(focus_rows: pd.DataFrame, con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    aws = focus_rows[focus_rows["ProviderName"] == "AWS"]
    assert set(aws["x_SourceLineItemType"]) >= {
        "Usage",
        "SavingsPlanCoveredUsage",
        "DiscountedUsage",
        "SavingsPlanRecurringFee",
        "Fee",
        "Tax",
        "Credit",
        "Refund",
    }
    root = write_cur2_export(aws, tmp_path, export_name="cur", execution_id="e1")
    results = ingest(con, "aws-cur", [str(root)])
    assert [r.status for r in results] == ["loaded", "loaded"]  # one delivery per billing period

    # a Savings-Plan-covered row comes back as its SavingsPlanCoveredUsage line plus the negation
    covered = int((aws["x_SourceLineItemType"] == "SavingsPlanCoveredUsage").sum())
    assert sum(r.rows_loaded for r in results) == len(aws) + covered
    assert run(con, "SELECT count(*) FROM cost WHERE x_SourceLineItemType = 'SavingsPlanNegation'") == [(covered,)]

    expected_rows = _frame_rows(aws, CUR_ROUND_TRIP_COLUMNS)
    got_rows = _warehouse_rows(con, CUR_ROUND_TRIP_COLUMNS)
    _assert_to_the_cent(_totals_by_period_service(got_rows), _totals_by_period_service(expected_rows))

    # tags: the same key/value pairs on every line (AWS user tags lose their user_ prefix again)
    assert Counter(_tags(r["Tags"]) for r in got_rows if r["x_SourceLineItemType"] != "SavingsPlanNegation") == (
        Counter(_tags(r["Tags"]) for r in expected_rows)
    )

    # per row: every promised column, the negation folded back onto its covered line
    for row in got_rows:
        if row["x_SourceLineItemType"] == "SavingsPlanNegation":
            row["x_SourceLineItemType"] = "SavingsPlanCoveredUsage"
    summed = ("BilledCost", "EffectiveCost", "ListCost", "PricingQuantity")
    got, expected = _by_key(got_rows, CUR_ROUND_TRIP_COLUMNS, summed), _by_key(expected_rows, CUR_ROUND_TRIP_COLUMNS,
                                                                               summed)  # fmt: skip
    assert got.keys() == expected.keys()
    for key, (billed, effective, listed, quantity, n) in expected.items():
        g = got[key]
        assert g[4] == n * (2 if "SavingsPlanCoveredUsage" in key else 1), key
        assert [v.quantize(MICRO) for v in g[:4]] == [billed, effective, listed, quantity.quantize(MICRO)], key

    assert run(con, "SELECT bool_and(reconciled) FROM ingest_ledger") == [(True,)]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_gcp_billing_export_round_trip(
    focus_rows: pd.DataFrame, con: duckdb.DuckDBPyConnection, tmp_path: Path, suffix: str
) -> None:
    gcp = focus_rows[focus_rows["ProviderName"] == "Google Cloud"]
    path = write_gcp_billing_export(gcp, tmp_path / f"billing{suffix}")
    (result,) = ingest(con, "gcp-billing", [str(path)], LoadOptions(extra={"invoice_timezone": "UTC"}))
    assert result.rows_loaded == len(gcp) > 0

    expected_rows = _frame_rows(gcp, GCP_ROUND_TRIP_COLUMNS)
    got_rows = _warehouse_rows(con, GCP_ROUND_TRIP_COLUMNS)
    _assert_to_the_cent(_totals_by_period_service(got_rows), _totals_by_period_service(expected_rows))

    # per row, every promised column (money to the micro-unit the world rounds to; GCP keeps one basis)
    def normalised(rows: list[dict[str, Any]]) -> Counter:
        return Counter(
            tuple(
                _money(r[c]).quantize(MICRO) if c in MONEY else _tags(r[c]) if c == "Tags" else _plain(r[c])
                for c in GCP_ROUND_TRIP_COLUMNS
            )
            for r in rows
        )

    assert normalised(got_rows) == normalised(expected_rows)
    tagged = int(gcp["Tags"].notna().sum())
    assert run(con, "SELECT count(Tags), bool_and(BilledCost = EffectiveCost) FROM cost") == [(tagged, True)]
