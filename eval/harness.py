"""What the benchmarks run against: per knowledge base, the embedder a server of it would serve
(adapted to that knowledge base unless ``adapt_model`` is off, or one given embedder for all), a
retriever and the real bot, each built once per run.

The project's own knowledge base (``Settings.kb_path``) uses the server's data folder, so its index
and calibration are the ones ``make index`` keeps current; any other knowledge base gets its own
folder ``<cache_root>/<sha1 of its resolved path>/`` and never touches the server's index.
"""

from __future__ import annotations

from pathlib import Path

from bot.assembly import build_bot, load_embedder
from bot.turn import Bot
from config.settings import PROJECT_ROOT, Settings
from eval.embedding_cache import CachedEmbedder
from retrieval import Embedder, Retriever, load_retriever
from retrieval.adapt import served_model

DEFAULT_CACHE_ROOT = PROJECT_ROOT / "var" / "eval-cache"


class Harness:
    """Builds (once) the retriever and the bot for each knowledge base a run asks about."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        cache_root: Path = DEFAULT_CACHE_ROOT,
    ) -> None:
        self.settings = settings
        self._fixed = _cached(embedder) if embedder is not None else None
        self.cache_root = Path(cache_root)
        self._embedders: dict[str, CachedEmbedder] = {}
        self._retrievers: dict[Path, Retriever] = {}
        self._bots: dict[Path, Bot] = {}

    def kb_settings(self, kb: Path | str) -> Settings:
        """The settings of a bot serving ``kb``: the server's own, with the KB and data folder swapped."""
        return self.settings.for_kb(kb, self.cache_root)

    def embedder_for(self, kb: Path | str) -> CachedEmbedder:
        """The model a bot serving ``kb`` uses: the one given to the harness, else the server's
        choice for that knowledge base (``retrieval.adapt.served_model``: adapted to ``kb`` when
        ``adapt_model`` is on, trained on its first use and cached in its data folder)."""
        if self._fixed is not None:
            return self._fixed
        settings = self.kb_settings(kb)
        model = served_model(settings, progress=True)
        if model not in self._embedders:
            # On the configured backend: SUPPORTBOT_EMBEDDING_BACKEND=onnx-int8 measures that backend.
            self._embedders[model] = CachedEmbedder(load_embedder(settings, model))
        return self._embedders[model]

    @property
    def embedder(self) -> CachedEmbedder:
        """The model of the server's own knowledge base."""
        return self.embedder_for(self.settings.kb_path)

    def retriever(self, kb: Path | str) -> Retriever:
        path = Path(kb).resolve()
        if path in self._bots:
            return self._bots[path].retriever
        if path not in self._retrievers:
            settings = self.kb_settings(path)
            self._retrievers[path] = load_retriever(path, self.embedder_for(path), settings.index_dir)
        return self._retrievers[path]

    def bot(self, kb: Path | str) -> Bot:
        """The bot exactly as the server builds it (``bot.assembly.build_bot``), for ``kb``."""
        path = Path(kb).resolve()
        if path not in self._bots:
            self._bots[path] = build_bot(self.kb_settings(path), embedder=self.embedder_for(path))
        return self._bots[path]


def _cached(embedder: Embedder) -> CachedEmbedder:
    return embedder if isinstance(embedder, CachedEmbedder) else CachedEmbedder(embedder)
