"""A faithful re-implementation of the Numenta Anomaly Benchmark (NAB v1.1) "sweep" scorer.

The algorithm is the one docs/anomaly-quality.md ("What is measured") states, row mapping included,
as ``nab/sweeper.py`` (``Sweeper.calcSweepScore`` / ``calcScoreByThreshold``) does it:

* rows are taken **in file order**, whatever their timestamps do (duplicates, steps back);
* the first ``P = min(floor(0.15·N), 750)`` rows of a file are never scored;
* a window ``[t1, t2]`` is *entered* on the first row, in file order, whose timestamp equals the
  ``t1`` of the next window not yet entered, and *left* after the first row from there on whose
  timestamp equals its ``t2``; its right index ``R`` is the **first row of the file** stamped ``t2``
  and its width ``W = R − (first row stamped t1) + 1`` (``list.index`` in the reference);
* a row inside an entered window earns ``A_TP·σ(−(R−i+1)/W)/σ(−1)`` (the window's best detection
  counts, never below ``−A_FN``, which a window without detection scores);
* a row outside costs ``A_FP·σ(|i−R'|/(W'−1))``, ``R'`` being the row the last window was left on
  and ``W'`` its width, or ``−A_FP`` before any window was left;
* one threshold per detector and profile maximises the corpus total (candidates: every distinct
  score and 1.1; ties go to the highest threshold);
* ``NAB = 100·(S − S_null)/(S_perfect − S_null)`` with ``S_null = −A_FN·(windows with a scorable
  row)`` (what NAB's null detector scores) and ``S_perfect = A_TP·(windows listed)`` (NAB counts the
  label file's windows).

Here ``σ(y) = 2/(1 + e^{5y}) − 1``, and ``σ(y) = −1`` for ``y > 3``. Where the reference code would
crash (a window bound that is no row of the file, a window whose end's first row precedes its
start's, a one-row window with rows after it: ``ZeroDivisionError``) the file is reported as
malformed instead (:class:`NabCorpusError`). ``docs/anomaly-quality.md`` lists these rules.

Why one module over 500 lines: a faithful re-implementation of one reference scorer (NAB's sweeper)
whose parts are checked together against hand-computed and official figures; splitting it would
separate the row mapping from the scoring it feeds.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    "sweep_rows",
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
    """One series of a corpus: rows in file order, its windows, and where the sweep puts each row."""

    key: str
    timestamps: npt.NDArray[np.str_]
    values: FloatArray
    windows: tuple[tuple[int, int], ...]
    """Each window as ``(first row stamped t1, first row stamped t2)``, in label order."""
    limits: tuple[tuple[str, str], ...] = ()
    """Each window's ``(t1, t2)`` timestamps (first 19 characters)."""
    window_ids: IntArray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    """Per row: the window the sweep scores it in (index into ``windows``), ``-1`` outside."""
    sigma: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)
    """Per row: NAB's unweighted score ``σ(position)`` (``-1`` before any window was left)."""

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.values.shape[0])

    @property
    def probation(self) -> int:
        """Number of leading rows that are never scored."""
        return probationary_rows(self.n_rows)

    @property
    def scored_windows(self) -> int:
        """Windows with at least one scorable row (the ones a null detector pays ``A_FN`` for)."""
        ids = self.window_ids[self.probation:]
        return int(np.unique(ids[ids >= 0]).size)

    @property
    def category(self) -> str:
        """The folder under ``data/`` (``realTweets``)."""
        return self.key.split("/", 1)[0]

    @property
    def name(self) -> str:
        """File name without folder and ``.csv`` (``Twitter_volume_AAPL``)."""
        return self.key.rsplit("/", 1)[-1].removesuffix(".csv")

    def labels(self) -> IntArray:
        """NAB's label column (``labeler.getLabels``): 1 where ``t1 ≤ timestamp ≤ t2`` by value."""
        out = np.zeros(self.n_rows, dtype=np.int64)
        for t1, t2 in self.limits:
            out[(self.timestamps >= t1) & (self.timestamps <= t2)] = 1
        return out


