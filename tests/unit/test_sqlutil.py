from __future__ import annotations

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.errors import UnknownNameError
from analytics.warehouse import run
from analytics.warehouse.sqlutil import extra_column_name, quote_identifier, quote_literal, require_one_of

pytestmark = pytest.mark.unit


@given(st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s and s.strip() != ""))
def test_any_identifier_round_trips_through_duckdb(name: str) -> None:
    con = duckdb.connect()
    try:
        run(con, f"CREATE TABLE t ({quote_identifier(name)} INTEGER)")
        run(con, f"INSERT INTO t ({quote_identifier(name)}) VALUES (7)")
        assert run(con, f"SELECT {quote_identifier(name)} FROM t") == [(7,)]
        assert run(con, "SELECT column_name FROM duckdb_columns() WHERE table_name = 't'") == [(name,)]
    finally:
        con.close()


def test_injection_attempt_stays_an_identifier() -> None:
    con = duckdb.connect()
    hostile = 'x"; DROP TABLE keep; --'
    run(con, "CREATE TABLE keep (a INTEGER)")
    run(con, f"CREATE TABLE t ({quote_identifier(hostile)} INTEGER)")
    assert run(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'keep'") == [(1,)]


@pytest.mark.parametrize("bad", ["", "a\x00b"])
def test_unusable_identifiers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        quote_identifier(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("product/instanceType", "x_product_instanceType"), ("x_Foo", "x_Foo"), (" resourceTags/user:team ",
                                                                                "x_resourceTags_user_team")],
)
def test_extra_column_names(raw: str, expected: str) -> None:
    assert extra_column_name(raw) == expected


def test_allow_list_names_the_options() -> None:
    with pytest.raises(UnknownNameError, match="expected one of: cost, incidents"):
        require_one_of("users", ("incidents", "cost"), what="table")


@given(st.text(max_size=40).filter(lambda s: "\x00" not in s))
def test_any_text_round_trips_as_a_literal(text: str) -> None:
    con = duckdb.connect()
    try:
        assert run(con, f"SELECT {quote_literal(text)}") == [(text,)]
    finally:
        con.close()


def test_literal_with_nul_is_refused() -> None:
    with pytest.raises(ValueError, match="NUL in string literal"):
        quote_literal("a\x00b")
