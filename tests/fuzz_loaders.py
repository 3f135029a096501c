"""Seeded fuzzing of every loader through the real CLI (issue 15, "Done when").

:func:`mutations` turns the seeds of :mod:`tests.loader_seeds` (the real public samples of
``tests/data`` and, for the kinds without a public sample, the seeded generators) into mutated
files: truncation, flipped bytes, NUL, invalid UTF-8, huge fields, year 0 / 9999 dates, ±99:00
offsets, NaN / Inf, duplicated rows and JSON keys, renamed / lowercased headers, and a few more.
The same ``seed`` always gives the same files.

:class:`FuzzRun` loads each one with ``analytics.cli.main(["ingest", KIND, FILE, …])`` in this
process against a small warehouse (the valid seeds loaded first) and checks, per file:

* no exception escapes ``main`` (a traceback); the exit code is 0, or 2 with exactly one line
  on stderr that names the file;
* after an accepted load, the rows it stored are plausible: every timestamp and date within
  2000-01-01 … today + 2 years, no NUL in any text, no NaN / Inf in any number, and the cost
  rows reconcile (ledger source total = warehouse total = the sum of the file's rows; for FOCUS
  CSVs also = the file's ``BilledCost`` column summed here with :mod:`csv` and :mod:`decimal`);
* an accepted year 0 / 9999 / ±99:00 mutation stores exactly the timestamps the unmutated seed
  stores (loaded alone in memory): the loader ignored that field, it did not read a shifted date;
* loading an accepted file a second time changes nothing;
* after a refusal, the warehouse is exactly as before (:func:`digest`: per table, the ledger
  included, its row count and an order-independent hash of its rows; a hash of all columns).

``python -m tests.fuzz_loaders [COUNT]`` prints the same table the test prints.

The harness keeps one connection to the warehouse open for the whole run, so DuckDB's in-process
instance cache hands the CLI's ``connect`` the open database instead of re-opening the file each
time (the CLI code path is unchanged; only the file open and its checkpoint-on-close are saved).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import re
import shutil
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from analytics.sources import LoadOptions
from tests.loader_seeds import COST, DEL, DISPLAY, INC, ISO, MAPPING, Seed, nth_match, seeds, with_offset, with_year
from tests.unit import cost_inputs as ci

DEFAULT_SEED = 20261207
DEFAULT_COUNT = 1200
HUGE = 1_000_000  # characters of a huge field (1 MB)
csv.field_size_limit(4 * HUGE)  # the checks below read the files the huge-field operator wrote

Mutate = Callable[[random.Random, bytes, str], bytes | None]
"""(rng, content, format) → mutated bytes, or None when the operator does not apply to the input."""


# -- the seeds --------------------------------------------------------------------------------------------------
def _rows(path: Path, first: int, count: int) -> Callable[[], bytes]:
    """The header and data rows ``first`` … ``first + count - 1`` of a real CSV sample (its rows
    have no embedded newlines): more real rows than the head the loader seeds use."""
    return lambda: b"".join((lines := path.read_bytes().splitlines(True))[:1] + lines[first: first + count])


def fuzz_seeds(mapping: Path) -> list[Seed]:
    """The valid inputs the mutations start from: every seed of :mod:`tests.loader_seeds`, plus
    further real rows of the large public samples and the second page of GitHub Actions runs."""
    return [
        *seeds(mapping),
        Seed("focus", "focus-rows-500.csv", _rows(COST / "focus" / "focus_sample_1.0.csv", 500, 30), real=True),
        Seed("aws-cur", "cur-rows-600.csv", _rows(COST / "aws" / "cur_legacy_sample.csv", 600, 30), real=True),
        Seed("servicenow", "events-rows-3000.csv",
             _rows(INC / "servicenow_incident_event_log_sample.csv", 3000, 40), LoadOptions(timezone="UTC"),
             real=True),
        Seed("github-actions", "runs-page-2.json", lambda: (DEL / "actions" / "runs-page-2.json").read_bytes(),
             real=True),
        # canonical: files already in a warehouse table's columns (--table)
        Seed("canonical", "sli-canonical.csv", lambda: (DEL / "slo" / "sli.csv").read_bytes(),
             LoadOptions(table="sli"), real=True),
        Seed("canonical", "metrics-canonical.csv", lambda: ci.table_csv(ci.METRICS_HEADER, ci.metric_rows(3)),
             LoadOptions(table="business_metrics")),
    ]


def file_format(name: str) -> str:
    """``csv``, ``json``, ``jsonl`` or ``yaml`` from a seed's file name."""
    suffix = name.rsplit(".", 1)[-1].lower()
    return {"yml": "yaml"}.get(suffix, suffix)


# -- helpers over the three text formats ------------------------------------------------------------------------
def _text(content: bytes) -> str | None:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _csv_table(content: bytes) -> tuple[list[list[str]], str] | None:
    text = _text(content)
    if text is None:
        return None
    table = list(csv.reader(io.StringIO(text, newline="")))
    return (table, "\r\n" if "\r\n" in text else "\n") if len(table) >= 2 else None


