"""The shared look of every chart: titles that state the finding, labelled axes with units,
currency formatting, and a caption with the data window and the number of points.

Importing this module applies the theme. Functions return the matplotlib Figure so notebooks
can display it (never call ``matplotlib.use`` in a notebook; docs/notebooks.md).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import date

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analytics.money import Style, money

SEVERITY_COLORS: dict[str, str] = {
    "SEV1": "#b2182b",
    "SEV2": "#ef8a62",
    "SEV3": "#fddbc7",
    "SEV4": "#92c5de",
    "SEV5": "#4393c3",
}
STATUS_COLORS: dict[str, str] = {"on track": "#1a9850", "at risk": "#fdae61", "off track": "#d73027",
                                 "no data": "#bdbdbd", "no target": "#8c9bab"}


def apply_theme() -> None:
    """Seaborn white-grid theme with readable sizes; idempotent."""
    sns.set_theme(style="whitegrid", context="notebook", palette="colorblind")
    plt.rcParams.update(
        {
            "figure.figsize": (10, 4.5),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            # chart text is data (service names, money with $): never parsed as mathtext, where a name
            # such as "$x^$" raised a ParseException and failed the whole notebook (docs/notebooks.md)
            "text.parse_math": False,
        }
    )


apply_theme()


def figure(title: str, *, subtitle: str | None = None, figsize: tuple[float, float] = (10, 4.5)) -> tuple[Figure, Axes]:
    """A new figure whose title states the finding (and an optional subtitle line)."""
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    title = textwrap.fill(title, width=max(40, int(figsize[0] * 9)))  # a long finding wraps instead of being cut
    ax.set_title(title if subtitle is None else f"{title}\n", loc="left")
    if subtitle:
        ax.text(0, 1.02, subtitle, transform=ax.transAxes, fontsize=10, color="#555555", va="bottom")
    return fig, ax


def caption(fig: Figure, text: str) -> None:
    """A small grey caption under the chart: data window, n, definitions used."""
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8.5, color="#666666", wrap=True)


def currency_formatter(currency: str = "USD", *, style: Style = "compact", digits: int | None = None
                       ) -> mticker.FuncFormatter:
    """Axis formatter in the data's currency (:func:`analytics.money.money`): ``$12.3k`` / ``$1.2M``,
    ``figures`` for three significant figures, ``digits`` for fixed decimals (small unit costs).

    >>> currency_formatter("USD")(12345.0, None), currency_formatter("EUR", digits=2)(4.5, None)
    ('$12.3k', '€4.50')
    >>> currency_formatter("USD", style="figures")(1052000.0, None), currency_formatter("NOK")(-975400.0, None)
    ('$1.05M', '−NOK 975.4k')
    """
    return mticker.FuncFormatter(lambda value, _pos: money(value, currency, style=style, digits=digits))


def label_axes(ax: Axes, *, x: str | None = None, y: str | None = None) -> Axes:
    """Set axis labels (always with units)."""
    if x is not None:
        ax.set_xlabel(x)
    if y is not None:
        ax.set_ylabel(y)
    return ax


def stacked_bars(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    hue: str,
    title: str,
    ylabel: str,
    xlabel: str = "",
    colors: dict[str, str] | None = None,
    order: Sequence[str] | None = None,
) -> Figure:
    """Stacked bars of ``y`` by ``x`` split by ``hue`` (e.g. incidents per week by severity)."""
    wide = frame.pivot_table(index=x, columns=hue, values=y, aggfunc="sum", fill_value=0).sort_index()
    if order is not None:
        wide = wide.reindex(columns=[c for c in order if c in wide.columns])
    fig, ax = figure(title)
    bottom = None
    labels = [str(i.date()) if hasattr(i, "date") else str(i) for i in wide.index]
    for column in wide.columns:
        values = wide[column].to_numpy()
        ax.bar(labels, values, bottom=bottom, label=str(column), color=(colors or {}).get(str(column)))
        bottom = values if bottom is None else bottom + values
    ax.legend(title=hue, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    label_axes(ax, x=xlabel, y=ylabel)
    if len(labels) > 8:
        ax.tick_params(axis="x", labelrotation=45)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
    return fig


def interval_points(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    low: str,
    high: str,
    title: str,
    xlabel: str,
    annotate_n: str | None = None,
) -> Figure:
    """Point estimates with confidence-interval whiskers, one row per category."""
    data = frame.dropna(subset=[value]).reset_index(drop=True)
    fig, ax = figure(title, figsize=(10, max(2.5, 0.6 * len(data) + 1.5)))
    ypos = range(len(data))
    err_low = (data[value] - data[low]).clip(lower=0).fillna(0)
    err_high = (data[high] - data[value]).clip(lower=0).fillna(0)
    ax.errorbar(data[value], list(ypos), xerr=[err_low, err_high], fmt="o", capsize=4, color="#2166ac")
    ax.set_yticks(list(ypos), [str(c) for c in data[category]])
    ax.invert_yaxis()
    if annotate_n:
        for i, row in data.iterrows():
            ax.annotate(f"n={int(row[annotate_n])}", (row[value], i), textcoords="offset points",
                        xytext=(6, 6), fontsize=8, color="#555555")
    label_axes(ax, x=xlabel)
    return fig


# -- cost charts (notebooks/cost_overview, unit_cost, cost_investigation) -------------------------
COST_PART_COLORS: tuple[str, ...] = ("#2166ac", "#92c5de", "#f4a582", "#bababa")


def percent_formatter(digits: int = 0) -> mticker.FuncFormatter:
    """Axis formatter for shares: ``0.253`` → ``25%``.

    >>> percent_formatter()(0.253, None)
    '25%'
    """
    return mticker.FuncFormatter(lambda value, _pos: f"{value * 100:.{digits}f}%")


def _money_axis(currency: str, digits: int) -> mticker.FuncFormatter:
    """Currency ticks: compact (``$12.3k``) or with fixed decimals for small unit costs."""
    return currency_formatter(currency, digits=digits or None)


def compact_money_formatter(currency: str = "USD") -> mticker.FuncFormatter:
    """Axis formatter with three significant figures, for axes that do not start at zero.

    >>> compact_money_formatter()(1052000.0, None), compact_money_formatter()(975400.0, None)
    ('$1.05M', '$975k')
    """
    return currency_formatter(currency, style="figures")


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


def estimate_points(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    low: str,
    high: str,
    title: str,
    xlabel: str,
    reference: float | None = None,
    annotate_n: str | None = None,
) -> Figure:
    """:func:`interval_points` with an optional vertical reference line (e.g. elasticity 1)."""
    fig = interval_points(frame, category=category, value=value, low=low, high=high, title=title,
                          xlabel=xlabel, annotate_n=annotate_n)
    if reference is not None:
        fig.axes[0].axvline(reference, color="#999999", linestyle="--", linewidth=1)
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


# -- delivery and SLO charts (notebooks/delivery_performance, slo_error_budget) ---------------------
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


def group_colors(names: Sequence[str]) -> dict[str, str]:
    """Distinct colours for up to ~20 groups (colour-blind palette up to 10, then evenly spaced hues).

    >>> len(set(group_colors([f"s{i}" for i in range(12)]).values()))
    12
    """
    ordered = sorted({str(n) for n in names})
    palette = sns.color_palette("colorblind" if len(ordered) <= 10 else "husl", len(ordered)).as_hex()
    return dict(zip(ordered, palette, strict=True))


# -- the quarterly review (notebooks/quarterly_review) ---------------------------------------------
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
