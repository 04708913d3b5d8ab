"""Build the labelled redaction corpus (``eval/data/redaction/corpus.jsonl``) from the hand-written
sentence files of its parts: ``sentences_dev.tsv`` (rules were tuned on it), ``sentences_heldout.tsv``
(measured after round 1, then tuned on in round 2) and ``sentences_heldout2.tsv`` (written before round
2 and never tuned on).

A sentence marks a literal secret (or, in a negative row, a protected substring) with ``⟦...⟧`` and asks
for a generated value with a ``{slot}``: a seed phrase of a given wordlist, length and layout, a hex or
WIF key, an extended key, an API secret, a Luhn-valid card number, a transaction hash, a deposit address
of a given chain. Values are drawn from a generator seeded by the row id, so a rebuild gives the same
file byte for byte. Card numbers written by hand must pass the Luhn check.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mnemonic import Mnemonic
from mnemonic.mnemonic import b58encode

from eval.errors import DatasetError

DATA_DIR = Path(__file__).resolve().parent / "data" / "redaction"
CORPUS_PATH = DATA_DIR / "corpus.jsonl"
SPLITS = ("dev", "heldout", "heldout2")
FAMILIES = (
    "seed_phrase", "private_key", "extended_private_key", "api_secret", "password", "one_time_code",
    "card_number",
)  # fmt: skip
_MARK = re.compile(r"⟦(?P<literal>[^⟧]+)⟧|\{(?P<slot>[A-Za-z0-9_:]+)\}")
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_CARD_PREFIXES = {  # brand -> (IIN prefixes, length)
    "visa": (["4"], 16),
    "mc": (["51", "52", "53", "54", "55", "2221", "2720"], 16),
    "amex": (["34", "37"], 15),
    "jcb": (["3528", "3566", "3589"], 16),
    "unionpay": (["62"], 19),
    "mir": (["2200", "2202", "2204"], 16),
    "discover": (["6011"], 16),
}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


@dataclass(frozen=True, slots=True)
class Piece:
    """One marked value in a sentence: its text and, for seed phrases, the words that must not leak."""

    text: str
    units: tuple[str, ...]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _luhn_complete(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def _seed(rng: random.Random, wordlist: str, count: str, layout: str) -> Piece:
    entropy = rng.randbytes(int(count) * 4 // 3)
    words = [unicodedata.normalize("NFC", w) for w in Mnemonic(wordlist).to_mnemonic(entropy).split()]
    joins = {
        "space": " ".join(words),
        "comma": ", ".join(words),
        "newline": "\n".join(words),
        "nospace": "".join(words),
        "ideographic": "\u3000".join(words),
        "numbered_dot": "\n".join(f"{n}. {w}" for n, w in enumerate(words, 1)),
        "numbered_paren": " ".join(f"{n}) {w}" for n, w in enumerate(words, 1)),
    }
    return Piece(joins[layout], tuple(dict.fromkeys(words)))


def _base58check(payload: bytes) -> str:
    return b58encode(payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4])


def _extended(rng: random.Random, version: str, *, private: bool) -> str:
    """BIP-32 serialisation: version, depth, parent fingerprint, child number, chain code, key."""
    key = (b"\x00" if private else b"\x02") + rng.randbytes(32)
    return _base58check(bytes.fromhex(version) + b"\x00" * 9 + rng.randbytes(32) + key)


def _bech32(hrp: str, version: int, program: bytes) -> str:
    def polymod(values: list[int]) -> int:
        gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
        chk = 1
        for v in values:
            top = chk >> 25
            chk = (chk & 0x1FFFFFF) << 5 ^ v
            for i in range(5):
                chk ^= gen[i] if (top >> i) & 1 else 0
        return chk

    acc, bits, data = 0, 0, [version]
    for byte in program:
        acc, bits = (acc << 8) | byte, bits + 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    const = 1 if version == 0 else 0x2BC830A3
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    mod = polymod(expanded + data + [0] * 6) ^ const
    checksum = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[d] for d in data + checksum)


def _card(rng: random.Random, brand: str, layout: str) -> str:
    prefixes, length = _CARD_PREFIXES[brand]
    body = rng.choice(prefixes)
    body += "".join(rng.choice("0123456789") for _ in range(length - 1 - len(body)))
    digits = _luhn_complete(body)
    groups = {15: (4, 6, 5), 16: (4, 4, 4, 4), 19: (4, 4, 4, 4, 3)}[length]
    parts, pos = [], 0
    for size in groups:
        parts.append(digits[pos : pos + size])
        pos += size
    return {"space": " ".join(parts), "dash": "-".join(parts), "plain": digits}[layout]


def _api(rng: random.Random, length: int) -> str:
    while True:
        token = "".join(rng.choice(_ALNUM) for _ in range(length))
        if any(c.isupper() for c in token) and any(c.islower() for c in token) and any(c.isdigit() for c in token):
            return token


_SLOTS: dict[str, Callable[[random.Random, list[str]], str | Piece]] = {
    "seed": lambda rng, a: _seed(rng, a[0], a[1], a[2]),
    "key": lambda rng, a: {"hex": "", "0xhex": "0x", "HEX": ""}[a[0]]
    + (rng.randbytes(32).hex().upper() if a[0] == "HEX" else rng.randbytes(32).hex()),
    "tx": lambda rng, a: ("0x" if a[0] == "0xhex" else "") + rng.randbytes(32).hex(),
    "xprv": lambda rng, a: _extended(rng, "0488ade4", private=True),
    "yprv": lambda rng, a: _extended(rng, "049d7878", private=True),
    "zprv": lambda rng, a: _extended(rng, "04b2430c", private=True),
    "tprv": lambda rng, a: _extended(rng, "04358394", private=True),
    "xpub": lambda rng, a: _extended(rng, "0488b21e", private=False),
    "wif": lambda rng, a: _base58check(b"\x80" + rng.randbytes(32) + (b"\x01" if a[0] == "compressed" else b"")),
    "api": lambda rng, a: _api(rng, int(a[0])),
    "card": lambda rng, a: _card(rng, a[0], a[1]),
    "addr": lambda rng, a: {
        "eth": lambda: "0x" + rng.randbytes(20).hex(),
        "btc": lambda: _base58check(rng.choice([b"\x00", b"\x05"]) + rng.randbytes(20)),
        "bech32": lambda: _bech32("bc", 0, rng.randbytes(20)),
        "taproot": lambda: _bech32("bc", 1, rng.randbytes(32)),
        "tron": lambda: _base58check(b"\x41" + rng.randbytes(20)),
        "sol": lambda: b58encode(rng.randbytes(32)),
    }[a[0]](),
    "sig": lambda rng, a: b58encode(rng.randbytes(64)),
    "uuid": lambda rng, a: str(uuid.UUID(bytes=rng.randbytes(16), version=4)),
}


def _fill(template: str, rng: random.Random, row_id: str) -> tuple[str, list[Piece], list[tuple[int, int]]]:
    out: list[str] = []
    pieces: list[Piece] = []
    spans: list[tuple[int, int]] = []
    cursor = length = 0
    for match in _MARK.finditer(template):
        out.append(template[cursor : match.start()])
        length += match.start() - cursor
        if match.group("literal"):
            piece = Piece(match.group("literal"), (match.group("literal"),))
        else:
            name, *args = match.group("slot").split(":")
            if name not in _SLOTS:
                raise DatasetError(f"{row_id}: unknown slot {{{match.group('slot')}}}")
            value = _SLOTS[name](rng, args)
            piece = value if isinstance(value, Piece) else Piece(value, (value,))
        out.append(piece.text)
        pieces.append(piece)
        spans.append((length, length + len(piece.text)))
        length += len(piece.text)
        cursor = match.end()
    out.append(template[cursor:])
    return "".join(out), pieces, spans


def _sentences(path: Path) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            yield number, line.split("\t")


def build_rows(data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    """Every row of both halves, in file order: ``id``, ``split``, ``label`` (``secret`` or
    ``negative``), ``lang``, ``family`` (the secret family, or the negative's category), ``text``,
    ``secrets`` (what must not survive), ``secret_spans`` (where the secrets are in ``text``) and
    ``keep`` (what must survive unchanged: the marked values, or the whole text when none is)."""
    rows: list[dict[str, Any]] = []
    for split in SPLITS:
        path = data_dir / f"sentences_{split}.tsv"
        counters: dict[str, int] = {}
        for number, fields in _sentences(path):
            if len(fields) != 4 or fields[0] not in "+-":
                raise DatasetError(f"{path.name}:{number}: expected 4 tab-separated fields")
            sign, lang, family, template = fields
            counters[lang] = counters.get(lang, 0) + 1
            row_id = f"{split}-{lang}-{counters[lang]:03d}"
            rng = random.Random(hashlib.sha256(row_id.encode()).digest())
            text, pieces, spans = _fill(template.replace("\\n", "\n"), rng, row_id)
            is_secret = sign == "+"
            if is_secret and family not in FAMILIES:
                raise DatasetError(f"{path.name}:{number}: unknown family {family!r}")
            if is_secret and not pieces:
                raise DatasetError(f"{path.name}:{number}: no secret marked")
            if is_secret and family == "card_number":
                for piece in pieces:
                    digits = re.sub(r"[ -]", "", piece.text)
                    if not (digits.isdigit() and 13 <= len(digits) <= 19 and luhn_ok(digits)):
                        raise DatasetError(f"{path.name}:{number}: {piece.text} is not a Luhn-valid PAN")
            rows.append({
                "id": row_id,
                "split": split,
                "label": "secret" if is_secret else "negative",
                "lang": lang,
                "family": family,
                "text": text,
                "secrets": [u for p in pieces for u in p.units] if is_secret else [],
                "secret_spans": [list(s) for s in spans] if is_secret else [],
                # a negative with nothing marked must come through whole
                "keep": [] if is_secret else [p.text for p in pieces] or [text],
            })  # fmt: skip
    return rows


def write_corpus(rows: list[dict[str, Any]], path: Path = CORPUS_PATH) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def load_corpus(path: Path | str = CORPUS_PATH) -> list[dict[str, Any]]:
    """The rows of a corpus JSONL file.

    :raises DatasetError: when the file is missing or a row lacks a field.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such redaction corpus")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    needed = {"id", "split", "label", "lang", "family", "text", "secrets", "secret_spans", "keep"}
    for row in rows:
        if missing := needed - row.keys():
            raise DatasetError(f"{path}: row {row.get('id')} lacks {sorted(missing)}")
    return rows
