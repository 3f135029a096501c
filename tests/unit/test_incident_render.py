"""The demo writer renders canonical incidents + timelines as PagerDuty REST exports that the
``pagerduty`` loader turns back into the same canonical rows."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.demo.render_incidents import write_pagerduty_rest
from analytics.sources import ingest

pytestmark = pytest.mark.unit
REPRESENTABLE = ("incident_id", "source", "source_id", "number", "title", "service", "team", "severity",
                 "severity_rank", "severity_raw", "priority_raw", "urgency", "status", "status_raw", "created_at",
                 "acknowledged_at", "resolved_at", "is_major", "auto_resolved", "category", "failure_mode",
                 "fingerprint", "problem_id", "change_id", "deployment_id", "escalation_count", "alert_count",
                 "responders")
NOT_REPRESENTABLE = ("impact_started_at", "mitigated_at", "closed_at", "seconds_to_first_ack", "seconds_to_resolve",
                     "reopen_count", "reassignment_count", "interruptions_total", "engaged_seconds")


def canonical_frames(seed: int, n: int = 230) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical incidents and consistent timelines (more than two pages of 100)."""
    rng = random.Random(seed)
    incidents, events = [], []
    start = datetime(2026, 4, 1, tzinfo=UTC)
    for i in range(n):
        source_id = f"P{seed}{i:05d}"
        incident_id = f"pagerduty:{source_id}"
        created = start + timedelta(seconds=rng.randrange(0, 180 * 86400))
        rank = rng.randint(1, 5)
        acked = None if rng.random() < 0.2 else created + timedelta(seconds=rng.randrange(20, 7200))
        resolved = None if rng.random() < 0.1 else (acked or created) + timedelta(seconds=rng.randrange(60, 86400))
        auto = resolved is not None and acked is None and rng.random() < 0.8
        people = rng.sample(["ann", "bob", "cat", "dan"], k=2)
        escalations = rng.randrange(0, 3)
        timeline: list[tuple[datetime, str, str | None, str | None, str | None]] = [
            (created, "trigger", "monitoring", "integration", "CPU > 90%"),
            (created, "notify", people[0], rng.choice(["sms", "phone", "push", "email"]), None)]
        for k in range(escalations):
            at = created + timedelta(minutes=15 * (k + 1))
            timeline += [(at, "notify", people[1], "phone", None),
                         (at, "escalate", "policy", "timeout", f"level {k + 2}")]
        responders: list[str] = []
        if acked is not None:
            timeline.append((acked, "acknowledge", people[0], "mobile", None))
            responders.append(people[0])
            if rng.random() < 0.3:
                timeline.append((acked + timedelta(minutes=5), "note", people[0], "web", "looking at the db"))
        if rng.random() < 0.2:
            responders.append("eve")  # joined without acknowledging
        if resolved is not None:
            timeline.append((resolved, "resolve", "monitoring" if auto else people[0], "integration" if auto else "web",
                             None))
        order = {"trigger": 0, "notify": 2, "escalate": 3, "acknowledge": 4, "note": 5, "resolve": 9}
        timeline.sort(key=lambda e: (e[0], order[e[1]]))
        events += [{"incident_id": incident_id, "seq": s, "event_at": e[0], "event_type": e[1], "actor": e[2],
                    "channel": e[3], "detail": e[4]} for s, e in enumerate(timeline)]
        status = "resolved" if resolved else ("acknowledged" if acked else "open")
        incidents.append({
            "incident_id": incident_id, "source": "pagerduty", "source_id": source_id, "number": str(i + 1),
            "title": f"[svc-{i % 7}] problem {i}", "service": f"svc-{i % 7}", "team": rng.choice(["core", None]),
            "severity": f"SEV{rank}", "severity_rank": rank, "severity_raw": rng.choice([None, f"Sev-{rank}"]),
            "priority_raw": f"P{rank}", "urgency": "high" if rank <= 3 else "low", "status": status,
            "status_raw": {"open": "triggered"}.get(status, status), "created_at": created, "acknowledged_at": acked,
            "resolved_at": resolved, "is_major": rng.choice([None, rank == 1]), "auto_resolved": auto,
            "category": rng.choice([None, "database"]), "failure_mode": rng.choice([None, "pool-exhausted"]),
            "fingerprint": rng.choice([None, f"svc-{i % 7}/x"]), "problem_id": rng.choice([None, "PRB7"]),
            "change_id": rng.choice([None, "abc123"]), "deployment_id": rng.choice([None, "github:9"]),
            "escalation_count": escalations, "alert_count": rng.randrange(1, 30), "responders": responders,
        })
    return pd.DataFrame(incidents), pd.DataFrame(events)


def _norm(value: Any) -> Any:
    if isinstance(value, list | tuple | np.ndarray):
        return tuple(str(v) for v in value)
    if pd.isna(value):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return pd.Timestamp(value).tz_convert("UTC")
    return value.item() if hasattr(value, "item") else value


def test_round_trip_gives_back_the_same_rows(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    incidents, events = canonical_frames(seed=42)
    files = write_pagerduty_rest(incidents, events, tmp_path / "pd")
    assert [f.name for f in files][:4] == ["incidents-0001.json", "log_entries-0001.json", "incidents-0002.json",
                                           "log_entries-0002.json"]
    page = json.loads(files[0].read_text())
    assert (len(page["incidents"]), page["offset"], page["more"]) == (100, 0, True)
    ingest(con, "pagerduty", [str(tmp_path / "pd")])
    got = con.execute("SELECT * FROM incidents ORDER BY incident_id").df()
    want = incidents.sort_values("incident_id").reset_index(drop=True)
    for column in REPRESENTABLE:
        pairs = [(_norm(a), _norm(b)) for a, b in zip(want[column], got[column], strict=True)]
        bad = [(want["incident_id"][i], a, b) for i, (a, b) in enumerate(pairs) if a != b]
        assert not bad, f"{column}: {bad[:3]}"
    assert got[list(NOT_REPRESENTABLE)].isna().all().all()
    got_events = con.execute("SELECT * EXCLUDE (source_file_id) FROM incident_events ORDER BY incident_id, seq").df()
    want_events = events.sort_values(["incident_id", "seq"]).reset_index(drop=True)
    for column in want_events.columns:
        assert [_norm(v) for v in want_events[column]] == [_norm(v) for v in got_events[column]], column


def test_the_writer_refuses_what_pagerduty_cannot_carry(tmp_path: Path) -> None:
    incidents, events = canonical_frames(seed=1, n=3)
    state = events.copy()
    state.loc[0, "event_type"] = "state_change"
    with pytest.raises(ValueError, match="event type 'state_change' has no PagerDuty log entry"):
        write_pagerduty_rest(incidents, state, tmp_path)
    moved = incidents.copy()
    acked = moved["acknowledged_at"].notna()
    moved.loc[acked.idxmax(), "acknowledged_at"] = moved.loc[acked.idxmax(), "created_at"] + timedelta(days=9)
    with pytest.raises(ValueError, match="does not match its earliest acknowledge event"):
        write_pagerduty_rest(moved, events, tmp_path)
    other = incidents.assign(source="opsgenie")
    with pytest.raises(ValueError, match="only pagerduty incidents"):
        write_pagerduty_rest(other, events, tmp_path)
