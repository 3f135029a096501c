"""The cost scope macros of migrations 0006 and 0010 (``cost_in_scope``, ``cost_in_scope_any_date``,
``cost_dimension_value``, ``cost_tags_missing``): bound with prepared parameters, documented in the
catalogue, still correct after a load adds ``x_…`` columns to ``cost``, and callable on read-only
connections. Tag values are joined from ``cost_tags`` (migration 0010)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import analytics
from analytics.metrics import cost as cm
from analytics.metrics._cost_scope import DIMENSIONS
from analytics.periods import parse_period
from analytics.warehouse import run
from analytics.warehouse.ledger import LoadTransaction, SourceFile, run_load

pytestmark = pytest.mark.unit

SCOPE_ARGS = "$provider, $service, $account, $region, $tag_key, $tag_value"
ANY: dict[str, Any] = dict.fromkeys(("provider", "service", "account", "region", "tag_key", "tag_value"))
JULY, AUGUST = datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 8, 1, tzinfo=UTC)
DIMENSION_TAG_JOIN = ("LEFT JOIN cost_tags AS dimension_tag ON dimension_tag.Tags = cost_row.Tags "
                      "AND dimension_tag.tag_key = $dimension_tag_key")


def _row(day: str, cost: str, *, tags: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    billing = start.replace(day=1)
    out: dict[str, Any] = {
        "BillingAccountId": "payer", "BillingCurrency": "USD", "ProviderName": "AWS", "ServiceName": "EC2",
        "SubAccountId": "111", "RegionId": "eu-west-1", "ChargeCategory": "Usage",
        "ChargePeriodStart": start, "ChargePeriodEnd": start + timedelta(days=1),
        "BillingPeriodStart": billing, "BillingPeriodEnd": (billing + timedelta(days=32)).replace(day=1),
        "BilledCost": Decimal(cost), "EffectiveCost": Decimal(cost), "Tags": None if tags is None else json.dumps(tags),
    }
    out.update(extra)
    return out


def _load(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], extra_columns: tuple[str, ...] = ()) -> None:
    """One ledger load, adding ``x_…`` columns first the way the cost loaders do."""
    frame = pd.DataFrame(rows)
    digest = hashlib.sha256(frame.to_json(date_format="iso", default_handler=str).encode()).hexdigest()

    def load(tx: LoadTransaction) -> None:
        tx.add_extra_columns("cost", extra_columns)
        tx.insert_frame("cost", frame)

    run_load(con, kind="test", file=SourceFile(f"/t/{digest}", digest[:8], digest, 1), target_table="cost", load=load)


ROWS = [
    _row("2026-07-02", "1.00", tags={"team": "a"}),
    _row("2026-07-03", "2.00", tags={"team": "  "}, ServiceName="S3"),  # blank tag = untagged
    _row("2026-07-04", "4.00", ProviderName="Google Cloud", ServiceName="BigQuery", SubAccountId="p-1",
         RegionId="europe-west1"),
    _row("2026-07-05", "8.00", tags={"team": "b", "$.team": "literal"}, RegionId=None),
    _row("2026-08-01", "16.00", tags={"team": "a"}),  # charged after the window
    _row("2026-08-02", "32.00", ChargeClass="Correction", BillingPeriodStart=JULY, tags={"team": "a"}),
]


def _in_scope(con: duckdb.DuckDBPyConnection, **scope: Any) -> Decimal:
    sql = f"SELECT sum(EffectiveCost) FROM cost_in_scope($start, $end, {SCOPE_ARGS})"
    return run(con, sql, {"start": JULY, "end": AUGUST, **ANY, **scope})[0][0]


@pytest.mark.parametrize(("scope", "expected"), [
    ({}, "15.00"),
    ({"provider": "AWS"}, "11.00"),
    ({"service": "S3"}, "2.00"),
    ({"account": "p-1"}, "4.00"),
    ({"region": "eu-west-1"}, "3.00"),
    ({"tag_key": "team", "tag_value": "a"}, "1.00"),
    ({"tag_key": "team"}, "6.00"),  # without the tag: missing or blank after trimming
    ({"tag_key": "$.team", "tag_value": "literal"}, "8.00"),  # a key is a value, never a JSON path
    ({"provider": "AWS", "tag_key": "team"}, "2.00"),
    ({"provider": "nobody"}, None),
])
def test_cost_in_scope_binds_prepared_parameters(
    con: duckdb.DuckDBPyConnection, scope: dict[str, Any], expected: str | None
) -> None:
    _load(con, ROWS)
    assert _in_scope(con, **scope) == (None if expected is None else Decimal(expected))


def test_any_date_variant_leaves_the_dates_to_the_caller(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, ROWS)
    sql = (f"SELECT sum(EffectiveCost) FROM cost_in_scope_any_date({SCOPE_ARGS}) "
           "WHERE BillingPeriodStart >= $start AND BillingPeriodStart < $end")
    # every row but the one billed in August; the August correction was billed in July
    assert run(con, sql, {"start": JULY, "end": AUGUST, **ANY, "tag_key": "team", "tag_value": "a"}) == [
        (Decimal("33.00"),)
    ]


@pytest.mark.parametrize(("dimension", "tag_key", "expected"), [
    ("ProviderName", None, ["AWS", "AWS", "Google Cloud", "AWS"]),
    ("RegionId", None, ["eu-west-1", "eu-west-1", "europe-west1", "(not set)"]),
    ("tag", "team", ["a", "(untagged)", "(untagged)", "b"]),
    ("tag", "$.team", ["(untagged)", "(untagged)", "(untagged)", "literal"]),
    ("total", None, ["total"] * 4),
    ("x_UsageType", None, ["(not set)"] * 4),
    ("not a column", None, ["(not set)"] * 4),
])
def test_cost_dimension_value(
    con: duckdb.DuckDBPyConnection, dimension: str, tag_key: str | None, expected: list[str]
) -> None:
    _load(con, ROWS)
    sql = (f"SELECT cost_dimension_value($dimension, dimension_tag.tag_value, cost_row) "
           f"FROM cost_in_scope($start, $end, {SCOPE_ARGS}) AS cost_row {DIMENSION_TAG_JOIN} "
           "ORDER BY ChargePeriodStart")
    params = {"start": JULY, "end": AUGUST, **ANY, "dimension": dimension, "dimension_tag_key": tag_key}
    assert [r[0] for r in run(con, sql, params)] == expected


def test_cost_dimension_value_covers_the_python_allow_list(con: duckdb.DuckDBPyConnection) -> None:
    """Every column ``DIMENSIONS`` offers has its branch in the macro's CASE."""
    columns = [c for c in DIMENSIONS.values() if c != "total"]
    _load(con, [_row("2026-07-02", "1.00", **{c: f"v-{c}" for c in columns})])
    sql = (f"SELECT cost_dimension_value($dimension, NULL, cost_row) "
           f"FROM cost_in_scope($start, $end, {SCOPE_ARGS}) AS cost_row")
    got = {c: run(con, sql, {"start": JULY, "end": AUGUST, **ANY, "dimension": c})[0][0] for c in columns}
    assert got == {c: f"v-{c}" for c in columns}


