"""A seeded generator of NAB-like 5-minute series with the anomalies NAB's in-repo subset is thin on.

Usage (from the repository root)::

    python bench/nab_synthetic.py                    # evaluation seeds 200-259, old and new designs
    python bench/nab_synthetic.py --seeds 0-29       # the development seeds

This is the **transfer check** of the metric mode (``docs/anomaly-quality.md``, "Protocol"): series
the detector was never tuned on, labelled the way NAB labels its corpus and scored with the
package's NAB scorer (:mod:`analytics.anomalies.nab`).

Every series is 5-minute data (4,000–8,000 rows) with a daily profile, an optional weekend dip,
heavy-tailed noise (Student t, 5 degrees of freedom), sometimes a slow random walk and sometimes
integer values. The seed decides everything; ``seed % 6`` picks the kind:

========================  ===================================================================
``level_shift``           the level moves by 3–6 noise scales, to the end or for 1–3 days
``variance_change``       the noise grows 3–6 times for half a day to two days
``stuck``                 the sensor repeats one value (its last, or 0) for 2–12 hours
``drift_jump``            a slow drift of 2–4 noise scales over half a day to 1.5 days, then a
                          jump of 4–8 noise scales that stays
``pattern_change``        the daily profile loses 70–100 % of its amplitude or moves 6–12 hours
``none``                  no anomaly (false alarms only)
========================  ===================================================================

A series has one or two anomalies (not ``none``), each after the first 20 % of the rows. As in NAB,
each anomaly gets a window of ``⌊0.10·rows / anomalies⌋`` rows centred on its first row (clipped to
the file), and the category of a file is its kind (``synthetic_stuck/series_0102.csv``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analytics.anomalies.nab import PROFILES, Corpus, nab_file, score_corpus

FloatArray = npt.NDArray[np.float64]

KINDS: tuple[str, ...] = ("level_shift", "variance_change", "stuck", "drift_jump", "pattern_change", "none")
EVALUATION_SEEDS: tuple[int, ...] = tuple(range(200, 260))
"""Scored once per design, after the design and its grid were fixed (protocol round 2)."""
ROUND_1_SEEDS: tuple[int, ...] = tuple(range(100, 160))
"""The evaluation seeds of protocol round 1 (seen)."""
DEVELOPMENT_SEEDS: tuple[int, ...] = tuple(range(0, 30))
"""May be looked at while a design is built."""
ROWS_PER_DAY = 288
START = np.datetime64("2026-01-05T00:00:00")


@dataclass(frozen=True)
class SyntheticSeries:
    """One generated series: its kind, values and anomaly start rows."""

    seed: int
    kind: str
    values: FloatArray
    anomalies: tuple[int, ...]

    @property
    def key(self) -> str:
        """Corpus key ``synthetic_<kind>/series_<seed>.csv``."""
        return f"synthetic_{self.kind}/series_{self.seed:04d}.csv"


def _daily_profile(rng: np.random.Generator, n: int, shift_rows: int = 0) -> FloatArray:
    """A smooth daily shape in [-1, 1] (a sine with a random phase and second harmonic)."""
    phase = 2 * np.pi * ((np.arange(n) + shift_rows) % ROWS_PER_DAY) / ROWS_PER_DAY
    p0, p1, h = rng.uniform(0, 2 * np.pi), rng.uniform(0, 2 * np.pi), rng.uniform(0, 0.5)
    shape = np.sin(phase + p0) + h * np.sin(2 * phase + p1)
    return shape / (1 + h)


def generate(seed: int) -> SyntheticSeries:
    """The series of one seed (deterministic)."""
    rng = np.random.default_rng([20261208, seed])
    kind = KINDS[seed % len(KINDS)]
    n = int(rng.integers(4000, 8001))
    level = float(10 ** rng.uniform(1, 3))
    sigma = level * rng.uniform(0.02, 0.08)
    amplitude = level * rng.uniform(0.0, 0.5)
    if kind == "pattern_change":
        amplitude = max(amplitude, 6 * sigma)
    profile_seed = int(rng.integers(2**31))
    base = amplitude * _daily_profile(np.random.default_rng(profile_seed), n)
    day = np.arange(n) // ROWS_PER_DAY
    weekend = (day % 7) >= 5
    weekend_factor = rng.uniform(0.6, 1.0) if rng.random() < 0.5 else 1.0
    noise_scale = np.full(n, sigma)
    noise = rng.standard_t(5, n)
    walk = np.cumsum(rng.normal(0, sigma * 0.02, n)) if rng.random() < 0.3 else np.zeros(n)
    offset = np.zeros(n)
    profile_override: list[tuple[int, FloatArray]] = []
    stuck: list[tuple[int, int, float | None]] = []
    n_anomalies = 0 if kind == "none" else int(rng.integers(1, 3))
    lo, hi = int(0.2 * n), n - ROWS_PER_DAY // 2
    starts = sorted(int(s) for s in rng.choice(np.arange(lo, hi, ROWS_PER_DAY // 2), n_anomalies, replace=False))
    for t0 in starts:
        sign = 1.0 if rng.random() < 0.5 else -1.0
        if kind == "level_shift":
            stop = n if rng.random() < 0.5 else min(n, t0 + int(rng.integers(1, 4)) * ROWS_PER_DAY)
            offset[t0:stop] += sign * rng.uniform(3, 6) * sigma
        elif kind == "variance_change":
            stop = min(n, t0 + int(rng.uniform(0.5, 2) * ROWS_PER_DAY))
            noise_scale[t0:stop] *= rng.uniform(3, 6)
        elif kind == "stuck":
            stop = min(n, t0 + int(rng.integers(24, 145)))
            stuck.append((t0, stop, 0.0 if rng.random() < 0.3 else None))
        elif kind == "drift_jump":
            ramp = int(rng.uniform(0.5, 1.5) * ROWS_PER_DAY)
            first = max(0, t0 - ramp)
            offset[first:t0] += sign * rng.uniform(2, 4) * sigma * np.linspace(0, 1, t0 - first)
            offset[t0:] += sign * (rng.uniform(4, 8) * sigma + (offset[t0 - 1] * sign if t0 > 0 else 0.0))
        elif kind == "pattern_change":
            if rng.random() < 0.5:
                keep = rng.uniform(0.0, 0.3)
                profile_override.append((t0, keep * base[t0:]))
            else:
                moved = amplitude * _daily_profile(np.random.default_rng(profile_seed), n,
                                                   shift_rows=int(rng.integers(72, 145)))
                profile_override.append((t0, moved[t0:]))
    for t0, new in profile_override:
        base[t0:] = new
    values = level + base + walk + offset + noise * noise_scale
    values = np.where(weekend, values * weekend_factor, values)
    if rng.random() < 0.3:
        values = np.round(values)
    for t0, stop, at in stuck:
        values[t0:stop] = values[t0 - 1] if at is None else at
    return SyntheticSeries(seed=seed, kind=kind, values=values, anomalies=tuple(starts))


def _stamp(row: int) -> str:
    """``YYYY-mm-dd HH:MM:SS`` of a row (5-minute steps from ``START``)."""
    return str(START + np.timedelta64(5 * row, "m")).replace("T", " ")


def nab_windows(n_rows: int, anomalies: Sequence[int]) -> list[list[str]]:
    """NAB's windows: ``⌊0.10·n/k⌋`` rows centred on each anomaly, clipped to the file."""
    if not anomalies:
        return []
    width = int(0.10 * n_rows / len(anomalies))
    out = []
    for t0 in anomalies:
        first, last = max(0, t0 - width // 2), min(n_rows - 1, t0 + width // 2)
        out.append([_stamp(first) + ".000000", _stamp(last) + ".000000"])
    return out


def synthetic_corpus(seeds: Iterable[int]) -> Corpus:
    """The generated series of ``seeds`` as a NAB corpus (keys sorted)."""
    files = {}
    for seed in seeds:
        s = generate(seed)
        stamps = [_stamp(i) for i in range(s.values.size)]
        files[s.key] = nab_file(s.key, stamps, s.values, nab_windows(s.values.size, s.anomalies))
    return Corpus(root=None, files=dict(sorted(files.items())))


def corpus_scores(corpus: Corpus, run: Callable[[FloatArray], FloatArray]) -> dict[str, float]:
    """Normalised NAB score of one detector's output under the three profiles."""
    scores = {k: np.asarray(run(f.values), dtype=np.float64) for k, f in corpus.files.items()}
    return {name: score_corpus(scores, corpus, profile=p).normalised for name, p in PROFILES.items()}


def parse_seeds(text: str) -> tuple[int, ...]:
    """``100-159`` or ``1,2,5``."""
    if "-" in text:
        a, b = text.split("-", 1)
        return tuple(range(int(a), int(b) + 1))
    return tuple(int(x) for x in text.split(","))


def main(argv: Sequence[str] | None = None) -> int:
    """Score the registered NAB detectors on the synthetic transfer corpus."""
    from analytics.anomalies.family import NAB_DETECTORS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=parse_seeds, default=EVALUATION_SEEDS)
    parser.add_argument("--detector", action="append", choices=sorted(NAB_DETECTORS))
    args = parser.parse_args(argv)
    corpus = synthetic_corpus(args.seeds)
    print(f"{len(corpus.files)} series, {corpus.n_rows} rows, {corpus.n_windows} windows", file=sys.stderr)
    for name in args.detector or [d for d in sorted(NAB_DETECTORS) if d != "null"]:
        started = time.perf_counter()
        result = corpus_scores(corpus, NAB_DETECTORS[name])
        line = ", ".join(f"{p} {result[p]:.2f}" for p in ("standard", "reward_low_FP_rate", "reward_low_FN_rate"))
        print(f"{name}: {line}")
        print(f"{name}: {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
