"""Runtime of the loader fuzz suite (tests/integration/test_fuzz_loaders.py): 1,200 mutated files
through ``opsreview ingest`` in-process, target under 180 s of wall time on a 2-core machine.

Baseline measured in the same run: the valid seeds loaded once each through the same CLI path
(:func:`tests.fuzz_loaders.run_shard` with no mutations), per file. The ratio says what a mutated
file costs against a plain load, checks included (digest, plausibility, reload, reference
timestamps). The wall time depends on what else the machine runs: the CPU seconds (summed over the
workers, DuckDB's threads included) are the steadier figure.

Usage::

    python bench/fuzz_loaders.py              # 1,200 files, 2 workers on 2 cores
    python bench/fuzz_loaders.py --count 300  # quicker
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz_loaders import DEFAULT_COUNT, FuzzRun, default_workers, fuzz_seeds, run_shard

BUDGET_S = 180.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="opsreview-fuzz-bench-") as tmp:
        seeds = len(fuzz_seeds(Path(tmp) / "mapping.yaml"))
        started, cpu = time.perf_counter(), time.process_time()
        run_shard(str(Path(tmp) / "baseline"), 0, 1, 0, 1)  # loads every seed, no mutation
        base_wall, base_cpu = time.perf_counter() - started, time.process_time() - cpu
        fuzz = FuzzRun(Path(tmp) / "fuzz", count=args.count, workers=args.workers).run()
    files = len(fuzz.outcomes)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"baseline: {seeds} valid seeds loaded once: {base_wall:.1f} s ({base_wall / seeds * 1000:.0f} ms/file, "
          f"{base_cpu / seeds * 1000:.0f} ms CPU/file)")
    print(f"fuzz: {files} mutated files, {args.workers} worker(s): {fuzz.seconds:.1f} s wall, "
          f"{fuzz.cpu_seconds:.1f} s CPU ({fuzz.cpu_seconds / files * 1000:.0f} ms CPU/file, "
          f"{fuzz.cpu_seconds / files / (base_cpu / seeds):.2f}x a plain load); load average {load:.1f}")
    print(f"budget: {fuzz.seconds:.1f} s of {BUDGET_S:.0f} s = {fuzz.seconds / BUDGET_S:.2f}; "
          f"{len(fuzz.tracebacks)} tracebacks, {len(fuzz.failures)} failing checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
