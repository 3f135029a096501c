"""Deliveries of the file-based cost loaders: which files load together, and their duplicate rows.

A **delivery** is the set of data files of one folder named alike (docs/cost-loaders.md): the parts of a
sharded export (``part-00001.csv``, ``part-00002.csv``; GCP's ``billing-000000000000.json`` …).
:func:`file_sets` groups the paths of one command — a folder argument is walked for data files,
named files are grouped by their folder — and each set loads in one transaction, replacing the
billing periods it carries with the whole set. A part named in a later command joins the current
delivery of its folder (:func:`analytics.warehouse.ledger.delivery_to_join`).

:func:`record_duplicate_rows` counts line items that repeat an earlier row of the same file exactly
(every column identical): loaded as delivered — the totals are the file's and still reconcile —
counted in the ledger (``duplicate_rows``) and named in the load's message and a warning; with
``--option duplicates=refuse`` the file is refused naming the first repeated row.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics.errors import ExportFormatError, UsageError
from analytics.sources._tabular import ROW, file_format
from analytics.sources.cost._common import Staged, option
from analytics.warehouse import run
from analytics.warehouse.ledger import DeliveryPolicy, LoadTransaction, Part, SourceFile, fingerprint, part_shape
from analytics.warehouse.sqlutil import quote_identifier

log = logging.getLogger(__name__)

DELIVERY_OPTIONS: tuple[str, ...] = ("delivery", "duplicates")


@dataclass(frozen=True)
class FileSet:
    """The data files of one folder that load as one delivery, in name order."""

    folder: Path
    files: tuple[Path, ...]

    def source_file(self) -> SourceFile:
        """Identity of the delivery: one file's own fingerprint, or the sorted SHA-256s of the parts
        (the same files named in any order, or given as their folder, are the same delivery)."""
        prints = [fingerprint(f) for f in self.files]
        parts = tuple(Part(f.name, p.sha256) for f, p in zip(self.files, prints, strict=True))
        folder = str(self.folder)
        if len(prints) == 1:
            one = prints[0]
            return SourceFile(one.path, one.name, one.sha256, one.size_bytes, folder=folder, parts=parts)
        digest = hashlib.sha256()
        for sha in sorted(p.sha256 for p in prints):
            digest.update(bytes.fromhex(sha))
        size = sum(p.size_bytes or 0 for p in prints)
        name = f"{self.folder.name} ({len(prints)} files)"
        return SourceFile(folder, name, digest.hexdigest(), size, folder=folder, parts=parts)


def file_sets(paths: Sequence[str], *, formats: Iterable[str], kind: str) -> list[FileSet]:
    """The deliveries behind the local paths of one command, in the order they are first named:
    the data files (``formats``) of a folder argument, walked recursively, and the named files,
    grouped by the folder holding them and their name shape (:func:`part_shape`: ``part-00001.csv``
    and ``part-00002.csv`` are parts of one delivery, ``july.csv`` and ``july-restated.csv`` are
    two). Hidden and ``_``-prefixed files (``.crc``, ``_SUCCESS``) and manifests are skipped."""
    wanted = set(formats)
    by_folder: dict[tuple[Path, str], set[Path]] = {}
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        if path.is_dir():
            found = [f for f in sorted(path.rglob("*")) if f.is_file() and _is_data_file(f, path, wanted)]
            if not found:
                raise UsageError(
                    f"{path}: no data files ({', '.join(sorted(wanted))}) in this folder or below it for {kind}"
                )
            for f in found:
                by_folder.setdefault((f.parent, part_shape(f.name)), set()).add(f)
        elif path.is_file():
            fmt = file_format(path)
            if fmt not in wanted:
                raise ExportFormatError(f"{kind} reads {', '.join(sorted(wanted))} files, not {fmt}", file=path)
            by_folder.setdefault((path.parent, part_shape(path.name)), set()).add(path)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return [FileSet(folder, tuple(sorted(files, key=lambda f: f.name))) for (folder, _), files in by_folder.items()]


def _is_data_file(file: Path, root: Path, formats: set[str]) -> bool:
    if any(part.startswith((".", "_")) for part in file.relative_to(root).parts):
        return False
    if "manifest" in file.name.lower():
        return False
    try:
        return file_format(file) in formats
    except ExportFormatError:
        return False


def delivery_policy(extra: dict[str, str] | object) -> DeliveryPolicy:
    """``--option delivery=auto|replace`` (auto: a later part from the same folder joins the
    current delivery; replace: it is a re-delivery)."""
    value = option(extra, "delivery", allowed=("auto", "replace"), default="auto")  # type: ignore[arg-type]
    return "replace" if value == "replace" else "auto"


def refuses_duplicates(extra: dict[str, str] | object) -> bool:
    """``--option duplicates=load|refuse`` (default load: counted, recorded and reported)."""
    return option(extra, "duplicates", allowed=("load", "refuse"), default="load") == "refuse"  # type: ignore[arg-type]


def duplicate_rows(con: duckdb.DuckDBPyConnection, staged: Staged) -> tuple[int, int | None, int | None]:
    """(rows that repeat an earlier row exactly, the first such row, the row it repeats).

    One cheap pass hashes every row; only rows whose hash occurs twice are compared column by
    column (as text, NULL equal to NULL), so a hash collision never counts as a duplicate."""
    cols = [quote_identifier(c) for c in staged.columns if c != ROW]
    view = quote_identifier(staged.view)
    row = quote_identifier(ROW)
    text = ", ".join(f"CAST({c} AS VARCHAR)" for c in cols)
    sql = (
        f"WITH h AS (SELECT {row} AS r, hash({', '.join(cols)}) AS k FROM {view}), "
        "twice AS (SELECT k FROM h GROUP BY k HAVING count(*) > 1), "
        f"candidates AS (SELECT v.* FROM {view} v SEMI JOIN (SELECT r FROM h SEMI JOIN twice USING (k)) c "
        f"ON v.{row} = c.r), "
        f"ranked AS (SELECT {row} AS r, first_value({row}) OVER w AS twin, row_number() OVER w AS n "
        f"FROM candidates WINDOW w AS (PARTITION BY {text} ORDER BY {row})) "
        "SELECT count(*), min(r), arg_min(twin, r) FROM ranked WHERE n > 1"
    )
    count, first, twin = run(con, sql)[0]
    return int(count), (int(first) if first is not None else None), (int(twin) if twin is not None else None)


def record_duplicate_rows(tx: LoadTransaction, staged: Staged, *, refuse: bool, part: str | None = None) -> int:
    """Count a staged file's exact duplicate line items into the load (warning), or refuse them."""
    count, first, twin = duplicate_rows(tx.con, staged)
    if count and refuse:
        raise ExportFormatError(
            f"repeats row {twin} exactly (identical line item; {count:,} such rows in the file); "
            "--option duplicates=load loads them as delivered and counts them",
            file=staged.file,
            row=first,
        )
    if count:
        log.warning(
            "%s: %s exact duplicate rows (identical line items) loaded as delivered; first: row %s repeats row %s",
            staged.file, f"{count:,}", first, twin,
        )
    tx.record_duplicates(count, first_row=first, part=part)
    return count


