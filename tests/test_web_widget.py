"""Widget API: conversations, messages, handoff, feedback, contact, i18n, plus /healthz and /api/v1/ask."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from handoff import find_by_token_hash, get_transcript, list_messages
from tests.web_support import client, clock, db_path, new_agent, real_bot, say, start, stored

# Every test here runs on both engines: SQLite (the default) and PostgreSQL.
pytestmark = pytest.mark.usefixtures("engine")

__all__ = ["client", "clock", "real_bot"]  # fixtures used by name


def test_start_conversation_returns_token_and_greeting_in_locale_language(client: TestClient) -> None:
    conv = start(client, locale="es-MX")
    assert conv["status"] == "bot" and conv["language"] == "es"
    assert len(conv["token"]) >= 43  # 32 random bytes, URL-safe base64
    greeting = conv["messages"][0]
    assert greeting["sender"] == "bot" and greeting["language"] == "es" and greeting["seq"] == 1
    assert greeting["action"] == "greeting" and greeting["sources"] == [] and greeting["quick_replies"] == []
    assert "¡Hola!" in greeting["text"]
    assert conv["conversation"]["id"] == conv["conversation_id"]


@pytest.mark.sqlite_only("reads the database file's bytes")
def test_start_conversation_stores_only_the_token_hash(client: TestClient) -> None:
    conv = start(client)
    with stored(db_path(client)) as db:
        found = find_by_token_hash(db, hashlib.sha256(conv["token"].encode()).hexdigest())
    assert found is not None and found.id == conv["conversation_id"]
    assert conv["token"].encode() not in db_path(client).read_bytes()


def test_start_conversation_without_body_defaults_to_english(client: TestClient) -> None:
    r = client.post("/api/v1/conversations")
    assert r.status_code == 201
    assert r.json()["language"] == "en"


def test_post_message_answers_with_source_and_commits_before_201(client: TestClient) -> None:
    conv = start(client, locale="en-US")
    out = say(client, conv, "How do I reset my password?")
    assert out["message"]["sender"] == "user" and out["message"]["seq"] == 2
    reply = out["replies"][-1]
    assert reply["action"] == "answer" and reply["language"] == "en"
    assert reply["sources"][0]["slug"] and reply["sources"][0]["title"]
    assert 0 <= reply["confidence"] <= 1
    assert out["conversation"]["status"] == "bot"
    # Read back through a brand-new connection: everything the response mentions is on disk.
    with stored(db_path(client)) as db:
        rows = list_messages(db, conv["conversation_id"])
    assert [m.seq for m in rows] == [1, 2, *[m["seq"] for m in out["replies"]]]
    assert rows[1].sender == "user"
    # Asking for a person afterwards hands the agent what the bot last considered.
    cid = conv["conversation_id"]
    assert client.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"]).status_code == 200
    _, agent = new_agent(db_path(client))
    context = client.get(f"/api/v1/agent/conversations/{cid}", headers=agent).json()["context"]
    assert context["why"] == "user_request" and context["confidence"] == reply["confidence"]
    assert context["articles"][0]["slug"] == reply["sources"][0]["slug"]


def test_chinese_question_gets_a_chinese_answer(client: TestClient) -> None:
    conv = start(client)
    out = say(client, conv, "我忘记了登录密码，怎么重置密码？")
    reply = out["replies"][-1]
    assert reply["language"] == "zh" and out["conversation"]["language"] == "zh"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply["text"])


def test_list_messages_after_seq_returns_only_later_ones(client: TestClient) -> None:
    conv = start(client)
    cid = conv["conversation_id"]
    client.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"])
    r = client.get(f"/api/v1/conversations/{cid}/messages", params={"after": 1}, headers=conv["auth"])
    assert r.status_code == 200
    seqs = [m["seq"] for m in r.json()["messages"]]
    assert seqs and min(seqs) == 2
    assert r.json()["conversation"]["status"] == "waiting"
    r = client.get(f"/api/v1/conversations/{cid}/messages", params={"after": -1}, headers=conv["auth"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_handoff_queues_with_position_and_second_request_is_409(client: TestClient) -> None:
    conv = start(client, locale="pt-BR")
    cid = conv["conversation_id"]
    r = client.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"])
    assert r.status_code == 200
    body = r.json()
    assert body["conversation"]["status"] == "waiting" and body["conversation"]["queue_position"] == 1
    assert body["conversation"]["priority"] == "normal"
    assert [m["sender"] for m in body["replies"]] == ["bot", "system"]
    assert all(m["language"] == "pt" for m in body["replies"])
    assert body["conversation"]["agents_online"] == 0  # the notice says nobody is online
    r = client.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_handed_off"


def test_handoff_after_resolve_reopens_and_queues_again(client: TestClient) -> None:
    conv = start(client)
    cid = conv["conversation_id"]
    _, agent = new_agent(db_path(client))
    client.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"])
    assert client.post(f"/api/v1/agent/conversations/{cid}/claim", headers=agent).status_code == 200
    assert client.post(f"/api/v1/agent/conversations/{cid}/resolve", headers=agent).status_code == 200
    r = client.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"])
    assert r.status_code == 200 and r.json()["conversation"]["status"] == "waiting"


def test_user_message_while_waiting_is_stored_for_the_agent_without_bot_reply(client: TestClient) -> None:
    conv = start(client)
    cid = conv["conversation_id"]
    client.post(f"/api/v1/conversations/{cid}/handoff", headers=conv["auth"])
    out = say(client, conv, "Are you there?")
    # No bot answer, only the system's note that the agent will see it (tests/test_web_desk_waiting.py).
    assert [(m["sender"], m["action"]) for m in out["replies"]] == [("system", "waiting_ack")]
    assert out["conversation"]["status"] == "waiting"


def test_feedback_vote_rating_and_validation_errors(client: TestClient) -> None:
    conv = start(client, locale="ja")
    cid, auth = conv["conversation_id"], conv["auth"]
    greeting_id = conv["messages"][0]["id"]
    url = f"/api/v1/conversations/{cid}/feedback"
    r = client.post(url, json={"message_id": greeting_id, "helpful": True}, headers=auth)
    assert r.status_code == 201 and r.json()["ok"] is True
    assert r.json()["message"] != "Thanks for letting us know!"  # thanked in Japanese
    for bad in (
        {"rating": 5},  # not resolved yet
        {"helpful": True},  # a vote without its message
        {"message_id": greeting_id},  # a message without a vote
        {"rating": 9},
        {"message_id": 999999, "helpful": False},
    ):
        r = client.post(url, json=bad, headers=auth)
        assert r.status_code == 422, bad
        assert r.json()["error"]["code"] == "invalid_feedback", bad
    for bad in ({"helpful": "yes", "message_id": greeting_id}, {"rating": 4, "extra": 1}, {"comment": "x" * 2001}):
        r = client.post(url, json=bad, headers=auth)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", bad


def test_csat_after_resolve_is_recorded(client: TestClient) -> None:
    conv = start(client)
    cid, auth = conv["conversation_id"], conv["auth"]
    _, agent = new_agent(db_path(client))
    client.post(f"/api/v1/conversations/{cid}/handoff", headers=auth)
    client.post(f"/api/v1/agent/conversations/{cid}/claim", headers=agent)
    client.post(f"/api/v1/agent/conversations/{cid}/resolve", json={"return_to_bot": False}, headers=agent)
    r = client.post(f"/api/v1/conversations/{cid}/feedback", json={"rating": 4, "comment": "quick"}, headers=auth)
    assert r.status_code == 201 and r.json()["message"] == "Thanks for your feedback!"
    with stored(db_path(client)) as db:
        assert [(f.rating, f.comment) for f in get_transcript(db, cid).feedback] == [(4, "quick")]


def test_contact_is_saved_and_confirmed_in_user_language(client: TestClient) -> None:
    conv = start(client, locale="ru")
    cid, auth = conv["conversation_id"], conv["auth"]
    r = client.post(f"/api/v1/conversations/{cid}/contact", json={"contact": "ivan@example.com"}, headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] and body["conversation"]["contact"] == "ivan@example.com"
    assert body["message"]["sender"] == "system" and body["message"]["language"] == "ru"
    assert "ivan@example.com" in body["message"]["text"]


def test_contact_that_is_not_an_email_is_refused_in_user_language(client: TestClient) -> None:
    conv = start(client, locale="es")
    url = f"/api/v1/conversations/{conv['conversation_id']}/contact"
    r = client.post(url, json={"contact": "call me maybe"}, headers=conv["auth"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_contact"
    assert "correo" in r.json()["error"]["message"]
    r = client.post(url, json={"contact": "   "}, headers=conv["auth"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_i18n_returns_ui_texts_direction_and_falls_back_to_english(client: TestClient) -> None:
    ar = client.get("/api/v1/i18n/ar").json()
    assert ar["lang"] == "ar" and ar["dir"] == "rtl"
    assert "ui.widget.send" in ar["texts"] and "ui.console.claim" in ar["texts"]
    pt = client.get("/api/v1/i18n/pt-BR").json()
    assert pt["lang"] == "pt" and pt["dir"] == "ltr"
    unknown = client.get("/api/v1/i18n/xx").json()
    en = client.get("/api/v1/i18n/en").json()
    assert unknown["lang"] == "en" and unknown["texts"] == en["texts"]
    assert set(ar["texts"]) == set(en["texts"])


def test_healthz_and_ask(client: TestClient) -> None:
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and "zh" in h["languages"] and h["articles"] > 0
    r = client.post("/api/v1/ask", json={"text": "How do I reset my password?", "locale": "en"})
    assert r.status_code == 200 and r.json()["action"] == "answer"


def test_static_pages_are_served_from_the_static_folder(tmp_path: Path, real_bot: object) -> None:
    from tests.web_support import Clock, make_settings
    from web.app import create_app

    static = tmp_path / "static"
    static.mkdir()
    (static / "demo.html").write_text("<h1>demo</h1>", encoding="utf-8")
    (static / "widget.js").write_text("console.log(1)", encoding="utf-8")
    (static / "console.html").write_text("<h1>console</h1>", encoding="utf-8")
    app = create_app(make_settings(tmp_path), bot=real_bot, clock=Clock(), static_dir=static)  # type: ignore[arg-type]
    with TestClient(app) as c:
        assert c.get("/").text == "<h1>demo</h1>"
        js = c.get("/widget.js")
        assert js.status_code == 200 and js.headers["content-type"].startswith("application/javascript")
        assert c.get("/console").text == "<h1>console</h1>"
        assert c.get("/static/widget.js").text == "console.log(1)"
        missing = c.get("/static/nope.css")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        (static / "console.html").unlink()
        assert c.get("/console").json()["error"]["code"] == "not_found"


def test_sse_reader_and_back_off_are_written_once_for_widget_and_console(client: TestClient) -> None:
    static = Path(__file__).resolve().parents[1] / "web" / "static"
    for name in ("widget.js", "console.js"):
        text = (static / name).read_text(encoding="utf-8")
        assert "getReader" not in text and "Math.pow(2" not in text, name
        assert "SupportBotStream.connect(" in text, name
    js = client.get("/widget.js").text
    assert js.index("root.SupportBotStream = ") < js.index("SupportBotStream.connect(")
    console = client.get("/console").text
    assert console.index('src="/static/sse.js"') < console.index('src="/static/console.js"')


def test_rich_text_copier_is_written_once_for_widget_and_console(client: TestClient) -> None:
    static = Path(__file__).resolve().parents[1] / "web" / "static"
    for name in ("widget.js", "console.js"):
        text = (static / name).read_text(encoding="utf-8")
        assert "RICH_TAGS" not in text and "function copyRich" not in text, name
        assert "SupportBotRich" in text, name
    js = client.get("/widget.js").text
    assert js.index("root.SupportBotRich = ") < js.index("window.SupportBotRich")
    console = client.get("/console").text
    assert console.index('src="/static/richtext.js"') < console.index('src="/static/console.js"')
    assert client.get("/static/richtext.js").status_code == 200
