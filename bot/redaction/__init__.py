"""Find secrets that users paste into the chat and replace them before anything is stored or shown.

Seed phrases, private keys, extended private keys, exchange API secrets, stated passwords and one-time
codes become ``[redacted: <kind>]``; everything else in the message is kept as typed. One module per
secret family; their word tables are JSON files in ``data/``, read on first use.
"""

from collections.abc import Callable, Iterator

from bot.redaction.api_secrets import find_api_secrets
from bot.redaction.codes import find_one_time_codes
from bot.redaction.keys import find_base58_keys, find_extended_keys, find_hex_keys
from bot.redaction.passwords import find_passwords
from bot.redaction.seed_phrase import find_seed_phrases
from bot.redaction.spans import Redaction, SecretKind, Span

__all__ = ["Redaction", "SecretKind", "Span", "redact"]

_DETECTORS: tuple[Callable[[str], Iterator[Span]], ...] = (
    find_seed_phrases,
    find_extended_keys,
    find_base58_keys,
    find_api_secrets,  # before hex keys: exchange secrets are often 64 hex characters
    find_hex_keys,
    find_passwords,
    find_one_time_codes,
)


def redact(text: str) -> Redaction:
    """Replace every secret in ``text`` with ``[redacted: <kind>]``."""
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
        parts.append(f"[redacted: {span.kind}]")
        cursor = span.end
        if span.kind not in kinds:
            kinds.append(span.kind)
    parts.append(text[cursor:])
    return Redaction(text="".join(parts), kinds=tuple(kinds), spans=tuple(spans))
