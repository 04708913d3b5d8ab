"""An embedder wrapper that encodes each query text once per run.

Benchmarks share texts (the BANKING77 retrieval and escalation files hold the same questions, the
bot encodes its intent exemplars for every knowledge base), and ``Bot.handle`` encodes one message
at a time. Encoding a file in batches first (``encode_all``) and then letting the bot read the
vectors from the cache is several times faster on CPU and gives the same vectors. Latency figures
are measured with the cache bypassed (``bypassed()``), so they include the real encode.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from tqdm import tqdm

from retrieval import Embedder

BATCH = 256


class CachedEmbedder:
    """Implements ``retrieval.Embedder``; query vectors are memoised by text, passages are not."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._vectors: dict[str, np.ndarray] = {}
        self._bypass = False

    def __getattr__(self, name: str) -> Any:  # tokenizer, token_count, ... of the wrapped model
        return getattr(self.inner, name)

    @property
    def size(self) -> int:
        """Distinct query texts encoded so far (``__len__`` would make an empty cache falsy)."""
        return len(self._vectors)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if self._bypass:
            return self.inner.encode_queries(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vec in zip(missing, self.inner.encode_queries(missing), strict=True):
                self._vectors[text] = np.asarray(vec, dtype=np.float32)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)

    @contextmanager
    def bypassed(self) -> Iterator[None]:
        """Encode without the cache (for latency measurements)."""
        self._bypass = True
        try:
            yield
        finally:
            self._bypass = False


def encode_all(
    embedder: Embedder, texts: Sequence[str], *, desc: str = "encode", progress: bool = True
) -> np.ndarray:
    """Query vectors for ``texts`` (one row each), distinct texts encoded once, in batches of
    similar length, behind a progress bar. Through a ``CachedEmbedder`` this also fills its cache."""
    texts = list(texts)
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    unique = sorted(dict.fromkeys(texts), key=len)
    vectors: dict[str, np.ndarray] = {}
    with tqdm(total=len(unique), desc=desc, unit="q", disable=not progress) as bar:
        for start in range(0, len(unique), BATCH):
            chunk = unique[start : start + BATCH]
            vectors.update(zip(chunk, embedder.encode_queries(chunk), strict=True))
            bar.update(len(chunk))
    return np.stack([vectors[t] for t in texts]).astype(np.float32)
