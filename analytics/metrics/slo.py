"""SLO KPIs (docs/metrics.md §3): compliance and error budget per SLO and period, the calendar-aligned
budget burn-down, and the SRE Workbook multiwindow, multi-burn-rate alerts evaluated over the SLI
history — when each would have fired and for how long — with the burn-rate series behind them.

Scope options everywhere: ``service``, ``team`` (from the service catalogue) and ``slo``.

Definitions (docs/delivery-and-slo.md):

* **compliance** over a period: Σ good / Σ total over the SLI intervals that start in the period
  (request-weighted, never a mean of ratios) for Occurrences SLOs; good slices / slices for
  Timeslices; the mean slice ratio for RatioTimeslices;
* **error budget** B = 1 − target; **consumed** = (1 − compliance) / B; **remaining** = 1 − consumed,
  shown negative when overspent (Kibana clamps it to 0; we do not);
* **budget burned this quarter** is calendar-aligned: the budget resets at the period start;
  the burn-down divides cumulative bad events by the period's whole budget in events, so it ends
  at "consumed";
* **burn rate** over a trailing window w ending at t = (Σ bad / Σ total over the SLI intervals that
  end in (t − w, t]) / B — request-weighted. Windows are evaluated at every SLI interval end. When
  SLI intervals are coarser than a window (the demo's hourly counts vs the 5 m and 30 m short
  windows), the window holds just the interval ending at t: it degrades to one interval, and the
  series says so in ``effective_minutes``;
* an **alert fires** at t when the error ratio over **both** its long and its short window exceeds
  burn × B (strictly); the state holds until the next evaluation (one interval); consecutive firing
  evaluations merge into one firing interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.artifacts import json_ready, write_json_artifact  # noqa: F401 - re-exported
from analytics.periods import Period, parse_period
from analytics.sql import query


@dataclass(frozen=True)
class BurnRateAlert:
    """One multiwindow burn-rate alert: fires when both windows burn faster than ``burn_rate``."""

    severity: str
    long_window: timedelta
    short_window: timedelta
    burn_rate: float
    budget_consumed: float  # share of a 30-day budget spent by the time it fires (SRE Workbook)

    @property
    def name(self) -> str:
        """``page 14.4× 1h/5m``."""
        return f"{self.severity} {self.burn_rate:g}× {window_label(self.long_window)}/{window_label(self.short_window)}"

    def threshold(self, target: float) -> float:
        """The error ratio both windows must exceed: burn × (1 − target)."""
        return self.burn_rate * (1 - target)


SRE_WORKBOOK_ALERTS: tuple[BurnRateAlert, ...] = (
    BurnRateAlert("page", timedelta(hours=1), timedelta(minutes=5), 14.4, 0.02),
    BurnRateAlert("page", timedelta(hours=6), timedelta(minutes=30), 6.0, 0.05),
    BurnRateAlert("ticket", timedelta(days=3), timedelta(hours=6), 1.0, 0.10),
)


def window_label(window: timedelta) -> str:
    """``5m``, ``1h``, ``3d``.

    >>> window_label(timedelta(minutes=30)), window_label(timedelta(hours=6)), window_label(timedelta(days=3))
    ('30m', '6h', '3d')
    """
    seconds = int(window.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _params(period: Period | str, *, service: str | None, team: str | None, slo: str | None,
            lookback: timedelta = timedelta(0)) -> dict[str, Any]:
    p = parse_period(period)
    return {"period_start": p.start_ts, "period_end": p.end_ts, "lookback_start": p.start_ts - lookback,
            "service": service or None, "team": team or None, "slo": slo or None}


# -- compliance and budget ---------------------------------------------------------------------
def slo_compliance(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    slo: str | None = None,
) -> pd.DataFrame:
    """Compliance, error budget consumed and remaining (negative when overspent) per SLO for a period.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> _ = con.execute("INSERT INTO slos (slo, service, target, time_window, is_rolling, source_file_id) "
    ...                 "VALUES ('a', 'a', 0.99, '1Q', false, 0)")
    >>> _ = con.execute("INSERT INTO sli VALUES ('a', 'a', '2026-07-01 00:00+00', '2026-07-01 01:00+00', 980, 1000, "
    ...                 "0), ('a', 'a', '2026-07-01 01:00+00', '2026-07-01 02:00+00', 9, 10, 0)")
    >>> row = slo_compliance(con, "2026Q3").iloc[0]
    >>> round(float(row["compliance"]), 6), round(float(row["error_budget_remaining"]), 4), bool(row["met"])
    (0.979208, -1.0792, False)
    """
    frame = query(con, "slo_compliance_by_slo", _params(period, service=service, team=team, slo=slo))
    for column in ("interval_minutes", "coverage", "compliance", "error_budget", "allowed_bad", "budget_consumed",
                   "error_budget_remaining"):
        frame[column] = frame[column].astype("float64")
    frame["met"] = frame["met"].astype("boolean")
    return frame


def error_budget_remaining(con: duckdb.DuckDBPyConnection, period: Period | str, *, slo: str) -> float | None:
    """The error budget left of one SLO at the end of the period (negative when overspent; None without data)."""
    frame = slo_compliance(con, period, slo=slo)
    if frame.empty or pd.isna(frame["error_budget_remaining"].iloc[0]):
        return None
    return float(frame["error_budget_remaining"].iloc[0])


def error_budget_burn_by_day(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    slo: str | None = None,
) -> pd.DataFrame:
    """Calendar-aligned budget burn-down per SLO and day: the share of the period's budget burned so far.

    ``budget_burned`` = cumulative bad events / ((1 − target) × the period's total events), so the last
    day equals :func:`slo_compliance`'s ``budget_consumed``; ``even_burn`` is where a constant burn rate
    of 1 would be (the share of the period's events seen so far). ``budget_remaining`` = 1 − burned.
    """
    frame = query(con, "slo_counts_by_day", _params(period, service=service, team=team, slo=slo))
    frame["bad"] = frame["total"] - frame["good"]
    grouped = frame.groupby("slo", sort=False)
    cum_bad = grouped["bad"].cumsum().astype("float64")
    cum_total = grouped["total"].cumsum().astype("float64")
    period_total = grouped["total"].transform("sum").astype("float64")
    budget = (1 - frame["target"].astype("float64")) * period_total
    frame["cumulative_bad"] = cum_bad
    frame["budget_burned"] = (cum_bad / budget).where(budget > 0)
    frame["even_burn"] = (cum_total / period_total).where(period_total > 0)
    frame["budget_remaining"] = 1 - frame["budget_burned"]
    return frame


# -- trailing windows and alerts (pure) ----------------------------------------------------------
def window_sums(
    starts: np.ndarray, ends: np.ndarray, bad: np.ndarray, total: np.ndarray, window: timedelta
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bad and total events over the trailing window (t − w, t] at every interval end t, and the window's
    effective length in seconds (from the first included interval's start to t).

    Intervals count when they end inside the window; a window shorter than an interval holds just the
    interval ending at t. Inputs are sorted by end; times are int64 nanoseconds.

    >>> h = 3_600_000_000_000
    >>> ends = np.array([1, 2, 3]) * h
    >>> b, t, eff = window_sums(ends - h, ends, np.array([1, 2, 3]), np.array([10, 10, 10]), timedelta(hours=2))
    >>> b.tolist(), t.tolist(), (eff / 3600).tolist()
    ([1, 3, 5], [10, 20, 20], [1.0, 2.0, 2.0])
    """
    width = int(window.total_seconds() * 1e9)
    first = np.searchsorted(ends, ends - width, side="right")
    first = np.minimum(first, np.arange(len(ends)))
    cum_bad = np.concatenate([[0], np.cumsum(bad)])
    cum_total = np.concatenate([[0], np.cumsum(total)])
    idx = np.arange(len(ends))
    return (cum_bad[idx + 1] - cum_bad[first], cum_total[idx + 1] - cum_total[first],
            (ends - starts[first]) / 1e9)


def error_ratios(series: pd.DataFrame, window: timedelta) -> pd.DataFrame:
    """Request-weighted error ratio over a trailing window at each interval end of one SLO's series.

    ``series`` has ``interval_start``, ``interval_end``, ``good`` and ``total`` sorted by ``interval_end``.
    """
    starts = series["interval_start"].to_numpy(dtype="datetime64[ns]").astype("int64")
    ends = series["interval_end"].to_numpy(dtype="datetime64[ns]").astype("int64")
    total = series["total"].to_numpy(dtype="int64")
    bad = total - series["good"].to_numpy(dtype="int64")
    b, t, effective = window_sums(starts, ends, bad, total, window)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(t > 0, b / np.where(t > 0, t, 1), np.nan)
    return pd.DataFrame({"at": series["interval_end"].to_numpy(), "bad": b, "total": t, "error_ratio": ratio,
                         "effective_minutes": effective / 60})


def firing_intervals(at: pd.Series, step: pd.Series, firing: np.ndarray) -> list[tuple[int, int]]:
    """Runs of firing evaluations as (first index, last index), merging runs whose hold periods touch.

    Evaluation i holds its state on [at_i, at_i + step_i).

    >>> at = pd.Series(pd.to_datetime([0, 1, 2, 4, 5], unit="h", utc=True))
    >>> step = pd.Series([pd.Timedelta(hours=1)] * 5)
    >>> firing_intervals(at, step, np.array([True, True, False, True, True]))
    [(0, 1), (3, 4)]
    """
    runs: list[tuple[int, int]] = []
    start = None
    for i, fire in enumerate(firing):
        if fire and start is None:
            start = i
        elif fire and start is not None and at.iloc[i] > at.iloc[i - 1] + step.iloc[i - 1]:
            runs.append((start, i - 1))  # a gap in the data ends the run
            start = i
        elif not fire and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(firing) - 1))
    return runs


