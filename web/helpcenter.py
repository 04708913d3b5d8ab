"""The knowledge base as a help center: ``/help/{lang}/`` (categories), ``/help/{lang}/{slug}``
(one article, rendered, with its other languages as ``hreflang`` alternates) and
``/help/{lang}/search?q=`` (the bot's own retriever).

Pages are rendered on the server with Jinja2 (autoescaped) and carry no script but the widget; the
article bodies go through ``web.richtext``. Every text comes from the catalog (``ui.help.*``).
Unknown languages and slugs are 404: an HTML page for browsers, the one JSON error shape otherwise.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.messages import Catalog, load_catalog
from config.languages import DEFAULT_LANGUAGE, RTL_LANGUAGES, SUPPORTED_LANGUAGES
from retrieval import Article, Retriever
from web.deps import BotDep
from web.errors import BotError
from web.richtext import render_markdown

TEMPLATES = Path(__file__).parent / "templates"
# The help center's category order (account first, the catch-alls last); an unknown one sorts last.
CATEGORY_ORDER = (
    "account", "security", "kyc", "deposit", "withdrawal", "trading", "fees",
    "derivatives", "wallet", "earn", "platform", "compliance", "general",
)
SEARCH_RESULTS = 8
MAX_QUERY_CHARS = 300

router = APIRouter(prefix="/help", include_in_schema=False)


class HelpPageNotFound(BotError):
    """No help-center page for this language or slug."""

    status_code = 404
    code = "not_found"


@dataclass(frozen=True, slots=True)
class Alternate:
    lang: str
    name: str
    href: str


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True), auto_reload=False
    )


@functools.lru_cache(maxsize=1024)
def article_html(article: Article) -> str:
    """The article body (summary and sections) as sanitised HTML; the title is the page's ``<h1>``."""
    parts = [article.summary] + [f"## {s.heading}\n\n{s.text}" for s in article.sections]
    return render_markdown("\n\n".join(parts), chat=False)


def _page(request: Request, template: str, lang: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    catalog = load_catalog()
    texts = catalog.for_language(lang, "ui.help.")
    html = _environment().get_template(template).render(
        lang=lang,
        dir="rtl" if lang in RTL_LANGUAGES else "ltr",
        t=texts,
        languages=[Alternate(code, catalog.language_name(code, code), f"/help/{code}/") for code in SUPPORTED_LANGUAGES],
        category_label=lambda c: texts.get(f"ui.help.category.{c}", c),
        **values,
    )
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-cache"})


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept or not accept


def not_found(request: Request, lang: str, message: str) -> HTMLResponse:
    """The 404 page in ``lang`` (English when the language itself is unknown)."""
    if not _wants_html(request):
        raise HelpPageNotFound(message)
    shown = lang if lang in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    return _page(request, "help_404.html", shown, status_code=404, message=message)


def _articles_in(retriever: Retriever, lang: str) -> list[Article]:
    return sorted(
        (a for a in retriever.articles.values() if a.lang == lang),
        key=lambda a: (_category_rank(a.category), a.title.casefold()),
    )


def _category_rank(category: str) -> int:
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)


def _known(lang: str, retriever: Retriever) -> bool:
    return lang in SUPPORTED_LANGUAGES and lang in retriever.languages


@router.get("", response_model=None)
@router.get("/", response_model=None)
def help_root() -> RedirectResponse:
    """The help center in the default language."""
    return RedirectResponse(f"/help/{DEFAULT_LANGUAGE}/", status_code=307)


@router.get("/{lang}", response_model=None)
def help_lang_redirect(lang: str) -> RedirectResponse:
    """``/help/ja`` -> ``/help/ja/``."""
    return RedirectResponse(f"/help/{lang}/", status_code=308)


@router.get("/{lang}/", response_model=None)
def help_index(request: Request, lang: str, bot: BotDep) -> HTMLResponse:
    """Every article of one language, grouped by category."""
    retriever = bot.retriever
    if not _known(lang, retriever):
        return not_found(request, lang, f"no help center in language {lang!r}")
    groups: dict[str, list[Article]] = {}
    for article in _articles_in(retriever, lang):
        groups.setdefault(article.category, []).append(article)
    return _page(request, "help_index.html", lang, groups=groups, query="")


@router.get("/{lang}/search", response_model=None)
def help_search(
    request: Request,
    lang: str,
    bot: BotDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
) -> HTMLResponse:
    """Articles for a free-text question, found by the same retriever as the bot's answers."""
    retriever = bot.retriever
    if not _known(lang, retriever):
        return not_found(request, lang, f"no help center in language {lang!r}")
    query = " ".join(q.split())
    results: list[Article] = []
    if query:
        for hit in retriever.search(query, lang=lang, k=SEARCH_RESULTS):
            article = retriever.article(hit.slug, hit.lang)
            if article is not None:
                results.append(article)
    return _page(request, "help_search.html", lang, query=query, results=results)


@router.get("/{lang}/{slug}", response_model=None)
def help_article(request: Request, lang: str, slug: str, bot: BotDep) -> HTMLResponse:
    """One article, rendered, with links to its other languages."""
    retriever = bot.retriever
    if not _known(lang, retriever):
        return not_found(request, lang, f"no help center in language {lang!r}")
    article = retriever.articles.get(f"{lang}/{slug}")
    if article is None:
        return not_found(request, lang, f"no article {slug!r} in language {lang!r}")
    catalog: Catalog = load_catalog()
    alternates = [
        Alternate(code, catalog.language_name(code, code), f"/help/{code}/{slug}")
        for code in SUPPORTED_LANGUAGES
        if f"{code}/{slug}" in retriever.articles
    ]
    return _page(
        request,
        "help_article.html",
        lang,
        article=article,
        body=article_html(article),
        alternates=alternates,
        updated=article.updated.isoformat() if article.updated else None,
        query="",
    )


@router.get("/{lang}/{rest:path}", response_model=None)
def help_missing(request: Request, lang: str, rest: str) -> HTMLResponse:
    """Any other path under a language: the 404 page."""
    return not_found(request, lang, f"no help-center page {rest!r}")
