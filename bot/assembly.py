"""Build the bot from settings: model, retriever, intent classifier, calibration, catalog."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from bot.confidence import FALLBACK, Calibrator, Features, features, fit
from bot.intents import IntentClassifier
from bot.messages import load_catalog
from bot.policy import Thresholds
from bot.turn import Bot
from config.settings import PROJECT_ROOT, Settings
from retrieval import Embedder, Retriever, SentenceTransformerEmbedder, load_retriever
from retrieval.adapt import served_model

log = logging.getLogger(__name__)
QUESTION_SET = PROJECT_ROOT / "eval" / "data"


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        answer_min_confidence=settings.answer_min_confidence,
        clarify_min_confidence=settings.clarify_min_confidence,
        clarify_max_margin=settings.clarify_max_margin,
        max_unconfident_turns=settings.max_unconfident_turns,
    )


def load_question_rows(folder: Path = QUESTION_SET) -> list[dict[str, str]]:
    """The project's own labelled questions (``eval/data/questions_<lang>.tsv``)."""
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("questions_*.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f, delimiter="\t"))
    return rows


def fit_calibration(retriever: Retriever, rows: list[dict[str, str]], top_k: int) -> Calibrator:
    """Fit confidence on answerable questions: was the best article the gold one?"""
    answerable = [r for r in rows if r.get("kind") == "in_scope" and r.get("gold_slug") not in (None, "", "NONE")]
    if not answerable:
        return FALLBACK
    vectors = retriever.embedder.encode_queries([r["text"] for r in answerable])
    feats: list[Features] = []
    correct: list[bool] = []
    for row, vec in zip(answerable, vectors, strict=True):
        hits = retriever.search_vector(vec, lang=row["lang"], k=top_k)
        if not hits:
            continue
        feats.append(features([h.score for h in hits], hits[0].lang, row["lang"]))
        correct.append(hits[0].slug == row["gold_slug"])
    m = retriever.index.manifest
    return fit(feats, correct, model=m.model, kb_sha256=m.kb_sha256)


def load_calibration(retriever: Retriever, folder: Path | None, *, top_k: int, refit: bool = False) -> Calibrator:
    """The calibration saved beside the index when it matches; otherwise fit it and save it."""
    m = retriever.index.manifest
    if folder is not None and not refit:
        saved = Calibrator.load(folder)
        if saved and saved.model == m.model and saved.kb_sha256 == m.kb_sha256:
            return saved
    cal = fit_calibration(retriever, load_question_rows(), top_k)
    if folder is not None and cal is not FALLBACK:
        cal.save(folder)
    return cal


def build_bot(settings: Settings, *, embedder: Embedder | None = None) -> Bot:
    """Everything a turn needs, loaded once."""
    emb = embedder or SentenceTransformerEmbedder(served_model(settings))
    retriever = load_retriever(settings.kb_path, emb, settings.index_dir)
    return Bot(
        retriever=retriever,
        intents=IntentClassifier.build(emb),
        calibrator=load_calibration(retriever, settings.index_dir, top_k=settings.top_k),
        catalog=load_catalog(),
        thresholds=thresholds(settings),
        language_switch_confidence=settings.language_switch_confidence,
        language_backend=settings.language_backend or None,
        top_k=settings.top_k,
    )
