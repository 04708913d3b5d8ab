"""Run ``bot.language`` over the langid benchmark and report accuracy and latency.

The headline (``macro_core``, ``by_lang``, ...) is raw detection: the hints carry no conversation or
locale and the default is the sentinel ``und``, so every fallback (too short, unsure) counts as a miss
instead of hiding one.

The dev set has no conversations, so the priors (``bot.language.decision``) are measured with a
*simulated* widget locale, under ``priors``: ``locale_right`` (the locale is the text's own language),
``locale_wrong`` (another core language, picked by a stable hash of the row id) and ``locale_80`` (right
on 80% of the rows, by another stable hash). Any mix in between is the weighted mean of the first two.
The prior weights are tuned (``tune_priors``) on the ``fit`` half of the rows (sha256 of the text) and
every prior figure is reported on both halves, the ``report`` half being the honest one. The detector
runs once per row; every condition and every weight replays the pure ``decide`` on the same evidence.
"""

import csv
import hashlib
import itertools
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bot.language import (
    DEFAULT_BACKEND,
    LATIN_LANGS,
    MIN_LETTERS,
    PRIOR_WEIGHTS,
    Backend,
    Evidence,
    LanguageHints,
    Method,
    PriorWeights,
    clean_text,
    confidence_features,
    decide,
    detector_scores,
    is_short,
    read_evidence,
    warm_up,
)
from config.stats import percentile
from eval.metrics_langid import CORE, LangidItem, Scored, langid_report, macro_core

SENTINEL = "und"
RAW_HINTS = LanguageHints(default=SENTINEL)
HALVES = ("fit", "report")
LOCALE_RIGHT_SHARE = 0.8  # the locale_80 condition


def load_langid(path: Path | str) -> list[LangidItem]:
    with open(path, encoding="utf-8", newline="") as f:
        return [LangidItem.from_row(row) for row in csv.DictReader(f, delimiter="\t")]


