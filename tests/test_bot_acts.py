"""Dialogue acts: small talk gets a kind reply in the user's language, a vague message one question
back, a bare term the nearest articles to choose from; none of them an article or a hand-off."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from bot.acts import HEAD_FILE, DialogueActHead, TopicTerms, read_act_exemplars
from bot.messages import load_catalog
from bot.policy import Action, Decision, Reason, Signals, Thresholds, decide
from bot.turn import Bot, TurnContext
from retrieval import load_articles
from tests.web_support import client, clock, db_path, real_bot, say, start

from .conftest import KB

__all__ = ["client", "clock", "real_bot"]

T = Thresholds(
    answer_min_confidence=0.6, clarify_min_confidence=0.3, clarify_max_margin=0.05, max_unconfident_turns=2
)


# --- policy order (pure) -------------------------------------------------------------------------


def _d(**signals: object) -> Decision:
    return decide(Signals(**signals), T)  # type: ignore[arg-type]


def test_small_talk_never_outranks_security_a_secret_or_a_request_for_a_person() -> None:
    assert _d(act="smalltalk", security_priority="urgent").reason is Reason.security
    assert _d(act="smalltalk", secret_shared=True).reason is Reason.secret_shared
    assert _d(act="vague", human_request=True).reason is Reason.user_request


def test_small_talk_and_vague_beat_a_confident_article() -> None:
    assert _d(act="smalltalk", confidence=0.99, margin=0.5) == Decision(Action.smalltalk, Reason.smalltalk)
    vague = _d(act="vague", confidence=0.99, margin=0.5)
    assert vague == Decision(Action.clarify, Reason.vague) and vague.is_unconfident


def test_a_second_vague_message_in_a_row_goes_to_a_person() -> None:
    assert _d(act="vague", unconfident_streak=1).reason is Reason.too_many_unconfident


def test_a_bare_term_gets_choices_however_confident_the_top_article() -> None:
    d = _d(bare_term=True, confidence=0.99, margin=0.5)
    assert d == Decision(Action.clarify, Reason.one_term) and not d.is_unconfident
    assert _d(bare_term=True, has_hits=False).reason is Reason.no_articles


# --- topic terms (pure) --------------------------------------------------------------------------


def test_topic_terms_tell_a_topic_from_an_acknowledgement_in_every_script() -> None:
    articles = load_articles(KB)
    terms = TopicTerms.of(articles, [("es", "Retiros")])
    for topic in ("Account", "withdrawals", "Retiros", "вывод", "出金", "2FA", "KYC!"):
        assert terms.names_topic(topic), topic
    for ack in (
        "ok",
        "okay",
        "ок",
        "好的",
        "了解",
        "thanks",
        "gracias",
        "شكرا",
        "감사합니다",
        "account hacked",
    ):
        assert not terms.names_topic(ack), ack


def test_exemplars_cover_every_act_in_at_least_thirteen_languages() -> None:
    rows = read_act_exemplars()
    langs = {r.lang for r in rows}
    assert {"en", "es", "ru", "zh", "ja", "ko", "ar", "pt", "tr", "vi", "de", "fr", "id"} <= langs
    for lang in langs:
        labels = {r.label for r in rows if r.lang == lang}
        for case in ("greeting", "thanks", "goodbye", "ack"):
            assert f"smalltalk:{case}" in labels, (lang, case)
        assert {"vague", "human_request", "out_of_scope"} <= labels, lang


# --- the head on the real model ------------------------------------------------------------------

SMALLTALK = [
    ("en", "hi there", "greeting"),
    ("es", "hola, buenas tardes", "greeting"),
    ("ru", "Здравствуйте!", "greeting"),
    ("zh", "你好", "greeting"),
    ("ja", "おはようございます", "greeting"),
    ("ko", "안녕하세요", "greeting"),
    ("ar", "مرحبا", "greeting"),
    ("pt", "olá, bom dia", "greeting"),
    ("en", "thank you so much!", "thanks"),
    ("es", "muchas gracias", "thanks"),
    ("ru", "спасибо большое", "thanks"),
    ("zh", "谢谢你", "thanks"),
    ("ja", "ありがとうございます", "thanks"),
    ("ko", "감사합니다", "thanks"),
    ("ar", "شكرا جزيلا", "thanks"),
    ("pt", "muito obrigado", "thanks"),
    ("en", "bye", "goodbye"),
    ("ru", "до свидания", "goodbye"),
]


@pytest.mark.parametrize(("lang", "text", "case"), SMALLTALK)
def test_small_talk_gets_its_kind_reply_in_the_users_language(
    real_bot: Bot, lang: str, text: str, case: str
) -> None:
    r = real_bot.handle(text, TurnContext(locale=lang))
    assert r.decision.action is Action.smalltalk, r.reasons
    assert r.act is not None and r.act.case == case
    assert f"act:smalltalk:{case}" in r.reasons
    [reply] = r.replies
    assert reply.text == load_catalog().render(f"smalltalk.{case}", lang)
    assert reply.sources == () and r.decision.priority is None


@pytest.mark.parametrize(
    "text",
    [
        "thanks, but my withdrawal still hasn't arrived",
        "hi, how do I enable 2FA?",
        "hola, ¿cuánto tarda un depósito de USDT?",
        "спасибо, а как сбросить пароль?",
    ],
)
def test_a_greeting_or_thanks_wrapped_around_a_question_is_a_question(real_bot: Bot, text: str) -> None:
    r = real_bot.handle(text)
    assert r.decision.action is not Action.smalltalk and r.act is None, r.reasons
    assert r.decision.action in (Action.answer, Action.clarify), r.reasons


def test_a_greeting_before_an_emergency_still_goes_to_the_urgent_queue(real_bot: Bot) -> None:
    r = real_bot.handle("hello, someone logged into my account and withdrew my BTC")
    assert r.decision.action is Action.handoff and r.decision.priority == "urgent", r.reasons


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "help"), ("en", "it doesn't work"), ("es", "ayuda por favor"), ("ru", "не работает")],
)
def test_a_vague_message_gets_one_question_and_topics_never_an_article(
    real_bot: Bot, lang: str, text: str
) -> None:
    r = real_bot.handle(text, TurnContext(locale=lang))
    assert r.decision == Decision(Action.clarify, Reason.vague), r.reasons
    [reply] = r.replies
    assert reply.text == load_catalog().render("vague", lang) and reply.sources == ()
    topics = set(load_catalog().for_language(lang, "ui.help.category.").values())
    assert 1 <= len(reply.quick_replies) <= 3 and set(reply.quick_replies) <= topics


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "2FA"),
        ("en", "withdrawal"),
        ("en", "Account"),
        ("ru", "вывод"),
        ("es", "Retiros"),
        ("en", "KYC"),
    ],
)
def test_a_bare_term_gets_two_nearest_articles_as_choices_not_an_answer_or_the_urgent_queue(
    real_bot: Bot, lang: str, text: str
) -> None:
    r = real_bot.handle(text, TurnContext(locale=lang))
    assert r.decision == Decision(Action.clarify, Reason.one_term), r.reasons
    [reply] = r.replies
    assert len(reply.sources) == 2 and reply.confidence is not None
    assert reply.quick_replies[-1] == load_catalog().render("ui.widget.talk_to_agent", reply.language)


def test_a_topic_quick_reply_tapped_after_a_vague_message_is_not_taken_for_an_ok(real_bot: Bot) -> None:
    first = real_bot.handle("help")
    for topic in first.replies[0].quick_replies:
        r = real_bot.handle(topic, TurnContext(unconfident_streak=first.unconfident_streak))
        assert r.decision.action is not Action.smalltalk, (topic, r.reasons)
        assert r.decision.reason is not Reason.out_of_scope, (topic, r.reasons)


# --- the saved head ------------------------------------------------------------------------------


def test_the_head_is_saved_beside_the_index_reused_and_refitted_when_its_inputs_change(
    hash_embedder: object, tiny_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = load_articles(tiny_kb)
    fits: list[int] = []
    real_fit = DialogueActHead.fit.__func__  # type: ignore[attr-defined]

    def counting_fit(
        cls: type[DialogueActHead], vectors: np.ndarray, labels: list[str], **kw: float
    ) -> DialogueActHead:
        fits.append(len(labels))
        return real_fit(cls, vectors, labels, **kw)  # type: ignore[no-any-return]

    monkeypatch.setattr(DialogueActHead, "fit", classmethod(counting_fit))
    first = DialogueActHead.build(hash_embedder, articles, cache_dir=tmp_path)  # type: ignore[arg-type]
    assert (tmp_path / HEAD_FILE).is_file() and len(fits) == 1
    again = DialogueActHead.build(hash_embedder, articles, cache_dir=tmp_path)  # type: ignore[arg-type]
    assert len(fits) == 1 and again.classes == first.classes
    np.testing.assert_array_equal(again.coef, first.coef)
    assert again.topic_terms == first.topic_terms  # rebuilt from the articles, not saved

    DialogueActHead.build(hash_embedder, articles, cache_dir=tmp_path, cache_key_extra="onnx")  # type: ignore[arg-type]
    assert len(fits) == 2  # another backend's vectors
    DialogueActHead.build(hash_embedder, articles, topics=[("en", "Staking")], cache_dir=tmp_path)  # type: ignore[arg-type]
    assert len(fits) == 3  # another knowledge base or catalog

    (tmp_path / HEAD_FILE).write_bytes(b"not a numpy file")
    DialogueActHead.build(hash_embedder, articles, cache_dir=tmp_path)  # type: ignore[arg-type]
    assert len(fits) == 4  # a damaged file is refitted, not an error


def test_eval_acts_cli_reports_held_out_languages_and_the_question_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eval.acts_bench as acts_bench
    from eval.__main__ import main
    from retrieval import HashEmbedder

    monkeypatch.setattr(
        acts_bench,
        "read_act_exemplars",
        lambda: [r for r in read_act_exemplars() if r.lang in ("en", "es", "de")],
    )
    out = tmp_path / "acts.json"
    argv = ["acts", "--split", "report", "--no-progress", "--json", str(out), "--cache-dir", str(tmp_path)]
    assert main(argv, embedder=HashEmbedder(dim=64)) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["leave_one_language_out"]["by_lang"]) == {"en", "es", "de"}
    assert set(report["question_set"]["by_lang"]) == {"ar", "en", "es", "ja", "ko", "pt", "ru", "zh"}
    for part in ("leave_one_language_out", "question_set"):
        summary = report[part]["overall"]
        assert 0.0 <= summary["smalltalk_recall"] <= 1.0 and 0.0 <= summary["false_act_rate"] <= 1.0


def test_a_thank_you_after_an_answer_is_kept_as_a_resolution_signal_and_queues_nothing(client: TestClient) -> None:
    from handoff import list_messages, open_db

    conv = start(client)
    first = say(client, conv, "How do I reset my password?")
    assert first["replies"][-1]["action"] == "answer"
    thanks = say(client, conv, "thank you, that worked!")
    [reply] = thanks["replies"]
    assert reply["action"] == "smalltalk" and reply["text"] == load_catalog().render("smalltalk.thanks", "en")
    db = open_db(db_path(client))
    try:
        users = [m for m in list_messages(db, conv["conversation_id"]) if m.sender.value == "user"]
    finally:
        db.close()
    assert [m.meta["outcome"]["act"] for m in users] == [None, "smalltalk:thanks"]
    assert thanks.get("queue_position") is None and reply.get("quick_replies") == []
