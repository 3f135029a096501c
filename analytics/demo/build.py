"""``opsreview demo``: write the demo company's exports to disk, then load them like a user would.

The generated files land in ``data/demo/`` (``OPSREVIEW_DEMO_DIR``), next to ``truth.json`` (the
planted truths). Each dataset is written in a vendor's own format — PagerDuty REST pages with
log entries, GitHub deployments + statuses + pushes, OpenSLO YAML and SLI counts, an AWS CUR 2.0
Data Export (parquet + manifests), Google Cloud billing-export JSON lines, Azure as FOCUS CSV,
a service catalogue, business metrics and budgets — and every file goes through
:func:`analytics.sources.ingest`, so the demo exercises the real loaders, the ledger, the
reconciliation gate and the restatement of AWS 2026-08 (delivered twice).
"""

from __future__ import annotations

import json
import logging
import shlex
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analytics.demo.company import COMPANY, LATEST_QUARTER
from analytics.demo.render_cost import write_cur2_export, write_gcp_billing_export
from analytics.demo.render_delivery import write_github_deployments
from analytics.demo.render_incidents import write_pagerduty_rest
from analytics.demo.render_slo import write_openslo, write_sli_csv
from analytics.demo.truth import compute_truth, write_truth
from analytics.demo.world import World, generate
from analytics.errors import UsageError
from analytics.settings import Settings
from analytics.sources import LoadOptions, ingest
from analytics.warehouse import CANONICAL_TABLES, connect, run, scalar
from analytics.warehouse.ledger import LoadResult

log = logging.getLogger(__name__)

MARKER = ".opsreview-demo"
CUR_EXPORT = "lumen-cur2"


@dataclass(frozen=True)
class PlannedLoad:
    """One file to ingest: the kind, the path and the loader options."""

    kind: str
    path: Path
    options: LoadOptions = field(default_factory=LoadOptions)


@dataclass
class DemoSummary:
    """What ``opsreview demo`` did."""

    warehouse: str
    demo_dir: str
    seed: int
    scale: float
    files: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    latest_quarter: str = LATEST_QUARTER
    results: list[LoadResult] = field(default_factory=list)

    def describe(self) -> str:
        """A few lines for the CLI."""
        counts = ", ".join(f"{t} {n:,}" for t, n in self.rows.items() if n)
        return (
            f"{COMPANY} demo (seed {self.seed}, scale {self.scale:g}): {self.files} files loaded into "
            f"{self.warehouse} in {self.seconds:.1f} s\n  rows: {counts}\n  raw exports and truth.json in "
            f"{self.demo_dir}\n  latest full quarter: {self.latest_quarter} "
            f"(opsreview report all --period {self.latest_quarter})"
        )


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop generator-only helper columns (``_expected`` …)."""
    return frame[[c for c in frame.columns if not c.startswith("_")]]


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = _clean(frame).copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(path, index=False)
    return path


def write_exports(world: World, out: Path) -> list[PlannedLoad]:
    """Write every dataset of the world under ``out`` in a vendor's format; return the loads in order."""
    plan: list[PlannedLoad] = []
    catalogue = out / "catalogue" / "services.yaml"
    catalogue.parent.mkdir(parents=True, exist_ok=True)
    catalogue.write_text(
        yaml.safe_dump({"services": _clean(world.services).to_dict("records")}, sort_keys=False), encoding="utf-8"
    )
    plan.append(PlannedLoad("services", catalogue))
    folder = out / "incidents" / "pagerduty"
    write_pagerduty_rest(_clean(world.incidents), world.incident_events, folder)
    plan.append(PlannedLoad("pagerduty", folder))
    github = write_github_deployments(_clean(world.deployments), _clean(world.changes), out / "delivery" / "github")
    plan.append(PlannedLoad("github-deployments", github))
    ci_runs = _write_csv(world.pipeline_runs, out / "delivery" / "ci_runs.csv")  # e.g. from Jenkins or GitLab
    plan.append(PlannedLoad("canonical", ci_runs, LoadOptions(table="pipeline_runs")))
    plan.append(PlannedLoad("openslo", write_openslo(_clean(world.slos), out / "slo" / "slos.yaml")))
    plan.append(PlannedLoad("sli", write_sli_csv(_clean(world.sli), out / "slo" / "sli.csv")))
    plan.append(PlannedLoad("business-metrics", _write_csv(world.business_metrics, out / "business" / "metrics.csv")))
    budgets = world.budgets[["period", "scope", "amount", "currency", "cost_basis"]]  # as a user writes them
    plan.append(PlannedLoad("budgets", _write_csv(budgets, out / "business" / "budgets.csv")))
    plan += _cost_exports(world, out / "cost")
    return plan


