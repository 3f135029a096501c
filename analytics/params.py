"""Validated, frozen parameter objects for report notebooks.

A notebook's ``parameters`` cell holds plain typed defaults; the next cell turns them into one
of these objects, which coerces types (papermill's CLI turns ``-p period 2026`` into an int) and
rejects nonsense with a one-line :class:`~analytics.errors.ParameterError`.

Every report notebook declares at least :data:`COMMON_PARAMETERS`; the runner passes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from analytics.errors import ParameterError
from analytics.metrics._cost_scope import CostScope, Window, parse_dimension, parse_tag_key
from analytics.periods import Period, parse_period
from analytics.settings import Settings
from analytics.warehouse import connect

if TYPE_CHECKING:  # imported lazily in from_raw: the report runner imports this module and needs neither
    from analytics.metrics.quarterly import ReviewOptions
    from analytics.scorecard import TargetBook

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


# -- cost analyses (notebooks/cost_overview, unit_cost, cost_investigation) -----------------------
ALLOCATION_METHODS: tuple[str, ...] = ("proportional", "even", "fixed")
COST_GRAINS: tuple[str, ...] = ("day", "week", "month")
UNTAGGED_VALUE = "(untagged)"


def parse_text_list(value: object) -> tuple[str, ...]:
    """``"a, b,,c"`` (or a list) → ``('a', 'b', 'c')``; empty → ``()``.

    >>> parse_text_list("AWS Support (Business), Tax"), parse_text_list("")
    (('AWS Support (Business)', 'Tax'), ())
    """
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    return tuple(t for t in (str(i).strip() for i in items) if t)


def parse_optional_date(value: object, *, what: str = "date") -> date | None:
    """An ISO date (``2026-08-15``) or None for empty input."""
    text = optional_text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ParameterError(f"{what} must be an ISO date like 2026-08-15, got {value!r}") from exc


def parse_choice(value: object, allowed: tuple[str, ...], *, what: str) -> str:
    """One of ``allowed`` (case-insensitive)."""
    text = str(value).strip().lower()
    if text not in allowed:
        raise ParameterError(f"{what} must be one of {', '.join(allowed)}, got {value!r}")
    return text


def parse_shares(value: object) -> tuple[tuple[str, float], ...]:
    """``"payments:0.6, data:0.4"`` (or ``=``) → ``(('data', 0.4), ('payments', 0.6))``; weights ≥ 0, sum > 0.

    >>> parse_shares("payments:0.6, data=0.4")
    (('data', 0.4), ('payments', 0.6))
    """
    shares: dict[str, float] = {}
    for item in parse_text_list(value):
        cut = max(item.rfind(":"), item.rfind("="))
        name, weight = item[:cut].strip(), item[cut + 1:].strip()
        try:
            number = float(weight)
        except ValueError:
            number = -1.0
        if cut < 1 or not name or not 0 <= number < float("inf"):
            raise ParameterError(f"fixed shares must look like payments:0.6,data:0.4, got {item!r}")
        shares[name] = number
    if shares and sum(shares.values()) <= 0:
        raise ParameterError("fixed shares must add up to more than zero")
    return tuple(sorted(shares.items()))


def parse_positive_int(value: object, *, what: str, maximum: int = 10_000) -> int:
    """A whole number in ``1..maximum``."""
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ParameterError(f"{what} must be a whole number, got {value!r}") from exc
    if not 1 <= number <= maximum:
        raise ParameterError(f"{what} must be within 1..{maximum}, got {number}")
    return number


def parse_band(on_track: object, at_risk: object) -> tuple[float, float]:
    """The budget variance band as shares: ``(0.05, 0.10)``; percentages above 1 are read as %.

    >>> parse_band(5, "10"), parse_band(0.05, 0.1)
    ((0.05, 0.1), (0.05, 0.1))
    """
    try:
        low, high = (float(str(v).strip()) for v in (on_track, at_risk))
    except ValueError as exc:
        raise ParameterError(f"band thresholds must be numbers, got {on_track!r} and {at_risk!r}") from exc
    low, high = (v / 100 if v > 1 else v for v in (low, high))
    if not 0 <= low <= high <= 1:
        raise ParameterError(f"band must satisfy 0 <= on_track <= at_risk <= 100%, got {on_track!r}, {at_risk!r}")
    return low, high


@dataclass(frozen=True)
class CostOverviewParams:
    """Parameters of ``notebooks/cost_overview.ipynb``."""

    context: ReportContext
    tag_key: str
    shared_values: tuple[str, ...]
    shared_services: tuple[str, ...]
    allocation: str
    fixed_shares: tuple[tuple[str, float], ...]
    budget_scope: str
    band: tuple[float, float]
    as_of: date | None
    run_rate_days: int
    top_n: int

    @classmethod
    def from_raw(
        cls,
        *,
        period: object,
        warehouse: object = "",
        output_dir: object = "",
        tag_key: object = "team",
        shared_values: object = "",
        shared_services: object = "",
        allocation: object = "proportional",
        fixed_shares: object = "",
        budget_scope: object = "total",
        band_on_track: object = 0.05,
        band_at_risk: object = 0.10,
        as_of: object = "",
        run_rate_days: object = 7,
        top_n: object = 10,
    ) -> CostOverviewParams:
        """Coerce and validate the notebook's raw parameters."""
        method = parse_choice(allocation, ALLOCATION_METHODS, what="allocation")
        shares = parse_shares(fixed_shares)
        if method == "fixed" and not shares:
            raise ParameterError("allocation fixed needs fixed_shares, e.g. payments:0.6,data:0.4")
        scope = optional_text(budget_scope) or "total"
        CostScope.from_budget_scope(scope)
        context = report_context(period=period, warehouse=warehouse, output_dir=output_dir)
        cutoff = parse_optional_date(as_of, what="as_of")
        if cutoff is not None and cutoff < context.period.start:
            raise ParameterError(f"as_of {cutoff} lies before the period {context.period.label}")
        return cls(
            context=context,
            tag_key=parse_tag_key(tag_key),
            shared_values=parse_text_list(shared_values),
            shared_services=parse_text_list(shared_services),
            allocation=method,
            fixed_shares=shares,
            budget_scope=scope,
            band=parse_band(band_on_track, band_at_risk),
            as_of=cutoff,
            run_rate_days=parse_positive_int(run_rate_days, what="run_rate_days", maximum=62),
            top_n=parse_positive_int(top_n, what="top_n", maximum=100),
        )


