"""Decide which language a chat message is written in, and which language to answer in.

Script rules come first (Hangul, kana, Han, Arabic, Cyrillic, and scripts with one language), then a
statistical detector restricted to the languages in ``DETECTABLE``. Messages without enough language
signal (``"ok"``, ``"?"``, emoji, a tx hash) keep the conversation's language, else the widget's
locale, else the default. Detectors are built on first use, once, and cached.
"""

import bisect
import functools
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

SUPPORTED = ("en", "zh", "ja", "ko", "ru", "es", "pt", "ar")

LATIN_LANGS = ("en", "es", "pt", "fr", "de", "tr", "vi", "az", "ca", "id", "it", "ms", "nl", "pl", "ro")
CYRILLIC_LANGS = ("ru", "uk", "be", "bg", "kk")
ARABIC_LANGS = ("ar", "fa", "ur")
# What the statistical detectors choose from: the core languages written in these scripts plus the
# look-alikes (gl, ca, uk, be, ...), so that a Catalan message is Catalan, not forced into Spanish.
DETECTABLE = LATIN_LANGS + CYRILLIC_LANGS + ARABIC_LANGS

DEFAULT_SWITCH_THRESHOLD = 0.8
# Fewer letters than this (after cleaning) is "too short": one Hangul syllable or kana is a word, one
# Han character or two Latin letters ("ok", "no") are not.
MIN_LETTERS = MappingProxyType({"Hang": 1, "Kana": 1, "Hani": 2, "Arab": 2, "Cyrl": 2, "Latn": 3})
_MIN_LETTERS_OTHER = 2

_SCRIPT_CONFIDENCE = 0.99
_SHORT_CONFIDENCE = 0.8  # a script rule on two or three letters
_LEXICON_CONFIDENCE = 0.95
_CYRILLIC_OVERRIDE = 0.7  # the detector must be this sure before a Cyrillic text is not Russian
_ARABIC_OVERRIDE = 0.8


class Method(StrEnum):
    SCRIPT = "script"
    DETECTOR = "detector"
    CONVERSATION = "conversation"
    HINT = "hint"
    DEFAULT = "default"


class Backend(StrEnum):
    LANGDETECT = "langdetect"
    LINGUA = "lingua"


DEFAULT_BACKEND = Backend.LINGUA
# Detector confidences are calibrated (see calibrated_confidence): below 0.5 a guess is more often wrong
# than right, so the message keeps the conversation's language instead.
MIN_CONFIDENCE = 0.5
# Logistic weights over confidence_features(), fitted by eval.langid.fit_calibration on the dev set.
CALIBRATION = MappingProxyType(
    {
        Backend.LINGUA: (0.5096, 0.0394, 4.7153, -0.493, 0.5136),
        Backend.LANGDETECT: (-1.5354, 0.0853, 1.2021, -0.0891, 0.7468),
    }
)


@dataclass(frozen=True, slots=True)
class LanguageHints:
    conversation: str | None = None
    locale: str | None = None
    default: str = "en"


@dataclass(frozen=True, slots=True)
class LanguageResult:
    lang: str
    confidence: float
    method: Method
    script: str | None = None

    @property
    def is_supported(self) -> bool:
        return self.lang in SUPPORTED

    @property
    def answer_lang(self) -> str:
        return self.lang if self.is_supported else closest_supported(self.lang)


# ---------------------------------------------------------------------------------------------
# Codes

_CODE_ALIASES = {
    "iw": "he",
    "in": "id",
    "ji": "yi",
    "jw": "jv",
    "mo": "ro",
    "cmn": "zh",
    "nb": "no",
    "nn": "no",
}
_CLOSEST = {
    "gl": "pt", "mwl": "pt",
    "ca": "es", "eu": "es", "oc": "es", "ast": "es", "an": "es",
    "yue": "zh", "wuu": "zh", "hak": "zh", "nan": "zh", "gan": "zh", "hsn": "zh", "cdo": "zh", "lzh": "zh",
    "arz": "ar", "ary": "ar", "arq": "ar", "aeb": "ar", "apc": "ar", "ajp": "ar", "acm": "ar", "afb": "ar",
}  # fmt: skip
_HANT_REGIONS = {"tw", "hk", "mo", "hant"}


