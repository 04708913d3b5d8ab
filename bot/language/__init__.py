"""Decide which language a chat message is written in, and which language to answer in.

Script rules come first (Hangul, kana, Han, Arabic, Cyrillic, and scripts with one language), then a
statistical detector restricted to the languages in ``DETECTABLE``. Messages without enough language
signal (``"ok"``, ``"?"``, emoji, a tx hash) keep the conversation's language, else the widget's
locale, else the default. Detectors are built on first use, once, and cached; word tables live in
``data/*.json`` and are read on first use.

Modules: ``codes`` (supported languages, normalising), ``result`` (hints and results), ``cleaning``,
``scripts`` (script rules), ``latin`` (lexicon, Galician), ``backends`` (detectors, calibration),
``tables`` (the data files), ``decision`` (the entry points).
"""

from bot.language.backends import (
    ARABIC_LANGS,
    CALIBRATION,
    CYRILLIC_LANGS,
    DEFAULT_BACKEND,
    DETECTABLE,
    LATIN_LANGS,
    Backend,
    calibrated_confidence,
    confidence_features,
    detector_scores,
    warm_up,
)
from bot.language.cleaning import clean_text
from bot.language.codes import SUPPORTED, closest_supported, normalise_code
from bot.language.decision import (
    DEFAULT_SWITCH_THRESHOLD,
    MIN_CONFIDENCE,
    detect_language,
    should_switch,
)
from bot.language.result import LanguageHints, LanguageResult, Method
from bot.language.scripts import MIN_LETTERS

__all__ = [
    "ARABIC_LANGS",
    "CALIBRATION",
    "CYRILLIC_LANGS",
    "DEFAULT_BACKEND",
    "DEFAULT_SWITCH_THRESHOLD",
    "DETECTABLE",
    "LATIN_LANGS",
    "MIN_CONFIDENCE",
    "MIN_LETTERS",
    "SUPPORTED",
    "Backend",
    "LanguageHints",
    "LanguageResult",
    "Method",
    "calibrated_confidence",
    "clean_text",
    "closest_supported",
    "confidence_features",
    "detect_language",
    "detector_scores",
    "normalise_code",
    "should_switch",
    "warm_up",
]
