"""A faithful re-implementation of the Numenta Anomaly Benchmark (NAB v1.1) "sweep" scorer.

The algorithm is the one in ANOMALIES.md §1.3 (``nab/sweeper.py`` at ``ea702d7``):

* the first ``P = min(floor(0.15·N), 750)`` rows of a file are never scored;
* each inclusive window ``[L, R]`` (width ``W``) pays ``A_TP·σ(−(R−i+1)/W)/σ(−1)`` for its
  earliest detection, or ``−A_FN`` when it has none;
* every detection outside a window costs ``A_FP·σ(|i−R'|/(W'−1))`` relative to the most recent
  preceding window ``[L', R']``, or ``−A_FP`` when no window precedes it;
* one threshold per detector and profile maximises the corpus total (candidates: every distinct
  score and 1.1; ties go to the highest threshold);
* ``NAB = 100·(S − S_null)/(S_perfect − S_null)`` with ``S_null = −A_FN·#windows`` and
  ``S_perfect = A_TP·#windows``.

Here ``σ(y) = 2/(1 + e^{5y}) − 1``, and ``σ(y) = −1`` for ``y > 3``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.errors import UsageError

__all__ = [
    "PROFILES",
    "Corpus",
    "FileScore",
    "NabCorpusError",
    "NabFile",
    "NabResult",
    "Profile",
    "load_corpus",
    "nab_file",
    "normalised_score",
    "optimal_threshold",
    "probationary_rows",
    "row_weights",
    "row_window_ids",
    "scaled_sigmoid",
    "score_corpus",
    "score_file",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NO_DETECTION_THRESHOLD: Final = 1.1
"""The candidate threshold that means "detect nothing"."""
PROBATION_FRACTION: Final = 0.15
PROBATION_CAP: Final = 750
TIE_TOLERANCE: Final = 1e-9
"""Corpus totals closer than this are a tie (cumulative sums differ from direct sums by ~1e-15)."""
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


class NabCorpusError(UsageError, ValueError):
    """A NAB corpus or a detector's output for it is malformed (the message names the file)."""


@dataclass(frozen=True)
class Profile:
    """Application profile: rewards and costs of NAB's three outcome kinds."""

    name: str
    a_tp: float
    a_fp: float
    a_fn: float


PROFILES: Final[Mapping[str, Profile]] = {
    "standard": Profile("standard", a_tp=1.0, a_fp=0.11, a_fn=1.0),
    "reward_low_FP_rate": Profile("reward_low_FP_rate", a_tp=1.0, a_fp=0.22, a_fn=1.0),
    "reward_low_FN_rate": Profile("reward_low_FN_rate", a_tp=1.0, a_fp=0.11, a_fn=2.0),
}


@dataclass(frozen=True)
class NabFile:
    """One series of a corpus: timestamps, values and its windows as inclusive row ranges."""

    key: str
    timestamps: npt.NDArray[np.str_]
    values: FloatArray
    windows: tuple[tuple[int, int], ...]

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.values.shape[0])

    @property
    def probation(self) -> int:
        """Number of leading rows that are never scored."""
        return probationary_rows(self.n_rows)

    @property
    def category(self) -> str:
        """The folder under ``data/`` (``realTweets``)."""
        return self.key.split("/", 1)[0]

    @property
    def name(self) -> str:
        """File name without folder and ``.csv`` (``Twitter_volume_AAPL``)."""
        return self.key.rsplit("/", 1)[-1].removesuffix(".csv")


@dataclass(frozen=True)
class Corpus:
    """Files of a corpus in NAB's layout, in sorted key order."""

    root: Path | None
    files: Mapping[str, NabFile]

    @property
    def n_windows(self) -> int:
        """Total number of scoring windows."""
        return sum(len(f.windows) for f in self.files.values())

    @property
    def n_rows(self) -> int:
        """Total number of rows."""
        return sum(f.n_rows for f in self.files.values())


