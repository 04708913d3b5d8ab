"""The word tables in ``bot/language/data/*.json``, read once on first use (never at import)."""

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any


def _read(name: str) -> dict[str, Any]:
    text = resources.files("bot.language").joinpath("data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass(frozen=True, slots=True)
class Lexicon:
    ambiguous: frozenset[str]  # words that say nothing about the language: "ok", "hi", "lol", ...
    phrases: dict[str, str]  # a whole short message -> its language: "gracias" -> "es"


@dataclass(frozen=True, slots=True)
class GalicianWords:
    not_es: frozenset[str]  # Galician writes these, Spanish never does
    not_pt: frozenset[str]  # Galician writes these, Portuguese never does
    pt_only: frozenset[str]
    es_only: frozenset[str]


@functools.cache
def lexicon() -> Lexicon:
    data = _read("lexicon.json")
    phrases = {phrase: lang for lang, listed in data["phrases"].items() for phrase in listed}
    return Lexicon(frozenset(data["ambiguous"]), phrases)


@functools.cache
def galician_words() -> GalicianWords:
    data = _read("galician.json")
    galician = frozenset(data["galician"])
    return GalicianWords(
        galician | frozenset(data["not_es"]),
        galician | frozenset(data["not_pt"]),
        frozenset(data["pt_only"]),
        frozenset(data["es_only"]),
    )


@functools.cache
def names_pattern() -> re.Pattern[str]:
    """Coin, chain and exchange names as one case-insensitive whole-word pattern."""
    names = _read("names.json")["names"]
    return re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.I)
