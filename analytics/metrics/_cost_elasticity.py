"""Elasticity of cost against volume: the slope of log(cost) on log(volume), with a bootstrap CI.

A slope of 1 means cost grows in step with volume (unit cost flat); below 1, economies of scale
(unit cost falls as volume grows); above 1, cost outgrows volume. With ``groups`` (e.g. the day of
the week) both logs are centred within each group first — group fixed effects — so a pattern that
repeats every week (weekend scale-down schedules, lower weekend traffic) is not mistaken for volume
elasticity. The 95% interval is a paired percentile bootstrap over the (centred) points with the
project's seed and resample count (docs/metrics.md §0); below :data:`~analytics.metrics.stats.MIN_N` points
the slope is shown without an interval and flagged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from analytics.metrics.stats import MIN_N, RESAMPLES, SEED, Estimate


def _slope(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Least-squares slope of y on x along an axis (0 where x does not vary)."""
    xc = x - x.mean(axis=axis, keepdims=True)
    yc = y - y.mean(axis=axis, keepdims=True)
    var = (xc * xc).sum(axis=axis)
    cov = (xc * yc).sum(axis=axis)
    safe = np.where(var > 0, var, 1.0)
    return np.where(var > 0, cov / safe, 0.0)


def loglog_points(
    cost: Sequence[float], volume: Sequence[float], groups: Sequence[object] | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """log(volume), log(cost) of the points where both are positive and finite (centred within each
    group when ``groups`` is given), and how many points were dropped."""
    c = np.asarray(cost, dtype=float)
    v = np.asarray(volume, dtype=float)
    keep = np.isfinite(c) & np.isfinite(v) & (c > 0) & (v > 0)
    lx, ly = np.log(v[keep]), np.log(c[keep])
    if groups is not None:
        labels = np.asarray(list(groups), dtype=object)[keep]
        for label in set(labels.tolist()):
            mask = labels == label
            lx[mask] -= lx[mask].mean()
            ly[mask] -= ly[mask].mean()
    return lx, ly, int((~keep).sum())


def elasticity(
    cost: Sequence[float],
    volume: Sequence[float],
    *,
    groups: Sequence[object] | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Estimate:
    """Log-log slope of cost on volume (within ``groups`` if given) with a 95% paired-bootstrap CI and n.

    >>> volume = [100.0, 200.0, 400.0, 800.0]
    >>> est = elasticity([2 * v ** 0.5 for v in volume], volume)
    >>> round(est.value, 6), est.n, est.sufficient
    (0.5, 4, False)
    >>> weekend = [0, 1, 0, 1]  # a level shift per group does not move the within-group slope
    >>> round(elasticity([3 * v ** 0.8 * (0.5 if w else 1) for v, w in zip(volume, weekend)], volume,
    ...                  groups=weekend).value, 6)
    0.8
    """
    lx, ly, _ = loglog_points(cost, volume, groups)
    n = int(lx.size)
    if n < 2 or np.ptp(lx) == 0:
        return Estimate(None, None, None, n)
    value = float(_slope(lx, ly))
    if n < MIN_N or np.unique(lx).size < 3:
        return Estimate(value, None, None, n)
    result = stats.bootstrap(
        (lx, ly),
        lambda x, y, axis: _slope(x, y, axis=axis),
        paired=True,
        vectorized=True,
        confidence_level=0.95,
        n_resamples=resamples,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    low, high = result.confidence_interval
    return Estimate(value, float(low), float(high), n)


def r_squared(
    cost: Sequence[float], volume: Sequence[float], groups: Sequence[object] | None = None
) -> float | None:
    """Share of the (within-group) variance of log(cost) explained by log(volume); None below 3 points.

    >>> r_squared([1.0, 2.0, 4.0], [1.0, 2.0, 4.0])
    1.0
    """
    lx, ly, _ = loglog_points(cost, volume, groups)
    if lx.size < 3 or np.ptp(lx) == 0 or np.ptp(ly) == 0:
        return None
    return float(np.corrcoef(lx, ly)[0, 1] ** 2)
