"""Exchange API credentials: a token after a word that names it ("secret key", "API key:", "API密钥",
"secret: ..."), and a long random-looking token with no label at all (a pasted 64-character secret)."""

import re
from collections.abc import Iterator

from bot.redaction.boundaries import words
from bot.redaction.spans import SecretKind, Span

_SECRET_LABEL = (
    words(
        r"(?:api[\s_-]*|client[\s_-]*)?secret(?:[\s_-]*key)?", r"secret_?key", r"clave\s+secreta",
        r"chave\s+secreta", r"secreto", r"segredo", r"секрет(?:н[а-яё]*\s+ключ[а-яё]*)?", r"api[\s_-]*секрет",
    )
    + r"|(?<!钱包)(?<!錢包)(?:API\s*)?[密秘]钥|シークレット(?:キー)?|시크릿\s*키?|비밀\s*키"
    r"|(?:ال)?مفتاح\s+(?:ال)?سري|السيكريت|السيكرت"
)  # fmt: skip
# An API key is not enough to trade, but with the secret it is, and both get pasted together.
_KEY_LABEL = (
    words(
        r"api[\s_-]*keys?", r"apikey", r"access[\s_-]*key", r"clave\s+(?:de\s+)?(?:la\s+)?api",
        r"chave\s+(?:de\s+)?(?:da\s+)?api", r"(?:api[\s-]*)?ключ[а-яё]*\s+api", r"api[\s-]*ключ[а-яё]*",
    )
    + r"|API\s*(?:キー|키|密钥|秘钥|金鑰)|مفتاح\s+(?:ال)?API|مفتاح\s+(?:ال)?واجهة"
)  # fmt: skip
_TOKEN_CHARS = r"A-Za-z0-9_\-"
_LABELLED = re.compile(
    rf"(?:{_SECRET_LABEL}|{_KEY_LABEL})[^\n]{{0,20}}?(?<![{_TOKEN_CHARS}])(?P<token>[{_TOKEN_CHARS}]{{16,128}})"
    rf"(?![{_TOKEN_CHARS}])",
    re.IGNORECASE,
)
# "secret: <value>": right after the label, a shorter value counts too (base64 secrets included).
_STATED = re.compile(
    rf"(?:{_SECRET_LABEL})(?:\s*[:=：]\s*|\s+(?:is|es|é|это)\s+|\s*(?:是|为|は|는|은)\s*)"
    r"(?P<token>[A-Za-z0-9+/=_.~!@#$%^&*\-]{8,128})(?![A-Za-z0-9+/=_.~!@#$%^&*\-])",
    re.IGNORECASE,
)
_BARE = re.compile(r"(?<![A-Za-z0-9_/.@=+\-])(?P<token>[A-Za-z0-9]{50,128})(?![A-Za-z0-9_/.@=+\-])")
_HEX = re.compile(r"(?:0[xX])?[0-9a-fA-F]+")
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]+")
_PUBLIC_EXTENDED_KEY = re.compile(r"[xyztuvXYZUV]pub")
_URL_OR_MAIL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\S+", re.IGNORECASE)


def find_api_secrets(text: str) -> Iterator[Span]:
    for pattern in (_LABELLED, _STATED):
        for match in pattern.finditer(text):
            token = match.group("token")
            if pattern is _STATED and not (any(c.isdigit() for c in token) or len(token) >= 16):
                continue
            yield Span(match.start("token"), match.end("token"), SecretKind.API_SECRET)
    links = [m.span() for m in _URL_OR_MAIL.finditer(text)]
    for match in _BARE.finditer(text):
        if _is_random_secret(match.group("token")) and not any(s <= match.start() < e for s, e in links):
            yield Span(match.start(), match.end(), SecretKind.API_SECRET)


def _is_random_secret(token: str) -> bool:
    """A pasted secret with no label: letters of both cases and digits, and none of the long public
    values that look alike: hex (hashes, handled with keys), extended public keys, 64-byte base58
    (Solana signatures, handled with keys) and Monero addresses (95 or 106 base58 characters)."""
    if not (any(c.isupper() for c in token) and any(c.islower() for c in token) and any(c.isdigit() for c in token)):
        return False
    if _HEX.fullmatch(token) or _PUBLIC_EXTENDED_KEY.match(token):
        return False
    if _BASE58.fullmatch(token):
        return not (86 <= len(token) <= 90 or (len(token) in (95, 106) and token[0] in "48"))
    return True
