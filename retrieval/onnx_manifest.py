"""What an ONNX export of a model folder is, and whether it still matches the folder.

``<model dir>/onnx/`` holds ``model.onnx`` (float32), optionally ``model_int8.onnx`` (dynamic int8),
each with its weights in a side file (``*.onnx_data``) that ONNX Runtime memory-maps, and
``export.json``: the settings the exporter resolved (``max_seq_length``, ``dim``) and a stamp of
every source file (size, mtime, sha256). Serving refuses an export whose sources changed since,
so adapted weights are never served through an old graph. Nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from retrieval.errors import ModelNotExported

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
EXPORT_FILE = "export.json"
EXPORT_FORMAT = 1
# The files whose content decides the vectors; those a folder lacks are simply not stamped.
SOURCE_FILES = (
    "model.safetensors",
    "pytorch_model.bin",
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "config_sentence_transformers.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
)


@dataclass(frozen=True, slots=True)
class FileStamp:
    """Size and mtime answer "unchanged?" cheaply; the sha256 settles it when they differ."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True, slots=True)
class OnnxExport:
    """The ``export.json`` of one export folder."""

    max_seq_length: int
    dim: int
    files: tuple[str, ...]
    sources: dict[str, FileStamp]
    versions: dict[str, str] = field(default_factory=dict)
    format: int = EXPORT_FORMAT

    def save(self, folder: Path) -> None:
        """Write ``export.json`` into ``folder``."""
        data = asdict(self)
        data["files"] = list(self.files)
        (folder / EXPORT_FILE).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> OnnxExport:
        """Read ``folder/export.json``.

        :raises ModelNotExported: when the file is missing or from another format.
        """
        path = folder / EXPORT_FILE
        if not path.is_file():
            raise ModelNotExported(f"{folder}: no ONNX export ({EXPORT_FILE} missing)")
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != EXPORT_FORMAT:
            raise ModelNotExported(f"{path}: export format {data.get('format')}, expected {EXPORT_FORMAT}")
        return cls(
            max_seq_length=int(data["max_seq_length"]),
            dim=int(data["dim"]),
            files=tuple(data["files"]),
            sources={name: FileStamp(**s) for name, s in data["sources"].items()},
            versions=dict(data.get("versions", {})),
        )


def onnx_dir_of(model_dir: Path | str) -> Path:
    """Where a model folder's ONNX export lives by default: ``<model dir>/onnx``."""
    return Path(model_dir) / ONNX_DIR


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_stamp(path: Path) -> FileStamp:
    """Size, mtime and sha256 of one file."""
    st = path.stat()
    return FileStamp(size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=_sha256(path))


def source_stamps(model_dir: Path) -> dict[str, FileStamp]:
    """A stamp of every source file the folder has (see ``SOURCE_FILES``)."""
    return {name: file_stamp(model_dir / name) for name in SOURCE_FILES if (model_dir / name).is_file()}


def check_fresh(export: OnnxExport, model_dir: Path) -> None:
    """Raise unless every source file is as it was when the export was made.

    A file whose size and mtime are unchanged counts as unchanged; any other is hashed, so a copied
    folder (new mtimes, same bytes) still serves.

    :raises ModelNotExported: naming the first file that changed, appeared or disappeared.
    """
    present = {name for name in SOURCE_FILES if (model_dir / name).is_file()}
    if present != set(export.sources):
        changed = sorted(present ^ set(export.sources))
        raise ModelNotExported(f"{model_dir}: files changed since the ONNX export: {', '.join(changed)}")
    for name, saved in export.sources.items():
        path = model_dir / name
        st = path.stat()
        if (st.st_size, st.st_mtime_ns) == (saved.size, saved.mtime_ns):
            continue
        if st.st_size != saved.size or _sha256(path) != saved.sha256:
            raise ModelNotExported(
                f"{model_dir}: {name} changed since the ONNX export; "
                f"run `python -m retrieval export-onnx --model {model_dir}`"
            )


def is_export_current(model_dir: Path, onnx_dir: Path | None = None, *, quantized: bool = True) -> bool:
    """Whether ``onnx_dir`` (default ``<model_dir>/onnx``) holds a current export of ``model_dir``,
    with the int8 model too when ``quantized``."""
    folder = onnx_dir if onnx_dir is not None else onnx_dir_of(model_dir)
    try:
        export = OnnxExport.load(folder)
        check_fresh(export, model_dir)
    except ModelNotExported:
        return False
    wanted = (FP32_FILE, INT8_FILE) if quantized else (FP32_FILE,)
    return all(name in export.files and (folder / name).is_file() for name in wanted)
