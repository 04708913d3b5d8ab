"""Index scale: build time, memory and query latency of the FAISS index at 1k, 10k, 100k articles.

The articles are synthetic, made from the knowledge base's own passage vectors: article ``j`` copies
the passages of real article ``j mod A``, moved by a direction of its own (so copies of one article
are neighbours but not duplicates) plus per-passage noise, renormalised. Each keeps the real
passages-per-article ratio. Encoding is left out (its cost is the encode measured elsewhere); what
is measured is what grows with the knowledge base: ``retrieval.index.faiss_index`` (exact below
``ANN_MIN_VECTORS``, IVF above), its size, and one query's search for the retriever's candidates.
Recall@10 is against exact search on the same vectors, for queries near random passages.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import faiss
import numpy as np

from config.stats import percentile
from retrieval.index import ANN_MIN_VECTORS, IVF_NPROBE, faiss_index
from retrieval.retriever import CANDIDATES

ARTICLE_SHIFT = 0.35
PASSAGE_NOISE = 0.15
QUERY_NOISE = 0.25
QUERIES = 200
NPROBES = (8, 16, 24, 32, 64)


def _unit(x: np.ndarray) -> np.ndarray:
    unit: np.ndarray = (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    return unit


def synthetic_vectors(base: np.ndarray, owners: Sequence[int], articles: int, seed: int = 0) -> np.ndarray:
    """Passage vectors of ``articles`` synthetic articles made from ``base`` (rows owned by ``owners``).

    :param base: the knowledge base's passage vectors, one row each.
    :param owners: the article number (0..A-1) of each row of ``base``.
    """
    rng = np.random.default_rng(seed)
    owner = np.asarray(owners)
    by_article = [np.flatnonzero(owner == a) for a in range(int(owner.max()) + 1)]
    dim = base.shape[1]
    chunks = []
    for j in range(articles):
        rows = base[by_article[j % len(by_article)]]
        shift = rng.standard_normal(dim).astype(np.float32) * (ARTICLE_SHIFT / np.sqrt(dim))
        noise = rng.standard_normal(rows.shape).astype(np.float32) * (PASSAGE_NOISE / np.sqrt(dim))
        chunks.append(rows + shift + noise)
    return _unit(np.concatenate(chunks))


def _timed_searches(search: Callable[[np.ndarray], object], queries: np.ndarray) -> list[float]:
    out = []
    for q in queries:
        started = time.perf_counter()
        search(q.reshape(1, -1))
        out.append((time.perf_counter() - started) * 1000)
    return out


def _rss_mb() -> float | None:
    try:
        import psutil
    except ImportError:
        return None
    return float(psutil.Process().memory_info().rss) / 2**20


def recall_at(found: np.ndarray, exact: np.ndarray, k: int = 10) -> float:
    """Mean share of each query's exact top ``k`` that the approximate top ``k`` found."""
    hits = [len(set(f[:k].tolist()) & set(e[:k].tolist())) / k for f, e in zip(found, exact, strict=True)]
    return float(np.mean(hits)) if hits else 0.0


def run_size(base: np.ndarray, owners: Sequence[int], articles: int, *, queries: int = QUERIES) -> dict[str, Any]:
    """Build and query the index of ``articles`` synthetic articles; one row of the report."""
    vectors = synthetic_vectors(base, owners, articles)
    rng = np.random.default_rng(1)
    picks = rng.choice(len(vectors), size=queries, replace=False)
    noise = rng.standard_normal((queries, vectors.shape[1])).astype(np.float32) * (QUERY_NOISE / np.sqrt(vectors.shape[1]))
    qs = _unit(vectors[picks] + noise)
    rss_before = _rss_mb()
    started = time.perf_counter()
    index = faiss_index(vectors)
    build_s = time.perf_counter() - started
    rss_after = _rss_mb()
    approximate = isinstance(index, faiss.IndexIVF)
    row: dict[str, Any] = {
        "articles": articles,
        "vectors": len(vectors),
        "kind": f"IVF{index.nlist},Flat nprobe={index.nprobe}" if approximate else "Flat (exact)",
        "build_s": round(build_s, 2),
        "index_mb": round(faiss.serialize_index(index).nbytes / 2**20, 1),
        "rss_growth_mb": None if rss_before is None or rss_after is None else round(rss_after - rss_before, 1),
    }
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # one query per request thread, as the server searches
    try:
        latency = _timed_searches(lambda q: index.search(q, CANDIDATES), qs)
        row["query_ms_p50"] = percentile(latency, 50)
        row["query_ms_p95"] = percentile(latency, 95)
        if approximate:
            _, exact = faiss.knn(qs, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)
            flat = _timed_searches(lambda q: faiss.knn(q, vectors, CANDIDATES, metric=faiss.METRIC_INNER_PRODUCT), qs[:20])
            row["exact_query_ms_p50"] = percentile(flat, 50)
            sweep = {}
            for nprobe in NPROBES:
                index.nprobe = nprobe
                _, found = index.search(qs, 10)
                sweep[str(nprobe)] = round(recall_at(found, exact), 4)
            index.nprobe = min(IVF_NPROBE, index.nlist)
            row["recall_at_10"] = sweep.get(str(IVF_NPROBE))
            row["recall_by_nprobe"] = sweep
        else:
            row["recall_at_10"] = 1.0
    finally:
        faiss.omp_set_num_threads(threads)
    return row


def run_scale(
    base: np.ndarray, owners: Sequence[int], sizes: Sequence[int], *, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """One row per size (see :func:`run_size`)."""
    rows = []
    for articles in sizes:
        progress(f"index scale: {articles} synthetic articles")
        rows.append(run_size(base, owners, articles))
        progress(f"index scale: {rows[-1]}")
    return {"ann_min_vectors": ANN_MIN_VECTORS, "nprobe": IVF_NPROBE, "candidates": CANDIDATES, "sizes": rows}
