"""Run ``bot.language.detect_language`` over the langid benchmark and report accuracy and latency.

Detection is raw: the hints carry no conversation or locale and the default is the sentinel ``und``, so
every fallback (too short, unsure) counts as a miss instead of hiding one.
"""

import csv
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bot.language import (
    DEFAULT_BACKEND,
    LATIN_LANGS,
    MIN_LETTERS,
    Backend,
    LanguageHints,
    Method,
    clean_text,
    confidence_features,
    detect_language,
    detector_scores,
    warm_up,
)
from config.stats import percentile
from eval.metrics_langid import CORE, LangidItem, Scored, langid_report

SENTINEL = "und"
RAW_HINTS = LanguageHints(default=SENTINEL)


def load_langid(path: Path | str) -> list[LangidItem]:
    with open(path, encoding="utf-8", newline="") as f:
        return [LangidItem.from_row(row) for row in csv.DictReader(f, delimiter="\t")]


def sample_evenly(items: Sequence[LangidItem], limit: int | None) -> list[LangidItem]:
    """Every (len/limit)-th item. The file is sorted by language and source, so this is a
    proportional stratified sample, and the same one on every run."""
    if limit is None or limit >= len(items):
        return list(items)
    return [items[i * len(items) // limit] for i in range(limit)]


def run_langid(
    data_path: Path | str, backend: str | None = None, limit: int | None = None, progress: bool = True
) -> dict[str, Any]:
    """Detect every item and return the metrics report, plus a ``run`` entry: backend, rows, latency, fallbacks."""
    chosen = Backend(backend or DEFAULT_BACKEND)
    items = sample_evenly(load_langid(data_path), limit)
    started = time.perf_counter()
    warm_up(chosen)
    warm_up_s = time.perf_counter() - started
    scored: list[Scored] = []
    latencies: list[float] = []
    fallbacks = 0
    for item in tqdm(items, desc=f"langid {chosen}", unit="msg", disable=not progress):
        t0 = time.perf_counter()
        result = detect_language(item.text, RAW_HINTS, backend=chosen)
        latencies.append(time.perf_counter() - t0)
        fallbacks += result.method is Method.DEFAULT
        scored.append(Scored(item, result.lang))
    report = langid_report(scored)
    report["run"] = {
        "backend": str(chosen),
        "rows": len(items),
        "limit": limit,
        "warm_up_s": round(warm_up_s, 2),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 4) if latencies else None,
        "latency_ms_p95": round((percentile(latencies, 95) or float("nan")) * 1000, 4),
        "latency_ms_mean": round(statistics.fmean(latencies) * 1000, 4) if latencies else None,
        "fallback_rate": fallbacks / len(items) if items else None,
    }
    return report


def fit_calibration(
    data_path: Path | str, backend: str | None = None, l2: float = 1e-3, progress: bool = True
) -> tuple[float, ...]:
    """Fit ``bot.language.CALIBRATION[backend]``: a logistic regression of "the detector's top Latin-script
    language is the gold one" on ``confidence_features``, over the Latin-script rows (gold in LATIN_LANGS or gl)."""
    chosen = Backend(backend or DEFAULT_BACKEND)
    warm_up(chosen)
    rows: list[tuple[float, ...]] = []
    labels: list[float] = []
    latin = {*LATIN_LANGS, "gl"}
    for item in tqdm(load_langid(data_path), desc=f"calibrate {chosen}", disable=not progress):
        text = clean_text(item.text)
        letters = sum(ch.isalpha() for ch in text)
        if item.lang not in latin or letters < MIN_LETTERS["Latn"]:
            continue
        if scores := detector_scores(text, chosen, LATIN_LANGS):
            rows.append(confidence_features(scores, letters, len(text.split())))
            labels.append(float(scores[0][0] == item.lang))
    x, y = np.array(rows), np.array(labels)
    w = np.zeros(x.shape[1])
    for _ in range(50):  # Newton's method; converges in a handful of steps
        p = 1 / (1 + np.exp(-x @ w))
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + l2 * np.eye(len(w))
        w -= np.linalg.solve(hessian, x.T @ (p - y) + l2 * w)
    return tuple(round(float(v), 4) for v in w)


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def format_langid_table(report: dict[str, Any]) -> str:
    """A plain-text summary: headline, buckets, sources, per core language, open-set rates."""
    run = report.get("run", {})
    lines = [
        f"langid  backend={run.get('backend', '?')}  rows={run.get('rows', '?')}  "
        f"p50={run.get('latency_ms_p50', '?')} ms  fallback={_pct(run.get('fallback_rate'))}",
        f"macro_core (12 core languages, fragments left out): {_pct(report['macro_core'])}",
        "",
        f"{'length bucket (core rows)':<28}{'n':>7}  accuracy",
    ]
    lines += [f"{k:<28}{v['n']:>7}  {_pct(v['accuracy'])}" for k, v in report["by_length_bucket"].items()]
    lines += ["", f"{'source (core rows)':<28}{'n':>7}  accuracy"]
    lines += [f"{k:<28}{v['n']:>7}  {_pct(v['accuracy'])}" for k, v in report["by_source"].items()]
    lines += ["", f"{'core language':<28}{'n':>7}  accuracy"]
    lines += [
        f"{k:<28}{report['by_lang'][k]['n']:>7}  {_pct(report['by_lang'][k]['accuracy'])}" for k in CORE
    ]
    lines += ["", f"{'confusable language':<28}{'n':>7}  labelled as another core language / as itself"]
    for lang, rate in report["open_set_false_core_rate"].items():
        group = report["by_lang"].get(lang, {"n": 0, "accuracy": None})
        lines.append(f"{lang:<28}{group['n']:>7}  {_pct(rate)} / {_pct(group['accuracy'])}")
    return "\n".join(lines)
