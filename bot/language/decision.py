"""The public entry points: which language a message is in, and whether the conversation switches.

The conversation's language and the widget's locale are *priors*, not only fallbacks:

- A short message (one or two words; up to four Han characters) keeps a prior language unless it is
  written in a script that language does not use: "password", "KYC" or "gracias" typed into an English
  (or Russian) conversation stay English (Russian); "пароль" or "비밀번호" in an English one switch.
- A longer Latin-script message adds ``PriorWeights.bonus`` to the log-score of a prior language among
  the detector's scores. The detector's evidence grows with the text (its log-score gaps widen with
  every word) and the bonus decays with the word count, so a prior decides close calls in three or four
  words and practically never a sentence.
- A detection that would leave the prior languages must be at least ``PriorWeights.leave_confidence``
  sure (calibrated), otherwise the message keeps the conversation's language.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.language.backends import ARABIC_LANGS, CYRILLIC_LANGS, DEFAULT_BACKEND, Backend
from bot.language.codes import locale_script, normalise_code
from bot.language.evidence import Evidence, read_evidence
from bot.language.result import LanguageHints, LanguageResult, Method
from bot.language.scripts import ONE_LANGUAGE_SCRIPTS

DEFAULT_SWITCH_THRESHOLD = 0.8
# Detector confidences are calibrated (see calibrated_confidence): below 0.5 a guess is more often wrong
# than right, so without any hint the message gets the default language instead.
MIN_CONFIDENCE = 0.5
NO_HINTS = LanguageHints()

SHORT_WORDS = 2  # the product rule: one or two words never leave the prior (not tuned)
SHORT_HAN = 4  # Han is written without spaces: four characters are one or two words

# The languages that write each non-Latin script: a short message in the script keeps a prior among them.
# Japanese writes Han too, so "出金" keeps a Japanese conversation Japanese; kana and Hangul name theirs.
_SCRIPT_LANGS: dict[str, tuple[str, ...]] = {
    "Cyrl": (*CYRILLIC_LANGS, "sr", "mk"),
    "Arab": ARABIC_LANGS,
    "Hani": ("zh", "yue", "wuu", "ja"),
    "Kana": ("ja",),
    "Hang": ("ko",),
    **{script: (lang,) for script, lang in ONE_LANGUAGE_SCRIPTS.items()},
}


@dataclass(frozen=True, slots=True)
class PriorWeights:
    """How much the conversation's language and the locale count on messages of three words or more."""

    bonus: float  # log-score added to a prior language in the Latin detector's scores at three words
    decay: float  # the bonus is ``bonus * (3 / words) ** decay``
    leave_confidence: float  # a detection leaving every prior language needs this calibrated confidence


# Chosen by eval.langid.tune_priors on the fit half of the langid dev set (see docs/langid.md).
PRIOR_WEIGHTS = PriorWeights(bonus=1.0, decay=1.0, leave_confidence=0.4)


@dataclass(frozen=True, slots=True)
class _Prior:
    lang: str
    method: Method
    script: str | None = None

    def result(self) -> LanguageResult:
        return LanguageResult(self.lang, 0.0, self.method, self.script)


def _priors(hints: LanguageHints) -> list[_Prior]:
    found: list[_Prior] = []
    if conversation := normalise_code(hints.conversation):
        found.append(_Prior(conversation, Method.CONVERSATION))
    if (locale := normalise_code(hints.locale)) and locale != conversation:
        found.append(_Prior(locale, Method.HINT, locale_script(hints.locale)))
    return found


def _fallback(hints: LanguageHints) -> LanguageResult:
    if priors := _priors(hints):
        return priors[0].result()
    return LanguageResult(normalise_code(hints.default) or hints.default, 0.0, Method.DEFAULT)


def is_short(evidence: Evidence) -> bool:
    """One or two words, or up to ``SHORT_HAN`` Han characters."""
    if evidence.script == "Hani":
        return evidence.letters <= SHORT_HAN
    return evidence.words <= SHORT_WORDS


def _best_ranked(priors: Sequence[_Prior], scores: Sequence[tuple[str, float]]) -> _Prior:
    rank = {lang: i for i, (lang, _) in enumerate(scores)}
    return min(priors, key=lambda p: (rank.get(p.lang, len(rank)), priors.index(p)))


def _boosted(evidence: Evidence, priors: Sequence[_Prior], weights: PriorWeights) -> _Prior | None:
    """The prior language that the bonus lifts above the detector's top language, if any."""
    bonus = weights.bonus * ((SHORT_WORDS + 1) / max(evidence.words, 1)) ** weights.decay
    scores = dict(evidence.scores)
    top = evidence.scores[0]
    best: _Prior | None = None
    best_score = math.log(max(top[1], 1e-12))
    for prior in priors:
        if prior.lang in scores and prior.lang != top[0]:
            score = math.log(max(scores[prior.lang], 1e-12)) + bonus
            if score > best_score:
                best, best_score = prior, score
    return best


def decide(
    evidence: Evidence, hints: LanguageHints = NO_HINTS, weights: PriorWeights = PRIOR_WEIGHTS
) -> LanguageResult:
    """Combine what the text says with the conversation's language and the locale (pure, no detector)."""
    detected = evidence.detected
    if detected is None:
        return _fallback(hints)
    priors = _priors(hints)
    if not priors:
        return detected if detected.confidence >= MIN_CONFIDENCE else _fallback(hints)
    if detected.lang in {p.lang for p in priors}:
        return detected
    if is_short(evidence):
        if evidence.script == "Latn":  # Latin never names the language of one or two words
            return _best_ranked(priors, evidence.scores).result()
        compatible = [p for p in priors if p.lang in _SCRIPT_LANGS.get(evidence.script or "", ())]
        return compatible[0].result() if compatible else detected
    if evidence.scores and (boosted := _boosted(evidence, priors, weights)) is not None:
        return boosted.result()
    return detected if detected.confidence >= weights.leave_confidence else _fallback(hints)


def detect_language(
    text: str,
    hints: LanguageHints = NO_HINTS,
    *,
    backend: str | None = None,
    weights: PriorWeights = PRIOR_WEIGHTS,
) -> LanguageResult:
    """The language of ``text``, with the conversation's language and the locale as priors.

    Deterministic for a given text, hints and backend. When the text says nothing (or too little to
    leave a prior language), the result is the conversation's language, else the locale's, else the
    default, with confidence 0.0 and ``method`` conversation, hint or default; lexicon matches
    ("gracias", "thanks") count as detector results.

    :param backend: ``"lingua"`` or ``"langdetect"``; None means ``DEFAULT_BACKEND``.
    :param weights: how much the priors count on longer messages (the benchmark varies them).
    :raises ValueError: on an unknown backend name.
    """
    chosen = Backend(backend or DEFAULT_BACKEND)
    return decide(read_evidence(text, chosen, hints.locale), hints, weights)


def should_switch(current: str | None, result: LanguageResult, threshold: float) -> bool:
    """Whether the conversation's language becomes ``result.lang``: only on a confident detection."""
    if result.method not in (Method.SCRIPT, Method.DETECTOR) or result.confidence < threshold:
        return False
    return normalise_code(current) != result.lang
