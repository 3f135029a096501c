"""Cost anomalies: detected on daily EffectiveCost at several levels, explained, annotated, and
gated for alerting separately (docs/anomaly-quality.md, the cost benchmark and its method).

The pipeline, for a reporting period:

1. **Series** (``analytics/sql/anomaly_cost_by_day.sql``): daily EffectiveCost of the *judged*
   rows — ``ChargeCategory = 'Usage'`` that are not corrections of a closed period, not one-time
   or recurring (scheduled) charges and not unused commitment — at every level: ``total`` →
   ``provider`` → ``service`` → under a service its ``account``, ``region``, ``usage_type``
   (``x_UsageType``) and ``tag`` (the value of one tag key). Every other row is a *scheduled or
   expected charge* (:func:`scheduled_charges`), listed apart and never an anomaly: purchases
   (the all-upfront RI), recurring fees (support, Savings Plan fees), tax, credits, corrections.
   The history starts ``history_days`` before the period, so the period's first days have a
   baseline; nothing after the period's last day is read.
2. **Gaps.** A day without rows for a series counts as **0 spend** when the series' provider
   delivered judged rows that day (a FOCUS export lists every charge, so no row means no charge),
   and as **missing data** when the provider delivered nothing that day (never judged). Before a
   series' first row it does not exist yet. A series that is the only child of its parent (the
   only region of a service…) is not scanned a second time.
3. **Detection**: :func:`analytics.anomalies.detect` in cost mode (``settings.detector``, the
   core in :mod:`analytics.anomalies._seasonal`): a causal day-of-week baseline with a robust
   band; flagged days never enter the baseline, so a persisting level shift is one event.
4. **New spend** (:func:`new_values`): a provider, service, account, region, usage type or tag
   value whose spend first reaches ``new_value_floor`` on a day, after at least
   ``new_value_lookback_days`` of its parent's data without it, is a finding of its own kind
   (``kind = 'new'``), with the spend since then as its impact.
5. **One row per event** (:func:`fold`): an event seen at several levels is reported once, at the
   most specific scope that explains it: a leaf event (account/region/usage type/tag) overlapping
   an event of its service is a driver of that event; a total/provider/service event is folded
   into the deeper findings inside it when they explain at least ``fold_share`` of its impact.
   Events at a deeper level with no event above them (changes masked by opposite moves in the
   aggregate) stay findings of their own. Every event overlapping the period is reported whole,
   from its first day, even when that lies before the period.
6. **Root causes** (:func:`contributions`): the event's Δ$ split over the members of the level
   below (and the resources, and the annotation tag), each member's expected value being the
   parent's expected value times the member's share of the parent on the same weekday in the
   ``level_days`` before the event. The contributions sum exactly to the event's impact, and
   members moving in opposite directions are both listed (ranked by their own |Δ$|). The levels
   below come from the level series already read; the other splits (the other leaf dimensions of
   a leaf, the resources, the annotation tag) of **every** finding are read in one statement
   (:func:`member_costs`, ``anomaly_cost_by_member.sql``), not one per finding and dimension:
   100 statements took 20 s on a 1M-row warehouse, the one statement 0.5 s.
7. **Annotation** (:func:`annotate`): the deployments and incidents of the services behind the
   event (its ``service`` tag drivers) from one day before to one day after its first day; a
   decrease that starts with a commitment purchase of the same provider is ``explained_by`` it.
8. **Alerting** (:func:`alerts`) is a separate, explicit gate: |impact| ≥ ``min_impact`` AND
   |impact %| ≥ ``min_impact_pct``, in the chosen direction (increases by default), leaving out
   anomalies whose latest feedback (:func:`record_feedback`) is ``expected`` or ``false``.

Why one module over 500 lines: the cost anomaly pipeline end to end (series, scan, findings, root
causes, annotations, alert gate, artifacts), each step a small function over the previous one's
frame; the steps share one settings object and one frame layout (ANOMALY_COLUMNS), so they read best
in order in one place. A split along the steps (series + scan / root causes / annotations + gate) is
the natural next cut.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal, cast

import duckdb
import numpy as np
import pandas as pd

from analytics.anomalies._seasonal import DEFAULT_SEASONAL, Scan, SeasonalSettings, events_of
from analytics.anomalies.family import detect
from analytics.artifacts import json_ready, write_json_artifact
from analytics.engines import cost_frame
from analytics.errors import ParameterError
from analytics.metrics.cost import billing_currencies
from analytics.money import money
from analytics.periods import Period
from analytics.runcache import cached, is_cached
from analytics.sql import query
from analytics.warehouse import run, scalar

__all__ = [
    "DEFAULT_COST_SETTINGS",
    "DEFAULT_MIN_IMPACT",
    "DEFAULT_MIN_IMPACT_PCT",
    "LEVELS",
    "NOT_SET",
    "CostAnomalies",
    "CostAnomalySettings",
    "MemberRequest",
    "alerts",
    "annotate",
    "anomalies_artifact",
    "anomaly_table",
    "chart_drivers",
    "cost_anomalies",
    "cost_anomalies_of_periods",
    "cost_series",
    "member_costs",
    "scheduled_charges",
    "scope_label",
    "scope_part",
    "series_key",
    "write_anomalies_json",
]

log = logging.getLogger(__name__)

Direction = Literal["increase", "decrease", "both"]
LEVELS: Final[tuple[str, ...]] = ("total", "provider", "service", "account", "region", "usage_type", "tag")
LEAF_LEVELS: Final[tuple[str, ...]] = ("account", "region", "usage_type", "tag")
TIER: Final[Mapping[str, int]] = {"total": 0, "provider": 1, "service": 2, "account": 3, "region": 3,
                                  "usage_type": 3, "tag": 3}
ANNOTATION_TAG: Final = "service"
"""Tag key that names the company service of a cost row (joins deployments and incidents)."""
DEFAULT_MIN_IMPACT: Final = 250.0
"""Alert floor in currency units of total impact (see docs/anomaly-quality.md for the choice)."""
DEFAULT_MIN_IMPACT_PCT: Final = 20.0
"""Alert floor in percent of the expected spend over the event."""
_HEAD_PREFERENCE: Final[Mapping[str, int]] = {"tag": 0, "region": 1, "account": 2, "usage_type": 3}
"""Which leaf event heads a group of rows describing one event (the tag names its owner)."""
_NEW_PREFERENCE: Final[Mapping[str, int]] = {"region": 0, "account": 1, "usage_type": 2, "tag": 3}
"""Which new value heads a group of new values that appear together (a new region first)."""
_MEMBER_LABEL: Final[Mapping[str, str]] = {"account": "account", "region": "region", "usage_type": "usage type"}


@dataclass(frozen=True)
class CostAnomalySettings:
    """Settings of the cost pipeline; the defaults are the shipped configuration."""

    detector: SeasonalSettings = DEFAULT_SEASONAL
    """The day-of-week detector (:class:`~analytics.anomalies._seasonal.SeasonalSettings`)."""
    history_days: int = 182
    """Days of history read before the period starts."""
    new_value_floor: float = 10.0
    """Daily spend at which a provider, service or dimension value counts as new spend."""
    new_value_lookback_days: int = 28
    """Days of the parent's data without the value before its spend counts as new."""
    fold_share: float = 0.5
    """Share of an event's impact its deeper findings must explain for it to fold into them."""
    top_drivers: int = 5
    """Contributors kept per driver dimension."""
    annotation_days: int = 1
    """Deployments and incidents from this many days before to this many after the first day."""

    def __post_init__(self) -> None:
        """Reject settings that make no sense."""
        if self.history_days < 7 * self.detector.season_weeks:
            raise ParameterError("history_days must cover the detector's season_weeks")
        if self.new_value_floor <= 0 or self.new_value_lookback_days < 1:
            raise ParameterError("new_value_floor must be > 0 and new_value_lookback_days ≥ 1")
        if not 0 < self.fold_share <= 1 or self.top_drivers < 1 or self.annotation_days < 0:
            raise ParameterError("need 0 < fold_share ≤ 1, top_drivers ≥ 1 and annotation_days ≥ 0")


DEFAULT_COST_SETTINGS: Final = CostAnomalySettings()


