"""``opsreview`` — the command line (also ``python -m analytics``). Logging is configured here, once.

Exit codes: 0 success; 1 a report notebook or an unexpected step failed; 2 bad usage or bad input
(unknown kind/notebook, bad period, missing warehouse, malformed file) with a one-line message and
no traceback; 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from analytics import __version__
from analytics.errors import AnalyticsError, UsageError
from analytics.settings import environment_variable
from analytics.warehouse import DEFAULT_LOCK_WAIT_S, LOCK_WAIT_ENV

log = logging.getLogger("analytics.cli")


def _out(text: object) -> None:
    """Write a line of command output to stdout (results go to stdout, logs to stderr)."""
    sys.stdout.write(f"{text}\n")


def _err(text: str) -> None:
    sys.stderr.write(f"{text}\n")


def _jobs(text: str) -> int:
    """``--jobs`` value: notebooks at a time, 1 to 16."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 16:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 16, got {text!r}")
    return value


def _seconds(text: str) -> float:
    """``--wait`` value: seconds from 0 up to a day."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 86_400:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to 86399, got {text!r}")
    return value


@contextmanager
def _lock_wait(args: argparse.Namespace) -> Iterator[None]:
    """``--wait`` for the length of one command (connections read it through ``OPSREVIEW_LOCK_WAIT``)."""
    wait = getattr(args, "wait", None)
    if wait is None:
        yield
        return
    with environment_variable(LOCK_WAIT_ENV, f"{wait:g}"):
        yield


def _common(parser: argparse.ArgumentParser) -> None:
    """Options every command accepts (so they work before or after the command name)."""
    parser.add_argument(
        "--warehouse",
        default=argparse.SUPPRESS,
        help="DuckDB warehouse file (default: $OPSREVIEW_WAREHOUSE or data/warehouse.duckdb)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help="more log output")
    parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only errors")
    parser.add_argument(
        "--wait", type=_seconds, default=argparse.SUPPRESS, metavar="SECONDS",
        help="while another process writes the warehouse, wait this long before giving up "
        f"(default: $OPSREVIEW_LOCK_WAIT or {DEFAULT_LOCK_WAIT_S:g} s)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="opsreview",
        description="Quarterly operational excellence review: load incident, delivery, SLO and cloud cost "
        "exports into a DuckDB warehouse and render the report notebooks.",
    )
    parser.add_argument("--version", action="version", version=f"opsreview {__version__}")
    _common(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="generate the demo company's exports and load them")
    _common(demo)
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument("--scale", type=float, default=1.0, help="multiply data volumes (default 1)")
    demo.add_argument("--months", type=int, default=None,
                      help="generate only the last N of the 18 months (default all; fewer for quick runs)")
    demo.add_argument("--force", action="store_true", help="replace a warehouse that already holds data")

    ingest = sub.add_parser("ingest", help="load export files: opsreview ingest KIND PATH…")
    _common(ingest)
    ingest.add_argument("kind", help="source kind (see `opsreview kinds`), or auto to detect it per file")
    ingest.add_argument("paths", nargs="+", help="files, folders or URIs (s3://…, bq://…)")
    ingest.add_argument("--timezone", help="IANA zone of timestamps written without an offset")
    ingest.add_argument("--mapping", type=Path, help="YAML column mapping (mapped-csv)")
    ingest.add_argument("--severity-map", type=Path, help="YAML override of the source's severity mapping")
    ingest.add_argument("--table", help="target table for the canonical kind")
    ingest.add_argument("--quarantine", action="store_true",
                        help="set rows with problems aside (counted, reported) instead of failing the file")
    ingest.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="kind-specific option, repeatable")

    kinds = sub.add_parser("kinds", help="list the source kinds ingest understands")
    _common(kinds)

    status = sub.add_parser("status", help="what is loaded (from the ingest ledger) and whether it reconciles")
    _common(status)
    status.add_argument("--format", choices=("table", "json"), default="table")

    sql = sub.add_parser("sql", help="read-only SQL query of the warehouse")
    _common(sql)
    sql.add_argument("query", help='e.g. "SELECT service, count(*) FROM incidents GROUP BY 1 ORDER BY 2 DESC"')
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument("--max-rows", type=int, default=1000, help="rows to print in table format (default 1000)")

    report = sub.add_parser("report", help="run report notebooks for a period into reports/<period>/")
    _common(report)
    report.add_argument("names", nargs="+", help="notebook names (see `opsreview report --list`), or all")
    report.add_argument("--period", required=True,
                        help="e.g. 2026Q3, 2026-07, 2026, or latest (the latest full quarter in the warehouse)")
    report.add_argument("--out", type=Path, help="output folder (default reports/<period>)")
    report.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                        help="extra notebook parameter, repeatable (checked against the notebook)")
    report.add_argument("--jobs", type=_jobs, default=1, metavar="N",
                        help="run N notebooks at a time, each in its own kernel (default 1; 2 suits a 2-core "
                        "machine); the quarterly review still runs after the others")
    report.add_argument("--cost-engine", metavar="URL", default=None,
                        help="run the cost statements inside another engine: spark://local/TABLE, "
                             "bigquery://PROJECT.DATASET.TABLE, athena://WORKGROUP/DATABASE.TABLE?output=s3://… "
                             "(default: the warehouse; docs/engines.md)")
    report.add_argument("--max-bytes-billed", type=int, default=None, metavar="BYTES",
                        help="BigQuery: refuse a statement whose dry run would bill more than BYTES")

    export = sub.add_parser("export", help="export canonical data: opsreview export focus --out FILE")
    _common(export)
    export.add_argument("what", choices=("focus",), help="what to export")
    export.add_argument("--out", type=Path, required=True, help="output file (.parquet or .csv)")
    export.add_argument("--period", help="only charges in this period")

    fetch = sub.add_parser("fetch", help="download an API export to files you can ingest (and keep)")
    _common(fetch)
    fetch.add_argument("what", choices=("pagerduty",), help="pagerduty: REST /incidents with log entries")
    fetch.add_argument("--since", required=True, help="first day, e.g. 2026-07-01 (UTC)")
    fetch.add_argument("--until", required=True, help="day after the last, e.g. 2026-10-01 (UTC)")
    fetch.add_argument("--out", type=Path, required=True, help="folder for the JSON pages")
    fetch.add_argument("--base-url", default=None, help="API base URL (default https://api.pagerduty.com)")
    fetch.add_argument("--load", action="store_true", help="ingest the folder into the warehouse afterwards")

    feedback = sub.add_parser("feedback", help="label a cost anomaly (confirmed, expected, false), or list labels")
    _common(feedback)
    feedback.add_argument("anomaly_id", nargs="?", help="the anomaly's id (cost_anomalies report); none: list")
    feedback.add_argument("--label", choices=("confirmed", "expected", "false"))
    feedback.add_argument("--note", help="why: a ticket, a planned migration, …")
    feedback.add_argument("--by", help="who gives the label")

    engine = sub.add_parser("engine", help="prepare a cost engine: opsreview engine create-focus-view …")
    _common(engine)
    engine.add_argument("action", choices=("create-focus-view",),
                        help="create-focus-view: a FOCUS view over a CUR 2.0 table, from the aws-cur loader's mapping")
    engine.add_argument("--source", required=True, help="what the table holds: cur2 (AWS CUR 2.0, Data Exports)")
    engine.add_argument("--engine", required=True, metavar="URL",
                        help="the source table: spark://local/TABLE, athena://WORKGROUP/DB.TABLE?output=s3://…, "
                             "bigquery://PROJECT.DATASET.TABLE (tags=json|map: the view's Tags form)")
    engine.add_argument("--view", required=True, help="the view to create (same form as the table's name)")
    engine.add_argument("--schema-from", type=Path, metavar="FILE",
                        help="take the table's columns from a sample export file instead of the engine")
    engine.add_argument("--dry-run", action="store_true", help="print the DDL, run nothing")

    migrate = sub.add_parser("migrate", help="apply pending schema migrations to the warehouse (loads do it too)")
    _common(migrate)

    schema = sub.add_parser("schema", help="print the warehouse schema")
    _common(schema)
    schema.add_argument("--markdown", action="store_true", help="as the Markdown page docs/schema.md")
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    # The commands print their own results on stdout; the log (stderr) adds detail on request.
    verbosity = getattr(args, "verbose", 0)
    level = logging.ERROR if getattr(args, "quiet", False) else (
        logging.DEBUG if verbosity >= 2 else logging.INFO if verbosity == 1 else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)
    # at -vv botocore logs signed requests (key id, session token): every handler masks credentials
    from analytics.redact import mask_handlers

    mask_handlers()
    for noisy in ("papermill", "traitlets", "nbconvert", "botocore", "urllib3", "google", "asyncio"):
        # their warnings (e.g. nbconvert's "alternative text is missing") are for developers: -vv shows them
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity >= 2 else max(level, logging.ERROR))


def _pairs(items: Sequence[str], what: str) -> dict[str, str]:
    """``["a=1", "b=x"]`` → ``{"a": "1", "b": "x"}``."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{what} must look like NAME=VALUE, got {item!r}")
        out[key.strip()] = value
    return out