def normalise_code(code: str | None) -> str | None:
    """``"pt-BR"`` -> ``"pt"``, ``"ar_EG"`` -> ``"ar"``, ``"zh-Hant-TW"`` -> ``"zh"``; junk -> None."""
    if not code:
        return None
    primary = re.split(r"[-_.@]", code.strip().lower(), maxsplit=1)[0]
    if not re.fullmatch(r"[a-z]{2,3}", primary):
        return None
    return _CODE_ALIASES.get(primary, primary)


def _locale_script(locale: str | None) -> str | None:
    if normalise_code(locale) != "zh" or locale is None:
        return None
    subtags = set(re.split(r"[-_]", locale.lower())[1:])
    return "Hant" if subtags & _HANT_REGIONS else "Hans"


def closest_supported(lang: str) -> str:
    """The supported language to answer an unsupported one in: gl -> pt, ca -> es, yue -> zh, else en.

    Ukrainian, Belarusian and Kazakh speakers get English, never Russian.
    """
    code = normalise_code(lang) or "en"
    if code in SUPPORTED:
        return code
    return _CLOSEST.get(code, "en")


# ---------------------------------------------------------------------------------------------
# Cleaning: keep only what carries language

_NOISE = re.compile(
    r"""
      \[redacted:\ \w+\]
    | (?:https?://|www\.)\S+
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+
    | (?<!\w)@\w+
    | \b0x[0-9a-fA-F]{6,}\b
    | \b[0-9a-fA-F]{32,}\b
    | \b(?:bc1|tb1|ltc1)[02-9ac-hj-np-z]{6,87}\b
    | \b[13T][1-9A-HJ-NP-Za-km-z]{25,34}\b
    | [A-Za-z0-9_#./:+-]*\d[A-Za-z0-9_#./:+-]*
    """,
    re.VERBOSE,
)
# Coin, chain and exchange names are the same in every language.
_TICKERS = re.compile(
    r"\b(?:usdt|usdc|btc|eth|bnb|trx|xrp|doge|ltc|kyc|uid|otp|nft|defi|dex|cex|trc|erc|bep|bitcoin|ethereum"
    r"|tether|solana|tron|binance|coinbase|bybit|okx|kucoin|kraken|metamask)\b",
    re.I,
)
_ACRONYM = re.compile(r"\b[A-Z]{2,6}s?\b")
_JOINERS = "'’-"


def clean_text(text: str) -> str:
    """Drop URLs, e-mails, addresses, hashes, numbers, tickers, emoji and punctuation; collapse spaces."""
    text = _TICKERS.sub(" ", _NOISE.sub(" ", text))
    if any(ch.islower() for ch in text):
        text = _ACRONYM.sub(" ", text)
    out: list[str] = []
    for i, ch in enumerate(text):
        is_joiner = (
            ch in _JOINERS and 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
        )
        out.append(ch if ch.isalpha() or unicodedata.category(ch).startswith("M") or is_joiner else " ")
    return " ".join("".join(out).split())


# ---------------------------------------------------------------------------------------------
# Scripts

