"""What a message's text alone says about its language, before the conversation is taken into account.

``read_evidence`` does all the work that needs a detector; ``bot.language.decision`` combines the result
with the conversation's language and the locale (pure and cheap, so the benchmark can replay it).
"""

from dataclasses import dataclass

from bot.language.backends import LATIN_LANGS, Backend, calibrated_confidence, detector_scores
from bot.language.cleaning import clean_text
from bot.language.latin import lexicon_lang, looks_galician
from bot.language.result import LanguageResult, Method
from bot.language.scripts import (
    MIN_LETTERS,
    MIN_LETTERS_OTHER,
    ONE_LANGUAGE_SCRIPTS,
    SCRIPT_CONFIDENCE,
    arabic_result,
    cyrillic_result,
    dominant_script,
    han_result,
    script_counts,
)
from bot.language.tables import lexicon

_LEXICON_CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Evidence:
    """The cleaned text's script and size, and what it says on its own.

    ``detected`` is None when nothing in the text carries language ("ok", "?", emoji, a tx hash, one Han
    character). ``scores`` is the Latin detector's distribution over ``LATIN_LANGS`` (best first), empty
    for other scripts and for lexicon matches, which decide on their own.
    """

    script: str | None
    letters: int
    words: int
    detected: LanguageResult | None
    scores: tuple[tuple[str, float], ...] = ()


def _latin(
    text: str, letters: int, backend: Backend
) -> tuple[LanguageResult | None, tuple[tuple[str, float], ...]]:
    words = text.lower().split()
    if found := lexicon_lang(words):
        return LanguageResult(found, _LEXICON_CONFIDENCE, Method.DETECTOR), ()
    if all(w in lexicon().ambiguous for w in words) or letters < MIN_LETTERS["Latn"]:
        return None, ()
    scores = tuple(detector_scores(text, backend, LATIN_LANGS))
    if not scores:
        return None, ()
    lang = scores[0][0]
    confidence = calibrated_confidence(backend, scores, letters, len(words))
    if lang in ("pt", "es") and looks_galician(text, lang):
        lang = "gl"
    return LanguageResult(lang, confidence, Method.DETECTOR), scores


def _other_script(
    text: str, script: str, letters: int, backend: Backend, locale: str | None
) -> LanguageResult | None:
    if letters < MIN_LETTERS.get(script, MIN_LETTERS_OTHER):
        return None
    if script == "Hang":
        return LanguageResult("ko", SCRIPT_CONFIDENCE, Method.SCRIPT)
    if script == "Kana":
        return LanguageResult("ja", SCRIPT_CONFIDENCE, Method.SCRIPT)
    if script == "Hani":
        return han_result(text, locale)
    if script == "Arab":
        return arabic_result(text, backend)
    if script == "Cyrl":
        return cyrillic_result(text, letters, backend)
    if script in ONE_LANGUAGE_SCRIPTS:
        return LanguageResult(ONE_LANGUAGE_SCRIPTS[script], SCRIPT_CONFIDENCE, Method.SCRIPT)
    return None


def read_evidence(text: str, backend: Backend, locale: str | None = None) -> Evidence:
    """Clean ``text`` and read its script, size and detected language (``locale`` only picks Hans/Hant)."""
    cleaned = clean_text(text)
    counts = script_counts(cleaned)
    script = dominant_script(counts)
    if script is None:
        return Evidence(None, 0, 0, None)
    letters, words = counts[script], len(cleaned.split())
    if script == "Latn":
        detected, scores = _latin(cleaned, letters, backend)
        return Evidence(script, letters, words, detected, scores)
    return Evidence(script, letters, words, _other_script(cleaned, script, letters, backend, locale))
