"""What gets indexed for each article: title and example questions (encoded as queries, since
they are phrased like user messages) and the body's summary, steps and sections (as passages)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from retrieval.articles import Article


class PassageKind(StrEnum):
    title = "title"  # type: ignore[assignment]  # the member shadows str.title; values are what matter
    question = "question"
    body = "body"


@dataclass(frozen=True, slots=True)
class Passage:
    """One indexed text of one article."""

    article_key: str
    kind: PassageKind
    text: str

    @property
    def is_query_like(self) -> bool:
        """Titles and questions are encoded with the query prompt, bodies with the passage prompt."""
        return self.kind is not PassageKind.body


def article_passages(article: Article) -> list[Passage]:
    """All passages of one article, in a stable order."""
    key = article.key
    out = [Passage(key, PassageKind.title, article.title)]
    out += [Passage(key, PassageKind.question, q) for q in article.example_questions]
    lead = article.title + ". " + article.summary if article.summary else ""
    if article.steps:
        lead += "\n" + "\n".join(article.steps)
    if lead:
        out.append(Passage(key, PassageKind.body, lead))
    for section in article.sections[1:] if article.steps else article.sections:
        if section.text:
            out.append(Passage(key, PassageKind.body, f"{article.title}. {section.text}"))
    return out
