"""The NAB scorer against hand-computed scores of trivial detectors on toy corpora.

Every expected number below is derived by hand from the formulas of NAB v1.1's sweeper, as
docs/anomaly-quality.md ("What is measured") states them (using only ``math``), or, for
``test_reproduces_official_numenta_per_row_scores``, copied from NAB's own committed result files
``results/numenta/realTraffic/numenta_speed_7578.csv`` and ``results/numenta/numenta_standard_scores.csv``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.anomalies.nab import (
    PROFILES,
    Corpus,
    NabCorpusError,
    NabFile,
    load_corpus,
    nab_file,
    normalised_score,
    optimal_threshold,
    probationary_rows,
    row_weights,
    scaled_sigmoid,
    score_corpus,
    score_file,
)
from analytics.errors import AnalyticsError

pytestmark = pytest.mark.unit

N_ROWS = 200  # probation = floor(0.15 * 200) = 30
WINDOWS = ((50, 59), (100, 119), (150, 159))  # widths 10, 20, 10


def _sigma(y: float) -> float:
    """NAB's scaled sigmoid, written out independently of the module under test."""
    return -1.0 if y > 3 else 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def _stamp(i: int) -> str:
    """Timestamp of toy row ``i`` (one row per minute)."""
    return f"2020-01-01 {i // 60:02d}:{i % 60:02d}:00"


def _window_stamps(windows: tuple[tuple[int, int], ...]) -> list[list[str]]:
    """Windows as NAB label pairs with the ``.000000`` suffix NAB writes."""
    return [[_stamp(a) + ".000000", _stamp(b) + ".000000"] for a, b in windows]


def _toy_corpus(n_rows: int = N_ROWS, windows: tuple[tuple[int, int], ...] = WINDOWS) -> Corpus:
    """One-file corpus with the given windows."""
    f = nab_file(
        "toy/series.csv",
        [_stamp(i) for i in range(n_rows)],
        np.zeros(n_rows),
        _window_stamps(windows),
    )
    return Corpus(root=None, files={f.key: f})


def _fire(*rows: int, n_rows: int = N_ROWS) -> np.ndarray:
    """Binary detector output firing on ``rows``."""
    s = np.zeros(n_rows)
    s[list(rows)] = 1.0
    return s


def test_probationary_period_is_15_percent_capped_at_750() -> None:
    assert [probationary_rows(n) for n in (0, 6, 7, 200, 4032, 4999, 5000, 5001, 15902)] == [
        0,
        0,
        1,
        30,
        604,
        749,
        750,
        750,
        750,
    ]


def test_scaled_sigmoid_matches_formula() -> None:
    ys = [-1.0, -0.5, -0.1, 0.0, 0.5, 1.0, 2.999, 3.0, 3.0001, 50.0]
    np.testing.assert_allclose(scaled_sigmoid(ys), [_sigma(y) for y in ys], rtol=0, atol=1e-15)
    assert scaled_sigmoid(-1.0) == pytest.approx(0.9866142981514303, abs=1e-15)


def _toy_file(n_rows: int = N_ROWS, windows: tuple[tuple[int, int], ...] = WINDOWS) -> NabFile:
    return _toy_corpus(n_rows, windows).files["toy/series.csv"]


def test_row_weights_by_hand() -> None:
    w = row_weights(_toy_file(), profile="standard")
    max_tp = _sigma(-1.0)
    assert w[0] == w[49] == -0.11  # no window before: full A_FP
    assert w[50] == pytest.approx(1.0, abs=1e-15)  # first row of a window earns A_TP exactly
    assert w[59] == pytest.approx(_sigma(-1 / 10) / max_tp, abs=1e-15)  # last row: small but > 0
    assert 0 < w[59] < 0.26
    assert w[55] == pytest.approx(_sigma(-(59 - 55 + 1) / 10) / max_tp, abs=1e-15)
    assert w[60] == pytest.approx(0.11 * _sigma(1 / 9), abs=1e-15)  # right after the window
    assert w[68] == pytest.approx(0.11 * _sigma(1.0), abs=1e-15)  # y = 1: ≈ -0.987 A_FP
    assert w[68] == pytest.approx(-0.11 * 0.9866142981514303, abs=1e-15)
    assert w[87] == -0.11  # y = 28/9 > 3: full A_FP
    assert w[86] == pytest.approx(0.11 * _sigma(3.0), abs=1e-15)  # y = 3 exactly: still sigmoid
    assert w[99] == pytest.approx(0.11 * _sigma(40 / 9), abs=1e-15)  # relative to window 1 still
    assert w[120] == pytest.approx(0.11 * _sigma(1 / 19), abs=1e-15)  # now relative to window 2
    assert np.all(np.diff(w[50:60]) < 0)  # earlier detection always pays more