def refuse_rows_already_loaded(tx: LoadTransaction, staged: Staged, *, column: str | None, cost_column: str) -> None:
    """Refuse a file of an **incremental** export (OCI cost reports: each file adds rows, nothing is
    replaced) whose row id (``column``, kept in ``cost_column``) a current earlier load of the same
    kind already holds: loading the same rows twice would count them twice. Runs after the rows are
    inserted (``cost_column`` exists then); rows of this load are not compared with themselves."""
    if column is None:
        return
    view = quote_identifier(staged.view)
    found = run(
        tx.con,
        f"SELECT v.{quote_identifier(ROW)}, v.{quote_identifier(column)}, c.source_file_id FROM {view} v "
        f"JOIN cost c ON c.{quote_identifier(cost_column)} = v.{quote_identifier(column)} "
        "WHERE c.source_file_id <> $f AND c.source_file_id IN "
        "(SELECT file_id FROM ingest_ledger WHERE source_kind = $k AND status <> 'superseded') "
        f"ORDER BY v.{quote_identifier(ROW)} LIMIT 1",
        {"f": tx.file_id, "k": tx.kind},
    )
    if found:
        row, value, file_id = found[0]
        shown = str(value) if len(str(value)) <= 60 else str(value)[:57] + "..."
        raise ExportFormatError(
            f"{shown!r} is already loaded (file {file_id}): {tx.kind} files add to each other, so a row "
            "delivered twice would count twice; load only the files not loaded yet",
            file=staged.file, row=int(row), column=column,
        )
