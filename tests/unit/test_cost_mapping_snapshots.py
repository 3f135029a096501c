"""Golden snapshots of the FOCUS mapping SQL the cost loaders generate (issue 12.7).

``cur_fields`` (AWS CUR), ``gcp_fields`` (GCP billing export) and ``azure_fields`` (Azure cost export)
build each ``cost`` column, row check and bound parameter as SQL text in f-strings. Each case stages a
real input the way the loader does — the public samples in tests/data, and empty parquet files with the
demo's CUR 2.0 and GCP export schemas (analytics/demo/render_cost.py) — and compares everything the
builder emits with ``tests/snapshots/cost_mappings/<case>.sql``. After an intended change, regenerate
with ``OPSREVIEW_UPDATE_SNAPSHOTS=1 pytest tests/unit/test_cost_mapping_snapshots.py`` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics.demo.render_cost import CUR_SCHEMA, GCP_SCHEMA
from analytics.sources.cost import aws_cur, azure, gcp_billing
from analytics.sources.cost._common import Check, Field, stage_csv, stage_parquet

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "cost"
SNAPSHOTS = REPO / "tests" / "snapshots" / "cost_mappings"
UPDATE = os.environ.get("OPSREVIEW_UPDATE_SNAPSHOTS") == "1"


def empty_parquet(folder: Path, name: str, schema: pa.Schema) -> Path:
    path = folder / name
    pq.write_table(schema.empty_table(), path)
    return path


def render(case: str, source: str, fields: Mapping[str, Field], checks: Sequence[Check], params: Mapping[str, Any],
           totals: Sequence[str] = ()) -> str:
    """Everything a builder emitted, one block per item, in the builder's order."""
    lines = [f"-- {case}: the FOCUS mapping generated for {source}",
             "-- (tests/unit/test_cost_mapping_snapshots.py; OPSREVIEW_UPDATE_SNAPSHOTS=1 regenerates)", "",
             f"-- {len(fields)} fields: cost column [source column, trusted] := expression"]
    for name, fld in fields.items():
        flags = ", ".join(x for x in (fld.source or "", "trusted" if fld.trusted else "") if x)
        lines += [f"{name} [{flags}] :=", f"    {fld.expr}"]
    lines += ["", f"-- {len(checks)} checks: message [column] (shown value) <= predicate true on a bad row"]
    for check in checks:
        lines += [f"{check.message} [{check.column or ''}] ({check.show or ''}) <=", f"    {check.bad}"]
    lines += ["", f"-- {len(params)} bound parameters"]
    lines += [f"${name} = {value!r}" for name, value in sorted(params.items())]
    if totals:
        lines += ["", "-- exact source totals: BilledCost, EffectiveCost", *(f"    {t}" for t in totals)]
    return "\n".join(lines) + "\n"


def cur(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[dict[str, Field], list[Check], dict[str, Any], list[str]]:
    staged = stage_parquet(con, path, aws_cur.VIEW) if path.suffix == ".parquet" else stage_csv(con, path, aws_cur.VIEW)
    fields, checks, params, billed, effective = aws_cur.cur_fields(aws_cur.cur_columns(staged))
    return fields, checks, params, [billed, effective]


def gcp(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[dict[str, Field], list[Check], dict[str, Any], list[str]]:
    staged = (stage_csv(con, path, gcp_billing.VIEW) if path.suffix == ".csv"
              else gcp_billing._stage_parquet_as_json(con, path))
    fields, checks, params = gcp_billing.gcp_fields(gcp_billing.Access(staged), zone=gcp_billing.DEFAULT_ZONE)
    return fields, checks, params, []


def azure_case(*, amortized: bool, date_format: str | None = None) -> Callable[..., Any]:
    def build(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[dict[str, Field], list[Check], dict[str, Any],
                                                                   list[str]]:
        cols = azure.Columns(stage_csv(con, path, azure.VIEW))
        fmt = date_format or azure.detect_date_format(con, cols)
        fields, checks, params = azure.azure_fields(cols, date_format=fmt, amortized=amortized)
        return fields, checks, params, []
    return build


CASES: dict[str, tuple[str, Callable[..., Any]]] = {
    "aws_cur_legacy_csv": ("aws/cur_legacy_sample.csv", cur),
    "aws_cur2_parquet": ("cur2 parquet (the demo's CUR 2.0 schema)", cur),
    "gcp_billing_csv": ("gcp/billing_export_sample.csv", gcp),
    "gcp_billing_parquet_as_json": ("gcp parquet (the demo's export schema), staged as JSON records", gcp),
    "azure_ea_actual": ("azure/ea_sample.csv", azure_case(amortized=False)),
    "azure_ea_amortized": ("azure/ea_sample.csv", azure_case(amortized=True)),
    "azure_ea_us_dates": ("azure/ea_sample.csv, dates read as M/D/YYYY", azure_case(amortized=False,
                                                                                     date_format="us")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_generated_mapping_sql_matches_its_snapshot(case: str, tmp_path: Path) -> None:
    source, build = CASES[case]
    if case == "aws_cur2_parquet":
        path = empty_parquet(tmp_path, "cur2.parquet", CUR_SCHEMA)
    elif case == "gcp_billing_parquet_as_json":
        path = empty_parquet(tmp_path, "gcp.parquet", GCP_SCHEMA)
    else:
        path = DATA / source.split(",")[0]
    con = duckdb.connect(":memory:")
    fields, checks, params, totals = build(con, path)
    text = render(case, source, fields, checks, params, totals).replace(str(path), path.name)
    snapshot = SNAPSHOTS / f"{case}.sql"
    if UPDATE:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot {snapshot.name}: run with OPSREVIEW_UPDATE_SNAPSHOTS=1"
    assert text == snapshot.read_text(encoding="utf-8"), (
        f"the generated {case} mapping changed: if intended, regenerate with OPSREVIEW_UPDATE_SNAPSHOTS=1 and "
        "review the diff of the snapshot")


def test_every_snapshot_belongs_to_a_case() -> None:
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.sql")) == sorted(CASES)