def test_row_weights_scale_with_profile() -> None:
    low_fp = row_weights(_toy_file(), profile="reward_low_FP_rate")
    std = row_weights(_toy_file(), profile="standard")
    inside = np.zeros(N_ROWS, dtype=bool)
    for a, b in WINDOWS:
        inside[a : b + 1] = True
    np.testing.assert_allclose(low_fp[inside], std[inside], atol=0)
    np.testing.assert_allclose(low_fp[~inside], 2 * std[~inside], atol=1e-15)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_detector_on_first_row_of_every_window_scores_100(profile: str) -> None:
    corpus = _toy_corpus()
    result = score_corpus({"toy/series.csv": _fire(50, 100, 150)}, corpus, profile=profile)
    assert result.raw_score == pytest.approx(3.0, abs=1e-12)
    assert result.normalised == pytest.approx(100.0, abs=1e-9)
    assert result.threshold == 1.0


@pytest.mark.parametrize(
    ("profile", "null"),
    [("standard", -3.0), ("reward_low_FP_rate", -3.0), ("reward_low_FN_rate", -6.0)],
)
def test_null_detector_scores_0(profile: str, null: float) -> None:
    result = score_corpus({"toy/series.csv": np.zeros(N_ROWS)}, _toy_corpus(), profile=profile)
    assert result.threshold == 1.1  # "detect nothing"
    assert result.raw_score == null == result.null_score
    assert result.normalised == 0.0


def test_detection_right_after_a_window_costs_almost_nothing() -> None:
    corpus = _toy_corpus()
    perfect = _fire(50, 100, 150)
    after = _fire(50, 100, 150, 60)
    f = corpus.files["toy/series.csv"]
    cost = score_file(after, f, threshold=0.5).score - score_file(perfect, f, threshold=0.5).score
    assert cost == pytest.approx(0.11 * _sigma(1 / 9), abs=1e-12)
    assert -0.11 * 0.3 < cost < 0
    # With a NAB-sized window (width 400) the cost right after the window is ~0.
    wide = _toy_corpus(n_rows=2000, windows=((1000, 1399),))
    cost_wide = score_file(
        _fire(1000, 1400, n_rows=2000), wide.files["toy/series.csv"], threshold=0.5
    )
    assert cost_wide.score - 1.0 == pytest.approx(0.11 * _sigma(1 / 399), abs=1e-12)
    assert abs(cost_wide.score - 1.0) < 1e-3


def test_detection_three_window_widths_later_costs_full_a_fp() -> None:
    f = _toy_corpus().files["toy/series.csv"]
    base = score_file(_fire(50, 100, 150), f, threshold=0.5).score
    # 59 + 3*(10-1) + 1 = 87: y = 28/9 > 3
    late = score_file(_fire(50, 100, 150, 87), f, threshold=0.5)
    assert late.score - base == pytest.approx(-0.11, abs=1e-12)
    assert late.false_positives == 1
    # exactly three widths later (y = 3) is still on the sigmoid, a hair above -A_FP
    at3 = score_file(_fire(50, 100, 150, 86), f, threshold=0.5)
    assert at3.score - base == pytest.approx(0.11 * _sigma(3.0), abs=1e-12)


def test_detection_in_probationary_period_counts_nothing() -> None:
    corpus = _toy_corpus()
    f = corpus.files["toy/series.csv"]
    assert f.probation == 30
    assert score_file(_fire(29), f, threshold=0.5).score == -3.0
    assert score_file(_fire(0, 10, 29), f, threshold=0.5).false_positives == 0
    assert score_file(_fire(30), f, threshold=0.5).score == pytest.approx(-3.11, abs=1e-12)
    result = score_corpus({"toy/series.csv": _fire(5, 29)}, corpus)
    assert (result.threshold, result.raw_score, result.normalised) == (1.1, -3.0, 0.0)