@dataclass(frozen=True)
class FileScore:
    """Score of one file at one threshold; counts are windows (TP, FN) and detections (FP)."""

    key: str
    score: float
    detected_windows: int
    missed_windows: int
    false_positives: int


@dataclass(frozen=True)
class NabResult:
    """Corpus score of one detector under one profile at its optimised threshold."""

    profile: str
    threshold: float
    raw_score: float
    null_score: float
    perfect_score: float
    normalised: float
    per_file: Mapping[str, FileScore]


def probationary_rows(n_rows: int) -> int:
    """Leading rows left out of scoring: ``min(floor(0.15·N), 750)``.

    >>> probationary_rows(4032), probationary_rows(15902), probationary_rows(10)
    (604, 750, 1)
    """
    return int(min(math.floor(PROBATION_FRACTION * n_rows), PROBATION_CAP))


def scaled_sigmoid(y: npt.ArrayLike) -> FloatArray:
    """NAB's ``σ(y) = 2/(1 + e^{5y}) − 1``, with ``σ(y) = −1`` for ``y > 3``.

    >>> [round(float(v), 5) for v in scaled_sigmoid([-1.0, 0.0, 1.0, 3.5])]
    [0.98661, 0.0, -0.98661, -1.0]
    """
    arr = np.asarray(y, dtype=np.float64)
    clipped = np.minimum(arr, 3.0)
    return np.where(arr > 3.0, -1.0, 2.0 / (1.0 + np.exp(5.0 * clipped)) - 1.0)


def row_window_ids(n_rows: int, windows: Sequence[tuple[int, int]]) -> IntArray:
    """Index of the window containing each row, ``-1`` outside every window.

    >>> row_window_ids(6, [(1, 2), (4, 4)]).tolist()
    [-1, 0, 0, -1, 1, -1]
    """
    ids = np.full(n_rows, -1, dtype=np.int64)
    for k, (left, right) in enumerate(windows):
        ids[left : right + 1] = k
    return ids


def row_weights(
    n_rows: int, windows: Sequence[tuple[int, int]], *, profile: Profile | str = "standard"
) -> FloatArray:
    """What a detection on each row would earn (NAB's per-row ``S(t)``), probation ignored.

    >>> [round(float(w), 4) for w in row_weights(8, [(2, 4)])]
    [-0.11, -0.11, 1.0, 0.9437, 0.6915, -0.0933, -0.1085, -0.1099]
    """
    prof = _profile(profile)
    weights = np.full(n_rows, -prof.a_fp, dtype=np.float64)
    max_tp = float(scaled_sigmoid(-1.0))
    for k, (left, right) in enumerate(windows):
        width = right - left + 1
        inside = np.arange(left, right + 1, dtype=np.float64)
        weights[left : right + 1] = (
            prof.a_tp * scaled_sigmoid(-(right - inside + 1) / width) / max_tp
        )
        stop = windows[k + 1][0] if k + 1 < len(windows) else n_rows
        after = np.arange(right + 1, stop, dtype=np.float64)
        position = (
            np.abs(after - right) / (width - 1) if width > 1 else np.full(after.shape, np.inf)
        )
        weights[right + 1 : stop] = prof.a_fp * scaled_sigmoid(position)
    return weights


