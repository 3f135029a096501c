"""Local HTTP fakes of BigQuery and Athena for the cost-engine tests (127.0.0.1 only, bounded, stopped
by the fixtures).

Both answer the real clients (google-cloud-bigquery, boto3) at the HTTP level and **execute** the SQL
they receive: the text is parsed in the engine's dialect by sqlglot, translated back to DuckDB and run
over a DuckDB holding the FOCUS table, with the request's bound parameters (BigQuery's typed
``queryParameters``; Athena's ``ExecutionParameters``, which Athena itself parses as SQL literals).

What this proves: the client paths (jobs, dry runs, pages; start / poll / paginate, failed and
cancelled states), that every value travels as a parameter, and that the generated SQL means the same
as the DuckDB definition *as sqlglot reads that dialect*. What it does not prove: that BigQuery or
Trino accept every construct the same way (the golden SQL is what a reviewer checks against them), nor
their partition pruning — the fakes' byte counts are an estimate (BigQuery's column sizes over the
columns a statement reads, the whole table; no pruning).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import duckdb
import sqlglot
from sqlglot import exp

BQ_SIZES = {"BIGNUMERIC": 32, "NUMERIC": 16, "INT64": 8, "FLOAT64": 8, "TIMESTAMP": 8, "DATE": 8, "BOOL": 1}


class FocusStore:
    """A DuckDB holding one FOCUS table (from a parquet export), queried by the fakes."""

    def __init__(self, parquet: Path, *, tags_as_map: bool = False) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        tags = "TRY_CAST(Tags::JSON AS MAP(VARCHAR, VARCHAR)) AS Tags" if tags_as_map else "Tags::JSON AS Tags"
        described = self.con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(parquet)}).fetchall()
        names = {r[0] for r in described}
        replace = f" REPLACE ({tags})" if "Tags" in names else ""
        self.con.execute(f"CREATE TABLE focus AS SELECT *{replace} FROM read_parquet($p)", {"p": str(parquet)})
        self.lock = threading.Lock()

    def columns(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.con.execute("DESCRIBE focus").fetchall()]

    def run(self, sql: str, params: dict[str, Any]) -> tuple[list[str], list[str], list[tuple]]:
        with self.lock:
            result = self.con.execute(sql, params)
            rows = result.fetchall()
            names = [d[0] for d in result.description or []]
            types = [str(d[1]) for d in result.description or []]
        return names, types, rows


def _zip_as_duckdb(tree: exp.Expression) -> exp.Expression:
    """Trino's zipping ``FROM UNNEST(a, b) AS z(x, y)`` → DuckDB's ``FROM (SELECT unnest(a) AS x,
    unnest(b) AS y) AS z`` (DuckDB's table function ``unnest`` takes one list; projections zip)."""
    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Unnest) and len(node.expressions) > 1 and isinstance(node.parent, exp.From):
            alias = node.args["alias"]
            select = exp.select(*[exp.alias_(exp.Explode(this=e.copy()), c.name)
                                  for e, c in zip(node.expressions, alias.columns, strict=True)])
            return exp.Subquery(this=select, alias=exp.TableAlias(this=alias.this.copy()))
        return node

    return tree.transform(replace)


def _local(tree: exp.Expression, parts: tuple[str, ...]) -> exp.Expression:
    """References to the served table → the store's ``focus``; any other table name is left (and fails)."""
    for table in list(tree.find_all(exp.Table)):
        if tuple(p.name for p in table.parts) == parts:
            new = exp.to_table("focus")
            if table.args.get("alias"):
                new.set("alias", table.args["alias"])
            table.replace(new)
    return tree


# ------------------------------------------------------------------------------------------------ BigQuery
def _bq_value(param: dict[str, Any]) -> Any:
    kind = param["parameterType"]["type"]
    value = param.get("parameterValue", {})
    if kind == "ARRAY":
        element = param["parameterType"]["arrayType"]
        return [_bq_value({"parameterType": element, "parameterValue": v}) for v in value.get("arrayValues", [])]
    raw = value.get("value")
    if raw is None:
        return None
    if kind in ("INT64",):
        return int(raw)
    if kind == "FLOAT64":
        return float(raw)
    if kind in ("NUMERIC", "BIGNUMERIC"):
        return Decimal(raw)
    if kind == "BOOL":
        return raw.lower() == "true"
    if kind == "TIMESTAMP":
        return datetime.fromisoformat(raw.replace(" ", "T").replace("+00:00", "")).replace(tzinfo=UTC)
    if kind == "DATE":
        return date.fromisoformat(raw)
    return raw


