"""The cost analyses on the demo warehouse against truth.json (computed in plain Python from the
generated rows, analytics/demo/truth.py) for the latest quarter and the one before."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from analytics.demo.world import SP_ID
from analytics.metrics import cost as cm
from analytics.periods import parse_period
from tests.conftest import DemoBuild

pytestmark = pytest.mark.integration
QUARTERS = ("2026Q3", "2026Q2")


@pytest.fixture(params=QUARTERS)
def quarter(request: pytest.FixtureRequest, demo: DemoBuild) -> tuple[str, dict]:
    return request.param, demo.truth["cost"][request.param]


def test_effective_cost_per_provider_and_month(demo_con: duckdb.DuckDBPyConnection, quarter: tuple[str, dict]) -> None:
    label, truth = quarter
    q = parse_period(label)
    assert float(cm.effective_cost_total(demo_con, q)) == pytest.approx(truth["effective_cost"], abs=0.006)
    for provider, expected in truth["effective_cost_by_provider"].items():
        total = cm.effective_cost_total(demo_con, q, scope=cm.CostScope(provider=provider))
        assert float(total) == pytest.approx(expected, abs=0.006)
    # the breakdown puts corrections on their own line; the lines still add up to the period's cost
    by_provider = cm.cost_by_dimension(demo_con, q, dimension="provider")
    assert by_provider["effective_cost"].sum() == pytest.approx(truth["effective_cost"], abs=0.006)
    months = cm.cost_by_month(demo_con, q)
    got = {f"{m:%Y-%m}": e + c for m, e, c in zip(months["bucket_start"], months["effective_cost"],
                                                   months["corrections"], strict=True)}
    assert got == pytest.approx(truth["effective_cost_by_month"], abs=0.006)


def test_budget_variance(demo_con: duckdb.DuckDBPyConnection, quarter: tuple[str, dict]) -> None:
    label, truth = quarter
    status = cm.budget_status(demo_con, parse_period(label))
    assert status.complete and status.cost_basis == "EffectiveCost"
    assert status.budget == pytest.approx(truth["budget"], abs=0.006)
    assert status.actual == pytest.approx(truth["effective_cost"], abs=0.006)
    # the truth divides the cost rounded to the cent; ours is exact — they agree to 1e-8
    assert status.variance_pct == pytest.approx(truth["budget_variance"], abs=1e-8)
    assert status.status == cm.band_status(truth["budget_variance"])


def test_tag_coverage_on_team(demo_con: duckdb.DuckDBPyConnection, quarter: tuple[str, dict]) -> None:
    label, truth = quarter
    coverage = cm.tag_coverage_total(demo_con, parse_period(label), tag_key="team")
    assert coverage.cost_share == pytest.approx(truth["tag_coverage_team"], abs=1e-12)


def test_commitment_and_savings_plan_utilisation(
    demo_con: duckdb.DuckDBPyConnection, quarter: tuple[str, dict]
) -> None:
    label, truth = quarter
    q = parse_period(label)
    assert cm.commitment_utilisation(demo_con, q) == pytest.approx(truth["commitment_utilisation"], abs=1e-12)
    per = cm.commitment_utilisation_by_commitment(demo_con, q).set_index("commitment_id")
    assert per.loc[SP_ID, "utilisation"] == pytest.approx(truth["savings_plan_utilisation"], abs=1e-12)


def test_unit_cost_per_thousand_requests(demo_con: duckdb.DuckDBPyConnection, quarter: tuple[str, dict]) -> None:
    label, truth = quarter
    units = cm.unit_cost_by_dimension(demo_con, parse_period(label)).set_index("dimension")["unit_cost"]
    assert units.to_dict() == pytest.approx(truth["unit_cost_per_1k_requests"], rel=1e-12)


def test_corrections_billed_in_the_quarter(demo_con: duckdb.DuckDBPyConnection, quarter: tuple[str, dict]) -> None:
    label, truth = quarter
    fixes = cm.corrections(demo_con, parse_period(label))
    assert round(float(fixes["billed_cost"].sum()), 2) == truth["corrections"]


def test_the_planted_correction_is_reported_apart(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection) -> None:
    planted = demo.truth["planted"]["correction"]
    fixes = cm.corrections(demo_con, parse_period(demo.truth["quarter"]))
    assert fixes[["corrects_month", "restates_earlier_period"]].values.tolist() == [["2026-07", False]]
    assert f"{fixes['billing_period_start'].iloc[0]:%Y-%m}" == planted["billing_period"]
    assert fixes["billed_cost"].tolist() == [planted["billed"]]
    lines = cm.cost_by_dimension(demo_con, parse_period(demo.truth["quarter"]), dimension="service")
    assert lines[lines["is_correction"]]["effective_cost"].tolist() == [planted["billed"]]


def test_showback_preserves_the_total_to_the_cent(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection) -> None:
    q = parse_period(demo.truth["quarter"])
    exact = cm.effective_cost_total(demo_con, q)
    for method in ("proportional", "even"):
        sb = cm.showback(demo_con, q, tag_key="team", method=method,  # type: ignore[arg-type]
                         shared_services=["AWS Support (Business)", "Tax", "Savings Plans for AWS Compute usage"])
        assert sb.total == exact.quantize(Decimal("0.01"))
        assert {line.bucket for line in sb.lines} == {"payments", "platform", "fulfilment", "discovery", "data",
                                                      "unallocated", "(corrections)"}
    coverage = cm.tag_coverage_total(demo_con, q, tag_key="team")
    # unallocated = untagged usage + the credits that were not declared shared
    credits = cm.cost_by_dimension(demo_con, q, dimension="charge_category").set_index("value")
    assert float(sb.unallocated) == pytest.approx(coverage.untagged_cost + credits.loc["Credit", "effective_cost"],
                                                  abs=0.01)


def test_savings_leave_prepaid_purchases_out(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection) -> None:
    q = parse_period(demo.truth["quarter"])
    raw = demo_con.execute(
        "SELECT ChargeCategory, ChargeClass, CommitmentDiscountCategory, BilledCost::DOUBLE b, "
        "EffectiveCost::DOUBLE e, ListCost::DOUBLE l, ContractedCost::DOUBLE c FROM cost "
        "WHERE ChargePeriodStart >= $s AND ChargePeriodStart < $e",
        {"s": q.start_ts, "e": q.end_ts}).df()
    purchase = (raw["ChargeCategory"] == "Purchase") & (((raw["b"] > 0) & (raw["e"] == 0))
                                                       | raw["CommitmentDiscountCategory"].notna())
    kept = raw[~purchase & raw["ChargeClass"].isna()]
    saved = cm.savings_total(demo_con, q)
    assert saved["negotiated_savings"] == pytest.approx(float((kept["l"] - kept["c"]).sum()), abs=1e-6)
    assert saved["commitment_savings"] == pytest.approx(float((kept["c"] - kept["e"]).sum()), abs=1e-6)
    assert saved["total_savings"] == pytest.approx(float((kept["l"] - kept["e"]).sum()), abs=1e-6)
    # the Savings Plan fees are prepaid: counting them would add their whole amount to "savings"
    assert saved["purchase_billed_excluded"] == pytest.approx(float(raw.loc[purchase, "b"].sum()), abs=1e-6)
    assert saved["purchase_rows_excluded"] == 3
    assert 0 < saved["effective_savings_rate"] < 0.2


def test_elasticity_recovers_the_planted_scaling(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection) -> None:
    q = parse_period(demo.truth["quarter"])
    elastic = cm.cost_elasticity(demo_con, q).set_index("dimension")
    anomalous = {a["company_service"] for a in demo.truth["anomalies"]}
    # the generator scales usage cost with load^0.8; services with a planted cost anomaly or a
    # reserved (flat) cost stray from it
    steady = elastic.drop(index=[*anomalous, "checkout"])
    assert steady["elasticity"].median() == pytest.approx(0.8, abs=0.06)
    assert (steady["high"] < 1).all() and elastic.loc[list(anomalous), "elasticity"].min() > 0.9
    assert (elastic["n"] == q.days).all()


def test_budget_forecast_mid_quarter_matches_a_hand_computation(
    demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection
) -> None:
    from datetime import date

    q = parse_period(demo.truth["quarter"])
    months = cm.budget_vs_actual_by_month(demo_con, q, as_of=date(2026, 8, 15)).set_index("state")
    day = cm.cost_by_day(demo_con, cm.Window(date(2026, 7, 1), date(2026, 8, 16)))
    rows = demo_con.execute(
        "SELECT ChargePeriodStart::DATE d, sum(EffectiveCost)::DOUBLE FROM cost WHERE ChargePeriodStart >= "
        "'2026-08-09' AND ChargePeriodStart < '2026-08-16' AND ChargePeriodEnd - ChargePeriodStart <= INTERVAL 1 DAY "
        "GROUP BY 1 ORDER BY 1").fetchall()
    rate = sum(v for _, v in rows) / 7
    august = day[pd.to_datetime(day["bucket_start"]) >= pd.Timestamp("2026-08-01")]
    to_date = float(august["effective_cost"].sum() + august["corrections"].sum())
    assert months.loc["in progress", "actual"] == pytest.approx(to_date, abs=1e-6)
    assert months.loc["in progress", "forecast"] == pytest.approx(to_date + 16 * rate, abs=1e-6)
    july_recurring = demo_con.execute(
        "SELECT sum(EffectiveCost)::DOUBLE FROM cost WHERE ChargePeriodStart >= '2026-07-01' AND ChargePeriodStart "
        "< '2026-08-01' AND ChargeFrequency = 'Recurring' AND ChargePeriodEnd - ChargePeriodStart > INTERVAL 1 DAY"
    ).fetchone()[0]
    assert months.loc["not started", "forecast"] == pytest.approx(30 * rate + july_recurring, abs=1e-6)
