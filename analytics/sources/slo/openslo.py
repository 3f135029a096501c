"""SLO definitions and SLI counts: kinds ``openslo`` (into ``slos``) and ``sli`` (into ``sli``).

``openslo`` reads OpenSLO v1 YAML (``apiVersion: openslo/v1``): one file or a folder of
``.yaml`` / ``.yml`` files, each holding one or more ``---``-separated documents. Documents of kind
``SLO`` become rows; kind ``SLI`` documents are indicators an SLO names with ``indicatorRef``
(anywhere in the delivery); ``Service``, ``DataSource``, ``AlertPolicy``, ``AlertCondition`` and
``AlertNotificationTarget`` are skipped (counted in the ledger). Per SLO:

* ``metadata.name`` → ``slo``; ``metadata.displayName``; ``metadata.labels.journey`` → ``journey``;
* ``spec.service``, ``spec.description`` (at most 1,050 characters, OpenSLO's limit);
* ``spec.indicator`` (inline) or ``spec.indicatorRef`` — a **ratio** SLI (``ratioMetric`` with
  ``total`` and ``good`` or ``bad``, or ``raw``); threshold SLIs are refused: their SLI counts
  cannot be loaded as good / total;
* ``spec.timeWindow``: exactly one entry, ``duration`` such as ``28d`` / ``1Q``, ``isRolling``;
* ``spec.budgetingMethod``: Occurrences (the default when absent), Timeslices or RatioTimeslices;
* ``spec.objectives``: exactly one, with ``target`` in (0, 1) or ``targetPercent`` in (0, 100);
  Timeslices need ``timeSliceTarget``; ``timeSliceWindow`` is optional (one slice per SLI interval).

Problems are reported with the file, the document number as the row and the YAML path as the column.
An SLO replaces an earlier one with the same name.

``sli`` reads CSV / parquet / JSON with ``slo``, ``service``, ``interval_start``, ``interval_end`` and
``good`` / ``total`` (or ``bad`` / ``total``) event counts per interval (whole numbers, ``total >= good``,
``interval_end > interval_start``; ISO 8601 times, offset-less ones need ``--timezone``). A missing
``service`` cell takes the SLO's service. Within a file the intervals of one SLO must not overlap.
A delivery replaces, for each SLO it carries, every earlier interval that overlaps its span (first
``interval_start`` to last ``interval_end``): a re-delivered day or quarter replaces the old counts
instead of adding to them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import yaml

from analytics.errors import ExportFormatError
from analytics.sources import LoadOptions, SourceKind, register
from analytics.sources._tabular import ROW, reading
from analytics.sources.delivery._common import (
    Field,
    RowError,
    as_text,
    decode_text,
    delivery_files,
    fingerprint_delivery,
    header_keys,
    label_key,
    match_columns,
    source_zone,
    stage,
    text_view,
    typed_select,
    upsert_staged,
)
from analytics.warehouse import run, run_quietly, scalar
from analytics.warehouse.ledger import LoadResult, LoadTransaction, fingerprint, run_load
from analytics.warehouse.schema import canonical_schema

API_VERSION = "openslo/v1"
METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")
SKIPPED_KINDS = ("Service", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget")
MAX_DESCRIPTION = 1050
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._:/-]{0,251}[A-Za-z0-9])?$")
_DURATION = re.compile(r"^[1-9]\d{0,5}[smhdwMQY]$")
SLO_SCHEMA: dict[str, pa.DataType] = canonical_schema("slos")  # from the migration DDL
SLI_VIEW = "__sli_src"
SLI_FIELDS: tuple[Field, ...] = (
    Field("slo", "text", ("slo", "slo_name", "objective", "name"), required_column=True, required_value=True,
          max_len=253),
    Field("service", "text", ("service", "service_name"), max_len=500),
    Field("interval_start", "timestamp", ("interval_start", "start", "window_start", "period_start", "from",
                                          "timestamp", "time"), required_column=True, required_value=True),
    Field("interval_end", "timestamp", ("interval_end", "end", "window_end", "period_end", "to"),
          required_column=True, required_value=True),
    Field("good", "count", ("good", "good_events", "good_count", "success", "successes")),
    Field("bad", "count", ("bad", "bad_events", "bad_count", "errors", "error_count", "failures")),
    Field("total", "count", ("total", "total_events", "total_count", "valid", "valid_events", "requests", "count"),
          required_column=True, required_value=True),
)


# -- OpenSLO documents -------------------------------------------------------------------------
def _mapping(value: Any, path: str, *, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise RowError(path, f"expected a mapping, got {'nothing' if value is None else type(value).__name__}")
    return value


def _required_text(value: Any, path: str) -> str:
    """A YAML string (numbers, lists … are errors, and so is a missing value)."""
    if value is None:
        raise RowError(path, "value is required but missing")
    if not isinstance(value, str):
        raise RowError(path, f"expected text, got {type(value).__name__}")
    return value


def _name(value: Any, path: str) -> str:
    name = as_text(_required_text(value, path), path, max_len=253)
    if name is None or not _NAME.match(name):
        raise RowError(path, f"{str(name)[:60]!r} is not a usable name (letters, digits, . _ : / -)")
    return name


def _optional_text(value: Any, path: str, *, max_len: int) -> str | None:
    if value is not None and not isinstance(value, str):
        raise RowError(path, f"expected text, got {type(value).__name__}")
    return as_text(value, path, max_len=max_len)


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(path, f"expected a number, got {'nothing' if value is None else type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise RowError(path, "expected a finite number")
    return number


def _duration(value: Any, path: str) -> str:
    raw = _required_text(value, path).strip()
    if not _DURATION.match(raw):
        raise RowError(path, f"{raw[:40]!r} is not an OpenSLO duration such as 28d, 4w, 1M or 1Q")
    return raw


def _label(labels: dict[str, Any], key: str, path: str) -> str | None:
    value = labels.get(key)
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else _too_many(path)
    return _optional_text(value, path, max_len=200)


def _too_many(path: str) -> Any:
    raise RowError(path, "expected one value")


def check_ratio_indicator(indicator: dict[str, Any], path: str) -> None:
    """A ratio SLI spec (``ratioMetric`` with total and good or bad, or raw); threshold SLIs are refused."""
    spec = _mapping(indicator.get("spec"), f"{path}.spec")
    if "thresholdMetric" in spec:
        raise RowError(f"{path}.spec.thresholdMetric", "threshold SLIs are not supported: only ratio SLIs "
                                                       "(good / total event counts) can be evaluated here")
    ratio = _mapping(spec.get("ratioMetric"), f"{path}.spec.ratioMetric")
    if "raw" not in ratio and ("total" not in ratio or ("good" not in ratio and "bad" not in ratio)):
        raise RowError(f"{path}.spec.ratioMetric", "a ratio metric needs total and good (or bad), or raw")


def slo_row(doc: dict[str, Any], indicators: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One OpenSLO ``SLO`` document → a ``slos`` row (``RowError`` names the YAML path).

    >>> doc = {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": "checkout-availability"},
    ...        "spec": {"service": "checkout", "indicatorRef": "ok-ratio", "budgetingMethod": "Occurrences",
    ...                 "timeWindow": [{"duration": "1Q", "isRolling": False}],
    ...                 "objectives": [{"targetPercent": 99.9}]}}
    >>> sli = {"ok-ratio": {"spec": {"ratioMetric": {"good": {}, "total": {}}}}}
    >>> row = slo_row(doc, sli)
    >>> row["slo"], row["target"], row["time_window"], row["is_rolling"]
    ('checkout-availability', 0.999, '1Q', False)
    """
    metadata = _mapping(doc.get("metadata"), "metadata")
    name = _name(metadata.get("name"), "metadata.name")
    labels = _mapping(metadata.get("labels"), "metadata.labels", required=False)
    spec = _mapping(doc.get("spec"), "spec")
    service = _name(spec.get("service"), "spec.service")
    if ("indicator" in spec) == ("indicatorRef" in spec):
        raise RowError("spec.indicator", "an SLO needs exactly one of indicator (inline) and indicatorRef")
    if "indicatorRef" in spec:
        ref = _name(spec.get("indicatorRef"), "spec.indicatorRef")
        if ref not in indicators:
            raise RowError("spec.indicatorRef", f"no SLI document named {ref!r} in this delivery")
        check_ratio_indicator(indicators[ref], f"SLI {ref}")
    else:
        check_ratio_indicator(_mapping(spec.get("indicator"), "spec.indicator"), "spec.indicator")
    windows = spec.get("timeWindow")
    if not isinstance(windows, list) or len(windows) != 1:
        raise RowError("spec.timeWindow", "expected a list with exactly one time window")
    window = _mapping(windows[0], "spec.timeWindow[0]")
    duration = _duration(window.get("duration"), "spec.timeWindow[0].duration")
    rolling = window.get("isRolling", False)
    if not isinstance(rolling, bool):
        raise RowError("spec.timeWindow[0].isRolling", "expected true or false")
    method = spec.get("budgetingMethod", "Occurrences")
    if method not in METHODS:
        raise RowError("spec.budgetingMethod", f"{str(method)[:40]!r} is not one of {', '.join(METHODS)}")
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or len(objectives) != 1:
        raise RowError("spec.objectives", "expected exactly one objective (split SLOs with several objectives "
                                          "into one SLO each)")
    objective = _mapping(objectives[0], "spec.objectives[0]")
    if "op" in objective or "value" in objective:
        raise RowError("spec.objectives[0].op", "op and value belong to threshold SLIs, which are not supported")
    if ("target" in objective) == ("targetPercent" in objective):
        raise RowError("spec.objectives[0].target", "an objective needs exactly one of target and targetPercent")
    if "target" in objective:
        target = _number(objective["target"], "spec.objectives[0].target")
        where = "spec.objectives[0].target"
    else:
        target = round(_number(objective["targetPercent"], "spec.objectives[0].targetPercent") / 100, 12)
        where = "spec.objectives[0].targetPercent"
    if not 0 < target < 1:
        raise RowError(where, "the objective must lie strictly between 0 and 100%")
    slice_target = slice_window = None
    if method != "Occurrences":
        if "timeSliceTarget" in objective:
            slice_target = _number(objective["timeSliceTarget"], "spec.objectives[0].timeSliceTarget")
            if not 0 < slice_target <= 1:
                raise RowError("spec.objectives[0].timeSliceTarget", "expected a fraction in (0, 1]")
        elif method == "Timeslices":
            raise RowError("spec.objectives[0].timeSliceTarget", "Timeslices objectives need timeSliceTarget")
        if objective.get("timeSliceWindow") is not None:
            slice_window = _duration(objective["timeSliceWindow"], "spec.objectives[0].timeSliceWindow")
            if slice_window[-1] not in "smhd":
                raise RowError("spec.objectives[0].timeSliceWindow", "a time slice is given in s, m, h or d")
    display = metadata.get("displayName")
    if display is None:
        display = objective.get("displayName")
    return {
        "slo": name, "service": service, "display_name": _optional_text(display, "metadata.displayName", max_len=500),
        "description": _optional_text(spec.get("description"), "spec.description", max_len=MAX_DESCRIPTION),
        "target": target, "budgeting_method": method, "time_window": duration, "is_rolling": rolling,
        "journey": _label(labels, "journey", "metadata.labels.journey"), "time_slice_target": slice_target,
        "time_slice_window": slice_window,
    }


