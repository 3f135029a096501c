"""Sentences of ``notebooks/cost_anomalies.ipynb`` (docs/anomaly-quality.md). Amounts are in the billing
currency of the result (:attr:`~analytics.anomalies.cost.CostAnomalies.currency`); values from data go
through :func:`~analytics.escaping.md_text`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.anomalies.cost import CostAnomalies
from analytics.escaping import md_text
from analytics.money import money
from analytics.periods import Period


def gate_text(*, min_impact: float, min_impact_pct: float, direction: str, currency: str) -> str:
    """The alert gate in words.

    >>> gate_text(min_impact=250.0, min_impact_pct=20.0, direction="increase", currency="EUR")
    'total impact of at least €250 **and** at least 20% of the expected spend, increases only'
    """
    if direction == "both":
        return (f"total impact of at least {money(min_impact, currency, digits=0)} **and** at least "
                f"{min_impact_pct:g}% of the expected spend, increases and decreases")
    return (f"total impact of at least {money(min_impact, currency, digits=0)} **and** at least {min_impact_pct:g}% "
            f"of the expected spend, {direction + 's'} only")


def scope_narrative(result: CostAnomalies, period: Period, *, levels: tuple[str, ...], tag_key: str,
                    gate: str) -> str:
    """The period, the data window the baselines rest on, the levels scanned and the alert gate.

    >>> from analytics.anomalies.cost import cost_anomalies
    >>> from analytics.periods import parse_period
    >>> from analytics.warehouse import connect
    >>> q3 = parse_period("2026Q3")
    >>> scope_narrative(cost_anomalies(connect(":memory:"), q3), q3, levels=("total",), tag_key="service",
    ...                 gate="g").split(". ")[1]
    '**No judged cost rows** in this period'
    """
    return (f"**Period** {period.label} ({period.start:%d %b %Y} – {period.last_day:%d %b %Y}). "
            + (f"**Cost data** through {result.last_day:%d %b %Y}, with history from {result.first_day:%d %b %Y} "
               "for the baselines. " if result.last_day else "**No judged cost rows** in this period. ")
            + f"**Levels** {', '.join(levels)} (tag level: {md_text(tag_key)}). **Alert gate** {gate}.")


def alerts_narrative(alerted: pd.DataFrame, below: pd.DataFrame, *, currency: str, period_label: str) -> str:
    """How many anomalies passed the gate and what they added, the largest with its window, drivers and what
    happened around its start, and what stayed below the gate (``alerted``:
    :func:`~analytics.anomalies.cost.alerts`; ``below``: the other findings).

    >>> alerts_narrative(pd.DataFrame(columns=["direction", "impact"]), pd.DataFrame(), currency="USD",
    ...                  period_label="2026Q3")
    'No anomaly passes the alert gate. Nothing else was detected.'
    """
    added = float(alerted.loc[alerted["direction"] == "increase", "impact"].sum())
    top = alerted.iloc[0] if len(alerted) else None
    lead = ("No anomaly passes the alert gate." if top is None else
            f"{len(alerted)} cost anomal{'y passes' if len(alerted) == 1 else 'ies pass'} the alert gate in "
            f"{period_label}"
            + (f", adding {money(added, currency, style='compact')} over expected spend" if added else "") + ". "
            f"The largest is **{md_text(top['scope'])}**: "
            f"{money(top['impact'], currency, style='compact', signed=True)} "
            f"({'new spend' if top['kind'] == 'new' else format(top['impact_pct'], '+.0f') + '%'}) from "
            f"{top['start']:%d %b}"
            f"{', still ongoing' if top['ongoing'] else ' to ' + format(top['end'], '%d %b')}"
            + (f", driven by {md_text(top['top_drivers'])}" if top['top_drivers'] else "") + "."
            + (f" Around its start: {md_text(top['annotations'])}." if top['annotations'] else ""))
    rest = (f" {len(below)} further detection{'s' if len(below) != 1 else ''} stayed below the thresholds "
            f"(together {money(float(below['impact'].abs().sum()), currency, style='compact')} in absolute impact)."
            if len(below) else " Nothing else was detected.")
    return lead + rest


def new_spend_narrative(new: pd.DataFrame, *, currency: str) -> str:
    """New providers, services, accounts, regions, usage types or tag values with spend, and the largest.

    >>> new = pd.DataFrame({"impact": [300.0, 1200.0], "scope": ["region eu-west-3", "service Bedrock"],
    ...                     "start": pd.to_datetime(["2026-08-01", "2026-08-03"])})
    >>> new_spend_narrative(new, currency="USD")
    '2 new values with spend this period, together $1.5k since their first day; the largest is \
region eu\\\\-west\\\\-3 from 01 Aug.'
    """
    if new.empty:
        return "No new provider, service, account, region, usage type or tag value this period."
    return (f"{len(new)} new value{'s' if len(new) != 1 else ''} with spend this period, together "
            f"{money(float(new['impact'].sum()), currency, style='compact')} since their first day; the largest is "
            f"{md_text(new.iloc[0]['scope'])} from {new.iloc[0]['start']:%d %b}.")


def scheduled_narrative(scheduled: pd.DataFrame, *, currency: str) -> str:
    """The scheduled or expected charges of the period (never judged as anomalies) and the largest kind
    (``scheduled``: :func:`~analytics.anomalies.cost.scheduled_charges`).

    >>> scheduled_narrative(pd.DataFrame(), currency="USD")
    'No scheduled or expected charges this period.'
    """
    if not len(scheduled):
        return "No scheduled or expected charges this period."
    by_kind = scheduled.groupby("kind")["billed_cost"].sum().sort_values(ascending=False)
    return (f"{len(scheduled)} lines of scheduled or expected charges, "
            f"{money(float(scheduled['billed_cost'].sum()), currency, style='compact')} billed "
            f"({money(float(scheduled['effective_cost'].sum()), currency, style='compact')} EffectiveCost), none of "
            f"it judged as an anomaly; the largest kind is {md_text(by_kind.index[0])} "
            f"({money(float(by_kind.iloc[0]), currency, style='compact')} billed).")


def incident_volume_narrative(volume: pd.DataFrame) -> str:
    """The anomalous weeks of incident volume, the largest first (``volume``:
    :func:`~analytics.anomalies.counts.incident_count_anomalies`).

    >>> volume = pd.DataFrame({"by": ["service"], "member": ["api"], "actual": [9], "expected": [2.0],
    ...                        "start": pd.to_datetime(["2026-08-03"]), "p_value": [0.0004]})
    >>> incident_volume_narrative(volume).split("; ")
    ['1 incident-volume anomaly', 'the largest: service api, 9 incidents against 2.0 expected in the week of 03 Aug \
(p = 4.0e-04).']
    """
    if volume.empty:
        return "No service or team had an anomalous incident volume this period."
    top = volume.iloc[0]
    return (f"{len(volume)} incident-volume anomal{'y' if len(volume) == 1 else 'ies'}; the largest: "
            f"{md_text(top['by'])} {md_text(top['member'])}, {int(top['actual'])} incidents against "
            f"{top['expected']:.1f} expected "
            f"in the week of {top['start']:%d %b} (p = {top['p_value']:.1e}).")


def series_narrative(result: CostAnomalies, artifact: Path | None) -> str:
    """How many cost series were judged, and where the machine-readable summary went.

    >>> from analytics.anomalies.cost import cost_anomalies
    >>> from analytics.periods import parse_period
    >>> from analytics.warehouse import connect
    >>> series_narrative(cost_anomalies(connect(":memory:"), parse_period("2026Q3")), None)[:26]
    '0 cost series were judged;'
    """
    judged = int(result.series["scanned"].sum()) if len(result.series) else 0
    return (f"{judged} cost series were judged; the others are listed above with the reason (a series that is the "
            "only member of its dimension is the same series as its parent). "
            + ("A machine-readable summary was written to `anomalies.json` in the report folder." if artifact else ""))
