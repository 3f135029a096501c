"""Anomaly detection for ops and cost series, and the NAB benchmark scorer that grades it.

* :mod:`analytics.anomalies.detectors` — the NAB-scored novelty-gate detector (5-minute data).
* :mod:`analytics.anomalies.cost` — cost anomalies on daily EffectiveCost: detection at several
  levels, root causes, annotation, alert gate (:mod:`analytics.anomalies._seasonal` is its core).
* :mod:`analytics.anomalies.counts` — incident-volume anomalies with Poisson / negative-binomial tails.
"""

from analytics.anomalies._seasonal import DEFAULT_SEASONAL, SeasonalSettings, events_of, scan_daily
from analytics.anomalies.cost import (
    DEFAULT_COST_SETTINGS,
    DEFAULT_MIN_IMPACT_PCT,
    DEFAULT_MIN_IMPACT_USD,
    CostAnomalies,
    CostAnomalySettings,
    alerts,
    cost_anomalies,
)
from analytics.anomalies.counts import (
    DEFAULT_COUNT_SETTINGS,
    CountSettings,
    count_anomalies,
    incident_count_anomalies,
    tail_probability,
)
from analytics.anomalies.detectors import (
    DEFAULT_SETTINGS,
    DETECTORS,
    Detection,
    DetectorSettings,
    detect,
    detect_many,
)
from analytics.anomalies.nab import (
    PROFILES,
    Corpus,
    FileScore,
    NabCorpusError,
    NabFile,
    NabResult,
    Profile,
    load_corpus,
    score_corpus,
    score_file,
)

__all__ = [
    "DEFAULT_COST_SETTINGS",
    "DEFAULT_COUNT_SETTINGS",
    "DEFAULT_MIN_IMPACT_PCT",
    "DEFAULT_MIN_IMPACT_USD",
    "DEFAULT_SEASONAL",
    "DEFAULT_SETTINGS",
    "DETECTORS",
    "PROFILES",
    "Corpus",
    "CostAnomalies",
    "CostAnomalySettings",
    "CountSettings",
    "Detection",
    "DetectorSettings",
    "FileScore",
    "NabCorpusError",
    "NabFile",
    "NabResult",
    "Profile",
    "SeasonalSettings",
    "alerts",
    "cost_anomalies",
    "count_anomalies",
    "detect",
    "detect_many",
    "events_of",
    "incident_count_anomalies",
    "load_corpus",
    "scan_daily",
    "score_corpus",
    "score_file",
    "tail_probability",
]