# -- series -----------------------------------------------------------------------------------
def _ts(day: date) -> datetime:
    """Midnight UTC of a day."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def history_start(period: Period, *, settings: CostAnomalySettings = DEFAULT_COST_SETTINGS) -> date:
    """First day read: ``history_days`` before the period."""
    return period.start - timedelta(days=settings.history_days)


def cost_series(
    con: duckdb.DuckDBPyConnection, start: date, end: date, *, tag_key: str = ANNOTATION_TAG
) -> pd.DataFrame:
    """Daily judged EffectiveCost per level and scope for days in ``[start, end)`` (rows that exist only).

    Columns: ``level, provider, service, member, day (date), cost, row_count``.
    """
    frame = cost_frame(con, "anomaly_cost_by_day", {"start": _ts(start), "end": _ts(end), "tag_key": tag_key})
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return with_scope_parts(frame)


NOT_SET: Final = "(not set)"
"""Member of the rows whose provider, service, account, region or usage type is NULL or blank
(``cost_dimension_value``, migration 0006); a missing or blank tag value is ``(untagged)``."""
SCOPE_COLUMNS: Final[tuple[str, ...]] = ("provider", "service", "member")


def _rows(frame: pd.DataFrame, *, index: bool = False) -> Iterator[Any]:
    """The rows of a frame as named tuples whose fields are its columns (typed ``Any``: pandas-stubs would type
    each field as the union of every scalar)."""
    return frame.itertuples(index=index)


def scope_part(value: Any) -> str | None:
    """A scope column's value as text, or None when the row has none at that depth (a total has no
    provider, a service no member). pandas stores that None as NaN in string columns, so NaN and
    ``pd.NA`` are None too; NULL *data* never gets here, the SQL names it ``(not set)``.

    >>> scope_part(float("nan")), scope_part(None), scope_part("us-east-1")
    (None, None, 'us-east-1')
    """
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None
    return str(value)


def with_scope_parts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its provider, service and member columns as objects holding text or None."""
    out = frame.copy()
    for col in SCOPE_COLUMNS:
        if col in out:
            out[col] = pd.Series([scope_part(v) for v in out[col]], index=out.index, dtype=object)
    return out


def series_key(level: str, provider: object, service: object, member: object) -> str:
    """Stable text key of a series (a scope without a part at some depth has an empty part there).

    >>> series_key("region", "AWS", "Amazon EC2", "(not set)")
    'region|AWS|Amazon EC2|(not set)'
    """
    parts = [scope_part(provider), scope_part(service), scope_part(member)]
    if level in LEAF_LEVELS and parts[2] is None:
        raise ParameterError(f"a {level} series needs a member; a NULL {level} is the member {NOT_SET!r}")
    return "|".join([level, *(p or "" for p in parts)])


def scope_label(level: str, provider: object, service: object, member: object, *,
                tag_key: str = ANNOTATION_TAG) -> str:
    """Human label of a scope, e.g. ``AWS · Amazon EC2 · region us-east-1``.

    >>> scope_label("tag", "AWS", "Amazon EC2", "search")
    'AWS · Amazon EC2 · service=search'
    >>> scope_label("total", None, None, None)
    'all usage'
    >>> scope_label("region", "AWS", "Amazon EC2", "(not set)")
    'AWS · Amazon EC2 · region (not set)'
    """
    if level == "total":
        return "all usage"
    parts = [p for p in (scope_part(provider), scope_part(service)) if p is not None]
    if level in LEAF_LEVELS:
        name = scope_part(member)
        parts.append(f"{tag_key}={name}" if level == "tag" else f"{_MEMBER_LABEL[level]} {name}")
    return " · ".join(parts)


def _parent_key(level: str, provider: str | None, service: str | None) -> str | None:
    """Key of the parent series (None for total)."""
    if level == "total":
        return None
    if level == "provider":
        return series_key("total", None, None, None)
    if level == "service":
        return series_key("provider", provider, None, None)
    return series_key("service", provider, service, None)


@dataclass(frozen=True)
class SeriesMatrix:
    """Every series of the cost hierarchy on one day axis (rows = days, columns = series)."""

    days: tuple[date, ...]
    keys: pd.DataFrame
    """One row per series: key, level, provider, service, member, parent, first_day."""
    values: np.ndarray


def series_matrix(long: pd.DataFrame, start: date, last_day: date) -> SeriesMatrix:
    """Pivot the long series to a day × series matrix, applying the gap rule of the module docstring."""
    n_days = (last_day - start).days + 1
    days = tuple(start + timedelta(days=i) for i in range(n_days))
    if long.empty:
        empty = pd.DataFrame(columns=["key", "level", "provider", "service", "member", "parent", "first_day"])
        return SeriesMatrix(days, empty, np.zeros((n_days, 0)))
    keyed = long.assign(key=[series_key(*r) for r in long[["level", "provider", "service", "member"]]
                             .itertuples(index=False, name=None)])
    keys = with_scope_parts(keyed.drop_duplicates("key")[["key", "level", "provider", "service", "member"]]
                            .reset_index(drop=True))
    keys["parent"] = [_parent_key(r.level, r.provider, r.service) for r in _rows(keys)]
    col = pd.Series(np.arange(len(keys)), index=keys["key"])
    values = np.full((n_days, len(keys)), np.nan)
    rows = np.array([(d - start).days for d in keyed["day"]], dtype=np.int64)
    values[rows, col.loc[keyed["key"]].to_numpy()] = keyed["cost"].to_numpy(dtype=float)
    present = np.isfinite(values)
    first = np.where(present.any(axis=0), present.argmax(axis=0), n_days)
    keys["first_day"] = [days[i] if i < n_days else None for i in first]
    # coverage: days on which the series' provider (the total, for the total) delivered judged rows
    provider_col = {r.provider: col[r.key] for r in _rows(keys) if r.level == "provider"}
    total_col = col.get(series_key("total", None, None, None))
    cover_col = np.array([provider_col.get(p, total_col) if lvl != "total" else total_col
                          for lvl, p in zip(keys["level"], keys["provider"], strict=True)])
    covered = present[:, cover_col]
    alive = np.arange(n_days)[:, None] >= first[None, :]
    values = np.where(np.isnan(values) & covered & alive, 0.0, values)
    return SeriesMatrix(days, keys, values)


def _only_children(keys: pd.DataFrame, levels: Sequence[str]) -> set[str]:
    """Series identical to a scanned ancestor: the only member of their dimension under a parent
    whose level is chosen or which is itself such a duplicate. With ``levels=("service",)`` every
    service is scanned even when a provider has only one.
    """
    grouped = keys[keys["parent"].notna()].groupby(["parent", "level"])["key"]
    only = {k: parent for (parent, _), members in grouped for k in members if len(members) == 1}
    level_of = dict(zip(keys["key"], keys["level"], strict=True))
    skipped: set[str] = set()
    for key in sorted(only, key=lambda k: TIER[level_of[k]]):
        parent = only[key]
        if parent in skipped or level_of.get(parent) in levels:
            skipped.add(key)
    return skipped


# -- results ----------------------------------------------------------------------------------
ANOMALY_COLUMNS: Final = (
    "anomaly_id", "kind", "shape", "level", "provider", "service", "member", "scope", "start", "end", "days",
    "ongoing", "direction", "actual", "expected", "expected_low", "expected_high", "impact", "impact_pct",
    "score", "flagged_days", "in_period", "folded_into", "also_seen_at", "top_drivers", "services",
    "annotations", "explained_by", "feedback",
)