def nab_file(
    key: str,
    timestamps: Sequence[str] | npt.NDArray[np.str_],
    values: npt.ArrayLike,
    windows: Sequence[Sequence[str]],
) -> NabFile:
    """Validate one series and map its window timestamps (first 19 characters) to row indices.

    >>> f = nab_file("toy/a.csv", [f"2020-01-01 00:00:{s:02d}" for s in range(10)], range(10),
    ...              [["2020-01-01 00:00:03.000000", "2020-01-01 00:00:05.000000"]])
    >>> f.windows, f.probation
    (((3, 5),), 1)
    """
    ts = np.asarray([str(t)[:19] for t in timestamps], dtype=np.str_)
    vals = np.asarray(values, dtype=np.float64)
    if ts.ndim != 1 or vals.shape != ts.shape:
        raise NabCorpusError(f"{key}: {ts.shape[0]} timestamps but {vals.size} values")
    if ts.size == 0:
        raise NabCorpusError(f"{key}: the file has no rows")
    well_formed = pd.Series(ts).str.fullmatch(_TIMESTAMP.pattern).to_numpy(dtype=bool)
    if not well_formed.all():
        bad = ts[int(np.flatnonzero(~well_formed)[0])]
        raise NabCorpusError(f"{key}: timestamp {bad!r} is not 'YYYY-mm-dd HH:MM:SS'")
    backwards = np.flatnonzero(ts[1:] < ts[:-1])
    if backwards.size:
        i = int(backwards[0]) + 1
        raise NabCorpusError(
            f"{key}: timestamps are not monotonic: row {i} ({ts[i]}) precedes row {i - 1} "
            f"({ts[i - 1]})"
        )
    rows = tuple(_window_rows(key, ts, windows))
    probation = probationary_rows(ts.size)
    for left, _right in rows:
        if left < probation:
            raise NabCorpusError(
                f"{key}: window starting at row {left} ({ts[left]}) starts inside the "
                f"probationary period (first {probation} rows)"
            )
    return NabFile(key=key, timestamps=ts, values=vals, windows=rows)


def _window_rows(
    key: str, ts: npt.NDArray[np.str_], windows: Sequence[Sequence[str]]
) -> list[tuple[int, int]]:
    """Inclusive ``(L, R)`` row ranges of windows; each bound is the first row with that time."""
    rows: list[tuple[int, int]] = []
    for window in windows:
        if len(window) != 2:
            raise NabCorpusError(f"{key}: window {window!r} is not a [start, end] pair")
        bounds: list[int] = []
        for stamp in window:
            t = str(stamp)[:19]
            i = int(np.searchsorted(ts, t, side="left"))
            if i >= ts.size or ts[i] != t:
                raise NabCorpusError(f"{key}: window timestamp {stamp!r} is not a row of the file")
            bounds.append(i)
        left, right = bounds
        if right < left:
            raise NabCorpusError(f"{key}: window {window!r} ends before it starts")
        if rows and left <= rows[-1][1]:
            raise NabCorpusError(f"{key}: window {window!r} overlaps or precedes the previous one")
        rows.append((left, right))
    return rows


