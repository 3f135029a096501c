"""Benchmark: the whole quarterly report (``opsreview report all``) at real sizes.

    python bench/report_scale.py [--rows 10000000] [--incidents 100000] [--jobs 2] [--period 2026Q3]

Builds (once; cached by seed and size under ``~/.cache/opsreview-bench/``, or ``--cache DIR``) two
warehouses from the demo company:

1. the demo at ``--base-scale`` (default 1: 68,631 cost rows, 1,602 incidents) generated and loaded
   through the real vendor exports and loaders (``opsreview demo``);
2. that warehouse grown inside DuckDB (:mod:`analytics.demo.replicate`) to ``--rows`` cost rows over
   the same 18 months and three providers, with the demo's mix (usage, Savings Plan and RI coverage,
   unused commitment, purchases, fees, tax, credits, a correction, NULL regions and accounts, an
   untagged share, many distinct tag sets), and to ``--incidents`` incidents with their timelines,
   deployments, changes, pipeline runs and SLI counts to match;
3. the same grown to a tenth of both (``--rows / 10``, ``--incidents / 10``): the baseline.

Then runs ``opsreview report all --period P --jobs J`` on each (in a subprocess, as a user would)
and prints, per notebook, wall time and the kernel's peak RSS (from the run's ``run.json``); for the
whole run its wall time, CPU time (runner and kernels), peak RSS of the largest process
(``wait4``), the load average of the machine during the run; and the growth ratio (large / small)
against the targets: ≤ 60 s and ≤ 4 GiB at 10M rows, ≤ 2× for 10× the rows. The machine is
usually shared: the load average says how much of it the run had.

``--rebuild`` discards the cached warehouses (they are keyed by the seed, the sizes and the source
of the migrations and the demo generator, not by every loader change).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import analytics  # noqa: E402
from analytics.demo.build import build_demo  # noqa: E402
from analytics.demo.replicate import copies_for, grow_warehouse  # noqa: E402
from analytics.settings import Settings  # noqa: E402
from analytics.warehouse import run  # noqa: E402

GIB = 1024**3
TARGET_SECONDS = 60.0
TARGET_RSS = 4 * GIB
TARGET_GROWTH = 2.0


def _on_terminal() -> bool:
    return sys.stderr.isatty()


def _say(text: str) -> None:
    sys.stderr.write(f"{text}\n")


def _source_tag() -> str:
    """Hash of what the cached warehouses are made of: the migrations and the demo generator."""
    digest = hashlib.sha256()
    for folder in (REPO / "analytics" / "warehouse" / "migrations", REPO / "analytics" / "demo"):
        for path in sorted(folder.glob("*.sql")) + sorted(folder.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _progress(desc: str) -> Any:
    """A tqdm bar on a terminal, nothing otherwise (cron, pipes)."""
    if not _on_terminal():
        return None
    from tqdm import tqdm

    return tqdm(desc=desc, unit="step", leave=False)


def base_warehouse(cache: Path, *, seed: int, scale: float) -> Path:
    """The demo warehouse at ``scale``, loaded through the real loaders (cached)."""
    path = cache / f"demo-seed{seed}-scale{scale:g}-{_source_tag()}.duckdb"
    if path.exists():
        return path
    _say(f"building the demo (seed {seed}, scale {scale:g}) through the loaders …")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        wh = Path(tmp) / "demo.duckdb"
        settings = Settings.from_env(warehouse=wh).with_(demo_dir=Path(tmp) / "exports")
        summary = build_demo(settings=settings, seed=seed, scale=scale, progress=_on_terminal(), on_step=_say)
        rows = summary.rows
        _say(f"  {rows['cost']:,} cost rows, {rows['incidents']:,} incidents in {summary.seconds:.0f} s")
        shutil.move(str(wh), path)
    return path


def grown_warehouse(cache: Path, base: Path, *, rows: int, incidents: int, seed: int, scale: float) -> Path:
    """``base`` grown to about ``rows`` cost rows and ``incidents`` incidents (cached)."""
    path = cache / f"grown-seed{seed}-scale{scale:g}-{rows}-{incidents}-{_source_tag()}.duckdb"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    shutil.copyfile(base, tmp)
    con = analytics.connect(tmp)
    try:
        base_rows = int(run(con, "SELECT count(*) FROM cost")[0][0])
        base_incidents = int(run(con, "SELECT count(*) FROM incidents")[0][0])
        cost_copies, incident_copies = copies_for(rows, base_rows), copies_for(incidents, base_incidents)
        _say(f"growing to {base_rows * cost_copies:,} cost rows and {base_incidents * incident_copies:,} incidents …")
        began = time.perf_counter()
        bar = _progress("growing")

        def tick(done: int, total: int) -> None:
            if bar is not None:
                bar.total = total
                bar.n = done
                bar.refresh()

        growth = grow_warehouse(con, cost_copies=cost_copies, incident_copies=incident_copies, progress=tick)
        if bar is not None:
            bar.close()
        run(con, "CHECKPOINT")
        _say(f"  {growth.describe()} in {time.perf_counter() - began:.0f} s")
    finally:
        con.close()
    tmp.rename(path)
    return path


@dataclass
class RunMeasure:
    """One ``opsreview report all`` run."""

    warehouse: Path
    cost_rows: int
    incidents: int
    wall: float = 0.0
    cpu: float = 0.0
    max_rss: int = 0
    load: list[float] = field(default_factory=list)
    notebooks: list[dict[str, Any]] = field(default_factory=list)
    ok: bool = False

    @property
    def load_mean(self) -> float:
        return sum(self.load) / len(self.load) if self.load else float("nan")


def _sample_load(stop: threading.Event, into: list[float]) -> None:
    while not stop.wait(1.0):
        into.append(os.getloadavg()[0])


def report_run(warehouse: Path, *, period: str, jobs: int, out: Path) -> RunMeasure:
    """Run ``opsreview report all`` on ``warehouse`` in a subprocess and measure it."""
    con = analytics.connect(warehouse, read_only=True)
    try:
        cost_rows = int(run(con, "SELECT count(*) FROM cost")[0][0])
        incidents = int(run(con, "SELECT count(*) FROM incidents")[0][0])
    finally:
        con.close()
    measure = RunMeasure(warehouse, cost_rows, incidents)
    command = [sys.executable, "-m", "analytics", "report", "all", "--period", period, "--jobs", str(jobs),
               "--warehouse", str(warehouse), "--out", str(out), "-q"]
    env = {**os.environ, "OPSREVIEW_HOME": str(REPO), "PYTHONPATH": str(REPO)}
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_load, args=(stop, measure.load), daemon=True)
    sampler.start()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: wait4 below must not wait on a full pipe
        began = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        measure.wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        sampler.join()
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    measure.cpu = usage.ru_utime + usage.ru_stime  # the runner and every kernel it waited for
    measure.ok = proc.returncode == 0
    if not measure.ok:
        _say(f"report run failed (exit {proc.returncode}):\n{text[-3000:]}")
    summary = out / "run.json"
    if summary.is_file():
        recorded = json.loads(summary.read_text(encoding="utf-8"))
        measure.notebooks = recorded["results"]
        # the largest process: the runner or a kernel (VmHWM each, from run.json; wait4's ru_maxrss would
        # also count this process's own memory at fork time, which Linux carries across exec)
        peaks = [recorded.get("runner_peak_rss_mb")] + [r.get("peak_rss_mb") for r in measure.notebooks]
        measure.max_rss = int(max((p for p in peaks if p), default=0) * 2**20)
    return measure


def _gib(value: float | None) -> str:
    return "-" if value is None else f"{value / GIB:.2f} GiB"


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_report(small: RunMeasure, large: RunMeasure, *, jobs: int) -> None:
    """Per-notebook and whole-run figures of both runs, and the ratios against the targets."""
    print(f"opsreview report all, {jobs} notebook(s) at a time; {os.cpu_count()} CPUs")
    header = f"{'notebook':22s} {'small s':>8s} {'large s':>8s} {'ratio':>6s} {'small RSS':>10s} {'large RSS':>10s}"
    print(header)
    by_name = {r["name"]: r for r in small.notebooks}
    for r in large.notebooks:
        s = by_name.get(r["name"], {})
        ratio = r["seconds"] / s["seconds"] if s.get("seconds") else float("nan")
        rss_s = s.get("peak_rss_mb")
        rss_l = r.get("peak_rss_mb")
        print(f"{r['name']:22s} {s.get('seconds', float('nan')):8.1f} {r['seconds']:8.1f} {ratio:6.2f} "
              f"{_gib(rss_s * 2**20 if rss_s else None):>10s} {_gib(rss_l * 2**20 if rss_l else None):>10s}"
              f"{'' if r.get('ok', True) else '  FAILED'}")
    for label, m in (("small", small), ("large", large)):
        print(f"{label}: {m.cost_rows:,} cost rows, {m.incidents:,} incidents: wall {m.wall:.1f} s, "
              f"CPU {m.cpu:.1f} s, peak RSS {_gib(m.max_rss)} (largest process), load average "
              f"{m.load_mean:.1f} (max {max(m.load, default=float('nan')):.1f}) during the run"
              f"{'' if m.ok else ', FAILED'}")
    growth = large.wall / small.wall if small.wall else float("nan")
    cpu_growth = large.cpu / small.cpu if small.cpu else float("nan")
    rows = large.cost_rows / small.cost_rows if small.cost_rows else float("nan")
    print(f"growth: {rows:.1f}x the rows -> {growth:.2f}x the wall time ({cpu_growth:.2f}x the CPU time); "
          f"target <= {TARGET_GROWTH:g}x: {_verdict(growth <= TARGET_GROWTH)}")
    print(f"large run: {large.wall:.1f} s (target <= {TARGET_SECONDS:g} s: {_verdict(large.wall <= TARGET_SECONDS)}), "
          f"peak RSS {_gib(large.max_rss)} (target <= {_gib(TARGET_RSS)}: {_verdict(large.max_rss <= TARGET_RSS)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="cost rows of the large warehouse")
    parser.add_argument("--incidents", type=int, default=100_000, help="incidents of the large warehouse")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--base-scale", type=float, default=1.0, help="demo scale grown from (default 1)")
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks at a time (default 2)")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                        / "opsreview-bench")
    parser.add_argument("--rebuild", action="store_true", help="discard the cached warehouses first")
    parser.add_argument("--keep", type=Path, help="keep the two report folders here")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.rebuild:
        for old in args.cache.glob("*.duckdb"):
            old.unlink()
    base = base_warehouse(args.cache, seed=args.seed, scale=args.base_scale)
    small_wh = grown_warehouse(args.cache, base, rows=args.rows // 10, incidents=args.incidents // 10,
                               seed=args.seed, scale=args.base_scale)
    large_wh = grown_warehouse(args.cache, base, rows=args.rows, incidents=args.incidents, seed=args.seed,
                               scale=args.base_scale)
    with tempfile.TemporaryDirectory(dir=args.cache) as tmp:
        out = args.keep or Path(tmp)
        _say(f"report on the small warehouse ({small_wh.name}) …")
        small = report_run(small_wh, period=args.period, jobs=args.jobs, out=out / "small")
        _say(f"report on the large warehouse ({large_wh.name}) …")
        large = report_run(large_wh, period=args.period, jobs=args.jobs, out=out / "large")
    print_report(small, large, jobs=args.jobs)
    return 0 if small.ok and large.ok else 1


if __name__ == "__main__":
    sys.exit(main())
