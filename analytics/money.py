"""The one money formatter: an amount in the currency it is in, for narrative text, KPI values and chart axes.

Every amount the reports print goes through :func:`money` with its currency (the billing currency of the
data, :func:`analytics.metrics.cost.billing_currency`): ``$`` only for USD, ``€1.2k`` for EUR, ``NOK 1.2k``
for a currency without a symbol here. A *style* says how compact the amount is written — the same amount
reads ``$12.3k`` in a sentence, ``$12.3k`` on a KPI card and on a chart axis, but ``$4,321`` in a sentence
and ``$4.3k`` on an axis — and which minus sign it carries:

========== ============ ============== ================== ======== ================================
style       k from       k / M digits   below k            minus    used for
========== ============ ============== ================== ======== ================================
narrative   10,000       1 / 2          ``4,321``          ``−``    sentences (``cost.money``)
kpi         1,000        1 / 2          ``432.10``         ``-``    scorecard values (``format_value``)
compact     1,000        1 / 1          ``432``            ``−``    chart axes, anomaly impacts
figures     1,000        3 significant  3 significant      ``−``    axes that do not start at zero
========== ============ ============== ================== ======== ================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = ["CURRENCY_SYMBOLS", "STYLES", "MoneyStyle", "Style", "currency_symbol", "is_currency", "money"]

CURRENCY_SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "C$", "AUD": "A$", "JPY": "¥"}
"""Symbols written before an amount; any other ISO 4217 code is written as ``NOK 1.2k``."""

Style = Literal["narrative", "kpi", "compact", "figures"]


@dataclass(frozen=True)
class MoneyStyle:
    """How compactly an amount is written: sizes from ``thousands_from`` on in k (from a million in M), with
    the format specs of a scaled amount and of a smaller one, and the minus sign."""

    thousands_from: float
    thousands: str
    millions: str
    units: str
    minus: str


STYLES: dict[str, MoneyStyle] = {
    "narrative": MoneyStyle(1e4, ".1f", ".2f", ",.0f", "−"),
    "kpi": MoneyStyle(1e3, ".1f", ".2f", ",.2f", "-"),
    "compact": MoneyStyle(1e3, ".1f", ".1f", ",.0f", "−"),
    "figures": MoneyStyle(1e3, ".3g", ".3g", ".3g", "−"),
}


def is_currency(unit: str) -> bool:
    """Whether a KPI unit is a currency (an ISO 4217 code such as ``USD`` or ``NOK``).

    >>> is_currency("EUR"), is_currency("NOK"), is_currency("ratio"), is_currency("usd")
    (True, True, False, False)
    """
    return unit in CURRENCY_SYMBOLS or (len(unit) == 3 and unit.isalpha() and unit.isupper())


def currency_symbol(currency: str) -> str:
    """What is written before an amount: ``$`` for USD, ``NOK `` for a code without a symbol.

    >>> currency_symbol("usd"), currency_symbol("NOK")
    ('$', 'NOK ')
    """
    code = currency.strip().upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} ")


def money(value: float | Decimal | None, currency: str, *, style: Style = "narrative", signed: bool = False,
          digits: int | None = None) -> str:
    """An amount in ``currency``: ``$1.11M``, ``€12.3k``, ``−$420``; ``signed`` adds ``+`` to a positive
    amount, ``digits`` forces plain decimals (unit costs); None and NaN are ``n/a``.

    >>> money(1107283.17, "USD"), money(-420, "USD"), money(4.68237, "USD", digits=2), money(None, "USD")
    ('$1.11M', '−$420', '$4.68', 'n/a')
    >>> money(5788.8, "EUR", style="compact", signed=True), money(1234567, "NOK", style="kpi")
    ('+€5.8k', 'NOK 1.23M')
    >>> money(-1234.5, "USD", style="kpi"), money(975400.0, "USD", style="figures")
    ('-$1.2k', '$975k')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    amount = float(value)
    rule = STYLES[style]
    sign = rule.minus if amount < 0 else "+" if signed and amount > 0 else ""
    size = abs(amount)
    if digits is not None:
        text = f"{size:,.{digits}f}"
    elif size >= 1e6:
        text = f"{size / 1e6:{rule.millions}}M"
    elif size >= rule.thousands_from:
        text = f"{size / 1e3:{rule.thousands}}k"
    else:
        text = f"{size:{rule.units}}"
    return f"{sign}{currency_symbol(currency)}{text}"
