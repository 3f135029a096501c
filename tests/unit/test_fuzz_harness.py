"""The loader fuzz suite's own tests: its mutations are reproducible and really mutate, and each of
its checks fails on the fault it is there to catch (a check that cannot fail proves nothing).

The suite itself: tests/integration/test_fuzz_loaders.py; the code: :mod:`tests.fuzz_loaders`.
"""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from analytics.sources import ingest
from tests.fuzz_loaders import (
    OPERATORS,
    Mutation,
    _cli,
    _problems,
    digest,
    file_format,
    focus_csv_billed_total,
    fuzz_seeds,
    implausible_values,
    latest_plausible,
    mutations,
    reference_timestamps,
)
from tests.loader_seeds import COST, Seed, with_offset

pytestmark = pytest.mark.unit

SEEDS = fuzz_seeds(Path("mapping.yaml"))


def test_mutations_are_reproducible_and_cover_every_seed_and_operator() -> None:
    first = mutations(SEEDS, count=400, seed=3)
    again = mutations(SEEDS, count=400, seed=3)
    other = mutations(SEEDS, count=400, seed=4)
    def key(ms: list[Mutation]) -> list[tuple]:
        return [(m.seed.name, m.operator, m.content) for m in ms]

    assert key(first) == key(again)
    assert [m.content for m in first] != [m.content for m in other]
    assert [m.number for m in first] == list(range(1, 401))
    assert all(m.content != m.seed.content for m in first)
    assert {(m.seed.kind, m.seed.name) for m in first} == {(s.kind, s.name) for s in SEEDS}
    assert {m.operator for m in first} == set(OPERATORS)


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operator_changes_csv_and_json_seeds(name: str) -> None:
    applied = {"csv": False, "json": False}
    for seed in SEEDS:
        fmt = file_format(seed.name)
        if applied.get(fmt, True):
            continue  # a YAML / JSON-lines seed, or a format already shown
        rng = random.Random(11)
        applied[fmt] = any(o is not None and o != seed.content
                           for o in (OPERATORS[name](rng, seed.content, fmt) for _ in range(8)))
    assert applied["csv"] and applied["json"], f"{name} never changed a CSV or never a JSON seed"


def test_the_operators_do_what_they_say() -> None:
    focus = next(s for s in SEEDS if s.kind == "focus")
    rng = random.Random(5)
    assert OPERATORS["nul"](rng, focus.content, "csv").count(b"\x00") == 1
    assert re.search(rb"(9999|2999|2100)-[0-9]{2}-[0-9]{2}", OPERATORS["year-9999"](rng, focus.content, "csv"))
    assert re.search(rb"(0000|0001|1899)-[0-9]{2}-[0-9]{2}", OPERATORS["year-0"](rng, focus.content, "csv"))
    assert re.search(rb"[0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-](99:00|14:30|23:59|9900))",
                     OPERATORS["offset-99"](rng, next(s for s in SEEDS if s.kind == "sli").content, "csv"))
    csv.field_size_limit(1 << 24)
    for i in range(4):
        cells = [c for row in csv.reader(io.StringIO(OPERATORS["huge-field"](random.Random(i), focus.content,
                                                                               "csv").decode())) for c in row]
        assert max(map(len, cells)) >= 1_000_000
    with pytest.raises(UnicodeDecodeError):
        OPERATORS["invalid-utf8"](random.Random(2), focus.content, "csv").decode("utf-8")
    lowered = OPERATORS["lowercase-header"](random.Random(0), focus.content, "csv")
    assert lowered.split(b"\n", 1)[0] in (focus.content.split(b"\n", 1)[0].lower(),
                                          focus.content.split(b"\n", 1)[0].upper())
    json_seed = next(s for s in SEEDS if s.kind == "pagerduty")
    doubled = OPERATORS["duplicate-key"](random.Random(0), json_seed.content, "json")
    assert doubled.count(b'": ') == json_seed.content.count(b'": ') + 1


