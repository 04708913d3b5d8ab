"""Escalation benchmark: does the real bot hand account-security emergencies to a person at once?

Every row goes through ``Bot.handle`` with a fresh ``TurnContext`` (one-message conversations, no
locale hint). A row counts as escalated when the decision is a hand-off for security, i.e. the
urgent/high-priority path: ``action == handoff`` and ``reason`` is ``security`` or
``secret_shared``. Hand-offs because the user asked for a person or because the bot was unsure
twice do not count. Messages are encoded in batches first; ``Bot.handle`` then reads the vectors
from the run's cache (identical vectors, several times faster).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from tqdm import tqdm

from bot.policy import Action, Decision, Reason
from bot.redaction import redact
from bot.turn import Bot, TurnContext
from eval.datasets import Query
from eval.embedding_cache import encode_all
from eval.metrics import BinaryOutcome, escalation_summary, group_by

SECURITY_REASONS = (Reason.security, Reason.secret_shared)


def is_escalated(decision: Decision) -> bool:
    """A security hand-off (urgent or high priority), the behaviour the escalation labels ask for."""
    return decision.action is Action.handoff and decision.reason in SECURITY_REASONS


def prefetch(bot: Bot, texts: Sequence[str], *, progress: bool = True) -> None:
    """Encode what ``Bot.handle`` will encode (the redacted text) in batches, filling the cache."""
    encode_all(
        bot.retriever.embedder, [redact(t).text for t in texts], desc="encode messages", progress=progress
    )


def escalation_report(queries: Sequence[Query], outcomes: Sequence[BinaryOutcome]) -> dict[str, Any]:
    """``overall``, ``by_lang``, ``by_variety``: ``n, precision, recall, f1, f2, false_escalation_hard_negative``."""
    pairs = list(zip(queries, outcomes, strict=True))

    def summary(group: Sequence[tuple[Query, BinaryOutcome]]) -> dict[str, Any]:
        return escalation_summary([o for _, o in group])

    return {
        "overall": summary(pairs),
        "by_lang": {lang: summary(g) for lang, g in group_by(pairs, lambda p: p[0].lang).items()},
        "by_variety": {v: summary(g) for v, g in group_by(pairs, lambda p: p[0].variety).items()},
    }


def run_escalation(
    bot: Bot, queries: Sequence[Query], *, progress: bool = True, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run every row through the bot and return the report plus a ``run`` entry."""
    started = time.perf_counter()
    prefetch(bot, [q.text for q in queries], progress=progress)
    outcomes: list[BinaryOutcome] = []
    actions: Counter[str] = Counter()
    for q in tqdm(queries, desc="bot turns", unit="msg", disable=not progress):
        result = bot.handle(q.text, TurnContext())
        actions[f"{result.decision.action.value}:{result.decision.reason.value}"] += 1
        outcomes.append(BinaryOutcome(bool(q.escalate), is_escalated(result.decision), bool(q.hard_negative)))
    report = escalation_report(queries, outcomes)
    report["run"] = {
        **(meta or {}),
        "rows": len(queries),
        "gold_escalate": sum(bool(q.escalate) for q in queries),
        "hard_negatives": sum(bool(q.hard_negative) for q in queries)
        if any(q.hard_negative is not None for q in queries)
        else None,
        "decisions": dict(actions.most_common()),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return report
