"""Each kind declares the --option names it takes on its SourceKind, and ingest() refuses any other,
naming the kind, before the file is read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from analytics.errors import UsageError
from analytics.sources import LoadOptions, ingest, source_kinds
from analytics.warehouse import run

pytestmark = pytest.mark.unit

DECLARED = sorted(name for name, kind in source_kinds().items() if kind.options is not None)


def test_the_cost_delivery_and_slo_kinds_declare_their_options() -> None:
    kinds = source_kinds()
    assert kinds["github-actions"].options == ("workflow", "branch", "environment", "service", "team", "repo",
                                               "production", "rework")
    assert kinds["changes-csv"].options == ("source", "deployment_source", "production")
    assert kinds["oci"].options == ("currency", "duplicates")
    assert kinds["openslo"].options == () and kinds["sli"].options == ()
    assert DECLARED == ["aws-ce", "azure", "changes-csv", "deployments-csv", "focus", "focus-commitments",
                        "github-actions", "github-deployments", "oci", "openslo", "sli"]


@pytest.mark.parametrize("name", DECLARED)
def test_an_undeclared_option_is_refused_before_the_file_is_read(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                                 name: str) -> None:
    kind = source_kinds()[name]
    file = tmp_path / "not-read.csv"
    file.write_bytes(b"\xff\x00 not an export")  # any loader would refuse this file with another message
    options = {option: "x" for option in kind.options or ()} | {"zz_typo": "1"}
    known = ", ".join(kind.options or ()) or "none"
    with pytest.raises(UsageError) as caught:
        ingest(con, name, [str(file)], LoadOptions(extra=options))
    assert str(caught.value) == f"{name}: unknown --option 'zz_typo'; known: {known}"
    assert run(con, "SELECT count(*) FROM ingest_ledger") == [(0,)]


def test_auto_checks_the_options_of_the_kind_it_detects(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    file = tmp_path / "slos.yaml"
    file.write_text("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: checkout-availability}\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"^openslo: unknown --option 'colour'; known: none$"):
        ingest(con, "auto", [str(file)], LoadOptions(extra={"colour": "red"}))
