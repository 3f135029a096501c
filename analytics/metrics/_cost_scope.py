"""Scopes, windows and dimensions of the cost analyses: the allow-listed vocabulary every cost
statement is parameterised with (values only — a tag key is a bound value, never SQL text).

Light on imports on purpose, so :mod:`analytics.params` can validate notebook parameters with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from analytics.errors import ParameterError
from analytics.periods import DaySpan

#: Friendly dimension names → the FOCUS column the SQL statements group by (an allow-list).
DIMENSIONS: dict[str, str] = {
    "total": "total",
    "provider": "ProviderName",
    "service": "ServiceName",
    "service_category": "ServiceCategory",
    "account": "SubAccountId",
    "account_name": "SubAccountName",
    "billing_account": "BillingAccountId",
    "region": "RegionId",
    "charge_category": "ChargeCategory",
    "pricing_category": "PricingCategory",
    "resource": "ResourceId",
    "commitment": "CommitmentDiscountId",
    "usage_type": "x_UsageType",
}
_COLUMN_LABELS = {column: name for name, column in DIMENSIONS.items()}
#: Budget scope prefixes that name a FOCUS column; any other prefix (team, service, env…) is a tag key.
BUDGET_SCOPE_COLUMNS: dict[str, str] = {"provider": "provider", "account": "account", "region": "region",
                                        "servicename": "service"}


class Interval(Protocol):
    """Anything with a half-open ``[start, end)`` in dates and UTC timestamps (Period, Window)."""

    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date: ...

    @property
    def start_ts(self) -> datetime: ...

    @property
    def end_ts(self) -> datetime: ...


@dataclass(frozen=True, order=True)
class Window(DaySpan):
    """An ad-hoc half-open window of whole UTC days, ``[start, end)``."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ParameterError(f"window end {self.end} must be after its start {self.start}")

    @classmethod
    def of(cls, interval: Interval) -> Window:
        """The window covering a period."""
        return cls(interval.start, interval.end)


    @property
    def label(self) -> str:
        """``2026-07-01 – 2026-09-30`` (inclusive last day, for people)."""
        return f"{self.start.isoformat()} – {(self.end - timedelta(days=1)).isoformat()}"

    def previous(self) -> Window:
        """The window of the same length that ends where this one starts."""
        return Window(self.start - timedelta(days=self.days), self.start)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Dimension:
    """What to group cost by: an allow-listed FOCUS column or the value of one tag key."""

    column: str
    tag_key: str | None = None

    @property
    def label(self) -> str:
        """``provider``, ``tag:team``…"""
        return f"tag:{self.tag_key}" if self.column == "tag" else _COLUMN_LABELS.get(self.column, self.column)

    @property
    def title(self) -> str:
        """Human name for headings: ``provider``, ``team tag``."""
        return f"{self.tag_key} tag" if self.column == "tag" else self.label.replace("_", " ")

    def params(self) -> dict[str, Any]:
        """Bound parameters of the dimension."""
        return {"dimension": self.column, "dimension_tag_key": self.tag_key}


def parse_tag_key(value: object) -> str:
    """A usable tag key: stripped, non-empty, printable, at most 256 characters (any other text is fine).

    >>> parse_tag_key(" team "), parse_tag_key('we"ird $.key')
    ('team', 'we"ird $.key')
    """
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > 256 or any(ord(ch) < 32 for ch in text):
        raise ParameterError(f"bad tag key {value!r}: expected 1–256 printable characters")
    return text


def parse_dimension(spec: str | Dimension) -> Dimension:
    """Parse ``provider``, ``ProviderName`` or ``tag:team`` into a :class:`Dimension`.

    >>> parse_dimension("provider"), parse_dimension("tag:cost-center").label
    (Dimension(column='ProviderName', tag_key=None), 'tag:cost-center')
    """
    if isinstance(spec, Dimension):
        return spec
    text = str(spec).strip()
    if text.lower().startswith("tag:"):
        return Dimension("tag", parse_tag_key(text[4:]))
    if text in DIMENSIONS:
        return Dimension(DIMENSIONS[text])
    if text in _COLUMN_LABELS:
        return Dimension(text)
    raise ParameterError(f"unknown dimension {spec!r}; expected one of {', '.join(DIMENSIONS)} or tag:<key>")


@dataclass(frozen=True)
class CostScope:
    """Filters on the cost rows; None means "any". ``tag_key`` with ``tag_value=None`` selects the
    rows that do **not** carry the tag (the untagged cost)."""

    provider: str | None = None
    service: str | None = None
    account: str | None = None
    region: str | None = None
    tag_key: str | None = None
    tag_value: str | None = None

    def __post_init__(self) -> None:
        if self.tag_value is not None and self.tag_key is None:
            raise ParameterError("a tag value needs a tag key")
        if self.tag_key is not None:
            object.__setattr__(self, "tag_key", parse_tag_key(self.tag_key))

    def params(self) -> dict[str, Any]:
        """Bound parameters of the filters."""
        return {
            "provider": self.provider,
            "service": self.service,
            "account": self.account,
            "region": self.region,
            "filter_tag_key": self.tag_key,
            "filter_tag_value": self.tag_value,
        }

    def describe(self) -> str:
        """``all cost`` or ``provider AWS, tag team=payments``.

        >>> CostScope(provider="AWS", tag_key="team").describe()
        'provider AWS, without tag team'
        """
        parts = [f"{name} {value}" for name, value in (("provider", self.provider), ("service", self.service),
                                                        ("account", self.account), ("region", self.region)) if value]
        if self.tag_key is not None:
            parts.append(f"tag {self.tag_key}={self.tag_value}" if self.tag_value is not None
                         else f"without tag {self.tag_key}")
        return ", ".join(parts) or "all cost"

    @classmethod
    def from_budget_scope(cls, scope: str) -> CostScope:
        """The cost rows a budget scope covers: ``total``, ``provider:AWS``, ``account:…``,
        ``region:…``, ``servicename:<FOCUS ServiceName>``, or ``<tag key>:<value>`` (``team:payments``).

        >>> CostScope.from_budget_scope("team:payments")
        CostScope(provider=None, service=None, account=None, region=None, tag_key='team', tag_value='payments')
        """
        text = scope.strip()
        if text == "total":
            return cls()
        key, sep, value = text.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise ParameterError(f"bad budget scope {scope!r}: expected total or <dimension>:<value>")
        column = BUDGET_SCOPE_COLUMNS.get(key.strip().lower())
        if column is not None:
            return cls(**{column: value.strip()})
        return cls(tag_key=key.strip(), tag_value=value.strip())