def _bq_type(duck: str) -> str:
    duck = duck.upper()
    if duck.startswith("DECIMAL"):
        return "BIGNUMERIC"
    return {"BIGINT": "INT64", "INTEGER": "INT64", "HUGEINT": "INT64", "DOUBLE": "FLOAT64", "FLOAT": "FLOAT64",
            "BOOLEAN": "BOOL", "DATE": "DATE", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP", "TIMESTAMP": "TIMESTAMP",
            }.get(duck, "STRING")


def _bq_field(name: str, duck: str) -> dict[str, Any]:
    """A column in tables.get: a MAP (a CUR 2.0 table's resource_tags) as BigQuery loads one from parquet,
    a repeated STRUCT<key, value>."""
    if duck.upper().startswith("MAP("):
        return {"name": name, "type": "RECORD", "mode": "REPEATED", "fields": [
            {"name": "key", "type": "STRING", "mode": "NULLABLE"}, {"name": "value", "type": "STRING",
                                                                     "mode": "NULLABLE"}]}
    return {"name": name, "type": _bq_type(duck), "mode": "NULLABLE"}


def _bq_cell(value: Any, kind: str) -> str | None:
    if value is None:
        return None
    if kind == "TIMESTAMP":
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return str(int(moment.timestamp() * 1_000_000))
    if kind == "BOOL":
        return "true" if value else "false"
    if kind == "DATE":
        return value.isoformat()
    if kind == "FLOAT64":
        return repr(float(value))
    return str(value)


@dataclass
class FakeBigQuery:
    """BigQuery's REST API (jobs.insert incl. dry runs, jobs.query, getQueryResults, jobs.get, tables.get)
    over a :class:`FocusStore` serving one table ``project.dataset.table``."""

    store: FocusStore
    table: str
    page_rows: int = 50
    denied: set[str] = field(default_factory=set)  # tables that answer 403
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    port: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.table.split("."))

    def to_duckdb(self, sql: str) -> str:
        tree = sqlglot.parse_one(sql, read="bigquery")

        def tag_lookup(node: exp.Expression) -> exp.Expression:
            # BigQuery's JSON subscript JSON_VALUE(Tags[@key]): the value of that key, literally
            if isinstance(node, exp.JSONExtractScalar) and isinstance(node.this, exp.Bracket):
                tags, key = node.this.this, node.this.expressions[0]
                return exp.Bracket(this=exp.TryCast(this=tags, to=exp.DataType.build("MAP(VARCHAR, VARCHAR)")),
                                   expressions=[key])
            # BIGNUMERIC has 38 decimal places (76 digits); DuckDB's widest DECIMAL has 38 digits, and sqlglot
            # reads BIGNUMERIC as DECIMAL(38, 5): the fake keeps the warehouse's money scale, DECIMAL(38, 10)
            # BigQuery's COUNTIF is 0 when no row is TRUE; DuckDB's count_if (what sqlglot maps it to) is NULL
            # when every input is NULL: count the TRUE rows as BigQuery does
            if isinstance(node, exp.CountIf):
                return exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=node.this))
            if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.BIGDECIMAL and not node.expressions:
                return exp.DataType.build("DECIMAL(38, 10)")
            return node

        tree = _local(tree.transform(tag_lookup), self.parts)
        return tree.sql(dialect="duckdb")

    def bytes_processed(self, sql: str) -> int:
        """BigQuery's on-demand size of the columns the statement reads, over the whole table."""
        tree = sqlglot.parse_one(sql, read="bigquery")
        names = {c.name for c in tree.find_all(exp.Column)}
        total = 0
        for name, kind in self.store.columns():
            if name not in names:
                continue
            size = BQ_SIZES.get(_bq_type(kind))
            expr = str(size) if size else f"2 + strlen(CAST(\"{name}\" AS VARCHAR))"
            (value,) = self.store.con.execute(f'SELECT coalesce(sum({expr}), 0) FROM focus WHERE "{name}" IS NOT NULL'
                                              ).fetchone()
            total += int(value)
        return total

    def execute(self, sql: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
        params = {p["name"]: _bq_value(p) for p in parameters}
        names, types, rows = self.store.run(self.to_duckdb(sql), params)
        kinds = [_bq_type(t) for t in types]
        return {"schema": {"fields": [{"name": n, "type": k, "mode": "NULLABLE"} for n, k in zip(names, kinds,
                                                                                               strict=True)]},
                "rows": [{"f": [{"v": _bq_cell(v, k)} for v, k in zip(row, kinds, strict=True)]} for row in rows],
                "bytes": self.bytes_processed(sql)}

    def page(self, job: str, token: str | None) -> dict[str, Any]:
        done = self.jobs[job]
        start = int(token or 0)
        body: dict[str, Any] = {
            "kind": "bigquery#queryResponse", "schema": done["schema"], "totalRows": str(len(done["rows"])),
            "rows": done["rows"][start:start + self.page_rows], "jobComplete": True,
            "jobReference": {"projectId": self.parts[0], "jobId": job, "location": "US"},
            "totalBytesProcessed": str(done["bytes"]),
        }
        if start + self.page_rows < len(done["rows"]):
            body["pageToken"] = str(start + self.page_rows)
        return body

    def job_resource(self, job: str, *, dry_run: bool = False, query: str = "", bytes_: int = 0) -> dict[str, Any]:
        return {"kind": "bigquery#job", "id": f"{self.parts[0]}:US.{job}",
                "jobReference": {"projectId": self.parts[0], "jobId": job, "location": "US"},
                "status": {"state": "DONE"},
                "statistics": {"totalBytesProcessed": str(bytes_), "query": {"totalBytesProcessed": str(bytes_)}},
                "configuration": {"dryRun": dry_run, "query": {"query": query, "destinationTable": {
                    "projectId": self.parts[0], "datasetId": "_anon", "tableId": job}}}}


def _error(status: int, message: str, reason: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"code": status, "message": message, "errors": [{"message": message, "reason": reason}],
                              "status": {403: "PERMISSION_DENIED", 404: "NOT_FOUND"}.get(status, "INVALID_ARGUMENT")}}


