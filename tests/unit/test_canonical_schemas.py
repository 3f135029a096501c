"""Canonical tables are defined once (issue 12.6): the Arrow schemas the loaders stage are derived from the
migration DDL (analytics/warehouse/schema.py), and DuckDB itself reads each staged column back as the type
of the table's column."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from analytics.errors import WarehouseError
from analytics.sources.delivery._common import CHANGE_SCHEMA, DEPLOYMENT_SCHEMA
from analytics.sources.delivery.github import PIPELINE_SCHEMA
from analytics.sources.incidents._common import EVENT_COLUMNS, INCIDENT_COLUMNS
from analytics.sources.slo.openslo import SLO_SCHEMA
from analytics.warehouse.schema import WAREHOUSE_COLUMNS, canonical_schema, table_columns

pytestmark = pytest.mark.unit

STAGED = {  # table → (the loader's schema, columns it stages beyond the table's own)
    "incidents": (INCIDENT_COLUMNS, set()),
    "incident_events": (EVENT_COLUMNS, set()),
    "deployments": (DEPLOYMENT_SCHEMA, set()),
    "changes": (CHANGE_SCHEMA, {"head_sha", "__pos"}),
    "pipeline_runs": (PIPELINE_SCHEMA, set()),
    "slos": (SLO_SCHEMA, set()),
}


@pytest.mark.parametrize("table", sorted(STAGED))
def test_a_loader_stages_exactly_the_columns_of_its_table(table: str) -> None:
    schema, extra = STAGED[table]
    own = [name for name, _ in table_columns(table) if name not in WAREHOUSE_COLUMNS]
    assert [c for c in schema if c not in extra] == own  # same names, same order as the DDL
    assert set(schema) - set(own) == extra
    assert {c for c, _ in table_columns(table)} & WAREHOUSE_COLUMNS  # the warehouse's own columns exist


@pytest.mark.parametrize("table", sorted(STAGED))
def test_duckdb_reads_every_staged_column_as_the_table_type(table: str) -> None:
    schema, _ = STAGED[table]
    staged = pa.table({name: pa.array([], type=kind) for name, kind in schema.items()})
    con = duckdb.connect(":memory:")
    con.register("staged", staged)
    seen = {name: kind for name, kind, *_ in con.execute("DESCRIBE SELECT * FROM staged").fetchall()}
    for name, kind in table_columns(table):
        if name in WAREHOUSE_COLUMNS:
            continue
        # JSON columns are staged as text and cast on insert (DuckDB has no Arrow JSON type)
        assert seen[name] == ("VARCHAR" if kind == "JSON" else kind), f"{table}.{name}"


def test_a_table_the_migrations_do_not_define_is_an_error() -> None:
    with pytest.raises(WarehouseError, match="no table 'incidentz'"):
        canonical_schema("incidentz")
    assert "source_file_id" in canonical_schema("incidents", exclude=())
