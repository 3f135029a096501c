"""How a cost loader describes its mapping onto ``cost``: the staged view (:class:`Staged`), one SQL
expression per column (:class:`Field`), row rules (:class:`Check`), and the SQL builders they are made
of — exact decimals, our own literals, the amount / number / timestamp checks, JSON maps and FOCUS Tags.
Only constants of our own code are inlined; values from a file reach SQL as columns of the staged view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analytics.sources._values import instant_checks
from analytics.warehouse.sqlutil import quote_identifier, quote_literal

COST_TYPE = "DECIMAL(38, 10)"  # the warehouse's money type
EXACT = "DECIMAL(38, 18)"  # source totals: more digits than the insert path keeps
AMOUNT_LIMIT = "1e18"  # |amount| at or above this is refused as nonsense (keeps exact sums in range)
CHARGE_CATEGORIES: tuple[str, ...] = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
NESTED_TYPES: tuple[str, ...] = ("MAP(", "STRUCT(", "[]", "UNION(", "JSON")


@dataclass(frozen=True)
class Field:
    """How one ``cost`` column is computed: a SQL expression over the staged view."""

    expr: str
    source: str | None = None  # source column named in errors
    trusted: bool = False  # the expression always casts (built by our own SQL), so skip its cast check


@dataclass(frozen=True)
class Check:
    """A row rule: ``bad`` is a SQL predicate true on an offending row."""

    bad: str
    message: str
    column: str | None = None
    show: str | None = None  # SQL expression whose value is quoted in the message


@dataclass(frozen=True)
class Staged:
    """A data file staged as a temp view with ``__row``."""

    view: str
    file: str
    columns: dict[str, str]  # source column -> DuckDB type in the view
    notes: tuple[str, ...] = ()  # how the file had to be read (recorded as the load's warnings)

    def has(self, name: str) -> bool:
        """Whether the view has the column (exact name)."""
        return name in self.columns

    def col(self, name: str) -> str:
        """The quoted column, or ``NULL`` when the file does not have it."""
        return quote_identifier(name) if name in self.columns else "NULL"

    def is_text(self, name: str) -> bool:
        """Whether the staged column is VARCHAR."""
        return self.columns.get(name, "VARCHAR") == "VARCHAR"

# -- SQL builders --------------------------------------------------------------------------------
def exact(expr: str) -> str:
    """The expression as an exact decimal (NULL when it is not a number)."""
    return f"TRY_CAST(({expr}) AS {EXACT})"


def lit(value: str) -> str:
    """A string literal for constants of our own code (never for values from a file)."""
    return quote_literal(value)


def text_list(values: Sequence[str]) -> str:
    """A list literal of our own constants."""
    return "[" + ", ".join(quote_literal(v) for v in values) + "]"


def amount_check(staged: Staged, column: str) -> Check:
    """A raw amount column must be a finite decimal number below :data:`AMOUNT_LIMIT`."""
    col = staged.col(column)
    return Check(
        f"{col} IS NOT NULL AND (TRY_CAST({col} AS {COST_TYPE}) IS NULL "
        f"OR abs(TRY_CAST({col} AS DOUBLE)) >= {AMOUNT_LIMIT})",
        "is not a finite amount",
        column,
        show=col,
    )


def number_check(staged: Staged, column: str) -> Check:
    """A raw quantity or rate column must be a finite number."""
    col = staged.col(column)
    return Check(
        f"{col} IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST({col} AS DOUBLE)), false)",
        "is not a finite number",
        column,
        show=col,
    )


def timestamp_check(staged: Staged, column: str) -> Check:
    """A raw timestamp column must cast to TIMESTAMPTZ (naive values are UTC)."""
    col = staged.col(column)
    return Check(
        f"{col} IS NOT NULL AND TRY_CAST({col} AS TIMESTAMPTZ) IS NULL", "is not a timestamp", column, show=col
    )


def timestamp_range_checks(staged: Staged, fld: Field, name: str) -> list[Check]:
    """A mapped timestamp must be plausible (:mod:`analytics.sources._values`); the raw text, when
    the source column is staged as text, must not carry an offset beyond ±14:00."""
    parsed = f"TRY_CAST(({fld.expr}) AS TIMESTAMPTZ)"
    text = staged.col(fld.source) if fld.source and staged.has(fld.source) and staged.is_text(fld.source) else None
    return [
        Check(f"{parsed} IS NOT NULL AND ({condition})", message, fld.source or name,
              show=text if text is not None else fld.expr)
        for message, condition in instant_checks(parsed, text)
    ]


def json_object_map(expr: str, value_type: str = "JSON") -> str:
    """A JSON object text as MAP(VARCHAR, value_type); NULL when it is not a flat-keyed object."""
    return f"TRY_CAST(TRY_CAST(({expr}) AS JSON) AS MAP(VARCHAR, {value_type}))"


def tags_json(map_expr: str, *, key: str = "trim(e.key)") -> str:
    """A MAP as a FOCUS Tags JSON object, keys rewritten by ``key`` (over ``e.key``; default trimmed)."""
    return tags_entries_json(f"list_transform(map_entries({map_expr}), lambda e: {{'key': {key}, 'value': e.value}})")


def tags_entries_json(raw_entries: str) -> str:
    """A list of {key, value} structs as a FOCUS Tags JSON object: NULL values and empty keys
    dropped, the first of colliding keys kept, NULL when nothing is left.

    The common case (unique keys) takes one cheap pass; only rows whose keys collide take the
    quadratic de-duplication."""
    entries = f"list_filter({raw_entries}, lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> '')"
    keys = f"list_transform({entries}, lambda e: e.key)"
    unique = (
        f"list_filter({entries}, lambda e, i: list_position(list_transform({entries}, lambda x: x.key), e.key) = i)"
    )
    return (
        f"CASE WHEN coalesce(len({keys}), 0) = 0 THEN NULL "
        f"WHEN len(list_distinct({keys})) = len({keys}) "
        f"THEN CAST(to_json(map({keys}, list_transform({entries}, lambda e: e.value))) AS VARCHAR) "
        f"ELSE CAST(to_json(map_from_entries({unique})) AS VARCHAR) END"
    )


def map_json(map_expr: str, *, renames: Sequence[tuple[str, str]] = ()) -> str:
    """A MAP(VARCHAR, …) column as a JSON object text, fast for clean maps.

    ``renames`` are key prefixes to rewrite (``('user_', '')``). A map whose keys are all plain
    prefixed keys and whose values are all non-null is serialised once with ``to_json`` and its key
    prefixes rewritten textually (a JSON string cannot hold an unescaped quote, so ``{"`` / ``,"``
    only ever start a key); any other map takes :func:`tags_json`'s careful path."""
    fast = f"CAST(to_json({map_expr}) AS VARCHAR)"
    for old, new in renames:
        fast = f"regexp_replace({fast}, '([{{,])\"{old}', '\\1\"{new}', 'g')"
    key = "e.key"
    for old, new in reversed(renames):
        renamed = f"{quote_literal(new)} || e.key[{len(old) + 1}:]"
        key = f"CASE WHEN starts_with(e.key, {quote_literal(old)}) THEN {renamed} ELSE {key} END"
    odd_key = "k = ''"
    if renames:
        odd_key = " AND ".join(f"(NOT starts_with(k, {lit(old)}) OR k = {lit(old)})" for old, _ in renames)
    odd = (
        f"len(list_filter(map_values({map_expr}), lambda x: x IS NULL)) > 0 "
        f"OR len(list_filter(map_keys({map_expr}), lambda k: {odd_key})) > 0"
    )
    return (
        f"CASE WHEN coalesce(cardinality({map_expr}), 0) = 0 THEN NULL WHEN {odd} "
        f"THEN {tags_json(map_expr, key=key)} ELSE {fast} END"
    )


def json_text_check(staged: Staged, column: str, *, wrap_braces: bool = False) -> Check:
    """A raw JSON object column (e.g. Tags) must parse as an object with unique keys."""
    col = staged.col(column)
    text = braces(col) if wrap_braces else col
    return Check(
        f"{col} IS NOT NULL AND trim({col}) <> '' AND {json_object_map(text)} IS NULL",
        "is not a JSON object with unique keys",
        column,
        show=col,
    )


def braces(expr: str) -> str:
    """Azure's Tags without the outer braces: wrap unless the text already starts with ``{``."""
    return (
        f"CASE WHEN trim({expr}) = '' THEN NULL WHEN starts_with(ltrim({expr}), '{{') THEN {expr} "
        f"ELSE '{{' || {expr} || '}}' END"
    )
