"""``python -m eval bench``: how fast and how lean serving is, written to ``eval/reports/<date>/bench.*``.

1. Turn latency of the whole pipeline (``Bot.handle``: redact, language, intents, retrieval, policy,
   compose) and of a bare single-query encode, interleaved text by text on the same backend, for every
   backend in one run, so the ratios compare like with like.
2. The real server (:mod:`eval.load_bench`) under simulated widget users, for 1 and 2 workers.
3. The server's memory after that load.
4. The index at 1k, 10k and 100k synthetic articles (:mod:`eval.scale_bench`).
5. Start-up: process start to the first ``/healthz`` 200, first start and after SIGKILLs.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from config.settings import PROJECT_ROOT, Settings
from config.stats import percentile
from eval.report import code_state, machine_info, machine_line

REPORTS = PROJECT_ROOT / "eval" / "reports"
WARMUP_TURNS = 10


@dataclasses.dataclass(frozen=True, slots=True)
class BenchOptions:
    backends: tuple[str, ...] = ("torch", "onnx", "onnx-int8")
    server_backends: tuple[str, ...] = ("onnx-int8",)
    turns: int = 200
    users: int = 50
    workers: tuple[int, ...] = (1, 2)
    # The handoff engines the HTTP load runs on: sqlite (a fresh file per run) and, with
    # ``postgres_url``, postgresql (that database, shared by the workers).
    engines: tuple[str, ...] = ("sqlite",)
    postgres_url: str = ""
    duration_s: float = 60.0
    warmup_s: float = 5.0
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    restart_backends: tuple[str, ...] = ("torch", "onnx-int8")
    restart_cycles: int = 4
    reports: Path = REPORTS
    work: Path | None = None
    command: str = "python -m eval bench"


def latency_summary(values_ms: Sequence[float]) -> dict[str, float | None]:
    """p50, p95, p99 and mean of ``values_ms`` (nearest rank, as every report here)."""
    return {
        "p50_ms": percentile(values_ms, 50),
        "p95_ms": percentile(values_ms, 95),
        "p99_ms": percentile(values_ms, 99),
        "mean_ms": float(np.mean(values_ms)) if len(values_ms) else None,
        "n": len(values_ms),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else round(a / b, 3)


def bench_texts(rows: Sequence[dict[str, str]], n: int) -> list[str]:
    """``n`` question texts spread evenly over the set (every language, in order)."""
    texts = [r["text"] for r in rows if r.get("text")]
    if len(texts) <= n:
        return texts
    step = len(texts) / n
    return [texts[int(i * step)] for i in range(n)]


def _seed_data_dir(settings: Settings, data_dir: Path, model_id: str) -> None:
    """Start from the server's index (and calibration) when it is this model's, to skip a rebuild."""
    src = settings.index_dir / "manifest.json"
    if data_dir.exists() or not src.is_file():
        return
    if json.loads(src.read_text(encoding="utf-8")).get("model") == model_id:
        shutil.copytree(settings.index_dir, data_dir / "index")


def turn_latency(
    settings: Settings, backend: str, texts: Sequence[str], data_dir: Path, log: Callable[[str], None]
) -> tuple[dict[str, Any], Any]:
    """Bare encode and whole-turn latency on ``backend``; returns the figures and the bot."""
    from bot.assembly import build_bot
    from retrieval.embedder import make_embedder

    started = time.perf_counter()
    embedder = make_embedder(settings.embedding_model, backend, threads=settings.embedding_threads or None)
    _seed_data_dir(settings, data_dir, embedder.model_id)
    bot = build_bot(settings.model_copy(update={"embedding_backend": backend, "data_dir": data_dir}), embedder=embedder)
    load_s = time.perf_counter() - started
    for text in texts[:WARMUP_TURNS]:
        embedder.encode_queries([text])
        bot.handle(text)
    encode_ms: list[float] = []
    turn_ms: list[float] = []
    for i, text in enumerate(texts):
        t0 = time.perf_counter()
        embedder.encode_queries([text])
        t1 = time.perf_counter()
        bot.handle(text)
        t2 = time.perf_counter()
        encode_ms.append((t1 - t0) * 1000)
        turn_ms.append((t2 - t1) * 1000)
        if (i + 1) % 50 == 0:
            log(f"turn latency [{backend}]: {i + 1}/{len(texts)}")
    enc, turn = latency_summary(encode_ms), latency_summary(turn_ms)
    return {
        "backend": backend,
        "model_id": embedder.model_id,
        "load_s": round(load_s, 1),
        "encode": enc,
        "turn": turn,
        "turn_p50_over_encode_p50": ratio(turn["p50_ms"], enc["p50_ms"]),
        "turn_p95_over_encode_p95": ratio(turn["p95_ms"], enc["p95_ms"]),
        "turn_p95_over_encode_p50": ratio(turn["p95_ms"], enc["p50_ms"]),
    }, bot


def kb_vectors(bot: Any) -> tuple[np.ndarray, list[int]]:
    """The knowledge base's passage vectors and each one's article number, from the bot's index."""
    index = bot.retriever.index
    keys = [p.article_key for p in index.passages]
    numbers = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    return index.vectors(), [numbers[k] for k in keys]


