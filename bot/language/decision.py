"""The public entry points: which language a message is in, and whether the conversation switches."""

from bot.language.backends import DEFAULT_BACKEND, Backend
from bot.language.cleaning import clean_text
from bot.language.codes import locale_script, normalise_code
from bot.language.latin import latin_result
from bot.language.result import LanguageHints, LanguageResult, Method
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

DEFAULT_SWITCH_THRESHOLD = 0.8
# Detector confidences are calibrated (see calibrated_confidence): below 0.5 a guess is more often wrong
# than right, so the message keeps the conversation's language instead.
MIN_CONFIDENCE = 0.5
NO_HINTS = LanguageHints()


def _fallback(hints: LanguageHints) -> LanguageResult:
    if conversation := normalise_code(hints.conversation):
        return LanguageResult(conversation, 0.0, Method.CONVERSATION)
    if locale := normalise_code(hints.locale):
        return LanguageResult(locale, 0.0, Method.HINT, locale_script(hints.locale))
    return LanguageResult(normalise_code(hints.default) or hints.default, 0.0, Method.DEFAULT)


def _detect(text: str, backend: Backend, locale: str | None) -> LanguageResult | None:
    counts = script_counts(text)
    script = dominant_script(counts)
    if script is None:
        return None
    letters = counts[script]
    if script == "Latn":
        return latin_result(text, letters, backend)
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


def detect_language(
    text: str, hints: LanguageHints = NO_HINTS, *, backend: str | None = None
) -> LanguageResult:
    """The language of ``text``; falls back to the conversation, the locale hint, then the default.

    Deterministic for a given text, hints and backend. A fallback has confidence 0.0 and ``method``
    conversation, hint or default; lexicon matches ("gracias", "thanks") count as detector results.

    :param backend: ``"lingua"`` or ``"langdetect"``; None means ``DEFAULT_BACKEND``.
    :raises ValueError: on an unknown backend name.
    """
    chosen = Backend(backend or DEFAULT_BACKEND)
    result = _detect(clean_text(text), chosen, hints.locale)
    if result is None or result.confidence < MIN_CONFIDENCE:
        return _fallback(hints)
    return result


def should_switch(current: str | None, result: LanguageResult, threshold: float) -> bool:
    """Whether the conversation's language becomes ``result.lang``: only on a confident detection."""
    if result.method not in (Method.SCRIPT, Method.DETECTOR) or result.confidence < threshold:
        return False
    return normalise_code(current) != result.lang
