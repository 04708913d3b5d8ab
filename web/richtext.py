"""The knowledge base's Markdown subset as safe HTML, for widget answers, the console and help pages.

Two independent layers, so a bug in one is not an XSS:

1. markdown-it-py parses CommonMark with raw HTML turned off (``<script>`` written in an article or a
   message comes out as the text ``&lt;script&gt;``), images off, and its own link validation (no
   ``javascript:``, ``vbscript:``, ``file:`` or ``data:`` targets).
2. nh3 (the Rust ``ammonia`` sanitiser) then keeps only an allow-list of tags and attributes and only
   ``http``, ``https`` and ``mailto`` links (relative links stay: they are the help center's own), and
   adds ``rel="noopener noreferrer"`` to every link.

What a user types is never rendered as Markdown (the widget and the console show it as text).
"""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt

# What answers and articles use: paragraphs, bold/italic, lists, links, inline code; headings and
# rules only on help pages, which render whole articles.
ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h2", "h3", "h4", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@functools.cache
def _parser(breaks: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": breaks, "linkify": False, "typographer": False})
    md.disable(["image", "html_block", "html_inline"])
    return md


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes of ``html``."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str, *, chat: bool = True) -> str:
    """``text`` (the article Markdown subset) as sanitised HTML.

    :param chat: a chat bubble keeps single line breaks (``<br>``); a help page follows CommonMark.
    """
    return sanitize_html(_parser(chat).render(text)).strip()
