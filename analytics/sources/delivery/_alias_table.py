"""Tabular delivery and SLO files through an alias table: which header names a :class:`Field` accepts, the
text view of the file, and one casting SELECT whose problems are found in one scan and reported as the
earliest row and column (the ``_tabular`` pattern)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import duckdb

from analytics.errors import ExportFormatError
from analytics.sources._files import label_key
from analytics.sources._tabular import ROW, csv_header, read_text_table, reading
from analytics.sources._values import bound_params, instant_checks
from analytics.warehouse import run
from analytics.warehouse.sqlutil import quote_identifier

_OFFSET = r"(Z|z|[+-]\d{2}(:?\d{2})?)$"


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
