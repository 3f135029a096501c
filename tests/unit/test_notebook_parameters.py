"""Parameters are declared once (issue 12.3): each report notebook's ``parameters`` cell states exactly the
names, types, defaults and comments of its ``*Params`` dataclass (analytics/params.py), the validation cell
reads them with ``from_notebook(globals())`` instead of listing them again, and ``from_raw`` is derived from
the dataclass fields."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import papermill as pm
import pytest

from analytics.errors import ParameterError
from analytics.params import COMMON_PARAMETERS, REPORT_PARAMS, ReportParams

pytestmark = pytest.mark.unit
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
REPORTS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb") if not p.name.startswith("_"))


def cells(name: str) -> list[dict[str, object]]:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]


def parameters_cell(name: str) -> str:
    [cell] = [c for c in cells(name) if "parameters" in c.get("metadata", {}).get("tags", [])]  # type: ignore[union-attr]
    return "".join(cell["source"])  # type: ignore[arg-type]


def test_every_report_notebook_has_a_params_class() -> None:
    assert sorted(REPORT_PARAMS) == REPORTS
    for name, cls in REPORT_PARAMS.items():
        assert cls.notebook == name and issubclass(cls, ReportParams)


@pytest.mark.parametrize("name", REPORTS)
def test_the_parameters_cell_is_the_dataclass(name: str) -> None:
    cls = REPORT_PARAMS[name]
    declared = pm.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))  # what the runner checks -p against
    expected = cls.parameters()
    assert list(declared) == list(expected), "names and order"
    for parameter, spec in expected.items():
        seen = declared[parameter]
        assert seen["inferred_type_name"] == spec.kind.__name__, parameter
        default = ast.literal_eval(seen["default"])
        assert (default, type(default)) == (spec.default, type(spec.default)), parameter
        assert seen["help"] == spec.doc, parameter
    assert parameters_cell(name) == cls.parameters_cell(), "regenerate the cell from the dataclass"


@pytest.mark.parametrize("name", REPORTS)
def test_the_validation_cell_reads_the_parameters_instead_of_listing_them(name: str) -> None:
    cls = REPORT_PARAMS[name]
    code = "\n".join("".join(c["source"]) for c in cells(name) if c["cell_type"] == "code")  # type: ignore[arg-type]
    assert f"params = {cls.__name__}.from_notebook(globals())" in code
    assert "from_raw(" not in code


def comparable(params: ReportParams) -> dict[str, object]:
    """Field values, a targets book by its contents (it has no equality of its own)."""
    return {f.name: vars(v) if type(v).__name__ == "TargetBook" else v
            for f in dataclasses.fields(params) for v in [getattr(params, f.name)]}


@pytest.mark.parametrize("name", REPORTS)
def test_from_raw_is_derived_from_the_fields(name: str) -> None:
    cls = REPORT_PARAMS[name]
    names = [f.name for f in dataclasses.fields(cls)]
    assert names == list(cls.parameters()) and tuple(names[:3]) == COMMON_PARAMETERS
    namespace: dict[str, object] = {}
    exec(parameters_cell(name), namespace)  # the cell's own defaults, as a notebook run without -p sees them
    overrides = {"warehouse": ":memory:"}
    from_cell = cls.from_notebook({**namespace, **overrides})
    assert comparable(from_cell) == comparable(cls.from_raw(**overrides))
    assert from_cell.context.period.label == "2026Q3"
    with pytest.raises(ParameterError, match=f"{name} has no parameter 'colour'"):
        cls.from_raw(colour="blue")
    with pytest.raises(ParameterError, match="does not set period"):
        cls.from_notebook({k: v for k, v in namespace.items() if k != "period"})


def test_library_defaults_agree_with_the_notebook_defaults() -> None:
    from analytics.anomalies import cost as ca
    from analytics.metrics import delivery as dm
    from analytics.metrics import quarterly as qr

    review = REPORT_PARAMS["quarterly_review"].from_raw(warehouse=":memory:")
    assert review.options == qr.ReviewOptions()
    assert (review.hourly_rate, review.history) == (qr.DEFAULT_HOURLY_RATE, qr.HISTORY)
    anomalies = REPORT_PARAMS["cost_anomalies"].from_raw(warehouse=":memory:")
    assert (anomalies.min_impact, anomalies.min_impact_pct) == (ca.DEFAULT_MIN_IMPACT,
                                                                     ca.DEFAULT_MIN_IMPACT_PCT)
    assert REPORT_PARAMS["delivery_performance"].from_raw().environment == dm.DEFAULT_ENVIRONMENT
