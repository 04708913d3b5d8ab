"""The word tables of the detectors, kept as JSON files in ``bot/redaction/data/`` and read on first use."""

import functools
import json
from importlib import resources


@functools.cache
def word_table(file: str, name: str) -> tuple[str, ...]:
    """The list ``name`` of ``data/<file>.json``, in file order."""
    text = resources.files("bot.redaction").joinpath("data", f"{file}.json").read_text(encoding="utf-8")
    words = json.loads(text)[name]
    return tuple(str(word) for word in words)
