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
# Exact search is a few ms per query up to here on one core; above it an inverted-file index (IVF)
# answers in well under a millisecond. ``python -m eval bench`` measures both and IVF's recall@10.
ANN_MIN_VECTORS = 50_000
# Lists searched per query: measured recall@10 against exact search 0.978 at 24 and 0.983 at 32
# (10k synthetic articles, eval/reports/2026-12-04/bench.md), so 32.
IVF_NPROBE = 32


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


def faiss_index(
    vectors: np.ndarray, *, ann_min_vectors: int = ANN_MIN_VECTORS, nprobe: int = IVF_NPROBE
) -> faiss.Index:
    """An inner-product index over ``vectors`` whose ids are row positions.

    Exact (flat) below ``ann_min_vectors`` rows; above, IVF-flat with ``2 * sqrt(n)`` lists
    (k-means trained on 40 vectors per list, the fewest FAISS accepts without a warning), searching
    ``nprobe`` lists per query.
    """
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = data.shape
    ids = np.arange(n, dtype=np.int64)
    if n < ann_min_vectors:
        index = faiss.IndexIDMap(faiss.IndexFlatIP(dim))
        index.add_with_ids(data, ids)
        return index
    nlist = max(1, int(2 * np.sqrt(n)))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(n, size=min(n, 40 * nlist), replace=False)
    ivf.train(data[np.sort(sample)])
    ivf.add_with_ids(data, ids)
    ivf.nprobe = min(nprobe, nlist)
    return ivf


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
        return cls(faiss_index(vectors), passages, manifest)

    @property
    def is_approximate(self) -> bool:
        """Whether searches go through an inverted-file index rather than exact search."""
        return isinstance(self._index, faiss.IndexIVF)

    def vectors(self) -> np.ndarray:
        """Every passage's vector, row ``i`` for ``passages[i]`` (a copy)."""
        inner = faiss.downcast_index(self._index.index) if isinstance(self._index, faiss.IndexIDMap) else self._index
        ids = (
            faiss.vector_to_array(self._index.id_map)
            if isinstance(self._index, faiss.IndexIDMap)
            else np.arange(len(self.passages))
        )
        out = np.zeros((len(self.passages), self.manifest.dim), dtype=np.float32)
        if isinstance(inner, faiss.IndexIVF):
            inner.make_direct_map()
        out[ids] = inner.reconstruct_n(0, inner.ntotal)
        return out

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
