"""Report plumbing without a model: bot-turn metrics, tables, the report folder and the suite plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.bot_bench import TurnRecord, bot_report, bot_summary
from eval.datasets import Query
from eval.escalation_bench import escalation_report
from eval.metrics import BinaryOutcome, RankedQuery
from eval.metrics_langid import LangidItem, Scored, langid_report
from eval.report import code_state, headline_table, machine_info, write_report
from eval.retrieval_bench import retrieval_report
from eval.suite import KSHOT, plan
from eval.tables import bot_table, escalation_table, langid_table, render, retrieval_table

BOT_KEYS = {
    "n", "answered_correct", "wrong_answer_rate", "clarify_rate", "escalation_recall", "escalation_precision",
    "oos_refusal_rate", "language_accuracy", "reply_language_match", "smalltalk_reply_rate",
    "vague_question_rate", "p50_ms", "p95_ms",
}  # fmt: skip


def rec(
    kind: str,
    gold: str | None,
    action: str,
    top: str | None = None,
    *,
    lang: str = "en",
    escalate: bool = False,
    escalated: bool = False,
    detected: str = "en",
    reply: str = "en",
    conf: float | None = 0.5,
    ms: float = 10.0,
    reason: str = "",
) -> TurnRecord:
    return TurnRecord("q", lang, kind, gold, escalate, action, top, conf, detected, reply, escalated, ms, reason)


RECORDS = [
    rec("in_scope", "a", "answer", "a", conf=0.9, ms=10),
    rec("in_scope", "a", "answer", "b", conf=0.8, ms=20),
    rec("in_scope", "b", "clarify", "b", conf=0.3, ms=30, lang="es", detected="pt", reply="es"),
    rec("security", "c", "handoff", "c", escalate=True, escalated=True, ms=40),
    rec("human_request", None, "handoff", None, conf=None, ms=50),
    rec("out_of_scope", None, "answer", "a", conf=0.6, ms=60),
    rec("out_of_scope", None, "out_of_scope", "b", ms=70, reply="es"),
]


def test_bot_summary_counts_small_talk_replies_and_vague_questions() -> None:
    rows = [
        rec("smalltalk", None, "smalltalk", None, reason="smalltalk"),
        rec("smalltalk", None, "out_of_scope", None, reason="out_of_scope"),
        rec("vague", None, "clarify", None, reason="vague"),
        rec("vague", None, "clarify", None, reason="low_confidence"),
        rec("vague", None, "clarify", None, reason="vague"),
    ]
    s = bot_summary(rows)
    assert s["smalltalk_reply_rate"] == pytest.approx(1 / 2)
    assert s["vague_question_rate"] == pytest.approx(2 / 3)
    assert bot_summary(RECORDS)["smalltalk_reply_rate"] is None  # no smalltalk rows: no denominator


def test_bot_summary_hand_computed() -> None:
    s = bot_summary(RECORDS)
    assert set(s) == BOT_KEYS
    assert s["n"] == 7
    assert s["answered_correct"] == pytest.approx(1 / 3)  # in_scope: only the first is answered with gold
    assert s["wrong_answer_rate"] == pytest.approx(2 / 3)  # answers: a (right), b (wrong), a for an oos row
    assert s["clarify_rate"] == pytest.approx(1 / 3)
    assert s["escalation_recall"] == 1.0 and s["escalation_precision"] == 1.0
    assert s["oos_refusal_rate"] == 0.5
    assert s["language_accuracy"] == pytest.approx(6 / 7)
    assert s["reply_language_match"] == pytest.approx(6 / 7)  # the last oos row got its reply in es
    assert (s["p50_ms"], s["p95_ms"]) == (40.0, 70.0)


def test_bot_summary_empty_group_is_null() -> None:
    s = bot_summary([])
    assert s["n"] == 0 and all(s[k] is None for k in BOT_KEYS - {"n"})
    only_oos = bot_summary([rec("out_of_scope", None, "out_of_scope")])
    assert only_oos["answered_correct"] is None and only_oos["wrong_answer_rate"] is None
    assert only_oos["escalation_recall"] is None and only_oos["oos_refusal_rate"] == 1.0


def test_bot_report_groups_by_language_and_adds_ece() -> None:
    report = bot_report(RECORDS)
    assert set(report) == {"overall", "by_lang", "ece"}
    assert list(report["by_lang"]) == ["en", "es"]
    # in_scope rows with a confidence: (0.9, right) (0.8, wrong) (0.3, right) -> bins 9, 8, 3
    assert report["ece"] == pytest.approx((0.1 + 0.8 + 0.7) / 3)


def test_render_tables_show_null_as_dash() -> None:
    text = render(["group", "n", "x"], [["overall", 3, None], ["lang en", 1200, 0.12345]])
    assert text.splitlines()[1].split() == ["overall", "3", "–"]
    assert "1,200" in text and "0.123" in text
    md = render(["group", "n"], [["overall", 1]], markdown=True)
    assert md.splitlines()[:2] == ["| group | n |", "|---|---:|"]


def sample_results() -> dict[str, dict[str, dict[str, object]]]:
    queries = [Query("1", "ar", "x", "a", variety="msa"), Query("2", "ar", "y", None, variety="ma")]
    ranked = [RankedQuery("a", ("a",), 0.9), RankedQuery(None, ("a",), 0.2)]
    esc_q = [Query("1", "en", "x", escalate=True), Query("2", "en", "y", escalate=False, hard_negative=True)]
    esc = escalation_report(esc_q, [BinaryOutcome(True, True), BinaryOutcome(False, True, True)])
    items = [
        LangidItem("1", "en", True, "tatoeba", "le15", "hi"),
        LangidItem("2", "gl", False, "tatoeba", "gt40", "x"),
    ]
    return {
        "bot": {"crypto_questions": bot_report(RECORDS)},
        "retrieval": {"crypto_questions_in_scope": retrieval_report(queries, ranked)},
        "escalation": {"banking77_en": esc},
        "langid": {"langid_dev": langid_report([Scored(items[0], "en"), Scored(items[1], "pt")])},
    }


def test_tables_render_every_command() -> None:
    results = sample_results()
    retrieval = retrieval_table(results["retrieval"]["crypto_questions_in_scope"])
    assert "variety msa" in retrieval and "variety ma" in retrieval and "abstain_rate_at_95" in retrieval
    assert "false_esc_hard_neg" in escalation_table(results["escalation"]["banking77_en"])
    assert "ece" in bot_table(results["bot"]["crypto_questions"])
    assert "confusable gl -> other core" in langid_table(results["langid"]["langid_dev"])
    assert "retrieval crypto_questions_in_scope" in headline_table(results)


def test_write_report_writes_markdown_json_and_charts(tmp_path: Path) -> None:
    payload = {
        "date": "2026-11-23",
        "machine": machine_info("test-model"),
        "command": "python -m eval run --limit 5",
        "sample_note": "even sample of at most 5 rows per query file",
        "seconds": 12.0,
        "code": {
            "commit": "abc123",
            "uncommitted_changes": True,
            "sources_sha256": "f00",
            "changed_during_run": True,
        },
        "results": sample_results(),
    }
    md = write_report(tmp_path, payload, RECORDS)
    text = md.read_text(encoding="utf-8")
    assert "# Benchmark report, 2026-11-23" in text
    assert "`python -m eval run --limit 5`" in text and "CPU cores" in text and "no GPU" in text
    assert "![reliability](reliability.png)" in text
    assert "commit abc123 plus uncommitted changes" in text and "changed during the run" in text
    for png in ("per_language.png", "reliability.png", "latency.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert saved["results"]["bot"]["crypto_questions"]["overall"]["n"] == 7
    assert saved["charts"]["latency"] == "latency.png"
    turns = (tmp_path / "bot_turns.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(turns) == len(RECORDS) and json.loads(turns[0])["action"] == "answer"


def test_plan_runs_files_present_and_discovers_new_ones(tmp_path: Path) -> None:
    for rel in (KSHOT, "retrieval/queries_en_banking77.dev.tsv", "escalation/banking77_en.dev.tsv",
                "escalation/new_set.dev.tsv", "langid/langid.dev.tsv"):  # fmt: skip
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("", encoding="utf-8")
    specs = {(s.command, s.name): s for s in plan(tmp_path)}
    assert set(specs) == {
        ("retrieval", "banking77_en_kshot10"),
        ("escalation", "banking77_en"),
        ("escalation", "new_set"),
        ("langid", "langid_dev"),
    }
    # The CLINC150 out-of-scope file is absent, so only the BANKING77 queries run.
    assert specs["retrieval", "banking77_en_kshot10"].files == ("retrieval/queries_en_banking77.dev.tsv",)
    assert specs["escalation", "new_set"].kb == KSHOT


def test_code_state_fingerprints_the_sources() -> None:
    state = code_state()
    assert set(state) == {"commit", "uncommitted_changes", "sources_sha256"}
    assert len(state["sources_sha256"]) == 12 and state["sources_sha256"] == code_state()["sources_sha256"]
