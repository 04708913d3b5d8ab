"""``python -m bot ask [--kb PATH] [--json] TEXT``, ``python -m bot calibrate`` and ``python -m bot prepare``."""

from __future__ import annotations

import argparse
import json
import sys

from bot.payload import result_json
from bot.turn import TurnContext, TurnResult
from config.settings import Settings


def _settings(kb: str | None) -> Settings:
    return Settings().for_kb(kb) if kb else Settings()


def _print_text(r: TurnResult) -> None:
    lang = r.language
    print(f"language: {lang.lang} ({lang.method.value}, {lang.confidence:.2f}); answering in {r.answer_language}")
    for i, h in enumerate(r.hits, 1):
        print(f"  {i}. {h.score:.3f}  {h.lang}/{h.slug}  {h.title}")
    conf = "" if r.confidence is None else f", confidence {r.confidence:.0%}"
    prio = f", priority {r.decision.priority}" if r.decision.priority else ""
    print(f"action: {r.decision.action.value} ({', '.join(r.reasons)}{conf}{prio})")
    print()
    for rep in r.replies:
        print(rep.text)
        if rep.sources:
            print("  source: " + "; ".join(f"{s.title} [{s.lang}/{s.slug}]" for s in rep.sources))
        if rep.quick_replies:
            print("  quick replies: " + " | ".join(rep.quick_replies))
        print()


def _cmd_ask(args: argparse.Namespace) -> int:
    from bot.assembly import build_bot

    bot = build_bot(_settings(args.kb))
    result = bot.handle(args.text, TurnContext(locale=args.locale))
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False, indent=2))
    else:
        _print_text(result)
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from bot.assembly import load_calibration
    from retrieval import SentenceTransformerEmbedder, load_retriever
    from retrieval.adapt import served_model

    settings = _settings(args.kb)
    retriever = load_retriever(settings.kb_path, SentenceTransformerEmbedder(served_model(settings)), settings.index_dir)
    cal = load_calibration(retriever, settings.index_dir, top_k=settings.top_k, refit=True)
    print(json.dumps({"weights": cal.weights, "bias": cal.bias, "ece_cv": cal.ece, "n": cal.n}, indent=2))
    return 0


def _cmd_prepare(args: argparse.Namespace) -> int:
    """Build, once, what the server's start-up then only loads: the intent exemplar vectors and the
    confidence calibration beside the index (``make setup`` runs this after the index)."""
    import time

    from bot.assembly import build_bot

    settings = _settings(args.kb)
    started = time.perf_counter()
    build_bot(settings)
    print(f"bot prepared in {time.perf_counter() - started:.1f} s: {settings.index_dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ask", help="ask the bot one question from the command line")
    p.add_argument("text")
    p.add_argument("--kb", default=None, help="knowledge base folder or JSONL (default: the server's)")
    p.add_argument("--locale", default=None, help="the widget's locale hint, e.g. es-MX")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_ask)
    p = sub.add_parser("calibrate", help="refit the confidence calibration on eval/data")
    p.add_argument("--kb", default=None)
    p.set_defaults(func=_cmd_calibrate)
    p = sub.add_parser("prepare", help="encode the intent exemplars and fit the calibration now, not at start-up")
    p.add_argument("--kb", default=None)
    p.set_defaults(func=_cmd_prepare)
    args = parser.parse_args(argv)
    from retrieval import RetrievalError

    try:
        return int(args.func(args))
    except RetrievalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