@dataclass(frozen=True)
class CostAnomalies:
    """Everything the cost pipeline found for one period."""

    period: Period
    first_day: date | None
    last_day: date | None
    tag_key: str
    levels: tuple[str, ...]
    settings: CostAnomalySettings
    currency: str
    """Billing currency of the amounts (``impact``, ``expected``, driver deltas; :func:`anomaly_currency`)."""
    anomalies: pd.DataFrame
    """Every event and new value overlapping the period, one row each (``ANOMALY_COLUMNS``)."""
    drivers: pd.DataFrame
    """Root-cause contributions: anomaly_id, dimension, member, expected, actual, delta, share, rank."""
    annotations: pd.DataFrame
    """anomaly_id, kind (deployment/incident), id, service, happened_at, detail."""
    scheduled: pd.DataFrame
    """Scheduled or expected charges of the period (:func:`scheduled_charges`)."""
    series: pd.DataFrame
    """One row per series: level, scope, first day, scanned, reason, notes, cost in the period."""
    daily: pd.DataFrame = field(repr=False)
    """Per scanned series and day: actual, expected, low, high, z, flag (for charts)."""

    @property
    def findings(self) -> pd.DataFrame:
        """One row per event: the anomalies not folded into another one, largest |impact| first."""
        return self.anomalies[self.anomalies["folded_into"].isna()].reset_index(drop=True)

    def series_days(self, anomaly_id: str, *, before: int = 35, after: int = 7) -> pd.DataFrame:
        """Actual, expected and band of an anomaly's series around its window, one row per day.

        New spend is drawn against an expected value of 0, from before its first day.
        """
        row: Any = self.anomalies.set_index("anomaly_id").loc[anomaly_id]  # the anomaly's row
        key = series_key(row["level"], row["provider"], row["service"], row["member"])
        lo = max(row["start"] - timedelta(days=before), self.first_day or row["start"])
        hi = min(row["end"] + timedelta(days=after), self.last_day or row["end"])
        days = pd.DataFrame({"day": [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]})
        mine = self.daily[self.daily["key"] == key] if not self.daily.empty else self.daily
        if mine.empty and row["kind"] != "new":
            return pd.DataFrame(columns=["day", "actual", "expected", "low", "high"])
        cols = ["day", "actual", "expected", "low", "high"]
        out = days.merge(mine[cols], on="day", how="left") if not mine.empty else days.assign(
            actual=np.nan, expected=np.nan, low=np.nan, high=np.nan)
        if row["kind"] == "new":
            out["actual"] = out["actual"].fillna(0.0)
            out[["expected", "low", "high"]] = 0.0
        return out[cols]


def _anomaly_id(level: str, provider: object, service: object, member: object, start: date,
                direction: str, kind: str) -> str:
    """Stable id of an anomaly: the same event in a later run keeps its id."""
    text = "|".join([kind, series_key(level, provider, service, member), start.isoformat(), direction])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _events_frame(scan: Scan, matrix: SeriesMatrix, scanned: np.ndarray, tag_key: str) -> pd.DataFrame:
    """Events of the scanned series as anomaly rows (kind ``anomaly``)."""
    events = events_of(scan)
    if events.empty:
        return pd.DataFrame(columns=list(ANOMALY_COLUMNS))
    keys = matrix.keys.iloc[scanned[events["series"].to_numpy()]].reset_index(drop=True)
    out = pd.concat([keys[["level", "provider", "service", "member"]], events.drop(columns="series")], axis=1)
    out["start"] = [matrix.days[i] for i in out["start"]]
    out["end"] = [matrix.days[i] for i in out["end"]]
    out["kind"] = "anomaly"
    out["shape"] = np.where((out["days"] <= 3) & ~out["ongoing"], "spike", "sustained")
    out["impact_pct"] = out["impact_pct"] * 100.0
    out = with_scope_parts(out)
    out["scope"] = [scope_label(r.level, r.provider, r.service, r.member, tag_key=tag_key)
                    for r in _rows(out)]
    out["anomaly_id"] = [_anomaly_id(r.level, r.provider, r.service, r.member, r.start, r.direction, "anomaly")
                         for r in _rows(out)]
    return out


def _new_spend_during(matrix: SeriesMatrix) -> Any:
    """``new_spend(new_row, event_row)``: the new value's spend on the days of the event."""
    col_of = {k: i for i, k in enumerate(matrix.keys["key"])}
    day_of = {d: i for i, d in enumerate(matrix.days)}

    def spend(new: Any, event: Any) -> float:
        values = matrix.values[:, col_of[series_key(new.level, new.provider, new.service, new.member)]]
        lo, hi = day_of[max(new.start, event.start)], day_of[min(new.end, event.end)]
        return float(np.nansum(values[lo:hi + 1])) if hi >= lo else 0.0

    return spend


def new_values(matrix: SeriesMatrix, *, settings: CostAnomalySettings, levels: Sequence[str],
               tag_key: str) -> pd.DataFrame:
    """New spend: series below the total that first appear after ``new_value_lookback_days`` of
    their parent's data and reach ``new_value_floor`` a day within that many days of appearing."""
    rows = []
    first_of = dict(zip(matrix.keys["key"], matrix.keys["first_day"], strict=True))
    col_of = {k: i for i, k in enumerate(matrix.keys["key"])}
    start_day = matrix.days[0] if matrix.days else None
    for r in _rows(matrix.keys):
        if r.level == "total" or r.level not in levels or r.first_day is None:
            continue
        values = matrix.values[:, col_of[r.key]]
        over = np.flatnonzero(np.nan_to_num(values, nan=0.0) >= settings.new_value_floor)
        if over.size == 0:
            continue
        first_big = over[0]
        parent_first = first_of.get(r.parent) or start_day
        data_before = (r.first_day - parent_first).days
        grown = (matrix.days[first_big] - r.first_day).days
        if data_before < settings.new_value_lookback_days or grown > settings.new_value_lookback_days:
            continue
        window = values[first_big:]
        actual = float(np.nansum(window))
        start = matrix.days[first_big]
        rows.append({
            "level": r.level, "provider": r.provider, "service": r.service, "member": r.member,
            "start": start, "end": matrix.days[-1], "days": len(window), "ongoing": True,
            "direction": "increase", "actual": actual, "expected": 0.0, "expected_low": 0.0,
            "expected_high": 0.0, "impact": actual, "impact_pct": float("inf"), "score": float("nan"),
            "flagged_days": int((np.nan_to_num(window) >= settings.new_value_floor).sum()),
            "kind": "new", "shape": "new spend",
            "scope": scope_label(r.level, r.provider, r.service, r.member, tag_key=tag_key),
            "anomaly_id": _anomaly_id(r.level, r.provider, r.service, r.member, start, "increase", "new"),
        })
    return with_scope_parts(pd.DataFrame(rows, columns=[c for c in ANOMALY_COLUMNS if c not in
                                                        ("in_period", "folded_into", "also_seen_at", "top_drivers",
                                                         "services", "annotations", "explained_by", "feedback")]))


def _is_ancestor(a: pd.Series | Any, d: pd.Series | Any) -> bool:
    """Whether scope ``a`` strictly contains scope ``d`` in the hierarchy."""
    if TIER[a.level] >= TIER[d.level]:
        return False
    if a.level == "total":
        return True
    if a.provider != d.provider:
        return False
    return a.level == "provider" or (a.level == "service" and a.service == d.service)


def _overlap(a: Any, b: Any) -> bool:
    """Whether two rows' windows share a day."""
    return bool(a.start <= b.end and b.start <= a.end)


def _preferred_head(group: Sequence[Any]) -> Any:
    """The row a group of same-event rows is reported under: among those with at least half the
    largest |impact|, new spend first, then the largest |impact %| (the scope where the change
    stands out most), then by :data:`_HEAD_PREFERENCE` and id."""
    biggest = max(abs(r.impact) for r in group)
    close = [r for r in group if abs(r.impact) >= 0.5 * biggest]
    return min(close, key=lambda r: (r.kind != "new", -_pct_magnitude(r.impact_pct),
                                     _HEAD_PREFERENCE.get(r.level, 9), r.anomaly_id))


def _pct_magnitude(value: float) -> float:
    """|impact %| for ranking: NaN as 0, infinite (new spend) as a very large number, rounded."""
    if value is None or np.isnan(value):
        return 0.0
    return round(min(abs(float(value)), 1e12), 6)


def _similar(a: float, b: float, *, factor: float = 2.0) -> bool:
    """Whether two impacts have the same sign and are within ``factor`` of each other."""
    return a * b > 0 and 1 / factor <= abs(a) / abs(b) <= factor


