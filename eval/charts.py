"""PNG charts for the suite report, drawn with matplotlib's object API on the Agg canvas (no
display, no pyplot state)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from config.stats import percentile
from eval.bot_bench import TurnRecord, calibration_pairs
from eval.metrics import reliability_bins

DPI = 110


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def language_bars(series: Mapping[str, Mapping[str, float | None]], path: Path, title: str) -> Path:
    """Grouped bars: one group per language, one bar per series (e.g. answered_correct, top1)."""
    langs = sorted({lang for values in series.values() for lang in values})
    fig = _figure(max(6.0, 0.9 * len(langs) + 2), 3.6)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(langs))]
        raw = [values.get(lang) for lang in langs]
        bars = ax.bar(xs, [y or 0.0 for y in raw], width, label=name)
        ax.bar_label(bars, labels=["–" if y is None else f"{y:.2f}" for y in raw], fontsize=7, padding=1)
    ax.set_xticks(range(len(langs)), langs)
    ax.set_ylim(0, 1.22)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel("share")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper center", ncols=max(1, len(series)), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    return path


def reliability_diagram(records: Sequence[TurnRecord], path: Path, ece: float | None) -> Path:
    """Accuracy per confidence bin against the diagonal, with the bin counts underneath."""
    probs, correct = calibration_pairs(records)
    bins = reliability_bins(probs, correct)
    fig = _figure(5.0, 5.2)
    ax, counts = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect calibration")
    filled = [b for b in bins if b.n]
    ax.bar(
        [b.low for b in filled],
        [b.accuracy or 0.0 for b in filled],
        width=0.1,
        align="edge",
        edgecolor="black",
        alpha=0.7,
        label="accuracy in bin",
    )
    ax.plot(
        [b.mean_confidence for b in filled],
        [b.accuracy for b in filled],
        "o",
        color="black",
        markersize=3,
        label="mean confidence",
    )
    ax.set_ylim(0, 1)
    ax.set_ylabel("best article is gold")
    ece_text = "–" if ece is None else f"{ece:.3f}"
    ax.set_title(f"Confidence reliability (n={len(probs)}, ECE {ece_text})", fontsize=10)
    ax.legend(fontsize=7, loc="lower right", framealpha=0.9)
    counts.bar([b.low for b in bins], [b.n for b in bins], width=0.1, align="edge", color="grey")
    counts.set_xlim(0, 1)
    counts.set_xlabel("calibrated confidence")
    counts.set_ylabel("rows")
    fig.tight_layout()
    fig.savefig(path)
    return path


def latency_histogram(records: Sequence[TurnRecord], path: Path) -> Path:
    """Per-message wall time of ``Bot.handle`` with the p50 and p95 marked."""
    values = [r.latency_ms for r in records]
    fig = _figure(6.0, 3.4)
    ax = fig.add_subplot()
    if values:
        ax.hist(values, bins=40, color="tab:blue", alpha=0.8)
        for q, style in ((50, "-"), (95, "--")):
            v = percentile(values, q)
            if v is not None:
                ax.axvline(v, color="black", linestyle=style, linewidth=1, label=f"p{q} {v:.0f} ms")
        ax.legend(fontsize=8)
    ax.set_xlabel("ms per message (encode, detect, retrieve, decide, compose)")
    ax.set_ylabel("messages")
    ax.set_title(f"Bot turn latency (n={len(values)})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    return path
