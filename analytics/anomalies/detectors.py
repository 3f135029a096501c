"""The metric mode of :func:`analytics.anomalies.detect`: a causal "novelty gate" for sub-daily
metrics (the NAB case). Call it through ``analytics.anomalies.detect(series, MetricSettings())``.

A row raises a candidate alarm when two independent things are true:

1. **Novelty.** Values are quantised into ``n_bins`` levels using the running minimum and maximum
   (rows so far, current row included), and the last ``context_rows`` levels form a context.
   The row is novel when its context has never occurred before in the series.
2. **Deviation.** At least one robust z-score is large: the row against the trailing
   ``window_rows`` rows (midhinge and IQR), the mean of the last ``level_rows`` rows against the
   window before them, or the seasonal residual (the row minus the median of the same phase in
   the previous ``seasonal_cycles`` cycles, with the period re-estimated at fixed checkpoints from
   the rows before each checkpoint) against its own trailing midhinge and IQR.

The per-row ``score`` is ``s/(1+s)`` where ``s`` is the largest z-score divided by its threshold on
novel rows (0 elsewhere), so ``score ≥ 0.5`` exactly on candidate rows.

Candidates are thinned by a refractory period: after an alarm on row ``t`` the next one may come
no earlier than ``max(suppress_min_rows, floor(suppress_fraction · t))`` rows later, a causal
stand-in for "a fraction of the file length".

Everything at row ``t`` depends on rows ``≤ t`` only, so the output for a prefix of a series is
the prefix of the output. All statistics are vectorised over rows and over series: :func:`detect`
handles one series, :func:`detect_many` a ``(rows, series)`` matrix in one pass.

Bad input has a defined outcome: non-finite values are treated as missing (carried forward for the
statistics, never alarmed on), finite values are clipped to ``±1e100`` so no statistic overflows,
negative values are ordinary values, and a series that is too short, constant or has no finite
value gets no alarm and a ``reason``. Timestamps are not used: rows are taken as equally spaced,
so a gap in time is just the next row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.typing import Rolling
from scipy.stats import rankdata

from analytics.anomalies._arrays import numeric_matrix
from analytics.errors import ParameterError

__all__ = [
    "DEFAULT_SETTINGS",
    "Detection",
    "DetectorSettings",
    "detect",
    "detect_many",
    "estimate_period",
    "refractory_alarms",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

VALUE_CLIP: Final = 1e100
"""Finite values are clipped to ``±VALUE_CLIP`` so that squares and sums stay finite."""
_IQR_TO_SIGMA: Final = 1.349
_TINY_SCALE: Final = 1e-9


@dataclass(frozen=True)
class DetectorSettings:
    """Settings of the novelty-gate detector; the defaults are the shipped configuration.

    The defaults were chosen on the 34-file NAB subset (see ``docs/anomaly-quality.md``); they are
    counted in rows, so series sampled much more coarsely than NAB's 5-minute data (for example
    daily costs) need their own settings.
    """

    warmup_rows: int = 150
    """No alarm before this many rows have been seen."""
    window_rows: int = 500
    """Trailing rows behind every midhinge and IQR."""
    min_history_rows: int = 100
    """A z-score needs at least this many finite rows in its trailing window."""
    level_rows: int = 6
    """Rows averaged by the level-shift z-score."""
    z_threshold: float = 6.0
    """Gate on the point z-score; the level z-score must reach twice this."""
    seasonal_z_threshold: float = 8.0
    """Gate on the seasonal-residual z-score."""
    seasonal_cycles: int = 3
    """Previous cycles whose median is the seasonal expectation."""
    seasonal_scale_floor: float = 0.05
    """The residual's scale is at least this fraction of the series' own IQR scale."""
    period_checkpoints: tuple[int, ...] = (256, 512, 1024, 2048, 4096, 8192)
    """Rows at which the period is re-estimated from all earlier rows."""
    period_min_acf: float = 0.4
    """Minimum autocorrelation (of ranks) for a period to be accepted."""
    n_bins: int = 10
    """Quantisation levels of the novelty context."""
    context_rows: int = 3
    """Rows in a novelty context."""
    suppress_fraction: float = 0.05
    """Refractory period after an alarm on row ``t``, as a fraction of ``t``."""
    suppress_min_rows: int = 20
    """Shortest refractory period, in rows."""

    def __post_init__(self) -> None:
        """Reject settings that make no sense."""
        positive = {
            "window_rows": self.window_rows,
            "min_history_rows": self.min_history_rows,
            "level_rows": self.level_rows,
            "seasonal_cycles": self.seasonal_cycles,
            "n_bins": self.n_bins,
            "context_rows": self.context_rows,
            "suppress_min_rows": self.suppress_min_rows,
            "z_threshold": self.z_threshold,
            "seasonal_z_threshold": self.seasonal_z_threshold,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ParameterError(f"detector setting {name} must be > 0, got {value!r}")
        if self.min_history_rows > self.window_rows:
            raise ParameterError("min_history_rows cannot exceed window_rows")
        if self.warmup_rows < 0 or self.suppress_fraction < 0 or self.seasonal_scale_floor < 0:
            raise ParameterError(
                "warmup_rows, suppress_fraction and seasonal_scale_floor must be ≥ 0"
            )
        if (self.n_bins + 2) ** self.context_rows > 2**40:
            raise ParameterError("n_bins and context_rows give too many contexts")
        if any(c < 8 for c in self.period_checkpoints) or list(self.period_checkpoints) != sorted(
            set(self.period_checkpoints)
        ):
            raise ParameterError("period_checkpoints must be increasing integers ≥ 8")


DEFAULT_SETTINGS: Final = DetectorSettings()


@dataclass(frozen=True)
class Detection:
    """Per-row output for one series: alarms, a score in [0, 1] and why nothing could fire."""

    alarm: BoolArray
    score: FloatArray
    reason: str | None = None

    @property
    def nab_scores(self) -> FloatArray:
        """NAB ``anomaly_score`` column: 1.0 on alarm rows, else 0.0."""
        return self.alarm.astype(np.float64)


def _as_matrix(values: npt.ArrayLike) -> FloatArray:
    """Values as a float ``(rows, series)`` matrix; non-finite → NaN, finite clipped."""
    arr = numeric_matrix(values)
    arr[~np.isfinite(arr)] = np.nan
    return np.clip(arr, -VALUE_CLIP, VALUE_CLIP)


def _stacked_rolling(
    matrix: FloatArray, *, window: int, min_periods: int, shift: int
) -> tuple[Rolling, int]:
    """One rolling object over all columns, stacked with NaN gaps so windows never mix series."""
    n_rows, n_series = matrix.shape
    pad = window + shift
    stacked = np.full((n_rows + pad, n_series), np.nan)
    stacked[pad:] = matrix
    flat = pd.Series(stacked.ravel(order="F")).shift(shift)
    return flat.rolling(window, min_periods=min_periods), pad


def _unstacked(values: pd.Series, *, shape: tuple[int, int], pad: int) -> FloatArray:
    """Inverse of the stacking in :func:`_stacked_rolling`."""
    n_rows, n_series = shape
    return values.to_numpy().reshape((n_rows + pad, n_series), order="F")[pad:]


def trailing_location_scale(
    matrix: FloatArray, *, window: int, min_periods: int, shift: int = 1, with_std: bool = True
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Midhinge, IQR/1.349 and standard deviation of the ``window`` rows ending ``shift`` back.

    The midhinge ``(Q1 + Q3)/2`` is Tukey's robust location; using it instead of the median saves
    a third rolling quantile, the costliest operation of the detector.

    >>> loc, scale, _ = trailing_location_scale(np.arange(10.0)[:, None], window=4, min_periods=4)
    >>> loc[5, 0], round(float(scale[5, 0]), 4)
    (np.float64(2.5), 1.1119)
    """
    roll, pad = _stacked_rolling(matrix, window=window, min_periods=min_periods, shift=shift)
    q1 = _unstacked(roll.quantile(0.25), shape=matrix.shape, pad=pad)
    q3 = _unstacked(roll.quantile(0.75), shape=matrix.shape, pad=pad)
    std = (
        _unstacked(roll.std(), shape=matrix.shape, pad=pad) if with_std else np.zeros(matrix.shape)
    )
    return (q1 + q3) / 2.0, (q3 - q1) / _IQR_TO_SIGMA, std


