"""Properties of the showback money arithmetic (analytics/metrics/_cost_allocation.py), by hypothesis."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.metrics._cost_allocation import (
    allocate_shared,
    apportion_cents,
    cents_preserving_total,
    from_cents,
    to_cents,
)

pytestmark = pytest.mark.unit

# amounts with up to 10 decimals, as the warehouse stores them
amounts = st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=10,
                      allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=10,
                       allow_nan=False, allow_infinity=False)
names = st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=4), min_size=1, max_size=8, unique=True)


@given(st.lists(amounts, min_size=1, max_size=12))
@settings(max_examples=300, deadline=None)
def test_rounded_lines_add_up_to_the_rounded_total_and_stay_within_a_cent(values: list[Decimal]) -> None:
    cents = cents_preserving_total(values)
    assert sum(cents) == to_cents(sum(values, Decimal(0)))
    assert all(abs(Decimal(c) - v * 100) < 1 for c, v in zip(cents, values, strict=True))


@given(st.integers(min_value=-10**9, max_value=10**9), st.lists(positive, min_size=1, max_size=10))
@settings(max_examples=300, deadline=None)
def test_apportioned_cents_add_up_and_follow_the_weights(total: int, weights: list[Decimal]) -> None:
    if sum(weights) == 0:
        with pytest.raises(ValueError):
            apportion_cents(total, weights)
        return
    parts = apportion_cents(total, weights)
    assert sum(parts) == total
    share = sum(weights)
    assert all(abs(Decimal(p) - Decimal(total) * w / share) < 1 for p, w in zip(parts, weights, strict=True))


@given(names.flatmap(lambda ns: st.tuples(st.just(ns), st.lists(positive, min_size=len(ns), max_size=len(ns)))),
       positive, st.sampled_from(["proportional", "even"]))
@settings(max_examples=300, deadline=None)
def test_allocation_preserves_the_shared_total_without_negative_parts(
    recipients: tuple[list[str], list[Decimal]], shared: Decimal, method: str
) -> None:
    direct = dict(zip(*recipients, strict=True))
    parts, used = allocate_shared(direct, shared, method=method)  # type: ignore[arg-type]
    assert sum(parts.values()) == from_cents(to_cents(shared))
    assert all(p >= 0 for p in parts.values())  # positive inputs never produce a negative allocation
    assert set(parts) == set(direct)
    assert used == method or (method == "proportional" and used == "even" and sum(direct.values()) == 0)


@given(names, positive, positive)
@settings(max_examples=200, deadline=None)
def test_methods_agree_when_everyone_weighs_the_same(recipients: list[str], cost: Decimal, shared: Decimal) -> None:
    if cost == 0:
        cost = Decimal(1)
    direct = dict.fromkeys(recipients, cost)
    even, _ = allocate_shared(direct, shared, method="even")
    proportional, _ = allocate_shared(direct, shared, method="proportional")
    fixed, _ = allocate_shared(direct, shared, method="fixed", fixed_shares=dict.fromkeys(recipients, 0.25))
    assert even == proportional == fixed


@given(names.flatmap(lambda ns: st.tuples(st.just(ns), st.lists(positive, min_size=len(ns), max_size=len(ns)))),
       positive)
@settings(max_examples=200, deadline=None)
def test_proportional_allocation_is_monotone_in_direct_cost(
    recipients: tuple[list[str], list[Decimal]], shared: Decimal
) -> None:
    direct = dict(zip(*recipients, strict=True))
    parts, used = allocate_shared(direct, shared, method="proportional")
    if used != "proportional":
        return
    ordered = sorted(direct, key=lambda n: direct[n])
    for low, high in pairwise(ordered):
        if direct[low] < direct[high]:
            assert parts[low] <= parts[high] + Decimal("0.01")  # at most the odd cent out of order


def test_fixed_shares_can_name_buckets_without_direct_cost_and_reject_nonsense() -> None:
    parts, used = allocate_shared({"a": Decimal(5)}, Decimal("9.00"), method="fixed",
                                  fixed_shares={"a": 2, "new": 1})
    assert parts == {"a": Decimal("6.00"), "new": Decimal("3.00")} and used == "fixed"
    with pytest.raises(ValueError, match="non-negative"):
        allocate_shared({"a": Decimal(5)}, Decimal(1), method="fixed", fixed_shares={"a": -1})
    with pytest.raises(ValueError, match="needs shares"):
        allocate_shared({"a": Decimal(5)}, Decimal(1), method="fixed")
    with pytest.raises(ValueError, match="nobody"):
        allocate_shared({}, Decimal(1))
    with pytest.raises(ValueError, match="unknown allocation method"):
        allocate_shared({"a": Decimal(1)}, Decimal(1), method="weighted")  # type: ignore[arg-type]


def test_negative_shared_cost_splits_like_positive() -> None:
    parts, _ = allocate_shared({"a": Decimal(3), "b": Decimal(1)}, Decimal("-1.00"))
    assert parts == {"a": Decimal("-0.75"), "b": Decimal("-0.25")}
