"""The report runner: papermill underneath, code-free HTML on top, an index page over both.

``run_reports(["incident_trends"], "2026Q3")`` …

1. checks every name against ``notebooks/*.ipynb`` and every parameter against the notebook's
   declared parameters (``papermill.inspect_notebook``) — an unknown name or a bad period is an
   error before anything runs, not papermill's warning; ``all`` runs the quarterly review last,
   because it links to the other reports' pages;
2. executes each notebook with kernel ``python3``, ``cwd`` = the notebooks folder and the
   parameters ``period``, ``warehouse`` (absolute) and ``output_dir``;
3. writes ``<name>.ipynb`` (executed) and ``<name>.html`` (``--no-input``: no code) to
   ``reports/<period>/``, plus ``index.html`` and ``run.json`` with the run metadata;
4. collects failures, keeps what succeeded, and reports failure to the caller (the CLI exits 1);
5. never overwrites another run silently: an earlier run's files are moved to
   ``reports/<period>/history/<its start time>/`` first, and a lock file stops two runs of the
   same period from interleaving;
6. moves nothing it did not write: only the files a previous run lists in its ``run.json``
   (``files``) are archived, never dotfiles, other folders or the warehouse; a non-empty folder
   without a ``run.json`` is refused, and ``-p output_dir=…`` must lie inside the run's folder;
7. reads one consistent state: every notebook of a run reads a snapshot of the warehouse taken
   once at the start under a read lock (:func:`analytics.warehouse.snapshot`), so a load landing
   mid-run cannot mix states, and the load does not wait for the report; the copy is deleted at
   the end (it needs as much free disk as the warehouse file, next to the reports);
8. is all or nothing under Ctrl-C: an interrupted run deletes what it wrote, puts the previous run
   back and re-raises ``KeyboardInterrupt`` (the CLI says "interrupted, nothing written", exit 130);
9. runs up to ``jobs`` notebooks at a time (``--jobs``; default 1): each in its own kernel, started
   from a thread of the runner; Ctrl-C interrupts every running kernel (they run in sessions of
   their own, so a terminal's Ctrl-C does not reach them) and waits for them before the clean-up
   of point 8. The summary pages of :data:`RUN_LAST`
   still start only when every other notebook has finished; results and ``run.json`` list the
   notebooks in the same order whatever finished first;
10. shares work between the notebooks of one run: the runner gives every kernel a private cache
    folder inside the run's folder (``OPSREVIEW_RUN_CACHE``, :mod:`analytics.runcache`), so a result
    computed by one notebook (the cost anomalies of a quarter) is read back, not recomputed, by a
    later one (the quarterly review); the folder is deleted with the snapshot at the end.

Why one module over 500 lines: the report runner's contract (period lock, snapshot, archive of a
previous run, parallel kernels, interruption, run.json and the index page) is one transaction;
splitting it would spread the invariants of that transaction over modules.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_event_loop
from nbconvert import HTMLExporter
from traitlets.config import Config

from analytics import __version__
from analytics.engines import COST_ENGINE_ENV, parse_engine
from analytics.errors import ParameterError, ReportError, UnknownNameError, UsageError, WarehouseError
from analytics.escaping import html_text
from analytics.params import COMMON_PARAMETERS, COST_ENGINE_STATS
from analytics.periods import Period, latest_full_quarter, parse_period
from analytics.runcache import RUN_CACHE_ENV
from analytics.settings import Settings, environment_variable
from analytics.warehouse import connect, run, snapshot

log = logging.getLogger(__name__)

KERNEL = "python3"
CELL_TIMEOUT_S = 1800
REMOVE_TAGS = {"remove-cell", "parameters", "injected-parameters"}
RUN_FILE = "run.json"
INDEX_FILE = "index.html"
HISTORY = "history"
LOCK_FILE = ".lock"
SNAPSHOT_FILE = ".warehouse-snapshot.duckdb"
CACHE_PREFIX = ".run-cache-"
MAX_JOBS = 16


@dataclass(frozen=True)
class NotebookResult:
    """Outcome of one notebook."""

    name: str
    ok: bool
    seconds: float
    notebook: str
    html: str | None
    error: str | None = None
    failed_cell: int | None = None
    peak_rss_mb: float | None = None
    """Peak resident memory of the notebook's kernel in MiB (Linux; None elsewhere)."""
    cost_engine: dict[str, Any] | None = None
    """What the notebook's cost statements returned on the cost engine (its ``cost_engine.json``)."""


