"""Benchmark: staging a CSV export as a text view (``analytics.sources._tabular.read_text_view``).

    python bench/csv_staging.py [--copies N] [--out DIR]

Builds a legacy CUR CSV from the real sample in tests/data (its 1,281 rows repeated N times,
default 100: about 100 MB, 94 columns), then times, in this process:

1. the baseline: DuckDB's strict ``read_csv`` counting the rows (what staging did before issue 13);
2. staging a sound file: one read of every value on a cursor of its own (so bytes that are not
   UTF-8 surface in any column), then the view;
3. staging the same rows with mixed line endings (the second half appended with LF to a CRLF
   file): DuckDB's strict read fails, Python's csv module checks every row, DuckDB reads it again
   with strict mode off and the two reads are compared;
4. staging the same rows with a trailing header column no row fills (``short_rows_ok``).

Prints each time and its ratio to the baseline. Targets: sound files ≤ 3× the bare count (a small
share of a whole load, which also checks, totals, inserts and hashes every row); the fallbacks are
paid only by files DuckDB refuses, target ≤ 15×.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analytics.sources._tabular import _csv_reader, csv_header, read_text_view  # noqa: E402

SAMPLE = REPO / "tests" / "data" / "cost" / "aws" / "cur_legacy_sample.csv"


def build(out: Path, copies: int) -> tuple[Path, Path, Path]:
    """(sound CRLF file, mixed line endings, header one column longer than the rows). Every row
    gets a last, non-empty ``x_bench`` value: DuckDB's strict reader refuses a CRLF/LF mix only
    when rows end in a value (rows ending in an empty field it reads correctly either way)."""
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    header, rows = [*header, "x_bench"], [[*r, "x"] for r in rows]
    paths = out / "sound.csv", out / "mixed.csv", out / "short.csv"
    layouts = ((paths[0], [], "\r\n"), (paths[1], [], "\n"), (paths[2], ["resourceTags/user:X"], "\r\n"))
    for path, extra, later in layouts:
        with path.open("w", newline="", encoding="utf-8") as handle:
            crlf = csv.writer(handle, lineterminator="\r\n")
            crlf.writerow(header + extra)
            for n in range(copies):  # the second half of a mixed file appended with LF
                (csv.writer(handle, lineterminator=later) if n >= copies // 2 else crlf).writerows(rows)
    return paths


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-csv-") as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        sound, mixed, short = build(out, args.copies)
        con = duckdb.connect()
        header = csv_header(sound)
        reader = _csv_reader(sound, header, ("",), ",", strict=True)
        baseline = timed(lambda: con.execute(f"SELECT count(*) FROM {reader}").fetchall())
        paths = {"sound file": (sound, False), "mixed line endings": (mixed, False),
                 "trailing header column": (short, True)}
        size = sound.stat().st_size / 1e6
        print(f"{size:,.0f} MB, {args.copies * 1281:,} rows: baseline strict read_csv count {baseline:.2f} s")
        for n, (label, (path, short_ok)) in enumerate(paths.items()):
            found: list = []
            seconds = timed(lambda: found.append(read_text_view(con, path, f"v{n}", short_rows_ok=short_ok)))  # noqa: B023
            how = "Python csv check + second read" if found[0].layout is not None else "DuckDB strict read"
            print(f"  {label:24s} {seconds:6.2f} s  {seconds / baseline:5.1f}x baseline  ({how})")


if __name__ == "__main__":
    main()