@dataclass(frozen=True)
class UnitCostParams:
    """Parameters of ``notebooks/unit_cost.ipynb``."""

    context: ReportContext
    metric: str
    per: float
    aggregate: str
    cost_tag_key: str
    tenant_metric: str | None
    trend_months: int

    @classmethod
    def from_raw(
        cls,
        *,
        period: object,
        warehouse: object = "",
        output_dir: object = "",
        metric: object = "requests",
        per: object = 1000,
        aggregate: object = "sum",
        cost_tag_key: object = "service",
        tenant_metric: object = "active_tenants",
        trend_months: object = 12,
    ) -> UnitCostParams:
        """Coerce and validate the notebook's raw parameters."""
        name = optional_text(metric)
        if name is None:
            raise ParameterError("metric must name a business metric, e.g. requests")
        try:
            scale = float(str(per).strip())
        except ValueError as exc:
            raise ParameterError(f"per must be a positive number, got {per!r}") from exc
        if not scale > 0:
            raise ParameterError(f"per must be a positive number, got {per!r}")
        return cls(
            context=report_context(period=period, warehouse=warehouse, output_dir=output_dir),
            metric=name,
            per=scale,
            aggregate=parse_choice(aggregate, ("sum", "mean"), what="aggregate"),
            cost_tag_key=parse_tag_key(cost_tag_key),
            tenant_metric=optional_text(tenant_metric),
            trend_months=parse_positive_int(trend_months, what="trend_months", maximum=60),
        )


