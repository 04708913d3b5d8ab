"""The JSON shape of a turn, shared by ``python -m bot ask --json`` and ``/api/v1/ask``."""

from __future__ import annotations

from typing import Any

from bot.turn import TurnResult


def result_json(r: TurnResult) -> dict[str, Any]:
    """The stable JSON shape of ``ask --json`` (later fields are additions, never renames)."""
    top = r.hits[0] if r.hits else None
    main = next((rep for rep in r.replies if rep.kind == "bot"), r.replies[-1])
    answer = None
    if top is not None and r.decision.action.value == "answer":
        answer = {"slug": top.slug, "lang": main.language, "text": main.text}
    return {
        "language": r.language.lang,
        "language_confidence": round(r.language.confidence, 4),
        "language_method": r.language.method.value,
        "answer_language": r.answer_language,
        "hits": [{"slug": h.slug, "lang": h.lang, "title": h.title, "score": round(h.score, 4)} for h in r.hits],
        "answer": answer,
        "action": r.decision.action.value,
        "slug": top.slug if top and r.decision.action.value == "answer" else None,
        "confidence": None if r.confidence is None else round(r.confidence, 4),
        "text": "\n\n".join(rep.text for rep in r.replies),
        "priority": r.decision.priority,
        "security_case": r.security_case,
        "reasons": list(r.reasons),
        "quick_replies": list(main.quick_replies),
        "redacted": [k.value for k in r.redaction.kinds],
    }
