"""The one entry point ``analytics.anomalies.detect``: its three modes, what they share (the
[0, 1] score, defined bad-input outcomes, timestamp notes), and that the product paths and the
NAB bench run exactly it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.anomalies import DEFAULTS, NAB_DETECTORS, CountSettings, detect, mode_of
from analytics.anomalies._seasonal import scan_daily
from analytics.anomalies.counts import count_anomalies
from analytics.anomalies.detectors import detect_many
from analytics.errors import ParameterError

pytestmark = pytest.mark.unit

MODES = [DEFAULTS["cost"], DEFAULTS["counts"], DEFAULTS["metric"]]


def _weekly(weeks: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.tile([100.0, 102, 98, 101, 99, 60, 58], weeks) * (1 + 0.01 * rng.standard_normal(7 * weeks))


@pytest.mark.parametrize("settings", MODES, ids=["cost", "counts", "metric"])
def test_every_mode_scores_in_0_1_and_at_least_half_exactly_where_it_flags(settings: object) -> None:
    rng = np.random.default_rng(3)
    x = rng.poisson(20, size=900).astype(float)
    x[[400, 700]] = 400.0
    d = detect(x, settings)  # type: ignore[arg-type]
    assert d.flag.shape == d.score.shape == (900, 1)
    assert ((d.score >= 0) & (d.score <= 1)).all()
    assert np.array_equal(d.score >= 0.5, d.flag != 0)
    assert {400, 700} <= set(np.flatnonzero(d.flag[:, 0]).tolist())


@pytest.mark.parametrize("settings", MODES, ids=["cost", "counts", "metric"])
@pytest.mark.parametrize("bad", [[], [np.nan] * 300, [np.inf, -np.inf] * 150, [5.0] * 300, [1.0, 2.0, 3.0]])
def test_bad_input_is_reported_never_a_crash_or_an_alarm(settings: object, bad: list[float]) -> None:
    d = detect(np.asarray(bad, dtype=float), settings)  # type: ignore[arg-type]
    assert not d.flag.any()
    if len(bad) and not np.isfinite(bad).any():
        assert d.reasons[0] is not None
        assert "missing" in d.notes[0] or "infinite" in d.notes[0] or d.mode == "cost"


def test_backward_and_duplicate_timestamps_are_rows_and_are_reported() -> None:
    head = pd.DatetimeIndex(["2026-01-01 00:00", "2026-01-01 00:05", "2026-01-01 00:05", "2026-01-01 00:00"])
    stamps = head.append(pd.date_range("2026-01-01 00:10", periods=296, freq="5min"))
    values = pd.Series(np.r_[np.tile([1.0, 2.0], 150)], index=stamps)
    d = detect(values, DEFAULTS["metric"])
    assert d.flag.shape == (300, 1)
    assert "1 timestamp(s) step back" in d.notes[0] and "1 duplicate timestamp(s)" in d.notes[0]


def test_the_modes_are_the_product_cores_unchanged() -> None:
    x = np.c_[_weekly(20), _weekly(20, seed=1)]
    x[100, 0] += 80.0
    assert np.array_equal(detect(x, DEFAULTS["cost"]).flag, scan_daily(x).flag)
    counts = [2, 1, 3, 2, 2, 1, 2, 3, 2, 2, 1, 2, 2, 14, 2]
    assert detect(counts, CountSettings(window=8)).events(0).equals(
        count_anomalies(counts, settings=CountSettings(window=8)))
    m = np.r_[np.tile([10.0, 12.0, 11.0, 13.0], 100), [60.0], np.tile([10.0, 12.0], 50)]
    assert np.array_equal(detect(m).flag[:, 0].astype(bool), detect_many(m)[0].alarm)


def test_the_nab_bench_scores_the_shipped_metric_mode() -> None:
    m = np.r_[np.tile([10.0, 12.0, 11.0, 13.0], 100), [60.0], np.tile([10.0, 12.0], 50)]
    assert np.array_equal(NAB_DETECTORS["opsreview"](m), detect(m, DEFAULTS["metric"]).nab_scores())
    assert np.flatnonzero(NAB_DETECTORS["opsreview"](m)).tolist() == [400]


def test_unknown_settings_are_rejected() -> None:
    with pytest.raises(ParameterError, match="settings must be"):
        mode_of({"z": 3})  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="1-D or 2-D"):
        detect(np.zeros((2, 2, 2)))
