"""Each ``python -m eval`` command end to end on a tiny knowledge base, through ``main([...])``.

The real-model commands share one ``CachedEmbedder`` over the session model, so the bot's intent
exemplars and calibration questions are encoded once for the whole module.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.__main__ import main
from eval.embedding_cache import CachedEmbedder
from eval.suite import KSHOT
from retrieval import HashEmbedder, SentenceTransformerEmbedder

RETRIEVAL_KEYS = {"n", "top1", "recall@3", "recall@5", "recall@10", "mrr@10", "macro_top1"}
ESCALATION_KEYS = {"n", "precision", "recall", "f1", "f2", "false_escalation_hard_negative"}
BOT_KEYS = {
    "n", "answered_correct", "wrong_answer_rate", "clarify_rate", "escalation_recall", "escalation_precision",
    "oos_refusal_rate", "language_accuracy", "reply_language_match", "smalltalk_reply_rate", "vague_question_rate",
    "p50_ms", "p95_ms",
}  # fmt: skip
LANGID_KEYS = {
    "macro_core",
    "by_lang",
    "by_source",
    "by_length_bucket",
    "open_set_false_core_rate",
    "confusion",
}

ARTICLES = [
    {
        "article_id": "card_lost",
        "title": "Lost or stolen card",
        "text": "Lost or stolen card\nFreeze the card in the app at once, then contact us to block it.",
        "example_questions": ["I lost my card", "my card was stolen", "someone took my card and is using it",
                              "I can't find my card anywhere", "my wallet with my card was stolen"],
        "lang": "en",
        "escalate": "urgent",
    },
    {
        "article_id": "reset_password",
        "title": "Reset your password",
        "text": "Reset your password\nUse 'Forgot password' on the login page and follow the e-mailed link.",
        "example_questions": ["how do I reset my password", "I forgot my password", "change my password",
                              "I can't remember my password", "password reset link"],
        "lang": "en",
        "escalate": None,
    },
    {
        "article_id": "deposit_missing",
        "title": "Deposit not credited",
        "text": "Deposit not credited\nDeposits arrive after the network confirmations; check the transaction.",
        "example_questions": ["my deposit has not arrived", "where is my deposit", "deposit not showing in my balance",
                              "I sent money but it is not in my account", "deposit still pending"],
        "lang": "en",
        "escalate": None,
    },
]  # fmt: skip
ROWS = [
    ("qid", "lang", "variety", "text", "gold_article_id", "escalate", "hard_negative", "kind", "note"),
    ("t1", "en", "us", "how can I reset my password?", "reset_password", "0", "1", "in_scope", "extra"),
    ("t2", "es", "es", "¿cómo restablezco mi contraseña?", "reset_password", "0", "0", "in_scope", ""),
    (
        "t3",
        "en",
        "uk",
        "my deposit still hasn't arrived in my account",
        "deposit_missing",
        "0",
        "0",
        "in_scope",
        "",
    ),
    (
        "t4",
        "en",
        "us",
        "someone stole my card and is using it right now",
        "card_lost",
        "1",
        "0",
        "security",
        "",
    ),
    ("t5", "en", "us", "I want to talk to a human agent", "NONE", "0", "0", "human_request", ""),
    ("t6", "en", "uk", "what's the weather tomorrow in Lisbon", "NONE", "0", "0", "out_of_scope", ""),
]
LANGID_ROWS = [
    ("id", "lang", "core", "source", "length_bucket", "text"),
    ("1", "en", "1", "tatoeba", "gt40", "Where is the nearest train station, please?"),
    ("2", "es", "1", "tatoeba", "16-40", "¿Dónde está la estación de tren?"),
    ("3", "ru", "1", "tatoeba", "16-40", "Где находится вокзал?"),
    ("4", "gl", "0", "tatoeba", "16-40", "Onde está a estación de tren?"),
    ("5", "zh", "1", "tatoeba", "cjk_fragment", "车站"),
]


def write_tsv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def write_kb(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cached(embedder: SentenceTransformerEmbedder) -> CachedEmbedder:
    return CachedEmbedder(embedder)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "kb": write_kb(tmp_path / "kb.jsonl"),
        "queries": write_tsv(tmp_path / "q.tsv", ROWS),
        "langid": write_tsv(tmp_path / "langid.tsv", LANGID_ROWS),
        "cache": tmp_path / "cache",
        "json": tmp_path / "out" / "report.json",
    }


def kb_argv(command: str, files: dict[str, Path]) -> list[str]:
    return [
        command,
        "--kb",
        str(files["kb"]),
        "--queries",
        str(files["queries"]),
        "--cache-dir",
        str(files["cache"]),
    ]


def run(argv: list[str], embedder: Any, json_path: Path) -> dict[str, Any]:
    assert main([*argv, "--json", str(json_path), "--no-progress"], embedder=embedder) == 0
    report: dict[str, Any] = json.loads(json_path.read_text(encoding="utf-8"))
    return report


def test_retrieval_command_reports_contract_keys(
    files: dict[str, Path], cached: CachedEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run(kb_argv("retrieval", files), cached, files["json"])
    assert {"overall", "by_lang", "by_variety", "no_answer"} <= set(report)
    assert set(report["overall"]) == RETRIEVAL_KEYS
    assert set(report["by_lang"]) == {"en", "es"} and set(report["by_variety"]) == {"es", "uk", "us"}
    assert all(
        set(g) == RETRIEVAL_KEYS for g in [*report["by_lang"].values(), *report["by_variety"].values()]
    )
    assert set(report["no_answer"]) == {"abstain_rate_at_95", "auroc"}
    assert report["overall"]["n"] == 4  # the two NONE rows count only in no_answer
    assert report["overall"]["top1"] == 1.0  # three articles, paraphrases of their example questions
    assert "recall@5" in capsys.readouterr().out


def test_retrieval_command_without_none_rows_has_no_no_answer(files: dict[str, Path], tmp_path: Path) -> None:
    queries = write_tsv(
        tmp_path / "answerable.tsv", [(r[0], r[1], r[3], r[4]) for r in ROWS if r[4] != "NONE"]
    )
    report = run(kb_argv("retrieval", {**files, "queries": queries}), HashEmbedder(dim=32), files["json"])
    assert "no_answer" not in report and report["by_variety"] == {}
    assert report["overall"]["n"] == 4


def test_escalation_command_uses_the_real_bot(files: dict[str, Path], cached: CachedEmbedder) -> None:
    report = run(kb_argv("escalation", files), cached, files["json"])
    assert {"overall", "by_lang", "by_variety"} <= set(report)
    for group in [report["overall"], *report["by_lang"].values(), *report["by_variety"].values()]:
        assert set(group) == ESCALATION_KEYS
    assert report["overall"]["n"] == 6
    assert report["overall"]["recall"] == 1.0  # "someone stole my card and is using it"
    assert report["by_lang"]["es"]["recall"] is None  # no escalate row in Spanish: undefined, not 0


def test_bot_command_reports_contract_keys(files: dict[str, Path], cached: CachedEmbedder) -> None:
    report = run(kb_argv("bot", files), cached, files["json"])
    assert {"overall", "by_lang", "ece"} <= set(report)
    for group in [report["overall"], *report["by_lang"].values()]:
        assert set(group) == BOT_KEYS
    overall = report["overall"]
    assert overall["n"] == 6 and overall["language_accuracy"] == 1.0
    assert overall["escalation_recall"] == 1.0
    assert overall["p50_ms"] > 0 and overall["p95_ms"] >= overall["p50_ms"]


def test_langid_command_reports_contract_keys(files: dict[str, Path]) -> None:
    report = run(["langid", "--data", str(files["langid"])], None, files["json"])
    assert set(report) >= LANGID_KEYS
    assert report["by_length_bucket"]["cjk_fragment"]["n"] == 1
    assert set(report["open_set_false_core_rate"]) == {"gl"}


def test_run_command_writes_report_folder(
    files: dict[str, Path], cached: CachedEmbedder, tiny_kb: Path, tmp_path: Path
) -> None:
    bench = tmp_path / "benchmarks"
    write_kb(bench / KSHOT)
    write_tsv(bench / "retrieval" / "queries_en_banking77.dev.tsv", [r[:5] for r in ROWS])
    write_tsv(bench / "escalation" / "banking77_en.dev.tsv", [r[:7] for r in ROWS])
    write_tsv(bench / "langid" / "langid.dev.tsv", LANGID_ROWS)
    reports = tmp_path / "reports"
    argv = [
        "run",
        "--kb",
        str(tiny_kb),
        "--benchmarks",
        str(bench),
        "--reports",
        str(reports),
        "--limit",
        "1",
    ]
    payload = run([*argv, "--cache-dir", str(files["cache"])], cached, files["json"])
    results = payload["results"]
    assert set(results["bot"]) == {"crypto_questions"}
    assert set(results["retrieval"]) == {"crypto_questions_in_scope", "banking77_en_kshot10"}
    assert set(results["escalation"]) == {"banking77_en"} and set(results["langid"]) == {"langid_dev"}
    assert results["bot"]["crypto_questions"]["overall"]["n"] == 8  # one row per language file
    (folder,) = reports.iterdir()
    assert {p.name for p in folder.iterdir()} >= {"report.md", "report.json", "per_language.png", "reliability.png",
                                                  "latency.png"}  # fmt: skip
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert f"# Benchmark report, {folder.name}" in md and "python -m eval run" in md and "CPU cores" in md


def test_missing_column_exits_1_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_tsv(tmp_path / "bad.tsv", [("qid", "lang", "text"), ("1", "en", "hi")])
    kb = write_kb(tmp_path / "kb.jsonl")
    assert main(["retrieval", "--kb", str(kb), "--queries", str(bad)], embedder=HashEmbedder(dim=32)) == 1
    assert "bad.tsv:1: missing column(s): gold_article_id or gold_slug" in capsys.readouterr().err


def test_missing_kb_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = write_tsv(tmp_path / "q.tsv", [r[:5] for r in ROWS])
    argv = ["retrieval", "--kb", str(tmp_path / "absent.jsonl"), "--queries", str(queries),
            "--cache-dir", str(tmp_path / "c")]  # fmt: skip
    assert main(argv, embedder=HashEmbedder(dim=32)) == 1
    assert "no such knowledge base" in capsys.readouterr().err
