"""Browser tests of the help desk a support team expects (issue 13), in en, ar (RTL), ja and ru:

- the console says why a key is refused (unknown key, disabled agent) in its own language;
- a queue card shows the user's problem (first substantive message), the case, language and wait,
  not the latest words; the bot context shows labels, what the bot told the user, and no confidence
  on a handoff; "Resolve and return to bot" still asks the user for a rating;
- while waiting, what the user types is acknowledged, and "never mind, I found it" brings the
  assistant back.

Screenshots go to ``test-artifacts/e2e/`` like the other browser tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from playwright.sync_api import expect

from tests import e2e_server as e2e
from tests.e2e_server import (
    ROOT,
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
e2e.STARTUP_TIMEOUT_S = max(e2e.STARTUP_TIMEOUT_S, 900.0)

LANGS = ["en", "ar", "ja", "ru"]
LIVE_MS = 30_000
HACKED = {
    "en": "my account was hacked last night",
    "ar": "تم اختراق حسابي البارحة",
    "ja": "アカウントを乗っ取られたみたいです",
    "ru": "мой аккаунт взломали вчера",
}
# Said while waiting: short, not the problem; the card must keep showing the first message.
LATER = {"en": "no idea", "ar": "لا أعرف", "ja": "わかりません", "ru": "не знаю"}
QUESTION = {
    "en": "Which network should I use for USDT?",
    "ar": "ما الشبكة التي يجب أن أستخدمها لـ USDT؟",
    "ja": "USDTはどのネットワークを使えばいいですか？",
    "ru": "Какую сеть выбрать для USDT?",
}


def _cli(server: Server, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "handoff", *args], cwd=ROOT, env=server.env, capture_output=True, text=True,
        timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def desk_keys(e2e_server: Server) -> dict[str, str]:
    """An agent for the four test languages, and a disabled one (its key is known but refused)."""
    made = json.loads(_cli(e2e_server, "add-agent", "--name", "Desk", "--languages", "en,ar,ja,ru", "--json"))
    gone = json.loads(_cli(e2e_server, "add-agent", "--name", "Gone", "--languages", "en", "--json"))
    _cli(e2e_server, "disable-agent", str(gone["agent_id"]))
    return {"agent": str(made["api_key"]), "disabled": str(gone["api_key"])}


def _console(pages: Pages, lang: str) -> Any:
    page = pages.new_page("/console")
    expect(page.locator("#login")).to_be_visible()
    page.locator("#lang-select").select_option(lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    return page


def _sign_in(page: Any, key: str) -> None:
    page.locator("#api-key").fill(key)
    page.locator("#api-key").press("Enter")


@pytest.mark.parametrize("lang", LANGS)
def test_console_problem_context_and_rating_after_return_to_bot(
    pages: Pages, e2e_server: Server, desk_keys: dict[str, str], lang: str
) -> None:
    texts = ui_texts(e2e_server, lang)
    console = _console(pages, lang)
    # A bad key and a disabled agent's key: the server's reason, in the console's language.
    _sign_in(console, "sbk_this-key-does-not-exist")
    error = console.locator("#login-error")
    expect(error).to_have_text(texts["ui.console.error_invalid_key"])
    _sign_in(console, desk_keys["disabled"])
    expect(error).to_have_attribute("data-code", "agent_disabled")
    expect(error).to_have_text(texts["ui.console.error_agent_disabled"])
    screenshot(console, f"test_desk_console_disabled_key_{lang}")
    _sign_in(console, desk_keys["agent"])
    expect(console.locator("#workspace")).to_be_visible()

    # The user reports a hacked account, then says something short while waiting.
    widget = pages.new_page(f"/?locale={lang}")
    open_widget(widget)
    ask(widget, HACKED[lang])
    expect(widget.locator('.sb-msg[data-action="queue"]').last).to_be_visible(timeout=TURN_TIMEOUT_MS)
    ask(widget, LATER[lang])
    expect(widget.locator('.sb-msg[data-action="waiting_ack"]')).to_have_count(1, timeout=LIVE_MS)
    cid = widget_session(widget)["conversation_id"]

    card = console.locator(f'#queue-list [data-conversation="{cid}"]')
    expect(card).to_be_visible(timeout=LIVE_MS)
    expect(card.locator("[data-problem]")).to_contain_text(HACKED[lang])
    expect(card.locator("[data-problem]")).not_to_contain_text(LATER[lang])
    expect(card.locator('[data-case="account_compromised"]')).to_contain_text(texts["ui.console.case.account_compromised"])
    expect(card.locator(".badge.lang")).to_have_text(texts[f"lang.{lang}"])
    expect(card.locator("[data-waited]")).to_be_visible()
    if lang == "ar":
        assert console.evaluate("document.documentElement.dir") == "rtl"
    screenshot(console, f"test_desk_console_queue_card_{lang}")

    # The bot context: labels, not codes; what the bot told the user; no confidence on a handoff.
    card.locator(".conv-open").click()
    facts = console.locator("#context-facts")
    expect(facts.locator('[data-case="account_compromised"]')).to_have_text(texts["ui.console.case.account_compromised"])
    expect(facts).not_to_contain_text("account_compromised")
    expect(facts).not_to_contain_text(texts["ui.widget.confidence"])
    told = console.locator("#bot-told-box")
    expect(told).to_be_visible()
    expect(told.locator("h4")).to_have_text(texts["ui.console.bot_told"])
    expect(told.locator(".told").first).not_to_be_empty()
    screenshot(console, f"test_desk_console_context_{lang}")

    # Claim, then "Resolve and return to bot": the user is still asked for a rating.
    console.locator("#btn-claim").click()
    expect(console.locator("#conv")).to_have_attribute("data-status", "with_agent")
    console.locator("#btn-resolve-bot").click()
    expect(console.locator("#conv")).to_have_attribute("data-status", "bot")
    csat = widget.locator(".sb-csat")
    expect(csat).to_be_visible(timeout=LIVE_MS)
    expect(csat.locator("legend")).to_have_text(texts["ui.widget.csat_title"])
    csat.locator(".sb-star").nth(3).click()
    screenshot(widget, f"test_desk_widget_csat_after_return_{lang}")
    csat.locator('button[type="submit"]').click()
    expect(widget.locator(".sb-csat .sb-done")).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_widget_waiting_ack_and_never_mind(pages: Pages, e2e_server: Server, lang: str) -> None:
    texts = ui_texts(e2e_server, lang)
    widget = pages.new_page(f"/?locale={lang}")
    open_widget(widget)
    never_mind = widget.locator(".sb-nevermind-btn")
    expect(never_mind).to_be_hidden()
    widget.locator(".sb-agent-btn").click()
    expect(widget.locator(".sb-panel")).to_have_attribute("data-status", "waiting", timeout=TURN_TIMEOUT_MS)
    expect(never_mind).to_be_visible()
    expect(never_mind).to_have_text(texts["ui.widget.never_mind"])

    # A question typed while waiting is acknowledged in the user's language, not met with silence.
    ask(widget, QUESTION[lang])
    ack = widget.locator('.sb-msg[data-action="waiting_ack"]')
    expect(ack).to_have_count(1, timeout=LIVE_MS)
    expect(ack.locator(".sb-bubble")).to_have_attribute("lang", lang)
    if lang == "ar":
        assert widget.locator(".sb-panel").evaluate("el => getComputedStyle(el).direction") == "rtl"
    screenshot(widget, f"test_desk_widget_waiting_ack_{lang}")

    # "Never mind, I found it": back to the assistant, told so, and the bot answers again.
    never_mind.click()
    expect(widget.locator(".sb-panel")).to_have_attribute("data-status", "bot")
    expect(widget.locator('.sb-msg[data-action="handoff_withdrawn"]')).to_have_count(1)
    expect(never_mind).to_be_hidden()
    expect(widget.locator(".sb-queue")).to_be_hidden()
    screenshot(widget, f"test_desk_widget_never_mind_{lang}")
    ask(widget, QUESTION[lang])
    expect(widget.locator('.sb-msg[data-sender="bot"]').last).not_to_have_attribute(
        "data-action", "handoff_withdrawn", timeout=TURN_TIMEOUT_MS
    )


@pytest.mark.parametrize("locale", ["zh-TW", "zh-HK"])
def test_traditional_chinese_widget(pages: Pages, e2e_server: Server, locale: str) -> None:
    hant = ui_texts(e2e_server, "zh-Hant")
    simplified = ui_texts(e2e_server, "zh")
    widget = pages.new_page(f"/?locale={locale}", locale=locale)
    open_widget(widget)
    expect(widget.locator(".sb-panel")).to_have_attribute("lang", "zh-Hant")
    expect(widget.locator(".sb-agent-btn")).to_have_text(hant["ui.widget.talk_to_agent"])
    assert hant["ui.widget.talk_to_agent"] != simplified["ui.widget.talk_to_agent"]
    assert widget.locator("#sb-input").get_attribute("placeholder") == hant["ui.widget.placeholder"]
    ask(widget, "充值一直沒有到帳，怎麼辦？")
    answer = widget.locator('.sb-msg[data-sender="bot"][data-action="answer"]').last
    expect(answer).to_be_visible(timeout=TURN_TIMEOUT_MS)
    # The answer says the article is in Simplified Chinese (the knowledge base has no Traditional one).
    expect(answer.locator(".sb-bubble")).to_contain_text("簡體中文")
    screenshot(widget, f"test_desk_widget_traditional_{locale}")