def _bq_handler(fake: FakeBigQuery) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _query(self, query: str, parameters: list[dict[str, Any]]) -> tuple[int, dict[str, Any]] | str:
            try:
                done = fake.execute(query, parameters)
            except (duckdb.Error, sqlglot.errors.SqlglotError) as exc:
                return _error(400, str(exc).splitlines()[0], "invalidQuery")
            job = f"job-{uuid.uuid4().hex[:12]}"
            fake.jobs[job] = done
            return job

        def do_POST(self) -> None:
            url = urlparse(self.path)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            fake.calls.append(("POST", url.path, body))
            if re.fullmatch(r"/bigquery/v2/projects/[^/]+/jobs", url.path):  # jobs.insert
                config = body["configuration"]
                query = config["query"]["query"]
                if config.get("dryRun"):
                    try:
                        fake.to_duckdb(query)
                        size = fake.bytes_processed(query)
                    except sqlglot.errors.SqlglotError as exc:
                        return self._reply(*_error(400, str(exc).splitlines()[0], "invalidQuery"))
                    return self._reply(200, fake.job_resource(body["jobReference"]["jobId"], dry_run=True,
                                                              query=query, bytes_=size))
                outcome = self._query(query, config["query"].get("queryParameters", []))
                if not isinstance(outcome, str):
                    return self._reply(*outcome)
                return self._reply(200, fake.job_resource(outcome, query=query, bytes_=fake.jobs[outcome]["bytes"]))
            if re.fullmatch(r"/bigquery/v2/projects/[^/]+/queries", url.path):  # jobs.query
                outcome = self._query(body["query"], body.get("queryParameters", []))
                if not isinstance(outcome, str):
                    return self._reply(*outcome)
                return self._reply(200, fake.page(outcome, None))
            return self._reply(*_error(404, f"not faked: POST {url.path}", "notFound"))

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            fake.calls.append(("GET", url.path, query))
            if match := re.fullmatch(r"/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)", url.path):
                name = ".".join(match.groups())
                if name in fake.denied:
                    return self._reply(*_error(403, f"Access Denied: Table {name}: permission bigquery.tables.get "
                                                    "denied", "accessDenied"))
                if name != fake.table:
                    return self._reply(*_error(404, f"Not found: Table {name}", "notFound"))
                fields = [_bq_field(n, t) for n, t in fake.store.columns()]
                ref = dict(zip(("projectId", "datasetId", "tableId"), match.groups(), strict=True))
                return self._reply(200, {"kind": "bigquery#table", "id": name, "tableReference": ref,
                                         "schema": {"fields": fields}})
            if match := re.fullmatch(r"/bigquery/v2/projects/[^/]+/queries/([^/]+)", url.path):
                return self._reply(200, fake.page(match[1], query.get("pageToken")))
            if match := re.fullmatch(r"/bigquery/v2/projects/[^/]+/jobs/([^/]+)", url.path):
                return self._reply(200, fake.job_resource(match[1], bytes_=fake.jobs.get(match[1], {}).get("bytes", 0)))
            return self._reply(*_error(404, f"not faked: GET {url.path}", "notFound"))

    return Handler


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve ``handler`` on a free port of 127.0.0.1 until the block ends; yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def fake_bigquery(store: FocusStore, table: str) -> Iterator[FakeBigQuery]:
    fake = FakeBigQuery(store, table)
    with serving(_bq_handler(fake)) as port:
        fake.port = port
        yield fake


