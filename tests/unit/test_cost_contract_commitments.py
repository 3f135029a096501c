"""FOCUS 1.3 Contract Commitment dataset (issue 13.8): its own table, ``auto`` and ``focus`` route it
there, row rules from the specification, and the contract commitment progress where commitments are
reported.

No public Contract Commitment file exists yet (FOCUS 1.3 introduced the dataset), so the fixtures
come from a seeded generator following the specification's 13 columns
(specification/datasets/contract_commitment/ in FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec). Every
expected value is computed here from the generated rows with ``csv`` / ``Decimal`` / ``datetime``.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.errors import ExportFormatError
from analytics.metrics import cost as cm
from analytics.periods import parse_period
from analytics.sources import LoadOptions, ingest, sniff_kind
from analytics.warehouse import run
from analytics.warehouse.ledger import LoadResult
from tests.unit import cost_inputs as ci
from tests.unit.test_cost_hostile import NOT_AMOUNT, NOT_NUMBER, NOT_TIMESTAMP, SETTINGS, CsvSpec, csv_case

pytestmark = pytest.mark.unit

HEADER: tuple[str, ...] = (
    "BillingCurrency", "ContractCommitmentCategory", "ContractCommitmentCost", "ContractCommitmentDescription",
    "ContractCommitmentId", "ContractCommitmentPeriodEnd", "ContractCommitmentPeriodStart",
    "ContractCommitmentQuantity", "ContractCommitmentType", "ContractCommitmentUnit", "ContractId",
    "ContractPeriodEnd", "ContractPeriodStart",
)  # fmt: skip


def commitment_rows(seed: int, *, n: int = 6) -> list[dict[str, str | None]]:
    """Seeded Contract Commitment rows: yearly spend commitments (2026) and quarterly usage commitments
    (Q3, Q2, Q4 2026 in turn) of two contracts, as the specification describes them."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        spend = i % 2 == 0
        start = datetime(2026, 1 if spend else (7, 4, 10)[(i // 2) % 3], 1, tzinfo=UTC)
        end = start.replace(year=2027) if spend else start.replace(month=start.month + 3) if start.month < 10 \
            else start.replace(year=2027, month=1)
        rows.append({
            "BillingCurrency": "USD" if spend or rng.random() < 0.5 else None,
            "ContractCommitmentCategory": "Spend" if spend else "Usage",
            "ContractCommitmentCost": ci.money(rng, low=10_000_00, high=90_000_00) if spend else None,
            "ContractCommitmentDescription": f"commitment {i}" if rng.random() < 0.7 else None,
            "ContractCommitmentId": f"cc-{seed}-{i}",
            "ContractCommitmentPeriodEnd": f"{end:%Y-%m-%dT%H:%M:%SZ}",
            "ContractCommitmentPeriodStart": f"{start:%Y-%m-%dT%H:%M:%SZ}",
            "ContractCommitmentQuantity": None if spend else str(rng.randint(100, 9_000)),
            "ContractCommitmentType": "Enterprise Discount Program" if spend else "Compute hours",
            "ContractCommitmentUnit": None if spend else "Hours",
            "ContractId": f"contract-{i % 2}",
            "ContractPeriodEnd": "2027-01-01T00:00:00Z",
            "ContractPeriodStart": "2026-01-01T00:00:00Z",
        })  # fmt: skip
    return rows


def commitment_csv(rows: list[dict[str, str | None]], header: tuple[str, ...] = HEADER) -> bytes:
    return ci.csv_bytes(header, [[r.get(h) for h in header] for r in rows])


def expected_table(rows: list[dict[str, str]]) -> list[tuple]:
    """The rows as contract_commitments must hold them, parsed independently."""
    def when(text: str) -> datetime:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))

    def text(value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    return sorted(
        (r["ContractCommitmentId"].strip(), r["ContractId"].strip(), r["ContractCommitmentCategory"].strip(),
         r["ContractCommitmentType"].strip(), text(r.get("ContractCommitmentDescription")),
         when(r["ContractCommitmentPeriodStart"]), when(r["ContractCommitmentPeriodEnd"]),
         Decimal(r["ContractCommitmentCost"].strip()) if text(r.get("ContractCommitmentCost")) else None,
         float(r["ContractCommitmentQuantity"]) if text(r.get("ContractCommitmentQuantity")) else None,
         text(r.get("ContractCommitmentUnit")),
         text(r.get("BillingCurrency")).upper() if text(r.get("BillingCurrency")) else None,  # type: ignore[union-attr]
         when(r["ContractPeriodStart"]), when(r["ContractPeriodEnd"]))
        for r in rows
    )  # fmt: skip


def warehouse_table(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    got = run(con, "SELECT ContractCommitmentId, ContractId, ContractCommitmentCategory, ContractCommitmentType, "
                   "ContractCommitmentDescription, ContractCommitmentPeriodStart, ContractCommitmentPeriodEnd, "
                   "ContractCommitmentCost, ContractCommitmentQuantity, ContractCommitmentUnit, BillingCurrency, "
                   "ContractPeriodStart, ContractPeriodEnd FROM contract_commitments")  # fmt: skip
    return sorted((*r[:7], None if r[7] is None else Decimal(r[7]).normalize() + 0, *r[8:]) for r in got)


def normalised(rows: list[tuple]) -> list[tuple]:
    return sorted((*r[:7], None if r[7] is None else r[7].normalize() + 0, *r[8:]) for r in rows)


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_the_dataset_loads_into_its_own_table_exactly(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rows = commitment_rows(3)
    path = write(tmp_path, "contract_commitment.csv", commitment_csv(rows))
    (result,) = ingest(con, "focus-commitments", [str(path)])
    assert (result.target_table, result.rows_loaded, result.rows_read) == ("contract_commitments", 6, 6)
    parsed = list(csv.DictReader(io.StringIO(path.read_text(), newline="")))
    assert warehouse_table(con) == normalised(expected_table(parsed))
    assert run(con, "SELECT count(*) FROM cost") == [(0,)]


def test_auto_and_focus_recognise_the_contract_commitment_file(con: duckdb.DuckDBPyConnection,
                                                               tmp_path: Path) -> None:  # fmt: skip
    path = write(tmp_path, "contract_commitment.csv", commitment_csv(commitment_rows(4)))
    assert sniff_kind(path).name == "focus-commitments"
    (result,) = ingest(con, "focus", [str(path)], LoadOptions(extra={"provider": "AWS"}))
    assert (result.kind, result.target_table, result.rows_loaded) == ("focus-commitments", "contract_commitments", 6)
    assert run(con, "SELECT DISTINCT ServiceProviderName FROM contract_commitments") == [("AWS",)]
    (auto,) = ingest(con, "auto", [str(path)])
    assert auto.status == "unchanged"  # the same file again: a no-op


def test_a_redelivered_commitment_replaces_the_row_with_its_id(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rows = commitment_rows(5)
    ingest(con, "focus-commitments", [str(write(tmp_path, "v1.csv", commitment_csv(rows)))])
    rows[0]["ContractCommitmentCost"] = "123456.78"
    (second,) = ingest(con, "focus-commitments", [str(write(tmp_path, "v2.csv", commitment_csv(rows[:2])))])
    assert (second.rows_loaded, second.rows_updated) == (2, 2)
    assert run(con, "SELECT count(*), count(DISTINCT ContractCommitmentId) FROM contract_commitments") == [(6, 6)]
    assert run(con, "SELECT ContractCommitmentCost FROM contract_commitments WHERE ContractCommitmentId = $i",
               {"i": rows[0]["ContractCommitmentId"]}) == [(Decimal("123456.78"),)]  # fmt: skip


@pytest.mark.parametrize(("column", "value", "message"), [
    ("ContractCommitmentCost", None, "is required when ContractCommitmentCategory is Spend"),
    ("ContractCommitmentCategory", "spend", "is not one of Spend, Usage"),
    ("ContractCommitmentPeriodEnd", "2025-06-01T00:00:00Z", "is not after ContractCommitmentPeriodStart"),
    ("ContractCommitmentId", "", "value is required but empty"),
    ("BillingCurrency", "dollars", "is not an ISO 4217 currency code"),
    ("ContractCommitmentCost", "12 USD", "is not a finite amount"),
    ("ContractPeriodStart", "next year", "is not a timestamp"),
])  # fmt: skip
def test_a_row_breaking_a_rule_of_the_specification_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                               column: str, value: str | None, message: str) -> None:
    rows = commitment_rows(6)
    rows[2][column] = value
    path = write(tmp_path, "cc.csv", commitment_csv(rows))
    before = ci.snapshot(con)
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "focus-commitments", [str(path)])
    assert (err.value.row, err.value.column) == (3, column) and message in str(err.value)
    assert ci.snapshot(con) == before


def test_an_id_twice_or_a_missing_column_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rows = commitment_rows(7)
    rows[4]["ContractCommitmentId"] = rows[1]["ContractCommitmentId"]
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "focus-commitments", [str(write(tmp_path, "twice.csv", commitment_csv(rows)))])
    assert (err.value.row, err.value.column) == (5, "ContractCommitmentId")
    header = tuple(h for h in HEADER if h != "ContractId")
    with pytest.raises(ExportFormatError) as err:
        ingest(con, "focus-commitments", [str(write(tmp_path, "noid.csv", commitment_csv(rows, header)))])
    assert err.value.column == "ContractId" and err.value.row is None


# -- where commitments are reported ---------------------------------------------------------------------
def cost_with_contracts(seed: int, commitments: list[dict[str, str | None]]) -> tuple[bytes, list[dict]]:
    """FOCUS 1.3 usage rows in 2026-07, each applying cost or quantity to one of the commitments."""
    rng = random.Random(seed)
    rows = ci.focus_rows(seed, n=12)
    applied = []
    for row in rows:
        row["ChargeCategory"] = "Usage"
        c = rng.choice(commitments)
        element: dict[str, object] = {"ContractId": c["ContractId"], "ContractCommitmentId": c["ContractCommitmentId"]}
        if c["ContractCommitmentCategory"] == "Spend":
            element["ContractCommitmentAppliedCost"] = float(row["BilledCost"])  # type: ignore[arg-type]
        else:
            element["ContractCommitmentAppliedQuantity"] = rng.randint(1, 40)
            element["ContractCommitmentAppliedUnit"] = "Hours"
        row["ContractApplied"] = json.dumps({"Elements": [element]})
        applied.append({"start": row["ChargePeriodStart"], **element})
    header = (*ci.FOCUS_HEADER, "ContractApplied")
    return ci.csv_bytes(header, [[r.get(h) for h in header] for r in rows]), applied


def test_contract_commitment_progress_is_reported(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    commitments = commitment_rows(8)
    ingest(con, "focus-commitments", [str(write(tmp_path, "cc.csv", commitment_csv(commitments)))])
    content, applied = cost_with_contracts(8, commitments)
    ingest(con, "focus", [str(write(tmp_path, "cost.csv", content))])
    quarter = parse_period("2026Q3")
    got = cm.contract_commitment_progress(con, quarter)
    window_end = datetime(2026, 10, 1, tzinfo=UTC)
    expected = {}
    for c in commitments:
        start = datetime.fromisoformat(c["ContractCommitmentPeriodStart"].replace("Z", "+00:00"))  # type: ignore[union-attr]
        end = datetime.fromisoformat(c["ContractCommitmentPeriodEnd"].replace("Z", "+00:00"))  # type: ignore[union-attr]
        if not (start < window_end and end > datetime(2026, 7, 1, tzinfo=UTC)):
            continue
        spend = c["ContractCommitmentCategory"] == "Spend"
        key = "ContractCommitmentAppliedCost" if spend else "ContractCommitmentAppliedQuantity"
        mine = [a for a in applied if a["ContractCommitmentId"] == c["ContractCommitmentId"]
                and start <= datetime.fromisoformat(a["start"].replace("Z", "+00:00")) < min(end, window_end)]
        total = sum((Decimal(str(a[key])) for a in mine), Decimal(0))
        committed = Decimal(c["ContractCommitmentCost"] if spend else c["ContractCommitmentQuantity"])  # type: ignore[arg-type]
        elapsed = (min(end, window_end) - start) / (end - start)
        expected[c["ContractCommitmentId"]] = (float(committed), float(total), len(mine), elapsed,
                                               float(total / committed), float(total / committed) >= elapsed)
    assert set(got["commitment_id"]) == set(expected) and len(expected) == 4  # three yearly, the Q3 one
    for row in got.itertuples():
        committed, total, charges, elapsed, fulfilled, on_track = expected[row.commitment_id]
        assert (row.committed, row.charges, bool(row.on_track)) == (pytest.approx(committed), charges, on_track)
        assert row.applied == pytest.approx(total, abs=1e-9) and row.elapsed == pytest.approx(elapsed, rel=1e-12)
        assert row.fulfilled == pytest.approx(fulfilled, rel=1e-12)
    assert cm.contract_commitment_progress(con, quarter, provider="GCP").empty


def test_the_quarterly_commitment_line_names_the_contract_commitments(con: duckdb.DuckDBPyConnection,
                                                                      tmp_path: Path) -> None:  # fmt: skip
    from analytics.metrics import quarterly

    commitments = commitment_rows(9)
    ingest(con, "focus-commitments", [str(write(tmp_path, "cc.csv", commitment_csv(commitments)))])
    content, _ = cost_with_contracts(9, commitments)
    ingest(con, "focus", [str(write(tmp_path, "cost.csv", content))])
    kpis = quarterly.cost_kpis(con, "2026Q3", quarterly.TargetBook())
    line = next(k for k in kpis if k.key == "commitment_utilisation")
    progress = cm.contract_commitment_progress(con, parse_period("2026Q3"))
    on_track = int(progress["on_track"].sum())
    assert f"contract commitments (FOCUS 1.3): {on_track} of {len(progress)} on track" in (line.missing or line.note)
    assert [c["commitment_id"] for c in line.details["contract_commitments"]] == list(progress["commitment_id"])


COMMITMENT_SPEC = CsvSpec(
    header=HEADER,
    required=("ContractCommitmentId", "ContractId", "ContractCommitmentCategory", "ContractCommitmentType",
              "ContractCommitmentPeriodStart", "ContractCommitmentPeriodEnd", "ContractPeriodStart",
              "ContractPeriodEnd", "ContractCommitmentCost"),  # every generated row of the hostile seed is Spend
    bad={
        "ContractCommitmentCost": NOT_AMOUNT,
        "ContractCommitmentQuantity": NOT_NUMBER,
        "ContractCommitmentPeriodStart": NOT_TIMESTAMP,
        "ContractPeriodEnd": NOT_TIMESTAMP,
        "ContractCommitmentCategory": st.sampled_from(["spend", "Commit", "Usage ", "💸"]),
        "BillingCurrency": st.sampled_from(["US", "DOLLAR", "12$", "€"]),
    },
    free_text=("ContractCommitmentDescription", "ContractCommitmentType"),
)


@SETTINGS
@given(seed=st.integers(0, 2**16), data=st.data())
def test_hostile_contract_commitment_csv(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory,
                                         seed: int, data: st.DataObject) -> None:  # fmt: skip
    from tests.unit.test_cost_hostile import check_load

    rows = commitment_rows(seed)
    for r in rows:  # all Spend: an emptied cost must be refused, a bad quantity too
        r.update({"ContractCommitmentCategory": "Spend", "BillingCurrency": "USD",
                  "ContractCommitmentCost": r["ContractCommitmentCost"] or "1000.50",
                  "ContractCommitmentQuantity": r["ContractCommitmentQuantity"] or "12"})  # fmt: skip
    content, expect = data.draw(csv_case(COMMITMENT_SPEC, rows))
    path = tmp_path_factory.mktemp("cc") / "contract_commitment.csv"
    path.write_bytes(content)
    parsed = ci.read_csv_bytes(content)

    def verify(con: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
        assert result.rows_loaded == result.rows_read
        if parsed is not None:
            assert warehouse_table(con) == normalised(expected_table(parsed))

    con.execute("DELETE FROM contract_commitments")  # each example starts from an empty table
    check_load(con, "focus-commitments", path, expect, verify)
