"""What the embedding model is fine-tuned on: (anchor, positive, hard negative) triples drawn from
the knowledge base alone.

Anchors are every article's title and example questions. The positive is another text of the same
topic (slug), in another language when the topic has one, so the model learns to map a question
to its topic across languages. The hard negative is a text of a *confusable* topic: one of the
topics nearest to the anchor's under the base model, found from the embeddings, not from a list
of slugs, so any knowledge base gets its own confusable pairs. Nothing here reads evaluation data.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.articles import Article
from retrieval.passages import Passage, PassageKind

ALL_KINDS: frozenset[PassageKind] = frozenset(PassageKind)


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """One anchor with the text it should be nearest to and, optionally, one it should not."""

    slug: str
    anchor: Passage
    positive: Passage
    negative: Passage | None = None
    negative_slug: str | None = None

    def texts(self) -> list[str]:
        """Every text of this example (what the model reads in training)."""
        out = [self.anchor.text, self.positive.text]
        if self.negative is not None:
            out.append(self.negative.text)
        return out


def lead_text(article: Article) -> str:
    """The article's title and one-sentence summary, the text a positive "document" is made of."""
    return f"{article.title}. {article.summary}" if article.summary else ""


def article_views(article: Article) -> list[Passage]:
    """The texts of one article that may serve as positives or negatives: the title, each example
    question and the title with the summary (a body passage, encoded with the passage prompt)."""
    key = article.key
    views = [Passage(key, PassageKind.title, article.title)]
    views += [Passage(key, PassageKind.question, q) for q in article.example_questions]
    lead = lead_text(article)
    if lead:
        views.append(Passage(key, PassageKind.body, lead))
    return views


def group_by_slug(articles: Sequence[Article]) -> dict[str, dict[str, Article]]:
    """``{slug: {lang: article}}``, slugs and languages in sorted order."""
    grouped: dict[str, dict[str, Article]] = defaultdict(dict)
    for article in sorted(articles, key=lambda a: (a.slug, a.lang)):
        grouped[article.slug][article.lang] = article
    return dict(grouped)


def confusable_slugs(
    articles: Sequence[Article],
    encode: Callable[[list[Passage]], np.ndarray],
    k: int,
) -> dict[str, tuple[str, ...]]:
    """The ``k`` topics nearest to each topic, nearest first.

    A topic's position is the normalised mean of the embeddings of all its views in every language
    (titles, example questions, summaries), so two topics are confusable when the base model puts
    their questions close together, whatever words they use.

    :param encode: unit vectors for passages, one row each (the base model's encoder).
    """
    by_slug = group_by_slug(articles)
    slugs = list(by_slug)
    if len(slugs) < 2 or k < 1:
        return {slug: () for slug in slugs}
    views = [(i, view) for i, slug in enumerate(slugs) for a in by_slug[slug].values() for view in article_views(a)]
    vectors = encode([view for _, view in views]).astype(np.float64)
    owners = np.array([i for i, _ in views])
    centroids = np.stack([vectors[owners == i].mean(axis=0) for i in range(len(slugs))])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    similarity = centroids @ centroids.T
    np.fill_diagonal(similarity, -np.inf)
    out: dict[str, tuple[str, ...]] = {}
    for i, slug in enumerate(slugs):
        # Ties are broken by slug order, so the result does not depend on floating-point noise alone.
        order = sorted(range(len(slugs)), key=lambda j: (-similarity[i, j], slugs[j]))
        out[slug] = tuple(slugs[j] for j in order[: min(k, len(slugs) - 1)])
    return out


def _pick_view(
    versions: dict[str, Article],
    rng: random.Random,
    *,
    kinds: Collection[PassageKind],
    avoid_lang: str | None = None,
    lang: str | None = None,
    exclude: str = "",
) -> Passage | None:
    """A random view of one topic: in ``lang`` when given and present, else in a language other
    than ``avoid_lang`` when there is one; of one of ``kinds`` when the version has such a view."""
    langs = list(versions)
    if lang is not None and lang in versions:
        langs = [lang]
    elif avoid_lang is not None and len(langs) > 1:
        langs = [x for x in langs if x != avoid_lang]
    article = versions[rng.choice(langs)]
    views = [v for v in article_views(article) if v.text != exclude]
    preferred = [v for v in views if v.kind in kinds]
    pool = preferred or views
    return rng.choice(pool) if pool else None


def training_examples(
    articles: Sequence[Article],
    confusables: dict[str, tuple[str, ...]],
    *,
    seed: int,
    positive_kinds: Collection[PassageKind] = ALL_KINDS,
    hard_negatives: bool = True,
) -> list[TrainingExample]:
    """One example per title and per example question of every article, in a stable order.

    :param confusables: from :func:`confusable_slugs`; a negative is drawn from these topics, in
        the positive's language and of its kind when that exists.
    :param seed: the only source of randomness (which language, which view, which confusable topic).
    :param positive_kinds: the kinds of text positives are drawn from (others are a fallback for
        articles that have none of these, e.g. a title-only knowledge base has no summary).
    """
    by_slug = group_by_slug(articles)
    rng = random.Random(seed)
    examples: list[TrainingExample] = []
    for slug, versions in by_slug.items():
        for article in versions.values():
            anchors = [Passage(article.key, PassageKind.title, article.title)]
            anchors += [Passage(article.key, PassageKind.question, q) for q in article.example_questions]
            for anchor in anchors:
                positive = _pick_view(
                    versions, rng, kinds=positive_kinds, avoid_lang=article.lang, exclude=anchor.text
                )
                if positive is None:
                    continue
                negative: Passage | None = None
                negative_slug: str | None = None
                if hard_negatives and confusables.get(slug):
                    negative_slug = rng.choice(confusables[slug])
                    negative = _pick_view(
                        by_slug[negative_slug], rng, kinds=(positive.kind,), lang=positive.article_key.split("/")[0]
                    )
                    if negative is None:
                        negative_slug = None
                examples.append(TrainingExample(slug, anchor, positive, negative, negative_slug))
    return examples