def run_bench(settings: Settings, options: BenchOptions, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Every part of the bench; the payload of ``bench.json``."""
    from bot.assembly import QUESTION_SET, load_question_rows
    from eval.load_bench import run_load, run_restart
    from eval.scale_bench import run_scale

    say = log or (lambda line: print(line, file=sys.stderr, flush=True))
    began = time.perf_counter()
    work = options.work or settings.data_dir / "bench"
    work.mkdir(parents=True, exist_ok=True)
    rows = [r for r in load_question_rows(QUESTION_SET) if r.get("kind") == "in_scope"]
    texts = bench_texts(rows, options.turns)
    payload: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": options.command,
        "code": code_state(),
        "machine": machine_info(settings.embedding_model),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(options).items()},
        "latency": [],
        "load": [],
        "scale": None,
        "restart": [],
    }
    base: tuple[np.ndarray, list[int]] | None = None
    data_dirs: dict[str, Path] = {}
    for backend in options.backends:
        say(f"turn latency [{backend}]: loading")
        data_dirs[backend] = work / f"data-{backend}"
        figures, bot = turn_latency(settings, backend, texts, data_dirs[backend], say)
        payload["latency"].append(figures)
        say(f"turn latency [{backend}]: {json.dumps(figures)}")
        write_bench(payload, options.reports)
        if base is None:
            base = kb_vectors(bot)
        del bot
        gc.collect()
    torch_row = next((r for r in payload["latency"] if r["backend"] == "torch"), None)
    for row in payload["latency"]:
        row["encode_p50_over_torch"] = ratio(row["encode"]["p50_ms"], torch_row["encode"]["p50_ms"]) if torch_row else None
    load_texts = [r["text"] for r in rows]

    def prepared(backend: str) -> Path:
        """The backend's data folder with its index, calibration and exemplar vectors built."""
        if backend not in data_dirs:
            say(f"[{backend}]: preparing its data folder")
            data_dirs[backend] = work / f"data-{backend}"
            _, bot = turn_latency(settings, backend, texts[:WARMUP_TURNS], data_dirs[backend], say)
            del bot
            gc.collect()
        return data_dirs[backend]

    runs = [(backend, engine, workers) for backend in options.server_backends
            for engine in options.engines for workers in options.workers]
    for backend, engine, workers in runs:
        prepared(backend)
        say(f"load [{backend}, {engine}, {workers} worker(s)]: {options.users} users for {options.duration_s:.0f} s")
        server_settings: dict[str, Any] = {"embedding_backend": backend, "embedding_model": settings.embedding_model}
        if engine == "postgresql":
            server_settings["database_url"] = options.postgres_url
        if backend != "torch":
            server_settings["embedding_threads"] = max(1, _cores() // workers)
        try:
            summary = run_load(data_dirs[backend], work, load_texts, server_settings, workers=workers,
                               users=options.users, duration_s=options.duration_s, warmup_s=options.warmup_s)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
            summary = {"workers": workers, "users": options.users, "failed": str(exc), "engine": engine}
        summary["backend"] = backend
        payload["load"].append(summary)
        say(f"load [{backend}, {engine}, {workers} worker(s)]: {json.dumps(summary)}")
        write_bench(payload, options.reports)  # a partial report survives a later failure
    for backend in options.restart_backends:
        say(f"restart [{backend}]: {options.restart_cycles} starts, a SIGKILL before each but the first")
        server_settings = {"embedding_backend": backend, "embedding_model": settings.embedding_model}
        try:
            row = run_restart(prepared(backend), work, server_settings, cycles=options.restart_cycles)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
            row = {"backend": backend, "failed": str(exc)}
        payload["restart"].append(row)
        say(f"restart [{backend}]: {json.dumps(row)}")
        write_bench(payload, options.reports)
    if options.sizes and base is not None:
        payload["scale"] = run_scale(base[0], base[1], options.sizes, progress=say)
    payload["seconds"] = round(time.perf_counter() - began, 1)
    return payload


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _ms(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def _x(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}x"


def bench_markdown(payload: dict[str, Any]) -> str:
    """``bench.md``: one table per part, with the machine, the date and the command."""
    lines = [
        f"# Serving benchmark, {payload['date']}",
        "",
        f"- Machine: {machine_line(payload['machine'])}; {platform.platform()}",
        f"- Command: `{payload['command']}`",
        f"- Started: {payload.get('started_at', '–')}; runtime "
        + (f"{payload['seconds'] / 60:.1f} min" if "seconds" in payload else "(partial report: the run is not over)"),
        "",
        "## 1. Turn latency vs a bare single-query encode (same backend, same run, interleaved)",
        "",
        "| backend | encode p50 ms | encode p95 ms | encode p50 vs torch | turn p50 ms | turn p95 ms "
        "| turn p50 / encode p50 | turn p95 / encode p95 | turn p95 / encode p50 | turns |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in payload["latency"]:
        lines.append(
            f"| {r['backend']} | {_ms(r['encode']['p50_ms'])} | {_ms(r['encode']['p95_ms'])} "
            f"| {_x(r.get('encode_p50_over_torch'))} | {_ms(r['turn']['p50_ms'])} | {_ms(r['turn']['p95_ms'])} "
            f"| {_x(r['turn_p50_over_encode_p50'])} | {_x(r['turn_p95_over_encode_p95'])} "
            f"| {_x(r['turn_p95_over_encode_p50'])} | {r['turn']['n']} |"
        )
    lines += [
        "",
        "## 2-3. The server under simulated widget users, and its memory after the load",
        "",
        "| backend | engine | workers | users | seconds | turns/s | p50 ms | p95 ms | p99 ms | errors | RSS total MB "
        "| RSS per worker MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in payload["load"]:
        if "failed" in r:
            lines.append(f"| {r['backend']} | {r.get('engine', 'sqlite')} | {r['workers']} | {r['users']} | failed: {r['failed']} |")
            continue
        rss = r.get("rss_after_load", {})
        lines.append(
            f"| {r['backend']} | {r.get('engine', 'sqlite')} | {r['workers']} | {r['users']} | {r['seconds']} | {r['turns_per_s']} "
            f"| {_ms(r['p50_ms'])} | {_ms(r['p95_ms'])} | {_ms(r['p99_ms'])} | {r['errors']} "
            f"| {rss.get('total_mb', '–')} | {', '.join(str(v) for v in rss.get('per_worker_mb', []))} |"
        )
    scale = payload.get("scale")
    if scale:
        lines += [
            "",
            f"## 4. Index at scale (synthetic articles from the KB's vectors; approximate above "
            f"{scale['ann_min_vectors']} vectors; search for {scale['candidates']} candidates, one thread)",
            "",
            "| articles | vectors | index | build s | index MB | RSS growth MB | query p50 ms | query p95 ms "
            "| exact query p50 ms | recall@10 vs exact | recall@10 by nprobe |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in scale["sizes"]:
            sweep = ", ".join(f"{k}: {v}" for k, v in r.get("recall_by_nprobe", {}).items()) or "–"
            lines.append(
                f"| {r['articles']} | {r['vectors']} | {r['kind']} | {r['build_s']} | {r['index_mb']} "
                f"| {r['rss_growth_mb']} | {_ms(r['query_ms_p50'])} | {_ms(r['query_ms_p95'])} "
                f"| {_ms(r.get('exact_query_ms_p50'))} | {r['recall_at_10']} | {sweep} |"
            )
    restart = payload.get("restart")
    if restart:
        lines += [
            "",
            "## 5. Start-up: process start to the first `/healthz` 200 (one worker; restarts follow a SIGKILL)",
            "",
            "| backend | first start s | restarts s | restart p50 s | restart max s |",
            "|---|---|---|---|---|",
        ]
        for r in restart:
            if "failed" in r:
                lines.append(f"| {r['backend']} | failed: {r['failed']} |")
                continue
            lines.append(
                f"| {r['backend']} | {r['first_start_s']} | {', '.join(str(v) for v in r['restarts_s'])} "
                f"| {r['restart_p50_s'] if r['restart_p50_s'] is not None else '–'} "
                f"| {r['restart_max_s'] if r['restart_max_s'] is not None else '–'} |"
            )
    lines += [
        "",
        "Definitions: percentiles are nearest-rank (`config.stats.percentile`). A turn is `Bot.handle` on a "
        "question of `eval/data` (in-scope rows, spread over the 8 languages); the bare encode is the same "
        "backend's `encode_queries([text])` just before it. Load: every simulated user starts a conversation, "
        "posts questions back to back and starts over after 6 messages or a hand-off; the first "
        "warm-up seconds are not counted; errors are non-2xx answers and failed connections. The load "
        "client runs on the same machine as the server and shares its cores.",
        "",
    ]
    return "\n".join(lines)


def write_bench(payload: dict[str, Any], reports: Path = REPORTS) -> Path:
    """Write ``<reports>/<date>/bench.json`` and ``bench.md``; returns the Markdown path."""
    folder = reports / payload["date"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md = folder / "bench.md"
    md.write_text(bench_markdown(payload), encoding="utf-8")
    return md
