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
from handoff.db import close_pools, open_db
from retrieval import HashEmbedder, Retriever, SentenceTransformerEmbedder, load_retriever
from tests.engines import ENGINE
from tests.pg_server import PgServer, pg_bin

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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throwaway PostgreSQL server for the session (Debian's package; see tests/pg_server.py)."""
    bin_dir = pg_bin()
    if bin_dir is None:
        pytest.fail("PostgreSQL is not installed: `make test` installs Debian's postgresql package")
    server = PgServer(bin_dir).start()
    try:
        server.make_template()
        yield server
    finally:
        close_pools()
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The handoff engine a test runs on: every test that uses it runs once on each.

    On PostgreSQL the test gets a fresh database of the session's server (dropped after it), and
    ``ENGINE.url`` names it, so code that builds ``Settings`` (tests/web_support.py) points there.
    """
    if request.param == "sqlite":
        yield "sqlite"
        return
    reason = request.node.get_closest_marker("sqlite_only")
    if reason is not None:
        pytest.skip(f"SQLite only: {reason.args[0]}")
    server: PgServer = request.getfixturevalue("pg_server")
    ENGINE.url = server.new_database()
    try:
        yield "postgresql"
    finally:
        url, ENGINE.url = ENGINE.url, ""
        close_pools()
        server.drop_database(url)


@pytest.fixture
def path(engine: str, tmp_path: Path) -> Path | str:
    """The handoff database of this test: a SQLite file of its own, or a fresh PostgreSQL database's URL."""
    return ENGINE.url if engine == "postgresql" else tmp_path / "h.db"


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """A SQLite file, for the tests about the embedded engine itself (WAL, files, locks)."""
    return tmp_path / "h.db"


@pytest.fixture
def db(path: Path | str) -> Iterator[Database]:
    """A migrated handoff database (SQLite: WAL, foreign keys), closed after the test."""
    database = open_db(path)
    yield database
    database.close()
