"""Query-file readers: column names, NONE, extra columns, quoting, and errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.datasets import (
    load_bot_queries,
    load_escalation_queries,
    load_retrieval_queries,
    question_set_files,
    sample_evenly,
)
from eval.errors import DatasetError


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_retrieval_reader_accepts_either_gold_column_and_none(tmp_path: Path) -> None:
    a = write(tmp_path / "a.tsv", "qid\tlang\ttext\tgold_article_id", "1\ten\thi\tcard", "2\ten\tyo\tNONE")
    b = write(tmp_path / "b.tsv", "qid\tlang\ttext\tgold_slug\tvariety", "1\tAR\tمرحبا\tcard\tmsa")
    assert [q.gold for q in load_retrieval_queries(a)] == ["card", None]
    (row,) = load_retrieval_queries(b)
    assert (row.lang, row.variety, row.gold, row.escalate) == ("ar", "msa", "card", None)


def test_reader_ignores_extra_columns_and_reads_quoted_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path / "q.tsv",
        "extra\tqid\tlang\ttext\tgold_slug\tescalate\tkind\tnote",
        'x\t1\ten\t"say ""hi""\tthere"\treset-password\t0\tin_scope\tanything',
    )
    (row,) = load_bot_queries(path)
    assert row.text == 'say "hi"\tthere'
    assert (row.gold, row.escalate, row.kind) == ("reset-password", False, "in_scope")
    assert row.where == f"{path}:2"


def test_missing_column_names_file_and_header_line(tmp_path: Path) -> None:
    path = write(tmp_path / "q.tsv", "qid\tlang\ttext", "1\ten\thi")
    with pytest.raises(DatasetError, match=r"q\.tsv:1: missing column\(s\): gold_article_id or gold_slug"):
        load_retrieval_queries(path)
    with pytest.raises(DatasetError, match=r"q\.tsv:1: missing column\(s\): escalate"):
        load_escalation_queries(path)


def test_bad_values_name_the_line(tmp_path: Path) -> None:
    bad_flag = write(tmp_path / "e.tsv", "qid\tlang\ttext\tescalate", "1\ten\thi\t0", "2\ten\tyo\tyes")
    with pytest.raises(DatasetError, match=r"e\.tsv:3: column 'escalate' must be 0 or 1"):
        load_escalation_queries(bad_flag)
    bad_kind = write(
        tmp_path / "b.tsv", "qid\tlang\ttext\tgold_slug\tescalate\tkind", "1\ten\thi\tNONE\t0\tchitchat"
    )
    with pytest.raises(DatasetError, match=r"b\.tsv:2: kind must be one of"):
        load_bot_queries(bad_kind)
    empty_text = write(tmp_path / "t.tsv", "qid\tlang\ttext\tgold_slug", "1\ten\t\tcard")
    with pytest.raises(DatasetError, match=r"t\.tsv:2: empty 'text'"):
        load_retrieval_queries(empty_text)


def test_missing_file_is_a_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such query file"):
        load_retrieval_queries(tmp_path / "absent.tsv")


def test_escalation_reader_reads_optional_hard_negative(tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.tsv",
        "qid\tlang\ttext\tintent\tescalate\thard_negative",
        "1\ten\thi\tx\t1\t0",
        "2\ten\tyo\ty\t0\t1",
    )
    rows = load_escalation_queries(path)
    assert [(r.escalate, r.hard_negative) for r in rows] == [(True, False), (False, True)]


def test_project_question_set_loads() -> None:
    files = question_set_files()
    assert len(files) == 8
    rows = [q for f in files for q in load_bot_queries(f)]
    assert len(rows) == 400
    assert {q.kind for q in rows} == {"in_scope", "security", "human_request", "out_of_scope"}


def test_sample_evenly_is_stratified_and_stable() -> None:
    rows = list(range(10))
    assert sample_evenly(rows, 5) == [0, 2, 4, 6, 8]
    assert sample_evenly(rows, None) == rows
    assert sample_evenly(rows, 20) == rows
