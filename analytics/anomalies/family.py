"""The one anomaly detector of the package: :func:`detect` (``analytics.anomalies.detect``).

One entry point, one output type, three modes; the settings object picks the mode:

========================  ================================================  ==========================
settings                  mode                                              used by
========================  ================================================  ==========================
:class:`CostSettings`     **cost**: daily spend, weekly seasonality, a      cost anomalies
(``SeasonalSettings``)    robust band, flagged days kept out of the          (:mod:`.cost`, which also
                          baseline (:mod:`._seasonal`)                       gates $ and %, and lists
                                                                             purchases and fees apart)
:class:`CountSettings`    **counts**: events per period, Poisson or          incident volume
                          negative-binomial tails (:mod:`._counts`)          (:mod:`.counts`)
:class:`MetricSettings`   **metric**: sub-daily metrics (the NAB case),      ``bench/nab_score.py``,
(``DetectorSettings``)    novelty gate + robust z + detected period +        metric series
                          refractory period (:mod:`.detectors`)
:class:`LikelihoodSettings`  **metric, opt-in**: raw score from robust z's +  ``bench/nab_score.py
                          novelty frequency, HTM anomaly likelihood,         --detector likelihood``
                          refractory period (:mod:`._likelihood`); not the
                          shipped default (docs/anomaly-quality.md)
========================  ================================================  ==========================

What the modes share, and what :func:`detect` guarantees for every one of them:

* **Causal**: the output for row ``t`` uses rows ``≤ t`` only.
* **Robust**: medians and IQR/MAD scales, never means and standard deviations of raw values, and
  an anomaly does not teach the baseline (flagged rows enter the history as their expected value
  in cost and counts mode; a refractory period follows an alarm in metric mode).
* **Bad input is reported, never a crash or a silent alarm**: NaN and ±Inf are missing rows
  (never flagged), empty, all-missing, constant and too-short series get a ``reason`` and no
  flag; with a timestamp index, duplicate and backward timestamps are kept as rows in the order
  given and counted in ``notes`` (rows are taken as equally spaced, as NAB does).
* One output (:class:`Detections`): per row and series a ``flag`` (+1 high, −1 low, 0), a
  ``score`` in [0, 1] (≥ 0.5 exactly where flagged) and the ``expected`` value where the mode has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.anomalies._arrays import numeric_matrix
from analytics.anomalies._counts import DEFAULT_COUNT_SETTINGS, CountScan, CountSettings, count_events, scan_counts
from analytics.anomalies._likelihood import DEFAULT_LIKELIHOOD, LikelihoodSettings, detect_likelihood
from analytics.anomalies._seasonal import DEFAULT_SEASONAL, Scan, SeasonalSettings, events_of, scan_daily
from analytics.anomalies.detectors import DEFAULT_SETTINGS, DetectorSettings, detect_many
from analytics.errors import ParameterError

__all__ = [
    "DEFAULTS",
    "NAB_DETECTORS",
    "CostSettings",
    "CountSettings",
    "Detections",
    "LikelihoodSettings",
    "MetricSettings",
    "Settings",
    "detect",
    "mode_of",
]

FloatArray = npt.NDArray[np.float64]

CostSettings = SeasonalSettings
"""Settings of the cost mode (daily spend)."""
MetricSettings = DetectorSettings
"""Settings of the metric mode (sub-daily metrics, the NAB case)."""
Settings = SeasonalSettings | CountSettings | DetectorSettings | LikelihoodSettings
DEFAULTS: Final[dict[str, Settings]] = {"cost": DEFAULT_SEASONAL, "counts": DEFAULT_COUNT_SETTINGS,
                                        "metric": DEFAULT_SETTINGS}
"""The shipped settings of each mode: what the product runs and what the benchmarks score."""


def mode_of(settings: Settings) -> str:
    """``cost``, ``counts`` or ``metric`` for a settings object."""
    if isinstance(settings, SeasonalSettings):
        return "cost"
    if isinstance(settings, CountSettings):
        return "counts"
    if isinstance(settings, DetectorSettings | LikelihoodSettings):
        return "metric"
    raise ParameterError(f"settings must be CostSettings, CountSettings or MetricSettings, got {type(settings)!r}")


@dataclass(frozen=True)
class Detections:
    """What :func:`detect` found, rows × series (a 1-D input is one series)."""

    mode: str
    flag: npt.NDArray[np.int8]
    """+1 anomalously high, −1 anomalously low, 0 otherwise."""
    score: FloatArray
    """Strength in [0, 1]; ≥ 0.5 exactly on flagged rows."""
    expected: FloatArray
    """Expected value (NaN where the mode has none or the row is not judged)."""
    reasons: tuple[str | None, ...]
    """Per series: why nothing can be flagged (None when the series is judged)."""
    notes: tuple[str, ...]
    """Per series: facts about the input worth reporting (missing rows, timestamps out of order)."""
    settings: Settings
    scan: Scan | None = None
    """The cost mode's full scan (band, z) for charts and events."""
    count_scans: tuple[CountScan, ...] = ()
    """The counts mode's per-series scans (p-values, models)."""

    def nab_scores(self, column: int = 0) -> FloatArray:
        """NAB ``anomaly_score`` column of one series: 1.0 on flagged rows, else 0.0."""
        return (self.flag[:, column] != 0).astype(np.float64)

    def events(self, column: int | None = None) -> pd.DataFrame:
        """Events: runs of flagged rows (cost: :func:`~._seasonal.events_of`; counts: consecutive
        flagged periods; metric: one row per alarm). ``column`` picks one series (counts, metric)."""
        if self.mode == "cost":
            assert self.scan is not None
            return events_of(self.scan)
        cols = range(self.flag.shape[1]) if column is None else [column]
        if self.mode == "counts":
            frames = [count_events(self.count_scans[j]).assign(series=j) for j in cols]
            out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
            return out.drop(columns="series") if column is not None else out
        rows = [(j, int(t), float(self.score[t, j])) for j in cols for t in np.flatnonzero(self.flag[:, j])]
        return pd.DataFrame(rows, columns=["series", "row", "score"])


