"""Knowledge-base loading and validation: every error names the file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from retrieval import ArticleFormatError, KnowledgeBaseError, load_articles
from retrieval.articles import CATEGORIES, kb_fingerprint, parse_body

from .conftest import KB, SHARED

LANGS = ("en", "zh", "ja", "ko", "ru", "es", "pt", "ar")


def _topics() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in (SHARED / "kb_topics.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", cells[0]) and cells[0] != "slug":
            rows[cells[0]] = (cells[1], cells[3] or "none")
    return rows


def test_real_kb_covers_every_topic_in_every_language() -> None:
    articles = load_articles(KB)
    topics = _topics()
    assert len(topics) == 42
    assert len(articles) == 42 * 8
    for a in articles:
        category, escalate = topics[a.slug]
        assert (a.category, a.escalate) == (category, escalate), a.source
        assert len(a.example_questions) >= 5, a.source
        assert a.summary and len(a.steps) >= 3, a.source
    assert {a.lang for a in articles} == set(LANGS)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_load_when_field_missing_names_file(tiny_kb: Path) -> None:
    path = tiny_kb / "en" / "reset-password.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^category = .*\n", "", text), encoding="utf-8")
    with pytest.raises(ArticleFormatError, match=r"reset-password\.md.*missing front-matter field.*category"):
        load_articles(tiny_kb)


def test_load_when_category_unknown_names_file(tiny_kb: Path) -> None:
    _edit(tiny_kb / "es" / "withdrawal-pending.md", 'category = "withdrawal"', 'category = "lottery"')
    with pytest.raises(ArticleFormatError, match=r"es/withdrawal-pending\.md.*unknown category 'lottery'"):
        load_articles(tiny_kb)


def test_load_when_escalate_unknown_names_file(tiny_kb: Path) -> None:
    _edit(tiny_kb / "en" / "deposit-not-credited.md", 'escalate = "none"', 'escalate = "asap"')
    with pytest.raises(ArticleFormatError, match=r"deposit-not-credited\.md.*unknown escalate value 'asap'"):
        load_articles(tiny_kb)


def test_load_when_slug_duplicated_names_both_files(tiny_kb: Path) -> None:
    (tiny_kb / "en" / "reset-password.md").rename(tiny_kb / "en" / "Reset-Password.md")
    (tiny_kb / "en" / "reset-password.md").write_text(
        (tiny_kb / "en" / "Reset-Password.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(ArticleFormatError, match=r"(?i)reset-password\.md.*duplicate slug"):
        load_articles(tiny_kb)


def test_load_when_translation_missing_names_missing_file(tiny_kb: Path) -> None:
    (tiny_kb / "es" / "withdrawal-pending.md").unlink()
    with pytest.raises(KnowledgeBaseError, match=r"es/withdrawal-pending\.md"):
        load_articles(tiny_kb)


def test_load_when_front_matter_is_bad_toml_names_file(tiny_kb: Path) -> None:
    _edit(tiny_kb / "en" / "reset-password.md", "title = ", "title == ")
    with pytest.raises(ArticleFormatError, match=r"reset-password\.md.*not valid TOML"):
        load_articles(tiny_kb)


def test_load_when_too_few_example_questions_names_file(tiny_kb: Path) -> None:
    path = tiny_kb / "en" / "reset-password.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"example_questions = \[.*?\]", 'example_questions = ["one", "two"]', text, flags=re.S)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ArticleFormatError, match=r"reset-password\.md.*at least 5"):
        load_articles(tiny_kb)


def test_load_when_no_steps_names_file(tiny_kb: Path) -> None:
    path = tiny_kb / "en" / "reset-password.md"
    path.write_text(re.sub(r"(?m)^\d+\. ", "- ", path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ArticleFormatError, match=r"reset-password\.md.*no numbered steps"):
        load_articles(tiny_kb)


def test_load_when_path_missing_raises() -> None:
    with pytest.raises(KnowledgeBaseError, match="no such knowledge base"):
        load_articles(Path("/nonexistent/kb"))


def test_load_jsonl_benchmark_format() -> None:
    articles = load_articles(SHARED / "benchmarks" / "retrieval" / "banking77_articles_kshot10.jsonl")
    assert len(articles) == 77
    urgent = {a.slug for a in articles if a.escalate == "urgent"}
    assert "compromised_card" in urgent
    assert all(len(a.example_questions) == 10 for a in articles)
    assert all(a.category in CATEGORIES for a in articles)


def test_load_jsonl_when_duplicate_article_id_names_line(tmp_path: Path) -> None:
    row = {"article_id": "a", "title": "A", "text": "A.\nq1", "example_questions": ["q1"], "lang": "en"}
    path = tmp_path / "kb.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(ArticleFormatError, match=r"kb\.jsonl:2: duplicate article_id 'a'"):
        load_articles(path)


def test_load_jsonl_when_line_is_not_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ArticleFormatError, match=r"kb\.jsonl:1: not valid JSON"):
        load_articles(path)


def test_parse_body_splits_summary_steps_and_sections() -> None:
    summary, steps, sections = parse_body(
        "Reset it from the login page.\n\n## Steps\n1. Tap Forgot password.\n2. Enter the code.\n\n"
        "## What to check\n- Spam folder\n\n## When to contact support\nIf nothing arrives."
    )
    assert summary == "Reset it from the login page."
    assert steps == ("Tap Forgot password.", "Enter the code.")
    assert [s.heading for s in sections] == ["Steps", "What to check", "When to contact support"]


def test_kb_fingerprint_changes_when_an_article_changes(tiny_kb: Path) -> None:
    before = kb_fingerprint(tiny_kb)
    _edit(tiny_kb / "en" / "reset-password.md", "1. ", "1. Now, ")
    assert kb_fingerprint(tiny_kb) != before


def test_check_kb_cli_prints_coverage_and_fails_on_error(tiny_kb: Path) -> None:
    import subprocess
    import sys

    ok = subprocess.run(
        [sys.executable, "-m", "retrieval", "check-kb", "--kb", str(tiny_kb)], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "en" in ok.stdout and "100%" in ok.stdout
    (tiny_kb / "es" / "reset-password.md").unlink()
    bad = subprocess.run(
        [sys.executable, "-m", "retrieval", "check-kb", "--kb", str(tiny_kb)], capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert "es/reset-password.md" in bad.stderr
