"""One bot turn, composed from the real model, knowledge base, intents, policy and catalog."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from bot.assembly import load_calibration, thresholds
from bot.intents import IntentClassifier
from bot.messages import load_catalog
from bot.policy import Action
from bot.turn import Bot, TurnContext
from retrieval import Retriever

from .conftest import DEFAULTS, ROOT

HAN = re.compile(r"[\u4e00-\u9fff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")


@pytest.fixture(scope="session")
def bot(kb_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory) -> Bot:
    return Bot(
        retriever=kb_retriever,
        intents=IntentClassifier.build(kb_retriever.embedder),
        calibrator=load_calibration(kb_retriever, tmp_path_factory.mktemp("cal"), top_k=DEFAULTS.top_k),
        catalog=load_catalog(),
        thresholds=thresholds(DEFAULTS),
        language_switch_confidence=DEFAULTS.language_switch_confidence,
        language_backend=DEFAULTS.language_backend or None,
        top_k=DEFAULTS.top_k,
    )


def test_turn_chinese_question_gets_chinese_answer(bot: Bot) -> None:
    r = bot.handle("我的充币还没到账，怎么办？")
    assert r.language.lang == "zh"
    assert r.decision.action is Action.answer
    reply = r.replies[-1]
    assert reply.language == "zh" and HAN.search(reply.text)
    assert reply.sources[0].slug == "deposit-not-credited"
    assert reply.confidence is not None and 0 < reply.confidence <= 1


def test_turn_answer_is_summary_and_steps_not_whole_article(bot: Bot) -> None:
    r = bot.handle("how do I reset my password?")
    article = bot.retriever.article("reset-password", "en")
    assert article is not None and r.decision.action is Action.answer
    text = r.replies[-1].text
    assert article.summary in text and article.steps[0] in text
    assert article.sections[-1].text not in text


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("someone took all my USDT, I didn't make these withdrawals", "urgent"),
        ("my account was hacked and the password was changed", "urgent"),
        ("我的账号被盗了，币全被转走了", "urgent"),
        ("perdí mi celular y no tengo acceso al 2FA", "high"),
    ],
)
def test_turn_security_message_hands_off_with_priority(bot: Bot, text: str, priority: str) -> None:
    r = bot.handle(text)
    assert r.decision.action is Action.handoff
    assert r.decision.priority == priority
    assert r.security_case is not None


def test_turn_human_request_skips_retrieval(bot: Bot) -> None:
    r = bot.handle("人工客服")
    assert r.decision.action is Action.handoff and r.decision.priority == "normal"
    assert r.hits == ()


def test_turn_pasted_seed_phrase_is_redacted_warned_and_escalated(bot: Bot) -> None:
    from mnemonic import Mnemonic

    seed = Mnemonic("english").generate(128)
    r = bot.handle(f"support asked me for my seed, here it is: {seed}")
    assert seed not in r.redaction.text
    assert all(seed.split()[0] + " " + seed.split()[1] not in rep.text for rep in r.replies)
    assert r.decision.action is Action.handoff and r.decision.priority == "urgent"
    assert r.replies[0].kind == "system" and r.replies[0].action == "warning"


def test_turn_out_of_scope_gets_no_article(bot: Bot) -> None:
    r = bot.handle("what's the weather in Lisbon tomorrow?")
    assert r.decision.action is Action.out_of_scope
    assert r.replies[-1].sources == ()
    assert r.replies[-1].quick_replies


def test_turn_unsupported_language_answers_in_english_and_says_so(bot: Bot) -> None:
    r = bot.handle("Şifremi unuttum, nasıl sıfırlayabilirim?")
    assert r.language.lang == "tr"
    assert r.answer_language == "en"
    if r.decision.action is Action.answer:
        assert r.replies[-1].language == "en"
    assert "Turkish" in r.replies[-1].text


def test_turn_short_message_keeps_conversation_language(bot: Bot) -> None:
    r = bot.handle("ok", TurnContext(conversation_language="ar"))
    assert r.conversation_language == "ar"
    assert all(ARABIC.search(rep.text) for rep in r.replies)


def test_turn_two_unconfident_turns_in_a_row_hand_off(bot: Bot) -> None:
    from dataclasses import replace

    never_sure = replace(bot, thresholds=replace(bot.thresholds, answer_min_confidence=1.0, clarify_min_confidence=0.0))
    first = never_sure.handle("how do I withdraw USDT?")
    assert first.decision.action is Action.clarify
    assert first.unconfident_streak == 1
    assert first.replies[-1].quick_replies
    second = never_sure.handle("withdraw to my wallet", TurnContext(conversation_language="en", unconfident_streak=1))
    assert second.decision.action is Action.handoff and second.decision.priority == "normal"
    assert second.unconfident_streak == 0


def test_ask_cli_json_keys() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "出金できない、どうすればいい？"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    data = json.loads(out.stdout)
    for key in ("language", "hits", "answer", "action", "slug", "confidence", "text", "priority", "reasons"):
        assert key in data
    assert data["language"] == "ja"
    assert {"slug", "lang", "title", "score"} <= set(data["hits"][0])
    if data["action"] == "answer":
        assert {"slug", "lang", "text"} <= set(data["answer"])


def test_prepare_cli_leaves_the_exemplar_vectors_beside_the_index() -> None:
    from bot.intents import BANK_FILE
    from config import Settings

    out = subprocess.run(
        [sys.executable, "-m", "bot", "prepare"], capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "bot prepared" in out.stdout
    assert (Settings().index_dir / BANK_FILE).is_file()
