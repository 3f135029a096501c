"""The seeded NAB-like generator of the metric mode's synthetic transfer check (bench/nab_synthetic.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

pytestmark = pytest.mark.unit


def _bench_module() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "nab_synthetic.py"
    spec = importlib.util.spec_from_file_location("nab_synthetic", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["nab_synthetic"] = module
    spec.loader.exec_module(module)
    return module


gen = _bench_module()


def test_seeds_are_deterministic_and_pick_their_kind() -> None:
    a, b = gen.generate(103), gen.generate(103)
    np.testing.assert_array_equal(a.values, b.values)
    assert a.anomalies == b.anomalies
    assert [gen.generate(s).kind for s in range(6)] == list(gen.KINDS)
    assert gen.generate(5).anomalies == ()  # kind "none"


def test_windows_are_nab_sized_and_centred() -> None:
    # 5,000 rows, 2 anomalies: ⌊0.10·5000/2⌋ = 250 rows, 125 either side, clipped at row 4,999.
    # From 2026-01-05 00:00 in 5-minute rows: row 875 = 72 h 55 min, row 1,125 = 93 h 45 min,
    # row 4,825 = 402 h 05 min, row 4,999 = 416 h 35 min.
    got = gen.nab_windows(5000, [1000, 4950])
    assert got == [["2026-01-08 00:55:00.000000", "2026-01-08 21:45:00.000000"],
                   ["2026-01-21 18:05:00.000000", "2026-01-22 08:35:00.000000"]]
    assert gen.nab_windows(5000, []) == []


def test_every_kind_plants_what_it_says() -> None:
    stuck = next(gen.generate(s) for s in range(200, 260) if s % 6 == gen.KINDS.index("stuck"))
    t0 = stuck.anomalies[0]
    assert np.ptp(stuck.values[t0:t0 + 24]) == 0.0 and np.ptp(stuck.values[t0 - 24:t0]) > 0.0
    corpus = gen.synthetic_corpus(range(200, 212))
    assert len(corpus.files) == 12
    for key, file in corpus.files.items():
        series = gen.generate(int(key[-8:-4]))
        assert len(file.windows) == len(series.anomalies)
        for (first, last), t0 in zip(file.windows, series.anomalies, strict=True):
            assert first <= t0 <= last and t0 >= 0.2 * file.n_rows
