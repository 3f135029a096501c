"""The quarterly scorecard: KPIs with value, target, status, quarter-on-quarter change, sparkline,
the number of data points they rest on, and — when the data is missing — what to load to get them.

Targets come from a YAML file (:func:`load_targets`; the shipped defaults are
``analytics/config/targets.yaml``), optionally per service tier. Status rules:

* ``better: lower``  — on track when ``value <= target``, at risk when ``value <= at_risk``;
* ``better: higher`` — on track when ``value >= target``, at risk when ``value >= at_risk``;
* ``better: band``   — on track when ``|value| <= target``, at risk when ``|value| <= at_risk``;
* no value — ``no data``, never a made-up number and never silently dropped;
* a value but no target in the file — ``no target`` (shown, not judged; add the KPI's key to the
  targets file to judge it).

The targets file and its rules are in ``_scorecard_targets``; their names are importable from here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from analytics._scorecard_targets import Better, Status, TargetBook, TargetRule, load_targets
from analytics.escaping import NO_MATH_CLASS, html_text
from analytics.money import is_currency, money

# the targets sibling's names are part of this module's API
__all__ = [
    "STATUS_COLORS", "STATUS_ORDER", "Better", "Kpi", "Status", "TargetBook", "TargetRule", "evidence_href",
    "evidence_link", "format_delta", "format_value", "interval_text", "kpi_sentence", "load_targets", "ranked",
    "scorecard_html", "section_anchor", "sparkline_svg", "status_badge", "status_counts", "target_text", "top_risks",
    "top_wins", "value_text", "write_kpis_json"
]

STATUS_ORDER: dict[str, int] = {"off track": 0, "at risk": 1, "no data": 2, "no target": 3, "on track": 4}
STATUS_COLORS: dict[str, str] = {"on track": "#1a9850", "at risk": "#f0a30a", "off track": "#d73027",
                                 "no data": "#9e9e9e", "no target": "#6b7b8c"}


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
    ci_low: float | None = None  # 95% confidence interval of the value, where it is an estimate
    ci_high: float | None = None
    min_n: int | None = None  # below this n the value is shown but labelled insufficient, with no trend

    @property
    def status(self) -> Status:
        """Judged against the target (``no data`` without a value, ``no target`` without a rule)."""
        if self.value is None:
            return "no data"
        return self.target.status(self.value) if self.target else "no target"

    @property
    def insufficient(self) -> bool:
        """Whether the value rests on fewer points than its minimum (shown, labelled, no trend drawn)."""
        return self.min_n is not None and self.value is not None and (self.n or 0) < self.min_n

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
            "ci": None if self.ci_low is None or self.ci_high is None else {
                "low": self.ci_low, "high": self.ci_high, "level": 0.95},
            "insufficient": self.insufficient,
            "history": [{"period": p, "value": v} for p, v in self.history],
            "evidence": self.evidence,
            "missing": self.missing if self.value is None else None,
            "note": self.note,
            "details": dict(self.details),
        }


def format_value(value: float | None, unit: str, *, signed: bool = False) -> str:
    """A KPI value for people: ``12.0%``, ``42 min``, ``$1.2M``, ``3.4 /wk``; ``signed`` adds ``+``.

    >>> format_value(0.1234, "ratio"), format_value(42.4, "minutes"), format_value(1234567, "USD")
    ('12.3%', '42 min', '$1.23M')
    >>> format_value(None, "ratio"), format_value(0.0643, "ratio", signed=True)
    ('no data', '+6.4%')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if signed and value > 0:
        return "+" + format_value(value, unit)
    if unit == "ratio":
        return f"{value * 100:.{2 if abs(value) >= 0.99 and abs(value) < 1 else 1}f}%"
    if unit == "minutes":
        return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"
    if unit == "hours":
        return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} d"
    if is_currency(unit):  # USD, EUR, or any ISO 4217 code
        return money(value, unit, style="kpi")
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
    if kpi.unit == "ratio":  # SLO-sized moves (hundredths of a point) keep a second decimal
        return f"{d * 100:+.{2 if abs(d) < 0.001 else 1}f} pp"
    if kpi.unit == "minutes":
        return f"{d:+.0f} min"
    if kpi.unit == "hours":
        return f"{d:+.1f} h"
    if is_currency(kpi.unit):
        return f"{'+' if d >= 0 else '−'}{money(abs(d), kpi.unit, style='kpi')}"
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


