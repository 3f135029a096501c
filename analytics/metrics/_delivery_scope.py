"""The scope every delivery statement binds (period, service, team, repo, environment, the grouping)
the three row sets every table starts from (deployments, lead-time pairs, recoveries), and
what the per-group tables share: the groups to report with their rows, p50/p90 columns, float dtypes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.metrics.stats import MIN_N, Estimate, quantile_estimate
from analytics.periods import Period, parse_period
from analytics.sql import query

GROUPINGS: tuple[str, ...] = ("service", "team", "repo", "environment")
ALL = "(all)"
SCOPE_COLUMN = "scope"
DEFAULT_ENVIRONMENT = "production"


def scope_params(
    period: Period | str,
    *,
    service: str | None,
    team: str | None,
    repo: str | None,
    environment: str | None,
    by: str | None = None,
) -> dict[str, Any]:
    """Bound parameters shared by the delivery statements."""
    p = parse_period(period)
    return {"period_start": p.start_ts, "period_end": p.end_ts, "service": service or None, "team": team or None,
            "repo": repo or None, "environment": environment or None, "by": by or "(all)"}


def check_by(by: str | None) -> str | None:
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)} or None, got {by!r}")
    return by


def group_column(by: str | None) -> str:
    """The name of the group column of a per-group table."""
    return by or SCOPE_COLUMN


def _group_values(con: duckdb.DuckDBPyConnection, values: pd.Series, by: str | None, params: Mapping[str, Any]
            ) -> list[str]:
    """Groups to report in name order (placeholders such as ``(no team)`` last), catalogue ones included."""
    if by is None:
        return [ALL]
    found = {str(v) for v in values.unique()}
    if by in ("service", "team"):
        found |= {str(v) for v in query(con, "delivery_catalogue_groups", {**params, "by": by})["group_value"]}
    return sorted(found, key=lambda g: (g.startswith("(no "), g))


def _with_group(frame: pd.DataFrame, by: str | None) -> pd.Series:
    return frame[by].astype(str) if by is not None else pd.Series(ALL, index=frame.index, dtype=object)


# -- statistics --------------------------------------------------------------------------------


def quantile_columns(values: pd.Series, unit: str, *, intervals: bool = True) -> dict[str, Any]:
    """p50 / p90 with CIs, n, sufficiency and the CI method of one group, columns suffixed with ``unit``."""
    if not intervals:
        data = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
        point = (lambda q: float(np.quantile(data, q)) if data.size else None)  # noqa: E731
        p50, p90, how = Estimate(point(0.5), None, None, int(data.size)), Estimate(point(0.9), None, None,
                                                                                    int(data.size)), "none"
    else:
        p50, how = quantile_estimate(values, 0.5)
        p90, _ = quantile_estimate(values, 0.9)
    return {"n": p50.n, f"p50_{unit}": p50.value, "p50_low": p50.low, "p50_high": p50.high,
            f"p90_{unit}": p90.value, "p90_low": p90.low, "p90_high": p90.high, "sufficient": p50.n >= MIN_N,
            "ci_method": how if p50.n else None}


def as_floats(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = frame[column].astype("float64")
    return frame


def each_group(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, by: str | None, params: Mapping[str, Any]
               ) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each group of a per-group table in report order with its rows of ``frame`` (none for a catalogue
    group without rows; every row in the one ``(all)`` group when ``by`` is None)."""
    labels = _with_group(frame, by)
    for group in _group_values(con, labels, by, params):
        yield group, frame[labels == group]


# -- rows --------------------------------------------------------------------------------------
def deployments_in_period(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """One row per distinct successful deployment in the period with its linked incidents and flags."""
    return query(con, "delivery_deployments", scope_params(period, service=service, team=team, repo=repo,
                                                            environment=environment))


def lead_time_pairs(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """One row per (deployment, commit) pair of the period's deployments with ``lead_minutes``."""
    return query(con, "delivery_lead_times", scope_params(period, service=service, team=team, repo=repo,
                                                           environment=environment))


def recovery_incidents(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
    environment: str | None = DEFAULT_ENVIRONMENT,
) -> pd.DataFrame:
    """One row per deployment-linked incident created in the period with ``minutes_to_recover``."""
    return query(con, "delivery_recoveries", scope_params(period, service=service, team=team, repo=repo,
                                                           environment=environment))
