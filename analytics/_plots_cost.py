"""The cost charts (notebooks cost_overview, unit_cost, cost_investigation, cost_anomalies): amounts per
category, stacked and over time, budget variance, the waterfall of a change, shares, and the anomaly chart
of a series with its expected band."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from analytics._plot_look import (
    compact_money_formatter,
    currency_formatter,
    figure,
    label_axes,
    percent_formatter,
    stacked_bars,
)

COST_PART_COLORS: tuple[str, ...] = ("#2166ac", "#92c5de", "#f4a582", "#bababa")

def _money_axis(currency: str, digits: int) -> mticker.FuncFormatter:
    """Currency ticks: compact (``$12.3k``) or with fixed decimals for small unit costs."""
    return currency_formatter(currency, digits=digits or None)


def money_barh(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    currency: str = "USD",
    xlabel: str = "EffectiveCost",
    change: str | None = None,
    parts: Sequence[str] | None = None,
    digits: int = 0,
) -> Figure:
    """Horizontal bars of an amount per category in the frame's order (first on top). ``parts`` names
    columns that add up to ``value`` and are drawn stacked (e.g. direct and shared cost); ``change``
    names a column of relative changes printed after each bar (``+8%``; ``new`` where it is NaN)."""
    data = frame.reset_index(drop=True)
    fig, ax = figure(title, figsize=(10, max(2.5, 0.45 * len(data) + 1.4)))
    labels = [str(c) for c in data[category]]
    amounts = data[value].astype(float)
    if parts:
        left = pd.Series(0.0, index=data.index)
        for color, part in zip(COST_PART_COLORS, parts, strict=False):
            widths = data[part].astype(float)
            ax.barh(labels, widths, left=left, color=color, label=part.replace("_", " "))
            left = left + widths
        ax.legend(loc="lower right")
    else:
        ax.barh(labels, amounts, color=["#2166ac" if a >= 0 else "#1a9850" for a in amounts])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(_money_axis(currency, digits))
    if change is not None:
        for i, (amount, rel) in enumerate(zip(amounts, data[change], strict=True)):
            text = "new" if pd.isna(rel) else f"{float(rel) * 100:+.0f}%"
            ax.annotate(text, (max(amount, 0.0), i), textcoords="offset points", xytext=(4, -3), fontsize=8.5,
                        color="#444444")
    label_axes(ax, x=f"{xlabel} ({currency})")
    return fig


def money_stacked_bars(frame: pd.DataFrame, *, x: str, y: str, hue: str, title: str, currency: str = "USD",
                       xlabel: str = "") -> Figure:
    """:func:`stacked_bars` of an amount with currency on the y axis."""
    fig = stacked_bars(frame, x=x, y=y, hue=hue, title=title, ylabel=f"EffectiveCost ({currency})",
                       xlabel=xlabel)
    fig.axes[0].yaxis.set_major_formatter(currency_formatter(currency))
    return fig


def money_lines(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    hue: str | None = None,
    legend_title: str | None = None,
    currency: str = "USD",
    ylabel: str = "EffectiveCost",
    xlabel: str = "",
    log_y: bool = False,
    percent_y: bool = False,
    digits: int = 0,
) -> Figure:
    """Lines of an amount over time, one per ``hue`` value (currency or percent on the y axis)."""
    fig, ax = figure(title)
    groups = [(None, frame)] if hue is None else list(frame.groupby(hue, sort=True))
    palette = sns.color_palette("colorblind" if len(groups) <= 10 else "husl", len(groups))
    for (name, group), color in zip(groups, palette, strict=True):
        ordered = group.sort_values(x)
        ax.plot(pd.to_datetime(ordered[x]), ordered[y].astype(float), marker="o" if len(ordered) <= 24 else None,
                markersize=3, color=color, label=None if name is None else str(name))
    if hue is not None:
        ax.legend(title=legend_title or hue, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5)
    if log_y:
        ax.set_yscale("log")
    ax.yaxis.set_major_formatter(percent_formatter() if percent_y else _money_axis(currency, digits))
    if log_y:
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())
    label_axes(ax, x=xlabel, y=ylabel if percent_y else f"{ylabel} ({currency})")
    return fig


def budget_variance_bars(
    months: pd.DataFrame,
    *,
    title: str,
    band: tuple[float, float] = (0.05, 0.10),
    month: str = "month",
) -> Figure:
    """Variance against budget per month (solid: complete; hatched: forecast) over the ±band zones
    (green on track, amber at risk)."""
    fig, ax = figure(title)
    labels = [pd.Timestamp(m).strftime("%b %Y") for m in months[month]]
    variance = months["variance_pct"].astype(float)
    top = max(band[1] * 1.6, float(variance.abs().max()) * 1.25 if variance.notna().any() else 0.0)
    ax.axhspan(-band[1], band[1], color="#fdae61", alpha=0.18, label=f"at risk (±{band[1]:.0%})")
    ax.axhspan(-band[0], band[0], color="#1a9850", alpha=0.18, label=f"on track (±{band[0]:.0%})")
    for i, (pct_value, state) in enumerate(zip(variance, months["state"], strict=True)):
        if pd.isna(pct_value):
            ax.annotate("no budget or data", (i, 0), ha="center", fontsize=8.5, color="#666666")
            continue
        final = state == "complete"
        ax.bar(i, pct_value, color="#2166ac" if final else "#d1e5f0", edgecolor="#2166ac",
               hatch=None if final else "//", width=0.6)
        ax.annotate(f"{pct_value * 100:+.1f}%" + ("" if final else " (forecast)"), (i, pct_value),
                    textcoords="offset points", xytext=(0, 4 if pct_value >= 0 else -12), ha="center", fontsize=9)
    ax.axhline(0, color="black", linewidth=1)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylim(-top, top)
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    label_axes(ax, y="(actual or forecast − budget) / budget")
    return fig


def waterfall(
    movers: pd.DataFrame,
    *,
    category: str,
    change: str,
    start_label: str,
    start_total: float,
    end_label: str,
    title: str,
    currency: str = "USD",
) -> Figure:
    """Bridge from one window's total to the next: one floating bar per item's change (up red, down
    green), so opposite moves stay visible instead of being netted."""
    data = movers.reset_index(drop=True)
    fig, ax = figure(title, figsize=(10, 4.8))
    labels = [start_label, *[str(c) for c in data[category]], end_label]
    level = float(start_total)
    levels = [level]
    ax.bar(0, level, color="#4393c3")
    for i, delta in enumerate(data[change].astype(float), start=1):
        ax.bar(i, delta, bottom=level, color="#d6604d" if delta > 0 else "#1a9850")
        level += delta
        levels.append(level)
    ax.bar(len(labels) - 1, level, color="#4393c3")
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right", fontsize=8.5)
    ax.yaxis.set_major_formatter(compact_money_formatter(currency))
    low, high = min(levels), max(levels)
    span = (high - low) or abs(high) or 1.0
    if low > 0:
        ax.set_ylim(max(0.0, low - 0.6 * span), high + 0.15 * span)
    label_axes(ax, y=f"EffectiveCost ({currency})")
    return fig


def percent_barh(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    xlabel: str,
    target: float | None = None,
) -> Figure:
    """Horizontal bars of a share (0–1) per category in the frame's order, with an optional target line."""
    data = frame.reset_index(drop=True)
    fig, ax = figure(title, figsize=(10, max(2.5, 0.45 * len(data) + 1.4)))
    shares = data[value].astype(float).fillna(0.0)
    ax.barh([str(c) for c in data[category]], shares, color="#2166ac")
    for i, share in enumerate(data[value]):
        missing = pd.isna(share)
        ax.annotate("n/a" if missing else f"{float(share) * 100:.1f}%", (0.0 if missing else float(share), i),
                    textcoords="offset points", xytext=(4, -3), fontsize=8.5, color="#444444")
    if target is not None:
        ax.axvline(target, color="#d73027", linestyle="--", linewidth=1, label=f"target {target * 100:.0f}%")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(percent_formatter())
    label_axes(ax, x=xlabel)
    return fig


