"""Score an anomaly detector on a folder in NAB's layout (data/<category>/*.csv + labels/).

Usage (from the repository root)::

    python bench/nab_score.py                      # the 34-series subset in tests/data/anomalies/nab
    python bench/nab_score.py --nab-dir DIR --results-out /tmp/nab_results --detector opsreview

Prints one line per NAB profile (``reward_low_FP_rate: 61.57``) with the ``standard`` score last;
progress and timing go to stderr. With ``--results-out`` it also writes the detections in NAB's
results layout ``DIR/<detector>/<category>/<detector>_<file>.csv`` with the columns
``timestamp,value,anomaly_score,label``. ``opsreview`` is exactly what the product ships:
``analytics.anomalies.detect`` in metric mode with its shipped defaults (``DEFAULTS["metric"]``),
fed the values in file order.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.anomalies.family import NAB_DETECTORS
from analytics.anomalies.nab import (
    PROFILES,
    Corpus,
    NabCorpusError,
    NabResult,
    load_corpus,
    score_corpus,
)

PROFILE_ORDER = ("reward_low_FP_rate", "reward_low_FN_rate", "standard")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    subset = Path(__file__).resolve().parents[1] / "tests" / "data" / "anomalies" / "nab"
    parser.add_argument("--nab-dir", type=Path, default=subset,
                        help="folder with data/ and labels/ (default: the 34-series subset in tests/data)")
    parser.add_argument(
        "--results-out", type=Path, help="write NAB-style result CSVs under this folder"
    )
    parser.add_argument("--detector", default="opsreview", choices=sorted(NAB_DETECTORS))
    return parser.parse_args(argv)


def detector_scores(corpus: Corpus, detector: str) -> dict[str, npt.NDArray[np.float64]]:
    """Per-row anomaly scores of one detector for every file of the corpus."""
    run = NAB_DETECTORS[detector]
    return {
        key: np.asarray(run(file.values), dtype=np.float64) for key, file in corpus.files.items()
    }


def write_results(
    corpus: Corpus, scores: Mapping[str, npt.NDArray[np.float64]], *, out_dir: Path, detector: str
) -> int:
    """Write ``out_dir/<detector>/<category>/<detector>_<file>.csv``; returns the file count."""
    for key, file in corpus.files.items():
        target = out_dir / detector / file.category / f"{detector}_{file.name}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(
            {
                "timestamp": file.timestamps,
                "value": file.values,
                "anomaly_score": scores[key],
                "label": file.labels(),
            }
        )
        frame.to_csv(target, index=False)
    return len(corpus.files)


def profile_results(
    corpus: Corpus, scores: Mapping[str, npt.NDArray[np.float64]]
) -> dict[str, NabResult]:
    """NAB results under the three profiles, in printing order."""
    return {name: score_corpus(scores, corpus, profile=PROFILES[name]) for name in PROFILE_ORDER}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit code 2 for a malformed corpus."""
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        corpus = load_corpus(args.nab_dir)
        loaded = time.perf_counter()
        scores = detector_scores(corpus, args.detector)
        detected = time.perf_counter()
        results = profile_results(corpus, scores)
    except NabCorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    scored = time.perf_counter()
    print(
        f"{args.detector}: {len(corpus.files)} files, {corpus.n_rows} rows,"
        f" {corpus.n_windows} windows;"
        f" load {loaded - started:.2f}s, detect {detected - loaded:.2f}s,"
        f" score {scored - detected:.2f}s",
        file=sys.stderr,
    )
    if args.results_out is not None:
        written = write_results(corpus, scores, out_dir=args.results_out, detector=args.detector)
        print(
            f"wrote {written} result files under {args.results_out / args.detector}",
            file=sys.stderr,
        )
    for name, result in results.items():
        print(f"{name}: {result.normalised:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
