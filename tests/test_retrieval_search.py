"""Semantic retrieval on the real knowledge base with the real model, in every language."""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pytest

from retrieval import Retriever

from .conftest import KB

LANGS = ("en", "zh", "ja", "ko", "ru", "es", "pt", "ar")
SMOKE_FILES = sorted((Path(__file__).parent / "data").glob("retrieval_smoke_*.tsv"))


def _smoke_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in SMOKE_FILES:
        with path.open(encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f, delimiter="\t"))
    return rows


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def test_smoke_questions_are_hand_written_not_example_questions() -> None:
    rows = _smoke_rows()
    per_lang = {lang: sum(r["lang"] == lang for r in rows) for lang in LANGS}
    assert all(n >= 5 for n in per_lang.values()), per_lang
    examples = set()
    for path in KB.glob("*/*.md"):
        meta = tomllib.loads(path.read_text(encoding="utf-8").split("+++")[1])
        examples |= {_norm(q) for q in meta["example_questions"]}
    copied = [r["text"] for r in rows if _norm(r["text"]) in examples]
    assert copied == []


@pytest.mark.parametrize("row", _smoke_rows(), ids=lambda r: r["qid"])
def test_search_in_every_language_lands_on_right_slug(kb_retriever: Retriever, row: dict[str, str]) -> None:
    hits = kb_retriever.search(row["text"], lang=row["lang"], k=5)
    assert hits[0].slug == row["gold_slug"], [(h.slug, round(h.score, 3)) for h in hits[:3]]
    assert hits[0].lang == row["lang"]


def test_search_returns_one_hit_per_slug_best_first(kb_retriever: Retriever) -> None:
    hits = kb_retriever.search("my withdrawal has been pending for hours", lang="en", k=5)
    assert len(hits) == 5
    assert len({h.slug for h in hits}) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].passage


def test_search_prefers_the_users_language_version(kb_retriever: Retriever) -> None:
    english_question = "how do I enable two factor authentication"
    hits = kb_retriever.search(english_question, lang="ko", k=3)
    assert all(h.lang == "ko" for h in hits)
    assert hits[0].slug == "enable-2fa"


def test_search_in_unsupported_language_falls_back_to_existing_versions(kb_retriever: Retriever) -> None:
    hits = kb_retriever.search("para çekme işlemim beklemede kaldı", lang="tr", k=3)
    assert hits and all(h.lang in LANGS for h in hits)


def test_search_without_language_uses_best_matching_version(kb_retriever: Retriever) -> None:
    hits = kb_retriever.search("我忘记密码了", lang=None, k=1)
    assert hits[0].slug == "reset-password"
