"""The shared look of every chart: titles that state the finding, labelled axes with units,
currency formatting, and a caption with the data window and the number of points.

Importing this module applies the theme. Functions return the matplotlib Figure so notebooks
can display it (never call ``matplotlib.use`` in a notebook; NOTEBOOKS.md §3.5).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

SEVERITY_COLORS: dict[str, str] = {
    "SEV1": "#b2182b",
    "SEV2": "#ef8a62",
    "SEV3": "#fddbc7",
    "SEV4": "#92c5de",
    "SEV5": "#4393c3",
}
STATUS_COLORS: dict[str, str] = {"on track": "#1a9850", "at risk": "#fdae61", "off track": "#d73027",
                                 "no data": "#bdbdbd"}
_CURRENCY_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "C$", "AUD": "A$", "JPY": "¥"}


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
        }
    )


apply_theme()


def figure(title: str, *, subtitle: str | None = None, figsize: tuple[float, float] = (10, 4.5)) -> tuple[Figure, Axes]:
    """A new figure whose title states the finding (and an optional subtitle line)."""
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.set_title(title if subtitle is None else f"{title}\n", loc="left")
    if subtitle:
        ax.text(0, 1.02, subtitle, transform=ax.transAxes, fontsize=10, color="#555555", va="bottom")
    return fig, ax


def caption(fig: Figure, text: str) -> None:
    """A small grey caption under the chart: data window, n, definitions used."""
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8.5, color="#666666", wrap=True)


def currency_formatter(currency: str = "USD") -> mticker.FuncFormatter:
    """Axis formatter such as ``$12.3k`` / ``$1.2M``.

    >>> currency_formatter("USD")(12345.0, None)
    '$12.3k'
    """
    symbol = _CURRENCY_SYMBOL.get(currency.upper(), currency.upper() + " ")

    def fmt(value: float, _pos: object) -> str:
        magnitude = abs(value)
        if magnitude >= 1e6:
            return f"{symbol}{value / 1e6:.1f}M"
        if magnitude >= 1e3:
            return f"{symbol}{value / 1e3:.1f}k"
        return f"{symbol}{value:,.0f}"

    return mticker.FuncFormatter(fmt)


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