def read_documents(file: Path) -> list[Any]:
    """Every YAML document of a file (empty documents dropped); errors name the file and line."""
    content = decode_text(file)
    try:
        return [d for d in yaml.safe_load_all(content) if d is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise ExportFormatError(f"not valid YAML: {exc.problem or exc.context or 'syntax error'}{where}",
                                file=file) from exc
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        raise ExportFormatError(f"not valid YAML: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}",
                                file=file) from exc
    except RecursionError as exc:
        raise ExportFormatError("not valid YAML: the document nests values too deeply", file=file) from exc


def load_openslo(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load OpenSLO v1 SLO documents (with their SLI documents) into ``slos``."""
    root = Path(path)
    files = delivery_files(root, suffixes=(".yaml", ".yml"))
    delivered = fingerprint_delivery(root, files)
    documents: list[tuple[Path, int, dict[str, Any]]] = []
    counts: Counter[str] = Counter()
    indicators: dict[str, dict[str, Any]] = {}
    for file in files:
        for number, doc in enumerate(read_documents(file), start=1):
            try:
                kind = _document_kind(doc)
                if kind == "SLI":
                    name = _name(_mapping(doc.get("metadata"), "metadata").get("name"), "metadata.name")
                    if name in indicators:
                        raise RowError("metadata.name", f"a second SLI document is named {name!r}")
                    indicators[name] = doc
            except RowError as exc:
                raise ExportFormatError(exc.message, file=file, row=number, column=exc.column) from None
            counts[kind] += 1
            if kind == "SLO":
                documents.append((file, number, doc))
    rows: list[dict[str, Any]] = []
    seen: dict[str, tuple[Path, int]] = {}
    for file, number, doc in documents:
        try:
            row = slo_row(doc, indicators)
        except RowError as exc:
            raise ExportFormatError(exc.message, file=file, row=number, column=exc.column) from None
        except RecursionError as exc:
            raise ExportFormatError("the document nests values too deeply", file=file, row=number) from exc
        if row["slo"] in seen:
            raise ExportFormatError(f"a second SLO is named {row['slo']!r} (first in document {seen[row['slo']][1]} "
                                    f"of {seen[row['slo']][0].name})", file=file, row=number, column="metadata.name")
        seen[row["slo"]] = (file, number)
        rows.append(row)
    if not rows:
        raise ExportFormatError("the delivery holds no OpenSLO documents of kind SLO", file=root)

    def load(tx: LoadTransaction) -> None:
        tx.rows_read = sum(counts.values())
        staged = f"__slo_stage_{tx.file_id}"
        stage(con, staged, rows, SLO_SCHEMA)
        try:
            upsert_staged(tx, "slos", staged, key=("slo",))
        finally:
            run_quietly(con, f"DROP TABLE IF EXISTS {staged}")
        tx.details["documents_by_kind"] = dict(sorted(counts.items()))

    return [run_load(con, kind="openslo", file=delivered, target_table="slos", load=load,
                     options=options.as_record())]


def _document_kind(doc: Any) -> str:
    """The kind of an OpenSLO v1 document (other API versions are refused)."""
    if not isinstance(doc, dict):
        raise RowError(None, f"expected a YAML mapping (an OpenSLO document), got {type(doc).__name__}")
    version = doc.get("apiVersion")
    if version != API_VERSION:
        hint = " (convert v1alpha files with the OpenSLO oslo tool)" if str(version).startswith("openslo/") else ""
        raise RowError("apiVersion", f"expected apiVersion {API_VERSION}, got {str(version)[:40]!r}{hint}")
    kind = doc.get("kind")
    if kind in ("SLO", "SLI", *SKIPPED_KINDS):
        return str(kind)
    raise RowError("kind", f"unknown OpenSLO kind {str(kind)[:40]!r}")


# -- SLI counts --------------------------------------------------------------------------------
def load_sli(con: duckdb.DuckDBPyConnection, path: str, options: LoadOptions) -> list[LoadResult]:
    """Load SLI good / total counts per interval into ``sli`` (see the module docstring)."""
    zone = source_zone(options)
    file = Path(path)
    delivered = fingerprint(file)

    def load(tx: LoadTransaction) -> None:
        typed, staged = f"__sli_typed_{tx.file_id}", f"__sli_stage_{tx.file_id}"
        try:
            present = text_view(con, file, SLI_VIEW)
            columns = match_columns(present, SLI_FIELDS, file=file)
            if "good" not in columns and "bad" not in columns:
                raise ExportFormatError("a good (or bad) event count column is required", file=file, column="good")
            sql, params = typed_select(con, SLI_VIEW, SLI_FIELDS, columns, file=file, zone=zone)
            with reading(file):  # the text view is read lazily: bad bytes surface here
                run(con, f"CREATE TEMP TABLE {typed} AS {sql}", params)
            tx.rows_read = int(scalar(con, f"SELECT count(*) FROM {typed}"))
            if tx.rows_read == 0:
                raise ExportFormatError("the file holds no rows", file=file)
            _check_counts(con, typed, columns, file)
            run(con, f"""
                CREATE TEMP TABLE {staged} AS
                SELECT coalesce(t.service, s.service) AS service, t.slo, t.interval_start, t.interval_end,
                       coalesce(t.good, t.total - t.bad) AS good, t.total, t.{ROW}
                FROM {typed} AS t LEFT JOIN slos AS s ON s.slo = t.slo
            """)
            missing = run(con, f"SELECT {ROW}, slo FROM {staged} WHERE service IS NULL ORDER BY {ROW} LIMIT 1")
            if missing:
                raise ExportFormatError(f"no service for SLO {missing[0][1]!r}: give a service column or load its "
                                        "OpenSLO definition first", file=file, row=int(missing[0][0]),
                                        column=columns.get("service", "service"))
            _check_overlaps(con, staged, file, columns)
            spans = f"__sli_spans_{tx.file_id}"
            run(con, f"CREATE TEMP TABLE {spans} AS SELECT slo, min(interval_start) AS span_start, "
                     f"max(interval_end) AS span_end FROM {staged} GROUP BY slo")
            try:
                overlap = (f"EXISTS (SELECT 1 FROM {spans} AS x WHERE x.slo = sli.slo "
                           "AND sli.interval_start < x.span_end AND x.span_start < sli.interval_end)")
                replaced = tx.supersede("sli", overlap)
            finally:
                run_quietly(con, f"DROP TABLE IF EXISTS {spans}")
            tx.rows_updated += replaced
            tx.insert_query("sli", f"SELECT * EXCLUDE ({ROW}) FROM {staged}")
            unknown = [r[0] for r in run(con, f"SELECT DISTINCT slo FROM {staged} ANTI JOIN slos USING (slo) "
                                              "ORDER BY slo LIMIT 10")]
            if unknown:
                tx.details["sli_for_slos_not_loaded"] = unknown
            span = run(con, f"SELECT min(interval_start), max(interval_end) FROM {staged}")[0]
            tx.period_start, tx.period_end = span
        finally:
            for table in (staged, typed):
                run_quietly(con, f"DROP TABLE IF EXISTS {table}")
            run_quietly(con, f"DROP VIEW IF EXISTS {SLI_VIEW}")

    return [run_load(con, kind="sli", file=delivered, target_table="sli", load=load, options=options.as_record())]


def _first(con: duckdb.DuckDBPyConnection, sql: str) -> int | None:
    found = scalar(con, sql)
    return None if found is None else int(found)


def _check_counts(con: duckdb.DuckDBPyConnection, typed: str, columns: dict[str, str], file: Path) -> None:
    """Row-level rules: good or bad given, good <= total, bad <= total, end after start."""
    rules = (
        ("good", "good or bad is required but empty", "good IS NULL AND bad IS NULL"),
        ("good", "good is larger than total", "good > total"),
        ("bad", "bad is larger than total", "bad > total"),
        ("good", "good and bad do not add up to total", "good IS NOT NULL AND bad IS NOT NULL AND good + bad <> total"),
        ("interval_end", "interval_end is not after interval_start", "interval_end <= interval_start"),
    )
    for field, message, condition in rules:
        row = _first(con, f"SELECT min({ROW}) FROM {typed} WHERE {condition}")
        if row is not None:
            raise ExportFormatError(message, file=file, row=row, column=columns.get(field, field))


def _check_overlaps(con: duckdb.DuckDBPyConnection, staged: str, file: Path, columns: dict[str, str]) -> None:
    """Within one file, the intervals of an SLO neither repeat nor overlap (the later row of a pair is named)."""
    row = _first(con, f"""
        SELECT min(greatest(r, partner)) FROM (
            SELECT {ROW} AS r, interval_start,
                   max(interval_end) OVER earlier AS latest_end,
                   arg_max({ROW}, interval_end) OVER earlier AS partner
            FROM {staged}
            WINDOW earlier AS (PARTITION BY slo ORDER BY interval_start, {ROW}
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        ) WHERE interval_start < latest_end
    """)
    if row is not None:
        raise ExportFormatError("this interval repeats or overlaps another interval of the same SLO", file=file,
                                row=row, column=columns.get("interval_start", "interval_start"))


# -- sniffing ----------------------------------------------------------------------------------
def _sniff_openslo(path: Path, head: bytes) -> bool:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".yaml", ".yml"))[:5]
        heads = [f.read_bytes()[:65536] for f in files]
    elif path.suffix.lower() in (".yaml", ".yml"):
        heads = [head]
    else:
        return False
    return any(re.search(rb"apiVersion:\s*['\"]?openslo/", h) for h in heads)


def _sniff_sli(path: Path, head: bytes) -> bool:
    if not path.is_file():
        return False
    keys = header_keys(path, head)
    aliases = {f.name: {label_key(a) for a in f.aliases} for f in SLI_FIELDS}
    return bool(keys & {"slo", "sloname"}) and bool(keys & aliases["total"]) and bool(
        keys & (aliases["good"] | aliases["bad"])) and bool(keys & aliases["interval_start"])


register(SourceKind("openslo", "slos", "OpenSLO v1 YAML (kind SLO with ratio SLIs; multi-document files)",
                    load_openslo, sniff=_sniff_openslo, options=()))
register(SourceKind("sli", "sli", "SLI event counts per interval: slo, service, interval_start, interval_end, "
                    "good (or bad), total (CSV, parquet)", load_sli, sniff=_sniff_sli, options=()))
