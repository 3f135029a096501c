"""Cost analyses on tiny inline frames with hand-computed answers (analytics/metrics/cost.py).

Every test loads its own rows into a fresh in-memory warehouse through the ledger (``run_load`` +
``insert_frame``), the way a loader would, and checks exact numbers worked out in the comments.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from analytics.errors import AnalyticsError, ParameterError
from analytics.metrics import cost as cm
from analytics.periods import parse_period
from analytics.warehouse import run
from analytics.warehouse.ledger import SourceFile, run_load

pytestmark = pytest.mark.unit

Q3, Q2 = parse_period("2026Q3"), parse_period("2026Q2")
MONEY = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
SPEC = Path(__file__).resolve().parents[1] / "data" / "cost_analysis" / "focus_spec_v1.2"


# -- loading helpers -------------------------------------------------------------------------------
def _ts(text: str) -> datetime:
    """``2026-07-01`` or ``2026-07-01T05:00`` as a UTC timestamp."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0)


def _next_month(moment: datetime) -> datetime:
    return (moment.replace(day=28) + timedelta(days=4)).replace(day=1, hour=0, minute=0)


def row(day: str, cost: str | None = None, **extra: Any) -> dict[str, Any]:
    """One FOCUS cost row charged from ``day`` for a day (``end=`` overrides), every money column
    equal to ``cost`` unless given; ``tags`` is a dict serialised to the JSON Tags column."""
    start = _ts(day)
    end = _ts(extra.pop("end")) if "end" in extra else start + timedelta(days=1)
    billing = _ts(extra.pop("billed")) if "billed" in extra else _month_start(start)
    tags = extra.pop("tags", None)
    out: dict[str, Any] = {
        "BillingAccountId": "payer", "BillingCurrency": "USD", "ProviderName": "AWS", "ServiceName": "EC2",
        "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Standard",
        "ChargePeriodStart": start, "ChargePeriodEnd": end, "BillingPeriodStart": billing,
        "BillingPeriodEnd": _next_month(billing), "Tags": None if tags is None else json.dumps(tags),
    }
    for column in MONEY:
        out[column] = None if cost is None else Decimal(cost)
    for key, value in extra.items():
        out[key] = Decimal(value) if key in MONEY and value is not None else value
    return out


