"""What redaction finds and returns: the secret kinds, the spans found, and the redacted text."""

from dataclasses import dataclass, field
from enum import StrEnum


class SecretKind(StrEnum):
    SEED_PHRASE = "seed_phrase"
    PRIVATE_KEY = "private_key"
    EXTENDED_PRIVATE_KEY = "extended_private_key"
    API_SECRET = "api_secret"
    PASSWORD = "password"
    ONE_TIME_CODE = "one_time_code"
    CARD_NUMBER = "card_number"


@dataclass(frozen=True, slots=True)
class Span:
    """``text[start:end]`` of the original message is a secret of ``kind``; ``replacement`` is what
    stands in its place when it is not the kind's token (a card keeps its last four digits)."""

    start: int
    end: int
    kind: SecretKind
    replacement: str | None = None


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    kinds: tuple[SecretKind, ...]
    # Where the secrets were in the original text; not part of equality, so that a result compares
    # equal to the text and kinds a caller expects.
    spans: tuple[Span, ...] = field(default=(), compare=False)

    @property
    def has_secret(self) -> bool:
        return bool(self.kinds)
