"""Statistics that don't lie: quantiles with bootstrap confidence intervals and their ``n``.

Conventions (docs/metrics.md §0): quantiles use linear interpolation (numpy's default, equal to
DuckDB's ``quantile_cont``); CIs come from ``scipy.stats.bootstrap`` (percentile method, 9,999
resamples, fixed seed so reruns reproduce); below :data:`MIN_N` points a value is shown but
labelled insufficient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

MIN_N = 10
SEED = 20260701
RESAMPLES = 9999


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95% interval and the number of points it rests on."""

    value: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def sufficient(self) -> bool:
        """Whether ``n`` reaches the project minimum for trends and comparisons."""
        return self.n >= MIN_N

    def describe(self, unit: str = "", digits: int = 1) -> str:
        """``42.0 min (95% CI 35.5–50.0, n=31)``; flags small samples.

        >>> Estimate(42.0, 35.5, 50.0, 31).describe("min")
        '42.0 min (95% CI 35.5–50.0, n=31)'
        >>> Estimate(None, None, None, 0).describe("min")
        'no data (n=0)'
        """
        if self.value is None:
            return f"no data (n={self.n})"
        suffix = f" {unit}" if unit else ""
        text = f"{self.value:.{digits}f}{suffix}"
        if self.low is not None and self.high is not None:
            text += f" (95% CI {self.low:.{digits}f}–{self.high:.{digits}f}, n={self.n})"
        else:
            text += f" (n={self.n})"
        return text + ("" if self.sufficient else " — insufficient data")


def _clean(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Finite values as a float array."""
    arr = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    return arr[np.isfinite(arr)]


def quantile_ci(
    values: Sequence[float] | np.ndarray | pd.Series,
    q: float,
    *,
    confidence: float = 0.95,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Estimate:
    """The ``q`` quantile with a percentile-bootstrap CI; NaN/inf values are ignored.

    >>> est = quantile_ci([1, 2, 3, 4, 10, 50, 51, 7], 0.9)
    >>> round(est.value, 1), est.n
    (50.3, 8)
    """
    if not 0 <= q <= 1:
        raise ValueError(f"quantile must be within [0, 1], got {q}")
    data = _clean(values)
    n = int(data.size)
    if n == 0:
        return Estimate(None, None, None, 0)
    value = float(np.quantile(data, q))
    if n < 2 or np.all(data == data[0]):
        return Estimate(value, value if n > 1 else None, value if n > 1 else None, n)
    result = stats.bootstrap(
        (data,),
        lambda x, axis: np.quantile(x, q, axis=axis),
        confidence_level=confidence,
        n_resamples=resamples,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(seed),
    )
    low, high = result.confidence_interval
    return Estimate(value, float(low), float(high), n)


def median_ci(values: Sequence[float] | np.ndarray | pd.Series, **kwargs: float) -> Estimate:
    """The median with a percentile-bootstrap CI.

    >>> median_ci([3.0, 1.0, 2.0]).value
    2.0
    """
    return quantile_ci(values, 0.5, **kwargs)  # type: ignore[arg-type]


def quantile_difference_ci(
    current: Sequence[float] | np.ndarray | pd.Series,
    previous: Sequence[float] | np.ndarray | pd.Series,
    q: float = 0.5,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Estimate:
    """Difference of the ``q`` quantiles (current − previous) with a two-sample bootstrap CI.

    A change is real only when the interval excludes 0 (docs/metrics.md §1.2).
    """
    a, b = _clean(current), _clean(previous)
    n = int(min(a.size, b.size))
    if a.size == 0 or b.size == 0:
        return Estimate(None, None, None, n)
    value = float(np.quantile(a, q) - np.quantile(b, q))
    if a.size < 2 or b.size < 2:
        return Estimate(value, None, None, n)
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, a.size, size=(resamples, a.size))
    ib = rng.integers(0, b.size, size=(resamples, b.size))
    diffs = np.quantile(a[ia], q, axis=1) - np.quantile(b[ib], q, axis=1)
    low, high = np.quantile(diffs, [0.025, 0.975])
    return Estimate(value, float(low), float(high), n)


def share(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator``, or None when there is nothing to divide by.

    >>> share(3, 4), share(0, 0)
    (0.75, None)
    """
    return None if denominator == 0 else numerator / denominator


def wilson_interval(successes: int, n: int, *, z: float = 1.959963984540054) -> tuple[float, float] | None:
    """Wilson score interval of a proportion (better than normal approximation at small n).

    >>> tuple(round(x, 4) for x in wilson_interval(8, 10))
    (0.4902, 0.9433)
    """
    if n == 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return float(centre - half), float(centre + half)


BOOTSTRAP_MAX_N = 1000  # above this many values a quantile's CI comes from order statistics


def quantile_estimate(values: Sequence[float] | np.ndarray | pd.Series, q: float) -> tuple[Estimate, str]:
    """The ``q`` quantile with its 95% CI and the method used (bootstrap, or order statistics for huge n).

    >>> est, method = quantile_estimate([1, 2, 3, 4, 10, 50, 51, 7], 0.9)
    >>> round(est.value, 1), est.n, method
    (50.3, 8, 'bootstrap')
    """
    data = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    data = data[np.isfinite(data)]
    if data.size <= BOOTSTRAP_MAX_N:
        return quantile_ci(data, q), "bootstrap"
    return order_statistic_ci(data, q), "order statistics"


def order_statistic_ci(values: np.ndarray, q: float, *, confidence: float = 0.95) -> Estimate:
    """Distribution-free CI of a quantile from binomial order statistics (large samples).

    >>> est = order_statistic_ci(np.arange(1, 10001, dtype=float), 0.5)
    >>> est.value, est.low < 5000 < est.high, est.n
    (5000.5, True, 10000)
    """
    data = np.sort(np.asarray(values, dtype=float))
    n = int(data.size)
    if n == 0:
        return Estimate(None, None, None, 0)
    alpha = (1 - confidence) / 2
    low_index = max(int(stats.binom.ppf(alpha, n, q)) - 1, 0)
    high_index = min(int(stats.binom.ppf(1 - alpha, n, q)), n - 1)
    return Estimate(float(np.quantile(data, q)), float(data[low_index]), float(data[high_index]), n)
