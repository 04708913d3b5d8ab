"""Browser tests of the widget on the demo help-center page, against the real server.

Chromium is Debian's /usr/bin/chromium driven by Playwright; screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e_server import (
    ROOT,
    TURN_TIMEOUT_MS,
    Pages,
    Server,
    TcpProxy,
    ask,
    open_widget,
    screenshot,
    ui_texts,
    widget_session,
)

pytest_plugins = ["tests.e2e_server"]
pytestmark = pytest.mark.e2e

HAN = re.compile(r"[\u4e00-\u9fff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")


def kb_title(lang: str, slug: str) -> str:
    text = (ROOT / "kb_articles" / lang / f"{slug}.md").read_text(encoding="utf-8")
    front = text.split("+++")[1]
    return str(tomllib.loads(front)["title"])


def test_chinese_question_gets_chinese_answer(pages: Pages, e2e_server: Server) -> None:
    page = pages.new_page("/")
    open_widget(page)
    ask(page, "我的充币还没到账，怎么办？")

    answer = page.locator('.sb-msg[data-sender="bot"][data-action="answer"]').last
    expect(answer).to_be_visible(timeout=TURN_TIMEOUT_MS)
    assert HAN.search(answer.locator(".sb-bubble").inner_text())
    source = answer.locator(".sb-source-title").first
    expect(source).to_be_visible()
    slug = source.get_attribute("data-slug")
    assert slug
    expect(source).to_have_text(kb_title("zh", slug))
    assert HAN.search(source.inner_text())
    # The UI follows the conversation's language: labels come from /api/v1/i18n/zh.
    zh = ui_texts(e2e_server, "zh")
    expect(answer.locator(".sb-source b")).to_have_text(zh["ui.widget.source"])
    expect(answer.locator(".sb-confidence")).to_contain_text("%")
    expect(answer.locator(".sb-helpful-q")).to_have_text(zh["ui.widget.helpful_question"])
    expect(page.locator(".sb-panel")).to_have_attribute("lang", "zh")
    screenshot(page, "test_chinese_question_gets_chinese_answer")

    # Helpful yes/no is recorded.
    yes = answer.locator(".sb-yes")
    yes.click()
    expect(yes).to_have_attribute("aria-pressed", "true")
    expect(yes).to_be_disabled()


def test_arabic_renders_right_to_left(pages: Pages, e2e_server: Server) -> None:
    page = pages.new_page("/?locale=ar")
    open_widget(page)
    panel = page.locator(".sb-panel")
    expect(panel).to_have_attribute("dir", "rtl")
    assert panel.evaluate("el => getComputedStyle(el).direction") == "rtl"
    ar = ui_texts(e2e_server, "ar")
    expect(page.locator("#sb-title")).to_have_text(ar["ui.widget.title"])
    greeting = page.locator('.sb-msg[data-action="greeting"] .sb-bubble')
    assert ARABIC.search(greeting.inner_text())

    ask(page, "كيف أفعّل المصادقة الثنائية؟")  # "How do I turn on two-factor authentication?"
    reply = page.locator('.sb-msg[data-sender="bot"][data-action="answer"]').last
    expect(reply).to_be_visible(timeout=TURN_TIMEOUT_MS)
    assert ARABIC.search(reply.locator(".sb-bubble").inner_text())
    assert ARABIC.search(reply.locator(".sb-source-title").first.inner_text())
    expect(reply.locator(".sb-source b")).to_have_text(ar["ui.widget.source"])
    assert reply.locator(".sb-bubble").evaluate("el => getComputedStyle(el).direction") == "rtl"
    # Mirrored: the user's bubble hugs the left edge, the bot's the right edge.
    user_box = page.locator('.sb-msg[data-sender="user"] .sb-bubble').last.bounding_box()
    bot_box = reply.locator(".sb-bubble").bounding_box()
    panel_box = panel.bounding_box()
    assert user_box and bot_box and panel_box
    assert user_box["x"] - panel_box["x"] < 40
    assert (panel_box["x"] + panel_box["width"]) - (bot_box["x"] + bot_box["width"]) < 40
    screenshot(page, "test_arabic_renders_right_to_left")


def test_reload_resumes_the_conversation(pages: Pages) -> None:
    page = pages.new_page("/")
    open_widget(page)
    ask(page, "How do I reset my password?")
    expect(page.locator('.sb-msg[data-sender="bot"]').nth(1)).to_be_visible(timeout=TURN_TIMEOUT_MS)
    before = widget_session(page)
    count = page.locator(".sb-log .sb-msg[data-seq]").count()

    page.reload()
    # The panel was open, so it reopens; the transcript comes back from the server.
    expect(page.locator(".sb-panel")).to_be_visible()
    expect(page.locator('.sb-msg[data-sender="user"] .sb-bubble')).to_have_text(
        ["How do I reset my password?"]
    )
    expect(page.locator(".sb-log .sb-msg[data-seq]")).to_have_count(count)
    assert widget_session(page)["conversation_id"] == before["conversation_id"]

    # And it goes on in the same conversation.
    ask(page, "And how do I change my email?")
    expect(page.locator('.sb-msg[data-sender="bot"]')).to_have_count(3, timeout=TURN_TIMEOUT_MS)
    assert widget_session(page)["conversation_id"] == before["conversation_id"]
    screenshot(page, "test_reload_resumes_the_conversation")


def _style(locator: Any, prop: str) -> str:
    return str(locator.evaluate(f"el => getComputedStyle(el).getPropertyValue('{prop}')"))


def test_host_page_css_does_not_leak_into_the_widget(pages: Pages) -> None:
    page = pages.new_page("/")
    # The host page really is hostile...
    boom = page.locator(".hostile-demo .boom")
    assert _style(boom, "font-size") == "40px"
    assert _style(boom, "color") == "rgb(255, 0, 0)"
    open_widget(page)
    boom.scroll_into_view_if_needed()
    # ...and none of it reaches inside the Shadow DOM.
    bubble = page.locator('.sb-msg[data-action="greeting"] .sb-bubble')
    assert _style(bubble, "font-size") == "14px"
    assert _style(bubble, "color") != "rgb(255, 0, 0)"
    assert "comic" not in _style(bubble, "font-family").lower()
    assert _style(bubble, "text-transform") == "none"
    launcher = page.locator(".sb-launcher")
    assert _style(launcher, "background-color") != "rgb(255, 105, 180)"
    assert _style(launcher, "border-top-style") != "dashed"
    send = page.locator(".sb-send")
    assert _style(send, "background-color") != "rgb(255, 105, 180)"
    assert _style(send, "font-size") != "32px"
    assert _style(page.locator(".sb-panel"), "display") == "flex"  # host has [role=dialog]{display:none}
    assert page.locator(".sb-launcher svg").is_visible()  # host has svg{display:none}
    screenshot(page, "test_host_page_css_does_not_leak_into_the_widget")


def test_widget_is_keyboard_accessible(pages: Pages, e2e_server: Server) -> None:
    page = pages.new_page("/")
    en = ui_texts(e2e_server, "en")
    launcher = page.locator(".sb-launcher")
    expect(launcher).to_have_attribute("aria-label", en["ui.widget.launcher_label"])
    launcher.focus()
    page.keyboard.press("Enter")
    panel = page.locator('.sb-panel[role="dialog"]')
    expect(panel).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#sb-input")).to_be_focused()
    expect(page.locator('.sb-log[aria-live="polite"]')).to_be_attached()
    page.keyboard.type("How do I enable 2FA?")
    page.keyboard.press("Enter")
    expect(page.locator('.sb-msg[data-sender="bot"]').nth(1)).to_be_visible(timeout=TURN_TIMEOUT_MS)
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_event_stream_reconnects_and_catches_up(pages: Pages, e2e_server: Server) -> None:
    with TcpProxy(int(e2e_server.base_url.rsplit(":", 1)[1])) as proxy:
        page = pages.new_page("/", base_url=proxy.base_url)
        open_widget(page)
        conn = page.locator(".sb-conn")
        expect(conn).to_be_hidden()
        session = widget_session(page)

        proxy.cut()  # the network drops: the widget says so and keeps retrying with backoff
        expect(conn).to_be_visible()
        screenshot(page, "test_event_stream_reconnects_and_catches_up-offline")
        # Meanwhile the conversation moves on (the same user on another tab, say).
        e2e_server.request(
            "POST",
            f"/api/v1/conversations/{session['conversation_id']}/messages",
            {"text": "How do I reset my password?"},
            token=session["token"],
        )
        proxy.restore()

        # Back online: the stream resumes after the last seq it saw and delivers what was missed, once.
        expect(conn).to_be_hidden(timeout=TURN_TIMEOUT_MS)
        expect(page.locator('.sb-msg[data-sender="user"] .sb-bubble')).to_have_text(
            ["How do I reset my password?"]
        )
        expect(page.locator('.sb-msg[data-sender="bot"]').nth(1)).to_be_visible()
        seqs = page.locator(".sb-log .sb-msg[data-seq]").evaluate_all("els => els.map(e => +e.dataset.seq)")
        assert seqs == sorted(set(seqs))
        screenshot(page, "test_event_stream_reconnects_and_catches_up")
