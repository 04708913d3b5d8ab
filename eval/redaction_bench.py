"""Run ``bot.redaction.redact`` over the labelled corpus and report, for each half (dev, held-out):
recall per secret family and per language, precision, and the share of hard negatives kept.

- **recall**: share of secret rows where no secret survives in the redacted text. A seed phrase
  survives if any of its words is left (more often than the rest of the sentence uses it); any other
  secret if it is left whole or, when 16 characters or longer, any 12 characters of it are.
- **precision**: share of redacted spans that overlap a labelled secret (spans in negative rows and
  spans beside the secret in secret rows are the false ones); per family, over the spans of that kind.
- **negatives kept**: share of negative rows whose protected substrings all survive unchanged;
  **negatives untouched**: share of negative rows that come back exactly as typed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.redaction import Redaction, redact
from eval.redaction_corpus import CORPUS_PATH, FAMILIES, SPLITS, load_corpus

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u1100-\u11ff]")
_WINDOW = 12


@dataclass(frozen=True, slots=True)
class RowOutcome:
    row: dict[str, Any]
    redacted: str
    leaked: tuple[str, ...]  # secrets still readable
    lost: tuple[str, ...]  # protected substrings changed
    true_spans: tuple[str, ...]  # kinds of redacted spans on a labelled secret
    false_spans: tuple[str, ...]  # kinds of redacted spans elsewhere


def _count(haystack: str, needle: str) -> int:
    if _CJK.search(needle):
        return haystack.count(needle)
    return len(re.findall(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack))


def _context(text: str, spans: Sequence[Sequence[int]]) -> str:
    """The text with the secrets cut out, for what the sentence itself says."""
    parts, cursor = [], 0
    for start, end in sorted(spans):
        parts.append(text[cursor:start])
        cursor = end
    parts.append(text[cursor:])
    return "\n".join(parts)


def leaked_secrets(row: dict[str, Any], redacted: str) -> list[str]:
    """The secrets of ``row`` that can still be read in ``redacted``."""
    context = _context(row["text"], row["secret_spans"])
    leaked = []
    for secret in row["secrets"]:
        if row["family"] == "seed_phrase":
            if _count(redacted, secret) > _count(context, secret):
                leaked.append(secret)
            continue
        windows = {secret} | (
            {secret[i : i + _WINDOW] for i in range(len(secret) - _WINDOW + 1)} if len(secret) >= 16 else set()
        )
        if any(redacted.count(w) > context.count(w) for w in windows):
            leaked.append(secret)
    return leaked


def lost_substrings(row: dict[str, Any], redacted: str) -> list[str]:
    """The protected substrings of ``row`` that do not survive unchanged in ``redacted``."""
    return [keep for keep in row["keep"] if redacted.count(keep) < row["text"].count(keep)]


def score_row(row: dict[str, Any], result: Redaction) -> RowOutcome:
    true_spans, false_spans = [], []
    for span in result.spans:
        on_secret = any(span.start < end and start < span.end for start, end in row["secret_spans"])
        (true_spans if on_secret else false_spans).append(str(span.kind))
    return RowOutcome(
        row=row,
        redacted=result.text,
        leaked=tuple(leaked_secrets(row, result.text)),
        lost=tuple(lost_substrings(row, result.text)),
        true_spans=tuple(true_spans),
        false_spans=tuple(false_spans),
    )


def _share(hits: int, n: int) -> float | None:
    return hits / n if n else None


def _precision(outcomes: Sequence[RowOutcome], kind: str | None = None) -> float | None:
    tp = sum(1 for o in outcomes for k in o.true_spans if kind is None or k == kind)
    fp = sum(1 for o in outcomes for k in o.false_spans if kind is None or k == kind)
    return _share(tp, tp + fp)


def split_report(outcomes: Sequence[RowOutcome]) -> dict[str, Any]:
    """Metrics of one half of the corpus (see the module docstring)."""
    positives = [o for o in outcomes if o.row["label"] == "secret"]
    negatives = [o for o in outcomes if o.row["label"] == "negative"]

    def recall(group: Sequence[RowOutcome]) -> float | None:
        return _share(sum(not o.leaked for o in group), len(group))

    def kept(group: Sequence[RowOutcome]) -> float | None:
        return _share(sum(not o.lost for o in group), len(group))

    by_family = {}
    for family in FAMILIES:
        group = [o for o in positives if o.row["family"] == family]
        found = [o for o in group if not o.leaked]
        by_family[family] = {
            "n": len(group),
            "recall": recall(group),
            "precision": _precision(outcomes, family),
            "kind_match": _share(sum(family in o.true_spans for o in found), len(found)),
        }
    langs = sorted({o.row["lang"] for o in outcomes})
    by_lang = {
        lang: {
            "n": sum(o.row["lang"] == lang for o in positives),
            "recall": recall([o for o in positives if o.row["lang"] == lang]),
            "n_negative": sum(o.row["lang"] == lang for o in negatives),
            "negatives_kept": kept([o for o in negatives if o.row["lang"] == lang]),
        }
        for lang in langs
    }
    categories = sorted({o.row["family"] for o in negatives})
    by_category = {
        c: {"n": len(g := [o for o in negatives if o.row["family"] == c]), "negatives_kept": kept(g)}
        for c in categories
    }
    return {
        "overall": {
            "n": len(positives),
            "recall": recall(positives),
            "precision": _precision(outcomes),
            "n_negative": len(negatives),
            "negatives_kept": kept(negatives),
            "negatives_untouched": _share(sum(not o.true_spans and not o.false_spans for o in negatives), len(negatives)),
        },
        "by_family": by_family,
        "by_lang": by_lang,
        "by_category": by_category,
        "misses": [{"id": o.row["id"], "leaked": list(o.leaked), "redacted": o.redacted} for o in positives if o.leaked],
        "negatives_changed": [
            {"id": o.row["id"], "lost": list(o.lost), "redacted": o.redacted} for o in negatives if o.lost
        ],
    }  # fmt: skip


def run_redaction(
    path: Path | str = CORPUS_PATH, redactor: Callable[[str], Redaction] = redact
) -> dict[str, Any]:
    """Redact every corpus row and return one report per half, plus a ``run`` entry."""
    rows = load_corpus(path)
    started = time.perf_counter()
    outcomes = [score_row(row, redactor(row["text"])) for row in rows]
    elapsed = time.perf_counter() - started
    return {
        "run": {"corpus": str(path), "rows": len(rows), "ms_per_row": 1000 * elapsed / max(len(rows), 1)},
        "splits": {split: split_report([o for o in outcomes if o.row["split"] == split]) for split in SPLITS},
    }
