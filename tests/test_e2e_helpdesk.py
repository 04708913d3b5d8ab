"""Browser tests of readable, safe answers: Markdown rendered in the widget and the console, source
links to the help center, and an XSS matrix on every surface (widget, console transcript, help pages).

An execution is detected three ways: a forbidden element or ``on*`` attribute in the DOM, a
``window.__xss`` probe the payloads would set, and any CSP violation the page reports (the pages'
CSP would block an inline handler, so a violation means markup got as far as trying). A last step
feeds raw hostile HTML as if from a compromised server, to show the browsers' own allow-list holds.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Error, expect

from tests import e2e_server as e2e
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
# The shared 2-core machine is often busy with other test runs: give the server longer to start.
e2e.STARTUP_TIMEOUT_S = max(e2e.STARTUP_TIMEOUT_S, 900.0)

LIVE_MS = 30_000
PROBE = """
window.__xss = 0;
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""
# What a user or an agent might type (Markdown and raw HTML mixed).
TYPED_PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "[click me](javascript:window.__xss=3)",
    '<svg onload="window.__xss=4"></svg>',
    "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9NTwvc2NyaXB0Pg==)",
    "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIj48L3N2Zz4=)",
    "**still bold**",
]
# What a compromised article or server could send as already-"sanitised" HTML: the widget's and the
# console's own allow-list must hold on its own.
RAW_HOSTILE_HTML = (
    '<p>Hostile <strong>answer</strong><script>window.__xss=11</script></p>'
    '<img src="x" onerror="window.__xss=12">'
    '<p><a href="javascript:window.__xss=13">js link</a> <a href="data:text/html,x">data link</a>'
    ' <a href="https://example.com/ok" onclick="window.__xss=14">ok link</a></p>'
    '<svg onload="window.__xss=15"><circle r="1"></circle></svg>'
    '<iframe src="javascript:window.__xss=16"></iframe>'
    '<p style="background:url(javascript:1)" onmouseover="window.__xss=17">styled</p>'
)
INERT_JS = """root => {
  const bad = [];
  root.querySelectorAll("*").forEach(e => {
    if (/^(script|img|svg|iframe|object|embed|style|form|input|link|meta|base)$/i.test(e.tagName)
        && !e.closest(".sb-csat,.sb-contact,.sb-form")) bad.push(e.tagName);
    for (const a of e.attributes) {
      if (/^on/i.test(a.name)) bad.push(e.tagName + "@" + a.name);
      if (a.name === "style" && /url|expression/i.test(a.value)) bad.push(e.tagName + "@style");
      if ((a.name === "href" || a.name === "src" || a.name === "action") && !/^(https?:|mailto:)/i.test(e[a.name] || a.value))
        bad.push(e.tagName + "@" + a.name + "=" + a.value);
    }
  });
  return bad;
}"""


def probe(page: Any) -> None:
    """Install the execution probe and reload, so it runs before any of the page's scripts."""
    page.add_init_script(PROBE)
    page.reload()


def assert_nothing_ran(page: Any, root: Any, *, hostile_server: bool = False) -> None:
    assert root.evaluate(INERT_JS) == []
    assert page.evaluate("window.__xss") == 0
    reports = page.evaluate("window.__csp")
    if hostile_server:
        # Raw handler attributes parsed into the inert <template> are refused by the page's CSP as
        # they are parsed (Chromium reports script-src-attr), before the allow-list drops them; no
        # other kind of report may appear, and nothing ran (the probe above).
        assert all(r.startswith("script-src-attr") for r in reports), reports
    else:
        assert reports == []


# ---------------------------------------------------------------- Markdown answers

DEPOSIT_QUESTIONS = {
    "en": "How do I deposit crypto? Where is my deposit address?",
    "ar": "كيف أودع العملات المشفرة؟ أين عنوان الإيداع الخاص بي؟",
    "ja": "暗号資産を入金するにはどうすればいいですか？入金アドレスはどこですか？",
    "ru": "Как пополнить счёт криптовалютой? Где мой адрес для депозита?",
}


