"""The portable SQL: composed statements equal the macro statements on DuckDB, and the generated SQL of
every engine statement in each dialect equals its golden snapshot (tests/data/engine_sql).

Regenerate the snapshots after a deliberate change (a statement edited, sqlglot upgraded) with
``OPSREVIEW_REGENERATE_SQL=1`` and review the diff.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlglot import exp

import analytics
from analytics.engines import engine_statements, tables_read
from analytics.engines.compose import CompositionError, composed, composed_duckdb_sql, expand, macros
from analytics.engines.dialects import DIALECTS, table_parts, translate
from analytics.errors import ParameterError
from analytics.sql import load_sql, parameters_of, sql_names

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "engine_sql"
REGENERATE = os.environ.get("OPSREVIEW_REGENERATE_SQL") == "1"
TABLES = {"bigquery": "billing-prod.focus.costs", "trino": "focus.costs", "spark": "focus_cost"}


def _ts(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# one value for every parameter any statement takes (realistic, so rows come back on the demo)
PARAMS: dict[str, Any] = dict(
    start=_ts(2026, 7, 1), end=_ts(2026, 10, 1), a_start=_ts(2026, 4, 1), a_end=_ts(2026, 7, 1),
    b_start=_ts(2026, 7, 1), b_end=_ts(2026, 10, 1), as_of_end=_ts(2026, 9, 20), rate_start=_ts(2026, 9, 1),
    rate_end=_ts(2026, 9, 20), provider=None, service=None, account=None, region=None, filter_tag_key="team",
    filter_tag_value="payments", dimension="ServiceName", dimension_tag_key=None, tag_key="team", grain="week",
    scope="total", shared_values=["platform"], shared_services=["AWS Support (Business)"], metric="requests",
    cost_tag_key="service", member_dim="account", member_tag_key="team", usage_type=None, tag=None,
    period_start=_ts(2026, 7, 1), period_end=_ts(2026, 10, 1), team=None, max_severity_rank=5, repo=None,
    environment=None, by="service", previous_start=_ts(2026, 4, 1), limit=10, window_days=30,
    responder_timezone="UTC", business_start=9, business_end=17, sleep_start=22, sleep_end=7,
    services=["checkout"], slo=None, critical_tier="tier1", include_information=False,
    # anomaly_cost_by_member's requests: a service-wide split by account, a provider-wide one by tag, a
    # total one by the annotation tag, a leaf (one account) split by resource ('' = any)
    request_id=[0, 1, 2, 3], request_member_dim=["account", "tag", "annotation_tag", "resource"],
    request_provider=["AWS", "AWS", "", "AWS"], request_service=["Amazon Elastic Compute Cloud", "", "", ""],
    request_account=["", "", "", "111111111111"], request_region=["", "", "", ""],
    request_usage_type=["", "", "", ""], request_tag=["", "", "", ""],
    request_start=[date(2026, 7, 1)] * 4, request_end=[date(2026, 10, 1)] * 4,
    request_finding_start=[date(2026, 8, 1)] * 4, annotation_tag_key="service",
)
COMPOSABLE = [n for n in sql_names() if n.startswith(("cost_", "anomaly_cost", "anomaly_scheduled", "incident_",
                                                      "delivery_"))]


@pytest.fixture(scope="module")
def demo6(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo's last 6 months (2026Q2 and 2026Q3), built once for this module."""
    from analytics.demo.build import build_demo
    from analytics.settings import Settings

    root = tmp_path_factory.mktemp("engine-sql-demo")
    settings = Settings(home=root, warehouse=str(root / "warehouse.duckdb"), reports_dir=root / "reports",
                        notebooks_dir=root / "notebooks", demo_dir=root / "demo")
    build_demo(settings=settings, seed=7, scale=1.0, months=6)
    return settings.warehouse


@pytest.mark.parametrize(("name", "grain"), [(n, g) for n in COMPOSABLE
                                              for g in (("day", "week", "month") if "$grain" in load_sql(n)
                                                        else ("week",))])
