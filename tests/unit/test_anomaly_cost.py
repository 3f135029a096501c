"""The cost-anomaly pipeline on small in-memory FOCUS warehouses: which rows are judged, gaps,
new spend, one finding per event, root causes with opposite moves, the alert gate, the artifact."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.anomalies import cost as ca
from analytics.errors import ParameterError
from analytics.periods import parse_period
from analytics.warehouse import connect, run
from analytics.warehouse.ledger import refresh_cost_tags

pytestmark = pytest.mark.unit

QUARTER = parse_period("2026Q3")
START = date(2026, 1, 1)
DAYS = (QUARTER.end - START).days


def _row(day: date, cost: float, **extra: Any) -> dict[str, Any]:
    """One FOCUS row with the NOT NULL columns filled."""
    month = day.replace(day=1)
    nxt = (month + timedelta(days=32)).replace(day=1)
    base = {
        "BilledCost": cost, "EffectiveCost": cost, "BillingAccountId": "payer", "BillingCurrency": "USD",
        "BillingPeriodStart": datetime(month.year, month.month, 1, tzinfo=UTC),
        "BillingPeriodEnd": datetime(nxt.year, nxt.month, 1, tzinfo=UTC), "ChargeCategory": "Usage",
        "ChargeFrequency": "Usage-Based", "ChargePeriodStart": datetime(day.year, day.month, day.day, tzinfo=UTC),
        "ChargePeriodEnd": datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1),
        "ProviderName": "AWS", "ServiceName": "Amazon EC2", "SubAccountId": "111", "RegionId": "us-east-1",
        "x_UsageType": "BoxUsage", "ResourceId": "i-1", "Tags": json.dumps({"service": "search"}),
        "source_file_id": 0,
    }
    base.update(extra)
    return base


def _load(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    frame = pd.DataFrame(rows)
    con.register("rows_in", frame)
    try:
        run(con, "INSERT INTO cost BY NAME SELECT * FROM rows_in")
    finally:
        con.unregister("rows_in")
    refresh_cost_tags(con)  # written around the ledger, so the tag dictionary is brought up to date here


def _usage(cost_of: Any, **extra: Any) -> list[dict[str, Any]]:
    """Daily usage rows over the whole test window, ``cost_of(i, day)`` per day (None: no row)."""
    rows = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        value = cost_of(i, day)
        if value is not None:
            rows.append(_row(day, float(value), **extra))
    return rows


def _weekly(i: int, day: date, *, base: float = 100.0, seed: int = 0) -> float:
    """A weekday/weekend usage pattern with deterministic ±1.5% wiggle."""
    wiggle = 1 + 0.015 * np.sin(1.7 * i + seed)
    return base * (0.6 if day.weekday() >= 5 else 1.0) * wiggle


def test_month_start_fees_purchases_tax_credits_and_corrections_are_listed_not_flagged(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = _usage(lambda i, d: _weekly(i, d))
    for month in (7, 8, 9):
        first = date(2026, month, 1)
        rows.append(_row(first, 5000.0, ChargeCategory="Purchase", ChargeFrequency="Recurring",
                         ServiceName="AWS Support (Business)", ChargeDescription="Support fee", Tags=None))
        rows.append(_row(first, 900.0, ChargeFrequency="Recurring", ServiceName="Amazon Route 53",
                         ChargeDescription="Hosted zones", Tags=None))
        rows.append(_row(first, 700.0, ChargeCategory="Tax", ChargeFrequency="Recurring", ServiceName="Tax",
                         Tags=None))
        rows.append(_row(first, -200.0, ChargeCategory="Credit", ChargeFrequency="One-Time", ServiceName="Credit",
                         Tags=None))
    rows.append(_row(date(2026, 8, 3), 40_000.0, ChargeCategory="Purchase", ChargeFrequency="One-Time",
                     ServiceName="Amazon EC2", ChargeDescription="RI, all upfront", EffectiveCost=0.0, Tags=None))
    rows.append(_row(date(2026, 8, 20), -420.0, ChargeCategory="Adjustment", ChargeClass="Correction",
                     ChargeFrequency="One-Time", ChargeDescription="Correction", Tags=None))
    rows.append(_row(date(2026, 8, 21), 300.0, CommitmentDiscountStatus="Unused", ServiceName="Savings Plans",
                     ChargeDescription="Unused commitment", Tags=None))
    _load(con, rows)
    result = ca.cost_anomalies(con, QUARTER)
    assert result.anomalies.empty
    kinds = result.scheduled.groupby("kind")["row_count"].sum().to_dict()
    assert kinds == {"recurring fee or purchase": 3, "recurring usage fee": 3, "tax": 3, "credit": 3,
                     "one-time purchase": 1, "correction of a closed period": 1, "unused commitment": 1}
    assert set(result.series["service"].dropna()) == {"Amazon EC2"}


def test_a_spike_is_found_at_the_tag_that_owns_it_with_its_impact_and_drivers(con: duckdb.DuckDBPyConnection) -> None:
    spike = {date(2026, 8, 12): 2000.0, date(2026, 8, 13): 2000.0}
    rows = _usage(lambda i, d: _weekly(i, d, seed=1) + spike.get(d, 0.0), ResourceId="i-search",
                  Tags=json.dumps({"service": "search"}))
    rows += _usage(lambda i, d: _weekly(i, d, base=300.0, seed=2), ResourceId="i-api",
                   Tags=json.dumps({"service": "api"}))
    _load(con, rows)
    result = ca.cost_anomalies(con, QUARTER)
    found = ca.alerts(result.anomalies)
    assert len(found) == 1
    top = found.iloc[0]
    assert (top["level"], top["member"], top["start"], top["end"]) == ("tag", "search", date(2026, 8, 12),
                                                                        date(2026, 8, 13))
    assert top["impact"] == pytest.approx(4000.0, rel=0.02)
    assert top["services"] == "search"
    assert top["also_seen_at"] == "all usage"  # EC2 is AWS's only service here: the same series
    drivers = result.drivers[result.drivers["anomaly_id"] == top["anomaly_id"]]
    resource = drivers[drivers["dimension"] == "resource"].iloc[0]
    assert resource["member"] == "i-search" and resource["delta"] == pytest.approx(top["impact"])


def test_opposite_moves_are_both_visible_and_contributions_sum_to_the_impact(con: duckdb.DuckDBPyConnection) -> None:
    up = lambda i, d: _weekly(i, d, seed=3) + (600.0 if d >= date(2026, 8, 10) else 0.0)  # noqa: E731
    down = lambda i, d: _weekly(i, d, base=400.0, seed=4) - (200.0 if d >= date(2026, 8, 10) else 0.0)  # noqa: E731
    _load(con, _usage(up, RegionId="us-east-1", ResourceId="i-up") + _usage(down, RegionId="eu-west-1",
                                                                             ResourceId="i-down"))
    result = ca.cost_anomalies(con, QUARTER, levels=("service",))
    row = result.findings.iloc[0]
    assert (row["scope"], row["start"], row["direction"]) == ("AWS · Amazon EC2", date(2026, 8, 10), "increase")
    regions = result.drivers[(result.drivers["anomaly_id"] == row["anomaly_id"])
                             & (result.drivers["dimension"] == "region")].set_index("member")
    assert regions.loc["us-east-1", "delta"] > 0 > regions.loc["eu-west-1", "delta"]
    assert regions["delta"].sum() == pytest.approx(row["impact"], abs=1e-6)
    assert regions.loc["us-east-1", "delta"] == pytest.approx(600.0 * row["flagged_days"], rel=0.05)
    assert regions.loc["eu-west-1", "delta"] == pytest.approx(-200.0 * row["flagged_days"], rel=0.05)


def test_contributions_with_opposite_moves_by_hand() -> None:
    kids = pd.DataFrame({
        "member": ["a", "b", "a", "b", "a", "b"],
        "day": [date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 2), date(2026, 1, 8),
                date(2026, 1, 8)],
        "cost": [60.0, 40.0, 70.0, 30.0, 150.0, 10.0],
    })
    out = ca.contributions(kids, {date(2026, 1, 8): 100.0}, start=date(2026, 1, 8), end=date(2026, 1, 8),
                           baseline_days=7)
    # 2026-01-08 is a Thursday like 2026-01-01: shares 0.6 / 0.4 of the expected 100
    assert out.values.tolist() == [["a", 60.0, 150.0, 90.0], ["b", 40.0, 10.0, -30.0]]
    assert out["delta"].sum() == pytest.approx(160.0 - 100.0)


def test_a_level_shift_is_one_finding_however_long_it_lasts(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, _usage(lambda i, d: _weekly(i, d) * (1.4 if d >= date(2026, 7, 20) else 1.0)))
    findings = ca.cost_anomalies(con, QUARTER).findings
    assert len(findings) == 1
    row = findings.iloc[0]
    assert (row["start"], row["end"], bool(row["ongoing"])) == (date(2026, 7, 20), date(2026, 9, 30), True)
    assert row["impact_pct"] == pytest.approx(40.0, abs=3.0)


def test_new_region_is_a_finding_of_its_own_kind(con: duckdb.DuckDBPyConnection) -> None:
    rows = _usage(lambda i, d: _weekly(i, d, base=1000.0))
    rows += _usage(lambda i, d: 350.0 if d >= date(2026, 9, 10) else None, RegionId="ap-southeast-2",
                   ResourceId="i-gpu", x_UsageType="GPU")
    _load(con, rows)
    result = ca.cost_anomalies(con, QUARTER)
    findings = result.findings
    new = findings[findings["kind"] == "new"]
    assert new[["level", "member", "start"]].values.tolist() == [["region", "ap-southeast-2", date(2026, 9, 10)]]
    assert new.iloc[0]["impact"] == pytest.approx(350.0 * 21)
    assert len(ca.alerts(result.anomalies)) == 1  # the tag-level increase is the same rows: one finding


def test_a_day_the_provider_did_not_deliver_is_missing_data_not_zero_spend(con: duckdb.DuckDBPyConnection) -> None:
    gap, only_b = date(2026, 8, 5), date(2026, 8, 19)
    a = _usage(lambda i, d: None if d == gap else _weekly(i, d, base=500.0), ResourceId="i-a",
               Tags=json.dumps({"service": "a"}))
    b = _usage(lambda i, d: None if d in (gap, only_b) else _weekly(i, d, base=500.0, seed=7), ResourceId="i-b",
               Tags=json.dumps({"service": "b"}))
    _load(con, a + b)
    result = ca.cost_anomalies(con, QUARTER)
    found = result.findings
    assert found[["member", "start", "direction"]].values.tolist() == [["b", only_b, "decrease"]]
    series = result.series.set_index("scope")
    assert "1 missing day(s) not judged" in series.loc["all usage", "notes"]


def test_series_that_are_too_short_or_constant_are_reported_not_flagged(con: duckdb.DuckDBPyConnection) -> None:
    rows = _usage(lambda i, d: 250.0, ResourceId="i-flat", RegionId="us-east-1")
    rows += _usage(lambda i, d: 80.0 if d >= date(2026, 9, 27) else None, ResourceId="i-late", RegionId="eu-west-1")
    _load(con, rows)
    result = ca.cost_anomalies(con, QUARTER, levels=("region",))
    reasons = result.series.set_index("member")["reason"].to_dict()
    assert reasons["us-east-1"] == "constant series: nothing to judge"
    assert reasons["eu-west-1"] == "insufficient history: 4 day(s), needs more than 7"
    assert result.findings[["kind", "member"]].values.tolist() == [["new", "eu-west-1"]]  # new spend, not judged


def test_the_alert_gate_needs_the_dollar_floor_and_the_percentage() -> None:
    frame = pd.DataFrame({
        "anomaly_id": ["both", "pct-low", "usd-low", "down", "folded", "new"],
        "direction": ["increase", "increase", "increase", "decrease", "increase", "increase"],
        "impact": [900.0, 900.0, 100.0, -900.0, 5000.0, 300.0],
        "impact_pct": [50.0, 5.0, 80.0, -50.0, 90.0, float("inf")],
        "folded_into": [None, None, None, None, "both", None],
        "in_period": [True] * 6,
    })
    assert ca.alerts(frame, min_impact=500, min_impact_pct=20)["anomaly_id"].tolist() == ["both"]
    assert ca.alerts(frame, min_impact=250, min_impact_pct=20)["anomaly_id"].tolist() == ["both", "new"]
    assert ca.alerts(frame, min_impact=500, min_impact_pct=20, direction="both")["anomaly_id"].tolist() == [
        "both", "down"]
    assert ca.alerts(frame, min_impact=0, min_impact_pct=0, direction="decrease")["anomaly_id"].tolist() == [
        "down"]
    with pytest.raises(ParameterError):
        ca.alerts(frame, min_impact=-1)
    with pytest.raises(ParameterError):
        ca.alerts(frame, direction="sideways")  # type: ignore[arg-type]
    assert (ca.DEFAULT_MIN_IMPACT, ca.DEFAULT_MIN_IMPACT_PCT) == (250.0, 20.0)


def test_deployments_and_incidents_of_the_service_annotate_the_anomaly(con: duckdb.DuckDBPyConnection) -> None:
    spike = {date(2026, 8, 12): 2000.0, date(2026, 8, 13): 2000.0}
    _load(con, _usage(lambda i, d: _weekly(i, d) + spike.get(d, 0.0)))
    run(con, "INSERT INTO deployments (deployment_id, source, source_id, service, deployed_at, status, "
             "source_file_id) VALUES ('github:1', 'github', '1', 'search', TIMESTAMPTZ '2026-08-12 09:30:00+00', "
             "'success', 0), ('github:2', 'github', '2', 'search', TIMESTAMPTZ '2026-08-20 09:30:00+00', "
             "'success', 0), ('github:3', 'github', '3', 'other', TIMESTAMPTZ '2026-08-12 10:00:00+00', "
             "'success', 0)")
    run(con, "INSERT INTO incidents (incident_id, source, source_id, service, title, created_at, source_file_id) "
             "VALUES ('pd:1', 'pagerduty', '1', 'search', '[search] oom kill', "
             "TIMESTAMPTZ '2026-08-12 14:05:00+00', 0)")
    result = ca.cost_anomalies(con, QUARTER)
    top = ca.alerts(result.anomalies).iloc[0]
    notes = result.annotations[result.annotations["anomaly_id"] == top["anomaly_id"]]
    assert notes[["kind", "id"]].values.tolist() == [["deployment", "github:1"], ["incident", "pd:1"]]
    assert "deployment github:1 (12 Aug 09:30)" in top["annotations"]


def test_unknown_levels_and_tag_keys_are_rejected(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ParameterError, match="unknown or no level"):
        ca.cost_anomalies(con, QUARTER, levels=("planet",))
    with pytest.raises(ParameterError, match="tag_key"):
        ca.cost_anomalies(con, QUARTER, tag_key="  ")


def test_an_empty_warehouse_gives_an_empty_result(con: duckdb.DuckDBPyConnection) -> None:
    result = ca.cost_anomalies(con, QUARTER)
    assert result.anomalies.empty and result.last_day is None
    assert ca.alerts(result.anomalies).empty
    assert ca.anomaly_table(result.findings, currency=result.currency).empty


def test_tag_keys_are_bound_values_even_when_they_look_like_sql(con: duckdb.DuckDBPyConnection) -> None:
    key = "cost'center\" --"
    _load(con, _usage(lambda i, d: _weekly(i, d), Tags=json.dumps({key: "ops"})))
    result = ca.cost_anomalies(con, QUARTER, tag_key=key)
    assert set(result.series.loc[result.series["level"] == "tag", "member"]) == {"ops"}


def test_the_artifact_is_json_with_the_alerts(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    spike = {date(2026, 8, 12): 2000.0}
    _load(con, _usage(lambda i, d: _weekly(i, d) + spike.get(d, 0.0)))
    result = ca.cost_anomalies(con, QUARTER)
    alerted = ca.alerts(result.anomalies)
    path = ca.write_anomalies_json(ca.anomalies_artifact(result, alerted, thresholds={"min_impact": 250}),
                                   tmp_path / "anomalies.json")
    data = json.loads(path.read_text())
    assert data["period"] == "2026Q3" and data["counts"]["alerts"] == 1
    assert data["top_anomalies"][0]["start"] == "2026-08-12"
    assert data["top_anomalies"][0]["drivers"]


def test_feedback_expected_or_false_keeps_an_anomaly_out_of_the_alerts(con: duckdb.DuckDBPyConnection) -> None:
    spike = {date(2026, 8, 12): 2000.0}
    _load(con, _usage(lambda i, d: _weekly(i, d) + spike.get(d, 0.0)))
    first = ca.cost_anomalies(con, QUARTER)
    anomaly_id = ca.alerts(first.anomalies).iloc[0]["anomaly_id"]
    ca.record_feedback(con, anomaly_id, "confirmed", recorded_at=datetime(2026, 10, 1, tzinfo=UTC))
    assert len(ca.alerts(ca.cost_anomalies(con, QUARTER).anomalies)) == 1
    ca.record_feedback(con, anomaly_id, "expected", note="planned re-index",
                       recorded_at=datetime(2026, 10, 2, tzinfo=UTC))
    again = ca.cost_anomalies(con, QUARTER)
    assert ca.alerts(again.anomalies).empty
    row = again.anomalies.set_index("anomaly_id").loc[anomaly_id]
    assert row["feedback"] == "expected"  # still listed, with its label
    with pytest.raises(ParameterError):
        ca.record_feedback(con, anomaly_id, "maybe")


# -- NULL and blank members (issue 10.1) --------------------------------------------------------
def test_new_spend_at_two_levels_at_once_keys_every_row(con: duckdb.DuckDBPyConnection) -> None:
    """A new service and a new region of another service appear together: the new-spend frame mixes
    rows without a member (service level) and with one (region level). pandas' string dtype makes
    the missing member a float NaN there; keys, labels and ids must treat it as "no member"."""
    rows = _usage(lambda i, d: _weekly(i, d, base=1000.0))
    rows += _usage(lambda i, d: 350.0 if d >= date(2026, 9, 10) else None, RegionId="ap-southeast-2",
                   ResourceId="i-gpu")
    rows += _usage(lambda i, d: 420.0 if d >= date(2026, 9, 10) else None, ServiceName="Amazon SageMaker",
                   ResourceId="nb-1")
    _load(con, rows)
    result = ca.cost_anomalies(con, QUARTER)
    new = result.findings[result.findings["kind"] == "new"].sort_values("scope")
    assert new[["level", "scope"]].values.tolist() == [
        ["region", "AWS · Amazon EC2 · region ap-southeast-2"], ["service", "AWS · Amazon SageMaker"]]
    assert new["impact"].tolist() == [pytest.approx(350.0 * 21), pytest.approx(420.0 * 21)]
    assert all(m is None for m in new.loc[new["level"] == "service", "member"])
    for row in new.itertuples(index=False):
        assert not result.series_days(row.anomaly_id).empty


@pytest.mark.parametrize("missing", [None, "", "  "])
def test_a_null_or_blank_member_is_a_member_of_its_own_at_every_level(
    con: duckdb.DuckDBPyConnection, missing: str | None,
) -> None:
    """Rows without a region, account, usage type, service tag or even a service name are one member
    each (``(not set)``, ``(untagged)`` for the tag), scanned, labelled and explained like any other:
    the spike on them is found at the tag level with its drivers, and nothing is lost in the sums."""
    spike = {date(2026, 8, 12): 3000.0, date(2026, 8, 13): 3000.0}
    blank = {"RegionId": missing, "SubAccountId": missing, "x_UsageType": missing, "ResourceId": "i-anon",
             "Tags": json.dumps({"service": missing}) if missing is not None else None}
    rows = _usage(lambda i, d: _weekly(i, d, seed=1) + spike.get(d, 0.0), **blank)
    rows += _usage(lambda i, d: _weekly(i, d, base=300.0, seed=2), ResourceId="i-api",
                   Tags=json.dumps({"service": "api"}))
    rows += _usage(lambda i, d: _weekly(i, d, base=200.0, seed=5), ServiceName=missing, ResourceId="i-x")
    _load(con, rows)
    result = ca.cost_anomalies(con, QUARTER)
    series = result.series
    members = set(series.loc[series["level"].isin(ca.LEAF_LEVELS), "member"])
    assert {"(not set)", "(untagged)"} <= members
    assert "AWS · (not set)" in set(series["scope"])  # the service without a name
    # every leaf level of EC2 sums to its service: no row lost to a NULL
    ec2 = series[series["service"] == "Amazon EC2"]
    total = float(ec2.loc[ec2["level"] == "service", "period_cost"].iloc[0])
    for level in ca.LEAF_LEVELS:
        assert float(ec2.loc[ec2["level"] == level, "period_cost"].sum()) == pytest.approx(total)
    found = ca.alerts(result.anomalies)
    assert len(found) == 1
    top = found.iloc[0]
    assert (top["level"], top["member"], top["scope"], top["start"]) == (
        "tag", "(untagged)", "AWS · Amazon EC2 · service=(untagged)", date(2026, 8, 12))
    assert top["impact"] == pytest.approx(6000.0, rel=0.02)
    drivers = result.drivers[result.drivers["anomaly_id"] == top["anomaly_id"]].set_index(["dimension", "member"])
    assert drivers.loc[("region", "(not set)"), "delta"] == pytest.approx(top["impact"])
    assert drivers.loc[("resource", "i-anon"), "delta"] == pytest.approx(top["impact"])
    assert not result.series_days(top["anomaly_id"]).empty


def test_scope_keys_and_labels_treat_nan_as_no_member() -> None:
    nan = float("nan")
    assert ca.series_key("service", "AWS", "Amazon EC2", nan) == ca.series_key("service", "AWS", "Amazon EC2", None)
    assert ca.scope_label("service", "AWS", "Amazon EC2", nan) == "AWS · Amazon EC2"
    assert ca.scope_label("total", nan, nan, nan) == "all usage"
    with pytest.raises(ParameterError, match="member"):
        ca.series_key("region", "AWS", "Amazon EC2", nan)


def test_several_periods_from_one_read_of_the_series_equal_separate_runs(con: duckdb.DuckDBPyConnection) -> None:
    spike = {date(2026, 5, 12): 2500.0, date(2026, 8, 12): 2000.0}
    rows = _usage(lambda i, d: _weekly(i, d, seed=1) + spike.get(d, 0.0), Tags=json.dumps({"service": "search"}))
    rows += _usage(lambda i, d: _weekly(i, d, base=300.0, seed=2), RegionId=None, ResourceId="i-api")
    _load(con, rows)
    periods = [parse_period("2026Q2"), QUARTER]
    together = ca.cost_anomalies_of_periods(con, periods)
    for period, joint in zip(periods, together, strict=True):
        alone = ca.cost_anomalies(con, period)
        pd.testing.assert_frame_equal(joint.anomalies, alone.anomalies)
        pd.testing.assert_frame_equal(joint.series, alone.series)
        assert (joint.first_day, joint.last_day) == (alone.first_day, alone.last_day)
    assert [r.findings["start"].tolist() for r in together] == [[date(2026, 5, 12)], [date(2026, 8, 12)]]


def test_amounts_are_written_in_the_billing_currency_never_in_dollars(con: duckdb.DuckDBPyConnection) -> None:
    spike = {date(2026, 8, 12): 2000.0, date(2026, 8, 13): 2000.0}
    rows = _usage(lambda i, d: _weekly(i, d, seed=1) + spike.get(d, 0.0), ResourceId="i-search",
                  BillingCurrency="EUR", Tags=json.dumps({"service": "search"}))
    _load(con, rows)
    result = ca.cost_anomalies(con, QUARTER)
    top = ca.alerts(result.anomalies).iloc[0]
    assert result.currency == "EUR" and ca.anomaly_currency(con, QUARTER) == "EUR"
    shown = ca.anomaly_table(ca.alerts(result.anomalies), currency=result.currency).iloc[0]
    assert shown["impact"] == f"+€{top['impact'] / 1e3:.1f}k" and shown["expected"].startswith("€")
    assert "€" in top["top_drivers"] and "$" not in top["top_drivers"] + "".join(map(str, shown))
    assert ca.cost_anomalies(connect(":memory:"), QUARTER).currency == "USD"  # no cost rows: nothing to print


def test_unexplained_anomalies_have_the_same_findings_impacts_and_alerts(con: duckdb.DuckDBPyConnection) -> None:
    """``explain=False`` (the quarterly review's previous quarter): the same findings, impacts, folding,
    feedback and alerts; no root causes, annotations or explaining purchases."""
    spike = {date(2026, 8, 12): 2000.0, date(2026, 8, 13): 2000.0}
    rows = _usage(lambda i, d: _weekly(i, d, seed=1) + spike.get(d, 0.0), ResourceId="i-search",
                  Tags=json.dumps({"service": "search"}))
    rows += _usage(lambda i, d: _weekly(i, d, base=300.0, seed=2) - (120.0 if d >= date(2026, 9, 1) else 0.0),
                   ResourceId="i-api", Tags=json.dumps({"service": "api"}))
    _load(con, rows)
    full = ca.cost_anomalies(con, QUARTER)
    ca.record_feedback(con, full.anomalies["anomaly_id"].iloc[0], "expected", note="planned")
    full = ca.cost_anomalies(con, QUARTER)
    bare = ca.cost_anomalies(con, QUARTER, explain=False)
    same = ["anomaly_id", "kind", "level", "member", "start", "end", "direction", "impact", "impact_pct",
            "folded_into", "in_period", "feedback", "also_seen_at"]
    assert len(full.anomalies) >= 2
    pd.testing.assert_frame_equal(bare.anomalies[same], full.anomalies[same])
    pd.testing.assert_frame_equal(ca.alerts(bare.anomalies)[same], ca.alerts(full.anomalies)[same])
    assert bare.drivers.empty and bare.annotations.empty and not full.drivers.empty
    assert set(bare.anomalies["top_drivers"]) == {""} and set(bare.anomalies["explained_by"]) == {""}
    (two,) = [r for r in ca.cost_anomalies_of_periods(con, [QUARTER], explain=[False])]
    pd.testing.assert_frame_equal(two.anomalies, bare.anomalies)


def test_member_baselines_come_back_summed_per_weekday_with_the_same_contributions(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """A request with ``finding_start`` gets its baseline days as one row per member and weekday (on the
    request's first day of that weekday) and its finding days as they are; the attribution computed from
    that equals the one from every day (independently: the daily rows summed per weekday here)."""
    rows = _usage(lambda i, d: _weekly(i, d), ResourceId="i-1")
    rows += _usage(lambda i, d: _weekly(i, d, base=40.0, seed=3) * (3.0 if d >= date(2026, 8, 10) else 1.0),
                   ResourceId="i-2")
    _load(con, rows)
    lo, finding, hi = date(2026, 7, 13), date(2026, 8, 10), date(2026, 8, 13)
    daily_request = ca.MemberRequest("resource", "AWS", "Amazon EC2", lo, hi)
    summed_request = ca.MemberRequest("resource", "AWS", "Amazon EC2", lo, hi, finding_start=finding)
    daily, summed = ca.member_costs(con, [daily_request, summed_request], tag_key="service")
    assert len(daily) == 2 * 31 and len(summed) == 2 * (7 + 3)  # 28 baseline days → 7 weekday rows per member
    assert all(lo <= d < lo + timedelta(days=7) for d in summed.loc[summed["day"] < finding, "day"])
    for member in ("i-1", "i-2"):
        mine = daily[(daily["member"] == member) & (daily["day"] < finding)]
        by_weekday = {wd: sum(c for d, c in zip(mine["day"], mine["cost"], strict=True) if d.weekday() == wd)
                      for wd in range(7)}
        got = summed[(summed["member"] == member) & (summed["day"] < finding)]
        assert {d.weekday(): c for d, c in zip(got["day"], got["cost"], strict=True)} == pytest.approx(by_weekday)
        tail = daily[(daily["member"] == member) & (daily["day"] >= finding)].reset_index(drop=True)
        assert summed[(summed["member"] == member) & (summed["day"] >= finding)].reset_index(drop=True).equals(tail)
    expected = {finding + timedelta(days=i): 160.0 for i in range(3)}
    want = ca.contributions(daily, expected, start=finding, end=hi - timedelta(days=1), baseline_days=28)
    got = ca.contributions(summed, expected, start=finding, end=hi - timedelta(days=1), baseline_days=28)
    assert list(got["member"]) == list(want["member"])
    np.testing.assert_allclose(got[["expected", "actual", "delta"]].to_numpy(dtype=float),
                               want[["expected", "actual", "delta"]].to_numpy(dtype=float), rtol=1e-12)
