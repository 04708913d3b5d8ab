"""The statistical detectors (lingua, langdetect), built once on first use, and their calibration."""

import functools
import math
import threading
from collections.abc import Callable, Sequence
from enum import StrEnum
from types import MappingProxyType
from typing import Any

LATIN_LANGS = ("en", "es", "pt", "fr", "de", "tr", "vi", "az", "ca", "id", "it", "ms", "nl", "pl", "ro")
CYRILLIC_LANGS = ("ru", "uk", "be", "bg", "kk")
ARABIC_LANGS = ("ar", "fa", "ur")
# What the statistical detectors choose from: the core languages written in these scripts plus the
# look-alikes (gl, ca, uk, be, ...), so that a Catalan message is Catalan, not forced into Spanish.
DETECTABLE = LATIN_LANGS + CYRILLIC_LANGS + ARABIC_LANGS


class Backend(StrEnum):
    LANGDETECT = "langdetect"
    LINGUA = "lingua"


DEFAULT_BACKEND = Backend.LINGUA
# Logistic weights over confidence_features(), fitted by eval.langid.fit_calibration on the dev set.
CALIBRATION = MappingProxyType(
    {
        Backend.LINGUA: (0.5096, 0.0394, 4.7153, -0.493, 0.5136),
        Backend.LANGDETECT: (-1.5354, 0.0853, 1.2021, -0.0891, 0.7468),
    }
)

_BUILD_LOCK = threading.Lock()


def _lingua_detector() -> Any:
    with _BUILD_LOCK:  # two first messages at once must not build two detectors of several hundred MB
        return _build_lingua()


def _langdetect_factory() -> Any:
    with _BUILD_LOCK:
        return _build_langdetect()


@functools.cache
def _build_lingua() -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(IsoCode639_1.from_str(code)) for code in DETECTABLE]
    # High-accuracy mode: short messages are the common case and it is 9 points better on them.
    # Preloading costs ~10 s once and avoids multi-second stalls the first time a language is seen.
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


@functools.cache
def _build_langdetect() -> Any:
    from pathlib import Path

    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    known = [p for p in sorted(Path(PROFILES_DIRECTORY).iterdir()) if p.name in DETECTABLE]
    factory.load_json_profile([p.read_text(encoding="utf-8") for p in known])
    # A private factory seeded on the instance: deterministic, and langdetect's global one untouched.
    factory.set_seed(0)
    return factory


def _lingua_scores(text: str) -> list[tuple[str, float]]:
    values = _lingua_detector().compute_language_confidence_values(text)
    return [(v.language.iso_code_639_1.name.lower(), v.value) for v in values]


def _langdetect_scores(text: str) -> list[tuple[str, float]]:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _langdetect_factory().create()
    detector.append(text.lower())  # langdetect skips words written in capitals
    try:
        return [(p.lang, p.prob) for p in detector.get_probabilities()]
    except LangDetectException:
        return []


_SCORERS: dict[Backend, Callable[[str], list[tuple[str, float]]]] = {
    Backend.LINGUA: _lingua_scores,
    Backend.LANGDETECT: _langdetect_scores,
}


def detector_scores(text: str, backend: Backend, candidates: Sequence[str]) -> list[tuple[str, float]]:
    """The backend's raw probabilities, restricted to ``candidates`` and renormalised, best first."""
    # lingua's values wobble in the last bits from call to call; rounding and a fixed tie order make the
    # result reproducible.
    kept = [(lang, round(p, 9)) for lang, p in _SCORERS[backend](text) if lang in candidates and p > 0]
    total = sum(p for _, p in kept)
    if not total:
        return []
    return sorted(((lang, p / total) for lang, p in kept), key=lambda lp: (-lp[1], candidates.index(lp[0])))


def confidence_features(scores: Sequence[tuple[str, float]], letters: int, words: int) -> tuple[float, ...]:
    """What the calibration reads: bias, logit of the top score, its margin over the second, log length."""
    top = min(max(scores[0][1], 1e-4), 1 - 1e-4)
    second = scores[1][1] if len(scores) > 1 else 0.0
    return (1.0, math.log(top / (1 - top)), top - second, math.log(max(letters, 1)), math.log(max(words, 1)))


def calibrated_confidence(
    backend: Backend, scores: Sequence[tuple[str, float]], letters: int, words: int
) -> float:
    """The probability that the top language is right, from a logistic fit on the langid dev set.

    Raw scores are not comparable across backends (langdetect says 0.99 and is right 76% of the time);
    calibrated ones are, so one ``MIN_CONFIDENCE`` and one switch threshold serve both.
    """
    z = sum(
        w * x for w, x in zip(CALIBRATION[backend], confidence_features(scores, letters, words), strict=True)
    )
    return round(1 / (1 + math.exp(-z)), 4)


def warm_up(backend: str | None = None) -> None:
    """Build the backend now (seconds, hundreds of MB for lingua) instead of on the first message."""
    if Backend(backend or DEFAULT_BACKEND) is Backend.LINGUA:
        _lingua_detector()
    else:
        _langdetect_factory()
    import hanzidentifier  # noqa: F401  (builds its character tables)