def test_only_the_earliest_detection_in_a_window_counts() -> None:
    f = _toy_corpus().files["toy/series.csv"]
    late_only = score_file(_fire(57), f, threshold=0.5)
    assert late_only.score == pytest.approx(_sigma(-3 / 10) / _sigma(-1) - 2.0, abs=1e-12)
    both = score_file(_fire(55, 57, 59), f, threshold=0.5)
    assert both.score == pytest.approx(_sigma(-5 / 10) / _sigma(-1) - 2.0, abs=1e-12)
    assert (both.detected_windows, both.missed_windows, both.false_positives) == (1, 2, 0)


def test_missed_window_costs_a_fn_of_the_profile() -> None:
    f = _toy_corpus().files["toy/series.csv"]
    assert score_file(_fire(50, 100), f, threshold=0.5, profile="standard").score == pytest.approx(
        1.0
    )
    assert score_file(_fire(50, 100), f, threshold=0.5, profile="reward_low_FN_rate").score == (
        pytest.approx(0.0)
    )


def test_every_detection_outside_windows_counts_separately() -> None:
    f = _toy_corpus().files["toy/series.csv"]
    many = score_file(_fire(31, 32, 33, 34, 35), f, threshold=0.5)
    assert many.false_positives == 5
    assert many.score == pytest.approx(-3.0 - 5 * 0.11, abs=1e-12)


def test_ties_go_to_the_highest_threshold() -> None:
    corpus = _toy_corpus()
    s = np.zeros(N_ROWS)
    s[50] = 0.9  # earliest row of window 1: +2 over missing it
    s[52] = 0.5  # later row of the same window: adds exactly nothing once row 50 is detected
    result = score_corpus({"toy/series.csv": s}, corpus)
    assert result.threshold == 0.9
    assert result.raw_score == pytest.approx(-1.0, abs=1e-12)
    # a group of equal scores whose weights cancel ties with "detect nothing": 1.1 wins
    assert optimal_threshold(
        np.array([0.7, 0.7, 0.2]), np.array([0.25, -0.25, -0.11]), np.array([-1, -1, -1]), a_fn=1.0
    ) == (1.1, 0.0)


def test_threshold_below_the_best_is_not_chosen_when_it_adds_false_positives() -> None:
    corpus = _toy_corpus()
    s = np.zeros(N_ROWS)
    s[[50, 100, 150]] = 0.8
    s[[35, 36, 37]] = 0.4  # three far false positives at a lower score
    result = score_corpus({"toy/series.csv": s}, corpus)
    assert (result.threshold, result.raw_score) == (0.8, pytest.approx(3.0))


@settings(max_examples=40, deadline=None, database=None)
@given(
    st.lists(
        st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]), min_size=N_ROWS, max_size=N_ROWS
    )
)
def test_sweep_matches_brute_force_over_all_thresholds(values: list[float]) -> None:
    corpus = _toy_corpus()
    f = corpus.files["toy/series.csv"]
    s = np.asarray(values)
    for profile in PROFILES:
        result = score_corpus({f.key: s}, corpus, profile=profile)
        candidates = [1.1, *sorted(set(s[f.probation :].tolist()), reverse=True)]
        totals = [score_file(s, f, threshold=t, profile=profile).score for t in candidates]
        best = max(totals)
        expected = next(t for t, v in zip(candidates, totals, strict=True) if v >= best - 1e-9)
        assert result.threshold == expected
        assert result.raw_score == pytest.approx(best, abs=1e-9)


