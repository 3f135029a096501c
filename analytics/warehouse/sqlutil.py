"""The one place identifiers and string literals are inlined into SQL. Values from files always
travel as bound parameters; a literal is only for what cannot be bound (a file path or a constant
of our own code in a view body)."""

from __future__ import annotations

import re

from analytics.errors import UnknownNameError

_EXTRA_COLUMN = re.compile(r"^x_[A-Za-z][A-Za-z0-9_]{0,62}$")


def quote_identifier(name: str) -> str:
    """Quote a SQL identifier for DuckDB, doubling embedded quotes.

    >>> quote_identifier('BilledCost')
    '"BilledCost"'
    >>> quote_identifier('we"ird')
    '"we""ird"'
    """
    if not isinstance(name, str) or name == "" or "\x00" in name:
        raise ValueError(f"not a usable identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal (single quotes doubled), for file paths and our own constants in view
    bodies, where DuckDB takes no parameters.

    >>> quote_literal("it's.csv")
    "'it''s.csv'"
    """
    if "\x00" in text:
        raise ValueError("NUL in string literal")
    return "'" + text.replace("'", "''") + "'"


def require_one_of(name: str, allowed: tuple[str, ...] | frozenset[str], *, what: str) -> str:
    """Return ``name`` if it is in the allow-list, else raise a clear error."""
    if name not in allowed:
        raise UnknownNameError(f"unknown {what} {name!r}; expected one of: {', '.join(sorted(allowed))}")
    return name


def extra_column_name(raw: str) -> str:
    """Turn a provider column name into a valid ``x_`` extension column name.

    >>> extra_column_name('product/instanceType')
    'x_product_instanceType'
    >>> extra_column_name('x_CustomThing')
    'x_CustomThing'
    """
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", raw.strip()).strip("_")
    name = cleaned if cleaned.startswith("x_") else f"x_{cleaned}"
    if not _EXTRA_COLUMN.match(name):
        raise ValueError(f"cannot make an extension column name from {raw!r}")
    return name


def is_extra_column(name: str) -> bool:
    """Whether ``name`` is a valid ``x_`` extension column name."""
    return bool(_EXTRA_COLUMN.match(name))
