"""Sentences of ``notebooks/delivery_performance.ipynb`` (docs/delivery-and-slo.md, docs/metrics.md §2)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.display import change, md_text, minutes, pct
from analytics.metrics.delivery import DORA_2024_CAVEAT, LEVELS, DoraSummary
from analytics.periods import Period


def scope_narrative(period: Period, *, service: str | None, team: str | None, repo: str | None,
                    environment: str | None, by: str) -> str:
    """The period, the comparison, the scope and the breakdown of the tables.

    >>> from analytics.periods import parse_period
    >>> scope_narrative(parse_period("2026Q3"), service=None, team=None, repo=None, environment=None,
    ...                 by="team").endswith("all repositories, deployments to any environment; tables by team.")
    True
    """
    return (f"**Period** {period.label} ({period.start:%d %b %Y} – {period.last_day:%d %b %Y}), compared with "
            f"{period.previous().label}. **Scope** {md_text(service or 'all services')}, "
            f"{md_text(team or 'all teams')}, {md_text(repo or 'all repositories')}, deployments to "
            f"{md_text(environment or 'any environment')}; tables by {md_text(by)}.")


def frequency_narrative(frequency: pd.DataFrame, now: DoraSummary, before: DoraSummary, *, by: str,
                        period_label: str, previous_label: str) -> str:
    """Deployments per week and per deploying service, the fourkeys cadence, the busiest group and the idle ones
    (``frequency`` is :func:`~analytics.metrics.delivery.deployment_frequency` by ``by``).

    >>> from analytics.metrics.delivery import dora_summary
    >>> from analytics.warehouse import connect
    >>> empty = dora_summary(connect(":memory:"), "2026Q3")
    >>> frequency_narrative(pd.DataFrame({"service": ["api"], "deployments": [0]}), empty, empty, by="service",
    ...                     period_label="2026Q3", previous_label="2026Q2")
    'No deployments, so no frequency bucket (fourkeys would have said Yearly). No deployment at all: api.'
    """
    active = frequency[frequency["deployments"] > 0].sort_values(["deployments", by], ascending=[False, True])
    idle = sorted(frequency.loc[frequency["deployments"] == 0, by])
    return (("No deployments, so no frequency bucket (fourkeys would have said Yearly)." if now.deployments == 0 else
             f"{now.deployments} deployments in {period_label}: {now.deploys_per_week:.1f} a week, "
             f"{now.deploys_per_service_week:.1f} per deploying service ({change(now.deployments, before.deployments)} "
             f"vs {previous_label}); the fourkeys cadence is **{now.fourkeys_frequency_bucket}**. "
             f"Most deployments: {md_text(active.iloc[0][by])} ({int(active.iloc[0]['deployments'])}).")
            + (f" No deployment at all: {md_text(', '.join(idle))}." if idle else ""))


def lead_time_narrative(now: DoraSummary, before: DoraSummary, *, environment: str | None,
                        previous_label: str) -> str:
    """The median lead time for changes with its CI and p90, against the previous period, and what was left out.

    >>> from analytics.metrics.delivery import dora_summary
    >>> from analytics.warehouse import connect
    >>> empty = dora_summary(connect(":memory:"), "2026Q3")
    >>> lead_time_narrative(empty, empty, environment="production", previous_label="2026Q2")
    'No lead times this period.'
    """
    lead_now, lead_before = now.lead_time_hours, before.lead_time_hours
    return ("No lead times this period." if lead_now.value is None else
            f"Half of the commits reached {md_text(environment or 'any environment')} within **{lead_now.value:.1f} "
            "h** of "
            f"being committed (95% CI {lead_now.low:.1f}–{lead_now.high:.1f} h, n = {lead_now.n} commits; p90 "
            f"{now.lead_time_p90_hours.value:.1f} h)"
            + ("" if lead_before.value is None else f", against {lead_before.value:.1f} h in {previous_label}")
            + f". {now.lead_time_excluded_nonpositive} commit(s) with a lead time ≤ 0 were left out.")


def failure_narrative(rated: pd.DataFrame, now: DoraSummary, before: DoraSummary, *, by: str,
                      previous_label: str) -> str:
    """The change failure rate with its CI, against the previous period, the highest group with at least 10
    deployments (``rated``: :func:`~analytics.metrics.delivery.change_failure_rate` rows with a rate), rework.

    >>> from analytics.metrics.delivery import dora_summary
    >>> from analytics.warehouse import connect
    >>> empty = dora_summary(connect(":memory:"), "2026Q3")
    >>> failure_narrative(pd.DataFrame(columns=["service", "deployments", "change_failure_rate"]), empty, empty,
    ...                   by="service", previous_label="2026Q2")
    'No deployments, so no change failure rate.'
    """
    worst = rated[rated["deployments"] >= 10].sort_values(["change_failure_rate", by], ascending=[False, True])
    return ("No deployments, so no change failure rate." if now.change_failure_rate is None else
            f"{now.failed_deployments} of {now.deployments} deployments caused at least one incident: a change "
            f"failure rate of **{pct(now.change_failure_rate, 1)}** (95% CI {pct(now.change_failure_rate_low, 1)}–"
            f"{pct(now.change_failure_rate_high, 1)}; {pct(before.change_failure_rate, 1)} in {previous_label}). "
            + (f"Highest with at least 10 deployments: {md_text(worst.iloc[0][by])} "
               f"({pct(worst.iloc[0]['change_failure_rate'], 1)}). " if not worst.empty else "")
            + f"{now.rework_deployments} deployments were unplanned rework or rollbacks (rework rate "
              f"{pct(now.rework_rate, 1)}).")


def recovery_narrative(now: DoraSummary, before: DoraSummary, *, previous_label: str) -> str:
    """The median time to resolve deployment-caused incidents with its CI and p90, against the previous period.

    >>> from analytics.metrics.delivery import dora_summary
    >>> from analytics.warehouse import connect
    >>> empty = dora_summary(connect(":memory:"), "2026Q3")
    >>> recovery_narrative(empty, empty, previous_label="2026Q2")
    'No deployment-caused incidents were resolved in this period.'
    """
    rec = now.recovery_minutes
    return ("No deployment-caused incidents were resolved in this period." if rec.value is None else
            f"Deployment-caused incidents were resolved in a median **{minutes(rec.value)}** "
            f"(95% CI {minutes(rec.low)}–{minutes(rec.high)}, n = {rec.n}; p90 "
            f"{minutes(now.recovery_p90_minutes.value)}), against {minutes(before.recovery_minutes.value)} in "
            f"{previous_label}.")


def levels_narrative(levels: pd.DataFrame, now: DoraSummary, *, environment: str | None, period_label: str) -> str:
    """The overall DORA 2024 level and its four parts, and how many services sit at each level (``levels``:
    :func:`~analytics.metrics.delivery.dora_performance_levels` by service).

    >>> from analytics.metrics.delivery import dora_summary
    >>> from analytics.warehouse import connect
    >>> empty = dora_summary(connect(":memory:"), "2026Q3")
    >>> text = levels_narrative(pd.DataFrame({"dora_level": []}), empty, environment=None, period_label="2026Q3")
    >>> text.split(" — ")[0]
    'Overall (2026Q3, any environment): **no data**'
    """
    counts = levels["dora_level"].value_counts()
    return (f"Overall ({period_label}, {md_text(environment or 'any environment')}): "
            f"**{now.dora_level or 'no data'}** — "
            f"frequency {now.frequency_level}, lead time {now.lead_time_level}, failure rate "
            f"{now.change_failure_level}, recovery {now.recovery_level}. Services by level: "
            + (", ".join(f"{lv} {int(counts[lv])}" for lv in LEVELS if lv in counts) or "none")
            + f". A service's level is the lowest of its four. *{DORA_2024_CAVEAT}*")


def pipelines_narrative(pipelines: pd.DataFrame, now: DoraSummary, *, period_label: str) -> str:
    """Pipeline runs of the period and their success rate, or what to load (``pipelines``:
    :func:`~analytics.metrics.delivery.pipeline_outcomes_by_workflow`).

    >>> from analytics.metrics.delivery import dora_summary
    >>> from analytics.warehouse import connect
    >>> empty = dora_summary(connect(":memory:"), "2026Q3")
    >>> pipelines_narrative(pd.DataFrame({"runs": [3, 2]}), empty, period_label="2026Q3")[:64]
    '5 pipeline runs started in 2026Q3; pipeline success rate **n/a**'
    """
    if pipelines.empty:
        return ("No CI pipeline runs are loaded for this period, so there is no pipeline success rate: load GitHub "
                "Actions workflow runs with `opsreview ingest github-actions runs.json`.")
    return (f"{int(pipelines['runs'].sum())} pipeline runs started in {period_label}; pipeline success rate "
            f"**{pct(now.pipeline_success_rate, 1)}** (succeeded / (succeeded + failed); cancelled and skipped runs "
            "left out).")


def artifact_narrative(written: Path | None) -> str:
    """Where the KPIs were written for the quarterly report.

    >>> artifact_narrative(Path("/tmp/delivery.json"))
    'The KPIs above are also in `delivery.json` for the quarterly report.'
    """
    return (f"The KPIs above are also in `{written.name}` for the quarterly report." if written else
            "No output folder was given, so `delivery.json` was not written.")


def no_deployments_narrative(*, environment: str | None, period_label: str) -> str:
    """Said instead of the deployment chart when there is none, with what to load.

    >>> no_deployments_narrative(environment=None, period_label="2026Q3").split(": ")[0]
    'No successful deployments to any environment in 2026Q3'
    """
    return (f"No successful deployments to {md_text(environment or 'any environment')} in {period_label}: load "
            "deployments "
            "(`opsreview ingest github-deployments …`, `github-actions` or `deployments-csv`) to get these KPIs.")
