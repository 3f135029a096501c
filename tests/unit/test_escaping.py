"""The one escaping module (analytics/escaping.py) and the display helpers built on it: any text from
data shows as exactly that text, never as markup (issue 15.4; the end-to-end check over every report is
tests/notebooks/test_report_escaping.py)."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.display import md, md_text, table
from analytics.escaping import html_text, markdown_html
from analytics.reports import NotebookResult, RunSummary, index_html
from analytics.scorecard import Kpi, scorecard_html

pytestmark = pytest.mark.unit

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "![x](https://tracker.example/p.png)",
    "<javascript:alert(1)>",
    "**bold** | pipe | _em_ `code` ~~s~~",
    "$x^$ & &amp; &#60;b&#62; \\*",
    "# heading",
    "1. list",
    "- item",
    "> quote",
    "    indented code",
    "line\n\n<b onmouseover=alert(1)>two</b>",
    "a\\",
    "<!-- comment --> <?php ?> <![CDATA[x]]>",
]
# text as data holds it: any character (no surrogates), ASCII punctuation and markup characters often
MARKUP = st.sampled_from("<>&\"'`*_[]()!#|$\\~-+.:=\n ")
TEXT = st.text(alphabet=st.one_of(st.characters(blacklist_categories=("Cs",)), MARKUP), max_size=60)


class _Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(fragment: str) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(fragment)
    parsed.close()
    return parsed


def _visible(value: str) -> str:
    """What a reader should see of ``value``: its words, single-spaced."""
    return " ".join(value.split())


@pytest.mark.parametrize("value", PAYLOADS)
def test_a_value_in_narrative_is_shown_verbatim(value: str) -> None:
    rendered = markdown_html(f"**Scope** {md_text(value)} and more")
    parsed = _parse(rendered)
    assert parsed.tags == ["div", "p", "strong"], rendered  # the author's bold, nothing from the value
    assert " ".join("".join(parsed.text).split()) == f"Scope {_visible(value)} and more"


@settings(max_examples=300, deadline=None)
@given(value=TEXT)
def test_any_text_through_md_text_renders_as_itself(value: str) -> None:
    parsed = _parse(markdown_html(md_text(value)))
    assert set(parsed.tags) <= {"div", "p"}
    assert "".join(parsed.text).strip() == _visible(value)


@pytest.mark.parametrize("value", PAYLOADS)
def test_narrative_escapes_raw_html_even_when_a_value_was_not_escaped(value: str) -> None:
    """The safety net: md() renders raw HTML as text, and links and images as their text only."""
    parsed = _parse(md(f"Largest: {value}.").data)
    assert set(parsed.tags) <= {"div", "p", "strong", "em", "code", "br", "h1", "ol", "ul", "li", "blockquote", "pre"}
    assert "Largest:" in "".join(parsed.text)


@settings(max_examples=100, deadline=None)
@given(cell=TEXT, header=TEXT.filter(lambda h: h.strip() != ""))
def test_table_cells_and_headers_are_escaped(cell: str, header: str) -> None:
    frame = pd.DataFrame({"service": [cell], "cost": [1.5]})
    parsed = _parse(table(frame, rename={"service": header}).to_html())
    assert set(parsed.tags) <= {"style", "table", "thead", "tr", "th", "tbody", "td"}
    cells = [t for t in parsed.text if t.strip()]
    assert header in [c.strip() for c in cells] or header.strip() in " ".join(cells)
    assert cell.strip() == "" or cell.strip() in " ".join(cells)


def test_table_is_left_alone_by_mathjax() -> None:
    html = table(pd.DataFrame({"v": ["$1 and $2"]})).to_html()
    assert 'class="tex2jax_ignore"' in html and "$1 and $2" in html


def test_html_text_escapes_attributes_too() -> None:
    assert html_text("\"'><svg onload=x>") == "&quot;&#x27;&gt;&lt;svg onload=x&gt;"


def test_the_index_page_escapes_what_a_failed_run_reports() -> None:
    summary = RunSummary(period="2026Q3", out_dir="/r", warehouse="/w/<img src=x onerror=alert(1)>.duckdb",
                         started_at="2026-10-01T00:00:00+00:00", data_window={"cost": "<script>x</script>"})
    summary.results.append(NotebookResult("cost_overview", False, 1.0, "cost_overview.ipynb", None,
                                          "ValueError: no tag <script>alert(1)</script>"))
    parsed = _parse(index_html(summary))
    assert "script" not in parsed.tags[2:] and "img" not in parsed.tags
    assert "ValueError: no tag <script>alert(1)</script>" in "".join(parsed.text)


def test_the_scorecard_escapes_labels_notes_and_what_to_load() -> None:
    kpis = [Kpi("a", "<b onclick=x>A</b>", "<script>area</script>", "2026Q3", None, "ratio",
                missing="load <img src=x onerror=y>"),
            Kpi("b", "B", "Cost", "2026Q3", 0.5, "ratio", n=20, note="<iframe src=javascript:x>")]
    parsed = _parse(scorecard_html(kpis))
    assert {"script", "img", "iframe"}.isdisjoint(parsed.tags) and "<b onclick" not in scorecard_html(kpis)
    text = "".join(parsed.text)
    assert "<b onclick=x>A</b>" in text and "load <img src=x onerror=y>" in text and "<iframe src=javascript:x>" in text
