"""The help center: categories, articles with their other languages, search with the bot's retriever,
RTL, 404s, security headers, and article authors' markup rendered inert."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from bot.messages import load_catalog
from bot.turn import Bot
from config.languages import SUPPORTED_LANGUAGES
from retrieval import Article, Section
from tests.test_web_richtext import XSS_MATRIX, assert_inert, start_tags
from tests.web_support import client, clock, real_bot
from web.helpcenter import article_html

__all__ = ["client", "clock", "real_bot"]

HTML = {"Accept": "text/html"}


def page(client: TestClient, path: str, status: int = 200) -> str:
    r = client.get(path, headers=HTML)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    # No inline script: the only script is the widget, by URL.
    assert re.findall(r"<script\b[^>]*>", r.text) == ['<script src="/widget.js" defer data-locale="' + _lang(path) + '">']
    assert [(tag, name) for tag, attrs in start_tags(r.text) for name, _ in attrs if name.startswith("on")] == []
    return r.text


def _lang(path: str) -> str:
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[2] in SUPPORTED_LANGUAGES else "en"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_help_index_lists_every_category_and_article_in_its_language(client: TestClient, real_bot: Bot, lang: str) -> None:
    html = page(client, f"/help/{lang}/")
    texts = load_catalog().for_language(lang, "ui.help.")
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    assert texts["ui.help.title"] in html
    articles = [a for a in real_bot.retriever.articles.values() if a.lang == lang]
    for category in {a.category for a in articles}:
        assert f'id="category-{category}"' in html
        assert f">{texts[f'ui.help.category.{category}']}</h2>" in html
    for a in articles:
        assert f'href="/help/{lang}/{a.slug}"' in html
    assert f'action="/help/{lang}/search"' in html


def test_help_article_renders_markdown_and_links_its_other_languages(client: TestClient) -> None:
    html = page(client, "/help/ja/deposit-crypto")
    assert '<html lang="ja" dir="ltr">' in html
    assert re.search(r"<ol>\s*<li>", html) and "<h2>" in html
    for lang in SUPPORTED_LANGUAGES:
        assert f'<link rel="alternate" hreflang="{lang}" href="/help/{lang}/deposit-crypto">' in html
    assert '<link rel="alternate" hreflang="x-default" href="/help/en/deposit-crypto">' in html
    assert 'href="/help/ar/deposit-crypto" hreflang="ar" lang="ar">العربية</a>' in html
    assert load_catalog().render("ui.help.other_languages", "ja") in html


def test_help_article_bold_and_lists_render_without_markdown_syntax(client: TestClient) -> None:
    html = page(client, "/help/en/deposit-crypto")
    assert "<strong>Wallet -&gt; Deposit</strong>" in html
    assert "**" not in html


def test_help_article_in_arabic_is_right_to_left(client: TestClient) -> None:
    html = page(client, "/help/ar/enable-2fa")
    assert '<html lang="ar" dir="rtl">' in html


def test_help_search_uses_the_retriever(client: TestClient) -> None:
    html = page(client, "/help/en/search?q=my+deposit+has+not+arrived")
    assert "Results for “my deposit has not arrived”" in html
    first = re.search(r'<ol class="help-results">\s*<li><a href="([^"]+)"', html)
    assert first and first.group(1) == "/help/en/deposit-not-credited"


def test_help_search_escapes_the_query(client: TestClient) -> None:
    html = page(client, '/help/en/search?q="><script>alert(1)</script><img src=x onerror=alert(1)>')
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&#34;&gt;&lt;script&gt;' in html


def test_help_search_without_query_shows_the_box(client: TestClient) -> None:
    html = page(client, "/help/ru/search")
    assert load_catalog().render("ui.help.search_label", "ru") in html


def test_help_search_query_too_long_is_422(client: TestClient) -> None:
    r = client.get("/help/en/search", params={"q": "x" * 301})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("path", ["/help/xx/", "/help/fr/", "/help/en/no-such-article", "/help/xx/deposit-crypto", "/help/en/search/x"])
def test_help_unknown_lang_or_slug_is_404_page_or_error_shape(client: TestClient, path: str) -> None:
    html = page(client, path, status=404)
    assert 'data-code="not_found"' in html
    r = client.get(path, headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": r.json()["error"]["message"]}}


def test_help_404_in_a_known_language_is_localised(client: TestClient) -> None:
    html = page(client, "/help/ar/no-such-article", status=404)
    assert '<html lang="ar" dir="rtl">' in html
    assert load_catalog().render("ui.help.not_found_title", "ar") in html


def test_help_root_redirects_to_english(client: TestClient) -> None:
    r = client.get("/help/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/help/en/"
    r = client.get("/help/ja", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/help/ja/"


def _hostile_article(text: str, slug: str = "xss-probe") -> Article:
    return Article(
        slug=slug, lang="en", title='<img src=x onerror="alert(1)"> Title', category="security", escalate="none",
        updated=dt.date(2026, 1, 1), example_questions=("q",) * 5, summary=text, steps=("one",),
        sections=(Section("Steps <svg onload=alert(1)>", f"1. {text}\n2. two"),),
    )


@pytest.mark.parametrize(("name", "source"), XSS_MATRIX, ids=[n for n, _ in XSS_MATRIX])
def test_help_article_html_with_hostile_author_markup_is_inert(name: str, source: str) -> None:
    assert_inert(article_html(_hostile_article(source)))


def test_help_article_page_with_hostile_author_markup_is_inert(
    client: TestClient, real_bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = " ".join(source for _, source in XSS_MATRIX)
    monkeypatch.setitem(real_bot.retriever.articles, "en/xss-probe", _hostile_article(text))
    html = page(client, "/help/en/xss-probe")
    body = html.split('<main class="help-wrap help-main" id="main">', 1)[1].split("</main>", 1)[0]
    assert_inert(body.split('<div class="help-body">', 1)[1].split("</div>", 1)[0])  # the article itself
    for tag, attrs in start_tags(body):  # and the page around it
        assert tag not in {"script", "img", "svg", "iframe", "object", "embed", "style", "form"}, tag
        assert [name for name, _ in attrs if name.startswith("on") or name == "style"] == []
        assert all(not (value or "").lower().startswith(("javascript:", "data:")) for name, value in attrs if name == "href")
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Title" in body