# ------------------------------------------------------------------------------------------------ Athena
def column_bytes(store: FocusStore, names: set[str]) -> int:
    """Bytes of the given columns over the whole table (BigQuery's sizes; strings 2 + their length)."""
    total = 0
    for name, kind in store.columns():
        if name not in names:
            continue
        size = BQ_SIZES.get(_bq_type(kind))
        expr = str(size) if size else f"2 + strlen(CAST(\"{name}\" AS VARCHAR))"
        with store.lock:
            (value,) = store.con.execute(f'SELECT coalesce(sum({expr}), 0) FROM focus WHERE "{name}" IS NOT NULL'
                                         ).fetchone()
        total += int(value)
    return total


def _athena_type(duck: str) -> dict[str, Any]:
    duck = duck.upper()
    if match := re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duck):
        return {"Type": "decimal", "Precision": int(match[1]), "Scale": int(match[2])}
    if duck.startswith("MAP("):  # a CUR 2.0 table's map columns, as the Glue catalog spells them
        return {"Type": "map<string,string>", "Precision": 0, "Scale": 0}
    kind = {"BIGINT": "bigint", "INTEGER": "integer", "HUGEINT": "bigint", "DOUBLE": "double", "BOOLEAN": "boolean",
            "DATE": "date", "TIMESTAMP WITH TIME ZONE": "timestamp with time zone", "TIMESTAMP": "timestamp",
            }.get(duck, "varchar")
    return {"Type": kind, "Precision": 0, "Scale": 0}


