"""``python -m eval run``: the standard suite.

1. The crypto knowledge base (``kb_articles``) against the project's own question set
   (``eval/data/questions_<lang>.tsv``): whole bot turns, and retrieval on the in_scope rows.
2. Every benchmark file found under ``../shared/benchmarks`` (dev halves): retrieval, escalation
   (the real bot on the BANKING77 kshot10 knowledge base) and language ID. Known files run as
   listed in ``KNOWN``; any other query file found there runs with its folder's default.

Writes ``eval/reports/<YYYY-MM-DD>/`` (``report.md``, ``report.json``, charts) and prints the tables.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.settings import PROJECT_ROOT
from eval.bot_bench import run_bot
from eval.datasets import (
    load_bot_queries,
    load_escalation_queries,
    load_retrieval_queries,
    question_set_files,
    sample_evenly,
    select_split,
)
from eval.escalation_bench import run_escalation
from eval.harness import Harness
from eval.langid import run_langid
from eval.report import code_state, headline_table, machine_info, sources_fingerprint, write_report
from eval.retrieval_bench import run_retrieval
from eval.tables import TABLES

REPORTS = Path(__file__).resolve().parent / "reports"
KSHOT = "retrieval/banking77_articles_kshot10.jsonl"
TITLE_ONLY = "retrieval/banking77_articles_titleonly.jsonl"
BANKING_EN = ("retrieval/queries_en_banking77.dev.tsv", "retrieval/queries_en_clinc150_oos.dev.tsv")


@dataclass(frozen=True, slots=True)
class Spec:
    """One benchmark of the suite; paths are relative to the benchmark folder."""

    command: str  # retrieval | escalation | langid
    name: str
    files: tuple[str, ...]
    kb: str | None = None
    note: str = ""


KNOWN: tuple[Spec, ...] = (
    Spec("retrieval", "banking77_en_kshot10", BANKING_EN, KSHOT,
         "English questions vs 77 articles (title + 10 example questions each); CLINC150 out-of-scope "
         "questions mixed in (gold NONE) for the no-answer figures."),
    Spec("retrieval", "banking77_en_titleonly", BANKING_EN, TITLE_ONLY,
         "The same queries vs the title-only articles (the harder variant)."),
    Spec("retrieval", "arbanking77_ar_kshot10", ("retrieval/queries_ar_arbanking77.dev.tsv",), KSHOT,
         "Arabic questions (five varieties) vs the English articles: cross-lingual retrieval."),
    Spec("escalation", "banking77_en", ("escalation/banking77_en.dev.tsv",), KSHOT,
         "The bot on the BANKING77 kshot10 knowledge base."),
    Spec("escalation", "arbanking77_ar", ("escalation/arbanking77_ar.dev.tsv",), KSHOT,
         "Arabic, by variety; the bot on the English BANKING77 kshot10 knowledge base."),
    Spec("escalation", "clinc150_fin_en", ("escalation/clinc150_fin_en.dev.tsv",), KSHOT,
         "CLINC150 banking and credit-card questions; the bot on the BANKING77 kshot10 knowledge base."),
    Spec("escalation", "nlupp_banking_en", ("escalation/nlupp_banking_en.dev.tsv",), KSHOT,
         "NLU++ banking; no hard-negative column. The bot on the BANKING77 kshot10 knowledge base."),
    Spec("langid", "langid_dev", ("langid/langid.dev.tsv",), None,
         "bot.language.detect_language without hints (every fallback counts as a miss)."),
)  # fmt: skip
DEFAULT_KB = {"retrieval": KSHOT, "escalation": KSHOT, "langid": None}


@dataclass(frozen=True, slots=True)
class SuiteOptions:
    kb: Path | None = None  # the crypto knowledge base; None: the server's
    benchmarks: Path | None = None  # None: <repo>/../shared/benchmarks, else /work/shared/benchmarks
    limit: int | None = None  # even sample of N rows per query file
    langid_limit: int | None = None
    reports: Path | None = None
    progress: bool = True
    command: str = "python -m eval run"


def find_benchmarks(explicit: Path | None = None) -> Path | None:
    for candidate in (
        explicit,
        PROJECT_ROOT.parent / "shared" / "benchmarks",
        Path("/work/shared/benchmarks"),
    ):
        if candidate is not None and candidate.is_dir():
            return candidate
    return None


def plan(root: Path) -> list[Spec]:
    """The known benchmarks whose files are present, then any other query file found."""
    specs: list[Spec] = []
    covered: set[str] = set()
    for spec in KNOWN:
        files = tuple(f for f in spec.files if (root / f).is_file())
        covered.update(spec.files)
        if files and (spec.kb is None or (root / spec.kb).is_file()):
            specs.append(Spec(spec.command, spec.name, files, spec.kb, spec.note))
    for command, pattern in (("retrieval", "retrieval/queries_*.tsv"), ("escalation", "escalation/*.tsv"),
                             ("langid", "langid/*.tsv")):  # fmt: skip
        kb = DEFAULT_KB[command]
        for path in sorted(root.glob(pattern)):
            rel = path.relative_to(root).as_posix()
            if rel not in covered and (kb is None or (root / kb).is_file()):
                name = path.name.removesuffix(".tsv").removesuffix(".dev").removeprefix("queries_")
                specs.append(
                    Spec(command, name, (rel,), kb, "Found in the benchmark folder; run with defaults.")
                )
    return specs


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run_spec(harness: Harness, spec: Spec, root: Path, options: SuiteOptions) -> dict[str, Any]:
    paths = [root / f for f in spec.files]
    meta: dict[str, Any] = {
        "kb": str(root / spec.kb) if spec.kb else None,
        "queries": [str(p) for p in paths],
        "limit": options.limit,
        "note": spec.note,
    }
    if spec.command == "langid":
        started = time.perf_counter()
        report = run_langid(paths[0], limit=options.langid_limit, progress=options.progress)
        report["run"].update(
            meta, limit=options.langid_limit, seconds=round(time.perf_counter() - started, 1)
        )
        return report
    assert spec.kb is not None
    if spec.command == "retrieval":
        queries = [q for p in paths for q in sample_evenly(load_retrieval_queries(p), options.limit)]
        return run_retrieval(harness.retriever(root / spec.kb), queries, progress=options.progress, meta=meta)
    queries = [q for p in paths for q in sample_evenly(load_escalation_queries(p), options.limit)]
    return run_escalation(harness.bot(root / spec.kb), queries, progress=options.progress, meta=meta)


def run_suite(harness: Harness, options: SuiteOptions) -> dict[str, Any]:
    """Run everything, write the report folder, print the tables; returns the ``report.json`` payload."""
    started = time.perf_counter()
    machine = machine_info(harness.embedder.model_id)
    code = code_state()
    results: dict[str, dict[str, dict[str, Any]]] = {
        "bot": {},
        "retrieval": {},
        "escalation": {},
        "langid": {},
    }
    kb = options.kb or Path(harness.settings.kb_path)
    files = question_set_files()
    # Only the report half: the calibration is fitted on the fit half (bot.question_set).
    questions = [q for f in files for q in sample_evenly(select_split(load_bot_queries(f), "report"), options.limit)]
    meta = {"kb": str(kb), "queries": [str(f) for f in files], "limit": options.limit, "split": "report"}

    _say(f"== bot crypto_questions: {len(questions)} messages")
    bot = harness.bot(kb)
    cv_ece = "–" if bot.calibrator.ece is None else f"{bot.calibrator.ece:.3f}"
    note = (
        "The report half of the question set; the confidence calibration is fitted on the fit half "
        f"only (5-fold cross-validated ECE of that fit: {cv_ece})."
    )
    report, records = run_bot(bot, questions, progress=options.progress, meta={**meta, "note": note})
    results["bot"]["crypto_questions"] = report
    in_scope = [q for q in questions if q.kind == "in_scope"]
    _say(f"== retrieval crypto_questions_in_scope: {len(in_scope)} queries")
    results["retrieval"]["crypto_questions_in_scope"] = run_retrieval(
        bot.retriever,
        in_scope,
        progress=options.progress,
        meta={**meta, "note": "The in_scope rows of the question set (gold_slug)."},
    )

    root = find_benchmarks(options.benchmarks)
    if root is None:
        _say("no benchmark folder found (../shared/benchmarks); only the project's question set was run")
    else:
        for spec in plan(root):
            _say(f"== {spec.command} {spec.name}: {', '.join(spec.files)}")
            results[spec.command][spec.name] = _run_spec(harness, spec, root, options)

    date = dt.date.today().isoformat()
    samples = []
    if options.limit:
        samples.append(f"even sample of at most {options.limit} rows per query file")
    if options.langid_limit:
        samples.append(f"langid: even (stratified) sample of {options.langid_limit} rows")
    payload: dict[str, Any] = {
        "date": date,
        "machine": machine,
        "command": options.command,
        "code": {**code, "changed_during_run": sources_fingerprint() != code["sources_sha256"]},
        "benchmarks_dir": str(root) if root else None,
        "sample_note": "; ".join(samples) or "full files, no sampling",
        "seconds": round(time.perf_counter() - started, 1),
        "results": {k: v for k, v in results.items() if v},
    }
    folder = (options.reports or REPORTS) / date
    md = write_report(folder, payload, records)
    print_tables(payload["results"])
    if payload["code"]["changed_during_run"]:
        _say("warning: bot/, retrieval/ or eval/ changed during the run; the figures may mix two versions")
    _say(f"report: {md}")
    return payload


def print_tables(results: dict[str, dict[str, dict[str, Any]]]) -> None:
    print(headline_table(results))
    for command, entries in results.items():
        for name, report in entries.items():
            print(f"\n== {command} {name}")
            print(TABLES[command](report))
