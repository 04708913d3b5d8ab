"""Query-file readers (column names, NONE, extra columns, quoting, errors naming file and line), the
project's question set (size, kinds, topics, hand-written wording) and its fit/report split."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from eval.datasets import (
    KINDS,
    SPLITS,
    Query,
    assign_splits,
    load_bot_queries,
    load_escalation_queries,
    load_retrieval_queries,
    question_set_files,
    sample_evenly,
    select_split,
    split_digest,
)
from eval.errors import DatasetError

LANGS = ("en", "zh", "ja", "ko", "ru", "es", "pt", "ar")
KB = Path(__file__).resolve().parents[1] / "kb_articles"
# per language, at least (issue 10, Build 4)
MIN_ROWS = 110
MIN_KIND = {"security": 15, "smalltalk": 12, "vague": 12, "human_request": 5, "out_of_scope": 8}
MIN_PER_TOPIC = 3


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


def test_smalltalk_and_vague_rows_with_an_article_or_escalation_name_the_line(tmp_path: Path) -> None:
    header = "qid\tlang\ttext\tgold_slug\tescalate\tkind"
    ok = write(tmp_path / "ok.tsv", header, "1\ten\thi\tNONE\t0\tsmalltalk", "2\ten\thelp\tNONE\t0\tvague")
    assert [(q.kind, q.gold, q.escalate) for q in load_bot_queries(ok)] == [
        ("smalltalk", None, False),
        ("vague", None, False),
    ]
    with_article = write(
        tmp_path / "a.tsv", header, "1\ten\thi\tNONE\t0\tsmalltalk", "2\ten\tthx\tcard\t0\tsmalltalk"
    )
    with pytest.raises(DatasetError, match=r"a\.tsv:3: a smalltalk row must have gold NONE and escalate 0"):
        load_bot_queries(with_article)
    escalated = write(tmp_path / "e.tsv", header, "1\ten\thelp\tNONE\t1\tvague")
    with pytest.raises(DatasetError, match=r"e\.tsv:2: a vague row must have gold NONE and escalate 0"):
        load_bot_queries(escalated)


def test_unknown_kind_is_an_error_whichever_reader_reads_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "k.tsv", "qid\tlang\ttext\tescalate\tkind", "1\ten\thi\t0\tgreeting")
    with pytest.raises(
        DatasetError, match=r"k\.tsv:2: kind must be one of .*smalltalk, vague, got 'greeting'"
    ):
        load_escalation_queries(path)


def _question_set() -> list[Query]:
    return [q for f in question_set_files() for q in load_bot_queries(f)]


def _slugs() -> dict[str, str]:
    """slug -> escalate level in the English articles' front matter ("none", "high", "urgent")."""
    return {
        p.stem: tomllib.loads(p.read_text(encoding="utf-8").split("+++")[1])["escalate"]
        for p in sorted((KB / "en").glob("*.md"))
    }


def test_project_question_set_has_every_kind_in_every_language() -> None:
    files = question_set_files()
    assert [f.name for f in files] == sorted(f"questions_{lang}.tsv" for lang in LANGS)
    rows = _question_set()
    qids = [q.qid for q in rows]
    assert len(set(qids)) == len(qids)
    for lang in LANGS:
        mine = [q for q in rows if q.lang == lang]
        assert len(mine) >= MIN_ROWS, lang
        assert {f"{lang}-{n:03d}" for n in range(1, 51)} <= {q.qid for q in mine}, "the first 400 rows stay"
        kinds = Counter(q.kind for q in mine)
        assert set(kinds) == set(KINDS), lang
        short = {kind: kinds[kind] for kind, least in MIN_KIND.items() if kinds[kind] < least}
        assert short == {}, lang


def test_project_question_set_labels_follow_the_articles_escalation() -> None:
    slugs = _slugs()
    for q in _question_set():
        assert q.gold is None or q.gold in slugs, q.where
        if q.kind == "security":
            # the escalating articles, and phishing-and-scams for a victim who gave away codes or a seed
            assert q.escalate and q.gold is not None, q.where
            assert slugs[q.gold] != "none" or q.gold == "phishing-and-scams", q.where
        else:
            assert not q.escalate, q.where
        if q.kind == "in_scope":
            # how-to questions about 2FA, anti-phishing codes, API keys, late reset e-mails are answered
            assert q.gold is not None and slugs[q.gold] == "none", q.where
        else:
            assert q.kind == "security" or q.gold is None, q.where


