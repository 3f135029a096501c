"""KPI targets: the rule of one KPI (:class:`TargetRule`: better lower, higher or within a band, with its
at-risk bound) and how a value is judged against it, read and validated from a YAML targets file
(:func:`load_targets`, :class:`TargetBook`; the shipped defaults are ``analytics/config/targets.yaml``),
optionally per service tier."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from analytics.errors import ParameterError

Status = Literal["on track", "at risk", "off track", "no data", "no target"]
Better = Literal["lower", "higher", "band"]


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


class TargetBook:
    """The rules of one targets file, company-wide and per service tier (each tier loaded on first use).

    The file is read and validated when the book is made, so a bad file fails before any KPI is computed.

    >>> book = TargetBook()
    >>> book.rule("slo_compliance").target, book.rule("slo_compliance", tier="tier2").target
    (0.999, 0.995)
    >>> book.rule("no_such_kpi") is None
    True
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(path) if path else None
        self._by_tier: dict[str | None, dict[str, TargetRule]] = {None: load_targets(self.path)}

    @property
    def source(self) -> str:
        """Where the targets come from, for the report's method note."""
        return self.path or "analytics/config/targets.yaml (the shipped defaults)"

    def rules(self, tier: str | None = None) -> dict[str, TargetRule]:
        """Every rule, with ``tier``'s overrides applied."""
        if tier not in self._by_tier:
            self._by_tier[tier] = load_targets(self.path, tier=tier)
        return self._by_tier[tier]

    def rule(self, key: str, *, tier: str | None = None) -> TargetRule | None:
        """The rule of one KPI (None: the file sets no target for it)."""
        return self.rules(tier).get(key)
