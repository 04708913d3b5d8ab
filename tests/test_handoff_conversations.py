"""Conversations and messages: creation, sequence numbers under concurrency, reopen, bot state."""

import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from handoff.conversations import (
    append_message,
    append_user_message,
    create_conversation,
    find_by_token_hash,
    get_bot_state,
    get_conversation,
    list_messages,
    set_bot_state,
    set_contact,
    set_language,
)
from handoff.credentials import hash_secret
from handoff.db import open_db
from handoff.errors import ConversationExists, ConversationNotFound, InvalidInput
from handoff.models import ConversationStatus, Sender
from handoff.states import transition
from tests.handoff_support import count

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
S = ConversationStatus


def test_create_conversation_defaults_to_bot_with_uuid4(db: Database) -> None:
    c = create_conversation(db, locale="zh-CN", language="zh", user_name="Li", now=T0)
    assert uuid.UUID(c.id).version == 4
    assert (c.status, c.language, c.locale, c.user_name) == (S.BOT, "zh", "zh-CN", "Li")
    assert c.created_at == c.updated_at == T0
    assert not c.is_handed_off
    assert get_conversation(db, c.id) == c


def test_create_conversation_with_caller_id_keeps_it(db: Database) -> None:
    cid = str(uuid.uuid4())
    assert create_conversation(db, locale=None, language="EN", conversation_id=cid, now=T0).id == cid


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"conversation_id": "not-a-uuid"}, "UUID"), ({"language": "english"}, "ISO 639-1")]
)
def test_create_conversation_with_bad_input_raises_422(
    db: Database, kwargs: dict[str, str], match: str
) -> None:
    with pytest.raises(InvalidInput, match=match) as caught:
        create_conversation(db, locale=None, **{"language": "en", **kwargs}, now=T0)
    assert caught.value.status_code == 422


def test_create_conversation_when_id_or_token_taken_raises_409(db: Database) -> None:
    first = create_conversation(db, locale=None, language="en", token_hash=hash_secret("t"), now=T0)
    with pytest.raises(ConversationExists) as caught:
        create_conversation(db, locale=None, language="en", conversation_id=first.id, now=T0)
    assert (caught.value.status_code, caught.value.code) == (409, "conversation_exists")
    with pytest.raises(ConversationExists):
        create_conversation(db, locale=None, language="en", token_hash=hash_secret("t"), now=T0)
    assert count(db, "conversations") == 1


def test_create_conversation_with_naive_time_raises(db: Database) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        create_conversation(db, locale=None, language="en", now=datetime(2025, 1, 1))


def test_find_by_token_hash_returns_owner_or_none(db: Database) -> None:
    c = create_conversation(db, locale=None, language="en", token_hash=hash_secret("tok"), now=T0)
    assert find_by_token_hash(db, hash_secret("tok")) == c
    assert find_by_token_hash(db, hash_secret("other")) is None


def test_get_conversation_when_missing_raises_404(db: Database) -> None:
    with pytest.raises(ConversationNotFound):
        get_conversation(db, str(uuid.uuid4()))


def test_append_message_numbers_per_conversation_from_one(db: Database) -> None:
    a = create_conversation(db, locale=None, language="en", now=T0).id
    b = create_conversation(db, locale=None, language="en", now=T0).id
    seqs = [
        append_message(db, cid, sender=Sender.USER, text="hi", language="en", now=T0).seq
        for cid in (a, a, b, a, b)
    ]
    assert seqs == [1, 2, 1, 3, 2]


def test_append_message_keeps_meta_and_unicode(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="zh", now=T0).id
    meta = {"action": "answer", "confidence": 0.83, "sources": [{"slug": "withdraw-fees", "lang": "zh"}]}
    m = append_message(db, cid, sender=Sender.BOT, text="提现手续费", language="zh", meta=meta, now=T0)
    assert list_messages(db, cid) == [m]
    assert m.meta == meta and m.text == "提现手续费" and m.sender == Sender.BOT


def test_append_message_when_conversation_missing_raises_404(db: Database) -> None:
    with pytest.raises(ConversationNotFound):
        append_message(db, "missing", sender=Sender.USER, text="hi", language="en", now=T0)


