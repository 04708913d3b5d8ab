"""A FAISS inner-product index over unit vectors, saved with a manifest that says what it was
built from (model, dimension, knowledge-base hash) so a stale index is never served."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from retrieval.errors import IndexMismatch
from retrieval.passages import Passage, PassageKind

INDEX_FORMAT = 2
INDEX_FILE = "index.faiss"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True, slots=True)
class Manifest:
    """What an index was built from; equality with the current one means it can be reused."""

    model: str
    dim: int
    kb_sha256: str
    format: int = INDEX_FORMAT

    def to_json(self, passages: list[Passage]) -> dict[str, object]:
        return {
            "model": self.model,
            "dim": self.dim,
            "kb_sha256": self.kb_sha256,
            "format": self.format,
            "ids": [p.article_key for p in passages],
            "passages": [{"kind": p.kind.value, "text": p.text} for p in passages],
        }


class VectorIndex:
    """Immutable once built: rebuilding makes a new object, never mutates one that serves."""

    def __init__(self, index: faiss.Index, passages: list[Passage], manifest: Manifest) -> None:
        self._index = index
        self.passages = passages
        self.manifest = manifest

    @classmethod
    def build(cls, vectors: np.ndarray, passages: list[Passage], manifest: Manifest) -> VectorIndex:
        """Index ``vectors`` (row i belongs to ``passages[i]``)."""
        if vectors.shape != (len(passages), manifest.dim):
            raise ValueError(f"vectors {vectors.shape} do not match {len(passages)} passages x {manifest.dim}")
        flat = faiss.IndexFlatIP(manifest.dim)
        index = faiss.IndexIDMap(flat)
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.arange(len(passages), dtype=np.int64))
        return cls(index, passages, manifest)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest passages as (position, cosine) pairs, best first."""
        k = min(k, len(self.passages))
        if k <= 0:
            return []
        scores, ids = self._index.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, folder: Path) -> None:
        """Write ``index.faiss`` and ``manifest.json``; the manifest goes last, atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        tmp_index = folder / (INDEX_FILE + ".tmp")
        faiss.write_index(self._index, str(tmp_index))
        os.replace(tmp_index, folder / INDEX_FILE)
        tmp_manifest = folder / (MANIFEST_FILE + ".tmp")
        tmp_manifest.write_text(json.dumps(self.manifest.to_json(self.passages), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp_manifest, folder / MANIFEST_FILE)

    @classmethod
    def load(cls, folder: Path, expected: Manifest) -> VectorIndex:
        """Load a saved index.

        :raises IndexMismatch: when it is missing, unreadable, or built from another model or KB.
        """
        try:
            raw = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
            found = Manifest(raw["model"], int(raw["dim"]), raw["kb_sha256"], int(raw.get("format", 0)))
        except (OSError, ValueError, KeyError) as exc:
            raise IndexMismatch(f"{folder}: no usable manifest ({exc})") from None
        if found != expected:
            raise IndexMismatch(f"{folder}: index was built for {found}, need {expected}")
        index = faiss.read_index(str(folder / INDEX_FILE))
        passages = [
            Passage(key, PassageKind(p["kind"]), p["text"]) for key, p in zip(raw["ids"], raw["passages"], strict=True)
        ]
        if index.ntotal != len(passages):
            raise IndexMismatch(f"{folder}: index holds {index.ntotal} vectors, manifest {len(passages)}")
        return cls(index, passages, found)
