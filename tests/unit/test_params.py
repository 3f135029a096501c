from __future__ import annotations

import pytest

from analytics.errors import ParameterError, PeriodError
from analytics.params import IncidentTrendsParams, parse_business_hours, severity, timezone_name

pytestmark = pytest.mark.unit


def test_papermill_style_raw_values_are_coerced() -> None:
    params = IncidentTrendsParams.from_raw(period=2026, warehouse=":memory:", min_severity=2, service=" checkout ")
    assert params.context.period.label == "2026"
    assert params.min_severity == "SEV2" and params.max_severity_rank == 2
    assert params.service == "checkout" and params.team is None


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: severity("SEV9"), ParameterError, "severity must be one of"),
        (lambda: timezone_name("Mars/Olympus"), ParameterError, "unknown time zone"),
        (lambda: parse_business_hours("18:00-08:00"), ParameterError, "same-day range"),
        (lambda: parse_business_hours("9 to 5"), ParameterError, "must look like"),
        (lambda: IncidentTrendsParams.from_raw(period="2026Q7"), PeriodError, "bad period"),
    ],
)
def test_nonsense_fails_with_one_clear_line(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()
