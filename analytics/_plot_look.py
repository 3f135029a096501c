"""The look every chart shares: the theme (applied on import), severity and status colours, a figure whose
title states the finding, the caption with the data window and n, axis labels with units, currency and
percent formatters, and the generic stacked bars and interval points."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

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



def percent_formatter(digits: int = 0) -> mticker.FuncFormatter:
    """Axis formatter for shares: ``0.253`` → ``25%``.

    >>> percent_formatter()(0.253, None)
    '25%'
    """
    return mticker.FuncFormatter(lambda value, _pos: f"{value * 100:.{digits}f}%")



def compact_money_formatter(currency: str = "USD") -> mticker.FuncFormatter:
    """Axis formatter with three significant figures, for axes that do not start at zero.

    >>> compact_money_formatter()(1052000.0, None), compact_money_formatter()(975400.0, None)
    ('$1.05M', '$975k')
    """
    return currency_formatter(currency, style="figures")


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


def group_colors(names: Sequence[str]) -> dict[str, str]:
    """Distinct colours for up to ~20 groups (colour-blind palette up to 10, then evenly spaced hues).

    >>> len(set(group_colors([f"s{i}" for i in range(12)]).values()))
    12
    """
    ordered = sorted({str(n) for n in names})
    palette = sns.color_palette("colorblind" if len(ordered) <= 10 else "husl", len(ordered)).as_hex()
    return dict(zip(ordered, palette, strict=True))
