"""``python -m retrieval build-model | export-onnx | build-index | adapt | check-kb``.

Defaults are the server's, read from the one ``config.Settings`` (environment and ``.env``): the index
under ``<data dir>/index``, the knowledge base and the embedding model, whatever the working directory.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from config.settings import Settings
from retrieval.embedder import BACKENDS
from retrieval.errors import RetrievalError


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


def _kb_settings(args: argparse.Namespace) -> Settings:
    """The server's settings for ``--kb`` (another knowledge base gets its own data folder), with
    ``--model`` as the base model and ``--no-adapt`` turning the adaptation off."""
    settings = Settings().for_kb(args.kb)
    update: dict[str, object] = {}
    if args.model:
        update["embedding_model"] = args.model
    if args.no_adapt:
        update["adapt_model"] = False
    return settings.model_copy(update=update) if update else settings


def _cmd_build_index(args: argparse.Namespace) -> int:
    from retrieval.adapt import served_model
    from retrieval.embedder import make_embedder
    from retrieval.retriever import load_retriever

    settings = _kb_settings(args)
    index_dir = Path(args.out) if args.out else settings.index_dir
    model = served_model(settings, progress=not args.no_progress)
    print(f"model: {model}")
    embedder = make_embedder(model, args.backend)
    retriever = load_retriever(args.kb, embedder, index_dir, on_rebuild=lambda why: print(f"rebuilding: {why}"))
    print(f"index at {index_dir}: {len(retriever.index.passages)} passages, {len(retriever.articles)} articles")
    return 0


def _cmd_adapt(args: argparse.Namespace) -> int:
    import dataclasses

    from retrieval.adapt import DEFAULT_RECIPE, adapted_model_path

    settings = _kb_settings(args)
    if not settings.adapt_model:
        print(f"adaptation is off (SUPPORTBOT_ADAPT_MODEL=false or --no-adapt): serving {settings.embedding_model}")
        return 0
    recipe = DEFAULT_RECIPE if args.epochs is None else dataclasses.replace(DEFAULT_RECIPE, epochs=args.epochs)
    data_dir = Path(args.data_dir) if args.data_dir else settings.data_dir
    print(adapted_model_path(args.kb, settings.embedding_model, data_dir, recipe, progress=not args.no_progress))
    return 0


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _cmd_check_kb(args: argparse.Namespace) -> int:
    from retrieval.articles import load_articles

    articles = load_articles(args.kb)
    per_lang = Counter(a.lang for a in articles)
    questions: Counter[str] = Counter()
    escalating: Counter[str] = Counter()
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
    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m retrieval", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build-model", help="build the offline sentence-transformers model folder")
    p.add_argument("--out", default=settings.embedding_model)
    p.add_argument("--force", action="store_true", help="rebuild even if the folder exists")
    p.set_defaults(func=_cmd_build_model)
    p = sub.add_parser("export-onnx", help="export a model folder to ONNX (float32 and int8) for serving")
    p.add_argument("--model", default=settings.embedding_model, help="sentence-transformers model folder")
    p.add_argument("--out", default=None, help="export folder (default: <model>/onnx)")
    p.add_argument("--no-int8", dest="int8", action="store_false", help="skip the dynamic int8 model")
    p.add_argument("--force", action="store_true", help="export even if the export is current")
    p.set_defaults(func=_cmd_export_onnx)
    p = sub.add_parser("build-index", help="build (or verify) the FAISS index of a knowledge base")
    p.add_argument("--kb", default=str(settings.kb_path), help="kb_articles folder or JSONL file")
    p.add_argument("--out", default=None, help="index folder (default: <data dir>/index)")
    p.add_argument(
        "--model", default=None, help="base sentence-transformers model name or path (default: the setting)"
    )
    p.add_argument("--no-adapt", action="store_true", help="index with the base model, not the adapted one")
    p.add_argument("--no-progress", action="store_true", help="no progress bar while adapting")
    p.add_argument(
        "--backend", default=settings.embedding_backend, choices=BACKENDS, help="the backend whose vectors to index"
    )
    p.set_defaults(func=_cmd_build_index)
    p = sub.add_parser(
        "adapt", help="fine-tune the embedding model on the knowledge base (cached); prints its folder"
    )
    p.add_argument("--kb", default=str(settings.kb_path), help="kb_articles folder or JSONL file")
    p.add_argument(
        "--base-model", dest="model", default=None, help="sentence-transformers model name or path (default: the setting)"
    )
    p.add_argument("--no-adapt", action="store_true", help="do nothing (as SUPPORTBOT_ADAPT_MODEL=false)")
    p.add_argument(
        "--data-dir", default=None, help="the model goes under <data dir>/models (default: the knowledge base's data dir)"
    )
    p.add_argument("--epochs", type=_positive, default=None, help="override the recipe's epochs")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_adapt)
    p = sub.add_parser("check-kb", help="validate the knowledge base and print coverage")
    p.add_argument("--kb", default=str(settings.kb_path))
    p.set_defaults(func=_cmd_check_kb)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except RetrievalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
