"""The cost calls every engine-parity test makes, and how their results are compared.

Money derived from DECIMAL sums is compared exactly (the same Decimal, or the same float made from it);
the anomaly series are DOUBLE sums whose last bits depend on the summation order, compared to 1e-6
(well inside a cent). Rows and their order must be the same.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from analytics.anomalies import cost as anomalies
from analytics.metrics import cost
from analytics.metrics._cost_scope import CostScope, Window
from analytics.periods import parse_period

Q3, Q2 = parse_period("2026Q3"), parse_period("2026Q2")


def same(a: Any, b: Any, *, where: str) -> None:
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame), where
        assert len(a) > 0 or a.empty, where
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=0, atol=1e-6, obj=where)
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), where=f"{where}.{f.name}")
    elif isinstance(a, (list, tuple)) and a and not isinstance(a[0], (str, int, float, Decimal, date)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, where=f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


CALLS: list[tuple[str, Any]] = [
    ("billing_currencies", lambda c: cost.billing_currencies(c, Q3)),
    ("cost_by_dimension provider", lambda c: cost.cost_by_dimension(c, Q3, dimension="provider")),
    ("cost_by_dimension tag:team", lambda c: cost.cost_by_dimension(c, Q3, dimension="tag:team")),
    ("cost_by_dimension untagged AWS", lambda c: cost.cost_by_dimension(
        c, Q3, dimension="account", scope=CostScope(provider="AWS", tag_key="team"))),
    ("effective_cost_total team", lambda c: cost.effective_cost_total(
        c, Q3, scope=CostScope(tag_key="team", tag_value="payments"))),
    ("cost_series day", lambda c: cost.cost_series(c, Q3, grain="day", dimension="provider")),
    ("cost_series week", lambda c: cost.cost_series(c, Window(date(2026, 7, 3), date(2026, 9, 17)), grain="week",
                                                    dimension="tag:team")),
    ("cost_by_month", lambda c: cost.cost_by_month(c, cost.trailing_window(Q3, months=12), dimension="service")),
    ("top_movers", lambda c: cost.top_movers(c, Q2, Q3, dimension="service", limit=3)),
    ("top_movers per day", lambda c: cost.top_movers(c, Q2, Q3, dimension="usage_type", per_day=True)),
    ("tag_coverage_by_class", lambda c: cost.tag_coverage_by_class(c, Q3, dimension="provider")),
    ("tag_coverage", lambda c: cost.tag_coverage(c, Q3, tag_key="team", dimension="account")),
    ("tag_coverage_total", lambda c: cost.tag_coverage_total(c, Q3, tag_key="env")),
    ("showback", lambda c: cost.showback(c, Q3, tag_key="team", shared_values=["platform"],
                                         shared_services=["AWS Support (Business)"])),
    ("data_complete_through", lambda c: cost.data_complete_through(c, Q3)),
    ("budget_status", lambda c: cost.budget_status(c, Q3, scope="team:payments")),
    ("budget_status provider", lambda c: cost.budget_status(c, Q3, scope="provider:AWS", as_of=date(2026, 8, 20))),
    ("commitment_utilisation_by_commitment", lambda c: cost.commitment_utilisation_by_commitment(c, Q3)),
    ("commitment_utilisation", lambda c: cost.commitment_utilisation(c, Q3, provider="AWS")),
    ("commitment_coverage", lambda c: cost.commitment_coverage(c, Q3, dimension="service")),
    ("savings_by_dimension", lambda c: cost.savings_by_dimension(c, Q3, dimension="provider")),
    ("savings_total", lambda c: cost.savings_total(c, Q3)),
    ("corrections", lambda c: cost.corrections(c, Q3)),
    ("unit_cost_by_month", lambda c: cost.unit_cost_by_month(c, cost.trailing_window(Q3, months=6))),
    ("unit_cost_by_dimension", lambda c: cost.unit_cost_by_dimension(c, Q3, metric="active_tenants",
                                                                     aggregate="mean", per=1)),
    ("cost_elasticity", lambda c: cost.cost_elasticity(c, Q3)),
    ("anomaly cost_series", lambda c: anomalies.cost_series(c, date(2026, 6, 1), date(2026, 10, 1))),
    ("scheduled_charges", lambda c: anomalies.scheduled_charges(c, Q3)),
    # the whole pipeline (series, scan, folding, root-cause members, scheduled charges) on two levels: every
    # level adds member statements per anomaly (bench/engine_parity.py runs all levels)
    ("cost_anomalies", lambda c: anomalies.cost_anomalies(c, Q3, levels=("total", "provider"))),
]


