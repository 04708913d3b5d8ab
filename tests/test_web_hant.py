"""zh-TW and zh-HK readers: UI and system texts from the Traditional Chinese catalog, answers that say
the article is in Simplified Chinese; the conversation's language (routing, articles) stays ``zh``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.messages import load_catalog
from tests.web_support import client, clock, db_path, new_agent, real_bot, say, start

__all__ = ["client", "clock", "real_bot"]

CATALOG = load_catalog()
HANT = CATALOG.texts["zh-Hant"]


def test_i18n_serves_the_traditional_catalog_to_taiwan_and_hong_kong(client: TestClient) -> None:
    for locale in ("zh-TW", "zh-HK", "zh-Hant"):
        body = client.get(f"/api/v1/i18n/{locale}").json()
        assert body["lang"] == "zh-Hant" and body["dir"] == "ltr"
        assert body["texts"]["ui.widget.talk_to_agent"] == HANT["ui.widget.talk_to_agent"] == "轉人工客服"
    simplified = client.get("/api/v1/i18n/zh-CN").json()
    assert simplified["lang"] == "zh" and simplified["texts"]["ui.widget.talk_to_agent"] == "转人工客服"


def test_taiwan_greeting_answer_and_system_messages_are_traditional(client: TestClient) -> None:
    conv = start(client, locale="zh-TW")
    assert conv["messages"][0]["text"].startswith(HANT["greeting"])
    out = say(client, conv, "充值一直沒有到帳，怎麼辦？")
    answer = next(m for m in out["replies"] if m["action"] == "answer")
    # The answer says the article itself is in Simplified Chinese, in Traditional characters.
    assert answer["text"].startswith(HANT["simplified_article_note"])
    assert HANT["answer_intro"] in answer["text"]
    assert out["conversation"]["language"] == "zh"  # routing and articles stay zh
    cid = conv["conversation_id"]
    handed = client.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"]).json()
    assert handed["replies"][0]["text"].startswith(HANT["human_request_ack"])
    _, key = new_agent(db_path(client))
    client.post(f"/api/v1/agent/conversations/{cid}/claim", headers=key)
    joined = client.get(f"/api/v1/conversations/{cid}/messages", headers=conv["auth"]).json()["messages"][-1]
    assert joined["text"] == HANT["agent_joined"].format(agent="Alice")


def test_simplified_reader_gets_no_note(client: TestClient) -> None:
    conv = start(client, locale="zh-CN")
    out = say(client, conv, "充值一直没有到账，怎么办？")
    answer = next(m for m in out["replies"] if m["action"] == "answer")
    assert CATALOG.texts["zh"]["simplified_article_note"] not in answer["text"]
    assert answer["text"].startswith(CATALOG.texts["zh"]["answer_intro"])


def test_traditional_characters_without_a_taiwan_locale_get_traditional_texts(client: TestClient) -> None:
    conv = start(client)
    out = say(client, conv, "我的帳戶被盜了，怎麼辦")
    bot = [m for m in out["replies"] if m["sender"] == "bot"]
    assert bot and HANT["anti_phishing"] in bot[0]["text"]
