"""The counts core of :func:`analytics.anomalies.detect`: Poisson / negative-binomial tails per period.

See :mod:`analytics.anomalies.counts` for the method; this module holds the per-series scan so
that the detector family (:mod:`analytics.anomalies.family`) and the warehouse entry points share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analytics.errors import ParameterError

FloatArray = npt.NDArray[np.float64]
Grain = Literal["day", "week"]


@dataclass(frozen=True)
class CountSettings:
    """Settings of the count detector; the defaults are the shipped configuration."""

    grain: Grain = "week"
    """Count incidents per ISO week (Monday start) or per UTC day."""
    window: int = 13
    """Periods behind the expected count (13 weeks = a quarter; use ~56 for days)."""
    min_history: int = 8
    """Periods of history before a series is judged."""
    alpha: float = 0.001
    """Tail probability at or below which a count is anomalous."""
    min_count: int = 5
    """Smallest count that can be anomalous."""
    history_periods: int = 26
    """Periods read before the reporting period."""

    def __post_init__(self) -> None:
        """Reject settings that make no sense."""
        if self.grain not in ("day", "week"):
            raise ParameterError(f"grain must be day or week, got {self.grain!r}")
        if self.window < 2 or self.min_history < 2 or self.min_history > self.window:
            raise ParameterError("need 2 ≤ min_history ≤ window")
        if not 0 < self.alpha < 1 or self.min_count < 1 or self.history_periods < self.min_history:
            raise ParameterError("need 0 < alpha < 1, min_count ≥ 1 and history_periods ≥ min_history")


DEFAULT_COUNT_SETTINGS: Final = CountSettings()


def tail_probability(count: int, mean: float, variance: float) -> tuple[float, str]:
    """``P(X ≥ count)`` under Poisson(mean) or, when ``variance > mean``, the moment-matched negative binomial.

    >>> p, model = tail_probability(9, 2.0, 2.0)
    >>> model, round(p, 6), round(float(stats.poisson.sf(8, 2.0)), 6)
    ('poisson', 0.000237, 0.000237)
    >>> tail_probability(9, 2.0, 6.0)[1]
    'negative binomial'
    """
    if count <= 0:
        return 1.0, "poisson"
    if variance > mean > 0:
        n = mean * mean / (variance - mean)
        p = mean / variance
        return float(stats.nbinom.sf(count - 1, n, p)), "negative binomial"
    return float(stats.poisson.sf(count - 1, mean)), "poisson"


@dataclass(frozen=True)
class CountScan:
    """Per-period output of :func:`scan_counts` for one series."""

    counts: FloatArray
    """The input after cleaning: NaN for missing (non-finite or negative), integers rounded."""
    expected: FloatArray
    """Expected count ``μ`` (NaN where the period is not judged)."""
    p_value: FloatArray
    """``P(X ≥ x)`` under the period's model (NaN where not judged)."""
    flag: npt.NDArray[np.int8]
    """1 on anomalous periods, else 0 (only increases are judged)."""
    model: tuple[str, ...]
    """Per period: ``poisson``, ``negative binomial`` or ``""`` where not judged."""


def scan_counts(counts: npt.ArrayLike, *, settings: CountSettings = DEFAULT_COUNT_SETTINGS) -> CountScan:
    """Judge every period of one count series (see the module docstring); causal.

    >>> s = scan_counts([2, 2, 2, 2, 2, 2, 2, 2, 9], settings=CountSettings(window=8))
    >>> s.flag.tolist(), float(s.expected[8])
    ([0, 0, 0, 0, 0, 0, 0, 0, 1], 2.0)
    """
    raw = np.asarray(counts, dtype=np.float64).ravel()
    valid = np.isfinite(raw) & (raw >= 0)
    x = np.where(valid, np.round(raw), np.nan)
    history = x.copy()
    n = x.size
    expected, p_value = np.full(n, np.nan), np.full(n, np.nan)
    flag = np.zeros(n, dtype=np.int8)
    model = [""] * n
    for t in range(n):
        window = history[max(0, t - settings.window):t]
        window = window[np.isfinite(window)]
        if window.size < settings.min_history or not np.isfinite(x[t]):
            continue
        mean = float(window.mean())
        variance = float(window.var(ddof=1)) if window.size > 1 else mean
        if mean == 0.0:
            mean, variance = 0.5 / settings.window, 0.5 / settings.window
        p, model[t] = tail_probability(int(x[t]), mean, variance)
        expected[t], p_value[t] = mean, p
        if p <= settings.alpha and x[t] >= settings.min_count and x[t] > mean:
            flag[t] = 1
            history[t] = mean
    return CountScan(x, expected, p_value, flag, tuple(model))


def count_events(scan: CountScan) -> pd.DataFrame:
    """Consecutive flagged periods as one event: start/end index, actual, expected, excess, p-value."""
    rows: list[dict[str, Any]] = []
    for t in np.flatnonzero(scan.flag):
        actual, mean, p = int(scan.counts[t]), float(scan.expected[t]), float(scan.p_value[t])
        if rows and rows[-1]["end"] == t - 1:
            last = rows[-1]
            last.update(end=int(t), periods=int(last["periods"]) + 1, actual=int(last["actual"]) + actual,
                        expected=float(last["expected"]) + mean, p_value=min(float(last["p_value"]), p))
        else:
            rows.append({"start": int(t), "end": int(t), "periods": 1, "actual": actual, "expected": mean,
                         "p_value": p, "model": scan.model[t]})
    frame = pd.DataFrame(rows, columns=["start", "end", "periods", "actual", "expected", "p_value", "model"])
    frame["excess"] = frame["actual"] - frame["expected"]
    return frame


