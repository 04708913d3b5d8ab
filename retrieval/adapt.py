"""Fine-tune the embedding model on the knowledge base itself, and cache the result.

The adapted model is a sentence-transformers folder ``<data dir>/models/adapted-<key>/`` where the
key is a sha256 of what it was built from: the base model (its id and a fingerprint of its folder's
files), the knowledge base (:func:`~retrieval.articles.kb_fingerprint`) and the training recipe.
A folder whose key matches is reused; any change builds a new one, the way the index manifest
works. A build writes into a temporary folder and renames it into place only when complete, so a
killed run never leaves a half-written model that a later run would use.

Training is a plain PyTorch loop over a sentence-transformers model: contrastive (InfoNCE, as
sentence-transformers' ``MultipleNegativesRankingLoss``) over in-batch and hard negatives, with
the other anchors' texts of the *same* topic masked out, since with a few dozen topics a batch
holds several questions of one topic and they are not negatives of each other. It needs neither
``datasets`` nor ``accelerate`` (the ``SentenceTransformerTrainer`` dependencies), and the data
order is one seeded shuffle per epoch in this process, so a build is reproducible.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import random
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from config.settings import Settings
from retrieval.articles import kb_fingerprint, load_articles
from retrieval.embedder import model_id_of
from retrieval.onnx_manifest import ONNX_DIR
from retrieval.passages import Passage, PassageKind
from retrieval.training_pairs import TrainingExample, confusable_slugs, training_examples

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

# Bump when the training data or loop changes in a way the recipe does not describe, so that
# models adapted by older code are rebuilt.
ADAPT_FORMAT = 1
MODELS_DIR = "models"
FOLDER_PREFIX = "adapted-"
KEY_FILE = "adapt.json"
MODEL_ID_FILE = "supportbot_model.json"
_LAYER_RE = re.compile(r"\.layer\.(\d+)\.")


class NoTrainingPairs(ValueError):
    """The knowledge base yields no (anchor, positive) pair to train on."""


@dataclass(frozen=True, slots=True)
class AdaptRecipe:
    """Everything that decides the adapted weights besides the base model and the knowledge base.

    :param positive_kinds: the kinds of text a positive is drawn from (``title``, ``question``,
        ``body`` = title and summary).
    :param trainable_layers: train only the top N transformer layers; 0 trains all of them.
    """

    # One epoch of sequences cut at 64 tokens keeps the step within minutes on two cores (one
    # step of 32 examples with hard negatives: 5 s on one core at 64 tokens, 6 s at 128; the
    # titles, questions and title-plus-summary positives are rarely longer).
    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 3e-5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    scale: float = 20.0
    max_seq_length: int = 64
    seed: int = 0
    confusable_k: int = 3
    hard_negatives: bool = True
    positive_kinds: tuple[str, ...] = ("title", "question", "body")
    freeze_word_embeddings: bool = True
    trainable_layers: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The recipe as JSON-ready values (part of the cache key)."""
        out = dataclasses.asdict(self)
        out["positive_kinds"] = list(self.positive_kinds)
        return out


DEFAULT_RECIPE = AdaptRecipe()


@dataclass(frozen=True, slots=True)
class TrainingRun:
    """What one training run did, saved in ``adapt.json`` beside the weights."""

    examples: int
    steps: int
    seconds: float
    first_loss: float
    last_loss: float


def model_fingerprint(name_or_path: str | Path) -> str:
    """A sha256 over a model folder's file names and bytes, or the name for a non-local model.

    The folder's ONNX export (``onnx/``, written by ``python -m retrieval export-onnx``) is left
    out: exporting the base model for serving does not change the weights the adaptation starts from.
    """
    path = Path(name_or_path)
    if not path.is_dir():
        return f"name:{name_or_path}"
    h = hashlib.sha256()
    files = (p for p in path.rglob("*") if p.is_file() and p.relative_to(path).parts[0] != ONNX_DIR)
    for f in sorted(files):
        h.update(f.relative_to(path).as_posix().encode())
        h.update(b"\0")
        with f.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                h.update(chunk)
        h.update(b"\0")
    return f"sha256:{h.hexdigest()}"