_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "Latn"), (0x0370, 0x03FF, "Grek"), (0x0400, 0x052F, "Cyrl"), (0x0530, 0x058F, "Armn"),
    (0x0590, 0x05FF, "Hebr"), (0x0600, 0x06FF, "Arab"), (0x0750, 0x077F, "Arab"), (0x08A0, 0x08FF, "Arab"),
    (0x0900, 0x097F, "Deva"), (0x0980, 0x09FF, "Beng"), (0x0A00, 0x0A7F, "Guru"), (0x0A80, 0x0AFF, "Gujr"),
    (0x0B80, 0x0BFF, "Taml"), (0x0C00, 0x0C7F, "Telu"), (0x0C80, 0x0CFF, "Knda"), (0x0D00, 0x0D7F, "Mlym"),
    (0x0D80, 0x0DFF, "Sinh"), (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Laoo"), (0x1000, 0x109F, "Mymr"),
    (0x10A0, 0x10FF, "Geor"), (0x1100, 0x11FF, "Hang"), (0x1200, 0x139F, "Ethi"), (0x1780, 0x17FF, "Khmr"),
    (0x1C80, 0x1C8F, "Cyrl"), (0x1E00, 0x1EFF, "Latn"), (0x2DE0, 0x2DFF, "Cyrl"), (0x3040, 0x30FF, "Kana"),
    (0x3130, 0x318F, "Hang"), (0x31F0, 0x31FF, "Kana"), (0x3400, 0x4DBF, "Hani"), (0x4E00, 0x9FFF, "Hani"),
    (0xA640, 0xA69F, "Cyrl"), (0xAC00, 0xD7AF, "Hang"), (0xF900, 0xFAFF, "Hani"), (0xFB1D, 0xFB4F, "Hebr"),
    (0xFB50, 0xFDFF, "Arab"), (0xFE70, 0xFEFF, "Arab"), (0xFF21, 0xFF5A, "Latn"), (0xFF66, 0xFF9F, "Kana"),
    (0xFFA0, 0xFFDC, "Hang"), (0x20000, 0x3134F, "Hani"),
)  # fmt: skip
_RANGE_STARTS = tuple(start for start, _, _ in _RANGES)
_ONE_LANGUAGE_SCRIPTS = {
    "Grek": "el", "Armn": "hy", "Hebr": "he", "Deva": "hi", "Beng": "bn", "Guru": "pa", "Gujr": "gu",
    "Taml": "ta", "Telu": "te", "Knda": "kn", "Mlym": "ml", "Sinh": "si", "Thai": "th", "Laoo": "lo",
    "Mymr": "my", "Geor": "ka", "Ethi": "am", "Khmr": "km",
}  # fmt: skip
_CJK = ("Hani", "Kana", "Hang")


def _script_of(ch: str) -> str | None:
    code = ord(ch)
    i = bisect.bisect_right(_RANGE_STARTS, code) - 1
    if i >= 0 and code <= _RANGES[i][1]:
        return _RANGES[i][2]
    return None


def _script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha() and (script := _script_of(ch)) is not None:
            counts[script] = counts.get(script, 0) + 1
    return counts


def _dominant_script(counts: dict[str, int]) -> str | None:
    # A Han, kana or Hangul character carries about as much as a short Latin word.
    weighted = {s: n * (3 if s in _CJK else 1) for s, n in counts.items()}
    cjk = sum(weighted.get(s, 0) for s in _CJK)
    best = max(weighted, key=lambda s: weighted[s], default=None)
    if cjk and (best is None or cjk >= weighted[best]):
        return "Hang" if counts.get("Hang") else "Kana" if counts.get("Kana") else "Hani"
    return best


# Written Cantonese and Wu use characters and words that Standard Written Chinese (almost) never does.
_YUE = re.compile(
    r"[嘅咗喺冇佢哋啲嘢嗰噉咁睇嚟乜咩㗎啱攞搵揾唔冚嘥畀諗靚嬲掂喎吖瞓擘揸攰冧餸咋啩俾]"
    r"|呢[個个度啲间間条條件隻只位种種]|(?<![關关聯联維维干體体])係|鍾意|钟意|而家|幾多|几多|點解|点解|屋企|喇(?![叭嘛])"
)
_WUU_STRONG = re.compile(
    r"[侬儂𠲎搿侪儕覅呒㑚唻]|阿拉(?![伯斯丁木巴善法贡])|伊拉(?!克)|哪能|交关|交關|辰光|物事|[里裏浪]向|垃(?!圾)|勒[海嗨]|(?<![请請切])勿(?!忘)"
    r"|伐[？?]|拨[我侬伊]|伊(?![朗拉斯丽麗利莉万萬凡甸犁始])"
    r"|(?<![一二两三四五六七八九十几这那哪每各某半整多上下是有真])个(?=[。！？!?，,]|$)"
)
_WUU_WEAK = re.compile(
    r"啥|拨(?![打款号號])|脱|嘞|今朝|明朝|落雨|落雪|欢喜"
    r"|(?<![一二两三四五六七八九十几这那哪每各某半整多上下是有真])个(?![人子别性体案])"
)


