"""Issue 15.4: no script in the reports. Hostile names — service, team (so tag values, budget scopes and
incident titles), account, cost service, charge description, responder — go through the real loaders
into a small demo warehouse, every report notebook runs on it through the real runner, and every page
(and the index) must show them only as text: no live ``<script``, no ``on…=`` handler in a tag, no
``javascript:`` link, and no Markdown they spell (``**bold**``, ``[x](…)``, backticks) taking effect.

SLO names and repository names are not in the list: their loaders accept only ``letters, digits,
. _ : / -`` (``openslo``, ``github-deployments``), so a hostile one is refused at load.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from analytics.demo.build import write_exports
from analytics.demo.world import World, generate
from analytics.reports import RunSummary, run_reports
from analytics.settings import Settings
from analytics.sources import ingest
from analytics.warehouse import connect
from tests.conftest import REPO

pytestmark = pytest.mark.notebooks

HOSTILE: dict[str, str] = {
    # services (catalogue, incidents, deployments, cost tag "service", business metrics)
    "checkout": "<script>alert(1)</script>",
    "search": "<img src=x onerror=alert(1)>",
    "tracking": "[x](javascript:alert(1))",
    "api-gateway": "**bold** | pipe | cell",
    "identity": "$x^$ & &amp; `tick`",
    # teams (catalogue, incidents, cost tag "team", budget scopes)
    "payments": "<script>alert('team')</script>",
    "platform": "<img src=y onerror=alert('team')>",
    # a cost account (the Google Cloud project id), a FOCUS service name, a correction's description, a responder
    "lumen-data-prod": "<svg onload=alert('account')>",
    "AWS Lambda": "<iframe src=javascript:alert('service')>",
    "duplicate EC2 charges": "<a href=javascript:alert('description')>fix</a>",
    "ben.hughes": "<b onmouseover=alert('responder')>ben</b>",
}
UNTOUCHED_FRAMES = ("slos", "sli")  # SLO names are validated by the loader (see the module docstring)
UNTOUCHED_COLUMNS = ("repo",)  # validated as owner/name
_NAMES = re.compile("|".join(rf"(?<![\w-]){re.escape(k)}(?![\w-])" for k in sorted(HOSTILE, key=len, reverse=True)))


def _hostile(value: object) -> object:
    return _NAMES.sub(lambda m: HOSTILE[m.group(0)], value) if isinstance(value, str) else value


def hostile_world(world: World) -> World:
    """The demo company with every occurrence of the names in :data:`HOSTILE` replaced in its tables."""
    changes = {}
    for field in dataclasses.fields(world):
        frame = getattr(world, field.name)
        if not isinstance(frame, pd.DataFrame) or field.name in UNTOUCHED_FRAMES:
            continue
        frame = frame.copy()
        for column in frame.columns:
            if column not in UNTOUCHED_COLUMNS and (frame[column].dtype == object
                                                    or pd.api.types.is_string_dtype(frame[column])):
                frame[column] = frame[column].map(_hostile)
        changes[field.name] = frame
    return dataclasses.replace(world, **changes)


@dataclasses.dataclass(frozen=True)
class Page:
    """What an HTML page holds: its start tags with attributes, its script bodies and its text."""

    tags: list[tuple[str, list[tuple[str, str | None]]]]
    scripts: list[str]
    text: str


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def parse_page(path: Path) -> Page:
    collector = _Collector()
    collector.feed(path.read_text("utf-8"))
    collector.close()
    return Page(collector.tags, collector.scripts, " ".join(" ".join(collector.text).split()))


def live_markup(page: Page) -> list[str]:
    """Everything in ``page`` that would run script: handlers, javascript: URLs, frames, injected scripts."""
    found = []
    for tag, attrs in page.tags:
        if tag in {"iframe", "frame", "object", "embed"}:
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name.lower().startswith("on"):
                found.append(f"<{tag} {name}=…>")
            if name.lower() in {"href", "src", "action", "formaction", "xlink:href", "data"} and value and \
                    re.sub(r"\s", "", value).lower().startswith(("javascript:", "vbscript:")):
                found.append(f"<{tag} {name}={value!r}>")
    found += [f"<script>{body[:60]!r}" for body in page.scripts if "alert(" in body]
    return found


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunSummary, Path]]:
    """Three months of a small demo with hostile names, loaded file by file, and ``report all`` over it."""
    root = tmp_path_factory.mktemp("hostile")
    plan = write_exports(hostile_world(generate(7, 0.2, months=3)), root / "exports")
    warehouse = root / "warehouse.duckdb"
    con = connect(warehouse)
    try:
        for item in plan:
            ingest(con, item.kind, [str(item.path)], item.options)
    finally:
        con.close()
    settings = Settings(home=REPO, warehouse=str(warehouse), reports_dir=root / "reports",
                        notebooks_dir=REPO / "notebooks", demo_dir=root / "exports")
    out = root / "out"
    yield run_reports(["all"], "2026Q3", settings=settings, out_dir=out), out


def test_hostile_names_reach_every_report_only_as_text(hostile_run: tuple[RunSummary, Path]) -> None:
    summary, out = hostile_run
    assert summary.ok, {r.name: r.error for r in summary.failed}  # "$x^$" once failed two notebooks in matplotlib
    pages = {path.name: parse_page(path) for path in sorted(out.glob("*.html"))}
    assert set(pages) == {f"{r.name}.html" for r in summary.results} | {"index.html"}
    for name, page in pages.items():
        assert live_markup(page) == [], name
        raw = (out / name).read_text("utf-8")
        for payload in HOSTILE.values():  # never in the source unescaped (the parser would also see it)
            if "<" in payload:
                assert payload not in raw, f"{name}: {payload}"
        # Markdown spelled by a name stays literal text in the narrative
        for spelled in ("<strong>bold</strong>", "#harmful-link", "<code>tick</code>", ">x</a>"):
            assert spelled not in raw, f"{name}: {spelled}"
    shown = {value for value in HOSTILE.values() for page in pages.values() if value in page.text}
    assert shown == set(HOSTILE.values()), "every hostile name must reach some page (as text), or this proves nothing"
    for name in ("cost_overview.html", "cost_anomalies.html", "incident_trends.html", "delivery_performance.html",
                 "unit_cost.html", "quarterly_review.html", "cost_investigation.html"):
        assert any(value in pages[name].text for value in HOSTILE.values()), f"{name} shows no hostile name"


def test_narrative_quotes_hostile_names_verbatim(hostile_run: tuple[RunSummary, Path]) -> None:
    """The sentences name the services exactly as loaded: a service name with Markdown in it is quoted, not
    rendered (cost overview: the largest cost movers; incident trends: the busiest team)."""
    _, out = hostile_run
    text = " ".join(parse_page(path).text for path in sorted(out.glob("*.html")))
    narrative = re.findall(r"[^.]*\*\*bold\*\* \| pipe \| cell[^.]*", text)
    assert narrative, "the Markdown-spelling service name should appear in some sentence"
    assert "[x](javascript:alert(1))" in text and "$x^$ & &amp; `tick`" in text
