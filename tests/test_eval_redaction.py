"""The redaction benchmark: leak and keep checks, metrics on hand-computed cases, the CLI end to end."""

import json
from pathlib import Path
from typing import Any

import pytest

from bot.redaction import Redaction, SecretKind, Span
from eval.__main__ import main
from eval.errors import DatasetError
from eval.redaction_bench import leaked_secrets, lost_substrings, run_redaction, score_row, split_report
from eval.redaction_corpus import CORPUS_PATH, load_corpus


def _row(label: str, family: str, text: str, secrets: list[str], keep: list[str], split: str = "dev") -> dict[str, Any]:
    spans = [[text.index(s), text.index(s) + len(s)] for s in secrets]
    return {
        "id": f"{split}-{family}-{len(text)}", "split": split, "label": label, "lang": "en", "family": family,
        "text": text, "secrets": secrets, "secret_spans": spans, "keep": keep,
    }  # fmt: skip


def test_leak_of_a_seed_word_counts_only_beyond_the_sentence_own_words() -> None:
    row = _row("secret", "seed_phrase", "help me: abandon ability able", ["abandon", "ability", "able"], [])
    row["secret_spans"] = [[9, len(row["text"])]]
    assert leaked_secrets(row, "help me: [redacted: seed_phrase]") == []
    assert leaked_secrets(row, "help me: [redacted: seed_phrase] able") == ["able"]
    # "seed" inside the token is not the word "seed"
    row2 = _row("secret", "seed_phrase", "x seed y", ["seed"], [])
    assert leaked_secrets(row2, "x [redacted: seed_phrase] y") == []


def test_leak_of_part_of_a_long_secret_counts() -> None:
    secret = "Aa1" + "b" * 30
    row = _row("secret", "api_secret", f"key {secret}", [secret], [])
    assert leaked_secrets(row, "key [redacted: api_secret]") == []
    assert leaked_secrets(row, f"key {secret[:14]}[redacted: api_secret]") == [secret]


def test_protected_substring_is_lost_when_changed() -> None:
    row = _row("negative", "tx_hash", "txid abc", [], ["abc"])
    assert lost_substrings(row, "txid abc") == []
    assert lost_substrings(row, "txid [redacted: private_key]") == ["abc"]


def test_split_report_on_hand_computed_rows() -> None:
    """Two secret rows (one found, one missed), two negatives (one kept, one broken):
    recall 1/2, negatives kept 1/2; spans: one on a secret, one on a negative -> precision 1/2."""
    found = _row("secret", "password", "pw: Secret1!", ["Secret1!"], [])
    missed = _row("secret", "card_number", "card 4242424242424242", ["4242424242424242"], [])
    kept = _row("negative", "amount", "send 5 USDT", [], ["5 USDT"])
    broken = _row("negative", "order_id", "order 12345678", [], ["12345678"])
    outcomes = [
        score_row(found, Redaction("pw: [redacted: password]", (SecretKind.PASSWORD,), (Span(4, 12, SecretKind.PASSWORD),))),
        score_row(missed, Redaction(missed["text"], ())),
        score_row(kept, Redaction(kept["text"], ())),
        score_row(broken, Redaction("order [redacted: one_time_code]", (SecretKind.ONE_TIME_CODE,),
                                    (Span(6, 14, SecretKind.ONE_TIME_CODE),))),
    ]  # fmt: skip
    report = split_report(outcomes)
    assert report["overall"]["recall"] == 0.5
    assert report["overall"]["precision"] == 0.5
    assert report["overall"]["negatives_kept"] == 0.5
    assert report["overall"]["negatives_untouched"] == 0.5
    assert report["by_family"]["password"] == {"n": 1, "recall": 1.0, "precision": 1.0, "kind_match": 1.0}
    assert report["by_family"]["card_number"]["recall"] == 0.0
    assert report["by_family"]["one_time_code"]["precision"] == 0.0
    assert report["by_category"]["order_id"] == {"n": 1, "negatives_kept": 0.0}
    assert [m["id"] for m in report["misses"]] == [missed["id"]]


def test_run_redaction_reports_each_part_of_a_small_corpus(tmp_path: Path) -> None:
    rows = [
        _row("secret", "password", "my password is Hunter2!!", ["Hunter2!!"], [], split="dev"),
        _row("negative", "amount", "withdraw 500 USDT", [], ["500 USDT"], split="heldout"),
    ]
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = run_redaction(path)
    assert report["splits"]["dev"]["overall"]["recall"] == 1.0
    assert report["splits"]["heldout"]["overall"]["negatives_kept"] == 1.0
    assert report["splits"]["heldout2"]["overall"]["n"] == 0


def test_load_corpus_refuses_missing_file_and_fields(tmp_path: Path) -> None:
    with pytest.raises(DatasetError):
        load_corpus(tmp_path / "nope.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(DatasetError):
        load_corpus(bad)


def test_cli_redaction_prints_the_table_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    assert main(["redaction", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "family card_number" in table and "heldout2 rec" in table and "negative tx_hash" in table
    report = json.loads(out.read_text(encoding="utf-8"))
    for split in ("dev", "heldout", "heldout2"):
        assert report["splits"][split]["overall"]["recall"] >= 0.99
        assert report["splits"][split]["overall"]["negatives_kept"] >= 0.98


def test_cli_redaction_corpus_rebuilds_the_file(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    assert main(["redaction-corpus", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == CORPUS_PATH.read_text(encoding="utf-8")


def test_cli_redaction_missing_corpus_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redaction", "--data", str(tmp_path / "none.jsonl")]) == 1
    assert capsys.readouterr().err.startswith("error: ")