def _shifted_down(matrix: FloatArray, rows: int) -> FloatArray:
    """The matrix moved ``rows`` rows later in time (NaN on top)."""
    out = np.full(matrix.shape, np.nan)
    if rows < matrix.shape[0]:
        out[rows:] = matrix[: matrix.shape[0] - rows]
    return out


def _robust_scale(location: FloatArray, iqr: FloatArray, std: FloatArray) -> FloatArray:
    """IQR scale, floored by a fifth of the standard deviation and a relative epsilon."""
    scale = np.fmax(iqr, 0.2 * std)
    return np.fmax(scale, _TINY_SCALE * (np.abs(location) + 1.0))


def point_and_level_z(
    filled: FloatArray, *, settings: DetectorSettings = DEFAULT_SETTINGS
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Robust z of each row and of the last ``level_rows`` rows' mean (× √k); also the IQR scale."""
    win, minp, k = settings.window_rows, settings.min_history_rows, settings.level_rows
    loc, iqr, std = trailing_location_scale(filled, window=win, min_periods=minp)
    point = (filled - loc) / _robust_scale(loc, iqr, std)
    roll_k, pad = _stacked_rolling(filled, window=k, min_periods=k, shift=0)
    mean_k = _unstacked(roll_k.mean(), shape=filled.shape, pad=pad)
    loc_k, iqr_k, std_k = (_shifted_down(m, k - 1) for m in (loc, iqr, std))
    level = (mean_k - loc_k) / _robust_scale(loc_k, iqr_k, std_k) * np.sqrt(k)
    return point, level, iqr


def estimate_periods(history: FloatArray, *, min_acf: float = 0.4, min_lag: int = 4) -> IntArray:
    """Dominant period in rows of each column (0 if none); see :func:`estimate_period`."""
    n, n_series = history.shape
    periods = np.zeros(n_series, dtype=np.int64)
    finite = np.isfinite(history)
    spread = np.nanmax(np.where(finite, history, -np.inf), axis=0) - np.nanmin(
        np.where(finite, history, np.inf), axis=0
    )
    usable = (finite.sum(axis=0) >= 64) & (spread > 0)
    max_lag = n // 3
    if not usable.any() or max_lag <= min_lag:
        return periods
    cols = np.flatnonzero(usable)
    ranks = rankdata(history[:, cols], axis=0, nan_policy="omit")
    centred = np.nan_to_num(ranks - np.nanmean(ranks, axis=0), nan=0.0)
    spectrum = np.fft.rfft(centred, 2 * n, axis=0)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), axis=0)[:max_lag]
    acf = acf / acf[0]
    below = acf[min_lag:] < 0
    has_dip = below.any(axis=0)
    start = min_lag + np.argmax(below, axis=0)
    lags = np.arange(max_lag)[:, None]
    after = np.where(lags >= start[None, :], acf, -np.inf)
    best = np.argmax(after, axis=0)
    ok = has_dip & (start < max_lag) & (acf[best, np.arange(cols.size)] >= min_acf)
    periods[cols[ok]] = best[ok]
    return periods


