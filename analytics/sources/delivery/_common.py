"""Shared machinery of the delivery and SLO loaders (``github-actions``, ``github-deployments``,
``deployments-csv``, ``changes-csv``, ``openslo``, ``sli``).

* Reading: strict JSON files (UTF-8, no NaN), folders of files as one delivery, and typed access
  to JSON values that raises :class:`RowError` (the caller adds file and row).
* Tabular files: a header-alias table (:class:`Field`) matched against the text view that
  :func:`analytics.sources._tabular.read_text_table` makes, and one casting SELECT whose problems
  are found in one scan and reported as the earliest row and column (the ``_tabular`` pattern).
* Writing: :func:`write_deployments` upserts on ``deployment_id``; :func:`write_changes` upserts on
  ``change_id`` and links each change to the deployment that first shipped it to production.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from analytics.errors import ExportFormatError, UsageError
from analytics.sources import LoadOptions
from analytics.sources._files import (  # noqa: F401 - re-exported for the loaders
    RowError,
    decode_text,
    delivery_files,
    fingerprint_delivery,
    label_key,
    read_json,
    source_zone,
)
from analytics.sources._tabular import ROW, csv_header, read_text_table, reading
from analytics.sources._values import bound_params, instant_checks, plausible_instant
from analytics.warehouse import run, run_quietly, scalar
from analytics.warehouse.ledger import LoadTransaction
from analytics.warehouse.schema import canonical_schema
from analytics.warehouse.sqlutil import quote_identifier

log = logging.getLogger(__name__)

MAX_TEXT = 10_000  # characters kept in an id, name or label
MAX_ID = 2**63 - 1
DEFAULT_PRODUCTION = ("production", "prod")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I)
_OFFSET = r"(Z|z|[+-]\d{2}(:?\d{2})?)$"

DEPLOYMENT_SCHEMA: dict[str, pa.DataType] = canonical_schema("deployments")  # from the migration DDL
CHANGE_SCHEMA: dict[str, pa.DataType] = {  # the changes table, and what matching a change to its deployment needs
    **canonical_schema("changes"), "head_sha": pa.string(), "__pos": pa.int64(),
}




# -- options ------------------------------------------------------------------------------------


def check_options(options: LoadOptions, *, known: Sequence[str]) -> None:
    """Fail on ``--option`` names the kind does not take (a typo must not be ignored silently)."""
    unknown = sorted(set(options.extra) - set(known))
    if unknown:
        raise UsageError(f"unknown --option {unknown[0]!r}; this kind takes: {', '.join(sorted(known)) or 'none'}")


def option_text(options: LoadOptions, name: str, *, known: Sequence[str]) -> str | None:
    """A kind-specific ``--option name=value`` (stripped; empty is None); unknown option names fail."""
    check_options(options, known=known)
    value = options.extra.get(name)
    if value is None:
        return None
    text = str(value).strip()
    if len(text) > 200 or "\x00" in text:
        raise UsageError(f"--option {name} is not a usable value")
    return text or None


def production_names(options: LoadOptions, *, known: Sequence[str]) -> list[str]:
    """Environment names that count as production (``--option production=prod,live``), lower case."""
    raw = option_text(options, "production", known=known)
    names = [n.strip().lower() for n in raw.split(",")] if raw else list(DEFAULT_PRODUCTION)
    names = [n for n in names if n]
    if not names:
        raise UsageError("--option production needs at least one environment name")
    return names


def source_label(options: LoadOptions, *, known: Sequence[str], default: str) -> str:
    """The ``source`` of rows (``--option source=jenkins``): a short lower-case name, the key prefix."""
    value = option_text(options, "source", known=known) or default
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", value):
        raise UsageError(f"--option source must be a short lower-case name such as jenkins, got {value!r}")
    return value


# -- reading files ------------------------------------------------------------------------------








def header_keys(path: Path, head: bytes) -> set[str]:
    """Normalised column names of a CSV (from its first line) or parquet file (from its schema)."""
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        try:
            import pyarrow.parquet as pq

            return {label_key(n) for n in pq.read_schema(path).names}
        except (OSError, pa.ArrowException):
            return set()
    if not name.endswith((".csv", ".tsv")):
        return set()
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    separator = "\t" if name.endswith(".tsv") else ","
    return {label_key(h.strip().strip('"')) for h in first[0].split(separator)} if first else set()




# -- typed access to JSON values ---------------------------------------------------------------
def text(value: Any, column: str, *, max_len: int = MAX_TEXT) -> str | None:
    """Text from a JSON value (numbers become text); None and blanks stay None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowError(column, f"expected text, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise RowError(column, "expected text, got a non-finite number")
    out = str(value).strip()
    if "\x00" in out:
        raise RowError(column, "contains a NUL character")
    if len(out) > max_len:
        raise RowError(column, f"value is {len(out):,} characters long (limit {max_len:,})")
    return out or None


def required_text(value: Any, column: str, *, max_len: int = MAX_TEXT) -> str:
    """Like :func:`text`, but missing or blank is an error."""
    out = text(value, column, max_len=max_len)
    if out is None:
        raise RowError(column, "value is required but missing")
    return out


def identifier(value: Any, column: str) -> str:
    """A numeric id (GitHub ids are integers; digit strings are accepted) as text."""
    if isinstance(value, bool) or value is None:
        raise RowError(column, "expected a numeric id, got " + ("nothing" if value is None else "true/false"))
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return str(value)
    if isinstance(value, str) and re.fullmatch(r"\d{1,19}", value.strip()) and 0 < int(value) <= MAX_ID:
        return str(int(value))
    shown = repr(value)[:40] if not isinstance(value, dict | list) else type(value).__name__
    raise RowError(column, f"expected a positive numeric id, got {shown}")


def commit_sha(value: Any, column: str, *, required: bool = True) -> str | None:
    """A git commit id: 7 to 64 hexadecimal characters, lower-cased."""
    raw = text(value, column, max_len=100)
    if raw is None:
        if required:
            raise RowError(column, "commit sha is required but missing")
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{7,64}", raw):
        raise RowError(column, f"{raw[:60]!r} is not a git commit sha (7 to 64 hex characters)")
    return raw.lower()


def boolean(value: Any, column: str) -> bool | None:
    """true/false from JSON booleans, 0/1 or text (true, yes, 1 …)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = value.strip().lower()
        if key in ("", "none", "null"):
            return None
        if key in ("true", "t", "yes", "y", "1"):
            return True
        if key in ("false", "f", "no", "n", "0"):
            return False
    raise RowError(column, f"expected true or false, got {str(value)[:40]!r}")


def obj(value: Any, column: str) -> dict[str, Any]:
    """A JSON object; None is an empty object."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RowError(column, f"expected an object, got {type(value).__name__}")
    return value


def array(value: Any, column: str) -> list[Any]:
    """A JSON array; None is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowError(column, f"expected a list, got {type(value).__name__}")
    return value


def instant(value: Any, column: str, *, zone: ZoneInfo | None, required: bool = True) -> datetime | None:
    """An ISO 8601 timestamp as UTC; offset-less values need ``zone`` (``--timezone``)."""
    raw = text(value, column, max_len=64)
    if raw is None:
        if required:
            raise RowError(column, "timestamp is required but missing")
        return None
    if not _ISO.match(raw):
        raise RowError(column, f"cannot read {raw[:60]!r} as an ISO 8601 timestamp")
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", raw)
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise RowError(column, f"cannot read {raw[:60]!r} as a timestamp: {exc}") from None
    if moment.tzinfo is None:
        if zone is None:
            raise RowError(column, f"timestamp {raw!r} has no UTC offset: pass the source time zone with --timezone")
        moment = moment.replace(tzinfo=zone)
    return plausible_instant(moment, column, shown=raw)


def repo_from_api_url(value: Any, column: str) -> str | None:
    """``owner/name`` from a GitHub API URL such as ``https://api.github.com/repos/o/r/deployments/1``."""
    url = text(value, column, max_len=2000)
    if url is None:
        return None
    match = re.search(r"/repos/([^/\s]+/[^/\s]+?)(?:/|$)", url)
    return match.group(1) if match else None


# -- staging and writing ------------------------------------------------------------------------
def stage(con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[Mapping[str, Any]],
          schema: Mapping[str, pa.DataType]) -> None:
    """Create temp table ``name`` holding ``rows`` (typed through one arrow batch)."""
    arrays = {col: pa.array([r.get(col) for r in rows], type=dtype) for col, dtype in schema.items()}
    batch = f"{name}_batch"
    con.register(batch, pa.table(arrays))
    try:
        run(con, f"CREATE TEMP TABLE {quote_identifier(name)} AS SELECT * FROM {quote_identifier(batch)}")
    finally:
        try:
            con.unregister(batch)
        except duckdb.Error:
            log.debug("could not unregister %s", batch)


def write_deployments(tx: LoadTransaction, rows: Sequence[Mapping[str, Any]]) -> int:
    """Upsert de-duplicated deployment rows on ``deployment_id``; return how many were written."""
    if not rows:
        return 0
    staged = f"__deploy_stage_{tx.file_id}"
    stage(tx.con, staged, rows, DEPLOYMENT_SCHEMA)
    try:
        return upsert_staged(tx, "deployments", staged, key=("deployment_id",))
    finally:
        run_quietly(tx.con, f"DROP TABLE IF EXISTS {staged}")


def upsert_staged(tx: LoadTransaction, table: str, staged: str, *, key: Sequence[str]) -> int:
    """Replace rows of ``table`` with the same key as the staged rows, then insert them; return the count."""
    tx.rows_updated += tx.delete_matching(table, key=key, source=staged)
    return tx.insert_query(table, f"SELECT * FROM {quote_identifier(staged)}")


def write_changes(tx: LoadTransaction, rows: Sequence[Mapping[str, Any]], *, production: Sequence[str]) -> int:
    """Upsert change rows on ``change_id`` and link each to the deployment that first shipped it.

    A row's ``deployment_id`` (when the source names one) or else its ``head_sha`` (the head commit
    of the push / compare / run it came with) selects candidate deployments: successful, to a
    production environment, with that commit and the same repository. The earliest candidate wins,
    and so does an earlier deployment an already-loaded copy of the change points at. Service and
    team default to the linked deployment's.
    """
    if not rows:
        return 0
    staged = f"__change_stage_{tx.file_id}"
    stage(tx.con, staged, rows, CHANGE_SCHEMA)
    try:
        return link_and_write_changes(tx, staged, production=production)
    finally:
        run_quietly(tx.con, f"DROP TABLE IF EXISTS {staged}")


def link_and_write_changes(tx: LoadTransaction, staged: str, *, production: Sequence[str]) -> int:
    """:func:`write_changes` for rows already staged in ``staged`` (columns of :data:`CHANGE_SCHEMA`)."""
    con = tx.con
    final = f"__change_final_{tx.file_id}"
    try:
        run(con, f"""
            CREATE TEMP TABLE {final} AS
            WITH heads AS (
                SELECT deployment_id, commit_sha, repo, deployed_at, service, team
                FROM deployments
                WHERE status = 'success' AND list_contains($production, lower(environment))
            ),
            by_head AS (
                SELECT s.__pos, h.deployment_id,
                       row_number() OVER (PARTITION BY s.__pos ORDER BY h.deployed_at, h.deployment_id) AS rn
                FROM {staged} AS s
                JOIN heads AS h ON h.commit_sha = s.head_sha
                 AND (s.repo IS NULL OR h.repo IS NULL OR h.repo = s.repo)
                WHERE s.deployment_id IS NULL
            ),
            proposed AS (
                SELECT s.* EXCLUDE (deployment_id, head_sha),
                       coalesce(s.deployment_id, b.deployment_id) AS deployment_id
                FROM {staged} AS s LEFT JOIN by_head AS b ON b.__pos = s.__pos AND b.rn = 1
            ),
            candidates AS (
                SELECT p.* EXCLUDE (deployment_id), p.deployment_id, d.deployed_at AS shipped_at, 0 AS earlier_load
                FROM proposed AS p LEFT JOIN deployments AS d ON d.deployment_id = p.deployment_id
                UNION ALL
                SELECT p.* EXCLUDE (deployment_id), c.deployment_id, d.deployed_at, 1
                FROM proposed AS p
                JOIN changes AS c ON c.change_id = p.change_id AND c.deployment_id IS NOT NULL
                LEFT JOIN deployments AS d ON d.deployment_id = c.deployment_id
            ),
            chosen AS (
                SELECT * EXCLUDE (rn) FROM (
                    SELECT *, row_number() OVER (
                        PARTITION BY change_id
                        ORDER BY deployment_id IS NULL, shipped_at IS NULL, shipped_at, earlier_load, __pos DESC
                    ) AS rn
                    FROM candidates
                ) WHERE rn = 1
            )
            SELECT c.change_id, c.source, c.repo,
                   coalesce(c.service, d.service) AS service, coalesce(c.team, d.team) AS team,
                   c.commit_sha, date_trunc('second', c.committed_at) AS committed_at, c.deployment_id
            FROM chosen AS c LEFT JOIN deployments AS d ON d.deployment_id = c.deployment_id
        """, {"production": list(production)})
        tx.rows_updated += tx.delete_matching("changes", key=("change_id",), source=final)
        written = tx.insert_query("changes", f"SELECT * FROM {final}")
        linked = int(scalar(con, f"SELECT count(deployment_id) FROM {final}"))
        tx.details["changes_linked_to_a_deployment"] = linked
        tx.details["changes_without_a_deployment"] = written - linked
        return written
    finally:
        run_quietly(con, f"DROP TABLE IF EXISTS {final}")


# -- tabular files through an alias table -------------------------------------------------------
Kind = Literal["text", "timestamp", "bool", "count", "enum", "sha"]


@dataclass(frozen=True)
class Field:
    """A canonical field of a tabular export: accepted headers, type and whether it is required."""

    name: str
    kind: Kind
    aliases: tuple[str, ...]
    required_column: bool = False
    required_value: bool = False
    values: Mapping[str, str] | None = None  # enum: normalised raw label -> canonical value
    max_len: int = 1000

    def accepted(self) -> str:
        """The accepted header names, for error messages."""
        return ", ".join(self.aliases[:6])


def text_view(con: duckdb.DuckDBPyConnection, file: Path, view: str) -> list[str]:
    """:func:`analytics.sources._tabular.read_text_table` with unusable column names refused first."""
    check_header(file)
    try:
        return read_text_table(con, file, view)
    except ValueError as exc:  # a column name no SQL identifier can hold (parquet with NUL …)
        raise ExportFormatError(f"cannot read the file: {exc}", file=file) from exc


def check_header(file: Path) -> None:
    """Refuse CSV headers with control characters (NUL …) before DuckDB is asked to read them."""
    if not file.name.lower().endswith((".csv", ".tsv", ".csv.gz")):
        return
    for name in csv_header(file):
        if any(ord(ch) < 32 and ch not in "\t" for ch in name):
            raise ExportFormatError("a column name in the header holds a control character", file=file,
                                    column=name.encode("unicode_escape").decode()[:60])


def match_columns(present: Sequence[str], fields: Sequence[Field], *, file: Path) -> dict[str, str]:
    """Canonical field → the file's header, through the alias tables (first alias present wins)."""
    by_key: dict[str, str] = {}
    for name in present:
        if name != ROW:
            by_key.setdefault(label_key(name), name)
    found: dict[str, str] = {}
    for field in fields:
        for alias in field.aliases:
            header = by_key.get(label_key(alias))
            if header is not None and header not in found.values():
                found[field.name] = header
                break
        if field.required_column and field.name not in found:
            raise ExportFormatError(f"required column missing: none of the headers {field.accepted()} is present",
                                    file=file, column=field.name)
    return found


def _expression(field: Field, column: str) -> tuple[str, list[tuple[str, str]]]:
    """SQL for one field's typed value and its checks: (problem message, SQL condition on the raw text)."""
    col = f"NULLIF(trim({quote_identifier(column)}), '')"
    checks: list[tuple[str, str]] = [("contains a NUL character", f"contains({col}, chr(0))")]
    if field.kind in ("text", "sha"):
        checks.append((f"value is longer than {field.max_len:,} characters", f"length({col}) > {field.max_len}"))
        if field.kind == "sha":
            checks.append(("is not a git commit sha (7 to 64 hex characters)",
                           f"NOT regexp_full_match({col}, '[0-9a-fA-F]{{7,64}}')"))
            expr = f"lower({col})"
        else:
            expr = col
    elif field.kind == "timestamp":
        with_offset = f"regexp_matches({col}, '{_OFFSET}')"
        parsed = (f"CASE WHEN {with_offset} THEN TRY_CAST({col} AS TIMESTAMPTZ) "
                  f"ELSE timezone($__zone, TRY_CAST({col} AS TIMESTAMP)) END")
        checks.append(("timestamp has no UTC offset: pass the source time zone with --timezone",
                       f"NOT {with_offset} AND $__zone IS NULL AND TRY_CAST({col} AS TIMESTAMP) IS NOT NULL"))
        checks.append(("cannot read the value as an ISO 8601 timestamp",
                       f"(length({col}) > 64 OR NOT regexp_matches({col}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}') "
                       f"OR ({parsed}) IS NULL) AND NOT (NOT {with_offset} AND $__zone IS NULL "
                       f"AND TRY_CAST({col} AS TIMESTAMP) IS NOT NULL)"))
        checks += instant_checks(parsed, col)
        expr = parsed
    elif field.kind == "bool":
        key = f"lower({col})"
        expr = (f"CASE WHEN {key} IN ('true','t','yes','y','1') THEN TRUE "
                f"WHEN {key} IN ('false','f','no','n','0') THEN FALSE END")
        checks.append(("expected true or false", f"({expr}) IS NULL"))
    elif field.kind == "count":
        number = f"TRY_CAST({col} AS DOUBLE)"
        checks.append(("expected a whole number of events", f"{number} IS NULL OR NOT isfinite({number}) "
                                                            f"OR {number} <> floor({number})"))
        checks.append(("expected a non-negative count", f"{number} < 0"))
        checks.append(("count is too large", f"{number} > 4e18"))
        expr = f"CAST({number} AS BIGINT)"
    else:  # enum
        assert field.values is not None
        key = f"regexp_replace(lower({col}), '[^0-9a-z]+', '', 'g')"
        param = f"__{field.name}"
        expr = f"(${param}_values)[list_position(${param}_keys, {key})]"
        shown = ", ".join(sorted(set(field.values.values())))
        checks.append((f"is not a known value (accepted: {shown}; see docs/delivery-and-slo.md)",
                       f"list_position(${param}_keys, {key}) IS NULL"))
    # every check applies only to non-empty values
    return expr, [(message, f"{col} IS NOT NULL AND ({condition})") for message, condition in checks]


def typed_select(
    con: duckdb.DuckDBPyConnection,
    view: str,
    fields: Sequence[Field],
    columns: Mapping[str, str],
    *,
    file: Path,
    zone: ZoneInfo | None,
) -> tuple[str, dict[str, Any]]:
    """Validate the text view and return (SELECT of typed canonical fields plus ``__row``, its parameters).

    Problems are found in one scan; the earliest row's problem is raised as an
    :class:`ExportFormatError` naming the file, row and header.
    """
    params: dict[str, Any] = {"__zone": None if zone is None else zone.key, **bound_params()}
    selects, checks = [f"{ROW}"], []
    for field in fields:
        header = columns.get(field.name)
        if header is None:
            selects.append(f"NULL AS {quote_identifier(field.name)}")
            continue
        expr, field_checks = _expression(field, header)
        if field.kind == "enum":
            assert field.values is not None
            params[f"__{field.name}_keys"] = list(field.values)
            params[f"__{field.name}_values"] = list(field.values.values())
        selects.append(f"{expr} AS {quote_identifier(field.name)}")
        checks += [(header, message, condition) for message, condition in field_checks]
        if field.required_value:
            checks.append((header, "value is required but empty",
                           f"NULLIF(trim({quote_identifier(header)}), '') IS NULL"))
    if checks:
        aggregates = ", ".join(f"min({ROW}) FILTER (WHERE {c[2]})" for c in checks)
        used = {k: v for k, v in params.items() if f"${k}" in aggregates}
        with reading(file):
            firsts = run(con, f"SELECT {aggregates} FROM {quote_identifier(view)}", used)[0]
        problems = [(int(r), i) for i, r in enumerate(firsts) if r is not None]
        if problems:
            row, index = min(problems)
            header, message, _ = checks[index]
            value = run(con, f"SELECT {quote_identifier(header)} FROM {quote_identifier(view)} WHERE {ROW} = $r",
                        {"r": row})[0][0]
            shown = "" if value is None else str(value)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise ExportFormatError(f"{shown!r}: {message}" if shown.strip() else message, file=file, row=row,
                                    column=header)
    sql = f"SELECT {', '.join(selects)} FROM {quote_identifier(view)}"
    return sql, {k: v for k, v in params.items() if f"${k}" in sql}
