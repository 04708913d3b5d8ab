"""Build the bot from settings: model, retriever, intent classifier, calibration, catalog."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from bot.acts import DialogueActHead
from bot.confidence import FALLBACK, Calibrator, Features, features, fit
from bot.intents import IntentClassifier
from bot.messages import Catalog, load_catalog
from bot.policy import Thresholds
from bot.question_set import fit_half, load_question_rows, rows_digest
from bot.turn import Bot
from config.settings import PROJECT_ROOT, Settings
from retrieval import Embedder, Retriever, load_retriever
from retrieval.adapt import served_model
from retrieval.embedder import make_embedder

log = logging.getLogger(__name__)
QUESTION_SET = PROJECT_ROOT / "eval" / "data"


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        answer_min_confidence=settings.answer_min_confidence,
        clarify_min_confidence=settings.clarify_min_confidence,
        clarify_max_margin=settings.clarify_max_margin,
        max_unconfident_turns=settings.max_unconfident_turns,
    )


def calibration_rows(folder: Path = QUESTION_SET) -> list[dict[str, str]]:
    """The rows the calibration may be fitted on: answerable questions of the question set's
    ``fit`` half. The ``report`` half is never seen by any fit (its figures are the published ones)."""
    return [
        r for r in fit_half(load_question_rows(folder))
        if r.get("kind") == "in_scope" and r.get("gold_slug") not in (None, "", "NONE")
    ]


def fit_calibration(retriever: Retriever, rows: Sequence[dict[str, str]], top_k: int) -> Calibrator:
    """Fit confidence on ``rows`` (see :func:`calibration_rows`): was the best article the gold one?"""
    if not rows:
        return FALLBACK
    vectors = retriever.embedder.encode_queries([r["text"] for r in rows])
    feats: list[Features] = []
    correct: list[bool] = []
    for row, vec in zip(rows, vectors, strict=True):
        hits = retriever.search_vector(vec, lang=row["lang"], k=top_k)
        if not hits:
            continue
        feats.append(features([h.score for h in hits], hits[0].lang, row["lang"]))
        correct.append(hits[0].slug == row["gold_slug"])
    m = retriever.index.manifest
    return fit(feats, correct, model=m.model, kb_sha256=m.kb_sha256, rows_sha256=rows_digest(rows))


def load_calibration(
    retriever: Retriever,
    folder: Path | None,
    *,
    top_k: int,
    refit: bool = False,
    questions: Path = QUESTION_SET,
) -> Calibrator:
    """The calibration saved beside the index when it was fitted with this model, knowledge base
    and fit half; otherwise fit it and save it."""
    m = retriever.index.manifest
    rows = calibration_rows(questions)
    if folder is not None and not refit:
        saved = Calibrator.load(folder)
        if (
            saved
            and saved.model == m.model
            and saved.kb_sha256 == m.kb_sha256
            and saved.rows_sha256 == rows_digest(rows)
        ):
            return saved
    cal = fit_calibration(retriever, rows, top_k)
    if folder is not None and cal is not FALLBACK:
        cal.save(folder)
    return cal


def load_embedder(settings: Settings, model: str | None = None) -> Embedder:
    """The served model (``retrieval.adapt.served_model``: the KB-adapted one when ``adapt_model``
    is on, unless ``model`` is given) on ``settings.embedding_backend``; the ONNX backends import no torch."""
    return make_embedder(
        model or served_model(settings), settings.embedding_backend, threads=settings.embedding_threads or None
    )


def topic_names(catalog: Catalog) -> list[tuple[str, str]]:
    """``(lang, name)`` of every help-centre topic (``ui.help.category.*``) in every catalog."""
    prefix = "ui.help.category."
    return [(lang, text) for lang in sorted(catalog.texts) for text in catalog.for_language(lang, prefix).values()]


def build_bot(settings: Settings, *, embedder: Embedder | None = None) -> Bot:
    """Everything a turn needs, loaded once (the model from :func:`load_embedder` unless given)."""
    emb = embedder or load_embedder(settings)
    retriever = load_retriever(settings.kb_path, emb, settings.index_dir)
    catalog = load_catalog()
    return Bot(
        retriever=retriever,
        intents=IntentClassifier.build(emb, cache_dir=settings.index_dir, cache_key=settings.embedding_backend),
        calibrator=load_calibration(retriever, settings.index_dir, top_k=settings.top_k),
        catalog=catalog,
        thresholds=thresholds(settings),
        language_switch_confidence=settings.language_switch_confidence,
        language_backend=settings.language_backend or None,
        top_k=settings.top_k,
        acts=DialogueActHead.build(
            emb,
            retriever.articles.values(),
            topics=topic_names(catalog),
            cache_dir=settings.index_dir,
            cache_key_extra=settings.embedding_backend,
            min_probability=settings.act_min_probability,
        ),
    )
