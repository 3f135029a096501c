"""The shared look of every chart: titles that state the finding, labelled axes with units,
currency formatting, and a caption with the data window and the number of points.

Importing this module applies the theme. Functions return the matplotlib Figure so notebooks
can display it (never call ``matplotlib.use`` in a notebook; docs/notebooks.md).

Notebooks and the package use this one name; behind it the look (theme, colours, figure, caption,
formatters, generic bars and interval points) is ``_plot_look``, and the charts of each report
family are ``_plots_cost`` (cost and anomalies) and ``_plots_reliability`` (delivery, SLOs and the
quarterly review).
"""

from __future__ import annotations

from analytics._plot_look import (
    SEVERITY_COLORS,
    STATUS_COLORS,
    apply_theme,
    caption,
    compact_money_formatter,
    currency_formatter,
    estimate_points,
    figure,
    group_colors,
    interval_points,
    label_axes,
    percent_formatter,
    stacked_bars,
)
from analytics._plots_cost import (
    ANOMALY_COLORS,
    COST_PART_COLORS,
    anomaly_chart,
    budget_variance_bars,
    money_barh,
    money_lines,
    money_stacked_bars,
    percent_barh,
    waterfall,
)
from analytics._plots_reliability import (
    LEVEL_COLORS,
    STATUS_ORDER,
    budget_burn_lines,
    budget_remaining_bars,
    burn_rate_lines,
    cost_reliability_scatter,
    status_bars,
)

__all__ = [
    "ANOMALY_COLORS", "COST_PART_COLORS", "LEVEL_COLORS", "SEVERITY_COLORS", "STATUS_COLORS", "STATUS_ORDER",
    "anomaly_chart", "apply_theme", "budget_burn_lines", "budget_remaining_bars", "budget_variance_bars",
    "burn_rate_lines", "caption", "compact_money_formatter", "cost_reliability_scatter", "currency_formatter",
    "estimate_points", "figure", "group_colors", "interval_points", "label_axes", "money_barh", "money_lines",
    "money_stacked_bars", "percent_barh", "percent_formatter", "stacked_bars", "status_bars", "waterfall"
]
