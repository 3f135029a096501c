"""Sentences of ``notebooks/slo_error_budget.ipynb`` (docs/delivery-and-slo.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analytics.display import md_text, minutes
from analytics.metrics.slo import SloSummary, most_paged_slo
from analytics.periods import Period


def scope_narrative(period: Period, *, slo: str | None, service: str | None, team: str | None) -> str:
    """The period (calendar-aligned budget), the comparison and the scope.

    >>> from analytics.periods import parse_period
    >>> scope_narrative(parse_period("2026Q3"), slo=None, service="checkout", team=None)  # doctest: +ELLIPSIS
    '**Period** 2026Q3 (01 Jul 2026 – 30 Sep 2026), calendar-aligned: ... **Scope** all SLOs of checkout, all teams.'
    """
    return (f"**Period** {period.label} ({period.start:%d %b %Y} – {period.last_day:%d %b %Y}), calendar-aligned: the "
            f"error budget resets on {period.start:%d %b}. Compared with {period.previous().label}. **Scope** "
            f"{md_text(slo or 'all SLOs')} of {md_text(service or 'all services')}, {md_text(team or 'all teams')}.")


def compliance_narrative(compliance: pd.DataFrame, summary: SloSummary, *, period_label: str) -> str:
    """Which SLOs held, which overspent their budget (by how much), which have little left or no data.

    >>> frame = pd.DataFrame({"slo": ["api", "web"], "target": [0.999, 0.99], "compliance": [0.9985, 0.995],
    ...                       "error_budget_remaining": [-0.5, 0.05]})
    >>> text = compliance_narrative(frame, SloSummary("2026Q3", 2, 2, 1, 1, "api", -0.5, 0, 0.0, 0, 0.0),
    ...                             period_label="2026Q3")
    >>> text.split(". ")
    ['1 of 2 SLOs held their objective in 2026Q3', \
'Overspent: api \\\\(\\\\-50\\\\.0\\\\% left\\\\, 99\\\\.850\\\\% vs 99\\\\.9\\\\%\\\\)', \
'Less than 10% of the budget left: web', '']
    """
    overspent = compliance[compliance["error_budget_remaining"] < 0].sort_values("error_budget_remaining")
    thin = compliance[(compliance["error_budget_remaining"] >= 0) & (compliance["error_budget_remaining"] < 0.1)]
    missing = compliance[compliance["compliance"].isna()]
    rows: list[Any] = list(overspent.itertuples())
    spent = [f"{r.slo} ({r.error_budget_remaining * 100:+.1f}% left, {r.compliance * 100:.3f}% vs {r.target * 100:g}%)"
             for r in rows]
    return (("No SLO has data in this period. " if summary.slos_with_data == 0 else
             f"{summary.slos_met} of {summary.slos_with_data} SLOs held their objective in {period_label}. "
             + (f"Overspent: {md_text(', '.join(spent))}. " if spent else "No SLO overspent its error budget. ")
             + (f"Less than 10% of the budget left: {md_text(', '.join(thin['slo']))}. " if len(thin) else ""))
            + (f"No SLI data in the period for: {md_text(', '.join(missing['slo']))}." if len(missing) else ""))


def budget_exhausted_narrative(burn: pd.DataFrame) -> str:
    """The day each SLO spent its whole budget (:func:`~analytics.metrics.slo.error_budget_burn_by_day`).

    >>> burn = pd.DataFrame({"slo": ["api", "api", "web"], "budget_burned": [0.8, 1.2, 0.4],
    ...                      "day": pd.to_datetime(["2026-08-01", "2026-08-02", "2026-08-02"])})
    >>> budget_exhausted_narrative(burn)
    'Budget exhausted on: api (02 Aug). After that day, every further bad event counted against the objective.'
    """
    crossed = burn[burn["budget_burned"] > 1].groupby("slo", sort=True)["day"].min()
    return ("No SLO spent its whole budget during the quarter." if crossed.empty else
            "Budget exhausted on: " + ", ".join(f"{md_text(name)} ({day:%d %b})" for name, day in crossed.items())
            + ". After that day, every further bad event counted against the objective.")


def burn_alert_narrative(alerts: pd.DataFrame, summary: SloSummary, *, period_label: str,
                         interval_minutes: float) -> str:
    """How often the SRE Workbook's page and ticket alerts would have fired, the most paged SLO, and how the
    SLI interval (``interval_minutes``) limits the short windows.

    >>> alerts = pd.DataFrame({"slo": ["api"], "severity": ["page"], "minutes": [45.0]})
    >>> text = burn_alert_narrative(alerts, SloSummary("2026Q3", 1, 1, 0, 1, "api", -0.2, 1, 45.0, 0, 0.0),
    ...                             period_label="2026Q3", interval_minutes=5)
    >>> [part[-25:] for part in text.split(". ")[:2]]  # the ticket alert, then the most paged SLO
    ['t alert 0 times for 0 min', 'Most paged: api']
    """
    paged = most_paged_slo(alerts)
    page_time = minutes(summary.page_alert_minutes) if summary.page_alert_minutes else "0 min"
    ticket_time = minutes(summary.ticket_alert_minutes) if summary.ticket_alert_minutes else "0 min"
    return (f"Over {period_label} the fast and slow page alerts would have fired {summary.page_alert_firings} times "
            f"for {page_time} in all, the ticket alert {summary.ticket_alert_firings} times for {ticket_time}. "
            + (f"Most paged: {md_text(paged)}. " if paged is not None else "")
            + ("Windows are trailing and request-weighted, evaluated at every SLI interval end; an alert fires when "
               "both of its windows exceed burn × (1 − target). "
               + (f"The SLI counts come in {minutes(interval_minutes)} intervals, so the short windows shorter than "
                  "that (5 m, 30 m) degrade to the one interval ending at each evaluation."
                  if interval_minutes > 5 else "")))


def artifact_narrative(written: Path | None) -> str:
    """Where the KPIs were written for the quarterly report.

    >>> artifact_narrative(None)
    'No output folder was given, so `slo.json` was not written.'
    """
    return (f"The KPIs above are also in `{written.name}` for the quarterly report." if written else
            "No output folder was given, so `slo.json` was not written.")
