"""The answer policy is a table: each row of the table is one test case."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.policy import Action, Reason, Signals, Thresholds, decide

T = Thresholds(answer_min_confidence=0.55, clarify_min_confidence=0.25, clarify_max_margin=0.015,
               max_unconfident_turns=2)


@pytest.mark.parametrize(
    ("signals", "action", "reason", "priority"),
    [
        # security first, at once, with its priority, whatever retrieval says
        (Signals(security_priority="urgent", confidence=0.99, margin=0.2), Action.handoff, Reason.security, "urgent"),
        (Signals(security_priority="high", confidence=0.1), Action.handoff, Reason.security, "high"),
        # a pasted secret is a security case even on a confident answer
        (Signals(secret_shared=True, confidence=0.99, margin=0.3), Action.handoff, Reason.secret_shared, "urgent"),
        (Signals(secret_shared=True, security_priority="high"), Action.handoff, Reason.secret_shared, "urgent"),
        # explicit requests for a person, normal priority
        (Signals(human_request=True, confidence=0.99, margin=0.3), Action.handoff, Reason.user_request, "normal"),
        (Signals(human_request=True, security_priority="urgent"), Action.handoff, Reason.security, "urgent"),
        # out of scope never gets an article, even a confident-looking one
        (Signals(out_of_scope=True, confidence=0.9, margin=0.2), Action.out_of_scope, Reason.out_of_scope, None),
        # confident and clear: answer
        (Signals(confidence=0.55, margin=0.015), Action.answer, Reason.confident, None),
        (Signals(confidence=0.95, margin=0.10), Action.answer, Reason.confident, None),
        # the two best are close: ask which one
        (Signals(confidence=0.90, margin=0.014), Action.clarify, Reason.ambiguous, None),
        (Signals(confidence=0.40, margin=0.05), Action.clarify, Reason.ambiguous, None),
        (Signals(confidence=0.25, margin=0.0), Action.clarify, Reason.ambiguous, None),
        # not sure at all
        (Signals(confidence=0.24, margin=0.05), Action.clarify, Reason.low_confidence, None),
        (Signals(has_hits=False), Action.clarify, Reason.no_articles, None),
        # second unconfident turn in a row: a person takes over
        (Signals(confidence=0.30, margin=0.0, unconfident_streak=1), Action.handoff, Reason.too_many_unconfident, "normal"),
        (Signals(confidence=0.05, unconfident_streak=1), Action.handoff, Reason.too_many_unconfident, "normal"),
        # a confident answer after an unconfident turn is still an answer
        (Signals(confidence=0.9, margin=0.1, unconfident_streak=1), Action.answer, Reason.confident, None),
    ],
)
def test_decide_table(signals: Signals, action: Action, reason: Reason, priority: str | None) -> None:
    d = decide(signals, T)
    assert (d.action, d.reason, d.priority) == (action, reason, priority)


def test_decide_thresholds_come_from_settings() -> None:
    s = Signals(confidence=0.6, margin=0.05)
    assert decide(s, T).action is Action.answer
    assert decide(s, replace(T, answer_min_confidence=0.7)).action is Action.clarify
    assert decide(Signals(confidence=0.3), replace(T, max_unconfident_turns=1)).action is Action.handoff


@pytest.mark.parametrize(("reason", "unconfident"), [
    (Reason.ambiguous, True), (Reason.low_confidence, True), (Reason.no_articles, True),
    (Reason.confident, False), (Reason.security, False), (Reason.out_of_scope, False),
])
def test_decision_counts_unconfident_turns(reason: Reason, unconfident: bool) -> None:
    from bot.policy import Decision

    assert Decision(Action.clarify, reason).is_unconfident is unconfident
