"""The serving bench's pure parts at tiny sizes: summaries, synthetic articles, recall, the IVF switch,
the report files and the CLI's argument checks. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.__main__ import build_parser
from eval.load_bench import LoadResult, env_file, summarise
from eval.scale_bench import recall_at, run_size, synthetic_vectors
from eval.serving_bench import bench_markdown, bench_texts, latency_summary, ratio, write_bench
from retrieval.index import faiss_index


def _base(rows: int = 40, dim: int = 16) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(3)
    base = rng.standard_normal((rows, dim)).astype(np.float32)
    return base / np.linalg.norm(base, axis=1, keepdims=True), [i // 4 for i in range(rows)]


def test_latency_summary_uses_nearest_rank() -> None:
    summary = latency_summary([float(v) for v in range(1, 101)])
    assert (summary["p50_ms"], summary["p95_ms"], summary["p99_ms"], summary["n"]) == (50.0, 95.0, 99.0, 100)
    assert latency_summary([])["p50_ms"] is None
    assert ratio(12.0, 10.0) == 1.2 and ratio(1.0, None) is None and ratio(1.0, 0.0) is None


def test_load_summary_counts_turns_and_errors() -> None:
    result = LoadResult(latencies_ms=[10.0, 20.0, 30.0, 40.0])
    result.error("message 500")
    result.error("message 500")
    result.error("ConnectError")
    out = summarise(result, 2.0)
    assert out["turns"] == 4 and out["turns_per_s"] == 2.0
    assert out["p50_ms"] == 20.0 and out["p99_ms"] == 40.0
    assert out["errors"] == 3 and out["error_kinds"] == {"message 500": 2, "ConnectError": 1}


def test_env_file_names_settings_with_the_prefix() -> None:
    assert env_file({"embedding_backend": "onnx", "rate_limit_per_minute": 5}) == (
        "SUPPORTBOT_EMBEDDING_BACKEND=onnx\nSUPPORTBOT_RATE_LIMIT_PER_MINUTE=5\n"
    )


def test_bench_texts_spread_over_the_set() -> None:
    rows = [{"text": f"q{i}"} for i in range(10)]
    assert bench_texts(rows, 5) == ["q0", "q2", "q4", "q6", "q8"]
    assert bench_texts(rows, 50) == [f"q{i}" for i in range(10)]


def test_synthetic_articles_keep_the_passage_ratio_and_are_unit() -> None:
    base, owners = _base()
    vectors = synthetic_vectors(base, owners, 25)
    assert vectors.shape == (25 * 4, 16)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Article 10 is a moved copy of article 0: near it, not equal to it.
    cos = float(vectors[40] @ base[0])
    assert 0.5 < cos < 0.9999


def test_recall_at_10_counts_shared_neighbours() -> None:
    exact = np.array([list(range(10)), list(range(10, 20))])
    found = np.array([list(range(10)), [*range(10, 15), *range(100, 105)]])
    assert recall_at(found, exact) == 0.75


def test_faiss_index_above_the_threshold_is_ivf() -> None:
    base, owners = _base()
    vectors = synthetic_vectors(base, owners, 100)
    flat = faiss_index(vectors, ann_min_vectors=10_000)
    ivf = faiss_index(vectors, ann_min_vectors=100, nprobe=4)
    assert type(flat).__name__ == "IndexIDMap" and type(ivf).__name__ == "IndexIVFFlat"
    assert ivf.nprobe == 4 and ivf.ntotal == len(vectors)
    _, ids = ivf.search(vectors[:3], 1)
    assert ids[:, 0].tolist() == [0, 1, 2]


def test_run_size_reports_a_row() -> None:
    base, owners = _base()
    row = run_size(base, owners, 30, queries=10)
    assert row["articles"] == 30 and row["vectors"] == 120 and row["kind"] == "Flat (exact)"
    assert row["recall_at_10"] == 1.0 and row["query_ms_p50"] is not None


def _payload() -> dict[str, object]:
    enc = {"p50_ms": 10.0, "p95_ms": 12.0, "p99_ms": 13.0, "mean_ms": 10.5, "n": 3}
    turn = {"p50_ms": 11.0, "p95_ms": 15.0, "p99_ms": 16.0, "mean_ms": 11.5, "n": 3}
    return {
        "date": "2026-01-02",
        "started_at": "2026-01-02T03:04:05+00:00",
        "command": "python -m eval bench --duration 1",
        "machine": {"cores": 2, "cpu": "test CPU", "memory_gib": 4, "gpu": "none", "load_average_at_start": 1.0,
                    "python": "3.11", "model": "m"},
        "latency": [{"backend": "onnx-int8", "encode": enc, "turn": turn, "encode_p50_over_torch": 0.5,
                     "turn_p50_over_encode_p50": 1.1, "turn_p95_over_encode_p95": 1.25,
                     "turn_p95_over_encode_p50": 1.5}],
        "load": [{"backend": "onnx-int8", "workers": 2, "users": 50, "seconds": 1.0, "turns_per_s": 61.5,
                  "p50_ms": 80.0, "p95_ms": 200.0, "p99_ms": 240.0, "errors": 0,
                  "rss_after_load": {"total_mb": 700.0, "per_worker_mb": [350.0, 350.0]}}],
        "scale": {"ann_min_vectors": 50000, "candidates": 256, "sizes": [
            {"articles": 1000, "vectors": 10900, "kind": "Flat (exact)", "build_s": 0.1, "index_mb": 16.0,
             "rss_growth_mb": 16.0, "query_ms_p50": 0.9, "query_ms_p95": 1.2, "recall_at_10": 1.0}]},
        "seconds": 60.0,
    }


def test_write_bench_writes_json_and_markdown(tmp_path: Path) -> None:
    md = write_bench(_payload(), tmp_path)
    assert md == tmp_path / "2026-01-02" / "bench.md"
    saved = json.loads((tmp_path / "2026-01-02" / "bench.json").read_text(encoding="utf-8"))
    assert saved["load"][0]["turns_per_s"] == 61.5
    text = md.read_text(encoding="utf-8")
    assert "python -m eval bench --duration 1" in text and "2 CPU cores (test CPU)" in text
    assert "| onnx-int8 | 10.0 | 12.0 | 0.50x | 11.0 | 15.0 | 1.10x | 1.25x | 1.50x | 3 |" in text
    assert "| onnx-int8 | sqlite | 2 | 50 | 1.0 | 61.5 | 80.0 | 200.0 | 240.0 | 0 | 700.0 | 350.0, 350.0 |" in text
    assert "| 1000 | 10900 | Flat (exact) |" in text


def test_bench_markdown_has_the_restart_section() -> None:
    payload = {**_payload(), "restart": [
        {"backend": "torch", "first_start_s": 8.4, "restarts_s": [7.9, 8.1], "restart_p50_s": 7.9, "restart_max_s": 8.1},
        {"backend": "onnx", "failed": "server exited with 1"},
    ]}
    text = bench_markdown(payload)
    assert "## 5. Start-up" in text
    assert "| torch | 8.4 | 7.9, 8.1 | 7.9 | 8.1 |" in text
    assert "| onnx | failed: server exited with 1 |" in text


def test_bench_markdown_without_load_or_scale() -> None:
    payload = {**_payload(), "load": [], "scale": None}
    text = bench_markdown(payload)
    assert "## 1. Turn latency" in text and "## 4." not in text


@pytest.mark.parametrize(
    "argv",
    [["bench", "--backends", "torch,tensorrt"], ["bench", "--workers", "one"], ["bench", "--turns", "0"]],
)
def test_bench_cli_refuses_bad_arguments(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2


def test_bench_cli_parses_lists() -> None:
    args = build_parser().parse_args(["bench", "--backends", "onnx,onnx-int8", "--sizes", "1000,10000", "--workers", "2"])
    assert args.backends == ("onnx", "onnx-int8") and args.sizes == (1000, 10000) and args.workers == (2,)
    assert args.duration == 60.0 and args.users == 50


def test_run_bench_smoke_on_the_real_model(tmp_path: Path) -> None:
    """The whole bench path on the real model with every heavy part switched off: it runs, and it
    writes the report (it once failed at its first line when a helper's signature changed)."""
    from config import Settings
    from eval.serving_bench import BenchOptions, run_bench

    options = BenchOptions(backends=("torch",), server_backends=(), turns=3, sizes=(), restart_backends=(),
                           reports=tmp_path / "reports", work=tmp_path / "work")
    payload = run_bench(Settings(), options, log=lambda line: None)
    assert [r["backend"] for r in payload["latency"]] == ["torch"]
    assert payload["latency"][0]["turn"]["n"] == 3 and payload["restart"] == []
    assert (tmp_path / "reports" / payload["date"] / "bench.md").is_file()