def fold(anomalies: pd.DataFrame, *, fold_share: float,
         new_spend: Any = lambda new, event: new.impact) -> pd.Series:
    """``folded_into`` for every row: the id of the row it is reported under, or None.

    1. New-value rows that appear together (same provider, within a day, nested or side by side
       under one service) are one finding.
    2. Leaf events (account, region, usage type, tag) of one service that overlap in time with
       the same direction and impacts within a factor of two are one event seen through several
       dimensions: one finding; when new spend under the same service during the event (given by
       ``new_spend(new_row, event_row)``) is within 25% of its impact, it is that new spend.
    3. Service, provider and total events (deepest first) fold into the largest of the deeper
       findings inside them when those explain at least ``fold_share`` of their impact: the event
       is reported at the most specific scope that explains it.
    4. Leaf events that remain inside an overlapping same-direction service event are its drivers.
    """
    target: dict[str, str | None] = dict.fromkeys(anomalies["anomaly_id"])
    rows = list(_rows(anomalies))
    new = [r for r in rows if r.kind == "new"]
    for r in sorted(new, key=lambda r: (TIER[r.level], _NEW_PREFERENCE.get(r.level, 9), -r.impact,
                                        r.anomaly_id)):
        heads = [h for h in new if target[h.anomaly_id] is None and h is not r and abs((h.start - r.start).days) <= 1
                 and (_is_ancestor(h, r) or (TIER[h.level] == TIER[r.level] and h.provider == r.provider
                                             and (h.level == "provider" or h.service == r.service)))
                 and (TIER[h.level], _NEW_PREFERENCE.get(h.level, 9), -h.impact, h.anomaly_id)
                 < (TIER[r.level], _NEW_PREFERENCE.get(r.level, 9), -r.impact, r.anomaly_id)]
        if heads:
            target[r.anomaly_id] = heads[0].anomaly_id
    events = [r for r in rows if r.kind == "anomaly"]
    leaves = [r for r in events if TIER[r.level] == 3]
    clusters: list[list[Any]] = []
    for r in sorted(leaves, key=lambda r: (-abs(r.impact), r.anomaly_id)):
        for cluster in clusters:
            top = cluster[0]
            if top.provider == r.provider and top.service == r.service and top.direction == r.direction and (
                    _overlap(top, r) and _similar(top.impact, r.impact)):
                cluster.append(r)
                break
        else:
            clusters.append([r])
    for cluster in clusters:
        head = _preferred_head(cluster)
        for r in cluster:
            if r is not head:
                target[r.anomaly_id] = head.anomaly_id
        # the same rows seen as new spend under the same service (a new region) explain the event
        spend = [n for n in new if target[n.anomaly_id] is None and TIER[n.level] == 3 and n.provider == head.provider
                 and n.service == head.service and head.direction == "increase" and _overlap(n, head)
                 and _similar(new_spend(n, head), head.impact, factor=1.25)]
        if spend:
            target[head.anomaly_id] = _preferred_head(spend).anomaly_id
    for tier in (2, 1, 0):
        for a in sorted((r for r in events if TIER[r.level] == tier), key=lambda r: r.anomaly_id):
            inside = [d for d in rows if target[d.anomaly_id] is None and d is not a
                      and _is_ancestor(a, d) and d.direction == a.direction and _overlap(a, d)]
            inside = [d for d in inside if not any(_is_ancestor(o, d) for o in inside if o is not d)]
            explained = sum(abs(d.impact) for d in inside)
            if inside and explained >= fold_share * abs(a.impact):
                target[a.anomaly_id] = _preferred_head(inside).anomaly_id
    for r in leaves:
        if target[r.anomaly_id] is None:
            broader = [s for s in events if s.level == "service" and target[s.anomaly_id] is None
                       and s.provider == r.provider and s.service == r.service and s.direction == r.direction
                       and _overlap(r, s)]
            if broader:
                target[r.anomaly_id] = broader[0].anomaly_id
    resolved: dict[str, str | None] = {}
    for key in target:
        seen, cur = {key}, target[key]
        while cur is not None and target.get(cur) is not None and cur not in seen:
            seen.add(cur)
            cur = target[cur]
        resolved[key] = cur
    return anomalies["anomaly_id"].map(resolved)


# -- root causes ------------------------------------------------------------------------------
def _child_frame(long: pd.DataFrame, row: Any) -> list[tuple[str, pd.DataFrame]]:
    """(dimension, long frame of member, day, cost) for the levels below a scope, from the level series."""
    if row.level == "total":
        return [("provider", long[long["level"] == "provider"].assign(member=lambda f: f["provider"]))]
    if row.level == "provider":
        mine = long[(long["level"] == "service") & (long["provider"] == row.provider)]
        return [("service", mine.assign(member=lambda f: f["service"]))]
    if row.level == "service":
        mine = long[(long["provider"] == row.provider) & (long["service"] == row.service)]
        return [(lvl, mine[mine["level"] == lvl]) for lvl in LEAF_LEVELS]
    return []


MEMBER_DIMENSIONS: Final[tuple[str, ...]] = ("resource", "account", "region", "usage_type", "tag", "annotation_tag")
"""Member dimensions ``anomaly_cost_by_member.sql`` splits a scope by (``tag``: the level's tag key,
``annotation_tag``: :data:`ANNOTATION_TAG`)."""


@dataclass(frozen=True)
class MemberRequest:
    """Daily cost inside one finding's scope over ``[start, end)``, split by ``member_dim``."""

    member_dim: str
    provider: str | None
    service: str | None
    start: date
    end: date
    leaf: str | None = None
    """The finding's own leaf level (account, region, usage_type, tag) when it is a leaf finding."""
    member: str | None = None
    """That leaf's member."""
    finding_start: date | None = None
    """First day of the finding: the days before it (the baseline) come back summed per weekday, on the
    first baseline day of that weekday (None: every day as it is)."""

    @classmethod
    def of(cls, row: Any, member_dim: str, *, start: date, end: date,
           finding_start: date | None = None) -> MemberRequest:
        """The request for a finding row (its level's scope) and a member dimension."""
        if member_dim not in MEMBER_DIMENSIONS:
            raise ParameterError(f"unknown member dimension {member_dim!r}")
        leaf = row.level if row.level in LEAF_LEVELS else None
        return cls(member_dim, scope_part(row.provider), scope_part(row.service), start, end, leaf,
                   scope_part(row.member) if leaf else None, finding_start)


def _any_as_blank(part: str | None) -> str:
    """A request's scope part as the statement's lists hold it: ``''`` for any (lists without NULLs
    bind on every engine; a member is never blank)."""
    return "" if part is None else part


def _days_of(frame: pd.DataFrame, starts: Sequence[date]) -> list[date]:
    """The ``day`` of each row of ``anomaly_cost_by_member``: its own day, or for a baseline weekday sum
    the request's first day of that weekday (``start + baseline_slot``)."""
    days = pd.to_datetime(frame["day"]).dt.date
    return [starts[int(i)] + timedelta(days=int(slot)) if pd.isna(d) else d
            for d, i, slot in zip(days, frame["request"], frame["baseline_slot"], strict=True)]


def member_costs(con: duckdb.DuckDBPyConnection, requests: Sequence[MemberRequest], *,
                 tag_key: str) -> list[pd.DataFrame]:
    """Daily cost per member (``member, day, cost``) for each request, read in **one** statement.

    ``tag`` members are values of ``tag_key``, ``annotation_tag`` members values of
    :data:`ANNOTATION_TAG`; a leaf request keeps only the rows of its own member. Days before a
    request's ``finding_start`` come summed per weekday, each sum on the first such day of the request
    (what :func:`contributions` reads of a baseline: per-weekday totals). Each frame holds what a
    separate statement per request would return, ordered by member and day.
    """
    if not requests:
        return []
    leaf_filter = {lvl: [_any_as_blank(r.member if r.leaf == lvl else None) for r in requests] for lvl in LEAF_LEVELS}
    params = {
        "request_id": list(range(len(requests))),
        "request_member_dim": [r.member_dim for r in requests],
        "request_provider": [_any_as_blank(r.provider) for r in requests],
        "request_service": [_any_as_blank(r.service) for r in requests],
        "request_account": leaf_filter["account"],
        "request_region": leaf_filter["region"],
        "request_usage_type": leaf_filter["usage_type"],
        "request_tag": leaf_filter["tag"],
        "request_start": [r.start for r in requests],
        "request_end": [r.end for r in requests],
        "request_finding_start": [r.finding_start or r.start for r in requests],
        "tag_key": tag_key,
        "annotation_tag_key": ANNOTATION_TAG,
    }
    frame = cost_frame(con, "anomaly_cost_by_member", params)
    frame["day"] = _days_of(frame, [r.start for r in requests])
    frame = frame.sort_values(["request", "member", "day"], kind="stable")
    empty = pd.DataFrame({"member": pd.Series(dtype=object), "day": pd.Series(dtype=object),
                          "cost": pd.Series(dtype=float)})
    parts = {int(cast(Any, i)): part[["member", "day", "cost"]].reset_index(drop=True)
             for i, part in frame.groupby("request", sort=True)}
    return [parts.get(i, empty) for i in range(len(requests))]


