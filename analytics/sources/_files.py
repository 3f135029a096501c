"""File-level helpers shared by the incident, delivery and SLO loaders.

Deliveries are a file or a folder of files (fingerprinted together, so a re-delivered folder is a
no-op); JSON is parsed strictly (UTF-8, no NaN/Infinity, no NUL, no key twice in an object) with
errors naming file and line;
:class:`RowError` carries the column of a record-level problem, the caller adds file and row.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions
from analytics.warehouse.ledger import SourceFile, fingerprint, fingerprint_part_digests


class RowError(Exception):
    """A problem with one record: which field and what is wrong (the caller adds file and row)."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def source_zone(options: LoadOptions) -> ZoneInfo | None:
    """The zone of offset-less timestamps (``--timezone``); None when not given."""
    if not options.timezone:
        return None
    try:
        return ZoneInfo(str(options.timezone).strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"unknown time zone {options.timezone!r}: use an IANA name such as Europe/Berlin") from exc


def delivery_files(path: Path, *, suffixes: tuple[str, ...]) -> list[Path]:
    """The files of a delivery: the file itself, or the matching files in a folder (sorted, recursive)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ExportFormatError("no such file or folder", file=path)
    files = sorted(
        p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes) and not p.name.startswith(".")
    )
    if not files:
        raise ExportFormatError(f"folder holds no {' or '.join(suffixes)} files", file=path)
    return files


def fingerprint_delivery(path: Path, files: Sequence[Path]) -> SourceFile:
    """SHA-256 of a file, or of a folder's file names and contents (a re-delivered folder is a no-op)."""
    if path.is_file():
        return fingerprint(path)

    def content(file: Path) -> tuple[bytes, int]:
        data = file.read_bytes()
        return hashlib.sha256(data).digest(), len(data)

    def parts(contents: Iterator[tuple[bytes, int]]) -> Iterator[tuple[bytes, int]]:
        for file, hashed in zip(files, contents, strict=True):
            relative = str(file.relative_to(path)).encode("utf-8")
            yield hashlib.sha256(relative).digest(), len(relative)
            yield hashed

    # the same digest as fingerprint_parts over (name, bytes) of each file; reading and hashing
    # release the GIL, so the files are hashed two at a time
    with ThreadPoolExecutor(max_workers=2) as pool:
        return fingerprint_part_digests(str(path.resolve()), path.name, parts(pool.map(content, files)))


def decode_text(file: Path) -> str:
    """A file's text, strictly UTF-8 (a BOM is allowed); the error names the byte and line."""
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ExportFormatError(f"not UTF-8 text (byte {exc.start}, line {line})", file=file) from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ExportFormatError(f"contains a NUL character (line {line}); this is not a text export", file=file)
    return text


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


class DuplicateKeyError(ValueError):
    """A JSON object names the same key twice (json.loads would silently keep the last)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key {key[:60]!r} in a JSON object")
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return obj


# one strict decoder for every file (json.loads with these hooks builds a new one per call): no
# NaN/Infinity, no duplicated keys
_STRICT_JSON = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


def parse_json(text: str) -> Any:
    """Parse JSON text strictly: no NaN/Infinity, no key twice in one object (ValueError otherwise,
    :class:`DuplicateKeyError` for a repeated key)."""
    return _STRICT_JSON.decode(text)


def read_json(file: Path) -> Any:
    """Parse a JSON file strictly (UTF-8, no NaN/Infinity, no duplicated keys); errors name the file
    and the line."""
    text = decode_text(file)
    try:
        if text.startswith("\ufeff"):  # a second BOM: refused as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return parse_json(text)
    except json.JSONDecodeError as exc:
        raise ExportFormatError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", file=file
        ) from exc
    except DuplicateKeyError as exc:
        raise ExportFormatError(f"not valid JSON: {exc}", file=file, column=exc.key[:60]) from exc
    except (ValueError, RecursionError) as exc:
        raise ExportFormatError(f"not valid JSON: {str(exc)[:200] or type(exc).__name__}", file=file) from exc


_KEY_BEFORE = re.compile(r'"((?:[^"\\]|\\.){1,200})"\s*:')


def _key_before(text: str) -> str | None:
    """The last object key written before the end of ``text`` (the field a JSON problem is in)."""
    keys = _KEY_BEFORE.findall(text[-20_000:])
    return keys[-1] if keys else None


def json_lines_problem(file: Path) -> ExportFormatError | None:
    """The first record of a JSON-lines file (or JSON array) that cannot be read, naming its row
    (record), the key it is under and what was expected; None when Python reads every record.
    Used to explain a refusal of DuckDB's JSON reader."""
    import gzip

    if file.name.lower().endswith(".gz"):
        with gzip.open(file, "rb") as handle:
            raw = handle.read()
    else:
        raw = file.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.lstrip()[:1] == b"[":  # one JSON array: report line and column of the document
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            return ExportFormatError(f"not UTF-8 text (byte 0x{raw[exc.start]:02X}, line {line})", file=file,
                                     column=_key_before(raw[: exc.start].decode("utf-8", "replace")))
        try:
            parse_json(text)
        except json.JSONDecodeError as exc:
            return ExportFormatError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", file=file,
                                     column=_key_before(text[: exc.pos]))
        except ValueError as exc:
            return ExportFormatError(f"not valid JSON: {str(exc)[:200]}", file=file)
        return None
    row = 0
    for record in raw.splitlines():
        if not record.strip():
            continue
        row += 1
        try:
            text = record.decode("utf-8")
        except UnicodeDecodeError as exc:
            return ExportFormatError(
                f"not UTF-8 text (byte 0x{record[exc.start]:02X} at character {exc.start + 1}); save the export as "
                "UTF-8", file=file, row=row, column=_key_before(record[: exc.start].decode("utf-8", "replace")),
            )
        try:
            parse_json(text)
        except json.JSONDecodeError as exc:
            return ExportFormatError(f"not valid JSON: {exc.msg} (character {exc.pos + 1}); expected one JSON "
                                     "object per line", file=file, row=row, column=_key_before(text[: exc.pos]))
        except DuplicateKeyError as exc:
            return ExportFormatError(f"not valid JSON: {exc}", file=file, row=row, column=exc.key[:60])
        except (ValueError, RecursionError) as exc:
            return ExportFormatError(f"not valid JSON: {str(exc)[:200] or type(exc).__name__}", file=file, row=row)
    return None


def label_key(text: str) -> str:
    """Normalise a header or label: lower case, letters and digits only.

    >>> label_key(" Deployed At "), label_key("deployed_at")
    ('deployedat', 'deployedat')
    """
    return re.sub(r"[^0-9a-z]+", "", text.casefold())