@pytest.mark.parametrize("lang", ["en", "ar", "ja", "ru"])
def test_widget_answer_renders_markdown_and_links_the_article(pages: Pages, lang: str) -> None:
    page = pages.new_page(f"/?locale={lang}")
    probe(page)
    open_widget(page)
    ask(page, DEPOSIT_QUESTIONS[lang])
    answer = page.locator('.sb-msg[data-sender="bot"][data-action="answer"]').last
    expect(answer).to_be_visible(timeout=TURN_TIMEOUT_MS)
    bubble = answer.locator(".sb-bubble")
    # The steps are a real list, bold is bold (the English article marks the menu path), and no
    # Markdown syntax is left over.
    expect(bubble.locator("ol > li").first).to_be_visible()
    if lang == "en":
        expect(bubble.locator("strong").first).to_have_text("Wallet -> Deposit")
    assert "**" not in bubble.inner_text()
    assert _style(bubble, "white-space") == "normal"
    if lang == "ar":
        assert bubble.evaluate("el => getComputedStyle(el).direction") == "rtl"
    # The source is a link to the article's help-center page, in the answer's language.
    source = answer.locator("a.sb-source-title").first
    slug = source.get_attribute("data-slug")
    href = source.get_attribute("href") or ""
    assert slug and re.search(rf"/help/{lang}/{re.escape(slug)}$", href), href
    assert source.get_attribute("rel") == "noopener"
    assert_nothing_ran(page, page.locator(".sb-log"))
    screenshot(page, f"test_widget_answer_renders_markdown-{lang}")
    # Following the source opens the article's page.
    article = pages.new_page("/" + href.split("/", 3)[3])  # the same server, by path
    expect(article.locator("article h1")).to_have_text(source.inner_text())


def _style(locator: Any, prop: str) -> str:
    return str(locator.evaluate(f"el => getComputedStyle(el).getPropertyValue('{prop}')"))


# ---------------------------------------------------------------- XSS matrix: widget and console


def _hostile_transcript(route: Any) -> None:
    """Serve the real transcript with every bot message's HTML replaced by hostile markup."""
    try:
        response = route.fetch()
    except Error:  # the page closed while a poll was in flight
        return
    data = response.json()
    for m in data.get("messages", []):
        if m.get("sender") == "bot":
            m["html"] = RAW_HOSTILE_HTML
            for s in m.get("sources") or []:
                s["url"] = "javascript:window.__xss=21"
    route.fulfill(response=response, body=json.dumps(data), headers={**response.headers, "content-type": "application/json"})


def test_xss_matrix_in_widget_and_console_transcript(pages: Pages, e2e_server: Server, agent_key: str) -> None:
    page = pages.new_page("/")
    probe(page)
    open_widget(page)

    # A user types every payload: it is shown as text, never as markup.
    typed = "\n".join(TYPED_PAYLOADS)
    ask(page, "How do I deposit crypto?\n" + typed)
    expect(page.locator('.sb-msg[data-sender="bot"]').nth(1)).to_be_visible(timeout=TURN_TIMEOUT_MS)
    user_bubble = page.locator('.sb-msg[data-sender="user"] .sb-bubble').last
    expect(user_bubble).to_contain_text("<script>window.__xss=1</script>")
    expect(user_bubble).to_contain_text("**still bold**")

    # An agent replies with the same payloads: Markdown renders, everything else is inert.
    session = widget_session(page)
    cid = session["conversation_id"]
    e2e_server.request("POST", f"/api/v1/conversations/{cid}/handoff", {}, token=session["token"])
    e2e_server.request("POST", f"/api/v1/agent/conversations/{cid}/claim", {}, token=agent_key)
    e2e_server.request(
        "POST", f"/api/v1/agent/conversations/{cid}/messages", {"text": "\n\n".join(TYPED_PAYLOADS)}, token=agent_key
    )
    agent_msg = page.locator('.sb-msg[data-sender="agent"]').last
    expect(agent_msg).to_be_visible(timeout=LIVE_MS)
    expect(agent_msg.locator(".sb-bubble strong")).to_have_text("still bold")
    expect(agent_msg.locator(".sb-bubble")).to_contain_text("<script>window.__xss=1</script>")
    assert_nothing_ran(page, page.locator(".sb-log"))
    screenshot(page, "test_xss_matrix-widget")

    # Even hostile HTML straight from the server is rebuilt through the widget's own allow-list.
    page.route(re.compile(r".*/api/v1/conversations/[^/]+/messages(\?.*)?$"), _hostile_transcript)
    page.reload()
    expect(page.locator(".sb-panel")).to_be_visible()
    hostile = page.locator('.sb-msg[data-sender="bot"] .sb-bubble', has_text="Hostile").first
    expect(hostile).to_be_visible(timeout=LIVE_MS)
    expect(hostile.locator("strong")).to_have_text("answer")
    expect(hostile.locator('a[href="https://example.com/ok"]')).to_have_count(1)
    assert_nothing_ran(page, page.locator(".sb-log"), hostile_server=True)
    screenshot(page, "test_xss_matrix-widget-hostile-server")

    # The console shows the same transcript: user text as text, agent Markdown rendered, nothing runs.
    console = pages.new_page("/console")
    probe(console)
    console.locator("#api-key").fill(agent_key)
    console.locator("#api-key").press("Enter")
    expect(console.locator("#workspace")).to_be_visible()
    console.locator(f'#mine-list [data-conversation="{cid}"]').click()
    expect(console.locator("#conv")).to_have_attribute("data-conversation", cid)
    messages = console.locator("#messages")
    expect(messages.locator(".from-agent .msg-text strong").last).to_have_text("still bold", timeout=LIVE_MS)
    expect(messages.locator(".from-user .msg-text").last).to_contain_text('<img src=x onerror="window.__xss=2">')
    assert_nothing_ran(console, messages)
    screenshot(console, "test_xss_matrix-console")

    # And the console's allow-list holds against hostile server HTML too.
    console.route(re.compile(r".*/api/v1/agent/conversations/[^/]+(\?.*)?$"), _hostile_transcript)
    console.reload()
    expect(console.locator("#workspace")).to_be_visible()
    console.locator(f'#mine-list [data-conversation="{cid}"]').click()
    hostile = console.locator("#messages .from-bot .msg-text", has_text="Hostile").first
    expect(hostile).to_be_visible(timeout=LIVE_MS)
    assert_nothing_ran(console, console.locator("#messages"), hostile_server=True)
    screenshot(console, "test_xss_matrix-console-hostile-server")
    for p in (page, console):
        p.unroute_all(behavior="ignoreErrors")


