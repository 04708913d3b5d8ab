"""Language codes: the supported languages, normalising a code, and the closest supported language."""

import re

SUPPORTED = ("en", "zh", "ja", "ko", "ru", "es", "pt", "ar")

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


def locale_script(locale: str | None) -> str | None:
    """``"Hant"`` for a Traditional-Chinese locale (zh-TW, zh-HK, zh-Hant), ``"Hans"`` for other zh, else None."""
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
