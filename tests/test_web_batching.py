"""The app serves its model through the micro-batcher: concurrent requests share model calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from config.settings import Settings
from retrieval import HashEmbedder
from web.app import create_app


class SlowHashEmbedder:
    """Hash vectors, 30 ms a call (about a real model's single encode), every call's size recorded."""

    def __init__(self) -> None:
        self._inner = HashEmbedder(dim=32)
        self.model_id = self._inner.model_id
        self.dim = self._inner.dim
        self.calls: list[tuple[str, int]] = []

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append((threading.current_thread().name, len(texts)))
        time.sleep(0.03 if len(texts) < 50 else 0)
        return self._inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._inner.encode_passages(texts)


def test_app_concurrent_asks_are_encoded_in_batches(tmp_path: Path, tiny_kb: Path) -> None:
    embedder = SlowHashEmbedder()
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", kb_path=tiny_kb, rate_limit_per_minute=1000,
        encode_batch_window_ms=10, encode_max_batch=8,
    )
    questions = [f"where is my deposit number {i}?" for i in range(24)]
    with TestClient(create_app(settings, embedder=embedder)) as client:
        embedder.calls.clear()  # start-up encodes (index, calibration, intents) are bulk calls
        with ThreadPoolExecutor(len(questions)) as pool:
            answers = list(pool.map(lambda q: client.post("/api/v1/ask", json={"text": q}), questions))
    assert [a.status_code for a in answers] == [200] * len(questions)
    sizes = [n for _, n in embedder.calls]
    assert sum(sizes) == len(questions)
    assert max(sizes) > 1 and max(sizes) <= 8
    assert {name for name, _ in embedder.calls} == {"encode-batcher"}
    # Each answer is its own question's: the same as asking it alone.
    with TestClient(create_app(settings, embedder=SlowHashEmbedder())) as client:
        alone = client.post("/api/v1/ask", json={"text": questions[5]}).json()
    assert answers[5].json()["hits"] == alone["hits"]
