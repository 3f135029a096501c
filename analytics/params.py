"""Validated, frozen parameter objects for report notebooks, each declared once.

A report's ``*Params`` dataclass is the single source of its notebook parameters: every parameter is one
field, declared with :func:`parameter` — its raw default (what the notebook's ``parameters`` cell
writes, and the type papermill gives it), the comment the cell carries, and the parser that turns a raw
value into the field's value (papermill's CLI turns ``-p period 2026`` into an int) or rejects nonsense
with a one-line :class:`~analytics.errors.ParameterError`. :meth:`ReportParams.from_raw` is derived from
the fields, :meth:`ReportParams.from_notebook` reads them from a notebook's namespace (so the notebook
does not list them a third time), and :meth:`ReportParams.parameters_cell` renders the cell a test
compares with every notebook (``tests/unit/test_notebook_parameters.py``). Checks that span several
parameters live in each class's ``_check``; objects built from several (the report context, a cost
scope, the review options) are properties.

Every report notebook declares at least :data:`COMMON_PARAMETERS` (the fields of :class:`ReportParams`);
the runner passes them. :data:`REPORT_PARAMS` names the class of each notebook.

Why one module over 500 lines: the declaration of every report's parameters (one dataclass each)
plus the shared field machinery; it is the single source the notebooks' parameters cells are checked
against, so one file to read.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from analytics.engines import COST_ENGINE_ENV, connect, cost_engine_of, parse_engine
from analytics.errors import ParameterError
from analytics.metrics._cost_scope import CostScope, Window, parse_dimension, parse_tag_key
from analytics.periods import Period, parse_period
from analytics.settings import Settings

if TYPE_CHECKING:  # imported lazily: the report runner imports this module and needs neither
    from analytics.metrics.quarterly import ReviewOptions
    from analytics.scorecard import TargetBook

SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_PARAMETER = "notebook_parameter"
P = TypeVar("P", bound="ReportParams")


@dataclass(frozen=True)
class Parameter:
    """A notebook parameter as its ``parameters`` cell declares it: the raw default (of type ``kind``), the
    comment beside it, and how a raw value becomes the field's value."""

    default: str | int | float | bool
    doc: str
    parse: Callable[[Any], Any]
    kind: type

    def cell_line(self, name: str) -> str:
        """The line of the ``parameters`` cell: ``period: str = "2026Q3"  # quarter …``.

        >>> Parameter(0.05, "share", float, float).cell_line("band")
        'band: float = 0.05  # share'
        """
        value = json.dumps(self.default, ensure_ascii=False) if isinstance(self.default, str) else repr(self.default)
        return f"{name}: {self.kind.__name__} = {value}  # {self.doc}"


def parameter(default: str | int | float | bool, doc: str, parse: Callable[[Any], Any], *,
              kind: type | None = None) -> Any:
    """Declare a dataclass field as a notebook parameter (``kind`` defaults to the type of ``default``)."""
    return field(metadata={_PARAMETER: Parameter(default, doc, parse, kind or type(default))})