def section_anchor(heading: str) -> str:
    """The id nbconvert gives a markdown heading in the HTML it renders (``## Time to resolve`` →
    ``Time-to-resolve``), so a KPI can link to the section of an evidence page that shows it.

    >>> section_anchor("Burn-rate alerts (SRE Workbook)")
    'Burn-rate-alerts-(SRE-Workbook)'
    """
    return quote(heading.replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def evidence_href(page: str, heading: str | None = None) -> str:
    """``incident_trends.html#Time-to-resolve``: a link to an evidence page and one of its sections."""
    return page if not heading else f"{page}#{section_anchor(heading)}"


def evidence_link(href: str | None, text: str, *, pages: Collection[str] | None = None) -> str:
    """An HTML link to evidence; when ``pages`` (the pages of this run) lacks the page, the page is named
    instead of linked, so a report run on its own never shows a dead link.

    >>> evidence_link("a.html#X", "details", pages={"a.html"})
    '<a href="a.html#X">details</a>'
    >>> evidence_link("b.html#Y", "details", pages={"a.html"})
    '<span title="run opsreview report all to produce it">b.html (not in this run)</span>'
    """
    if not href:
        return ""
    page = href.split("#", 1)[0]
    if pages is not None and page not in pages:
        return (f'<span title="run opsreview report all to produce it">{html_text(page)} '
                "(not in this run)</span>")
    return f'<a href="{html_text(href)}">{html_text(text)}</a>'


_BADGE = ('<span style="background:{colour};color:white;border-radius:3px;padding:1px 6px;font-size:0.85em;'
          'white-space:nowrap">{text}</span>')
_SMALL = '<br><span style="color:#666;font-size:0.8em">{text}</span>'


def status_badge(status: str) -> str:
    """A coloured status label."""
    return _BADGE.format(colour=STATUS_COLORS[status], text=html_text(status))


def value_text(kpi: Kpi) -> str:
    """The value as shown: signed for band targets (budget variance), with its unit."""
    return format_value(kpi.value, kpi.unit, signed=bool(kpi.target and kpi.target.better == "band"))


def interval_text(kpi: Kpi) -> str | None:
    """``95% CI 35–50 min``, when the value is an estimate with an interval."""
    if kpi.value is None or kpi.ci_low is None or kpi.ci_high is None:
        return None
    return f"95% CI {format_value(kpi.ci_low, kpi.unit)}–{format_value(kpi.ci_high, kpi.unit)}"


def scorecard_html(kpis: Sequence[Kpi], *, pages: Collection[str] | None = None,
                   delta_label: str = "QoQ") -> str:
    """The scorecard as an HTML table (status colour, value with its CI, target, change on the previous
    period, sparkline, n, evidence link). A KPI without data shows what to load; one resting on too few
    points is labelled insufficient and gets no trend line."""
    esc = html_text
    rows = []
    for k in kpis:
        value = esc(value_text(k))
        if k.value is None and k.missing:
            value = "no data" + _SMALL.format(text=esc(k.missing))
        elif k.insufficient:
            value += _SMALL.format(text=f"insufficient data (n &lt; {k.min_n})")
        elif interval_text(k):
            value += _SMALL.format(text=esc(interval_text(k) or ""))
        trend = "" if k.insufficient else sparkline_svg([v for _, v in k.history])
        note = _SMALL.format(text=esc(k.note)) if k.note else ""
        rows.append(
            f"<tr><td>{esc(k.area)}</td><td><b>{esc(k.label)}</b>{note}</td>"
            f"<td style='text-align:right'>{value}</td>"
            f"<td>{esc(target_text(k.target, k.unit)) if k.target else '—'}</td><td>{status_badge(k.status)}</td>"
            f"<td style='text-align:right'>{esc(format_delta(k))}</td><td>{trend}</td>"
            f"<td style='text-align:right'>{'' if k.n is None else f'{k.n:,}'}</td>"
            f"<td>{evidence_link(k.evidence, 'details', pages=pages)}</td></tr>"
        )
    head = (f"<tr><th>Area</th><th>KPI</th><th>Value</th><th>Target</th><th>Status</th><th>{esc(delta_label)}</th>"
            "<th>Trend</th><th>n</th><th>Evidence</th></tr>")
    return (f'<table class="scorecard {NO_MATH_CLASS}" style="border-collapse:collapse;font-size:0.92em">'
            f"<thead>{head}</thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def status_counts(kpis: Iterable[Kpi]) -> dict[str, int]:
    """How many KPIs have each status, in :data:`STATUS_ORDER` (zeros included).

    >>> status_counts([Kpi("x", "X", "A", "2026Q3", None, "ratio")])["no data"]
    1
    """
    counts = dict.fromkeys(sorted(STATUS_ORDER, key=STATUS_ORDER.__getitem__), 0)
    for k in kpis:
        counts[k.status] += 1
    return counts


def kpi_sentence(kpi: Kpi, *, previous_label: str) -> str:
    """One plain sentence a reader can act on: value, target, status and the change on the previous period.

    >>> rule = TargetRule("change_failure_rate", "lower", 0.15, 0.20)
    >>> kpi_sentence(Kpi("cfr", "Change failure rate", "Delivery", "2026Q3", 0.18, "ratio", n=100, previous=0.12,
    ...                  target=rule), previous_label="2026Q2")
    'Change failure rate is 18.0% against a target of ≤ 15.0% (at risk), +6.0 pp on 2026Q2 (12.0%).'
    """
    if kpi.value is None:
        return f"{kpi.label}: no data" + (f" — {kpi.missing}." if kpi.missing else ".")
    text = f"{kpi.label} is {value_text(kpi)}"
    if kpi.target is not None:
        text += f" against a target of {target_text(kpi.target, kpi.unit)} ({kpi.status})"
    if kpi.delta is not None:
        text += f", {format_delta(kpi)} on {previous_label} ({format_value(kpi.previous, kpi.unit)})"
    else:
        text += f", no value for {previous_label} to compare with"
    return text + "."


def write_kpis_json(kpis: Sequence[Kpi], path: Path, *, period: str,
                    metadata: Mapping[str, Any] | None = None) -> Path:
    """Write every KPI with value, target, status, n and period for other tools (``metadata``: extra
    top-level fields such as the previous period and the targets file)."""
    payload = {**dict(metadata or {}), "period": period, "kpis": [k.as_record() for k in kpis]}
    text = json.dumps(_json_safe(payload), indent=2, sort_keys=True, default=str, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _json_safe(value: Any) -> Any:
    """NaN and infinities become null (JSON has neither); containers are walked.

    >>> _json_safe({"a": [float("nan"), 1.5, float("inf")]})
    {'a': [None, 1.5, None]}
    """
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
