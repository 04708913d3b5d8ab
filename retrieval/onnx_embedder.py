"""The model served through ONNX Runtime: onnxruntime, tokenizers and numpy, never torch.

It reads a sentence-transformers folder and its export (:mod:`retrieval.onnx_manifest`) and computes
what ``SentenceTransformerEmbedder`` computes: the folder's ``query``/``passage`` prompts, its fast
tokenizer (``tokenizer.json``), the same long-text windows (:mod:`retrieval.token_windows`), mean
pooling under the attention mask and L2 normalisation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.embedder import model_id_of
from retrieval.errors import ModelNotExported
from retrieval.onnx_manifest import FP32_FILE, INT8_FILE, OnnxExport, check_fresh, onnx_dir_of
from retrieval.token_windows import special_tokens, split_windows

MAX_BATCH = 32
# Padded tokens per ONNX Runtime call: 8 full 512-token windows. Bounds the attention buffers
# (batch x heads x length^2 floats, about 100 MB at this size) when long texts are encoded.
TOKEN_BUDGET = 8 * 512
INT8_SUFFIX = " [onnx-int8]"


def _prompts(model_dir: Path) -> tuple[str, str]:
    """``(query, passage)`` prompts, read as ``SentenceTransformerEmbedder`` reads them."""
    path = model_dir / "config_sentence_transformers.json"
    prompts: dict[str, str] = {}
    if path.is_file():
        prompts = json.loads(path.read_text(encoding="utf-8")).get("prompts") or {}
    return prompts.get("query", ""), prompts.get("passage", prompts.get("document", ""))


def _pad_id(model_dir: Path, tokenizer: Any) -> int:
    config = model_dir / "tokenizer_config.json"
    if config.is_file():
        token = json.loads(config.read_text(encoding="utf-8")).get("pad_token")
        if isinstance(token, str) and tokenizer.token_to_id(token) is not None:
            return int(tokenizer.token_to_id(token))
    return 0  # masked out, so any id in the vocabulary would do


class OnnxEmbedder:
    """A sentence-transformers folder served by ONNX Runtime (float32, or dynamic int8).

    Vectors agree with ``SentenceTransformerEmbedder`` on the same folder (cosine >= 0.999 for
    float32, >= 0.99 for int8). The float32 export shares the torch model's ``model_id``, so the
    same FAISS index serves both; int8 has an id of its own and gets its own index.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        quantized: bool = False,
        onnx_dir: str | Path | None = None,
        threads: int | None = None,
    ) -> None:
        """Load the export of ``model_dir``.

        :param quantized: serve ``model_int8.onnx`` instead of ``model.onnx``.
        :param onnx_dir: the export folder; defaults to ``<model_dir>/onnx``.
        :param threads: ONNX Runtime intra-op threads; ``None`` lets it choose (one per core).
        :raises ModelNotExported: when the export is missing or older than the folder's weights.
        """
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(model_dir)
        export_dir = Path(onnx_dir) if onnx_dir is not None else onnx_dir_of(folder)
        export = OnnxExport.load(export_dir)
        check_fresh(export, folder)
        name = INT8_FILE if quantized else FP32_FILE
        if name not in export.files or not (export_dir / name).is_file():
            raise ModelNotExported(
                f"{export_dir}: {name} was not exported; run `python -m retrieval export-onnx --model {folder}`"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(export_dir / name), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._output = self._session.get_outputs()[0].name
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._pad = _pad_id(folder, self._tokenizer)
        self.query_prompt, self.passage_prompt = _prompts(folder)
        self.dim = export.dim
        self.max_tokens = export.max_seq_length
        self.is_quantized = quantized
        self.model_id = model_id_of(folder) + (INT8_SUFFIX if quantized else "")
        bare = self._tokenizer.encode("a", add_special_tokens=False).ids
        full = self._tokenizer.encode("a", add_special_tokens=True).ids
        self._prefix, self._suffix = special_tokens(bare, full)

    def token_count(self, text: str, *, is_query: bool) -> int:
        """Tokens (specials included) the model would read for ``text``, before windowing."""
        prompt = self.query_prompt if is_query else self.passage_prompt
        return len(self._tokenizer.encode(prompt + text, add_special_tokens=True).ids)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts`` read with the query prompt, one row each."""
        return self._encode(texts, self.query_prompt)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts`` read with the passage prompt, one row each."""
        return self._encode(texts, self.passage_prompt)

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        window = self.max_tokens - len(self._prefix) - len(self._suffix)
        encodings = self._tokenizer.encode_batch([prompt + t for t in texts], add_special_tokens=False)
        owners: list[int] = []
        weights: list[int] = []
        sequences: list[list[int]] = []
        for i, encoding in enumerate(encodings):
            for chunk in split_windows(encoding.ids, window):
                owners.append(i)
                weights.append(max(len(chunk), 1))
                sequences.append(self._prefix + chunk + self._suffix)
        pooled = self._pool(sequences)
        totals = np.zeros((len(texts), self.dim), dtype=np.float64)
        np.add.at(totals, np.asarray(owners), pooled * np.asarray(weights, dtype=np.float64)[:, None])
        norms = np.linalg.norm(totals, axis=1, keepdims=True)
        unit: np.ndarray = (totals / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    def _pool(self, sequences: list[list[int]]) -> np.ndarray:
        """Mean-pooled token vectors of each sequence, batched by length under ``TOKEN_BUDGET``."""
        out = np.zeros((len(sequences), self.dim), dtype=np.float64)
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        start = 0
        while start < len(order):
            longest = len(sequences[order[min(start + MAX_BATCH, len(order)) - 1]])
            size = max(1, min(MAX_BATCH, TOKEN_BUDGET // max(longest, 1)))
            batch = order[start : start + size]
            out[batch] = self._run([sequences[i] for i in batch])
            start += len(batch)
        return out

    def _run(self, sequences: list[list[int]]) -> np.ndarray:
        length = max(len(s) for s in sequences)
        ids = np.full((len(sequences), length), self._pad, dtype=np.int64)
        mask = np.zeros((len(sequences), length), dtype=np.int64)
        for row, seq in enumerate(sequences):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        tokens = self._session.run([self._output], feeds)[0].astype(np.float64)
        counts = mask.sum(axis=1, keepdims=True).astype(np.float64)
        pooled: np.ndarray = (tokens * mask[:, :, None]).sum(axis=1) / np.maximum(counts, 1e-9)
        return pooled