@dataclass
class RunSummary:
    """Outcome of one ``opsreview report`` run."""

    period: str
    out_dir: str
    warehouse: str
    started_at: str
    finished_at: str = ""
    seconds: float = 0.0
    git_commit: str | None = None
    tool_version: str = __version__
    data_window: dict[str, str | None] = field(default_factory=dict)
    results: list[NotebookResult] = field(default_factory=list)
    archived_previous_run: str | None = None
    runner_peak_rss_mb: float | None = None
    """Peak resident memory of the runner process itself in MiB (Linux; the kernels are in ``results``)."""
    files: list[str] = field(default_factory=list)
    """Top-level names this run wrote in its folder: the only entries a later run may archive."""
    cost_engine: dict[str, Any] | None = None
    """Where the cost statements ran and, summed over the notebooks, statements, rows and bytes returned
    and bytes scanned (None: the warehouse itself)."""

    @property
    def ok(self) -> bool:
        """Whether every notebook succeeded."""
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> list[NotebookResult]:
        """The notebooks that failed."""
        return [r for r in self.results if not r.ok]


def available_reports(settings: Settings | None = None) -> list[str]:
    """Names of the report notebooks (``notebooks/*.ipynb`` not starting with ``_``)."""
    folder = (settings or Settings.from_env()).notebooks_dir
    return sorted(p.stem for p in folder.glob("*.ipynb") if not p.name.startswith("_"))


ALIASES: dict[str, str] = {"quarterly": "quarterly_review"}
"""Short names accepted on the command line (``opsreview report quarterly``)."""
RUN_LAST: tuple[str, ...] = ("quarterly_review",)
"""Reports that link to the others' pages: ``all`` runs them after every other report, so the evidence
pages exist in the run's folder when they render."""


def resolve_names(names: Sequence[str], settings: Settings) -> list[str]:
    """Expand ``all`` (the summary reports of :data:`RUN_LAST` last) and :data:`ALIASES`, and check every
    name exists."""
    known = available_reports(settings)
    if not known:
        raise UnknownNameError(f"no report notebooks in {settings.notebooks_dir}")
    everything = [n for n in known if n not in RUN_LAST] + [n for n in RUN_LAST if n in known]
    chosen: list[str] = []
    for name in names:
        for item in everything if name == "all" else [ALIASES.get(name, name)]:
            if item not in known:
                aliases = "".join(f", {a} (= {t})" for a, t in ALIASES.items() if t in known)
                raise UnknownNameError(f"unknown report {item!r}; available: all, {', '.join(known)}{aliases}")
            if item not in chosen:
                chosen.append(item)
    if "all" in names:  # a summary named before `all` still runs after the pages it links to
        chosen = [n for n in chosen if n not in RUN_LAST] + [n for n in chosen if n in RUN_LAST]
    return chosen


def declared_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares in its ``parameters`` cell (name → papermill info)."""
    return dict(pm.inspect_notebook(str(notebook)))


def check_parameters(notebook: Path, given: Mapping[str, Any]) -> None:
    """Fail on parameters the notebook does not declare, and on notebooks missing the common ones."""
    declared = declared_parameters(notebook)
    missing = [p for p in COMMON_PARAMETERS if p not in declared]
    if missing:
        raise ParameterError(f"{notebook.name} does not declare the common parameter(s) {', '.join(missing)}")
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ParameterError(
            f"{notebook.name} has no parameter {unknown[0]!r}; it takes: {', '.join(sorted(declared))}"
        )


def git_commit(folder: Path) -> str | None:
    """Commit of the checkout the report ran from, if it is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def data_window(warehouse: str) -> dict[str, str | None]:
    """First and last day of data per domain, as ISO dates (for the index page)."""
    con = connect(warehouse, read_only=True)
    try:
        queries = {
            "incidents": "SELECT min(created_at), max(created_at) FROM incidents",
            "cost": "SELECT min(ChargePeriodStart), max(ChargePeriodEnd) FROM cost",
            "deployments": "SELECT min(deployed_at), max(deployed_at) FROM deployments",
            "sli": "SELECT min(interval_start), max(interval_end) FROM sli",
        }
        window: dict[str, str | None] = {}
        for name, sql in queries.items():
            lo, hi = run(con, sql)[0]
            window[name] = None if lo is None else f"{lo:%Y-%m-%d} → {hi:%Y-%m-%d}"
        return window
    finally:
        con.close()