@dataclass(frozen=True)
class Corpus:
    """Files of a corpus in NAB's layout, in sorted key order."""

    root: Path | None
    files: Mapping[str, NabFile]

    @property
    def n_windows(self) -> int:
        """Total number of windows listed (``S_perfect = A_TP·n_windows``)."""
        return sum(len(f.windows) for f in self.files.values())

    @property
    def scored_windows(self) -> int:
        """Windows with a scorable row (``S_null = −A_FN·scored_windows``)."""
        return sum(f.scored_windows for f in self.files.values())

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


def row_window_ids(file: NabFile) -> IntArray:
    """Index of the window the sweep scores each row in, ``-1`` outside every window.

    >>> f = nab_file("toy/a.csv", [f"2020-01-01 00:00:0{s}" for s in range(6)], range(6),
    ...              [["2020-01-01 00:00:01", "2020-01-01 00:00:02"], ["2020-01-01 00:00:04", "2020-01-01 00:00:05"]])
    >>> row_window_ids(f).tolist()
    [-1, 0, 0, -1, 1, 1]
    """
    return file.window_ids


def row_weights(file: NabFile, *, profile: Profile | str = "standard") -> FloatArray:
    """What a detection on each row would earn (NAB's per-row ``S(t)``), probation ignored.

    >>> f = nab_file("toy/a.csv", [f"2020-01-01 00:00:0{s}" for s in range(8)], range(8),
    ...              [["2020-01-01 00:00:02", "2020-01-01 00:00:04"]])
    >>> [round(float(w), 4) for w in row_weights(f)]
    [-0.11, -0.11, 1.0, 0.9437, 0.6915, -0.0933, -0.1085, -0.1099]
    """
    prof = _profile(profile)
    max_tp = float(scaled_sigmoid(-1.0))
    return np.where(file.window_ids >= 0, prof.a_tp * file.sigma / max_tp, prof.a_fp * file.sigma)


def sweep_rows(
    key: str, timestamps: npt.NDArray[np.str_], limits: Sequence[tuple[str, str]]
) -> tuple[IntArray, FloatArray, tuple[tuple[int, int], ...]]:
    """Walk the rows in file order as ``Sweeper.calcSweepScore`` does: per row its window id
    (``-1`` outside) and unweighted ``σ``, and each window's ``(first row of t1, first row of t2)``.

    Windows are entered in label order; a window whose ``t1`` comes up again after it was left is
    not re-entered; rows outside windows are measured from the row the last window was *left* on.
    Two windows with the same ``t1`` are one window, as NAB names windows ``file|t1``.
    """
    first: dict[str, int] = {}
    for i, t in enumerate(timestamps.tolist()):
        first.setdefault(t, i)
    bounds: list[tuple[int, int]] = []
    for t1, t2 in limits:
        for t in (t1, t2):
            if t not in first:
                raise NabCorpusError(f"{key}: window timestamp {t!r} is not a row of the file")
        left, right = first[t1], first[t2]
        if right < left:
            raise NabCorpusError(
                f"{key}: window [{t1}, {t2}] ends before it starts (first row of its end, {right},"
                f" precedes the first row of its start, {left})"
            )
        bounds.append((left, right))
    name_id: dict[str, int] = {}
    for k, (t1, _) in enumerate(limits):
        name_id.setdefault(t1, k)
    n = timestamps.size
    ids = np.full(n, -1, dtype=np.int64)
    position = np.full(n, np.nan)
    pending = list(range(len(limits)))
    cur: int | None = None
    prev_right: int | None = None
    prev_width = 0
    for i, t in enumerate(timestamps.tolist()):
        if pending and t == limits[pending[0]][0]:
            cur = pending.pop(0)
        if cur is not None:
            left, right = bounds[cur]
            ids[i] = name_id[limits[cur][0]]
            position[i] = -(right - i + 1) / (right - left + 1)
        elif prev_right is not None:
            if prev_width == 1:
                raise NabCorpusError(
                    f"{key}: a one-row window is followed by rows; NAB's scorer divides by zero there"
                )
            position[i] = abs(prev_right - i) / (prev_width - 1)
        if cur is not None and t == limits[cur][1]:
            prev_right, prev_width = i, bounds[cur][1] - bounds[cur][0] + 1
            cur = None
    sigma = np.where(np.isnan(position), -1.0, scaled_sigmoid(np.nan_to_num(position)))
    return ids, sigma, tuple(bounds)


