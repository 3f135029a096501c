"""The quarterly review's reliability lines: time to restore (SEV1, critical services), incident volume,
repeats, actionable alerts and on-call load (one incident summary per period), and SLO compliance per
group with the worst error budget left."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import duckdb

from analytics.metrics import incidents as im
from analytics.metrics import slo as sm
from analytics.metrics._quarterly_lines import (
    CRITICAL_JOURNEY,
    CRITICAL_TIER,
    LOAD,
    ReviewOptions,
    data_rows,
    evidence_of,
    kpi_line,
    percent,
    review_periods,
)
from analytics.metrics.stats import MIN_N
from analytics.periods import Period
from analytics.scorecard import Kpi, TargetBook, format_value


# -- incidents -------------------------------------------------------------------------------------
def _restore_note(restore: im.RestoreTimes, *, previous_label: str) -> tuple[str, dict[str, Any]]:
    """p90, still-open count and whether the change of the median on the previous period is real."""
    diff = restore.change
    parts = [f"p90 {format_value(restore.p90_minutes, 'minutes')}" if restore.p90_minutes is not None else ""]
    if restore.still_open:
        parts.append(f"{restore.still_open} still open, left out")
    real = restore.change_is_real
    if diff.value is not None and diff.low is not None and diff.high is not None:
        parts.append(f"change on {previous_label} {'is real' if real else 'is within noise'} "
                     f"(95% CI {diff.low:+.0f} to {diff.high:+.0f} min)")
    details = {"p90_minutes": restore.p90_minutes, "still_open": restore.still_open,
               "difference_minutes": diff.value, "difference_low": diff.low, "difference_high": diff.high,
               "change_is_real": real}
    return "; ".join(p for p in parts if p), details


def incident_kpis(
    con: duckdb.DuckDBPyConnection, period: Period | str, targets: TargetBook, *,
    options: ReviewOptions = ReviewOptions(),
) -> list[Kpi]:
    """Time to restore (SEV1 and critical services), incident volume, repeat rate, actionable alerts and
    on-call load, each with its history (:func:`analytics.metrics.incidents.incident_summary` per period).

    >>> from analytics.warehouse import connect
    >>> kpis = incident_kpis(connect(":memory:"), "2026Q3", TargetBook())
    >>> [(k.key, k.status) for k in kpis][:2]
    [('time_to_restore_sev1_minutes', 'no data'), ('time_to_restore_critical_minutes', 'no data')]
    """
    periods = review_periods(period, options.history)
    rule = targets.rule("time_to_restore_critical_minutes", tier=CRITICAL_TIER)
    within = rule.target if rule is not None else im.CRITICAL_RESTORE_MINUTES
    summaries = im.incident_summaries(con, periods, restore_target_minutes=within, critical_tier=CRITICAL_TIER)
    rows = [data_rows(con, p) for p in periods]
    loaded = [r["incidents"] > 0 for r in rows]
    now, loaded_now = summaries[-1], loaded[-1]
    label, previous = periods[-1].label, periods[-2].label
    no_incidents = None if loaded_now else LOAD["incidents"]
    out: list[Kpi] = []

    def history(value: Any) -> list[Any]:
        return [value(s) if ok else None for s, ok in zip(summaries, loaded, strict=True)]

    # time to restore: SEV1, all services
    note, details = _restore_note(now.sev1, previous_label=previous)
    out.append(kpi_line(
        "time_to_restore_sev1_minutes", "Time to restore, SEV1 (median)", "Reliability", periods,
        history(lambda s: s.sev1.median.value), unit="minutes",
        rule=targets.rule("time_to_restore_sev1_minutes"), n=now.sev1.median.n, evidence=evidence_of("restore"),
        missing=no_incidents or f"no resolved SEV1 incident in {label}", note=note,
        details={**details, "ci_method": now.sev1.ci_method}, estimate=now.sev1.median, min_n=MIN_N))

    # time to restore: critical services (tier 1, SEV1–SEV2)
    restores = now.restores
    note, details = _restore_note(now.critical, previous_label=previous)
    restored = (f"{restores.restored} of {restores.incidents} restored within {within:.0f} min"
                if restores.incidents else "")
    no_tiers = None if rows[-1]["tiered_services"] else LOAD["services"]
    out.append(kpi_line(
        "time_to_restore_critical_minutes", "Time to restore, critical services (median)", "Reliability", periods,
        history(lambda s: s.critical.median.value), unit="minutes",
        rule=rule, n=now.critical.median.n, evidence=evidence_of("restore"),
        missing=no_incidents or no_tiers or f"no resolved tier-1 SEV1–SEV2 incident in {label}",
        note="; ".join(t for t in (f"tier-1 services, SEV1–SEV2; {restored}" if restored else "", note) if t),
        details={**details, "ci_method": now.critical.ci_method, "critical_incidents": restores.incidents,
                 "restored_within_target": restores.restored, "restored_share": restores.share,
                 "target_minutes": within},
        estimate=now.critical.median, min_n=MIN_N))

    # volume
    severities = dict(now.by_severity)
    mix = ", ".join(f"{k} {v}" for k, v in severities.items() if v)
    out.append(kpi_line(
        "incidents_major", "Major incidents (SEV1–SEV2)", "Incidents", periods, history(lambda s: s.major),
        unit="count", rule=targets.rule("incidents_major"), n=now.total, evidence=evidence_of("volume"),
        missing=no_incidents, note=f"by severity: {mix}" if mix else None,
        details={"by_severity": severities}))
    out.append(kpi_line(
        "incidents_total", "Incidents, all severities", "Incidents", periods, history(lambda s: s.total),
        unit="count", rule=targets.rule("incidents_total"), n=now.total, evidence=evidence_of("volume"),
        missing=no_incidents, details={"by_severity": severities}))

    # repeats, noise, on-call
    out.append(kpi_line(
        "repeat_incident_rate", "Repeat incidents", "Incidents", periods,
        history(lambda s: s.repeats.repeat_rate), unit="ratio",
        rule=targets.rule("repeat_incident_rate"), n=now.repeats.incidents, evidence=evidence_of("repeats"),
        missing=no_incidents, min_n=MIN_N,
        note=(f"{now.repeats.repeats} of {now.repeats.incidents} repeated an incident of the same service and "
              f"failure key within {now.repeats.window_days} days"),
        details={"repeats": now.repeats.repeats, "window_days": now.repeats.window_days,
                 "reopen_rate": now.repeats.reopen_rate}))
    out.append(kpi_line(
        "actionable_alert_share", "Actionable alerts", "On-call", periods,
        history(lambda s: s.noise.actionable_share), unit="ratio",
        rule=targets.rule("actionable_alert_share"), n=now.noise.incidents, evidence=evidence_of("noise"),
        missing=no_incidents, min_n=MIN_N,
        note=(f"noise ratio {percent(now.noise.noise_ratio)} (resolved within 5 min or never acknowledged)"
              + (f"; {now.noise.alerts_per_incident:.1f} alerts per incident" if now.noise.alerts else "")),
        details={"actionable": now.noise.actionable, "noise_ratio": now.noise.noise_ratio,
                 "alerts_per_incident": now.noise.alerts_per_incident}))
    paged = now.oncall
    basis = "vendor interruption buckets" if paged.basis == "vendor" else "proxy: incidents created off hours"
    out.append(kpi_line(
        "pages_per_responder_week", "On-call load (pages per responder per week)", "On-call", periods,
        [s.oncall.pages_per_responder_week if r["pages"] else None for s, r in zip(summaries, rows, strict=True)],
        unit="per week", rule=targets.rule("pages_per_responder_week"), n=paged.pages, evidence=evidence_of("oncall"),
        missing=no_incidents or LOAD["pages"],
        note=(f"{paged.pages} pages to {paged.paged_responders} people; {percent(paged.off_hours_share, 0)} "
              f"outside business hours ({basis})") if paged.pages else None,
        details={"pages": paged.pages, "paged_responders": paged.paged_responders,
                 "off_hours_share": paged.off_hours_share, "sleep_share": paged.sleep_share, "basis": paged.basis}))
    return out


# -- SLOs ------------------------------------------------------------------------------------------
def _slo_group(journey: Any, tier: Any) -> str:
    """``critical`` for a critical journey, else the service's tier (``(no tier)`` without one)."""
    if isinstance(journey, str) and journey.strip().lower() == CRITICAL_JOURNEY:
        return CRITICAL_JOURNEY
    return str(tier) if isinstance(tier, str) and tier else "(no tier)"


