"""Incident-volume anomalies: unusually many incidents for a service or a team, judged with Poisson
or negative-binomial tails rather than Gaussian z-scores (docs/anomaly-quality.md).

For each series (incidents per day or per ISO week, per service or per team) and each period
``t``, the expected count comes from the ``window`` periods before ``t``:

* mean ``μ`` and variance ``σ²`` of those counts (flagged periods enter the window as ``μ``, so an
  incident storm does not raise the bar for the next weeks);
* **Poisson** when ``σ² ≤ μ``: ``p = P(X ≥ x) = poisson.sf(x − 1, μ)``;
* **negative binomial** when the counts are overdispersed (``σ² > μ``), with method-of-moments
  parameters ``n = μ² / (σ² − μ)`` and ``p = μ / σ²``: ``p = nbinom.sf(x − 1, n, p)``;
* a window without a single incident gets ``μ = 0.5 / window`` (half an incident over the
  window), so the tail stays finite.

A period is flagged when ``p ≤ alpha`` **and** ``x ≥ min_count``: a rise from 1 to 3 incidents
is +200 % but not a finding. Consecutive flagged periods form one event. Only increases are
judged. Missing periods do not exist: a day or week inside the incident data's window without
incidents is 0 incidents.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Final, Literal

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.anomalies._counts import (
    DEFAULT_COUNT_SETTINGS,
    CountScan,
    CountSettings,
    Grain,
    count_events,
    scan_counts,
    tail_probability,
)
from analytics.anomalies.family import detect
from analytics.errors import ParameterError
from analytics.periods import Period
from analytics.sql import query

__all__ = [
    "DEFAULT_COUNT_SETTINGS",
    "CountScan",
    "CountSettings",
    "count_anomalies",
    "count_events",
    "incident_count_anomalies",
    "incident_counts",
    "scan_counts",
    "tail_probability",
]

log = logging.getLogger(__name__)

By = Literal["service", "team"]
COUNT_COLUMNS: Final = (
    "by", "member", "grain", "start", "end", "periods", "actual", "expected", "excess", "p_value", "model",
)


def count_anomalies(
    counts: npt.ArrayLike, *, settings: CountSettings = DEFAULT_COUNT_SETTINGS
) -> pd.DataFrame:
    """Events in one count series (periods in order): start/end index, actual, expected, excess, p-value.

    The counts mode of :func:`analytics.anomalies.detect`. Bad input is reported, not raised on:
    NaN or negative counts are treated as missing (never flagged, not in the window),
    non-integers are rounded.

    >>> x = [2, 1, 3, 2, 2, 1, 2, 3, 2, 2, 1, 2, 2, 14, 2]
    >>> count_anomalies(x, settings=CountSettings(window=8))[["start", "end", "actual"]].to_dict("records")
    [{'start': 13, 'end': 13, 'actual': 14}]
    """
    return detect(np.asarray(counts, dtype=np.float64).ravel(), settings).events(0)


def _grain_start(day: date, grain: Grain) -> date:
    """The day itself, or the Monday of its ISO week."""
    return day if grain == "day" else day - timedelta(days=day.weekday())


def incident_counts(
    con: duckdb.DuckDBPyConnection, period: Period, *, by: By = "service",
    settings: CountSettings = DEFAULT_COUNT_SETTINGS,
) -> pd.DataFrame:
    """Incidents per period (day or ISO week) and service or team, zeros filled, up to the period end.

    Only whole periods are counted: the first week starts on the Monday on or after the first day
    read, and weeks cut by the period end are left out. Columns: ``member, start, incidents``.
    """
    if by not in ("service", "team"):
        raise ParameterError(f"by must be service or team, got {by!r}")
    step = 1 if settings.grain == "day" else 7
    first = period.start - timedelta(days=step * settings.history_periods)
    first = _grain_start(first + timedelta(days=step - 1), settings.grain)
    daily = query(con, "anomaly_incident_counts_by_day",
                  {"start": pd.Timestamp(first, tz="UTC"), "end": period.end_ts})
    starts = []
    cursor = first
    while cursor + timedelta(days=step) <= period.end:
        starts.append(cursor)
        cursor += timedelta(days=step)
    if daily.empty or not starts:
        return pd.DataFrame(columns=["member", "start", "incidents"])
    daily["day"] = pd.to_datetime(daily["day"]).dt.date
    daily["start"] = [_grain_start(d, settings.grain) for d in daily["day"]]
    counted = daily.groupby([by, "start"])["incidents"].sum()
    members = sorted(daily[by].unique())
    index = pd.MultiIndex.from_product([members, starts], names=["member", "start"])
    full = counted.rename_axis(["member", "start"]).reindex(index, fill_value=0).reset_index()
    full["incidents"] = full["incidents"].astype("int64")
    return full


def incident_count_anomalies(
    con: duckdb.DuckDBPyConnection, period: Period, *, by: tuple[By, ...] = ("service", "team"),
    settings: CountSettings = DEFAULT_COUNT_SETTINGS,
) -> pd.DataFrame:
    """Incident-volume events overlapping the period, per service and per team, largest excess first."""
    frames = []
    step = timedelta(days=1 if settings.grain == "day" else 7)
    for dimension in by:
        counts = incident_counts(con, period, by=dimension, settings=settings)
        for member, group in counts.groupby("member", sort=True):
            events = detect(group["incidents"].to_numpy(), settings).events(0)
            if events.empty:
                continue
            starts = group["start"].tolist()
            events["start"] = [starts[i] for i in events["start"]]
            events["end"] = [starts[i] + step - timedelta(days=1) for i in events["end"]]
            events["by"], events["member"], events["grain"] = dimension, member, settings.grain
            frames.append(events[events["end"] >= period.start])
    if not frames:
        return pd.DataFrame(columns=list(COUNT_COLUMNS))
    out = pd.concat(frames, ignore_index=True)[list(COUNT_COLUMNS)]
    order = np.lexsort((out["member"].to_numpy(), out["by"].to_numpy(), out["start"].to_numpy(),
                        -out["excess"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)
