"""Results shared between the notebooks of one report run: computed once, read back by the others.

The quarterly review summarises what the evidence pages show, and some of it is expensive: the
cost anomaly pipeline of a quarter reads the daily series of half a year and explains every
finding. ``opsreview report`` runs every notebook against one snapshot of the warehouse, so a
result one notebook computed is the result the next would compute. The runner therefore gives its
kernels a private folder (``OPSREVIEW_RUN_CACHE``, created 0700 inside the run's folder and deleted
when the run ends) and :func:`cached` keeps results there:

* the key is the warehouse **content** (:func:`warehouse_fingerprint`: the ingest ledger, the
  anomaly feedback and the applied migrations — what every load, label or migration changes) plus
  the name and the arguments of the computation, so a stale entry can never be read, even if the
  folder outlived a run;
* outside a run (a notebook opened in JupyterLab, a test, the library) nothing is cached: the
  computation simply runs;
* entries are pickles written atomically (temporary file + rename), read only from the run's own
  private folder; a missing or unreadable entry is computed again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

from analytics.warehouse import run

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


def run_cache_folder() -> Path | None:
    """The run's cache folder, or None outside a report run."""
    value = os.environ.get(RUN_CACHE_ENV, "").strip()
    return Path(value) if value else None


def warehouse_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """SHA-256 of what identifies a warehouse's content: every load (with its rows and status), every
    anomaly label and every applied migration.

    >>> from analytics.warehouse import connect
    >>> len(warehouse_fingerprint(connect(":memory:")))
    64
    """
    digest = hashlib.sha256()
    for row in run(con, _FINGERPRINT_SQL):
        digest.update(repr(row).encode("utf-8"))
    return digest.hexdigest()


def cache_key(con: duckdb.DuckDBPyConnection, name: str, arguments: object) -> str:
    """The entry name of ``name(arguments)`` on this warehouse content (``arguments`` by its ``repr``)."""
    text = f"{name}\0{arguments!r}\0{warehouse_fingerprint(con)}"
    return f"{name}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:40]}"


def _entry(con: duckdb.DuckDBPyConnection, name: str, arguments: object) -> Path | None:
    """Where ``name(arguments)`` is kept in this run, or None outside a run."""
    folder = run_cache_folder()
    if folder is None or not folder.is_dir():
        return None
    return folder / f"{cache_key(con, name, arguments)}.pickle"


def is_cached(con: duckdb.DuckDBPyConnection, name: str, arguments: object) -> bool:
    """Whether :func:`cached` would read ``name(arguments)`` back instead of computing it."""
    entry = _entry(con, name, arguments)
    return entry is not None and entry.is_file()


def cached(con: duckdb.DuckDBPyConnection, name: str, arguments: object, compute: Callable[[], T]) -> T:
    """``compute()``, or its result from earlier in the same report run on the same warehouse content."""
    entry = _entry(con, name, arguments)
    if entry is None:
        return compute()
    folder = entry.parent
    if entry.is_file():
        try:
            with entry.open("rb") as handle:
                value: T = pickle.load(handle)  # noqa: S301 - written by this run into its private folder
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            log.debug("could not read %s (%s); computing it again", entry.name, exc)
        else:
            log.info("%s: read from this run's cache", name)
            return value
    value = compute()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except OSError as exc:
        log.debug("could not keep %s in the run cache: %s", name, exc)
        Path(tmp).unlink(missing_ok=True)
    return value
