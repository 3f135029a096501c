"""Exact money arithmetic for showback: cents that add up, and shared-cost allocation.

Everything here is pure and works on :class:`~decimal.Decimal` amounts, never floats. Rounding to
cents uses the largest-remainder (Hamilton) method, so a column of rounded amounts always adds up to
the rounded total — the property a chargeback statement needs and the tests check.

Allocation methods (OpenCost / Kubecost ``shareSplit``; docs/metrics.md §4):

* ``proportional`` (Kubecost "weighted"): ``share_i = S × c_i / Σ_j c_j`` over the recipients' direct
  cost; recipients with a negative direct cost (net credits) get weight 0; when no recipient has a
  positive cost the split falls back to ``even`` and says so.
* ``even``: ``share_i = S / n``.
* ``fixed``: ``share_i = S × w_i / Σ_j w_j`` with weights the caller declares (e.g. from a finance
  agreement); recipients without a weight get nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Method = Literal["proportional", "even", "fixed"]
METHODS: tuple[Method, ...] = ("proportional", "even", "fixed")
CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> int:
    """An amount in whole cents, rounded half away from zero.

    >>> to_cents(Decimal("12.345")), to_cents(Decimal("-0.005")), to_cents(Decimal("7"))
    (1235, -1, 700)
    """
    return int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    """Whole cents back to a two-decimal amount.

    >>> from_cents(-1235)
    Decimal('-12.35')
    """
    return (Decimal(cents) / 100).quantize(CENT)


def _largest_remainder(quotas: Sequence[Decimal], target: int) -> list[int]:
    """Integers within one of each quota, summing to ``target`` (ties go to the earlier item)."""
    floors = [math.floor(q) for q in quotas]
    missing = target - sum(floors)
    if not 0 <= missing <= len(quotas):
        raise ValueError(f"cannot apportion {target} over quotas summing to {sum(quotas)}")
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def cents_preserving_total(amounts: Sequence[Decimal]) -> list[int]:
    """Each amount in cents (within a cent of exact) such that they add up to the rounded total.

    >>> cents_preserving_total([Decimal("0.333"), Decimal("0.333"), Decimal("0.334")])
    [33, 33, 34]
    >>> sum(cents_preserving_total([Decimal("1.005"), Decimal("2.005"), Decimal("-0.004")]))
    301
    """
    if not amounts:
        return []
    target = to_cents(sum(amounts, Decimal(0)))
    return _largest_remainder([Decimal(a) * 100 for a in amounts], target)


def apportion_cents(total_cents: int, weights: Sequence[Decimal]) -> list[int]:
    """Split whole cents in proportion to non-negative weights; the parts add up exactly.

    >>> apportion_cents(100, [Decimal(1), Decimal(1), Decimal(1)])
    [34, 33, 33]
    >>> apportion_cents(-100, [Decimal(1), Decimal(3)])
    [-25, -75]
    """
    if any(w < 0 for w in weights):
        raise ValueError("allocation weights must not be negative")
    denominator = sum(weights, Decimal(0))
    if denominator <= 0:
        raise ValueError("allocation weights must add up to more than zero")
    quotas = [Decimal(total_cents) * w / denominator for w in weights]
    return _largest_remainder(quotas, total_cents)


def allocation_weights(
    direct: Mapping[str, Decimal],
    *,
    method: Method,
    fixed_shares: Mapping[str, Decimal | float] | None = None,
) -> tuple[dict[str, Decimal], Method]:
    """Weight of each recipient under a method, and the method actually used (see module doc)."""
    if method not in METHODS:
        raise ValueError(f"unknown allocation method {method!r}; expected one of {', '.join(METHODS)}")
    names = sorted(direct)
    if method == "fixed":
        shares = {str(k): Decimal(str(v)) for k, v in (fixed_shares or {}).items()}
        if not shares:
            raise ValueError("the fixed method needs shares, e.g. {'payments': 0.6, 'data': 0.4}")
        if any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
            raise ValueError("fixed shares must be non-negative and add up to more than zero")
        return {name: shares[name] for name in sorted(shares)}, "fixed"
    if method == "proportional":
        weights = {name: max(Decimal(direct[name]), Decimal(0)) for name in names}
        if sum(weights.values()) > 0:
            return weights, "proportional"
    return {name: Decimal(1) for name in names}, "even"


def allocate_shared(
    direct: Mapping[str, Decimal],
    shared: Decimal,
    *,
    method: Method = "proportional",
    fixed_shares: Mapping[str, Decimal | float] | None = None,
) -> tuple[dict[str, Decimal], Method]:
    """Split a shared amount (rounded to cents) over recipients; the parts add up to it exactly.

    Returns each recipient's share in cents and the method actually used (``proportional`` falls
    back to ``even`` when no recipient has a positive direct cost). With ``fixed`` the recipients
    are the names in ``fixed_shares``.

    >>> parts, used = allocate_shared({"a": Decimal(30), "b": Decimal(10)}, Decimal("100.00"))
    >>> parts, used
    ({'a': Decimal('75.00'), 'b': Decimal('25.00')}, 'proportional')
    >>> allocate_shared({"a": Decimal(30), "b": Decimal(10)}, Decimal("0.01"), method="even")[0]
    {'a': Decimal('0.01'), 'b': Decimal('0.00')}
    """
    if not direct and method != "fixed":
        raise ValueError("there is nobody to allocate shared cost to")
    weights, used = allocation_weights(direct, method=method, fixed_shares=fixed_shares)
    names = list(weights)
    cents = apportion_cents(to_cents(shared), [weights[n] for n in names])
    return {name: from_cents(c) for name, c in zip(names, cents, strict=True)}, used
