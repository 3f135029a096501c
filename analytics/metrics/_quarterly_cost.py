"""The quarterly review's cost lines: cloud cost, cost against budget, unit cost, cost per tenant, tag
coverage, commitment utilisation, and the alerted cost anomalies with the largest ones for display."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.anomalies import cost as ca
from analytics.anomalies import counts as cc
from analytics.metrics import cost as cm
from analytics.metrics._quarterly_lines import (
    LOAD,
    ReviewOptions,
    data_rows,
    evidence_of,
    kpi_line,
    percent,
    review_periods,
)
from analytics.periods import Period
from analytics.scorecard import Kpi, TargetBook, format_value


# -- cost ------------------------------------------------------------------------------------------
def cost_kpis(
    con: duckdb.DuckDBPyConnection, period: Period | str, targets: TargetBook, *,
    options: ReviewOptions = ReviewOptions(),
) -> list[Kpi]:
    """Cloud cost, cost against budget, unit cost, cost per tenant, tag coverage and commitment utilisation.

    >>> from analytics.warehouse import connect
    >>> {k.status for k in cost_kpis(connect(":memory:"), "2026Q3", TargetBook())}
    {'no data'}
    """
    periods = review_periods(period, options.history)
    label = periods[-1].label
    rows = [data_rows(con, p) for p in periods]
    has_cost = [r["cost"] > 0 for r in rows]
    currency = cm.billing_currency(con, *periods) or "USD"
    no_cost = None if has_cost[-1] else LOAD["cost"]
    out: list[Kpi] = []

    totals = [float(cm.effective_cost_total(con, p)) if ok else None for p, ok in zip(periods, has_cost, strict=True)]
    out.append(kpi_line(
        "cloud_cost", "Cloud cost (EffectiveCost)", "Cost", periods, totals, unit=currency,
        rule=targets.rule("cloud_cost"), n=rows[-1]["cost"], evidence=evidence_of("cost"), missing=no_cost,
        note=f"amortised cost of the rows charged in {label}, corrections included",
        details={"currency": currency}))

    rule = targets.rule("budget_variance")
    band = (rule.target, rule.at_risk) if rule is not None else cm.DEFAULT_BAND
    budgets = [cm.budget_status(con, p, scope=options.budget_scope, band=band) if ok else None
               for p, ok in zip(periods, has_cost, strict=True)]
    now = budgets[-1]
    out.append(kpi_line(
        "budget_variance", "Cloud cost vs budget", "Cost", periods,
        [b.variance_pct if b is not None else None for b in budgets], unit="ratio", rule=rule,
        n=len(periods[-1].months()) - now.months_without_budget if now is not None and now.budget is not None else 0,
        evidence=evidence_of("budget"), missing=no_cost or LOAD["budgets"],
        note=(f"{'actual' if now.complete else 'forecast'} {format_value(now.forecast, currency)} against a budget "
              f"of {format_value(now.budget, currency)} ({options.budget_scope})")
        if now is not None and now.budget is not None else None,
        details={} if now is None else {"scope": now.scope, "budget": now.budget, "actual": now.actual,
                                        "forecast": now.forecast, "variance": now.variance,
                                        "complete": now.complete, "cost_basis": now.cost_basis}))

    units = [cm.unit_cost_summary(con, p, metric=options.unit_metric, per=options.unit_per,
                                  cost_tag_key=options.cost_tag_key) for p in periods]
    current = units[-1].by_dimension
    ranked = current.dropna(subset=["unit_cost"]).sort_values(["unit_cost", "dimension"], ascending=[False, True])
    per = f"{options.unit_per:,.0f} {options.unit_metric}"
    out.append(kpi_line(
        "unit_cost", f"Unit cost (per {per}, all services)", "Cost", periods,
        [u.unit_cost for u in units], unit=currency,
        rule=targets.rule("unit_cost"), n=len(ranked), evidence=evidence_of("unit_cost"),
        missing=no_cost or LOAD["business_metrics"] + f" (metric {options.unit_metric} per service)",
        note=(f"highest {ranked.iloc[0]['dimension']} {format_value(ranked.iloc[0]['unit_cost'], currency)}, lowest "
              f"{ranked.iloc[-1]['dimension']} {format_value(ranked.iloc[-1]['unit_cost'], currency)}")
        if len(ranked) else None,
        details={"metric": options.unit_metric, "per": options.unit_per, "cost_tag_key": options.cost_tag_key,
                 "by_service": current[["dimension", "cost", "volume", "unit_cost", "previous_unit_cost"]]}))

    if options.tenant_metric:
        tenants = [cm.unit_cost_by_dimension(con, p, metric=options.tenant_metric, per=1, aggregate="mean",
                                             cost_tag_key=options.cost_tag_key) for p in periods]
        company = [t[t["dimension"] == ""] for t in tenants]
        values = [float(c["unit_cost"].iloc[0]) if len(c) and pd.notna(c["unit_cost"].iloc[0]) else None
                  for c in company]
        monthly = cm.unit_cost_by_month(con, periods[-1], metric=options.tenant_metric, per=1, aggregate="mean",
                                        cost_tag_key=options.cost_tag_key)
        days = int(monthly.loc[monthly["dimension"] == "", "volume_days"].sum()) if len(monthly) else 0
        name = options.tenant_metric.replace("_", " ")
        out.append(kpi_line(
            "cost_per_tenant", f"Cloud cost per {name.removesuffix('s')} (quarter)", "Cost", periods, values,
            unit=currency, rule=targets.rule("cost_per_tenant"), n=days, evidence=evidence_of("tenant"),
            missing=no_cost or LOAD["business_metrics"] + f" (company-wide metric {options.tenant_metric})",
            note=(f"all cloud cost ÷ the daily average of {name} ({float(company[-1]['volume'].iloc[0]):,.0f}, "
                  f"{days} days)") if values[-1] is not None else None))

    coverage = [cm.tag_coverage_total(con, p, tag_key=options.tag_key) for p in periods]
    out.append(kpi_line(
        "tag_coverage", f"Tag coverage ('{options.tag_key}' tag, cost-weighted)", "Cost", periods,
        [c.cost_share for c in coverage], unit="ratio", rule=targets.rule("tag_coverage"),
        n=coverage[-1].taggable_rows, evidence=evidence_of("tags"), missing=no_cost or "no taggable usage rows",
        note=f"{format_value(coverage[-1].untagged_cost, currency)} of usage untagged"
        if coverage[-1].cost_share is not None else None,
        details={"tag_key": options.tag_key, "row_share": coverage[-1].row_share,
                 "untagged_cost": coverage[-1].untagged_cost}))

    commitments = cm.commitment_utilisation_by_commitment(con, periods[-1])
    names = [f"{n if isinstance(n, str) and n else i} {percent(u)}" for n, i, u in
             zip(commitments["commitment_name"], commitments["commitment_id"], commitments["utilisation"],
                 strict=True)]
    contracts = cm.contract_commitment_progress(con, periods[-1])
    behind = contracts.loc[~contracts["on_track"], "commitment_id"].tolist()
    contract_note = (f"contract commitments (FOCUS 1.3): {len(contracts) - len(behind)} of {len(contracts)} on track"
                     + (f", behind: {', '.join(behind)}" if behind else "")) if len(contracts) else ""  # fmt: skip
    out.append(kpi_line(
        "commitment_utilisation", "Commitment utilisation", "Cost", periods,
        [cm.commitment_utilisation(con, p) for p in periods], unit="ratio",
        rule=targets.rule("commitment_utilisation"), n=len(commitments), evidence=evidence_of("commitments"),
        missing=(no_cost or f"no commitment discount (Savings Plan, reservation, CUD) in the {label} cost data")
        + (f"; {contract_note}" if contract_note else ""),
        note="; ".join([*names, contract_note] if contract_note else names) or None,
        details={"commitments": commitments[["commitment_id", "commitment_name", "commitment_type", "used_cost",
                                             "unused_cost", "utilisation"]],
                 "contract_commitments": contracts[["commitment_id", "contract_id", "commitment_category",
                                                    "commitment_type", "committed", "applied", "elapsed",
                                                    "fulfilled", "on_track"]]}))
    return out


# -- anomalies -------------------------------------------------------------------------------------
ANOMALY_COLUMNS = ("anomaly_id", "kind", "shape", "level", "provider", "service", "member", "scope", "start", "end",
                   "ongoing", "direction", "impact", "impact_pct", "top_drivers", "services", "annotations")
"""What the anomaly KPI records of each alert (``details['alerts']``, largest first)."""


def top_anomalies(kpi: Kpi, *, limit: int = 5) -> pd.DataFrame:
    """The largest alerted cost anomalies recorded on the anomaly KPI (``details['alerts']``), for display:
    kind, scope, window, impact, drivers and the deployments and incidents around the start."""
    rows = []
    for i, a in enumerate(list(kpi.details.get("alerts", []))[:limit], start=1):
        start, end = pd.Timestamp(a["start"]), pd.Timestamp(a["end"])
        pct = a.get("impact_pct")
        rows.append({
            "#": i, "kind": "new spend" if a["kind"] == "new" else f"{a['shape']} increase", "scope": a["scope"],
            "window": f"{start:%d %b} – {end:%d %b %Y}" + (", ongoing" if a["ongoing"] else ""),
            "impact": format_value(float(a["impact"]), kpi.unit, signed=True),
            "impact %": "new" if pct is None else f"{float(pct):+.0f}%",
            "drivers": a.get("top_drivers") or "", "around the start": a.get("annotations") or "",
        })
    return pd.DataFrame(rows, columns=["#", "kind", "scope", "window", "impact", "impact %", "drivers",
                                       "around the start"])


def anomaly_kpis(
    con: duckdb.DuckDBPyConnection, period: Period | str, targets: TargetBook, *,
    options: ReviewOptions = ReviewOptions(),
) -> list[Kpi]:
    """The period's alerted cost anomalies (Σ impact, the largest first in ``details``) and the
    incident-volume anomalies; history: the period and the one before.

    >>> from analytics.warehouse import connect
    >>> [(k.key, k.status) for k in anomaly_kpis(connect(":memory:"), "2026Q3", TargetBook())]
    [('cost_anomalies', 'no data')]
    """
    periods = review_periods(period, 2)
    rows = data_rows(con, periods[-1])
    currency = cm.billing_currency(con, *periods) or "USD"
    impacts, found = [], pd.DataFrame()
    # one read of the series; the previous quarter only needs its alerted impact, not its root causes
    explain = [p == periods[-1] for p in periods]
    for result in ca.cost_anomalies_of_periods(con, periods, tag_key=options.cost_tag_key, explain=explain):
        found = ca.alerts(result.anomalies, min_impact=options.anomaly_min_impact,
                          min_impact_pct=options.anomaly_min_impact_pct)
        impacts.append(float(found["impact"].sum()) if result.last_day is not None else None)
    volume = cc.incident_count_anomalies(con, periods[-1]) if rows["incidents"] else pd.DataFrame()
    alerts = found[list(ANOMALY_COLUMNS)] if len(found) else pd.DataFrame(columns=list(ANOMALY_COLUMNS))
    top = alerts.iloc[0] if len(alerts) else None
    note = (f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
            + (f"; largest {top['scope']} {format_value(float(top['impact']), currency, signed=True)}"
               if top is not None else "")
            + (f"; {len(volume)} incident-volume anomal{'y' if len(volume) == 1 else 'ies'}" if len(volume) else ""))
    return [kpi_line(
        "cost_anomalies", "Cost anomalies (unexplained spend, alerted)", "Cost", periods, impacts, unit=currency,
        rule=targets.rule("cost_anomalies"), n=len(alerts), evidence=evidence_of("anomalies"),
        missing=LOAD["cost"] if not rows["cost"] else f"no judged usage cost in {periods[-1].label}",
        note=note, details={"alerts": alerts, "thresholds": {"min_impact": options.anomaly_min_impact,
                                                               "min_impact_pct": options.anomaly_min_impact_pct},
                            "incident_volume_anomalies": volume})]