def _values_and_notes(series: Any) -> tuple[FloatArray, list[str]]:
    """Numeric rows × series and what is worth saying about the input's timestamps and values."""
    notes: list[str] = []
    index = getattr(series, "index", None)
    values = series.to_numpy(dtype=np.float64, na_value=np.nan) if isinstance(
        series, pd.Series | pd.DataFrame) else series
    arr = numeric_matrix(values)
    if isinstance(index, pd.DatetimeIndex) and len(index) > 1:
        steps = np.diff(index.asi8)
        if (steps < 0).any():
            notes.append(f"{int((steps < 0).sum())} timestamp(s) step back in time (rows kept in the order given)")
        if (steps == 0).any():
            notes.append(f"{int((steps == 0).sum())} duplicate timestamp(s) (each row kept)")
    return arr, notes


def _missing_notes(arr: FloatArray) -> list[str]:
    """Per series: how many rows are NaN or ±Inf (missing for every mode)."""
    out = []
    for j in range(arr.shape[1]):
        nan, inf = int(np.isnan(arr[:, j]).sum()), int(np.isinf(arr[:, j]).sum())
        parts = [f"{nan} missing (NaN) row(s)" if nan else "",
                 f"{inf} infinite row(s) treated as missing" if inf else ""]
        out.append("; ".join(p for p in parts if p))
    return out


def _joined(*parts: str) -> str:
    """Non-empty notes joined with ``; ``."""
    return "; ".join(p for p in parts if p)


def _score(strength: FloatArray, flag: npt.NDArray[np.int8]) -> FloatArray:
    """``s/(1+s)`` of a strength that is ≥ 1 exactly on flagged rows (so the score is ≥ 0.5 there)."""
    s = np.where(flag != 0, np.maximum(strength, 1.0), np.minimum(strength, 0.99))
    return s / (1.0 + s)


