"""Language codes as handoff stores them: lowercase ISO 639-1, two letters."""

from collections.abc import Iterable

from config.languages import base_language, is_language_code
from handoff.errors import InvalidInput


def normalize_language(code: str) -> str:
    """Return ``code`` lowercased and stripped, checked to be a two-letter ISO 639-1 code.

    Region subtags are dropped (``zh-CN`` -> ``zh``, ``pt_BR`` -> ``pt``) because routing is per language.

    :raises InvalidInput: if what remains is not two ASCII letters.
    """
    base = base_language(code)
    if not is_language_code(base):
        raise InvalidInput(f"not an ISO 639-1 language code: {code!r}")
    return base


def normalize_languages(codes: Iterable[str]) -> tuple[str, ...]:
    """Normalise each code, drop duplicates keeping the first order, and require at least one.

    :raises InvalidInput: on a bad code or an empty list.
    """
    result = tuple(dict.fromkeys(normalize_language(code) for code in codes if code.strip()))
    if not result:
        raise InvalidInput("at least one language is required")
    return result
