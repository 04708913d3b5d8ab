"""The knowledge-base adaptation: a real (tiny) fine-tune, its cache key, and where the served model
comes from (``Settings.adapt_model``).

The real training runs once per module on three topics in two languages, one epoch of a few
steps; the cache rules are checked with a stand-in builder, so they cost no training at all.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from config.settings import Settings
from retrieval import HashEmbedder
from retrieval import adapt as adapt_mod
from retrieval.adapt import (
    DEFAULT_RECIPE,
    KEY_FILE,
    AdaptRecipe,
    adaptation_key,
    adapted_model_path,
    build_adapted_model,
    cached_adapted_model,
    encode_views,
    model_fingerprint,
    served_model,
)
from retrieval.articles import load_articles
from retrieval.passages import PassageKind
from retrieval.training_pairs import TrainingExample, training_examples
from tests.conftest import KB

TOPICS = ("reset-password", "deposit-not-credited", "withdrawal-pending")
# Seconds on a CPU: one epoch of six steps, short sequences.
TINY = AdaptRecipe(epochs=1, batch_size=8, learning_rate=1e-4, max_seq_length=64, confusable_k=1, seed=7)


def _copy_kb(root: Path) -> Path:
    for lang in ("en", "es"):
        (root / lang).mkdir(parents=True)
        for slug in TOPICS:
            shutil.copy(KB / lang / f"{slug}.md", root / lang / f"{slug}.md")
    return root


def _weights(folder: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def _examples(kb: Path, folder: Path, recipe: AdaptRecipe) -> list[TrainingExample]:
    """The training examples the run used, rebuilt from its saved confusable topics and seed."""
    record = json.loads((folder / KEY_FILE).read_text(encoding="utf-8"))
    confusables = {slug: tuple(near) for slug, near in record["confusables"].items()}
    return training_examples(
        load_articles(kb),
        confusables,
        seed=recipe.seed,
        positive_kinds=frozenset(PassageKind(k) for k in recipe.positive_kinds),
        hard_negatives=recipe.hard_negatives,
    )


def _ranking(model_dir: Path, examples: list[TrainingExample]) -> tuple[float, float]:
    """(top-1, margin) of a model on its training pairs: how often an anchor's nearest positive
    among all the examples' positives is of its own topic, and the mean of cos(anchor, positive)
    minus cos(anchor, hard negative)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    with_negative = [ex for ex in examples if ex.negative is not None]
    anchors = encode_views(model, [ex.anchor for ex in examples])
    positives = encode_views(model, [ex.positive for ex in examples])
    slugs = np.array([ex.slug for ex in examples])
    top1 = float(np.mean(slugs[(anchors @ positives.T).argmax(axis=1)] == slugs))
    a = encode_views(model, [ex.anchor for ex in with_negative])
    p = encode_views(model, [ex.positive for ex in with_negative])
    n = encode_views(model, [ex.negative for ex in with_negative if ex.negative is not None])
    margin = float(np.mean(np.sum(a * p, axis=1) - np.sum(a * n, axis=1)))
    return top1, margin


@pytest.fixture(scope="module")
def tiny_adapt(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """(knowledge base, data dir, adapted folder) of one real tiny fine-tune."""
    root = tmp_path_factory.mktemp("adapt")
    kb = _copy_kb(root / "kb")
    data_dir = root / "data"
    folder = adapted_model_path(kb, model_path, data_dir, TINY, progress=False)
    yield kb, data_dir, folder


def test_adapt_writes_a_complete_model_named_by_its_key(tiny_adapt: tuple[Path, Path, Path], model_path: Path) -> None:
    kb, data_dir, folder = tiny_adapt
    key = adaptation_key(kb, model_path, TINY)
    assert folder == data_dir / "models" / f"adapted-{key[:16]}"
    record = json.loads((folder / KEY_FILE).read_text(encoding="utf-8"))
    assert record["key"] == key and record["recipe"]["epochs"] == 1
    assert record["run"]["steps"] == record["run"]["examples"] // TINY.batch_size + bool(
        record["run"]["examples"] % TINY.batch_size
    )
    assert (folder / "modules.json").is_file()
    assert json.loads((folder / "supportbot_model.json").read_text(encoding="utf-8"))["model_id"].endswith(key[:16])


def test_adapt_changes_the_encoder_but_not_the_frozen_word_embeddings(
    tiny_adapt: tuple[Path, Path, Path], model_path: Path
) -> None:
    import torch

    base, adapted = _weights(model_path), _weights(tiny_adapt[2])
    assert base.keys() == adapted.keys()
    changed = [name for name in base if not torch.equal(base[name], adapted[name])]
    assert any(".layer.11." in name for name in changed) and any(".layer.0." in name for name in changed)
    assert not any("word_embeddings" in name for name in changed)


