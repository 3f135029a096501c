"""Degraded dependencies: our incidents that overlapped a provider's status-page incident, and their summary."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.metrics._incident_scope import scope_params
from analytics.periods import Period
from analytics.sql import query


def degraded_dependencies(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    provider: str | None = None,
    include_information: bool = False,
    service: str | None = None,
    team: str | None = None,
    max_severity_rank: int = 5,
) -> pd.DataFrame:
    """Our incidents of the period that overlapped a provider incident (``provider_incidents``: Google
    Cloud / AWS status history), one row per pair, with the minutes both were open.

    >>> from analytics.warehouse import connect
    >>> len(degraded_dependencies(connect(":memory:"), "2026Q3"))
    0
    """
    params = {**scope_params(period, service=service, team=team, max_severity_rank=max_severity_rank),
              "provider": provider or None, "include_information": bool(include_information)}
    return query(con, "incident_provider_overlaps", params)


@dataclass(frozen=True)
class DegradedDependencies:
    """How many of a period's incidents overlapped a provider incident, and with which ones."""

    incidents: int  # our incidents in scope
    overlapping: int  # of them, those open while a provider incident was
    provider_incidents: int  # distinct provider incidents they overlapped
    by_provider: tuple[tuple[str, int], ...]  # (provider, our incidents overlapping one of its incidents)

    @property
    def share(self) -> float | None:
        """overlapping / incidents (None without incidents)."""
        return self.overlapping / self.incidents if self.incidents else None

    def sentence(self, period_label: str) -> str:
        """Two lines of narrative for a report (plain text: a notebook shows it through
        :func:`analytics.display.md_text`)."""
        if not self.incidents:
            return f"No incidents in {period_label}, so none overlapped a provider incident."
        if not self.overlapping:
            return (f"None of the {self.incidents} incidents of {period_label} overlapped a provider incident in the "
                    "loaded status history (Google Cloud, AWS).")
        providers = ", ".join(f"{name} {n}" for name, n in self.by_provider)
        return (f"{self.overlapping} of the {self.incidents} incidents of {period_label} "
                f"({self.share:.0%}) were open while a provider reported an incident ({self.provider_incidents} "
                f"provider incidents; by provider: {providers}). Time overlap only: check whether the service "
                "depends on the product before blaming the dependency.")


def degraded_dependency_summary(overlaps: pd.DataFrame, incidents: int) -> DegradedDependencies:
    """Summarise :func:`degraded_dependencies` against the number of incidents in scope."""
    by_provider = (overlaps.groupby("provider")["incident_id"].nunique().sort_index() if len(overlaps)
                   else pd.Series(dtype="int64"))  # fmt: skip
    return DegradedDependencies(
        incidents=int(incidents), overlapping=int(overlaps["incident_id"].nunique()) if len(overlaps) else 0,
        provider_incidents=int(overlaps["provider_incident_id"].nunique()) if len(overlaps) else 0,
        by_provider=tuple((str(k), int(v)) for k, v in by_provider.items()),
    )


