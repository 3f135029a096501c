"""Athena (Trino SQL): the cost statements as query executions in a workgroup, values as execution parameters.

Per statement: ``StartQueryExecution`` with the SQL (positional ``?`` markers) and
``ExecutionParameters`` — Athena substitutes each as a SQL literal, so every value is written as one by
:func:`athena_literal` (quotes doubled, typed ``TIMESTAMP``/``DATE``/``DECIMAL``/``DOUBLE`` literals,
``ARRAY[...]``), never spliced into the statement; then ``GetQueryExecution`` is polled until the
query succeeds, fails or is cancelled (a query still running after ``timeout_s`` is stopped), and
``GetQueryResults`` is paginated. Athena's ``DataScannedInBytes`` is reported per statement and summed
into ``run.json``. Credentials come only from the AWS chain (environment, profile, SSO, instance role).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import pyarrow as pa

from analytics.engines import Engine, EngineError
from analytics.engines.dialects import Dialect, Translated, table_parts
from analytics.engines.spark import REQUIRED_COLUMNS

log = logging.getLogger(__name__)


def athena_literal(value: Any) -> str:
    """A bound value as the Trino literal Athena's ``ExecutionParameters`` expect.

    >>> athena_literal("it's"), athena_literal(None), athena_literal(["a", "b"])
    ("'it''s'", 'NULL', "ARRAY['a', 'b']")
    >>> athena_literal(datetime(2026, 7, 1, tzinfo=UTC))
    "TIMESTAMP '2026-07-01 00:00:00.000000 UTC'"
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EngineError(f"athena: cannot bind {value!r}")
        return f"DOUBLE '{value!r}'"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise EngineError(f"athena: cannot bind {value!r}")
        return f"DECIMAL '{value}'"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise EngineError("athena: a timestamp parameter must carry its time zone")
        return f"TIMESTAMP '{value.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f} UTC'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        if "\x00" in value:
            raise EngineError("athena: a text parameter cannot contain NUL")
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (list, tuple)):
        return "ARRAY[" + ", ".join(athena_literal(v) for v in value) + "]"
    raise EngineError(f"athena: cannot bind a {type(value).__name__}")


def _arrow_type(info: Mapping[str, Any]) -> pa.DataType:
    kind = str(info.get("Type", "varchar")).lower()
    if kind == "decimal":
        return pa.decimal128(int(info.get("Precision") or 38), int(info.get("Scale") or 0))
    return {"bigint": pa.int64(), "integer": pa.int64(), "smallint": pa.int64(), "tinyint": pa.int64(),
            "double": pa.float64(), "real": pa.float64(), "float": pa.float64(), "boolean": pa.bool_(),
            "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC"),
            "timestamp with time zone": pa.timestamp("us", tz="UTC")}.get(kind, pa.string())


def _value(text: str | None, kind: pa.DataType) -> Any:
    if text is None:
        return None
    if pa.types.is_decimal(kind):
        return Decimal(text)
    if pa.types.is_integer(kind):
        return int(text)
    if pa.types.is_floating(kind):
        return float(text)
    if pa.types.is_boolean(kind):
        return text.lower() == "true"
    if pa.types.is_date(kind):
        return date.fromisoformat(text[:10])
    if pa.types.is_timestamp(kind):
        clean = text.replace(" UTC", "").strip()
        return datetime.fromisoformat(clean).replace(tzinfo=UTC)
    return text


