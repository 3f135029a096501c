"""Shared machinery of the delivery and SLO loaders (``github-actions``, ``github-deployments``,
``deployments-csv``, ``changes-csv``, ``openslo``, ``sli``).

* Reading: strict JSON files (UTF-8, no NaN), folders of files as one delivery, and typed access
  to JSON values that raises :class:`RowError` (the caller adds file and row).
* Tabular files: a header-alias table (:class:`Field`) matched against the text view that
  :func:`analytics.sources._tabular.read_text_table` makes, and one casting SELECT whose problems
  are found in one scan and reported as the earliest row and column (the ``_tabular`` pattern).
* Writing: :func:`write_deployments` upserts on ``deployment_id``; :func:`write_changes` upserts on
  ``change_id`` and links each change to the deployment that first shipped it to production.

The typed JSON access is in ``_json_values`` and the alias-table machinery in ``_alias_table``; the
loaders import all of it from here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analytics.errors import UsageError
from analytics.sources import LoadOptions
from analytics.sources._files import (
    RowError,
    decode_text,
    delivery_files,
    fingerprint_delivery,
    label_key,
    read_json,
    source_zone,
)
from analytics.sources._values import as_bool, as_list, as_object, as_text, parse_instant
from analytics.sources.delivery._alias_table import Field, Kind, check_header, match_columns, text_view, typed_select
from analytics.sources.delivery._json_values import (
    MAX_ID,
    MAX_TEXT,
    commit_sha,
    identifier,
    repo_from_api_url,
    required_text,
)
from analytics.warehouse import run, run_quietly, scalar
from analytics.warehouse.ledger import LoadTransaction
from analytics.warehouse.schema import canonical_schema
from analytics.warehouse.sqlutil import quote_identifier

# the JSON-value and alias-table siblings' names (and the file helpers) are part of this module's API
__all__ = [
    "CHANGE_SCHEMA",
    "DEFAULT_PRODUCTION",
    "DEPLOYMENT_SCHEMA",
    "MAX_ID",
    "MAX_TEXT",
    "Field",
    "Kind",
    "RowError",
    "as_bool",
    "as_list",
    "as_object",
    "as_text",
    "check_header",
    "commit_sha",
    "decode_text",
    "delivery_files",
    "fingerprint_delivery",
    "header_keys",
    "identifier",
    "label_key",
    "link_and_write_changes",
    "match_columns",
    "option_text",
    "parse_instant",
    "production_names",
    "read_json",
    "repo_from_api_url",
    "required_text",
    "source_label",
    "source_zone",
    "stage",
    "text_view",
    "typed_select",
    "upsert_staged",
    "write_changes",
    "write_deployments"
]

log = logging.getLogger(__name__)

DEFAULT_PRODUCTION = ("production", "prod")

DEPLOYMENT_SCHEMA: dict[str, pa.DataType] = canonical_schema("deployments")  # from the migration DDL
CHANGE_SCHEMA: dict[str, pa.DataType] = {  # the changes table, and what matching a change to its deployment needs
    **canonical_schema("changes"), "head_sha": pa.string(), "__pos": pa.int64(),
}


# -- options ------------------------------------------------------------------------------------


def option_text(options: LoadOptions, name: str) -> str | None:
    """A kind-specific ``--option name=value`` (stripped; empty is None); the names a kind takes are
    its ``SourceKind.options``, checked by :func:`analytics.sources.ingest`."""
    value = options.extra.get(name)
    if value is None:
        return None
    cleaned = str(value).strip()
    if len(cleaned) > 200 or "\x00" in cleaned:
        raise UsageError(f"--option {name} is not a usable value")
    return cleaned or None


def production_names(options: LoadOptions) -> list[str]:
    """Environment names that count as production (``--option production=prod,live``), lower case."""
    raw = option_text(options, "production")
    names = [n.strip().lower() for n in raw.split(",")] if raw else list(DEFAULT_PRODUCTION)
    names = [n for n in names if n]
    if not names:
        raise UsageError("--option production needs at least one environment name")
    return names


def source_label(options: LoadOptions, *, default: str) -> str:
    """The ``source`` of rows (``--option source=jenkins``): a short lower-case name, the key prefix."""
    value = option_text(options, "source") or default
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", value):
        raise UsageError(f"--option source must be a short lower-case name such as jenkins, got {value!r}")
    return value


# -- reading files ------------------------------------------------------------------------------








def header_keys(path: Path, head: bytes) -> set[str]:
    """Normalised column names of a CSV (from its first line) or parquet file (from its schema)."""
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        try:
            import pyarrow.parquet as pq

            return {label_key(n) for n in pq.read_schema(path).names}
        except (OSError, pa.ArrowException):
            return set()
    if not name.endswith((".csv", ".tsv")):
        return set()
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    separator = "\t" if name.endswith(".tsv") else ","
    return {label_key(h.strip().strip('"')) for h in first[0].split(separator)} if first else set()


# -- staging and writing ------------------------------------------------------------------------
def stage(con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[Mapping[str, Any]],
          schema: Mapping[str, pa.DataType]) -> None:
    """Create temp table ``name`` holding ``rows`` (typed through one arrow batch)."""
    arrays = {col: pa.array([r.get(col) for r in rows], type=dtype) for col, dtype in schema.items()}
    batch = f"{name}_batch"
    con.register(batch, pa.table(arrays))
    try:
        run(con, f"CREATE TEMP TABLE {quote_identifier(name)} AS SELECT * FROM {quote_identifier(batch)}")
    finally:
        try:
            con.unregister(batch)
        except duckdb.Error:
            log.debug("could not unregister %s", batch)


def write_deployments(tx: LoadTransaction, rows: Sequence[Mapping[str, Any]]) -> int:
    """Upsert de-duplicated deployment rows on ``deployment_id``; return how many were written."""
    if not rows:
        return 0
    staged = f"__deploy_stage_{tx.file_id}"
    stage(tx.con, staged, rows, DEPLOYMENT_SCHEMA)
    try:
        return upsert_staged(tx, "deployments", staged, key=("deployment_id",))
    finally:
        run_quietly(tx.con, f"DROP TABLE IF EXISTS {staged}")


def upsert_staged(tx: LoadTransaction, table: str, staged: str, *, key: Sequence[str]) -> int:
    """Replace rows of ``table`` with the same key as the staged rows, then insert them; return the count."""
    tx.rows_updated += tx.delete_matching(table, key=key, source=staged)
    return tx.insert_query(table, f"SELECT * FROM {quote_identifier(staged)}")


def write_changes(tx: LoadTransaction, rows: Sequence[Mapping[str, Any]], *, production: Sequence[str]) -> int:
    """Upsert change rows on ``change_id`` and link each to the deployment that first shipped it.

    A row's ``deployment_id`` (when the source names one) or else its ``head_sha`` (the head commit
    of the push / compare / run it came with) selects candidate deployments: successful, to a
    production environment, with that commit and the same repository. The earliest candidate wins,
    and so does an earlier deployment an already-loaded copy of the change points at. Service and
    team default to the linked deployment's.
    """
    if not rows:
        return 0
    staged = f"__change_stage_{tx.file_id}"
    stage(tx.con, staged, rows, CHANGE_SCHEMA)
    try:
        return link_and_write_changes(tx, staged, production=production)
    finally:
        run_quietly(tx.con, f"DROP TABLE IF EXISTS {staged}")


def link_and_write_changes(tx: LoadTransaction, staged: str, *, production: Sequence[str]) -> int:
    """:func:`write_changes` for rows already staged in ``staged`` (columns of :data:`CHANGE_SCHEMA`)."""
    con = tx.con
    final = f"__change_final_{tx.file_id}"
    try:
        run(con, f"""
            CREATE TEMP TABLE {final} AS
            WITH heads AS (
                SELECT deployment_id, commit_sha, repo, deployed_at, service, team
                FROM deployments
                WHERE status = 'success' AND list_contains($production, lower(environment))
            ),
            by_head AS (
                SELECT s.__pos, h.deployment_id,
                       row_number() OVER (PARTITION BY s.__pos ORDER BY h.deployed_at, h.deployment_id) AS rn
                FROM {staged} AS s
                JOIN heads AS h ON h.commit_sha = s.head_sha
                 AND (s.repo IS NULL OR h.repo IS NULL OR h.repo = s.repo)
                WHERE s.deployment_id IS NULL
            ),
            proposed AS (
                SELECT s.* EXCLUDE (deployment_id, head_sha),
                       coalesce(s.deployment_id, b.deployment_id) AS deployment_id
                FROM {staged} AS s LEFT JOIN by_head AS b ON b.__pos = s.__pos AND b.rn = 1
            ),
            candidates AS (
                SELECT p.* EXCLUDE (deployment_id), p.deployment_id, d.deployed_at AS shipped_at, 0 AS earlier_load
                FROM proposed AS p LEFT JOIN deployments AS d ON d.deployment_id = p.deployment_id
                UNION ALL
                SELECT p.* EXCLUDE (deployment_id), c.deployment_id, d.deployed_at, 1
                FROM proposed AS p
                JOIN changes AS c ON c.change_id = p.change_id AND c.deployment_id IS NOT NULL
                LEFT JOIN deployments AS d ON d.deployment_id = c.deployment_id
            ),
            chosen AS (
                SELECT * EXCLUDE (rn) FROM (
                    SELECT *, row_number() OVER (
                        PARTITION BY change_id
                        ORDER BY deployment_id IS NULL, shipped_at IS NULL, shipped_at, earlier_load, __pos DESC
                    ) AS rn
                    FROM candidates
                ) WHERE rn = 1
            )
            SELECT c.change_id, c.source, c.repo,
                   coalesce(c.service, d.service) AS service, coalesce(c.team, d.team) AS team,
                   c.commit_sha, date_trunc('second', c.committed_at) AS committed_at, c.deployment_id
            FROM chosen AS c LEFT JOIN deployments AS d ON d.deployment_id = c.deployment_id
        """, {"production": list(production)})
        tx.rows_updated += tx.delete_matching("changes", key=("change_id",), source=final)
        written = tx.insert_query("changes", f"SELECT * FROM {final}")
        linked = int(scalar(con, f"SELECT count(deployment_id) FROM {final}"))
        tx.details["changes_linked_to_a_deployment"] = linked
        tx.details["changes_without_a_deployment"] = written - linked
        return written
    finally:
        run_quietly(con, f"DROP TABLE IF EXISTS {final}")
