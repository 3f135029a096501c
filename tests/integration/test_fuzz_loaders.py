"""Issue 15 "Done when": 1,200 seeded mutations of the real samples (and, for the kinds without a
public sample, of the seeded generators) through ``opsreview ingest`` in-process, with 0
tracebacks, 0 implausible values accepted and the warehouse unchanged after every refusal.

The generator and the checks are :mod:`tests.fuzz_loaders` (their own tests:
``tests/unit/test_fuzz_harness.py``). The counts by kind and operator are printed; reproduce a run
or look at a failure with ``python -m tests.fuzz_loaders [COUNT] [SEED]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.sources import source_kinds
from tests.fuzz_loaders import DEFAULT_COUNT, OPERATORS, FuzzRun, default_workers, fuzz_seeds

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[FuzzRun]:
    run = FuzzRun(tmp_path_factory.mktemp("fuzz"), count=DEFAULT_COUNT, workers=default_workers()).run()
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n" + run.table())
    yield run


def _listed(outcomes: list, limit: int = 15) -> str:
    return "\n".join(f"{o.label}: {'; '.join(o.problems) or o.stderr.strip()[:300]}" for o in outcomes[:limit])


def test_at_least_a_thousand_files_of_every_kind_and_operator(fuzz: FuzzRun) -> None:
    assert len(fuzz.outcomes) == DEFAULT_COUNT >= 1000
    kinds = {o.kind for o in fuzz.outcomes}
    assert kinds == {s.kind for s in fuzz_seeds(Path("mapping.yaml"))}
    assert kinds >= set(source_kinds()), "a loader kind without a fuzz seed (tests/loader_seeds.py)"
    assert {o.operator for o in fuzz.outcomes} == set(OPERATORS)
    # both paths are exercised: plenty of files are accepted (and checked), plenty refused
    assert sum(o.accepted for o in fuzz.outcomes) >= 200 and sum(o.refused for o in fuzz.outcomes) >= 500


def test_no_traceback_and_only_exit_0_or_2(fuzz: FuzzRun) -> None:
    bad = [o for o in fuzz.outcomes if o.exit_code not in (0, 2)]
    assert not bad, _listed(bad)


def test_every_refusal_is_one_line_naming_the_file_and_changes_nothing(fuzz: FuzzRun) -> None:
    bad = [o for o in fuzz.outcomes if o.refused and o.problems]
    assert not bad, _listed(bad)


def test_refusals_carry_no_raw_library_message(fuzz: FuzzRun) -> None:
    assert not fuzz.raw_messages, _listed(fuzz.raw_messages)


def test_accepted_files_store_only_plausible_reconciled_values(fuzz: FuzzRun) -> None:
    bad = [o for o in fuzz.outcomes if o.accepted and o.problems]
    assert not bad, _listed(bad)
