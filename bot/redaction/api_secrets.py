"""Exchange API secrets: a long token right after a word that names it ("secret key", "API密钥")."""

import re
from collections.abc import Iterator

from bot.redaction.boundaries import words
from bot.redaction.spans import SecretKind, Span

_API_SECRET = re.compile(
    r"(?:"
    + words(
        r"(?:api[\s_-]*)?secret(?:[\s_-]*key)?", r"secret_?key", r"clave\s+secreta", r"chave\s+secreta",
        r"секрет(?:н[а-яё]*\s+ключ[а-яё]*)?", r"api[\s_-]*секрет",
    )
    + r"|(?:API\s*)?[密秘]钥|シークレット(?:キー)?|시크릿\s*키?|비밀\s*키|(?:ال)?مفتاح\s+(?:ال)?سري|السيكريت|السيكرت"
    r")[^\n]{0,20}?(?<![A-Za-z0-9_-])(?P<token>[A-Za-z0-9_-]{32,128})(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)


def find_api_secrets(text: str) -> Iterator[Span]:
    for match in _API_SECRET.finditer(text):
        yield Span(match.start("token"), match.end("token"), SecretKind.API_SECRET)
