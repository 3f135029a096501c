"""Sentences of ``notebooks/incident_trends.ipynb`` (docs/metrics.md §0–§1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from analytics.display import change, md_text, minutes, pct
from analytics.metrics.incidents import (
    AlertNoise,
    CriticalRestores,
    DegradedDependencies,
    OnCallHealth,
    RepeatRates,
    resolve_minutes,
)
from analytics.periods import Period


def business_hours_label(business_hours: tuple[int, int]) -> str:
    """``08:00–18:00`` from minutes after midnight.

    >>> business_hours_label((480, 1080))
    '08:00–18:00'
    """
    start, end = business_hours
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"


def scope_narrative(period: Period, *, service: str | None, team: str | None, min_severity: str) -> str:
    """The period, the comparison and the scope.

    >>> from analytics.periods import parse_period
    >>> scope_narrative(parse_period("2026Q3"), service=None, team="payments", min_severity="SEV3").endswith(
    ...     '**Scope** all services, payments, SEV3 and worse.')
    True
    """
    return (f"**Period** {period.label} ({period.start:%d %b %Y} – {period.last_day:%d %b %Y}), "
            f"compared with {period.previous().label}. **Scope** {md_text(service or 'all services')}, "
            f"{md_text(team or 'all teams')}, {md_text(min_severity)} and worse.")


def volume_narrative(now: Mapping[str, int], before: Mapping[str, int], weekly: pd.DataFrame, *,
                     period_label: str, previous_label: str) -> str:
    """Incidents opened against the previous period, the SEV1–SEV2 ones, and the busiest week (``now`` and
    ``before`` are :func:`~analytics.metrics.incidents.incident_totals`, ``weekly`` the counts by week).

    >>> weekly = pd.DataFrame({"week_start": pd.to_datetime(["2026-06-29", "2026-07-06"]), "incidents": [1, 3]})
    >>> volume_narrative({"SEV1": 1, "SEV2": 1, "total": 4}, {"SEV2": 1, "total": 2}, weekly,
    ...                  period_label="2026Q3", previous_label="2026Q2").split(". ")
    ['4 incidents were opened in 2026Q3, against 2 in 2026Q2 (+100%)', 'SEV1–SEV2 incidents: 2 (+100% vs 1)', \
'The busiest week started 06 Jul.']
    """
    severe_now = now.get("SEV1", 0) + now.get("SEV2", 0)
    severe_before = before.get("SEV1", 0) + before.get("SEV2", 0)
    busiest = weekly.groupby("week_start")["incidents"].sum().idxmax() if now["total"] else None
    return (f"{now['total']} incidents were opened in {period_label}, against {before['total']} in {previous_label} "
            f"({change(now['total'], before['total'])}). SEV1–SEV2 incidents: {severe_now} "
            f"({change(severe_now, severe_before)} vs {severe_before})."
            + (f" The busiest week started {busiest:%d %b}." if busiest is not None else ""))


def severity_change_narrative(by_severity: pd.DataFrame, monthly: pd.DataFrame, *, previous_label: str) -> str:
    """The severity whose volume moved most against the previous period, and the busiest month
    (``by_severity``: :func:`~analytics.metrics.incidents.incident_counts_by_severity` indexed by severity;
    ``monthly``: incidents by severity × month).

    >>> qoq = pd.DataFrame({"incidents": [1, 5, 6], "previous": [1, 2, 3]},
    ...                    index=pd.Index(["SEV1", "SEV2", "total"], name="severity"))
    >>> monthly = pd.DataFrame({"2026-07": [1, 4], "2026-08": [0, 1]}, index=["SEV1", "SEV2"])
    >>> severity_change_narrative(qoq, monthly, previous_label="2026Q2")
    'The biggest move against 2026Q2 was SEV2: 2 → 5 (+150%). 2026-07 was the busiest month (5 incidents).'
    """
    moved = by_severity.drop(index="total").assign(delta=by_severity["incidents"] - by_severity["previous"])
    moved = moved.assign(size=moved["delta"].abs()).reset_index().sort_values(["size", "severity"],
                                                                              ascending=[False, True])
    top = moved.iloc[0] if len(moved) and moved.iloc[0]["size"] > 0 else None
    busiest_month = monthly.sum().idxmax() if monthly.to_numpy().sum() else None
    return (("No severity changed in volume against " + previous_label + "." if top is None else
             f"The biggest move against {previous_label} was {md_text(top['severity'])}: {int(top['previous'])} → "
             f"{int(top['incidents'])} ({change(int(top['incidents']), int(top['previous']))}).")
            + (f" {busiest_month} was the busiest month ({int(monthly.sum().max())} incidents)." if busiest_month
               else ""))


def acknowledge_narrative(mtta: pd.DataFrame) -> str:
    """The range of median times to acknowledge over the severities, and the never-acknowledged share
    (``mtta``: :func:`~analytics.metrics.incidents.mtta_by_severity`).

    >>> mtta = pd.DataFrame({"severity": ["SEV1", "SEV2"], "n": [3, 1], "p50_minutes": [4.0, 12.0],
    ...                      "unacknowledged": [1, 0], "incidents": [4, 1]})
    >>> acknowledge_narrative(mtta).split(". ")[1]
    '20% of incidents (1) were never acknowledged and are not in these numbers.'
    """
    acked = mtta[mtta["n"] > 0].sort_values(["p50_minutes", "severity"])
    never = int(mtta["unacknowledged"].sum())
    return (("No incident in scope was acknowledged." if acked.empty else
             f"Median time to acknowledge ranged from {minutes(acked.iloc[0]['p50_minutes'])} "
             f"({md_text(acked.iloc[0]['severity'])}) to {minutes(acked.iloc[-1]['p50_minutes'])} "
             f"({md_text(acked.iloc[-1]['severity'])}), on {int(acked['n'].sum())} acknowledged incidents.")
            + f" {pct(never / max(int(mtta['incidents'].sum()), 1))} of incidents ({never}) were never acknowledged "
              "and are not in these numbers.")


def sev1_resolve_narrative(mttr: pd.DataFrame, *, period_label: str) -> str:
    """The SEV1 median time to resolve with its CI, and the still-open incidents left out
    (``mttr``: :func:`~analytics.metrics.incidents.mttr_by_severity`).

    >>> mttr = pd.DataFrame({"severity": ["SEV1"], "n": [4], "p50_minutes": [25.0], "p50_low": [10.0],
    ...                      "p50_high": [40.0], "still_open": [1]})
    >>> sev1_resolve_narrative(mttr, period_label="2026Q3").startswith(
    ...     'SEV1 incidents were resolved in a median 25 min (95% CI 10 min–40 min, n = 4). 1')
    True
    """
    sev1: Any = mttr.set_index("severity").loc["SEV1"] if "SEV1" in set(mttr["severity"]) else None
    open_total = int(mttr["still_open"].sum())
    line = ("No SEV1 incidents." if sev1 is None or sev1["n"] == 0 else
            f"SEV1 incidents were resolved in a median {minutes(sev1['p50_minutes'])} "
            f"(95% CI {minutes(sev1['p50_low'])}–{minutes(sev1['p50_high'])}, n = {int(sev1['n'])}).")
    return (f"{line} {open_total} incident(s) created in {period_label} were still open at export time and are not "
            f"in these durations.")


def resolve_change_narrative(shift: pd.DataFrame, *, previous_label: str) -> str:
    """The severities whose median time to resolve changed beyond the CI of the difference
    (``shift``: :func:`~analytics.metrics.incidents.mttr_change_by_severity`).

    >>> shift = pd.DataFrame({"severity": ["SEV1", "SEV2"], "changed": [True, False],
    ...                       "difference_minutes": [-20.0, 3.0],
    ...                       "difference_low": [-35.0, -4.0], "difference_high": [-6.0, 9.0]})
    >>> resolve_change_narrative(shift, previous_label="2026Q2").split(". ")[0]
    'Median time to resolve changed for SEV1 (-20 min, 95% CI -35 to -6)'
    """
    moved = shift[shift["changed"]]
    return (("No severity's median time to resolve moved beyond its 95% confidence interval against "
             + previous_label + "." if moved.empty else "Median time to resolve changed for " + ", ".join(
                 f"{md_text(r.severity)} ({r.difference_minutes:+.0f} min, 95% CI {r.difference_low:+.0f} to "
                 f"{r.difference_high:+.0f})" for r in moved.itertuples()) + ".")
            + " A change is called only when the bootstrap interval of the difference of medians excludes zero "
              "(docs/metrics.md §1.2).")


def critical_restore_narrative(restores: CriticalRestores, by_tier: pd.DataFrame) -> str:
    """Critical incidents restored within the target, the still-open ones, and the tier-1 median
    (``by_tier``: :func:`~analytics.metrics.incidents.mttr_by_tier`).

    >>> critical_restore_narrative(CriticalRestores(4, 2, 1, 60.0), pd.DataFrame({"tier": ["tier1"],
    ...                                                                          "p50_minutes": [75.0]})).endswith(
    ...     'still open at export time. Tier-1 services resolved incidents in a median 75 min.')
    True
    """
    tier1 = by_tier.set_index("tier")["p50_minutes"].get("tier1")
    return (("No critical (tier-1, SEV1–SEV2) incidents in scope." if not restores.incidents else
             f"{restores.restored} of {restores.incidents} critical incidents ({pct(restores.share)}) were restored "
             f"within {restores.target_minutes:.0f} minutes; {restores.still_open} were still open at export time.")
            + (f" Tier-1 services resolved incidents in a median {minutes(tier1)}."
               if tier1 is not None and tier1 == tier1 else ""))


def services_resolve_narrative(by_service: pd.DataFrame) -> str:
    """Which service with at least 10 resolved incidents took longest and which was quickest
    (``by_service``: :func:`~analytics.metrics.incidents.mttr_by_service`).

    >>> frame = pd.DataFrame({"service": ["api", "web"], "sufficient": [True, False], "p50_minutes": [30.0, 5.0],
    ...                       "n": [12, 3]})
    >>> services_resolve_narrative(frame).split(". ")
    ['Only api had at least 10 resolved incidents (median 30 min, n = 12)', \
'1 service(s) had fewer and show values without a trend.']
    """
    ranked = by_service[by_service["sufficient"]].sort_values(["p50_minutes", "service"])
    return (("No service had the 10 resolved incidents needed to compare medians." if ranked.empty else
             f"Only {md_text(ranked.iloc[0]['service'])} had at least 10 resolved incidents (median "
             f"{minutes(ranked.iloc[0]['p50_minutes'])}, n = {int(ranked.iloc[0]['n'])})." if len(ranked) == 1 else
             f"Among services with at least 10 resolved incidents, {md_text(ranked.iloc[-1]['service'])} took longest "
             f"(median {minutes(ranked.iloc[-1]['p50_minutes'])}, n = {int(ranked.iloc[-1]['n'])}) and "
             f"{md_text(ranked.iloc[0]['service'])} was quickest (median {minutes(ranked.iloc[0]['p50_minutes'])}).")
            + f" {int((~by_service['sufficient']).sum())} service(s) had fewer and show values without a trend.")


def teams_narrative(teams: pd.DataFrame) -> str:
    """The team that handled the most incidents, its resolve and acknowledge medians (``teams``: time to
    resolve by team joined with ``p50_minutes_ack``).

    >>> teams = pd.DataFrame({"team": ["core", "web"], "incidents": [5, 9], "p50_minutes": [40.0, 20.0],
    ...                       "p50_minutes_ack": [3.0, 6.0]})
    >>> teams_narrative(teams).startswith(
    ...     'web handled the most incidents (9), resolving them in a median 20 min and acknowl')
    True
    """
    busiest = teams.sort_values(["incidents", "team"], ascending=[False, True]).iloc[0] if len(teams) else None
    return ("No incidents in scope." if busiest is None else
            f"{md_text(busiest['team'])} handled the most incidents ({int(busiest['incidents'])}), resolving them in "
            "a median "
            f"{minutes(busiest['p50_minutes'])} and acknowledging in {minutes(busiest['p50_minutes_ack'])}. "
            f"Team comes from the incident, else from the service catalogue's owner.")


def repeats_narrative(repeats: pd.DataFrame, rates: RepeatRates, *, period_label: str) -> str:
    """The repeat rate, the service with the most repeats, the reopen rate and the problem-linked share
    (``repeats``: :func:`~analytics.metrics.incidents.repeat_rates_by_service`).

    >>> repeats = pd.DataFrame({"service": ["(all services)", "db"], "repeats": [2, 2]})
    >>> repeats_narrative(repeats, RepeatRates(8, 2, 1, 0, 30), period_label="2026Q3").endswith(
    ...     'within 30 days; db had the most (2). Reopen rate 12.5%; 0% were linked to a problem record.')
    True
    """
    worst = repeats[repeats["service"] != "(all services)"].head(1)
    return ("No incidents in scope." if not rates.incidents else
            f"{pct(rates.repeat_rate)} of {period_label} incidents ({rates.repeats} of {rates.incidents}) repeated an "
            f"incident of the same service and failure key (problem record, de-duplication key or normalised title) "
            f"within {rates.window_days} days"
            + (f"; {md_text(worst.iloc[0]['service'])} had the most ({int(worst.iloc[0]['repeats'])})."
               if len(worst) and worst.iloc[0]["repeats"] else ".")
            + f" Reopen rate {pct(rates.reopen_rate, 1)}; {pct(rates.problem_linked_share)} were linked to a problem "
              "record.")


def failure_modes_narrative(modes: pd.DataFrame, durations: pd.DataFrame) -> str:
    """The costliest recurring failure mode and the top three's share of all resolved incident-hours
    (``modes``: :func:`~analytics.metrics.incidents.recurring_failure_modes`; ``durations``:
    :func:`~analytics.metrics.incidents.incident_durations`, measured by
    :func:`~analytics.metrics.incidents.resolve_minutes`).

    >>> modes = pd.DataFrame({"service": ["db"], "failure_mode": ["disk full"], "incident_hours": [3.0],
    ...                       "incidents": [2]})
    >>> durations = pd.DataFrame({"minutes_to_resolve": [120.0, 60.0, 180.0, None], "still_open": [False] * 3 + [True],
    ...                           "no_resolve_time": False, "backfilled": False})
    >>> failure_modes_narrative(modes, durations).endswith(
    ...     'recurring modes account for 50% of all 6 resolved incident-hours.')
    True
    """
    all_hours = float(resolve_minutes(durations).sum()) / 60
    top_hours = float(modes["incident_hours"].head(3).sum())
    return ("No failure mode recurred in the quarter." if modes.empty else
            f"{md_text(modes.iloc[0]['service'])} · {md_text(modes.iloc[0]['failure_mode'])} cost the most: "
            f"{modes.iloc[0]['incident_hours']:.0f} incident-hours over {int(modes.iloc[0]['incidents'])} incidents. "
            f"The top three recurring modes account for {pct(top_hours / all_hours if all_hours else None)} of all "
            f"{all_hours:,.0f} resolved incident-hours.")


def oncall_narrative(health: OnCallHealth, *, hours: str) -> str:
    """Pages per responder per week and the off-hours and sleep-hours shares, saying whether they come from the
    vendor's interruption buckets or the created-outside-business-hours proxy (``hours``:
    :func:`business_hours_label`).

    >>> health = OnCallHealth(13.0, 26, 2, 0, 0, 0.25, 0.1, "proxy", "UTC")
    >>> oncall_narrative(health, hours="08:00–18:00").split(". ")[0]
    'Each paged responder got 1.0 pages per week on average (26 pages to 2 people over 13.0 weeks)'
    """
    basis = ("PagerDuty's interruption buckets" if health.basis == "vendor" else
             f"proxy: incidents created outside {hours} Mon–Fri in {md_text(health.responder_timezone)}")
    return (("No pages were recorded in scope." if not health.pages else
             f"Each paged responder got {health.pages_per_responder_week:.1f} pages per week on average "
             f"({health.pages} pages to {health.paged_responders} people over {health.weeks:.1f} weeks).")
            + (f" {pct(health.off_hours_share)} of interruptions fell outside business hours and "
               f"{pct(health.sleep_share)} in sleep hours ({basis})." if health.basis == "vendor" else
               f" {pct(health.off_hours_share)} of incidents were created outside business hours and "
               f"{pct(health.sleep_share)} in sleep hours ({basis})."))


def noise_narrative(noise_by_service: pd.DataFrame, noise: AlertNoise) -> str:
    """The actionable share against the target, the noise ratio and the noisiest service
    (``noise_by_service``: :func:`~analytics.metrics.incidents.alert_noise_by_service`).

    >>> by_service = pd.DataFrame({"service": ["(all services)", "api"], "noise": [3, 3],
    ...                            "alerts_per_incident": [2.0, 2.5]})
    >>> noise_narrative(by_service, AlertNoise(10, 8, 3, 6, 20, 0.7)).endswith(
    ...     'api produced the most noise: 3 incidents, 2.5 alerts per incident.')
    True
    """
    noisiest = noise_by_service[(noise_by_service["service"] != "(all services)") & (noise_by_service["noise"] > 0)]
    noisiest = noisiest.head(1)
    return (("No incidents in scope." if noise.actionable_share is None else
             f"{pct(noise.actionable_share)} of incidents were actionable, "
             f"{'above' if noise.meets_target else 'below'} the {noise.target * 100:.0f}% of a mature on-call; "
             f"{pct(noise.noise_ratio)} of resolved incidents were "
             f"noise (resolved within 5 minutes or never acknowledged).")
            + (f" {md_text(noisiest.iloc[0]['service'])} produced the most noise: {int(noisiest.iloc[0]['noise'])} "
               "incidents"
               + (f", {noisiest.iloc[0]['alerts_per_incident']:.1f} alerts per incident."
                  if noisiest.iloc[0]['alerts_per_incident'] == noisiest.iloc[0]['alerts_per_incident'] else ".")
               if len(noisiest) else ""))


def degraded_dependencies_narrative(summary: DegradedDependencies, *, period_label: str, loaded: bool) -> str:
    """Which incidents overlapped a provider incident, and how to load the providers' status history when none
    is loaded (``loaded``: whether any overlap row came back).

    >>> s = DegradedDependencies(incidents=4, overlapping=0, provider_incidents=0, by_provider=())
    >>> degraded_dependencies_narrative(s, period_label="2026Q3", loaded=False).endswith("status history.)")
    True
    """
    text = md_text(summary.sentence(period_label))
    if loaded:
        return text
    return (text + " (`opsreview ingest gcp-status incidents.json`, `opsreview ingest aws-health historyevents.json` "
            "load the providers' status history.)")
