"""Write the demo company's SLOs as OpenSLO v1 YAML and its SLI counts as CSV.

:func:`write_openslo` turns a canonical ``slos`` frame into one multi-document YAML file that the
``openslo`` loader reads back into the same rows: SLOs of critical journeys name a separate ``SLI``
document with ``indicatorRef``, the others carry their ratio indicator inline (so both shapes are
exercised), and the journey travels as the label ``journey``. :func:`write_sli_csv` writes the
``sli`` frame for the ``sli`` loader (ISO 8601 times in UTC with a ``Z``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

API_VERSION = "openslo/v1"
CALENDAR_START = "2025-01-01 00:00:00"


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NA


def ratio_indicator(slo: str, service: str) -> dict[str, Any]:
    """An OpenSLO ratio SLI spec counting 5xx-free requests (Prometheus queries, for illustration)."""
    selector = f'service="{service}"'
    return {
        "ratioMetric": {
            "counter": True,
            "good": {"metricSource": {"type": "Prometheus", "spec": {
                "query": f'sum(rate(http_requests_total{{{selector},code!~"5.."}}[5m]))'}}},
            "total": {"metricSource": {"type": "Prometheus", "spec": {
                "query": f"sum(rate(http_requests_total{{{selector}}}[5m]))"}}},
        },
    }


def openslo_documents(slos: pd.DataFrame) -> list[dict[str, Any]]:
    """The OpenSLO documents of a canonical ``slos`` frame: SLI documents first, then the SLOs."""
    slis, docs = [], []
    for row in slos.sort_values("slo").to_dict("records"):
        name, service = str(row["slo"]), str(row["service"])
        metadata: dict[str, Any] = {"name": name}
        if _present(row.get("display_name")):
            metadata["displayName"] = str(row["display_name"])
        if _present(row.get("journey")):
            metadata["labels"] = {"journey": str(row["journey"])}
        objective: dict[str, Any] = {"displayName": f"{float(row['target']) * 100:g}% good",
                                     "target": float(row["target"])}
        if _present(row.get("time_slice_target")):
            objective["timeSliceTarget"] = float(row["time_slice_target"])
        if _present(row.get("time_slice_window")):
            objective["timeSliceWindow"] = str(row["time_slice_window"])
        window: dict[str, Any] = {"duration": str(row["time_window"]), "isRolling": bool(row["is_rolling"])}
        if not window["isRolling"]:
            window["calendar"] = {"startTime": CALENDAR_START, "timeZone": "UTC"}
        spec: dict[str, Any] = {"service": service}
        if _present(row.get("description")):
            spec["description"] = str(row["description"])
        indicator = {"metadata": {"name": f"{name}-ratio"}, "spec": ratio_indicator(name, service)}
        if _present(row.get("journey")):
            slis.append({"apiVersion": API_VERSION, "kind": "SLI", **indicator})
            spec["indicatorRef"] = f"{name}-ratio"
        else:
            spec["indicator"] = indicator
        spec.update({"timeWindow": [window], "budgetingMethod": str(row.get("budgeting_method") or "Occurrences"),
                     "objectives": [objective]})
        docs.append({"apiVersion": API_VERSION, "kind": "SLO", "metadata": metadata, "spec": spec})
    return [*slis, *docs]


def openslo_yaml(slos: pd.DataFrame) -> str:
    """One multi-document OpenSLO YAML text for a ``slos`` frame.

    >>> frame = pd.DataFrame([{"slo": "a-availability", "service": "a", "display_name": None, "description": None,
    ...     "target": 0.999, "budgeting_method": "Occurrences", "time_window": "1Q", "is_rolling": False,
    ...     "journey": "critical"}])
    >>> text = openslo_yaml(frame)
    >>> text.count("apiVersion: openslo/v1"), "indicatorRef: a-availability-ratio" in text
    (2, True)
    """
    return yaml.safe_dump_all(openslo_documents(slos), sort_keys=False, allow_unicode=True, width=120)


def write_openslo(slos: pd.DataFrame, path: Path) -> Path:
    """Write :func:`openslo_yaml` to ``path`` (for the ``openslo`` loader)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(openslo_yaml(slos), encoding="utf-8")
    return path


def sli_frame(sli: pd.DataFrame) -> pd.DataFrame:
    """The ``sli`` frame in export column order with ISO 8601 UTC times (``…Z``)."""
    out = sli[["service", "slo", "interval_start", "interval_end", "good", "total"]].copy()
    for column in ("interval_start", "interval_end"):
        out[column] = pd.to_datetime(out[column], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out.sort_values(["slo", "interval_start"], kind="stable").reset_index(drop=True)


def write_sli_csv(sli: pd.DataFrame, path: Path) -> Path:
    """Write the SLI counts as CSV (for the ``sli`` loader)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sli_frame(sli).to_csv(path, index=False)
    return path
