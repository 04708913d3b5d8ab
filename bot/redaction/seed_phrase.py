"""Seed phrases: runs of 12 to 24 words from one of the twelve BIP-39 wordlists of the ``mnemonic``
package (read once, on first use), spaced, comma- or newline-separated, numbered, or, in Chinese,
written without separators."""

import functools
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from mnemonic import Mnemonic

from bot.redaction.data import word_table
from bot.redaction.spans import SecretKind, Span


@dataclass(frozen=True, slots=True)
class _Wordlist:
    name: str
    index: dict[str, int]  # normalised word -> position in the list (the BIP-39 value)
    is_han: bool  # Chinese lists: one character per word, often typed without separators


_SEED_LENGTHS = (24, 21, 18, 15, 12)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]|(?:(?![{_HAN}])[^\W\d_]|[\u0300-\u036f\u3099\u309a])+")
# What may stand between two seed words: spaces (also U+3000), commas, newlines, "1." / "2)" numbering.
_GAP = re.compile(r"(?:[\s,，、;；.．。·•・|/\-–—:：()（）\[\]#*\"'«»「」]|(?<!\d)\d{1,2}(?!\d))*")
_MAX_GAP = 16
_NUMBERING_BEFORE = re.compile(r"(?<!\d)[(（]?\d{1,2}[.)）:：、]\s*$")
# Ordinary Chinese sentences are almost entirely made of the 2048 most frequent characters, which is
# the Chinese wordlist, so unspaced runs are cut at common words and must look random (mean rank).
_HAN_MIN_MEAN_RANK = 500  # a random phrase averages 1023 (sigma 171 for 12 words)
_HAN_MIN_MEAN_RANK_NAMED = 300  # when the message names a seed phrase ("助记词", "seed", ...)
_SEED_WORDS = re.compile(r"助记词|助記詞|种子|種子|恢复短语|恢复词|备份词|seed|mnemonic|recovery\s+phrase", re.IGNORECASE)


@functools.cache
def _zh_common_words() -> frozenset[str]:
    """Frequent Chinese words; an unspaced run of wordlist characters is cut at them."""
    return frozenset(word_table("seed_phrase", "zh_common_words"))


@functools.cache
def _zh_common_max_len() -> int:
    return max(len(word) for word in _zh_common_words())


def _word_key(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word).casefold().replace("ı", "i")
    return "".join(ch for ch in folded if not "\u0300" <= ch <= "\u036f")


@functools.cache
def _wordlists() -> tuple[_Wordlist, ...]:
    lists = []
    for name in sorted(Mnemonic.list_languages()):
        index: dict[str, int] = {}
        for position, word in enumerate(Mnemonic(name).wordlist):
            index.setdefault(_word_key(word), position)
        lists.append(_Wordlist(name=name, index=index, is_han=name.startswith("chinese")))
    return tuple(lists)


@functools.cache
def _filler_keys() -> frozenset[str]:
    """Chat words that may sit next to a pasted phrase and happen to be in a wordlist; only ever
    trimmed from the edges of a run when what remains is a phrase with a valid checksum."""
    return frozenset(_word_key(word) for word in word_table("seed_phrase", "filler_words"))