def test_project_question_set_covers_every_topic_in_every_language() -> None:
    rows = _question_set()
    for lang in LANGS:
        counts = Counter(q.gold for q in rows if q.lang == lang and q.gold)
        thin = {slug: counts[slug] for slug in _slugs() if counts[slug] < MIN_PER_TOPIC}
        assert thin == {}, lang
        # confusable pairs get more rows than the floor
        for slug in ("deposit-not-credited", "withdrawal-pending", "enable-2fa"):
            assert counts[slug] > MIN_PER_TOPIC, (lang, slug)


def _wording(text: str) -> str:
    """Case, width, punctuation, emoji and spacing ignored; text that is only punctuation kept as is."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", folded).strip() or "".join(folded.split())


def test_project_questions_are_hand_written_not_copied_or_repeated() -> None:
    rows = _question_set()
    examples = set()
    for path in KB.glob("*/*.md"):
        meta = tomllib.loads(path.read_text(encoding="utf-8").split("+++")[1])
        examples |= {_wording(q) for q in meta["example_questions"]}
    assert [q.qid for q in rows if _wording(q.text) in examples] == []
    repeated = [w for w, n in Counter(_wording(q.text) for q in rows).items() if n > 1]
    assert repeated == []


def q(qid: str, text: str, lang: str = "en", kind: str = "in_scope") -> Query:
    return Query(qid=qid, lang=lang, text=text, kind=kind)


def test_split_depends_on_the_normalised_text_not_on_order() -> None:
    assert split_digest("Deposit  not\tarrived") == split_digest("deposit not arrived")
    assert split_digest("ＵＳＤＴ") == split_digest("usdt")
    rows = [q(str(i), f"message number {i}", kind=("in_scope", "vague")[i % 2]) for i in range(40)]
    halves = dict(zip((r.qid for r in rows), assign_splits(rows), strict=True))
    shuffled = rows[::-1][5:] + rows[::-1][:5]
    assert dict(zip((r.qid for r in shuffled), assign_splits(shuffled), strict=True)) == halves
    assert assign_splits(rows) == assign_splits(list(rows))


def test_split_puts_every_group_in_both_halves_even_when_small() -> None:
    rows = [
        q("a", "hi"),
        q("b", "hello"),
        q("c", "привет", lang="ru"),
        q("d", "ок", lang="ru"),
        q("e", "ayuda", lang="es", kind="vague"),
        q("f", "no funciona", lang="es", kind="vague"),
        q("g", "socorro", lang="es", kind="vague"),
    ]
    halves = assign_splits(rows)
    assert sorted(halves[:2]) == sorted(halves[2:4]) == ["fit", "report"]
    assert set(halves[4:]) == set(SPLITS)


def test_project_question_set_split_is_balanced_with_every_kind_in_both_halves() -> None:
    rows = _question_set()
    halves = assign_splits(rows)
    for lang in LANGS:
        mine = [(r, h) for r, h in zip(rows, halves, strict=True) if r.lang == lang]
        fit = sum(h == "fit" for _, h in mine)
        assert abs(fit - (len(mine) - fit)) <= len(KINDS), lang
        for kind in KINDS:
            assert {h for r, h in mine if r.kind == kind} == set(SPLITS), (lang, kind)
    per_file = [h for f in question_set_files() for h in assign_splits(load_bot_queries(f))]
    assert per_file == halves  # one file at a time gives the same split as all files


def test_select_split_partitions_the_rows_and_rejects_unknown_names() -> None:
    rows = _question_set()
    fit, report = select_split(rows, "fit"), select_split(rows, "report")
    assert len(fit) + len(report) == len(rows)
    assert {r.qid for r in fit}.isdisjoint(r.qid for r in report)
    assert select_split(rows, "all") == rows
    with pytest.raises(DatasetError, match="split must be one of fit, report, all"):
        select_split(rows, "test")


def test_sample_evenly_is_stratified_and_stable() -> None:
    rows = list(range(10))
    assert sample_evenly(rows, 5) == [0, 2, 4, 6, 8]
    assert sample_evenly(rows, None) == rows
    assert sample_evenly(rows, 20) == rows
