"""Every value from data that reaches a report is escaped here, and only here (docs/notebooks.md,
"Escaping").

Service, team, account, SLO and tag names, incident titles and anything else read from an export
are text the report quotes, never markup: a tag value ``<script>…</script>`` must reach the page
as those characters. Three functions cover the three ways a report shows text:

* :func:`html_text` for a value placed in HTML (the scorecard, the executive summary, the index);
* :func:`md_text` for a value placed in narrative Markdown: every ASCII punctuation character is
  backslash-escaped, so ``**bold**``, ``[x](javascript:…)``, ``|`` or ``$`` stay literal;
* :func:`markdown_html` renders the narrative Markdown itself (what :func:`analytics.display.md`
  shows): raw HTML in it is escaped, not passed through as Jupyter's Markdown renderer does, links
  and images render as their text only (narrative never needs one), and the block is excluded from
  MathJax, so a ``$`` in a name is never typeset. A value a notebook forgot to pass through
  :func:`md_text` can therefore change emphasis at worst, never run script or fetch anything.

Tables (:func:`analytics.display.table`) escape every cell and header with pandas' own HTML
escaping, and charts are PNG images whose text is never parsed as math (``text.parse_math`` off in
:mod:`analytics.plots`).
"""

from __future__ import annotations

import html
import string

import mistune

_MARKDOWN_PUNCTUATION = str.maketrans({c: "\\" + c for c in string.punctuation})


class _NarrativeRenderer(mistune.HTMLRenderer):
    """HTML for report narrative: raw HTML escaped, and no links or images at all (a sentence never needs
    one; the quarterly review's evidence links are built as HTML by :mod:`analytics.scorecard`), so a value
    that slipped through unescaped can neither point at ``javascript:`` nor load a tracking pixel."""

    def link(self, text: str, url: str, title: str | None = None) -> str:
        return text

    def image(self, text: str, url: str, title: str | None = None) -> str:
        return text


_RENDER = mistune.create_markdown(escape=True, renderer=_NarrativeRenderer(escape=True))
NO_MATH_CLASS = "tex2jax_ignore"
"""The class MathJax 2 (nbconvert's HTML template) skips: report text is never typeset as math."""


def html_text(value: object) -> str:
    """``value`` as text for HTML content or a quoted attribute.

    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(value), quote=True)


def md_text(value: object) -> str:
    r"""``value`` as literal text inside Markdown: punctuation backslash-escaped, line breaks as spaces.

    >>> md_text("**bold** | [x](javascript:alert(1))")
    '\\*\\*bold\\*\\* \\| \\[x\\]\\(javascript\\:alert\\(1\\)\\)'
    >>> markdown_html(md_text("<script>alert(1)</script> & $5 `x`"))
    '<div class="tex2jax_ignore"><p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; $5 `x`</p>\n</div>'
    """
    return " ".join(str(value).split()).translate(_MARKDOWN_PUNCTUATION)


def markdown_html(text: str) -> str:
    r"""Narrative Markdown as HTML, with raw HTML escaped, harmful link schemes made inert and no MathJax.

    >>> print(markdown_html("**Q3** <b onclick=alert(1)>x</b>"))
    <div class="tex2jax_ignore"><p><strong>Q3</strong> &lt;b onclick=alert(1)&gt;x&lt;/b&gt;</p>
    </div>
    >>> markdown_html("[y](javascript:alert(1)) ![pixel](https://tracker.example/p.png)")
    '<div class="tex2jax_ignore"><p>y pixel</p>\n</div>'
    """
    return f'<div class="{NO_MATH_CLASS}">{_RENDER(text)}</div>'
