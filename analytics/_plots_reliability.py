"""The delivery, SLO and quarterly-review charts (notebooks delivery_performance, slo_error_budget,
quarterly_review): error budget left and burned, burn rates against their alert thresholds, KPI status
bars and cloud cost against reliability per service."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.ticker as mticker
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from analytics._plot_look import STATUS_COLORS, currency_formatter, figure, label_axes, percent_formatter

LEVEL_COLORS: dict[str, str] = {"elite": "#1a9850", "high": "#91cf60", "medium": "#fdae61", "low": "#d73027"}


def budget_remaining_bars(frame: pd.DataFrame, *, category: str, value: str, title: str,
                          xlabel: str = "error budget remaining at the end of the period") -> Figure:
    """Horizontal bars of the error budget left per SLO in the frame's order: overspent budgets (below 0)
    in red and shown as they are, never clamped."""
    data = frame.reset_index(drop=True)
    fig, ax = figure(title, figsize=(10, max(2.5, 0.45 * len(data) + 1.4)))
    values = data[value].astype(float)
    shown = values.fillna(0.0)
    ax.barh([str(c) for c in data[category]], shown, color=["#d73027" if v < 0 else "#4393c3" for v in shown])
    for i, remaining in enumerate(values):
        text = "no data" if pd.isna(remaining) else f"{remaining * 100:+.0f}%"
        ax.annotate(text, (0.0 if pd.isna(remaining) else remaining, i), textcoords="offset points",
                    xytext=(4 if pd.isna(remaining) or remaining >= 0 else -4, -3),
                    ha="left" if pd.isna(remaining) or remaining >= 0 else "right", fontsize=8.5, color="#444444")
    ax.axvline(0, color="black", linewidth=1)
    low = min(-0.1, float(shown.min()) * 1.25)
    ax.set_xlim(low, max(1.05, float(shown.max()) * 1.1))
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(percent_formatter())
    label_axes(ax, x=xlabel)
    return fig


def budget_burn_lines(frame: pd.DataFrame, *, x: str, y: str, hue: str, title: str,
                      ylabel: str = "share of the period's error budget burned") -> Figure:
    """Cumulative error-budget burn per SLO over the period, with the 100% (budget exhausted) line."""
    fig, ax = figure(title)
    groups = list(frame.groupby(hue, sort=True))
    palette = sns.color_palette("colorblind" if len(groups) <= 10 else "husl", len(groups))
    for (name, group), color in zip(groups, palette, strict=True):
        ordered = group.sort_values(x)
        ax.plot(pd.to_datetime(ordered[x]), ordered[y].astype(float), color=color, label=str(name))
    ax.axhline(1.0, color="#d73027", linestyle="--", linewidth=1, label="budget exhausted")
    ax.legend(title=hue, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5)
    ax.yaxis.set_major_formatter(percent_formatter())
    label_axes(ax, x="day (UTC)", y=ylabel)
    return fig


def burn_rate_lines(series: pd.DataFrame, *, windows: Sequence[str], thresholds: dict[str, float], title: str,
                    firing: pd.DataFrame | None = None) -> Figure:
    """Burn rate over trailing windows (log scale) with each alert's burn-rate threshold and, shaded, the
    intervals in which an alert was firing (``fired_at`` / ``resolved_at`` columns)."""
    fig, ax = figure(title)
    palette = sns.color_palette("colorblind", len(windows))
    for window, color in zip(windows, palette, strict=True):
        mine = series[series["window"] == window].sort_values("at")
        ax.plot(pd.to_datetime(mine["at"]), mine["burn_rate"].astype(float).clip(lower=1e-2), color=color,
                linewidth=1, label=f"{window} window")
    for name, level in sorted(thresholds.items(), key=lambda kv: -kv[1]):
        ax.axhline(level, color="#777777", linestyle=":", linewidth=1)
        ax.annotate(name, (1.0, level), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", fontsize=8, color="#555555", va="center")
    if firing is not None:
        for start, end in zip(firing["fired_at"], firing["resolved_at"], strict=True):
            ax.axvspan(pd.Timestamp(start), pd.Timestamp(end),  # type: ignore[arg-type]  # matplotlib takes dates
                       color="#d73027", alpha=0.15, linewidth=0)
    ax.set_yscale("log")
    ax.legend(loc="lower right", ncols=len(windows), fontsize=8.5, framealpha=0.9, frameon=True)
    label_axes(ax, x="evaluated at the end of each SLI interval (UTC)", y="burn rate (× budget pace, log scale)")
    return fig


STATUS_ORDER: tuple[str, ...] = ("off track", "at risk", "on track", "no target", "no data")


def status_bars(frame: pd.DataFrame, *, category: str, status: str, title: str,
                order: Sequence[str] | None = None) -> Figure:
    """How many KPIs of each area have each status: one stacked horizontal bar per area, counts labelled."""
    counts = frame.groupby([category, status]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=[s for s in STATUS_ORDER if s in counts.columns])
    if order is not None:
        counts = counts.reindex([c for c in order if c in counts.index])
    fig, ax = figure(title, figsize=(10, max(2.2, 0.5 * len(counts) + 1.3)))
    left = pd.Series(0, index=counts.index, dtype=float)
    labels = [str(c) for c in counts.index]
    for name in counts.columns:
        values = counts[name].astype(float)
        ax.barh(labels, values, left=left, color=STATUS_COLORS.get(str(name), "#999999"), label=str(name))
        for i, (start, width) in enumerate(zip(left, values, strict=True)):
            if width:
                ax.annotate(f"{width:.0f}", (start + width / 2, i), ha="center", va="center", fontsize=9,
                            color="white" if name in ("off track", "on track", "no target") else "#222222")
        left += values
    ax.invert_yaxis()
    ax.legend(title="status", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    label_axes(ax, x="KPIs (count)")
    return fig


def cost_reliability_scatter(frame: pd.DataFrame, *, x: str, y: str, label: str, title: str, size: str | None = None,
                             currency: str = "USD", xlabel: str = "cloud cost in the period (EffectiveCost)",
                             ylabel: str = "error budget left at the end of the period") -> Figure:
    """Cost against reliability per service: one labelled point each, the 0 line (objective just met)
    dashed, overspent services in red; point area proportional to ``size`` (e.g. incident-hours)."""
    data = frame.dropna(subset=[x, y]).reset_index(drop=True)
    fig, ax = figure(title, figsize=(10, 5))
    sizes = (40 + 360 * data[size].astype(float) / max(float(data[size].max()), 1e-9)) if size and len(data) else 60
    colors = ["#d73027" if v < 0 else "#4393c3" for v in data[y].astype(float)]
    ax.scatter(data[x].astype(float), data[y].astype(float), s=sizes, c=colors, alpha=0.75, edgecolors="white")
    span_x = float(data[x].max() - data[x].min()) or 1.0 if len(data) else 1.0
    span_y = float(data[y].max() - data[y].min()) or 1.0 if len(data) else 1.0
    placed: list[tuple[float, float, int]] = []
    for _, row in data.sort_values([x, label]).iterrows():
        px, py = float(row[x]), float(row[y])
        crowded = sum(abs(px - qx) < 0.08 * span_x and abs(py - qy) < 0.06 * span_y for qx, qy, _ in placed)
        dy = (4, -12, 14, -22)[crowded % 4]  # stagger labels of points that sit close together
        ax.annotate(str(row[label]), (px, py), textcoords="offset points", xytext=(7, dy), fontsize=8.5,
                    color="#333333")
        placed.append((px, py, dy))
    ax.axhline(0, color="#555555", linestyle="--", linewidth=1)
    ax.xaxis.set_major_formatter(currency_formatter(currency))
    ax.yaxis.set_major_formatter(percent_formatter())
    label_axes(ax, x=xlabel, y=ylabel)
    return fig