def sample_evenly(items: Sequence[LangidItem], limit: int | None) -> list[LangidItem]:
    """Every (len/limit)-th item. The file is sorted by language and source, so this is a
    proportional stratified sample, and the same one on every run."""
    if limit is None or limit >= len(items):
        return list(items)
    return [items[i * len(items) // limit] for i in range(limit)]


def half_of(item: LangidItem) -> str:
    """``"fit"`` or ``"report"``, by the sha256 of the text: stable, and duplicates share a half."""
    return HALVES[hashlib.sha256(item.text.encode("utf-8")).digest()[0] % 2]


def _hash_fraction(salt: str, key: str) -> float:
    return int.from_bytes(hashlib.sha256(f"{salt}:{key}".encode()).digest()[:8], "big") / 2**64


def wrong_locale(item: LangidItem) -> str:
    """A core language other than the item's own, picked by a stable hash of its id."""
    others = [lang for lang in CORE if lang != item.lang]
    return others[int(_hash_fraction("wrong-locale", item.id) * len(others))]


def simulated_locale(item: LangidItem, right_share: float) -> str:
    """The item's own language on ``right_share`` of the rows (stable hash of the id), else a wrong one."""
    return item.lang if _hash_fraction("locale-right", item.id) < right_share else wrong_locale(item)


# Condition name -> the simulated locale for a row (None: no hints at all).
CONDITIONS: dict[str, Callable[[LangidItem], str | None]] = {
    "no_prior": lambda item: None,
    "locale_right": lambda item: item.lang,
    "locale_wrong": wrong_locale,
    "locale_80": lambda item: simulated_locale(item, LOCALE_RIGHT_SHARE),
}


def read_all(
    items: Sequence[LangidItem], backend: Backend, progress: bool = True
) -> tuple[list[Evidence], list[float]]:
    """The detector's evidence for every item (the only expensive step), and per-message latency in
    seconds of a whole ``detect_language`` call without hints (evidence plus decision)."""
    evidence: list[Evidence] = []
    latencies: list[float] = []
    for item in tqdm(items, desc=f"langid {backend}", unit="msg", disable=not progress):
        t0 = time.perf_counter()
        found = read_evidence(item.text, backend)
        decide(found, RAW_HINTS)
        latencies.append(time.perf_counter() - t0)
        evidence.append(found)
    return evidence, latencies


def score_condition(
    items: Sequence[LangidItem],
    evidence: Sequence[Evidence],
    locale_of: Callable[[LangidItem], str | None],
    weights: PriorWeights = PRIOR_WEIGHTS,
) -> list[Scored]:
    """Replay the decision on stored evidence with each row's simulated locale as the only hint."""
    return [
        Scored(item, decide(found, LanguageHints(locale=locale_of(item), default=SENTINEL), weights).lang)
        for item, found in zip(items, evidence, strict=True)
    ]


def summarise(scored: Sequence[Scored]) -> dict[str, Any]:
    """The figures the prior conditions are compared on: macro_core, length buckets, single words and
    word pairs (core rows), and the mean open-set false-core rate."""
    report = langid_report(scored)
    buckets, sources = report["by_length_bucket"], report["by_source"]
    rates = [r for r in report["open_set_false_core_rate"].values() if r is not None]
    return {
        "n": len(scored),
        "macro_core": report["macro_core"],
        **{f"length_{k}": buckets[k]["accuracy"] for k in ("le15", "16-40", "gt40")},
        "single_words": sources.get("lingua-single-words", {}).get("accuracy"),
        "word_pairs": sources.get("lingua-word-pairs", {}).get("accuracy"),
        "false_core_mean": sum(rates) / len(rates) if rates else None,
    }


def prior_report(
    items: Sequence[LangidItem], evidence: Sequence[Evidence], weights: PriorWeights = PRIOR_WEIGHTS
) -> dict[str, dict[str, dict[str, Any]]]:
    """``{condition: {half: summary}}`` for every simulated-locale condition, plus the text's own best
    guess without any fallback."""
    halves = [half_of(item) for item in items]
    runs = {
        name: score_condition(items, evidence, locale_of, weights) for name, locale_of in CONDITIONS.items()
    }
    # Not a decision the bot makes: the text's own best guess however unsure, the detector's ceiling.
    runs["text_alone_best_guess"] = [
        Scored(item, found.detected.lang if found.detected else SENTINEL)
        for item, found in zip(items, evidence, strict=True)
    ]
    return {
        name: {
            half: summarise([s for s, h in zip(scored, halves, strict=True) if h == half]) for half in HALVES
        }
        for name, scored in runs.items()
    }


def run_langid(
    data_path: Path | str,
    backend: str | None = None,
    limit: int | None = None,
    progress: bool = True,
    weights: PriorWeights = PRIOR_WEIGHTS,
) -> dict[str, Any]:
    """Detect every item and return the metrics report (raw detection), plus ``priors`` (the simulated
    locale conditions by half) and ``run``: backend, rows, prior weights, latency, fallbacks."""
    chosen = Backend(backend or DEFAULT_BACKEND)
    items = sample_evenly(load_langid(data_path), limit)
    started = time.perf_counter()
    warm_up(chosen)
    warm_up_s = time.perf_counter() - started
    evidence, latencies = read_all(items, chosen, progress)
    raw = [decide(found, RAW_HINTS, weights) for found in evidence]
    report = langid_report([Scored(item, r.lang) for item, r in zip(items, raw, strict=True)])
    report["priors"] = prior_report(items, evidence, weights)
    fallbacks = sum(r.method is Method.DEFAULT for r in raw)
    report["run"] = {
        "backend": str(chosen),
        "rows": len(items),
        "limit": limit,
        "prior_weights": {
            "bonus": weights.bonus,
            "decay": weights.decay,
            "leave_confidence": weights.leave_confidence,
        },
        "warm_up_s": round(warm_up_s, 2),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 4) if latencies else None,
        "latency_ms_p95": round((percentile(latencies, 95) or float("nan")) * 1000, 4),
        "latency_ms_mean": round(statistics.fmean(latencies) * 1000, 4) if latencies else None,
        "fallback_rate": fallbacks / len(items) if items else None,
    }
    return report


TUNE_GRID: dict[str, tuple[float, ...]] = {
    "bonus": (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0),
    "decay": (0.0, 0.5, 1.0, 2.0),
    "leave_confidence": (0.3, 0.4, 0.5, 0.6, 0.7),
}


def _weights_matter(evidence: Evidence, max_leave: float) -> bool:
    """Whether any PriorWeights can change this row's decision: only messages past the short rule whose
    detection is Latin (the bonus) or less sure than the highest leave_confidence tried."""
    detected = evidence.detected
    return (
        detected is not None
        and not is_short(evidence)
        and (bool(evidence.scores) or detected.confidence < max_leave)
    )


class _Replay:
    """macro_core of the fit half under one locale condition, re-deciding only the rows the weights can
    change (the others are scored once)."""

    def __init__(
        self, items: Sequence[LangidItem], evidence: Sequence[Evidence], condition: str, max_leave: float
    ):
        locale_of = CONDITIONS[condition]
        base = score_condition(items, evidence, locale_of)
        self.n: Counter[str] = Counter()
        self.hits: Counter[str] = Counter()
        self.variable: list[tuple[LangidItem, Evidence, LanguageHints, bool]] = []
        for scored, found in zip(base, evidence, strict=True):
            item = scored.item
            if item.lang not in CORE or item.is_fragment:
                continue  # outside macro_core
            self.n[item.lang] += 1
            self.hits[item.lang] += scored.correct
            if _weights_matter(found, max_leave):
                hints = LanguageHints(locale=locale_of(item), default=SENTINEL)
                self.variable.append((item, found, hints, scored.correct))

    def macro(self, weights: PriorWeights) -> float:
        hits = Counter(self.hits)
        for item, found, hints, was_correct in self.variable:
            hits[item.lang] += (decide(found, hints, weights).lang == item.lang) - was_correct
        by_lang = {lang: {"n": n, "accuracy": hits[lang] / n} for lang, n in self.n.items()}
        return macro_core(by_lang) or 0.0


def tune_priors(
    data_path: Path | str,
    backend: str | None = None,
    grid: dict[str, tuple[float, ...]] | None = None,
    right_share: float = 0.5,
    progress: bool = True,
) -> dict[str, Any]:
    """Choose ``PriorWeights`` on the fit half and report the chosen and the current weights on both halves.

    The objective is ``right_share * macro(locale right) + (1 - right_share) * macro(locale wrong)``
    (the expected macro_core when the locale is right on that share of rows). The default 0.5 weighs
    "keeps the language when it should" and "leaves it when it should" equally, so a weight that only
    trusts the locale cannot win. Ties go to the smaller bonus and decay, then the higher leave_confidence.
    """
    chosen = Backend(backend or DEFAULT_BACKEND)
    grid = grid or TUNE_GRID
    warm_up(chosen)
    items = load_langid(data_path)
    evidence, _ = read_all(items, chosen, progress)
    fit = [(i, e) for i, e in zip(items, evidence, strict=True) if half_of(i) == "fit"]
    fit_items, fit_evidence = [i for i, _ in fit], [e for _, e in fit]
    max_leave = max(grid["leave_confidence"])
    right_replay = _Replay(fit_items, fit_evidence, "locale_right", max_leave)
    wrong_replay = _Replay(fit_items, fit_evidence, "locale_wrong", max_leave)
    results: list[dict[str, Any]] = []
    combos = list(itertools.product(grid["bonus"], grid["decay"], grid["leave_confidence"]))
    for bonus, decay, leave in tqdm(combos, desc="tune priors", disable=not progress):
        if bonus == 0.0 and decay != grid["decay"][0]:
            continue  # no bonus: the decay changes nothing
        weights = PriorWeights(bonus, decay, leave)
        right, wrong = right_replay.macro(weights), wrong_replay.macro(weights)
        objective = right_share * right + (1 - right_share) * wrong
        results.append({"bonus": bonus, "decay": decay, "leave_confidence": leave, "fit_macro_right": right,
                        "fit_macro_wrong": wrong, "fit_objective": objective})  # fmt: skip
    best = max(
        results, key=lambda r: (round(r["fit_objective"], 6), -r["bonus"], -r["decay"], r["leave_confidence"])
    )
    best_weights = PriorWeights(best["bonus"], best["decay"], best["leave_confidence"])
    return {
        "backend": str(chosen),
        "right_share": right_share,
        "grid": results,
        "chosen": best,
        "chosen_report": prior_report(items, evidence, best_weights),
        "current": {
            "bonus": PRIOR_WEIGHTS.bonus,
            "decay": PRIOR_WEIGHTS.decay,
            "leave_confidence": PRIOR_WEIGHTS.leave_confidence,
        },  # fmt: skip
        "current_report": prior_report(items, evidence, PRIOR_WEIGHTS),
    }


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
    if priors := report.get("priors"):
        lines += ["", format_prior_table(priors, run.get("prior_weights"))]
    return "\n".join(lines)


PRIOR_COLUMNS = ("macro_core", "length_le15", "single_words", "word_pairs", "length_16-40", "false_core_mean")


def format_prior_table(priors: dict[str, dict[str, dict[str, Any]]], weights: Any = None) -> str:
    """One line per simulated-locale condition and half: the figures of ``summarise``."""
    heads = ("macro", "le15", "1 word", "2 words", "16-40", "false-core")
    lines = [
        f"simulated widget locale as prior (weights {weights}); tuned on 'fit', honest on 'report'",
        f"{'condition':<22}{'half':<8}{'n':>7}" + "".join(f"{h:>11}" for h in heads),
    ]
    for name, halves in priors.items():
        for half, summary in halves.items():
            cells = "".join(f"{_pct(summary[c]):>11}" for c in PRIOR_COLUMNS)
            lines.append(f"{name:<22}{half:<8}{summary['n']:>7}{cells}")
    return "\n".join(lines)
