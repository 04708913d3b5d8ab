"""The Markdown renderer (``web.richtext``): the article subset renders, and no markup from a user, an
agent or an article author survives in a form that could run script."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from handoff.models import Message, Sender
from web.richtext import render_markdown, sanitize_html
from web.views import message_out

# (name, Markdown an author or agent could write). Each must come out with nothing executable.
XSS_MATRIX = [
    ("script_tag", "<script>window.__xss=1</script>"),
    ("script_upper", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>"),
    ("img_onerror", '<img src=x onerror="window.__xss=1">'),
    ("markdown_image", "![x](https://evil.example/x.png)"),
    ("markdown_image_onerror", '![x" onerror="window.__xss=1](x)'),
    ("javascript_link", "[click](javascript:window.__xss=1)"),
    ("javascript_link_mixed_case", "[click](JaVaScRiPt:window.__xss=1)"),
    ("javascript_link_entity", "[click](java&#115;cript:window.__xss=1)"),
    ("javascript_link_tab", "[click](java\tscript:window.__xss=1)"),
    ("javascript_autolink", "<javascript:window.__xss=1>"),
    ("javascript_reference_link", "[click][r]\n\n[r]: javascript:window.__xss=1"),
    ("vbscript_link", "[click](vbscript:msgbox(1))"),
    ("svg_onload", '<svg onload="window.__xss=1"><circle r=1 /></svg>'),
    ("svg_in_markdown_link", "[<svg onload=window.__xss=1>](https://ok.example)"),
    ("data_url_link", "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("data_url_image", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"),
    ("iframe", '<iframe src="javascript:window.__xss=1"></iframe>'),
    ("a_tag_raw", '<a href="javascript:window.__xss=1">click</a>'),
    ("style_tag", "<style>*{background:url(javascript:1)}</style>"),
    ("event_in_title", '[ok](https://ok.example "x\\" onmouseover=\\"window.__xss=1")'),
    ("html_comment", "<!-- <script>window.__xss=1</script> -->"),
]
RAW_HTML_MATRIX = [
    ("script_tag", "<p>hi<script>window.__xss=1</script></p>"),
    ("img_onerror", '<img src=x onerror="window.__xss=1">'),
    ("svg_onload", '<svg onload="window.__xss=1"></svg>'),
    ("javascript_link", '<a href="javascript:window.__xss=1">x</a>'),
    ("data_url_link", '<a href="data:text/html,<script>window.__xss=1</script>">x</a>'),
    ("onclick_on_allowed_tag", '<strong onclick="window.__xss=1">x</strong>'),
    ("style_attr", '<p style="background:url(javascript:1)">x</p>'),
    ("form", '<form action="javascript:1"><button>go</button></form>'),
]
ALLOWED = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h2", "h3", "h4", "hr"}


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def start_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag of ``html`` with its attributes, as a browser's tokenizer would see them."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_inert(html: str) -> None:
    for tag, attrs in start_tags(html):
        assert tag in ALLOWED, html
        for name, value in attrs:
            assert name in {"href", "title", "rel", "start"}, html
            if name == "href":
                scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value or "")
                assert scheme is None or scheme.group(1).lower() in {"http", "https", "mailto"}, html


@pytest.mark.parametrize(("name", "source"), XSS_MATRIX, ids=[n for n, _ in XSS_MATRIX])
def test_render_markdown_with_hostile_input_leaves_nothing_executable(name: str, source: str) -> None:
    assert_inert(render_markdown(source))
    assert_inert(render_markdown(source, chat=False))


@pytest.mark.parametrize(("name", "source"), RAW_HTML_MATRIX, ids=[n for n, _ in RAW_HTML_MATRIX])
def test_sanitize_html_with_hostile_markup_keeps_only_the_allow_list(name: str, source: str) -> None:
    assert_inert(sanitize_html(source))


def test_render_markdown_raw_html_is_shown_as_text() -> None:
    assert render_markdown("<b>hi</b> <script>x()</script>") == "<p>&lt;b&gt;hi&lt;/b&gt; &lt;script&gt;x()&lt;/script&gt;</p>"


def test_render_markdown_article_subset_renders() -> None:
    html = render_markdown(
        "Go to **Wallet -> History -> Deposits** and copy the `TxID`.\n"
        "1. Open *Wallet*.\n2. See [the guide](/help/en/deposit-crypto).\n"
    )
    assert "<strong>Wallet -&gt; History -&gt; Deposits</strong>" in html
    assert "<code>TxID</code>" in html
    assert "<em>Wallet</em>" in html
    assert re.search(r"<ol>\s*<li>Open", html)
    assert '<a href="/help/en/deposit-crypto" rel="noopener noreferrer">the guide</a>' in html


def test_render_markdown_lists_and_https_links_survive() -> None:
    html = render_markdown("- one\n- [two](https://example.com/a?b=1)\n\nmail [us](mailto:help@example.com)")
    assert re.search(r"<ul>\s*<li>one</li>", html)
    assert 'href="https://example.com/a?b=1"' in html
    assert 'href="mailto:help@example.com"' in html


def test_render_markdown_chat_keeps_line_breaks_page_does_not() -> None:
    assert "<br" in render_markdown("line one\nline two")
    assert "<br" not in render_markdown("line one\nline two", chat=False)


def _message(sender: Sender, text: str, meta: dict[str, object] | None = None) -> Message:
    return Message(
        id=1, conversation_id="c", seq=1, sender=sender, text=text, language="en",
        meta=meta or {}, created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_message_out_bot_answer_has_rendered_html_and_linked_sources() -> None:
    out = message_out(
        _message(Sender.BOT, "Open **Wallet**", {"action": "answer", "sources": [{"slug": "deposit-crypto", "title": "T", "lang": "ja"}]})
    )
    assert out.html == "<p>Open <strong>Wallet</strong></p>"
    assert out.sources[0].url == "/help/ja/deposit-crypto"


@pytest.mark.parametrize("sender", [Sender.BOT, Sender.AGENT, Sender.SYSTEM])
def test_message_out_hostile_text_from_bot_agent_or_system_is_inert(sender: Sender) -> None:
    for _, source in XSS_MATRIX:
        html = message_out(_message(sender, source)).html
        assert html is not None
        assert_inert(html)


def test_message_out_user_text_is_never_rendered() -> None:
    out = message_out(_message(Sender.USER, "**bold** <img src=x onerror=alert(1)>"))
    assert out.html is None
    assert out.text == "**bold** <img src=x onerror=alert(1)>"
