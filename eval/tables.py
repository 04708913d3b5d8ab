"""Reports as tables: aligned plain text for the terminal, pipe tables for Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eval.metrics_langid import CORE

RETRIEVAL_COLUMNS = ("n", "top1", "recall@3", "recall@5", "recall@10", "mrr@10", "macro_top1")
ESCALATION_COLUMNS = ("n", "precision", "recall", "f1", "f2", "false_escalation_hard_negative")
BOT_COLUMNS = (
    "n", "answered_correct", "wrong_answer_rate", "clarify_rate", "escalation_recall",
    "escalation_precision", "oos_refusal_rate", "language_accuracy", "reply_language_match",
    "smalltalk_reply_rate", "vague_question_rate", "p50_ms", "p95_ms",
)  # fmt: skip
ACTS_COLUMNS = (
    "n", "smalltalk_recall", "smalltalk_precision", "vague_recall", "vague_precision", "false_act_rate",
)  # fmt: skip
# Short headers so that a bot table fits a terminal.
SHORT = {
    "false_escalation_hard_negative": "false_esc_hard_neg",
    "answered_correct": "answered_ok",
    "wrong_answer_rate": "wrong_ans",
    "clarify_rate": "clarify",
    "escalation_recall": "esc_recall",
    "escalation_precision": "esc_prec",
    "oos_refusal_rate": "oos_refused",
    "language_accuracy": "lang_acc",
    "reply_language_match": "reply_lang",
    "smalltalk_reply_rate": "smalltalk",
    "vague_question_rate": "vague_q",
    "smalltalk_recall": "st_recall",
    "smalltalk_precision": "st_prec",
    "vague_recall": "vague_recall",
    "vague_precision": "vague_prec",
}


def cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) <= 1 else f"{value:,.1f}"
    return str(value)


def render(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, markdown: bool = False, align: str | None = None
) -> str:
    """A table. ``align`` has one letter per column, ``l`` or ``r``; by default the first column is
    left-aligned and the others (numbers) right-aligned."""
    align = align or "l" + "r" * (len(headers) - 1)
    body = [[cell(v) for v in row] for row in rows]
    if markdown:
        rule = "|".join("---:" if a == "r" else "---" for a in align)
        lines = ["| " + " | ".join(headers) + " |", f"|{rule}|"]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(lines)
    widths = [max(len(str(h)), *(len(r[i]) for r in body)) for i, h in enumerate(headers)]
    fmt = [f"{{:>{w}}}" if a == "r" else f"{{:<{w}}}" for a, w in zip(align, widths, strict=True)]
    lines = ["  ".join(f.format(h) for f, h in zip(fmt, headers, strict=True)).rstrip()]
    lines += ["  ".join(f.format(v) for f, v in zip(fmt, r, strict=True)).rstrip() for r in body]
    return "\n".join(lines)


def grouped_rows(report: dict[str, Any], columns: Sequence[str]) -> list[list[Any]]:
    """``overall`` then every ``by_lang`` and ``by_variety`` group, one row each."""
    rows = [["overall", *(report["overall"].get(c) for c in columns)]]
    for section, label in (("by_lang", "lang"), ("by_variety", "variety")):
        for key, group in report.get(section, {}).items():
            rows.append([f"{label} {key}", *(group.get(c) for c in columns)])
    return rows


def retrieval_table(report: dict[str, Any], *, markdown: bool = False) -> str:
    text = render(["group", *RETRIEVAL_COLUMNS], grouped_rows(report, RETRIEVAL_COLUMNS), markdown=markdown)
    if na := report.get("no_answer"):
        run = report.get("run", {})
        text += (
            f"\n\nno answer ({cell(run.get('no_answer_rows'))} NONE rows): "
            f"abstain_rate_at_95 {cell(na['abstain_rate_at_95'])}, auroc {cell(na['auroc'])}"
        )
    return text


def escalation_table(report: dict[str, Any], *, markdown: bool = False) -> str:
    headers = ["group", *(SHORT.get(c, c) for c in ESCALATION_COLUMNS)]
    return render(headers, grouped_rows(report, ESCALATION_COLUMNS), markdown=markdown)


def bot_table(report: dict[str, Any], *, markdown: bool = False) -> str:
    headers = ["group", *(SHORT.get(c, c) for c in BOT_COLUMNS)]
    text = render(headers, grouped_rows(report, BOT_COLUMNS), markdown=markdown)
    return text + f"\n\nece (confidence calibration, in_scope rows): {cell(report.get('ece'))}"


def langid_table(report: dict[str, Any], *, markdown: bool = False) -> str:
    """Headline, length buckets, per core language and the open-set rates in one table."""
    rows: list[list[Any]] = [["macro_core (12 core, fragments left out)", None, report["macro_core"]]]
    rows += [[f"length {k}", v["n"], v["accuracy"]] for k, v in report["by_length_bucket"].items()]
    rows += [[f"source {k}", v["n"], v["accuracy"]] for k, v in report["by_source"].items()]
    rows += [[f"lang {k}", report["by_lang"][k]["n"], report["by_lang"][k]["accuracy"]] for k in CORE]
    rows += [
        [f"confusable {k} -> other core", report["by_lang"].get(k, {}).get("n"), rate]
        for k, rate in report["open_set_false_core_rate"].items()
    ]
    return render(["group", "n", "accuracy / rate"], rows, markdown=markdown)


def redaction_table(report: dict[str, Any], *, markdown: bool = False) -> str:
    """One row per family, language and negative category; for each half: n, recall, precision and
    the share of negatives kept."""
    splits = report["splits"]
    first = next(iter(splits.values()))
    rows: list[list[Any]] = []

    def row(label: str, pick: str, key: str) -> list[Any]:
        out: list[Any] = [label]
        for split in splits.values():
            group = split[pick] if pick == "overall" else split[pick].get(key, {})
            negative = pick in ("overall", "by_lang", "by_category")
            n = group.get("n")
            out += [n, group.get("recall"), group.get("precision"), group.get("negatives_kept") if negative else None]
        return out

    rows.append(row("overall", "overall", ""))
    rows += [row(f"family {f}", "by_family", f) for f in first["by_family"]]
    rows += [row(f"lang {lang}", "by_lang", lang) for lang in first["by_lang"]]
    rows += [row(f"negative {c}", "by_category", c) for c in first["by_category"]]
    headers = ["group"] + [f"{name} {col}" for name in splits for col in ("n", "rec", "prec", "kept")]
    text = render(headers, rows, markdown=markdown)
    untouched = ", ".join(f"{name} {cell(s['overall']['negatives_untouched'])}" for name, s in splits.items())
    return text + f"\n\nnegatives untouched (nothing redacted at all): {untouched}"


def acts_table(report: dict[str, Any], *, markdown: bool = False) -> str:
    """Leave-one-language-out rows, then the question-set rows, one table."""
    rows: list[list[Any]] = []
    for part, label in (("leave_one_language_out", "held-out lang"), ("question_set", f"questions ({report['split']})")):
        for row in grouped_rows(report[part], ACTS_COLUMNS):
            rows.append([f"{label}: {row[0]}", *row[1:]])
    headers = ["group", *(SHORT.get(c, c) for c in ACTS_COLUMNS)]
    return render(headers, rows, markdown=markdown) + f"\n\nmin probability {report['min_probability']}"


TABLES = {
    "retrieval": retrieval_table,
    "escalation": escalation_table,
    "bot": bot_table,
    "langid": langid_table,
    "redaction": redaction_table,
    "acts": acts_table,
}
