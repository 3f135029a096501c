"""The one place identifiers are inlined into SQL. Values always travel as bound parameters."""

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
