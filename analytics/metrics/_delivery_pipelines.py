"""CI pipeline outcomes (docs/delivery-and-slo.md): runs per repository and workflow by outcome, and the
success rate = succeeded / (succeeded + failed); cancelled and skipped runs count for neither side."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.metrics._delivery_scope import as_floats, scope_params
from analytics.metrics.stats import share
from analytics.periods import Period
from analytics.sql import query


def pipeline_outcomes_by_workflow(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
) -> pd.DataFrame:
    """Pipeline runs per repository and workflow by outcome, with the success rate (None without outcomes)."""
    frame = query(con, "delivery_pipeline_outcomes_by_workflow",
                  scope_params(period, service=service, team=team, repo=repo, environment=None))
    decided = frame["succeeded"] + frame["failed"]
    frame["success_rate"] = [share(int(s), int(d)) for s, d in zip(frame["succeeded"], decided, strict=True)]
    return as_floats(frame, ("success_rate",))


def pipeline_success_rate(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    repo: str | None = None,
) -> float | None:
    """Succeeded / (succeeded + failed) pipeline runs started in the period; None when no run finished so.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> pipeline_success_rate(con, "2026Q3") is None
    True
    """
    frame = pipeline_outcomes_by_workflow(con, period, service=service, team=team, repo=repo)
    return share(int(frame["succeeded"].sum()), int(frame["succeeded"].sum() + frame["failed"].sum()))
