"""Where a CSV breaks, in words a person can act on.

DuckDB's strict CSV reader refuses a malformed file with messages such as ``Invalid Input Error:
The CSV Parser state machine reached an invalid state`` or ``Expected Number of Columns: 131 Found:
130`` — no column, sometimes no row. When it refuses a file, :func:`csv_layout` reads it again with
Python's ``csv`` module (strict quoting, any line terminator) and either raises an
:class:`~analytics.errors.ExportFormatError` naming the first bad row **and column** and what was
expected there, or returns the file's :class:`CsvLayout` when the structure is sound by RFC 4180
after all. The only such case DuckDB refuses is a file that mixes line terminators (CRLF rows and
an LF row, as files appended to by another tool do): the caller may then read it with DuckDB's
strict mode off, because this pass proved every record has the header's field count and sound
quoting, and cross-checks DuckDB's read against :attr:`CsvLayout.rows` and
:attr:`CsvLayout.value_bytes`.

Problems found, in file order (the first one is raised):

* bytes that are not UTF-8 → the row and the column holding them (also in a column the loader does
  not use: the file cannot be read reliably);
* a quoted value followed by text before the next delimiter, or a quote never closed → the row and
  the column whose value is broken;
* a record with more or fewer fields than the header → the row, and the first column without a value
  (fewer) or the last column (more). When ``short_rows_ok`` and **every** record lacks the same
  trailing columns (an AWS legacy CUR header longer than its rows), the layout says so in
  :attr:`CsvLayout.fields` instead; records of different lengths are refused at the first record
  whose length differs from the header's.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analytics.errors import ExportFormatError

QUOTE = '"'
FIELD_LIMIT = 1 << 27  # the longest value read (as DuckDB's max_line_size): 128 MiB
SCAN_LIMIT = 1 << 24  # characters of one broken record scanned to find the broken column


@dataclass(frozen=True)
class CsvLayout:
    """The structure of a CSV that Python's ``csv`` module reads cleanly."""

    rows: int  # data records (blank lines skipped, as DuckDB skips them)
    fields: int  # fields in every record (fewer than the header only with ``short_rows_ok``)
    value_bytes: int  # UTF-8 bytes of every value that is not a null string: a cross-check of another read
    line_endings: tuple[str, ...]  # line terminators seen in the file ('\r\n', '\n', '\r'), in that order

    @property
    def mixed_line_endings(self) -> bool:
        """Whether the file uses more than one line terminator."""
        return len(self.line_endings) > 1


def _open_text(path: Path) -> io.TextIOWrapper:
    """The file as text: UTF-8 (a BOM dropped), undecodable bytes kept as surrogates, line ends untouched
    (the caller closes it, with the file under it)."""
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _line_endings(path: Path) -> tuple[str, ...]:
    """The line terminators the file uses (quoted values included)."""
    crlf = lf = cr = 0
    previous = b""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            data = previous + chunk
            # hold back a trailing CR: its LF may start the next chunk
            body, previous = (data[:-1], data[-1:]) if data.endswith(b"\r") else (data, b"")
            pairs = body.count(b"\r\n")
            crlf += pairs
            lf += body.count(b"\n") - pairs
            cr += body.count(b"\r") - pairs
    cr += previous.count(b"\r")
    return tuple(name for name, n in (("\r\n", crlf), ("\n", lf), ("\r", cr)) if n)


def csv_layout(
    path: Path,
    header: Sequence[str],
    *,
    delimiter: str = ",",
    null_strings: Sequence[str] = ("",),
    short_rows_ok: bool = False,
) -> CsvLayout:
    """Read the whole file with Python's ``csv`` module: its layout, or the first structural problem
    as an :class:`ExportFormatError` naming row and column."""
    limit = csv.field_size_limit()
    csv.field_size_limit(FIELD_LIMIT)
    try:
        return _layout(path, list(header), delimiter, frozenset(null_strings), short_rows_ok)
    finally:
        csv.field_size_limit(limit)


