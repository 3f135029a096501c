"""Shared helpers for tabular sources: read a file into DuckDB as text, then cast it onto a
canonical table with errors that name file, row and column."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics.errors import AnalyticsError, ExportFormatError
from analytics.sources._csv_layout import CsvLayout, csv_layout
from analytics.sources._values import bound_params, instant_checks, nul_check
from analytics.warehouse import run
from analytics.warehouse.sqlutil import quote_identifier, quote_literal

ROW = "__row"  # 1-based data row number column added by read_text_table
_LINE = re.compile(r"[Ll]ine:?\s*(\d+)")
_MALFORMED_JSON = re.compile(r"Malformed JSON in file .*, at byte \d+ in (line|record/value) \d+: (?P<why>.+)$")


@dataclass(frozen=True)
class Column:
    """A canonical column: name, DuckDB type, whether it may be NULL, whether it has a default."""

    name: str
    dtype: str
    nullable: bool
    default: str | None  # SQL expression from our own schema, e.g. 'Occurrences'

    @property
    def has_default(self) -> bool:
        """Whether the column has a default value."""
        return self.default is not None


def table_schema(con: duckdb.DuckDBPyConnection, table: str) -> list[Column]:
    """Columns of a warehouse table with type, nullability and default."""
    rows = run(
        con,
        "SELECT column_name, data_type, is_nullable, column_default "
        "FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $t ORDER BY column_index",
        {"t": table},
    )
    return [Column(n, t, bool(nl), None if d is None else str(d)) for n, t, nl, d in rows]


def file_format(path: Path) -> str:
    """csv, parquet or json from the file name (``.gz`` allowed on csv and json)."""
    name = path.name.lower()
    for suffix, fmt in ((".parquet", "parquet"), (".pq", "parquet"), (".csv", "csv"), (".csv.gz", "csv"),
                        (".tsv", "csv"), (".json", "json"), (".jsonl", "json"), (".json.gz", "json"),
                        (".ndjson", "json")):
        if name.endswith(suffix):
            return fmt
    raise ExportFormatError("unsupported file type: expected .csv, .csv.gz, .parquet or .json", file=path)


# DuckDB reader messages → what a person reads (never the raw message: it names reader options,
# suggests flags of DuckDB's own and spans many lines)
_READER_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("invalid unicode", "not UTF-8 text (a byte sequence that is not UTF-8); save the export as UTF-8"),
    ("expected number of columns", "a row has a different number of fields than the header"),
    ("unterminated quote", "a quoted value is not closed properly (check the quoting of this row)"),
    ("state machine", "not a well-formed CSV file (RFC 4180): check its delimiter, quoting and line endings"),
    ("maximum line size", "a line is longer than 128 MiB"),
    ("malformed json", "not valid JSON"),
    ("json", "not valid JSON"),
    ("sniff", "cannot tell the file's layout: is it really this format?"),
    ("parquet", "not a readable parquet file (truncated, or another format)"),
    ("conversion error", "a value does not have the type the file's own schema declares"),
    ("could not convert", "a value does not have the type the file's own schema declares"),
    ("out of range", "a number is out of range"),
    ("no such file", "the file cannot be opened"),
    ("io error", "the file cannot be read"),
)


def duckdb_error(exc: duckdb.Error, path: Path | str) -> ExportFormatError:
    """Turn a DuckDB reader error into an ExportFormatError naming the file, the row when DuckDB
    tells it, and the problem in plain words (never DuckDB's raw message)."""
    text = str(exc).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    match = _LINE.search(lines[0]) if lines else None
    row = int(match.group(1)) - 1 if match else None  # DuckDB counts the header as line 1
    json_error = next((m for m in map(_MALFORMED_JSON.search, lines) if m), None)
    if json_error:  # the message repeats the path, and its line / record number is one too high
        line = first_bad_json_line(Path(path)) if "://" not in str(path) else None
        where = f"line {line} is not valid JSON" if line else "not valid JSON"
        return ExportFormatError(f"{where}: {json_error['why'].rstrip('. ')}", file=path)
    lowered = text.casefold()
    reason = next((words for key, words in _READER_PROBLEMS if key in lowered), None)
    if reason is None:
        kind = type(exc).__name__.removesuffix("Exception") or "reader"
        reason = f"the file cannot be read ({kind} error in the reader)"
    return ExportFormatError(f"cannot read file: {reason}", file=path, row=row if row and row > 0 else None)


def first_bad_json_line(path: Path) -> int | None:
    """The 1-based line where a JSON-lines file (or, failing that, one JSON document) stops being
    UTF-8 JSON; None when Python reads it all (only called once DuckDB has refused the file)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError):
        return None
    lines = data.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            return number
        except ValueError:
            break  # not JSON lines after all, or this line is broken: try the whole document
    else:
        return None
    try:
        json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return data[: exc.start].count(b"\n") + 1
    except json.JSONDecodeError as exc:
        if len([ln for ln in lines if ln.strip()]) > 1 and data.lstrip()[:1] == b"{":
            return number  # JSON lines: the line that did not parse
        return exc.lineno
    return None


@contextmanager
def reading(file: str | Path) -> Iterator[None]:
    """Turn DuckDB reader errors into an ExportFormatError naming the file (and the row if known).

    A view over a file is read lazily, so bad bytes can surface in any later scan of it: wrap every
    statement that reads a staged file."""
    try:
        yield
    except (AnalyticsError, duckdb.ConstraintException):  # a broken warehouse rule is the ledger's to report
        raise
    except duckdb.Error as exc:
        raise duckdb_error(exc, file) from exc


def csv_header(path: Path) -> list[str]:
    """Column names from a CSV's first record (BOM and gzip handled), checked for duplicates."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        # errors="replace": a bad byte further down is reported by the strict reader with its row
        with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as handle:
            header = next(csv.reader(handle, delimiter="\t" if path.suffix.lower() == ".tsv" else ","), None)
    except UnicodeDecodeError as exc:
        raise ExportFormatError("header is not UTF-8 text", file=path) from exc
    except (OSError, EOFError, csv.Error) as exc:
        raise ExportFormatError(f"cannot read the header: {exc}", file=path) from exc
    if not header or all(not h.strip() for h in header):
        raise ExportFormatError("file is empty or has no header row", file=path)
    seen: set[str] = set()
    for name in header:
        if "\ufffd" in name:
            raise ExportFormatError("header is not UTF-8 text", file=path)
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in name):
            raise ExportFormatError("control character (e.g. NUL) in a column name; is this a text CSV?", file=path)
        if not name.strip():
            raise ExportFormatError("empty column name in the header", file=path)
        if name.lower() in seen:
            raise ExportFormatError("column name appears twice in the header", file=path, column=name)
        seen.add(name.lower())
    return header


