"""The detection core of cost anomalies: a causal day-of-week baseline with a robust band.

For every day ``t`` and every series (column), vectorised over the columns and looped over days:

* **Expected.** The weekday profile is the median, over the last ``season_weeks`` weeks, of each
  weekday relative to its week's median: a ratio (mean 1) when every value is positive, so the
  weekend dip keeps its proportion when spend grows or shifts, else a difference (mean 0), so
  zero and negative spend are ordinary values. The level is the median of the last
  ``level_days`` days with their profile removed, carried forward to ``t`` by the drift between
  it and the ``level_days`` before (capped at ``trend_cap`` of the level per 30 days, so steady
  growth is expected but a fast ramp is not); expected = level × (or +) the profile of ``t``'s
  weekday. The profile, the scale and the older level
  are re-estimated once a week (on days ``t`` with ``t % 7 == 0``), the level every day;
  everything comes from days before ``t``.
* **Band.** Residuals are taken relative to the day's reference, |expected| (at least a quarter
  of |level|), because cost noise grows with the amount: ``scale`` = reference × 1.4826 × the
  median relative absolute residual of the last ``scale_days`` days, floored at
  ``rel_scale_floor`` × reference and ``abs_scale_floor``. The band is expected ±
  ``z_threshold`` × scale and the day's score is its robust z, ``(actual − expected) / scale``.
* **Memory without contamination.** A flagged day enters the history as its expected value, not
  as its actual one, so a spike does not raise the next weeks' baseline and a level shift stays
  anomalous for as long as it lasts: one event, not an alarm per day and not an alarm that fades
  as the baseline catches up. After ``max_event_days`` an event is closed and accepted as the new
  normal: its days are written into the history as they were.
* **Events.** Flagged days of one direction form one event; up to ``merge_gap_days`` quiet (or
  missing) days inside it do not split it (a weekend-only drift is one event), and the day after
  a flagged day continues the event at |z| ≥ ``z_continue`` (hysteresis).
* **Cold start.** A series is judged from its ``cold_start_days``-th day of history; until it has
  ``min_history_days`` (two weekly cycles) the expected value is the median of what there is and
  the band covers the range seen so far plus ``z_threshold`` MADs (no weekday profile yet), and
  those days enter the history as they are.

Bad input has a defined outcome: non-finite values are missing days (never flagged; the history
carries the expected value over them), finite values are clipped to ±:data:`VALUE_CLIP`, negative
values are ordinary values, and a series that never gets enough history, has no data, no spend or
is constant gets a ``reason`` (a constant series can never be flagged: its residuals are 0).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.anomalies._arrays import numeric_matrix
from analytics.errors import ParameterError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

VALUE_CLIP: Final = 1e12
"""Finite daily values are clipped to ±1e12 (a trillion a day) so sums of a year stay finite."""
MAD_TO_SIGMA: Final = 1.4826


@dataclass(frozen=True)
class SeasonalSettings:
    """Settings of the day-of-week detector; the defaults are the shipped cost configuration."""

    min_history_days: int = 14
    """Days of history before the weekday profile is used (two weekly cycles)."""
    cold_start_days: int = 7
    """Days of history before a series is judged at all (MAD fallback until ``min_history_days``)."""
    season_weeks: int = 8
    """Weeks behind each weekday median of the profile."""
    level_days: int = 28
    """Days behind the level (median of the de-seasonalised history)."""
    scale_days: int = 56
    """Days of absolute residuals behind the scale."""
    z_threshold: float = 3.5
    """|robust z| that opens an event (Iglewicz–Hoaglin's 3.5)."""
    z_continue: float = 2.0
    """|robust z| that continues an open event."""
    rel_scale_floor: float = 0.02
    """The scale is at least this fraction of the day's reference (|expected|, at least |level| / 4)."""
    abs_scale_floor: float = 0.01
    """The scale is at least this many currency units."""
    merge_gap_days: int = 6
    """Unflagged days an event may contain without being split."""
    max_event_days: int = 90
    """An event this long is closed and accepted as the new normal (its days become history)."""
    trend_cap: float = 0.01
    """Largest drift carried into the expected value, as a fraction of the level per 30 days (0: none)."""

    def __post_init__(self) -> None:
        """Reject settings that make no sense."""
        ints = {
            "min_history_days": self.min_history_days, "cold_start_days": self.cold_start_days,
            "season_weeks": self.season_weeks, "level_days": self.level_days, "scale_days": self.scale_days,
            "max_event_days": self.max_event_days,
        }
        for name, value in ints.items():
            if int(value) != value or value < 1:
                raise ParameterError(f"{name} must be a positive whole number, got {value!r}")
        if self.cold_start_days < 3 or self.cold_start_days > self.min_history_days:
            raise ParameterError("cold_start_days must be at least 3 and at most min_history_days")
        if self.min_history_days < 14:
            raise ParameterError("min_history_days must cover two weekly cycles (≥ 14)")
        if self.level_days % 7 or self.level_days > 7 * self.season_weeks:
            raise ParameterError("level_days must be whole weeks and at most season_weeks weeks")
        if self.max_event_days < self.level_days:
            raise ParameterError("max_event_days must be at least level_days")
        if not 0 < self.z_continue <= self.z_threshold:
            raise ParameterError("need 0 < z_continue <= z_threshold")
        if self.trend_cap < 0:
            raise ParameterError("trend_cap must be ≥ 0")
        if self.rel_scale_floor < 0 or self.abs_scale_floor <= 0 or self.merge_gap_days < 0:
            raise ParameterError("scale floors must be ≥ 0 (absolute > 0) and merge_gap_days ≥ 0")


DEFAULT_SEASONAL: Final = SeasonalSettings()


@dataclass(frozen=True)
class Scan:
    """Day-by-series output of :func:`scan_daily` (rows = days, columns = series)."""

    values: FloatArray
    """The input after cleaning: NaN for missing, finite values clipped."""
    expected: FloatArray
    """Expected value (NaN where the series is not judged)."""
    scale: FloatArray
    """Robust scale of the residual (NaN where not judged)."""
    z: FloatArray
    """Robust z of the day (NaN where not judged or missing)."""
    flag: npt.NDArray[np.int8]
    """+1 anomalously high, −1 anomalously low, 0 otherwise."""
    reasons: tuple[str | None, ...]
    """Per series: why it is never judged (None when it is)."""
    notes: tuple[str, ...]
    """Per series: facts about the input worth reporting (gaps, negative days, cold start)."""
    settings: SeasonalSettings

    @property
    def low(self) -> FloatArray:
        """Lower edge of the expected band."""
        return self.expected - self.settings.z_threshold * self.scale

    @property
    def high(self) -> FloatArray:
        """Upper edge of the expected band."""
        return self.expected + self.settings.z_threshold * self.scale


def as_matrix(values: npt.ArrayLike) -> FloatArray:
    """Values as a float ``(days, series)`` matrix: non-finite → NaN, finite clipped."""
    arr = numeric_matrix(values, rows="days")
    arr[~np.isfinite(arr)] = np.nan
    return np.clip(arr, -VALUE_CLIP, VALUE_CLIP)


def median_last(block: FloatArray, *, complete: bool = False) -> FloatArray:
    """Median over the last axis ignoring NaN (NaN where a row has no value).

    A sort of short rows is several times faster than ``np.nanmedian`` and never warns;
    ``complete=True`` promises that the block has no NaN and skips the counting.

    >>> median_last(np.array([[3.0, np.nan, 1.0, 2.0], [np.nan] * 4, [4.0, 1.0, 2.0, 3.0]])).tolist()
    [2.0, nan, 2.5]
    """
    ordered = np.sort(block, axis=-1)  # NaN last
    if complete:
        half = block.shape[-1] // 2
        return ordered[..., half] if block.shape[-1] % 2 else 0.5 * (ordered[..., half - 1] + ordered[..., half])
    count = np.isfinite(block).sum(axis=-1)
    lo = np.maximum((count - 1) // 2, 0)[..., None]
    hi = np.minimum(count // 2, np.maximum(count - 1, 0))[..., None]
    middle = 0.5 * (np.take_along_axis(ordered, lo, axis=-1) + np.take_along_axis(ordered, hi, axis=-1))[..., 0]
    return np.where(count > 0, middle, np.nan)


def _medians_of_rows(window: FloatArray, sel: slice | IntArray, complete: BoolArray) -> FloatArray:
    """Median per series of a day-major ``window[:, sel]`` (days × series); series known to be
    NaN-free in the window (``complete``) take the fast path."""
    block = np.ascontiguousarray(window[:, sel].T)  # series × days
    if complete.all():
        return median_last(block, complete=True)
    out = np.empty(block.shape[0])
    out[complete] = median_last(block[complete], complete=True)
    out[~complete] = median_last(block[~complete])
    return out


def _weekday_profile(window: FloatArray, cols: IntArray, complete: BoolArray, weeks: int,
                     floor: float) -> tuple[FloatArray, BoolArray]:
    """Weekday profile of ``window[:, cols]`` (whole weeks × series) and whether it is a ratio.

    Each week is taken relative to its own median — divided by it when every value of the window
    is at least ``floor`` (a multiplicative profile with mean 1: the weekend dip keeps its
    proportion when spend grows or shifts), minus it otherwise (additive, mean 0: zero, tiny and
    negative spend) — and the profile is the median of each weekday position over the weeks.
    """
    block = np.ascontiguousarray(window[:, cols].T).reshape(cols.size, weeks, 7)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        ratio = complete & (np.nanmin(block, axis=(1, 2), initial=np.inf) >= floor)
        centre = median_last(block, complete=bool(complete.all()))[..., None]
        relative = np.where(ratio[:, None, None], block / centre, block - centre)
        columns = np.ascontiguousarray(relative.transpose(0, 2, 1))  # series × 7 × weeks
        profile = median_last(columns, complete=bool(complete.all()))
        mean = np.nanmean(profile, axis=1, keepdims=True)
        profile = np.where(ratio[:, None], profile / mean, profile - mean)
    return profile, ratio


def _deseason(values: FloatArray, profile: FloatArray, ratio: BoolArray) -> FloatArray:
    """Values (rows × series) with the weekday profile (same shape) removed."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.where(ratio[None, :], values / profile, values - profile)


def _reasons(x: FloatArray, cold_start: int) -> list[str | None]:
    """Per series: why it can never be judged (no data, too short, constant, no spend), or None."""
    finite = np.isfinite(x)
    n_days = x.shape[0]
    first = np.where(finite.any(axis=0), finite.argmax(axis=0), n_days)
    hi = np.where(finite, x, -np.inf).max(axis=0, initial=-np.inf)
    lo = np.where(finite, x, np.inf).min(axis=0, initial=np.inf)
    out: list[str | None] = []
    for j in range(x.shape[1]):
        life = n_days - int(first[j])
        if first[j] >= n_days:
            out.append("no data: every day is missing")
        elif life <= cold_start:
            out.append(f"insufficient history: {life} day(s), needs more than {cold_start}")
        elif hi[j] == lo[j]:
            out.append("constant series: nothing to judge" if hi[j] != 0 else "no spend: every day is 0")
        else:
            out.append(None)
    return out


def _notes(raw: FloatArray, x: FloatArray, settings: SeasonalSettings) -> list[str]:
    """Per series: input facts that change how it is read (missing, infinite, negative days, cold start)."""
    finite = np.isfinite(x)
    n_days = x.shape[0]
    first = np.where(finite.any(axis=0), finite.argmax(axis=0), n_days)
    alive = np.arange(n_days)[:, None] >= first[None, :]
    missing = (alive & ~finite).sum(axis=0)
    infinite = (alive & np.isinf(raw)).sum(axis=0)
    negative = (alive & finite & (np.nan_to_num(x) < 0)).sum(axis=0)
    out = []
    for j in range(x.shape[1]):
        notes = []
        if missing[j]:
            notes.append(f"{missing[j]} missing day(s) not judged")
        if infinite[j]:
            notes.append(f"{infinite[j]} infinite value(s) treated as missing")
        if negative[j]:
            notes.append(f"{negative[j]} negative day(s)")
        if 0 < first[j] < n_days:
            notes.append(f"first value on day {first[j]}: cold start")
        out.append("; ".join(notes))
    return out


def scan_daily(
    values: npt.ArrayLike, *, settings: SeasonalSettings = DEFAULT_SEASONAL
) -> Scan:
    """Scan every column of a ``(days, series)`` matrix of consecutive days; see the module docstring.

    Day 0 of the matrix may be any weekday: the weekday profile is positional (day ``t`` is
    compared with days ``t − 7k``).

    >>> week = np.array([100.0, 100, 100, 100, 100, 40, 40])
    >>> x = np.tile(week, 10)
    >>> x[63] += 60.0  # day 63 falls on weekday 0 of the pattern: 160 instead of 100
    >>> s = scan_daily(x)
    >>> np.flatnonzero(s.flag[:, 0]).tolist(), float(s.expected[63, 0])
    ([63], 100.0)
    """
    st = settings
    x = as_matrix(values)
    raw = np.array(values, dtype=np.float64, copy=True).reshape(x.shape)
    n_days, n_series = x.shape
    if n_days == 0:
        nothing = np.zeros((0, n_series))
        return Scan(x, nothing, nothing, nothing, np.zeros((0, n_series), dtype=np.int8),
                    ("no data: the series is empty",) * n_series, ("",) * n_series, st)
    weeks, level_days, scale_days = st.season_weeks, st.level_days, st.scale_days
    pad = max(7 * weeks, scale_days, 2 * level_days, st.min_history_days)
    # day-major histories, padded with NaN in front so that every window has its full length
    clean = np.full((n_days + pad, n_series), np.nan)
    absres = np.full((n_days + pad, n_series), np.nan)
    expected = np.empty((n_days, n_series))
    scale = np.empty((n_days, n_series))
    zscore = np.empty((n_days, n_series))
    flag = np.empty((n_days, n_series), dtype=np.int8)
    finite = np.isfinite(x)
    first = np.where(finite.any(axis=0), finite.argmax(axis=0), n_days)
    in_event = np.zeros(n_series, dtype=np.int8)  # direction of the open event (0: none)
    event_start = np.zeros(n_series, dtype=np.int64)
    last_flag = np.zeros(n_series, dtype=np.int64)
    previous = np.zeros(n_series, dtype=np.int8)
    # per series: weekday profile by position (day t uses column t % 7), scale, the older level for
    # the trend, and the last history row holding NaN (a window starting after it is complete)
    profile = np.full((n_series, 7), np.nan)
    ratio = np.zeros(n_series, dtype=bool)  # multiplicative profile (positive series) or additive
    season_scale = np.full(n_series, np.nan)
    older_level = np.full(n_series, np.nan)
    last_nan = np.full(n_series, pad - 1, dtype=np.int64) + np.minimum(first, n_days)
    everything = slice(None)
    for t in range(n_days):
        age = t - first  # days of history before t (negative: not started)
        row = x[t]
        e = np.full(n_series, np.nan)
        s = np.full(n_series, np.nan)
        lvl = np.full(n_series, np.nan)
        p = t + pad  # row of day t in the padded histories
        is_seasonal = age >= st.min_history_days
        seasonal: slice | IntArray = everything if is_seasonal.all() else np.flatnonzero(is_seasonal)
        cold = np.flatnonzero((age >= st.cold_start_days) & ~is_seasonal)
        n_seasonal = n_series if isinstance(seasonal, slice) else seasonal.size
        if n_seasonal:
            # weekly refresh (and on a series' first seasonal day) of the profile, the scale and the
            # older level, from the whole weeks that end on the most recent day with t % 7 == 0
            stale = np.isnan(profile[seasonal, 0]) | (t % 7 == 0)
            if stale.any():
                cols = (np.arange(n_series)[seasonal])[stale]
                edge = p - t % 7
                profile[cols], ratio[cols] = _weekday_profile(
                    clean[edge - 7 * weeks:edge], cols, last_nan[cols] < edge - 7 * weeks, weeks, st.abs_scale_floor)
                older = _deseason(clean[edge - 2 * level_days:edge - level_days][:, cols],
                                  np.tile(profile[cols].T, (level_days // 7, 1)), ratio[cols])
                older_level[cols] = _medians_of_rows(older, everything, last_nan[cols] < edge - 2 * level_days)
                older_level[cols[last_nan[cols] >= edge - 2 * level_days]] = np.nan
                season_scale[cols] = MAD_TO_SIGMA * _medians_of_rows(
                    absres[p - scale_days:p], cols, last_nan[cols] < p - scale_days)
            here = np.roll(profile[seasonal], -(t % 7), axis=1)  # column k: weekday of day t + k
            recent = _deseason(clean[p - level_days:p][:, seasonal], np.tile(here.T, (level_days // 7, 1)),
                               ratio[seasonal])
            level = _medians_of_rows(recent, everything, last_nan[seasonal] < p - level_days)
            if st.trend_cap > 0:
                # drift from the older level (centred 1.5 windows before the refresh day) to the
                # recent one (centred half a window before t), capped, carried on to day t
                span_days = level_days + t % 7
                with np.errstate(invalid="ignore", over="ignore"):
                    slope = (level - older_level[seasonal]) / span_days
                    cap = st.trend_cap * np.abs(level) / 30.0
                    slope = np.nan_to_num(np.clip(slope, -cap, cap), nan=0.0, posinf=0.0, neginf=0.0)
                level = level + slope * (level_days / 2 + 0.5)
            lvl[seasonal] = level
            e[seasonal] = np.where(ratio[seasonal], level * here[:, 0], level + here[:, 0])
            s[seasonal] = season_scale[seasonal]  # relative: times the day's reference below
        if cold.size:
            # cold start: median and MAD of what there is, widened to cover the range seen so far
            history = np.ascontiguousarray(clean[p - st.min_history_days:p][:, cold].T)
            med = median_last(history)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                reach = np.fmax(np.nanmax(history, axis=1) - med, med - np.nanmin(history, axis=1))
            mad = MAD_TO_SIGMA * median_last(np.abs(history - med[:, None]))
            lvl[cold], e[cold] = med, med
            cold_scale = np.fmax(mad, st.abs_scale_floor) + reach / st.z_threshold
        # residuals are relative to the day's reference |expected| (at least a quarter of |level|):
        # cost noise grows with the amount, so a Monday peak has a proportionally wider band
        reference = np.fmax(np.fmax(np.abs(e), 0.25 * np.abs(lvl)), st.abs_scale_floor)
        s = s * reference
        if cold.size:
            s[cold] = cold_scale
        judged = np.isfinite(e) & np.isfinite(s)
        s = np.where(judged, np.fmax(np.fmax(s, st.rel_scale_floor * reference), st.abs_scale_floor), np.nan)
        observed = np.isfinite(row)
        z = np.where(judged & observed, (row - e) / np.where(judged, s, 1.0), np.nan)
        with np.errstate(invalid="ignore"):
            up = z >= np.where(previous == 1, st.z_continue, st.z_threshold)
            down = z <= -np.where(previous == -1, st.z_continue, st.z_threshold)
        today = up.astype(np.int8) - down.astype(np.int8)
        # event bookkeeping: an event stays open across up to merge_gap_days quiet days; one that
        # has lasted max_event_days is closed and accepted as the new normal: its days enter the
        # history as they were, and the profile is re-estimated the next day
        fresh = (today != 0) & (today != in_event)
        in_event = np.where(fresh, today, in_event).astype(np.int8)
        event_start = np.where(fresh, t, event_start)
        last_flag = np.where(today != 0, t, last_flag)
        closed = (in_event != 0) & (t - last_flag > st.merge_gap_days)
        accepted = np.flatnonzero((in_event != 0) & (t - event_start + 1 >= st.max_event_days))
        for j in accepted:
            days = slice(int(event_start[j]), t)
            clean[pad + days.start:p, j] = np.where(finite[days, j], x[days, j], clean[pad + days.start:p, j])
        profile[accepted] = np.nan
        in_event[accepted] = 0
        in_event = np.where(closed, 0, in_event).astype(np.int8)
        previous = today
        # histories: flagged and missing days carry the expected value; cold-start days their own
        keep = observed & ((today == 0) | (age < st.min_history_days))
        keep[accepted] = observed[accepted]
        clean[p] = np.where(keep, row, e)
        absres[p] = np.where(judged, np.where(keep, np.abs(row - e), s / MAD_TO_SIGMA) / reference, np.nan)
        last_nan = np.where(np.isnan(clean[p]) | np.isnan(absres[p]), p, last_nan)
        expected[t], scale[t], zscore[t], flag[t] = e, s, z, today
    return Scan(x, expected, scale, zscore, flag, tuple(_reasons(x, st.cold_start_days)),
                tuple(_notes(raw, x, st)), st)


EVENT_COLUMNS: Final = (
    "series", "start", "end", "days", "direction", "actual", "expected", "expected_low", "expected_high",
    "impact", "impact_pct", "score", "flagged_days", "ongoing",
)


def events_of(scan: Scan) -> pd.DataFrame:
    """One row per event (runs of same-direction flags, gaps of up to ``merge_gap_days`` bridged).

    ``start``/``end`` are day indices (inclusive) of the first and last anomalous day; ``actual``,
    ``expected``, the band and ``impact`` are sums over the event's anomalous days (the quiet days
    an event bridges lie inside the band and add nothing); ``impact_pct`` is impact / |expected|
    (NaN when |expected| sums to less than ``abs_scale_floor``); ``score`` is the largest |z|;
    ``ongoing`` is true when the event reaches the last day.
    """
    n_days = scan.flag.shape[0]
    series, day = np.nonzero(scan.flag.T)  # ordered by series, then day
    if series.size == 0:
        frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in EVENT_COLUMNS})
        return frame.astype({"series": "int64", "start": "int64", "end": "int64", "days": "int64",
                             "flagged_days": "int64", "ongoing": "bool", "direction": "object"})
    sign = scan.flag[day, series]
    new_run = np.ones(series.size, dtype=bool)
    new_run[1:] = ((series[1:] != series[:-1]) | (sign[1:] != sign[:-1])
                   | (day[1:] - day[:-1] - 1 > scan.settings.merge_gap_days))
    starts = np.flatnonzero(new_run)
    ends = np.r_[starts[1:], series.size] - 1

    def total(values: FloatArray) -> FloatArray:
        return np.add.reduceat(values[day, series], starts)

    actual, exp = total(scan.values), total(scan.expected)
    lo, hi = total(scan.low), total(scan.high)
    impact = actual - exp
    meaningful = np.abs(exp) >= scan.settings.abs_scale_floor  # a % of (almost) nothing means nothing
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pct = np.where(meaningful, impact / np.abs(np.where(meaningful, exp, 1.0)), np.nan)
    score = np.maximum.reduceat(np.abs(scan.z[day, series]), starts)
    first_day, last_day = day[starts], day[ends]
    return pd.DataFrame({
        "series": series[starts].astype("int64"), "start": first_day.astype("int64"),
        "end": last_day.astype("int64"), "days": (last_day - first_day + 1).astype("int64"),
        "direction": np.where(sign[starts] > 0, "increase", "decrease").astype(object),
        "actual": actual, "expected": exp, "expected_low": lo, "expected_high": hi, "impact": impact,
        "impact_pct": pct, "score": score, "flagged_days": (ends - starts + 1).astype("int64"),
        "ongoing": last_day == n_days - 1,
    })
