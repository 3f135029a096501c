"""Anomaly detection for ops and cost series, and the NAB benchmark scorer that grades it.

* :func:`detect` (:mod:`analytics.anomalies.family`) — **the** detector: one entry point, modes
  cost (daily spend), counts (incident volume) and metric (sub-daily metrics, scored on NAB).
* :mod:`analytics.anomalies.cost` — cost anomalies on daily EffectiveCost: detection (cost mode)
  at several levels, root causes, annotation, alert gate.
* :mod:`analytics.anomalies.counts` — incident-volume anomalies (counts mode).
* :mod:`analytics.anomalies.nab` — NAB's scorer, which grades the metric mode.
"""

from analytics.anomalies._seasonal import DEFAULT_SEASONAL, SeasonalSettings, events_of, scan_daily
from analytics.anomalies.cost import (
    DEFAULT_COST_SETTINGS,
    DEFAULT_MIN_IMPACT,
    DEFAULT_MIN_IMPACT_PCT,
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
    Detection,
    DetectorSettings,
    detect_many,
)
from analytics.anomalies.family import (
    DEFAULTS,
    NAB_DETECTORS,
    CostSettings,
    Detections,
    LikelihoodSettings,
    MetricSettings,
    detect,
    mode_of,
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
    "DEFAULTS",
    "DEFAULT_COST_SETTINGS",
    "DEFAULT_COUNT_SETTINGS",
    "DEFAULT_MIN_IMPACT",
    "DEFAULT_MIN_IMPACT_PCT",
    "DEFAULT_SEASONAL",
    "DEFAULT_SETTINGS",
    "NAB_DETECTORS",
    "PROFILES",
    "Corpus",
    "CostAnomalies",
    "CostAnomalySettings",
    "CostSettings",
    "CountSettings",
    "Detection",
    "Detections",
    "DetectorSettings",
    "FileScore",
    "LikelihoodSettings",
    "MetricSettings",
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
    "mode_of",
    "scan_daily",
    "score_corpus",
    "score_file",
    "tail_probability",
]
