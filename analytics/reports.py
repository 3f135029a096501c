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
   same period from interleaving.
"""

from __future__ import annotations

import html
import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm
from nbconvert import HTMLExporter
from traitlets.config import Config

from analytics import __version__
from analytics.errors import ParameterError, ReportError, UnknownNameError, WarehouseError
from analytics.params import COMMON_PARAMETERS
from analytics.periods import Period, latest_full_quarter, parse_period
from analytics.settings import Settings
from analytics.warehouse import connect, run

log = logging.getLogger(__name__)

KERNEL = "python3"
CELL_TIMEOUT_S = 1800
REMOVE_TAGS = {"remove-cell", "parameters", "injected-parameters"}


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
    lock = out_dir / ".lock"
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


def _archive_previous(out_dir: Path) -> str | None:
    """Move an earlier run's outputs to ``history/<its start time>/``; return that folder."""
    entries = [p for p in out_dir.iterdir() if p.name not in {"history", ".lock"}]
    if not entries:
        return None
    stamp = "unknown"
    meta = out_dir / "run.json"
    if meta.is_file():
        try:
            stamp = json.loads(meta.read_text("utf-8"))["started_at"]
        except (ValueError, KeyError):
            stamp = "unknown"
    safe = stamp.replace(":", "").replace("-", "").replace("+0000", "Z")[:16] or "unknown"
    target = out_dir / "history" / safe
    suffix = 1
    while target.exists():
        suffix += 1
        target = out_dir / "history" / f"{safe}-{suffix}"
    target.mkdir(parents=True)
    for entry in entries:
        shutil.move(str(entry), target / entry.name)
    log.info("moved the previous run of %s to %s", out_dir.name, target)
    return str(target)


def run_reports(
    names: Sequence[str],
    period: str | Period,
    *,
    settings: Settings | None = None,
    out_dir: Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> RunSummary:
    """Run report notebooks for a period; see the module docstring for the contract."""
    cfg = settings or Settings.from_env()
    if cfg.warehouse_is_memory:
        raise WarehouseError("reports need a warehouse file, not :memory:")
    parsed = latest_quarter(cfg.warehouse) if str(period).lower() == "latest" else parse_period(period)
    chosen = resolve_names(names, cfg)
    extra = dict(parameters or {})
    for name in chosen:
        check_parameters(cfg.notebook(name), extra)
    window = data_window(cfg.warehouse)  # also proves the warehouse exists and opens
    target = (out_dir or cfg.report_dir(parsed.label)).resolve()
    started = datetime.now(UTC)
    summary = RunSummary(
        period=parsed.label,
        out_dir=str(target),
        warehouse=cfg.warehouse,
        started_at=started.isoformat(timespec="seconds"),
        git_commit=git_commit(cfg.home),
        data_window=window,
    )
    with _period_lock(target):
        summary.archived_previous_run = _archive_previous(target)
        iterator: Any = chosen
        if progress:
            from tqdm import tqdm

            iterator = tqdm(chosen, desc=f"reports {parsed.label}", unit="notebook")
        for name in iterator:
            summary.results.append(_run_one(name, parsed, cfg, target, extra))
        summary.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        summary.seconds = round((datetime.now(UTC) - started).total_seconds(), 1)
        (target / "run.json").write_text(json.dumps(asdict(summary), indent=2, default=str), encoding="utf-8")
        (target / "index.html").write_text(index_html(summary), encoding="utf-8")
    return summary


def _run_one(name: str, period: Period, cfg: Settings, target: Path, extra: Mapping[str, Any]) -> NotebookResult:
    """Execute one notebook and render it; never raises for a failing notebook."""
    source = cfg.notebook(name)
    executed = target / f"{name}.ipynb"
    params = {"period": period.label, "warehouse": cfg.warehouse, "output_dir": str(target / name), **extra}
    began = time.perf_counter()
    try:
        pm.execute_notebook(
            str(source),
            str(executed),
            parameters=params,
            kernel_name=KERNEL,
            language="python",
            cwd=str(source.parent),
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=CELL_TIMEOUT_S,
            # the kernel process's own chatter (TCP transport notice, "KeyboardInterrupt caught" at shutdown)
            # would drown a cron log; errors in cells still fail the notebook and are reported below
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except pm.PapermillExecutionError as exc:
        seconds = round(time.perf_counter() - began, 1)
        log.error("%s failed in cell %s: %s: %s", name, exc.exec_count, exc.ename, exc.evalue)
        return NotebookResult(name, False, seconds, executed.name, None, f"{exc.ename}: {exc.evalue}", exc.exec_count)
    except Exception as exc:  # kernel death, timeouts, missing kernels: keep going with the others
        seconds = round(time.perf_counter() - began, 1)
        log.error("%s could not run: %s", name, exc)
        return NotebookResult(name, False, seconds, executed.name if executed.exists() else "",
                              None, f"{type(exc).__name__}: {exc}")
    page = target / f"{name}.html"
    render_html(executed, page, title=f"{_title(name)} — {period.label}")
    seconds = round(time.perf_counter() - began, 1)
    log.info("%s done in %.1f s", name, seconds)
    return NotebookResult(name, True, seconds, executed.name, page.name)


def _title(name: str) -> str:
    """``incident_trends`` → ``Incident trends``."""
    return name.replace("_", " ").capitalize()


def index_html(summary: RunSummary) -> str:
    """The run's index page: links to every report, failures, and the run metadata."""
    esc = html.escape
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
