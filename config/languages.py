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