def _han_result(text: str, locale: str | None) -> LanguageResult:
    yue = len(_YUE.findall(text))
    wuu = 2 * len(_WUU_STRONG.findall(text)) + len(_WUU_WEAK.findall(text))
    lang = "yue" if yue >= 1 and 2 * yue >= wuu else "wuu" if wuu >= 2 else "zh"
    return LanguageResult(lang, _SCRIPT_CONFIDENCE, Method.SCRIPT, _han_script(text, locale))


def _han_script(text: str, locale: str | None) -> str:
    import hanzidentifier

    simplified = traditional = 0
    for ch in set(text):
        kind = hanzidentifier.identify(ch)
        simplified += kind == hanzidentifier.SIMPLIFIED
        traditional += kind == hanzidentifier.TRADITIONAL
    if simplified == traditional:
        return _locale_script(locale) or "Hans"
    return "Hans" if simplified > traditional else "Hant"


_URDU_LETTERS = frozenset("ٹڈڑںےۓہۂ")
_PERSIAN_LETTERS = frozenset("پچژگیک")


def _arabic_result(text: str, backend: Backend) -> LanguageResult:
    if any(ch in _URDU_LETTERS for ch in text):
        return LanguageResult("ur", _SCRIPT_CONFIDENCE, Method.SCRIPT)
    persian = sum(ch in _PERSIAN_LETTERS for ch in text)
    scores = detector_scores(text, backend, ARABIC_LANGS)
    top, top_p = scores[0] if scores else ("ar", 0.0)
    # Arabic itself almost never writes these letters (a Maghrebi گ at most): one is enough unless the
    # detector still reads Arabic, two settle it.
    if persian >= 2 or (persian == 1 and top != "ar"):
        return LanguageResult("ur" if top == "ur" else "fa", _SCRIPT_CONFIDENCE, Method.SCRIPT)
    if top != "ar" and top_p >= _ARABIC_OVERRIDE:
        return LanguageResult(top, top_p, Method.DETECTOR)
    return LanguageResult("ar", _SCRIPT_CONFIDENCE, Method.SCRIPT)


def _cyrillic_result(text: str, letters: int, backend: Backend) -> LanguageResult:
    chars = set(text.lower())
    if chars & set("әғқңөұүһ"):
        return LanguageResult("kk", _SCRIPT_CONFIDENCE, Method.SCRIPT)
    if "ў" in chars:
        return LanguageResult("be", _SCRIPT_CONFIDENCE, Method.SCRIPT)
    if chars & set("їєґ"):
        return LanguageResult("uk", _SCRIPT_CONFIDENCE, Method.SCRIPT)
    if chars & set("ђћџљњјѓќѕ"):
        return LanguageResult("sr" if chars & set("ђћ") else "mk", _SCRIPT_CONFIDENCE, Method.SCRIPT)
    # Russian never writes і; Ukrainian and Bulgarian never write ы, э or ё; Belarusian and Kazakh write both.
    has_i, has_yery = "і" in chars, bool(chars & set("ыэё"))
    if has_i:
        candidates = ("be", "kk") if has_yery else ("uk", "be", "kk")
        scores = detector_scores(text, backend, candidates)
        return LanguageResult(scores[0][0] if scores else candidates[0], _SCRIPT_CONFIDENCE, Method.SCRIPT)
    scores = detector_scores(text, backend, ("ru", "be", "kk") if has_yery else CYRILLIC_LANGS)
    if scores and scores[0][0] != "ru" and scores[0][1] >= _CYRILLIC_OVERRIDE:
        return LanguageResult(scores[0][0], scores[0][1], Method.DETECTOR)
    # House rule: Cyrillic is Russian unless shown otherwise.
    return LanguageResult("ru", _SCRIPT_CONFIDENCE if letters >= 4 else _SHORT_CONFIDENCE, Method.SCRIPT)