# ---------------------------------------------------------------- help center

SEARCHES = {
    "en": "my deposit has not arrived",
    "ar": "لم يصل الإيداع إلى حسابي",
    "ja": "入金が反映されません",
    "ru": "депозит не зачислен",
}


@pytest.mark.parametrize("lang", ["en", "ar", "ja", "ru"])
def test_help_center_categories_article_and_search(pages: Pages, e2e_server: Server, lang: str) -> None:
    texts = ui_texts(e2e_server, lang)
    page = pages.new_page(f"/help/{lang}/")
    probe(page)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    assert page.locator("body").evaluate("el => getComputedStyle(el).direction") == ("rtl" if lang == "ar" else "ltr")
    expect(page.locator("h1")).to_have_text(texts["ui.help.title"])
    expect(page.locator("#category-deposit h2")).to_have_text(texts["ui.help.category.deposit"])
    screenshot(page, f"test_help_center_index-{lang}")

    # An article: rendered steps, its other languages linked both ways.
    page.locator('#category-deposit a[data-slug="deposit-crypto"]').click()
    expect(page).to_have_url(re.compile(rf"/help/{lang}/deposit-crypto$"))
    expect(page.locator("article .help-body ol > li").first).to_be_visible()
    assert "**" not in page.locator("article").inner_text()
    assert page.locator('head link[rel="alternate"][hreflang]').count() == 9
    expect(page.locator(".help-alternates h2")).to_have_text(texts["ui.help.other_languages"])
    expect(page.locator(".help-alternates a")).to_have_count(7)
    assert_nothing_ran(page, page.locator("main"))
    screenshot(page, f"test_help_center_article-{lang}")

    # The search box uses the bot's retriever.
    page.locator("#help-q").fill(SEARCHES[lang])
    page.locator("#help-q").press("Enter")
    expect(page).to_have_url(re.compile(rf"/help/{lang}/search\?q="))
    results = page.locator(".help-results a")
    expect(results.first).to_be_visible()
    slugs = [results.nth(i).get_attribute("data-slug") for i in range(min(3, results.count()))]
    assert "deposit-not-credited" in slugs, slugs
    screenshot(page, f"test_help_center_search-{lang}")


def test_help_center_xss_in_search_and_unknown_pages(pages: Pages) -> None:
    payload = '"><script>window.__xss=1</script><img src=x onerror=window.__xss=2><svg onload=window.__xss=3>'
    page = pages.new_page("/help/en/")
    probe(page)
    page.locator("#help-q").fill(payload)
    page.locator("#help-q").press("Enter")
    expect(page.locator("h1")).to_contain_text("<script>window.__xss=1</script>")
    expect(page.locator("#help-q")).to_have_value(payload)
    assert_nothing_ran(page, page.locator("main"))
    screenshot(page, "test_help_center_xss_search")

    missing = pages.new_page("/help/en/no-such-article")
    expect(missing.locator('[data-code="not_found"] h1')).to_be_visible()
    missing_lang = pages.new_page("/help/xx/")
    expect(missing_lang.locator('[data-code="not_found"]')).to_be_visible()
    screenshot(missing, "test_help_center_404")


