"""Micro-batching: concurrent single-query encodes gathered into one model call on a worker thread.

A server encodes one message per request, and a transformer reads a batch of 16 short texts in far
less than 16 times one text's time. ``MicroBatcher`` wraps any ``Embedder``: a one-text
``encode_queries`` call joins a queue, and one worker thread takes the first waiting text, keeps
collecting for ``window_s`` (or until ``max_batch`` texts), encodes them together and hands each
caller its own row. Under no load a text waits at most the window; under load the batch grows with
the queue, so throughput grows with it instead of queueing single encodes.

Callers on request threads block on their own future only; asyncio code awaits
:meth:`MicroBatcher.encode_query` and never blocks the event loop. Bulk calls (index builds,
calibration) go straight to the wrapped model, under the same lock as the worker, because the
tokenizers of some backends must not be used from two threads at once.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from retrieval.embedder import Embedder

_STOP = None


@dataclass(slots=True)
class BatchStats:
    """What the worker did: model calls, texts encoded, the largest batch."""

    batches: int = 0
    texts: int = 0
    largest: int = 0
    sizes: list[int] = field(default_factory=list)

    def record(self, size: int) -> None:
        self.batches += 1
        self.texts += size
        self.largest = max(self.largest, size)
        if len(self.sizes) < 10_000:
            self.sizes.append(size)


class MicroBatcher:
    """An ``Embedder`` whose single-query encodes are batched across threads (see the module doc)."""

    def __init__(self, inner: Embedder, *, window_s: float = 0.002, max_batch: int = 32) -> None:
        """Wrap ``inner``.

        :param window_s: how long the worker waits for more texts after the first (0: it takes only
            those already queued).
        :param max_batch: most texts per model call.
        :raises ValueError: for a negative window or a batch below 1.
        """
        if window_s < 0 or max_batch < 1:
            raise ValueError(f"window_s must be >= 0 and max_batch >= 1, not {window_s} and {max_batch}")
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.window_s = window_s
        self.max_batch = max_batch
        self.stats = BatchStats()
        self._queue: queue.SimpleQueue[tuple[str, Future[np.ndarray]] | None] = queue.SimpleQueue()
        self._model_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._closed = False

    # --------------------------------------------------------------------------- the Embedder protocol

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """One text: through the batch queue (blocks this thread only). Several: straight to the model."""
        texts = list(texts)
        if len(texts) == 1:
            return self.submit(texts[0]).result()[None, :]
        with self._model_lock:
            return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passages are only encoded in bulk (index builds): straight to the model."""
        with self._model_lock:
            return self.inner.encode_passages(texts)

    # --------------------------------------------------------------------------- the queue

    def submit(self, text: str) -> Future[np.ndarray]:
        """Queue one query text; the future resolves to its unit vector (shape ``(dim,)``).

        :raises RuntimeError: after :meth:`close`.
        """
        if self._closed:
            raise RuntimeError("the micro-batcher is closed")
        self._ensure_worker()
        future: Future[np.ndarray] = Future()
        self._queue.put((text, future))
        return future

    async def encode_query(self, text: str) -> np.ndarray:
        """The unit vector of one query text, awaited without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(text))

    def close(self) -> None:
        """Finish what is queued, then stop the worker. The wrapped model stays usable."""
        with self._start_lock:
            self._closed = True
            worker = self._worker
        if worker is not None:
            self._queue.put(_STOP)
            worker.join()

    def _ensure_worker(self) -> None:
        if self._worker is not None:
            return
        with self._start_lock:
            if self._worker is None and not self._closed:
                self._worker = threading.Thread(target=self._run, name="encode-batcher", daemon=True)
                self._worker.start()

    def _collect(self, first: tuple[str, Future[np.ndarray]]) -> tuple[list[tuple[str, Future[np.ndarray]]], bool]:
        """The first item plus whatever arrives within the window, up to ``max_batch``; and whether to stop."""
        batch = [first]
        deadline = time.monotonic() + self.window_s
        while len(batch) < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                return batch, False
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is _STOP:
                break
            batch, stop = self._collect(first)
            live = [(text, future) for text, future in batch if future.set_running_or_notify_cancel()]
            if not live:
                continue
            try:
                with self._model_lock:
                    vectors = self.inner.encode_queries([text for text, _ in live])
            except BaseException as exc:  # every waiting caller must hear of it, whatever it is
                for _, future in live:
                    future.set_exception(exc)
                continue
            self.stats.record(len(live))
            for (_, future), vector in zip(live, vectors, strict=True):
                future.set_result(np.array(vector, dtype=np.float32, copy=True))
        # Anything queued after the stop marker is refused rather than left waiting forever.
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP and item[1].set_running_or_notify_cancel():
                item[1].set_exception(RuntimeError("the micro-batcher is closed"))
