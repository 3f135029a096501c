"""Leave-one-category-out (LOCO) NAB score of the shipped detector's metric mode.

Usage (from the repository root)::

    python bench/nab_loco.py                 # the 34-file subset in tests/data/anomalies/nab

The protocol is written down in ``docs/anomaly-quality.md`` ("Protocol"). In short: a small grid
per metric design (``GRIDS``: 9 settings of the novelty gate, ``z_threshold`` 5/6/7 ×
``suppress_fraction`` 0.04/0.05/0.06; 12 of the likelihood design, ``tail_probability``
1e-1/3e-2/1e-2/3e-3 × ``novelty_weight`` 0/0.5/1; every other field at its default); for each
category, the setting with the best standard score on the *other* categories (ties: first in grid
order) detects on the left-out category; the left-out detections of all folds are pooled and scored
as one corpus (NAB's own threshold optimisation, normalised against the whole subset). That pooled
number is the headline. The in-sample line is the grid's best on all files, next to the shipped
defaults (``DEFAULTS["metric"]``). ``--design`` picks the grid (default: the shipped design).

Prints one line per fold (category, chosen setting, the category's raw standard score) and then
``loco <profile>: <score>`` and ``in-sample <profile>: <score>`` lines; timing goes to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from analytics.anomalies._likelihood import DEFAULT_LIKELIHOOD, LikelihoodSettings
from analytics.anomalies.detectors import DEFAULT_SETTINGS
from analytics.anomalies.family import DEFAULTS, MetricSettings, detect
from analytics.anomalies.nab import PROFILES, Corpus, NabCorpusError, load_corpus, score_corpus, score_file

Z_THRESHOLDS: tuple[float, ...] = (5.0, 6.0, 7.0)
SUPPRESS_FRACTIONS: tuple[float, ...] = (0.04, 0.05, 0.06)
TAIL_PROBABILITIES: tuple[float, ...] = (1e-1, 3e-2, 1e-2, 3e-3)  # round 2 (round 1: 1e-2 … 1e-5)
NOVELTY_WEIGHTS: tuple[float, ...] = (0.0, 0.5, 1.0)
GRIDS: dict[str, tuple[MetricSettings | LikelihoodSettings, ...]] = {
    "noveltyGate": tuple(
        dataclasses.replace(DEFAULT_SETTINGS, z_threshold=z, suppress_fraction=f)
        for z, f in itertools.product(Z_THRESHOLDS, SUPPRESS_FRACTIONS)
    ),
    "likelihood": tuple(
        dataclasses.replace(DEFAULT_LIKELIHOOD, tail_probability=p, novelty_weight=w)
        for p, w in itertools.product(TAIL_PROBABILITIES, NOVELTY_WEIGHTS)
    ),
}
"""The grid of each metric design: 9 settings (novelty gate), 12 (likelihood design)."""
PROFILE_ORDER = ("reward_low_FP_rate", "reward_low_FN_rate", "standard")
Scores = Mapping[str, npt.NDArray[np.float64]]


def grid_scores(
    corpus: Corpus, grid: Sequence[MetricSettings | LikelihoodSettings]
) -> list[dict[str, npt.NDArray[np.float64]]]:
    """NAB anomaly scores of every grid setting on every file (the metric mode of ``detect``)."""
    return [{k: detect(f.values, s).nab_scores() for k, f in corpus.files.items()} for s in grid]


def sub_corpus(corpus: Corpus, categories: Sequence[str]) -> Corpus:
    """The files of some categories."""
    return Corpus(root=corpus.root, files={k: f for k, f in corpus.files.items() if f.category in categories})


def best_setting(corpus: Corpus, scores: Sequence[Scores]) -> int:
    """Grid index with the best standard score on ``corpus`` (ties: the first)."""
    values = [score_corpus({k: s[k] for k in corpus.files}, corpus, profile="standard").normalised for s in scores]
    return int(np.argmax(np.round(values, 9)))


def label(setting: MetricSettings | LikelihoodSettings) -> str:
    """``z=6 suppress=0.05`` (novelty gate) or ``tail=0.001 novelty=0.5`` (likelihood design)."""
    if isinstance(setting, LikelihoodSettings):
        return f"tail={setting.tail_probability:g} novelty={setting.novelty_weight:g}"
    return f"z={setting.z_threshold:g} suppress={setting.suppress_fraction:g}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the protocol; exit code 2 for a malformed corpus."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    subset = Path(__file__).resolve().parents[1] / "tests" / "data" / "anomalies" / "nab"
    parser.add_argument("--nab-dir", type=Path, default=subset)
    shipped_design = "likelihood" if isinstance(DEFAULTS["metric"], LikelihoodSettings) else "noveltyGate"
    parser.add_argument("--design", choices=sorted(GRIDS), default=shipped_design,
                        help=f"which metric design's grid to run (default: the shipped one, {shipped_design})")
    args = parser.parse_args(argv)
    grid = GRIDS[args.design]
    started = time.perf_counter()
    try:
        corpus = load_corpus(args.nab_dir)
        scores = grid_scores(corpus, grid)
        categories = sorted({f.category for f in corpus.files.values()})
        pooled: dict[str, npt.NDArray[np.float64]] = {}
        for left_out in categories:
            train = sub_corpus(corpus, [c for c in categories if c != left_out])
            pick = best_setting(train, scores)
            test = sub_corpus(corpus, [left_out])
            for key in test.files:
                pooled[key] = scores[pick][key]
            raw = sum(score_file(scores[pick][k], f, threshold=0.5).score for k, f in test.files.items())
            print(f"fold {left_out}: {label(grid[pick])}; raw standard score of the category {raw:.2f}")
        shipped = grid.index(DEFAULTS["metric"]) if DEFAULTS["metric"] in grid else None
        in_sample = best_setting(corpus, scores)
        for name in PROFILE_ORDER:
            print(f"loco {name}: {score_corpus(pooled, corpus, profile=PROFILES[name]).normalised:.2f}")
        print(f"in-sample best of {len(grid)}: {label(grid[in_sample])}"
              f"{' (the shipped defaults)' if in_sample == shipped else ''}")
        for name in PROFILE_ORDER:
            print(f"in-sample {name}: {score_corpus(scores[in_sample], corpus, profile=PROFILES[name]).normalised:.2f}")
    except NabCorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(f"{args.design}: {len(grid)} settings x {len(corpus.files)} files in {elapsed:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
