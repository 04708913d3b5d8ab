"""Private keys: extended private keys (xprv and its kin), WIF, 64-byte base58 (Solana) and hex keys,
told apart from transaction hashes and signatures by what the message says around them."""

import re
from collections.abc import Iterator

from bot.redaction.boundaries import NOT_ALNUM_AFTER, NOT_ALNUM_BEFORE, words
from bot.redaction.spans import SecretKind, Span

_B58 = "1-9A-HJ-NP-Za-km-z"
_EXTENDED_KEY = re.compile(rf"{NOT_ALNUM_BEFORE}[xyztuvYZUV]prv[{_B58}]{{100,112}}{NOT_ALNUM_AFTER}")
_WIF = re.compile(rf"{NOT_ALNUM_BEFORE}(?:5[{_B58}]{{50}}|[KL][{_B58}]{{51}}){NOT_ALNUM_AFTER}")
# 64 bytes in base58: a Solana-style secret key, but also a Solana transaction signature.
_BASE58_64_BYTES = re.compile(rf"{NOT_ALNUM_BEFORE}[{_B58}]{{86,90}}{NOT_ALNUM_AFTER}")
_HEX_32_BYTES = re.compile(rf"{NOT_ALNUM_BEFORE}(?:0[xX])?[0-9a-fA-F]{{64}}{NOT_ALNUM_AFTER}")
_HEX_64_BYTES = re.compile(rf"{NOT_ALNUM_BEFORE}(?:0[xX])?[0-9a-fA-F]{{128}}{NOT_ALNUM_AFTER}")


_URL = re.compile(
    r"https?://\S+|(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:io|com|org|net|info|space)/\S+", re.IGNORECASE
)
_EXPLORER_URL = re.compile(r"scan|explorer|blockchair|mempool|blockstream|/txs?/|/transaction", re.IGNORECASE)
_TX_WORDS = re.compile(
    words(
        r"tx(?:id|n|s|hash|es)?", r"hash(?:es)?", r"transactions?", r"transfer\s+id", r"explorer",
        r"transacci[oó]n(?:es)?", r"transa[cç](?:ão|ao|ões|oes)", r"транзакци[а-яё]*", r"х[еэ]ш[а-яё]*",
        r"обозревател[а-яё]*", r"explorador",
    )
    + r"|交易哈希|哈希|交易ID|交易号|交易编号|区块浏览器|トランザクション|ハッシュ|取引ID|트랜잭션|해시|거래\s*ID"
    r"|معامل[ةه]|المعامل[ةه]|هاش|الهاش|تجزئة",
    re.IGNORECASE,
)
_KEY_WORDS = re.compile(
    words(
        r"private[\s_-]*keys?", r"priv[\s_-]*keys?", r"privkey", r"приватн[а-яё]*\s+ключ[а-яё]*",
        r"закрыт[а-яё]*\s+ключ[а-яё]*", r"clave\s+privada", r"chave\s+privada",
    )
    + r"|私钥|私鑰|秘密鍵|プライベートキー|개인\s*키|프라이빗\s*키|المفتاح\s+الخاص|مفتاح\s*خاص|مفتاحي\s+الخاص",
    re.IGNORECASE,
)


def find_extended_keys(text: str) -> Iterator[Span]:
    for match in _EXTENDED_KEY.finditer(text):
        yield Span(match.start(), match.end(), SecretKind.EXTENDED_PRIVATE_KEY)


def find_base58_keys(text: str) -> Iterator[Span]:
    """WIF keys always; 64-byte base58 unless it is a transaction signature (see ``_is_kept_hash``)."""
    for match in _WIF.finditer(text):
        yield Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)
    for match in _BASE58_64_BYTES.finditer(text):
        if not _is_kept_hash(text, match.start()):
            yield Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)


def find_hex_keys(text: str) -> Iterator[Span]:
    """64-byte hex always; 32-byte hex unless it is a transaction hash (see ``_is_kept_hash``)."""
    for match in _HEX_64_BYTES.finditer(text):
        yield Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)
    for match in _HEX_32_BYTES.finditer(text):
        if not _is_kept_hash(text, match.start()):
            yield Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)


def _is_kept_hash(text: str, position: int) -> bool:
    """A hash is kept inside a block-explorer link, or when the message talks about a transaction
    and says nothing about private keys."""
    for url in _URL.finditer(text):
        if url.start() <= position < url.end() and _EXPLORER_URL.search(url.group()):
            return True
    return _TX_WORDS.search(text) is not None and _KEY_WORDS.search(text) is None