def _settings(args: argparse.Namespace):
    from analytics.settings import Settings

    return Settings.from_env(warehouse=getattr(args, "warehouse", None))


def _step(args: argparse.Namespace) -> Callable[[str], None]:
    """Where long commands say what they are doing: stderr, unless --quiet."""
    if getattr(args, "quiet", False):
        return lambda message: None
    return _err


def cmd_demo(args: argparse.Namespace) -> int:
    from analytics.demo.build import build_demo

    summary = build_demo(settings=_settings(args), seed=args.seed, scale=args.scale, months=args.months,
                         force=args.force,
                         progress=sys.stderr.isatty(), on_step=_step(args))
    _out(summary.describe())
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from analytics.sources import LoadOptions, get_kind, ingest
    from analytics.warehouse import connect

    options = LoadOptions(timezone=args.timezone, mapping=args.mapping, severity_map=args.severity_map,
                          table=args.table, quarantine=args.quarantine, extra=_pairs(args.option, "--option"))
    con = connect(_settings(args).warehouse)
    try:
        if args.kind != "auto" and get_kind(args.kind).load_paths is not None:
            # the files of one folder named in one command are one delivery (the parts of a sharded export)
            for result in ingest(con, args.kind, args.paths, options):
                _out(result.summary())
            return 0
        paths: Any = args.paths
        if len(paths) > 1 and sys.stderr.isatty():
            from tqdm import tqdm

            paths = tqdm(paths, desc=f"ingest {args.kind}", unit="file")
        loaded = 0
        try:
            for path in paths:
                for result in ingest(con, args.kind, [path], options):
                    _out(result.summary())
                    loaded += 1
        except BaseException as exc:
            if loaded and (isinstance(exc, KeyboardInterrupt) or _INTERRUPTED.is_set()):
                kept = f"the file in progress was rolled back; the {loaded} file(s) above were loaded"
                raise KeyboardInterrupt(kept) from exc
            raise
    finally:
        con.close()
    return 0


