"""Load and validate a knowledge base: ``kb_articles/<lang>/<slug>.md`` or a JSONL file.

Markdown articles start with TOML front matter between ``+++`` lines (``title``, ``category``,
``escalate``, ``updated``, ``example_questions``); the body is a one-sentence summary, then ``##``
sections: numbered steps first, then what to check and when to contact support. JSONL knowledge
bases (the benchmark format) have ``article_id, title, text, example_questions, lang, escalate``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.errors import ArticleFormatError, KnowledgeBaseError

CATEGORIES = frozenset(
    {
        "account", "security", "kyc", "deposit", "withdrawal", "trading", "fees",
        "derivatives", "wallet", "earn", "platform", "compliance", "general",
    }
)
ESCALATE_LEVELS = ("none", "high", "urgent")
REQUIRED_FIELDS = ("title", "category", "escalate", "updated", "example_questions")
MIN_EXAMPLE_QUESTIONS = 5
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANG_RE = re.compile(r"^[a-z]{2}$")
_STEP_RE = re.compile(r"^\s*(\d+)[.)]\s+(.*\S)\s*$")


@dataclass(frozen=True, slots=True)
class Section:
    """A ``##`` section of an article body."""

    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class Article:
    """One article in one language."""

    slug: str
    lang: str
    title: str
    category: str
    escalate: str
    updated: dt.date | None
    example_questions: tuple[str, ...]
    summary: str
    steps: tuple[str, ...]
    sections: tuple[Section, ...] = field(default=())
    source: str = ""

    @property
    def key(self) -> str:
        """``<lang>/<slug>``, the id used in the index manifest."""
        return f"{self.lang}/{self.slug}"

    def answer_text(self) -> str:
        """The summary and the numbered steps: what the bot shows as an answer."""
        lines = [self.summary] if self.summary else []
        lines += [f"{i}. {step}" for i, step in enumerate(self.steps, 1)]
        return "\n".join(lines)


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, object], str]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "+++":
        raise ArticleFormatError(f"{path}: missing TOML front matter (first line must be +++)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        raise ArticleFormatError(f"{path}: front matter is not closed with +++") from None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise ArticleFormatError(f"{path}: front matter is not valid TOML: {exc}") from None
    return meta, "\n".join(lines[end + 1 :])


def parse_body(body: str) -> tuple[str, tuple[str, ...], tuple[Section, ...]]:
    """Split a body into (summary, steps, sections).

    The summary is the first paragraph before any heading; the steps are the numbered items of the
    first section that has them.
    """
    head, *rest = re.split(r"^##\s+", body.strip(), flags=re.M)
    summary = " ".join(head.strip().split("\n\n")[0].split())
    sections: list[Section] = []
    steps: tuple[str, ...] = ()
    for chunk in rest:
        heading, _, text = chunk.partition("\n")
        sections.append(Section(heading.strip(), text.strip()))
        if not steps:
            found = [m.group(2) for line in text.splitlines() if (m := _STEP_RE.match(line))]
            steps = tuple(found)
    return summary, steps, tuple(sections)


def parse_article(path: Path, lang: str) -> Article:
    """Parse and validate one Markdown article.

    :raises ArticleFormatError: naming the file, for any missing or invalid field.
    """
    meta, body = _split_front_matter(path.read_text(encoding="utf-8"), path)
    missing = [f for f in REQUIRED_FIELDS if f not in meta]
    if missing:
        raise ArticleFormatError(f"{path}: missing front-matter field(s): {', '.join(missing)}")
    slug = path.stem
    if not SLUG_RE.match(slug):
        raise ArticleFormatError(f"{path}: slug {slug!r} must be lowercase words joined by '-'")
    title = meta["title"]
    if not isinstance(title, str) or not title.strip():
        raise ArticleFormatError(f"{path}: title must be a non-empty string")
    category = meta["category"]
    if category not in CATEGORIES:
        raise ArticleFormatError(
            f"{path}: unknown category {category!r} (expected one of {', '.join(sorted(CATEGORIES))})"
        )
    escalate = meta["escalate"]
    if escalate not in ESCALATE_LEVELS:
        raise ArticleFormatError(
            f"{path}: unknown escalate value {escalate!r} (expected none, high or urgent)"
        )
    updated = meta["updated"]
    if not isinstance(updated, dt.date):
        raise ArticleFormatError(f"{path}: updated must be a TOML date such as 2026-11-20")
    questions = meta["example_questions"]
    if (
        not isinstance(questions, list)
        or not all(isinstance(q, str) and q.strip() for q in questions)
        or len(questions) < MIN_EXAMPLE_QUESTIONS
    ):
        raise ArticleFormatError(
            f"{path}: example_questions must list at least {MIN_EXAMPLE_QUESTIONS} non-empty strings"
        )
    summary, steps, sections = parse_body(body)
    if not summary:
        raise ArticleFormatError(f"{path}: the body must start with a one-sentence summary")
    if not steps:
        raise ArticleFormatError(f"{path}: the body has no numbered steps")
    return Article(
        slug=slug,
        lang=lang,
        title=title.strip(),
        category=str(category),
        escalate=str(escalate),
        updated=updated if not isinstance(updated, dt.datetime) else updated.date(),
        example_questions=tuple(q.strip() for q in questions),
        summary=summary,
        steps=steps,
        sections=sections,
        source=str(path),
    )


def _load_folder(root: Path) -> list[Article]:
    articles: list[Article] = []
    seen: dict[tuple[str, str], Path] = {}
    lang_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for lang_dir in lang_dirs:
        if not LANG_RE.match(lang_dir.name):
            raise KnowledgeBaseError(f"{lang_dir}: folder name must be a two-letter language code")
        paths = sorted(lang_dir.glob("*.md"))
        for path in paths:
            key = (lang_dir.name, path.stem.lower())
            if key in seen:
                raise ArticleFormatError(f"{path}: duplicate slug {path.stem.lower()!r} (also {seen[key]})")
            seen[key] = path
        articles += [parse_article(path, lang_dir.name) for path in paths]
    return articles


def _load_jsonl(path: Path) -> list[Article]:
    articles: list[Article] = []
    seen: dict[tuple[str, str], int] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ArticleFormatError(f"{where}: not valid JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise ArticleFormatError(f"{where}: each line must be a JSON object")
        missing = [f for f in ("article_id", "title", "text") if not row.get(f)]
        if missing:
            raise ArticleFormatError(f"{where}: missing field(s): {', '.join(missing)}")
        lang = str(row.get("lang") or "en")
        escalate = row.get("escalate") or "none"
        if escalate not in ESCALATE_LEVELS:
            raise ArticleFormatError(f"{where}: unknown escalate value {escalate!r}")
        slug = str(row["article_id"])
        if (lang, slug) in seen:
            raise ArticleFormatError(f"{where}: duplicate article_id {slug!r} (also line {seen[lang, slug]})")
        seen[lang, slug] = n
        questions = tuple(str(q) for q in row.get("example_questions") or ())
        text = str(row["text"])
        title = str(row["title"])
        body_lines = [ln for ln in text.splitlines() if ln.strip()]
        if questions or (body_lines and body_lines[0].rstrip(".") == title.rstrip(".")):
            body_lines = [ln for ln in body_lines[1:] if ln not in questions]
        articles.append(
            Article(
                slug=slug,
                lang=lang,
                title=title,
                category=str(row.get("category") or "general"),
                escalate=str(escalate),
                updated=None,
                example_questions=questions,
                summary=" ".join(body_lines[:1]) if body_lines else "",
                steps=(),
                sections=(Section("", "\n".join(body_lines[1:])),) if len(body_lines) > 1 else (),
                source=where,
            )
        )
    return articles


def load_articles(path: Path | str, *, require_all_languages: bool = True) -> list[Article]:
    """Load a knowledge base from a ``kb_articles``-style folder or a JSONL file.

    :param require_all_languages: every slug must exist in every language present.
    :raises ArticleFormatError: a file is malformed (the message names it).
    :raises KnowledgeBaseError: the knowledge base is empty, or a slug is missing in a language.
    """
    path = Path(path)
    if path.is_dir():
        articles = _load_folder(path)
    elif path.is_file():
        articles = _load_jsonl(path)
    else:
        raise KnowledgeBaseError(f"{path}: no such knowledge base (a folder or a .jsonl file)")
    if not articles:
        raise KnowledgeBaseError(f"{path}: the knowledge base has no articles")
    if require_all_languages and path.is_dir():
        check_coverage(articles, path)
    return articles


def check_coverage(articles: list[Article], root: Path) -> None:
    """Every slug must have a version in every language of the knowledge base.

    :raises KnowledgeBaseError: naming the first missing file(s).
    """
    by_lang: dict[str, set[str]] = defaultdict(set)
    for a in articles:
        by_lang[a.lang].add(a.slug)
    all_slugs = set().union(*by_lang.values())
    missing = [
        str(root / lang / f"{slug}.md")
        for lang in sorted(by_lang)
        for slug in sorted(all_slugs - by_lang[lang])
    ]
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise KnowledgeBaseError(f"missing translation(s): {', '.join(missing[:5])}{more}")


def kb_fingerprint(path: Path | str) -> str:
    """sha256 over every knowledge-base file's relative path and bytes."""
    path = Path(path)
    h = hashlib.sha256()
    files = sorted(path.rglob("*.md")) if path.is_dir() else [path]
    for f in files:
        h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()
