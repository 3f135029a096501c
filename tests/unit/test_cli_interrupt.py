"""Ctrl-C during a load: one line "interrupted, nothing written", exit 130, no traceback, the
warehouse exactly as before. A real `opsreview ingest` process gets SIGINT in the middle of a load."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analytics.cli import main
from analytics.warehouse import connect

pytestmark = pytest.mark.unit

OPSREVIEW = [sys.executable, "-m", "analytics"]


def _services_csv(path: Path, rows: int, seed: int) -> None:
    """A seeded services export of ``rows`` rows."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("service,team,tier\n")
        for i in range(rows):
            out.write(f"svc-{seed}-{i},team{rng.randrange(40)},tier{rng.randrange(1, 4)}\n")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _state(warehouse: Path) -> tuple[list[tuple], list[tuple]]:
    con = connect(warehouse, read_only=True)
    try:
        return (con.execute("SELECT * FROM services ORDER BY service").fetchall(),
                con.execute("SELECT file_id, file_name, status FROM ingest_ledger ORDER BY file_id").fetchall())
    finally:
        con.close()


def test_ctrl_c_during_a_load_is_one_line_exit_130_and_writes_nothing(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    small, big = tmp_path / "services-small.csv", tmp_path / "services-big.csv"
    _services_csv(small, 5, seed=1)
    _services_csv(big, 2_000_000, seed=2)
    assert main(["ingest", "services", str(small), "--warehouse", str(warehouse)]) == 0
    before = _state(warehouse)
    proc = subprocess.Popen([*OPSREVIEW, "ingest", "services", str(big), "--warehouse", str(warehouse)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while _cpu_seconds(proc.pid) < 2.5 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # past the imports (about 1 s of CPU) and into the load (about 5 s of CPU)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err == "opsreview: interrupted, nothing written\n" and out == ""
    assert _state(warehouse) == before


def test_ctrl_c_after_some_files_names_what_was_kept(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    small, big = tmp_path / "services-small.csv", tmp_path / "services-big.csv"
    _services_csv(small, 5, seed=3)
    _services_csv(big, 2_000_000, seed=4)
    proc = subprocess.Popen([*OPSREVIEW, "ingest", "services", str(small), str(big), "--warehouse", str(warehouse)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the small file's summary: it is committed
    started = _cpu_seconds(proc.pid)
    while _cpu_seconds(proc.pid) < started + 1.0 and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert "services-small.csv: 5 rows into services" in first and out == ""
    assert proc.returncode == 130
    assert err == "opsreview: interrupted, the file in progress was rolled back; the 1 file(s) above were loaded\n"
    rows, ledger = _state(warehouse)
    assert len(rows) == 5 and [name for _, name, _ in ledger] == ["services-small.csv"]
