"""Micro-batching: concurrent single-query encodes are gathered, and each caller gets its own vector."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from retrieval import HashEmbedder
from retrieval.batching import MicroBatcher
from tests.async_support import run_async

TEXTS = [f"question number {i}: where is my deposit {i * 7}?" for i in range(32)]


class CountingEmbedder:
    """A hash embedder that records every call's size and takes a little while per call, as a model does."""

    def __init__(self, delay_s: float = 0.02) -> None:
        self._inner = HashEmbedder(dim=16)
        self.model_id = self._inner.model_id
        self.dim = self._inner.dim
        self.delay_s = delay_s
        self.calls: list[int] = []
        self.threads: set[str] = set()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay_s)
        return self._inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_queries(texts)


@pytest.fixture
def counting() -> CountingEmbedder:
    return CountingEmbedder()


def _expected(texts: Sequence[str]) -> np.ndarray:
    return HashEmbedder(dim=16).encode_queries(texts)


def test_batcher_under_thread_concurrency_gives_each_caller_its_vector(counting: CountingEmbedder) -> None:
    batcher = MicroBatcher(counting, window_s=0.005, max_batch=16)
    start = threading.Barrier(len(TEXTS))

    def one(text: str) -> np.ndarray:
        start.wait()
        return batcher.encode_queries([text])

    with ThreadPoolExecutor(len(TEXTS)) as pool:
        got = list(pool.map(one, TEXTS))
    batcher.close()
    assert all(v.shape == (1, 16) for v in got)
    assert np.abs(np.concatenate(got) - _expected(TEXTS)).max() < 1e-5
    assert sum(counting.calls) == len(TEXTS)
    assert max(counting.calls) > 1 and len(counting.calls) < len(TEXTS)
    assert max(counting.calls) <= 16
    assert counting.threads == {"encode-batcher"}
    assert batcher.stats.texts == len(TEXTS) and batcher.stats.largest == max(counting.calls)


def test_batcher_under_asyncio_concurrency_never_blocks_the_loop(counting: CountingEmbedder) -> None:
    batcher = MicroBatcher(counting, window_s=0.005, max_batch=64)
    ticks: list[float] = []

    async def heartbeat(stop: asyncio.Event) -> None:
        while not stop.is_set():
            ticks.append(time.monotonic())
            await asyncio.sleep(0.001)

    async def main() -> list[np.ndarray]:
        stop = asyncio.Event()
        beat = asyncio.create_task(heartbeat(stop))
        vectors = await asyncio.gather(*(batcher.encode_query(t) for t in TEXTS))
        # A second wave while the first has finished: batches form again.
        vectors += await asyncio.gather(*(batcher.encode_query(t) for t in reversed(TEXTS)))
        stop.set()
        await beat
        return list(vectors)

    got = run_async(main)
    batcher.close()
    assert np.abs(np.stack(got[: len(TEXTS)]) - _expected(TEXTS)).max() < 1e-5
    assert np.abs(np.stack(got[len(TEXTS) :]) - _expected(TEXTS[::-1])).max() < 1e-5
    assert max(counting.calls) > 1
    # The loop kept running while the worker slept in the model: the heartbeat ticked during the encodes.
    assert len(ticks) >= 2 * len(counting.calls)


def test_batcher_bulk_calls_go_straight_to_the_model(counting: CountingEmbedder) -> None:
    batcher = MicroBatcher(counting)
    vectors = batcher.encode_queries(TEXTS[:5])
    assert counting.calls == [5] and batcher.stats.batches == 0
    assert np.abs(vectors - _expected(TEXTS[:5])).max() < 1e-6
    assert batcher.encode_passages(TEXTS[:2]).shape == (2, 16)
    assert (batcher.model_id, batcher.dim) == (counting.model_id, counting.dim)
    batcher.close()


def test_batcher_alone_encodes_one_text_per_call(counting: CountingEmbedder) -> None:
    batcher = MicroBatcher(counting, window_s=0.0)
    for text in TEXTS[:3]:
        assert np.abs(batcher.encode_queries([text])[0] - _expected([text])[0]).max() < 1e-6
    batcher.close()
    assert counting.calls == [1, 1, 1]


def test_batcher_model_error_reaches_every_caller() -> None:
    class Broken(CountingEmbedder):
        def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
            raise MemoryError("out of memory")

    batcher = MicroBatcher(Broken(), window_s=0.01)
    futures = [batcher.submit(t) for t in TEXTS[:4]]
    for future in futures:
        with pytest.raises(MemoryError):
            future.result(timeout=5)
    # The worker survives a failed batch.
    batcher.inner = CountingEmbedder(delay_s=0)
    assert batcher.encode_queries(["again"]).shape == (1, 16)
    batcher.close()


def test_batcher_when_closed_refuses_new_texts(counting: CountingEmbedder) -> None:
    batcher = MicroBatcher(counting)
    batcher.encode_queries(["warm up"])
    batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.encode_queries(["late"])


@pytest.mark.parametrize(("window", "size"), [(-1.0, 4), (0.0, 0)])
def test_batcher_with_bad_limits_raises(window: float, size: int) -> None:
    with pytest.raises(ValueError):
        MicroBatcher(HashEmbedder(), window_s=window, max_batch=size)


def test_real_model_batched_equals_single_encode(embedder: object) -> None:
    """With the real model, a batched vector equals the text's single encode (padding is masked)."""
    from retrieval import SentenceTransformerEmbedder

    assert isinstance(embedder, SentenceTransformerEmbedder)
    texts = ["hi", "我的充币没到账怎么办？", "Не пришёл депозит USDT, что делать?", "¿Cómo retiro?"] * 3
    batcher = MicroBatcher(embedder, window_s=0.02)
    with ThreadPoolExecutor(len(texts)) as pool:
        got = np.concatenate(list(pool.map(lambda t: batcher.encode_queries([t]), texts)))
    batcher.close()
    alone = np.stack([embedder.encode_queries([t])[0] for t in texts])
    assert np.abs(got - alone).max() < 1e-5
    assert batcher.stats.largest > 1