def test_reproduces_official_numenta_per_row_scores() -> None:
    """realTraffic/speed_7578.csv: 1127 rows, NAB's windows, numenta's detections at θ = 0.5127.

    The rows with numenta anomaly_score ≥ 0.5126953125 in NAB's results file are 363, 632, 679
    (outside windows) and 754, 924, 960, 966 (inside). NAB's file records the per-row values
    -0.109276714495 / -0.21855342899 (FP at row 363, standard / low FP), -0.11 (far FPs),
    0.871604206333 and 0.847084961863 (TP windows 2-4) and -1 / -2 (missed window 1), and the
    file score 1.23649741556 (numenta_standard_scores.csv).
    """
    windows = ((303, 331), (740, 768), (909, 937), (945, 973))
    f = _toy_corpus(n_rows=1127, windows=windows).files["toy/series.csv"]
    s = _fire(363, 632, 679, 754, 924, 960, 966, n_rows=1127)
    std = row_weights(f, profile="standard")
    assert std[363] == pytest.approx(-0.109276714495, abs=1e-12)
    assert std[754] == pytest.approx(0.871604206333, abs=1e-12)
    assert std[924] == pytest.approx(0.847084961863, abs=1e-12)
    assert std[960] == pytest.approx(0.847084961863, abs=1e-12)
    assert row_weights(f, profile="reward_low_FP_rate")[363] == pytest.approx(
        -0.21855342899, abs=1e-11
    )
    assert score_file(s, f, threshold=0.5).score == pytest.approx(1.23649741556, abs=1e-11)
    tp = 0.871604206333 + 2 * 0.847084961863
    assert score_file(s, f, threshold=0.5, profile="reward_low_FP_rate").score == pytest.approx(
        tp - 1 - 0.21855342899 - 0.44, abs=1e-11
    )
    assert score_file(s, f, threshold=0.5, profile="reward_low_FN_rate").score == pytest.approx(
        tp - 2 - 0.109276714495 - 0.22, abs=1e-11
    )


def test_normalisation_formula() -> None:
    assert normalised_score(-116.0, n_windows=116) == 0.0
    assert normalised_score(116.0, n_windows=116) == 100.0
    assert normalised_score(46.63, n_windows=116) == pytest.approx(100 * (46.63 + 116) / 232)
    assert normalised_score(-232.0, n_windows=116, profile="reward_low_FN_rate") == 0.0
    assert normalised_score(-300.0, n_windows=116) < 0
    with pytest.raises(NabCorpusError, match="no windows"):
        normalised_score(0.0, n_windows=0)


def _write_corpus(root: Path, files: dict[str, list[str]], labels: dict[str, object]) -> Path:
    """A NAB-layout folder: data/<category>/<file>.csv plus labels/combined_windows.json."""
    for key, lines in files.items():
        path = root / "data" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "labels").mkdir(parents=True, exist_ok=True)
    (root / "labels" / "combined_windows.json").write_text(json.dumps(labels), encoding="utf-8")
    return root


def _lines(n: int, *, value: str = "1.5") -> list[str]:
    """CSV lines of a regular toy series."""
    return ["timestamp,value", *(f"{_stamp(i)},{value}" for i in range(n))]


def test_load_corpus_reads_layout_and_maps_windows(tmp_path: Path) -> None:
    root = _write_corpus(
        tmp_path,
        {"catA/a.csv": _lines(200), "catB/b.csv": _lines(100)},
        {"catA/a.csv": _window_stamps(((50, 59),)), "catB/b.csv": [], "catC/unused.csv": []},
    )
    corpus = load_corpus(root)
    assert list(corpus.files) == ["catA/a.csv", "catB/b.csv"]
    assert corpus.files["catA/a.csv"].windows == ((50, 59),)
    assert (corpus.n_windows, corpus.n_rows) == (1, 300)
    assert corpus.files["catA/a.csv"].category == "catA"
    assert corpus.files["catA/a.csv"].name == "a"


@pytest.mark.parametrize(
    ("files", "labels", "message"),
    [
        ({"c/a.csv": _lines(100)}, {}, "no entry 'c/a.csv'"),
        (
            {"c/a.csv": _lines(100)},
            {"c/a.csv": [["2021-01-01 00:00:00", "2021-01-01 00:05:00"]]},
            "not a row of the file",
        ),
        ({"c/a.csv": ["time,value", f"{_stamp(0)},1"]}, {"c/a.csv": []}, "header"),
        ({"c/a.csv": [*_lines(100), "2020-01-02 00:00:00,abc"]}, {"c/a.csv": []}, "not a number"),
        ({"c/a.csv": [*_lines(100), "2020/01/02 00:00,1"]}, {"c/a.csv": []}, "YYYY-mm-dd"),
        ({"c/a.csv": _lines(100)}, {"c/a.csv": _window_stamps(((60, 50),))}, "ends before"),
        ({"c/a.csv": _lines(100)}, {"c/a.csv": [[_stamp(40), _stamp(40)]]}, "divides by zero"),
        ({"c/a.csv": _lines(100)}, {"c/a.csv": [[_stamp(40) + ".5", _stamp(50)]]}, "fraction"),
        ({"c/a.csv": _lines(100)}, {"c/a.csv": [[_stamp(40)]]}, "not a \\[start, end\\] pair"),
        ({"c/a.csv": _lines(100)}, {"c/a.csv": "oops"}, "not a list"),
    ],
)
def test_malformed_corpus_raises_naming_the_file(
    tmp_path: Path, files: dict[str, list[str]], labels: dict[str, object], message: str
) -> None:
    root = _write_corpus(tmp_path, files, labels)
    with pytest.raises(NabCorpusError, match=message) as info:
        load_corpus(root)
    assert "a.csv" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, AnalyticsError)


