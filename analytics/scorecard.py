"""The quarterly scorecard: KPIs with value, target, status, quarter-on-quarter change, sparkline,
the number of data points they rest on, and — when the data is missing — what to load to get them.

Targets come from a YAML file (:func:`load_targets`; the shipped defaults are
``analytics/config/targets.yaml``), optionally per service tier. Status rules:

* ``better: lower``  — on track when ``value <= target``, at risk when ``value <= at_risk``;
* ``better: higher`` — on track when ``value >= target``, at risk when ``value >= at_risk``;
* ``better: band``   — on track when ``|value| <= target``, at risk when ``|value| <= at_risk``;
* no value — ``no data``, never a made-up number and never silently dropped.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from analytics.errors import ParameterError

Status = Literal["on track", "at risk", "off track", "no data"]
Better = Literal["lower", "higher", "band"]
STATUS_ORDER: dict[str, int] = {"off track": 0, "at risk": 1, "no data": 2, "on track": 3}
STATUS_COLORS: dict[str, str] = {"on track": "#1a9850", "at risk": "#f0a30a", "off track": "#d73027",
                                 "no data": "#9e9e9e"}


@dataclass(frozen=True)
class TargetRule:
    """The target of one KPI and how a value is judged against it."""

    kpi: str
    better: Better
    target: float
    at_risk: float

    def status(self, value: float | None) -> Status:
        """on track / at risk / off track, or no data.

        >>> TargetRule("cfr", "lower", 0.15, 0.20).status(0.17)
        'at risk'
        >>> TargetRule("budget", "band", 0.05, 0.10).status(-0.12)
        'off track'
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "no data"
        if self.better == "lower":
            return "on track" if value <= self.target else "at risk" if value <= self.at_risk else "off track"
        if self.better == "higher":
            return "on track" if value >= self.target else "at risk" if value >= self.at_risk else "off track"
        magnitude = abs(value)
        return "on track" if magnitude <= self.target else "at risk" if magnitude <= self.at_risk else "off track"

    def gap(self, value: float | None) -> float | None:
        """How far a value is on the wrong side of the target, relative to the target band (0 = met)."""
        if value is None:
            return None
        span = abs(self.at_risk - self.target) or 1.0
        if self.better == "lower":
            return max(0.0, value - self.target) / span
        if self.better == "higher":
            return max(0.0, self.target - value) / span
        return max(0.0, abs(value) - self.target) / span


