"""The incident, delivery and SLO semantic-layer macros on their own, on tiny hand-built warehouses
(the statements built on them are tested with exact numbers in test_incident_metrics.py,
test_delivery_metrics.py and test_slo_metrics.py)."""

from __future__ import annotations

import duckdb
import pytest

from analytics.warehouse import run
from tests.unit.test_delivery_metrics import change, deploy, incident, ts

pytestmark = pytest.mark.unit

LINKS = "SELECT incident_id, deployment_id FROM incident_deployment_links({}) ORDER BY ALL"


@pytest.fixture
def linked(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    run(con, "INSERT INTO services VALUES ('checkout', 'payments', 'tier1', NULL, NULL, 0)")
    deploy(con, "gh:1", "2026-07-01T10:00:00", sha="a1a1a1a")
    deploy(con, "gh:2", "2026-07-02T10:00:00", sha="b2b2b2b")
    deploy(con, "gh:9", "2026-05-02T10:00:00", sha="c9c9c9c")  # 2026Q2
    change(con, "git:x", "d4d4d4d", "2026-07-01T09:00:00", "gh:1")
    incident(con, "pd:named", "2026-07-03T00:00:00", None, deployment="gh:2")  # names the deployment
    incident(con, "pd:head", "2026-07-04T00:00:00", None, commit="b2b2b2b")  # names its head commit
    incident(con, "pd:change", "2026-07-05T00:00:00", None, commit="d4d4d4d")  # names a change it shipped
    incident(con, "pd:old", "2026-05-03T00:00:00", None, commit="c9c9c9c")  # created in 2026Q2
    incident(con, "pd:canceled", "2026-07-06T00:00:00", None, deployment="gh:1", status="canceled")
    incident(con, "pd:none", "2026-07-07T00:00:00", None)
    return con


def test_every_link_route_and_no_canceled_incident(linked: duckdb.DuckDBPyConnection) -> None:
    every = run(linked, LINKS.format("NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"))
    assert every == [("pd:change", "gh:1"), ("pd:head", "gh:2"), ("pd:named", "gh:2"), ("pd:old", "gh:9")]


def test_links_bound_the_incidents_and_the_head_commit_deployments(linked: duckdb.DuckDBPyConnection) -> None:
    q3 = "$s, $e"
    incidents_q3 = run(linked, LINKS.format(f"{q3}, NULL, NULL, NULL, NULL, NULL, NULL"),
                       {"s": ts("2026-07-01T00:00:00"), "e": ts("2026-10-01T00:00:00")})
    assert incidents_q3 == [("pd:change", "gh:1"), ("pd:head", "gh:2"), ("pd:named", "gh:2")]
    # deployments of Q2 only: the head-commit route finds gh:9 but not gh:2; the named and change routes
    # do not depend on the deployment scope
    deployed_q2 = run(linked, LINKS.format(f"NULL, NULL, {q3}, NULL, NULL, NULL, NULL"),
                      {"s": ts("2026-04-01T00:00:00"), "e": ts("2026-07-01T00:00:00")})
    assert deployed_q2 == [("pd:change", "gh:1"), ("pd:named", "gh:2"), ("pd:old", "gh:9")]


def test_deployments_labelled_fills_the_placeholders(con: duckdb.DuckDBPyConnection) -> None:
    deploy(con, "gh:1", "2026-07-01T10:00:00", sha="a1a1a1a", service=None)  # type: ignore[arg-type]
    rows = run(con, "SELECT deployment_id, service, team, repo, environment "
                    "FROM deployments_labelled(NULL, NULL, NULL, NULL, NULL, NULL)")
    assert rows == [("gh:1", "(no service)", "(no team)", "lumen/checkout", "production")]


def test_incident_counts_are_zero_filled_per_bucket_and_severity(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "INSERT INTO incidents (incident_id, source, source_id, severity, severity_rank, status, created_at, "
             "source_file_id) VALUES ('a', 'pd', 'a', 'SEV2', 2, 'resolved', $a, 0), "
             "('b', 'pd', 'b', 'SEV2', 2, 'canceled', $a, 0), ('c', 'pd', 'c', 'SEV1', 1, 'open', $c, 0)",
        {"a": ts("2026-07-15T00:00:00"), "c": ts("2026-09-01T00:00:00")})
    rows = run(con, "SELECT strftime(bucket_start, '%Y-%m'), severity, severity_rank, incidents "
                    "FROM incident_counts_zero_filled('month', INTERVAL 1 MONTH, $s, $e, 2, NULL, NULL) ORDER BY ALL",
               {"s": ts("2026-07-01T00:00:00"), "e": ts("2026-10-01T00:00:00")})
    assert rows == [("2026-07", "SEV1", 1, 0), ("2026-07", "SEV2", 2, 1), ("2026-08", "SEV1", 1, 0),
                    ("2026-08", "SEV2", 2, 0), ("2026-09", "SEV1", 1, 1), ("2026-09", "SEV2", 2, 0)]


def test_slos_in_scope_takes_the_team_from_the_catalogue(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "INSERT INTO services VALUES ('checkout', 'payments', 'tier1', NULL, NULL, 0)")
    for slo, service in (("checkout-availability", "checkout"), ("search-latency", "search")):
        run(con, "INSERT INTO slos (slo, service, target, time_window, is_rolling, source_file_id) "
                 "VALUES ($slo, $svc, 0.99, '28d', FALSE, 0)", {"slo": slo, "svc": service})
    every = run(con, "SELECT slo, team, tier FROM slos_in_scope(NULL, NULL, NULL) ORDER BY slo")
    assert every == [("checkout-availability", "payments", "tier1"), ("search-latency", None, None)]
    assert run(con, "SELECT slo FROM slos_in_scope(NULL, 'payments', NULL)") == [("checkout-availability",)]
    assert run(con, "SELECT slo FROM slos_in_scope('search', NULL, 'search-latency')") == [("search-latency",)]
    assert run(con, "SELECT slo FROM slos_in_scope('search', 'payments', NULL)") == []
