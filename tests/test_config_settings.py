"""Settings for a knowledge base other than the server's never share its data folder."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings


def test_for_kb_same_kb_keeps_settings(tmp_path: Path) -> None:
    s = Settings(_env_file=None, data_dir=tmp_path)
    assert s.for_kb(s.kb_path) is s


def test_for_kb_other_kb_gets_its_own_stable_data_dir(tmp_path: Path) -> None:
    s = Settings(_env_file=None, data_dir=tmp_path)
    other = s.for_kb(tmp_path / "bench.jsonl")
    assert other.kb_path == (tmp_path / "bench.jsonl").resolve()
    assert other.data_dir.parent == tmp_path / "kb-cache"
    assert other.index_dir != s.index_dir
    assert s.for_kb(tmp_path / "bench.jsonl").data_dir == other.data_dir
    assert s.for_kb(tmp_path / "bench.jsonl", tmp_path / "cache").data_dir.parent == tmp_path / "cache"