def _group_label(group: str) -> str:
    """``critical journeys``, ``tier2 services``."""
    return "critical journeys" if group == CRITICAL_JOURNEY else f"{group} services"


def _group_order(groups: Collection[str]) -> list[str]:
    return sorted(groups, key=lambda g: (g != CRITICAL_JOURNEY, g.startswith("("), g))


def slo_kpis(
    con: duckdb.DuckDBPyConnection, period: Period | str, targets: TargetBook, *,
    options: ReviewOptions = ReviewOptions(),
) -> list[Kpi]:
    """SLO compliance per group (critical journeys, then each tier; the group's lowest SLO is the value)
    and the error budget left of the worst SLO.

    >>> from analytics.warehouse import connect
    >>> [(k.key, k.status) for k in slo_kpis(connect(":memory:"), "2026Q3", TargetBook())]
    [('slo_compliance_critical', 'no data'), ('error_budget_remaining', 'no data')]
    """
    periods = review_periods(period, options.history)
    label = periods[-1].label
    frames = []
    for p in periods:
        frame = sm.slo_compliance(con, p)
        frame["group"] = [_slo_group(j, t) for j, t in zip(frame["journey"], frame["tier"], strict=True)]
        frames.append(frame)
    now = frames[-1]
    missing = LOAD["slos"] if now.empty else LOAD["sli"]
    out: list[Kpi] = []
    for group in _group_order(set(now["group"])) or [CRITICAL_JOURNEY]:
        rule = targets.rule("slo_compliance", tier=CRITICAL_TIER if group == CRITICAL_JOURNEY else
                            (None if group.startswith("(") else group))
        values = []
        for frame in frames:
            mine = frame.loc[frame["group"] == group, "compliance"].dropna()
            values.append(float(mine.min()) if len(mine) else None)
        ranked = now[(now["group"] == group)].dropna(subset=["compliance"]).sort_values(["compliance", "slo"])
        met = int((ranked["compliance"] >= rule.target).sum()) if rule is not None else int(ranked["met"].sum())
        goal = format_value(rule.target, "ratio") if rule is not None else "their objectives"
        note = (f"{met} of {len(ranked)} SLOs at or above {goal}; lowest {ranked.iloc[0]['slo']}"
                if len(ranked) else None)
        out.append(kpi_line(
            f"slo_compliance_{group if group == CRITICAL_JOURNEY else group.strip('()').replace(' ', '_')}",
            f"SLO compliance, {_group_label(group)} (lowest SLO)", "Reliability", periods, values, unit="ratio",
            rule=rule, n=len(ranked), evidence=evidence_of("slo"), missing=missing, note=note,
            details={"slos": ranked[["slo", "service", "target", "compliance", "error_budget_remaining", "met"]],
                     "target_tier": CRITICAL_TIER if group == CRITICAL_JOURNEY else group}))
    measured = now.dropna(subset=["compliance"]).sort_values(["error_budget_remaining", "slo"])
    overspent = measured[measured["error_budget_remaining"] < 0]
    worst = [float(f["error_budget_remaining"].min()) if f["error_budget_remaining"].notna().any() else None
             for f in frames]
    out.append(kpi_line(
        "error_budget_remaining", "Error budget left, worst SLO", "Reliability", periods, worst, unit="ratio",
        rule=targets.rule("error_budget_remaining"), n=len(measured), evidence=evidence_of("budget_burn"),
        missing=missing,
        note=(f"{len(overspent)} of {len(measured)} SLOs overspent their {label} budget"
              + (": " + ", ".join(overspent["slo"]) if len(overspent) else "")) if len(measured) else None,
        details={"worst_slo": measured.iloc[0]["slo"] if len(measured) else None, "overspent": list(overspent["slo"]),
                 "slos": measured[["slo", "service", "target", "compliance", "error_budget_remaining"]]}))
    return out