def _cost_exports(world: World, folder: Path) -> list[PlannedLoad]:
    """AWS as a CUR 2.0 Data Export, Google Cloud as billing-export JSON lines, Azure as FOCUS CSV.

    AWS 2026-08 is delivered twice, as AWS does: an early export (a snapshot of the bucket taken
    when it landed) and the restated final one, whose load replaces the early period.
    """
    plan: list[PlannedLoad] = []
    cost = _clean(world.cost)
    aws = cost[cost["ProviderName"] == "AWS"]
    first = _clean(world.cost_first_delivery)
    if len(first):
        early_root = folder / "aws-first-delivery"
        plan.append(PlannedLoad("aws-cur", write_cur2_export(first, early_root, export_name=CUR_EXPORT,
                                                             execution_id="first-delivery")))
    if len(aws):
        plan.append(PlannedLoad("aws-cur", write_cur2_export(aws, folder / "aws", export_name=CUR_EXPORT,
                                                             execution_id="final")))
    gcp = cost[cost["ProviderName"] == "Google Cloud"]
    for period in sorted(gcp["BillingPeriodStart"].unique()):
        month = pd.Timestamp(period).strftime("%Y%m")
        rows = gcp[gcp["BillingPeriodStart"] == period]
        path = write_gcp_billing_export(rows, folder / "gcp" / f"billing_export_{month}.jsonl")
        plan.append(PlannedLoad("gcp-billing", path, LoadOptions(extra={"invoice_timezone": "UTC"})))
    azure = cost[cost["ProviderName"] == "Microsoft"]
    for period in sorted(azure["BillingPeriodStart"].unique()):
        rows = azure[azure["BillingPeriodStart"] == period]
        name = f"focus_{pd.Timestamp(period):%Y-%m}.csv"
        plan.append(PlannedLoad("focus", _write_csv(rows, folder / "azure" / name)))
    return plan


def write_load_plan(plan: list[PlannedLoad], folder: Path) -> Path:
    """Record the loads as ``loads.json`` and as the equivalent ``opsreview ingest`` commands
    (``LOADS.md``), so a user sees how each vendor file is loaded and can replay them."""
    records: list[dict[str, Any]] = [{"kind": item.kind, "path": item.path.relative_to(folder).as_posix(),
                "options": dict(item.options.extra), "table": item.options.table} for item in plan]
    (folder / "loads.json").write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    lines = ["# How the demo exports are loaded", "", "Run from this folder, in this order:", "", "```sh"]
    for record in records:
        options = "".join(f" --option {k}={v}" for k, v in sorted(record["options"].items()))
        options += f" --table {record['table']}" if record["table"] else ""
        lines.append(f"opsreview ingest {record['kind']} {shlex.quote(record['path'])}{options}")
    (folder / "LOADS.md").write_text("\n".join([*lines, "```", ""]), encoding="utf-8")
    return folder / "loads.json"


def read_load_plan(folder: Path) -> list[PlannedLoad]:
    """The loads recorded by :func:`write_load_plan`, with absolute paths."""
    records = json.loads((folder / "loads.json").read_text(encoding="utf-8"))
    return [PlannedLoad(r["kind"], folder / r["path"], LoadOptions(extra=r["options"], table=r["table"]))
            for r in records]


def _prepare_folder(folder: Path) -> None:
    """Empty a previous demo folder (only one we created), or create a new one."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise UsageError(f"{folder} exists and was not made by `opsreview demo`; choose another folder")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("generated by opsreview demo; safe to delete\n", encoding="utf-8")


def _prepare_warehouse(settings: Settings, *, force: bool) -> None:
    """Refuse to mix the demo into a warehouse holding data unless ``force`` rebuilds it."""
    if settings.warehouse_is_memory:
        return
    path = Path(settings.warehouse)
    if not path.exists():
        return
    con = connect(settings.warehouse)
    try:
        loaded = int(scalar(con, "SELECT count(*) FROM ingest_ledger"))
    finally:
        con.close()
    if loaded and not force:
        raise UsageError(
            f"warehouse {path} already holds {loaded} loaded file(s); rerun with --force to replace it with "
            "the demo, or choose another --warehouse"
        )
    path.unlink()
    Path(f"{path}.wal").unlink(missing_ok=True)


def build_demo(
    *,
    settings: Settings | None = None,
    seed: int = 7,
    scale: float = 1.0,
    months: int | None = None,
    force: bool = False,
    progress: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Generate the demo company, write its exports and load them into the warehouse (``months``: only
    the last months of the 18, for quick runs)."""
    if not scale > 0:
        raise UsageError(f"--scale must be a positive number, got {scale:g}")
    if months is not None and not 1 <= months <= 18:
        raise UsageError(f"--months must be between 1 and 18, got {months}")
    cfg = settings or Settings.from_env()
    began = time.perf_counter()
    _prepare_warehouse(cfg, force=force)
    folder = cfg.demo_dir
    _prepare_folder(folder)
    say = on_step or (lambda message: log.info(message))
    say(f"generating {COMPANY} (seed {seed}, scale {scale:g})")
    world = generate(seed, scale, months=months)
    write_truth(compute_truth(world), folder / "truth.json")
    plan = write_exports(world, folder)
    write_load_plan(plan, folder)
    summary = DemoSummary(cfg.warehouse, str(folder), seed, scale)
    con = connect(cfg.warehouse)
    try:
        loads = plan
        if progress:
            from tqdm import tqdm

            loads = tqdm(plan, desc="loading demo exports", unit="file")
        for item in loads:
            summary.results += ingest(con, item.kind, [str(item.path)], item.options)
        summary.files = len(plan)
        summary.rows = {t: int(run(con, f"SELECT count(*) FROM {t}")[0][0]) for t in CANONICAL_TABLES}
    finally:
        con.close()
    summary.seconds = round(time.perf_counter() - began, 1)
    return summary
