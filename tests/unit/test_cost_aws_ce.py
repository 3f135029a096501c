"""AWS Cost Explorer (``aws-ce``) against moto: paged, grouped DAILY results queued through moto's
``/moto-api/static/ce/cost-and-usage-results`` API, loaded with the real boto3 client, and the
warehouse totals compared with sums computed independently from the queued payload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import duckdb
import pytest
import requests
from moto import mock_aws
from moto.ce.models import ce_backends
from moto.core import DEFAULT_ACCOUNT_ID

from analytics.errors import ExportFormatError
from analytics.sources import LoadOptions, ingest
from analytics.warehouse import run
from tests.unit import cost_inputs as ci

pytestmark = pytest.mark.unit

QUEUE = "http://motoapi.amazonaws.com/moto-api/static/ce/cost-and-usage-results"
CENT = Decimal("0.01")


@pytest.fixture
def ce(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's AWS (Cost Explorer and STS) with dummy credentials; nothing leaves the process."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


def queue(pages: list[dict[str, Any]]) -> None:
    """Queue complete get_cost_and_usage responses: each new request takes the next one."""
    response = requests.post(QUEUE, json={"results": pages}, timeout=5)
    assert response.status_code == 201


def requests_seen() -> list[dict[str, Any]]:
    """The request bodies moto answered (it keys its results by the exact body)."""
    return [json.loads(body) for body in ce_backends[DEFAULT_ACCOUNT_ID]["global"].cost_usage_results]


def test_paged_grouped_daily_results_load_to_the_queued_totals(ce: None, con: duckdb.DuckDBPyConnection) -> None:
    # July and August, 62 days in 4 pages, grouped by SERVICE and TAG team (team$ = untagged)
    pages = ci.ce_pages(11, start="2026-07-01", days=62, per_page=16)
    assert len(pages) == 4
    queue(pages)
    options = LoadOptions(extra={"start": "2026-07-10", "end": "2026-08-05", "group_by": "SERVICE,TAG:team"})
    result = ingest(con, "aws-ce", ["ce://"], options)[0]

    # the loader asked for whole months, DAILY, and followed every NextPageToken
    seen = requests_seen()
    assert [r.get("NextPageToken") for r in seen] == [None, "page-2", "page-3", "page-4"]
    assert {json.dumps({k: v for k, v in r.items() if k != "NextPageToken"}, sort_keys=True) for r in seen} == {
        json.dumps(
            {
                "TimePeriod": {"Start": "2026-07-01", "End": "2026-09-01"},
                "Granularity": "DAILY",
                "Metrics": ["UnblendedCost", "AmortizedCost", "UsageQuantity"],
                "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "TAG", "Key": "team"}],
            },
            sort_keys=True,
        )
    }

    # independent sums of the queued Amount strings, per month
    expected: dict[str, list[Decimal]] = {}
    groups = 0
    for page in pages:
        for day in page["ResultsByTime"]:
            for group in day["Groups"]:
                acc = expected.setdefault(day["TimePeriod"]["Start"][:7], [Decimal(0), Decimal(0)])
                acc[0] += Decimal(group["Metrics"]["UnblendedCost"]["Amount"])
                acc[1] += Decimal(group["Metrics"]["AmortizedCost"]["Amount"])
                groups += 1
    got = run(
        con,
        "SELECT strftime(BillingPeriodStart, '%Y-%m'), sum(BilledCost), sum(EffectiveCost), count(*) "
        "FROM cost GROUP BY 1 ORDER BY 1",
    )
    assert [(m, b, e) for m, b, e, _ in got] == [(m, v[0], v[1]) for m, v in sorted(expected.items())]
    assert sum(n for *_, n in got) == groups == result.rows_loaded
    assert [(m, b.quantize(CENT), e.quantize(CENT)) for m, b, e, _ in got] == [
        (m, v[0].quantize(CENT), v[1].quantize(CENT)) for m, v in sorted(expected.items())
    ]

    # the ledger records the pull and its reconciliation
    billed = sum((v[0] for v in expected.values()), Decimal(0))
    effective = sum((v[1] for v in expected.values()), Decimal(0))
    ((kind, path, reconciled, sb, wb, se, we, rows, details),) = run(
        con,
        "SELECT source_kind, file_path, reconciled, source_billed_total, warehouse_billed_total, "
        "source_effective_total, warehouse_effective_total, rows_loaded, details FROM ingest_ledger",
    )
    assert (kind, reconciled, rows) == ("aws-ce", True, groups)
    assert path == "ce://us-east-1?start=2026-07-01&end=2026-09-01&group_by=SERVICE,TAG:team"
    assert sb == wb == billed and se == we == effective
    assert json.loads(details)["pages"] == 4
    assert [p["rows"] for p in json.loads(details)["billing_periods"]] == [got[0][3], got[1][3]]

    # dimensions: the payer from STS, SERVICE as ServiceName, team$ (untagged) as no Tags
    assert run(con, "SELECT DISTINCT BillingAccountId, ProviderName FROM cost") == [(DEFAULT_ACCOUNT_ID, "AWS")]
    assert run(con, "SELECT DISTINCT Tags FROM cost ORDER BY 1 NULLS FIRST") == [(None,), ('{"team":"web"}',)]
    assert run(con, "SELECT ServiceName, ServiceCategory, count(*) > 0 FROM cost GROUP BY ALL ORDER BY 1") == [
        ("Amazon Elastic Compute Cloud - Compute", "Compute", True),
        ("Amazon Simple Storage Service", "Storage", True),
        ("Tax", "Other", True),
    ]
    assert run(con, "SELECT count(*) FROM cost WHERE x_CeEstimated = 'true'")[0][0] == len(
        pages[-1]["ResultsByTime"][-1]["Groups"]
    )

    # the same pull again gets the same answers from moto: the same delivery, nothing to do
    assert ingest(con, "aws-ce", ["ce://"], options)[0].status == "unchanged"


def test_a_restated_month_replaces_the_earlier_pull(ce: None, con: duckdb.DuckDBPyConnection) -> None:
    early = ci.ce_pages(1, start="2026-07-01", days=31, per_page=31)
    final = ci.ce_pages(2, start="2026-07-01", days=31, per_page=31)
    options = LoadOptions(extra={"start": "2026-07-01", "end": "2026-08-01", "billing_account": "210987654321"})
    queue([early[0]])
    first = ingest(con, "aws-ce", ["ce://"], options)[0]
    queue([final[0]])
    # moto answers a repeated request from its cache, so the restated pull asks with another grouping
    again = LoadOptions(extra={**options.extra, "group_by": "SERVICE,TAG:team"})
    second = ingest(con, "aws-ce", ["ce://"], again)[0]
    assert second.superseded_file_ids == (first.file_id,)
    ((billed, effective),) = run(con, "SELECT sum(BilledCost), sum(EffectiveCost) FROM cost")
    assert (billed, effective) == ci.ce_expected(final)[("2026-07", "USD")][:2]


def test_empty_results_are_refused_and_nothing_is_written(ce: None, con: duckdb.DuckDBPyConnection) -> None:
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError, match=r"^ce://us-east-1\?start=2026-07-01.*returned no results"):
        ingest(con, "aws-ce", ["ce://"], LoadOptions(extra={"start": "2026-07-01", "end": "2026-07-02"}))
    assert ci.snapshot(con) == before
