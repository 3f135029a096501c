"""Small helpers for what notebooks show: narrative from numbers, tidy tables, changes.

Values from data go into narrative through :func:`md_text` and into tables as they are: both are
escaped by :mod:`analytics.escaping` (docs/notebooks.md, "Escaping").
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.display import HTML

from analytics.escaping import NO_MATH_CLASS, markdown_html, md_text

__all__ = ["change", "md", "md_text", "minutes", "pct", "table"]


def md(text: str) -> HTML:
    """Show computed narrative (Markdown) in a notebook and the code-free HTML, raw HTML in it escaped;
    every value from data in ``text`` should have gone through :func:`md_text`."""
    return HTML(markdown_html(text))


def pct(value: float | None, digits: int = 0) -> str:
    """``0.123`` → ``12%``; None → ``n/a``.

    >>> pct(0.1234, 1), pct(None)
    ('12.3%', 'n/a')
    """
    return "n/a" if value is None or pd.isna(value) else f"{value * 100:.{digits}f}%"


def change(current: float, previous: float) -> str:
    """Signed relative change, ``+24% vs`` style; ``new`` when the base is 0.

    >>> change(124, 100), change(5, 0), change(0, 0)
    ('+24%', 'new', 'no change')
    """
    if previous == 0:
        return "no change" if current == 0 else "new"
    delta = (current - previous) / previous
    return f"{delta * 100:+.0f}%"


def minutes(value: float | None) -> str:
    """Minutes as ``42 min`` / ``3.5 h`` / ``2.1 d``.

    >>> minutes(42.0), minutes(210.0), minutes(3000.0), minutes(None)
    ('42 min', '3.5 h', '2.1 d', 'n/a')
    """
    if value is None or pd.isna(value):
        return "n/a"
    if value < 90:
        return f"{value:.0f} min"
    if value < 48 * 60:
        return f"{value / 60:.1f} h"
    return f"{value / 1440:.1f} d"


def table(frame: pd.DataFrame, *, decimals: int = 1, rename: dict[str, str] | None = None) -> Any:
    """A display-ready copy: floats rounded once, friendly column names, no index; every cell and
    header HTML-escaped (a Styler does not escape by default) and left alone by MathJax."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(decimals)
    if rename:
        out = out.rename(columns=rename)
    return (out.style.hide(axis="index").format(precision=decimals, na_rep="—", escape="html")
            .format_index(escape="html", axis=1).set_table_attributes(f'class="{NO_MATH_CLASS}"'))
