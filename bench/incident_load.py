"""Benchmark: load N PagerDuty-like incidents (REST ``/incidents`` pages of 100 + log entries) and
time the incident notebook's metric queries on them.

    python bench/incident_load.py [--incidents 1000000] [--out bench/out/incidents] [--keep] [--repeat N]

Everything is reported as a ratio against a baseline measured in the same run on the same files:

* load: ``opsreview ingest pagerduty`` (validation, typed staging, ack times from the log entries,
  upsert, timelines, ledger) vs DuckDB reading and unnesting the same JSON files bare
  (``read_json`` + ``unnest``, no validation, no writes);
* queries: every metric call of ``notebooks/incident_trends.ipynb`` for the last full quarter vs one
  bare aggregate over the same rows (count and median time to resolve).

Generated files are cached in ``--out`` (keyed by N and the seed) so a rerun skips generation.
``--repeat N`` alternates the bare read and the load N times (a fresh warehouse each time) and
compares the fastest of each, which is what a shared machine's noise leaves comparable; the load
average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

import analytics
from analytics.metrics import incidents as im
from analytics.periods import parse_period
from analytics.sources import ingest
from analytics.warehouse import run

SEED = 20260701
PAGE = 100
SERVICES = [(f"svc-{i:02d}", f"team-{i % 6}", f"tier{1 + i % 3}") for i in range(30)]
PEOPLE = [f"responder-{i:03d}" for i in range(120)]
START = datetime(2025, 10, 1, tzinfo=UTC)
SPAN_DAYS = 365


def _z(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(n: int, out: Path) -> tuple[int, int]:
    """Write ``n`` incidents as REST pages (+ log entry pages); return (incidents, log entries)."""
    rng = np.random.default_rng(SEED)
    start = START.timestamp()
    created = np.sort(start + rng.uniform(0, SPAN_DAYS * 86400, n)).round()
    ack = rng.lognormal(np.log(300), 1.0, n).round()
    acked = rng.random(n) > 0.12
    resolve = ack + rng.lognormal(np.log(3600), 1.3, n).round()
    open_ = rng.random(n) < 0.01
    priority = rng.choice([1, 2, 3, 4, 5], n, p=[0.05, 0.15, 0.45, 0.2, 0.15])
    service = rng.integers(0, len(SERVICES), n)
    person = rng.integers(0, len(PEOPLE), n)
    mode = rng.integers(0, 8, n)
    alerts = rng.integers(1, 12, n)
    channels = ("sms", "phone_notification", "push_notification")
    out.mkdir(parents=True, exist_ok=True)
    entries_total = 0
    for page_no, first in enumerate(range(0, n, PAGE), start=1):
        incidents, entries = [], []
        for i in range(first, min(first + PAGE, n)):
            pid = f"Q{i:07d}"
            svc, team, _ = SERVICES[service[i]]
            who = PEOPLE[person[i]]
            c = float(created[i])
            resolved = None if open_[i] else c + float(resolve[i])
            status = "resolved" if resolved else ("acknowledged" if acked[i] else "triggered")
            incidents.append({
                "id": pid, "type": "incident", "summary": f"[#{i + 1}] {svc} failure {mode[i]}",
                "self": f"https://api.pagerduty.com/incidents/{pid}", "incident_number": i + 1,
                "title": f"{svc} failure {mode[i]}", "created_at": _z(c), "updated_at": _z(resolved or c),
                "status": status, "resolved_at": _z(resolved) if resolved else None, "urgency":
                    "high" if priority[i] <= 3 else "low",
                "incident_key": f"{svc}/mode-{mode[i]}",
                "priority": {"id": "PPRIO", "type": "priority_reference", "summary": f"P{priority[i]}"},
                "service": {"id": f"PS{service[i]:03d}", "type": "service_reference", "summary": svc},
                "teams": [{"id": f"PT{team}", "type": "team_reference", "summary": team}],
                "assignments": [], "acknowledgements": [], "alert_counts": {"all": int(alerts[i])},
            })
            timeline = [("trigger_log_entry", c, {"type": "service_reference", "summary": f"{svc}-mon"}, "api"),
                        ("notify_log_entry", c, None, channels[i % 3])]
            if acked[i]:
                timeline.append(("acknowledge_log_entry", c + float(ack[i]), {"type": "user_reference",
                                                                               "summary": who}, "mobile"))
            if resolved:
                timeline.append(("resolve_log_entry", resolved, {"type": "user_reference", "summary": who}, "website"))
            for k, (kind, at, agent, channel) in enumerate(timeline):
                entry: dict[str, Any] = {"id": f"{pid}L{k}", "type": kind, "created_at": _z(at),
                                         "incident": {"id": pid, "type": "incident_reference"},
                                         "channel": {"type": channel}}
                if agent:
                    entry["agent"] = agent
                else:
                    entry["user"] = {"type": "user_reference", "summary": who}
                entries.append(entry)
        entries_total += len(entries)
        (out / f"incidents-{page_no:06d}.json").write_text(json.dumps(
            {"incidents": incidents, "limit": PAGE, "offset": first, "more": first + PAGE < n}))
        (out / f"log_entries-{page_no:06d}.json").write_text(json.dumps({"log_entries": entries}))
    return n, entries_total


BARE_SQL = ("SELECT count(*), median(epoch(resolved_at - created_at)) FROM incidents "
            "WHERE created_at >= $s AND created_at < $e")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def cpu_seconds() -> float:
    """CPU time of this process so far (all threads): less sensitive than wall time to other jobs."""
    times = os.times()
    return times.user + times.system


def baseline_read(folder: Path) -> tuple[float, int]:
    """DuckDB reading and unnesting the same files with no validation and no writes."""
    con = duckdb.connect()
    try:
        glob = str(folder)
        sql = (f"SELECT (SELECT count(*) FROM (SELECT unnest(incidents) FROM read_json('{glob}/incidents-*.json', "
               f"maximum_object_size = 268435456))) + (SELECT count(*) FROM (SELECT unnest(log_entries) FROM "
               f"read_json('{glob}/log_entries-*.json', maximum_object_size = 268435456)))")
        seconds, rows = timed(lambda: con.execute(sql).fetchall()[0][0])
        return seconds, int(rows)
    finally:
        con.close()


def notebook_queries(con: duckdb.DuckDBPyConnection, quarter: str) -> list[tuple[str, float]]:
    """Wall time of every metric call the incident notebook makes (default scope)."""
    period = parse_period(quarter)
    scope: dict[str, Any] = {"service": None, "team": None, "max_severity_rank": 5}
    oncall: dict[str, Any] = {"responder_timezone": "Europe/Berlin", "business_hours": (480, 1080)}
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("incident_counts_by_week", lambda: im.incident_counts_by_week(con, period, **scope)),
        ("incident_totals x2", lambda: (im.incident_totals(con, period, **scope),
                                        im.incident_totals(con, period.previous(), **scope))),
        ("incident_counts_by_month", lambda: im.incident_counts_by_month(con, period, **scope)),
        ("incident_counts_by_severity", lambda: im.incident_counts_by_severity(con, period, **scope)),
        ("mtta_by_severity", lambda: im.mtta_by_severity(con, period, **scope)),
        ("mttr_by_severity", lambda: im.mttr_by_severity(con, period, **scope)),
        ("mttr_change_by_severity", lambda: im.mttr_change_by_severity(con, period, **scope)),
        ("mttr_by_tier", lambda: im.mttr_by_tier(con, period, **scope)),
        ("critical_restore_share", lambda: im.critical_restore_share(con, period)),
        ("mttr_by_service", lambda: im.mttr_by_service(con, period, **scope)),
        ("mttr_by_team + mtta_by_team", lambda: (im.mttr_by_team(con, period, **scope),
                                                 im.mtta_by_team(con, period, **scope))),
        ("repeat_rates_by_service", lambda: im.repeat_rates_by_service(con, period, **scope)),
        ("repeat_incident_rates", lambda: im.repeat_incident_rates(con, period, **scope)),
        ("recurring_failure_modes", lambda: im.recurring_failure_modes(con, period, **scope)),
        ("incident_durations", lambda: im.incident_durations(con, period, **scope)),
        ("pages_by_responder", lambda: im.pages_by_responder(con, period, **oncall, **scope)),
        ("oncall_health", lambda: im.oncall_health(con, period, **oncall, **scope)),
        ("alert_noise_by_service", lambda: im.alert_noise_by_service(con, period, **scope)),
        ("alert_noise", lambda: im.alert_noise(con, period, **scope)),
    ]
    return [(name, timed(call)[0]) for name, call in calls]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000, help="incidents to generate (default 1,000,000)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "incidents")
    parser.add_argument("--keep", action="store_true", help="keep the warehouse file after the run")
    parser.add_argument("--repeat", type=int, default=1, help="alternate baseline and load N times, compare the best")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data = args.out / f"pagerduty-{args.incidents}-{SEED}"
    manifest = data / "manifest.json"
    if manifest.is_file():
        counts = json.loads(manifest.read_text())
        print(f"reusing {data} ({counts['incidents']:,} incidents, {counts['log_entries']:,} log entries)")
        gen_seconds = None
    else:
        shutil.rmtree(data, ignore_errors=True)
        gen_seconds, (incidents, entries) = timed(lambda: generate(args.incidents, data / "pages"))
        counts = {"incidents": incidents, "log_entries": entries}
        manifest.write_text(json.dumps(counts))
        print(f"generated {incidents:,} incidents and {entries:,} log entries in {gen_seconds:.1f} s")
    pages = data / "pages"
    size = sum(p.stat().st_size for p in pages.iterdir())
    records = counts["incidents"] + counts["log_entries"]

    load_before = os.getloadavg()
    base_runs: list[float] = []
    load_runs: list[float] = []
    warehouse = args.out / "bench-warehouse.duckdb"
    catalogue = args.out / "services.csv"
    catalogue.write_text("service,team,tier\n" + "".join(f"{s},{t},{r}\n" for s, t, r in SERVICES))
    base_cpu: list[float] = []
    load_cpu: list[float] = []
    for attempt in range(max(args.repeat, 1)):
        before = cpu_seconds()
        base_seconds, base_rows = baseline_read(pages)
        base_cpu.append(cpu_seconds() - before)
        assert base_rows == records, (base_rows, records)
        base_runs.append(base_seconds)
        for stale in (warehouse, Path(f"{warehouse}.wal")):
            stale.unlink(missing_ok=True)
        con = analytics.connect(warehouse)
        try:
            ingest(con, "services", [str(catalogue)])
            before = cpu_seconds()
            load_seconds, results = timed(partial(ingest, con, "pagerduty", [str(pages)]))
            load_cpu.append(cpu_seconds() - before)
            load_runs.append(load_seconds)
            loaded = results[0].rows_loaded
            events = int(con.execute("SELECT count(*) FROM incident_events").fetchone()[0])
            assert loaded == counts["incidents"] and events == counts["log_entries"], (loaded, events)
            if attempt == max(args.repeat, 1) - 1:  # the metric queries once, on the last warehouse
                quarter = "2026Q3"
                period = parse_period(quarter)
                bound = {"s": period.start_ts, "e": period.end_ts}
                bare_seconds, _ = timed(partial(run, con, BARE_SQL, bound))
                in_quarter = int(run(con, BARE_SQL, bound)[0][0])
                timings = notebook_queries(con, quarter)
        finally:
            con.close()
            if not args.keep:
                for stale in (warehouse, Path(f"{warehouse}.wal")):
                    stale.unlink(missing_ok=True)
    base_seconds, load_seconds = min(base_runs), min(load_runs)
    load_after = os.getloadavg()

    print(f"\n{counts['incidents']:,} incidents + {counts['log_entries']:,} log entries in "
          f"{len(list(pages.iterdir())):,} files ({size / 1e6:,.0f} MB JSON); cores: {os.cpu_count()}")
    print(f"baseline  DuckDB bare read_json + unnest : {base_seconds:8.1f} s "
          f"{records / base_seconds:12,.0f} records/s")
    print(f"load      opsreview ingest pagerduty     : {load_seconds:8.1f} s "
          f"{records / load_seconds:12,.0f} records/s ({counts['incidents'] / load_seconds:,.0f} incidents/s)")
    print(f"ratio     load / baseline                : {load_seconds / base_seconds:8.1f} x")
    if len(base_runs) > 1:
        print(f"runs      baseline {', '.join(f'{x:.1f}' for x in base_runs)} s; load "
              f"{', '.join(f'{x:.1f}' for x in load_runs)} s (best of {len(base_runs)} compared)")
    print(f"cpu       baseline {min(base_cpu):.1f} s, load {min(load_cpu):.1f} s of CPU (best): "
          f"{min(load_cpu) / min(base_cpu):.1f} x")
    print(f"load avg  {load_before[0]:.2f} before, {load_after[0]:.2f} after (1-minute, {os.cpu_count()} cores)")
    total = sum(s for _, s in timings)
    print(f"\nnotebook metric queries for {quarter} ({in_quarter:,} incidents in the quarter):")
    for name, seconds in timings:
        print(f"  {name:32s} {seconds:7.2f} s  {seconds / bare_seconds:8.1f} x bare")
    print(f"  {'total':32s} {total:7.2f} s  {total / bare_seconds:8.1f} x bare "
          f"(bare aggregate: {bare_seconds * 1000:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
