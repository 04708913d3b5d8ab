"""Query files: tab-separated with a header row, read with ``csv.DictReader`` (quoted fields work).

Extra columns are ignored. The gold article may be called ``gold_article_id`` (benchmark files) or
``gold_slug`` (the project's question set); ``NONE`` means nothing should be answered. Errors name
the file and, for bad values, the line.

Kinds of the project's question set (column ``kind``; checked whenever a file has that column):
``in_scope`` (an article answers it), ``security`` (an emergency: ``escalate=1`` and the escalating
article), ``human_request``, ``out_of_scope``, ``smalltalk`` (greetings, thanks, goodbyes, "ok") and
``vague`` (too little to go on: "help", "it doesn't work"). Smalltalk and vague rows must have gold
``NONE`` and ``escalate=0``: no article should be answered and nobody should be paged.

Fit/report split (:func:`assign_splits`, :func:`select_split`): rows are grouped by (language, kind),
each group is ordered by the sha256 of the normalised text (NFKC, case-folded, whitespace collapsed;
qid breaks ties), and the ordered rows alternate ``fit``, ``report``, ``fit``, ...; the last row of an
odd-sized group goes to ``fit`` when the first byte of its hash is below 128, else to ``report``. So
every kind of every language is split evenly (to one row) and each half has rows of every kind,
which a plain "first byte < 128" rule does not give on groups of 6-15 rows (on this set it put all
9 Spanish out_of_scope rows in ``report``). The split depends only on the texts, never on file
order or a random seed, and a group lies inside one language, so one file or all the files give the
same split. Adding or editing rows may move rows of the same group to the other half: anything
tuned (thresholds, calibration) is fitted on ``fit`` at run time and every published figure comes
from ``report``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.question_set import SPLITS, Split, assign_halves
from bot.question_set import normalise_text as normalise_text  # re-exported
from bot.question_set import split_digest as split_digest  # re-exported
from eval.errors import DatasetError

T = TypeVar("T")

NONE = "NONE"
GOLD_COLUMNS = ("gold_article_id", "gold_slug")
KINDS = ("in_scope", "security", "human_request", "out_of_scope", "smalltalk", "vague")
NO_ARTICLE_KINDS = ("smalltalk", "vague")  # gold NONE and escalate 0, checked on read
QUESTION_SET = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class Query:
    """One labelled message. Optional labels are None when the file has no such column."""

    qid: str
    lang: str
    text: str
    gold: str | None = None  # the gold article; None: nothing should be answered (or no column)
    variety: str | None = None
    escalate: bool | None = None
    hard_negative: bool | None = None
    kind: str | None = None
    where: str = ""  # "<file>:<line>"


def _flag(value: str | None, column: str, where: str) -> bool:
    if value is None or value.strip() not in ("0", "1"):
        raise DatasetError(f"{where}: column {column!r} must be 0 or 1, got {value!r}")
    return value.strip() == "1"


def read_queries(path: Path | str, required: Sequence[str], *, gold: bool = False) -> list[Query]:
    """Read a query file.

    :param required: columns besides ``qid, lang, text`` that must be present.
    :param gold: a gold-article column (``gold_article_id`` or ``gold_slug``) is required.
    :raises DatasetError: the file is missing, a column is missing, or a value is bad.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such query file")
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        header = [c.strip() for c in reader.fieldnames or ()]
        reader.fieldnames = header
        missing = [c for c in ("qid", "lang", "text", *required) if c not in header]
        gold_column = next((c for c in GOLD_COLUMNS if c in header), None)
        if gold and gold_column is None:
            missing.append(" or ".join(GOLD_COLUMNS))
        if missing:
            raise DatasetError(
                f"{path}:1: missing column(s): {', '.join(missing)} (header: {', '.join(header) or 'empty'})"
            )
        rows: list[Query] = []
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if all(not (v or "").strip() for k, v in row.items() if k is not None):
                continue  # a blank line
            for column in ("qid", "lang", "text"):
                if not (row.get(column) or "").strip():
                    raise DatasetError(f"{where}: empty {column!r}")
            gold_value = (row.get(gold_column) or "").strip() if gold_column else ""
            if gold_column and not gold_value:
                raise DatasetError(
                    f"{where}: empty {gold_column!r} (write NONE when nothing should be answered)"
                )
            kind = (row.get("kind") or "").strip() or None
            if "kind" in header and kind not in KINDS:
                raise DatasetError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
            escalate = _flag(row.get("escalate"), "escalate", where) if "escalate" in header else None
            gold_slug = None if gold_value in ("", NONE) else gold_value
            if kind in NO_ARTICLE_KINDS and (gold_slug is not None or escalate):
                raise DatasetError(
                    f"{where}: a {kind} row must have gold {NONE} and escalate 0, "
                    f"got gold {gold_value!r} and escalate {int(bool(escalate))}"
                )
            rows.append(
                Query(
                    qid=row["qid"].strip(),
                    lang=row["lang"].strip().lower(),
                    text=row["text"],
                    gold=gold_slug,
                    variety=(row.get("variety") or "").strip() or None,
                    escalate=escalate,
                    hard_negative=(
                        _flag(row.get("hard_negative"), "hard_negative", where)
                        if "hard_negative" in header
                        else None
                    ),
                    kind=kind,
                    where=where,
                )
            )
    return rows


def load_retrieval_queries(path: Path | str) -> list[Query]:
    """``qid, lang, text, gold_article_id`` (or ``gold_slug``), optional ``variety``."""
    return read_queries(path, (), gold=True)


def load_escalation_queries(path: Path | str) -> list[Query]:
    """``qid, lang, text, escalate``, optional ``hard_negative`` and ``variety``."""
    return read_queries(path, ("escalate",))


def load_bot_queries(path: Path | str) -> list[Query]:
    """``qid, lang, text, gold_article_id`` or ``gold_slug``, ``escalate``, ``kind``."""
    return read_queries(path, ("escalate", "kind"), gold=True)


def question_set_files(folder: Path = QUESTION_SET) -> list[Path]:
    """The project's own question set: ``eval/data/questions_<lang>.tsv``."""
    return sorted(folder.glob("questions_*.tsv"))


def sample_evenly(rows: Sequence[T], limit: int | None) -> list[T]:
    """Every (len/limit)-th row. Benchmark files are sorted by intent (and variety), so this is a
    proportional stratified sample, and the same one on every run."""
    if limit is None or limit >= len(rows):
        return list(rows)
    return [rows[i * len(rows) // limit] for i in range(limit)]


def assign_splits(rows: Sequence[Query]) -> list[Split]:
    """The half of each row, in the order given (stratified by language and kind; see the module
    doc). The algorithm lives in ``bot.question_set`` so that the bot's calibration fit and the
    benchmarks use the same halves."""
    return assign_halves([(q.lang, q.kind or "", q.text, q.qid) for q in rows])


def select_split(rows: Sequence[Query], split: str) -> list[Query]:
    """The rows of one half (``fit`` or ``report``), or all of them (``all``), in the order given.

    Pass whole files (before any sampling): the split is computed over the rows given.

    :raises DatasetError: ``split`` is none of those.
    """
    if split == "all":
        return list(rows)
    if split not in SPLITS:
        raise DatasetError(f"split must be one of {', '.join((*SPLITS, 'all'))}, got {split!r}")
    return [q for q, half in zip(rows, assign_splits(rows), strict=True) if half == split]
