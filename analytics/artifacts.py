"""Machine-readable report artefacts (``delivery.json``, ``slo.json``, ``cost.json``, ``anomalies.json``,
``kpis.json``): one JSON conversion so every artefact spells missing values, dates and numbers alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def json_ready(value: Any) -> Any:
    """Plain JSON types: NaN/NaT/NA → None, numpy scalars → Python, Decimal → float, timestamps → ISO
    8601, frames → records.

    >>> json_ready({"a": float("nan"), "b": np.int64(3), "c": [pd.Timestamp("2026-07-01", tz="UTC")]})
    {'a': None, 'b': 3, 'c': ['2026-07-01T00:00:00+00:00']}
    >>> json_ready((Decimal("1.25"), np.bool_(True), pd.NaT, float("inf")))
    [1.25, True, None, None]
    """
    if isinstance(value, pd.DataFrame):
        return [json_ready(r) for r in value.to_dict("records")]
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    return value


def write_json_artifact(path: str | Path | None, payload: Mapping[str, Any]) -> Path | None:
    """Write ``payload`` as indented JSON with sorted keys (no NaN); nothing when ``path`` is None."""
    if path is None:
        return None
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(json_ready(payload), indent=2, sort_keys=True, allow_nan=False)
    target.write_text(text + "\n", encoding="utf-8")
    return target