def load_cost(con: duckdb.DuckDBPyConnection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert rows into ``cost`` as one ledger load."""
    frame = pd.DataFrame(list(rows))
    digest = hashlib.sha256(frame.to_json(date_format="iso", default_handler=str).encode()).hexdigest()
    run_load(con, kind="test", file=SourceFile(f"/t/{digest}", digest[:8], digest, 1), target_table="cost",
             load=lambda tx: tx.insert_frame("cost", frame))


def load_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Insert a frame into a canonical table as one ledger load."""
    digest = hashlib.sha256((table + frame.to_json(date_format="iso", default_handler=str)).encode()).hexdigest()
    run_load(con, kind="test", file=SourceFile(f"/t/{digest}", digest[:8], digest, 1), target_table=table,
             load=lambda tx: tx.insert_frame(table, frame))


def budget_rows(scope: str, amounts: Mapping[str, str], *, basis: str = "EffectiveCost") -> pd.DataFrame:
    """Monthly budgets ``{'2026-07': '100'}`` (or ``2026Q3`` for a quarter) for one scope."""
    out = []
    for label, amount in amounts.items():
        period = parse_period(label)
        out.append({"period": label, "period_start": period.start, "period_end": period.end, "scope": scope,
                    "amount": Decimal(amount), "currency": "USD", "cost_basis": basis})
    return pd.DataFrame(out)


def by_value(frame: pd.DataFrame, column: str, *, key: str = "value") -> dict[str, Any]:
    return dict(zip(frame[key], frame[column], strict=True))


# -- cost by dimension, QoQ, corrections apart ------------------------------------------------------
def _two_quarters(con: duckdb.DuckDBPyConnection) -> None:
    load_cost(con, [
        row("2026-05-10", "100.00", tags={"team": "a"}),
        row("2026-05-10", "50.00", ProviderName="Google Cloud", ServiceName="BigQuery", tags={"team": "b"}),
        row("2026-07-10", "150.00", tags={"team": "a"}),
        row("2026-07-10", "30.00", ServiceName="S3"),
        row("2026-07-11", "40.00", ProviderName="Google Cloud", ServiceName="BigQuery", tags={"team": "b"}),
        row("2026-07-12", "20.00", ProviderName="Microsoft", ServiceName="VM", tags={"team": "a"}),
        row("2026-07-15", "-5.00", ChargeCategory="Adjustment", ChargeClass="Correction", billed="2026-09-01"),
    ])


def test_cost_by_provider_with_qoq_and_corrections_on_their_own_line(con: duckdb.DuckDBPyConnection) -> None:
    _two_quarters(con)
    frame = cm.cost_by_dimension(con, Q3, dimension="provider")
    # AWS 150 + 30 = 180 (was 100); Google 40 (was 50); Microsoft 20 (new); corrections −5; total 235
    assert frame["value"].tolist() == ["AWS", "Google Cloud", "Microsoft", "(corrections)"]
    assert by_value(frame, "effective_cost") == {"AWS": 180.0, "Google Cloud": 40.0, "Microsoft": 20.0,
                                                 "(corrections)": -5.0}
    assert by_value(frame, "previous_cost") == {"AWS": 100.0, "Google Cloud": 50.0, "Microsoft": 0.0,
                                                "(corrections)": 0.0}
    change = by_value(frame, "change_pct")
    assert change["AWS"] == pytest.approx(0.8) and change["Google Cloud"] == pytest.approx(-0.2)
    assert pd.isna(change["Microsoft"])  # nothing to compare with: NULL, not infinity
    assert by_value(frame, "share")["AWS"] == pytest.approx(180 / 235)
    assert frame["is_correction"].tolist() == [False, False, False, True]
    assert cm.effective_cost_total(con, Q3) == Decimal("235.00")
    assert cm.effective_cost_total(con, Q3, scope=cm.CostScope(provider="AWS")) == Decimal("175.00")


def test_cost_by_tag_and_scope_filters(con: duckdb.DuckDBPyConnection) -> None:
    _two_quarters(con)
    teams = cm.cost_by_dimension(con, Q3, dimension="tag:team")
    assert by_value(teams, "effective_cost") == {"a": 170.0, "b": 40.0, "(untagged)": 30.0, "(corrections)": -5.0}
    untagged = cm.cost_by_dimension(con, Q3, dimension="service", scope=cm.CostScope(tag_key="team"))
    assert by_value(untagged, "effective_cost") == {"S3": 30.0, "(corrections)": -5.0}
    only_a = cm.cost_by_dimension(con, Q3, dimension="provider", scope=cm.CostScope(tag_key="team", tag_value="a"))
    assert by_value(only_a, "effective_cost") == {"AWS": 150.0, "Microsoft": 20.0}
    regions = cm.cost_by_dimension(con, Q3, dimension="region")
    assert by_value(regions, "effective_cost")["(not set)"] == 240.0


@pytest.mark.parametrize("key", ["$.team", "/team", 'we"ird', "'); DROP TABLE cost; --", "team') OR ('1'='1"])
def test_hostile_tag_keys_are_values_not_sql_or_json_paths(con: duckdb.DuckDBPyConnection, key: str) -> None:
    load_cost(con, [row("2026-07-01", "1.00", tags={"team": "real", key: "exact"}),
                    row("2026-07-02", "2.00", tags={"team": "other"})])
    frame = cm.cost_by_dimension(con, Q3, dimension=f"tag:{key}")
    # the key is looked up literally: no JSON-path reading of "$.team" or "/team", no SQL injection
    assert by_value(frame, "effective_cost") == {"(untagged)": 2.0, "exact": 1.0}
    assert cm.tag_coverage_total(con, Q3, tag_key=key).cost_share == pytest.approx(1 / 3)
    assert run(con, "SELECT count(*) FROM cost") == [(2,)]


def test_unknown_dimensions_and_bad_tag_keys_are_refused() -> None:
    with pytest.raises(ParameterError, match="unknown dimension"):
        cm.parse_dimension("ProviderName; DROP TABLE cost")
    with pytest.raises(ParameterError, match="bad tag key"):
        cm.parse_dimension("tag:")
    with pytest.raises(ParameterError, match="bad tag key"):
        cm.parse_tag_key("a\nb")
    assert cm.parse_dimension("ProviderName") == cm.parse_dimension("provider")


def test_every_dimension_statement_knows_every_allow_listed_column() -> None:
    """The dimension value is defined once (macro cost_dimension_value, migration 0006, re-created by 0010),
    handles every allow-listed column, and every statement with a $dimension uses it instead of a copy."""
    folder = resources.files("analytics.sql")
    statements = [e for e in folder.iterdir() if e.name.startswith("cost_") and e.name.endswith(".sql")]
    with_dimension = [e for e in statements if "$dimension," in e.read_text("utf-8")]
    assert len(with_dimension) >= 5
    for entry in with_dimension:
        text = entry.read_text("utf-8")
        assert "cost_dimension_value($dimension, dimension_tag.tag_value," in text, entry.name
        assert "dimension_tag.tag_key = $dimension_tag_key" in text, entry.name
        assert "WHEN 'ProviderName'" not in text, f"{entry.name} has its own copy of the dimension CASE"
    macro = (resources.files("analytics.warehouse") / "migrations" / "0010_cost_tags.sql").read_text("utf-8")
    for column in cm.DIMENSIONS.values():
        pattern = r"WHEN 'total' THEN 'total'" if column == "total" else rf"WHEN '{column}' THEN p_row\.{column}\b"
        assert re.search(pattern, macro), f"cost_dimension_value does not handle dimension {column}"
    assert "WHEN 'tag' THEN p_tag_value" in macro


def test_mixed_currencies_are_refused_not_summed(con: duckdb.DuckDBPyConnection) -> None:
    load_cost(con, [row("2026-07-01", "1.00"), row("2026-07-02", "1.00", BillingCurrency="EUR", BillingAccountId="eu")])
    with pytest.raises(AnalyticsError, match=r"several currencies \(EUR, USD\)"):
        cm.cost_by_dimension(con, Q3)


# -- series ----------------------------------------------------------------------------------------
def test_weekly_series_fills_zeros_flags_partial_weeks_and_keeps_corrections_apart(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load_cost(con, [row("2026-07-01", "1.00", ServiceName="a"), row("2026-07-08", "2.00", ServiceName="b"),
                    row("2026-07-14", "-0.50", ServiceName="a", ChargeCategory="Credit", ChargeClass="Correction")])
    window = cm.Window(date(2026, 7, 1), date(2026, 7, 15))
    frame = cm.cost_series(con, window, grain="week", dimension="service")
    # ISO weeks touching [Jul 1, Jul 15): Jun 29 (partial), Jul 6, Jul 13 (partial); 2 values each
    assert [str(d) for d in frame["bucket_start"]] == ["2026-06-29", "2026-06-29", "2026-07-06", "2026-07-06",
                                                       "2026-07-13", "2026-07-13"]
    assert frame["partial"].tolist() == [True, True, False, False, True, True]
    assert frame["effective_cost"].tolist() == [1.0, 0.0, 0.0, 2.0, 0.0, 0.0]
    assert frame["corrections"].tolist() == [0.0, 0.0, 0.0, 0.0, -0.5, 0.0]
    monthly = cm.cost_by_month(con, Q3)
    assert monthly["effective_cost"].tolist() == [3.0, 0.0, 0.0] and monthly["corrections"].tolist() == [-0.5, 0, 0]
    with pytest.raises(ParameterError):
        cm.cost_series(con, window, grain="hour")  # type: ignore[arg-type]


def test_fold_small_values_keeps_totals() -> None:
    frame = pd.DataFrame({"bucket_start": [1, 1, 1, 2, 2, 2], "value": list("abcabc"),
                          "effective_cost": [5.0, 1.0, 2.0, 5.0, 0.5, 0.5], "rows": [1] * 6})
    folded = cm.fold_small_values(frame, keep=1, by=["bucket_start"])
    assert folded["value"].tolist() == ["a", "other (2 values)", "a", "other (2 values)"]
    assert folded["effective_cost"].tolist() == [5.0, 3.0, 5.0, 1.0] and folded["rows"].tolist() == [1, 2, 1, 2]


# -- top movers ------------------------------------------------------------------------------------
def test_top_movers_contributions_add_up_and_opposite_moves_stay_visible(con: duckdb.DuckDBPyConnection) -> None:
    before, after = {"A": "100", "B": "80", "C": "10", "D": "5"}, {"A": "150", "B": "20", "C": "15", "D": "4", "E": "3"}
    load_cost(con, [row("2026-06-01", v, ServiceName=k) for k, v in before.items()]
              + [row("2026-07-01", v, ServiceName=k) for k, v in after.items()])
    june, july = cm.Window(date(2026, 6, 1), date(2026, 7, 1)), cm.Window(date(2026, 7, 1), date(2026, 8, 1))
    movers = cm.top_movers(con, june, july, dimension="service", limit=2)
    # changes: A +50, B −60, C +5, D −1, E +3 → total −3; the two largest shown, the rest grouped by sign
    assert movers["value"].tolist() == ["B", "A", "other increases (2 values)", "other decreases (1 value)"]
    assert movers["change"].tolist() == [-60.0, 50.0, 8.0, -1.0]
    assert movers["change"].sum() == pytest.approx(-3.0)
    assert movers["contribution"].tolist() == pytest.approx([20.0, -50 / 3, -8 / 3, 1 / 3])
    assert movers["contribution"].sum() == pytest.approx(1.0)
    assert movers["contribution_pp"].sum() == pytest.approx(-3 / 195)  # the total growth rate
    assert movers["direction"].tolist() == ["down", "up", "up", "down"]
    daily = cm.top_movers(con, june, july, dimension="service", limit=5, per_day=True)
    assert by_value(daily, "change")["A"] == pytest.approx(150 / 31 - 100 / 30)


# -- tag coverage ------------------------------------------------------------------------------------
def test_tag_coverage_is_cost_weighted_over_taggable_usage_with_untaggable_rows_apart(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load_cost(con, [
        row("2026-07-01", "150.00", tags={"team": "a"}),
        row("2026-07-01", "30.00", tags={"env": "prod"}),
        row("2026-07-02", "40.00", tags={"team": "b"}),
        row("2026-07-03", "20.00", tags={"team": " "}),  # blank value: not tagged
        row("2026-07-01", "10.00", ChargeCategory="Tax", ServiceName="Tax", end="2026-08-01"),
        row("2026-07-01", "7.00", ChargeCategory="Purchase", ServiceName="AWS Support (Business)", end="2026-08-01"),
        row("2026-07-04", "3.00", CommitmentDiscountId="sp", CommitmentDiscountStatus="Unused"),
        row("2026-07-05", "-5.00", ChargeCategory="Adjustment", ChargeClass="Correction"),
    ])
    total = cm.tag_coverage_total(con, Q3, tag_key="team")
    # taggable usage 150 + 30 + 40 + 20 = 240, tagged 190 → 79.17%; rows 2 of 4
    assert total.cost_share == pytest.approx(190 / 240) and total.row_share == pytest.approx(0.5)
    assert (total.taggable_cost, total.tagged_cost, total.untagged_cost) == (240.0, 190.0, 50.0)
    assert (total.untaggable_cost, total.untaggable_rows) == (15.0, 4)
    classes = cm.tag_coverage_by_class(con, Q3, tag_key="team")
    assert by_value(classes, "cost", key="row_class") == {"usage": 240.0, "correction": -5.0, "support": 7.0,
                                                          "tax": 10.0, "unused commitment": 3.0}
    assert by_value(classes, "taggable", key="row_class") == {"usage": True, "correction": False, "support": False,
                                                              "tax": False, "unused commitment": False}
    assert cm.tag_coverage_total(con, Q2, tag_key="team").cost_share is None  # nothing to divide by


# -- showback ------------------------------------------------------------------------------------------
def _showback_rows(con: duckdb.DuckDBPyConnection) -> None:
    load_cost(con, [
        row("2026-07-01", "40.00", tags={"team": "a"}),
        row("2026-07-02", "20.00", tags={"team": "a"}),
        row("2026-07-01", "30.00", tags={"team": "b"}),
        row("2026-07-01", "10.00", tags={"team": "c"}),
        row("2026-07-01", "7.00"),
        row("2026-07-01", "9.00", ServiceName="Support", ChargeCategory="Purchase", end="2026-08-01"),
        row("2026-07-01", "3.00", tags={"team": "platform"}),
        row("2026-07-20", "-1.00", ChargeCategory="Adjustment", ChargeClass="Correction"),
    ])


def _totals(sb: cm.Showback) -> dict[str, Decimal]:
    return {line.bucket: line.total_cost for line in sb.lines}


def test_showback_proportional_even_and_fixed_to_the_cent(con: duckdb.DuckDBPyConnection) -> None:
    _showback_rows(con)
    shared = {"shared_values": ["platform"], "shared_services": ["Support"]}
    prop = cm.showback(con, Q3, tag_key="team", method="proportional", **shared)
    # pool 9 + 3 = 12 split 60:30:10 → 7.20 / 3.60 / 1.20; unallocated 7 and corrections −1 untouched
    assert _totals(prop) == {"a": Decimal("67.20"), "b": Decimal("33.60"), "c": Decimal("11.20"),
                             "unallocated": Decimal("7.00"), "(corrections)": Decimal("-1.00")}
    assert prop.total == prop.exact_total == Decimal("118.00") and prop.shared_total == Decimal("12.00")
    assert dict(prop.shared_pool) == {"Support": Decimal("9.0000000000"), "platform": Decimal("3.0000000000")}
    even = cm.showback(con, Q3, tag_key="team", method="even", **shared)
    assert _totals(even) == {"a": Decimal("64.00"), "b": Decimal("34.00"), "c": Decimal("14.00"),
                             "unallocated": Decimal("7.00"), "(corrections)": Decimal("-1.00")}
    fixed = cm.showback(con, Q3, tag_key="team", method="fixed", fixed_shares={"a": 1, "b": 1}, **shared)
    assert _totals(fixed) == {"a": Decimal("66.00"), "b": Decimal("36.00"), "c": Decimal("10.00"),
                              "unallocated": Decimal("7.00"), "(corrections)": Decimal("-1.00")}
    for sb in (prop, even, fixed):
        assert sb.total == Decimal("118.00")
        assert sum(line.direct_cost + line.shared_cost for line in sb.lines) == sb.total
    assert "proportion" in prop.describe_method() and "evenly" in even.describe_method()
    assert "a 1, b 1" in fixed.describe_method()
    frame = prop.frame()
    assert frame["bucket"].tolist() == ["a", "b", "c", "unallocated", "(corrections)"]
    assert frame["total_cost"].sum() == pytest.approx(118.0)


def test_showback_rounds_each_line_so_the_lines_add_up(con: duckdb.DuckDBPyConnection) -> None:
    load_cost(con, [row("2026-07-01", "1.00", tags={"team": t}) for t in "abc"]
              + [row("2026-07-01", "10.00", ServiceName="Support")])
    sb = cm.showback(con, Q3, tag_key="team", shared_services=["Support"], method="proportional")
    # 10.00 / 3 = 3.333…: one line gets the odd cent (the first by name), the total stays 13.00
    assert [line.shared_cost for line in sb.lines] == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert sb.total == Decimal("13.00")


def test_showback_without_shared_cost_and_without_recipients(con: duckdb.DuckDBPyConnection) -> None:
    load_cost(con, [row("2026-07-01", "5.00"), row("2026-07-01", "2.50", ServiceName="Support")])
    plain = cm.showback(con, Q3, tag_key="team")
    assert _totals(plain) == {"unallocated": Decimal("7.50")}
    assert "No cost was declared shared" in plain.describe_method()
    nobody = cm.showback(con, Q3, tag_key="team", shared_services=["Support"])
    assert _totals(nobody) == {cm.SHARED_NOT_ALLOCATED: Decimal("2.50"), "unallocated": Decimal("5.00")}
    with pytest.raises(ParameterError, match="unknown allocation method"):
        cm.showback(con, Q3, method="weighted")  # type: ignore[arg-type]


def test_proportional_showback_falls_back_to_even_when_no_recipient_has_positive_cost(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load_cost(con, [row("2026-07-01", "-2.00", tags={"team": "a"}, ChargeCategory="Credit"),
                    row("2026-07-01", "0.00", tags={"team": "b"}),
                    row("2026-07-01", "4.00", ServiceName="Support")])
    sb = cm.showback(con, Q3, tag_key="team", shared_services=["Support"])
    assert (sb.method_requested, sb.method) == ("proportional", "even")
    assert _totals(sb) == {"a": Decimal("0.00"), "b": Decimal("2.00")}
    assert "fell back to even" in sb.describe_method()


# -- budgets and forecast ------------------------------------------------------------------------------
def _budget_world(con: duckdb.DuckDBPyConnection) -> None:
    days = [date(2026, 7, 1) + timedelta(days=i) for i in range(62)]  # Jul 1 – Aug 31
    daily = [row(d.isoformat(), "4.00" if date(2026, 8, 9) <= d <= date(2026, 8, 15) else "3.00") for d in days]
    fees = [row(m, "10.00", ChargeCategory="Purchase", ChargeFrequency="Recurring", ServiceName="Support",
                end=e) for m, e in (("2026-07-01", "2026-08-01"), ("2026-08-01", "2026-09-01"))]
    upfront = row("2026-07-01", None, BilledCost="365.00", EffectiveCost="0", ListCost="365.00",
                  ContractedCost="365.00", ChargeCategory="Purchase", ChargeFrequency="One-Time",
                  CommitmentDiscountId="ri", CommitmentDiscountCategory="Usage", end="2027-07-01")
    partial_day = row("2026-09-01T00:00", "0.50", end="2026-09-01T01:00")
    load_cost(con, [*daily, *fees, upfront, partial_day])
    load_table(con, "budgets", budget_rows("total", {"2026-07": "100", "2026-08": "100", "2026-09": "100"}))


def test_budget_vs_actual_forecasts_from_the_last_complete_day(con: duckdb.DuckDBPyConnection) -> None:
    _budget_world(con)
    # the hourly row on Sep 1 is a half-delivered day: data are complete through Aug 31
    assert cm.data_complete_through(con, Q3) == date(2026, 9, 1)
    months = cm.budget_vs_actual_by_month(con, Q3)
    assert months["state"].tolist() == ["complete", "complete", "not started"]
    # July 31 × 3 + 10 = 103; August 8×3 + 7×4 + 16×3 + 10 = 110; September run-rate 3/day × 30 + August's fee 10
    assert months["actual"].tolist() == [103.0, 110.0, 0.0]
    assert months["forecast"].tolist() == pytest.approx([103.0, 110.0, 100.0])
    assert months["variance_pct"].tolist() == pytest.approx([0.03, 0.10, 0.0])
    assert months["status"].tolist() == ["on track", "at risk", "on track"]
    status = cm.budget_status(con, Q3)
    assert (status.budget, status.actual, status.forecast) == (300.0, 213.0, pytest.approx(313.0))
    assert status.variance_pct == pytest.approx(13 / 300) and status.status == "on track"
    assert not status.complete and status.complete_through == date(2026, 9, 1)


def test_budget_forecast_for_a_month_in_progress(con: duckdb.DuckDBPyConnection) -> None:
    _budget_world(con)
    months = cm.budget_vs_actual_by_month(con, Q3, as_of=date(2026, 8, 15))
    assert months["state"].tolist() == ["complete", "in progress", "not started"]
    # to Aug 15: 8×3 + 7×4 + fee 10 = 62; run-rate = mean of Aug 9–15 = 4/day; 16 days left → 126
    aug = months.iloc[1]
    assert (aug["actual"], aug["days_complete"], aug["run_rate_per_day"]) == (62.0, 15, 4.0)
    assert aug["forecast"] == pytest.approx(126.0) and aug["status"] == "off track"
    assert aug["budget_to_date"] == pytest.approx(100 * 15 / 31)
    assert aug["mtd_variance_pct"] == pytest.approx(62 / (100 * 15 / 31) - 1)
    # September: 30 days × 4 + July's recurring fee 10 (the latest complete month)
    assert months.iloc[2]["forecast"] == pytest.approx(130.0)
    longer = cm.budget_vs_actual_by_month(con, Q3, as_of=date(2026, 8, 15), run_rate_days=14)
    assert longer.iloc[1]["run_rate_per_day"] == pytest.approx((7 * 3 + 7 * 4) / 14)


def test_billed_cost_budgets_use_the_invoice_month(con: duckdb.DuckDBPyConnection) -> None:
    _budget_world(con)
    load_table(con, "budgets", budget_rows("provider:AWS", {"2026-07": "500"}, basis="BilledCost"))
    months = cm.budget_vs_actual_by_month(con, parse_period("2026-07"), scope="provider:AWS")
    # the upfront reservation is billed in July (365) on top of July's usage and fee (103)
    assert months["cost_basis"].tolist() == ["BilledCost"] and months["actual"].tolist() == [468.0]
    assert months["variance_pct"].tolist() == pytest.approx([-0.064])


def test_longer_budgets_are_prorated_and_finer_ones_win(con: duckdb.DuckDBPyConnection) -> None:
    _budget_world(con)
    load_table(con, "budgets", budget_rows("team:payments", {"2026Q3": "920"}))
    load_table(con, "budgets", budget_rows("team:payments", {"2026-07": "200"}))
    months = cm.budget_vs_actual_by_month(con, Q3, scope="team:payments")
    # July has its own monthly budget; August and September take 31/92 and 30/92 of the quarter's
    assert months["budget"].tolist() == pytest.approx([200.0, 310.0, 300.0])
    assert months["actual"].tolist() == [0.0, 0.0, 0.0]  # nothing is tagged team=payments


def test_budget_scopes_and_bands() -> None:
    assert cm.CostScope.from_budget_scope("provider:AWS") == cm.CostScope(provider="AWS")
    assert cm.CostScope.from_budget_scope("servicename:Amazon EC2") == cm.CostScope(service="Amazon EC2")
    assert cm.CostScope.from_budget_scope("cost-center:42") == cm.CostScope(tag_key="cost-center", tag_value="42")
    with pytest.raises(ParameterError):
        cm.CostScope.from_budget_scope("provider:")
    assert [cm.band_status(v) for v in (0.05, 0.0501, -0.1, -0.1001, None)] == [
        "on track", "at risk", "at risk", "off track", "no data"]
    assert cm.band_status(0.07, (0.08, 0.2)) == "on track"


def test_no_budget_and_no_data_give_no_status(con: duckdb.DuckDBPyConnection) -> None:
    status = cm.budget_status(con, Q3)
    assert (status.budget, status.forecast, status.status) == (None, None, "no data")


# -- commitments, savings, corrections --------------------------------------------------------------------
def _commitment_rows(con: duckdb.DuckDBPyConnection) -> None:
    load_cost(con, [
        row("2026-07-01", None, BilledCost="0", EffectiveCost="6", ListCost="10", ContractedCost="9",
            PricingCategory="Committed", CommitmentDiscountId="sp", CommitmentDiscountStatus="Used",
            CommitmentDiscountName="Plan", CommitmentDiscountCategory="Spend"),
        row("2026-07-01", None, BilledCost="0", EffectiveCost="1", ListCost="0", ContractedCost="0",
            PricingCategory="Committed", CommitmentDiscountId="sp", CommitmentDiscountStatus="Unused",
            CommitmentDiscountCategory="Spend"),
        row("2026-07-01", None, BilledCost="4.5", EffectiveCost="4.5", ListCost="5", ContractedCost="4.5"),
        row("2026-07-01", None, BilledCost="7", EffectiveCost="0", ListCost="7", ContractedCost="7",
            ChargeCategory="Purchase", ChargeFrequency="Recurring", CommitmentDiscountId="sp",
            CommitmentDiscountCategory="Spend", end="2026-08-01"),
        row("2026-07-01", "2", ChargeCategory="Purchase", ChargeFrequency="Recurring", ServiceName="Support",
            end="2026-08-01"),
        row("2026-07-02", None, BilledCost="3", EffectiveCost="3", ListCost=None, ContractedCost=None),
        row("2026-07-03", "1", PricingCategory="Dynamic"),
    ])


def test_commitment_utilisation_coverage_and_savings_without_double_counting(con: duckdb.DuckDBPyConnection) -> None:
    _commitment_rows(con)
    per = cm.commitment_utilisation_by_commitment(con, Q3)
    assert per[["commitment_id", "used_cost", "unused_cost"]].values.tolist() == [["sp", 6.0, 1.0]]
    assert per["utilisation"].tolist() == pytest.approx([6 / 7])
    assert cm.commitment_utilisation(con, Q3) == pytest.approx(6 / 7)
    coverage = cm.commitment_coverage(con, Q3, dimension="total")
    # covered 6 / eligible Standard+Committed usage 6 + 4.5 + 3 (unused and Dynamic rows are not eligible usage)
    assert coverage["coverage"].tolist() == pytest.approx([6 / 13.5])
    saved = cm.savings_total(con, Q3)
    # included: covered (10, 9, 6), unused (0, 0, 1), on-demand (5, 4.5, 4.5), support (2, 2, 2), Dynamic (1, 1, 1)
    assert saved["negotiated_savings"] == pytest.approx(1.5)
    assert saved["commitment_savings"] == pytest.approx(2.0)  # would be 9.0 with the prepaid purchase counted
    assert saved["total_savings"] == pytest.approx(3.5) and saved["list_cost"] == pytest.approx(18.0)
    assert saved["effective_savings_rate"] == pytest.approx(3.5 / 18)
    assert saved["unused_commitment_cost"] == 1.0
    assert (saved["purchase_rows_excluded"], saved["purchase_billed_excluded"]) == (1, 7.0)
    assert (saved["unpriced_rows_excluded"], saved["unpriced_cost_excluded"]) == (1, 3.0)
    by_service = cm.savings_by_dimension(con, Q3, dimension="service")
    assert by_value(by_service, "total_savings") == {"EC2": 3.5, "Support": 0.0}


def test_corrections_are_listed_with_the_period_they_restate(con: duckdb.DuckDBPyConnection) -> None:
    load_cost(con, [
        row("2026-06-20", "-12.50", ChargeCategory="Adjustment", ChargeClass="Correction", billed="2026-07-01",
            ChargeDescription="refund for June"),
        row("2026-07-15", "-4.00", ChargeCategory="Adjustment", ChargeClass="Correction", billed="2026-09-01",
            ChargeDescription="refund for July"),
        row("2026-09-15", "3.00", ChargeCategory="Usage", ChargeClass="Correction", billed="2026-10-01"),
        row("2026-07-01", "100.00"),
    ])
    fixes = cm.corrections(con, Q3)
    assert fixes["description"].tolist() == ["refund for June", "refund for July"]
    assert fixes["corrects_month"].tolist() == ["2026-06", "2026-07"]
    assert fixes["restates_earlier_period"].tolist() == [True, False]
    assert fixes["billed_cost"].sum() == -16.5


# -- FOCUS 1.2 specification scenarios (known answers) ------------------------------------------------------
def _spec_frame(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["null"])
    raw = raw[[c for c in raw.columns if not c.startswith("x_") and c not in ("SkuPriceid",)]]
    out = raw.assign(BillingAccountId="spec", BillingCurrency="USD", ProviderName="FOCUS spec")
    for col in ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"):
        out[col] = pd.to_datetime(out[col], utc=True)
    for col in ("BilledCost", "EffectiveCost", "ListCost"):
        if col in out:
            out[col] = [None if pd.isna(v) else Decimal(v) for v in out[col]]
    for col in ("ConsumedQuantity", "CommitmentDiscountQuantity", "PricingQuantity", "ListUnitPrice"):
        if col in out:
            out[col] = pd.to_numeric(out[col])
    return out


@pytest.mark.parametrize(("name", "utilisation", "coverage"), [
    ("commitment_discount_usage_scenario_1.csv", 1.0, 1.0),
    ("commitment_discount_usage_scenario_2.csv", 0.0, None),
    ("commitment_discount_usage_scenario_3.csv", 0.75, 1.0),
    ("commitment_discount_usage_scenario_4.csv", 1.0, 1.0 / 1.5),
    ("one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv", 1.0, 0.5 / 2.75),
    ("one_hundred_percent_utilization_with_commitment_discount_flexibility_with_2_resources.csv", 1.0, 1.0),
    ("one_hundred_percent_utilization_without_commitment_discount_flexibility.csv", 1.0, 1.0),
    ("zero_percent_utilization_without_commitment_discount_flexibility.csv", 0.0, 0.0),
])
def test_focus_spec_commitment_scenarios(
    con: duckdb.DuckDBPyConnection, name: str, utilisation: float, coverage: float | None
) -> None:
    frame = _spec_frame(SPEC / name)
    load_table(con, "cost", frame)
    january = parse_period("2023-01")
    assert cm.commitment_utilisation(con, january) == pytest.approx(utilisation)
    covered = cm.commitment_coverage(con, january, dimension="total")["coverage"].tolist()
    assert covered == ([] if coverage is None else pytest.approx([coverage]))
    # prepaid commitment purchases carry EffectiveCost 0, so Σ EffectiveCost counts each dollar once:
    # in every flexibility file Σ EffectiveCost(usage) equals Σ BilledCost of the purchase plus on-demand usage
    billed = sum((v for v in frame["BilledCost"] if v is not None), Decimal(0))
    assert cm.effective_cost_total(con, january) == sum(
        (v for v in frame["EffectiveCost"] if v is not None), Decimal(0))
    if name.startswith(("one_hundred", "zero")):
        assert cm.effective_cost_total(con, january) == billed
        assert cm.savings_total(con, january)["purchase_rows_excluded"] == 1


# -- unit cost and elasticity -----------------------------------------------------------------------------
def _metrics(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"date": date.fromisoformat(d), "metric": m, "dimension": dim, "value": v, "unit": m}
                         for d, m, dim, v in rows])


def test_unit_cost_per_thousand_and_per_tenant_with_qoq_and_null_on_zero(con: duckdb.DuckDBPyConnection) -> None:
    load_cost(con, [
        row("2026-04-01", "1.00", tags={"service": "a"}),
        row("2026-07-01", "2.00", tags={"service": "a"}),
        row("2026-07-02", "6.00", tags={"service": "a"}),
        row("2026-07-01", "5.00", tags={"service": "b"}),
        row("2026-07-01", "7.00"),
        row("2026-07-03", "-9.00", tags={"service": "a"}, ChargeClass="Correction", ChargeCategory="Adjustment"),
    ])
    load_table(con, "business_metrics", _metrics([
        ("2026-04-01", "requests", "a", 1000.0), ("2026-07-01", "requests", "a", 1000.0),
        ("2026-07-02", "requests", "a", 3000.0), ("2026-07-01", "requests", "b", 0.0),
        ("2026-07-01", "active_tenants", "", 10.0), ("2026-07-02", "active_tenants", "", 30.0),
    ]))
    units = cm.unit_cost_by_dimension(con, Q3)
    # a: (2 + 6) / (4000 / 1000) = 2.00 per 1k, was 1.00 → +100%; b: zero volume → no unit cost
    assert by_value(units, "unit_cost", key="dimension")["a"] == pytest.approx(2.0)
    assert by_value(units, "previous_unit_cost", key="dimension")["a"] == pytest.approx(1.0)
    assert by_value(units, "unit_cost_change_pct", key="dimension")["a"] == pytest.approx(1.0)
    assert pd.isna(by_value(units, "unit_cost", key="dimension")["b"])
    tenants = cm.unit_cost_by_dimension(con, Q3, metric="active_tenants", per=1, aggregate="mean")
    # all cost except the correction, 20, over the average of 10 and 30 tenants
    assert tenants["unit_cost"].tolist() == pytest.approx([1.0]) and tenants["volume"].tolist() == [20.0]
    monthly = cm.unit_cost_by_month(con, cm.Window(date(2026, 4, 1), date(2026, 8, 1)))
    assert monthly[monthly["dimension"] == "a"]["unit_cost"].tolist() == pytest.approx([1.0, 2.0])
    with pytest.raises(ParameterError):
        cm.unit_cost_by_dimension(con, Q3, aggregate="median")  # type: ignore[arg-type]


def test_elasticity_recovers_a_power_law_within_weekdays(con: duckdb.DuckDBPyConnection) -> None:
    days = [date(2026, 7, 1) + timedelta(days=i) for i in range(28)]
    volume = {d: 1000.0 * (1.01 ** i) * (0.6 if d.weekday() >= 5 else 1.0) for i, d in enumerate(days)}
    # cost ∝ volume^0.8, plus a weekend scale-down that a plain regression would read as elasticity
    cost = {d: 2.0 * v ** 0.8 * (0.85 if d.weekday() >= 5 else 1.0) for d, v in volume.items()}
    load_cost(con, [row(d.isoformat(), f"{cost[d]:.10f}", tags={"service": "s"}) for d in days])
    load_table(con, "business_metrics", _metrics([(d.isoformat(), "requests", "s", volume[d]) for d in days]))
    within = cm.cost_elasticity(con, Q3).iloc[0]
    assert within["elasticity"] == pytest.approx(0.8, abs=1e-6) and within["n"] == 28 and within["sufficient"]
    assert within["low"] <= 0.8 <= within["high"] or within["low"] == pytest.approx(0.8, abs=1e-6)
    naive = cm.cost_elasticity(con, Q3, by_weekday=False).iloc[0]
    assert naive["elasticity"] > 0.9  # the weekly cycle inflates the plain slope
