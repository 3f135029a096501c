"""Anomaly detection for ops and cost series, and the NAB benchmark scorer that grades it."""

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
    "DEFAULT_SETTINGS",
    "DETECTORS",
    "PROFILES",
    "Corpus",
    "Detection",
    "DetectorSettings",
    "FileScore",
    "NabCorpusError",
    "NabFile",
    "NabResult",
    "Profile",
    "detect",
    "detect_many",
    "load_corpus",
    "score_corpus",
    "score_file",
]