def test_demo_topic_cards_link_to_the_help_center(pages: Pages) -> None:
    page = pages.new_page("/?locale=ja")
    card = page.locator('.cats a[data-category="deposit"]')
    expect(card).to_have_attribute("href", "/help/ja/#category-deposit")
    card.click()
    expect(page).to_have_url(re.compile(r"/help/ja/#category-deposit$"))
    expect(page.locator("#category-deposit")).to_be_visible()
    screenshot(page, "test_demo_topic_cards_link_to_the_help_center")


# ---------------------------------------------------------------- honest waits

WAIT_TEXTS = {
    "nobody_online": ("ui.widget.wait_nobody_online", "ui.widget.subtitle_offline"),
    "busy": ("ui.widget.wait_busy", "ui.widget.subtitle_busy"),
    "estimate": ("ui.widget.estimated_wait", "ui.widget.subtitle_waiting"),
}


def _assert_wait_texts_agree(page: Any, server: Server, texts: dict[str, str]) -> str:
    """The banner and the header say what the server's state says, and nothing else."""
    session = widget_session(page)
    conv = server.request(
        "GET", f"/api/v1/conversations/{session['conversation_id']}/messages", token=session["token"]
    )["conversation"]
    state = conv["wait_state"]
    banner_key, subtitle_key = WAIT_TEXTS[state]
    expect(page.locator(".sb-panel")).to_have_attribute("data-wait", state, timeout=LIVE_MS)
    eta = page.locator(".sb-queue .sb-eta")
    expect(eta).to_have_count(1)
    expect(eta).to_have_attribute("data-wait", state)
    if state == "estimate":
        minutes = -(-conv["estimated_wait_s"] // 60)
        expect(eta).to_have_text(texts[banner_key].format(minutes=minutes))
    else:
        expect(eta).to_have_text(texts[banner_key])
    expect(page.locator(".sb-subtitle")).to_have_text(texts[subtitle_key])
    # The e-mail route is offered exactly when no number is given.
    if state == "estimate":
        expect(page.locator(".sb-contact")).to_be_hidden()
    else:
        expect(page.locator(".sb-contact")).to_be_visible()
    return str(state)


@pytest.mark.parametrize("lang", ["en", "ar", "ja", "ru"])
def test_wait_texts_agree_with_the_queue_state(
    pages: Pages, e2e_server: Server, agent_key: str, lang: str
) -> None:
    texts = ui_texts(e2e_server, lang)
    page = pages.new_page(f"/?locale={lang}")
    open_widget(page)
    expect(page.locator(".sb-subtitle")).to_have_text(texts["ui.widget.subtitle_bot"])
    page.locator(".sb-agent-btn").click()
    expect(page.locator(".sb-queue")).to_be_visible(timeout=TURN_TIMEOUT_MS)
    first = _assert_wait_texts_agree(page, e2e_server, texts)
    screenshot(page, f"test_wait_texts-{lang}-{first}")

    # An agent comes online (a heartbeat): the same conversation now gets a number, or "busy".
    e2e_server.request("GET", "/api/v1/agent/me", token=agent_key)
    page.reload()
    expect(page.locator(".sb-queue")).to_be_visible(timeout=LIVE_MS)
    second = _assert_wait_texts_agree(page, e2e_server, texts)
    assert second in ("estimate", "busy")
    screenshot(page, f"test_wait_texts-{lang}-{second}")


# ---------------------------------------------------------------- smaller widget fixes


def test_japanese_yes_no_buttons_stay_on_one_line_after_voting(pages: Pages) -> None:
    page = pages.new_page("/?locale=ja")
    open_widget(page)
    ask(page, DEPOSIT_QUESTIONS["ja"])
    answer = page.locator('.sb-msg[data-sender="bot"][data-action="answer"]').last
    expect(answer).to_be_visible(timeout=TURN_TIMEOUT_MS)
    yes = answer.locator(".sb-yes")
    yes.click()
    expect(answer.locator(".sb-thanks")).to_be_visible(timeout=LIVE_MS)
    for chip in (yes, answer.locator(".sb-no")):
        box = chip.bounding_box()
        assert box and box["height"] < 40 and box["width"] > box["height"], box
    screenshot(page, "test_japanese_yes_no_buttons_after_voting")


def test_talk_to_an_agent_is_offered_once(pages: Pages, e2e_server: Server) -> None:
    en = ui_texts(e2e_server, "en")
    page = pages.new_page("/")
    open_widget(page)
    ask(page, "What will the weather be like in Paris tomorrow?")
    reply = page.locator('.sb-msg[data-sender="bot"]').last
    expect(reply).not_to_have_attribute("data-action", "greeting", timeout=TURN_TIMEOUT_MS)
    offers = page.locator(f'button:visible:text-is("{en["ui.widget.talk_to_agent"]}")')
    expect(offers).to_have_count(1)
    screenshot(page, "test_talk_to_an_agent_is_offered_once")