def contributions(
    children: pd.DataFrame, expected: Mapping[date, float], *, start: date, end: date, baseline_days: int
) -> pd.DataFrame:
    """Each member's contribution to the parent's Δ over ``[start, end]``.

    A member's expected value on a day is the parent's expected value times the member's share of
    the parent on the same weekday in the ``baseline_days`` before ``start`` (its overall share
    when that weekday's parent total is not positive, an equal split when no share is usable).
    Shares sum to 1, so the contributions sum to the parent's actual − expected; members moving
    in opposite directions each keep their own sign.

    >>> kids = pd.DataFrame({"member": ["a", "b", "a", "b"], "cost": [60.0, 40.0, 90.0, 20.0],
    ...                      "day": [date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 8), date(2026, 1, 8)]})
    >>> out = contributions(kids, {date(2026, 1, 8): 100.0}, start=date(2026, 1, 8), end=date(2026, 1, 8),
    ...                     baseline_days=7)
    >>> out[["member", "expected", "actual", "delta"]].values.tolist()
    [['a', 60.0, 90.0, 30.0], ['b', 40.0, 20.0, -20.0]]
    """
    columns = ["member", "expected", "actual", "delta"]
    if children.empty:
        return pd.DataFrame(columns=columns)
    members, member_idx = np.unique(children["member"].astype(str).to_numpy(), return_inverse=True)
    base_lo = start - timedelta(days=baseline_days)
    offset = np.array([(d - base_lo).days for d in children["day"]], dtype=np.int64)
    n_days = (end - base_lo).days + 1
    inside = (offset >= 0) & (offset < n_days)
    wide = np.zeros((n_days, members.size))
    np.add.at(wide, (offset[inside], member_idx[inside]), children["cost"].to_numpy(dtype=float)[inside])
    base, window = wide[:baseline_days], wide[baseline_days:]
    weekday = np.array([(base_lo + timedelta(days=i)).weekday() for i in range(n_days)])
    overall = base.sum(axis=0)
    total = float(overall.sum())
    fallback = overall / total if total > 0 else np.full(members.size, 1.0 / members.size)
    shares = np.tile(fallback, (7, 1))
    for wd in range(7):
        day_sum = base[weekday[:baseline_days] == wd].sum(axis=0)
        if float(day_sum.sum()) > 0:
            shares[wd] = day_sum / float(day_sum.sum())
    exp_day = np.array([expected.get(base_lo + timedelta(days=baseline_days + i), np.nan)
                        for i in range(window.shape[0])])
    used = np.isfinite(exp_day)
    exp = (exp_day[used, None] * shares[weekday[baseline_days:][used]]).sum(axis=0)
    act = window[used].sum(axis=0)
    out = pd.DataFrame({"member": members, "expected": exp, "actual": act})
    out["delta"] = out["actual"] - out["expected"]
    order = np.lexsort((out["member"].to_numpy(), -out["delta"].abs().to_numpy()))
    return out.iloc[order].reset_index(drop=True)[columns]


def _driver_window(r: Any, settings: CostAnomalySettings) -> tuple[date, date]:
    """``[first, end)`` of the days a finding's root causes read: its baseline and its days."""
    return r.start - timedelta(days=settings.detector.level_days), r.end + timedelta(days=1)


def _driver_requests(r: Any, *, settings: CostAnomalySettings) -> list[tuple[str, MemberRequest]]:
    """(driver dimension, request) for the dimensions of a finding that the level series do not hold:
    inside a leaf the other leaf dimensions (AWS-style root causes), below any provider its resources,
    and always the annotation tag."""
    lo, hi = _driver_window(r, settings)
    dims = [other for other in LEAF_LEVELS if other != r.level] if r.level in LEAF_LEVELS else []
    if r.level != "total":
        dims.append("resource")
    dims.append("annotation_tag")
    return [(dim, MemberRequest.of(r, dim, start=lo, end=hi, finding_start=r.start)) for dim in dims]


def _drivers(long: pd.DataFrame, r: Any, members: Sequence[tuple[str, pd.DataFrame]], *, scan: Scan | None,
             scan_col: Mapping[str, int], day_index: Mapping[date, int], tag_key: str,
             settings: CostAnomalySettings) -> pd.DataFrame:
    """Root-cause contributions of one finding over its anomalous days, every driver dimension: the
    levels below it from the level series ``long``, the others from ``members`` (:func:`member_costs`
    of :func:`_driver_requests`)."""
    window = [r.start + timedelta(days=i) for i in range((r.end - r.start).days + 1)]
    if r.kind == "new" or scan is None:
        exp = dict.fromkeys(window, 0.0)
    else:
        j = scan_col[series_key(r.level, r.provider, r.service, r.member)]
        exp = {d: float(scan.expected[day_index[d], j]) for d in window if scan.flag[day_index[d], j] != 0}
    baseline = settings.detector.level_days
    dims = [*_child_frame(long, r), *members]
    parts = []
    for dimension, frame in dims:
        if frame.empty:
            continue
        one = contributions(frame[["member", "day", "cost"]], exp, start=r.start, end=r.end, baseline_days=baseline)
        one["dimension"] = dimension
        one["rank"] = np.arange(1, len(one) + 1)
        one["share"] = one["delta"] / r.impact if r.impact else np.nan
        parts.append(one if dimension == "annotation_tag" else one.head(settings.top_drivers))
    if not parts:
        return pd.DataFrame(columns=["member", "expected", "actual", "delta", "dimension", "rank", "share"])
    return pd.concat(parts, ignore_index=True)


# -- scheduled charges, annotations, alerts ----------------------------------------------------
def scheduled_charges(con: duckdb.DuckDBPyConnection, period: Period) -> pd.DataFrame:
    """Scheduled or expected charges of the period (purchases, fees, tax, credits, corrections)."""
    return _scheduled_between(con, period.start, period.end)


