"""Latin-script word rules: the greeting/thanks lexicon, and Galician against Portuguese and Spanish."""

import re
from collections.abc import Sequence

from bot.language.tables import galician_words, lexicon


def lexicon_lang(words: Sequence[str]) -> str | None:
    """The language of a whole greeting or thanks ("muchas gracias", "ok thanks"), else None."""
    table = lexicon()
    meaningful = [w for w in words if w not in table.ambiguous]
    return table.phrases.get(" ".join(meaningful)) if meaningful else None


_GL_SPELLING_NOT_ES = re.compile(
    r"\bx[aeiouáéíóú]|[nrl]x[aeiouáéíóú]|axes?\b|nh|(?:ou|eu|iu|ei)\b|(?<!\be)(?<!\bé)[aeiouáíóú]x[aeouáéó]"
)
_GL_SPELLING_NOT_PT = re.compile(
    r"\bx[aeiouáéíóú]|[nrl]x[aeiouáéíóú]|axes?\b|ñ|(?:ción|cións|ron|che|ches)\b"
)
_ES_SPELLING = re.compile(r"(?<![qg])u[eé]|i[eé]|j")
_PT_SPELLING = re.compile(r"ã|õ|ç|lh")


def looks_galician(text: str, detected: str) -> bool:
    """Whether a text the detector read as ``detected`` (pt or es) is Galician.

    Galician sits between Portuguese and Spanish and neither backend knows it. Against whichever of the
    two the detector picked, count what that language never writes and Galician does, minus what only
    it writes.
    """
    table = galician_words()
    lowered = text.lower()
    words = lowered.split()
    if detected == "es":
        galician = sum(w in table.not_es for w in words) + len(_GL_SPELLING_NOT_ES.findall(lowered))
        galician += words[:1] == ["o"]
        other = sum(w in table.es_only for w in words) + len(_ES_SPELLING.findall(lowered))
    else:
        galician = sum(w in table.not_pt for w in words) + len(_GL_SPELLING_NOT_PT.findall(lowered))
        galician += sum("ll" in w for w in text.split() if w[:1].islower())  # not names: Sally, Hollywood
        other = sum(w in table.pt_only for w in words) + len(_PT_SPELLING.findall(lowered))
    return galician >= 1 and galician > other