def test_append_message_when_text_blank_raises_422(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    with pytest.raises(InvalidInput):
        append_message(db, cid, sender=Sender.USER, text="  ", language="en", now=T0)


def test_append_message_is_committed_when_it_returns(db: Database, path: Path) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    append_message(db, cid, sender=Sender.USER, text="hello", language="en", now=T0)
    other = open_db(path, migrate=False)
    try:
        assert [m.text for m in list_messages(other, cid)] == ["hello"]
    finally:
        other.close()


def test_append_message_from_two_threads_on_two_connections_gets_unique_seqs(
    db: Database, path: Path
) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    per_thread = 40
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(sender: Sender) -> None:
        conn = open_db(path, migrate=False)
        try:
            barrier.wait(timeout=10)
            for i in range(per_thread):
                append_message(conn, cid, sender=sender, text=f"{sender} {i}", language="en", now=T0)
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=write, args=(s,)) for s in (Sender.USER, Sender.AGENT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    messages = list_messages(db, cid)
    assert [m.seq for m in messages] == list(range(1, 2 * per_thread + 1))
    for sender in (Sender.USER, Sender.AGENT):
        own = [m.text for m in messages if m.sender == sender]
        assert own == [f"{sender} {i}" for i in range(per_thread)]


def test_list_messages_after_seq_returns_only_newer(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    for i in range(5):
        append_message(db, cid, sender=Sender.USER, text=str(i), language="en", now=T0)
    assert [m.seq for m in list_messages(db, cid, after_seq=3)] == [4, 5]
    assert [m.seq for m in list_messages(db, cid, after_seq=1, limit=2)] == [2, 3]
    assert list_messages(db, cid, after_seq=5) == []


def test_list_messages_when_conversation_missing_raises_404(db: Database) -> None:
    with pytest.raises(ConversationNotFound):
        list_messages(db, "missing")


def test_append_user_message_after_resolved_reopens_to_bot_with_audit(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    for step in (S.WAITING, S.WITH_AGENT, S.RESOLVED):
        transition(db, cid, step, actor="test", reason="setup", now=T0)
    later = T0 + timedelta(days=1)

    conversation, message = append_user_message(db, cid, text="one more thing", language="en", now=later)

    assert conversation.status == S.BOT
    assert message.sender == Sender.USER and message.seq == 1
    last = list(db.query("SELECT * FROM audit_log WHERE conversation_id = ? ORDER BY id", [cid]))[-1]
    assert (last["actor"], last["from_status"], last["to_status"], last["reason"]) == (
        "user",
        "resolved",
        "bot",
        "user_wrote_after_resolve",
    )


@pytest.mark.parametrize("status", [S.BOT, S.WAITING, S.WITH_AGENT])
def test_append_user_message_when_not_resolved_keeps_status(db: Database, status: ConversationStatus) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    for step in {S.BOT: [], S.WAITING: [S.WAITING], S.WITH_AGENT: [S.WAITING, S.WITH_AGENT]}[status]:
        transition(db, cid, step, actor="test", reason="setup", now=T0)
    audit_before = count(db, "audit_log")

    conversation, _ = append_user_message(db, cid, text="hello?", language="en", now=T0)

    assert conversation.status == status
    assert conversation.is_handed_off is (status != S.BOT)
    assert count(db, "audit_log") == audit_before


def test_append_user_message_when_insert_fails_does_not_reopen(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    for step in (S.WAITING, S.WITH_AGENT, S.RESOLVED):
        transition(db, cid, step, actor="test", reason="setup", now=T0)
    with pytest.raises(InvalidInput):
        append_user_message(db, cid, text="", language="en", now=T0)
    assert get_conversation(db, cid).status == S.RESOLVED


def test_bot_state_round_trips_and_defaults_to_empty(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    assert get_bot_state(db, cid) == {}
    set_bot_state(db, cid, {"failed_turns": 2, "last_language": "ru"}, now=T0)
    assert get_bot_state(db, cid) == {"failed_turns": 2, "last_language": "ru"}


def test_bot_state_when_conversation_missing_raises_404(db: Database) -> None:
    with pytest.raises(ConversationNotFound):
        get_bot_state(db, "missing")
    with pytest.raises(ConversationNotFound):
        set_bot_state(db, "missing", {}, now=T0)


def test_set_contact_stores_stripped_address(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    assert set_contact(db, cid, "  li@example.com ", now=T0).contact == "li@example.com"


@pytest.mark.parametrize("contact", ["", "   ", "a\nb", "x" * 321])
def test_set_contact_when_invalid_raises_422(db: Database, contact: str) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    with pytest.raises(InvalidInput):
        set_contact(db, cid, contact, now=T0)


def test_set_language_normalises_region(db: Database) -> None:
    cid = create_conversation(db, locale=None, language="en", now=T0).id
    assert set_language(db, cid, "pt-BR", now=T0).language == "pt"