def test_composed_statement_equals_the_macro_statement_on_duckdb(demo6: str, name: str, grain: str) -> None:
    con = analytics.connect(demo6, read_only=True)
    try:
        params = {**PARAMS, "grain": grain}
        original = load_sql(name)
        portable = composed_duckdb_sql(name)
        assert not any(isinstance(f, exp.Anonymous) and f.name.lower() in macros()
                       for f in composed(name).find_all(exp.Anonymous))
        want = con.execute(original, {k: params[k] for k in parameters_of(original)}).fetchall()
        got = con.execute(portable, {k: params[k] for k in parameters_of(portable)}).fetchall()
    finally:
        con.close()
    assert got == want
    if name in ("cost_change_by_dimension", "cost_series_by_grain", "anomaly_cost_by_day", "incident_durations"):
        assert len(want) >= 5  # real rows, not an empty match


def test_composed_sql_runs_without_any_macro() -> None:
    """On a bare DuckDB holding only the tables (no migration 0006, no semantic layer), the composed
    statements still run: nothing DuckDB-only is left but DuckDB's own SQL."""
    con = duckdb.connect()
    try:
        ddl = analytics.connect(":memory:").execute(
            "SELECT sql FROM duckdb_tables() WHERE table_name IN ('cost', 'business_metrics')").fetchall()
        for (statement,) in ddl:
            con.execute(statement)
        for name in engine_statements():
            sql = composed_duckdb_sql(name)
            con.execute(sql, {k: PARAMS[k] for k in parameters_of(sql)}).fetchall()
        assert con.execute("SELECT count(*) FROM duckdb_functions() WHERE function_type = 'macro' AND "
                           "function_name LIKE 'cost_%'").fetchone() == (0,)
    finally:
        con.close()


def test_engine_statements_are_the_cost_statements() -> None:
    names = set(engine_statements())
    assert {"cost_change_by_dimension", "cost_series_by_grain", "anomaly_cost_by_day", "cost_by_tag_by_grain",
            "anomaly_scheduled_charges", "cost_currencies"} <= names
    assert "cost_budget_by_month" not in names and tables_read("cost_budget_by_month") == {"budgets"}
    assert "business_volume_by_grain" not in names and "incident_durations" not in names
    assert all(tables_read(n) == {"cost"} for n in names)
    assert len(names) == 17


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", engine_statements())
def test_generated_sql_equals_its_golden_snapshot(name: str, dialect: str) -> None:
    translated = translate(name, dialect, table=TABLES[dialect])  # type: ignore[arg-type]
    text = f"-- parameters: {', '.join(translated.parameters)}\n{translated.sql}\n"
    path = GOLDEN / dialect / f"{name}.sql"
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden SQL {path}; regenerate with OPSREVIEW_REGENERATE_SQL=1"
    assert text == path.read_text(encoding="utf-8"), f"{dialect} SQL of {name} changed (sqlglot upgrade?)"


def test_every_golden_file_is_a_statement() -> None:
    """No stale snapshot of a renamed statement is left behind."""
    files = {(p.parent.name, p.stem) for p in GOLDEN.glob("*/*.sql")}
    assert files == {(d, n) for d in DIALECTS for n in engine_statements()}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_no_value_is_formatted_into_the_sql(dialect: str) -> None:
    marker = {"bigquery": "@", "spark": ":", "trino": "?"}[dialect]
    for name in engine_statements():
        sql = translate(name, dialect).sql  # type: ignore[arg-type]
        assert "$" not in sql.replace("'$'", "") and "--" not in sql
        assert marker in sql
        assert "2026" not in sql and "payments" not in sql


def test_tag_access_is_the_engines_own_lookup() -> None:
    def sql(dialect: str, tags_as: str | None = None) -> str:
        return translate("cost_showback_by_tag", dialect, tags_as=tags_as).sql.lower()  # type: ignore[arg-type]

    assert "try_element_at(from_json(cost_row.tags, 'map<string,string>'), :tag_key)" in sql("spark")
    assert "try_element_at(cost_row.tags, :tag_key)" in sql("spark", "map")
    assert "element_at(cost_row.tags, ?)" in sql("trino")
    assert "element_at(try_cast(json_parse(cost_row.tags) as map(varchar, varchar)), ?)" in sql("trino", "json")
    assert "json_value(cost_row.tags[@tag_key])" in sql("bigquery")
    assert "map" not in sql("bigquery")
    assert "cost_tags" not in sql("spark")  # the warehouse's parsed-tags join became the lookup


def test_athena_parameters_follow_the_markers() -> None:
    translated = translate("cost_change_by_dimension", "trino")
    assert translated.sql.count("?") == len(translated.parameters)
    assert translated.parameters[:3] == ("dimension", "dimension_tag_key", "dimension")
    assert translated.parameters[-4:] == ("a_start", "a_end", "b_start", "b_end")