def adaptation_key(kb_path: Path | str, base_model: str | Path, recipe: AdaptRecipe = DEFAULT_RECIPE) -> str:
    """The sha256 that names an adapted model: base model, knowledge base and recipe."""
    identity = {
        "format": ADAPT_FORMAT,
        "base_model": {"id": model_id_of(base_model), "fingerprint": model_fingerprint(base_model)},
        "kb_sha256": kb_fingerprint(kb_path),
        "recipe": recipe.to_dict(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def adapted_model_path(
    kb_path: Path | str,
    base_model: str | Path,
    data_dir: Path | str,
    recipe: AdaptRecipe = DEFAULT_RECIPE,
    progress: bool = True,
) -> Path:
    """The adapted model's folder for this knowledge base: the cached one when its key matches,
    else a new one, trained now (minutes on two cores for a few hundred articles).

    Pass the result as the embedding model (``SentenceTransformerEmbedder(path)``); its model id
    differs from the base model's, so an index built with the base model is rebuilt.

    :param data_dir: the models go under ``<data_dir>/models/``; stale adapted folders there are removed.
    :param progress: show a progress bar (stderr) while training.
    :raises KnowledgeBaseError: the knowledge base cannot be loaded.
    """
    key = adaptation_key(kb_path, base_model, recipe)
    root = Path(data_dir) / MODELS_DIR
    folder = root / f"{FOLDER_PREFIX}{key[:16]}"
    if _is_complete(folder, key):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    log.info("adapting %s to %s into %s", base_model, kb_path, folder)
    try:
        build_adapted_model(kb_path, base_model, tmp, recipe, key=key, progress=progress)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_stale(root, keep=folder)
    return folder


def served_model(settings: Settings, *, progress: bool = False) -> str:
    """The embedding model the bot serves for ``settings``: with ``adapt_model`` the base model
    fine-tuned on ``settings.kb_path`` (the cached folder under ``<data dir>/models``, trained
    first when there is none for this base model, knowledge base and recipe), else
    ``settings.embedding_model`` itself.

    A knowledge base without a single training pair (no titles or questions to pair) serves the
    base model, with a warning.

    :raises KnowledgeBaseError: the knowledge base cannot be loaded.
    """
    if not settings.adapt_model:
        return settings.embedding_model
    try:
        return str(adapted_model_path(settings.kb_path, settings.embedding_model, settings.data_dir, progress=progress))
    except NoTrainingPairs as exc:
        log.warning("serving the base model %s unadapted: %s", settings.embedding_model, exc)
        return settings.embedding_model


def cached_adapted_model(
    kb_path: Path | str, base_model: str | Path, data_dir: Path | str, recipe: AdaptRecipe = DEFAULT_RECIPE
) -> Path | None:
    """The adapted model's folder when it is already built for this key, else ``None`` (never trains)."""
    key = adaptation_key(kb_path, base_model, recipe)
    folder = Path(data_dir) / MODELS_DIR / f"{FOLDER_PREFIX}{key[:16]}"
    return folder if _is_complete(folder, key) else None


def _is_complete(folder: Path, key: str) -> bool:
    try:
        saved = json.loads((folder / KEY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(saved, dict) and saved.get("key") == key and (folder / "modules.json").is_file()


def _remove_stale(root: Path, keep: Path) -> None:
    """Other adapted folders (older keys) and temporary folders of processes that are gone."""
    for path in root.iterdir():
        if path == keep or not path.is_dir():
            continue
        if path.name.startswith(FOLDER_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f".{FOLDER_PREFIX}") and ".tmp-" in path.name:
            pid = path.name.rsplit(".tmp-", 1)[1]
            if pid.isdigit() and not _is_running(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build_adapted_model(
    kb_path: Path | str,
    base_model: str | Path,
    out: Path,
    recipe: AdaptRecipe = DEFAULT_RECIPE,
    *,
    key: str | None = None,
    progress: bool = True,
) -> TrainingRun:
    """Fine-tune ``base_model`` on the knowledge base and save it to ``out`` (no caching).

    ``adapt.json`` (the key, recipe and run figures) is written last, so a folder that has it is
    complete.
    """
    from sentence_transformers import SentenceTransformer

    key = key or adaptation_key(kb_path, base_model, recipe)
    _seed_everything(recipe.seed)
    model = SentenceTransformer(str(base_model), device="cpu")
    articles = load_articles(kb_path)
    confusables = confusable_slugs(articles, lambda ps: encode_views(model, ps), recipe.confusable_k)
    examples = training_examples(
        articles,
        confusables,
        seed=recipe.seed,
        positive_kinds=frozenset(PassageKind(k) for k in recipe.positive_kinds),
        hard_negatives=recipe.hard_negatives,
    )
    run = train_model(model, examples, recipe, progress=progress)
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out), create_model_card=False)
    base_id = model_id_of(base_model)
    dim = int(model.get_embedding_dimension() or 0)
    (out / MODEL_ID_FILE).write_text(
        json.dumps({"model_id": f"{base_id} adapted {key[:16]}", "dim": dim}, indent=2) + "\n", encoding="utf-8"
    )
    record = {
        "key": key,
        "base_model": {"id": base_id, "path": str(base_model)},
        "kb_sha256": kb_fingerprint(kb_path),
        "recipe": recipe.to_dict(),
        "run": dataclasses.asdict(run),
        "confusables": {slug: list(near) for slug, near in confusables.items()},
    }
    (out / KEY_FILE).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return run


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _prompts(model: SentenceTransformer) -> tuple[str, str]:
    """The (query, passage) prompts, as the embedder applies them at search time."""
    prompts = model.prompts or {}
    return prompts.get("query") or "", prompts.get("passage") or prompts.get("document") or ""


def _prompted(model: SentenceTransformer, passages: Sequence[Passage]) -> list[str]:
    query, passage = _prompts(model)
    return [(query if p.is_query_like else passage) + p.text for p in passages]


def encode_views(model: SentenceTransformer, passages: Sequence[Passage]) -> np.ndarray:
    """Unit vectors for passages, with the query or passage prompt each would get in the index."""
    vectors = model.encode(
        _prompted(model, passages),
        batch_size=64,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def _freeze(model: SentenceTransformer, recipe: AdaptRecipe) -> None:
    """Freeze the word embeddings (most of the weights, and what the other languages' tokens
    need unchanged) and, with ``trainable_layers``, every layer below the top N."""
    transformer: Any = model[0].auto_model
    if recipe.trainable_layers > 0:
        layers = {int(m.group(1)) for name, _ in transformer.named_parameters() if (m := _LAYER_RE.search(name))}
        if layers:
            lowest = max(layers) + 1 - recipe.trainable_layers
            for name, param in transformer.named_parameters():
                m = _LAYER_RE.search(name)
                param.requires_grad_(m is not None and int(m.group(1)) >= lowest)
    if recipe.freeze_word_embeddings:
        transformer.get_input_embeddings().weight.requires_grad_(False)


def _embed(model: SentenceTransformer, passages: Sequence[Passage]) -> torch.Tensor:
    """Embeddings with gradients; query-like and body texts go in separate forwards so the short
    ones are not padded to the long ones' length."""
    import torch
    import torch.nn.functional as F

    texts = _prompted(model, passages)
    out: torch.Tensor | None = None
    for is_query in (True, False):
        idx = [i for i, p in enumerate(passages) if p.is_query_like is is_query]
        if not idx:
            continue
        features = model.preprocess([texts[i] for i in idx])
        vectors = F.normalize(model(features)["sentence_embedding"], dim=-1)
        if out is None:
            out = vectors.new_zeros((len(passages), vectors.shape[1]))
        out = out.index_copy(0, torch.tensor(idx), vectors)
    assert out is not None
    return out


def batch_loss(
    model: SentenceTransformer, batch: Sequence[TrainingExample], slug_ids: dict[str, int], scale: float
) -> torch.Tensor:
    """InfoNCE of each anchor against every positive and negative in the batch.

    Candidates of the anchor's own topic other than its positive are masked: they are not wrong.
    """
    import torch
    import torch.nn.functional as F

    anchors = _embed(model, [ex.anchor for ex in batch])
    docs = [ex.positive for ex in batch] + [ex.negative for ex in batch if ex.negative is not None]
    doc_slugs = [ex.slug for ex in batch] + [ex.negative_slug or "" for ex in batch if ex.negative is not None]
    candidates = _embed(model, docs)
    scores = scale * anchors @ candidates.T
    anchor_ids = torch.tensor([slug_ids[ex.slug] for ex in batch])
    doc_ids = torch.tensor([slug_ids.get(s, -1) for s in doc_slugs])
    same_topic = anchor_ids[:, None] == doc_ids[None, :]
    rows = torch.arange(len(batch))
    same_topic[rows, rows] = False
    scores = scores.masked_fill(same_topic, float("-inf"))
    return F.cross_entropy(scores, rows)


def _schedule(total: int, warmup: int) -> Callable[[int], float]:
    """Linear warm-up, then linear decay to zero."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total - step) / max(1, total - warmup))

    return factor


def train_model(
    model: SentenceTransformer,
    examples: Sequence[TrainingExample],
    recipe: AdaptRecipe = DEFAULT_RECIPE,
    *,
    progress: bool = True,
) -> TrainingRun:
    """Fine-tune ``model`` in place on ``examples`` (AdamW, warm-up then linear decay).

    Batches are consecutive slices of one seeded shuffle per epoch, built in this process.
    """
    import torch
    from tqdm import tqdm

    if not examples:
        raise NoTrainingPairs("no training examples: the knowledge base has no titles or questions to pair")
    torch.manual_seed(recipe.seed)
    slug_ids = {slug: i for i, slug in enumerate(sorted({ex.slug for ex in examples}))}
    original_length = model.max_seq_length
    model.max_seq_length = min(recipe.max_seq_length, original_length or recipe.max_seq_length)
    _freeze(model, recipe)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=recipe.learning_rate, weight_decay=recipe.weight_decay)
    per_epoch = math.ceil(len(examples) / recipe.batch_size)
    total = per_epoch * recipe.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _schedule(total, int(total * recipe.warmup_ratio)))
    losses: list[float] = []
    started = time.perf_counter()
    model.train()
    try:
        with tqdm(total=total, desc="adapt model", unit="step", disable=not progress) as bar:
            for epoch in range(recipe.epochs):
                order = list(range(len(examples)))
                random.Random(recipe.seed * 1_000_003 + epoch).shuffle(order)
                for start in range(0, len(order), recipe.batch_size):
                    batch = [examples[i] for i in order[start : start + recipe.batch_size]]
                    loss = batch_loss(model, batch, slug_ids, recipe.scale)
                    loss.backward()  # type: ignore[no-untyped-call]
                    optimizer.step()
                    scheduler.step()
                    optimizer.zero_grad(set_to_none=True)
                    losses.append(float(loss.detach()))
                    bar.update(1)
                    bar.set_postfix(epoch=epoch + 1, loss=f"{losses[-1]:.3f}")
    finally:
        model.eval()
        model.max_seq_length = original_length
        for p in model.parameters():
            p.requires_grad_(True)
    head = losses[: max(1, per_epoch // 4)]
    tail = losses[-max(1, per_epoch // 4) :]
    return TrainingRun(
        examples=len(examples),
        steps=len(losses),
        seconds=round(time.perf_counter() - started, 1),
        first_loss=round(sum(head) / len(head), 4),
        last_loss=round(sum(tail) / len(tail), 4),
    )
