"""The one object the bot calls: embed a question, search the index, rank articles."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from retrieval.articles import Article, kb_fingerprint, load_articles
from retrieval.embedder import Embedder
from retrieval.errors import IndexMismatch
from retrieval.index import Manifest, VectorIndex
from retrieval.passages import Passage, article_passages
from retrieval.scoring import Hit, rank

log = logging.getLogger(__name__)
# Passages fetched per query before collapsing to articles: enough that the k best distinct
# articles are among them even when one article's many questions crowd the top.
CANDIDATES = 256


class Retriever:
    """Semantic search over one knowledge base with one embedding model."""

    def __init__(self, embedder: Embedder, index: VectorIndex, articles: list[Article]) -> None:
        self.embedder = embedder
        self.index = index
        self.articles = {a.key: a for a in articles}
        self.languages = frozenset(a.lang for a in articles)

    def article(self, slug: str, lang: str | None = None) -> Article | None:
        """An article by slug, in ``lang`` when it exists, else English, else any language."""
        for candidate in (lang, "en"):
            if candidate and f"{candidate}/{slug}" in self.articles:
                return self.articles[f"{candidate}/{slug}"]
        return next((a for a in self.articles.values() if a.slug == slug), None)

    def search(self, text: str, lang: str | None = None, k: int = 5) -> list[Hit]:
        """The ``k`` best articles for ``text``, best first, one per slug.

        :param lang: the user's language; its version of a slug is preferred.
        """
        vector = self.embedder.encode_queries([text])[0]
        return self.search_vector(vector, lang=lang, k=k)

    def search_vector(self, vector: np.ndarray, lang: str | None = None, k: int = 5) -> list[Hit]:
        """Like :meth:`search` for an already-encoded query."""
        raw = self.index.search(vector, CANDIDATES)
        matches = [(self.index.passages[i], score) for i, score in raw]
        return rank(matches, self.articles, lang=lang, k=k)


def encode_passages(embedder: Embedder, passages: list[Passage]) -> np.ndarray:
    """Encode titles and questions with the query prompt and bodies with the passage prompt."""
    vectors = np.zeros((len(passages), embedder.dim), dtype=np.float32)
    q_idx = [i for i, p in enumerate(passages) if p.is_query_like]
    b_idx = [i for i, p in enumerate(passages) if not p.is_query_like]
    if q_idx:
        vectors[q_idx] = embedder.encode_queries([passages[i].text for i in q_idx])
    if b_idx:
        vectors[b_idx] = embedder.encode_passages([passages[i].text for i in b_idx])
    return vectors


def build_index(articles: list[Article], embedder: Embedder, kb_sha256: str) -> VectorIndex:
    """Embed every passage of every article into a new index."""
    passages = [p for a in articles for p in article_passages(a)]
    manifest = Manifest(model=embedder.model_id, dim=embedder.dim, kb_sha256=kb_sha256)
    return VectorIndex.build(encode_passages(embedder, passages), passages, manifest)


def load_retriever(
    kb: Path | str,
    embedder: Embedder,
    index_dir: Path | None = None,
    *,
    on_rebuild: Callable[[str], None] | None = None,
) -> Retriever:
    """Load the knowledge base and its saved index, rebuilding (and saving) the index when the
    knowledge base or the model changed since it was built.

    :param index_dir: where the index lives; ``None`` keeps it in memory only.
    """
    articles = load_articles(kb)
    expected = Manifest(model=embedder.model_id, dim=embedder.dim, kb_sha256=kb_fingerprint(kb))
    if index_dir is not None:
        try:
            return Retriever(embedder, VectorIndex.load(Path(index_dir), expected), articles)
        except IndexMismatch as exc:
            log.info("rebuilding index: %s", exc)
            if on_rebuild:
                on_rebuild(str(exc))
    index = build_index(articles, embedder, expected.kb_sha256)
    if index_dir is not None:
        index.save(Path(index_dir))
    return Retriever(embedder, index, articles)