def latest_quarter(warehouse: str) -> Period:
    """The latest full quarter covered by the warehouse's data (``--period latest``)."""
    con = connect(warehouse, read_only=True)
    try:
        last = run(
            con,
            "SELECT max(d) FROM (SELECT max(created_at) d FROM incidents UNION ALL "
            "SELECT max(ChargePeriodStart) FROM cost UNION ALL SELECT max(deployed_at) FROM deployments "
            "UNION ALL SELECT max(interval_start) FROM sli)",
        )[0][0]
    finally:
        con.close()
    if last is None:
        raise WarehouseError(f"warehouse {warehouse} holds no data yet, so there is no latest quarter")
    return latest_full_quarter(last.date())


def html_exporter() -> HTMLExporter:
    """nbconvert HTML exporter that drops all code and the parameter cells."""
    config = Config()
    config.TemplateExporter.exclude_input = True
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = REMOVE_TAGS
    exporter = HTMLExporter(config=config)
    exporter.register_preprocessor("nbconvert.preprocessors.TagRemovePreprocessor", enabled=True)
    return exporter


def render_html(executed: Path, target: Path, *, title: str) -> None:
    """Write the code-free HTML of an executed notebook."""
    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata["title"] = title
    body, _ = html_exporter().from_notebook_node(notebook)
    target.write_text(body, encoding="utf-8")