def _layout(path: Path, header: list[str], delimiter: str, nulls: frozenset[str], short_rows_ok: bool) -> CsvLayout:
    width = len(header)
    rows = value_bytes = 0
    first_short: tuple[int, int] | None = None  # (row, fields) of the first record shorter than the header
    with _open_text(path) as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar=QUOTE, doublequote=True, strict=True)
        records = iter(reader)
        try:
            next(records)  # the header (checked by csv_header)
        except (StopIteration, csv.Error):
            raise ExportFormatError("file is empty or its header row cannot be read", file=path) from None
        while True:
            start = reader.line_num + 1
            try:
                record = next(records)
            except StopIteration:
                break
            except csv.Error:
                index, problem = broken_field(_record_text(path, start), delimiter)
                raise ExportFormatError(problem, file=path, row=rows + 1, column=_column(header, index)) from None
            if not record:
                continue  # a blank line
            rows += 1
            try:
                value_bytes += sum(len(v.encode("utf-8")) for v in record if v not in nulls)
            except UnicodeEncodeError:
                index = next(i for i, v in enumerate(record) if not _is_utf8(v))
                raise ExportFormatError(
                    f"not UTF-8 text ({_bad_bytes(record[index])}); save the export as UTF-8",
                    file=path, row=rows, column=_column(header, index),
                ) from None
            fields = len(record)
            if fields == width:
                if first_short is not None:
                    raise _short_row(path, header, *first_short, uneven=(rows, fields))
                continue
            if fields > width:
                raise ExportFormatError(
                    f"{fields} fields where the header names {width} columns: {fields - width} value(s) after "
                    "the last column (check the delimiter and the quoting of this row)",
                    file=path, row=rows, column=header[-1],
                )
            if first_short is None:
                if not short_rows_ok or rows > 1:
                    raise _short_row(path, header, rows, fields)
                first_short = (rows, fields)
            elif fields != first_short[1]:
                raise _short_row(path, header, *first_short, uneven=(rows, fields))
    fields_seen = first_short[1] if first_short is not None else width
    return CsvLayout(rows, fields_seen, value_bytes, _line_endings(path))


def _short_row(
    path: Path, header: list[str], row: int, fields: int, *, uneven: tuple[int, int] | None = None
) -> ExportFormatError:
    missing = len(header) - fields
    extra = f"; row {uneven[0]} has {uneven[1]}, so the rows do not all lack the same columns" if uneven else ""
    return ExportFormatError(
        f"the row ends after {fields} of the header's {len(header)} fields: no value for this column"
        + (f" or the {missing - 1} after it" if missing > 1 else "") + extra,
        file=path, row=row, column=header[fields],
    )


def _column(header: list[str], index: int) -> str:
    return header[index] if index < len(header) else f"field {index + 1} (after the last column {header[-1]!r})"


def _is_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_bytes(value: str) -> str:
    """The first run of undecodable bytes of a value, e.g. ``byte 0xFF``, with a hint when the
    value decodes as Windows-1252 (an export saved in a Western European code page)."""
    start = next(i for i, ch in enumerate(value) if 0xDC80 <= ord(ch) <= 0xDCFF)
    end = start
    while end < len(value) and 0xDC80 <= ord(value[end]) <= 0xDCFF and end - start < 4:
        end += 1
    raw = bytes(ord(ch) - 0xDC00 for ch in value[start:end])
    text = ("bytes " if len(raw) > 1 else "byte ") + " ".join(f"0x{b:02X}" for b in raw)
    try:
        decoded = value.encode("utf-8", "surrogateescape").decode("cp1252")
    except UnicodeDecodeError:
        return text
    return f"{text}; as Windows-1252 it would read {decoded[:40]!r}"


def _record_text(path: Path, line: int) -> str:
    """The text of the file from physical line ``line`` on (at most :data:`SCAN_LIMIT` characters)."""
    out: list[str] = []
    size = 0
    with _open_text(path) as handle:
        for number, text in enumerate(handle, start=1):  # lines as csv counts them: CRLF, LF and CR end one
            if number < line:
                continue
            out.append(text)
            size += len(text)
            if size >= SCAN_LIMIT:
                break
    return "".join(out)[:SCAN_LIMIT]


def broken_field(text: str, delimiter: str = ",") -> tuple[int, str]:
    """(0-based field index, what is wrong) for the first quoting problem in a record's text.

    >>> broken_field('1,"x"y,3\\n')
    (1, 'a quoted value goes on after its closing quote: expected the delimiter or the end of the row after it')
    >>> broken_field('1,2,"never closed\\n')[0]
    2
    """
    field = 0
    i, n = 0, len(text)
    at_start = True
    while i < n:
        ch = text[i]
        if at_start and ch == QUOTE:
            opened = field
            i += 1
            while True:
                j = text.find(QUOTE, i)
                if j < 0:
                    return opened, "a quoted value is never closed (the file ends inside it)"
                if j + 1 < n and text[j + 1] == QUOTE:  # a doubled quote inside the value
                    i = j + 2
                    continue
                i = j + 1
                break
            if i < n and text[i] not in (delimiter, "\r", "\n"):
                return field, ("a quoted value goes on after its closing quote: expected the delimiter or the "
                               "end of the row after it")
            at_start = False
            continue
        if ch == delimiter:
            field += 1
            at_start = True
        elif ch in "\r\n":
            break
        else:
            at_start = False
        i += 1
    return field, "the quoting of this value is broken"
