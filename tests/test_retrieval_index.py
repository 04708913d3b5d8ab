"""The saved index is reused while it matches the model and knowledge base, rebuilt otherwise."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval import HashEmbedder, load_retriever
from retrieval.index import MANIFEST_FILE


def _load(kb: Path, embedder: HashEmbedder, index_dir: Path) -> list[str]:
    reasons: list[str] = []
    load_retriever(kb, embedder, index_dir, on_rebuild=reasons.append)
    return reasons


def test_index_first_load_builds_and_saves_manifest(tiny_kb: Path, hash_embedder: HashEmbedder, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    assert _load(tiny_kb, hash_embedder, index_dir)
    manifest = json.loads((index_dir / MANIFEST_FILE).read_text())
    assert manifest["model"] == "hash-32" and manifest["dim"] == 32
    assert len(manifest["kb_sha256"]) == 64
    assert set(manifest["ids"]) == {f"{lang}/{slug}" for lang in ("en", "es") for slug in (
        "reset-password", "deposit-not-credited", "withdrawal-pending")}


def test_index_unchanged_kb_is_reused(tiny_kb: Path, hash_embedder: HashEmbedder, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _load(tiny_kb, hash_embedder, index_dir)
    assert _load(tiny_kb, hash_embedder, index_dir) == []


def test_index_when_kb_changes_is_rebuilt(tiny_kb: Path, hash_embedder: HashEmbedder, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _load(tiny_kb, hash_embedder, index_dir)
    before = json.loads((index_dir / MANIFEST_FILE).read_text())["kb_sha256"]
    article = tiny_kb / "en" / "reset-password.md"
    article.write_text(article.read_text(encoding="utf-8").replace("1. ", "1. First, ", 1), encoding="utf-8")
    reasons = _load(tiny_kb, hash_embedder, index_dir)
    assert reasons and "kb_sha256" in reasons[0]
    assert json.loads((index_dir / MANIFEST_FILE).read_text())["kb_sha256"] != before
    retriever = load_retriever(tiny_kb, hash_embedder, index_dir)
    assert any("First, " in p.text for p in retriever.index.passages)


def test_index_when_model_changes_is_rebuilt(tiny_kb: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _load(tiny_kb, HashEmbedder(dim=32), index_dir)
    reasons = _load(tiny_kb, HashEmbedder(dim=16), index_dir)
    assert reasons
    assert json.loads((index_dir / MANIFEST_FILE).read_text())["dim"] == 16


def test_index_when_files_corrupt_is_rebuilt(tiny_kb: Path, hash_embedder: HashEmbedder, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _load(tiny_kb, hash_embedder, index_dir)
    (index_dir / MANIFEST_FILE).write_text("{", encoding="utf-8")
    assert _load(tiny_kb, hash_embedder, index_dir)


def test_search_finds_exact_example_question_with_hash_embedder(tiny_kb: Path, hash_embedder: HashEmbedder) -> None:
    retriever = load_retriever(tiny_kb, hash_embedder, None)
    question = retriever.article("withdrawal-pending", "es").example_questions[0]  # type: ignore[union-attr]
    hits = retriever.search(question, lang="es", k=2)
    assert hits[0].slug == "withdrawal-pending" and hits[0].lang == "es"