@dataclass(frozen=True)
class TextTable:
    """A file staged as a text view: its columns, and what reading it took."""

    columns: list[str]  # the file's column names, in order
    absent: tuple[str, ...] = ()  # trailing header columns that no row fills, read as NULL
    layout: CsvLayout | None = None  # set when DuckDB's strict reader refused the CSV and Python's csv read it

    @property
    def notes(self) -> list[str]:
        """What a person should know about how the file was read (for the load's warnings)."""
        out = []
        if self.absent:
            shown = ", ".join(repr(c) for c in self.absent[:5]) + (" …" if len(self.absent) > 5 else "")
            out.append(f"every row lacks the header's last {len(self.absent)} column(s) ({shown}): loaded as empty")
        if self.layout is not None and self.layout.mixed_line_endings:
            endings = " and ".join({"\r\n": "CRLF", "\n": "LF", "\r": "CR"}[e] for e in self.layout.line_endings)
            out.append(f"the file mixes {endings} line endings (read anyway: every row was checked)")
        return out


def read_text_table(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    view: str,
    *,
    null_strings: tuple[str, ...] = ("",),
) -> list[str]:
    """Create temp view ``view`` over a CSV/parquet/JSON file with every column as text plus
    ``__row`` (1-based data row); return the file's column names in order (see :func:`read_text_view`)."""
    return read_text_view(con, path, view, null_strings=null_strings).columns


