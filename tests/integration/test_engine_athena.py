"""The Athena cost engine with the real boto3 client against a local fake of Athena's REST-JSON API
(tests/engine_fakes.py): start, poll, paginate; failed, cancelled and stuck queries; ExecutionParameters
substituted for the ``?`` markers as the literals they are, then the Trino statement executed over the
demo's FOCUS export (Tags a map, as in AWS's FOCUS export). Proves the client path, the binding and
the meaning of the generated Trino SQL as sqlglot reads it; not that Athena accepts each construct.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import analytics
from analytics.engines import EngineConnection, EngineError
from analytics.engines.athena import AthenaEngine, athena_literal
from analytics.metrics import cost
from tests.engine_fakes import FakeAthena, FocusStore, fake_athena
from tests.engine_parity import CALLS, Q3, same

pytestmark = pytest.mark.integration

TABLE = "focus.costs"
OUTPUT = "s3://query-results/opsreview/"


@pytest.fixture(autouse=True)
def _aws_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy keys in the environment: the AWS chain's first link (nothing leaves 127.0.0.1)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="module")
def store(focus_parquet: Path) -> FocusStore:
    return FocusStore(focus_parquet, tags_as_map=True)


@pytest.fixture
def fake(store: FocusStore) -> Iterator[FakeAthena]:
    with fake_athena(store, TABLE) as served:
        yield served


def _engine(fake: FakeAthena, **options: Any) -> AthenaEngine:
    return AthenaEngine(table=TABLE, endpoint=fake.endpoint, output=OUTPUT, region="eu-west-1", poll_s=0.01,
                        **options)


def test_every_cost_call_on_athena_equals_duckdb(demo: Any, fake: FakeAthena) -> None:
    fake.page_rows = 40  # several GetQueryResults pages for the long series
    local = analytics.connect(demo.warehouse, read_only=True)
    remote = EngineConnection(analytics.connect(demo.warehouse, read_only=True), _engine(fake))
    try:
        for label, call in CALLS:
            same(call(local), call(remote), where=label)
        engine = remote.cost_engine
    finally:
        local.close()
        remote.close()
    starts = [body for action, body in fake.calls if action == "POST /query-executions"]
    assert len(starts) == len(engine.stats)
    for body in starts:
        assert body["QueryString"].count("?") == len(body.get("ExecutionParameters", []))
        assert "2026" not in body["QueryString"] and body["WorkGroup"] == "primary"
        assert body["ResultConfiguration"] == {"OutputLocation": OUTPUT}
    assert any(action.endswith("/results") and "NextToken" in q for action, q in fake.calls)
    totals = engine.totals()
    assert totals["bytes_scanned"] == sum(s.bytes_scanned for s in engine.stats) > 0


def test_a_failed_query_is_one_line(demo: Any, fake: FakeAthena) -> None:
    fake.outcome = "FAILED"
    con = EngineConnection(analytics.connect(demo.warehouse, read_only=True), _engine(fake))
    try:
        with pytest.raises(EngineError, match=r"^athena: cost_currencies failed: HIVE_CURSOR_ERROR: "):
            cost.billing_currencies(con, Q3)
    finally:
        con.close()


def test_a_cancelled_query_is_one_line(demo: Any, fake: FakeAthena) -> None:
    fake.outcome = "CANCELLED"
    con = EngineConnection(analytics.connect(demo.warehouse, read_only=True), _engine(fake))
    try:
        with pytest.raises(EngineError, match=r"^athena: cost_currencies was cancelled: "):
            cost.billing_currencies(con, Q3)
    finally:
        con.close()


def test_a_query_running_past_the_timeout_is_stopped(demo: Any, fake: FakeAthena) -> None:
    fake.outcome = "RUNNING"
    con = EngineConnection(analytics.connect(demo.warehouse, read_only=True), _engine(fake, timeout_s=0.2))
    try:
        with pytest.raises(EngineError, match=r"^athena: cost_currencies still running after 0.2 s; stopped it$"):
            cost.billing_currencies(con, Q3)
    finally:
        con.close()
    assert any(action.endswith("/stop") for action, _ in fake.calls)


def test_polling_waits_for_the_query(demo: Any, fake: FakeAthena) -> None:
    fake.running_polls = 3
    con = EngineConnection(analytics.connect(demo.warehouse, read_only=True), _engine(fake))
    try:
        assert cost.billing_currencies(con, Q3) == ["USD"]
    finally:
        con.close()
    polls = [a for a, _ in fake.calls if a.startswith("GET /query-executions/") and not a.endswith("/results")]
    assert len(polls) == 4


def test_missing_table_denied_and_lacking_columns(fake: FakeAthena, tmp_path: Path, focus_parquet: Path) -> None:
    with pytest.raises(EngineError, match=r"^athena: table focus\.nope: MetadataException: Table focus\.nope"):
        AthenaEngine(table="focus.nope", endpoint=fake.endpoint, output=OUTPUT, region="eu-west-1")
    fake.denied = True
    with pytest.raises(EngineError, match=r"^athena: table focus\.costs: AccessDeniedException \(permission denied\)"):
        _engine(fake)
    import duckdb

    thin = tmp_path / "thin.parquet"
    duckdb.connect().execute(f"COPY (SELECT * EXCLUDE (ListCost) FROM read_parquet($p)) TO '{thin}' (FORMAT parquet)",
                             {"p": str(focus_parquet)})
    with fake_athena(FocusStore(thin, tags_as_map=True), TABLE) as served, pytest.raises(
            EngineError, match=r"^athena table focus\.costs lacks FOCUS column\(s\) ListCost$"):
        _engine(served)


def test_no_credentials_is_one_line(monkeypatch: pytest.MonkeyPatch, fake: FakeAthena, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(EngineError, match=r"^athena: no AWS credentials"):
        _engine(fake)


@pytest.mark.parametrize(("value", "literal"), [
    (None, "NULL"), (True, "TRUE"), (3, "3"), (1.5, "DOUBLE '1.5'"), (Decimal("12.3400"), "DECIMAL '12.3400'"),
    ("team", "'team'"), ("o'brien; DROP TABLE x --", "'o''brien; DROP TABLE x --'"),
    (datetime(2026, 7, 1, 2, 30, tzinfo=UTC), "TIMESTAMP '2026-07-01 02:30:00.000000 UTC'"),
    (date(2026, 7, 1), "DATE '2026-07-01'"), (["a", "it's"], "ARRAY['a', 'it''s']"), ([], "ARRAY[]"),
])
def test_execution_parameters_are_literals(value: Any, literal: str) -> None:
    assert athena_literal(value) == literal


@pytest.mark.parametrize("value", [float("nan"), Decimal("Infinity"), datetime(2026, 7, 1), "a\x00b", object()])
def test_values_that_are_no_literal_are_refused(value: Any) -> None:
    with pytest.raises(EngineError):
        athena_literal(value)


def test_a_hostile_tag_key_is_a_value_on_athena(demo: Any, fake: FakeAthena) -> None:
    """A tag key full of SQL and quotes travels as a parameter and simply matches nothing."""
    key = "x') OR 1=1 --\"'"
    con = EngineConnection(analytics.connect(demo.warehouse, read_only=True), _engine(fake))
    local = analytics.connect(demo.warehouse, read_only=True)
    try:
        remote_frame = cost.cost_by_dimension(con, Q3, dimension=f"tag:{key}")
        assert remote_frame["value"].tolist() == cost.cost_by_dimension(local, Q3, dimension=f"tag:{key}")[
            "value"].tolist()
        assert set(remote_frame["value"]) <= {"(untagged)", "(corrections)"}
    finally:
        con.close()
        local.close()
