"""The learned head's veto and addition on security escalation (bot.intents.SecurityGate), the
training rows it is fitted on (bot.acts.article_label, question_examples) and the real bot."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bot.acts import QUESTION_ROW_WEIGHT, article_label, question_examples
from bot.intents import CASE_PRIORITY, IntentResult, SecurityCase, SecurityGate
from bot.policy import Action, Reason
from bot.question_set import fit_half, load_question_rows
from bot.turn import Bot, TurnContext
from config.settings import PROJECT_ROOT
from retrieval import Article
from tests.web_support import real_bot  # noqa: F401  (fixture)

GATE = SecurityGate(alone=0.9, veto=0.5)


def _intent(case: SecurityCase | None, *, human: bool = False, oos: bool = False) -> IntentResult:
    return IntentResult(
        security=case,
        priority=CASE_PRIORITY[case] if case else ("normal" if human else None),
        human_request=human,
        out_of_scope=oos,
        security_score=0.0,
        oos_score=0.0,
        reasons=("security_keyword",) if case else (),
    )


def test_a_rule_escalation_the_head_doubts_is_dropped() -> None:
    out = GATE.apply(_intent(SecurityCase.account_compromised), 0.2, nearest=SecurityCase.phishing_victim, bare=False)
    assert out.security is None and out.priority is None
    assert "security_head_veto" in out.reasons


def test_a_vetoed_escalation_keeps_a_request_for_a_person() -> None:
    out = GATE.apply(_intent(SecurityCase.frozen_funds, human=True), 0.1, nearest=SecurityCase.frozen_funds, bare=False)
    assert out.security is None and out.human_request and out.priority == "normal"


def test_a_rule_escalation_the_head_supports_stands() -> None:
    intent = _intent(SecurityCase.lost_2fa_device)
    assert GATE.apply(intent, 0.6, nearest=SecurityCase.phishing_victim, bare=False) is intent


def test_the_head_alone_escalates_when_sure_with_the_nearest_case() -> None:
    out = GATE.apply(_intent(None, oos=True), 0.95, nearest=SecurityCase.unauthorized_withdrawal, bare=False)
    assert out.security is SecurityCase.unauthorized_withdrawal
    assert out.priority == "urgent" and not out.out_of_scope
    assert "security_head" in out.reasons


def test_the_head_alone_never_escalates_a_bare_term_or_an_unsure_message() -> None:
    assert GATE.apply(_intent(None), 0.99, nearest=SecurityCase.lost_2fa_device, bare=True).security is None
    assert GATE.apply(_intent(None), 0.85, nearest=SecurityCase.lost_2fa_device, bare=False).security is None


def _article(slug: str, escalate: str) -> Article:
    return Article(slug, "en", "t", "c", escalate, None, ("q",), "s", ())


def test_escalating_articles_teach_the_head_security_not_in_scope() -> None:
    assert article_label(_article("account-compromised", "urgent")) == "security:account_compromised"
    assert article_label(_article("card-stolen", "high")) == "security:article"
    assert article_label(_article("reset-password", "none")) == "in_scope"


def test_question_rows_are_labelled_by_kind_and_escalate_and_weighted() -> None:
    rows = [
        {"text": "hacked", "lang": "en", "kind": "security", "escalate": "1", "gold_slug": "account-compromised"},
        {"text": "scammed", "lang": "en", "kind": "security", "escalate": "1", "gold_slug": "phishing-and-scams"},
        {"text": "fees?", "lang": "en", "kind": "in_scope", "escalate": "0", "gold_slug": "trading-fees"},
        {"text": "help", "lang": "en", "kind": "vague", "escalate": "0", "gold_slug": ""},
        {"text": "thanks", "lang": "en", "kind": "smalltalk", "escalate": "0", "gold_slug": ""},
    ]
    labels = [e.label for e in question_examples(rows)]
    assert labels.count("security:account_compromised") == QUESTION_ROW_WEIGHT
    assert labels.count("security:article") == QUESTION_ROW_WEIGHT
    assert set(labels) == {"security:account_compromised", "security:article", "in_scope", "vague"}


def test_the_served_head_is_fitted_on_the_fit_half_only() -> None:
    rows = load_question_rows(PROJECT_ROOT / "eval" / "data")
    fit = fit_half(rows)
    fit_ids = {r["qid"] for r in fit}
    assert 0 < len(fit) < len(rows)
    trained = {e.text for e in question_examples(fit)}
    report_texts = {r["text"] for r in rows if r["qid"] not in fit_ids} - {r["text"] for r in fit}
    assert not trained & report_texts


# Plain how-to questions that the word lists, the exemplar margin or the escalate article alone send
# to the urgent queue (test_the_gate_is_what_keeps_some_how_to_questions_out checks that).
HOW_TO = [
    "how do I change my anti-phishing phrase to a new one",
    "что такое антифишинговый код и для чего он",
    "我想把提币白名单打开，只能提到我保存的地址",
    "SMS验证和谷歌验证哪个更安全",
    "quero uma api key só de leitura pro meu app, sem saque",
    "API 키를 특정 IP에서만 쓰게 하고 싶어요",
    "how can I make an API key that can only read my balances, no trading",
    "как сделать API ключ только для чтения без вывода",
]
# Still sent to the urgent queue (head mass 0.62 and 0.52, just above the veto): a late reset e-mail
# reads like "someone is resetting my password". Kept as strict xfails so a fix shows up here.
KNOWN_FALSE_ESCALATIONS = [
    "asked for a password reset twenty minutes ago and the email is still not here",
    "pedí restablecer la contraseña hace media hora y el correo no llega",
]
EMERGENCIES = [
    "someone logged into my account from another country and changed my email, lock it now",
    "a withdrawal of 2 ETH I never made just left my account",
    "alguien entró a mi cuenta y sacó todo mi USDT",
    "Jemand hat sich in mein Konto gehackt und mein Guthaben abgehoben",
    "Tài khoản của tôi bị hack, ai đó đã rút hết tiền",
    "我的账户被盗了，资产被转走了",
]


@pytest.mark.parametrize("text", HOW_TO)
def test_how_to_questions_do_not_go_to_the_urgent_queue(real_bot: Bot, text: str) -> None:  # noqa: F811
    decision = real_bot.handle(text, TurnContext()).decision
    assert not (decision.action is Action.handoff and decision.reason is Reason.security)


def test_the_gate_is_what_keeps_some_how_to_questions_out(real_bot: Bot) -> None:  # noqa: F811
    ungated = dataclasses.replace(real_bot, security_gate=None)
    escalated = [t for t in HOW_TO if ungated.handle(t, TurnContext()).decision.reason is Reason.security]
    assert len(escalated) >= 4, "the rules alone escalate too few of these: the veto test proves little"


@pytest.mark.xfail(strict=True, reason="known false escalation, see KNOWN_FALSE_ESCALATIONS")
@pytest.mark.parametrize("text", KNOWN_FALSE_ESCALATIONS)
def test_known_false_escalations(real_bot: Bot, text: str) -> None:  # noqa: F811
    decision = real_bot.handle(text, TurnContext()).decision
    assert not (decision.action is Action.handoff and decision.reason is Reason.security)


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergencies_still_escalate_in_many_languages(real_bot: Bot, text: str) -> None:  # noqa: F811
    decision = real_bot.handle(text, TurnContext()).decision
    assert decision.action is Action.handoff and decision.reason is Reason.security
    assert decision.priority in ("urgent", "high")


def test_security_mass_is_a_probability(real_bot: Bot) -> None:  # noqa: F811
    assert real_bot.acts is not None
    v = real_bot.retriever.embedder.encode_queries(["my account was hacked"])[0]
    mass = real_bot.acts.security_mass(np.asarray(v))
    assert 0.0 <= mass <= 1.0