def test_adapt_improves_its_own_training_pair_ranking(tiny_adapt: tuple[Path, Path, Path], model_path: Path) -> None:
    kb, _, folder = tiny_adapt
    examples = _examples(kb, folder, TINY)
    assert len(examples) == json.loads((folder / KEY_FILE).read_text(encoding="utf-8"))["run"]["examples"]
    base_top1, base_margin = _ranking(model_path, examples)
    top1, margin = _ranking(folder, examples)
    assert top1 >= base_top1
    assert margin > base_margin + 0.01, (base_margin, margin)


def test_adapt_is_deterministic_with_a_seed(tiny_adapt: tuple[Path, Path, Path], model_path: Path, tmp_path: Path) -> None:
    import torch

    kb, _, folder = tiny_adapt
    run = build_adapted_model(kb, model_path, tmp_path / "again", TINY, progress=False)
    first = json.loads((folder / KEY_FILE).read_text(encoding="utf-8"))["run"]
    assert (run.first_loss, run.last_loss, run.steps) == (first["first_loss"], first["last_loss"], first["steps"])
    again, original = _weights(tmp_path / "again"), _weights(folder)
    assert all(torch.allclose(again[name], original[name], rtol=0, atol=1e-6) for name in original)


def test_adapt_second_call_reuses_the_cached_model(
    tiny_adapt: tuple[Path, Path, Path], model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb, data_dir, folder = tiny_adapt
    stamp = (folder / "model.safetensors").stat().st_mtime_ns

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained again although the cached model matches")

    monkeypatch.setattr(adapt_mod, "build_adapted_model", no_training)
    assert adapted_model_path(kb, model_path, data_dir, TINY, progress=False) == folder
    assert cached_adapted_model(kb, model_path, data_dir, TINY) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp


# --- The cache rules, with a stand-in builder (no training) ------------------------------------------------


class FakeBuilder:
    """Writes what ``_is_complete`` looks for and counts the builds."""

    def __init__(self) -> None:
        self.builds: list[str] = []  # the keys built
        self.fail = False

    def __call__(self, kb: Path, base: Path, out: Path, recipe: AdaptRecipe, *, key: str, progress: bool) -> None:
        out.mkdir(parents=True)
        (out / "modules.json").write_text("[]", encoding="utf-8")
        if self.fail:
            raise RuntimeError("killed mid-build")
        (out / KEY_FILE).write_text(json.dumps({"key": key}), encoding="utf-8")
        self.builds.append(key)


@pytest.fixture
def fake_builder(monkeypatch: pytest.MonkeyPatch) -> FakeBuilder:
    builder = FakeBuilder()
    monkeypatch.setattr(adapt_mod, "build_adapted_model", builder)
    return builder


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A stand-in base model folder (only its bytes matter to the key)."""
    folder = tmp_path / "base"
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 4}', encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"weights v1")
    return folder


def test_cache_reused_when_nothing_changed(tiny_kb: Path, base: Path, tmp_path: Path, fake_builder: FakeBuilder) -> None:
    first = adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False)
    assert adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False) == first
    assert len(fake_builder.builds) == 1


def test_cache_invalidated_when_the_kb_text_changes(
    tiny_kb: Path, base: Path, tmp_path: Path, fake_builder: FakeBuilder
) -> None:
    first = adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False)
    article = tiny_kb / "es" / "withdrawal-pending.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nRevisa también la red elegida.\n", encoding="utf-8")
    second = adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False)
    assert second != first and len(fake_builder.builds) == 2
    assert not first.exists(), "the stale adapted model is removed"


def test_cache_invalidated_when_the_recipe_changes(
    tiny_kb: Path, base: Path, tmp_path: Path, fake_builder: FakeBuilder
) -> None:
    first = adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False)
    for changed in (AdaptRecipe(**{**TINY.to_dict(), "epochs": 2}), AdaptRecipe(**{**TINY.to_dict(), "seed": 8})):
        assert adapted_model_path(tiny_kb, base, tmp_path / "data", changed, progress=False) != first
    assert len(fake_builder.builds) == 3


def test_cache_invalidated_when_the_base_model_changes(
    tiny_kb: Path, base: Path, tmp_path: Path, fake_builder: FakeBuilder
) -> None:
    first = adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False)
    (base / "model.safetensors").write_bytes(b"weights v2")
    second = adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False)
    other = tmp_path / "other-base"
    shutil.copytree(base, other)
    third = adapted_model_path(tiny_kb, other, tmp_path / "data", TINY, progress=False)
    assert len({first, second, third}) == 3 and len(fake_builder.builds) == 3


def test_cache_kept_when_the_base_model_is_exported_to_onnx(
    tiny_kb: Path, base: Path, tmp_path: Path, fake_builder: FakeBuilder
) -> None:
    before = model_fingerprint(base)
    first = adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False)
    (base / "onnx").mkdir()
    (base / "onnx" / "model.onnx").write_bytes(b"graph")
    assert model_fingerprint(base) == before
    assert adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False) == first
    assert len(fake_builder.builds) == 1


def test_killed_build_leaves_nothing_a_later_run_would_use(
    tiny_kb: Path, base: Path, tmp_path: Path, fake_builder: FakeBuilder
) -> None:
    fake_builder.fail = True
    with pytest.raises(RuntimeError):
        adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False)
    assert cached_adapted_model(tiny_kb, base, tmp_path / "data", TINY) is None
    assert [p.name for p in (tmp_path / "data" / "models").iterdir()] == []
    fake_builder.fail = False
    assert adapted_model_path(tiny_kb, base, tmp_path / "data", TINY, progress=False).is_dir()


# --- Which model is served -------------------------------------------------------------------------------


def _settings(kb: Path, base: Path, data_dir: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, kb_path=kb, data_dir=data_dir, embedding_model=str(base), **values)


def test_adapt_model_is_off_by_default_until_the_whole_bot_is_measured_with_it() -> None:
    assert Settings(_env_file=None).adapt_model is False


def test_served_model_with_adapt_off_is_the_base_model(
    tiny_kb: Path, base: Path, tmp_path: Path, fake_builder: FakeBuilder
) -> None:
    assert served_model(_settings(tiny_kb, base, tmp_path, adapt_model=False)) == str(base)
    assert fake_builder.builds == []


def test_served_model_with_adapt_on_is_the_adapted_folder(
    tiny_kb: Path, base: Path, tmp_path: Path, fake_builder: FakeBuilder
) -> None:
    served = served_model(_settings(tiny_kb, base, tmp_path, adapt_model=True))
    key = adaptation_key(tiny_kb, base, DEFAULT_RECIPE)
    assert served == str(tmp_path / "models" / f"adapted-{key[:16]}")
    assert fake_builder.builds == [key]


def test_served_model_falls_back_to_the_base_when_there_is_nothing_to_train_on(
    tiny_kb: Path, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def nothing(*args: object, **kwargs: object) -> None:
        raise adapt_mod.NoTrainingPairs("no pairs")

    monkeypatch.setattr(adapt_mod, "build_adapted_model", nothing)
    assert served_model(_settings(tiny_kb, base, tmp_path, adapt_model=True)) == str(base)


class _RecordingEmbedder(HashEmbedder):
    loaded: list[str] = []

    def __init__(self, name_or_path: str) -> None:
        super().__init__(dim=32)
        self.model_id = f"hash:{name_or_path}"
        _RecordingEmbedder.loaded.append(name_or_path)


@pytest.mark.parametrize("adapt_on", [False, True])
def test_build_bot_serves_the_resolved_model_and_keys_the_index_by_it(
    adapt_on: bool, tiny_kb: Path, base: Path, tmp_path: Path, fake_builder: FakeBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.assembly

    _RecordingEmbedder.loaded = []
    monkeypatch.setattr(bot.assembly, "make_embedder", lambda model, backend, threads=None: _RecordingEmbedder(model))
    settings = _settings(tiny_kb, base, tmp_path / "data", adapt_model=adapt_on)
    built = bot.assembly.build_bot(settings)
    key = adaptation_key(tiny_kb, base, DEFAULT_RECIPE)
    expected = str(tmp_path / "data" / "models" / f"adapted-{key[:16]}") if adapt_on else str(base)
    assert _RecordingEmbedder.loaded == [expected]
    assert fake_builder.builds == ([key] if adapt_on else [])
    assert built.retriever.index.manifest.model == f"hash:{expected}"


def test_adapt_cli_prints_the_adapted_folder_and_does_nothing_when_off(
    tiny_kb: Path,
    base: Path,
    tmp_path: Path,
    fake_builder: FakeBuilder,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retrieval.__main__ import main

    monkeypatch.setenv("SUPPORTBOT_ADAPT_MODEL", "true")

    common = ["adapt", "--kb", str(tiny_kb), "--base-model", str(base), "--data-dir", str(tmp_path), "--no-progress"]
    assert main([*common, "--no-adapt"]) == 0
    assert "adaptation is off" in capsys.readouterr().out and fake_builder.builds == []
    assert main([*common, "--epochs", "1"]) == 0
    key = adaptation_key(tiny_kb, base, AdaptRecipe(**{**DEFAULT_RECIPE.to_dict(), "epochs": 1}))
    assert capsys.readouterr().out.strip() == str(tmp_path / "models" / f"adapted-{key[:16]}")
    assert fake_builder.builds == [key]
