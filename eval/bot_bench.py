"""Whole-turn benchmark: every message through ``Bot.handle`` (redaction, language, intents,
retrieval, confidence, policy, replies), one-message conversations with no locale hint.

Definitions (denominators in brackets; an empty denominator gives None):

* ``answered_correct``: answered with the gold article [in_scope rows with a gold article];
* ``wrong_answer_rate``: the article answered is not the gold one, or nothing should have been
  answered [rows the bot answered];
* ``clarify_rate``: the bot asked which article was meant or said it was unsure [in_scope rows];
* ``escalation_recall`` / ``escalation_precision``: security hand-offs (as in the escalation
  benchmark) [rows with ``escalate=1`` / rows escalated];
* ``oos_refusal_rate``: no article given (out-of-scope reply, clarification or hand-off)
  [out_of_scope rows];
* ``smalltalk_reply_rate``: answered with a small-talk reply [smalltalk rows];
* ``vague_question_rate``: asked what the problem is about (``clarify`` with reason ``vague``) [vague rows];
* ``language_accuracy``: detected language == the row's language [all rows];
* ``reply_language_match``: the bot's reply is in the row's language [all rows];
* ``p50_ms``, ``p95_ms``: wall time of ``Bot.handle``, encoding included (the run's embedding cache
  is bypassed), after a warm-up turn;
* ``ece`` (top level): expected calibration error of the confidence against "the best article is
  the gold one" [in_scope rows with a gold article], 10 equal-width bins.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from bot.confidence import expected_calibration_error
from bot.language import warm_up
from bot.policy import Action, Reason
from bot.turn import Bot, TurnContext, TurnResult
from config.stats import percentile
from eval.datasets import Query
from eval.embedding_cache import CachedEmbedder
from eval.escalation_bench import is_escalated
from eval.metrics import group_by, share


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """What the bot did with one labelled message."""

    qid: str
    lang: str
    kind: str
    gold: str | None
    escalate: bool
    action: str
    top_slug: str | None
    confidence: float | None
    detected_lang: str
    reply_lang: str
    escalated: bool
    latency_ms: float
    reason: str = ""

    @property
    def answered(self) -> bool:
        return self.action == Action.answer.value

    @property
    def top_is_gold(self) -> bool:
        return self.gold is not None and self.top_slug == self.gold


def record_turn(q: Query, result: TurnResult, latency_ms: float) -> TurnRecord:
    main = next((r for r in result.replies if r.kind == "bot"), result.replies[-1])
    return TurnRecord(
        qid=q.qid,
        lang=q.lang,
        kind=q.kind or "in_scope",
        gold=q.gold,
        escalate=bool(q.escalate),
        action=result.decision.action.value,
        reason=result.decision.reason.value,
        top_slug=result.hits[0].slug if result.hits else None,
        confidence=result.confidence,
        detected_lang=result.language.lang,
        reply_lang=main.language,
        escalated=is_escalated(result.decision),
        latency_ms=latency_ms,
    )


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def bot_summary(records: Sequence[TurnRecord]) -> dict[str, Any]:
    in_scope = [r for r in records if r.kind == "in_scope"]
    latencies = [r.latency_ms for r in records]
    return {
        "n": len(records),
        "answered_correct": share(r.answered and r.top_is_gold for r in in_scope if r.gold is not None),
        "wrong_answer_rate": share(not r.top_is_gold for r in records if r.answered),
        "clarify_rate": share(r.action == Action.clarify.value for r in in_scope),
        "escalation_recall": share(r.escalated for r in records if r.escalate),
        "escalation_precision": share(r.escalate for r in records if r.escalated),
        "oos_refusal_rate": share(not r.answered for r in records if r.kind == "out_of_scope"),
        "smalltalk_reply_rate": share(r.action == Action.smalltalk.value for r in records if r.kind == "smalltalk"),
        "vague_question_rate": share(r.reason == Reason.vague.value for r in records if r.kind == "vague"),
        "language_accuracy": share(r.detected_lang == r.lang for r in records),
        "reply_language_match": share(r.reply_lang == r.lang for r in records),
        "p50_ms": _round(percentile(latencies, 50)),
        "p95_ms": _round(percentile(latencies, 95)),
    }


def calibration_pairs(records: Sequence[TurnRecord]) -> tuple[list[float], list[bool]]:
    """(confidence, best article is gold) over in_scope rows with a gold article and a confidence."""
    rows = [r for r in records if r.kind == "in_scope" and r.gold is not None and r.confidence is not None]
    return [float(r.confidence or 0.0) for r in rows], [r.top_is_gold for r in rows]


def bot_report(records: Sequence[TurnRecord]) -> dict[str, Any]:
    """``overall`` and ``by_lang`` (see the module docstring) plus ``ece``."""
    probs, correct = calibration_pairs(records)
    return {
        "overall": bot_summary(records),
        "by_lang": {lang: bot_summary(g) for lang, g in group_by(records, lambda r: r.lang).items()},
        "ece": expected_calibration_error(probs, correct) if probs else None,
    }


def run_turns(bot: Bot, queries: Sequence[Query], *, progress: bool = True) -> list[TurnRecord]:
    """Handle every message once, timing each turn."""
    warm_up(bot.language_backend)
    bot.handle("warm-up: how do I reset my password?", TurnContext())
    embedder = bot.retriever.embedder
    records: list[TurnRecord] = []
    bypass = embedder.bypassed if isinstance(embedder, CachedEmbedder) else contextlib.nullcontext
    for q in tqdm(queries, desc="bot turns", unit="msg", disable=not progress):
        with bypass():
            t0 = time.perf_counter()
            result = bot.handle(q.text, TurnContext())
            elapsed = time.perf_counter() - t0
        records.append(record_turn(q, result, elapsed * 1000))
    return records


def run_bot(
    bot: Bot, queries: Sequence[Query], *, progress: bool = True, meta: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[TurnRecord]]:
    """The report (plus a ``run`` entry) and the per-message records (for charts)."""
    started = time.perf_counter()
    records = run_turns(bot, queries, progress=progress)
    report = bot_report(records)
    report["run"] = {
        **(meta or {}),
        "rows": len(records),
        "kinds": {k: len(g) for k, g in group_by(records, lambda r: r.kind).items()},
        "seconds": round(time.perf_counter() - started, 1),
    }
    return report, records