def test_table_names_are_identifiers_only() -> None:
    assert table_parts("p.d.t") == ("p", "d", "t")
    for bad in ("", "a.b.c.d", "t; DROP TABLE x", "t`x", "a..b", 'x"y', "1abc"):
        with pytest.raises(ParameterError, match="bad table name"):
            table_parts(bad)
    assert '`billing-prod`.`focus`.`costs`' in translate("cost_currencies", "bigquery",
                                                         table="billing-prod.focus.costs").sql


def test_a_macro_called_with_the_wrong_arity_is_refused() -> None:
    import sqlglot

    with pytest.raises(CompositionError, match="cost_dimension_value takes 3 arguments, got 2"):
        expand(sqlglot.parse_one("SELECT cost_dimension_value('total', NULL) FROM cost", read="duckdb"))
    with pytest.raises(CompositionError, match="must be passed a table alias"):
        expand(sqlglot.parse_one("SELECT cost_dimension_value('total', NULL, 1 + 1) FROM cost", read="duckdb"))


@pytest.mark.parametrize(("url", "scheme", "location", "table"), [
    ("", "duckdb", "", "cost"),
    ("duckdb", "duckdb", "", "cost"),
    ("spark://local/focus_cost?parquet=/tmp/f.parquet", "spark", "local", "focus_cost"),
    ("spark://10.0.0.5:7077/finops.focus", "spark", "10.0.0.5:7077", "finops.focus"),
    ("bigquery://billing-prj.billing.focus_v1?max_bytes_billed=100", "bigquery", "", "billing-prj.billing.focus_v1"),
    ("athena://primary/cur.focus?output=s3://r/p/&region=eu-west-1", "athena", "primary", "cur.focus"),
])
def test_engine_urls(url: str, scheme: str, location: str, table: str) -> None:
    from analytics.engines import parse_engine

    spec = parse_engine(url)
    assert (spec.scheme, spec.location, spec.table) == (scheme, location, table)


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://x/y", "unknown cost engine 'ftp://x/y'"),
    ("bigquery://user:secret@p.d.t", "carries no credentials"),
    ("bigquery://p.d", "needs bigquery://PROJECT.DATASET.TABLE"),
    ("athena://primary/cur.focus", "needs ?output=s3://"),
    ("athena://primary/cur.focus?output=s3://r/&password=x", "has no option 'password'"),
    ("spark://local/t;drop", "bad table name"),
    ("spark://local/t?tags=xml", "tags must be json or map"),
])
def test_bad_engine_urls_are_one_line(url: str, message: str) -> None:
    from analytics.engines import parse_engine

    with pytest.raises(ParameterError) as info:
        parse_engine(url)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert "secret" not in str(info.value)


def test_max_bytes_billed_is_for_bigquery() -> None:
    from analytics.engines import with_max_bytes_billed

    assert with_max_bytes_billed("bigquery://p.d.t?location=EU", 5) == "bigquery://p.d.t?location=EU&max_bytes_billed=5"
    assert with_max_bytes_billed("spark://local/t", None) == "spark://local/t"
    with pytest.raises(ParameterError, match="applies to a bigquery"):
        with_max_bytes_billed("spark://local/t", 5)
    with pytest.raises(ParameterError, match="positive"):
        with_max_bytes_billed("bigquery://p.d.t", 0)


def test_a_report_without_cost_never_starts_an_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics.params import CostOverviewParams, IncidentTrendsParams

    monkeypatch.setenv("OPSREVIEW_COST_ENGINE", "spark://local/cost")
    assert IncidentTrendsParams.from_raw(period="2026Q3", warehouse=":memory:").context.cost_engine == ""
    assert CostOverviewParams.from_raw(period="2026Q3", warehouse=":memory:").context.cost_engine == \
        "spark://local/cost"
    assert CostOverviewParams.from_raw(period="2026Q3", warehouse=":memory:",
                                       cost_engine="athena://wg/db.t?output=s3://b/").cost_engine.startswith("athena")
    monkeypatch.setenv("OPSREVIEW_COST_ENGINE", "ftp://nope")
    with pytest.raises(ParameterError, match="unknown cost engine"):
        CostOverviewParams.from_raw(period="2026Q3", warehouse=":memory:")
