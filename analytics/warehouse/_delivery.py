"""What identifies a delivery in the ingest ledger: the SHA-256 of a file or of a delivery's parts, the
current delivery of a folder, and the rule by which a further part of a sharded export joins it instead of
replacing it (docs/cost-loaders.md)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from analytics.errors import ExportFormatError
from analytics.warehouse import run, scalar

_CHUNK = 1 << 20


DeliveryPolicy = Literal["auto", "replace"]


@dataclass(frozen=True)
class Part:
    """One data file of a delivery."""

    name: str
    sha256: str


@dataclass(frozen=True)
class SourceFile:
    """Identity of one delivered file (or multi-file delivery).

    ``folder`` (absolute, local files only) and ``parts`` (its data files) let a later part from
    the same folder join the current delivery instead of replacing it (:func:`delivery_to_join`).
    """

    path: str
    name: str
    sha256: str
    size_bytes: int | None = None
    folder: str | None = None
    parts: tuple[Part, ...] = ()


def fingerprint(path: str | Path) -> SourceFile:
    """SHA-256 and size of a local file, read in chunks."""
    file = Path(path)
    if not file.is_file():
        raise ExportFormatError("no such file", file=file)
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return SourceFile(str(file.resolve()), file.name, digest.hexdigest(), file.stat().st_size)


def fingerprint_parts(path: str, name: str, parts: Iterable[bytes]) -> SourceFile:
    """Fingerprint of a delivery made of several byte strings (a manifest and its data files)."""
    return fingerprint_part_digests(path, name, ((hashlib.sha256(part).digest(), len(part)) for part in parts))


def fingerprint_part_digests(path: str, name: str, digests: Iterable[tuple[bytes, int]]) -> SourceFile:
    """:func:`fingerprint_parts` from each part's SHA-256 digest and length (parts hashed elsewhere,
    e.g. in parallel)."""
    digest = hashlib.sha256()
    size = 0
    for part_digest, length in digests:
        digest.update(part_digest)
        size += length
    return SourceFile(path, name, digest.hexdigest(), size)


def find_loaded(con: duckdb.DuckDBPyConnection, *, kind: str, sha256: str) -> int | None:
    """file_id of a current load of the same content by the same loader, if any.

    Only loads whose rows are all still current count (status ``loaded``): after delivery B
    replaced A (wholly or in part), loading A again makes A current again."""
    found = scalar(
        con,
        "SELECT min(file_id) FROM ingest_ledger WHERE source_kind = $k AND sha256 = $s AND status = 'loaded'",
        {"k": kind, "s": sha256},
    )
    return int(found) if found is not None else None


@dataclass(frozen=True)
class CurrentDelivery:
    """The current delivery of a folder: its id, its loads and their data files."""

    delivery_id: int
    file_ids: tuple[int, ...]
    parts: frozenset[Part]  # data files of its loads that still have rows in the warehouse
    intact: frozenset[Part]  # data files of its loads that no later delivery touched

    @property
    def names(self) -> frozenset[str]:
        """File names of its parts."""
        return frozenset(p.name for p in self.parts)


def current_delivery(con: duckdb.DuckDBPyConnection, *, kind: str, folder: str) -> CurrentDelivery | None:
    """The newest delivery of ``kind`` from ``folder``, if some of its rows are still current."""
    rows = run(
        con,
        "SELECT delivery_id, file_id, status, sha256, file_name, details->'$.data_files' FROM ingest_ledger "
        "WHERE source_kind = $k AND delivery_folder = $f AND status <> 'superseded' AND delivery_id = ("
        " SELECT max(delivery_id) FROM ingest_ledger WHERE source_kind = $k AND delivery_folder = $f) "
        "ORDER BY file_id",
        {"k": kind, "f": folder},
    )
    if not rows:
        return None
    parts: set[Part] = set()
    intact: set[Part] = set()
    for _, _, status, sha, name, files in rows:
        listed = json.loads(files) if files else None
        found = {Part(str(f["name"]), str(f["sha256"])) for f in listed} if listed else {Part(str(name), str(sha))}
        parts |= found
        if status == "loaded":
            intact |= found
    return CurrentDelivery(int(rows[0][0]), tuple(int(r[1]) for r in rows), frozenset(parts), frozenset(intact))


def delivery_to_join(
    con: duckdb.DuckDBPyConnection, *, kind: str, file: SourceFile, policy: DeliveryPolicy = "auto"
) -> CurrentDelivery | None:
    """The current delivery this load is a further part of, or None when it starts a new one.

    The rule (docs/cost-loaders.md): a load of local files joins the current delivery of the same
    kind from the same folder when its file names are named like that delivery's parts (equal but
    for their digits: ``part-00002.csv`` next to ``part-00001.csv``) and none of them is already a
    part. A file name that is already a part (the export rewrote it), a differently named file
    (``july-restated.csv`` next to ``july.csv``), another folder, a URI or
    ``--option delivery=replace`` make it a re-delivery, which replaces the periods it carries."""
    if policy == "replace" or file.folder is None or not file.parts:
        return None
    current = current_delivery(con, kind=kind, folder=file.folder)
    if current is None or current.names & {p.name for p in file.parts}:
        return None
    shapes = {part_shape(n) for n in current.names}
    if not all(part_shape(p.name) in shapes for p in file.parts):
        return None
    return current


def part_shape(name: str) -> str:
    """A file name with every run of digits as ``#``: the parts of one sharded export share it.

    >>> part_shape("part-00002.csv.gz") == part_shape("part-00001.csv.gz"), part_shape("july-restated.csv")
    (True, 'july-restated.csv')
    """
    return re.sub(r"\d+", "#", name)