def test_missing_labels_or_data(tmp_path: Path) -> None:
    with pytest.raises(NabCorpusError, match="labels file not found"):
        load_corpus(tmp_path)
    _write_corpus(tmp_path, {}, {})
    with pytest.raises(NabCorpusError, match="no data/"):
        load_corpus(tmp_path)


def test_bad_detector_output_is_rejected() -> None:
    corpus = _toy_corpus()
    with pytest.raises(NabCorpusError, match="not in \\[0, 1\\]"):
        score_corpus({"toy/series.csv": np.full(N_ROWS, 1.5)}, corpus)
    with pytest.raises(NabCorpusError, match="not in \\[0, 1\\]"):
        score_corpus({"toy/series.csv": np.full(N_ROWS, np.nan)}, corpus)
    with pytest.raises(NabCorpusError, match="199 anomaly scores for 200 rows"):
        score_corpus({"toy/series.csv": np.zeros(N_ROWS - 1)}, corpus)
    with pytest.raises(NabCorpusError, match="no anomaly scores"):
        score_corpus({}, corpus)
    with pytest.raises(NabCorpusError, match="not in the corpus"):
        score_corpus({"toy/series.csv": np.zeros(N_ROWS), "other.csv": np.zeros(3)}, corpus)
    with pytest.raises(NabCorpusError, match="unknown NAB profile"):
        score_corpus({"toy/series.csv": np.zeros(N_ROWS)}, corpus, profile="lenient")


# -- the real corpus' quirks, mapped as NAB's sweeper does (rows in file order) -------------------
def _minutes(*minutes: int) -> list[str]:
    """Timestamps of rows stamped at the given minutes, in that (file) order."""
    return [f"2020-01-01 00:{m:02d}:00" for m in minutes]


def _quirk_file(minutes: list[int], windows: list[tuple[int, int]]) -> NabFile:
    stamps = _minutes(*minutes)
    labels = [[f"2020-01-01 00:{a:02d}:00.000000", f"2020-01-01 00:{b:02d}:00.000000"] for a, b in windows]
    return nab_file("quirk/a.csv", stamps, np.zeros(len(stamps)), labels)


def test_duplicate_and_backward_timestamps_stay_rows_in_file_order() -> None:
    """Rows at minutes 0..5, 5 again, 6..9, then 4 (a step back), then 10..17: 20 rows, probation 3.
    Window [6, 8] is rows 7..9 (width 3); the step-back row 11 is outside it, 2 rows after its end.
    Detections on rows 8 and 11: σ(−2/3)/σ(−1) for the window, A_FP·σ(|9 − 11|/(3 − 1)) for row 11."""
    minutes = [0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 4, *range(10, 18)]
    f = _quirk_file(minutes, [(6, 8)])
    assert f.windows == ((7, 9),)
    assert f.window_ids.tolist() == [-1] * 7 + [0, 0, 0] + [-1] * 10
    assert f.labels()[11] == 0  # by value, minute 4 is outside [6, 8] too
    s = _fire(8, 11, n_rows=20)
    by_hand = _sigma(-2 / 3) / _sigma(-1) + 0.11 * _sigma(1.0)
    result = score_file(s, f, threshold=0.5)
    assert result.score == pytest.approx(by_hand, abs=1e-12)
    assert (result.detected_windows, result.false_positives) == (1, 1)


