"""The intent exemplar vectors are saved beside the index, so a restart loads them instead of encoding.

Issue 14 #7: start-up must only load what is built. These tests count the encoder's calls.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.intents import BANK_FILE, EXEMPLAR_DIR, IntentClassifier
from retrieval.embedder import HashEmbedder


class CountingEmbedder(HashEmbedder):
    def __init__(self, dim: int = 32, model_id: str | None = None) -> None:
        super().__init__(dim)
        if model_id is not None:
            self.model_id = model_id
        self.calls = 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        return super().encode_queries(texts)


@pytest.fixture
def exemplars(tmp_path: Path) -> Path:
    folder = tmp_path / "exemplars"
    shutil.copytree(EXEMPLAR_DIR, folder)
    return folder


def _build(emb: CountingEmbedder, exemplars: Path, cache: Path, key: str = "torch") -> IntentClassifier:
    return IntentClassifier.build(emb, exemplar_dir=exemplars, cache_dir=cache, cache_key=key)


def test_second_build_loads_the_saved_vectors_without_encoding(exemplars: Path, tmp_path: Path) -> None:
    cache = tmp_path / "index"
    first = CountingEmbedder()
    a = _build(first, exemplars, cache)
    assert first.calls == 1 and (cache / BANK_FILE).is_file()
    second = CountingEmbedder()
    b = _build(second, exemplars, cache)
    assert second.calls == 0
    text = "someone logged into my account and took all my bitcoin"
    vec = second.encode_queries([text])[0]
    assert a.classify(text, "en", vec, []) == b.classify(text, "en", vec, [])


@pytest.mark.parametrize("change", ["model", "backend", "phrase"])
def test_saved_vectors_are_not_reused_when_what_they_depend_on_changes(
    exemplars: Path, tmp_path: Path, change: str
) -> None:
    cache = tmp_path / "index"
    _build(CountingEmbedder(), exemplars, cache)
    emb = CountingEmbedder(model_id="another-model") if change == "model" else CountingEmbedder()
    if change == "phrase":
        path = exemplars / "benign.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data["en"].append("how do I change the language of the app")
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    _build(emb, exemplars, cache, key="onnx" if change == "backend" else "torch")
    assert emb.calls == 1
    # ...and the new vectors replaced the old: the next start with the same inputs encodes nothing.
    again = CountingEmbedder(model_id=emb.model_id)
    _build(again, exemplars, cache, key="onnx" if change == "backend" else "torch")
    assert again.calls == 0


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 torn in half", b"not a zip at all"])
def test_a_torn_or_foreign_file_is_encoded_again_and_overwritten(
    exemplars: Path, tmp_path: Path, content: bytes
) -> None:
    cache = tmp_path / "index"
    cache.mkdir()
    (cache / BANK_FILE).write_bytes(content)
    emb = CountingEmbedder()
    _build(emb, exemplars, cache)
    assert emb.calls == 1
    again = CountingEmbedder()
    _build(again, exemplars, cache)
    assert again.calls == 0


def test_vectors_of_the_wrong_shape_are_not_trusted(exemplars: Path, tmp_path: Path) -> None:
    cache = tmp_path / "index"
    _build(CountingEmbedder(), exemplars, cache)
    with np.load(cache / BANK_FILE) as saved:
        key = str(saved["key"])
    np.savez(cache / BANK_FILE, key=np.array(key), vectors=np.zeros((3, 32), np.float32))
    emb = CountingEmbedder()
    _build(emb, exemplars, cache)
    assert emb.calls == 1


def test_without_a_cache_dir_nothing_is_written(exemplars: Path, tmp_path: Path) -> None:
    emb = CountingEmbedder()
    IntentClassifier.build(emb, exemplar_dir=exemplars)
    IntentClassifier.build(emb, exemplar_dir=exemplars)
    assert emb.calls == 2
    assert not list(tmp_path.rglob(BANK_FILE))
