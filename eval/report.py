"""The suite's report folder: ``report.json`` (every benchmark's full report), ``report.md``
(headline and per-benchmark tables with date, machine and command) and the PNG charts."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from config.settings import PROJECT_ROOT
from eval import charts
from eval.bot_bench import TurnRecord
from eval.tables import TABLES, cell, render

CHARTS = {
    "per_language": "per_language.png",
    "reliability": "reliability.png",
    "latency": "latency.png",
}
# One line per bot turn of the question set (qid, action, top article, confidence, latency, ...),
# for looking up which messages went wrong.
TURNS_FILE = "bot_turns.jsonl"
TITLES = {
    "bot": "Bot (whole turns)",
    "retrieval": "Retrieval",
    "escalation": "Escalation",
    "langid": "Language ID",
}
REFERENCE_POINTS = (
    "Reference points from the benchmark README (same dev files): a character n-gram TF-IDF retriever "
    "reaches English top-1 0.595, recall@5 0.879, MRR@10 0.717 and Arabic-to-English top-1 0.024 "
    "(chance 0.013); escalating on that retriever's security articles gives precision 0.84, recall 0.73; "
    "published few-shot BANKING77 accuracy (10 examples per intent) is about 0.85."
)
LICENCES = (
    "Data: BANKING77 (CC BY 4.0), ArBanking77 (CC BY-SA 4.0), CLINC150 (CC BY 3.0), NLU++ (CC BY 4.0), "
    "Lingua test data (Apache-2.0), Tatoeba (CC BY 2.0 FR); see `../shared/benchmarks/README.md`."
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _gpu() -> str:
    """The GPU the model ran on, if any: only when torch is loaded and sees CUDA."""
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available():
            return str(torch.cuda.get_device_name(0))
    except Exception:  # noqa: BLE001 (a broken CUDA install: no GPU was used either way)
        pass
    return "none"


CODE_GLOBS = (
    "bot/**/*.py",
    "bot/exemplars/*.json",
    "bot/locales/*.json",
    "retrieval/**/*.py",
    "eval/**/*.py",
)


def sources_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """sha256 (12 hex digits) over the code and data the figures depend on: ``bot/``, ``retrieval/``, ``eval/``."""
    h = hashlib.sha256()
    for path in sorted({p for pattern in CODE_GLOBS for p in root.glob(pattern)}):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def code_state(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The commit checked out, whether the tree has uncommitted changes, and the sources fingerprint
    (read-only git commands; both None outside a git checkout)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    status = git("--no-optional-locks", "status", "--porcelain")
    return {
        "commit": git("rev-parse", "--short=12", "HEAD"),
        "uncommitted_changes": None if status is None else bool(status),
        "sources_sha256": sources_fingerprint(root),
    }


def machine_info(model_id: str) -> dict[str, Any]:
    """Cores (as ``nproc`` counts them), CPU model, memory, GPU, load and software versions."""
    return {
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "gpu": _gpu(),
        "load_average_at_start": round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "model": model_id,
    }


def machine_line(m: dict[str, Any]) -> str:
    gpu = "no GPU" if m["gpu"] == "none" else f"GPU {m['gpu']}"
    mem = f", {m['memory_gib']} GiB RAM" if m.get("memory_gib") else ""
    load = f"; load average {m['load_average_at_start']} at start" if m.get("load_average_at_start") else ""
    return (
        f"{m['cores']} CPU cores ({m['cpu']}){mem}, {gpu}{load}; Python {m['python']}; model `{m['model']}`"
    )


def _f(value: Any) -> str:
    return cell(value)


def code_line(code: dict[str, Any] | None) -> str:
    if not code:
        return "unknown"
    commit = code.get("commit") or "no git checkout"
    dirty = " plus uncommitted changes" if code.get("uncommitted_changes") else ""
    text = f"commit {commit}{dirty}; sources sha256 {code.get('sources_sha256')}"
    if code.get("changed_during_run"):
        text += " (**bot/, retrieval/ or eval/ changed during the run: the figures may mix two versions**)"
    return text


def headline_figures(command: str, report: dict[str, Any]) -> tuple[Any, str]:
    """(n, a one-line summary of the figures that matter) for one benchmark report."""
    if command == "langid":
        worst = max(
            ((k, v) for k, v in report["open_set_false_core_rate"].items() if v is not None),
            key=lambda kv: kv[1],
            default=None,
        )
        open_set = f"; worst open-set {worst[0]} {_f(worst[1])}" if worst else ""
        buckets = report["by_length_bucket"]
        le15 = buckets.get("le15", {}).get("accuracy")
        return report.get("run", {}).get(
            "rows"
        ), f"macro_core {_f(report['macro_core'])}; le15 {_f(le15)}{open_set}"
    o = report["overall"]
    if command == "bot":
        text = (
            f"answered_correct {_f(o['answered_correct'])}; wrong_answer {_f(o['wrong_answer_rate'])}; "
            f"clarify {_f(o['clarify_rate'])}; escalation R {_f(o['escalation_recall'])} "
            f"P {_f(o['escalation_precision'])}; oos_refusal {_f(o['oos_refusal_rate'])}; "
            f"language {_f(o['language_accuracy'])}; ECE {_f(report.get('ece'))}; "
            f"p50 {_f(o['p50_ms'])} ms, p95 {_f(o['p95_ms'])} ms"
        )
        return o["n"], text
    if command == "retrieval":
        text = (
            f"top1 {_f(o['top1'])}; recall@5 {_f(o['recall@5'])}; MRR@10 {_f(o['mrr@10'])}; "
            f"macro_top1 {_f(o['macro_top1'])}"
        )
        if na := report.get("no_answer"):
            text += f"; no-answer abstain@95 {_f(na['abstain_rate_at_95'])}, AUROC {_f(na['auroc'])}"
        return o["n"], text
    text = (
        f"recall {_f(o['recall'])}; precision {_f(o['precision'])}; F1 {_f(o['f1'])}; F2 {_f(o['f2'])}; "
        f"false escalation on hard negatives {_f(o['false_escalation_hard_negative'])}"
    )
    return o["n"], text


def headline_rows(results: dict[str, dict[str, dict[str, Any]]]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for command, entries in results.items():
        for name, report in entries.items():
            n, text = headline_figures(command, report)
            rows.append([f"{command} {name}", n, text])
    return rows


def headline_table(results: dict[str, dict[str, dict[str, Any]]], *, markdown: bool = False) -> str:
    return render(["benchmark", "n", "figures"], headline_rows(results), markdown=markdown, align="lrl")


def display_path(path: str) -> str:
    """A path as a reader would type it from the repository: ``kb_articles``, ``../shared/...``."""
    p = Path(path)
    for base, prefix in ((PROJECT_ROOT, ""), (PROJECT_ROOT.parent, "../")):
        if p.is_absolute() and p.is_relative_to(base):
            return prefix + p.relative_to(base).as_posix()
    return str(path)


def _files(paths: Sequence[str]) -> str:
    shown = [display_path(p) for p in paths]
    question_set = [s for s in shown if s.startswith("eval/data/questions_")]
    if len(question_set) > 2:
        rest = [s for s in shown if s not in question_set]
        return ", ".join(
            [f"`eval/data/questions_<lang>.tsv` ({len(question_set)} files)", *(f"`{s}`" for s in rest)]
        )
    return ", ".join(f"`{s}`" for s in shown)


def _describe(report: dict[str, Any]) -> str:
    run = report.get("run", {})
    parts = []
    if run.get("kb"):
        parts.append(f"knowledge base `{display_path(run['kb'])}`")
    if run.get("queries"):
        parts.append("queries " + _files(run["queries"]))
    if run.get("rows") is not None:
        sample = f" (even sample, at most {run['limit']} per file)" if run.get("limit") else ""
        parts.append(f"{run['rows']:,} rows{sample}")
    if run.get("seconds") is not None:
        parts.append(f"{run['seconds']} s")
    text = "; ".join(parts)
    return text + (f". {run['note']}" if run.get("note") else "")


def markdown_report(payload: dict[str, Any]) -> str:
    """The whole ``report.md``."""
    results = payload["results"]
    lines = [
        f"# Benchmark report, {payload['date']}",
        "",
        f"- Machine: {machine_line(payload['machine'])}",
        f"- Command: `{payload['command']}`",
        f"- Code: {code_line(payload.get('code'))}",
        f"- Runtime: {payload['seconds'] / 60:.1f} min",
        f"- Samples: {payload['sample_note']}",
        "",
        "## Headline",
        "",
        headline_table(results, markdown=True),
        "",
        REFERENCE_POINTS,
        "",
    ]
    for command, entries in results.items():
        for name, report in entries.items():
            lines += [
                f"## {TITLES[command]}: {name}",
                "",
                _describe(report),
                "",
                TABLES[command](report, markdown=True),
                "",
            ]
            if command == "bot" and payload.get("charts"):
                lines += [f"![{key}]({file})" for key, file in payload["charts"].items()] + [""]
    lines += [
        "## Definitions",
        "",
        "Ranking metrics count only rows with a gold article (ties broken by article id); NONE rows count only "
        "in the no-answer figures (abstain_rate_at_95: share of NONE rows refused at the top-score threshold "
        "that still answers 95% of answerable rows; AUROC of the top score, answerable vs NONE). Escalation "
        "counts a row as escalated when the real bot hands it off for security (reason `security` or "
        "`secret_shared`). Undefined rates (empty denominators) are shown as –. Bot-turn definitions are in "
        "`eval/bot_bench.py`.",
        "",
        LICENCES,
        "",
    ]
    return "\n".join(lines)


def write_report(folder: Path, payload: dict[str, Any], records: Sequence[TurnRecord]) -> Path:
    """Write charts, ``report.json`` and ``report.md`` into ``folder``; returns the Markdown path."""
    folder.mkdir(parents=True, exist_ok=True)
    bot = next(iter(payload["results"].get("bot", {}).values()), None)
    retrieval = payload["results"].get("retrieval", {}).get("crypto_questions_in_scope")
    made: dict[str, str] = {}
    if bot is not None:
        series = {"bot answered_correct": {k: v["answered_correct"] for k, v in bot["by_lang"].items()}}
        if retrieval is not None:
            series["retrieval top1"] = {k: v["top1"] for k, v in retrieval["by_lang"].items()}
        charts.language_bars(series, folder / CHARTS["per_language"], "Crypto question set, per language")
        charts.reliability_diagram(records, folder / CHARTS["reliability"], bot.get("ece"))
        charts.latency_histogram(records, folder / CHARTS["latency"])
        made = dict(CHARTS)
        with (folder / TURNS_FILE).open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(dataclasses.asdict(r), ensure_ascii=False) + "\n" for r in records)
    payload = {**payload, "charts": made}
    (folder / "report.json").write_text(
        json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    md = folder / "report.md"
    md.write_text(markdown_report(payload), encoding="utf-8")
    return md