def _rule(name: str, spec: Mapping[str, Any], where: str) -> TargetRule:
    """Validate one KPI's target block."""
    allowed = {"better", "target", "at_risk", "tiers"}
    unknown = set(spec) - allowed
    if unknown:
        raise ParameterError(f"{where}: KPI {name!r} has unknown field(s) {sorted(unknown)}")
    better = spec.get("better")
    if better not in ("lower", "higher", "band"):
        raise ParameterError(f"{where}: KPI {name!r} needs better: lower, higher or band")
    try:
        target, at_risk = float(spec["target"]), float(spec["at_risk"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ParameterError(f"{where}: KPI {name!r} needs numeric target and at_risk") from exc
    consistent = {"lower": at_risk >= target, "higher": at_risk <= target, "band": at_risk >= target >= 0}[better]
    if not consistent:
        raise ParameterError(f"{where}: KPI {name!r}: at_risk {at_risk} is on the wrong side of target {target}")
    return TargetRule(name, better, target, at_risk)


def load_targets(path: str | Path | None = None, *, tier: str | None = None) -> dict[str, TargetRule]:
    """Target rules by KPI from a YAML file (the shipped defaults when ``path`` is empty).

    >>> load_targets()["change_failure_rate"].target
    0.15
    >>> load_targets(tier="tier2")["slo_compliance"].target
    0.995
    """
    if path:
        source = Path(path)
        try:
            text = source.read_text("utf-8")
        except OSError as exc:
            raise ParameterError(f"cannot read targets file {source}: {exc.strerror}") from exc
        where = str(source)
    else:
        text = (resources.files("analytics.config") / "targets.yaml").read_text("utf-8")
        where = "analytics/config/targets.yaml"
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParameterError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("kpis"), dict):
        raise ParameterError(f"{where}: expected a top-level 'kpis:' mapping")
    rules: dict[str, TargetRule] = {}
    for name, spec in doc["kpis"].items():
        if not isinstance(spec, dict):
            raise ParameterError(f"{where}: KPI {name!r} must be a mapping")
        tiers = spec.get("tiers") or {}
        merged = {**spec, **(tiers.get(tier, {}) if tier else {})}
        merged.pop("tiers", None)
        rules[str(name)] = _rule(str(name), merged, where)
    return rules


@dataclass(frozen=True)
class Kpi:
    """One scorecard line."""

    key: str
    label: str
    area: str
    period: str
    value: float | None
    unit: str
    n: int | None = None
    previous: float | None = None
    history: tuple[tuple[str, float | None], ...] = ()
    target: TargetRule | None = None
    evidence: str | None = None
    missing: str | None = None  # what to load to get this KPI, when value is None
    note: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        """Judged against the target (``no data`` when there is no value)."""
        if self.value is None:
            return "no data"
        return self.target.status(self.value) if self.target else "on track"

    @property
    def delta(self) -> float | None:
        """Change against the previous period (absolute, in the KPI's unit)."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def improved(self) -> bool | None:
        """Whether the change went in the good direction (None when unknown or unjudged)."""
        if self.delta is None or self.target is None or self.delta == 0:
            return None
        if self.target.better == "lower":
            return self.delta < 0
        if self.target.better == "higher":
            return self.delta > 0
        return abs(self.value or 0) < abs(self.previous or 0)

    def as_record(self) -> dict[str, Any]:
        """The ``kpis.json`` form."""
        return {
            "key": self.key,
            "label": self.label,
            "area": self.area,
            "period": self.period,
            "value": self.value,
            "unit": self.unit,
            "n": self.n,
            "target": None if self.target is None else {
                "better": self.target.better, "target": self.target.target, "at_risk": self.target.at_risk,
                "text": target_text(self.target, self.unit)},
            "status": self.status,
            "previous": self.previous,
            "delta": self.delta,
            "history": [{"period": p, "value": v} for p, v in self.history],
            "evidence": self.evidence,
            "missing": self.missing if self.value is None else None,
            "note": self.note,
            "details": dict(self.details),
        }


def format_value(value: float | None, unit: str) -> str:
    """A KPI value for people: ``12.0%``, ``42 min``, ``$1.2M``, ``3.4 /wk``.

    >>> format_value(0.1234, "ratio"), format_value(42.4, "minutes"), format_value(1234567, "USD")
    ('12.3%', '42 min', '$1.23M')
    >>> format_value(None, "ratio")
    'no data'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if unit == "ratio":
        return f"{value * 100:.{2 if abs(value) >= 0.99 and abs(value) < 1 else 1}f}%"
    if unit == "minutes":
        return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"
    if unit == "hours":
        return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} d"
    if unit == "USD":
        magnitude = abs(value)
        if magnitude >= 1e6:
            return f"${value / 1e6:.2f}M"
        if magnitude >= 1e3:
            return f"${value / 1e3:.1f}k"
        return f"${value:,.2f}"
    if unit == "per week":
        return f"{value:.1f} /wk"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:.3g}"


def format_delta(kpi: Kpi) -> str:
    """Quarter-on-quarter change in the KPI's unit (percentage points for ratios).

    >>> format_delta(Kpi("x", "X", "A", "2026Q3", 0.12, "ratio", previous=0.10))
    '+2.0 pp'
    """
    if kpi.delta is None:
        return "—"
    d = kpi.delta
    if kpi.unit == "ratio":
        return f"{d * 100:+.1f} pp"
    if kpi.unit == "minutes":
        return f"{d:+.0f} min"
    if kpi.unit == "hours":
        return f"{d:+.1f} h"
    if kpi.unit == "USD":
        return f"{'+' if d >= 0 else '−'}{format_value(abs(d), 'USD')}"
    if kpi.unit == "per week":
        return f"{d:+.1f} /wk"
    return f"{d:+,.0f}" if kpi.unit == "count" else f"{d:+.3g}"


def target_text(rule: TargetRule, unit: str) -> str:
    """``< 60 min``, ``≥ 99.9%``, ``within ±5%``.

    >>> target_text(TargetRule("x", "higher", 0.999, 0.998), "ratio")
    '≥ 99.90%'
    """
    if rule.better == "band":
        return f"within ±{format_value(rule.target, 'ratio')}"
    symbol = "≤" if rule.better == "lower" else "≥"
    return f"{symbol} {format_value(rule.target, unit)}"