def evaluate_alerts(
    series: pd.DataFrame,
    target: float,
    *,
    alerts: Sequence[BurnRateAlert] = SRE_WORKBOOK_ALERTS,
    period_start: pd.Timestamp | None = None,
    period_end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Firing intervals of each alert over one SLO's SLI series (pure; see the module docstring).

    Intervals are clipped to ``[period_start, period_end)``; ``began_before`` / ``open_at_end`` say
    when one was already firing at the start or still firing at the end.
    """
    rows: list[dict[str, Any]] = []
    ordered = series.sort_values(["interval_end", "interval_start"], kind="stable").reset_index(drop=True)
    if ordered.empty:
        return pd.DataFrame(rows, columns=ALERT_COLUMNS)
    at = pd.to_datetime(ordered["interval_end"], utc=True)
    step = at - pd.to_datetime(ordered["interval_start"], utc=True)
    budget = 1 - target
    for alert in alerts:
        long = error_ratios(ordered, alert.long_window)
        short = error_ratios(ordered, alert.short_window)
        threshold = alert.threshold(target)
        firing = ((long["error_ratio"] > threshold) & (short["error_ratio"] > threshold)).to_numpy()
        for first, last in firing_intervals(at, step, firing):
            began, ended = at.iloc[first], at.iloc[last] + step.iloc[last]
            fired_at = began if period_start is None else max(began, period_start)
            resolved_at = ended if period_end is None else min(ended, period_end)
            if resolved_at <= fired_at:
                continue
            peak = float(np.nanmax(long["error_ratio"].to_numpy()[first:last + 1])) / budget
            rows.append({
                "alert": alert.name, "severity": alert.severity, "burn_rate": alert.burn_rate,
                "long_window": window_label(alert.long_window), "short_window": window_label(alert.short_window),
                "threshold": threshold, "fired_at": fired_at, "resolved_at": resolved_at,
                "minutes": (resolved_at - fired_at).total_seconds() / 60, "evaluations": last - first + 1,
                "peak_burn_rate": peak, "began_before": period_start is not None and began < period_start,
                "open_at_end": period_end is not None and ended > period_end,
                "short_window_effective_minutes": float(short["effective_minutes"].iloc[first]),
            })
    return pd.DataFrame(rows, columns=ALERT_COLUMNS)


ALERT_COLUMNS: tuple[str, ...] = (
    "alert", "severity", "burn_rate", "long_window", "short_window", "threshold", "fired_at", "resolved_at",
    "minutes", "evaluations", "peak_burn_rate", "began_before", "open_at_end", "short_window_effective_minutes",
)


# -- alerts and burn rates from the warehouse ---------------------------------------------------
def _lookback(alerts: Sequence[BurnRateAlert]) -> timedelta:
    return max(a.long_window for a in alerts) + timedelta(days=1)


def sli_series(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    slo: str | None = None,
    lookback: timedelta = timedelta(days=4),
) -> pd.DataFrame:
    """SLI intervals ending in (period start − lookback, period end] per SLO in scope, with the target."""
    return query(con, "slo_sli_series", _params(period, service=service, team=team, slo=slo, lookback=lookback))


def burn_rate_alerts(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    slo: str | None = None,
    alerts: Sequence[BurnRateAlert] = SRE_WORKBOOK_ALERTS,
) -> pd.DataFrame:
    """When each multiwindow burn-rate alert would have fired in the period, and for how long, per SLO.

    >>> from analytics.warehouse import connect
    >>> con = connect(":memory:")
    >>> burn_rate_alerts(con, "2026Q3").empty
    True
    """
    p = parse_period(period)
    series = sli_series(con, p, service=service, team=team, slo=slo, lookback=_lookback(alerts))
    frames = []
    for name, group in series.groupby("slo", sort=True):
        found = evaluate_alerts(group, float(group["target"].iloc[0]), alerts=alerts,
                                period_start=pd.Timestamp(p.start_ts), period_end=pd.Timestamp(p.end_ts))
        if not found.empty:
            frames.append(found.assign(slo=name, service=group["service"].iloc[0]))
    columns = ["slo", "service", *ALERT_COLUMNS]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)[columns]
    return out.sort_values(["fired_at", "slo", "burn_rate"], ascending=[True, True, False],
                           kind="stable").reset_index(drop=True)


def burn_rate_alert_summary(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    slo: str | None = None,
    alerts: Sequence[BurnRateAlert] = SRE_WORKBOOK_ALERTS,
) -> pd.DataFrame:
    """Per SLO and alert: firing intervals, total firing minutes and the first firing (zeros included)."""
    fired = burn_rate_alerts(con, period, service=service, team=team, slo=slo, alerts=alerts)
    slos = slo_compliance(con, period, service=service, team=team, slo=slo)[["slo", "service"]]
    rows = []
    for item in slos.itertuples(index=False):
        for alert in alerts:
            mine = fired[(fired["slo"] == item.slo) & (fired["alert"] == alert.name)]
            rows.append({"slo": item.slo, "service": item.service, "alert": alert.name, "severity": alert.severity,
                         "firings": len(mine), "firing_minutes": float(mine["minutes"].sum()),
                         "first_fired_at": mine["fired_at"].min() if len(mine) else pd.NaT})
    return pd.DataFrame(rows, columns=["slo", "service", "alert", "severity", "firings", "firing_minutes",
                                       "first_fired_at"])


def most_paged_slo(alerts: pd.DataFrame) -> str | None:
    """The SLO whose page alerts (:func:`burn_rate_alerts`, ``severity == 'page'``) fired the most minutes;
    None without a page.

    >>> most_paged_slo(pd.DataFrame({"slo": ["a", "b", "b", "a"], "severity": ["page", "page", "page", "ticket"],
    ...                              "minutes": [30.0, 20.0, 15.0, 90.0]}))
    'b'
    """
    pages = alerts[alerts["severity"] == "page"]
    if not len(pages):
        return None
    return str(pages.groupby("slo")["minutes"].sum().sort_values(ascending=False).index[0])


def burn_rate_series(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    slo: str | None = None,
    windows: Sequence[timedelta] | None = None,
    alerts: Sequence[BurnRateAlert] = SRE_WORKBOOK_ALERTS,
) -> pd.DataFrame:
    """Burn rate over each trailing window at every SLI interval end in the period (long format, for charts).

    Windows default to every long and short window of ``alerts``; ``effective_minutes`` shows when a
    window degraded to one (coarser) SLI interval.
    """
    p = parse_period(period)
    chosen = sorted(set(windows or [w for a in alerts for w in (a.long_window, a.short_window)]))
    series = sli_series(con, p, service=service, team=team, slo=slo, lookback=max(chosen) + timedelta(days=1))
    frames = []
    for name, group in series.groupby("slo", sort=True):
        ordered = group.sort_values(["interval_end", "interval_start"], kind="stable").reset_index(drop=True)
        budget = 1 - float(ordered["target"].iloc[0])
        for window in chosen:
            ratios = error_ratios(ordered, window)
            ratios = ratios[pd.to_datetime(ratios["at"], utc=True) > pd.Timestamp(p.start_ts)]
            frames.append(pd.DataFrame({
                "slo": name, "at": pd.to_datetime(ratios["at"], utc=True), "window": window_label(window),
                "window_minutes": window.total_seconds() / 60, "effective_minutes": ratios["effective_minutes"],
                "error_ratio": ratios["error_ratio"], "burn_rate": ratios["error_ratio"] / budget,
            }))
    columns = ["slo", "at", "window", "window_minutes", "effective_minutes", "error_ratio", "burn_rate"]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)[columns]
    return out.sort_values(["slo", "window_minutes", "at"], kind="stable").reset_index(drop=True)


# -- the summary the quarterly report consumes -------------------------------------------------
@dataclass(frozen=True)
class SloSummary:
    """SLO KPIs of one scope and period (the ``slo.json`` artifact's headline)."""

    period: str
    slos: int
    slos_with_data: int
    slos_met: int
    slos_budget_exhausted: int
    worst_slo: str | None
    worst_budget_remaining: float | None
    page_alert_firings: int
    page_alert_minutes: float
    ticket_alert_firings: int
    ticket_alert_minutes: float

    @property
    def met_share(self) -> float | None:
        """SLOs meeting their target / SLOs with data."""
        return self.slos_met / self.slos_with_data if self.slos_with_data else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return json_ready({**asdict(self), "met_share": self.met_share})


def slo_summary(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    slo: str | None = None,
) -> SloSummary:
    """How many SLOs met their target, which burned most of its budget, and how often alerts fired.

    >>> from analytics.warehouse import connect
    >>> slo_summary(connect(":memory:"), "2026Q3").slos_with_data
    0
    """
    p = parse_period(period)
    table = slo_compliance(con, p, service=service, team=team, slo=slo)
    alerts = burn_rate_alerts(con, p, service=service, team=team, slo=slo)
    measured = table.dropna(subset=["compliance"])
    worst = measured.sort_values(["error_budget_remaining", "slo"], kind="stable").head(1)
    page, ticket = alerts[alerts["severity"] == "page"], alerts[alerts["severity"] == "ticket"]
    return SloSummary(
        period=p.label, slos=len(table), slos_with_data=len(measured), slos_met=int(measured["met"].sum()),
        slos_budget_exhausted=int((measured["error_budget_remaining"] < 0).sum()),
        worst_slo=None if worst.empty else str(worst["slo"].iloc[0]),
        worst_budget_remaining=None if worst.empty else float(worst["error_budget_remaining"].iloc[0]),
        page_alert_firings=len(page), page_alert_minutes=float(page["minutes"].sum()),
        ticket_alert_firings=len(ticket), ticket_alert_minutes=float(ticket["minutes"].sum()),
    )


def slo_report(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    service: str | None = None,
    team: str | None = None,
    slo: str | None = None,
) -> dict[str, Any]:
    """The machine-readable SLO artifact: summary, compliance per SLO (this and the previous period), alerts."""
    p = parse_period(period)
    scope: dict[str, Any] = {"service": service, "team": team, "slo": slo}
    return json_ready({
        "period": p.label,
        "previous_period": p.previous().label,
        "scope": scope,
        "summary": slo_summary(con, p, **scope).as_dict(),
        "compliance": slo_compliance(con, p, **scope),
        "previous_compliance": slo_compliance(con, p.previous(), **scope),
        "alerts": burn_rate_alerts(con, p, **scope),
        "alert_windows": [{"name": a.name, "severity": a.severity, "long_window": window_label(a.long_window),
                           "short_window": window_label(a.short_window), "burn_rate": a.burn_rate,
                           "budget_consumed_30d": a.budget_consumed} for a in SRE_WORKBOOK_ALERTS],
        "definitions": "docs/delivery-and-slo.md",
    })