@dataclass(frozen=True)
class CostInvestigationParams:
    """Parameters of ``notebooks/cost_investigation.ipynb``."""

    context: ReportContext
    scope: CostScope
    window: Window
    compare: Window
    grain: str
    dimension: str
    top_n: int
    per_day: bool

    @classmethod
    def from_raw(
        cls,
        *,
        period: object,
        warehouse: object = "",
        output_dir: object = "",
        provider: object = "",
        service: object = "",
        account: object = "",
        region: object = "",
        tag_key: object = "",
        tag_value: object = "",
        start: object = "",
        end: object = "",
        compare_start: object = "",
        compare_end: object = "",
        grain: object = "week",
        dimension: object = "service",
        top_n: object = 10,
        per_day: object = False,
    ) -> CostInvestigationParams:
        """Coerce and validate the notebook's raw parameters."""
        context = report_context(period=period, warehouse=warehouse, output_dir=output_dir)
        key, value = optional_text(tag_key), optional_text(tag_value)
        if (key is None) != (value is None):
            raise ParameterError(f"tag_key and tag_value go together (tag_value {UNTAGGED_VALUE} selects the "
                                 "rows without the tag)")
        scope = CostScope(
            provider=optional_text(provider), service=optional_text(service), account=optional_text(account),
            region=optional_text(region), tag_key=key, tag_value=None if value == UNTAGGED_VALUE else value,
        )
        first, last = parse_optional_date(start, what="start"), parse_optional_date(end, what="end")
        window = Window(first or context.period.start, last or context.period.end)
        c_first = parse_optional_date(compare_start, what="compare_start")
        c_last = parse_optional_date(compare_end, what="compare_end")
        if (c_first is None) != (c_last is None):
            raise ParameterError("compare_start and compare_end go together (both empty: the previous window)")
        if c_first is not None and c_last is not None:
            compare = Window(c_first, c_last)
        elif window == Window(context.period.start, context.period.end):
            previous = context.period.previous()
            compare = Window(previous.start, previous.end)
        else:
            compare = window.previous()
        flag = str(per_day).strip().lower()
        if flag not in ("true", "false", "1", "0", "yes", "no"):
            raise ParameterError(f"per_day must be true or false, got {per_day!r}")
        return cls(
            context=context,
            scope=scope,
            window=window,
            compare=compare,
            grain=parse_choice(grain, COST_GRAINS, what="grain"),
            dimension=parse_dimension(str(dimension)).label,
            top_n=parse_positive_int(top_n, what="top_n", maximum=100),
            per_day=flag in ("true", "1", "yes"),
        )



# -- cost anomalies (notebooks/cost_anomalies) ----------------------------------------------------
ANOMALY_LEVELS: tuple[str, ...] = ("total", "provider", "service", "account", "region", "usage_type", "tag")
ANOMALY_DIRECTIONS: tuple[str, ...] = ("increase", "decrease", "both")


def anomaly_levels(value: object) -> tuple[str, ...]:
    """``"service, tag"`` → ``('service', 'tag')`` in hierarchy order; ``all`` or empty → every level.

    >>> anomaly_levels("tag, service"), len(anomaly_levels("all"))
    (('service', 'tag'), 7)
    """
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    chosen = {str(i).strip().lower().replace(" ", "_").replace("-", "_") for i in items} - {""}
    if not chosen or chosen == {"all"}:
        return ANOMALY_LEVELS
    unknown = sorted(chosen - set(ANOMALY_LEVELS))
    if unknown:
        raise ParameterError(f"unknown level(s) {', '.join(unknown)}; choose from all, {', '.join(ANOMALY_LEVELS)}")
    return tuple(level for level in ANOMALY_LEVELS if level in chosen)


def non_negative_number(value: object, *, what: str) -> float:
    """A finite number ≥ 0 from an int, a float or text (``"1e3"`` included).

    >>> non_negative_number("1e3", what="x"), non_negative_number(20, what="x")
    (1000.0, 20.0)
    """
    try:
        number = float(str(value).strip())
    except ValueError as exc:
        raise ParameterError(f"{what} must be a number, got {value!r}") from exc
    if not 0 <= number < float("inf"):
        raise ParameterError(f"{what} must be a finite number ≥ 0, got {value!r}")
    return number


@dataclass(frozen=True)
class CostAnomalyParams:
    """Parameters of ``notebooks/cost_anomalies.ipynb``."""

    context: ReportContext
    levels: tuple[str, ...]
    tag_key: str
    min_impact_usd: float
    min_impact_pct: float
    direction: str

    @classmethod
    def from_raw(
        cls,
        *,
        period: object,
        warehouse: object = "",
        output_dir: object = "",
        levels: object = "all",
        tag_key: object = "service",
        min_impact_usd: object = 250.0,
        min_impact_pct: object = 20.0,
        direction: object = "increase",
    ) -> CostAnomalyParams:
        """Coerce and validate the notebook's raw parameters."""
        key = optional_text(tag_key)
        if key is None or len(key) > 200:
            raise ParameterError(f"tag_key must be a tag name such as service or team, got {tag_key!r}")
        chosen_direction = str(direction).strip().lower()
        if chosen_direction not in ANOMALY_DIRECTIONS:
            raise ParameterError(f"direction must be one of {', '.join(ANOMALY_DIRECTIONS)}, got {direction!r}")
        return cls(
            context=report_context(period=period, warehouse=warehouse, output_dir=output_dir),
            levels=anomaly_levels(levels),
            tag_key=key,
            min_impact_usd=non_negative_number(min_impact_usd, what="min_impact_usd"),
            min_impact_pct=non_negative_number(min_impact_pct, what="min_impact_pct"),
            direction=chosen_direction,
        )


