"""What stands in place of a secret: a neutral token in the stored text, a label in the reader's language
when the text is shown.

The stored text keeps ``[redacted: <kind>]`` whatever the conversation's language, because one stored
message has several readers (the user in the widget, an agent whose console may be in another language,
exports and logs), the language detector and a second redaction pass both recognise the one token, and
the language of a conversation can change after the message is stored. ``localise`` renders the token
for one reader; card numbers are masked to their last four digits instead, which needs no words.
"""

import functools
import json
import re
from importlib import resources

from bot.redaction.spans import SecretKind
from config.languages import catalog_language

TOKEN = re.compile(r"\[redacted: (?P<kind>[a-z_]+)\]")
DEFAULT_LANGUAGE = "en"


def token(kind: SecretKind) -> str:
    """The neutral token stored in place of a secret of ``kind``."""
    return f"[redacted: {kind}]"


@functools.cache
def _labels() -> dict[str, dict[str, str]]:
    text = resources.files("bot.redaction").joinpath("data", "placeholders.json").read_text(encoding="utf-8")
    return {lang: labels for lang, labels in json.loads(text).items() if not lang.startswith("_")}


def placeholder_languages() -> tuple[str, ...]:
    return tuple(_labels())


def placeholder(kind: SecretKind, lang: str) -> str:
    """The label a reader of ``lang`` sees for a secret of ``kind``, e.g. ``[已移除助记词]``.

    ``lang`` may carry a region (``pt-BR``); ``zh-TW``, ``zh-HK`` and ``zh-Hant`` get the Traditional
    Chinese labels; an unsupported language gets English.
    """
    labels = _labels()
    base = lang.replace("_", "-").split("-")[0].casefold()
    chosen = labels.get(catalog_language(lang)) or labels.get(base, labels[DEFAULT_LANGUAGE])
    return f"[{chosen[kind.value]}]"


def localise(text: str, lang: str) -> str:
    """``text`` with every ``[redacted: <kind>]`` token shown as its label in ``lang``; unknown kinds
    are left as they are."""

    def label(match: re.Match[str]) -> str:
        try:
            return placeholder(SecretKind(match.group("kind")), lang)
        except ValueError:
            return match.group()

    return TOKEN.sub(label, text)
