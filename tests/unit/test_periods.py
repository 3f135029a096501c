from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.errors import PeriodError
from analytics.periods import latest_full_quarter, parse_period

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026Q3", date(2026, 7, 1), date(2026, 10, 1), "2026Q3"),
        ("2026-q4", date(2026, 10, 1), date(2027, 1, 1), "2026Q4"),
        ("2026H1", date(2026, 1, 1), date(2026, 7, 1), "2026H1"),
        ("2026-02", date(2026, 2, 1), date(2026, 3, 1), "2026-02"),
        (" 2025 ", date(2025, 1, 1), date(2026, 1, 1), "2025"),
        (2024, date(2024, 1, 1), date(2025, 1, 1), "2024"),
    ],
)
def test_parse_period_gives_half_open_bounds(text: object, start: date, end: date, label: str) -> None:
    period = parse_period(text)  # type: ignore[arg-type]
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize("bad", ["2026Q5", "2026Q0", "26Q3", "2026-13", "2026-00", "Q3 2026", "", "1899", "latest"])
def test_bad_periods_name_the_accepted_forms(bad: str) -> None:
    with pytest.raises(PeriodError, match="expected a quarter like 2026Q3"):
        parse_period(bad)


def test_quarter_arithmetic_and_lengths() -> None:
    q = parse_period("2026Q1")
    assert q.previous().label == "2025Q4"
    assert q.next(3).label == "2026Q4"
    assert [m.label for m in q.months()] == ["2026-01", "2026-02", "2026-03"]
    assert parse_period("2026Q3").days == 92  # Jul 31 + Aug 31 + Sep 30
    assert parse_period("2024-02").days == 29  # leap year


def test_contains_is_half_open_and_refuses_naive_timestamps() -> None:
    q = parse_period("2026Q3")
    assert q.contains(datetime(2026, 7, 1, tzinfo=UTC))
    assert not q.contains(datetime(2026, 10, 1, tzinfo=UTC))
    assert q.contains(date(2026, 9, 30))
    with pytest.raises(PeriodError, match="naive"):
        q.contains(datetime(2026, 8, 1))


@pytest.mark.parametrize(
    ("last_day", "expected"),
    [(date(2026, 9, 30), "2026Q3"), (date(2026, 9, 29), "2026Q2"), (date(2026, 12, 31), "2026Q4"),
     (date(2027, 1, 1), "2026Q4")],
)
def test_latest_full_quarter(last_day: date, expected: str) -> None:
    assert latest_full_quarter(last_day).label == expected


@given(year=st.integers(1970, 2200), grain=st.sampled_from(["Q", "H", "M", "Y"]), n=st.integers(1, 12))
def test_labels_round_trip(year: int, grain: str, n: int) -> None:
    text = {"Q": f"{year}Q{(n - 1) % 4 + 1}", "H": f"{year}H{(n - 1) % 2 + 1}", "M": f"{year}-{n:02d}",
            "Y": f"{year}"}[grain]
    period = parse_period(text)
    assert parse_period(period.label) == period
    assert period.next().previous() == period
    assert period.start < period.end
