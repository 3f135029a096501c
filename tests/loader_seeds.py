"""Valid inputs for every loader kind, and the byte-level mutations the hostile-input tests apply.

Seeds are the real public samples of ``tests/data`` (licence notes there; large ones cut to their
first data rows, still real rows) and, for the kinds without a public sample, the seeded generators
of :mod:`tests.unit.test_incident_generators` and :mod:`tests.unit.cost_inputs`.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from analytics.sources import LoadOptions
from tests.conftest import TEST_DATA
from tests.unit import cost_inputs as ci
from tests.unit.test_cost_contract_commitments import commitment_csv, commitment_rows
from tests.unit.test_incident_generators import (
    incidentio_csv,
    incidentio_incidents,
    jira_csv,
    opsgenie_alerts,
    opsgenie_csv,
    pagerduty_analytics,
    pagerduty_csv,
    pagerduty_rest,
    servicenow_table,
    truth,
)
from tests.unit.test_provider_status import aws_events, gcp_incidents

MAPPING = ("source: myitsm\ntimezone: UTC\ncolumns: {source_id: Id, created_at: Opened, resolved_at: Closed, "
           "severity: Sev, title: Title, reopen_count: Reopens}\n")


@dataclass(frozen=True)
class Seed:
    """One valid input: the loader kind, a file name, its bytes and the load options it needs."""

    kind: str
    name: str
    make: Callable[[], bytes]
    options: LoadOptions = field(default_factory=LoadOptions)
    real: bool = False  # a public sample from tests/data (else a seeded generator)

    @property
    def content(self) -> bytes:
        key = (self.kind, self.name)
        if key not in _CONTENT:
            _CONTENT[key] = self.make()
        return _CONTENT[key]


_CONTENT: dict[tuple[str, str], bytes] = {}


def _head(path: Path, lines: int) -> Callable[[], bytes]:
    """The header and first data lines of a real CSV sample (its rows have no embedded newlines)."""
    return lambda: b"".join(path.read_bytes().splitlines(True)[: lines + 1])


def _file(path: Path) -> Callable[[], bytes]:
    return lambda: path.read_bytes()


def _json_list(*paths: Path) -> Callable[[], bytes]:
    def make() -> bytes:
        items: list = []
        for path in paths:
            doc = json.loads(path.read_text("utf-8"))
            items += doc if isinstance(doc, list) else [doc]
        return json.dumps(items, indent=1).encode()
    return make


RECORDS = truth(21, 3)
UTC = LoadOptions(timezone="UTC")
COST, INC, DEL = TEST_DATA / "cost", TEST_DATA / "incidents", TEST_DATA / "delivery"
STATUS = sorted((INC / "github_status").glob("*.json"))


def seeds(mapping: Path) -> list[Seed]:
    """Every seed; ``mapping`` is where the mapped-csv YAML mapping was written (:data:`MAPPING`)."""
    return [
        # real public samples
        Seed("focus", "focus.csv", _head(COST / "focus" / "focus_sample_1.0.csv", 30), real=True),
        Seed("aws-cur", "cur.csv", _head(COST / "aws" / "cur_legacy_sample.csv", 30), real=True),
        Seed("azure", "ea.csv", _file(COST / "azure" / "ea_sample.csv"), real=True),
        Seed("gcp-billing", "billing.csv", _file(COST / "gcp" / "billing_export_sample.csv"), real=True),
        Seed("oci", "reports_cost-csv_0001000000603747.csv",
             _file(COST / "oci" / "reports_cost-csv_0001000000603747.csv"), real=True),
        Seed("oci", "reports_cost-csv_0000000030000269.csv",
             _file(COST / "oci" / "reports_cost-csv_0000000030000269_first6.csv"), real=True),
        Seed("servicenow", "events.csv", _head(INC / "servicenow_incident_event_log_sample.csv", 40), UTC, real=True),
        *[Seed("statuspage", p.name, _file(p), real=True) for p in STATUS[:3]],
        Seed("github-actions", "runs.json", _file(DEL / "actions" / "runs-page-1.json"), real=True),
        Seed("github-deployments", "deployments.json", _json_list(
            *(DEL / "deployments" / n for n in ("deployments.json", "statuses.json", "pushes.json",
                                                "compare-503-504.json", "webhook-events.json"))), real=True),
        Seed("deployments-csv", "deployments.csv", _file(DEL / "deployments.csv"), real=True),
        Seed("changes-csv", "changes.csv", _file(DEL / "changes.csv"), real=True),
        Seed("sli", "sli.csv", _file(DEL / "slo" / "sli.csv"), real=True),
        Seed("openslo", "slos.yaml", _file(DEL / "slo" / "slos.yaml"), real=True),
        # seeded generators
        Seed("gcp-billing", "billing.jsonl", lambda: ci.gcp_jsonl(ci.gcp_records(3))),
        Seed("aws-ce", "ce-pages.json", lambda: json.dumps(ci.ce_pages(3, days=3, per_page=2)).encode(),
             LoadOptions(extra={"billing_account": "123456789012"})),
        Seed("business-metrics", "metrics.csv", lambda: ci.table_csv(ci.METRICS_HEADER, ci.metric_rows(3))),
        Seed("budgets", "budgets.csv", lambda: ci.table_csv(ci.BUDGETS_HEADER, ci.budget_rows(3))),
        Seed("pagerduty", "pd.json", lambda: json.dumps(
            {**pagerduty_rest(RECORDS)[0], **pagerduty_rest(RECORDS)[1]}).encode()),
        Seed("pagerduty-analytics", "pda.json", lambda: json.dumps(pagerduty_analytics(RECORDS, "UTC")).encode(),
             UTC),
        Seed("pagerduty-analytics", "pda.csv", lambda: pagerduty_csv(RECORDS, "UTC").encode(), UTC),
        Seed("opsgenie", "alerts.json", lambda: json.dumps(opsgenie_alerts(RECORDS)).encode()),
        Seed("opsgenie", "alerts.csv", lambda: opsgenie_csv(RECORDS).encode(), UTC),
        Seed("jira", "jira.csv", lambda: jira_csv(RECORDS, "UTC"), UTC),
        Seed("servicenow", "table.csv", lambda: servicenow_table(RECORDS, "UTC", month_first=False).encode(), UTC),
        Seed("incidentio", "incidents.json", lambda: json.dumps(incidentio_incidents(RECORDS)).encode()),
        Seed("incidentio", "incidents.csv", lambda: incidentio_csv(RECORDS).encode(), UTC),
        Seed("mapped-csv", "itsm.csv", lambda: (b"Id,Opened,Closed,Sev,Title,Reopens\n"
                                                b"A,2026-07-01T10:00:00,2026-07-01T11:00:00,2,x,0\n"
                                                b"B,2026-07-02T09:30:00,2026-07-02T12:00:00,1,y,1\n"),
             LoadOptions(timezone="UTC", mapping=mapping)),
        Seed("services", "services.csv", lambda: b"service,team,tier,owner\nsearch,discovery,tier2,nina\n"),
        Seed("focus-commitments", "commitments.csv", lambda: commitment_csv(commitment_rows(3))),
        Seed("gcp-status", "incidents.json", lambda: json.dumps(gcp_incidents(3)).encode()),
        Seed("aws-health", "historyevents.json", lambda: json.dumps(aws_events(3)).encode()),
    ]


# -- mutations (bytes -> bytes) -------------------------------------------------------------------
# an ISO date with an optional time of day and offset: (year)(-MM-DD)(time)(offset)
ISO = re.compile(rb"(?<![0-9])([0-9]{4})(-[0-9]{2}-[0-9]{2})([T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
                 rb"(Z|[+-][0-9]{2}:?[0-9]{2})?(?![0-9])")
# ServiceNow / Azure display dates: dd-mm-yyyy hh:mm, m/d/yyyy
DISPLAY = re.compile(rb"(?<![0-9])([0-9]{1,2}[-/][0-9]{1,2}[-/])([0-9]{4})(?![0-9])")


def with_year(data: bytes, year: bytes) -> bytes:
    """Every date's year replaced (``0000``, ``9999`` …)."""
    data = ISO.sub(lambda m: year + m.group(2) + (m.group(3) or b"") + (m.group(4) or b""), data)
    return DISPLAY.sub(lambda m: m.group(1) + year, data)


def with_offset(data: bytes, offset: bytes) -> bytes:
    """Every timestamp with a time of day given ``offset`` (``+99:00``) instead of its own."""
    return ISO.sub(lambda m: m.group(0) if not m.group(3) else m.group(1) + m.group(2) + m.group(3) + offset, data)


def nth_match(pattern: re.Pattern[bytes], data: bytes, rng: random.Random) -> re.Match[bytes] | None:
    found = list(pattern.finditer(data))
    return rng.choice(found) if found else None
