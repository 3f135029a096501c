"""GCP billing export read from BigQuery (``gcp-billing bq://project.dataset.table``) with the real
google-cloud-bigquery client, pointed (``--option endpoint_url=…``, anonymous credentials) at a
small fake of the BigQuery REST API on 127.0.0.1. Nothing leaves the machine.

The fake answers what ``Client.query_and_wait`` calls: ``jobs.query`` (first page),
``jobs.get`` and ``jobs.getQueryResults`` (further pages). It evaluates the loader's query the way
BigQuery would, but only the shape the loader is allowed to send: ``TO_JSON_STRING`` rows of the
table, filtered by the bound ``@months`` array parameter.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from analytics.errors import UsageError
from analytics.sources import LoadOptions, ingest
from analytics.sources.cost.gcp_billing import billing_query
from analytics.warehouse import run
from tests.unit import cost_inputs as ci

pytestmark = pytest.mark.unit

TABLE = "finance-prj.billing.gcp_billing_export_v1_0189AB_CDEF01_234567"
PAGE = 4  # rows per page, so a delivery takes several getQueryResults calls


@dataclass
class FakeBigQuery:
    """The billing table, what was asked, and the server answering on 127.0.0.1."""

    records: list[dict[str, Any]]
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    jobs: dict[str, list[str]] = field(default_factory=dict)
    shuffle: int | None = None  # seed: answer rows in another order (BigQuery guarantees none)
    port: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run_query(self, body: dict[str, Any]) -> list[str]:
        """Evaluate the only statement the loader may send: its fixed text, months bound as a parameter."""
        (param,) = body["queryParameters"]
        assert param["name"] == "months"
        assert param["parameterType"] == {"type": "ARRAY", "arrayType": {"type": "STRING"}}
        months = {v["value"] for v in param["parameterValue"]["arrayValues"]}
        rows = [json.dumps(r, separators=(",", ":")) for r in self.records if r["invoice"]["month"] in months]
        if self.shuffle is not None:
            random.Random(self.shuffle).shuffle(rows)
        return rows

    def page(self, job: str, token: str | None) -> dict[str, Any]:
        rows = self.jobs[job]
        start = int(token or 0)
        body: dict[str, Any] = {
            "kind": "bigquery#queryResponse",
            "schema": {"fields": [{"name": "row", "type": "STRING", "mode": "NULLABLE"}]},
            "jobReference": {"projectId": "finance-prj", "jobId": job, "location": "US"},
            "totalRows": str(len(rows)),
            "rows": [{"f": [{"v": r}]} for r in rows[start : start + PAGE]],
            "jobComplete": True,
        }
        if start + PAGE < len(rows):
            body["pageToken"] = str(start + PAGE)
        return body


def _handler(fake: FakeBigQuery) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            url = urlparse(self.path)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            fake.calls.append(("POST", url.path, body))
            if re.fullmatch(r"/bigquery/v2/projects/[^/]+/queries", url.path):
                job = f"job-{len(fake.jobs) + 1}"
                fake.jobs[job] = fake.run_query(body)
                return self._reply(200, fake.page(job, None))
            return self._reply(404, {"error": {"code": 404, "message": f"not faked: POST {url.path}"}})

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            fake.calls.append(("GET", url.path, query))
            if match := re.fullmatch(r"/bigquery/v2/projects/[^/]+/queries/([^/]+)", url.path):
                return self._reply(200, fake.page(match[1], query.get("pageToken")))
            if match := re.fullmatch(r"/bigquery/v2/projects/([^/]+)/jobs/([^/]+)", url.path):
                ref = {"projectId": match[1], "jobId": match[2], "location": "US"}
                return self._reply(200, {
                    "kind": "bigquery#job", "id": f"{match[1]}:US.{match[2]}", "jobReference": ref,
                    "status": {"state": "DONE"}, "statistics": {},
                    "configuration": {"query": {"query": "(fake)", "destinationTable": {
                        "projectId": match[1], "datasetId": "_anon", "tableId": match[2]}}},
                })  # fmt: skip
            return self._reply(404, {"error": {"code": 404, "message": f"not faked: GET {url.path}"}})

    return Handler


@pytest.fixture
def bigquery() -> Iterator[FakeBigQuery]:
    """Three invoice months of a billing table behind a fake BigQuery API on a free local port."""
    records = [
        *ci.gcp_records(21, n=9, month="202607"),
        *ci.gcp_records(22, n=7, month="202608"),
        *ci.gcp_records(23, n=4, month="202606"),  # months that must not be read
        *ci.gcp_records(24, n=3, month="202609"),
    ]
    for i, record in enumerate(records):  # resource names unique across the table
        record["resource"]["global_name"] = f"//compute.googleapis.com/vm-{i}"
    fake = FakeBigQuery(records)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _options(fake: FakeBigQuery, **extra: str) -> LoadOptions:
    return LoadOptions(extra={"endpoint_url": fake.endpoint, **extra})


def test_only_the_requested_invoice_months_are_read_and_reconcile(
    bigquery: FakeBigQuery, con: duckdb.DuckDBPyConnection
) -> None:
    result = ingest(con, "gcp-billing", [f"bq://{TABLE}"], _options(bigquery, months="2026-08,2026-07"))[0]

    # one query: the fixed statement, the months bound as an ARRAY<STRING> parameter (never in the SQL)
    (query,) = [body for method, path, body in bigquery.calls if method == "POST"]
    assert query["query"] == billing_query(*TABLE.split("."))
    assert query["query"] == (
        "SELECT TO_JSON_STRING(t) AS row FROM "
        "`finance-prj.billing.gcp_billing_export_v1_0189AB_CDEF01_234567` AS t "
        "WHERE t.invoice.month IN UNNEST(@months)"
    )
    assert not re.search(r"2026|\d{6}", query["query"].replace("0189AB_CDEF01_234567", ""))
    assert query["parameterMode"] == "NAMED" and query["useLegacySql"] is False
    assert [v["value"] for v in query["queryParameters"][0]["parameterValue"]["arrayValues"]] == ["202607", "202608"]
    pages = [q.get("pageToken") for method, path, q in bigquery.calls if method == "GET" and "/queries/" in path]
    assert pages == [str(PAGE * i) for i in range(1, len(pages) + 1)] and len(pages) >= 3

    # exactly the requested months landed, with the totals summed independently from the table
    wanted = [r for r in bigquery.records if r["invoice"]["month"] in ("202607", "202608")]
    assert ci.cost_totals(con, result.file_id, period="x_InvoiceMonth") == ci.gcp_expected(wanted)
    assert run(con, "SELECT DISTINCT x_InvoiceMonth FROM cost ORDER BY 1") == [("202607",), ("202608",)]
    assert result.rows_loaded == len(wanted) < len(bigquery.records)

    # per row: credits unnested (net = cost + Σ credits), kept as x_Credits; labels as Tags, keys trimmed
    got = {
        rid: (billed, credits, tags)
        for rid, billed, credits, tags in run(con, "SELECT ResourceId, BilledCost, x_Credits, Tags FROM cost")
    }
    for record in wanted:
        billed, credits, tags = got[record["resource"]["global_name"]]
        amounts = [Decimal(repr(c["amount"])) for c in record["credits"]]
        assert billed == Decimal(repr(record["cost"])) + sum(amounts, Decimal(0))
        assert (json.loads(credits) if credits else []) == record["credits"]
        labels = {label["key"].strip(): label["value"] for label in record["labels"]}
        assert (json.loads(tags) if tags else {}) == labels

    ((path, reconciled, sb, wb),) = run(
        con, "SELECT file_path, reconciled, source_billed_total, warehouse_billed_total FROM ingest_ledger"
    )
    assert path == f"bq://{TABLE}?months=202607,202608" and reconciled
    assert sb == wb == sum((v[0] for v in ci.gcp_expected(wanted).values()), Decimal(0))


def test_the_same_rows_in_another_order_are_the_same_delivery(
    bigquery: FakeBigQuery, con: duckdb.DuckDBPyConnection
) -> None:
    first = ingest(con, "gcp-billing", [f"bq://{TABLE}"], _options(bigquery, **{"from": "2026-07", "to": "2026-08"}))
    before = ci.snapshot(con)
    bigquery.shuffle = 3
    again = ingest(con, "gcp-billing", [f"bq://{TABLE}"], _options(bigquery, months="2026-07,2026-08"))
    assert [r.status for r in again] == ["unchanged"] and again[0].file_id == first[0].file_id
    assert ci.snapshot(con) == before


def test_a_month_with_no_rows_is_refused_and_nothing_is_written(
    bigquery: FakeBigQuery, con: duckdb.DuckDBPyConnection
) -> None:
    from analytics.errors import ExportFormatError

    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError, match=r"\?months=202512: no rows for invoice months 202512"):
        ingest(con, "gcp-billing", [f"bq://{TABLE}"], _options(bigquery, months="2025-12"))
    with pytest.raises(UsageError, match="bq:// needs the invoice months"):
        ingest(con, "gcp-billing", [f"bq://{TABLE}"], _options(bigquery))
    assert ci.snapshot(con) == before