# -- the checks fail on the faults they are for ---------------------------------------------------------------
def _loaded(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> int:
    path = tmp_path / "focus.csv"
    path.write_bytes(next(s for s in SEEDS if s.kind == "focus").content)
    return ingest(con, "focus", [str(path)])[0].file_id


def test_the_digest_sees_any_change(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    file_id = _loaded(con, tmp_path)
    before = digest(con)
    assert digest(con) == before
    con.execute("UPDATE cost SET ServiceName = ServiceName || ' ' WHERE rowid = (SELECT min(rowid) FROM cost)")
    changed = digest(con)
    assert changed != before
    con.execute("UPDATE ingest_ledger SET rows_read = rows_read + 1 WHERE file_id = $f", {"f": file_id})
    assert digest(con) != changed
    con.execute("ALTER TABLE services ADD COLUMN x INTEGER")
    assert digest(con) != changed


def test_implausible_values_are_found(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    file_id = _loaded(con, tmp_path)
    assert implausible_values(con, [file_id]) == []
    con.execute("UPDATE cost SET ConsumedQuantity = 'nan'::DOUBLE WHERE rowid = (SELECT min(rowid) FROM cost)")
    con.execute("UPDATE cost SET ChargeDescription = 'a' || chr(0) WHERE rowid = (SELECT max(rowid) FROM cost)")
    con.execute("UPDATE cost SET ChargePeriodEnd = '9999-01-01' WHERE rowid = (SELECT max(rowid) FROM cost)")
    found = " | ".join(implausible_values(con, [file_id]))
    assert "cost.ConsumedQuantity: 1 row(s) with NaN/Inf" in found
    assert "cost.ChargeDescription: 1 row(s) with NUL in text" in found
    assert "cost.ChargePeriodEnd: 1 row(s) with timestamp out of range" in found
    con.execute("UPDATE ingest_ledger SET warehouse_billed_total = warehouse_billed_total + 1 WHERE file_id = $f",
                {"f": file_id})
    assert "ledger source" in " ".join(implausible_values(con, [file_id]))


def test_the_plausible_range_is_2000_to_two_years_ahead() -> None:
    assert latest_plausible(date(2026, 12, 7)) == datetime(2028, 12, 8, tzinfo=UTC)
    assert latest_plausible(date(2028, 2, 29)) == datetime(2030, 3, 1, tzinfo=UTC)


def test_the_focus_total_is_summed_independently() -> None:
    sample = (COST / "focus" / "focus_sample_1.0.csv").read_bytes()
    head = b"".join(sample.splitlines(True)[:4])
    rows = list(csv.DictReader(io.StringIO(head.decode("utf-8-sig"))))
    assert focus_csv_billed_total(head) == sum(Decimal(r["BilledCost"]) for r in rows)
    assert focus_csv_billed_total(head.lower()) == focus_csv_billed_total(head)
    assert focus_csv_billed_total(b"a,b\n1,2\n") is None


def test_an_outcome_is_judged(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    seed = Seed("focus", "f.csv", lambda: b"")
    m = Mutation(1, seed, "nul", b"x")
    path = tmp_path / "m0001-nul-f.csv"
    same = digest(con)
    assert _problems(con, m, 2, f"opsreview: error: {path}: row 2: bad\n", path, same, same, 0) == []
    assert _problems(con, m, 2, "opsreview: error: row 2: bad\n", path, same, same, 0) == [
        "error does not name the file: opsreview: error: row 2: bad"]
    assert _problems(con, m, 2, f"{path}: a\n{path}: b\n", path, same, same, 0)[0].startswith("2 lines on stderr")
    changed = ("changed",)
    assert _problems(con, m, 2, f"{path}: bad\n", path, same, changed, 0) == ["warehouse changed by a refused load"]
    assert _problems(con, m, 1, "boom\n", path, same, same, 0) == ["exit code 1: boom"]
    assert _problems(con, m, None, "Traceback\nValueError: x\n", path, same, same, 0)[0].startswith("traceback")


def test_an_escaping_exception_is_caught_as_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import analytics.cli

    def explode(args: object) -> int:
        raise ValueError("not columns of cost")

    monkeypatch.setitem(analytics.cli.COMMANDS, "kinds", explode)
    code, err = _cli(["kinds"])
    assert code is None and "ValueError: not columns of cost" in err


def test_an_accepted_date_mutation_that_was_read_is_caught(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Stands in for a loader that read a shifted date: a -05:00 offset is plausible, so the SLI
    loader accepts it and stores instants five hours later than the seed's."""
    sli = next(s for s in SEEDS if s.kind == "sli")
    shifted = Mutation(1, sli, "offset-99", with_offset(sli.content, b"-05:00"))
    path = tmp_path / shifted.file_name
    path.write_bytes(shifted.content)
    before = digest(con)
    assert ingest(con, "sli", [str(path)])[0].rows_loaded > 0

    def reference(seed: Seed) -> list:
        return reference_timestamps(seed, tmp_path, tmp_path / "mapping.yaml")

    problems = _problems(con, shifted, 0, "", path, before, digest(con), 0, reference)
    assert len(problems) == 1 and problems[0].startswith("a mutated date was read instead of refused"), problems
    same = Mutation(2, sli, "offset-99", sli.content.replace(b"\n", b"\r\n"))
    path.write_bytes(same.content)
    last = con.execute("SELECT max(file_id) FROM ingest_ledger").fetchone()[0]
    ingest(con, "sli", [str(path)])
    assert _problems(con, same, 0, "", path, before, digest(con), last, reference) == []
