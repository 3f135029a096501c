"""Real incident samples (tests/data/incidents) → loaders → warehouse → metric SQL, checked against
numbers computed here independently from the raw files with a plain-Python pass (csv/json,
statistics, numpy) — never numbers copied from the loader's output. The data README's facts are
asserted too, as a cross-check of the independent pass itself."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

import analytics
from analytics.metrics import incidents as im
from analytics.sources import LoadOptions, ingest
from analytics.warehouse import run
from tests.conftest import TEST_DATA

pytestmark = pytest.mark.integration
SNOW = TEST_DATA / "incidents" / "servicenow_incident_event_log_sample.csv"
GITHUB = TEST_DATA / "incidents" / "github_status"


# -- the independent pass over the ServiceNow event log ----------------------------------------
def _snow_time(text: str) -> datetime | None:
    return None if text == "?" else datetime.strptime(text, "%d-%m-%Y %H:%M").replace(tzinfo=UTC)


def servicenow_truth() -> dict[str, dict[str, Any]]:
    """One record per incident number: its last audit row, opened/resolved times and the ack proxy."""
    with SNOW.open(newline="", encoding="utf-8") as handle:
        events = list(csv.DictReader(handle))
    grouped: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for position, row in enumerate(events):
        grouped[row["number"]].append((position, row))
    out = {}
    for number, rows in grouped.items():
        rows.sort(key=lambda p: (int(p[1]["sys_mod_count"]), _snow_time(p[1]["sys_updated_at"]), p[0]))
        last = rows[-1][1]
        opened = _snow_time(last["opened_at"])
        engaged = next((r for _, r in rows if r["incident_state"] not in ("New", "Resolved", "Closed", "Canceled")
                        or r["assigned_to"] != "?"), None)
        ack = None if engaged is None else max(_snow_time(engaged["sys_updated_at"]), opened)
        out[number] = {"last": last, "opened": opened, "resolved": _snow_time(last["resolved_at"]), "ack": ack,
                       "rank": int(re.match(r"\d+", last["priority"]).group())}
    return out


@pytest.fixture(scope="module")
def snow() -> Iterator[duckdb.DuckDBPyConnection]:
    con = analytics.connect(":memory:")
    ingest(con, "servicenow", [str(SNOW)], LoadOptions(timezone="UTC"))
    yield con
    con.close()


def test_servicenow_counts_and_priority_mix(snow: duckdb.DuckDBPyConnection) -> None:
    truth = servicenow_truth()
    mix = Counter(t["last"]["priority"] for t in truth.values())
    assert len(truth) == 890 and mix == {"3 - Moderate": 757, "4 - Low": 85, "2 - High": 33, "1 - Critical": 15}
    assert run(snow, "SELECT count(*), count(DISTINCT number) FROM incidents") == [(890, 890)]
    assert dict(run(snow, "SELECT priority_raw, count(*) FROM incidents GROUP BY 1")) == mix
    assert im.incident_totals(snow, "2016Q1") == {"SEV1": 15, "SEV2": 33, "SEV3": 757, "SEV4": 85, "SEV5": 0,
                                                  "total": 890}
    ledger = run(snow, "SELECT rows_read, rows_loaded, details->>'$.date_order' FROM ingest_ledger")
    assert ledger == [(5998, 890, "dmy")]


def test_servicenow_time_to_resolve_matches_the_raw_file(snow: duckdb.DuckDBPyConnection) -> None:
    truth = servicenow_truth()
    hours = [(t["resolved"] - t["opened"]).total_seconds() / 3600 for t in truth.values() if t["resolved"]]
    assert len(hours) == 861 and round(statistics.median(hours), 1) == 54.5  # the data README's numbers
    table = im.mttr_by_severity(snow, "2016Q1").set_index("severity")
    assert int(table["n"].sum()) == 861 and int(table["no_resolve_time"].sum()) == 29
    assert int(table["still_open"].sum()) == 0
    for rank in (1, 2, 3, 4):
        minutes = [(t["resolved"] - t["opened"]).total_seconds() / 60 for t in truth.values()
                   if t["resolved"] and t["rank"] == rank]
        row = table.loc[f"SEV{rank}"]
        assert row["n"] == len(minutes)
        assert row["p50_minutes"] == pytest.approx(np.quantile(minutes, 0.5))
        assert row["p90_minutes"] == pytest.approx(np.quantile(minutes, 0.9))
        assert row["p50_low"] <= row["p50_minutes"] <= row["p50_high"]


def test_servicenow_acknowledgement_proxy_matches_the_state_history(snow: duckdb.DuckDBPyConnection) -> None:
    truth = servicenow_truth()
    table = im.mtta_by_severity(snow, "2016Q1").set_index("severity")
    for rank in (1, 2, 3, 4):
        mine = [t for t in truth.values() if t["rank"] == rank]
        minutes = [(t["ack"] - t["opened"]).total_seconds() / 60 for t in mine if t["ack"]]
        row = table.loc[f"SEV{rank}"]
        assert (row["n"], row["proxy"], row["unacknowledged"]) == (len(minutes), len(minutes),
                                                                   len(mine) - len(minutes))
        assert row["p50_minutes"] == pytest.approx(np.quantile(minutes, 0.5))
        assert row["p90_minutes"] == pytest.approx(np.quantile(minutes, 0.9))


def test_servicenow_reopens_problems_and_repeats(snow: duckdb.DuckDBPyConnection) -> None:
    truth = servicenow_truth()
    reopened = sum(int(t["last"]["reopen_count"]) > 0 for t in truth.values())
    with_problem = [t for t in truth.values() if t["last"]["problem_id"] != "?"]
    repeats = 0
    for t in with_problem:
        service = None if t["last"]["cmdb_ci"] == "?" else t["last"]["cmdb_ci"]
        repeats += any(o["last"]["problem_id"] == t["last"]["problem_id"]
                       and (None if o["last"]["cmdb_ci"] == "?" else o["last"]["cmdb_ci"]) == service
                       and t["opened"] - timedelta(days=30) <= o["opened"] < t["opened"] for o in with_problem)
    rates = im.repeat_incident_rates(snow, "2016Q1")
    assert (rates.incidents, rates.reopened, rates.problem_linked, rates.repeats) == (
        890, reopened, len(with_problem), repeats)
    assert (reopened, len(with_problem)) == (10, 47)
    assert run(snow, "SELECT count(*) FROM incident_events WHERE event_type = 'reopen'") == [(11,)]


# -- the independent pass over the GitHub status history ----------------------------------------
def github_truth() -> list[dict[str, Any]]:
    out = []
    for path in sorted(GITHUB.glob("*.json")):
        incident = json.loads(path.read_text("utf-8"))["incident"]
        created = datetime.fromisoformat(incident["created_at"].replace("Z", "+00:00"))
        resolved = datetime.fromisoformat(incident["resolved_at"].replace("Z", "+00:00"))
        out.append({"id": incident["id"], "impact": incident["impact"], "created": created, "resolved": resolved,
                    "minutes": (resolved - created).total_seconds() / 60,
                    "component": incident["components"][0]["name"] if incident["components"] else None,
                    "updates": len(incident["incident_updates"])})
    return out


@pytest.fixture(scope="module")
def github() -> Iterator[duckdb.DuckDBPyConnection]:
    con = analytics.connect(":memory:")
    ingest(con, "auto", [str(GITHUB)])
    yield con
    con.close()


def test_github_counts_impact_and_components(github: duckdb.DuckDBPyConnection) -> None:
    truth = github_truth()
    impact = Counter(t["impact"] for t in truth)
    assert len(truth) == 1282 and impact == {"minor": 1048, "major": 199, "none": 33, "critical": 2}
    assert dict(run(github, "SELECT severity_raw, count(*) FROM incidents GROUP BY 1")) == impact
    severity = {"critical": "SEV1", "major": "SEV2", "minor": "SEV3", "none": "SEV4"}
    assert dict(run(github, "SELECT severity, count(*) FROM incidents GROUP BY 1")) == {
        severity[k]: v for k, v in impact.items()}
    components = Counter(t["component"] for t in truth)
    assert dict(run(github, "SELECT service, count(*) FROM incidents GROUP BY 1")) == components
    assert run(github, "SELECT count(*) FROM incident_events") == [(sum(t["updates"] for t in truth),)]
    assert run(github, "SELECT source_kind, rows_loaded FROM ingest_ledger") == [("statuspage", 1282)]


def test_github_durations_since_2020(github: duckdb.DuckDBPyConnection) -> None:
    truth = [t for t in github_truth() if t["created"].year >= 2020]
    assert len(truth) == 410 and round(statistics.median(t["minutes"] for t in truth), 1) == 63.5  # the README
    raw = run(github, "SELECT count(*), median(epoch(resolved_at - created_at) / 60) FROM incidents "
                      "WHERE created_at >= '2020-01-01'")
    assert raw[0][0] == 410 and raw[0][1] == pytest.approx(statistics.median(t["minutes"] for t in truth))
    severity = {"critical": "SEV1", "major": "SEV2", "minor": "SEV3", "none": "SEV4"}
    for year in (2020, 2021, 2022, 2023):
        table = im.mttr_by_severity(github, str(year)).set_index("severity")
        for impact, sev in severity.items():
            mine = [t for t in truth if t["created"].year == year and t["impact"] == impact]
            measured = [t["minutes"] for t in mine if t["created"] != t["resolved"]]
            row = table.loc[sev]
            assert (row["incidents"], row["n"], row["backfilled"]) == (len(mine), len(measured),
                                                                       len(mine) - len(measured))
            if measured:
                assert row["p50_minutes"] == pytest.approx(np.quantile(measured, 0.5))
                assert row["p90_minutes"] == pytest.approx(np.quantile(measured, 0.9))


def test_github_weekly_volume_adds_up(github: duckdb.DuckDBPyConnection) -> None:
    truth = github_truth()
    quarters = {"2021Q2": ("2021-04-01", "2021-07-01"), "2023Q3": ("2023-07-01", "2023-10-01")}
    for quarter, (start, end) in quarters.items():
        lo, hi = (datetime.fromisoformat(d).replace(tzinfo=UTC) for d in (start, end))
        expected = sum(lo <= t["created"] < hi for t in truth)
        assert int(im.incident_counts_by_week(github, quarter)["incidents"].sum()) == expected
        assert int(im.incident_counts_by_month(github, quarter)["incidents"].sum()) == expected


def test_the_demo_world_through_the_pagerduty_writer_recovers_its_truth(tmp_path: Path) -> None:
    """The demo's incidents rendered as PagerDuty REST exports, loaded by the real loader, give the KPI
    values its truth file computes with plain Python (analytics.demo.truth)."""
    from analytics.demo.render_incidents import write_pagerduty_rest
    from analytics.demo.truth import incident_truth
    from analytics.demo.world import generate
    from analytics.periods import parse_period

    world = generate(7, 1.0)
    write_pagerduty_rest(world.incidents, world.incident_events, tmp_path / "pd")
    catalogue = world.services[[c for c in world.services.columns if not c.startswith("_")]]
    catalogue.to_csv(tmp_path / "services.csv", index=False)
    con = analytics.connect(":memory:")
    try:
        ingest(con, "pagerduty", [str(tmp_path / "pd")])
        ingest(con, "services", [str(tmp_path / "services.csv")])
        assert run(con, "SELECT count(*) FROM incidents") == [(len(world.incidents),)]
        assert run(con, "SELECT count(*) FROM incident_events") == [(len(world.incident_events),)]
        for label in ("2026Q3", "2026Q2"):
            truth = incident_truth(world, parse_period(label))
            totals = im.incident_totals(con, label)
            assert {k: v for k, v in totals.items() if k != "total"} == truth["incident_count_by_severity"]
            mttr = im.mttr_by_severity(con, label).set_index("severity")
            mtta = im.mtta_by_severity(con, label).set_index("severity")
            for sev in im.SEVERITIES:
                for table, key in ((mttr, "mttr_minutes"), (mtta, "mtta_minutes")):
                    assert table.loc[sev, "n"] == truth[key][sev]["n"]
                    assert table.loc[sev, "p50_minutes"] == pytest.approx(truth[key][sev]["p50"], nan_ok=True)
                    assert table.loc[sev, "p90_minutes"] == pytest.approx(truth[key][sev]["p90"], nan_ok=True)
            assert int(mttr["still_open"].sum()) == truth["open_incidents_excluded"]
            noise = im.alert_noise(con, label)
            assert noise.noise_ratio == pytest.approx(truth["noise_ratio"])
            assert noise.actionable_share == pytest.approx(truth["actionable_share"])
            rates = im.repeat_incident_rates(con, label)
            assert (rates.repeats, rates.reopen_rate) == (truth["repeat_incidents"], truth["reopen_rate"])
            restores = im.critical_restore_share(con, label)
            assert (restores.incidents, restores.share) == (truth["critical_incidents"],
                                                            pytest.approx(truth["critical_restored_60min_share"]))
            health = im.oncall_health(con, label)
            assert health.pages == truth["pages"]
            assert health.pages_per_responder_week == pytest.approx(truth["pages_per_responder_week"])
    finally:
        con.close()
