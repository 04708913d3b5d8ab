"""The project's own labelled questions (``eval/data/questions_<lang>.tsv``) and their stable
fit/report split.

Rows are grouped by (language, kind); each group is ordered by the sha256 of the normalised text
(NFKC, case-folded, whitespace collapsed; the row id breaks ties) and the ordered rows alternate
``fit``, ``report``, ``fit``, ...; the last row of an odd-sized group goes to ``fit`` when the first
byte of its hash is below 128, else to ``report``. Anything the bot fits (the confidence
calibration) sees only ``fit`` rows; every published figure comes from ``report``. ``eval.datasets``
uses the same function, so the benchmarks and the bot can never disagree about the halves.
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, get_args

Split = Literal["fit", "report"]
SPLITS: tuple[Split, ...] = get_args(Split)


def normalise_text(text: str) -> str:
    """The form of a message that the split hashes: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def split_digest(text: str) -> bytes:
    """sha256 of the normalised text: the order the split uses inside a (language, kind) group."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).digest()


def assign_halves(keys: Sequence[tuple[str, str, str, str]]) -> list[Split]:
    """The half of each ``(lang, kind, text, qid)``, in the order given."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (lang, kind, _, _) in enumerate(keys):
        groups.setdefault((lang, kind), []).append(i)
    digests = [split_digest(text) for _, _, text, _ in keys]
    splits: list[Split] = ["fit"] * len(keys)
    for members in groups.values():
        ranked = sorted(members, key=lambda i: (digests[i], keys[i][3]))
        for rank, i in enumerate(ranked):
            if rank == len(ranked) - 1 and rank % 2 == 0:
                splits[i] = "fit" if digests[i][0] < 128 else "report"
            else:
                splits[i] = SPLITS[rank % 2]
    return splits


def load_question_rows(folder: Path) -> list[dict[str, str]]:
    """Every row of every ``questions_*.tsv`` in ``folder`` (columns as in the file header)."""
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("questions_*.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f, delimiter="\t"))
    return rows


def fit_half(rows: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """The rows of the ``fit`` half (pass whole files: the split is computed over the rows given)."""
    keys = [(r.get("lang", ""), r.get("kind", ""), r.get("text", ""), r.get("qid", "")) for r in rows]
    return [r for r, half in zip(rows, assign_halves(keys), strict=True) if half == "fit"]


def rows_digest(rows: Sequence[dict[str, str]]) -> str:
    """sha256 over the ids and texts of ``rows``: what a fitted calibration was fitted on."""
    h = hashlib.sha256()
    for r in rows:
        h.update(f"{r.get('qid', '')}\t{r.get('text', '')}\n".encode())
    return h.hexdigest()
