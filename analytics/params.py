"""Validated, frozen parameter objects for report notebooks.

A notebook's ``parameters`` cell holds plain typed defaults; the next cell turns them into one
of these objects, which coerces types (papermill's CLI turns ``-p period 2026`` into an int) and
rejects nonsense with a one-line :class:`~analytics.errors.ParameterError`.

Every report notebook declares at least :data:`COMMON_PARAMETERS`; the runner passes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from analytics.errors import ParameterError
from analytics.periods import Period, parse_period
from analytics.settings import Settings
from analytics.warehouse import connect

COMMON_PARAMETERS: tuple[str, ...] = ("period", "warehouse", "output_dir")
SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class ReportContext:
    """What every report needs: the period, the warehouse and where artifacts go."""

    period: Period
    warehouse: str
    output_dir: Path | None

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the warehouse."""
        return connect(self.warehouse, read_only=True)

    def artifact(self, name: str) -> Path | None:
        """Path for an artifact file (``kpis.json``…) in the output folder, if there is one."""
        if self.output_dir is None:
            return None
        self.output_dir.mkdir(parents=True, exist_ok=True)
        return self.output_dir / name


def report_context(*, period: object, warehouse: object = "", output_dir: object = "") -> ReportContext:
    """Validate the common parameters.

    >>> report_context(period=2026, warehouse=":memory:").period.label
    '2026'
    """
    parsed = parse_period(str(period))
    wh = Settings.from_env(warehouse=str(warehouse) if warehouse else None).warehouse
    out = Path(str(output_dir)).expanduser().resolve() if output_dir else None
    return ReportContext(parsed, wh, out)


def severity(value: object) -> str:
    """``SEV1``..``SEV5`` from ``sev2``, ``2`` or ``SEV2``.

    >>> severity("sev2"), severity(3)
    ('SEV2', 'SEV3')
    """
    text = str(value).strip().upper()
    if text.isdigit():
        text = f"SEV{text}"
    if text not in SEVERITIES:
        raise ParameterError(f"severity must be one of {', '.join(SEVERITIES)}, got {value!r}")
    return text


def timezone_name(value: object) -> str:
    """A valid IANA time-zone name."""
    text = str(value).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ParameterError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from exc
    return text


def parse_business_hours(value: object) -> tuple[int, int]:
    """``"08:00-18:00"`` → (480, 1080) minutes after midnight.

    >>> parse_business_hours("08:00-18:00")
    (480, 1080)
    """
    match = _HOURS.match(str(value).strip())
    if not match:
        raise ParameterError(f"business hours must look like 08:00-18:00, got {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if not (0 <= start < end <= 24 * 60 and m1 < 60 and m2 < 60):
        raise ParameterError(f"business hours must be a same-day range, got {value!r}")
    return start, end


def optional_text(value: object) -> str | None:
    """Empty strings and None become None; anything else is stripped text."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class IncidentTrendsParams:
    """Parameters of ``notebooks/incident_trends.ipynb``."""

    context: ReportContext
    service: str | None
    team: str | None
    min_severity: str
    responder_timezone: str
    business_hours: tuple[int, int]

    @property
    def max_severity_rank(self) -> int:
        """Largest severity_rank included (SEV3 floor → ranks 1..3)."""
        return int(self.min_severity[-1])

    @classmethod
    def from_raw(
        cls,
        *,
        period: object,
        warehouse: object = "",
        output_dir: object = "",
        service: object = "",
        team: object = "",
        min_severity: object = "SEV5",
        responder_timezone: object = "UTC",
        business_hours: object = "08:00-18:00",
    ) -> IncidentTrendsParams:
        """Coerce and validate the notebook's raw parameters."""
        return cls(
            context=report_context(period=period, warehouse=warehouse, output_dir=output_dir),
            service=optional_text(service),
            team=optional_text(team),
            min_severity=severity(min_severity),
            responder_timezone=timezone_name(responder_timezone),
            business_hours=parse_business_hours(business_hours),
        )
