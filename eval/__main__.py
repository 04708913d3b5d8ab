"""``python -m eval retrieval|escalation|langid|bot|redaction|run|bench``: benchmarks with a table on stdout,
progress bars on stderr and, with ``--json PATH``, the JSON report."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.errors import EvalError
from eval.tables import TABLES
from retrieval import Embedder, RetrievalError

if TYPE_CHECKING:  # the heavy imports wait until a command runs, so that --help is instant
    from eval.datasets import Query
    from eval.harness import Harness


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _write_json(path: str | None, report: dict[str, Any]) -> None:
    if path:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _harness(args: argparse.Namespace, embedder: Embedder | None) -> Harness:
    from config.settings import Settings
    from eval.harness import Harness

    return Harness(Settings(), embedder, Path(args.cache_dir))


def _load(
    loader: Callable[[str], list[Query]], paths: list[str], limit: int | None, split: str = "all"
) -> list[Query]:
    from eval.datasets import sample_evenly, select_split

    return [q for p in paths for q in sample_evenly(select_split(loader(p), split), limit)]


def _cmd_retrieval(args: argparse.Namespace, embedder: Embedder | None) -> dict[str, Any]:
    from eval.datasets import load_retrieval_queries
    from eval.retrieval_bench import run_retrieval

    queries = _load(load_retrieval_queries, args.queries, args.limit)
    retriever = _harness(args, embedder).retriever(args.kb)
    meta = {"kb": args.kb, "queries": args.queries, "limit": args.limit}
    return run_retrieval(retriever, queries, args.k, progress=args.progress, meta=meta)


def _cmd_escalation(args: argparse.Namespace, embedder: Embedder | None) -> dict[str, Any]:
    from eval.datasets import load_escalation_queries
    from eval.escalation_bench import run_escalation

    queries = _load(load_escalation_queries, args.queries, args.limit)
    bot = _harness(args, embedder).bot(args.kb)
    meta = {"kb": args.kb, "queries": args.queries, "limit": args.limit}
    return run_escalation(bot, queries, progress=args.progress, meta=meta)


def _cmd_bot(args: argparse.Namespace, embedder: Embedder | None) -> dict[str, Any]:
    from eval.bot_bench import run_bot
    from eval.datasets import load_bot_queries

    queries = _load(load_bot_queries, args.queries, args.limit, args.split)
    bot = _harness(args, embedder).bot(args.kb)
    meta = {"kb": args.kb, "queries": args.queries, "limit": args.limit, "split": args.split}
    report, _ = run_bot(bot, queries, progress=args.progress, meta=meta)
    return report


def _cmd_langid(args: argparse.Namespace, embedder: Embedder | None) -> dict[str, Any]:
    from eval.errors import DatasetError
    from eval.langid import run_langid

    if not Path(args.data).is_file():
        raise DatasetError(f"{args.data}: no such langid file")
    return run_langid(args.data, backend=args.backend, limit=args.limit, progress=args.progress)


def _cmd_acts(args: argparse.Namespace, embedder: Embedder | None) -> dict[str, Any]:
    from eval.acts_bench import run_acts
    from retrieval import load_articles

    harness = _harness(args, embedder)
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if args.progress else None
    return run_acts(
        harness.embedder,
        load_articles(harness.settings.kb_path),
        min_probability=harness.settings.act_min_probability,
        split=args.split,
        progress=say,
    )


def _cmd_redaction(args: argparse.Namespace, embedder: Embedder | None) -> dict[str, Any]:
    from eval.redaction_bench import run_redaction

    return run_redaction(args.data)


def _cmd_redaction_corpus(args: argparse.Namespace, embedder: Embedder | None) -> dict[str, Any]:
    from eval.redaction_corpus import build_rows, write_corpus

    rows = build_rows(Path(args.sentences))
    write_corpus(rows, Path(args.out))
    return {"rows": len(rows), "out": args.out}


def _cmd_run(args: argparse.Namespace, embedder: Embedder | None) -> dict[str, Any]:
    from eval.suite import SuiteOptions, run_suite

    options = SuiteOptions(
        kb=Path(args.kb) if args.kb else None,
        benchmarks=Path(args.benchmarks) if args.benchmarks else None,
        limit=args.limit,
        langid_limit=args.langid_limit,
        reports=Path(args.reports) if args.reports else None,
        progress=args.progress,
        command=" ".join(["python -m eval", *args.argv]),
    )
    return run_suite(_harness(args, embedder), options)


def _csv(kind: type, allowed: tuple[str, ...] | None = None) -> Callable[[str], tuple[Any, ...]]:
    def parse(value: str) -> tuple[Any, ...]:
        try:
            items = tuple(kind(v.strip()) for v in value.split(",") if v.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a comma-separated list of {kind.__name__}: {value!r}") from None
        bad = [v for v in items if allowed is not None and v not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(map(str, bad))}; choose from {', '.join(allowed or ())}")
        return items

    return parse


def _cmd_bench(args: argparse.Namespace, embedder: Embedder | None) -> dict[str, Any]:
    from config.settings import Settings
    from eval.serving_bench import BenchOptions, run_bench, write_bench

    options = BenchOptions(
        backends=args.backends,
        server_backends=args.server_backends,
        turns=args.turns,
        users=args.users,
        workers=args.workers,
        engines=args.engines,
        postgres_url=args.database_url,
        duration_s=args.duration,
        warmup_s=args.warmup,
        sizes=args.sizes,
        restart_backends=args.restart_backends,
        restart_cycles=args.restart_cycles,
        reports=Path(args.reports),
        work=Path(args.work) if args.work else None,
        command=" ".join(["python -m eval", *args.argv]),
    )
    payload = run_bench(Settings(), options)
    payload["markdown"] = str(write_bench(payload, options.reports))
    return payload


def build_parser() -> argparse.ArgumentParser:
    from eval.harness import DEFAULT_CACHE_ROOT

    parser = argparse.ArgumentParser(
        prog="python -m eval",
        description="Benchmarks: a table on stdout, progress bars on stderr, --json PATH for the JSON report.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", metavar="PATH", help="also write the JSON report to PATH")
    common.add_argument(
        "--limit", type=_positive, metavar="N", help="an even sample of N rows per query file"
    )
    common.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    common.add_argument(
        "--cache-dir",
        default=str(DEFAULT_CACHE_ROOT),
        help="index folders of knowledge bases other than the server's",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("retrieval", parents=[common], help="top-1, recall@k, MRR@10, no-answer AUROC")
    p.add_argument("--kb", required=True, help="kb_articles-style folder or JSONL knowledge base")
    p.add_argument(
        "--queries", required=True, action="append", metavar="TSV", help="qid, lang, text, gold_article_id"
    )
    p.add_argument("--k", type=_positive, default=10, help="articles retrieved per query (default 10)")
    p.set_defaults(func=_cmd_retrieval)

    p = sub.add_parser("escalation", parents=[common], help="the bot's security hand-offs vs escalate labels")
    p.add_argument("--kb", required=True)
    p.add_argument(
        "--queries", required=True, action="append", metavar="TSV", help="qid, lang, text, escalate"
    )
    p.set_defaults(func=_cmd_escalation)

    p = sub.add_parser("langid", parents=[common], help="language identification on the langid benchmark")
    p.add_argument("--data", required=True, metavar="TSV", help="id, lang, core, source, length_bucket, text")
    p.add_argument("--backend", default=None, help="lingua or langdetect (default: the bot's)")
    p.set_defaults(func=_cmd_langid)

    p = sub.add_parser(
        "bot", parents=[common], help="whole turns: answers, clarifications, hand-offs, latency"
    )
    p.add_argument("--kb", required=True)
    p.add_argument(
        "--queries",
        required=True,
        action="append",
        metavar="TSV",
        help="qid, lang, text, gold_slug, escalate, kind",
    )
    p.add_argument(
        "--split",
        choices=("fit", "report", "all"),
        default="all",
        help="half of each file (bot.question_set): report for published figures (default all)",
    )
    p.set_defaults(func=_cmd_bot)

    p = sub.add_parser(
        "acts", parents=[common], help="dialogue acts (small talk, vague): held-out languages and the question set"
    )
    p.add_argument("--split", choices=("fit", "report", "all"), default="report", help="question-set half")
    p.set_defaults(func=_cmd_acts)

    from eval.redaction_corpus import CORPUS_PATH, DATA_DIR

    p = sub.add_parser(
        "redaction", parents=[common], help="secret redaction: recall, precision, negatives kept, per half"
    )
    p.add_argument("--data", default=str(CORPUS_PATH), metavar="JSONL", help="the labelled corpus")
    p.set_defaults(func=_cmd_redaction)

    p = sub.add_parser("redaction-corpus", help="rebuild the redaction corpus from its sentence files")
    p.add_argument("--sentences", default=str(DATA_DIR), help="folder of sentences_dev.tsv, sentences_heldout.tsv")
    p.add_argument("--out", default=str(CORPUS_PATH), metavar="JSONL")
    p.set_defaults(func=_cmd_redaction_corpus)

    p = sub.add_parser("run", parents=[common], help="the standard suite; writes eval/reports/<date>/")
    p.add_argument("--kb", default=None, help="the crypto knowledge base (default: the server's)")
    p.add_argument("--benchmarks", default=None, help="benchmark folder (default: ../shared/benchmarks)")
    p.add_argument("--langid-limit", type=_positive, default=None, metavar="N", help="sample the langid file")
    p.add_argument("--reports", default=None, help="report root (default: eval/reports)")
    p.set_defaults(func=_cmd_run)

    from eval.serving_bench import REPORTS
    from retrieval.embedder import BACKENDS

    p = sub.add_parser("bench", help="serving: turn latency, HTTP load, memory, index scale; eval/reports/<date>/bench.*")
    p.add_argument("--backends", type=_csv(str, BACKENDS), default=BACKENDS, help="turn-latency backends (default: all)")
    p.add_argument(
        "--server-backends", type=_csv(str, BACKENDS), default=("onnx-int8",),
        help="backends the HTTP load runs on (default: onnx-int8; '' for no load test)",
    )
    p.add_argument("--turns", type=_positive, default=200, help="questions timed per backend (default 200)")
    p.add_argument("--users", type=_positive, default=50, help="simulated widget users (default 50)")
    p.add_argument("--workers", type=_csv(int), default=(1, 2), help="uvicorn worker counts (default 1,2)")
    p.add_argument(
        "--engines", type=_csv(str, ("sqlite", "postgresql")), default=("sqlite",),
        help="handoff engines of the load runs (default sqlite; postgresql needs --database-url)",
    )
    p.add_argument(
        "--database-url", default="", help="postgresql://... the load runs on postgresql use (shared by the workers)"
    )
    p.add_argument("--duration", type=float, default=60.0, help="seconds of counted load per run (default 60)")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds of load before counting (default 5)")
    p.add_argument(
        "--sizes", type=_csv(int), default=(1_000, 10_000, 100_000),
        help="synthetic article counts for the index scale part ('' to skip)",
    )
    p.add_argument(
        "--restart-backends", type=_csv(str, BACKENDS), default=("torch", "onnx-int8"),
        help="backends whose start and SIGKILL restart are timed (default: torch,onnx-int8; '' to skip)",
    )
    p.add_argument("--restart-cycles", type=_positive, default=4, help="starts per backend (default 4)")
    p.add_argument("--reports", default=str(REPORTS), help="report root (default: eval/reports)")
    p.add_argument("--work", default=None, help="scratch folder (default: <data dir>/bench)")
    p.set_defaults(func=_cmd_bench)
    return parser


def main(argv: list[str] | None = None, *, embedder: Embedder | None = None) -> int:
    """Run one command; ``embedder`` replaces the model from settings (tests pass the session one)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        report = args.func(args, embedder)
    except (EvalError, RetrievalError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.command == "bench":
        print(Path(report["markdown"]).read_text(encoding="utf-8"))
        return 0
    if args.command == "run":
        _write_json(args.json, report)
        return 0
    if args.command == "redaction-corpus":
        print(f"{report['rows']} rows -> {report['out']}")
        return 0
    if args.command == "langid":
        from eval.langid import format_langid_table

        print(format_langid_table(report))
    else:
        print(TABLES[args.command](report))
    _write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