@contextmanager
def _period_lock(out_dir: Path) -> Iterator[None]:
    """An exclusive lock file per report folder, so two runs never interleave."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = out_dir / LOCK_FILE
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError as exc:
        raise ReportError(
            f"another report run is writing {out_dir} (remove {lock} if no run is active)"
        ) from exc
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _plain_name(name: object) -> bool:
    """Whether ``name`` is a single visible path component (no folder, no dotfile, no ``..``)."""
    return isinstance(name, str) and bool(name) and "/" not in name and "\\" not in name \
        and not name.startswith(".") and name != HISTORY


def previous_run_files(out_dir: Path, *, keep: Sequence[Path] = ()) -> list[str]:
    """Names (in ``out_dir``) of the files an earlier report run wrote, from its ``run.json``.

    An empty or missing folder has none. A non-empty folder without a readable ``run.json`` is not
    a report folder and is refused; so is a listed name outside the folder or a dotfile (ignored),
    and anything in ``keep`` (the warehouse) is never listed.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} is a file, not a folder for reports")
    if not out_dir.is_dir():
        return []
    entries = [p for p in out_dir.iterdir() if p.name != LOCK_FILE]
    if not entries:
        return []
    meta = out_dir / RUN_FILE
    try:
        recorded = json.loads(meta.read_text("utf-8"))
        if not isinstance(recorded, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as exc:
        reason = "has no run.json" if not meta.exists() else f"has an unreadable run.json ({type(exc).__name__})"
        raise UsageError(
            f"{out_dir} is not empty and {reason} of an earlier report run; refusing to write reports "
            "into it (give --out an empty or new folder)"
        ) from None
    names = recorded.get("files")
    if not isinstance(names, list):  # run.json of a version that did not list its files
        names = [RUN_FILE, INDEX_FILE]
        for result in recorded.get("results") or []:
            if isinstance(result, dict):
                names += [result.get("notebook"), result.get("html"), result.get("name")]
    protected = {p.resolve() for p in keep}
    found: list[str] = []
    for name in names:
        if not _plain_name(name) or name in found:
            continue
        entry = out_dir / name
        if entry.is_symlink() or not entry.exists() or entry.resolve() in protected:
            continue
        found.append(name)
    return sorted(found)


def _archive_previous(out_dir: Path, names: Sequence[str]) -> str | None:
    """Move the files of an earlier run (``names``) to ``history/<its start time>/``; return that folder."""
    if not names:
        return None
    stamp = "unknown"
    try:
        recorded = json.loads((out_dir / RUN_FILE).read_text("utf-8"))
        stamp = str(recorded["started_at"]) if isinstance(recorded, dict) else "unknown"
    except (OSError, ValueError, KeyError):
        stamp = "unknown"
    safe = "".join(ch for ch in stamp.replace("+00:00", "Z") if ch.isalnum())[:16] or "unknown"
    target = out_dir / HISTORY / safe
    suffix = 1
    while target.exists():
        suffix += 1
        target = out_dir / HISTORY / f"{safe}-{suffix}"
    target.mkdir(parents=True)
    for name in names:
        shutil.move(str(out_dir / name), target / name)
    log.info("moved the previous run of %s to %s", out_dir.name, target)
    return str(target)


def _restore_archived(out_dir: Path, archived: str | None) -> None:
    """Undo :func:`_archive_previous` (after an interrupted run)."""
    if archived is None:
        return
    folder = Path(archived)
    for entry in sorted(folder.iterdir()):
        shutil.move(str(entry), out_dir / entry.name)
    folder.rmdir()
    with suppress(OSError):
        (out_dir / HISTORY).rmdir()  # only if it is now empty


def _remove(entry: Path) -> None:
    """Delete a file or folder this run wrote."""
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink(missing_ok=True)


def run_files(names: Sequence[str], out_dir: Path, output_dir: Path | None) -> list[str]:
    """Top-level names a run of ``names`` writes in ``out_dir`` (see :attr:`RunSummary.files`)."""
    files = [RUN_FILE, INDEX_FILE]
    for name in names:
        files += [f"{name}.ipynb", f"{name}.html"]
        files.append((output_dir or out_dir / name).relative_to(out_dir).parts[0])
    return sorted(set(files))


def confined_output_dir(value: object, out_dir: Path) -> Path:
    """``-p output_dir=…`` as an absolute folder inside the run's folder (relative = relative to it)."""
    given = Path(str(value)).expanduser()
    folder = (given if given.is_absolute() else out_dir / given).resolve()
    inside = folder.is_relative_to(out_dir) and folder != out_dir
    first = folder.relative_to(out_dir).parts[0] if inside else ""
    if not inside or not _plain_name(first) or first in {RUN_FILE, INDEX_FILE}:
        raise ParameterError(
            f"output_dir {str(value)!r} must be a folder inside the run's folder {out_dir} "
            "(not the folder itself, its history/ or a dotfile)"
        )
    return folder


def run_reports(
    names: Sequence[str],
    period: str | Period,
    *,
    settings: Settings | None = None,
    out_dir: Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: bool = False,
    jobs: int = 1,
    cost_engine: str | None = None,
) -> RunSummary:
    """Run report notebooks for a period, ``jobs`` at a time; see the module docstring for the contract.

    ``cost_engine`` (a URL, :func:`analytics.engines.parse_engine`) puts the cost statements of every
    notebook on that engine, through ``OPSREVIEW_COST_ENGINE`` in the kernels' environment."""
    if not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        raise UsageError(f"jobs must be a whole number from 1 to {MAX_JOBS}, got {jobs!r}")
    if cost_engine:
        spec = parse_engine(cost_engine)
        with environment_variable(COST_ENGINE_ENV, cost_engine):
            summary = run_reports(names, period, settings=settings, out_dir=out_dir, parameters=parameters,
                                  progress=progress, jobs=jobs)
        log.info("cost statements on %s", spec.describe())
        return summary
    cfg = settings or Settings.from_env()
    if cfg.warehouse_is_memory:
        raise WarehouseError("reports need a warehouse file, not :memory:")
    latest = str(period).lower() == "latest"
    parsed = latest_quarter(cfg.warehouse) if latest else parse_period(period)
    chosen = resolve_names(names, cfg)
    extra = dict(parameters or {})
    for name in chosen:
        check_parameters(cfg.notebook(name), extra)
    target = (out_dir or cfg.report_dir(parsed.label)).resolve()
    output_dir = confined_output_dir(extra["output_dir"], target) if "output_dir" in extra else None
    if output_dir is not None:
        extra["output_dir"] = str(output_dir)
    warehouse_files = (Path(cfg.warehouse), Path(cfg.warehouse + ".wal"))
    previous_run_files(target, keep=warehouse_files)  # refuse a foreign folder before creating anything
    created = not target.exists()
    try:
        return _locked_run(chosen, parsed, cfg, target, extra, output_dir, progress=progress, jobs=jobs)
    except BaseException:
        if created:
            with suppress(OSError):
                target.rmdir()  # a run that wrote nothing leaves no empty folder behind
        raise


def _locked_run(
    chosen: Sequence[str], parsed: Period, cfg: Settings, target: Path, extra: dict[str, Any],
    output_dir: Path | None, *, progress: bool, jobs: int,
) -> RunSummary:
    """Under the folder's lock: snapshot the warehouse, run, write ``run.json`` and the index page."""
    warehouse_files = (Path(cfg.warehouse), Path(cfg.warehouse + ".wal"))
    with _period_lock(target):
        previous = previous_run_files(target, keep=warehouse_files)
        files = run_files(chosen, target, output_dir)
        if clash := sorted((set(files) - set(previous)) & {p.name for p in target.iterdir()}):
            raise UsageError(f"{target} already holds {clash[0]!r}, which no earlier report run wrote; "
                             "refusing to overwrite it (give --out an empty or new folder)")
        snap = target / SNAPSHOT_FILE
        cache = Path(tempfile.mkdtemp(prefix=CACHE_PREFIX, dir=target))  # private (0700), this run only
        try:
            snapshot(cfg.warehouse, snap)
            run_cfg = cfg.with_(warehouse=str(snap))
            with _run_cache(cache):
                summary = _run_all(chosen, parsed, cfg, run_cfg, target, extra, previous, progress=progress,
                                   jobs=jobs)
        finally:
            for leftover in (snap, snap.with_name(snap.name + ".wal")):
                leftover.unlink(missing_ok=True)
            shutil.rmtree(cache, ignore_errors=True)
        summary.files = files
        summary.cost_engine = engine_totals(summary.results)
        (target / RUN_FILE).write_text(json.dumps(asdict(summary), indent=2, default=str), encoding="utf-8")
        (target / INDEX_FILE).write_text(index_html(summary), encoding="utf-8")
    return summary


@contextmanager
def _run_cache(folder: Path) -> Iterator[None]:
    """``OPSREVIEW_RUN_CACHE`` = ``folder`` for the kernels started meanwhile (they inherit the environment)."""
    with environment_variable(RUN_CACHE_ENV, str(folder)):
        yield


def _run_all(
    chosen: Sequence[str], parsed: Period, cfg: Settings, run_cfg: Settings, target: Path,
    extra: Mapping[str, Any], previous: Sequence[str], *, progress: bool, jobs: int = 1,
) -> RunSummary:
    """Archive the previous run, run every notebook against ``run_cfg``'s snapshot; undo all on Ctrl-C."""
    started = datetime.now(UTC)
    summary = RunSummary(
        period=parsed.label,
        out_dir=str(target),
        warehouse=cfg.warehouse,
        started_at=started.isoformat(timespec="seconds"),
        git_commit=git_commit(cfg.home),
        data_window=data_window(run_cfg.warehouse),
    )
    summary.archived_previous_run = _archive_previous(target, previous)
    written = run_files(chosen, target, Path(extra["output_dir"]) if "output_dir" in extra else None)
    try:
        if jobs > 1:
            summary.results = _run_concurrently(chosen, parsed, run_cfg, target, extra, jobs=jobs, progress=progress)
        else:
            iterator: Any = chosen
            if progress:
                from tqdm import tqdm

                iterator = tqdm(chosen, desc=f"reports {parsed.label}", unit="notebook")
            kernels = _Kernels()
            for name in iterator:
                if progress:
                    iterator.set_postfix_str(name)
                summary.results.append(_run_one(name, parsed, run_cfg, target, extra, kernels=kernels))
    except BaseException:  # Ctrl-C (KeyboardInterrupt) or a crash of the runner itself: leave no half run
        for name in written:
            _remove(target / name)
        _restore_archived(target, summary.archived_previous_run)
        raise
    summary.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    own = peak_rss_bytes(os.getpid())
    summary.runner_peak_rss_mb = round(own / 2**20, 1) if own else None
    summary.seconds = round((datetime.now(UTC) - started).total_seconds(), 1)
    return summary


def peak_rss_bytes(pid: int) -> int | None:
    """Peak resident memory of a running process (``VmHWM`` in ``/proc/<pid>/status``), None where unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text("ascii", "replace").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class _Kernels:
    """The kernels of one run: Ctrl-C can interrupt them all, and each notebook's peak memory is kept.

    nbclient creates and owns each kernel manager as usual (and shuts its kernel down); the manager
    class it is given registers every instance here under the thread that runs its notebook, reads
    the kernel's peak resident memory just before the kernel is shut down, and :meth:`interrupt_all`
    sends SIGINT to each kernel's process group — what the manager's own interrupt does — from the
    runner's thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[int, Any] = {}
        self.stopping = threading.Event()
        registry = self

        class TrackedKernelManager(AsyncKernelManager):
            peak_rss: int | None = None

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                with registry._lock:
                    registry._running[threading.get_ident()] = self

            async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:  # type: ignore[override]
                pid = getattr(self.provisioner, "pid", None) if self.provisioner is not None else None
                if pid:
                    self.peak_rss = peak_rss_bytes(int(pid))
                await super().shutdown_kernel(now=now, restart=restart)

        self.manager_class = TrackedKernelManager

    def finished(self) -> int | None:
        """Forget the kernel of the calling thread's notebook; return its peak resident memory in bytes."""
        with self._lock:
            km = self._running.pop(threading.get_ident(), None)
        return getattr(km, "peak_rss", None)

    def interrupt_all(self) -> None:
        """Interrupt every kernel still running: its cell fails at once and its notebook returns."""
        self.stopping.set()
        with self._lock:
            managers = list(self._running.values())
        for km in managers:
            group = getattr(km.provisioner, "pgid", None) if km.provisioner is not None else None
            if group:
                with suppress(OSError):
                    os.killpg(group, signal.SIGINT)


def _in_own_event_loop(function: Callable[..., NotebookResult], *args: Any, **kwargs: Any) -> NotebookResult:
    """Call ``function`` in a worker thread, then close the asyncio loop nbclient ran there (jupyter_core
    keeps one per thread and would leave it open, with its sockets, when the thread ends)."""
    try:
        return function(*args, **kwargs)
    finally:
        loop = ensure_event_loop()
        if not loop.is_running():
            loop.close()


def _run_concurrently(
    chosen: Sequence[str], period: Period, cfg: Settings, target: Path, extra: Mapping[str, Any], *, jobs: int,
    progress: bool,
) -> list[NotebookResult]:
    """Run the notebooks ``jobs`` at a time (the :data:`RUN_LAST` ones after all others); results in
    ``chosen`` order. Ctrl-C interrupts every running kernel, waits for the threads and re-raises."""
    first = [n for n in chosen if n not in RUN_LAST]
    last = [n for n in chosen if n in RUN_LAST]
    kernels = _Kernels()
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(chosen), desc=f"reports {period.label} ({jobs} at a time)", unit="notebook")

    def finished(result: NotebookResult) -> None:
        if bar is not None:
            bar.set_postfix_str(result.name)
            bar.update(1)

    results: dict[str, NotebookResult] = {}
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="notebook")
    try:
        for batch in (first, last):
            pending: dict[Future[NotebookResult], str] = {
                pool.submit(_in_own_event_loop, _run_one, name, period, cfg, target, extra, kernels=kernels): name
                for name in batch}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    results[pending.pop(future)] = result = future.result()
                    finished(result)
    except BaseException:
        kernels.interrupt_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        if bar is not None:
            bar.close()
    return [results[name] for name in chosen]


