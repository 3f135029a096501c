"""The PagerDuty REST client against a local fake API on 127.0.0.1 (never the internet): paging,
the 6-month date-range limit, the 10,000-offset limit, retries honouring Retry-After, the token
kept out of logs, and the saved pages loading through the ``pagerduty`` loader."""

from __future__ import annotations

import json
import logging
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from analytics.errors import UsageError
from analytics.sources import ingest
from analytics.sources.incidents import pagerduty as pd
from analytics.warehouse import run

pytestmark = pytest.mark.unit
TOKEN = "u+secret-token-123"
START = datetime(2026, 1, 1, tzinfo=UTC)


def _incidents(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        created = START + timedelta(hours=83 * i + 7)
        out.append({"id": f"PX{i:04d}", "type": "incident", "incident_number": i + 1, "title": f"thing {i}",
                    "status": "resolved", "urgency": "high", "priority": {"summary": f"P{1 + i % 5}"},
                    "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "resolved_at": (created + timedelta(minutes=30 + i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "service": {"summary": "api"}, "teams": [{"summary": "core"}], "acknowledgements": []})
    return out


class FakePagerDuty:
    """State shared by the handler: the data, the requests seen and the failures to inject."""

    def __init__(self, n: int) -> None:
        self.incidents = _incidents(n)
        self.requests: list[tuple[str, dict[str, list[str]], str | None]] = []
        self.throttle_next = 1  # first /incidents request gets a 429
        self.fail_log_entries_once = True
        self.always_429 = False


def _handler(api: FakePagerDuty) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            api.requests.append((url.path, query, self.headers.get("Authorization")))
            if self.headers.get("Authorization") != f"Token token={TOKEN}":
                self._send(401, {"error": {"message": "Unauthorized", "code": 2006}})
                return
            if api.always_429 or (url.path == "/incidents" and api.throttle_next > 0):
                api.throttle_next -= 1
                self._send(429, {"error": {"message": "Too many requests"}}, {"Retry-After": "2"})
                return
            if url.path == "/incidents":
                since = datetime.fromisoformat(query["since"][0].replace("Z", "+00:00"))
                until = datetime.fromisoformat(query["until"][0].replace("Z", "+00:00"))
                if until - since > timedelta(days=183):
                    self._send(400, {"error": {"message": "Date range exceeds 6 months"}})
                    return
                hits = [i for i in api.incidents
                        if since <= datetime.fromisoformat(i["created_at"].replace("Z", "+00:00")) < until]
                limit, offset = int(query["limit"][0]), int(query["offset"][0])
                body: dict[str, Any] = {"incidents": hits[offset:offset + limit], "limit": limit, "offset": offset,
                                        "more": offset + limit < len(hits), "total": None}
                if query.get("total") == ["true"]:
                    body["total"] = len(hits)
                self._send(200, body)
                return
            if url.path.startswith("/incidents/") and url.path.endswith("/log_entries"):
                if api.fail_log_entries_once:
                    api.fail_log_entries_once = False
                    self._send(503, {"error": {"message": "try later"}})
                    return
                incident_id = url.path.split("/")[2]
                incident = next(i for i in api.incidents if i["id"] == incident_id)
                created = datetime.fromisoformat(incident["created_at"].replace("Z", "+00:00"))
                entries = [{"id": f"{incident_id}-{k}", "type": kind, "incident": {"id": incident_id},
                            "created_at": (created + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "agent": {"type": "user_reference", "summary": "ops"}}
                           for k, (kind, m) in enumerate([("trigger_log_entry", 0), ("acknowledge_log_entry", 4),
                                                          ("resolve_log_entry", 30 + int(incident_id[2:]))])]
                limit, offset = int(query["limit"][0]), int(query["offset"][0])
                self._send(200, {"log_entries": entries[offset:offset + limit], "more": offset + limit < len(entries)})
                return
            self._send(404, {"error": {"message": "not found"}})

    return Handler


@pytest.fixture
def api() -> Iterator[tuple[FakePagerDuty, str]]:
    fake = FakePagerDuty(100)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_fetch_pages_windows_retries_and_loads(api: tuple[FakePagerDuty, str], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                               con: duckdb.DuckDBPyConnection) -> None:
    fake, url = api
    monkeypatch.setenv("PAGERDUTY_TOKEN", TOKEN)
    waits: list[float] = []
    caplog.set_level(logging.DEBUG, logger="analytics")
    files = pd.fetch_incidents(None, START, START + timedelta(days=365), out_dir=tmp_path / "pd", base_url=url,
                               page_size=25, sleep=waits.append)
    assert waits[0] == 2.0, "the 429's Retry-After is honoured"
    assert len(waits) == 2, "one 429 and one 503 retried"
    windows = {(q["since"][0], q["until"][0]) for path, q, _ in fake.requests if path == "/incidents"}
    assert len(windows) == 3 and all(
        datetime.fromisoformat(u.replace("Z", "+00:00")) - datetime.fromisoformat(s.replace("Z", "+00:00"))
        <= timedelta(days=180) for s, u in windows)
    assert TOKEN not in caplog.text and all(TOKEN not in str(f.read_text()) for f in files)
    result = ingest(con, "pagerduty", [str(tmp_path / "pd")])[0]
    assert result.rows_loaded == len([i for i in fake.incidents if i["created_at"] < "2027"])
    assert run(con, "SELECT count(*) FROM incidents WHERE epoch(acknowledged_at - created_at) = 240") == [
        (result.rows_loaded,)]


def test_a_window_over_the_offset_limit_is_halved(api: tuple[FakePagerDuty, str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    fake, url = api
    monkeypatch.setattr(pd, "MAX_OFFSET", 30)
    files = pd.fetch_incidents(TOKEN, START, START + timedelta(days=120), out_dir=tmp_path, base_url=url,
                               page_size=10, log_entries=False, sleep=lambda s: None)
    ids = [i["id"] for f in files for i in json.loads(f.read_text())["incidents"]]
    expected = [i["id"] for i in fake.incidents if i["created_at"] < "2026-05-01"]
    assert sorted(ids) == expected and len(ids) == len(set(ids))
    seen = [q for p, q, _ in fake.requests if p == "/incidents" and q.get("total") == ["true"]]
    assert len(seen) > 1, "the window was split"


def test_token_problems_and_giving_up(api: tuple[FakePagerDuty, str], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    fake, url = api
    monkeypatch.delenv("PAGERDUTY_TOKEN", raising=False)
    with pytest.raises(UsageError, match="no PagerDuty API token"):
        pd.fetch_incidents(None, START, START + timedelta(days=1), out_dir=tmp_path, base_url=url)
    with pytest.raises(UsageError, match=r"refused the token \(HTTP 401 Unauthorized\)") as info:
        pd.fetch_incidents("wrong-token", START, START + timedelta(days=1), out_dir=tmp_path, base_url=url)
    assert "wrong-token" not in str(info.value)
    fake.always_429 = True
    waits: list[float] = []
    with pytest.raises(pd.PagerDutyApiError, match="HTTP 429 Too Many Requests after 3 retries"):
        pd.fetch_incidents(TOKEN, START, START + timedelta(days=1), out_dir=tmp_path, base_url=url, max_retries=3,
                           sleep=waits.append)
    assert waits == [2.0, 2.0, 2.0]
    with pytest.raises(UsageError, match="must be after since"):
        pd.fetch_incidents(TOKEN, START, START, out_dir=tmp_path, base_url=url)


def test_retry_after_and_backoff_rules() -> None:
    client = pd._Client("t", "http://127.0.0.1:9", max_retries=1, timeout=1, sleep=lambda s: None, backoff=1.5,
                        max_wait=60)
    assert client._retry_after("7", 0) == 7.0
    assert client._retry_after("10000", 0) == 60.0
    assert [client._retry_after(None, a) for a in range(4)] == [1.5, 3.0, 6.0, 12.0]
    assert client._retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 0) == 0.0


def test_cli_fetch_writes_pages_and_loads_them(api: tuple[FakePagerDuty, str], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from analytics.cli import main
    from analytics.warehouse import connect

    fake, url = api
    fake.throttle_next, fake.fail_log_entries_once = 0, False
    monkeypatch.setenv("PAGERDUTY_TOKEN", TOKEN)
    warehouse = str(tmp_path / "w.duckdb")
    argv = ["fetch", "pagerduty", "--since", "2026-01-01", "--until", "2026-03-01", "--out", str(tmp_path / "pd"),
            "--base-url", url, "--load", "--warehouse", warehouse]
    assert main(argv) == 0
    expected = sorted(i["id"] for i in fake.incidents if "2026-01-01" <= i["created_at"][:10] < "2026-03-01")
    con = connect(warehouse, read_only=True)
    try:
        assert [r[0] for r in run(con, "SELECT source_id FROM incidents ORDER BY source_id")] == expected
    finally:
        con.close()
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err
    monkeypatch.delenv("PAGERDUTY_TOKEN")
    assert main([*argv[:-2], "--warehouse", warehouse]) == 2, "no token: a usage error, not a traceback"
    assert main(["fetch", "pagerduty", "--since", "2026-03-01", "--until", "2026-01-01", "--out", "x"]) == 2


# -- issue 15.7 (b): the token never leaves the API's server, and no response body is printed -----------
class Recorder:
    """A second local server (another port: another origin) that records the headers it receives."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, threading.Thread, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def two_servers() -> Iterator[tuple[Recorder, str, Recorder, str, dict[str, Any]]]:
    """``api`` answers as ``behaviour`` says (redirect to ``other``, to itself, or an error echoing the
    token); ``other`` would serve a valid empty page to anyone."""
    api_seen, other_seen = Recorder(), Recorder()
    behaviour: dict[str, Any] = {}

    def make(recorder: Recorder, is_api: bool) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                recorder.seen.append((self.path, self.headers.get("Authorization")))
                if is_api and behaviour.get("redirect") and not self.path.startswith("/moved"):
                    self.send_response(behaviour.get("code", 302))
                    self.send_header("Location", behaviour["redirect"] + self.path.replace("/incidents", "/moved", 1))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if is_api and behaviour.get("echo"):
                    data = json.dumps({"error": {"message": f"bad request with {self.headers.get('Authorization')}",
                                                 "errors": [self.headers.get("Authorization")]}}).encode()
                    self.send_response(behaviour["echo"], behaviour.get("reason"))
                else:
                    data = json.dumps({"incidents": [], "limit": 1, "offset": 0, "more": False, "total": 0}).encode()
                    self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    servers = [_serve(make(api_seen, True)), _serve(make(other_seen, False))]
    try:
        yield api_seen, servers[0][2], other_seen, servers[1][2], behaviour
    finally:
        for server, thread, _ in servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_server_is_refused_and_gets_no_token(
    two_servers: tuple[Recorder, str, Recorder, str, dict[str, Any]], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], code: int,
) -> None:
    from analytics.cli import main

    api_seen, url, other_seen, other, behaviour = two_servers
    behaviour.update(redirect=other, code=code)
    monkeypatch.setenv("PAGERDUTY_TOKEN", TOKEN)
    status = main(["fetch", "pagerduty", "--since", "2026-01-01", "--until", "2026-02-01", "--out",
                   str(tmp_path / "pd"), "--base-url", url, "--warehouse", str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    port = other.rsplit(":", 1)[1]
    assert status == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert f"HTTP {code} redirect to http://127.0.0.1:{port} refused" in err and TOKEN not in err
    assert api_seen.seen and all(auth == f"Token token={TOKEN}" for _, auth in api_seen.seen)
    assert other_seen.seen == [], "the other server must not even be asked"


def test_a_redirect_on_the_api_server_itself_is_followed(
    two_servers: tuple[Recorder, str, Recorder, str, dict[str, Any]], tmp_path: Path,
) -> None:
    api_seen, url, other_seen, _, behaviour = two_servers
    behaviour.update(redirect=url.replace("127.0.0.1", "127.0.0.1"), code=307)
    files = pd.fetch_incidents(TOKEN, START, START + timedelta(days=2), out_dir=tmp_path, base_url=url)
    assert [f.name for f in files] == ["incidents-w01-p0001.json"]
    assert [p.split("?")[0] for p, _ in api_seen.seen] == ["/incidents", "/moved", "/incidents", "/moved"]
    assert all(auth == f"Token token={TOKEN}" for _, auth in api_seen.seen) and other_seen.seen == []


@pytest.mark.parametrize(("status", "reason"), [(400, None), (401, None), (404, None), (500, None),
                                                (400, f"Bad token Token token={TOKEN}")])
def test_error_bodies_echoing_the_token_are_never_printed(
    two_servers: tuple[Recorder, str, Recorder, str, dict[str, Any]], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], status: int, reason: str | None,
) -> None:
    from analytics.cli import main

    _, url, _, _, behaviour = two_servers
    behaviour.update(echo=status, reason=reason)
    monkeypatch.setenv("PAGERDUTY_TOKEN", TOKEN)
    monkeypatch.setattr(pd._Client, "_retry_after", lambda self, header, attempt: 0.0)
    code = main(["fetch", "pagerduty", "--since", "2026-01-01", "--until", "2026-02-01", "--out",
                 str(tmp_path / "pd"), "--base-url", url, "--warehouse", str(tmp_path / "w.duckdb")])
    captured = capsys.readouterr()
    last = captured.err.splitlines()[-1]  # a 500 is retried first, each retry a warning line
    assert code == (2 if status == 401 else 1) and last.startswith("opsreview: error: PagerDuty API"), captured.err
    assert f"HTTP {status}" in last and "bad request with" not in captured.err
    assert TOKEN not in captured.err + captured.out and "secret-token" not in captured.err
