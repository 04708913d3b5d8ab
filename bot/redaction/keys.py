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


# Stellar secret seeds: "S" and 55 more base32 characters (public account ids start with "G").
_STELLAR_SECRET = re.compile(rf"{NOT_ALNUM_BEFORE}S[A-Z2-7]{{55}}{NOT_ALNUM_AFTER}")
_URL = re.compile(
    r"https?://\S+|(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:io|com|org|net|info|space)/\S+", re.IGNORECASE
)
_EXPLORER_URL = re.compile(r"scan|explorer|blockchair|mempool|blockstream|/txs?/|/transaction", re.IGNORECASE)
# A label written right before the value that names a transaction hash or signature: "txid:", "tx hash
# is", "交易哈希", "хеш транзакции". A bare "transaction" is not one ("the key for the transaction: ...").
_TX_LABEL = re.compile(
    "(?:"
    + words(
        r"tx(?:id|n|hash)?(?:[\s_-]*(?:id|hash))?", r"hash(?:es)?", r"transaction[\s_-]*(?:hash|id)",
        r"transfer\s+id", r"signature", r"sig", r"hash\s+de\s+(?:la\s+)?transacci[oó]n",
        r"id\s+de\s+(?:la\s+)?transacci[oó]n", r"hash\s+da\s+transa[cç][aã]o", r"id\s+da\s+transa[cç][aã]o",
        r"х[еэ]ш[а-яё]*(?:\s+транзакци[а-яё]*)?", r"ид(?:ентификатор[а-яё]*)?\s+транзакци[а-яё]*",
        r"подпис[а-яё]*",
    )
    + r"|交易哈希|哈希值?|交易ID|交易号|交易编号|签名|トランザクション(?:ハッシュ|ID)|ハッシュ|取引ID|署名"
    r"|트랜잭션\s*(?:해시|ID)|해시|거래\s*ID|서명"
    r"|(?:ال)?هاش(?:\s+(?:ال)?معامل[ةه])?|تجزئة|(?:رقم|معرف)\s+(?:ال)?معامل[ةه]"
    r")[\s:=：#\"'«「(（\-–—]*(?:(?:is|was|es|era|é|это|是|为|は|が|는|은|هو|هي)[\s:=：\"'«「]*)?$",
    re.IGNORECASE,
)
# Anything in the message that says "key": the safer reading of an unlabelled hash.
_KEY_WORDS = re.compile(
    words(
        r"(?:private|priv|wallet|secret)?[\s_-]*keys?", r"privkey", r"ключ[а-яё]*", r"clave", r"chave",
    )
    + r"|钥|鑰|鍵|キー(?!ボード)|키(?!보드|우)|(?:ال)?مفتاح\w*",
    re.IGNORECASE,
)
# A message about moving coins: an unlabelled hash in it is a transaction hash (unless "key" is said).
_TX_WORDS = re.compile(
    words(
        r"tx(?:id|n|s|hash|es)?", r"hash(?:es)?", r"transactions?", r"transfers?", r"explorer", r"deposit(?:s|ed)?",
        r"withdraw(?:al|als|n|s)?", r"sent", r"received", r"arrived", r"credited", r"confirm(?:ed|ations?)",
        r"transacci[oó]n(?:es)?", r"transa[cç](?:ão|ao|ões|oes)", r"transfer[eê]ncia", r"transferencia",
        r"dep[oó]sito", r"retiro", r"saque", r"explorador", r"транзакци[а-яё]*", r"х[еэ]ш[а-яё]*",
        r"обозревател[а-яё]*", r"депозит[а-яё]*", r"пополнени[а-яё]*", r"вывод[а-яё]*", r"перевод[а-яё]*",
    )
    + r"|交易|哈希|区块浏览器|充值|充币|提币|提现|到账|转账|トランザクション|ハッシュ|取引ID|入金|出金|送金|着金"
    r"|트랜잭션|해시|거래\s*ID|입금|출금|송금"
    r"|معامل[ةه]|المعامل[ةه]|هاش|الهاش|تجزئة|(?:ال)?إيداع|(?:ال)?سحب|(?:ال)?تحويل",
    re.IGNORECASE,
)
_LABEL_REACH = 48  # characters before a value searched for its label


def find_extended_keys(text: str) -> Iterator[Span]:
    for match in _EXTENDED_KEY.finditer(text):
        yield Span(match.start(), match.end(), SecretKind.EXTENDED_PRIVATE_KEY)


def find_base58_keys(text: str) -> Iterator[Span]:
    """WIF keys and Stellar secret seeds always; 64-byte base58 unless it is a transaction signature
    (see ``is_kept_hash``)."""
    for pattern in (_WIF, _STELLAR_SECRET):
        for match in pattern.finditer(text):
            yield Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)
    for match in _BASE58_64_BYTES.finditer(text):
        if not is_kept_hash(text, match.start(), unlabelled_is_hash=False):
            yield Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)


def find_hex_keys(text: str) -> Iterator[Span]:
    """64-byte hex always; 32-byte hex unless it is a transaction hash (see ``is_kept_hash``)."""
    for match in _HEX_64_BYTES.finditer(text):
        yield Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)
    for match in _HEX_32_BYTES.finditer(text):
        prefixed = match.group().startswith(("0x", "0X"))
        if not is_kept_hash(text, match.start(), unlabelled_is_hash=prefixed):
            yield Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)


def is_kept_hash(text: str, position: int, *, unlabelled_is_hash: bool) -> bool:
    """Whether the hash-shaped value at ``position`` is a transaction hash (kept) rather than a key.

    In order: inside a block-explorer link, or right after a transaction-hash label ("txid:"), it is a
    hash; otherwise, if the message says "key" anywhere, it is a key; otherwise, if the message is
    about moving coins (deposit, withdrawal, transaction), it is a hash; otherwise
    ``unlabelled_is_hash`` decides. A key taken for a hash costs the user their funds, a hash taken for
    a key costs the agent one question, so only the "0x" form of an unlabelled 32-byte hex is kept:
    that is how wallets and explorers copy an EVM transaction hash, while wallets export private keys
    without it (MetaMask, Trust Wallet), and a bare BTC or TRON txid is rarely pasted without a word.
    """
    for url in _URL.finditer(text):
        if url.start() <= position < url.end() and _EXPLORER_URL.search(url.group()):
            return True
    line_start = text.rfind("\n", 0, position) + 1
    if _TX_LABEL.search(text, max(line_start, position - _LABEL_REACH), position):
        return True
    if _KEY_WORDS.search(text):
        return False
    if _TX_WORDS.search(text):
        return True
    return unlabelled_is_hash
