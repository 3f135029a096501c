"""Checks on the repository's own files: environment.yml, docs/schema.md, shipped SQL."""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pytest
import yaml

from analytics.sql import load_sql, parameters_of, sql_names
from analytics.warehouse import connect, schema_markdown

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]


def test_environment_yml_only_delegates_to_pyproject() -> None:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    assert env == {"name": "analytics", "channels": ["conda-forge"],
                   "dependencies": ["python=3.11", "pip", {"pip": ["-e .[dev]"]}]}
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    assert "dev" in project["optional-dependencies"]


def test_schema_doc_is_generated_from_the_live_schema() -> None:
    con = connect(":memory:")
    try:
        expected = schema_markdown(con)
    finally:
        con.close()
    assert (REPO / "docs" / "schema.md").read_text() == expected + "\n", (
        "docs/schema.md is stale: run `opsreview schema --markdown > docs/schema.md`"
    )


@pytest.mark.parametrize("name", sql_names())
def test_every_sql_file_is_one_statement_that_binds(name: str) -> None:
    sql = load_sql(name)
    con = connect(":memory:")
    try:
        assert len(con.extract_statements(sql)) == 1
        params = dict.fromkeys(parameters_of(sql))
        con.execute(f"EXPLAIN {sql}", params).fetchall()  # binds against the real schema
    except duckdb.Error as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"{name}.sql: {exc}")
    finally:
        con.close()


def test_unknown_sql_names_suggest_close_matches() -> None:
    from analytics.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="did you mean incident_counts_by_week"):
        load_sql("incident_count_by_week")
