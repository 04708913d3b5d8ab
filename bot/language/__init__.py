"""Decide which language a chat message is written in, and which language to answer in.

Script rules come first (Hangul, kana, Han, Arabic, Cyrillic, and scripts with one language), then a
statistical detector restricted to the languages in ``DETECTABLE``. Messages without enough language
signal (``"ok"``, ``"?"``, emoji, a tx hash) keep the conversation's language, else the widget's
locale, else the default; and the conversation's language and the locale are priors in the decision:
one or two words never leave them unless the script does (see ``decision``). Detectors are built on first use, once, and cached; word tables live in
``data/*.json`` and are read on first use.

Modules: ``codes`` (supported languages, normalising), ``result`` (hints and results), ``cleaning``,
``scripts`` (script rules), ``latin`` (lexicon, Galician), ``backends`` (detectors, calibration),
``tables`` (the data files), ``evidence`` (what the text alone says), ``decision`` (priors and the
entry points).
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
    PRIOR_WEIGHTS,
    SHORT_HAN,
    SHORT_WORDS,
    PriorWeights,
    decide,
    detect_language,
    is_short,
    should_switch,
)
from bot.language.evidence import Evidence, read_evidence
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
    "PRIOR_WEIGHTS",
    "SHORT_HAN",
    "SHORT_WORDS",
    "SUPPORTED",
    "Backend",
    "Evidence",
    "LanguageHints",
    "LanguageResult",
    "Method",
    "PriorWeights",
    "calibrated_confidence",
    "clean_text",
    "closest_supported",
    "confidence_features",
    "decide",
    "detect_language",
    "detector_scores",
    "is_short",
    "normalise_code",
    "read_evidence",
    "should_switch",
    "warm_up",
]
