"""Sentences of the cost reports: ``notebooks/cost_overview.ipynb``, ``unit_cost.ipynb`` and
``cost_investigation.ipynb`` (docs/cost-analyses.md). Amounts are written by the one money formatter in the
data's billing currency."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from analytics.display import change, md_text, pct
from analytics.metrics.cost import BudgetStatus, Showback, TagCoverage
from analytics.money import money
from analytics.periods import Period


# -- cost overview -----------------------------------------------------------------------------------
def overview_scope_narrative(period: Period, *, currency: str) -> str:
    """The period, the comparison and the cost basis.

    >>> from analytics.periods import parse_period
    >>> overview_scope_narrative(parse_period("2026Q3"), currency="EUR").split(". ")[1][:36]
    '**Basis** EffectiveCost in EUR (comm'
    """
    return (f"**Period** {period.label} ({period.start:%d %b %Y} – {period.last_day:%d %b %Y}), compared with "
            f"{period.previous().label}. **Basis** EffectiveCost in {currency} (commitment purchases amortised over "
            "the usage they cover), assigned to the day each charge applies to. Corrections to closed billing periods "
            "are kept apart.")


def provider_narrative(by_provider: pd.DataFrame, *, total: float, total_before: float, currency: str,
                       period_label: str, previous_label: str) -> str:
    """The period's cloud cost against the previous one, the largest provider, the one that added the most, and
    the corrections to earlier bills (``by_provider``: :func:`~analytics.metrics.cost.cost_by_dimension`).

    >>> frame = pd.DataFrame({"value": ["AWS", "(corrections)"], "is_correction": [False, True],
    ...                       "share": [1.0, 0.0], "change": [100.0, 0.0], "change_pct": [0.1, None],
    ...                       "effective_cost": [1100.0, -5.0]})
    >>> provider_narrative(frame, total=1100.0, total_before=1000.0, currency="EUR", period_label="2026Q3",
    ...                    previous_label="2026Q2").split(". ")[0]
    'Cloud cost was €1,100 in 2026Q3, +10% on 2026Q2 (€100)'
    """
    providers = by_provider[~by_provider["is_correction"]]
    grew = providers.sort_values("change", ascending=False)
    corrected = float(by_provider.loc[by_provider["is_correction"], "effective_cost"].sum())
    return (("No cost in this period. " if providers.empty else
             f"Cloud cost was {money(total, currency)} in {period_label}, {change(total, total_before)} on "
             f"{previous_label} ({money(total - total_before, currency)}). {md_text(providers.iloc[0]['value'])} is "
             "the "
             f"largest provider ({pct(providers.iloc[0]['share'])} of cost); {md_text(grew.iloc[0]['value'])} added "
             "the most "
             f"({money(grew.iloc[0]['change'], currency)}, {pct(grew.iloc[0]['change_pct'])}). ")
            + (f"Corrections to earlier bills charged in {period_label}: {money(corrected, currency, digits=2)}, "
               "shown apart from the providers' totals." if corrected else "No corrections to closed billing periods."))


def movers_narrative(by_service: pd.DataFrame, teams: pd.DataFrame, *, tag_key: str, currency: str) -> str:
    """The fastest- and slowest-growing services with at least 1% of cost, and the tag value that added the most
    (``by_service``, ``teams``: :func:`~analytics.metrics.cost.cost_by_dimension` rows).

    >>> services = pd.DataFrame({"value": ["EC2", "S3"], "is_correction": False, "share": [0.7, 0.3],
    ...                          "change_pct": [0.2, -0.1], "change": [70.0, -20.0]})
    >>> movers_narrative(services, pd.DataFrame(), tag_key="team", currency="USD")
    'Among services with at least 1% of cost, EC2 grew fastest (20%, $70) and S3 fell most (-10%, −$20). '
    """
    movers = by_service[(~by_service["is_correction"]) & (by_service["share"] >= 0.01)].sort_values("change_pct")
    up = movers.iloc[-1] if len(movers) else None
    down = movers.iloc[0] if len(movers) else None
    return (("" if up is None or down is None else
             f"Among services with at least 1% of cost, {md_text(up['value'])} grew fastest ({pct(up['change_pct'])}, "
             f"{money(up['change'], currency)}) and {md_text(down['value'])} "
             + (f"grew slowest ({pct(down['change_pct'])}). " if down['change_pct'] >= 0 else
                f"fell most ({pct(down['change_pct'])}, {money(down['change'], currency)}). "))
            + ("" if teams.empty else
               f"By {md_text(tag_key)}, {md_text(teams.sort_values('change', ascending=False).iloc[0]['value'])} added "
               f"the most cost "
               f"({money(teams['change'].max(), currency)})."))


def accounts_regions_narrative(by_account: pd.DataFrame, by_region: pd.DataFrame, *, currency: str,
                               period_label: str) -> str:
    """How many accounts and regions carry cost, and the cost without a region.

    >>> accounts = pd.DataFrame({"is_correction": [False, False]})
    >>> regions = pd.DataFrame({"value": ["us-east-1", "(not set)"], "is_correction": False,
    ...                         "effective_cost": [10.0, 2.5]})
    >>> accounts_regions_narrative(accounts, regions, currency="GBP", period_label="2026Q3")[:52]
    '2 accounts and 2 region values carry cost in 2026Q3;'
    """
    no_region = float(by_region.loc[by_region["value"] == "(not set)", "effective_cost"].sum())
    return (f"{int((~by_account['is_correction']).sum())} accounts and {int((~by_region['is_correction']).sum())} "
            f"region values carry cost in {period_label}; "
            f"{money(no_region, currency)} has no region (fees, tax, credits and commitment charges).")


def tag_coverage_narrative(coverage: TagCoverage, untagged: pd.DataFrame, *, tag_key: str, currency: str) -> str:
    """Cost- and row-weighted tag coverage, the services with the most untagged cost, and the cost that cannot
    carry tags (``untagged``: :func:`~analytics.metrics.cost.tag_coverage` by service, most untagged first).

    >>> coverage = TagCoverage("team", 0.9, 0.8, 1000.0, 900.0, 100, 80, 50.0, 5)
    >>> tag_coverage_narrative(coverage, pd.DataFrame({"value": ["EC2"], "untagged_cost": [100.0]}), tag_key="team",
    ...                        currency="USD").split(". ")[1]
    '$100 of usage is untagged, mostly EC2 ($100)'
    """
    worst: list[Any] = list(untagged[untagged["untagged_cost"] > 0].head(3).itertuples())
    return (f"By cost, {pct(coverage.cost_share, 1)} of taggable usage carries a non-empty {md_text(tag_key)} tag; by "
            "rows, "
            f"{pct(coverage.row_share, 1)}. {money(coverage.untagged_cost, currency)} of usage is untagged"
            + (", mostly " + ", ".join(f"{md_text(r.value)} ({money(r.untagged_cost, currency)})" for r in worst)
               if len(worst) else "") + ". "
            f"A further {money(coverage.untaggable_cost, currency)} ({coverage.untaggable_rows:,} rows) cannot carry "
            "tags.")


def showback_narrative(showback: Showback, *, currency: str) -> str:
    """How shared cost was split, what stays unallocated, and the check that the lines add up to the cent.

    >>> from analytics.metrics.cost import showback
    >>> from analytics.periods import parse_period
    >>> from analytics.warehouse import connect
    >>> empty = showback(connect(":memory:"), parse_period("2026Q3"), tag_key="team")
    >>> showback_narrative(empty, currency="EUR").split("Check: ")[1]
    "the lines add up to €0.00, the period's EffectiveCost (€0.0000 before rounding to the cent)."
    """
    return (f"{md_text(showback.describe_method())} The shared pool is {money(showback.shared_total, currency)}; "
            f"{money(showback.unallocated, currency)} is untagged and not declared shared, so it stays in "
            f"`unallocated` until its owners tag it. Check: the lines add up to "
            f"{money(showback.total, currency, digits=2)}, the period's EffectiveCost "
            f"({money(showback.exact_total, currency, digits=4)} before rounding to the cent).")


def budget_narrative(budget: BudgetStatus, months: pd.DataFrame, *, band: tuple[float, float], currency: str,
                     period_label: str) -> str:
    """Actual or forecast cost against the budget with its status, the month furthest over, and whether the
    numbers are actuals (``months``: :func:`~analytics.metrics.cost.budget_vs_actual_by_month`).

    >>> status = BudgetStatus("total", "2026Q3", "EffectiveCost", "USD", 3000.0, 3150.0, 3150.0, 150.0, 0.05,
    ...                       "at risk", True, None, 0, "actuals")
    >>> budget_narrative(status, pd.DataFrame({"variance_pct": []}), band=(0.05, 0.1), currency="USD",
    ...                  period_label="2026Q3").split(": ")[1]
    '$150 (+5.0%), **at risk** with a band of ±5%/±10%. All months are complete, so these are actuals.'
    """
    verb = "came in" if budget.complete else "is forecast"
    worst_month = months.dropna(subset=["variance_pct"]).sort_values("variance_pct").tail(1)
    return (("No budget is loaded for this scope." if budget.budget is None else
             f"{period_label} {verb} at {money(budget.forecast, currency)} against a budget of "
             f"{money(budget.budget, currency)}: {money(budget.variance, currency)} ({budget.variance_pct:+.1%}), "
             f"**{budget.status}** with a band of ±{band[0]:.0%}/±{band[1]:.0%}. ")
            + ("" if worst_month.empty else
               f"The month furthest over budget is {worst_month.iloc[0]['month']:%B} "
               f"({worst_month.iloc[0]['variance_pct']:+.1%}, {worst_month.iloc[0]['state']}). ")
            + ("All months are complete, so these are actuals." if budget.complete else
               f"Months not yet complete are forecast: {budget.method}."))


def commitments_narrative(commitments: pd.DataFrame, coverage: pd.DataFrame, savings: Mapping[str, Any], *,
                          utilisation: float | None, utilisation_before: float | None, currency: str,
                          previous_label: str) -> str:
    """Commitment utilisation and the unused commitment, coverage of eligible usage, and savings against list
    price (``savings``: :func:`~analytics.metrics.cost.savings_total`).

    >>> savings = {"total_savings": 50.0, "negotiated_savings": 20.0, "commitment_savings": 30.0,
    ...            "effective_savings_rate": 0.05, "purchase_rows_excluded": 1, "purchase_billed_excluded": 900.0}
    >>> text = commitments_narrative(pd.DataFrame({"unused_cost": [12.0]}),
    ...                              pd.DataFrame({"covered_cost": [60.0], "eligible_cost": [80.0]}), savings,
    ...                              utilisation=0.95, utilisation_before=None, currency="USD", previous_label="2026Q2")
    >>> text.split("; ")[0]
    'Commitment utilisation was 95.0% (n/a in 2026Q2)'
    """
    covered = float(coverage["covered_cost"].sum())
    eligible = float(coverage["eligible_cost"].sum())
    return (f"Commitment utilisation was {pct(utilisation, 1)} ({pct(utilisation_before, 1)} in {previous_label}); "
            f"{money(float(commitments['unused_cost'].sum()), currency)} of commitment went unused. Commitments "
            f"covered {pct(covered / eligible if eligible else None, 1)} of eligible usage. Savings against list "
            f"price: {money(savings['total_savings'], currency)} (negotiated "
            f"{money(savings['negotiated_savings'], currency)}, commitments "
            f"{money(savings['commitment_savings'], currency)} net of unused commitment), an effective savings rate "
            f"of {pct(savings['effective_savings_rate'], 1)}. {savings['purchase_rows_excluded']} commitment purchase "
            f"rows ({money(savings['purchase_billed_excluded'], currency)} billed) are left out because their cost is "
            "already in the amortised usage rows.")


def corrections_narrative(fixes: pd.DataFrame, *, currency: str, period_label: str) -> str:
    """Corrections to closed billing periods billed in the period, and whether they restate an earlier one
    (``fixes``: :func:`~analytics.metrics.cost.corrections`).

    >>> corrections_narrative(pd.DataFrame(), currency="USD", period_label="2026Q3")[:63]
    '0 correction(s) to closed billing periods were billed in 2026Q3'
    """
    earlier = int(fixes["restates_earlier_period"].sum()) if len(fixes) else 0
    return (f"{len(fixes)} correction(s) to closed billing periods were billed in {period_label}, totalling "
            f"{money(float(fixes['billed_cost'].sum()) if len(fixes) else 0.0, currency, digits=2)} (BilledCost). "
            + (f"{earlier} of them restate a month before {period_label}; the earlier report's numbers changed by "
               "that amount." if earlier else "None of them restates an earlier reporting period."))


# -- cost investigation ------------------------------------------------------------------------------
def investigation_scope_narrative(*, scope: str, window: Any, compare: Any, per_day: bool, dimension: str, grain: str,
                                  now: float, before: float, currency: str) -> str:
    """The scope, the window and its comparison, the breakdown, and the window's cost against the comparison's
    (``window``, ``compare``: :class:`~analytics.metrics.cost.Window` or periods).

    >>> from analytics.metrics.cost import Window
    >>> from datetime import date
    >>> text = investigation_scope_narrative(scope="all cost", window=Window(date(2026, 8, 1), date(2026, 8, 15)),
    ...     compare=Window(date(2026, 7, 18), date(2026, 8, 1)), per_day=False, dimension="service", grain="day",
    ...     now=1500.0, before=1000.0, currency="EUR")
    >>> text.split(". ")[-1]
    'EffectiveCost in the window: €1,500 against €1,000 (+50%).'
    """
    return (f"**Scope** {md_text(scope)}. **Window** {window.label} ({window.days} days), compared with "
            f"{compare.label} "
            f"({compare.days} days){', as daily averages' if per_day else ''}. **Breakdown** by {md_text(dimension)}, "
            f"per {grain}. EffectiveCost in the window: {money(now, currency)} against {money(before, currency)} "
            f"({change(now, before)}).")


def series_narrative(series: pd.DataFrame, peak: pd.Series, *, now: float, dimension: str, grain: str,
                     currency: str) -> str:
    """The values that carry cost and the largest one, the first and last complete buckets, and the corrections
    (``series``: :func:`~analytics.metrics.cost.cost_series`; ``peak``: cost per complete bucket).

    >>> series = pd.DataFrame({"value": ["EC2", "S3"], "effective_cost": [900.0, 100.0], "corrections": [0.0, 0.0]})
    >>> series_narrative(series, pd.Series([400.0, 600.0]), now=1000.0, dimension="service", grain="week",
    ...                  currency="USD")
    '2 service value(s) carry cost in the window; the largest is EC2 ($900, 90%). The first complete week cost $400 \
and the last $600 (+50%). '
    """
    values = series.groupby("value")["effective_cost"].sum().sort_values(ascending=False)
    first, last = (peak.iloc[0], peak.iloc[-1]) if len(peak) else (None, None)
    return (("No cost in this window and scope." if values.empty else
             f"{len(values)} {md_text(dimension)} value(s) carry cost in the window; the largest is "
             f"{md_text(values.index[0])} "
             f"({money(values.iloc[0], currency)}, {pct(values.iloc[0] / now if now else None)}). ")
            + ("" if first is None or last is None else
               f"The first complete {grain} cost {money(first, currency)} and the last {money(last, currency)} "
               f"({change(last, first)}). ")
            + (f"Corrections charged in the window: {money(float(series['corrections'].sum()), currency, digits=2)}."
               if series["corrections"].sum() else ""))


def movers_change_narrative(movers: pd.DataFrame, *, per_day: bool, currency: str) -> str:
    """The net change between the windows, the value that moved most, and the increases and decreases it is made
    of (``movers``: :func:`~analytics.metrics.cost.top_movers`).

    >>> movers_change_narrative(pd.DataFrame(columns=["value", "change", "cost_before", "cost_after"]),
    ...                         per_day=False, currency="USD")
    'Nothing to compare: neither window has cost in this scope.'
    """
    start_total, end_total = float(movers["cost_before"].sum()), float(movers["cost_after"].sum())
    unit = " per day" if per_day else ""
    ups, downs = movers[movers["change"] > 0], movers[movers["change"] < 0]
    top = movers.iloc[0] if len(movers) else None
    return ("Nothing to compare: neither window has cost in this scope." if top is None else
            f"Between the windows cost{unit} moved {money(end_total - start_total, currency)} "
            f"({change(end_total, start_total)}). {md_text(top['value'])} moved most "
            f"({money(top['change'], currency)}: "
            f"{pct(top['contribution'])} of the net change, {pct(top['contribution_pp'], 1)} of growth in percentage "
            f"points). Increases add up to {money(float(ups['change'].sum()), currency)} over "
            f"{int(ups['grouped_values'].sum())} value(s); decreases to "
            f"{money(float(downs['change'].sum()), currency)} over {int(downs['grouped_values'].sum())} value(s). "
            "The changes add up exactly to the total change; shares of the total change add up to 100%.")


# -- unit cost ---------------------------------------------------------------------------------------
def unit_scope_narrative(period: Period, *, cost_tag_key: str, aggregate: str, metric: str, per: float,
                         currency: str, unit: str) -> str:
    """The period, the comparison and the definition of the unit cost.

    >>> from analytics.periods import parse_period
    >>> unit_scope_narrative(parse_period("2026Q3"), cost_tag_key="service", aggregate="sum", metric="requests",
    ...                      per=1000.0, currency="EUR", unit="1,000 requests").split(". ")[1][:59]
    '**Unit cost** = Σ EffectiveCost of the rows tagged service\\\\'
    """
    return (f"**Period** {period.label} ({period.start:%d %b %Y} – {period.last_day:%d %b %Y}), compared with "
            f"{period.previous().label}. **Unit cost** = Σ EffectiveCost of the rows tagged "
            f"{md_text(cost_tag_key + '=<value>')} ÷ ({md_text(aggregate)} of {md_text(metric)} for that value ÷ "
            f"{per:g}), in {md_text(currency)} per {md_text(unit)}. Corrections to closed billing periods are left out "
            "(they are reported in the cost overview).")


def unit_cost_narrative(units: pd.DataFrame, ranked: pd.DataFrame, *, unit: str, currency: str) -> str:
    """The most and least expensive services per unit, the largest rise and fall of the unit cost (with the cost
    and volume moves behind it), and the services without volume (``units``:
    :func:`~analytics.metrics.cost.unit_cost_by_dimension`; ``ranked``: its rows with a unit cost, dearest first).

    >>> units = pd.DataFrame({"dimension": ["api", "web"], "unit_cost": [2.0, None],
    ...                       "unit_cost_change_pct": [None, None], "cost_change_pct": [None, None],
    ...                       "volume_change_pct": [None, None]})
    >>> unit_cost_narrative(units, units.dropna(subset=["unit_cost"]), unit="1,000 requests", currency="USD")
    'The most expensive service per 1\\\\,000 requests is api ($2.00), the cheapest api ($2.00). 1 service(s) had no \
volume, so no unit cost.'
    """
    moved = units.dropna(subset=["unit_cost_change_pct"]).sort_values("unit_cost_change_pct")
    worst, best = (moved.iloc[-1], moved.iloc[0]) if len(moved) else (None, None)
    return (("No unit costs: no volume was reported for the period." if ranked.empty else
             f"The most expensive service per {md_text(unit)} is {md_text(ranked.iloc[0]['dimension'])} "
             f"({money(ranked.iloc[0]['unit_cost'], currency, digits=2)}), the cheapest "
             f"{md_text(ranked.iloc[-1]['dimension'])} ({money(ranked.iloc[-1]['unit_cost'], currency, digits=2)}). ")
            + ("" if worst is None or best is None else
               f"{md_text(worst['dimension'])}'s unit cost rose most ({pct(worst['unit_cost_change_pct'], 1)}: cost "
               f"{pct(worst['cost_change_pct'], 1)}, volume {pct(worst['volume_change_pct'], 1)}); "
               f"{md_text(best['dimension'])}'s fell most ({pct(best['unit_cost_change_pct'], 1)}). ")
            + (f"{int(units['unit_cost'].isna().sum())} service(s) had no volume, so no unit cost."
               if units['unit_cost'].isna().any() else ""))


def unit_trend_narrative(monthly: pd.DataFrame) -> str:
    """How the unit cost of each service moved from the first month of the trend to the last
    (``monthly``: :func:`~analytics.metrics.cost.unit_cost_by_month`).

    >>> monthly = pd.DataFrame({"bucket_start": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-09-01",
    ...                                                        "2026-09-01"]),
    ...                         "dimension": ["api", "web", "api", "web"], "unit_cost": [2.0, 1.0, 1.5, 1.2]})
    >>> unit_trend_narrative(monthly).split(";")[0]
    'From Jan 2026 to Sep 2026, unit cost fell for 1 of 2 services'
    """
    first_month = monthly[monthly["bucket_start"] == monthly["bucket_start"].min()].set_index("dimension")["unit_cost"]
    last_month = monthly[monthly["bucket_start"] == monthly["bucket_start"].max()].set_index("dimension")["unit_cost"]
    drift = ((last_month - first_month) / first_month).dropna().sort_values()
    return ("Not enough months for a trend." if drift.empty else
            f"From {monthly['bucket_start'].min():%b %Y} to {monthly['bucket_start'].max():%b %Y}, unit cost fell for "
            f"{int((drift < 0).sum())} of {len(drift)} services; the largest rise was {md_text(drift.index[-1])} "
            f"({pct(drift.iloc[-1], 1)}), the largest fall {md_text(drift.index[0])} ({pct(drift.iloc[0], 1)}).")


def tenant_narrative(tenant: pd.Series | None, *, tenant_metric: str | None, currency: str, period_label: str,
                     previous_label: str) -> str:
    """All cloud cost per tenant against the previous period, with the cost and tenant moves behind it
    (``tenant``: the company-wide row of :func:`~analytics.metrics.cost.unit_cost_by_dimension`, or None).

    >>> tenant_narrative(None, tenant_metric="active_tenants", currency="USD", period_label="2026Q3",
    ...                  previous_label="2026Q2")
    'No company-wide active\\\\_tenants metric: cost per tenant is skipped.'
    """
    if tenant is None:
        return f"No company-wide {md_text(tenant_metric or 'tenant')} metric: cost per tenant is skipped."
    return (f"All cloud cost divided by the average number of {md_text(tenant_metric)} gives "
            f"{money(tenant['unit_cost'], currency)} per tenant for {period_label} (the chart shows it month by "
            f"month), against {money(tenant['previous_unit_cost'], currency)} in {previous_label} "
            f"({pct(tenant['unit_cost_change_pct'], 1)}): cost moved {pct(tenant['cost_change_pct'], 1)} while "
            f"tenants moved {pct(tenant['volume_change_pct'], 1)}.")


def elasticity_narrative(elastic: pd.DataFrame) -> str:
    """Which services' cost outgrows their volume (elasticity interval wholly above 1), which show economies of
    scale (wholly below 1), and how many have too few days (``elastic``:
    :func:`~analytics.metrics.cost.cost_elasticity`).

    >>> elastic = pd.DataFrame({"dimension": ["api", "web"], "elasticity": [1.4, 0.6], "low": [1.1, 0.3],
    ...                         "high": [1.7, 0.9], "sufficient": [True, False]})
    >>> elasticity_narrative(elastic).split("; ")[:2]
    ['Elasticity is the percentage change in daily cost for a 1% change in daily volume. 1 service(s) have an \
interval wholly above 1 (cost outgrows volume, so unit cost rises with growth): api 1.40', \
'1 wholly below 1 (economies of scale): web 0.60']
    """
    shown = elastic.dropna(subset=["elasticity"])
    above, below = shown[shown["low"] > 1], shown[shown["high"] < 1]
    return (f"Elasticity is the percentage change in daily cost for a 1% change in daily volume. "
            f"{len(above)} service(s) have an interval wholly above 1 (cost outgrows volume, so unit cost rises with "
            "growth)"
            + (": " + ", ".join(f"{md_text(r.dimension)} {r.elasticity:.2f}" for r in above.itertuples())
               if len(above) else "")
            + f"; {len(below)} wholly below 1 (economies of scale)"
            + (": " + ", ".join(f"{md_text(r.dimension)} {r.elasticity:.2f}" for r in below.itertuples())
               if len(below) else "")
            + "; the rest cannot be told apart from 1. Days are compared within the same weekday, so a weekend "
              "scale-down does not count as elasticity. A slope far above 1 usually means cost that volume does not "
              "explain (an anomaly or a new resource): drill into it with the cost investigation notebook. "
              f"{int((~elastic['sufficient']).sum())} service(s) have fewer than 10 days and are marked insufficient.")


def no_corrections_narrative(period_label: str, *, scope: str | None = None) -> str:
    """Said instead of the corrections table when there are none.

    >>> no_corrections_narrative("2026Q3"), no_corrections_narrative("2026-08", scope="AWS")
    ('No corrections to closed billing periods were billed in 2026Q3.', \
'No corrections to closed billing periods were billed in 2026-08 for AWS.')
    """
    return (f"No corrections to closed billing periods were billed in {period_label}"
            f"{f' for {md_text(scope)}' if scope else ''}.")


def contract_commitments_narrative(contracts: pd.DataFrame, period: Period) -> str:
    r"""How the FOCUS 1.3 contract commitments of the period progress, naming those behind (rows of
    :func:`analytics.metrics.cost.contract_commitment_progress`).

    >>> from analytics.periods import parse_period
    >>> rows = pd.DataFrame({"commitment_id": ["c-1", "c<2>"], "on_track": [True, False]})
    >>> contract_commitments_narrative(rows, parse_period("2026Q3"))[-15:]
    'behind: c\\<2\\>.'
    >>> contract_commitments_narrative(rows.iloc[:0], parse_period("2026Q3"))[:20]
    'No FOCUS 1.3 contrac'
    """
    if not len(contracts):
        return ("No FOCUS 1.3 contract commitments are loaded for this period "
                "(`opsreview ingest focus-commitments FILE` loads the Contract Commitment dataset).")
    behind = contracts.loc[~contracts["on_track"].astype(bool), "commitment_id"].tolist()
    return (f"{len(contracts)} contract commitments (FOCUS 1.3 Contract Commitment dataset) run in {period.label}: "
            "fulfilled = applied (ContractApplied of usage charges since the commitment started) / committed, against "
            f"the share of the commitment period elapsed by {period.last_day:%d %b %Y}; "
            + (f"{len(behind)} behind: {', '.join(md_text(str(b)) for b in behind)}." if behind else "none is behind."))
