"""SLO metrics on the demo warehouse against the truth file, the burn-rate alerts against an
independent pandas computation (time-based rolling windows), and the OpenSLO / SLI round trip."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics.demo.render_slo import write_openslo, write_sli_csv
from analytics.metrics import slo as sm
from analytics.periods import parse_period
from analytics.sources import ingest
from analytics.warehouse import connect
from tests.conftest import DemoBuild

pytestmark = pytest.mark.integration

SLO_COLUMNS = ["slo", "service", "display_name", "description", "target", "budgeting_method", "time_window",
               "is_rolling", "journey", "time_slice_target", "time_slice_window"]
SLI_COLUMNS = ["service", "slo", "interval_start", "interval_end", "good", "total"]


@pytest.mark.parametrize("label", ["2026Q3", "2026Q2"])
def test_compliance_and_budget_equal_the_truth(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection,
                                               label: str) -> None:
    table = sm.slo_compliance(demo_con, label).set_index("slo")
    truth = demo.truth["slo"][label]
    assert set(table.index) == set(truth)
    for name, expected in truth.items():
        row = table.loc[name]
        assert (int(row["good"]), int(row["total"]), row["target"]) == (expected["good"], expected["total"],
                                                                        expected["target"])
        assert row["compliance"] == pytest.approx(expected["compliance"], abs=1e-12)
        assert row["error_budget_remaining"] == pytest.approx(expected["error_budget_remaining"], abs=1e-9)
        assert bool(row["met"]) == expected["met"]
    burn = sm.error_budget_burn_by_day(demo_con, label)
    last = burn.groupby("slo")["budget_remaining"].last()
    assert last.to_dict() == pytest.approx({k: v["error_budget_remaining"] for k, v in truth.items()}, abs=1e-9)


def _expected_alerts(sli: pd.DataFrame, target: float, alert: sm.BurnRateAlert, start: pd.Timestamp,
                     end: pd.Timestamp) -> tuple[int, float]:
    """(firing intervals, firing minutes) from pandas time-based rolling windows over (t − w, t]."""
    series = sli.sort_values("interval_end").set_index("interval_end")
    bad = (series["total"] - series["good"]).astype(float)
    total = series["total"].astype(float)

    def ratio(window: timedelta) -> pd.Series:
        return bad.rolling(window, closed="right").sum() / total.rolling(window, closed="right").sum()

    threshold = alert.burn_rate * (1 - target)
    firing = (ratio(alert.long_window) > threshold) & (ratio(alert.short_window) > threshold)
    firing = firing[(firing.index >= start) & (firing.index < end)]
    step = pd.Timedelta(hours=1)
    times = firing.index[firing.to_numpy()]
    episodes = sum(1 for i, t in enumerate(times) if i == 0 or t - times[i - 1] > step)
    return episodes, float(len(times) * 60)


def test_burn_rate_alerts_match_an_independent_computation(demo: DemoBuild,
                                                           demo_con: duckdb.DuckDBPyConnection) -> None:
    period = parse_period(demo.truth["quarter"])
    start, end = pd.Timestamp(period.start_ts), pd.Timestamp(period.end_ts)
    sli = demo_con.execute("SELECT slo, interval_start, interval_end, good, total FROM sli "
                           "WHERE interval_end > $s AND interval_end <= $e",
                           {"s": period.start_ts - timedelta(days=4), "e": period.end_ts}).df()
    targets = dict(demo_con.execute("SELECT slo, target FROM slos").fetchall())
    alerts = sm.burn_rate_alerts(demo_con, period)
    assert len(alerts) > 0 and (alerts["short_window_effective_minutes"] >= 60).all()  # hourly data: degraded
    for name, group in sli.groupby("slo"):
        for alert in sm.SRE_WORKBOOK_ALERTS:
            mine = alerts[(alerts["slo"] == name) & (alerts["alert"] == alert.name)]
            episodes, minutes = _expected_alerts(group, targets[name], alert, start, end)
            assert (len(mine), float(mine["minutes"].sum())) == (episodes, minutes), (name, alert.name)


def test_openslo_and_sli_round_trip(demo: DemoBuild, demo_con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    slos = demo_con.execute(f"SELECT {', '.join(SLO_COLUMNS)} FROM slos ORDER BY slo").df()
    sli = demo_con.execute(f"SELECT {', '.join(SLI_COLUMNS)} FROM sli ORDER BY slo, interval_start").df()
    yaml_path = write_openslo(slos, tmp_path / "slos.yaml")
    csv_path = write_sli_csv(sli, tmp_path / "sli.csv")
    con = connect(":memory:")
    try:
        kinds = [r.kind for r in ingest(con, "auto", [str(yaml_path), str(csv_path)])]
        assert kinds == ["openslo", "sli"]
        pd.testing.assert_frame_equal(con.execute(f"SELECT {', '.join(SLO_COLUMNS)} FROM slos ORDER BY slo").df(),
                                      slos)
        got = con.execute(f"SELECT {', '.join(SLI_COLUMNS)} FROM sli ORDER BY slo, interval_start").df()
        pd.testing.assert_frame_equal(got, sli)
        quarter = demo.truth["quarter"]
        table = sm.slo_compliance(con, quarter).set_index("slo")
        for name, expected in demo.truth["slo"][quarter].items():
            assert table.loc[name, "compliance"] == pytest.approx(expected["compliance"], abs=1e-12)
    finally:
        con.close()
