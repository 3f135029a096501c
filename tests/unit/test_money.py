"""The one money formatter (analytics/money.py): every style in the currency it is given."""

from __future__ import annotations

import pytest

from analytics.metrics import cost as cm
from analytics.money import STYLES, currency_symbol, is_currency, money
from analytics.plots import compact_money_formatter, currency_formatter
from analytics.scorecard import Kpi, format_delta, format_value

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "currency", "style", "signed", "expected"),
    [
        (1107283.17, "USD", "narrative", False, "$1.11M"),
        (12345.0, "EUR", "narrative", False, "€12.3k"),
        (9999.0, "GBP", "narrative", False, "£9,999"),  # k from 10,000 in sentences
        (-420.0, "USD", "narrative", False, "−$420"),
        (1234.5, "NOK", "kpi", False, "NOK 1.2k"),  # k from 1,000 on KPI cards
        (2.49, "GBP", "kpi", False, "£2.49"),
        (-1234.5, "USD", "kpi", False, "-$1.2k"),  # the scorecard's ASCII minus, like its ratios
        (2_500_000.0, "USD", "compact", True, "+$2.5M"),
        (5788.8, "CHF", "compact", True, "+CHF 5.8k"),
        (-420.0, "JPY", "compact", True, "−¥420"),
        (975400.0, "USD", "figures", False, "$975k"),
        (1052000.0, "EUR", "figures", False, "€1.05M"),
    ],
)
def test_money_in_every_style(value: float, currency: str, style: str, signed: bool, expected: str) -> None:
    assert money(value, currency, style=style, signed=signed) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("value", [0.5, 12.0, 999.0, 4321.0, 98765.0, 1.5e6, -2.5e7])
def test_no_dollar_sign_unless_the_currency_is_usd(style: str, value: float) -> None:
    for currency in ("EUR", "NOK", "JPY", "GBP"):
        text = money(value, currency, style=style, signed=True)  # type: ignore[arg-type]
        assert "$" not in text and currency_symbol(currency) in text, (currency, text)
    assert "$" in money(value, "USD", style=style)  # type: ignore[arg-type]


def test_every_formatter_is_the_one_formatter() -> None:
    assert cm.money is money  # the cost module re-exports it for the notebooks
    assert format_value(1234.5, "NOK") == money(1234.5, "NOK", style="kpi")
    assert format_value(1234.5, "EUR", signed=True) == "+" + money(1234.5, "EUR", style="kpi")
    assert format_delta(Kpi("c", "C", "Cost", "2026Q3", 100.0, "SEK", previous=350.0)) == "−SEK 250.00"
    assert currency_formatter("EUR")(-12345.0, None) == money(-12345.0, "EUR", style="compact") == "−€12.3k"
    assert compact_money_formatter("NOK")(975400.0, None) == "NOK 975k"
    assert currency_formatter("USD", digits=2)(4.5, None) == "$4.50"
    assert money(None, "USD") == money(float("nan"), "EUR") == "n/a"
    assert is_currency("NOK") and not is_currency("count") and not is_currency("per week")