def _run_one(name: str, period: Period, cfg: Settings, target: Path, extra: Mapping[str, Any], *,
             kernels: _Kernels | None = None) -> NotebookResult:
    """Execute one notebook and render it; never raises for a failing notebook. Its kernel is registered
    in ``kernels`` (to interrupt it in a concurrent run, and for its peak memory)."""
    source = cfg.notebook(name)
    executed = target / f"{name}.ipynb"
    params = {"period": period.label, "warehouse": cfg.warehouse, "output_dir": str(target / name), **extra}
    began = time.perf_counter()
    engine: dict[str, Any] = {"kernel_manager_class": kernels.manager_class} if kernels is not None else {}

    def peak() -> float | None:
        value = kernels.finished() if kernels is not None else None
        return round(value / 2**20, 1) if value else None

    def interrupted() -> bool:
        return kernels is not None and kernels.stopping.is_set()

    try:
        if interrupted():
            raise KeyboardInterrupt
        pm.execute_notebook(
            str(source),
            str(executed),
            parameters=params,
            kernel_name=KERNEL,
            language="python",
            # the kernel starts in the notebooks folder (nbclient's resources path), without papermill's
            # process-wide chdir, so notebooks running side by side never see each other's working folder
            resources={"metadata": {"path": str(source.parent.resolve())}},
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=CELL_TIMEOUT_S,
            # the kernel process's own chatter (TCP transport notice, "KeyboardInterrupt caught" at shutdown)
            # would drown a cron log; errors in cells still fail the notebook and are reported below
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            **engine,
        )
    except pm.PapermillExecutionError as exc:
        seconds = round(time.perf_counter() - began, 1)
        if not interrupted():  # a notebook the run interrupted itself is no failure to report
            log.error("%s failed in cell %s: %s: %s", name, exc.exec_count, exc.ename, exc.evalue)
        return NotebookResult(name, False, seconds, executed.name, None, f"{exc.ename}: {exc.evalue}", exc.exec_count,
                              peak_rss_mb=peak(), cost_engine=_engine_stats(target / name))
    except Exception as exc:  # kernel death, timeouts, missing kernels: keep going with the others
        seconds = round(time.perf_counter() - began, 1)
        if not interrupted():
            log.error("%s could not run: %s", name, exc)
        return NotebookResult(name, False, seconds, executed.name if executed.exists() else "",
                              None, f"{type(exc).__name__}: {exc}", peak_rss_mb=peak())
    memory = peak()
    page = target / f"{name}.html"
    render_html(executed, page, title=f"{_title(name)} — {period.label}")
    seconds = round(time.perf_counter() - began, 1)
    log.info("%s done in %.1f s", name, seconds)
    return NotebookResult(name, True, seconds, executed.name, page.name, peak_rss_mb=memory,
                          cost_engine=_engine_stats(target / name))


