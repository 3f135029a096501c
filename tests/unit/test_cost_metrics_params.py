"""Parameters of the three cost notebooks (analytics/params.py) and the window/scope vocabulary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import papermill as pm
import pytest

from analytics.errors import ParameterError
from analytics.metrics import cost as cm
from analytics.params import (
    CostInvestigationParams,
    CostOverviewParams,
    UnitCostParams,
    parse_band,
    parse_shares,
    parse_text_list,
)

pytestmark = pytest.mark.unit
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_overview_params_coerce_and_validate() -> None:
    p = CostOverviewParams.from_raw(period=2026, warehouse=":memory:", shared_services="Tax, Support ,",
                                    allocation="FIXED", fixed_shares="payments:0.6,data=0.4", band_on_track="5",
                                    band_at_risk=10, as_of="2026-08-15", run_rate_days="14", top_n=5)
    assert p.context.period.label == "2026" and p.shared_services == ("Tax", "Support")
    assert (p.allocation, p.fixed_shares) == ("fixed", (("data", 0.4), ("payments", 0.6)))
    assert (p.band, p.as_of, p.run_rate_days, p.top_n) == ((0.05, 0.1), date(2026, 8, 15), 14, 5)
    for bad in ({"allocation": "weighted"}, {"allocation": "fixed"}, {"fixed_shares": "a:-1"},
                {"fixed_shares": "a"}, {"budget_scope": "provider:"}, {"band_on_track": 0.2, "band_at_risk": 0.1},
                {"as_of": "2026-06-30"}, {"as_of": "15/08/2026"}, {"run_rate_days": 0}, {"tag_key": " "}):
        with pytest.raises(ParameterError):
            CostOverviewParams.from_raw(period="2026Q3", warehouse=":memory:", **bad)  # type: ignore[arg-type]


def test_unit_cost_params() -> None:
    p = UnitCostParams.from_raw(period="2026Q3", warehouse=":memory:", per="1e3", aggregate="Mean", tenant_metric="")
    assert (p.per, p.aggregate, p.tenant_metric, p.trend_months) == (1000.0, "mean", None, 12)
    for bad in ({"per": 0}, {"per": "x"}, {"aggregate": "median"}, {"metric": ""}, {"trend_months": 0}):
        with pytest.raises(ParameterError):
            UnitCostParams.from_raw(period="2026Q3", warehouse=":memory:", **bad)  # type: ignore[arg-type]


def test_investigation_params_default_to_the_period_and_the_one_before() -> None:
    p = CostInvestigationParams.from_raw(period="2026Q3", warehouse=":memory:")
    assert p.window == cm.Window(date(2026, 7, 1), date(2026, 10, 1))
    assert p.compare == cm.Window(date(2026, 4, 1), date(2026, 7, 1))
    assert (p.grain, p.dimension, p.scope, p.per_day) == ("week", "service", cm.CostScope(), False)
    custom = CostInvestigationParams.from_raw(
        period="2026Q3", warehouse=":memory:", start="2026-08-01", end="2026-08-15", provider="AWS", tag_key="team",
        tag_value="(untagged)", dimension="tag:service", grain="DAY", per_day="true")
    assert custom.compare == cm.Window(date(2026, 7, 18), date(2026, 8, 1))  # same length, just before
    assert custom.scope == cm.CostScope(provider="AWS", tag_key="team", tag_value=None)
    assert (custom.dimension, custom.grain, custom.per_day) == ("tag:service", "day", True)
    for bad in ({"tag_key": "team"}, {"tag_value": "a"}, {"start": "2026-09-01", "end": "2026-08-01"},
                {"compare_start": "2026-01-01"}, {"grain": "hour"}, {"dimension": "Tags"}, {"per_day": "maybe"}):
        with pytest.raises(ParameterError):
            CostInvestigationParams.from_raw(period="2026Q3", warehouse=":memory:", **bad)  # type: ignore[arg-type]


def test_small_parsers() -> None:
    assert parse_text_list(["a", " b ", ""]) == ("a", "b")
    assert parse_shares("") == () and parse_shares("x:y:2") == (("x:y", 2.0),)
    assert parse_band(0.0, 1) == (0.0, 1.0)
    with pytest.raises(ParameterError):
        parse_shares("a:0,b:0")


@pytest.mark.parametrize(("name", "params_class"), [("cost_overview", CostOverviewParams),
                                                     ("unit_cost", UnitCostParams),
                                                     ("cost_investigation", CostInvestigationParams)])
def test_each_notebook_declares_exactly_what_its_params_class_takes(name: str, params_class: type) -> None:
    declared = set(pm.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb")))
    accepted = set(params_class.parameters())
    assert declared == accepted


def test_windows() -> None:
    window = cm.Window(date(2026, 7, 1), date(2026, 7, 15))
    assert (window.days, window.label, window.previous()) == (14, "2026-07-01 – 2026-07-14",
                                                              cm.Window(date(2026, 6, 17), date(2026, 7, 1)))
    with pytest.raises(ParameterError):
        cm.Window(date(2026, 7, 1), date(2026, 7, 1))
    assert cm.trailing_window(window, months=2) == cm.Window(date(2026, 6, 1), date(2026, 7, 15))