@dataclass
class AthenaEngine(Engine):
    """Cost statements as Athena query executions over ``database.table``."""

    workgroup: str = "primary"
    output: str = ""
    region: str | None = None
    endpoint: str | None = None
    catalog: str = "AwsDataCatalog"
    client: Any = None
    poll_s: float = 0.5
    timeout_s: float = 900.0
    page_size: int = 1000

    name: ClassVar[str] = "athena"
    dialect: ClassVar[Dialect] = "trino"

    def __post_init__(self) -> None:
        parts = table_parts(self.table)
        if len(parts) != 2:
            raise EngineError(f"athena table must be database.table, got {self.table}")
        self.database, self.table_name = parts
        if not self.output.startswith("s3://"):
            raise EngineError("athena needs a query result location s3://bucket/prefix/")
        if self.client is None:
            import boto3

            # a session of its own: the AWS chain is resolved now, not cached from an earlier client
            self.client = boto3.session.Session().client("athena", region_name=self.region or "us-east-1",
                                                         endpoint_url=self.endpoint or None)
        self.check_table()

    def describe(self) -> str:
        return f"athena workgroup {self.workgroup} table {self.table}"

    def _call(self, what: str, fn: Any) -> Any:
        from botocore import exceptions as bexc

        try:
            return fn()
        except bexc.NoCredentialsError:
            raise EngineError("athena: no AWS credentials: configure the AWS chain (environment, profile, SSO, "
                              "instance role)") from None
        except bexc.ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = error.get("Code", "error"), str(error.get("Message", "")).splitlines()
            denied = " (permission denied)" if "AccessDenied" in code else ""
            raise EngineError(f"athena: {what}: {code}{denied}: {message[0] if message else ''}".rstrip(": "))\
                from None
        except (bexc.EndpointConnectionError, bexc.ConnectTimeoutError, bexc.ReadTimeoutError) as exc:
            raise EngineError(f"athena: {what}: cannot reach Athena ({type(exc).__name__})") from None

    def check_table(self) -> None:
        """Refuse a missing table or one lacking FOCUS columns (named)."""
        meta = self._call(f"table {self.table}", lambda: self.client.get_table_metadata(
            CatalogName=self.catalog, DatabaseName=self.database, TableName=self.table_name))
        columns = {c["Name"].lower() for c in meta["TableMetadata"].get("Columns", [])}
        columns |= {c["Name"].lower() for c in meta["TableMetadata"].get("PartitionKeys", [])}
        missing = [c for c in REQUIRED_COLUMNS if c.lower() not in columns]  # Athena's catalog is lower case
        if missing:
            raise EngineError(f"athena table {self.table} lacks FOCUS column(s) {', '.join(missing)}")

    def _wait(self, name: str, query_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_s
        while True:
            execution = self._call(name, lambda: self.client.get_query_execution(QueryExecutionId=query_id))
            status = execution["QueryExecution"]["Status"]
            state = status["State"]
            if state == "SUCCEEDED":
                return dict(execution["QueryExecution"])
            if state in ("FAILED", "CANCELLED"):
                reason = str(status.get("StateChangeReason") or "no reason given").splitlines()[0]
                raise EngineError(f"athena: {name} {'failed' if state == 'FAILED' else 'was cancelled'}: {reason}")
            if time.monotonic() >= deadline:
                self._call(name, lambda: self.client.stop_query_execution(QueryExecutionId=query_id))
                raise EngineError(f"athena: {name} still {state.lower()} after {self.timeout_s:g} s; stopped it")
            time.sleep(self.poll_s)

    def execute(self, translated: Translated, params: Mapping[str, Any]) -> tuple[pa.Table, int | None]:
        request: dict[str, Any] = {
            "QueryString": translated.sql, "WorkGroup": self.workgroup,
            "QueryExecutionContext": {"Database": self.database, "Catalog": self.catalog},
            "ResultConfiguration": {"OutputLocation": self.output},
        }
        if translated.parameters:
            request["ExecutionParameters"] = [athena_literal(params[n]) for n in translated.parameters]
        started = self._call(translated.name, lambda: self.client.start_query_execution(**request))
        query_id = started["QueryExecutionId"]
        execution = self._wait(translated.name, query_id)
        scanned = execution.get("Statistics", {}).get("DataScannedInBytes")
        columns: list[Mapping[str, Any]] | None = None
        rows: list[list[str | None]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"QueryExecutionId": query_id, "MaxResults": self.page_size}
            if token:
                kwargs["NextToken"] = token
            page = self._call(translated.name, lambda kw=kwargs: self.client.get_query_results(**kw))
            result = page["ResultSet"]
            data = [[cell.get("VarCharValue") for cell in row.get("Data", [])] for row in result.get("Rows", [])]
            if columns is None:
                columns = list(result["ResultSetMetadata"]["ColumnInfo"])
                data = data[1:]  # the first row of a SELECT's first page holds the column names
            rows.extend(data)
            token = page.get("NextToken")
            if not token:
                break
        assert columns is not None
        types = [_arrow_type(c) for c in columns]
        arrays = [pa.array([_value(r[i], t) for r in rows], type=t) for i, t in enumerate(types)]
        table = pa.table(arrays, names=[c["Name"] for c in columns])
        log.info("%s on athena: %s bytes scanned", translated.name, scanned)
        return table, None if scanned is None else int(scanned)