# -- delivery and SLOs (notebooks/delivery_performance, slo_error_budget) --------------------------
DELIVERY_GROUPINGS: tuple[str, ...] = ("service", "team", "repo", "environment")


@dataclass(frozen=True)
class DeliveryPerformanceParams:
    """Parameters of ``notebooks/delivery_performance.ipynb``."""

    context: ReportContext
    service: str | None
    team: str | None
    repo: str | None
    environment: str | None  # None: every environment
    group_by: str

    @property
    def scope(self) -> dict[str, str | None]:
        """Keyword arguments of the :mod:`analytics.metrics.delivery` functions."""
        return {"service": self.service, "team": self.team, "repo": self.repo, "environment": self.environment}

    @classmethod
    def from_raw(
        cls,
        *,
        period: object,
        warehouse: object = "",
        output_dir: object = "",
        service: object = "",
        team: object = "",
        repo: object = "",
        environment: object = "production",
        group_by: object = "service",
    ) -> DeliveryPerformanceParams:
        """Coerce and validate the notebook's raw parameters (an empty environment means every environment).

        >>> params = DeliveryPerformanceParams.from_raw(period="2026Q3", environment="", group_by="Team")
        >>> params.scope["environment"] is None, params.group_by
        (True, 'team')
        """
        return cls(
            context=report_context(period=period, warehouse=warehouse, output_dir=output_dir),
            service=optional_text(service),
            team=optional_text(team),
            repo=optional_text(repo),
            environment=optional_text(environment),
            group_by=parse_choice(group_by, DELIVERY_GROUPINGS, what="group_by"),
        )


@dataclass(frozen=True)
class SloErrorBudgetParams:
    """Parameters of ``notebooks/slo_error_budget.ipynb``."""

    context: ReportContext
    service: str | None
    team: str | None
    slo: str | None

    @property
    def scope(self) -> dict[str, str | None]:
        """Keyword arguments of the :mod:`analytics.metrics.slo` functions."""
        return {"service": self.service, "team": self.team, "slo": self.slo}

    @classmethod
    def from_raw(
        cls,
        *,
        period: object,
        warehouse: object = "",
        output_dir: object = "",
        service: object = "",
        team: object = "",
        slo: object = "",
    ) -> SloErrorBudgetParams:
        """Coerce and validate the notebook's raw parameters."""
        return cls(
            context=report_context(period=period, warehouse=warehouse, output_dir=output_dir),
            service=optional_text(service),
            team=optional_text(team),
            slo=optional_text(slo),
        )


# -- the quarterly review (notebooks/quarterly_review) -----------------------------------------------

@dataclass(frozen=True)
class QuarterlyReviewParams:
    """Parameters of ``notebooks/quarterly_review.ipynb``."""

    context: ReportContext
    targets: TargetBook
    hourly_rate: float
    options: ReviewOptions

    @property
    def report_dir(self) -> Path | None:
        """The folder of this run's report pages (the evidence pages live next to this report's HTML)."""
        return None if self.context.output_dir is None else self.context.output_dir.parent

    @classmethod
    def from_raw(
        cls,
        *,
        period: object,
        warehouse: object = "",
        output_dir: object = "",
        targets: object = "",
        hourly_rate: object = 100.0,
        tag_key: object = "team",
        cost_tag_key: object = "service",
        unit_metric: object = "requests",
        tenant_metric: object = "active_tenants",
        history: object = 6,
    ) -> QuarterlyReviewParams:
        """Coerce and validate the notebook's raw parameters; the targets file is read and checked here.

        >>> params = QuarterlyReviewParams.from_raw(period="2026Q3", hourly_rate="150", history=4)
        >>> params.hourly_rate, params.options.history, params.targets.rule("change_failure_rate").target
        (150.0, 4, 0.15)
        """
        from analytics.metrics.quarterly import ReviewOptions
        from analytics.scorecard import TargetBook

        context = report_context(period=period, warehouse=warehouse, output_dir=output_dir)
        metric = optional_text(unit_metric)
        if metric is None:
            raise ParameterError("unit_metric must name a business metric, e.g. requests")
        depth = parse_positive_int(history, what="history", maximum=20)
        if depth < 2:
            raise ParameterError("history must be at least 2 (the period and the one before)")
        source = optional_text(targets)
        return cls(
            context=context,
            targets=TargetBook(Path(source).expanduser() if source else None),
            hourly_rate=non_negative_number(hourly_rate, what="hourly_rate"),
            options=ReviewOptions(history=depth, tag_key=parse_tag_key(tag_key),
                                  cost_tag_key=parse_tag_key(cost_tag_key), unit_metric=metric,
                                  tenant_metric=optional_text(tenant_metric)),
        )