def estimate_period(history: npt.ArrayLike, *, min_acf: float = 0.4, min_lag: int = 4) -> int:
    """Dominant period in rows (0 if none): the highest rank-autocorrelation peak after it dips.

    >>> estimate_period(np.tile([0.0, 0.0, 1.0, 5.0, 9.0, 5.0, 1.0, 0.0], 40))
    8
    >>> estimate_period(np.arange(200.0))
    0
    """
    h = np.asarray(history, dtype=np.float64).reshape(-1, 1)
    return int(estimate_periods(h, min_acf=min_acf, min_lag=min_lag)[0])


def seasonal_residuals(
    filled: FloatArray, *, settings: DetectorSettings = DEFAULT_SETTINGS
) -> FloatArray:
    """Row minus the median of the same phase in previous cycles; NaN where no period is known."""
    n_rows = filled.shape[0]
    resid = np.full(filled.shape, np.nan)
    cycles = settings.seasonal_cycles
    marks = [c for c in settings.period_checkpoints if c < n_rows]
    for i, start in enumerate(marks):
        stop = marks[i + 1] if i + 1 < len(marks) else n_rows
        periods = estimate_periods(filled[:start], min_acf=settings.period_min_acf)
        for period in np.unique(periods[periods > 0]):
            first = max(start, cycles * int(period))
            if first >= stop:
                continue
            cols = np.flatnonzero(periods == period)
            rows = np.arange(first, stop)
            lagged = np.stack(
                [filled[np.ix_(rows - c * int(period), cols)] for c in range(1, cycles + 1)]
            )
            resid[np.ix_(rows, cols)] = filled[np.ix_(rows, cols)] - np.median(lagged, axis=0)
    return resid


def seasonal_z(
    filled: FloatArray, x_scale: FloatArray, *, settings: DetectorSettings = DEFAULT_SETTINGS
) -> FloatArray:
    """Robust z of the seasonal residual against its own trailing midhinge and IQR.

    The residual's scale is floored at ``seasonal_scale_floor`` times the series' IQR scale
    ``x_scale``, so a perfectly periodic history does not turn rounding noise into alarms.
    """
    resid = seasonal_residuals(filled, settings=settings)
    loc, iqr, _ = trailing_location_scale(
        resid,
        window=settings.window_rows,
        min_periods=settings.min_history_rows // 2,
        with_std=False,
    )
    scale = np.fmax(iqr, settings.seasonal_scale_floor * x_scale)
    scale = np.fmax(scale, _TINY_SCALE * (np.abs(loc) + 1.0))
    return (resid - loc) / scale


