"""The record loop and record preamble every JSON incident adapter shares (incident.io, Opsgenie,
Statuspage, PagerDuty, provider status pages): one definition of how a parsed record becomes a row or
a rejected row, and of the object-and-id check each record starts with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from analytics.sources._files import RowError
from analytics.sources._values import as_text
from analytics.sources.incidents._common import IncidentWriter, as_object


def incident_object(record: Any, *, column: str = "incident", noun: str = "an incident object",
                    id_message: str = "incident id is missing") -> tuple[dict[str, Any], str]:
    """The record as a JSON object and its ``id`` as text; a null record or a missing id is a
    :class:`RowError` (``expected <noun>, got null`` / ``id_message``).

    >>> incident_object({"id": 42, "name": "db down"})
    ({'id': 42, 'name': 'db down'}, '42')
    >>> try:
    ...     incident_object({"name": "db down"})
    ... except RowError as exc:
    ...     print(exc.column, exc.message)
    id incident id is missing
    """
    rec = as_object(record, column)
    if rec is None:
        raise RowError(column, f"expected {noun}, got null")
    source_id = as_text(rec.get("id"), "id")
    if source_id is None:
        raise RowError("id", id_message)
    return rec, source_id


def write_records(file: Path, records: Sequence[Any], writer: IncidentWriter,
                  to_row: Callable[[Any], dict[str, Any] | None], *, skipped: str | None = None) -> None:
    """Hand each record (row numbers from 1) to ``to_row`` and the row to ``writer``: a
    :class:`RowError` rejects the record (or quarantines it), None skips it and, with ``skipped``,
    counts it in ``writer.details[skipped]``."""
    for i, record in enumerate(records, start=1):
        writer.read()
        try:
            row = to_row(record)
        except RowError as exc:
            writer.reject(file, i, exc.column, exc.message, record)
            continue
        if row is None:
            if skipped is not None:
                writer.details[skipped] = writer.details.get(skipped, 0) + 1
            continue
        writer.incident(row, file=file, row_no=i)
