"""Sentences of ``notebooks/quarterly_review.ipynb`` (docs/quarterly-review.md). Amounts are KPI values in the
billing currency (:func:`~analytics.scorecard.format_value`)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd

from analytics.display import md_text
from analytics.periods import Period
from analytics.scorecard import Kpi, evidence_link, format_value


def reading_guide_narrative(period: Period, *, targets_source: str, history: int) -> str:
    """How to read the scorecard: the values, targets, QoQ, trend, n and evidence columns.

    >>> from analytics.periods import parse_period
    >>> reading_guide_narrative(parse_period("2026Q3"), targets_source="targets.yaml", history=6).split(". ")[0]
    'Values for 2026Q3 (01 Jul – 30 Sep 2026)'
    """
    previous = period.previous().label
    first = period.previous(history - 1).label
    return (f"Values for {period.label} ({period.start:%d %b} – {period.last_day:%d %b %Y}). **Target** from "
            f"{md_text(targets_source)}; critical services and critical journeys are judged against the tier-1 "
            "targets. "
            f"**QoQ** is the change on {previous}, in percentage points for shares. **Trend** runs from {first} to "
            f"{period.label} (the dot is {period.label}); the cost-anomaly trend covers {previous} and "
            f"{period.label} only. **n** is the number of data points the value rests on (incidents, deployments, "
            "commits, SLOs, cost rows); a median or share from fewer than 10 points is marked insufficient and draws "
            "no trend. Medians and shares come with 95% confidence intervals. **Evidence** links to the section of "
            "the report page that shows the KPI in detail.")


def unrated_services_narrative(*, cost_tag_key: str) -> str:
    """What to load when no service has both tagged cost and an SLO with data.

    >>> unrated_services_narrative(cost_tag_key="service")[-28:]
    ') and tag cost with service.'
    """
    return ("No service has both tagged cloud cost and an SLO with data in this quarter, so reliability cannot be "
            "set against cost: load SLOs and SLI counts (`opsreview ingest openslo`, `opsreview ingest sli`) and "
            f"tag cost with {md_text(cost_tag_key)}.")


def reliability_cost_narrative(services: pd.DataFrame, *, hourly_rate: float, currency: str,
                               period_label: str) -> str:
    """The most expensive service, where incidents cost most in responder-hours, the services no SLO measures,
    and how incident cost is made (``services``: :func:`~analytics.metrics.quarterly.reliability_cost_by_service`).

    >>> services = pd.DataFrame({"service": ["pay"], "cloud_cost": [1500.0], "incident_cost": [0.0],
    ...                          "responder_hours": [0.0], "incident_cost_share": [0.0], "slos": [1]})
    >>> reliability_cost_narrative(services, hourly_rate=100.0, currency="EUR", period_label="2026Q3").split(". ")[:2]
    ['pay is the most expensive service (€1.5k in 2026Q3)', 'No incident time was recorded']
    """
    costly = services.dropna(subset=["cloud_cost"]).head(1)
    busiest = services.sort_values(["incident_cost", "service"], ascending=[False, True]).head(1)
    unmeasured = services.loc[services["slos"] == 0, "service"].tolist()
    rate = format_value(hourly_rate, currency)
    return (("No service carries tagged cloud cost. " if costly.empty else
              f"{md_text(costly.iloc[0]['service'])} is the most expensive service "
              f"({format_value(float(costly.iloc[0]['cloud_cost']), currency)} in {period_label}). ")
             + ("No incident time was recorded. " if busiest.empty or busiest.iloc[0]["incident_cost"] == 0 else
                f"Incidents cost most on {md_text(busiest.iloc[0]['service'])}: "
                f"{busiest.iloc[0]['responder_hours']:,.0f} "
                f"responder-hours, {format_value(float(busiest.iloc[0]['incident_cost']), currency)} at {rate} an hour"
                + (f", {busiest.iloc[0]['incident_cost_share'] * 100:.0f}% of its cloud cost. "
                   if busiest.iloc[0]["incident_cost_share"] == busiest.iloc[0]["incident_cost_share"] else ". "))
             + (f"No SLO measures {md_text(', '.join(unmeasured))}, so their reliability is not in the chart. "
                if unmeasured else "")
             + f"Incident cost = responders (at least one) × hours from created to resolved × {rate} per hour (the "
               "`hourly_rate` parameter); still-open incidents add nothing.")


def no_anomaly_narrative(anomalies: Kpi, *, period_label: str) -> str:
    """Why the anomaly table is empty: nothing passed the gate, or what to load.

    >>> no_anomaly_narrative(Kpi("cost_anomalies", "Cost anomalies", "Cost", "2026Q3", 0.0, "USD"),
    ...                      period_label="2026Q3")
    'No cost anomaly passed the alert gate in 2026Q3.'
    """
    return (f"No cost anomaly passed the alert gate in {period_label}"
            + ("." if anomalies.value is not None else f": {anomalies.missing}."))


def anomalies_html(anomalies: Kpi, *, period_label: str, previous_label: str,
                   pages: Collection[str] | None) -> str:
    """The anomaly KPI in a sentence, with the link to the cost-anomaly page (HTML; empty without a value).

    >>> anomalies_html(Kpi("cost_anomalies", "Cost anomalies", "Cost", "2026Q3", None, "USD"), period_label="2026Q3",
    ...                previous_label="2026Q2", pages=None)
    ''
    """
    if anomalies.value is None:
        return ""
    link = evidence_link(anomalies.evidence, "cost anomalies", pages=pages)
    return (f"<p>{anomalies.n} alerted anomal{'y' if anomalies.n == 1 else 'ies'} added "
            f"{format_value(anomalies.value, anomalies.unit)} of spend their own history does not explain in "
            f"{period_label} ({format_value(anomalies.previous, anomalies.unit)} in {previous_label}). Charts, drivers "
            f"and the anomalies below the alert gate: {link}.</p>")


def method_narrative(period: Period, *, targets_source: str, written: Path | None) -> str:
    """How the numbers are made: one definition per KPI, the period's interval, the targets, and the JSON.

    >>> from analytics.periods import parse_period
    >>> method_narrative(parse_period("2026Q3"), targets_source="t.yaml", written=None)[-59:]
    'No output folder was given, so `kpis.json` was not written.'
    """
    return (f"Every KPI comes from the metric function that defines it — the same one behind the report pages linked "
            f"as evidence — over {period.label} = [{period.start}, {period.end}) in UTC, nothing taken from the clock. "
            f"Targets: {md_text(targets_source)}. Time to restore is the median time from created to resolved "
            "(still-open "
            "incidents left out and counted), critical services being tier-1 services and SEV1–SEV2; a change on the "
            "previous quarter is called real only when the bootstrap interval of the difference of medians excludes "
            "zero. SLO compliance takes the lowest SLO of each group (critical journeys, then each tier). "
            + (f"Every KPI, with value, target, status, n and period, is in `{written.name}` next to this page, for "
               "other tools." if written else "No output folder was given, so `kpis.json` was not written."))


def all_data_narrative(period_label: str) -> str:
    """Said instead of the table of KPIs without data when every KPI has data.

    >>> all_data_narrative("2026Q3")
    'Every KPI of the scorecard has data for 2026Q3.'
    """
    return f"Every KPI of the scorecard has data for {period_label}."
