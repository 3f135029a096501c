"""``create-focus-view`` on Athena and BigQuery through the real boto3 / google-cloud-bigquery clients
against the local fakes (tests/engine_fakes.py), each serving a CUR 2.0 table with the demo's schema
(map columns as the catalogs report them: Glue ``map<string,string>``, BigQuery a repeated
``STRUCT<key, value>``).

What this proves: the table's columns are read through GetTableMetadata / tables.get and give the
golden DDL; the DDL is what StartQueryExecution / jobs.query receive; a missing or denied table and a
failed statement are one line, exit 2. What it does not: that Athena and BigQuery accept the DDL — the
fakes execute by translating to DuckDB, which has no ``map_filter`` / ``transform_keys`` or BigQuery's
``JSON_OBJECT`` of arrays, so the statement fails there, and the test checks that failure is reported
as one line. The golden DDL is the reviewable artefact for these two engines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics.cli import main
from analytics.demo.render_cost import CUR_SCHEMA
from tests.engine_fakes import FakeAthena, FakeBigQuery, FocusStore, fake_athena, fake_bigquery

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "engine_sql" / "focus_view"
OUTPUT = "s3://query-results/opsreview/"


@pytest.fixture(autouse=True)
def _aws_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy keys in the environment: the AWS chain's first link (nothing leaves 127.0.0.1)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FocusStore:
    path = tmp_path_factory.mktemp("cur2-table") / "cur2.parquet"
    pq.write_table(pa.Table.from_pylist([], schema=CUR_SCHEMA), path)
    return FocusStore(path)


@pytest.fixture
def athena(store: FocusStore) -> Iterator[FakeAthena]:
    with fake_athena(store, "billing.cur2") as served:
        served.running_polls = 0
        yield served


@pytest.fixture
def bigquery(store: FocusStore) -> Iterator[FakeBigQuery]:
    with fake_bigquery(store, "billing-prod.billing.cur2") as served:
        yield served


def _athena_url(fake: FakeAthena, table: str = "billing.cur2") -> str:
    return f"athena://primary/{table}?output={OUTPUT}&region=eu-west-1&endpoint={fake.endpoint}"


def _golden(dialect: str) -> str:
    return (GOLDEN / dialect / "cur2.sql").read_text("utf-8").rstrip("\n")


def test_athena_reads_the_columns_from_the_catalog(athena: FakeAthena, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["engine", "create-focus-view", "--source", "cur2", "--engine", _athena_url(athena),
                 "--view", "billing.focus_cur2", "--dry-run"]) == 0
    assert capsys.readouterr().out == _golden("trino") + ";\n"
    assert not athena.queries  # a dry run starts no query


def test_athena_runs_the_ddl_and_a_failure_is_one_line(athena: FakeAthena,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["engine", "create-focus-view", "--source", "cur2", "--engine", _athena_url(athena),
                 "--view", "billing.focus_cur2"])
    (record,) = athena.queries.values()
    assert record["body"]["QueryString"] == _golden("trino")
    assert record["body"]["QueryExecutionContext"] == {"Database": "billing", "Catalog": "AwsDataCatalog"}
    assert "ExecutionParameters" not in record["body"]  # a DDL takes none: the constants are literals
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("opsreview: error: athena: the view was not created (failed): INVALID_QUERY")
    assert err.count("\n") == 1


@pytest.mark.parametrize(("table", "denied", "message"), [
    ("billing.nope", False, "athena: table billing.nope: MetadataException: Table billing.nope not found\n"),
    ("billing.cur2", True, "athena: table billing.cur2: AccessDeniedException: User is not authorized to read "
                           "billing.cur2\n"),
])
def test_athena_missing_or_denied_table_is_one_line(athena: FakeAthena, table: str, denied: bool, message: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    athena.denied = denied
    assert main(["engine", "create-focus-view", "--source", "cur2", "--engine", _athena_url(athena, table),
                 "--view", "billing.focus_cur2", "--dry-run"]) == 2
    assert capsys.readouterr().err == "opsreview: error: " + message


def _bq_url(fake: FakeBigQuery, table: str = "billing-prod.billing.cur2") -> str:
    return f"bigquery://{table}?endpoint={fake.endpoint}"


def test_bigquery_reads_the_columns_from_tables_get(bigquery: FakeBigQuery,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["engine", "create-focus-view", "--source", "cur2", "--engine", _bq_url(bigquery),
                 "--view", "billing-prod.billing.focus_cur2", "--dry-run"]) == 0
    assert capsys.readouterr().out == _golden("bigquery") + ";\n"
    tables_get = ("GET", "/bigquery/v2/projects/billing-prod/datasets/billing/tables/cur2")
    assert [c[:2] for c in bigquery.calls] == [tables_get]


def test_bigquery_runs_the_ddl_and_a_failure_is_one_line(bigquery: FakeBigQuery,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["engine", "create-focus-view", "--source", "cur2", "--engine", _bq_url(bigquery),
                 "--view", "billing-prod.billing.focus_cur2"])
    posted = [c[2] for c in bigquery.calls if c[0] == "POST"]
    assert posted and posted[0]["query"] == _golden("bigquery") and not posted[0].get("queryParameters")
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("opsreview: error: bigquery: the view was not created: ")
    assert err.count("\n") == 1


def test_bigquery_missing_table_is_one_line(bigquery: FakeBigQuery, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["engine", "create-focus-view", "--source", "cur2", "--engine",
                 _bq_url(bigquery, "billing-prod.billing.nope"), "--view", "billing-prod.billing.v", "--dry-run"]) == 2
    assert capsys.readouterr().err == "opsreview: error: bigquery: table billing-prod.billing.nope not found\n"
