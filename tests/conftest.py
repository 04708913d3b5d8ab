"""Shared fixtures. Expensive ones (the real model, the real index) are session-scoped."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from config.settings import Settings
from handoff.db import open_db
from retrieval import HashEmbedder, Retriever, SentenceTransformerEmbedder, load_retriever

ROOT = Path(__file__).resolve().parents[1]
KB = ROOT / "kb_articles"
DEFAULT_MODEL = ROOT / "var" / "models" / "multilingual-e5-small-q4"
SHARED = ROOT.parent / "shared"
if not SHARED.is_dir():
    SHARED = Path("/work/shared")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# The shipped defaults (no .env): what tests pass where production code passes the Settings it was given.
DEFAULTS = Settings(_env_file=None)


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline model folder: the one `make` built, else a fresh build."""
    if (DEFAULT_MODEL / "modules.json").is_file():
        return DEFAULT_MODEL
    from retrieval.model_build import build_model

    return build_model(tmp_path_factory.mktemp("model") / "e5")


@pytest.fixture(scope="session")
def embedder(model_path: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(model_path)


@pytest.fixture(scope="session")
def kb_retriever(embedder: SentenceTransformerEmbedder, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """The real knowledge base with the base model; reuses the index `make` built when it is
    current. `make` builds the server's index with the adapted model (``Settings.adapt_model``), and
    the ``python -m bot`` subprocess tests serve that one, so an index of another model is left
    alone (this fixture builds its own) rather than rebuilt back and forth."""
    index_dir = ROOT / "var" / "index"
    if _index_model(index_dir) != embedder.model_id:
        index_dir = tmp_path_factory.mktemp("index")
    return load_retriever(KB, embedder, index_dir)


def _index_model(index_dir: Path) -> str | None:
    try:
        return str(json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))["model"])
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder(dim=32)


@pytest.fixture
def tiny_kb(tmp_path: Path) -> Path:
    """Three real topics in English and Spanish, copied so tests may edit them."""
    root = tmp_path / "kb"
    for lang in ("en", "es"):
        (root / lang).mkdir(parents=True)
        for slug in ("reset-password", "deposit-not-credited", "withdrawal-pending"):
            shutil.copy(KB / lang / f"{slug}.md", root / lang / f"{slug}.md")
    return root


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A handoff database file of its own for each test."""
    return tmp_path / "h.db"


@pytest.fixture
def db(path: Path) -> Iterator[Database]:
    """A migrated handoff database (WAL, foreign keys), closed after the test."""
    database = open_db(path)
    yield database
    database.close()
