"""Readers vs writer: a real second process holds the warehouse; readers wait a bounded, stated
time and then fail naming that process in plain words (not DuckDB's lock message)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.cli import main
from analytics.warehouse import DEFAULT_LOCK_WAIT_S, connect, lock_wait_seconds, process_description

pytestmark = pytest.mark.unit

HOLDER = r"""\
import sys, time
from pathlib import Path
from analytics.sources import ingest
from analytics.warehouse import connect
con = connect(sys.argv[1])
csv = Path(sys.argv[1]).with_name("services.csv")
csv.write_text("service,team,tier\nheld,ops,tier1\n")
ingest(con, "services", [str(csv)])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold(tmp_path: Path, warehouse: Path, seconds: float) -> subprocess.Popen[str]:
    """Start a process that opens the warehouse for writing, keeps it ``seconds``, then closes it."""
    script = tmp_path / "hold_writer.py"
    script.write_text(HOLDER)
    proc = subprocess.Popen([sys.executable, str(script), str(warehouse), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready = proc.stdout.readline().strip()
    proc.stdout.close()
    assert ready == "holding"
    return proc


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "w.duckdb"
    connect(path).close()
    yield path


def test_a_reader_gives_up_after_the_stated_wait_naming_the_writer(
    tmp_path: Path, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = _hold(tmp_path, warehouse, 30)
    try:
        began = time.monotonic()
        code = main(["status", "--wait", "1.5", "--warehouse", str(warehouse)])
        waited = time.monotonic() - began
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert code == 2 and 1.5 <= waited < 10
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert f"is busy: process {holder.pid} (hold_writer.py {warehouse} 30) is writing it" in lines[0]
    assert "within 1.5 s" in lines[0] and "--wait SECONDS" in lines[0]
    assert "Conflicting lock" not in err and "Traceback" not in err


def test_a_reader_waits_for_the_writer_to_finish(
    tmp_path: Path, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = _hold(tmp_path, warehouse, 2)
    try:
        code = main(["status", "--format", "json", "--wait", "60", "--warehouse", str(warehouse)])
    finally:
        holder.wait(timeout=60)
    out = capsys.readouterr().out
    assert code == 0 and '"services": 1' in out  # the writer's row: status read after it closed


def test_a_report_waits_then_fails_naming_the_writer_and_writes_nothing(
    tmp_path: Path, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = _hold(tmp_path, warehouse, 30)
    out = tmp_path / "reports"
    try:
        code = main(["report", "incident_trends", "--period", "2026Q3", "--out", str(out), "--wait", "0.5",
                     "--warehouse", str(warehouse)])
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert code == 2 and f"process {holder.pid} (hold_writer.py" in err and "Conflicting lock" not in err
    assert not out.exists()


def test_the_default_wait_is_stated_and_overridable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPSREVIEW_LOCK_WAIT", raising=False)
    assert lock_wait_seconds() == DEFAULT_LOCK_WAIT_S == 60.0
    monkeypatch.setenv("OPSREVIEW_LOCK_WAIT", "2.5")
    assert lock_wait_seconds() == 2.5


def test_a_process_is_described_by_its_command_line() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.2)
        assert process_description(proc.pid) == f"process {proc.pid} (-c import time; time.sleep(30))"
    finally:
        proc.kill()
        proc.wait()
    assert process_description(2**22 + 7, "/usr/bin/python3") == f"process {2**22 + 7} (python3)"
