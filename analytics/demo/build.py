"""``opsreview demo``: write the demo company's exports to disk, then load them like a user would.

The generated files land in ``data/demo/`` (``OPSREVIEW_DEMO_DIR``), next to ``truth.json`` (the
planted truths). Each dataset is written in a vendor's own format when that format has a loader
and a writer, and in its canonical form (loaded by the ``canonical`` kind) otherwise; every
file then goes through :func:`analytics.sources.ingest`, so the demo exercises the real loaders,
the ledger, the reconciliation gate and the restatement of AWS 2026-08 (delivered twice).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from analytics.demo.company import COMPANY, LATEST_QUARTER
from analytics.demo.truth import compute_truth, write_truth
from analytics.demo.world import World, generate
from analytics.errors import UsageError
from analytics.settings import Settings
from analytics.sources import LoadOptions, ingest
from analytics.warehouse import CANONICAL_TABLES, connect, run, scalar
from analytics.warehouse.ledger import LoadResult

log = logging.getLogger(__name__)

MARKER = ".opsreview-demo"


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


def _write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    _clean(frame).to_parquet(path, index=False)
    return path


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = _clean(frame).copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(path, index=False)
    return path


def _canonical(table: str, path: Path) -> PlannedLoad:
    return PlannedLoad("canonical", path, LoadOptions(table=table))


def write_exports(world: World, out: Path) -> list[PlannedLoad]:
    """Write every dataset of the world under ``out``; return the loads in order."""
    plan: list[PlannedLoad] = []
    catalogue = out / "catalogue" / "services.yaml"
    catalogue.parent.mkdir(parents=True, exist_ok=True)
    catalogue.write_text(
        yaml.safe_dump({"services": _clean(world.services).to_dict("records")}, sort_keys=False), encoding="utf-8"
    )
    plan.append(PlannedLoad("services", catalogue))
    plan += _incident_exports(world, out / "incidents")
    plan.append(_canonical("deployments", _write_parquet(world.deployments, out / "delivery" / "deployments.parquet")))
    plan.append(_canonical("changes", _write_parquet(world.changes, out / "delivery" / "changes.parquet")))
    plan.append(_canonical("slos", _write_parquet(world.slos, out / "slo" / "slos.parquet")))
    plan.append(_canonical("sli", _write_parquet(world.sli, out / "slo" / "sli.parquet")))
    business = _write_csv(world.business_metrics, out / "business" / "business_metrics.csv")
    plan.append(_canonical("business_metrics", business))
    plan.append(_canonical("budgets", _write_csv(world.budgets, out / "business" / "budgets.csv")))
    plan += _cost_exports(world, out / "cost")
    return plan


def _incident_exports(world: World, folder: Path) -> list[PlannedLoad]:
    """Incidents and their timelines (canonical until the PagerDuty writer is wired in)."""
    return [
        _canonical("incidents", _write_parquet(world.incidents, folder / "incidents.parquet")),
        _canonical("incident_events", _write_parquet(world.incident_events, folder / "incident_events.parquet")),
    ]


def _cost_exports(world: World, folder: Path) -> list[PlannedLoad]:
    """One file per provider and billing period; AWS 2026-08 first as delivered, then restated."""
    plan: list[PlannedLoad] = []
    cost = world.cost
    writers: dict[str, tuple[str, Callable[[pd.DataFrame, Path], Path]]] = {
        "AWS": ("parquet", _write_parquet),
        "Google Cloud": ("parquet", _write_parquet),
        "Microsoft": ("csv", _write_csv),
    }
    slug = {"AWS": "aws", "Google Cloud": "gcp", "Microsoft": "azure"}
    first = world.cost_first_delivery
    first_period = first["BillingPeriodStart"].iloc[0] if len(first) else None
    for period in sorted(cost["BillingPeriodStart"].unique()):
        for provider, (ext, writer) in writers.items():
            rows = cost[(cost["BillingPeriodStart"] == period) & (cost["ProviderName"] == provider)]
            if rows.empty:
                continue
            label = pd.Timestamp(period).strftime("%Y-%m")
            if provider == "AWS" and first_period is not None and period == first_period:
                early = writer(first, folder / slug[provider] / f"{label}-delivery1.{ext}")
                plan.append(_canonical("cost", early))
                name = f"{label}-delivery2.{ext}"
            else:
                name = f"{label}.{ext}"
            plan.append(_canonical("cost", writer(rows, folder / slug[provider] / name)))
    return plan


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
        loaded = int(scalar(con, "SELECT count(*) FROM ingest_ledger"))  # type: ignore[arg-type]
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
    force: bool = False,
    progress: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Generate the demo company, write its exports and load them into the warehouse."""
    cfg = settings or Settings.from_env()
    began = time.perf_counter()
    _prepare_warehouse(cfg, force=force)
    folder = cfg.demo_dir
    _prepare_folder(folder)
    say = on_step or (lambda message: log.info(message))
    say(f"generating {COMPANY} (seed {seed}, scale {scale:g})")
    world = generate(seed, scale)
    write_truth(compute_truth(world), folder / "truth.json")
    plan = write_exports(world, folder)
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
