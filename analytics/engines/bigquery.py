"""BigQuery: the cost statements as GoogleSQL jobs, values as query parameters, a dry run before each.

Per statement: a **dry run** first (free; BigQuery answers how many bytes the job would process),
logged before anything is paid; with ``max_bytes_billed`` (``--max-bytes-billed``) a statement whose
dry run is over the cap is refused with one line and nothing runs; the real job carries the same cap
(``maximum_bytes_billed``) so BigQuery itself enforces it too. Values are ``ScalarQueryParameter`` /
``ArrayQueryParameter`` (``@start``), never text. Results come back through the REST pages as Arrow.

Credentials come only from Google's Application Default Credentials (``gcloud auth application-default
login``, a service account's ``GOOGLE_APPLICATION_CREDENTIALS``, the metadata server); ``endpoint=``
points the client at a local emulator with anonymous credentials (the tests).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, cast

import pyarrow as pa

from analytics.engines import Engine, EngineError
from analytics.engines.dialects import Dialect, Translated, table_parts
from analytics.engines.spark import REQUIRED_COLUMNS

log = logging.getLogger(__name__)


def query_parameter(name: str, value: Any) -> Any:
    """One bound value as a BigQuery query parameter (typed by its Python type; None is a NULL STRING).

    >>> query_parameter("tags", ["a", "b"]).to_api_repr()["parameterType"]
    {'type': 'ARRAY', 'arrayType': {'type': 'STRING'}}
    >>> query_parameter("ids", [0, 1]).to_api_repr()["parameterType"]
    {'type': 'ARRAY', 'arrayType': {'type': 'INT64'}}
    """
    from google.cloud import bigquery

    kinds: tuple[tuple[type, str], ...] = ((bool, "BOOL"), (int, "INT64"), (float, "FLOAT64"),
                                           (Decimal, "BIGNUMERIC"), (datetime, "TIMESTAMP"), (date, "DATE"),
                                           (str, "STRING"))
    if isinstance(value, (list, tuple)):
        # one element type for the whole list, and no NULL element (BigQuery arrays cannot hold NULL)
        element = next((t for k, t in kinds if value and all(isinstance(v, k) for v in value)), None)
        if value and element is None:
            raise EngineError(f"bigquery: parameter {name} must be a list of one type without NULLs")
        if element == "INT64" and any(isinstance(v, bool) for v in value):
            raise EngineError(f"bigquery: parameter {name} must be a list of one type without NULLs")
        return bigquery.ArrayQueryParameter(name, element or "STRING", list(value))
    if value is None:
        return bigquery.ScalarQueryParameter(name, "STRING", None)
    for kind, name_of_type in kinds:
        if isinstance(value, kind):
            return bigquery.ScalarQueryParameter(name, name_of_type, cast(Any, value))
    raise EngineError(f"bigquery: cannot bind a {type(value).__name__} as parameter {name}")


def _message(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    first = next((line.strip() for line in str(text).splitlines() if line.strip()), type(exc).__name__)
    return first[:300]


@dataclass
class BigQueryEngine(Engine):
    """Cost statements as BigQuery jobs over ``project.dataset.table``."""

    billing_project: str | None = None
    location: str | None = None
    endpoint: str | None = None
    max_bytes_billed: int | None = None
    client: Any = None
    timeout_s: float = 60.0
    """How long a call may retry an unreachable or failing API before it is an error."""

    name: ClassVar[str] = "bigquery"
    dialect: ClassVar[Dialect] = "bigquery"

    def __post_init__(self) -> None:
        parts = table_parts(self.table)
        if len(parts) != 3:
            raise EngineError(f"bigquery table must be project.dataset.table, got {self.table}")
        if self.max_bytes_billed is not None and self.max_bytes_billed < 1:
            raise EngineError("max_bytes_billed must be a positive number of bytes")
        if self.client is None:
            self.client = self._client(parts[0])
        self.check_table()

    def _client(self, project: str) -> Any:
        from google.auth import exceptions as auth_exc
        from google.cloud import bigquery

        kwargs: dict[str, Any] = {"project": self.billing_project or project, "location": self.location}
        if self.endpoint:
            from google.auth.credentials import AnonymousCredentials

            kwargs["credentials"] = AnonymousCredentials()
            kwargs["client_options"] = {"api_endpoint": self.endpoint}
        try:
            return bigquery.Client(**kwargs)
        except auth_exc.GoogleAuthError as exc:
            raise EngineError(f"bigquery: no usable Google credentials ({type(exc).__name__}): run `gcloud auth "
                              "application-default login` or set GOOGLE_APPLICATION_CREDENTIALS") from None

    def describe(self) -> str:
        return f"bigquery table {self.table}"

    def _call(self, what: str, fn: Any) -> Any:
        from google.api_core import exceptions as gexc
        from google.auth import exceptions as auth_exc
        from requests import exceptions as http_exc

        try:
            return fn()
        except gexc.RetryError as exc:
            cause = type(exc.cause).__name__ if exc.cause is not None else "timeout"
            raise EngineError(f"bigquery: {what}: cannot reach BigQuery ({cause}, gave up after retrying)") from None
        except gexc.NotFound as exc:
            raise EngineError(f"bigquery: {what}: not found: {_message(exc)}") from None
        except gexc.Forbidden as exc:
            raise EngineError(f"bigquery: {what}: permission denied: {_message(exc)}") from None
        except gexc.GoogleAPIError as exc:
            raise EngineError(f"bigquery: {what}: {_message(exc)}") from None
        except auth_exc.GoogleAuthError as exc:
            raise EngineError(f"bigquery: {what}: cannot use the Google credentials ({type(exc).__name__})") from None
        except (http_exc.ConnectionError, http_exc.Timeout) as exc:
            raise EngineError(f"bigquery: {what}: cannot reach BigQuery ({type(exc).__name__})") from None

    def check_table(self) -> None:
        """Refuse a missing table or one lacking FOCUS columns (named)."""
        from google.cloud.bigquery import DEFAULT_RETRY

        retry = DEFAULT_RETRY.with_deadline(self.timeout_s)
        table = self._call(f"table {self.table}", lambda: self.client.get_table(self.table, retry=retry,
                                                                                  timeout=self.timeout_s))
        columns = {f.name for f in table.schema}
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise EngineError(f"bigquery table {self.table} lacks FOCUS column(s) {', '.join(missing)}")

    def dry_run_bytes(self, translated: Translated, params: Mapping[str, Any]) -> int:
        """What BigQuery says the statement would process (nothing is run or billed)."""
        from google.cloud import bigquery

        bound = [query_parameter(n, params[n]) for n in translated.parameters]
        config = bigquery.QueryJobConfig(dry_run=True, use_query_cache=False, query_parameters=bound)
        job = self._call(translated.name, lambda: self.client.query(translated.sql, job_config=config))
        return int(job.total_bytes_processed or 0)

    def execute(self, translated: Translated, params: Mapping[str, Any]) -> tuple[pa.Table, int | None]:
        from google.cloud import bigquery

        estimate = self.dry_run_bytes(translated, params)
        log.info("%s on bigquery: dry run %d bytes to process", translated.name, estimate)
        if self.max_bytes_billed is not None and estimate > self.max_bytes_billed:
            raise EngineError(f"bigquery: {translated.name} would process {estimate:,} bytes, over "
                              f"--max-bytes-billed {self.max_bytes_billed:,}; nothing was run")
        bound = [query_parameter(n, params[n]) for n in translated.parameters]
        config = bigquery.QueryJobConfig(query_parameters=bound, maximum_bytes_billed=self.max_bytes_billed)

        def fetch() -> tuple[pa.Table, int | None]:
            rows = self.client.query_and_wait(translated.sql, job_config=config)
            table = rows.to_arrow(create_bqstorage_client=False)
            processed = getattr(rows, "total_bytes_processed", None)
            return table, int(processed) if processed is not None else estimate

        result: tuple[pa.Table, int | None] = self._call(translated.name, fetch)
        return result

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