def _csv_bytes(table: list[list[str]], newline: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(table)
    return out.getvalue().encode("utf-8")


def _csv_cell(rng: random.Random, content: bytes, change: Callable[[str], str | None],
              *, numeric: bool = False) -> bytes | None:
    """One data cell (a numeric one when asked) replaced by ``change(old)``."""
    parsed = _csv_table(content)
    if parsed is None:
        return None
    table, newline = parsed
    cells = [(r, c) for r in range(1, len(table)) for c in range(len(table[r]))
             if not numeric or _is_number(table[r][c])]
    rng.shuffle(cells)
    for r, c in cells:
        new = change(table[r][c])
        if new is not None and new != table[r][c]:
            table[r][c] = new
            return _csv_bytes(table, newline)
    return None


def _is_number(text: str) -> bool:
    try:
        Decimal(text.strip())
    except InvalidOperation:
        return False
    return bool(text.strip())


def _json_docs(content: bytes, fmt: str) -> list[object] | None:
    text = _text(content)
    if text is None:
        return None
    try:
        if fmt == "jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        return [json.loads(text)]
    except ValueError:
        return None


def _json_bytes(docs: list[object], fmt: str) -> bytes:
    if fmt == "jsonl":
        return "".join(json.dumps(d) + "\n" for d in docs).encode()
    return json.dumps(docs[0], indent=1).encode()


def _leaves(node: object, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """(path, value) of every scalar in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    else:
        yield path, node


def _lists(node: object, path: tuple = ()) -> Iterator[tuple[tuple, list]]:
    """(path, list) of every non-empty list in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _lists(value, (*path, key))
    elif isinstance(node, list):
        if node:
            yield path, node
        for index, value in enumerate(node):
            yield from _lists(value, (*path, index))


def _set(doc: object, path: tuple, value: object) -> None:
    for step in path[:-1]:
        doc = doc[step]  # type: ignore[index]
    doc[path[-1]] = value  # type: ignore[index]


def _json_leaf(rng: random.Random, content: bytes, fmt: str, change: Callable[[object], object],
               accept: Callable[[object], bool] = lambda v: True) -> bytes | None:
    """One scalar of the JSON (lines) document replaced by ``change(old)``."""
    docs = _json_docs(content, fmt)
    if docs is None:
        return None
    found = [(i, path, value) for i, doc in enumerate(docs) for path, value in _leaves(doc)
             if path and accept(value)]
    if not found:
        return None
    i, path, value = rng.choice(found)
    _set(docs[i] if fmt == "jsonl" else docs[0], path, change(value))
    return _json_bytes(docs, fmt)


def _yaml_value(rng: random.Random, content: bytes, change: Callable[[str], str],
                accept: Callable[[str], bool] = lambda v: True) -> bytes | None:
    """The value of one ``key: value`` line of a YAML file replaced by ``change(old)``."""
    lines = content.splitlines(True)
    found = [(i, m) for i, line in enumerate(lines)
             if (m := re.match(rb"^(\s*-?\s*[A-Za-z_][\w-]*:[ ]+)([^#\r\n]+?)(\s*)$", line))
             and accept(m.group(2).decode("utf-8", "replace"))]
    if not found:
        return None
    i, m = rng.choice(found)
    lines[i] = m.group(1) + change(m.group(2).decode("utf-8", "replace")).encode("utf-8", "surrogatepass") + m.group(3)
    return b"".join(lines)


def _cell(rng: random.Random, content: bytes, fmt: str, text_value: Callable[[str], str],
          json_value: Callable[[object], object] | None = None, *, numeric: bool = False) -> bytes | None:
    """One field of any format changed (CSV cell, JSON scalar, YAML value)."""
    if fmt == "csv":
        return _csv_cell(rng, content, text_value, numeric=numeric)
    if fmt in ("json", "jsonl"):
        def is_target(v: object) -> bool:
            return (isinstance(v, int | float) and not isinstance(v, bool)) if numeric else isinstance(v, str)
        return _json_leaf(rng, content, fmt, json_value or (lambda v: text_value(str(v))), is_target)
    if fmt == "yaml":
        return _yaml_value(rng, content, text_value, _is_number if numeric else (lambda v: True))
    return None


def _at_random_place(rng: random.Random, content: bytes, insert: bytes, *, in_data: bool = True) -> bytes | None:
    """``insert`` put at a random byte offset (inside the data lines when ``in_data``), never
    inside a multi-byte UTF-8 sequence."""
    if not content:
        return None
    start = content.find(b"\n") + 1 if in_data and content.count(b"\n") > 1 else 0
    for _ in range(20):
        at = rng.randrange(start, len(content))
        if content[at] & 0xC0 != 0x80:
            return content[:at] + insert + content[at:]
    return None


# -- the operators ----------------------------------------------------------------------------------------------
def truncate(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """Cut at a random byte (a download or a copy that stopped)."""
    return content[: rng.randrange(1, len(content))] if len(content) > 1 else None


def truncate_lines(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """Only the first lines, the last one cut in the middle, or nothing but the header."""
    lines = content.splitlines(True)
    if len(lines) < 2:
        return None
    keep = rng.randrange(1, len(lines))
    tail = lines[keep]
    return b"".join(lines[:keep]) + (tail[: rng.randrange(0, max(len(tail) - 1, 1))] if rng.random() < 0.5 else b"")


def empty(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """An empty file, or only whitespace / a BOM."""
    return rng.choice([b"", b"\n", b"\xef\xbb\xbf", b"   \r\n"])


def flip_bytes(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """One to three bytes with one bit flipped (a damaged disk or transfer)."""
    if not content:
        return None
    data = bytearray(content)
    for _ in range(rng.randint(1, 3)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def nul_byte(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """A NUL inside a text field (or, for binary-ish damage, anywhere)."""
    if rng.random() < 0.7:
        field_nul = _cell(rng, content, fmt, lambda v: v[: len(v) // 2] + "\x00" + v[len(v) // 2:])
        if field_nul is not None:
            return field_nul
    return _at_random_place(rng, content, b"\x00")


INVALID_UTF8 = (b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe2\x82", b"\x80", b"\xf8\x88\x80")


def invalid_utf8(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """A byte sequence that is not UTF-8 (Latin-1 exports, broken surrogates, overlong forms)."""
    if fmt == "csv" and rng.random() < 0.2:  # the whole file in Latin-1, an accented name in it
        accented = _cell(rng, content, fmt, lambda v: v + "é")
        if accented is not None:
            return accented.decode("utf-8").encode("latin-1", "replace")
    return _at_random_place(rng, content, rng.choice(INVALID_UTF8))


def huge_field(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """A 1 MB field: text, digits, or a number with a huge exponent."""
    choice = rng.randrange(4)
    if choice == 0:
        return _cell(rng, content, fmt, lambda v: "A" * HUGE)
    if choice == 1:
        return _cell(rng, content, fmt, lambda v: "9" * HUGE, lambda v: int("9" * 4000), numeric=True) or \
            _cell(rng, content, fmt, lambda v: "9" * HUGE)
    if choice == 2:
        return _cell(rng, content, fmt, lambda v: "1e" + "9" * 400, lambda v: 1e308 * 10, numeric=True)
    return _cell(rng, content, fmt, lambda v: v + "x" * HUGE)


def _years(content: bytes, year: bytes, rng: random.Random, every: bool) -> bytes | None:
    if every:
        changed = with_year(content, year)
    else:
        pattern = ISO if ISO.search(content) else DISPLAY
        match = nth_match(pattern, content, rng)
        if match is None:
            return None
        group = 1 if pattern is ISO else 2
        changed = content[: match.start(group)] + year + content[match.end(group):]
    return changed if changed != content else None


def year_0(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """Year 0 (``0001 BC``) or 1 in every date, or in one."""
    return _years(content, rng.choice([b"0000", b"0001", b"1899"]), rng, rng.random() < 0.5)


def year_9999(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """Year 9999 (or 2999) in every date, or in one."""
    return _years(content, rng.choice([b"9999", b"2999", b"2100"]), rng, rng.random() < 0.5)


def offset_99(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """A UTC offset beyond ±14:00 on every timestamp, or on one."""
    offset = rng.choice([b"+99:00", b"-99:00", b"+14:30", b"-23:59", b"+9900"])
    if rng.random() < 0.5:
        changed = with_offset(content, offset)
    else:
        found = [m for m in ISO.finditer(content) if m.group(3)]
        if not found:
            return None
        m = rng.choice(found)
        changed = content[: m.start()] + m.group(1) + m.group(2) + m.group(3) + offset + content[m.end():]
    return changed if changed != content else None


NON_FINITE = ("NaN", "nan", "Inf", "-Infinity", "inf", "1e309", "-1e400")


def nan_inf(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """A number replaced by NaN / Inf (JSON gets the bare ``NaN`` / ``Infinity`` Python writes)."""
    word = rng.choice(NON_FINITE)
    if fmt == "yaml":
        word = rng.choice([".nan", ".inf", "-.inf", ".NaN"])
    return _cell(rng, content, fmt, lambda v: word,
                 lambda v: rng.choice([float("nan"), float("inf"), float("-inf"), word]), numeric=True)


def duplicate_rows(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """A data row (CSV line, JSON list item) repeated, once or every row twice."""
    if fmt == "csv":
        parsed = _csv_table(content)
        if parsed is None:
            return None
        table, newline = parsed
        if rng.random() < 0.3:
            return _csv_bytes(table[:1] + [row for row in table[1:] for _ in (0, 1)], newline)
        r = rng.randrange(1, len(table))
        return _csv_bytes([*table[:r + 1], table[r], *table[r + 1:]], newline)
    if fmt == "jsonl":
        lines = [line for line in content.splitlines(True) if line.strip()]
        if not lines:
            return None
        i = rng.randrange(len(lines))
        return b"".join([*lines[:i + 1], lines[i], *lines[i + 1:]])
    if fmt == "json":
        docs = _json_docs(content, fmt)
        lists = list(_lists(docs[0])) if docs else []
        if not lists:
            return None
        path, items = rng.choice(lists)
        i = rng.randrange(len(items))
        copy = [*items[: i + 1], json.loads(json.dumps(items[i])), *items[i + 1:]]
        if path:
            _set(docs[0], path, copy)
        else:
            docs = [copy]
        return _json_bytes(docs, fmt)
    if fmt == "yaml":
        parts = content.split(b"\n---")
        i = rng.randrange(len(parts))
        return b"\n---".join([*parts[:i + 1], parts[i] if i else b"\n" + parts[i], *parts[i + 1:]])
    return None


_KEY = re.compile(rb'"((?:[^"\\\n]|\\.){1,80})"\s*:')


def duplicate_key(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """A JSON / YAML key given twice in one object (the other value first or last); a CSV header
    with one column name twice."""
    if fmt in ("json", "jsonl"):
        found = list(_KEY.finditer(content))
        if not found:
            return None
        m = rng.choice(found)
        value = rng.choice([b'"other"', b"0", b"null", b"1000000", b'"2021-01-01T00:00:00Z"', b"true"])
        return content[: m.start()] + m.group(0) + b" " + value + b", " + content[m.start():]
    if fmt == "yaml":
        lines = content.splitlines(True)
        keyed = [i for i, line in enumerate(lines) if re.match(rb"^\s*[A-Za-z_][\w-]*:\s+\S", line)]
        if not keyed:
            return None
        i = rng.choice(keyed)
        return b"".join([*lines[:i + 1], lines[i], *lines[i + 1:]])
    if fmt == "csv":
        parsed = _csv_table(content)
        if parsed is None or len(parsed[0][0]) < 2:
            return None
        table, newline = parsed
        a, b = rng.sample(range(len(table[0])), 2)
        table[0][b] = table[0][a]
        return _csv_bytes(table, newline)
    return None


def rename_header(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """A column (CSV) or key (JSON) renamed: a typo, a suffix, another column's neighbour name."""
    def renamed(name: str) -> str:
        return rng.choice([name + "_x", name[:-1] if len(name) > 1 else name + "2", name.replace("_", " ") + " ",
                           " " + name, name.upper() if name != name.upper() else name.lower()])
    if fmt == "csv":
        parsed = _csv_table(content)
        if parsed is None:
            return None
        table, newline = parsed
        c = rng.randrange(len(table[0]))
        table[0][c] = renamed(table[0][c])
        return _csv_bytes(table, newline)
    if fmt in ("json", "jsonl"):
        found = list(_KEY.finditer(content))
        if not found:
            return None
        m = rng.choice(found)
        new = renamed(m.group(1).decode("utf-8", "replace")).encode()
        return content[: m.start(1)] + new + content[m.end(1):]
    if fmt == "yaml":
        lines = content.splitlines(True)
        keyed = [(i, m) for i, line in enumerate(lines) if (m := re.match(rb"^(\s*-?\s*)([A-Za-z_][\w-]*)(:)", line))]
        if not keyed:
            return None
        i, m = rng.choice(keyed)
        lines[i] = m.group(1) + renamed(m.group(2).decode()).encode() + lines[i][m.end(2):]
        return b"".join(lines)
    return None


def lowercase_header(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """The CSV header line (or every JSON / YAML key) in lower or upper case."""
    case = bytes.lower if rng.random() < 0.7 else bytes.upper
    if fmt == "csv":
        head, sep, rest = content.partition(b"\n")
        changed = case(head) + sep + rest
    elif fmt in ("json", "jsonl"):
        changed = _KEY.sub(lambda m: case(m.group(0)), content)
    else:
        changed = re.sub(rb"(?m)^(\s*-?\s*)([A-Za-z_][\w-]*)(:)", lambda m: m.group(1) + case(m.group(2)) + b":",
                         content)
    return changed if changed != content else None


def garbage_value(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """A field given a value of the wrong type: a date that does not exist, text for a number,
    a negative or enormous count, a stray quote."""
    bad = rng.choice(["2026-02-30T10:00:00Z", "31-31-2016 99:99", "not a date", "-1", "1e18", "", "\"", "true",
                      "2026-13-01", "24:61", "0x1F", "1,000.00", "١٢٣"])
    numeric = rng.random() < 0.5
    return _cell(rng, content, fmt, lambda v: bad, lambda v: bad, numeric=numeric) or _cell(
        rng, content, fmt, lambda v: bad, lambda v: bad)


def line_endings(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """CRLF / CR line endings, a BOM, trailing blank lines or a missing final newline."""
    choice = rng.randrange(5)
    if choice == 0:
        return content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if choice == 1:
        return content.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    if choice == 2:
        return b"\xef\xbb\xbf" + content
    if choice == 3:
        return content + b"\n" * rng.randint(1, 3)
    return content.rstrip(b"\r\n")


def drop_column(rng: random.Random, content: bytes, fmt: str) -> bytes | None:
    """A CSV column removed, or one row with a field too many / too few; a JSON key removed."""
    if fmt == "csv":
        parsed = _csv_table(content)
        if parsed is None:
            return None
        table, newline = parsed
        if rng.random() < 0.5:
            c = rng.randrange(len(table[0]))
            return _csv_bytes([[v for i, v in enumerate(row) if i != c] for row in table], newline)
        r = rng.randrange(1, len(table))
        table[r] = table[r][:-1] if rng.random() < 0.5 else [*table[r], "extra"]
        return _csv_bytes(table, newline)
    if fmt in ("json", "jsonl"):
        docs = _json_docs(content, fmt)
        if docs is None:
            return None
        objects = [(i, path) for i, doc in enumerate(docs) for path, _ in _leaves(doc) if path]
        if not objects:
            return None
        i, path = rng.choice(objects)
        node = docs[i]
        for step in path[:-1]:
            node = node[step]  # type: ignore[index]
        if isinstance(node, dict):
            del node[path[-1]]
        else:
            node.pop(path[-1])  # type: ignore[union-attr]
        return _json_bytes(docs, fmt)
    return None


OPERATORS: dict[str, Mutate] = {
    "truncate": truncate,
    "truncate-lines": truncate_lines,
    "empty": empty,
    "flip-bytes": flip_bytes,
    "nul": nul_byte,
    "invalid-utf8": invalid_utf8,
    "huge-field": huge_field,
    "year-0": year_0,
    "year-9999": year_9999,
    "offset-99": offset_99,
    "nan-inf": nan_inf,
    "duplicate-rows": duplicate_rows,
    "duplicate-key": duplicate_key,
    "rename-header": rename_header,
    "lowercase-header": lowercase_header,
    "garbage-value": garbage_value,
    "line-endings": line_endings,
    "drop-column": drop_column,
}


@dataclass(frozen=True)
class Mutation:
    """One mutated file: its seed, the operator applied and the resulting bytes."""

    number: int
    seed: Seed
    operator: str
    content: bytes

    @property
    def label(self) -> str:
        return f"#{self.number} {self.operator} of {self.seed.kind}:{self.seed.name}"

    @property
    def file_name(self) -> str:
        stem, dot, suffix = self.seed.name.rpartition(".")
        return f"m{self.number:04d}-{self.operator}-{stem}{dot}{suffix}"


def mutations(all_seeds: Sequence[Seed], *, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> list[Mutation]:
    """``count`` mutated files, round-robin over (seed, operator) pairs, reproducible from ``seed``.

    A pair whose operator does not apply to the input (no date to shift, no JSON key…) is skipped,
    and so is a mutation that changed nothing."""
    rng = random.Random(seed)
    pairs = [(s, name) for s in all_seeds for name in OPERATORS]
    out: list[Mutation] = []
    stale = 0
    while len(out) < count and stale < len(pairs):
        made = 0
        rng.shuffle(pairs)  # any prefix of the list covers every kind and operator
        for base, name in pairs:
            if len(out) >= count:
                break
            content = OPERATORS[name](rng, base.content, file_format(base.name))
            if content is None or content == base.content:
                continue
            out.append(Mutation(len(out) + 1, base, name, content))
            made += 1
        stale = stale + 1 if made == 0 else 0
    return out


# -- checking the warehouse -------------------------------------------------------------------------------------
def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
        "ORDER BY table_name").fetchall()]


def digest(con: duckdb.DuckDBPyConnection) -> tuple:
    """Per table (the ledger included) its row count and an order-independent hash of its rows, and
    a hash of every table's columns and types: equal digests mean an unchanged warehouse."""
    per_table = " UNION ALL ".join(
        f"SELECT '{t}' AS t, count(*) AS n, coalesce(sum(hash(x)::HUGEINT), 0) AS h FROM \"{t}\" AS x"
        for t in _tables(con))
    columns = ("SELECT ' columns' AS t, count(*) AS n, sum(hash(table_name, column_name, data_type)::HUGEINT) AS h "
               "FROM duckdb_columns() WHERE schema_name = 'main'")
    return tuple(con.execute(f"SELECT * FROM ({columns} UNION ALL {per_table}) ORDER BY t").fetchall())


def latest_plausible(today: date) -> datetime:
    """Midnight UTC after today + 2 years (stated in the issue; computed here, not imported)."""
    try:
        ahead = today.replace(year=today.year + 2)
    except ValueError:
        ahead = today.replace(year=today.year + 2, day=28)
    return datetime(ahead.year, ahead.month, ahead.day, tzinfo=UTC) + timedelta(days=1)


EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)


def _used(params: dict[str, object], sql: str) -> dict[str, object]:
    """The parameters ``sql`` refers to (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


def implausible_values(con: duckdb.DuckDBPyConnection, file_ids: Sequence[int]) -> list[str]:
    """What is implausible in the rows the files ``file_ids`` stored (empty when all is well)."""
    problems: list[str] = []
    late = latest_plausible(datetime.now(UTC).date())
    ids = list(file_ids)
    columns = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND table_name IN (SELECT table_name FROM duckdb_columns() WHERE column_name = 'source_file_id') "
        "ORDER BY table_name, column_index").fetchall()
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in columns:
        by_table.setdefault(table, []).append((column, dtype))
    holding = " UNION ALL ".join(f"SELECT '{t}' FROM \"{t}\" WHERE source_file_id IN (SELECT unnest($ids)) "
                                 f"HAVING count(*) > 0" for t in by_table)
    for (table,) in con.execute(f"{holding} ORDER BY 1", {"ids": ids}).fetchall():
        conditions = []
        for column, dtype in by_table[table]:
            ref = f'"{column}"'
            if dtype.startswith("TIMESTAMP") or dtype == "DATE":
                as_tz = f"CAST({ref} AS TIMESTAMPTZ)" if dtype != "TIMESTAMP WITH TIME ZONE" else ref
                conditions.append((column, "timestamp out of range",
                                   f"{ref} IS NOT NULL AND NOT ({as_tz} >= $early AND {as_tz} < $late)"))
            elif dtype in ("VARCHAR", "JSON"):
                conditions.append((column, "NUL in text", f"contains(CAST({ref} AS VARCHAR), chr(0))"))
            elif dtype in ("DOUBLE", "FLOAT", "REAL"):
                conditions.append((column, "NaN/Inf", f"(isnan({ref}) OR isinf({ref}))"))
        if not conditions:
            continue
        # one pass over the file's rows counts the offenders of every check; examples only when some
        rows = f'FROM "{table}" WHERE source_file_id IN (SELECT unnest($ids))'
        params = {"ids": ids, "early": EARLIEST_PLAUSIBLE, "late": late}
        count_sql = f"SELECT {', '.join(f'count_if({c})' for _, _, c in conditions)} {rows}"
        counts = con.execute(count_sql, _used(params, count_sql)).fetchone()
        for (column, what, condition), n in zip(conditions, counts, strict=True):
            if n:
                example_sql = f'SELECT any_value(CAST("{column}" AS VARCHAR)) {rows} AND {condition}'
                example = con.execute(example_sql, _used(params, example_sql)).fetchone()[0]
                problems.append(f"{table}.{column}: {n} row(s) with {what}, e.g. {str(example)[:60]!r}")
    for file_id, kind, sb, wb, se, we, reconciled in con.execute(
        "SELECT file_id, source_kind, source_billed_total, warehouse_billed_total, source_effective_total, "
        "warehouse_effective_total, reconciled FROM ingest_ledger WHERE file_id IN (SELECT unnest($ids)) "
        "AND target_table = 'cost' ORDER BY file_id", {"ids": ids}).fetchall():
        stored = con.execute("SELECT sum(BilledCost), sum(EffectiveCost), count(*) FROM cost WHERE source_file_id = $f",
                             {"f": file_id}).fetchone()
        if not reconciled or sb is None or wb is None or abs(sb - wb) >= Decimal("0.005") \
                or abs((se or 0) - (we or 0)) >= Decimal("0.005"):
            problems.append(f"file {file_id} ({kind}): ledger source {sb}/{se} vs warehouse {wb}/{we}, "
                            f"reconciled={reconciled}")
        elif stored[2] and (abs(stored[0] - wb) >= Decimal("0.005") or abs(stored[1] - we) >= Decimal("0.005")):
            problems.append(f"file {file_id} ({kind}): rows sum to {stored[0]}/{stored[1]}, ledger says {wb}/{we}")
    return problems


def focus_csv_billed_total(content: bytes) -> Decimal | None:
    """The ``BilledCost`` column of a FOCUS CSV summed with :mod:`csv` and :class:`Decimal` (header
    matched case-insensitively, ``NULL`` / empty as zero); None when the file has no such column."""
    text = content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    names = [n.strip().lower() for n in table[0]] if table else []
    if names.count("billedcost") != 1:
        return None
    at = names.index("billedcost")
    total = Decimal(0)
    for row in table[1:]:
        if not row or row == [""]:
            continue
        value = row[at].strip() if at < len(row) else ""
        total += Decimal(value) if value and value.upper() != "NULL" else Decimal(0)
    return total


# -- the run ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What happened to one mutated file (plain values, so a worker process can return it)."""

    number: int
    kind: str
    seed_name: str
    operator: str
    exit_code: int | None  # None: an exception escaped main
    stderr: str  # its first 2,000 characters
    stderr_lines: int
    seconds: float
    problems: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"#{self.number} {self.operator} of {self.kind}:{self.seed_name}"

    @property
    def accepted(self) -> bool:
        return self.exit_code == 0

    @property
    def refused(self) -> bool:
        return self.exit_code == 2

    @property
    def traceback(self) -> bool:
        return self.exit_code is None


def _argv(seed: Seed, path: Path, warehouse: Path, mapping: Path) -> list[str]:
    argv = ["ingest", seed.kind, str(path), "--warehouse", str(warehouse)]
    options = seed.options
    if options.timezone:
        argv += ["--timezone", options.timezone]
    if options.table:
        argv += ["--table", options.table]
    if seed.kind == "mapped-csv":
        argv += ["--mapping", str(mapping)]
    for key, value in sorted(options.extra.items()):
        argv += ["--option", f"{key}={value}"]
    return argv


def _cli(argv: list[str]) -> tuple[int | None, str]:
    """``analytics.cli.main(argv)`` with stdout and stderr captured; (exit code, stderr). An
    exception escaping main gives (None, its traceback)."""
    from analytics.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: int | None = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # the point: count what escapes main
            code = None
            err.write(traceback.format_exc())
    return code, err.getvalue()


# DuckDB / Python messages that mean a library error reached the user unexplained
RAW_LIBRARY = re.compile(r"(Invalid Input Error|Conversion Error|Binder Error|Parser Error|Catalog Error|"
                         r"Out of Range Error|Internal Error|INTERNAL|Traceback|Exception:|Error: [A-Z][a-z]+Error)")


DATE_OPERATORS = ("year-0", "year-9999", "offset-99")


def stored_timestamps(con: duckdb.DuckDBPyConnection, file_ids: Sequence[int]) -> list[tuple[str, str, str]]:
    """Every timestamp the files ``file_ids`` stored, as sorted (table, column, ISO text)."""
    columns = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND data_type LIKE 'TIMESTAMP%' AND table_name IN "
        "(SELECT table_name FROM duckdb_columns() WHERE column_name = 'source_file_id') "
        "ORDER BY table_name, column_name").fetchall()
    if not columns:
        return []
    union = " UNION ALL ".join(
        f"SELECT '{t}', '{c}', CAST(\"{c}\" AS VARCHAR) FROM \"{t}\" "
        f"WHERE source_file_id IN (SELECT unnest($ids)) AND \"{c}\" IS NOT NULL" for t, c in columns)
    return sorted(con.execute(union, {"ids": list(file_ids)}).fetchall())


def reference_timestamps(seed: Seed, folder: Path, mapping: Path) -> list[tuple[str, str, str]]:
    """The timestamps the unmutated seed stores, loaded alone into an in-memory warehouse."""
    import analytics
    from analytics.sources import ingest

    path = folder / f"reference-{seed.kind}-{seed.name}"
    path.write_bytes(seed.content)
    options = seed.options if seed.kind != "mapped-csv" else LoadOptions(timezone="UTC", mapping=mapping)
    con = analytics.connect(":memory:")
    try:
        ids = [r.file_id for r in ingest(con, seed.kind, [str(path)], options)]
        return stored_timestamps(con, ids)
    finally:
        con.close()
        path.unlink()


def _problems(con: duckdb.DuckDBPyConnection, m: Mutation, code: int | None, err: str, path: Path,
              before: tuple, after: tuple, last_id: int,
              reference: Callable[[Seed], list[tuple[str, str, str]]] | None = None) -> list[str]:
    """What is wrong with the outcome of loading ``m`` (empty when all is well). ``reference``
    gives the timestamps a seed stores unmutated: an accepted date mutation must store the same
    (a shifted or out-of-range date that was read had to be refused)."""
    lines = err.strip().splitlines()
    if code is None:
        return ["traceback: " + " | ".join(lines[-3:])]
    if code not in (0, 2):
        return [f"exit code {code}: {' | '.join(lines[-3:])[:300]}"]
    if code == 2:
        problems = []
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr: {' | '.join(lines[:3])[:300]}")
        elif path.name not in lines[0]:
            problems.append(f"error does not name the file: {lines[0][:300]}")
        if before != after:
            problems.append("warehouse changed by a refused load")
        return problems
    new_ids = [r[0] for r in con.execute("SELECT file_id FROM ingest_ledger WHERE file_id > $f ORDER BY file_id",
                                         {"f": last_id}).fetchall()]
    problems = implausible_values(con, new_ids)
    if m.seed.kind == "focus" and new_ids:
        expected = focus_csv_billed_total(m.content)
        stored = con.execute("SELECT sum(BilledCost) FROM cost WHERE source_file_id IN (SELECT unnest($ids))",
                             {"ids": new_ids}).fetchone()[0]
        if expected is not None and (stored is None or abs(stored - expected) >= Decimal("0.005")):
            problems.append(f"FOCUS BilledCost in the file {expected} but {stored} stored")
    if m.operator in DATE_OPERATORS and reference is not None and new_ids:
        got, want = stored_timestamps(con, new_ids), reference(m.seed)
        if got != want:
            changed = sorted(set(got) - set(want))[:2]
            problems.append(f"a mutated date was read instead of refused: stored {changed}")
    return problems


def run_shard(folder: str, count: int, seed: int, shard: int, shards: int) -> tuple[list[Outcome], float]:
    """Load the mutations numbered ``shard`` modulo ``shards`` against a warehouse of their own
    in ``folder`` (the valid seeds loaded first); one outcome per file, and the CPU seconds used."""
    import analytics

    cpu = time.process_time()
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    mapping = root / "mapping.yaml"
    mapping.write_text(MAPPING)
    warehouse = root / "warehouse.duckdb"
    inputs = fuzz_seeds(mapping)
    base, work = root / "seeds", root / "mutated"
    base.mkdir(exist_ok=True)
    work.mkdir(exist_ok=True)
    outcomes: list[Outcome] = []
    references: dict[tuple[str, str], list[tuple[str, str, str]]] = {}

    def reference(s: Seed) -> list[tuple[str, str, str]]:
        if (s.kind, s.name) not in references:
            references[(s.kind, s.name)] = reference_timestamps(s, base, mapping)
        return references[(s.kind, s.name)]

    held = analytics.connect(str(warehouse))
    try:
        for s in inputs:  # the small warehouse: every valid seed loaded once
            path = base / f"{s.kind}-{s.name}"
            path.write_bytes(s.content)
            code, err = _cli(_argv(s, path, warehouse, mapping))
            if code != 0:
                raise AssertionError(f"seed {s.kind}:{s.name} does not load: {err.strip()}")
        before = digest(held)
        for m in mutations(inputs, count=count, seed=seed):
            if m.number % shards != shard:
                continue
            path = work / m.file_name
            path.write_bytes(m.content)
            last_id = held.execute("SELECT coalesce(max(file_id), 0) FROM ingest_ledger").fetchone()[0]
            t0 = time.perf_counter()
            code, err = _cli(_argv(m.seed, path, warehouse, mapping))
            seconds = time.perf_counter() - t0
            after = digest(held)
            problems = _problems(held, m, code, err, path, before, after, last_id, reference)
            if code == 0 and not problems:  # loading an accepted file again is a no-op
                again, err_again = _cli(_argv(m.seed, path, warehouse, mapping))
                if again != 0 or digest(held) != after:
                    problems.append(f"loading the accepted file again is not a no-op (exit {again}): "
                                    f"{err_again.strip()[:200]}")
            outcomes.append(Outcome(m.number, m.seed.kind, m.seed.name, m.operator, code, err[:2000],
                                    len(err.strip().splitlines()), seconds, tuple(problems)))
            before = after
            path.unlink()
    finally:
        held.close()
    return outcomes, time.process_time() - cpu


def default_workers() -> int:
    """Worker processes: one per core, at most two (each holds its own small warehouse)."""
    return max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


@dataclass
class FuzzRun:
    """Every mutated file through the CLI, split over ``workers`` processes (each with its own
    warehouse in ``folder``; 1 = in this process)."""

    folder: Path
    count: int = DEFAULT_COUNT
    seed: int = DEFAULT_SEED
    workers: int = 1
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # summed over the workers (DuckDB's threads included)

    def run(self) -> FuzzRun:
        started = time.perf_counter()
        folders = [str(self.folder / f"worker-{i}") for i in range(self.workers)]
        if self.workers == 1:
            results = [run_shard(folders[0], self.count, self.seed, 0, 1)]
        else:
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            # spawn, not fork: a forked child would inherit this process's DuckDB and thread state
            with ProcessPoolExecutor(self.workers, mp_context=get_context("spawn")) as pool:
                futures = [pool.submit(run_shard, folders[i], self.count, self.seed, i, self.workers)
                           for i in range(self.workers)]
                results = [f.result() for f in futures]
        self.outcomes = sorted((o for r, _ in results for o in r), key=lambda o: o.number)
        self.cpu_seconds = sum(cpu for _, cpu in results)
        self.seconds = time.perf_counter() - started
        return self

    # -- the counts ------------------------------------------------------------------------------------------
    @property
    def tracebacks(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.traceback]

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.problems]

    @property
    def raw_messages(self) -> list[Outcome]:
        """Refusals whose one line still carries a raw library message."""
        return [o for o in self.outcomes if o.refused and RAW_LIBRARY.search(o.stderr)]

    def table(self) -> str:
        """Counts by kind and by operator, and the totals."""
        lines = [f"loader fuzz: {len(self.outcomes)} mutated files (seed {self.seed}, {self.workers} worker(s)) "
                 f"in {self.seconds:.1f} s ({self.cpu_seconds:.1f} s CPU): "
                 f"{sum(o.accepted for o in self.outcomes)} accepted, "
                 f"{sum(o.refused for o in self.outcomes)} refused, {len(self.tracebacks)} tracebacks, "
                 f"{len(self.failures)} failing checks, {len(self.raw_messages)} raw library messages"]
        for title, key in (("kind", lambda o: o.kind), ("operator", lambda o: o.operator)):
            files, accepted, refused, failed = Counter(), Counter(), Counter(), Counter()
            for o in self.outcomes:
                k = key(o)
                files[k] += 1
                accepted[k] += o.accepted
                refused[k] += o.refused
                failed[k] += bool(o.problems)
            lines.append(f"  {title:20s} {'files':>6s} {'accepted':>9s} {'refused':>8s} {'failing':>8s}")
            lines += [f"  {k:20s} {files[k]:6d} {accepted[k]:9d} {refused[k]:8d} {failed[k]:8d}" for k in sorted(files)]
        return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.fuzz_loaders [COUNT] [SEED]``: run, print the table and every failure."""
    args = list(sys.argv[1:] if argv is None else argv)
    count = int(args[0]) if args else DEFAULT_COUNT
    seed = int(args[1]) if len(args) > 1 else DEFAULT_SEED
    folder = Path("/tmp") / f"opsreview-fuzz-{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    fuzz = FuzzRun(folder, count=count, seed=seed, workers=default_workers()).run()
    print(fuzz.table())
    for o in fuzz.failures:
        print(f"FAIL {o.label}: {'; '.join(o.problems)[:600]}")
    for o in fuzz.raw_messages:
        print(f"RAW  {o.label}: {o.stderr.strip()[:300]}")
    return 1 if fuzz.failures else 0


if __name__ == "__main__":
    sys.exit(main())
