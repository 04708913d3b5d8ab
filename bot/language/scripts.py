"""Writing systems: which script a text is in, and the rules for the scripts that name their language
(Hangul, kana, Han with Cantonese and Wu markers, Arabic with Persian and Urdu letters, Cyrillic)."""

import bisect
import re
from types import MappingProxyType

from bot.language.backends import ARABIC_LANGS, CYRILLIC_LANGS, Backend, detector_scores
from bot.language.codes import locale_script
from bot.language.result import LanguageResult, Method

# Fewer letters than this (after cleaning) is "too short": one Hangul syllable or kana is a word, one
# Han character or two Latin letters ("ok", "no") are not.
MIN_LETTERS = MappingProxyType({"Hang": 1, "Kana": 1, "Hani": 2, "Arab": 2, "Cyrl": 2, "Latn": 3})
MIN_LETTERS_OTHER = 2

SCRIPT_CONFIDENCE = 0.99
_SHORT_CONFIDENCE = 0.8  # a script rule on two or three letters
_CYRILLIC_OVERRIDE = 0.7  # the detector must be this sure before a Cyrillic text is not Russian
_ARABIC_OVERRIDE = 0.8

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
ONE_LANGUAGE_SCRIPTS = MappingProxyType({
    "Grek": "el", "Armn": "hy", "Hebr": "he", "Deva": "hi", "Beng": "bn", "Guru": "pa", "Gujr": "gu",
    "Taml": "ta", "Telu": "te", "Knda": "kn", "Mlym": "ml", "Sinh": "si", "Thai": "th", "Laoo": "lo",
    "Mymr": "my", "Geor": "ka", "Ethi": "am", "Khmr": "km",
})  # fmt: skip
CJK = ("Hani", "Kana", "Hang")


def script_of(ch: str) -> str | None:
    code = ord(ch)
    i = bisect.bisect_right(_RANGE_STARTS, code) - 1
    if i >= 0 and code <= _RANGES[i][1]:
        return _RANGES[i][2]
    return None


def script_counts(text: str) -> dict[str, int]:
    """Letters per script; Latin names and brands inside a CJK sentence ("我是Tom") are not counted."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha() and (script := script_of(ch)) is not None:
            counts[script] = counts.get(script, 0) + 1
    if counts.get("Latn") and any(s in counts for s in CJK):
        counts["Latn"] = sum(map(len, re.findall(r"(?<![A-Za-z])[a-z][A-Za-z]*", text)))
    return counts


def dominant_script(counts: dict[str, int]) -> str | None:
    # A Han, kana or Hangul character carries about as much as a short Latin word.
    weighted = {s: n * (3 if s in CJK else 1) for s, n in counts.items()}
    cjk = sum(weighted.get(s, 0) for s in CJK)
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


def han_result(text: str, locale: str | None) -> LanguageResult:
    yue = len(_YUE.findall(text))
    wuu = 2 * len(_WUU_STRONG.findall(text)) + len(_WUU_WEAK.findall(text))
    lang = "yue" if yue >= 1 and 2 * yue >= wuu else "wuu" if wuu >= 2 else "zh"
    return LanguageResult(lang, SCRIPT_CONFIDENCE, Method.SCRIPT, han_script(text, locale))


def han_script(text: str, locale: str | None) -> str:
    """``"Hans"`` or ``"Hant"`` by hanzidentifier; characters common to both follow the locale."""
    import hanzidentifier

    simplified = traditional = 0
    for ch in set(text):
        kind = hanzidentifier.identify(ch)
        simplified += kind == hanzidentifier.SIMPLIFIED
        traditional += kind == hanzidentifier.TRADITIONAL
    if simplified == traditional:
        return locale_script(locale) or "Hans"
    return "Hans" if simplified > traditional else "Hant"


_URDU_LETTERS = frozenset("ٹڈڑںےۓہۂ")
_PERSIAN_LETTERS = frozenset("پچژگیک")


def arabic_result(text: str, backend: Backend) -> LanguageResult:
    if any(ch in _URDU_LETTERS for ch in text):
        return LanguageResult("ur", SCRIPT_CONFIDENCE, Method.SCRIPT)
    persian = sum(ch in _PERSIAN_LETTERS for ch in text)
    scores = detector_scores(text, backend, ARABIC_LANGS)
    top, top_p = scores[0] if scores else ("ar", 0.0)
    # Arabic itself almost never writes these letters (a Maghrebi گ at most): one is enough unless the
    # detector still reads Arabic, two settle it.
    if persian >= 2 or (persian == 1 and top != "ar"):
        return LanguageResult("ur" if top == "ur" else "fa", SCRIPT_CONFIDENCE, Method.SCRIPT)
    if top != "ar" and top_p >= _ARABIC_OVERRIDE:
        return LanguageResult(top, top_p, Method.DETECTOR)
    return LanguageResult("ar", SCRIPT_CONFIDENCE, Method.SCRIPT)


def cyrillic_result(text: str, letters: int, backend: Backend) -> LanguageResult:
    chars = set(text.lower())
    if chars & set("әғқңөұүһ"):
        return LanguageResult("kk", SCRIPT_CONFIDENCE, Method.SCRIPT)
    if "ў" in chars:
        return LanguageResult("be", SCRIPT_CONFIDENCE, Method.SCRIPT)
    if chars & set("їєґ"):
        return LanguageResult("uk", SCRIPT_CONFIDENCE, Method.SCRIPT)
    if chars & set("ђћџљњјѓќѕ"):
        return LanguageResult("sr" if chars & set("ђћ") else "mk", SCRIPT_CONFIDENCE, Method.SCRIPT)
    # Russian never writes і; Ukrainian and Bulgarian never write ы, э or ё; Belarusian and Kazakh write both.
    has_i, has_yery = "і" in chars, bool(chars & set("ыэё"))
    if has_i:
        candidates = ("be", "kk") if has_yery else ("uk", "be", "kk")
        scores = detector_scores(text, backend, candidates)
        return LanguageResult(scores[0][0] if scores else candidates[0], SCRIPT_CONFIDENCE, Method.SCRIPT)
    scores = detector_scores(text, backend, ("ru", "be", "kk") if has_yery else CYRILLIC_LANGS)
    if scores and scores[0][0] != "ru" and scores[0][1] >= _CYRILLIC_OVERRIDE:
        return LanguageResult(scores[0][0], scores[0][1], Method.DETECTOR)
    # House rule: Cyrillic is Russian unless shown otherwise.
    return LanguageResult("ru", SCRIPT_CONFIDENCE if letters >= 4 else _SHORT_CONFIDENCE, Method.SCRIPT)
