"""The report runner on tiny throwaway notebooks: failures are collected, successes kept, runs
never overwrite each other, HTML carries no code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analytics.cli import main
from analytics.errors import ParameterError, ReportError, UsageError
from analytics.reports import run_reports
from analytics.settings import Settings
from analytics.sources import ingest
from analytics.warehouse import connect

pytestmark = pytest.mark.notebooks

PARAMS = (
    'period: str = "2026Q3"  # period\nwarehouse: str = ""  # warehouse\n'
    'output_dir: str = ""  # out\nlimit: int = 3  # rows'
)


def _notebook(path: Path, body: str) -> None:
    nb = new_notebook(cells=[
        new_markdown_cell("# Tiny report"),
        new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
        new_code_cell(body),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "good.ipynb",
              "secret_code_marker = 41 + 1\nprint(f'answer {secret_code_marker} for {period}, limit {limit}')")
    _notebook(folder / "bad.ipynb", "raise RuntimeError('planted failure')")
    warehouse = tmp_path / "w.duckdb"
    connect(warehouse).close()
    return Settings(home=tmp_path, warehouse=str(warehouse), reports_dir=tmp_path / "reports",
                    notebooks_dir=folder, demo_dir=tmp_path / "demo")


def test_failures_are_collected_and_successes_kept(settings: Settings) -> None:
    summary = run_reports(["all"], "2026Q3", settings=settings, parameters={"limit": 5})
    assert not summary.ok
    assert [(r.name, r.ok) for r in summary.results] == [("bad", False), ("good", True)]
    assert "planted failure" in (summary.failed[0].error or "")
    out = settings.report_dir("2026Q3")
    html = (out / "good.html").read_text()
    assert "answer 42 for 2026Q3, limit 5" in html
    assert "secret_code_marker = 41" not in html, "HTML must not contain code"
    assert not (out / "bad.html").exists() and (out / "bad.ipynb").exists()
    index = (out / "index.html").read_text()
    assert "failed" in index and "good.html" in index
    run = json.loads((out / "run.json").read_text())
    assert run["period"] == "2026Q3" and len(run["results"]) == 2


def test_a_second_run_archives_the_first(settings: Settings) -> None:
    first = run_reports(["good"], "2026Q3", settings=settings)
    second = run_reports(["good"], "2026Q3", settings=settings)
    assert first.ok and second.ok
    assert second.archived_previous_run is not None
    archived = Path(second.archived_previous_run)
    assert (archived / "good.html").exists() and (archived / "run.json").exists()


def test_unknown_parameters_fail_before_anything_runs(settings: Settings) -> None:
    with pytest.raises(ParameterError, match="has no parameter 'limt'"):
        run_reports(["good"], "2026Q3", settings=settings, parameters={"limt": 1})
    assert not settings.reports_dir.exists()


def test_a_locked_period_is_refused(settings: Settings) -> None:
    out = settings.report_dir("2026Q3")
    out.mkdir(parents=True)
    (out / ".lock").write_text("123")
    with pytest.raises(ReportError, match="another report run"):
        run_reports(["good"], "2026Q3", settings=settings)


def test_notebooks_must_declare_the_common_parameters(settings: Settings) -> None:
    nb = new_notebook(cells=[new_code_cell('period: str = "2026Q3"', metadata={"tags": ["parameters"]})],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, settings.notebooks_dir / "partial.ipynb")
    with pytest.raises(ParameterError, match="does not declare the common parameter"):
        run_reports(["partial"], "2026Q3", settings=settings)


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (relative) with its bytes, None for folders."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}


def test_a_folder_that_is_not_a_report_folder_is_refused(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSREVIEW_NOTEBOOKS_DIR", str(settings.notebooks_dir))
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("private key")
    (home / ".profile").write_text("export PATH")
    (home / "project").mkdir()
    (home / "project" / "main.py").write_text("print('mine')")
    before = _tree(home)
    code = main(["report", "good", "--period", "2026Q3", "--out", str(home), "--warehouse", settings.warehouse])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "is not empty and has no run.json" in err and "Traceback" not in err
    assert _tree(home) == before


def test_only_files_named_in_the_previous_run_json_are_archived(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_reports(["good"], "2026Q3", settings=settings, out_dir=out)
    assert first.ok
    recorded = json.loads((out / "run.json").read_text())
    assert recorded["files"] == ["good", "good.html", "good.ipynb", "index.html", "run.json"]
    # things the run did not write, next to what it wrote; the run.json is edited to name some of them
    (out / ".env").write_text("TOKEN=secret")
    (out / "notes").mkdir()
    (out / "notes" / "todo.md").write_text("mine")
    (out / "mine.csv").write_text("a,b\n")
    warehouse = out / "warehouse.duckdb"
    Path(settings.warehouse).rename(warehouse)
    outside = tmp_path / "outside.txt"
    outside.write_text("not in the folder")
    recorded["files"] += [".env", "../outside.txt", "warehouse.duckdb", "history", "/etc/passwd"]
    (out / "run.json").write_text(json.dumps(recorded))
    kept = {name: _tree(out)[name] for name in (".env", "notes", "notes/todo.md", "mine.csv")}
    wh_bytes = warehouse.read_bytes()
    second = run_reports(["good"], "2026Q3", settings=settings.with_(warehouse=str(warehouse)), out_dir=out)
    assert second.ok and second.archived_previous_run is not None
    archived = Path(second.archived_previous_run)
    assert sorted(p.name for p in archived.iterdir()) == ["good.html", "good.ipynb", "index.html", "run.json"]
    after = _tree(out)
    assert {name: after[name] for name in kept} == kept
    assert warehouse.read_bytes() == wh_bytes and outside.read_text() == "not in the folder"
    assert not any(name.startswith(".warehouse-snapshot") for name in after)


def test_a_file_the_run_would_overwrite_but_did_not_write_is_refused(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_reports(["good"], "2026Q3", settings=settings, out_dir=out).ok
    (out / "bad.html").write_text("someone's page")
    with pytest.raises(UsageError, match=r"already holds 'bad\.html'"):
        run_reports(["bad"], "2026Q3", settings=settings, out_dir=out)
    assert (out / "bad.html").read_text() == "someone's page" and (out / "good.html").exists()


@pytest.mark.parametrize("value", ["/tmp", "..", "../elsewhere", ".", "history/x", ".hidden", "run.json"])
def test_output_dir_must_stay_inside_the_run_folder(settings: Settings, tmp_path: Path, value: str) -> None:
    with pytest.raises(ParameterError, match="must be a folder inside the run's folder"):
        run_reports(["good"], "2026Q3", settings=settings, out_dir=tmp_path / "out",
                    parameters={"output_dir": value})
    assert not (tmp_path / "out").exists()


def test_output_dir_inside_the_run_folder_is_recorded(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _notebook(settings.notebooks_dir / "writer.ipynb",
              "from pathlib import Path\nPath(output_dir).mkdir(parents=True)\n"
              "(Path(output_dir) / 'kpis.json').write_text('{}')")
    summary = run_reports(["writer"], "2026Q3", settings=settings, out_dir=out,
                          parameters={"output_dir": "artifacts/q3"})
    assert summary.ok, summary.failed
    assert (out / "artifacts" / "q3" / "kpis.json").is_file()
    assert "artifacts" in json.loads((out / "run.json").read_text())["files"]


def test_a_load_landing_mid_run_does_not_reach_the_later_notebooks(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "services-1.csv", tmp_path / "services-2.csv"
    first.write_text("service,team,tier\ncheckout,payments,tier1\nsearch,discovery,tier2\n")
    second.write_text("service,team,tier\nledger,finance,tier1\n")
    con = connect(settings.warehouse)
    try:
        ingest(con, "services", [str(first)])
    finally:
        con.close()
    count = ("import analytics\nc = analytics.connect(warehouse, read_only=True)\n"
             "print('services seen:', c.execute('SELECT count(*) FROM services').fetchone()[0])\nc.close()\n")
    # the first notebook lands a load in the real warehouse (as a cron job would) after it has read
    monkeypatch.setenv("TEST_REAL_WAREHOUSE", settings.warehouse)
    monkeypatch.setenv("TEST_SECOND_FILE", str(second))
    _notebook(settings.notebooks_dir / "a_reads_then_load_lands.ipynb", count +
              "import os\nfrom analytics.sources import ingest\n"
              "w = analytics.connect(os.environ['TEST_REAL_WAREHOUSE'])\n"
              "ingest(w, 'services', [os.environ['TEST_SECOND_FILE']])\nw.close()\nprint('load landed')")
    _notebook(settings.notebooks_dir / "b_reads_later.ipynb", count)
    summary = run_reports(["a_reads_then_load_lands", "b_reads_later"], "2026Q3", settings=settings,
                          out_dir=tmp_path / "out")
    assert summary.ok, summary.failed
    pages = [(tmp_path / "out" / f"{r.name}.html").read_text() for r in summary.results]
    assert "load landed" in pages[0]
    assert all("services seen: 2" in page for page in pages)
    con = connect(settings.warehouse, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM services").fetchone() == (3,)
    finally:
        con.close()


def test_ctrl_c_during_a_report_run_restores_the_previous_run(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_reports(["good"], "2026Q3", settings=settings, out_dir=out).ok
    before = _tree(out)
    started = tmp_path / "started"
    _notebook(settings.notebooks_dir / "slow.ipynb",
              f"from pathlib import Path\nimport time\nPath({str(started)!r}).write_text('x')\ntime.sleep(120)")
    env = {**os.environ, "OPSREVIEW_NOTEBOOKS_DIR": str(settings.notebooks_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "analytics", "report", "good", "slow", "--period", "2026Q3", "--out", str(out),
         "--warehouse", settings.warehouse],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started.exists(), proc.communicate()
    os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the runner and its kernel
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and stderr == "opsreview: interrupted, nothing written\n" and stdout == ""
    assert _tree(out) == before


def test_two_at_a_time_runs_side_by_side_and_lists_results_in_order(settings: Settings, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    stamp = ("import time\nfrom pathlib import Path\n"
             "Path({path!r}).joinpath('{name}-start').write_text(str(time.time()))\n"
             "time.sleep({sleep})\nPath({path!r}).joinpath('{name}-end').write_text(str(time.time()))")
    _notebook(settings.notebooks_dir / "a_slow.ipynb", stamp.format(path=str(marks), name="a", sleep=6))
    _notebook(settings.notebooks_dir / "b_quick.ipynb", stamp.format(path=str(marks), name="b", sleep=0))
    summary = run_reports(["b_quick", "a_slow", "good"], "2026Q3", settings=settings, out_dir=tmp_path / "out", jobs=2)
    assert summary.ok, summary.failed
    assert [r.name for r in summary.results] == ["b_quick", "a_slow", "good"]  # as asked, not as finished
    if sys.platform == "linux":  # each kernel's peak memory is recorded (run.json)
        assert all(r.peak_rss_mb is not None and r.peak_rss_mb > 10 for r in summary.results)
        run_json = json.loads((tmp_path / "out" / "run.json").read_text())
        assert [r["peak_rss_mb"] for r in run_json["results"]] == [r.peak_rss_mb for r in summary.results]
        assert run_json["runner_peak_rss_mb"] > 10
    started_b, ended_a = float((marks / "b-start").read_text()), float((marks / "a-end").read_text())
    assert started_b < ended_a  # b ran while a was still running
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(["a_slow.html", "a_slow.ipynb", "b_quick.html", "b_quick.ipynb", "good.html",
                              "good.ipynb", "index.html", "run.json"])


def test_a_result_computed_by_one_notebook_is_read_back_by_the_next(settings: Settings, tmp_path: Path) -> None:
    body = ("import analytics\nfrom analytics.runcache import cached\n"
            "con = analytics.connect(warehouse, read_only=True)\n"
            "value = cached(con, 'answer', ('q', 1), lambda: print('computed here') or 42)\nprint('value', value)")
    _notebook(settings.notebooks_dir / "first.ipynb", body)
    _notebook(settings.notebooks_dir / "second.ipynb", body)
    summary = run_reports(["first", "second"], "2026Q3", settings=settings, out_dir=tmp_path / "out")
    assert summary.ok, summary.failed
    first, second = ((tmp_path / "out" / f"{n}.html").read_text() for n in ("first", "second"))
    assert "computed here" in first and "value 42" in first
    assert "computed here" not in second and "value 42" in second


def test_ctrl_c_with_two_at_a_time_interrupts_both_kernels_and_restores_the_previous_run(
    settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_reports(["good"], "2026Q3", settings=settings, out_dir=out).ok
    before = _tree(out)
    for name in ("slow_one", "slow_two"):
        _notebook(settings.notebooks_dir / f"{name}.ipynb",
                  f"from pathlib import Path\nimport time\nPath({str(tmp_path / name)!r}).write_text('x')\n"
                  "time.sleep(300)")
    env = {**os.environ, "OPSREVIEW_NOTEBOOKS_DIR": str(settings.notebooks_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "analytics", "report", "slow_one", "slow_two", "--jobs", "2", "--period", "2026Q3",
         "--out", str(out), "--warehouse", settings.warehouse],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while not all((tmp_path / n).exists() for n in ("slow_one", "slow_two")) and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (tmp_path / "slow_one").exists() and (tmp_path / "slow_two").exists(), proc.communicate()
    os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C; the kernels run in sessions of their own
    # the cells sleep 300 s: returning within 120 s means the kernels were interrupted, not waited for
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and stderr == "opsreview: interrupted, nothing written\n" and stdout == ""
    assert _tree(out) == before


def _run_cli(args: list[str], env: dict[str, str], *, terminal: bool) -> str:
    """Run ``opsreview …`` with its output on a pseudo-terminal (an interactive user) or on pipes (cron)."""
    if not terminal:
        done = subprocess.run([sys.executable, "-m", "analytics", *args], env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        return done.stdout + done.stderr
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a 120-column terminal
    proc = subprocess.Popen([sys.executable, "-m", "analytics", *args], env=env, stdin=subprocess.DEVNULL,
                            stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=300)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_shows_on_a_terminal_and_stays_quiet_under_cron(settings: Settings, tmp_path: Path, jobs: str) -> None:
    env = {**os.environ, "OPSREVIEW_NOTEBOOKS_DIR": str(settings.notebooks_dir)}
    args = ["report", "good", "bad", "--period", "2026Q3", "--jobs", jobs, "--warehouse", settings.warehouse]
    interactive = _run_cli([*args, "--out", str(tmp_path / "tty")], env, terminal=True)
    assert "reports 2026Q3" in interactive and "2/2" in interactive  # the bar, per notebook
    cron = _run_cli([*args, "--out", str(tmp_path / "cron")], env, terminal=False)
    assert "reports 2026Q3" not in cron and "\r" not in cron
    # the per-notebook lines are printed either way
    for output in (interactive, cron):
        assert "ok     good" in output and "FAILED bad" in output
