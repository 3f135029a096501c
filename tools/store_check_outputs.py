"""Copy the outputs of the cells marked ``# NBVAL_CHECK_OUTPUT`` from an executed notebook into the
committed one (which otherwise keeps no outputs), so nbval compares them on purpose.

Usage: python tools/store_check_outputs.py notebooks/incident_trends.ipynb EXECUTED.ipynb
Run it after changing the demo generator or the cell; the notebook hygiene test allows outputs
only on these cells.
"""

from __future__ import annotations

import sys

import nbformat


def main(source: str, executed: str) -> int:
    """Copy the checked cells' outputs; return the number of cells updated."""
    nb = nbformat.read(source, as_version=4)
    done = nbformat.read(executed, as_version=4)
    by_id = {c.get("id"): c for c in done.cells}
    updated = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in cell.source:
            twin = by_id.get(cell.get("id"))
            if twin is None:
                raise SystemExit(f"cell {cell.get('id')} not found in {executed}")
            cell.outputs = [o for o in twin.outputs if o.get("output_type") == "stream"]
            cell.execution_count = 1
            updated += 1
    nbformat.write(nb, source)
    return updated


if __name__ == "__main__":
    sys.stdout.write(f"{main(sys.argv[1], sys.argv[2])} cell(s) updated\n")
