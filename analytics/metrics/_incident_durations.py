"""Duration statistics of :func:`analytics.metrics.incidents.incident_durations` rows, pure computations:
the p50/p90 tables per group (time to resolve, time to acknowledge), the minutes of true resolves, and
the difference of two medians with its 95% CI and whether it is a change (docs/metrics.md §1.2)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.metrics._incident_scope import SEVERITIES
from analytics.metrics.stats import MIN_N, Estimate, order_statistic_ci, quantile_difference_ci, quantile_estimate

DIFFERENCE_BOOTSTRAP_MAX_N = 500  # above this, the CI of a difference of medians is a normal approximation
_NO_GROUP = {"service": "(no service)", "team": "(no team)", "tier": "(no tier)", "severity": "unknown"}


def _group_order(frame: pd.DataFrame, by: str, max_severity_rank: int) -> list[str]:
    """Groups to report, in a fixed order (every severity up to the floor; others by name, blanks last)."""
    present = sorted({str(v) for v in frame[by].unique()} - {_NO_GROUP[by]})
    if by == "severity":
        present = [s for s in present if s not in SEVERITIES]
        return [*SEVERITIES[:max_severity_rank], *present,
                *([_NO_GROUP[by]] if (frame[by] == _NO_GROUP[by]).any() else [])]
    return [*present, *([_NO_GROUP[by]] if (frame[by] == _NO_GROUP[by]).any() else [])]


def _quantile_columns(values: pd.Series) -> dict[str, Any]:
    """p50/p90 with CIs, n, sufficiency and the CI method for one group."""
    p50, method = quantile_estimate(values, 0.5)
    p90, _ = quantile_estimate(values, 0.9)
    return {"n": p50.n, "p50_minutes": p50.value, "p50_low": p50.low, "p50_high": p50.high,
            "p90_minutes": p90.value, "p90_low": p90.low, "p90_high": p90.high, "sufficient": p50.n >= MIN_N,
            "ci_method": method}


def resolve_time_table(durations: pd.DataFrame, *, by: str, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to resolve per group from :func:`incident_durations` rows (a pure computation)."""
    rows = []
    for group in _group_order(durations, by, max_severity_rank):
        mine = durations[durations[by] == group]
        usable = ~(mine["still_open"] | mine["no_resolve_time"] | mine["backfilled"])
        rows.append({by: group, "incidents": len(mine), "still_open": int(mine["still_open"].sum()),
                     "no_resolve_time": int(mine["no_resolve_time"].sum()),
                     "backfilled": int(mine["backfilled"].sum()),
                     **_quantile_columns(mine.loc[usable, "minutes_to_resolve"])})
    return typed_table(pd.DataFrame(rows, columns=[by, "incidents", "still_open", "no_resolve_time", "backfilled",
                                                   *_QUANTILE_COLUMNS]))


def ack_time_table(durations: pd.DataFrame, *, by: str, max_severity_rank: int = 5) -> pd.DataFrame:
    """Time to acknowledge per group: acknowledged incidents only; the rest is the unacknowledged share."""
    rows = []
    for group in _group_order(durations, by, max_severity_rank):
        mine = durations[durations[by] == group]
        acked = mine["minutes_to_ack"].notna()
        unacked = int((~acked).sum())
        rows.append({by: group, "incidents": len(mine), "unacknowledged": unacked,
                     "unacknowledged_share": unacked / len(mine) if len(mine) else None,
                     "proxy": int(mine.loc[acked, "ack_is_proxy"].sum()),
                     **_quantile_columns(mine.loc[acked, "minutes_to_ack"])})
    return typed_table(pd.DataFrame(rows, columns=[by, "incidents", "unacknowledged", "unacknowledged_share", "proxy",
                                                   *_QUANTILE_COLUMNS]))


_QUANTILE_COLUMNS = ("n", "p50_minutes", "p50_low", "p50_high", "p90_minutes", "p90_low", "p90_high", "sufficient",
                     "ci_method")


def typed_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes for the quantile tables, also when they are empty (floats stay float, flags bool)."""
    for column in ("p50_minutes", "p50_low", "p50_high", "p90_minutes", "p90_low", "p90_high",
                   "unacknowledged_share"):
        if column in frame:
            frame[column] = frame[column].astype("float64")
    for column in ("incidents", "n", "still_open", "no_resolve_time", "backfilled", "unacknowledged", "proxy",
                   "previous_n"):
        if column in frame:
            frame[column] = frame[column].astype("int64")
    for column in ("sufficient", "changed"):
        if column in frame:
            frame[column] = frame[column].astype("bool")
    return frame


def median_difference(current: np.ndarray, previous: np.ndarray) -> Estimate:
    """Difference of medians (current − previous) with a 95% CI: bootstrap for samples up to
    :data:`DIFFERENCE_BOOTSTRAP_MAX_N`, else the two order-statistic intervals combined.

    >>> est = median_difference(np.arange(2000.0), np.arange(2000.0) + 100)
    >>> est.value, est.low < -100 < est.high
    (-100.0, True)
    """
    if max(len(current), len(previous)) <= DIFFERENCE_BOOTSTRAP_MAX_N:
        return quantile_difference_ci(current, previous, 0.5)
    a, b = order_statistic_ci(current, 0.5), order_statistic_ci(previous, 0.5)
    if a.value is None or b.value is None or a.low is None or a.high is None or b.low is None or b.high is None:
        return Estimate(None, None, None, min(a.n, b.n))
    se = np.hypot((a.high - a.low) / (2 * 1.959963984540054), (b.high - b.low) / (2 * 1.959963984540054))
    value = a.value - b.value
    return Estimate(value, float(value - 1.959963984540054 * se), float(value + 1.959963984540054 * se),
                    min(a.n, b.n))


def change_is_real(difference: Estimate) -> bool:
    """Whether a difference is worth calling a change: its 95% CI excludes 0 (docs/metrics.md §1.2).

    >>> change_is_real(Estimate(-5.0, -9.0, -1.0, 20)), change_is_real(Estimate(-5.0, -9.0, 2.0, 20))
    (True, False)
    """
    low, high = difference.low, difference.high
    return low is not None and high is not None and (low > 0 or high < 0)


def resolve_minutes(frame: pd.DataFrame) -> np.ndarray:
    """Minutes to resolve of the rows of :func:`incident_durations` that have a true resolve time
    (still-open, timeless and backfilled incidents left out)."""
    usable = ~(frame["still_open"] | frame["no_resolve_time"] | frame["backfilled"])
    values = frame.loc[usable, "minutes_to_resolve"].to_numpy(dtype=float)
    return values[np.isfinite(values)]