def test_cost_statements_call_the_macros_instead_of_copying_them() -> None:
    """The scope filter and the dimension CASE live only in the migrations (0006, re-created by 0010), and no
    statement parses Tags itself (cost_tags holds them parsed)."""
    folder = resources.files("analytics.sql")
    texts = {e.name: e.read_text("utf-8") for e in folder.iterdir() if e.name.startswith("cost_")
             and e.name.endswith(".sql")}
    scoped = {name for name, text in texts.items() if "$filter_tag_key" in text}
    with_dimension = {name for name, text in texts.items() if "$dimension_tag_key" in text}
    assert len(scoped) == 11 and len(with_dimension) == 5
    for name, text in texts.items():
        assert "TRY_CAST(Tags" not in text and "json_extract" not in text, f"{name} parses Tags per row"
    for name in scoped:
        assert re.search(r"FROM cost_in_scope(_any_date)?\(", texts[name]), f"{name} does not use cost_in_scope"
        assert "ProviderName = $provider" not in texts[name], f"{name} repeats the scope filter"
    for name in with_dimension:
        assert "cost_dimension_value($dimension, dimension_tag.tag_value, cost_row)" in texts[name], name
        assert DIMENSION_TAG_JOIN in " ".join(texts[name].split()), f"{name} does not join the dimension's tag"
        assert "CASE $dimension" not in texts[name], f"{name} repeats the dimension CASE"


def test_macros_are_documented_in_the_catalogue(con: duckdb.DuckDBPyConnection) -> None:
    rows = run(con, "SELECT function_name, function_type, comment FROM duckdb_functions() "
                    "WHERE schema_name = 'main' AND function_name LIKE 'cost\\_%' ESCAPE '\\' ORDER BY 1")
    assert [(name, kind) for name, kind, _ in rows] == [
        ("cost_dimension_value", "macro"), ("cost_in_scope", "table_macro"), ("cost_in_scope_any_date", "table_macro"),
        ("cost_judged_rows", "table_macro"), ("cost_tags_missing", "table_macro"),
    ]
    assert all(comment for _, _, comment in rows)


def test_macros_follow_extension_columns_and_serve_read_only_connections(tmp_path: Path) -> None:
    """``SELECT *`` in a macro binds at each call: a column a load adds after the migration shows up,
    the shipped statements still bind, and a read-only connection to the file calls them all."""
    path = tmp_path / "warehouse.duckdb"
    con = analytics.connect(path)
    try:
        _load(con, ROWS[:2])
        _load(con, [_row("2026-07-06", "64.00", x_Team="platform", x_UsageType="BoxUsage")],
              extra_columns=("x_Team",))
        sql = (f"SELECT x_Team, cost_dimension_value('x_UsageType', NULL, cost_row) "
               f"FROM cost_in_scope($start, $end, {SCOPE_ARGS}) AS cost_row WHERE x_Team IS NOT NULL")
        assert run(con, sql, {"start": JULY, "end": AUGUST, **ANY}) == [("platform", "BoxUsage")]
    finally:
        con.close()

    ro = analytics.connect(path, read_only=True)
    try:
        assert run(ro, f"SELECT count(x_Team) FROM cost_in_scope($start, $end, {SCOPE_ARGS})",
                   {"start": JULY, "end": AUGUST, **ANY}) == [(1,)]
        by_service = cm.cost_by_dimension(ro, parse_period("2026Q3"), dimension="service")
        assert dict(zip(by_service["value"], by_service["effective_cost"], strict=True)) == {"EC2": 65.0, "S3": 2.0}
        assert cm.effective_cost_total(ro, parse_period("2026-07"), scope=cm.CostScope(tag_key="team")) == Decimal(
            "66.00")
    finally:
        ro.close()
