"""Scan speed of the cost pipeline's detection core: 10,000 daily series × 400 days in ≤ 10 s.

The series are synthetic daily costs (weekday/weekend cycle, growth, heavy-tailed noise, some
spikes and level shifts); the core is :func:`analytics.anomalies._seasonal.scan_daily` plus the
event extraction (:func:`~analytics.anomalies._seasonal.events_of`), exactly what
``cost_anomalies`` runs on the warehouse's series. Two baselines are measured in the same run: a
trailing 28-day rolling median of every series with pandas (``DataFrame.rolling(28).median()``,
a compiled skip-list) and the same with plain numpy (``sliding_window_view`` + ``np.median``);
the ratios say how many such single robust-baseline passes the full detector costs.

Usage::

    python bench/anomaly_scan.py                 # 10,000 × 400, prints the time and the ratio
    python bench/anomaly_scan.py --series 2000   # smaller
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from analytics.anomalies._seasonal import events_of, scan_daily

BUDGET_S = 10.0


def synthetic(n_series: int, n_days: int, seed: int = 7) -> np.ndarray:
    """Daily costs, days × series, with weekly cycles, growth, noise and a few planted events."""
    rng = np.random.default_rng(seed)
    day = np.arange(n_days)[:, None]
    base = np.exp(rng.normal(np.log(200), 1.2, n_series))[None, :]
    weekend = np.where(day % 7 >= 5, rng.uniform(0.6, 1.0, n_series)[None, :], 1.0)
    growth = (1 + rng.uniform(0, 0.03, n_series)[None, :]) ** (day / 30.4)
    noise = np.exp(rng.uniform(0.01, 0.05, n_series)[None, :] * rng.standard_t(6, (n_days, n_series)) / 1.22)
    values = base * weekend * growth * noise
    spikes = rng.random(n_series) < 0.1
    at = rng.integers(100, n_days, n_series)
    values[at[spikes], np.flatnonzero(spikes)] *= 3.0
    shifts = rng.random(n_series) < 0.05
    for j in np.flatnonzero(shifts):
        values[at[j]:, j] *= 1.5
    return values


def rolling_median_baseline(values: np.ndarray, window: int = 28) -> np.ndarray:
    """Trailing rolling median of every series (NaN for the first ``window`` days)."""
    out = np.full(values.shape, np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)  # (days-w+1, series, w)
    out[window:] = np.median(windows[:-1], axis=2)
    return out


def pandas_rolling_median(values: np.ndarray, window: int = 28) -> np.ndarray:
    """Trailing rolling median of every series with pandas (excluding the current day)."""
    return pd.DataFrame(values).rolling(window).median().shift(1).to_numpy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=400)
    args = parser.parse_args(argv)
    values = synthetic(args.series, args.days)
    began = time.perf_counter()
    pandas_rolling_median(values)
    pandas_s = time.perf_counter() - began
    began = time.perf_counter()
    rolling_median_baseline(values)
    numpy_s = time.perf_counter() - began
    began = time.perf_counter()
    scan = scan_daily(values)
    events = events_of(scan)
    seconds = time.perf_counter() - began
    print(f"{args.series:,} series × {args.days} days: detection core {seconds:.2f} s "
          f"({len(events):,} events, {int((scan.flag != 0).sum()):,} anomalous series-days)")
    print(f"baseline 28-day rolling median: pandas {pandas_s:.2f} s (core / baseline {seconds / pandas_s:.1f}×), "
          f"numpy {numpy_s:.2f} s (core / baseline {seconds / numpy_s:.1f}×)")
    verdict = "within" if seconds <= BUDGET_S else "OVER"
    print(f"{verdict} the {BUDGET_S:.0f} s budget")
    return 0  # a benchmark, not a test: a loaded machine should not fail `make bench`


if __name__ == "__main__":
    sys.exit(main())
