"""Find secrets that users paste into the chat and replace them before anything is stored or shown.

Seed phrases, private keys, extended private keys, exchange API keys and secrets, stated passwords and
one-time codes become the neutral token ``[redacted: <kind>]``; card numbers are masked to their last
four digits; everything else in the message is kept as typed. ``localise`` shows the tokens in a
reader's language (see ``placeholders``). One module per secret family; their word tables are JSON
files in ``data/``, read on first use.
"""

from collections.abc import Callable, Iterator
from typing import overload

from bot.redaction.api_secrets import find_api_secrets
from bot.redaction.cards import find_card_numbers
from bot.redaction.codes import find_one_time_codes
from bot.redaction.keys import find_base58_keys, find_extended_keys, find_hex_keys
from bot.redaction.passwords import find_passwords
from bot.redaction.placeholders import localise, placeholder, token
from bot.redaction.seed_phrase import find_seed_phrases
from bot.redaction.spans import Redaction, SecretKind, Span

__all__ = ["Redaction", "SecretKind", "Span", "localise", "placeholder", "redact", "redact_text", "token"]

# Earlier detectors win where two find overlapping spans.
_DETECTORS: tuple[Callable[[str], Iterator[Span]], ...] = (
    find_seed_phrases,
    find_extended_keys,
    find_base58_keys,
    find_card_numbers,
    find_api_secrets,  # before hex keys: exchange secrets are often 64 hex characters
    find_hex_keys,
    find_passwords,
    find_one_time_codes,
)


def redact(text: str) -> Redaction:
    """Replace every secret in ``text`` with its token (a card number with its mask)."""
    spans: list[Span] = []
    for detector in _DETECTORS:
        for span in detector(text):
            if not any(span.start < kept.end and kept.start < span.end for kept in spans):
                spans.append(span)
    spans.sort(key=lambda span: span.start)
    parts: list[str] = []
    kinds: list[SecretKind] = []
    cursor = 0
    for span in spans:
        parts.append(text[cursor : span.start])
        parts.append(span.replacement if span.replacement is not None else token(span.kind))
        cursor = span.end
        if span.kind not in kinds:
            kinds.append(span.kind)
    parts.append(text[cursor:])
    return Redaction(text="".join(parts), kinds=tuple(kinds), spans=tuple(spans))


@overload
def redact_text(text: str) -> str: ...
@overload
def redact_text(text: None) -> None: ...
def redact_text(text: str | None) -> str | None:
    """The one function every stored free-text field goes through (names, e-mails, comments, contact
    addresses, agent replies): ``redact(text).text``, with ``None`` kept as ``None``."""
    return None if text is None else redact(text).text
