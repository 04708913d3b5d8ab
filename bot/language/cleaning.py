"""Keep only what carries language: drop URLs, addresses, hashes, numbers, coin names, emoji, punctuation."""

import re
import unicodedata

from bot.language.tables import names_pattern

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
_ACRONYM = re.compile(r"\b[A-Z]{2,6}s?\b")
_JOINERS = "'’-"


def clean_text(text: str) -> str:
    """Drop URLs, e-mails, addresses, hashes, numbers, tickers, emoji and punctuation; collapse spaces."""
    text = names_pattern().sub(" ", _NOISE.sub(" ", text))
    if any(ch.islower() for ch in text):
        text = _ACRONYM.sub(" ", text)
    out: list[str] = []
    for i, ch in enumerate(text):
        is_joiner = (
            ch in _JOINERS and 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
        )
        out.append(ch if ch.isalpha() or unicodedata.category(ch).startswith("M") or is_joiner else " ")
    return " ".join("".join(out).split())