def novel_contexts(
    filled: FloatArray, *, settings: DetectorSettings = DEFAULT_SETTINGS
) -> BoolArray:
    """Whether each row's context of quantised levels occurs for the first time in its series."""
    n_rows, n_series = filled.shape
    nb, depth = settings.n_bins, settings.context_rows
    lo = np.fmin.accumulate(filled, axis=0)
    hi = np.fmax.accumulate(filled, axis=0)
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.where(span > 0, (filled - lo) / np.where(span > 0, span, 1.0), 0.5)
    scaled = np.clip(np.floor(np.nan_to_num(unit, nan=0.0) * nb), 0, nb - 1)
    levels = np.where(np.isnan(filled), nb, scaled).astype(np.int64)
    code = np.zeros(filled.shape, dtype=np.int64)
    for lag in range(depth):
        shifted = np.full(filled.shape, nb + 1, dtype=np.int64)
        shifted[lag:] = levels[: n_rows - lag]
        code = code * (nb + 2) + shifted
    key = (code + np.arange(n_series, dtype=np.int64) * (nb + 2) ** depth).ravel(order="F")
    order = np.argsort(key, kind="stable")
    first = np.ones(key.size, dtype=bool)
    first[order[1:]] = key[order[1:]] != key[order[:-1]]
    return first.reshape((n_rows, n_series), order="F")


def refractory_alarms(candidates: npt.ArrayLike, *, fraction: float, min_rows: int) -> BoolArray:
    """Keep a candidate on row ``t`` only if ``max(min_rows, ⌊fraction·t⌋)`` rows passed since.

    >>> refractory_alarms([0, 1, 1, 1, 0, 1, 1], fraction=0.0, min_rows=3).astype(int).tolist()
    [0, 1, 0, 0, 0, 1, 0]
    """
    cand = np.asarray(candidates, dtype=bool)
    out = np.zeros(cand.shape, dtype=bool)
    idx = np.flatnonzero(cand)
    i = 0
    while i < idx.size:
        t = int(idx[i])
        out[t] = True
        gap = max(min_rows, int(fraction * t))
        i = int(np.searchsorted(idx, t + gap, side="left"))
    return out


def _forward_filled(matrix: FloatArray) -> FloatArray:
    """Carry the last finite value forward (leading NaNs stay NaN)."""
    return pd.DataFrame(matrix).ffill().to_numpy()


def _reason(column: FloatArray, settings: DetectorSettings) -> str | None:
    """Why a series cannot raise any alarm, or None."""
    finite = column[np.isfinite(column)]
    if finite.size == 0:
        return "no finite values"
    if column.size <= settings.warmup_rows:
        return f"too short: {column.size} rows, warm-up is {settings.warmup_rows}"
    if np.ptp(finite) == 0:
        return "constant series"
    return None


def detect_many(
    values: npt.ArrayLike, *, settings: DetectorSettings = DEFAULT_SETTINGS
) -> list[Detection]:
    """Run the detector on each column of a ``(rows, series)`` matrix (or one 1-D series)."""
    raw = _as_matrix(values)
    n_rows, n_series = raw.shape
    if n_rows == 0:
        return [Detection(np.zeros(0, bool), np.zeros(0), "empty series") for _ in range(n_series)]
    filled = _forward_filled(raw)
    point, level, x_scale = point_and_level_z(filled, settings=settings)
    season = seasonal_z(filled, x_scale, settings=settings)
    strength = np.fmax(
        np.fmax(np.abs(point) / settings.z_threshold, np.abs(level) / (2 * settings.z_threshold)),
        np.abs(season) / settings.seasonal_z_threshold,
    )
    strength = np.nan_to_num(strength, nan=0.0, posinf=0.0)
    novel = novel_contexts(filled, settings=settings)
    strength = np.where(novel & np.isfinite(raw), strength, 0.0)
    strength[: settings.warmup_rows] = 0.0
    score = strength / (1.0 + strength)
    out: list[Detection] = []
    for j in range(n_series):
        reason = _reason(raw[:, j], settings)
        if reason is not None:
            logger.debug("series %d: no alarms possible (%s)", j, reason)
            out.append(Detection(np.zeros(n_rows, bool), np.zeros(n_rows), reason))
            continue
        alarm = refractory_alarms(
            strength[:, j] >= 1.0,
            fraction=settings.suppress_fraction,
            min_rows=settings.suppress_min_rows,
        )
        out.append(Detection(alarm, score[:, j], None))
    return out


def detect(values: npt.ArrayLike, *, settings: DetectorSettings = DEFAULT_SETTINGS) -> Detection:
    """Run the detector on one series.

    >>> x = np.r_[np.tile([10.0, 12.0, 11.0, 13.0], 100), [60.0], np.tile([10.0, 12.0], 50)]
    >>> d = detect(x)
    >>> np.flatnonzero(d.alarm).tolist(), d.reason
    ([400], None)
    >>> detect(np.full(500, 3.0)).reason
    'constant series'
    """
    arr = _as_matrix(values)
    if np.ndim(values) != 1:
        raise ParameterError(f"detect() takes one 1-D series, got shape {np.shape(values)}")
    return detect_many(arr, settings=settings)[0]
