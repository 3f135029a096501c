"""The demo grown inside DuckDB (analytics/demo/replicate.py, for bench/report_scale.py): exactly the
copies asked for, the demo's mix kept, amounts scaled exactly, every file still reconciled to the
cent, the tag dictionary complete, links between incidents, timelines and deployments kept, and the
same warehouse every time. Expected numbers are computed in Python from the demo's own rows."""

from __future__ import annotations

import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

import analytics
from analytics.demo.replicate import SUB_ACCOUNTS_PER_ACCOUNT, amount_factor, grow_warehouse
from analytics.errors import UsageError
from analytics.status import warehouse_status
from analytics.warehouse import run
from analytics.warehouse.ledger import refresh_cost_tags
from tests.conftest import DemoBuild

pytestmark = pytest.mark.integration

COST_COPIES, INCIDENT_COPIES = 3, 2


def _grown(demo: DemoBuild, folder: Path) -> Path:
    path = folder / "grown.duckdb"
    shutil.copyfile(demo.warehouse, path)
    con = analytics.connect(path)
    try:
        grow_warehouse(con, cost_copies=COST_COPIES, incident_copies=INCIDENT_COPIES)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def grown(demo: DemoBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _grown(demo, tmp_path_factory.mktemp("grown"))


def _rows(path: str | Path, sql: str) -> list[tuple]:
    con = analytics.connect(path, read_only=True)
    try:
        return run(con, sql)
    finally:
        con.close()


def test_every_row_is_copied_the_asked_number_of_times(demo: DemoBuild, grown: Path) -> None:
    tables = ("cost", "incidents", "incident_events", "deployments", "changes", "pipeline_runs", "sli", "slos")
    before = {t: _rows(demo.warehouse, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    after = {t: _rows(grown, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    assert after == {"cost": before["cost"] * COST_COPIES, "incidents": before["incidents"] * INCIDENT_COPIES,
                     "incident_events": before["incident_events"] * INCIDENT_COPIES,
                     "deployments": before["deployments"] * INCIDENT_COPIES,
                     "changes": before["changes"] * INCIDENT_COPIES,
                     "pipeline_runs": before["pipeline_runs"] * INCIDENT_COPIES,
                     "sli": before["sli"], "slos": before["slos"]}


def test_the_mix_of_the_demo_is_kept(demo: DemoBuild, grown: Path) -> None:
    mix = ("SELECT ProviderName, ChargeCategory, coalesce(ChargeClass, '-'), coalesce(CommitmentDiscountStatus, '-'), "
           "RegionId IS NULL, SubAccountId IS NULL, Tags IS NULL, count(*) FROM cost GROUP BY ALL ORDER BY ALL")
    before = {row[:-1]: row[-1] for row in _rows(demo.warehouse, mix)}
    after = {row[:-1]: row[-1] for row in _rows(grown, mix)}
    assert after == {key: n * COST_COPIES for key, n in before.items()}
    sub_accounts = "SELECT count(DISTINCT SubAccountId), count(DISTINCT ResourceId), count(DISTINCT Tags) FROM cost"
    (accounts, resources, tag_sets), = _rows(demo.warehouse, sub_accounts)
    (accounts_after, resources_after, tag_sets_after), = _rows(grown, sub_accounts)
    assert accounts_after == accounts * (1 + min(COST_COPIES - 1, SUB_ACCOUNTS_PER_ACCOUNT))
    assert resources_after == resources * COST_COPIES and tag_sets_after > tag_sets


def test_amounts_are_scaled_exactly_and_every_file_still_reconciles(demo: DemoBuild, grown: Path) -> None:
    per_period = ("SELECT ProviderName, BillingPeriodStart, sum(BilledCost), sum(EffectiveCost) FROM cost "
                  "GROUP BY ALL ORDER BY ALL")
    factor = sum(Decimal(amount_factor(k)) for k in range(COST_COPIES))
    expected = {(p, m): (b * factor, e * factor) for p, m, b, e in _rows(demo.warehouse, per_period)}
    assert {(p, m): (b, e) for p, m, b, e in _rows(grown, per_period)} == expected
    files = _rows(grown, """
        SELECT l.file_id, l.source_billed_total, l.warehouse_billed_total, l.source_effective_total,
               l.warehouse_effective_total, sum(c.BilledCost), sum(c.EffectiveCost), l.rows_loaded, count(*)
        FROM ingest_ledger AS l JOIN cost AS c ON c.source_file_id = l.file_id GROUP BY ALL ORDER BY ALL""")
    assert files
    for _, src_b, wh_b, src_e, wh_e, rows_b, rows_e, loaded, counted in files:
        assert src_b == wh_b == rows_b and src_e == wh_e == rows_e and loaded == counted
    status = warehouse_status(str(grown))
    assert status.cost_periods and all(p["reconciled"] for p in status.cost_periods)
    assert status.tables["cost"] == sum(f[-1] for f in files)


def test_the_tag_dictionary_is_complete_after_growing(grown: Path) -> None:
    con = analytics.connect(grown)
    try:
        assert refresh_cost_tags(con) == 0
        assert run(con, "SELECT count(*) FROM (SELECT DISTINCT Tags FROM cost WHERE Tags IS NOT NULL "
                        "AND TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR)) IS NOT NULL "
                        "AND Tags NOT IN (SELECT Tags FROM cost_tags))") == [(0,)]
    finally:
        con.close()


def test_copies_keep_their_links_and_their_durations(demo: DemoBuild, grown: Path) -> None:
    orphans = "SELECT count(*) FROM incident_events WHERE incident_id NOT IN (SELECT incident_id FROM incidents)"
    assert _rows(grown, orphans) == [(0,)]
    (rows, ids), = _rows(grown, "SELECT count(*), count(DISTINCT incident_id) FROM incidents")
    assert rows == ids  # every copy has an id of its own
    linked = ("SELECT count(*) FROM incidents i WHERE i.deployment_id IS NOT NULL "
              "AND i.deployment_id NOT IN (SELECT deployment_id FROM deployments)")
    assert _rows(grown, linked) == _rows(demo.warehouse, linked)
    durations = "SELECT seconds_to_resolve FROM incidents WHERE seconds_to_resolve IS NOT NULL"
    before = Counter(v for (v,) in _rows(demo.warehouse, durations))
    expected = Counter({v: n * INCIDENT_COPIES for v, n in before.items()})
    assert Counter(v for (v,) in _rows(grown, durations)) == expected
    gaps = ("SELECT epoch(resolved_at - created_at) FROM incidents WHERE resolved_at IS NOT NULL")
    gaps_before = Counter(round(v, 3) for (v,) in _rows(demo.warehouse, gaps))
    assert Counter(round(v, 3) for (v,) in _rows(grown, gaps)) == Counter(
        {v: n * INCIDENT_COPIES for v, n in gaps_before.items()})


def test_growing_twice_gives_the_same_warehouse(demo: DemoBuild, grown: Path, tmp_path: Path) -> None:
    again = _grown(demo, tmp_path)
    digest = ("SELECT md5(string_agg(concat_ws('|', ResourceId, SubAccountId, Tags, EffectiveCost, ChargePeriodStart), "
              "',' ORDER BY ResourceId, SubAccountId, ChargePeriodStart, EffectiveCost, Tags)) FROM cost")
    assert _rows(again, digest) == _rows(grown, digest)


def test_growing_refuses_nonsense_and_rolls_back_on_failure(demo: DemoBuild, tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    shutil.copyfile(demo.warehouse, path)
    con = analytics.connect(path)
    try:
        before = run(con, "SELECT count(*) FROM cost")
        with pytest.raises(UsageError, match="at least 1"):
            grow_warehouse(con, cost_copies=0, incident_copies=1)

        def stop(done: int, total: int) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            grow_warehouse(con, cost_copies=3, incident_copies=1, progress=stop)
        assert run(con, "SELECT count(*) FROM cost") == before
    finally:
        con.close()
