"""Browser test of a handoff end to end: a hacked-account message in the widget becomes an urgent
queue entry in the agent console; the agent claims it, reads the transcript with the bot's context,
replies (the user sees it live), resolves, and the user rates the support."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e_server import (
    TURN_TIMEOUT_MS,
    Pages,
    Server,
    ask,
    open_widget,
    screenshot,
    ui_texts,
    widget_session,
)

pytest_plugins = ["tests.e2e_server"]
pytestmark = pytest.mark.e2e

HACKED = "my account was hacked and someone withdrew all my USDT"
LIVE_MS = 30_000  # an event must reach the other browser well within this, without a reload


def sign_in(page: Any, key: str) -> None:
    expect(page.locator("#login")).to_be_visible()
    page.locator("#api-key").fill(key)
    page.locator("#api-key").press("Enter")
    expect(page.locator("#workspace")).to_be_visible()
    expect(page.locator("#live.on")).to_be_visible()
    expect(page.locator("#agent-name")).to_have_text("Mei")


def normal_handoff(server: Server) -> str:
    """An older waiting conversation at normal priority (the user pressed "talk to an agent")."""
    started = server.request("POST", "/api/v1/conversations", {"locale": "en"})
    server.request(
        "POST", f"/api/v1/conversations/{started['conversation_id']}/handoff", {}, token=started["token"]
    )
    return str(started["conversation_id"])


def test_hacked_account_goes_urgent_and_the_agent_replies_live(
    pages: Pages, e2e_server: Server, agent_key: str
) -> None:
    en = ui_texts(e2e_server, "en")

    # The agent signs in first, so an agent is online when the user is handed off.
    console = pages.new_page("/console")
    sign_in(console, agent_key)
    older = normal_handoff(e2e_server)
    expect(console.locator(f'#queue-list [data-conversation="{older}"]')).to_be_visible(timeout=LIVE_MS)

    # (2) The user reports a hacked account: the bot gives first steps and hands off, urgently.
    widget = pages.new_page("/")
    open_widget(widget)
    ask(widget, HACKED)
    handoff = widget.locator('.sb-msg[data-action="handoff"]').last
    expect(handoff).to_be_visible(timeout=TURN_TIMEOUT_MS)
    queue_banner = widget.locator(".sb-queue")
    expect(queue_banner).to_be_visible()
    expect(queue_banner.locator(".sb-pos")).to_have_text(en["ui.widget.queue_position"].format(position=1))
    expect(widget.locator('.sb-msg[data-action="queue"]').last).to_be_visible()
    expect(widget.locator(".sb-agent-btn")).to_be_hidden()
    screenshot(widget, "test_hacked_account_widget_queue")
    conversation_id = widget_session(widget)["conversation_id"]

    # The console lists it live, first, with the urgent badge, ahead of the older normal one.
    first = console.locator("#queue-list > .conv-item").first
    expect(first).to_have_attribute("data-conversation", conversation_id, timeout=LIVE_MS)
    badge = first.locator(".prio-urgent")
    expect(badge).to_have_text(en["priority.urgent"])
    assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(196, 38, 27)"
    expect(first.locator(".reason")).to_be_visible()
    items = console.locator("#queue-list > .conv-item")
    ids = [items.nth(i).get_attribute("data-conversation") for i in range(items.count())]
    assert ids.index(conversation_id) < ids.index(older)
    waited = first.locator("[data-waited]")
    shown = waited.inner_text()
    expect(waited).not_to_have_text(shown, timeout=5_000)  # the waited time ticks
    screenshot(console, "test_hacked_account_console_queue")

    # (3) The agent claims it and reads the transcript with the bot's context.
    first.locator(".claim").click()
    conv = console.locator("#conv")
    expect(conv).to_have_attribute("data-conversation", conversation_id)
    expect(conv).to_have_attribute("data-status", "with_agent")
    expect(console.locator("#messages .from-user .msg-text").first).to_have_text(HACKED)
    expect(console.locator('#context-facts [data-reason="security"]')).to_be_visible()
    expect(console.locator("#articles .article").first).to_be_visible()
    expect(console.locator(f'#mine-list [data-conversation="{conversation_id}"]')).to_be_visible()
    screenshot(console, "test_hacked_account_console_transcript")

    # The user sees the agent join, then the agent's reply, live (no reload).
    reply = "Hi, this is Mei from security. I have locked your account; please don't share any codes."
    console.locator("#reply").fill(reply)
    console.locator("#reply").press("Enter")
    expect(console.locator("#messages .from-agent .msg-text").last).to_have_text(reply)
    agent_msg = widget.locator('.sb-msg[data-sender="agent"]').last
    expect(agent_msg.locator(".sb-bubble")).to_have_text(reply, timeout=LIVE_MS)
    expect(agent_msg.locator(".sb-who")).to_contain_text("Mei")
    expect(widget.locator(".sb-queue")).to_be_hidden()
    screenshot(widget, "test_hacked_account_widget_agent_reply")

    # The user answers; the agent sees it live.
    ask(widget, "Thank you, I changed my email password too.")
    expect(console.locator("#messages .from-user .msg-text").last).to_have_text(
        "Thank you, I changed my email password too.", timeout=LIVE_MS
    )

    # The agent resolves; the widget asks for a rating (CSAT).
    console.locator("#btn-resolve").click()
    expect(conv).to_have_attribute("data-status", "resolved")
    expect(console.locator(f'#mine-list [data-conversation="{conversation_id}"]')).to_have_count(
        0, timeout=LIVE_MS
    )
    csat = widget.locator(".sb-csat")
    expect(csat).to_be_visible(timeout=LIVE_MS)
    expect(csat.locator("legend")).to_have_text(en["ui.widget.csat_title"])
    csat.locator(".sb-star").nth(4).click()
    csat.locator("textarea").fill("Fast and helpful")
    screenshot(widget, "test_hacked_account_widget_csat")
    csat.locator('button[type="submit"]').click()
    expect(widget.locator(".sb-csat .sb-done")).to_be_visible()
    expect(widget.locator(".sb-new-btn")).to_be_visible()