def cmd_kinds(args: argparse.Namespace) -> int:
    from analytics.sources import source_kinds

    for kind in source_kinds().values():
        _out(f"{kind.name:20s} -> {kind.table:18s} {kind.summary}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from analytics.status import warehouse_status

    report = warehouse_status(_settings(args).warehouse)
    _out(json.dumps(report.as_dict(), indent=2, default=str) if args.format == "json" else report.as_text())
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from analytics.query import run_readonly_query, write_result

    frame = run_readonly_query(_settings(args).warehouse, args.query)
    write_result(frame, sys.stdout, fmt=args.format, max_rows=args.max_rows)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from analytics.engines import with_max_bytes_billed
    from analytics.reports import run_reports

    params = _pairs(args.param, "--param")
    engine = with_max_bytes_billed(args.cost_engine, args.max_bytes_billed)
    summary = run_reports(args.names, args.period, settings=_settings(args), out_dir=args.out,
                          parameters=params, progress=sys.stderr.isatty(), jobs=args.jobs, cost_engine=engine)
    for result in summary.results:
        state = "ok    " if result.ok else "FAILED"
        _out(f"{state} {result.name} ({result.seconds:.1f} s){'' if result.ok else ': ' + str(result.error)}")
    _out(f"{Path(summary.out_dir) / 'index.html'}")
    if not summary.ok:
        log.error("%d of %d report(s) failed; the others were written", len(summary.failed), len(summary.results))
        return 1
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from analytics.periods import parse_period
    from analytics.sources.cost.focus_export import export_focus
    from analytics.warehouse import connect

    con = connect(_settings(args).warehouse, read_only=True)
    try:
        fmt: Literal["csv", "parquet"] = "csv" if args.out.suffix.lower() == ".csv" else "parquet"
        period = parse_period(args.period) if args.period else None
        written = export_focus(con, args.out, fmt=fmt, period=period)
    finally:
        con.close()
    _out(written)
    return 0


def _utc_day(text: str, option: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"{option} must be a date like 2026-07-01, got {text!r}") from exc
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def cmd_fetch(args: argparse.Namespace) -> int:
    from analytics.sources import ingest
    from analytics.sources.incidents.pagerduty import API, api_token, fetch_incidents
    from analytics.warehouse import connect

    since, until = _utc_day(args.since, "--since"), _utc_day(args.until, "--until")
    if until <= since:
        raise UsageError("--until must be after --since")
    files = fetch_incidents(api_token(), since, until, out_dir=args.out, base_url=args.base_url or API)
    _out(f"{len(files)} file(s) written to {args.out}")
    if args.load:
        con = connect(_settings(args).warehouse)
        try:
            for result in ingest(con, "pagerduty", [str(args.out)]):
                _out(result.summary())
        finally:
            con.close()
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from analytics.anomalies.cost import feedback, record_feedback
    from analytics.warehouse import connect

    if args.anomaly_id is None:
        con = connect(_settings(args).warehouse, read_only=True)
        try:
            _out(feedback(con).to_string(index=False))
        finally:
            con.close()
        return 0
    if args.label is None:
        raise UsageError("give --label confirmed|expected|false (or no anomaly id to list the labels)")
    con = connect(_settings(args).warehouse)
    try:
        record_feedback(con, args.anomaly_id, args.label, note=args.note, recorded_by=args.by)
    finally:
        con.close()
    _out(f"{args.anomaly_id}: {args.label}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from analytics.warehouse import connect, run

    location = _settings(args).warehouse
    con = connect(location)  # a read-write connection applies whatever is pending
    try:
        versions = [int(r[0]) for r in run(con, "SELECT version FROM schema_migrations ORDER BY version")]
    finally:
        con.close()
    _out(f"{location}: up to date (migrations {', '.join(map(str, versions))})")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from analytics.warehouse import connect, schema_markdown, table_columns

    con = connect(":memory:")
    try:
        if args.markdown:
            _out(schema_markdown(con))
        else:
            from analytics.warehouse import CANONICAL_TABLES

            for table in ("ingest_ledger", *CANONICAL_TABLES):
                _out(f"{table}: {', '.join(table_columns(con, table))}")
    finally:
        con.close()
    return 0


def cmd_engine(args: argparse.Namespace) -> int:
    """``engine create-focus-view``: print (``--dry-run``) or run the FOCUS view's DDL (docs/engines.md)."""
    from analytics.engines.focus_view import create_focus_view

    made = create_focus_view(args.engine, source=args.source, view=args.view, schema_from=args.schema_from,
                             dry_run=args.dry_run)
    if not made.executed:
        _out(made.view.sql + ";")
        return 0
    _out(f"created view {made.view.view} over {made.view.table} ({len(made.view.columns)} FOCUS columns); "
         f"read it with --cost-engine {made.engine_url}")
    return 0


COMMANDS = {
    "demo": cmd_demo,
    "ingest": cmd_ingest,
    "kinds": cmd_kinds,
    "status": cmd_status,
    "sql": cmd_sql,
    "report": cmd_report,
    "export": cmd_export,
    "schema": cmd_schema,
    "fetch": cmd_fetch,
    "migrate": cmd_migrate,
    "feedback": cmd_feedback,
    "engine": cmd_engine,
}


_INTERRUPTED = threading.Event()
"""Set by the SIGINT handler: whatever exception follows (DuckDB turns Ctrl-C inside a query into
``RuntimeError: Query interrupted``) is the interrupt, not a failure to report."""


def _on_sigint(signum: int, frame: Any) -> None:
    _INTERRUPTED.set()
    signal.default_int_handler(signum, frame)  # raises KeyboardInterrupt where the program is


@contextmanager
def _interrupt_handler() -> Iterator[None]:
    """Note Ctrl-C for the length of one command (only the main thread may install handlers)."""
    _INTERRUPTED.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupted_message(exc: BaseException) -> str:
    """The one line for Ctrl-C: loads and report runs roll back, so nothing of the step in progress is
    written; a multi-file ingest says which earlier files it kept."""
    kept = exc.args[0] if isinstance(exc, KeyboardInterrupt) and exc.args else ""
    return f"opsreview: interrupted, {kept or 'nothing written'}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``opsreview``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    try:
        with _interrupt_handler(), _lock_wait(args):
            return COMMANDS[args.command](args)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt) or _INTERRUPTED.is_set():
            _err(_interrupted_message(exc))
            return 130
        if isinstance(exc, AnalyticsError):
            from analytics.redact import redact

            _err(f"opsreview: error: {redact(str(exc))}")
            return exc.exit_code
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
