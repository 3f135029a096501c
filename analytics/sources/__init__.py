"""Source adapters: one module per export format, each turning raw files into canonical rows.

The modules live in rooms by domain, mirroring ``analytics/metrics``: ``cost/`` (FOCUS, AWS CUR and
Cost Explorer, GCP billing, Azure, business metrics and budgets), ``incidents/`` (PagerDuty,
Opsgenie, Jira, ServiceNow, incident.io, Statuspage, mapped CSV), ``delivery/`` (GitHub, CSV
deployments and changes), ``slo/`` (OpenSLO and SLI counts); ``canonical`` loads any canonical
table. Each room's ``_common`` holds what its loaders share.

Every adapter registers a :class:`SourceKind` (its CLI name, target table, a sniffing function
for ``opsreview ingest auto``) whose ``load`` reads one path and writes through
:func:`analytics.warehouse.ledger.run_load`, so every load is transactional, idempotent and
recorded in the ledger. Adapters hold no metric logic.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from analytics.errors import UnknownNameError, UsageError
from analytics.warehouse.ledger import LoadResult

log = logging.getLogger(__name__)

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class LoadOptions:
    """Options shared by the loaders (``opsreview ingest`` flags)."""

    timezone: str | None = None  # zone of timestamps written without an offset
    mapping: Path | None = None  # YAML column mapping (mapped-csv)
    severity_map: Path | None = None  # YAML override of a source's severity mapping
    table: str | None = None  # target table (canonical)
    quarantine: bool = False  # set bad rows aside (counted, reported) instead of failing the file
    extra: Mapping[str, str] = field(default_factory=dict)  # --option key=value, kind-specific

    def as_record(self) -> dict[str, object]:
        """JSON-safe form for the ledger (paths as strings, no secrets)."""
        record: dict[str, object] = {}
        for key in ("timezone", "mapping", "severity_map", "table", "quarantine"):
            value = getattr(self, key)
            if value not in (None, False):
                record[key] = str(value) if isinstance(value, Path) else value
        if self.extra:
            record["extra"] = dict(sorted(self.extra.items()))
        return record


Loader = Callable[[duckdb.DuckDBPyConnection, str, LoadOptions], list[LoadResult]]
PathsLoader = Callable[[duckdb.DuckDBPyConnection, Sequence[str], LoadOptions], list[LoadResult]]
Sniffer = Callable[[Path, bytes], bool]


@dataclass(frozen=True)
class SourceKind:
    """A registered export format."""

    name: str
    table: str
    summary: str
    load: Loader
    sniff: Sniffer | None = None
    accepts_uri: bool = False  # paths such as s3://… or bq://… are passed through untouched
    load_paths: PathsLoader | None = None  # loads all local paths of one command together (deliveries of parts)
    # the --option names the kind takes: ingest() refuses any other before loading (None: not declared,
    # the loader reads --option values itself)
    options: tuple[str, ...] | None = None


_REGISTRY: dict[str, SourceKind] = {}
_loaded = False


def register(kind: SourceKind) -> SourceKind:
    """Add an adapter to the registry (called by adapter modules at import)."""
    if kind.name in _REGISTRY and _REGISTRY[kind.name] is not kind:
        raise ValueError(f"source kind {kind.name!r} registered twice")
    _REGISTRY[kind.name] = kind
    return kind


def adapter_modules() -> list[str]:
    """Every public module of this package and its domain rooms: each registers its kinds at import
    time (modules and rooms starting with ``_`` are shared helpers)."""
    return sorted(
        m.name for m in pkgutil.walk_packages(__path__, prefix=f"{__name__}.")
        if not m.ispkg and not any(part.startswith("_") for part in m.name.split(".")[2:])
    )


def source_kinds() -> dict[str, SourceKind]:
    """Every registered adapter by CLI name, importing the adapter modules on first use."""
    global _loaded
    if not _loaded:
        for module in adapter_modules():
            importlib.import_module(module)
        _loaded = True
    return dict(sorted(_REGISTRY.items()))


def get_kind(name: str) -> SourceKind:
    """The adapter called ``name``; a one-line error lists the known kinds otherwise."""
    kinds = source_kinds()
    if name not in kinds:
        raise UnknownNameError(
            f"unknown source kind {name!r}; known kinds: auto, {', '.join(kinds)}"
        )
    return kinds[name]


def sniff_kind(path: Path) -> SourceKind:
    """Guess the adapter for a local file from its name and first bytes."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    head = b""
    if path.is_file():
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    matches = [k for k in source_kinds().values() if k.sniff is not None and k.sniff(path, head)]
    if not matches:
        raise UsageError(f"{path}: could not tell which export this is; name the kind instead of 'auto'")
    if len(matches) > 1:
        names = ", ".join(k.name for k in matches)
        raise UsageError(f"{path}: looks like more than one export kind ({names}); name the kind")
    return matches[0]


def ingest(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    paths: Sequence[str],
    options: LoadOptions | None = None,
) -> list[LoadResult]:
    """Load each path with the named adapter (``auto`` sniffs each file); stop at the first error.

    An adapter with ``load_paths`` gets all local paths at once, so the files of one folder
    named in one command load as one delivery; its URIs still load one by one."""
    opts = options or LoadOptions()
    results: list[LoadResult] = []
    grouped = get_kind(kind) if kind != "auto" else None
    if grouped is not None and grouped.load_paths is not None:
        local = [p for p in paths if not (grouped.accepts_uri and "://" in p)]
        for uri in [p for p in paths if p not in local]:
            _check_options(grouped, opts)
            results.extend(grouped.load(con, uri, opts))
        if local:
            _check_options(grouped, opts)
            results.extend(grouped.load_paths(con, local, opts))
        return results
    for raw in paths:
        adapter = sniff_kind(Path(raw)) if kind == "auto" else get_kind(kind)
        if kind == "auto":
            log.info("%s: detected %s", raw, adapter.name)
        path = raw if adapter.accepts_uri and "://" in raw else str(Path(raw).expanduser().resolve())
        if "://" not in path and not Path(path).exists():
            raise UsageError(f"{raw}: no such file or folder")
        _check_options(adapter, opts)
        loaded = adapter.load(con, path, opts)
        if kind == "auto":  # the message says which kind auto chose (and the loader, which variant)
            loaded = [dataclasses.replace(r, detected=True) for r in loaded]
        results.extend(loaded)
    return results


def _check_options(kind: SourceKind, options: LoadOptions) -> None:
    """Refuse ``--option`` names the kind does not declare (kinds without a declaration check their own)."""
    from analytics.sources._values import check_options  # here: _values imports this package (LoadOptions)

    if kind.options is not None:
        check_options(options.extra, kind.options, kind=kind.name)
