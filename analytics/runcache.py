"""Results shared between the notebooks of one report run: computed once, read back by the others.

``opsreview report`` runs every notebook against one snapshot of the warehouse, opened read-only.
Measured on the 10M-row benchmark (``bench/report_scale.py``), a run issued ~400 statements of
which ~150 repeated one already run — 13 identical reads of the quarter's deployments in the
delivery page (each DORA key starts from them), the quarterly review recomputing the quarter every
evidence page had just computed, the previous quarter twice for its trend and its QoQ — and the cost
anomaly pipeline of the quarter ran twice. On a snapshot a repeated computation can only give the
same answer, so the runner gives its kernels a private folder (``OPSREVIEW_RUN_CACHE``, created
0700 inside the run's folder and deleted when the run ends) and results are kept there:

* :func:`shared_statement` — the rows of a named statement (:mod:`analytics.sql`) with its bound
  parameters, kept in the process and in the folder, so a later call in the same notebook or in a
  later notebook of the run reads them back instead of scanning the cost rows again;
* :func:`cached` — any larger result by name and arguments (the cost anomalies of a quarter,
  read back by the quarterly review).

Keys are the warehouse **content** (:func:`warehouse_fingerprint`: the ingest ledger, the anomaly
feedback and the applied migrations — what every load, label or migration changes) plus the
statement or computation and its arguments, so a stale entry is never read. Only **read-only**
connections share (a read-only DuckDB connection holds the file's shared lock: nothing can change
under it), and only inside a run: a notebook opened in JupyterLab, a test or the library computes
everything as before. Entries are pickles written atomically (temporary file + rename) and read
only from the run's own private folder; a missing or unreadable entry is computed again. Callers
get copies, so mutating a result never changes what the next caller reads.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import pickle
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb

log = logging.getLogger(__name__)

RUN_CACHE_ENV = "OPSREVIEW_RUN_CACHE"
"""Folder of the current report run's shared results (set by the runner for its kernels)."""
T = TypeVar("T")
_FINGERPRINT_SQL = (
    "SELECT 'ledger', file_id, sha256, status, rows_loaded, coalesce(superseded_by, -1), "
    "coalesce(CAST(details AS VARCHAR), '') FROM ingest_ledger "
    "UNION ALL SELECT 'feedback', -1, anomaly_id, label, -1, -1, CAST(recorded_at AS VARCHAR) FROM anomaly_feedback "
    "UNION ALL SELECT 'migration', version, checksum, '', -1, -1, '' FROM schema_migrations "
    "ORDER BY ALL"
)
_READ_ONLY_SQL = "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"
_MEMORY: OrderedDict[str, Any] = OrderedDict()
_MEMORY_ENTRIES = 256


def run_cache_folder() -> Path | None:
    """The run's cache folder, or None outside a report run."""
    value = os.environ.get(RUN_CACHE_ENV, "").strip()
    folder = Path(value) if value else None
    return folder if folder is not None and folder.is_dir() else None


def warehouse_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """SHA-256 of what identifies a warehouse's content: every load (with its rows and status), every
    anomaly label and every applied migration.

    >>> from analytics.warehouse import connect
    >>> len(warehouse_fingerprint(connect(":memory:")))
    64
    """
    digest = hashlib.sha256()
    for row in con.execute(_FINGERPRINT_SQL).fetchall():
        digest.update(repr(row).encode("utf-8"))
    return digest.hexdigest()


def cache_key(con: duckdb.DuckDBPyConnection, name: str, arguments: object) -> str:
    """The entry name of ``name(arguments)`` on this warehouse content (``arguments`` by its ``repr``)."""
    text = f"{name}\0{arguments!r}\0{warehouse_fingerprint(con)}"
    return f"{name}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:40]}"


def _entry(con: duckdb.DuckDBPyConnection, name: str, arguments: object) -> Path | None:
    """Where ``name(arguments)`` is kept in this run, or None outside a run."""
    folder = run_cache_folder()
    return None if folder is None else folder / f"{cache_key(con, name, arguments)}.pickle"


def is_cached(con: duckdb.DuckDBPyConnection, name: str, arguments: object) -> bool:
    """Whether :func:`cached` would read ``name(arguments)`` back instead of computing it."""
    entry = _entry(con, name, arguments)
    return entry is not None and (entry.name in _MEMORY or entry.is_file())


def _remember(key: str, value: Any) -> None:
    _MEMORY[key] = value
    _MEMORY.move_to_end(key)
    while len(_MEMORY) > _MEMORY_ENTRIES:
        _MEMORY.popitem(last=False)


def _read(entry: Path) -> tuple[bool, Any]:
    """(found, value) of an entry, from this process's memory or the run's folder."""
    if entry.name in _MEMORY:
        _MEMORY.move_to_end(entry.name)
        return True, _MEMORY[entry.name]
    if not entry.is_file():
        return False, None
    try:
        with entry.open("rb") as handle:
            value = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        log.debug("could not read %s (%s); computing it again", entry.name, exc)
        return False, None
    _remember(entry.name, value)
    return True, value


def _write(entry: Path, value: Any) -> None:
    """Keep ``value`` in memory and, atomically, in the run's folder."""
    _remember(entry.name, value)
    fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except OSError as exc:
        log.debug("could not keep %s in the run cache: %s", entry.name, exc)
        Path(tmp).unlink(missing_ok=True)


def cached(con: duckdb.DuckDBPyConnection, name: str, arguments: object, compute: Callable[[], T]) -> T:
    """``compute()``, or its result from earlier in the same report run on the same warehouse content."""
    entry = _entry(con, name, arguments)
    if entry is None:
        return compute()
    found, value = _read(entry)
    if found:
        log.info("%s: read from this run's cache", name)
        return copy.deepcopy(value)
    value = compute()
    _write(entry, value)
    return copy.deepcopy(value)


def shared_statement(con: duckdb.DuckDBPyConnection, name: str, bound: dict[str, Any],
                     compute: Callable[[], T], *, form: str) -> T:
    """The result of statement ``name`` with parameters ``bound`` in one ``form`` (``frame``, ``rows``):
    ``compute()`` (which runs it), or, inside a report run on a read-only connection, what an earlier
    identical call of the run got."""
    if run_cache_folder() is None or not (con.execute(_READ_ONLY_SQL).fetchone() or (False,))[0]:
        return compute()
    return cached(con, f"sql-{form}-{name}", sorted(bound.items()), compute)