def read_text_view(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    view: str,
    *,
    null_strings: tuple[str, ...] = ("",),
    short_rows_ok: bool = False,
) -> TextTable:
    """Create temp view ``view`` over a CSV/parquet/JSON file with every column as text plus
    ``__row`` (1-based data row).

    CSV is read strictly: the header fixes the columns, and a row with more or fewer fields,
    bad quoting or bytes that are not UTF-8 is an error naming the row and the column
    (:func:`analytics.sources._csv_layout.csv_layout` finds it when DuckDB refuses the file). A file
    whose only fault is mixing line terminators is read anyway; with ``short_rows_ok``, a file whose
    rows all lack the same trailing header columns is read with those columns empty.
    """
    fmt = file_format(path)
    path_sql = quote_literal(str(path))
    if fmt != "csv":
        reader = f"read_parquet({path_sql})" if fmt == "parquet" else f"read_json_auto({path_sql})"
        try:
            cols = [r[0] for r in run(con, f"DESCRIBE SELECT * FROM {reader}")]
            _create_text_view(con, view, reader, cols)
        except duckdb.Error as exc:
            raise duckdb_error(exc, path) from exc
        return TextTable(cols)
    header = csv_header(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    strict = _csv_reader(path, header, null_strings, delimiter, strict=True)
    try:
        _probe(con, strict, header)
    except duckdb.Error as exc:
        first_failure = exc
    else:
        _create_text_view(con, view, strict, header, scan=False)
        return TextTable(header)
    # DuckDB refused it: find the first bad row and column, or learn that the file is sound after all
    layout = csv_layout(path, header, delimiter=delimiter, null_strings=null_strings, short_rows_ok=short_rows_ok)
    names = header[: layout.fields]
    absent = tuple(header[layout.fields :])
    for mode in (True, False):  # strict mode refuses mixed line terminators; the layout proved the rest
        reader = _csv_reader(path, names, null_strings, delimiter, strict=mode, skip_header=bool(absent))
        try:
            read = _probe(con, reader, names)
        except duckdb.Error:
            continue
        if read != (layout.rows, layout.value_bytes):
            break
        _create_text_view(con, view, reader, names, absent=absent, scan=False)
        return TextTable(header, absent, layout)
    raise duckdb_error(first_failure, path)


def _probe(con: duckdb.DuckDBPyConnection, reader: str, names: list[str]) -> tuple[int, int]:
    """(rows, UTF-8 bytes of the non-NULL values) of a reader, read on a cursor of its own: every
    value is read once, so reader errors (bytes that are not UTF-8 in any column, even one the
    loader never maps) surface here — and a failure does not abort the caller's load transaction,
    so another way to read the file can still be tried."""
    cursor = con.cursor()
    try:
        found = cursor.execute(f"SELECT count(*), {_value_bytes(names)} FROM {reader}").fetchone()
    finally:
        cursor.close()
    assert found is not None
    return int(found[0]), int(found[1] or 0)


def _csv_reader(
    path: Path, names: list[str], null_strings: tuple[str, ...], delimiter: str, *, strict: bool,
    skip_header: bool = False,
) -> str:
    """DuckDB's read_csv over ``path`` with every column VARCHAR (the header row skipped)."""
    columns = "{" + ", ".join(f"{quote_literal(h)}: 'VARCHAR'" for h in names) + "}"
    nulls = "[" + ", ".join(quote_literal(s) for s in null_strings) + "]"
    delim = "'\\t'" if delimiter == "\t" else "','"
    header = "header = false, skip = 1" if skip_header else "header = true"
    return (
        f"read_csv({quote_literal(str(path))}, {header}, auto_detect = false, columns = {columns}, "
        f"delim = {delim}, quote = '\"', escape = '\"', nullstr = {nulls}, strict_mode = {str(strict).lower()}, "
        "null_padding = false, encoding = 'utf-8', max_line_size = 134217728)"
    )


def _value_bytes(names: list[str]) -> str:
    """SQL: the UTF-8 bytes of every non-NULL value of the columns (compared with Python's count)."""
    return "sum(" + " + ".join(f"coalesce(strlen({quote_identifier(c)}), 0)" for c in names) + ")"


def _create_text_view(
    con: duckdb.DuckDBPyConnection, view: str, reader: str, cols: list[str], *, absent: tuple[str, ...] = (),
    scan: bool = True,
) -> None:
    """The temp view: every column as VARCHAR, absent trailing columns as NULL, plus ``__row``
    (``scan``: read every value once now, so reader errors surface here)."""
    casts = [f"CAST({quote_identifier(c)} AS VARCHAR) AS {quote_identifier(c)}" for c in cols]
    casts += [f"NULL::VARCHAR AS {quote_identifier(c)}" for c in absent]
    # a view body cannot hold bound parameters, so the path is inlined through quote_literal
    run(
        con,
        f"CREATE OR REPLACE TEMP VIEW {quote_identifier(view)} AS "
        f"SELECT {', '.join(casts)}, row_number() OVER () AS {ROW} FROM {reader}",
    )
    if scan:
        run(con, f"SELECT count(*), {_value_bytes(cols)} FROM {quote_identifier(view)}")


def cast_select(
    con: duckdb.DuckDBPyConnection,
    view: str,
    columns: list[Column],
    present: list[str],
    *,
    file: Path | str,
) -> str:
    """Validate a text view against canonical columns and return the casting SELECT.

    One scan finds, per column, the first value that does not cast and the first NULL in a
    required column; the earliest problem is raised as an :class:`ExportFormatError` naming the
    row and column (a missing required column is reported first).
    """
    by_name = {c.name.lower(): c for c in columns}
    given = {p.lower() for p in present}
    missing = [c.name for c in columns if not c.nullable and not c.has_default and c.name.lower() not in given
               and c.name != "source_file_id"]
    if missing:
        raise ExportFormatError(f"required column missing (also missing: {', '.join(missing[1:]) or 'none'})",
                                file=file, column=missing[0])
    checks: list[tuple[str, str, str]] = []  # (column, problem, SQL aggregate giving its first row)
    selects = []
    params = bound_params()
    for name in present:
        target = by_name[name.lower()]
        col = quote_identifier(name)
        if target.dtype != "VARCHAR":
            checks.append((name, "cast", f"min({ROW}) FILTER (WHERE {col} IS NOT NULL AND "
                                         f"TRY_CAST({col} AS {target.dtype}) IS NULL)"))
        if target.dtype.startswith(("TIMESTAMP", "DATE")):
            parsed = f"CAST(TRY_CAST({col} AS {target.dtype}) AS TIMESTAMPTZ)"
            checks += [(name, problem, f"min({ROW}) FILTER (WHERE {parsed} IS NOT NULL AND ({condition}))")
                       for problem, condition in instant_checks(parsed, col)]
        if target.dtype in ("DOUBLE", "FLOAT"):  # 'NaN', 'inf' and 1e999 cast, but are no measurement
            checks.append((name, "is not a finite number",
                           f"min({ROW}) FILTER (WHERE NOT isfinite(TRY_CAST({col} AS DOUBLE)))"))
        if target.dtype == "VARCHAR":
            problem, condition = nul_check(col)
            checks.append((name, problem, f"min({ROW}) FILTER (WHERE {condition})"))
        cast = f"CAST({col} AS {target.dtype})"
        if not target.nullable and target.has_default:
            cast = f"coalesce({cast}, {target.default})"  # an empty cell takes the schema default
        elif not target.nullable:
            checks.append((name, "null", f"min({ROW}) FILTER (WHERE {col} IS NULL)"))
        selects.append(f"{cast} AS {quote_identifier(target.name)}")
    if checks:
        scan = f"SELECT {', '.join(c[2] for c in checks)} FROM {quote_identifier(view)}"
        firsts = run(con, scan, {k: v for k, v in params.items() if f"${k}" in scan})[0]
        problems = [(int(row), i) for i, row in enumerate(firsts) if row is not None]
        if problems:
            row, index = min(problems)
            name, problem, _ = checks[index]
            if problem == "null":
                raise ExportFormatError("value is required but empty", file=file, row=row, column=name)
            value = str(run(con, f"SELECT {quote_identifier(name)} FROM {quote_identifier(view)} "
                                 f"WHERE {ROW} = $r", {"r": row})[0][0])
            shown = value if len(value) <= 60 else value[:57] + "..."
            if problem != "cast":
                raise ExportFormatError(f"{shown!r}: {problem}", file=file, row=row, column=name)
            raise ExportFormatError(f"cannot read {shown!r} as {by_name[name.lower()].dtype}", file=file, row=row,
                                    column=name)
    for column in columns:  # absent columns with a schema default get it, so natural keys are complete
        if column.name.lower() not in given and column.has_default and column.name != "source_file_id":
            selects.append(f"{column.default} AS {quote_identifier(column.name)}")
    return f"SELECT {', '.join(selects)} FROM {quote_identifier(view)}"

