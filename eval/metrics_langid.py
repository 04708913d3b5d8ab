"""Language-ID metrics over the langid benchmark: pure functions from (item, predicted code) pairs to a report.

Accuracy is ``predicted == gold``. ``cjk_fragment`` rows (one or two CJK characters cut out of a word) are
left out of every headline number and only appear in ``by_length_bucket``. Source and length-bucket
accuracies are over core rows, where accuracy means the same thing as in ``macro_core``; a confusable
(core=0) language's ``by_lang`` accuracy is the share labelled as itself, and its
``open_set_false_core_rate`` the share labelled as a different core language.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CORE = ("en", "zh", "ja", "ko", "ru", "es", "pt", "ar", "fr", "de", "tr", "vi")
FRAGMENT_BUCKET = "cjk_fragment"
LENGTH_BUCKETS = ("le15", "16-40", "gt40", FRAGMENT_BUCKET)


@dataclass(frozen=True, slots=True)
class LangidItem:
    id: str
    lang: str
    core: bool
    source: str
    length_bucket: str
    text: str

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> "LangidItem":
        return cls(
            row["id"], row["lang"], row["core"] == "1", row["source"], row["length_bucket"], row["text"]
        )

    @property
    def is_fragment(self) -> bool:
        return self.length_bucket == FRAGMENT_BUCKET


@dataclass(frozen=True, slots=True)
class Scored:
    item: LangidItem
    pred: str

    @property
    def correct(self) -> bool:
        return self.pred == self.item.lang

    @property
    def false_core(self) -> bool:
        return self.pred in CORE and self.pred != self.item.lang


def _group(n: int, hits: int) -> dict[str, Any]:
    return {"n": n, "accuracy": hits / n if n else None}


def accuracy_by(scored: Iterable[Scored], key: str, keys: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """``{value: {n, accuracy}}`` grouped on an item attribute; ``keys`` are listed even when empty."""
    n: Counter[str] = Counter({k: 0 for k in keys})
    hits: Counter[str] = Counter()
    for s in scored:
        value = getattr(s.item, key)
        n[value] += 1
        hits[value] += s.correct
    ordered = [*keys, *sorted(k for k in n if k not in keys)]
    return {k: _group(n[k], hits[k]) for k in ordered}


def macro_core(by_lang: Mapping[str, Mapping[str, Any]], languages: Sequence[str] = CORE) -> float | None:
    """Mean accuracy over ``languages``; None when none of them has rows."""
    values = [by_lang[lang]["accuracy"] for lang in languages if lang in by_lang and by_lang[lang]["n"]]
    return sum(values) / len(values) if values else None


def open_set_false_core_rate(scored: Iterable[Scored]) -> dict[str, float | None]:
    """Per confusable language: the share of its rows labelled as a (different) core language."""
    n: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for s in scored:
        if not s.item.core:
            n[s.item.lang] += 1
            false[s.item.lang] += s.false_core
    return {lang: false[lang] / n[lang] if n[lang] else None for lang in sorted(n)}


def confusion(scored: Iterable[Scored]) -> dict[str, dict[str, int]]:
    table: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for s in scored:
        table[s.item.lang][s.pred] += 1
    return {gold: dict(preds.most_common()) for gold, preds in sorted(table.items())}


def langid_report(scored: Sequence[Scored]) -> dict[str, Any]:
    """The JSON report: macro_core, by_lang, by_source, by_length_bucket, open-set rates, confusion."""
    headline = [s for s in scored if not s.item.is_fragment]
    core = [s for s in headline if s.item.core]
    by_lang = accuracy_by(headline, "lang", CORE)
    return {
        "macro_core": macro_core(by_lang),
        "by_lang": by_lang,
        "by_source": accuracy_by(core, "source"),
        "by_length_bucket": accuracy_by([s for s in scored if s.item.core], "length_bucket", LENGTH_BUCKETS),
        "open_set_false_core_rate": open_set_false_core_rate(headline),
        "confusion": confusion(headline),
    }
