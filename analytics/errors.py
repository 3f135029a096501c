"""The package's exception hierarchy, rooted at :class:`AnalyticsError`.

The CLI maps :class:`UsageError` (bad arguments, bad input files) to exit code 2 with a one-line
message and no traceback; any other :class:`AnalyticsError` exits 1.
"""

from __future__ import annotations

from pathlib import Path


class AnalyticsError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code: int = 1


class UsageError(AnalyticsError):
    """The caller asked for something that cannot be done as asked (exit code 2)."""

    exit_code = 2


class PeriodError(UsageError, ValueError):
    """A period string such as ``2026Q3`` could not be parsed."""


class ParameterError(UsageError, ValueError):
    """A report or analysis parameter is unknown or has a nonsensical value."""


class UnknownNameError(UsageError, KeyError):
    """A name (notebook, source kind, SQL statement, table) is not known."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class WarehouseError(AnalyticsError):
    """The warehouse is missing, unreadable, locked or at an unexpected schema version."""

    exit_code = 2


class ExportFormatError(UsageError):
    """An input file is malformed; carries where: file, row (1-based data row) and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        return one_line(text)


def one_line(text: str) -> str:
    r"""An error message on one line: control characters from hostile input shown escaped.

    >>> one_line("headers: a, b\nc\x00")
    'headers: a, b\\nc\\x00'
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


class ReconciliationError(ExportFormatError):
    """Source totals and warehouse totals of a load differ; the load was rolled back."""


class ReportError(AnalyticsError):
    """One or more report notebooks failed (the others were still written)."""
