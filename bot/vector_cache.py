"""Arrays that start-up loads instead of computing, saved beside the index as ``.npz`` files.

Each file carries the sha256 ``key`` of everything its arrays were computed from (the model, the
backend, every input text); a file whose key differs, or that is torn or foreign, is a miss and the
caller computes and saves again. Writes are atomic (a temporary file, then ``os.replace``), so a
crash leaves the old file or none, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np


def cache_key(parts: Iterable[str]) -> str:
    """sha256 over ``parts`` in order (NUL-separated, so ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def load_arrays(path: Path, key: str, names: Iterable[str]) -> dict[str, np.ndarray] | None:
    """The arrays ``names`` saved in ``path`` under ``key``; None for a miss or a bad file."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as f, np.load(f, allow_pickle=False) as saved:
            if str(saved["key"]) != key:
                return None
            return {name: np.asarray(saved[name]) for name in names}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # a torn or foreign file: compute again and overwrite it


def save_arrays(path: Path, key: str, **arrays: np.ndarray) -> None:
    """Write ``arrays`` and ``key`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    with tmp.open("wb") as f:
        np.savez(f, key=np.array(key), **arrays)  # type: ignore[arg-type]
    os.replace(tmp, path)