def detect(series: npt.ArrayLike | pd.Series | pd.DataFrame, settings: Settings = DEFAULT_SETTINGS) -> Detections:
    """Detect anomalies in one series (1-D) or several (rows × series) with the mode of ``settings``.

    >>> x = np.r_[np.tile([10.0, 12.0, 11.0, 13.0], 100), [60.0], np.tile([10.0, 12.0], 50)]
    >>> np.flatnonzero(detect(x).flag[:, 0]).tolist()                      # metric mode (default)
    [400]
    >>> week = np.tile([100.0, 100, 100, 100, 100, 40, 40], 10); week[63] += 60.0
    >>> np.flatnonzero(detect(week, DEFAULTS["cost"]).flag[:, 0]).tolist()  # cost mode
    [63]
    >>> d = detect([2, 2, 2, 2, 2, 2, 2, 2, 9], CountSettings(window=8))     # counts mode
    >>> d.flag[:, 0].tolist(), d.expected[8, 0]
    ([0, 0, 0, 0, 0, 0, 0, 0, 1], np.float64(2.0))
    >>> detect([np.nan] * 300).reasons, detect(np.full(300, 3.0)).reasons
    (('no finite values',), ('constant series',))
    """
    mode = mode_of(settings)
    arr, input_notes = _values_and_notes(series)
    missing = _missing_notes(arr)
    n_rows, n_series = arr.shape
    if mode == "cost":
        assert isinstance(settings, SeasonalSettings)
        scan = scan_daily(arr, settings=settings)
        with np.errstate(invalid="ignore", divide="ignore"):
            strength = np.nan_to_num(np.abs(scan.z) / settings.z_threshold, nan=0.0, posinf=0.0)
        notes = tuple(_joined(*input_notes, scan.notes[j]) for j in range(n_series))
        return Detections(mode, scan.flag, _score(strength, scan.flag), scan.expected, scan.reasons, notes, settings,
                          scan)
    if mode == "counts":
        assert isinstance(settings, CountSettings)
        scans = tuple(scan_counts(arr[:, j], settings=settings) for j in range(n_series))
        flag = np.stack([s.flag for s in scans], axis=1) if scans else np.zeros((n_rows, 0), np.int8)
        expected = np.stack([s.expected for s in scans], axis=1) if scans else np.zeros((n_rows, 0))
        p = np.stack([s.p_value for s in scans], axis=1) if scans else np.zeros((n_rows, 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            strength = np.nan_to_num(np.log(np.clip(p, 1e-300, 1.0)) / np.log(settings.alpha), nan=0.0)
        reasons = tuple(_count_reason(s, settings) for s in scans)
        notes = tuple(_joined(*input_notes, missing[j]) for j in range(n_series))
        return Detections(mode, flag, _score(strength, flag), expected, reasons, notes, settings,
                          count_scans=scans)
    if isinstance(settings, LikelihoodSettings):
        found = detect_likelihood(arr, settings=settings)
    else:
        assert isinstance(settings, DetectorSettings)
        found = detect_many(arr, settings=settings)
    flag = np.stack([d.alarm for d in found], axis=1).astype(np.int8) if found else np.zeros((n_rows, 0), np.int8)
    strength = np.stack([d.score / (1.0 - d.score) for d in found], axis=1) if found else np.zeros((n_rows, 0))
    score = _score(strength, flag)  # candidates the refractory period suppressed stay below 0.5
    notes = tuple(_joined(*input_notes, missing[j]) for j in range(n_series))
    return Detections(mode, flag, score, np.full((n_rows, n_series), np.nan), tuple(d.reason for d in found), notes,
                      settings)


def _count_reason(scan: CountScan, settings: CountSettings) -> str | None:
    """Why a count series is never judged, or None."""
    finite = scan.counts[np.isfinite(scan.counts)]
    if finite.size == 0:
        return "no finite counts"
    if finite.size <= settings.min_history:
        return f"too short: {finite.size} period(s), needs more than {settings.min_history}"
    return None


def _shipped_metric_scores(values: npt.ArrayLike) -> FloatArray:
    """NAB ``anomaly_score`` of :func:`detect` in metric mode with the shipped defaults."""
    return detect(np.asarray(values, dtype=np.float64), DEFAULTS["metric"]).nab_scores()


def _null_scores(values: npt.ArrayLike) -> FloatArray:
    """The null detector: never alarms (NAB score 0 by construction)."""
    return np.zeros(np.asarray(values).shape[0])


def _novelty_gate_scores(values: npt.ArrayLike) -> FloatArray:
    """NAB ``anomaly_score`` of the novelty-gate design with its defaults."""
    return detect(np.asarray(values, dtype=np.float64), DEFAULT_SETTINGS).nab_scores()


def _likelihood_scores(values: npt.ArrayLike) -> FloatArray:
    """NAB ``anomaly_score`` of the likelihood design with its defaults."""
    return detect(np.asarray(values, dtype=np.float64), DEFAULT_LIKELIHOOD).nab_scores()


NAB_DETECTORS: Final = {"opsreview": _shipped_metric_scores, "noveltyGate": _novelty_gate_scores,
                        "likelihood": _likelihood_scores, "null": _null_scores}
"""What ``bench/nab_score.py`` can score: the shipped detector (metric mode, shipped defaults) and null."""
