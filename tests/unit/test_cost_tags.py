"""``cost_tags`` (migration 0010): the tags of the cost rows parsed once at load. For any tag set a
loader can store — hostile keys and values included — joining the dictionary gives exactly what
parsing ``Tags`` in the statement gave before (``TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[key]``),
for every key, present or not; every load keeps it complete, without duplicates; and a warehouse
migrated from before 0010 is backfilled."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analytics
import analytics.warehouse as wh
from analytics.warehouse import run
from analytics.warehouse.ledger import LoadTransaction, SourceFile, refresh_cost_tags, run_load

pytestmark = pytest.mark.unit

DAY = datetime(2026, 7, 1, tzinfo=UTC)
LOOKUP = """
    SELECT c.EffectiveCost, t.tag_value AS joined, TRY_CAST(c.Tags AS MAP(VARCHAR, VARCHAR))[$key] AS parsed
    FROM cost AS c LEFT JOIN cost_tags AS t ON t.Tags = c.Tags AND t.tag_key = $key
    ORDER BY c.EffectiveCost
"""

# keys and values a tag export can hold: quotes, JSON-path and SQL look-alikes, unicode, blanks, long text
hostile_text = st.one_of(
    st.sampled_from(["team", "Team", "$.team", "a.b", 'we"ird', "it's", "key with spaces", "ü-ß-東京", "%", "_",
                     "--", "'; DROP TABLE cost; --", "\\", "{}", "null", "  ", ""]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
)
tag_value = st.one_of(hostile_text, st.none(), st.integers(-10**6, 10**6), st.booleans(),
                      st.floats(allow_nan=False, allow_infinity=False, width=32))
tag_set = st.one_of(
    st.dictionaries(hostile_text, tag_value, max_size=6).map(lambda d: json.dumps(d, ensure_ascii=False)),
    st.sampled_from(['{"a": {"nested": 1}}', '{"a": [1, 2]}', "[1, 2]", '"text"', "null", "{}", "1"]),
    st.none(),
)


def _load(con: duckdb.DuckDBPyConnection, tags: list[str | None], *, first_cost: int = 1) -> int:
    """One cost load through the ledger (as every loader writes) of one row per tag set; returns its file id."""
    frame = pd.DataFrame({
        "BillingAccountId": "payer", "BillingCurrency": "USD", "ProviderName": "AWS", "ChargeCategory": "Usage",
        "ChargePeriodStart": DAY, "ChargePeriodEnd": DAY + timedelta(days=1), "BillingPeriodStart": DAY,
        "BillingPeriodEnd": DAY + timedelta(days=31),
        "BilledCost": [Decimal(first_cost + i) for i in range(len(tags))],
        "EffectiveCost": [Decimal(first_cost + i) for i in range(len(tags))],
        "Tags": pd.Series(tags, dtype=object),
    })
    digest = hashlib.sha256(repr((first_cost, tags)).encode()).hexdigest()

    def load(tx: LoadTransaction) -> None:
        tx.insert_frame("cost", frame)

    return run_load(con, kind="test", file=SourceFile(f"/t/{digest}", digest[:8], digest, 1), target_table="cost",
                    load=load).file_id


def _keys_of(tags: list[str | None]) -> set[str]:
    keys: set[str] = {"absent-key", "team"}
    for text in tags:
        value = json.loads(text) if text is not None else None
        if isinstance(value, dict):
            keys |= set(value)
    return keys


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(tag_set, min_size=1, max_size=8), second=st.lists(tag_set, max_size=8))
def test_the_dictionary_gives_what_parsing_tags_gives_for_every_key(first: list[str | None],
                                                                     second: list[str | None]) -> None:
    con = analytics.connect(":memory:")
    try:
        _load(con, first)
        if second:  # a later load repeats some tag sets and adds others
            _load(con, second + first[:2], first_cost=100)
        for key in sorted(_keys_of(first + second)):
            rows = run(con, LOOKUP, {"key": key})
            assert [joined for _, joined, _ in rows] == [parsed for _, _, parsed in rows], key
        duplicates = run(con, "SELECT count(*) FROM (SELECT Tags, tag_key FROM cost_tags GROUP BY ALL "
                              "HAVING count(*) > 1)")
        assert duplicates == [(0,)]
        assert refresh_cost_tags(con) == 0  # every load already brought it up to date
    finally:
        con.close()


def test_string_values_are_the_json_values_and_non_objects_have_no_entries(con: duckdb.DuckDBPyConnection) -> None:
    tags = ['{"team": "payments", "$.team": "literal", "env": " prod "}', '{"team": null}', "[1, 2]", None]
    _load(con, tags)
    got = run(con, "SELECT Tags, tag_key, tag_value FROM cost_tags ORDER BY ALL")
    assert got == [
        ('{"team": "payments", "$.team": "literal", "env": " prod "}', "$.team", "literal"),
        ('{"team": "payments", "$.team": "literal", "env": " prod "}', "env", " prod "),
        ('{"team": "payments", "$.team": "literal", "env": " prod "}', "team", "payments"),
        ('{"team": null}', "team", None),
    ]


def test_a_tag_set_delivered_again_is_not_added_twice(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, ['{"team": "a"}', '{"team": "b"}'])
    _load(con, ['{"team": "a"}', '{"team": "c"}'], first_cost=10)
    assert run(con, "SELECT tag_value, count(*) FROM cost_tags GROUP BY ALL ORDER BY ALL") == [
        ("a", 1), ("b", 1), ("c", 1)]


def test_a_direct_write_is_completed_by_refresh_and_a_duplicate_entry_is_refused(
        con: duckdb.DuckDBPyConnection) -> None:
    run(con, "INSERT INTO cost (BillingAccountId, BillingCurrency, ProviderName, ChargeCategory, ChargePeriodStart, "
             "ChargePeriodEnd, BillingPeriodStart, BillingPeriodEnd, BilledCost, EffectiveCost, Tags, source_file_id) "
             "SELECT 'p', 'USD', 'AWS', 'Usage', $d, $d, $d, $d, 1, 1, '{\"team\": \"x\", \"env\": \"y\"}', 0",
        {"d": DAY})
    assert run(con, "SELECT count(*) FROM cost_tags") == [(0,)]
    assert refresh_cost_tags(con) == 2
    with pytest.raises(duckdb.ConstraintException):
        run(con, "INSERT INTO cost_tags VALUES ('{\"team\": \"x\", \"env\": \"y\"}', 'team', 'z')")


def test_a_warehouse_from_before_migration_10_is_backfilled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.duckdb"
    shipped = wh.migrations()
    monkeypatch.setattr(wh, "migrations", lambda: [m for m in shipped if m.version < 10])
    old = analytics.connect(path)
    try:  # the rows an earlier version loaded (it had no dictionary to fill)
        for tags in ('{"team": "a", "env": "prod"}', '{"team": "a", "env": "prod"}', None, '{"cost-center": "42"}'):
            run(old, "INSERT INTO cost (BillingAccountId, BillingCurrency, ProviderName, ChargeCategory, "
                     "ChargePeriodStart, ChargePeriodEnd, BillingPeriodStart, BillingPeriodEnd, BilledCost, "
                     "EffectiveCost, Tags, source_file_id) "
                     "SELECT 'p', 'USD', 'AWS', 'Usage', $d, $d, $d, $d, 1, 1, $t, 1",
                {"d": DAY, "t": tags})
        assert run(old, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'cost_tags'") == [(0,)]
    finally:
        old.close()
    monkeypatch.setattr(wh, "migrations", lambda: shipped)
    new = analytics.connect(path)  # applies 0010
    try:
        assert run(new, "SELECT Tags, tag_key, tag_value FROM cost_tags ORDER BY ALL") == [
            ('{"cost-center": "42"}', "cost-center", "42"),
            ('{"team": "a", "env": "prod"}', "env", "prod"),
            ('{"team": "a", "env": "prod"}', "team", "a"),
        ]
    finally:
        new.close()


def _sum_by_team(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return run(con, "SELECT coalesce(t.tag_value, '(none)'), sum(c.EffectiveCost) FROM cost AS c "
                    "LEFT JOIN cost_tags AS t ON t.Tags = c.Tags AND t.tag_key = 'team' GROUP BY ALL ORDER BY ALL")


def test_joining_the_dictionary_never_multiplies_cost_rows(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, ['{"team": "a", "env": "prod"}'] * 3 + ['{"env": "prod"}', None])
    assert _sum_by_team(con) == [("(none)", Decimal("9")), ("a", Decimal("6"))]
