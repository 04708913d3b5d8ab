"""The questions the bot could not answer, grouped so the team knows which articles to write or fix.

A user message counts as unanswered when the bot asked for clarification, said it was out of scope,
or handed off because it stayed unsure (``web.chat.outcome_meta`` stores that on the message).
Questions near an existing article are grouped by it (the article needs work); the rest are grouped
by their normalised text (a missing topic).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from handoff import asked_questions

if TYPE_CHECKING:
    from handoff import Database

UNSURE_HANDOFF_REASONS = frozenset({"too_many_unconfident", "low_confidence", "no_articles", "ambiguous"})
# The outcomes worth loading; ``is_unanswered`` then keeps only the unsure handoffs.
UNANSWERED_ACTIONS = ("clarify", "out_of_scope", "handoff")
MAX_EXAMPLES = 5
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    language: str | None
    action: str
    reason: str | None
    top_slug: str | None
    top_title: str | None


@dataclass(slots=True)
class Group:
    key: str
    kind: str  # "article" or "question"
    title: str | None
    count: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


def is_unanswered(q: Question) -> bool:
    if q.action in ("clarify", "out_of_scope"):
        return True
    return q.action == "handoff" and q.reason in UNSURE_HANDOFF_REASONS


def normalise(text: str) -> str:
    """Casefolded, NFKC, punctuation dropped, whitespace collapsed: "Where's my BTC?" == "where s my btc"."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_PUNCT.sub(" ", folded).split())


def group_unanswered(questions: Iterable[Question], *, max_examples: int = MAX_EXAMPLES) -> list[Group]:
    """Group unanswered questions, largest group first (ties by key, so the order is stable)."""
    groups: dict[tuple[str, str], Group] = {}
    for q in questions:
        if not is_unanswered(q):
            continue
        if q.top_slug and q.action != "out_of_scope":
            kind, key, title = "article", q.top_slug, q.top_title
        else:
            kind, key, title = "question", normalise(q.text), None
        if not key:
            continue
        g = groups.setdefault((kind, key), Group(key=key, kind=kind, title=title))
        g.count += 1
        g.outcomes[q.action if q.action != "handoff" else f"handoff:{q.reason}"] += 1
        g.languages[q.language or "?"] += 1
        if len(g.examples) < max_examples and q.text not in g.examples:
            g.examples.append(q.text)
    return sorted(groups.values(), key=lambda g: (-g.count, g.kind, g.key))


def load_questions(db: Database, *, since: datetime | None = None, until: datetime | None = None) -> list[Question]:
    """User messages with a stored bot outcome in ``[since, until)`` (texts are already redacted)."""
    return [
        Question(q.text, q.language, q.action, q.reason, q.top_slug, q.top_title)
        for q in asked_questions(db, UNANSWERED_ACTIONS, since=since, until=until)
    ]
