"""Retrieval benchmark: queries with a gold article (or NONE) against one knowledge base.

Each query is encoded once (in batches), searched with ``Retriever.search_vector`` in its own
language, and scored on the ranked article ids. Ranking metrics count only rows with a gold
article; NONE rows count only in ``no_answer``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from tqdm import tqdm

from eval.datasets import Query
from eval.embedding_cache import encode_all
from eval.metrics import RECALL_CUTOFFS, RankedQuery, group_by, no_answer_summary, ranking_summary
from retrieval import Retriever

DEFAULT_K = 10


def search_all(
    retriever: Retriever, queries: Sequence[Query], k: int = DEFAULT_K, *, progress: bool = True
) -> list[RankedQuery]:
    """The ranked article ids (at least the top 10) and top score of every query."""
    depth = max(k, max(RECALL_CUTOFFS))
    vectors = encode_all(
        retriever.embedder, [q.text for q in queries], desc="encode queries", progress=progress
    )
    ranked: list[RankedQuery] = []
    for q, vec in tqdm(
        zip(queries, vectors, strict=True), total=len(queries), desc="search", unit="q", disable=not progress
    ):
        hits = retriever.search_vector(vec, lang=q.lang, k=depth)
        ranked.append(RankedQuery(q.gold, tuple(h.slug for h in hits), hits[0].score if hits else None))
    return ranked


def retrieval_report(
    queries: Sequence[Query], ranked: Sequence[RankedQuery], k: int = DEFAULT_K
) -> dict[str, Any]:
    """``overall``, ``by_lang``, ``by_variety`` and, when NONE rows are present, ``no_answer``."""
    pairs = list(zip(queries, ranked, strict=True))

    def summary(group: Sequence[tuple[Query, RankedQuery]]) -> dict[str, Any]:
        rows = [r for _, r in group]
        out = ranking_summary(rows)
        if k not in (1, *RECALL_CUTOFFS):
            answerable = [r for r in rows if r.gold is not None]
            out[f"recall@{k}"] = (
                sum(r.rank is not None and r.rank <= k for r in answerable) / len(answerable)
                if answerable
                else None
            )
        return out

    report: dict[str, Any] = {
        "overall": summary(pairs),
        "by_lang": {lang: summary(g) for lang, g in group_by(pairs, lambda p: p[0].lang).items()},
        "by_variety": {v: summary(g) for v, g in group_by(pairs, lambda p: p[0].variety).items()},
    }
    no_answer = no_answer_summary(ranked)
    if no_answer is not None:
        report["no_answer"] = no_answer
    return report


def run_retrieval(
    retriever: Retriever,
    queries: Sequence[Query],
    k: int = DEFAULT_K,
    *,
    progress: bool = True,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Search every query and return the report, plus a ``run`` entry (sizes, timing, KB coverage)."""
    started = time.perf_counter()
    ranked = search_all(retriever, queries, k, progress=progress)
    report = retrieval_report(queries, ranked, k)
    slugs = {a.slug for a in retriever.articles.values()}
    report["run"] = {
        **(meta or {}),
        "k": k,
        "rows": len(queries),
        "answerable": sum(q.gold is not None for q in queries),
        "no_answer_rows": sum(q.gold is None for q in queries),
        "gold_not_in_kb": sum(q.gold is not None and q.gold not in slugs for q in queries),
        "articles": len(slugs),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return report
