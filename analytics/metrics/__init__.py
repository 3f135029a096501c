"""Every KPI defined once: typed functions named after what they return, each running one
``analytics/sql/*.sql`` statement (or a small pure computation on its result).

Submodules by domain: :mod:`analytics.metrics.incidents`, :mod:`analytics.metrics.stats`
(quantiles with bootstrap confidence intervals), and the later cost, delivery and SLO modules.
"""
