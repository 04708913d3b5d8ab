"""The labelled redaction corpus as tests: every secret row loses its secret, every hard negative keeps
its protected substrings, and the corpus covers every family in every language in each part."""

from collections import Counter
from typing import Any

import pytest

from bot.redaction import redact
from eval.redaction_bench import leaked_secrets, lost_substrings
from eval.redaction_corpus import CORPUS_PATH, FAMILIES, SPLITS, build_rows, load_corpus

ROWS = load_corpus(CORPUS_PATH)
LANGS = ["en", "zh", "ja", "ko", "ru", "es", "pt", "ar"]
SECRET_ROWS = [r for r in ROWS if r["label"] == "secret"]
NEGATIVE_ROWS = [r for r in ROWS if r["label"] == "negative"]


def _id(row: dict[str, Any]) -> str:
    return f"{row['id']}-{row['family']}"


@pytest.mark.parametrize("row", SECRET_ROWS, ids=_id)
def test_corpus_secret_is_gone_from_the_redacted_text(row: dict[str, Any]) -> None:
    result = redact(row["text"])
    assert leaked_secrets(row, result.text) == [], result.text
    assert result.has_secret


@pytest.mark.parametrize("row", NEGATIVE_ROWS, ids=_id)
def test_corpus_negative_keeps_its_protected_substrings(row: dict[str, Any]) -> None:
    result = redact(row["text"])
    assert lost_substrings(row, result.text) == [], result.text


def test_corpus_file_is_what_the_sentence_files_build() -> None:
    assert build_rows() == ROWS


def test_corpus_has_300_secrets_and_300_hard_negatives() -> None:
    assert len(SECRET_ROWS) >= 300
    assert len(NEGATIVE_ROWS) >= 300
    assert len({r["id"] for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize("split", SPLITS)
def test_corpus_part_covers_every_family_in_every_language(split: str) -> None:
    cells = Counter((r["family"], r["lang"]) for r in SECRET_ROWS if r["split"] == split)
    assert [(f, lang) for f in FAMILIES for lang in LANGS if not cells[(f, lang)]] == []
    negatives = Counter(r["lang"] for r in NEGATIVE_ROWS if r["split"] == split)
    assert all(negatives[lang] >= 10 for lang in LANGS), negatives


def test_corpus_parts_share_no_sentence() -> None:
    texts = {split: {r["text"] for r in ROWS if r["split"] == split} for split in SPLITS}
    assert texts["dev"].isdisjoint(texts["heldout"]) and texts["dev"].isdisjoint(texts["heldout2"])
    assert texts["heldout"].isdisjoint(texts["heldout2"])


def test_corpus_negatives_include_labelled_hashes_and_addresses() -> None:
    categories = Counter(r["family"] for r in NEGATIVE_ROWS)
    for category in ["tx_hash", "address", "order_id", "amount", "date", "phone", "email", "uid", "referral_code"]:
        assert categories[category] >= 8, category
