"""Query files: tab-separated with a header row, read with ``csv.DictReader`` (quoted fields work).

Extra columns are ignored. The gold article may be called ``gold_article_id`` (benchmark files) or
``gold_slug`` (the project's question set); ``NONE`` means nothing should be answered. Errors name
the file and, for bad values, the line.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from eval.errors import DatasetError

T = TypeVar("T")

NONE = "NONE"
GOLD_COLUMNS = ("gold_article_id", "gold_slug")
KINDS = ("in_scope", "security", "human_request", "out_of_scope")
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
            if "kind" in required and kind not in KINDS:
                raise DatasetError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
            rows.append(
                Query(
                    qid=row["qid"].strip(),
                    lang=row["lang"].strip().lower(),
                    text=row["text"],
                    gold=None if gold_value in ("", NONE) else gold_value,
                    variety=(row.get("variety") or "").strip() or None,
                    escalate=_flag(row.get("escalate"), "escalate", where) if "escalate" in header else None,
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
