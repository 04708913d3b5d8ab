"""The languages the product speaks, and the one place a language code is normalised."""

from __future__ import annotations

import re

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "zh", "ja", "ko", "ru", "es", "pt", "ar")
DEFAULT_LANGUAGE = "en"
RTL_LANGUAGES: frozenset[str] = frozenset({"ar"})

_ISO_639_1 = re.compile(r"[a-z]{2}")


def base_language(code: str) -> str:
    """``code`` without its region or script subtags, lowercased: ``zh-CN`` -> ``zh``, ``pt_BR`` -> ``pt``.

    Routing, catalogs and the knowledge base are per language, so every package compares codes in
    this form. It does not check the result; :func:`is_language_code` does.
    """
    return code.strip().lower().replace("_", "-").split("-", 1)[0]


def is_language_code(code: str) -> bool:
    """Whether ``code`` is already a two-letter lowercase ISO 639-1 code."""
    return _ISO_639_1.fullmatch(code) is not None


# Catalogs in a script of their own: the language is still ``zh`` for routing, the knowledge base and
# agents; only the texts of the UI and of the system messages differ. ``zh-Hant`` is converted from the
# Simplified catalog by OpenCC and reviewed (``python -m bot.hant``).
TRADITIONAL_CHINESE = "zh-Hant"
CATALOG_VARIANTS: dict[str, str] = {TRADITIONAL_CHINESE: "zh"}
CATALOG_LANGUAGES: tuple[str, ...] = (*SUPPORTED_LANGUAGES, *CATALOG_VARIANTS)
# Regions that write Chinese in Traditional characters (BCP 47 region subtags, lowercased).
_HANT_REGIONS = frozenset({"tw", "hk", "mo"})


def catalog_language(code: str) -> str:
    """The catalog a locale reads: ``zh-TW``, ``zh-HK``, ``zh-MO`` and ``zh-Hant(-*)`` -> ``zh-Hant``;
    every other code its base language (``pt-BR`` -> ``pt``). ``zh-Hans-HK`` stays Simplified."""
    parts = code.strip().lower().replace("_", "-").split("-")
    if parts[0] == "zh" and len(parts) > 1:
        if "hans" in parts[1:]:
            return "zh"
        if "hant" in parts[1:] or any(p in _HANT_REGIONS for p in parts[1:]):
            return TRADITIONAL_CHINESE
    return parts[0]
