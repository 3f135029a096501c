from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.cli import main
from analytics.warehouse import connect

pytestmark = pytest.mark.unit


def _warehouse_with_services(tmp_path: Path) -> str:
    path = tmp_path / "w.duckdb"
    csv = tmp_path / "services.csv"
    csv.write_text("service,team,tier\ncheckout,payments,tier1\nsearch,discovery,tier2\n")
    assert main(["ingest", "services", str(csv), "--warehouse", str(path)]) == 0
    return str(path)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "incident_trends", "--period", "2026Q5"], "bad period '2026Q5'"),
        (["report", "no_such_report", "--period", "2026Q3"], "unknown report 'no_such_report'"),
        (["report", "incident_trends", "--period", "2026Q3", "-p", "thresold=3"], "has no parameter 'thresold'"),
        (["ingest", "bogus", "x.csv"], "unknown source kind 'bogus'"),
        (["status"], "no warehouse at"),
        (["sql", "SELECT 1"], "no warehouse at"),
    ],
)
def test_usage_errors_are_one_line_exit_2_without_traceback(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if argv[0] == "report":
        _warehouse_with_services(tmp_path)
        argv = [*argv, "--warehouse", str(tmp_path / "w.duckdb")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("opsreview: error:")]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in err


def test_bad_period_writes_nothing(tmp_path: Path) -> None:
    warehouse = _warehouse_with_services(tmp_path)
    out = tmp_path / "reports"
    assert main(["report", "all", "--period", "Q3", "--warehouse", warehouse, "--out", str(out)]) == 2
    assert not out.exists()


def test_sql_formats_and_read_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warehouse = _warehouse_with_services(tmp_path)
    capsys.readouterr()
    query = "SELECT service, tier FROM services ORDER BY service"
    assert main(["sql", query, "--format", "json", "--warehouse", warehouse]) == 0
    assert json.loads(capsys.readouterr().out) == [{"service": "checkout", "tier": "tier1"},
                                                   {"service": "search", "tier": "tier2"}]
    assert main(["sql", query, "--format", "csv", "--warehouse", warehouse]) == 0
    assert capsys.readouterr().out.splitlines() == ["service,tier", "checkout,tier1", "search,tier2"]
    assert main(["sql", "DELETE FROM services", "--warehouse", warehouse]) == 2
    assert main(["sql", "SELECT 1; SELECT 2", "--warehouse", warehouse]) == 2
    assert main(["sql", f"COPY services TO '{tmp_path / 'leak.csv'}'", "--warehouse", warehouse]) == 2
    assert not (tmp_path / "leak.csv").exists()
    con = connect(warehouse, read_only=True)
    assert con.execute("SELECT count(*) FROM services").fetchall() == [(2,)]
    con.close()


def test_status_reports_the_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warehouse = _warehouse_with_services(tmp_path)
    capsys.readouterr()
    assert main(["status", "--format", "json", "--warehouse", warehouse]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["tables"]["services"] == 2
    assert status["kinds"][0]["source_kind"] == "services" and status["kinds"][0]["files"] == 1


def test_warehouse_option_works_before_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warehouse = _warehouse_with_services(tmp_path)
    capsys.readouterr()
    assert main(["--warehouse", warehouse, "sql", "SELECT count(*) AS n FROM services", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "2"]


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "analytics", "kinds"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "services" in done.stdout


def test_schema_command_prints_the_doc_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--markdown"]) == 0
    assert capsys.readouterr().out.startswith("# Warehouse schema")


def test_feedback_labels_an_anomaly_and_lists_the_latest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warehouse = str(tmp_path / "w.duckdb")
    assert main(["feedback", "a1b2c3", "--label", "confirmed", "--warehouse", warehouse]) == 0
    assert main(["feedback", "a1b2c3", "--label", "expected", "--note", "planned load test", "--by", "ann",
                 "--warehouse", warehouse]) == 0
    capsys.readouterr()
    assert main(["feedback", "--warehouse", warehouse]) == 0
    listing = capsys.readouterr().out
    assert "expected" in listing and "planned load test" in listing and "confirmed" not in listing
    assert main(["feedback", "a1b2c3", "--warehouse", warehouse]) == 2  # no --label
    with pytest.raises(SystemExit) as exit_info:  # argparse refuses a label outside the choices
        main(["feedback", "a1b2c3", "--label", "maybe", "--warehouse", warehouse])
    assert exit_info.value.code == 2


def test_migrate_brings_an_old_warehouse_up_to_date(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import analytics.warehouse as wh

    warehouse = str(tmp_path / "w.duckdb")
    shipped = wh.migrations()
    with monkeypatch.context() as older:  # a warehouse built by a release that lacked the last migration
        older.setattr(wh, "migrations", lambda: shipped[:-1])
        wh.connect(warehouse).close()
    assert main(["status", "--warehouse", warehouse]) == 2
    assert "opsreview migrate" in capsys.readouterr().err
    assert main(["migrate", "--warehouse", warehouse]) == 0
    assert f", {shipped[-1].version})" in capsys.readouterr().out
    assert main(["status", "--warehouse", warehouse]) == 0


@pytest.mark.parametrize(("extra", "message"), [
    (["--cost-engine", "ftp://x/y"], "unknown cost engine 'ftp://x/y'"),
    (["--cost-engine", "bigquery://user:pw@p.d.t"], "carries no credentials"),
    (["--cost-engine", "spark://local/cost", "--max-bytes-billed", "100"], "applies to a bigquery"),
])
def test_a_bad_cost_engine_is_one_line_exit_2_and_writes_nothing(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    warehouse = _warehouse_with_services(tmp_path)
    out = tmp_path / "reports"
    assert main(["report", "cost_overview", "--period", "2026Q3", "--warehouse", warehouse, "--out", str(out),
                 *extra]) == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("opsreview: error:")]
    assert len(lines) == 1 and message in lines[0] and "pw" not in err
    assert "Traceback" not in err and not out.exists()