# ---------------------------------------------------------------------------------------------
# Latin: lexicon, then the detector


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that say nothing about the language: the conversation keeps its language.
_AMBIGUOUS = _words(
    "ok okay okey okk oki k kk hi hey hello helo hallo bye lol pls plz yo ya no si ah oh eh hmm hm ha haha "
    "jaja kkk rs xd wow ops oops admin support"
)
_LEXICON: dict[str, tuple[str, ...]] = {
    "en": ("thanks", "thank you", "thank you so much", "thank you very much", "thanks a lot", "many thanks",
           "thx", "tnx", "good morning", "good afternoon", "good evening", "good night", "yes", "yeah", "please",
           "help", "help me", "hello there", "sorry"),
    "es": ("gracias", "muchas gracias", "mil gracias", "hola", "buenas", "buenos días", "buenos dias",
           "buenas tardes", "buenas noches", "sí", "vale", "ayuda", "ayúdame", "ayudame", "perdón", "disculpa"),
    "pt": ("obrigado", "obrigada", "muito obrigado", "muito obrigada", "valeu", "olá", "oi", "bom dia",
           "boa tarde", "boa noite", "sim", "ajuda", "me ajuda", "tchau", "desculpa", "opa"),
    "fr": ("merci", "merci beaucoup", "bonjour", "bonsoir", "salut", "oui", "aide", "s'il vous plaît"),
    "de": ("danke", "danke schön", "danke schon", "vielen dank", "guten tag", "guten morgen", "ja", "hilfe"),
    "tr": ("teşekkürler", "teşekkür ederim", "tesekkurler", "sağol", "merhaba", "selam", "evet", "yardım"),
    "vi": ("cảm ơn", "cám ơn", "xin chào", "chào", "vâng", "giúp tôi"),
    "it": ("grazie", "grazie mille", "ciao", "buongiorno", "prego"),
}  # fmt: skip
_LEXICON_INDEX = {phrase: lang for lang, phrases in _LEXICON.items() for phrase in phrases}


def _lexicon_lang(words: Sequence[str]) -> str | None:
    meaningful = [w for w in words if w not in _AMBIGUOUS]
    return _LEXICON_INDEX.get(" ".join(meaningful)) if meaningful else None


# Galician sits between Portuguese and Spanish and neither backend knows it. Against whichever of the
# two the detector picked, count what that language never writes and Galician does, minus what only it
# writes.
_GL_WORDS = _words(
    "non unha unhas cunha dunha nunha nun dun moi moito moita moitos moitas tamén xa hoxe grazas vostede "
    "vostedes tódolos tódalas coa coas polo pola polos polas nai noso nosa nosos nosas túa túas súa súas "
    "miña miñas algunha ningunha dúas dous cando aínda máis quere sen mañá irmá irmán facer lle lles despois "
    "ata quen nin fóra xente tampouco hai ó ós á ás min ti teño teñen podo"
)
_GL_NOT_ES = _GL_WORDS | _words("é eu ela ele eles elas estou as ao do dos das nas ou foi vai")
_GL_NOT_PT = _GL_WORDS | _words("un con en")
_PT_ONLY_WORDS = _words(
    "não em um uma umas uns muito muita muitos muitas com você vocês isso mais também até são num numa quem "
    "depois nem lhe lhes minha minhas nossa nosso mim há à às pelo pela pelos pelas"
)
_ES_ONLY_WORDS = _words(
    "el la los las y una unas muy bien estoy soy usted ustedes también ya hoy cuando mucho mucha muchos más "
    "quién después hay yo al del"
)
_GL_SPELLING_NOT_ES = re.compile(
    r"\bx[aeiouáéíóú]|[nrl]x[aeiouáéíóú]|axes?\b|nh|(?:ou|eu|iu|ei)\b|(?<!\be)(?<!\bé)[aeiouáíóú]x[aeouáéó]"
)
_GL_SPELLING_NOT_PT = re.compile(
    r"\bx[aeiouáéíóú]|[nrl]x[aeiouáéíóú]|axes?\b|ñ|(?:ción|cións|ron|che|ches)\b"
)
_ES_SPELLING = re.compile(r"(?<![qg])u[eé]|i[eé]|j")
_PT_SPELLING = re.compile(r"ã|õ|ç|lh")


