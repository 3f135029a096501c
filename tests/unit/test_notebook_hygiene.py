"""Committed notebooks: nbformat 4.5, kernelspec python3, a tagged parameters cell with the common
parameters, no code definitions, no narrative built inline (sentences come from analytics.narratives), and
no stored outputs except cells compared on purpose by nbval."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from analytics.params import COMMON_PARAMETERS

pytestmark = pytest.mark.unit
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_hygiene(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    declared = pm.inspect_notebook(str(path))
    assert set(COMMON_PARAMETERS) <= set(declared)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        defs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)]
        assert not defs, f"{path.name}: a def/class belongs in the package"
        assert "matplotlib.use" not in cell.source
        checked = "NBVAL_CHECK_OUTPUT" in cell.source
        if not checked:
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: stale output"
        assert "papermill" not in cell.metadata, f"{path.name}: executed-notebook metadata committed"
    assert "papermill" not in nb.metadata


def _built_inline(node: ast.AST) -> bool:
    """Whether a Markdown/HTML argument is assembled in the cell (an f-string, a join, a conditional) rather
    than returned by a narrative function or written as one constant."""
    return isinstance(node, ast.JoinedStr | ast.BinOp | ast.IfExp) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"join", "replace",
                                                                                                    "format"})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_narrative_comes_from_the_package(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"md", "HTML"}:
                assert not any(_built_inline(a) for a in node.args), (
                    f"{path.name}: a sentence built in a cell belongs in analytics/narratives: "
                    f"{ast.unparse(node)[:100]}")