def _athena_cell(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, datetime):
        return {"VarCharValue": f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"[:-3] + " UTC"}
    if isinstance(value, bool):
        return {"VarCharValue": "true" if value else "false"}
    if isinstance(value, float):
        return {"VarCharValue": repr(value)}
    return {"VarCharValue": str(value)}


@dataclass
class FakeAthena:
    """Athena's JSON API (StartQueryExecution, GetQueryExecution, GetQueryResults, StopQueryExecution,
    GetTableMetadata) over a :class:`FocusStore` serving ``database.table`` (Tags as a map, as in AWS's
    FOCUS export). ``ExecutionParameters`` are substituted for the ``?`` markers as the SQL literals they
    are, in order, and the Trino statement is then translated to DuckDB."""

    store: FocusStore
    table: str
    page_rows: int = 100
    running_polls: int = 1  # answers RUNNING this many times before the outcome
    outcome: str = "SUCCEEDED"  # or FAILED / CANCELLED / RUNNING (never finishes)
    denied: bool = False
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    port: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to_duckdb(self, sql: str, parameters: list[str]) -> str:
        from sqlglot.dialects.trino import Trino
        from sqlglot.tokens import TokenType

        marks = [t for t in Trino().tokenize(sql) if t.token_type == TokenType.PLACEHOLDER]
        if len(marks) != len(parameters):
            raise ValueError(f"{len(marks)} parameter markers but {len(parameters)} ExecutionParameters")
        for mark, literal in reversed(list(zip(marks, parameters, strict=True))):
            sqlglot.parse_one(literal, read="trino")  # each parameter must be one literal expression
            sql = sql[:mark.start] + f"({literal})" + sql[mark.end + 1:]
        tree = _local(_zip_as_duckdb(sqlglot.parse_one(sql, read="trino")), tuple(self.table.split(".")))
        return tree.sql(dialect="duckdb")

    def start(self, body: dict[str, Any]) -> dict[str, Any]:
        query_id = str(uuid.uuid4())
        record: dict[str, Any] = {"polls": 0, "body": body}
        try:
            duck = self.to_duckdb(body["QueryString"], body.get("ExecutionParameters", []))
            names, types, rows = self.store.run(duck, {})
            record.update(names=names, types=types, rows=rows,
                          scanned=column_bytes(self.store, {c.name for c in sqlglot.parse_one(
                              body["QueryString"].replace("?", "NULL"), read="trino").find_all(exp.Column)}))
        except (duckdb.Error, sqlglot.errors.SqlglotError, ValueError) as exc:
            record["error"] = str(exc).splitlines()[0]
        self.queries[query_id] = record
        return {"QueryExecutionId": query_id}

    def status(self, query_id: str) -> dict[str, Any]:
        record = self.queries[query_id]
        record["polls"] += 1
        state, reason = self.outcome, ""
        if record.get("stopped"):
            state = "CANCELLED"
        elif record["polls"] <= self.running_polls:
            state = "RUNNING"
        elif "error" in record:
            state, reason = "FAILED", f"INVALID_QUERY: {record['error']}"
        elif state == "FAILED":
            reason = "HIVE_CURSOR_ERROR: the fake was told to fail"
        stats = {"DataScannedInBytes": record.get("scanned", 0), "EngineExecutionTimeInMillis": 5}
        return {"QueryExecution": {"QueryExecutionId": query_id, "Status": {"State": state, "StateChangeReason":
                                                                              reason}, "Statistics": stats}}

    def results(self, query_id: str, token: str | None, limit: int) -> dict[str, Any]:
        record = self.queries[query_id]
        start = int(token or 0)
        size = min(limit, self.page_rows)
        rows = [{"Data": [_athena_cell(v) for v in row]} for row in record["rows"][start:start + size]]
        if start == 0:  # the header row of a SELECT, on the first page only
            rows.insert(0, {"Data": [{"VarCharValue": n} for n in record["names"]]})
        columns = [{"Name": n, "Label": n, **_athena_type(t)} for n, t in zip(record["names"], record["types"],
                                                                              strict=True)]
        page: dict[str, Any] = {"ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": columns}}}
        if start + size < len(record["rows"]):
            page["NextToken"] = str(start + size)
        return page

    def table_metadata(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        name = f"{body['DatabaseName']}.{body['TableName']}"
        if self.denied:
            return 400, {"__type": "AccessDeniedException", "Message": f"User is not authorized to read {name}"}
        if name != self.table:
            return 400, {"__type": "MetadataException", "Message": f"Table {name} not found"}
        return 200, {"TableMetadata": {"Name": body["TableName"], "Columns": [
            {"Name": n.lower(), "Type": _athena_type(t)["Type"]} for n, t in self.store.columns()]}}


def _athena_handler(fake: FakeAthena) -> type[BaseHTTPRequestHandler]:
    """Athena's REST-JSON routes (the protocol botocore's current Athena model speaks)."""
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status >= 400:
                self.send_header("x-amzn-ErrorType", str(body.get("__type", "")))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")

        def do_POST(self) -> None:
            url = urlparse(self.path)
            body = self._body()
            fake.calls.append(("POST " + url.path, body))
            if url.path == "/query-executions":
                return self._reply(200, fake.start(body))
            if match := re.fullmatch(r"/query-executions/([^/]+)/stop", url.path):
                fake.queries[match[1]]["stopped"] = True
                return self._reply(200, {})
            return self._reply(400, {"__type": "InvalidRequestException", "Message": f"not faked: POST {url.path}"})

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            fake.calls.append(("GET " + url.path, query))
            if match := re.fullmatch(r"/query-executions/([^/]+)/results", url.path):
                return self._reply(200, fake.results(match[1], query.get("NextToken"), int(query.get("MaxResults",
                                                                                                   1000))))
            if match := re.fullmatch(r"/query-executions/([^/]+)", url.path):
                return self._reply(200, fake.status(match[1]))
            if match := re.fullmatch(r"/data-catalogs/([^/]+)/databases/([^/]+)/tables/([^/]+)", url.path):
                return self._reply(*fake.table_metadata({"DatabaseName": match[2], "TableName": match[3]}))
            return self._reply(400, {"__type": "InvalidRequestException", "Message": f"not faked: GET {url.path}"})

    return Handler


@contextmanager
def fake_athena(store: FocusStore, table: str) -> Iterator[FakeAthena]:
    fake = FakeAthena(store, table)
    with serving(_athena_handler(fake)) as port:
        fake.port = port
        yield fake