def load_corpus(nab_dir: str | Path) -> Corpus:
    """Read ``data/<category>/*.csv`` and ``labels/combined_windows.json`` under ``nab_dir``."""
    root = Path(nab_dir)
    labels_path = root / "labels" / "combined_windows.json"
    if not labels_path.is_file():
        raise NabCorpusError(f"{labels_path}: labels file not found")
    try:
        labels = json.loads(labels_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise NabCorpusError(f"{labels_path}: not valid JSON ({exc})") from exc
    if not isinstance(labels, dict):
        raise NabCorpusError(f"{labels_path}: expected an object of file -> windows")
    paths = sorted((root / "data").glob("*/*.csv"))
    if not paths:
        raise NabCorpusError(f"{root / 'data'}: no data/<category>/*.csv files")
    files: dict[str, NabFile] = {}
    for path in paths:
        key = f"{path.parent.name}/{path.name}"
        if key not in labels:
            raise NabCorpusError(f"{path}: no entry {key!r} in {labels_path}")
        files[key] = _read_file(path, key, labels[key])
    unused = sorted(set(labels) - set(files))
    if unused:
        logger.info(
            "%d label entries have no data file and are ignored, e.g. %s", len(unused), unused[0]
        )
    return Corpus(root=root, files=files)


def _read_file(path: Path, key: str, windows: object) -> NabFile:
    """Read one NAB data CSV (header ``timestamp,value``) into a validated :class:`NabFile`."""
    if not isinstance(windows, list):
        raise NabCorpusError(f"{path}: label entry {key!r} is not a list of windows")
    try:
        frame = pd.read_csv(path, dtype={"timestamp": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise NabCorpusError(f"{path}: unreadable CSV ({exc})") from exc
    if list(frame.columns) != ["timestamp", "value"]:
        raise NabCorpusError(f"{path}: header is {list(frame.columns)}, expected timestamp,value")
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = frame["value"].notna() & values.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise NabCorpusError(
            f"{path}: row {row + 1}: value {frame['value'].iloc[row]!r} is not a number"
        )
    if frame["timestamp"].isna().any():
        row = int(np.flatnonzero(frame["timestamp"].isna().to_numpy())[0])
        raise NabCorpusError(f"{path}: row {row + 1}: empty timestamp")
    try:
        return nab_file(
            key, frame["timestamp"].to_numpy(dtype=str), values.to_numpy(np.float64), windows
        )
    except NabCorpusError as exc:
        raise NabCorpusError(f"{path}: {exc}") from exc


def _profile(profile: Profile | str) -> Profile:
    """Resolve a profile name to its :class:`Profile`."""
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise NabCorpusError(
            f"unknown NAB profile {profile!r}; known: {', '.join(PROFILES)}"
        ) from None


def _checked_scores(key: str, scores: npt.ArrayLike, n_rows: int) -> FloatArray:
    """Detector output for one file as floats in [0, 1], or a :class:`NabCorpusError`."""
    arr = np.asarray(scores, dtype=np.float64)
    if arr.shape != (n_rows,):
        raise NabCorpusError(f"{key}: {arr.size} anomaly scores for {n_rows} rows")
    if not np.all((arr >= 0.0) & (arr <= 1.0)):
        i = int(np.flatnonzero(~((arr >= 0.0) & (arr <= 1.0)))[0])
        raise NabCorpusError(f"{key}: row {i}: anomaly score {arr[i]!r} is not in [0, 1]")
    return arr


def score_file(
    scores: npt.ArrayLike,
    file: NabFile,
    *,
    threshold: float,
    profile: Profile | str = "standard",
) -> FileScore:
    """Score of one file when rows with ``score ≥ threshold`` are detections.

    >>> f = nab_file("toy/a.csv", [f"2020-01-01 00:{m:02d}:00" for m in range(20)], [0.0] * 20,
    ...              [["2020-01-01 00:10:00", "2020-01-01 00:14:00"]])
    >>> s = np.zeros(20); s[[10, 12]] = 1.0; s[4] = 1.0
    >>> score_file(s, f, threshold=0.5)
    FileScore(key='toy/a.csv', score=0.89, detected_windows=1, missed_windows=0, false_positives=1)
    """
    prof = _profile(profile)
    arr = _checked_scores(file.key, scores, file.n_rows)
    weights = row_weights(file.n_rows, file.windows, profile=prof)
    detected = arr >= threshold
    detected[: file.probation] = False
    ids = row_window_ids(file.n_rows, file.windows)
    outside = detected & (ids < 0)
    total = float(weights[outside].sum())
    hits = 0
    for left, right in file.windows:
        rows = np.flatnonzero(detected[left : right + 1])
        if rows.size:
            hits += 1
            total += float(weights[left : right + 1][rows].max())
        else:
            total -= prof.a_fn
    return FileScore(
        key=file.key,
        score=round(total, 12),
        detected_windows=hits,
        missed_windows=len(file.windows) - hits,
        false_positives=int(outside.sum()),
    )


def optimal_threshold(
    scores: FloatArray, weights: FloatArray, window_ids: IntArray, *, a_fn: float
) -> tuple[float, float]:
    """Best ``(threshold, raw score)`` over scorable rows; ties go to the highest threshold.

    ``window_ids`` are corpus-wide (``-1`` outside windows); every window id in
    ``range(window_ids.max() + 1)`` is a window that scores ``-a_fn`` until detected.

    >>> theta, raw = optimal_threshold(np.array([0.9, 0.8, 0.2]), np.array([-0.11, 1.0, -0.11]),
    ...                                np.array([-1, 0, -1]), a_fn=1.0)
    >>> theta, round(raw, 9)
    (0.8, 0.89)
    """
    n_windows = int(window_ids.max()) + 1 if window_ids.size else 0
    start = -a_fn * n_windows
    if scores.size == 0:
        return NO_DETECTION_THRESHOLD, start
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    w = weights[order]
    g = window_ids[order]
    delta = w.copy()
    inside = g >= 0
    if inside.any():
        gw = pd.Series(w[inside])
        groups = g[inside]
        best = np.maximum(gw.groupby(groups).cummax().to_numpy(), -a_fn)
        previous = pd.Series(best).groupby(groups).shift(1).fillna(-a_fn).to_numpy()
        delta[inside] = best - previous
    totals = start + np.cumsum(delta)
    ends = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    candidates = np.r_[NO_DETECTION_THRESHOLD, s[ends]]
    values = np.r_[start, totals[ends]]
    pick = int(np.flatnonzero(values >= values.max() - TIE_TOLERANCE)[0])
    return float(candidates[pick]), float(values[pick])


def normalised_score(raw: float, *, n_windows: int, profile: Profile | str = "standard") -> float:
    """``100·(S − S_null)/(S_perfect − S_null)`` for a corpus with ``n_windows`` windows.

    >>> normalised_score(0.0, n_windows=2), normalised_score(-4.0, n_windows=2,
    ...                                                        profile="reward_low_FN_rate")
    (50.0, 0.0)
    """
    prof = _profile(profile)
    if n_windows <= 0:
        raise NabCorpusError("the corpus has no windows; the NAB score is undefined")
    null = -prof.a_fn * n_windows
    perfect = prof.a_tp * n_windows
    return 100.0 * (raw - null) / (perfect - null)


def score_corpus(
    scores_by_file: Mapping[str, npt.ArrayLike],
    corpus: Corpus,
    *,
    profile: Profile | str = "standard",
) -> NabResult:
    """NAB score of a detector's per-row scores (keys as in ``corpus.files``) under one profile."""
    prof = _profile(profile)
    extra = sorted(set(scores_by_file) - set(corpus.files))
    if extra:
        raise NabCorpusError(f"{extra[0]}: scores given for a file that is not in the corpus")
    all_scores: list[FloatArray] = []
    all_weights: list[FloatArray] = []
    all_ids: list[IntArray] = []
    checked: dict[str, FloatArray] = {}
    offset = 0
    for key, file in corpus.files.items():
        if key not in scores_by_file:
            raise NabCorpusError(f"{key}: no anomaly scores for this corpus file")
        arr = _checked_scores(key, scores_by_file[key], file.n_rows)
        checked[key] = arr
        p = file.probation
        ids = row_window_ids(file.n_rows, file.windows)[p:]
        all_scores.append(arr[p:])
        all_weights.append(row_weights(file.n_rows, file.windows, profile=prof)[p:])
        all_ids.append(np.where(ids >= 0, ids + offset, -1))
        offset += len(file.windows)
    threshold, _ = optimal_threshold(
        np.concatenate(all_scores) if all_scores else np.zeros(0),
        np.concatenate(all_weights) if all_weights else np.zeros(0),
        np.concatenate(all_ids).astype(np.int64) if all_ids else np.zeros(0, np.int64),
        a_fn=prof.a_fn,
    )
    per_file = {
        key: score_file(checked[key], file, threshold=threshold, profile=prof)
        for key, file in corpus.files.items()
    }
    raw = round(sum(f.score for f in per_file.values()), 9)
    n_windows = corpus.n_windows
    return NabResult(
        profile=prof.name,
        threshold=threshold,
        raw_score=raw,
        null_score=-prof.a_fn * n_windows,
        perfect_score=prof.a_tp * n_windows,
        normalised=normalised_score(raw, n_windows=n_windows, profile=prof),
        per_file=per_file,
    )