# -- cost anomalies (notebooks/cost_anomalies) ----------------------------------------------------
ANOMALY_COLORS: dict[str, str] = {"actual": "#222222", "expected": "#2166ac", "band": "#92c5de",
                                  "window": "#fddbc7", "increase": "#b2182b", "decrease": "#1a9850"}


def anomaly_chart(
    days: pd.DataFrame,
    drivers: pd.DataFrame,
    *,
    title: str,
    start: date,
    end: date,
    currency: str = "USD",
    driver_label: str = "label",
    driver_title: str = "contribution to the change",
) -> Figure:
    """Actual daily cost against the expected band with the anomaly's window shaded (left) and its
    root-cause contributions as signed bars (right).

    ``days`` has ``day, actual, expected, low, high``; ``drivers`` has ``driver_label`` and ``delta``.
    """
    fig, (ax, bars) = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained", width_ratios=[2.2, 1])
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    x = pd.to_datetime(days["day"])
    ax.fill_between(x, days["low"].astype(float), days["high"].astype(float), color=ANOMALY_COLORS["band"],
                    alpha=0.45, linewidth=0, label="expected band")
    ax.plot(x, days["expected"].astype(float), color=ANOMALY_COLORS["expected"], linestyle="--", linewidth=1.2,
            label="expected")
    ax.plot(x, days["actual"].astype(float), color=ANOMALY_COLORS["actual"], marker="o", markersize=2.5,
            linewidth=1.2, label="actual")
    ax.axvspan(pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1), color=ANOMALY_COLORS["window"],
               alpha=0.6, linewidth=0, label="anomaly")
    ax.yaxis.set_major_formatter(currency_formatter(currency))
    ax.legend(loc="upper left", fontsize=8.5)
    label_axes(ax, x="day (UTC)", y=f"EffectiveCost per day ({currency})")
    for tick in ax.get_xticklabels():
        tick.set_rotation(30)
        tick.set_horizontalalignment("right")
    data = drivers.reset_index(drop=True)
    bars.set_title(driver_title, loc="left", fontsize=11)
    if data.empty:
        bars.text(0.5, 0.5, "no breakdown below this level", ha="center", va="center", transform=bars.transAxes)
        bars.set_axis_off()
        return fig
    labels = [str(v) if len(str(v)) <= 30 else "…" + str(v)[-29:] for v in data[driver_label]]
    deltas = data["delta"].astype(float)
    bars.barh(labels, deltas, color=[ANOMALY_COLORS["increase" if d >= 0 else "decrease"] for d in deltas])
    bars.axvline(0, color="#666666", linewidth=0.8)
    bars.invert_yaxis()
    bars.xaxis.set_major_formatter(currency_formatter(currency))
    label_axes(bars, x=f"actual − expected ({currency})")
    return fig