def _looks_galician(text: str, detected: str) -> bool:
    """Whether a text the detector read as ``detected`` (pt or es) is Galician."""
    lowered = text.lower()
    words = lowered.split()
    if detected == "es":
        galician = sum(w in _GL_NOT_ES for w in words) + len(_GL_SPELLING_NOT_ES.findall(lowered))
        galician += words[:1] == ["o"]
        other = sum(w in _ES_ONLY_WORDS for w in words) + len(_ES_SPELLING.findall(lowered))
    else:
        galician = sum(w in _GL_NOT_PT for w in words) + len(_GL_SPELLING_NOT_PT.findall(lowered))
        galician += sum("ll" in w for w in text.split() if w[:1].islower())  # not names: Sally, Hollywood
        other = sum(w in _PT_ONLY_WORDS for w in words) + len(_PT_SPELLING.findall(lowered))
    return galician >= 1 and galician > other


def _latin_result(text: str, letters: int, backend: Backend) -> LanguageResult | None:
    words = text.lower().split()
    if lexicon_lang := _lexicon_lang(words):
        return LanguageResult(lexicon_lang, _LEXICON_CONFIDENCE, Method.DETECTOR)
    if all(w in _AMBIGUOUS for w in words) or letters < MIN_LETTERS["Latn"]:
        return None
    scores = detector_scores(text, backend, LATIN_LANGS)
    if not scores:
        return None
    lang = scores[0][0]
    confidence = calibrated_confidence(backend, scores, letters, len(words))
    if lang in ("pt", "es") and _looks_galician(text, lang):
        lang = "gl"
    return LanguageResult(lang, confidence, Method.DETECTOR)


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


# ---------------------------------------------------------------------------------------------
# Backends, built once on first use

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


def warm_up(backend: str | None = None) -> None:
    """Build the backend now (seconds, hundreds of MB for lingua) instead of on the first message."""
    if Backend(backend or DEFAULT_BACKEND) is Backend.LINGUA:
        _lingua_detector()
    else:
        _langdetect_factory()
    import hanzidentifier  # noqa: F401  (builds its character tables)


# ---------------------------------------------------------------------------------------------
# Public entry points


def _fallback(hints: LanguageHints) -> LanguageResult:
    if conversation := normalise_code(hints.conversation):
        return LanguageResult(conversation, 0.0, Method.CONVERSATION)
    if locale := normalise_code(hints.locale):
        return LanguageResult(locale, 0.0, Method.HINT, _locale_script(hints.locale))
    return LanguageResult(normalise_code(hints.default) or hints.default, 0.0, Method.DEFAULT)


def _detect(text: str, backend: Backend, locale: str | None) -> LanguageResult | None:
    counts = _script_counts(text)
    if counts.get("Latn") and any(s in counts for s in _CJK):
        # Names and brands inside a CJK sentence ("我是Tom") are not its language.
        counts["Latn"] = sum(map(len, re.findall(r"(?<![A-Za-z])[a-z][A-Za-z]*", text)))
    script = _dominant_script(counts)
    if script is None:
        return None
    letters = counts[script]
    if script == "Latn":
        return _latin_result(text, letters, backend)
    if letters < MIN_LETTERS.get(script, _MIN_LETTERS_OTHER):
        return None
    if script == "Hang":
        return LanguageResult("ko", _SCRIPT_CONFIDENCE, Method.SCRIPT)
    if script == "Kana":
        return LanguageResult("ja", _SCRIPT_CONFIDENCE, Method.SCRIPT)
    if script == "Hani":
        return _han_result(text, locale)
    if script == "Arab":
        return _arabic_result(text, backend)
    if script == "Cyrl":
        return _cyrillic_result(text, letters, backend)
    if script in _ONE_LANGUAGE_SCRIPTS:
        return LanguageResult(_ONE_LANGUAGE_SCRIPTS[script], _SCRIPT_CONFIDENCE, Method.SCRIPT)
    return None


def detect_language(
    text: str, hints: LanguageHints = LanguageHints(), *, backend: str | None = None
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
