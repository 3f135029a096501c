from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import AnalyticsError, ExportFormatError, UsageError
from analytics.sources import LoadOptions, ingest, source_kinds
from analytics.warehouse import CANONICAL_TABLES, run

pytestmark = pytest.mark.unit


def _state(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    counts = ", ".join(f"(SELECT count(*) FROM {t})" for t in (*CANONICAL_TABLES, "ingest_ledger"))
    columns = run(con, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'cost'")
    return [*run(con, f"SELECT {counts}"), *columns]


def test_services_yaml_csv_and_parquet_load_and_upsert(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    yml = tmp_path / "services.yaml"
    yml.write_text(
        "services:\n  - {service: checkout, team: payments, tier: tier1}\n  - {service: search, team: disc}\n"
    )
    csv = tmp_path / "services.csv"
    csv.write_text("service,team,tier,owner\nsearch,discovery,tier2,nina\n")
    pq = tmp_path / "services.parquet"
    pd.DataFrame({"service": ["ads"], "tier": ["tier3"]}).to_parquet(pq)
    results = ingest(con, "services", [str(yml), str(csv), str(pq)])
    assert [r.rows_loaded for r in results] == [2, 1, 1]
    assert results[1].rows_updated == 1
    assert run(con, "SELECT service, team, tier, owner FROM services ORDER BY service") == [
        ("ads", None, "tier3", None), ("checkout", "payments", "tier1", None), ("search", "discovery", "tier2", "nina")]
    assert ingest(con, "services", [str(csv)])[0].status == "unchanged"


def test_auto_detects_a_service_catalogue(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    yml = tmp_path / "catalogue.yml"
    yml.write_text("services:\n  - {service: a}\n")
    assert ingest(con, "auto", [str(yml)])[0].kind == "services"
    with pytest.raises(UsageError, match="could not tell which export"):
        ingest(con, "auto", [str(_write(tmp_path / "x.csv", "a,b\n1,2\n"))])


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("table", "content", "message"),
    [
        ("business_metrics", "date,metric,value\n2026-01-01,requests,1\n2026-01-32,requests,2\n",
         r"row 2, column 'date': cannot read '2026-01-32' as DATE"),
        ("business_metrics", "date,metric\n2026-01-01,requests\n", r"column 'value': required column missing"),
        ("business_metrics", "date,metric,value,colour\n2026-01-01,r,1,red\n",
         r"column 'colour': column is not part of table business_metrics"),
        ("business_metrics", "date,metric,value\n2026-01-01,r,1\n2026-01-01,r,2\n",
         r"row 2, column 'date': duplicate key date, metric, dimension"),
        ("business_metrics", "date,metric,value\n2026-01-01,r,1,9\n",
         r"row 1, column 'value': 4 fields where the header names 3 columns: 1 value\(s\) after the last column"),
        ("incidents", "incident_id,source,source_id,created_at,severity\na:1,a,1,2026-01-01T00:00:00Z,SEV9\n",
         r"row 1, column 'severity': 'SEV9' is not one of SEV1"),
        ("incidents", "incident_id,source,source_id,created_at,resolved_at\n"
         "a:1,a,1,2026-01-02T00:00:00Z,2026-01-01T00:00:00Z\n", r"warehouse rule"),
        ("sli", "service,slo,interval_start,interval_end,good,total\ns,o,2026-01-01,2026-01-01 01:00,5,4\n",
         r"warehouse rule"),
    ],
)
def test_bad_rows_name_file_row_and_column_and_write_nothing(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, table: str, content: str, message: str
) -> None:
    path = _write(tmp_path / f"{table}.csv", content)
    before = _state(con)
    with pytest.raises(ExportFormatError, match=message) as info:
        ingest(con, "canonical", [str(path)], LoadOptions(table=table))
    assert str(path) in str(info.value)
    assert _state(con) == before


def test_canonical_cost_adds_extension_columns_and_reconciles(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "cost.csv.gz"
    header = ("BilledCost,EffectiveCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,"
              "ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ProviderName,x_Team\n")
    rows = "".join(f"0.{i:010d},0.{i:010d},0042,USD,2026-07-01,2026-08-01,Usage,2026-07-0{1 + i % 9},"
                   f"2026-07-0{2 + i % 8},AWS,t{i}\n" for i in range(1, 40))
    with gzip.open(path, "wt") as handle:
        handle.write(header + rows)
    result = ingest(con, "canonical", [str(path)], LoadOptions(table="cost"))[0]
    expected = sum(int(f"{i:010d}") for i in range(1, 40))  # tenths of a nano-dollar, added as integers
    assert result.billed_total is not None
    assert int(result.billed_total * 10**10) == expected
    assert run(con, "SELECT DISTINCT BillingAccountId FROM cost") == [("0042",)]  # ids stay text
    assert run(con, "SELECT count(DISTINCT x_Team) FROM cost") == [(39,)]


def test_unknown_table_and_missing_file_are_usage_errors(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--table must be one of"):
        ingest(con, "canonical", [str(_write(tmp_path / "a.csv", "a\n1\n"))], LoadOptions(table="users"))
    with pytest.raises(UsageError, match="no such file"):
        ingest(con, "services", [str(tmp_path / "missing.csv")])
    assert {"canonical", "services"} <= set(source_kinds())



def test_a_binary_header_is_refused_with_the_file_named(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    bad = tmp_path / "nul.csv"
    bad.write_bytes(b"service\x00,team,tier\na,b,tier1\n")
    with pytest.raises(ExportFormatError, match="control character") as err:
        ingest(con, "services", [str(bad)])
    assert "nul.csv" in str(err.value)
    assert run(con, "SELECT count(*) FROM services") == [(0,)]


HOSTILE_TEXT = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    st.just("service,team,tier\n" + "x" * 200_000 + ",t,tier1\n"),  # a huge field
    st.just("service,team,tier\n\"open quote,t,tier1\n"),
    st.just("service,team,tier\ncheckout,payments"),  # truncated
    st.just("\ufeffservice;team;tier\r\na;b;tier1\r\n"),  # wrong delimiter, BOM, CRLF
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=HOSTILE_TEXT, encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]),
       suffix=st.sampled_from([".csv", ".yaml", ".parquet", ".json"]))
def test_hostile_input_gives_a_clear_error_or_a_clean_load(
    con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory, body: str, encoding: str, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("hostile") / f"input{suffix}"
    path.write_bytes(body.encode(encoding, errors="replace"))
    before = _state(con)
    try:
        results = ingest(con, "services", [str(path)])
    except AnalyticsError as exc:
        assert str(exc).strip(), "error messages are never empty"
        assert "\n" not in str(exc), "errors are one line"
        assert _state(con) == before
    else:  # a well-formed catalogue is fine; whatever landed is exactly one ledger entry's rows
        assert all(r.status in ("loaded", "unchanged") for r in results)
        assert run(con, "SELECT count(*) FROM services WHERE source_file_id NOT IN "
                        "(SELECT file_id FROM ingest_ledger)") == [(0,)]