@dataclass(frozen=True)
class ReportContext:
    """What every report needs: the period, the warehouse and where artifacts go."""

    period: Period
    warehouse: str
    output_dir: Path | None
    cost_engine: str = ""
    """Where the cost statements run (``--cost-engine``; empty: the warehouse itself)."""

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the warehouse, with the cost engine attached when one is set; its
        statement statistics go to ``cost_engine.json`` in the output folder (the runner sums them)."""
        con = connect(self.warehouse, read_only=True, cost_engine=self.cost_engine or None)
        engine = cost_engine_of(con)
        if engine is not None and self.output_dir is not None:
            engine.stats_path = self.output_dir / COST_ENGINE_STATS
        return con

    def artifact(self, name: str) -> Path | None:
        """Path for an artifact file (``kpis.json``…) in the output folder, if there is one."""
        if self.output_dir is None:
            return None
        self.output_dir.mkdir(parents=True, exist_ok=True)
        return self.output_dir / name


def parse_report_period(value: object) -> Period:
    """The ``period`` parameter (an int from papermill's CLI included)."""
    return parse_period(str(value))


def parse_warehouse(value: object) -> str:
    """The ``warehouse`` parameter: empty for ``OPSREVIEW_WAREHOUSE`` or the default file."""
    return Settings.from_env(warehouse=str(value) if value else None).warehouse


def parse_cost_engine(value: object) -> str:
    """The ``cost_engine`` parameter: a URL (docs/engines.md), or empty for ``OPSREVIEW_COST_ENGINE``,
    else the warehouse itself. Checked here, so a bad URL fails in the validation cell.

    >>> parse_cost_engine("spark://local/focus_cost")
    'spark://local/focus_cost'
    """
    text = str(value or "").strip() or os.environ.get(COST_ENGINE_ENV, "").strip()
    parse_engine(text)
    return text


def parse_output_dir(value: object) -> Path | None:
    """The ``output_dir`` parameter: an absolute folder, or None when empty."""
    return Path(str(value)).expanduser().resolve() if value else None


@dataclass(frozen=True)
class ReportParams:
    """The parameters every report notebook declares, and the machinery of every ``*Params`` class."""

    period: Period = parameter("2026Q3", "quarter (or month/year) to report, e.g. 2026Q3", parse_report_period)
    warehouse: str = parameter(
        "", "DuckDB warehouse file, empty for OPSREVIEW_WAREHOUSE or data/warehouse.duckdb", parse_warehouse)
    output_dir: Path | None = parameter("", "folder for machine-readable artifacts, empty for none", parse_output_dir)

    notebook: ClassVar[str] = ""

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        """Checks that span several parameters (a subclass adds its own)."""

    @property
    def context(self) -> ReportContext:
        """The period, the warehouse and the artifact folder."""
        return ReportContext(self.period, self.warehouse, self.output_dir)

    @classmethod
    def parameters(cls) -> dict[str, Parameter]:
        """The notebook parameters, in the order of the ``parameters`` cell."""
        return {f.name: f.metadata[_PARAMETER] for f in fields(cls) if _PARAMETER in f.metadata}

    @classmethod
    def from_raw(cls: type[P], **raw: object) -> P:
        """Coerce and validate raw parameter values; a parameter not given takes its declared default.

        >>> IncidentTrendsParams.from_raw(period=2026, min_severity=2).max_severity_rank
        2
        """
        declared = cls.parameters()
        unknown = sorted(set(raw) - set(declared))
        if unknown:
            raise ParameterError(f"{cls.notebook or cls.__name__} has no parameter {unknown[0]!r}; it takes: "
                                 f"{', '.join(declared)}")
        return cls(**{name: p.parse(raw.get(name, p.default)) for name, p in declared.items()})

    @classmethod
    def from_notebook(cls: type[P], namespace: Mapping[str, object]) -> P:
        """:meth:`from_raw` on the parameters as a notebook's ``parameters`` cell (and papermill) left them
        in its namespace: ``params = IncidentTrendsParams.from_notebook(globals())``."""
        missing = [name for name in cls.parameters() if name not in namespace]
        if missing:
            raise ParameterError(f"the parameters cell of {cls.notebook or cls.__name__} does not set "
                                 f"{', '.join(missing)}")
        return cls.from_raw(**{name: namespace[name] for name in cls.parameters()})

    @classmethod
    def parameters_cell(cls) -> str:
        """The source of the notebook's ``parameters`` cell, one typed, commented line per parameter."""
        return "\n".join(p.cell_line(name) for name, p in cls.parameters().items())


COMMON_PARAMETERS: tuple[str, ...] = tuple(ReportParams.parameters())
COST_ENGINE_STATS = "cost_engine.json"
"""Per report: the statements the cost engine ran, rows and bytes returned, bytes scanned."""


@dataclass(frozen=True)
class CostReportParams(ReportParams):
    """The parameters of a report with cost statements: the common ones and where those statements run.
    Reports without cost never start an engine (their context has none)."""

    cost_engine: str = parameter(
        "", "where the cost statements run: spark://…, bigquery://…, athena://…; empty for OPSREVIEW_COST_ENGINE "
            "or the warehouse", parse_cost_engine)

    @property
    def context(self) -> ReportContext:
        """The period, the warehouse, the artifact folder and the cost engine."""
        return ReportContext(self.period, self.warehouse, self.output_dir, self.cost_engine)


def report_context(*, period: object, warehouse: object = "", output_dir: object = "") -> ReportContext:
    """Validate the common parameters.

    >>> report_context(period=2026, warehouse=":memory:").period.label
    '2026'
    """
    return ReportContext(parse_report_period(period), parse_warehouse(warehouse), parse_output_dir(output_dir))


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
class IncidentTrendsParams(ReportParams):
    """Parameters of ``notebooks/incident_trends.ipynb``."""

    notebook: ClassVar[str] = "incident_trends"
    service: str | None = parameter("", "only this service, empty for all services", optional_text)
    team: str | None = parameter("", "only this team, empty for all teams", optional_text)
    min_severity: str = parameter("SEV5", "include incidents of this severity or worse, SEV1 is the worst", severity)
    responder_timezone: str = parameter("UTC", "IANA zone used for business-hours proxies", timezone_name)
    business_hours: tuple[int, int] = parameter("08:00-18:00", "responder business hours, Mon-Fri",
                                                parse_business_hours)

    @property
    def max_severity_rank(self) -> int:
        """Largest severity_rank included (SEV3 floor → ranks 1..3)."""
        return int(self.min_severity[-1])


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


def band_threshold(value: object) -> float:
    """One threshold of the budget variance band as a share; a percentage above 1 is read as %.

    >>> band_threshold("5"), band_threshold(0.1)
    (0.05, 0.1)
    """
    try:
        number = float(str(value).strip())
    except ValueError as exc:
        raise ParameterError(f"band thresholds must be numbers, got {value!r}") from exc
    return number / 100 if number > 1 else number


def check_band(on_track: float, at_risk: float) -> tuple[float, float]:
    """``(on_track, at_risk)`` when ``0 <= on_track <= at_risk <= 1``."""
    if not 0 <= on_track <= at_risk <= 1:
        raise ParameterError(f"band must satisfy 0 <= on_track <= at_risk <= 100%, got {on_track!r}, {at_risk!r}")
    return on_track, at_risk


def parse_band(on_track: object, at_risk: object) -> tuple[float, float]:
    """The budget variance band as shares: ``(0.05, 0.10)``; percentages above 1 are read as %.

    >>> parse_band(5, "10"), parse_band(0.05, 0.1)
    ((0.05, 0.1), (0.05, 0.1))
    """
    return check_band(band_threshold(on_track), band_threshold(at_risk))


def parse_budget_scope(value: object) -> str:
    """A budget scope (``total``, ``provider:AWS``, ``team:payments``); empty means ``total``."""
    scope = optional_text(value) or "total"
    CostScope.from_budget_scope(scope)
    return scope


def required_text(value: object, *, message: str) -> str:
    """Stripped text; ``message`` as the error when it is empty."""
    text = optional_text(value)
    if text is None:
        raise ParameterError(message)
    return text


def positive_number(value: object, *, what: str) -> float:
    """A number > 0 (``"1e3"`` included)."""
    try:
        number = float(str(value).strip())
    except ValueError as exc:
        raise ParameterError(f"{what} must be a positive number, got {value!r}") from exc
    if not number > 0:
        raise ParameterError(f"{what} must be a positive number, got {value!r}")
    return number


def parse_flag(value: object, *, what: str) -> bool:
    """``true``/``false`` (``1``/``0``, ``yes``/``no``, a bool)."""
    flag = str(value).strip().lower()
    if flag not in ("true", "false", "1", "0", "yes", "no"):
        raise ParameterError(f"{what} must be true or false, got {value!r}")
    return flag in ("true", "1", "yes")


def _choice(allowed: tuple[str, ...], what: str) -> Callable[[object], str]:
    return partial(parse_choice, allowed=allowed, what=what)


def _count(what: str, maximum: int) -> Callable[[object], int]:
    return partial(parse_positive_int, what=what, maximum=maximum)


@dataclass(frozen=True)
class CostOverviewParams(CostReportParams):
    """Parameters of ``notebooks/cost_overview.ipynb``."""

    notebook: ClassVar[str] = "cost_overview"
    tag_key: str = parameter("team", "tag key used for tag coverage and showback", parse_tag_key)
    shared_services: tuple[str, ...] = parameter(
        "AWS Support (Business),Tax,Savings Plans for AWS Compute usage",
        "comma-separated ServiceNames whose cost is shared, empty for none", parse_text_list)
    shared_values: tuple[str, ...] = parameter(
        "", "comma-separated values of the tag key whose cost is shared, e.g. platform", parse_text_list)
    allocation: str = parameter("proportional", "how shared cost is split: proportional, even or fixed",
                                _choice(ALLOCATION_METHODS, "allocation"))
    fixed_shares: tuple[tuple[str, float], ...] = parameter(
        "", "weights for the fixed split, e.g. payments:0.6,data:0.4", parse_shares)
    budget_scope: str = parameter("total", "budget scope: total, provider:AWS, team:payments", parse_budget_scope)
    band_on_track: float = parameter(0.05, "variance within plus or minus this share of budget is on track",
                                     band_threshold)
    band_at_risk: float = parameter(0.10, "variance within plus or minus this share is at risk, beyond it off track",
                                    band_threshold)
    as_of: date | None = parameter(
        "", "last complete day for the forecast (ISO date), empty for the last complete day in the data",
        partial(parse_optional_date, what="as_of"))
    run_rate_days: int = parameter(7, "complete days averaged into the forecast's daily run-rate",
                                   _count("run_rate_days", 62))
    top_n: int = parameter(10, "rows shown in long breakdowns", _count("top_n", 100))

    def _check(self) -> None:
        if self.allocation == "fixed" and not self.fixed_shares:
            raise ParameterError("allocation fixed needs fixed_shares, e.g. payments:0.6,data:0.4")
        check_band(self.band_on_track, self.band_at_risk)
        if self.as_of is not None and self.as_of < self.period.start:
            raise ParameterError(f"as_of {self.as_of} lies before the period {self.period.label}")

    @property
    def band(self) -> tuple[float, float]:
        """The budget variance band (on track, at risk) as shares."""
        return self.band_on_track, self.band_at_risk


@dataclass(frozen=True)
class UnitCostParams(CostReportParams):
    """Parameters of ``notebooks/unit_cost.ipynb``."""

    notebook: ClassVar[str] = "unit_cost"
    metric: str = parameter("requests", "business metric in the denominator, reported per service",
                            partial(required_text, message="metric must name a business metric, e.g. requests"))
    per: float = parameter(1000, "unit size, 1000 gives cost per 1k requests", partial(positive_number, what="per"),
                           kind=float)
    aggregate: str = parameter("sum", "sum for flows such as requests, mean for gauges such as active tenants",
                               _choice(("sum", "mean"), "aggregate"))
    cost_tag_key: str = parameter("service", "cost tag whose value matches the metric dimension", parse_tag_key)
    tenant_metric: str | None = parameter("active_tenants", "company-wide gauge for cost per tenant, empty to skip",
                                          optional_text)
    trend_months: int = parameter(12, "months shown in the trend charts", _count("trend_months", 60))


@dataclass(frozen=True)
class CostInvestigationParams(CostReportParams):
    """Parameters of ``notebooks/cost_investigation.ipynb``: a cost scope, a window and the window it is
    compared with (the previous period, or the same length just before)."""

    notebook: ClassVar[str] = "cost_investigation"
    period: Period = parameter("2026Q3", "quarter (or month/year) the window defaults to, e.g. 2026Q3",
                               parse_report_period)
    provider: str | None = parameter("", "only this ProviderName, e.g. AWS, empty for all", optional_text)
    service: str | None = parameter(
        "", "only this FOCUS ServiceName, e.g. Amazon Elastic Compute Cloud, empty for all", optional_text)
    account: str | None = parameter("", "only this SubAccountId, empty for all", optional_text)
    region: str | None = parameter("", "only this RegionId, e.g. us-east-1, empty for all", optional_text)
    tag_key: str | None = parameter("", "only rows whose tag tag_key has tag_value, empty for no tag filter",
                                    optional_text)
    tag_value: str | None = parameter("", "value of tag_key to keep, or (untagged) for the rows without the tag",
                                      optional_text)
    start: date | None = parameter("", "first day of the window (ISO date), empty for the start of the period",
                                   partial(parse_optional_date, what="start"))
    end: date | None = parameter("", "day after the last day of the window (ISO date), empty for the end of the period",
                                 partial(parse_optional_date, what="end"))
    compare_start: date | None = parameter("", "first day of the comparison window, empty for the previous period",
                                           partial(parse_optional_date, what="compare_start"))
    compare_end: date | None = parameter(
        "", "day after the last day of the comparison window, empty for the previous period",
        partial(parse_optional_date, what="compare_end"))
    grain: str = parameter("week", "time grain of the series: day, week (ISO, Monday) or month",
                           _choice(COST_GRAINS, "grain"))
    dimension: str = parameter(
        "service", "break cost down by provider, service, account, region, usage_type or tag:KEY",
        lambda value: parse_dimension(str(value)).label)
    top_n: int = parameter(10, "movers and series values shown one by one", _count("top_n", 100))
    per_day: bool = parameter(False, "compare daily averages instead of totals, for windows of unequal length",
                              partial(parse_flag, what="per_day"))

    def _check(self) -> None:
        if (self.tag_key is None) != (self.tag_value is None):
            raise ParameterError(f"tag_key and tag_value go together (tag_value {UNTAGGED_VALUE} selects the "
                                 "rows without the tag)")
        if (self.compare_start is None) != (self.compare_end is None):
            raise ParameterError("compare_start and compare_end go together (both empty: the previous window)")
        self.compare  # noqa: B018 - builds both windows, which refuse an empty or reversed range

    @property
    def scope(self) -> CostScope:
        """The cost rows in scope (tag value ``(untagged)``: the rows without the tag)."""
        return CostScope(provider=self.provider, service=self.service, account=self.account, region=self.region,
                         tag_key=self.tag_key, tag_value=None if self.tag_value == UNTAGGED_VALUE else self.tag_value)

    @property
    def window(self) -> Window:
        """``[start, end)``, the period's bounds where not given."""
        return Window(self.start or self.period.start, self.end or self.period.end)

    @property
    def compare(self) -> Window:
        """The comparison window: as given, else the previous period for the whole period, else the window of
        the same length just before."""
        window = self.window
        if self.compare_start is not None and self.compare_end is not None:
            return Window(self.compare_start, self.compare_end)
        if window == Window(self.period.start, self.period.end):
            previous = self.period.previous()
            return Window(previous.start, previous.end)
        return window.previous()


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


def anomaly_tag_key(value: object) -> str:
    """The tag whose values form the anomaly ``tag`` level."""
    key = optional_text(value)
    if key is None or len(key) > 200:
        raise ParameterError(f"tag_key must be a tag name such as service or team, got {value!r}")
    return key


@dataclass(frozen=True)
class CostAnomalyParams(CostReportParams):
    """Parameters of ``notebooks/cost_anomalies.ipynb``."""

    notebook: ClassVar[str] = "cost_anomalies"
    output_dir: Path | None = parameter(
        "", "folder for machine-readable artifacts (anomalies.json), empty for none", parse_output_dir)
    levels: tuple[str, ...] = parameter(
        "all", "comma-separated levels to scan from total, provider, service, account, region, usage_type, tag "
        "(all for every level)", anomaly_levels)
    tag_key: str = parameter("service", "tag key whose values form the tag level, e.g. service or team",
                             anomaly_tag_key)
    min_impact: float = parameter(250.0, "alert only when the total impact reaches this amount in the billing currency",
                                  partial(non_negative_number, what="min_impact"))
    min_impact_pct: float = parameter(20.0, "and when it reaches this percentage of the expected spend",
                                      partial(non_negative_number, what="min_impact_pct"))
    direction: str = parameter("increase", "which anomalies can alert, increase or decrease or both",
                               _choice(ANOMALY_DIRECTIONS, "direction"))


# -- delivery and SLOs (notebooks/delivery_performance, slo_error_budget) --------------------------
DELIVERY_GROUPINGS: tuple[str, ...] = ("service", "team", "repo", "environment")


@dataclass(frozen=True)
class DeliveryPerformanceParams(ReportParams):
    """Parameters of ``notebooks/delivery_performance.ipynb`` (an empty environment means every environment).

    >>> params = DeliveryPerformanceParams.from_raw(period="2026Q3", environment="", group_by="Team")
    >>> params.scope["environment"] is None, params.group_by
    (True, 'team')
    """

    notebook: ClassVar[str] = "delivery_performance"
    output_dir: Path | None = parameter(
        "", "folder for machine-readable artifacts (delivery.json), empty for none", parse_output_dir)
    service: str | None = parameter("", "only this service, empty for all services", optional_text)
    team: str | None = parameter("", "only this team, empty for all teams", optional_text)
    repo: str | None = parameter("", "only this repository (owner/name), empty for all repositories", optional_text)
    environment: str | None = parameter("production", "deployment environment, empty for every environment",
                                        optional_text)
    group_by: str = parameter("service", "breakdown of the tables: service, team, repo or environment",
                              _choice(DELIVERY_GROUPINGS, "group_by"))

    @property
    def scope(self) -> dict[str, str | None]:
        """Keyword arguments of the :mod:`analytics.metrics.delivery` functions."""
        return {"service": self.service, "team": self.team, "repo": self.repo, "environment": self.environment}


@dataclass(frozen=True)
class SloErrorBudgetParams(ReportParams):
    """Parameters of ``notebooks/slo_error_budget.ipynb``."""

    notebook: ClassVar[str] = "slo_error_budget"
    output_dir: Path | None = parameter(
        "", "folder for machine-readable artifacts (slo.json), empty for none", parse_output_dir)
    service: str | None = parameter("", "only the SLOs of this service, empty for all services", optional_text)
    team: str | None = parameter("", "only the SLOs of this team's services, empty for all teams", optional_text)
    slo: str | None = parameter("", "only this SLO (its OpenSLO name), empty for all SLOs", optional_text)

    @property
    def scope(self) -> dict[str, str | None]:
        """Keyword arguments of the :mod:`analytics.metrics.slo` functions."""
        return {"service": self.service, "team": self.team, "slo": self.slo}


# -- the quarterly review (notebooks/quarterly_review) -----------------------------------------------

def parse_targets(value: object) -> TargetBook:
    """The KPI targets file (read and checked now), or the shipped defaults when empty."""
    from analytics.scorecard import TargetBook

    source = optional_text(value)
    return TargetBook(Path(source).expanduser() if source else None)


def parse_history(value: object) -> int:
    """Periods in the sparklines: 2 (the period and the one before) to 20."""
    depth = parse_positive_int(value, what="history", maximum=20)
    if depth < 2:
        raise ParameterError("history must be at least 2 (the period and the one before)")
    return depth


@dataclass(frozen=True)
class QuarterlyReviewParams(CostReportParams):
    """Parameters of ``notebooks/quarterly_review.ipynb``; the targets file is read and checked on validation.

    >>> params = QuarterlyReviewParams.from_raw(period="2026Q3", hourly_rate="150", history=4)
    >>> params.hourly_rate, params.options.history, params.targets.rule("change_failure_rate").target
    (150.0, 4, 0.15)
    """

    notebook: ClassVar[str] = "quarterly_review"
    period: Period = parameter("2026Q3", "quarter to review, e.g. 2026Q3", parse_report_period)
    output_dir: Path | None = parameter(
        "", "folder for kpis.json, empty for none; its parent holds the evidence pages", parse_output_dir)
    targets: TargetBook = parameter(
        "", "KPI targets YAML, empty for the shipped defaults (analytics/config/targets.yaml)", parse_targets)
    hourly_rate: float = parameter(
        100.0, "cost of one responder-hour in the billing currency, for the cost of incident hours",
        partial(non_negative_number, what="hourly_rate"))
    tag_key: str = parameter("team", "cost tag whose coverage is a KPI", parse_tag_key)
    cost_tag_key: str = parameter("service", "cost tag that names the service a cost row belongs to", parse_tag_key)
    unit_metric: str = parameter(
        "requests", "business metric for unit cost (cost per 1,000), reported per service",
        partial(required_text, message="unit_metric must name a business metric, e.g. requests"))
    tenant_metric: str | None = parameter("active_tenants", "company-wide gauge for cost per tenant, empty to skip",
                                          optional_text)
    history: int = parameter(6, "quarters in the sparklines, this one included", parse_history)

    @property
    def report_dir(self) -> Path | None:
        """The folder of this run's report pages (the evidence pages live next to this report's HTML)."""
        return None if self.output_dir is None else self.output_dir.parent

    @property
    def options(self) -> ReviewOptions:
        """How the review computes its KPIs."""
        from analytics.metrics.quarterly import ReviewOptions

        return ReviewOptions(history=self.history, tag_key=self.tag_key, cost_tag_key=self.cost_tag_key,
                             unit_metric=self.unit_metric, tenant_metric=self.tenant_metric)


REPORT_PARAMS: dict[str, type[ReportParams]] = {
    c.notebook: c for c in (IncidentTrendsParams, CostOverviewParams, UnitCostParams, CostInvestigationParams,
                            CostAnomalyParams, DeliveryPerformanceParams, SloErrorBudgetParams, QuarterlyReviewParams)
}
"""The parameters class of each report notebook (``notebooks/<name>.ipynb``)."""