def _scheduled_between(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """Scheduled or expected charges with ChargePeriodStart in ``[start, end)``."""
    frame = cost_frame(con, "anomaly_scheduled_charges", {"start": _ts(start), "end": _ts(end)})
    for col in ("month", "first_day", "last_day"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


PURCHASE_KINDS: Final[tuple[str, ...]] = ("one-time purchase", "recurring fee or purchase")


def explained_by(scheduled: pd.DataFrame, row: Any, *, days: int = 1) -> str:
    """Commitment purchases that explain a decrease: purchase rows of the same provider starting
    within ``days`` of the decrease (an RI or Savings Plan lowers the EffectiveCost of the usage it
    covers from its first day). Empty for increases."""
    if row.direction != "decrease" or scheduled.empty or row.level == "total":
        return ""
    near = scheduled[scheduled["kind"].isin(PURCHASE_KINDS) & (scheduled["provider"] == row.provider)
                     & scheduled["first_day"].map(lambda d: abs((d - row.start).days) <= days)]
    if row.level != "provider":
        same = near[near["service"] == row.service]
        near = same if not same.empty else near[near["description"].str.contains("Savings Plan", case=False)]
    return "; ".join(f"{r.kind}: {r.description} ({r.first_day:%Y-%m-%d})" for r in _rows(near))


def annotate(
    con: duckdb.DuckDBPyConnection, services: Sequence[str], start: date, *, days: int = 1
) -> pd.DataFrame:
    """Deployments and incidents of ``services`` from ``days`` before to ``days`` after the day ``start``."""
    lo, hi = _ts(start - timedelta(days=days)), _ts(start + timedelta(days=days + 1))
    if not services:
        return pd.DataFrame(columns=["kind", "id", "service", "happened_at", "detail"])
    return query(con, "anomaly_annotations", {"services": list(services), "start": lo, "end": hi})


FEEDBACK_LABELS: Final[tuple[str, ...]] = ("confirmed", "expected", "false")
DISMISSING_LABELS: Final[tuple[str, ...]] = ("expected", "false")
"""Feedback labels that keep an anomaly out of the alerts (it stays in the anomaly list)."""


def feedback(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The latest feedback label per anomaly: anomaly_id, label, note, recorded_by, recorded_at.

    A warehouse without the ``anomaly_feedback`` table (migrated before it existed) has no labels.
    """
    if not scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'anomaly_feedback'"):
        log.warning("this warehouse has no anomaly_feedback table; open it read-write once to add it")
        return pd.DataFrame(columns=["anomaly_id", "label", "note", "recorded_by", "recorded_at"])
    return query(con, "anomaly_feedback_latest")


def record_feedback(
    con: duckdb.DuckDBPyConnection, anomaly_id: str, label: str, *, scope: str | None = None,
    anomaly_start: date | None = None, note: str | None = None, recorded_by: str | None = None,
    recorded_at: datetime | None = None,
) -> None:
    """Store a label for an anomaly (needs a read-write connection); the latest label wins.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> record_feedback(con, "0a1b2c3d4e5f", "expected", note="planned load test",
    ...                 recorded_at=datetime(2026, 10, 2, tzinfo=UTC))
    >>> feedback(con)[["anomaly_id", "label", "note"]].values.tolist()
    [['0a1b2c3d4e5f', 'expected', 'planned load test']]
    """
    if label not in FEEDBACK_LABELS:
        raise ParameterError(f"feedback label must be one of {', '.join(FEEDBACK_LABELS)}, got {label!r}")
    if not anomaly_id or not isinstance(anomaly_id, str):
        raise ParameterError("anomaly_id must be the id of an anomaly")
    run(con, "INSERT INTO anomaly_feedback VALUES ($id, $label, $scope, $start, $note, $by, $at)",
        {"id": anomaly_id, "label": label, "scope": scope, "start": anomaly_start, "note": note, "by": recorded_by,
         "at": recorded_at or datetime.now(UTC)})


def alerts(
    anomalies: pd.DataFrame,
    *,
    min_impact: float = DEFAULT_MIN_IMPACT,
    min_impact_pct: float = DEFAULT_MIN_IMPACT_PCT,
    direction: Direction = "increase",
) -> pd.DataFrame:
    """The findings worth an alert: |impact| ≥ ``min_impact`` AND |impact %| ≥ ``min_impact_pct``.

    Detection is not changed by these thresholds (AWS Cost Anomaly Detection works the same way):
    rows below them stay in the anomaly list. Rows folded into another one, rows outside the period
    and rows whose latest feedback is ``expected`` or ``false`` are never alerts. ``direction`` is
    ``increase`` (default), ``decrease`` or ``both``.

    >>> frame = pd.DataFrame({"anomaly_id": ["a", "b", "c"], "direction": ["increase"] * 3,
    ...     "impact": [900.0, 900.0, 100.0], "impact_pct": [50.0, 5.0, 80.0],
    ...     "folded_into": [None, None, None], "in_period": [True, True, True]})
    >>> alerts(frame, min_impact=500, min_impact_pct=20)["anomaly_id"].tolist()
    ['a']
    """
    if min_impact < 0 or min_impact_pct < 0:
        raise ParameterError("alert thresholds must be ≥ 0")
    if direction not in ("increase", "decrease", "both"):
        raise ParameterError(f"direction must be increase, decrease or both, got {direction!r}")
    if anomalies.empty:
        return anomalies.copy()
    keep = anomalies["folded_into"].isna() & anomalies["in_period"].astype(bool)
    if "feedback" in anomalies:
        keep &= ~anomalies["feedback"].isin(DISMISSING_LABELS)
    if direction != "both":
        keep &= anomalies["direction"] == direction
    pct = anomalies["impact_pct"].abs().fillna(0.0)
    keep &= (anomalies["impact"].abs() >= min_impact) & (pct >= min_impact_pct)
    out = anomalies[keep]
    order = np.lexsort((out["anomaly_id"].to_numpy(), -out["impact"].abs().to_numpy()))
    return out.iloc[order].reset_index(drop=True)


# -- the pipeline -----------------------------------------------------------------------------
def _validated_levels(levels: Iterable[str]) -> tuple[str, ...]:
    """Levels in hierarchy order; unknown names are an error."""
    chosen = tuple(levels)
    unknown = [lvl for lvl in chosen if lvl not in LEVELS]
    if unknown or not chosen:
        raise ParameterError(f"unknown or no level(s) {unknown}; choose from {', '.join(LEVELS)}")
    return tuple(lvl for lvl in LEVELS if lvl in chosen)


def _last_day(con: duckdb.DuckDBPyConnection, period: Period, start: date) -> date | None:
    """Last day with judged cost inside ``[start, period end)`` (a max, not the daily series)."""
    value = cost_frame(con, "anomaly_cost_last_day", {"start": _ts(start), "end": period.end_ts})["last_day"].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _series_table(matrix: SeriesMatrix, scan: Scan | None, scanned: np.ndarray, skipped: Mapping[str, str],
                  period: Period, tag_key: str) -> pd.DataFrame:
    """One row per series: scope, first day, whether it was scanned and why not, notes, period cost."""
    keys = matrix.keys
    in_period = np.array([period.start <= d for d in matrix.days])
    reason: dict[str, str | None] = dict(skipped)
    notes: dict[str, str] = {}
    if scan is not None:
        for j, col in enumerate(scanned):
            key = keys["key"].iloc[col]
            if scan.reasons[j]:
                reason[key] = scan.reasons[j]
            notes[key] = scan.notes[j]
    return pd.DataFrame({
        "level": keys["level"], "provider": keys["provider"], "service": keys["service"], "member": keys["member"],
        "scope": [scope_label(r.level, r.provider, r.service, r.member, tag_key=tag_key)
                  for r in _rows(keys)],
        "first_day": keys["first_day"],
        "scanned": [k in set(keys["key"].iloc[scanned]) and k not in reason for k in keys["key"]],
        "reason": [reason.get(k) for k in keys["key"]],
        "notes": [notes.get(k, "") for k in keys["key"]],
        "period_cost": np.nansum(matrix.values[in_period], axis=0) if len(keys) else [],
    })


def _daily_frame(matrix: SeriesMatrix, scan: Scan, scanned: np.ndarray, wanted: set[str]) -> pd.DataFrame:
    """Actual, expected and band per day of the scanned series in ``wanted``."""
    frames = []
    for j, col in enumerate(scanned):
        key = matrix.keys["key"].iloc[col]
        if key not in wanted:
            continue
        frames.append(pd.DataFrame({
            "key": key, "day": list(matrix.days), "actual": scan.values[:, j], "expected": scan.expected[:, j],
            "low": scan.low[:, j], "high": scan.high[:, j], "z": scan.z[:, j], "flag": scan.flag[:, j],
        }))
    if not frames:
        return pd.DataFrame(columns=["key", "day", "actual", "expected", "low", "high", "z", "flag"])
    return pd.concat(frames, ignore_index=True)


def short_member(member: str, *, width: int = 40) -> str:
    """A long resource id shortened to its last path segment.

    >>> short_member("arn:aws:ec2:us-east-1:111111111104:instance/i-0abc"), short_member("us-east-1")
    ('…/i-0abc', 'us-east-1')
    >>> short_member("/subscriptions/0000/resourceGroups/rg-x/providers/Microsoft.Storage/notifications-0")
    '…/notifications-0'
    """
    text = str(member)
    if len(text) <= width or "/" not in text:
        return text
    return "…/" + text.rstrip("/").rsplit("/", 1)[-1]


def _driver_label(dimension: str, member: str, tag_key: str) -> str:
    """``region us-east-1`` / ``service=search`` / ``resource i-0abc``."""
    if dimension == "tag":
        return f"{tag_key}={member}"
    if dimension == "annotation_tag":
        return f"{ANNOTATION_TAG}={member}"
    return f"{_MEMBER_LABEL.get(dimension, dimension)} {member}"


def _top_drivers_text(drivers: pd.DataFrame, impact: float, tag_key: str, *, currency: str, limit: int = 3) -> str:
    """The strongest contributor of each dimension, strongest first, as one line (amounts in ``currency``)."""
    if drivers.empty:
        return ""
    firsts = drivers[(drivers["rank"] == 1) & (drivers["dimension"] != "annotation_tag")]
    firsts = firsts.iloc[np.lexsort((firsts["dimension"].to_numpy(), -firsts["delta"].abs().to_numpy()))]
    parts = []
    for r in _rows(firsts.head(limit)):
        share = f" ({r.delta / impact * 100:.0f}%)" if impact else ""
        parts.append(f"{_driver_label(r.dimension, short_member(r.member), tag_key)} "
                     f"{money(r.delta, currency, style='compact', signed=True)}{share}")
    return "; ".join(parts)


def anomaly_currency(con: duckdb.DuckDBPyConnection, period: Period) -> str:
    """The billing currency of the period's cost rows, the amounts of its anomalies are in: the one code, the
    codes joined by ``/`` when rows are in several (their sums mix currencies), ``USD`` without cost rows.

    >>> from analytics.warehouse import connect
    >>> from analytics.periods import parse_period
    >>> anomaly_currency(connect(":memory:"), parse_period("2026Q3"))
    'USD'
    """
    return "/".join(billing_currencies(con, period)) or "USD"


def cost_anomalies_of_periods(
    con: duckdb.DuckDBPyConnection,
    periods: Sequence[Period],
    *,
    levels: Iterable[str] = LEVELS,
    tag_key: str = ANNOTATION_TAG,
    settings: CostAnomalySettings = DEFAULT_COST_SETTINGS,
    explain: bool | Sequence[bool] = True,
) -> list[CostAnomalies]:
    """:func:`cost_anomalies` of several periods with **one** read of the daily series: the union
    of their windows is read once and each period scans its own days of it (the result is the same
    as separate calls; the quarterly review judges two quarters this way). ``explain`` may be given
    per period (the review only needs the impact of the previous quarter's alerts)."""
    if not periods:
        return []
    chosen = _validated_levels(levels)
    _validated_tag_key(tag_key)
    explains = [explain] * len(periods) if isinstance(explain, bool) else list(explain)
    if len(explains) != len(periods):
        raise ParameterError("explain needs one value per period")
    todo = [p for p, e in zip(periods, explains, strict=True)
            if not _is_cached_anomalies(con, p, chosen, tag_key, settings, explain=e)]
    lasts = {p: _last_day(con, p, history_start(p, settings=settings)) for p in todo}
    known = [d for d in lasts.values() if d is not None]
    long = (cost_series(con, min(history_start(p, settings=settings) for p in todo), max(known) + timedelta(days=1),
                        tag_key=tag_key) if known else pd.DataFrame())
    out = []
    for p, e in zip(periods, explains, strict=True):
        lo, last = history_start(p, settings=settings), lasts.get(p)
        mine = None if last is None else long[[lo <= d <= last for d in long["day"]]].reset_index(drop=True)
        out.append(cost_anomalies(con, p, levels=chosen, tag_key=tag_key, settings=settings, series=mine, explain=e))
    return out


_CACHE_NAME: Final = "cost_anomalies"


def _cache_arguments(period: Period, levels: tuple[str, ...], tag_key: str,
                     settings: CostAnomalySettings, *, explain: bool = True) -> tuple[Any, ...]:
    """What a period's anomalies depend on besides the warehouse content (the run cache's key)."""
    return (period.label, period.start, period.end, levels, tag_key, settings) + (() if explain else ("unexplained",))


def _is_cached_anomalies(con: duckdb.DuckDBPyConnection, period: Period, levels: tuple[str, ...], tag_key: str,
                         settings: CostAnomalySettings, *, explain: bool) -> bool:
    """Whether the run cache holds the anomalies asked for (explained ones serve an unexplained request)."""
    return is_cached(con, _CACHE_NAME, _cache_arguments(period, levels, tag_key, settings)) or (
        not explain and is_cached(con, _CACHE_NAME, _cache_arguments(period, levels, tag_key, settings, explain=False)))


def _validated_tag_key(tag_key: str) -> None:
    """A tag key is a non-empty name of at most 200 characters."""
    if not isinstance(tag_key, str) or not tag_key.strip() or len(tag_key) > 200:
        raise ParameterError(f"tag_key must be a non-empty tag name, got {tag_key!r}")


def cost_anomalies(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    levels: Iterable[str] = LEVELS,
    tag_key: str = ANNOTATION_TAG,
    settings: CostAnomalySettings = DEFAULT_COST_SETTINGS,
    series: pd.DataFrame | None = None,
    explain: bool = True,
) -> CostAnomalies:
    """Detect, fold, explain and annotate the cost anomalies of a period (see the module docstring).

    ``series`` is the period's daily series (:func:`cost_series` over ``[history start, last day]``)
    when the caller already read it (:func:`cost_anomalies_of_periods`); otherwise it is read here.
    ``explain=False`` stops after folding and the feedback labels: the findings, their impact and
    what alerts need are the same, the root causes, annotations and purchases explaining a decrease
    are left empty (``drivers`` and ``annotations`` have no rows) — what a caller wanting only the
    alerted impact needs (the previous quarter of the quarterly review).
    Inside a report run the result is computed once and shared (:mod:`analytics.runcache`): the
    quarterly review reads back what the cost anomalies page computed on the same snapshot (an
    explained result also answers an ``explain=False`` call).
    """
    chosen = _validated_levels(levels)
    _validated_tag_key(tag_key)
    full = _cache_arguments(period, chosen, tag_key, settings)
    if not explain and is_cached(con, _CACHE_NAME, full):
        return cached(con, _CACHE_NAME, full, lambda: _cost_anomalies(con, period, levels=chosen, tag_key=tag_key,
                                                                       settings=settings, series=series))
    return cached(con, _CACHE_NAME, _cache_arguments(period, chosen, tag_key, settings, explain=explain),
                  lambda: _cost_anomalies(con, period, levels=chosen, tag_key=tag_key, settings=settings,
                                          series=series, explain=explain))


def _cost_anomalies(
    con: duckdb.DuckDBPyConnection, period: Period, *, levels: tuple[str, ...], tag_key: str,
    settings: CostAnomalySettings, series: pd.DataFrame | None, explain: bool = True,
) -> CostAnomalies:
    """:func:`cost_anomalies` without the run cache."""
    chosen = levels
    start = history_start(period, settings=settings)
    last = _last_day(con, period, start)
    scheduled = scheduled_charges(con, period)
    currency = anomaly_currency(con, period)
    if last is None or last < period.start:
        log.info("no judged cost rows in %s", period.label)
        empty = pd.DataFrame(columns=[*ANOMALY_COLUMNS, "abs_impact"])
        return CostAnomalies(period, None, None, tag_key, chosen, settings, currency, empty,
                             pd.DataFrame(columns=["anomaly_id", "dimension", "member", "expected", "actual",
                                                   "delta", "share", "rank"]),
                             pd.DataFrame(columns=["anomaly_id", "kind", "id", "service", "happened_at", "detail"]),
                             scheduled, pd.DataFrame(), pd.DataFrame())
    long = cost_series(con, start, last + timedelta(days=1), tag_key=tag_key) if series is None else series
    matrix = series_matrix(long, start, last)
    duplicates = _only_children(matrix.keys, chosen)
    skipped = {k: "same as its parent (the only member of its dimension)" for k in duplicates}
    for k, lvl in zip(matrix.keys["key"], matrix.keys["level"], strict=True):
        if lvl not in chosen:
            skipped.setdefault(k, f"level {lvl} not selected")
    scanned = np.array([i for i, k in enumerate(matrix.keys["key"]) if k not in skipped], dtype=np.int64)
    scan = detect(matrix.values[:, scanned], settings.detector).scan if scanned.size else None
    events = _events_frame(scan, matrix, scanned, tag_key) if scan is not None else pd.DataFrame()
    fresh = new_values(matrix, settings=settings, levels=chosen, tag_key=tag_key)
    found = pd.concat([f for f in (events, fresh) if not f.empty], ignore_index=True) if (
        not events.empty or not fresh.empty) else pd.DataFrame(columns=list(ANOMALY_COLUMNS))
    found = found[[e >= period.start for e in found["end"]]].reset_index(drop=True) if not found.empty else found
    found = with_scope_parts(found)
    found["in_period"] = True
    found["folded_into"] = fold(found, fold_share=settings.fold_share,
                                new_spend=_new_spend_during(matrix)) if not found.empty else None
    # root causes, annotations
    day_index = {d: i for i, d in enumerate(matrix.days)}
    scan_col = {matrix.keys["key"].iloc[col]: j for j, col in enumerate(scanned)}
    driver_rows, note_rows = [], []
    top_text, services_text, notes_text = [], [], []
    # the member splits of every explained finding come from one statement (not one per finding and dimension)
    asked = {i: _driver_requests(r, settings=settings) for i, r in enumerate(_rows(found))
             if explain and not isinstance(r.folded_into, str)}
    answers = iter(member_costs(con, [req for one in asked.values() for _, req in one], tag_key=tag_key))
    members_of = {i: [(dim, next(answers)) for dim, _ in one] for i, one in asked.items()}
    for i, r in enumerate(_rows(found)):
        if not explain or isinstance(r.folded_into, str):  # folded: reported under a row that carries the drivers
            top_text.append("")
            services_text.append("")
            notes_text.append("")
            continue
        drivers = _drivers(long, r, members_of[i], scan=scan, scan_col=scan_col, day_index=day_index,
                           tag_key=tag_key, settings=settings)
        drivers["anomaly_id"] = r.anomaly_id
        driver_rows.append(drivers)
        top_text.append(_top_drivers_text(drivers, r.impact, tag_key, currency=currency))
        tagged = drivers[(drivers["dimension"] == "annotation_tag") & (drivers["member"] != "(untagged)")]
        sign = 1.0 if r.direction == "increase" else -1.0
        moving = tagged[(tagged["delta"] * sign > 0) & (tagged["delta"].abs() >= 0.1 * abs(r.impact))]
        services = sorted(moving["member"].head(3).tolist())
        services_text.append(", ".join(services))
        notes = annotate(con, services, r.start, days=settings.annotation_days)
        notes["anomaly_id"] = r.anomaly_id
        note_rows.append(notes)
        notes_text.append("; ".join(f"{n.kind} {n.id} ({pd.Timestamp(n.happened_at):%d %b %H:%M})"
                                    for n in _rows(notes)))
    found["top_drivers"] = top_text
    found["services"] = services_text
    found["annotations"] = notes_text
    labels = feedback(con).set_index("anomaly_id")["label"].to_dict()
    found["feedback"] = [labels.get(i) for i in found["anomaly_id"]]
    purchases = _scheduled_between(con, start, last + timedelta(days=1)) if explain else pd.DataFrame()
    found["explained_by"] = [explained_by(purchases, r, days=settings.annotation_days) if explain else ""
                             for r in _rows(found)]
    also: dict[str, list[str]] = {}
    for r in _rows(found):
        if isinstance(r.folded_into, str):
            also.setdefault(r.folded_into, []).append(r.scope)
    found["also_seen_at"] = [", ".join(sorted(set(also.get(i, [])))) for i in found["anomaly_id"]]
    found["abs_impact"] = found["impact"].abs()
    found = found[[*ANOMALY_COLUMNS, "abs_impact"]]
    order = np.lexsort((found["anomaly_id"].to_numpy(), -found["abs_impact"].to_numpy()))
    found = found.iloc[order].reset_index(drop=True)
    drivers_all = pd.concat(driver_rows, ignore_index=True) if driver_rows else pd.DataFrame()
    if not drivers_all.empty:
        drivers_all = drivers_all[["anomaly_id", "dimension", "member", "expected", "actual", "delta", "share",
                                   "rank"]]
    notes_all = pd.concat(note_rows, ignore_index=True) if note_rows else pd.DataFrame()
    if not notes_all.empty:
        notes_all = notes_all[["anomaly_id", "kind", "id", "service", "happened_at", "detail"]]
    wanted = {series_key(r.level, r.provider, r.service, r.member) for r in _rows(found)}
    daily = _daily_frame(matrix, scan, scanned, wanted) if scan is not None else pd.DataFrame()
    table = _series_table(matrix, scan, scanned, skipped, period, tag_key)
    return CostAnomalies(period, start, last, tag_key, chosen, settings, currency, found, drivers_all, notes_all,
                         scheduled,
                         table, daily)


def _window_text(start: date, end: date, ongoing: bool) -> str:
    """``12 Aug – 14 Aug 2026 (3 d)``; ``… (73 d, ongoing)``."""
    days = (end - start).days + 1
    span = f"{start:%d %b}" if start == end else f"{start:%d %b} – {end:%d %b}"
    return f"{span} {end:%Y} ({days} d{', ongoing' if ongoing else ''})"


def _pct_text(value: float) -> str:
    """``+41%``, ``new`` for infinite, ``n/a`` for NaN."""
    if value is None or np.isnan(value):
        return "n/a"
    return "new" if np.isinf(value) else f"{value:+.0f}%"


def anomaly_table(frame: pd.DataFrame, *, currency: str, limit: int | None = None) -> pd.DataFrame:
    """Display-ready anomaly rows in the frame's order: kind, scope, window, expected vs actual,
    impact in ``currency`` and in %, score, top drivers, services and the deployments and incidents around
    the start."""
    rows = frame if limit is None else frame.head(limit)
    return pd.DataFrame({
        "#": np.arange(1, len(rows) + 1),
        "kind": [("new spend" if r.kind == "new" else f"{r.shape} {r.direction}")
                 for r in _rows(rows, index=True)],
        "scope": rows["scope"].to_numpy(),
        "window": [_window_text(r.start, r.end, bool(r.ongoing)) for r in _rows(rows, index=True)],
        "expected": [money(v, currency, style="compact") for v in rows["expected"]],
        "actual": [money(v, currency, style="compact") for v in rows["actual"]],
        "impact": [money(v, currency, style="compact", signed=True) for v in rows["impact"]],
        "impact %": [_pct_text(v) for v in rows["impact_pct"]],
        "score": [("" if np.isnan(v) else f"{v:.1f}") for v in rows["score"]],
        "top drivers": rows["top_drivers"].to_numpy(),
        "services": rows["services"].to_numpy(),
        "deployments and incidents (±1 day of the start)": rows["annotations"].to_numpy(),
        "feedback": [v if isinstance(v, str) else "" for v in rows["feedback"]] if "feedback" in rows else "",
    })


CHART_DIMENSION: Final[Mapping[str, tuple[str, ...]]] = {
    "total": ("provider",), "provider": ("service",), "service": ("tag", "account", "region", "usage_type"),
}
"""Driver dimension charted for a finding, by its level (leaf levels chart their resources)."""


def chart_drivers(result: CostAnomalies, anomaly_id: str, *, limit: int = 8) -> pd.DataFrame:
    """The contributions charted next to a finding: ``dimension, label, delta``, largest |Δ| first (both signs)."""
    drivers = result.drivers[result.drivers["anomaly_id"] == anomaly_id] if not result.drivers.empty else (
        pd.DataFrame(columns=["dimension", "member", "delta"]))
    level = str(result.anomalies.set_index("anomaly_id").loc[anomaly_id, "level"])
    for dimension in (*CHART_DIMENSION.get(level, ()), "resource"):
        mine = drivers[drivers["dimension"] == dimension]
        if not mine.empty:
            label = [short_member(m, width=28) for m in mine["member"]]
            name = f"tag {result.tag_key}" if dimension == "tag" else _MEMBER_LABEL.get(dimension, dimension)
            return pd.DataFrame({"dimension": name, "label": label, "delta": mine["delta"].to_numpy()}).head(limit)
    return pd.DataFrame(columns=["dimension", "label", "delta"])


# -- artifact ---------------------------------------------------------------------------------
def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts."""
    return [{str(k): json_ready(v) for k, v in row.items()} for row in frame.to_dict("records")]


def anomalies_artifact(
    result: CostAnomalies, alerted: pd.DataFrame, *, thresholds: Mapping[str, Any],
    incident_anomalies: pd.DataFrame | None = None, top: int = 5,
) -> dict[str, Any]:
    """The machine-readable summary the quarterly report reads (``anomalies.json``)."""
    findings = result.findings
    flagged = float(alerted.loc[alerted["direction"] == "increase", "impact"].sum()) if not alerted.empty else 0.0
    by_id = result.drivers.groupby("anomaly_id") if not result.drivers.empty else None
    top_rows = []
    for row in _records(alerted.head(top)):
        drivers = by_id.get_group(row["anomaly_id"]) if by_id is not None and row["anomaly_id"] in by_id.groups \
            else pd.DataFrame()
        row["drivers"] = _records(drivers[drivers["rank"] <= 3]) if not drivers.empty else []
        top_rows.append(row)
    return {
        "period": result.period.label,
        "data_window": {"first_day": json_ready(result.first_day), "last_day": json_ready(result.last_day)},
        "levels": list(result.levels),
        "tag_key": result.tag_key,
        "settings": json.loads(json.dumps(asdict(result.settings), default=str)),
        "thresholds": dict(thresholds),
        "counts": {
            "detected_events": len(result.anomalies),
            "findings": len(findings),
            "new_spend_findings": int((findings["kind"] == "new").sum()) if not findings.empty else 0,
            "alerts": len(alerted),
            "scheduled_charge_lines": len(result.scheduled),
            "series_scanned": int(result.series["scanned"].sum()) if not result.series.empty else 0,
            "series_not_scanned": int((~result.series["scanned"]).sum()) if not result.series.empty else 0,
        },
        "alerted_increase": round(flagged, 2),
        "top_anomalies": top_rows,
        "alerts": _records(alerted.drop(columns=["abs_impact"], errors="ignore")),
        "findings": _records(findings.drop(columns=["abs_impact"], errors="ignore")),
        "scheduled_charges": _records(result.scheduled),
        "incident_anomalies": _records(incident_anomalies) if incident_anomalies is not None else [],
    }


def write_anomalies_json(artifact: Mapping[str, Any], path: str | Path) -> Path:
    """Write the artifact as indented JSON; return the path."""
    written = write_json_artifact(path, artifact)
    assert written is not None
    return written