def _has_valid_checksum(indices: list[int]) -> bool:
    count = len(indices)
    if count not in _SEED_LENGTHS:
        return False
    bits = 0
    for index in indices:
        bits = (bits << 11) | index
    checksum_bits = count // 3
    entropy = (bits >> checksum_bits).to_bytes((count * 11 - checksum_bits) // 8, "big")
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    return expected == bits & ((1 << checksum_bits) - 1)


def _phrase_windows(indices: list[int], keys: list[str]) -> list[tuple[int, int]]:
    """Which part of a run of wordlist words is the phrase: the whole run unless filler words at its
    edges can be dropped to leave a phrase with a valid checksum (a typo'd phrase stays whole)."""
    count = len(indices)
    if count in _SEED_LENGTHS and _has_valid_checksum(indices):
        return [(0, count)]
    fillers = _filler_keys()
    for length in (n for n in _SEED_LENGTHS if n < count):
        windows = [
            (start, start + length)
            for start in range(count - length + 1)
            if all(key in fillers for key in keys[:start] + keys[start + length :])
            and _has_valid_checksum(indices[start : start + length])
        ]
        if windows:
            return windows
    return [(0, count)]


def find_seed_phrases(text: str) -> Iterator[Span]:
    """Runs of 12+ words from one wordlist, linked only by separators (spaces, commas, numbering)."""
    tokens = list(_TOKEN.finditer(text))
    keys = [_word_key(token.group()) for token in tokens]
    gaps = [""] + [text[prev.end() : cur.start()] for prev, cur in itertools.pairwise(tokens)]
    linked = [False] + [len(gap) <= _MAX_GAP and _GAP.fullmatch(gap) is not None for gap in gaps[1:]]
    joined = [gap == "" for gap in gaps]
    min_mean_rank = _HAN_MIN_MEAN_RANK_NAMED if _SEED_WORDS.search(text) else _HAN_MIN_MEAN_RANK
    found: list[tuple[int, int]] = []
    for wordlist in _wordlists():
        run: list[int] = []
        for pos, key in enumerate([*keys, ""]):
            if key in wordlist.index and run and linked[pos]:
                run.append(pos)
                continue
            candidates = [run]
            if wordlist.is_han:
                candidates = list(_han_candidates(run, keys, joined, wordlist, min_mean_rank))
            for segment in candidates:
                if len(segment) < min(_SEED_LENGTHS):
                    continue
                ranks = [wordlist.index[keys[token]] for token in segment]
                for first, last in _phrase_windows(ranks, [keys[token] for token in segment]):
                    start = tokens[segment[first]].start()
                    numbering = _NUMBERING_BEFORE.search(text, 0, start)
                    found.append((numbering.start() if numbering else start, tokens[segment[last - 1]].end()))
            run = [pos] if key in wordlist.index else []
    # Runs from different lists (simplified and traditional Chinese share most characters) overlap.
    merged: list[list[int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        yield Span(start, end, SecretKind.SEED_PHRASE)


def _han_candidates(
    run: list[int], keys: list[str], joined: list[bool], wordlist: _Wordlist, min_mean_rank: int
) -> Iterator[list[int]]:
    """Parts of a run of Chinese-wordlist characters that can be a phrase: cut at common words
    written together (``joined``); an unspaced part must also look random (high mean rank). A window
    with a valid checksum that touches at most one common word is kept whole, so a phrase that happens
    to contain a common word ("今天") is not cut in two."""
    common_words, max_len = _zh_common_words(), _zh_common_max_len()
    common = [
        (pos, pos + length)
        for pos in range(len(run))
        for length in range(2, max_len + 1)
        if pos + length <= len(run)
        and all(joined[run[i]] for i in range(pos + 1, pos + length))
        and "".join(keys[run[i]] for i in range(pos, pos + length)) in common_words
    ]
    in_common = {i for start, end in common for i in range(start, end)}

    def looks_random(segment: list[int]) -> bool:
        spaced = sum(not joined[token] for token in segment[1:])
        mean_rank = sum(wordlist.index[keys[token]] for token in segment) / max(len(segment), 1)
        return spaced * 3 >= (len(segment) - 1) * 2 or mean_rank >= min_mean_rank

    segment: list[int] = []
    for pos, token in enumerate(run):
        if pos in in_common:
            if looks_random(segment):
                yield segment
            segment = []
        else:
            segment.append(token)
    if looks_random(segment):
        yield segment
    for length in _SEED_LENGTHS:
        for start in range(len(run) - length + 1):
            window = run[start : start + length]
            hits = sum(first < start + length and start < last for first, last in common)
            if (
                hits <= 1
                and looks_random(window)
                and _has_valid_checksum([wordlist.index[keys[token]] for token in window])
            ):
                yield window