def _engine_stats(folder: Path) -> dict[str, Any] | None:
    """A notebook's ``cost_engine.json`` (written by its engine after every statement), if any."""
    path = folder / COST_ENGINE_STATS
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def engine_totals(results: Sequence[NotebookResult]) -> dict[str, Any] | None:
    """The cost engine's statements, rows and bytes summed over the notebooks (None: no engine ran)."""
    used = [r.cost_engine for r in results if r.cost_engine]
    if not used:
        return None
    scanned = [u["bytes_scanned"] for u in used if u.get("bytes_scanned") is not None]
    return {
        "engine": used[0]["engine"],
        "statements": sum(int(u["statements"]) for u in used),
        "rows_returned": sum(int(u["rows_returned"]) for u in used),
        "bytes_returned": sum(int(u["bytes_returned"]) for u in used),
        "bytes_scanned": sum(scanned) if scanned else None,
    }


def _title(name: str) -> str:
    """``incident_trends`` → ``Incident trends``."""
    return name.replace("_", " ").capitalize()


def index_html(summary: RunSummary) -> str:
    """The run's index page: links to every report, failures, and the run metadata."""
    esc = html_text
    rows = []
    for r in summary.results:
        link = f'<a href="{esc(r.html)}">{esc(_title(r.name))}</a>' if r.html else esc(_title(r.name))
        status = "ok" if r.ok else f'<span class="fail">failed</span>: {esc(r.error or "")}'
        nb = f'<a href="{esc(r.notebook)}">notebook</a>' if r.notebook else ""
        rows.append(f"<tr><td>{link}</td><td>{status}</td><td>{r.seconds:.1f} s</td><td>{nb}</td></tr>")
    window = "".join(
        f"<li>{esc(k)}: {esc(v) if v else 'no data loaded'}</li>" for k, v in summary.data_window.items()
    )
    archived = (
        f"<p>The previous run of this period was kept in <code>{esc(summary.archived_previous_run)}</code>.</p>"
        if summary.archived_previous_run else ""
    )
    commit = f", commit {esc(summary.git_commit)}" if summary.git_commit else ""
    verdict = "All reports succeeded." if summary.ok else f"{len(summary.failed)} report(s) failed."
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Operational review {esc(summary.period)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ padding: .4rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }}
.fail {{ color: #b2182b; font-weight: bold; }} .meta {{ color: #555; font-size: .9rem; }}
</style></head><body>
<h1>Operational review — {esc(summary.period)}</h1>
<p>{esc(verdict)}</p>
<table><thead><tr><th>Report</th><th>Status</th><th>Time</th><th>Executed notebook</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<h2>Run</h2>
<ul class="meta">
<li>Period: {esc(summary.period)}</li>
<li>Started: {esc(summary.started_at)} (UTC), finished: {esc(summary.finished_at)}, {summary.seconds:.1f} s</li>
<li>Warehouse: <code>{esc(summary.warehouse)}</code></li>
<li>Code: opsreview {esc(summary.tool_version)}{commit}</li>
</ul>
<h2>Data window</h2><ul class="meta">{window}</ul>
{archived}
</body></html>
"""