def test_a_window_bound_that_repeats_a_timestamp_uses_its_first_rows() -> None:
    """Minutes 0..10, 10, 11, 12, 12, 13..17 (20 rows). Window [10, 12]: entered on the first row
    stamped 10 (row 10), right index = first row stamped 12 (row 13), width 13 − 10 + 1 = 4, left
    after row 13. The second row stamped 12 (row 14) is outside the window for the sweep, although
    NAB's label column marks it 1; the second row stamped 10 (row 11) is inside."""
    minutes = [*range(11), 10, 11, 12, 12, *range(13, 18)]
    f = _quirk_file(minutes, [(10, 12)])
    assert f.windows == ((10, 13),)
    assert f.window_ids[9:16].tolist() == [-1, 0, 0, 0, 0, -1, -1]
    assert f.labels()[9:16].tolist() == [0, 1, 1, 1, 1, 1, 0]
    only_dup_end = score_file(_fire(14, n_rows=20), f, threshold=0.5)
    assert only_dup_end.score == pytest.approx(-1.0 + 0.11 * _sigma(1 / 3), abs=1e-12)
    assert (only_dup_end.detected_windows, only_dup_end.false_positives) == (0, 1)
    dup_start = score_file(_fire(11, 14, n_rows=20), f, threshold=0.5)
    assert dup_start.score == pytest.approx(_sigma(-3 / 4) / _sigma(-1) + 0.11 * _sigma(1 / 3), abs=1e-12)


def test_a_window_start_seen_again_after_the_window_is_not_entered_again() -> None:
    """Minutes 0..9, then 5 again, then 10..18 (20 rows). Window [5, 7] is rows 5..7; the row
    stamped 5 after it (row 10) is outside, 3 rows past the end: A_FP·σ(3/2)."""
    minutes = [*range(10), 5, *range(10, 19)]
    f = _quirk_file(minutes, [(5, 7)])
    assert f.window_ids[4:12].tolist() == [-1, 0, 0, 0, -1, -1, -1, -1]
    result = score_file(_fire(5, 10, n_rows=20), f, threshold=0.5)
    assert result.score == pytest.approx(1.0 + 0.11 * _sigma(3 / 2), abs=1e-12)


def test_overlapping_windows_switch_on_the_next_start_as_the_sweeper_does() -> None:
    """Windows [5, 9] and [7, 12] on a regular 20-row file: the sweep enters the second window on
    row 7 without leaving the first, so rows 5, 6 are window 0 (right index 9, width 5) and rows
    7..12 window 1 (width 6); row 13 is measured from row 12: A_FP·σ(1/5)."""
    f = _quirk_file(list(range(20)), [(5, 9), (7, 12)])
    assert f.window_ids[4:14].tolist() == [-1, 0, 0, 1, 1, 1, 1, 1, 1, -1]
    result = score_file(_fire(6, 7, 13, n_rows=20), f, threshold=0.5)
    by_hand = _sigma(-(9 - 6 + 1) / 5) / _sigma(-1) + 1.0 + 0.11 * _sigma(1 / 5)
    assert result.score == pytest.approx(by_hand, abs=1e-12)


def test_windows_in_the_probationary_period_count_as_nab_counts_them() -> None:
    """20 rows, probation 3. Window [0, 1] lies wholly in probation: no scorable row, so it is in
    neither the score nor S_null, but S_perfect counts it (NAB counts the label file's windows).
    Window [2, 5] starts in probation: rows 3..5 score, row 3 earns σ(−(5 − 3 + 1)/4)/σ(−1)."""
    f = _quirk_file(list(range(20)), [(0, 1), (2, 5)])
    assert f.probation == 3 and f.scored_windows == 1
    one = score_file(_fire(3, n_rows=20), f, threshold=0.5)
    assert one.score == pytest.approx(_sigma(-3 / 4) / _sigma(-1), abs=1e-12)
    assert (one.detected_windows, one.missed_windows) == (1, 0)
    corpus = Corpus(root=None, files={f.key: f})
    result = score_corpus({f.key: _fire(3, n_rows=20)}, corpus)
    assert (result.null_score, result.perfect_score) == (-1.0, 2.0)
    assert result.normalised == pytest.approx(100 * (_sigma(-3 / 4) / _sigma(-1) + 1) / 3, abs=1e-6)  # raw to 9 dp


def test_load_corpus_takes_a_file_that_steps_back_in_time(tmp_path: Path) -> None:
    lines = ["timestamp,value", *(f"{t},1.0" for t in _minutes(*range(30), 12, 12, *range(30, 40)))]
    root = _write_corpus(tmp_path, {"c/a.csv": lines}, {"c/a.csv": [[_minutes(20)[0], _minutes(25)[0]]]})
    f = load_corpus(root).files["c/a.csv"]
    assert f.n_rows == 42 and f.windows == ((20, 25),)
