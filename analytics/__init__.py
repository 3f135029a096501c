"""opsreview analytics: incidents, DORA, SLOs and FOCUS cloud cost in one DuckDB warehouse.

Start in Jupyter with::

    import analytics
    con = analytics.connect(read_only=True)       # OPSREVIEW_WAREHOUSE or data/warehouse.duckdb
    analytics.metrics.incidents.incident_counts_by_week(con, period="2026Q3")
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("opsreview-analytics")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from analytics.engines import connect
from analytics.periods import Period, parse_period

__all__ = ["Period", "__version__", "connect", "parse_period"]