def nab_file(
    key: str,
    timestamps: Sequence[str] | npt.NDArray[np.str_],
    values: npt.ArrayLike,
    windows: Sequence[Sequence[str]],
) -> NabFile:
    """Validate one series and sweep its rows (window timestamps compared on 19 characters).

    Rows stay in file order: duplicate and backward timestamps are data, as in NAB.

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
    limits: list[tuple[str, str]] = []
    for window in windows:
        if not isinstance(window, (list, tuple)) or len(window) != 2:
            raise NabCorpusError(f"{key}: window {window!r} is not a [start, end] pair")
        limits.append((_label_stamp(key, window[0]), _label_stamp(key, window[1])))
    ids, sigma, bounds = sweep_rows(key, ts, limits)
    return NabFile(key=key, timestamps=ts, values=vals, windows=bounds, limits=tuple(limits),
                   window_ids=ids, sigma=sigma)


def _label_stamp(key: str, stamp: object) -> str:
    """A window timestamp as the 19 characters a row carries (NAB writes ``.000000`` after them)."""
    text = str(stamp)
    if len(text) > 19 and text[19:].strip(".0"):
        raise NabCorpusError(f"{key}: window timestamp {text!r} has a fraction of a second; no row can equal it")
    return text[:19]


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
    weights = row_weights(file, profile=prof)
    detected = arr >= threshold
    detected[: file.probation] = False
    ids = file.window_ids
    outside = detected & (ids < 0)
    total = float(weights[outside].sum())
    scorable = np.unique(ids[file.probation:][ids[file.probation:] >= 0])
    hits = 0
    for k in scorable:
        rows = detected & (ids == k)
        if rows.any():
            hits += 1
            total += max(float(weights[rows].max()), -prof.a_fn)
        else:
            total -= prof.a_fn
    return FileScore(
        key=file.key,
        score=round(total, 12),
        detected_windows=hits,
        missed_windows=int(scorable.size) - hits,
        false_positives=int(outside.sum()),
    )


def optimal_threshold(
    scores: FloatArray, weights: FloatArray, window_ids: IntArray, *, a_fn: float
) -> tuple[float, float]:
    """Best ``(threshold, raw score)`` over scorable rows; ties go to the highest threshold.

    ``window_ids`` are corpus-wide (``-1`` outside windows); every id among them is a window that
    scores ``-a_fn`` until detected.

    >>> theta, raw = optimal_threshold(np.array([0.9, 0.8, 0.2]), np.array([-0.11, 1.0, -0.11]),
    ...                                np.array([-1, 0, -1]), a_fn=1.0)
    >>> theta, round(raw, 9)
    (0.8, 0.89)
    """
    n_windows = int(np.unique(window_ids[window_ids >= 0]).size)
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
        ids = file.window_ids[p:]
        all_scores.append(arr[p:])
        all_weights.append(row_weights(file, profile=prof)[p:])
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
    null, perfect = -prof.a_fn * corpus.scored_windows, prof.a_tp * corpus.n_windows
    if perfect <= null:
        raise NabCorpusError("the corpus has no windows; the NAB score is undefined")
    return NabResult(
        profile=prof.name,
        threshold=threshold,
        raw_score=raw,
        null_score=null,
        perfect_score=perfect,
        normalised=100.0 * (raw - null) / (perfect - null),
        per_file=per_file,
    )
