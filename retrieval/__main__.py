"""``python -m retrieval build-model | export-onnx | build-index | check-kb``.

Defaults follow the server's: ``SUPPORTBOT_DATA_DIR`` (index under ``<data dir>/index``) and
``SUPPORTBOT_EMBEDDING_MODEL``; as a command-line edge this module may read them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from retrieval.errors import RetrievalError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL_DIR = PROJECT_ROOT / "var" / "models" / "multilingual-e5-small-q4"
DEFAULT_KB = PROJECT_ROOT / "kb_articles"


def _data_dir() -> Path:
    return Path(os.environ.get("SUPPORTBOT_DATA_DIR") or PROJECT_ROOT / "var")


def _model() -> str:
    return os.environ.get("SUPPORTBOT_EMBEDDING_MODEL") or str(DEFAULT_MODEL_DIR)


def _cmd_build_model(args: argparse.Namespace) -> int:
    from retrieval.model_build import build_model

    out = Path(args.out)
    if out.exists() and not args.force and (out / "modules.json").is_file():
        print(f"model already built at {out} (use --force to rebuild)")
        return 0
    build_model(out)
    print(f"wrote sentence-transformers model to {out}")
    return 0


def _cmd_export_onnx(args: argparse.Namespace) -> int:
    from retrieval.onnx_export import export_onnx
    from retrieval.onnx_manifest import is_export_current

    model = Path(args.model)
    out = Path(args.out) if args.out else None
    if not args.force and is_export_current(model, out, quantized=args.int8):
        print(f"ONNX export of {model} is up to date (use --force to redo it)")
        return 0
    folder = export_onnx(model, out=out, quantize=args.int8)
    print(f"wrote ONNX export of {model} to {folder}")
    return 0


def _cmd_build_index(args: argparse.Namespace) -> int:
    from retrieval.embedder import SentenceTransformerEmbedder
    from retrieval.retriever import load_retriever

    index_dir = Path(args.out) if args.out else _data_dir() / "index"
    embedder = SentenceTransformerEmbedder(args.model)
    retriever = load_retriever(args.kb, embedder, index_dir, on_rebuild=lambda why: print(f"rebuilding: {why}"))
    print(f"index at {index_dir}: {len(retriever.index.passages)} passages, {len(retriever.articles)} articles")
    return 0


def _cmd_check_kb(args: argparse.Namespace) -> int:
    from retrieval.articles import load_articles

    articles = load_articles(args.kb)
    per_lang = Counter(a.lang for a in articles)
    questions = Counter()
    escalating = Counter()
    for a in articles:
        questions[a.lang] += len(a.example_questions)
        escalating[a.lang] += a.escalate != "none"
    slugs = {a.slug for a in articles}
    print(f"{'lang':<6}{'articles':>9}{'coverage':>10}{'questions':>11}{'escalate':>10}")
    for lang in sorted(per_lang):
        cov = per_lang[lang] / len(slugs)
        print(f"{lang:<6}{per_lang[lang]:>9}{cov:>10.0%}{questions[lang]:>11}{escalating[lang]:>10}")
    print(f"{len(slugs)} topics x {len(per_lang)} languages = {len(articles)} articles: ok")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retrieval", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build-model", help="build the offline sentence-transformers model folder")
    p.add_argument("--out", default=str(DEFAULT_MODEL_DIR))
    p.add_argument("--force", action="store_true", help="rebuild even if the folder exists")
    p.set_defaults(func=_cmd_build_model)
    p = sub.add_parser("export-onnx", help="export a model folder to ONNX (float32 and int8) for serving")
    p.add_argument("--model", default=_model(), help="sentence-transformers model folder")
    p.add_argument("--out", default=None, help="export folder (default: <model>/onnx)")
    p.add_argument("--no-int8", dest="int8", action="store_false", help="skip the dynamic int8 model")
    p.add_argument("--force", action="store_true", help="export even if the export is current")
    p.set_defaults(func=_cmd_export_onnx)
    p = sub.add_parser("build-index", help="build (or verify) the FAISS index of a knowledge base")
    p.add_argument("--kb", default=str(DEFAULT_KB), help="kb_articles folder or JSONL file")
    p.add_argument("--out", default=None, help="index folder (default: <data dir>/index)")
    p.add_argument("--model", default=_model(), help="sentence-transformers model name or path")
    p.set_defaults(func=_cmd_build_index)
    p = sub.add_parser("check-kb", help="validate the knowledge base and print coverage")
    p.add_argument("--kb", default=str(DEFAULT_KB))
    p.set_defaults(func=_cmd_check_kb)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except RetrievalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