def sparkline_svg(values: Sequence[float | None], *, width: int = 90, height: int = 22) -> str:
    """A tiny inline SVG line of the history (gaps for missing values).

    >>> sparkline_svg([1.0, 2.0, None, 3.0]).startswith("<svg")
    True
    >>> sparkline_svg([])
    ''
    """
    points = [(i, v) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    if not points:
        return ""
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    span = (hi - lo) or 1.0
    step = width / max(1, len(values) - 1)

    def xy(i: int, v: float) -> str:
        return f"{i * step:.1f},{height - 3 - (v - lo) / span * (height - 6):.1f}"

    segments: list[list[str]] = [[]]
    previous = None
    for i, v in points:
        if previous is not None and i != previous + 1:
            segments.append([])
        segments[-1].append(xy(i, v))
        previous = i
    lines = "".join(
        f'<polyline fill="none" stroke="#4c72b0" stroke-width="1.5" points="{" ".join(s)}"/>' for s in segments if s
    )
    last_i, last_v = points[-1]
    cx, cy = xy(last_i, last_v).split(",")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="trend">{lines}<circle cx="{cx}" cy="{cy}" r="2.2" fill="#4c72b0"/></svg>')


def ranked(kpis: Iterable[Kpi]) -> list[Kpi]:
    """KPIs from worst status to best, then by how far they miss their target."""
    return sorted(kpis, key=lambda k: (STATUS_ORDER[k.status], -(k.target.gap(k.value) or 0) if k.target else 0,
                                       k.area, k.key))


def top_risks(kpis: Iterable[Kpi], limit: int = 3) -> list[Kpi]:
    """Off-track then at-risk KPIs, worst first."""
    return [k for k in ranked(kpis) if k.status in ("off track", "at risk")][:limit]


def top_wins(kpis: Iterable[Kpi], limit: int = 3) -> list[Kpi]:
    """On-track KPIs that improved on the previous period, biggest relative improvement first."""
    def gain(k: Kpi) -> float:
        base = abs(k.previous) if k.previous else 1.0
        return abs(k.delta or 0) / base

    wins = [k for k in kpis if k.status == "on track" and k.improved]
    return sorted(wins, key=lambda k: (-gain(k), k.key))[:limit]


def scorecard_html(kpis: Sequence[Kpi]) -> str:
    """The scorecard as an HTML table (status colour, value, target, QoQ, sparkline, n, evidence)."""
    esc = html.escape
    rows = []
    for k in kpis:
        colour = STATUS_COLORS[k.status]
        badge = (f'<span style="background:{colour};color:white;border-radius:3px;padding:1px 6px;'
                 f'font-size:0.85em;white-space:nowrap">{esc(k.status)}</span>')
        value = esc(format_value(k.value, k.unit))
        if k.value is None and k.missing:
            value = f'no data<br><span style="color:#777;font-size:0.8em">{esc(k.missing)}</span>'
        evidence = f'<a href="{esc(k.evidence)}">details</a>' if k.evidence else ""
        trend = sparkline_svg([v for _, v in k.history])
        note = f'<br><span style="color:#777;font-size:0.8em">{esc(k.note)}</span>' if k.note else ""
        rows.append(
            f"<tr><td>{esc(k.area)}</td><td><b>{esc(k.label)}</b>{note}</td>"
            f"<td style='text-align:right'>{value}</td>"
            f"<td>{esc(target_text(k.target, k.unit)) if k.target else '—'}</td><td>{badge}</td>"
            f"<td style='text-align:right'>{esc(format_delta(k))}</td><td>{trend}</td>"
            f"<td style='text-align:right'>{'' if k.n is None else f'{k.n:,}'}</td><td>{evidence}</td></tr>"
        )
    head = ("<tr><th>Area</th><th>KPI</th><th>Value</th><th>Target</th><th>Status</th><th>QoQ</th>"
            "<th>Trend</th><th>n</th><th></th></tr>")
    return (f'<table style="border-collapse:collapse;font-size:0.92em"><thead>{head}</thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def write_kpis_json(kpis: Sequence[Kpi], path: Path, *, period: str) -> Path:
    """Write every KPI with value, target, status, n and period for other tools."""
    payload = {"period": period, "kpis": [k.as_record() for k in kpis]}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return path
