"""The message catalog: every user- and agent-facing text, in each supported language.

Texts live in ``bot/locales/<lang>.json``, one flat ``{"key": "text"}`` object per language, with
``str.format`` placeholders such as ``{position}``. Keys are grouped by prefix: conversation replies
(``greeting``, ``handoff_notice``, ...), ``security.*`` first steps, ``secret_warning.*``,
``priority.*`` and ``reason.*`` for the agent console, ``ui.widget.*`` and ``ui.console.*`` labels, and
``lang.<code>`` language names. The files are read once, on the first ``load_catalog()`` call.
"""

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from config.languages import (
    CATALOG_LANGUAGES,
    DEFAULT_LANGUAGE,
    RTL_LANGUAGES,
    SUPPORTED_LANGUAGES,
    base_language,
    catalog_language,
)

__all__ = [
    "CATALOG_LANGUAGES", "DEFAULT_LANGUAGE", "RTL_LANGUAGES", "SUPPORTED_LANGUAGES", "Catalog", "language_name",
    "load_catalog",
]


@dataclass(frozen=True, slots=True)
class Catalog:
    texts: Mapping[str, Mapping[str, str]]  # language -> key -> text; every language has every key

    def keys(self) -> tuple[str, ...]:
        """Every message key, in catalog order."""
        return tuple(self.texts[DEFAULT_LANGUAGE])

    def render(self, key: str, lang: str, **values: object) -> str:
        """The text for ``key`` in ``lang`` with its placeholders filled from ``values``.

        ``lang`` may carry a region (``pt-BR``); ``zh-TW``, ``zh-HK`` and ``zh-Hant`` get the Traditional
        Chinese catalog; an unsupported language gets the English text.

        :raises KeyError: for an unknown key or a placeholder missing from ``values``.
        """
        if key not in self.texts[DEFAULT_LANGUAGE]:
            raise KeyError(key)
        return self._texts_for(lang)[key].format(**values)

    def for_language(self, lang: str, prefix: str = "ui.") -> dict[str, str]:
        """The raw texts whose key starts with ``prefix``, for sending UI strings to the browser."""
        return {key: text for key, text in self._texts_for(lang).items() if key.startswith(prefix)}

    def language_name(self, code: str, in_lang: str) -> str:
        """The name of language ``code`` written in ``in_lang``; an unknown code is returned as is."""
        key = f"lang.{base_language(code)}"
        return self.render(key, in_lang) if key in self.texts[DEFAULT_LANGUAGE] else code

    def _texts_for(self, lang: str) -> Mapping[str, str]:
        variant = self.texts.get(catalog_language(lang))
        return variant if variant is not None else self.texts.get(base_language(lang), self.texts[DEFAULT_LANGUAGE])


@functools.cache
def load_catalog() -> Catalog:
    """Read ``bot/locales/*.json`` once (the supported languages, then ``zh-Hant``).

    :raises ValueError: when a language file lacks keys, has extra keys or holds a non-string value.
    """
    folder = resources.files("bot") / "locales"
    texts: dict[str, Mapping[str, str]] = {}
    for lang in CATALOG_LANGUAGES:
        data = json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(isinstance(value, str) for value in data.values()):
            raise ValueError(f"locales/{lang}.json must be a flat object of strings")
        texts[lang] = MappingProxyType(data)
    expected = set(texts[DEFAULT_LANGUAGE])
    for lang, entries in texts.items():
        if set(entries) != expected:
            missing = sorted(expected - set(entries))
            extra = sorted(set(entries) - expected)
            raise ValueError(f"locales/{lang}.json: missing keys {missing}, extra keys {extra}")
    return Catalog(texts=MappingProxyType(texts))


def language_name(code: str, in_lang: str) -> str:
    """The name of language ``code`` written in ``in_lang`` (``language_name("ja", "es") == "japonés"``)."""
    return load_catalog().language_name(code, in_lang)

