"""The confidence calibration is fitted on the question set's fit half only: no report-half row
is ever encoded or passed to the fit, and the saved calibration is keyed by the rows fitted on."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from bot.assembly import QUESTION_SET, calibration_rows, load_calibration
from bot.confidence import Calibrator
from eval.datasets import load_bot_queries, question_set_files, select_split


def _report_half() -> tuple[set[str], set[str]]:
    rows = [q for f in question_set_files() for q in load_bot_queries(f)]
    fit = {q.qid for q in select_split(rows, "fit")}
    report = {q.qid for q in select_split(rows, "report")}
    return fit, report


def test_calibration_rows_are_fit_half_in_scope_only() -> None:
    fit, report = _report_half()
    rows = calibration_rows()
    ids = {r["qid"] for r in rows}
    assert len(ids) >= 100
    assert ids <= fit
    assert not ids & report
    assert all(r["kind"] == "in_scope" and r["gold_slug"] != "NONE" for r in rows)


class _Spy:
    """A retriever stand-in that records every text encoded for the fit."""

    def __init__(self) -> None:
        self.encoded: list[str] = []
        self.index = SimpleNamespace(manifest=SimpleNamespace(model="spy-model", kb_sha256="spy-kb"))
        self.embedder = self

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        return np.zeros((len(texts), 4), dtype=np.float32)

    def search_vector(self, vector: np.ndarray, lang: str | None = None, k: int = 5) -> list[Any]:
        # Alternate right/wrong so the fit has both classes.
        n = len(self.encoded)
        slug = "reset-password" if n % 2 else "x"
        return [SimpleNamespace(slug=slug, score=0.9, lang=lang), SimpleNamespace(slug="y", score=0.8, lang=lang)]


def test_fit_never_sees_a_report_row(tmp_path: Path) -> None:
    _, report = _report_half()
    rows = [q for f in question_set_files() for q in load_bot_queries(f)]
    report_texts = {q.text for q in rows if q.qid in report}
    spy = _Spy()
    cal = load_calibration(spy, tmp_path, top_k=5)  # type: ignore[arg-type]
    assert spy.encoded, "the fit encoded nothing"
    assert not set(spy.encoded) & report_texts
    assert cal.n == len(calibration_rows())
    saved = Calibrator.load(tmp_path)
    assert saved is not None and saved.rows_sha256 == cal.rows_sha256 != ""


def test_saved_calibration_is_reused_and_refitted_when_rows_change(tmp_path: Path) -> None:
    spy = _Spy()
    load_calibration(spy, tmp_path, top_k=5)  # type: ignore[arg-type]
    spy.encoded.clear()
    load_calibration(spy, tmp_path, top_k=5)  # type: ignore[arg-type]
    assert spy.encoded == []  # reused
    questions = tmp_path / "q"
    questions.mkdir()
    src = (QUESTION_SET / "questions_en.tsv").read_text(encoding="utf-8").splitlines()
    (questions / "questions_en.tsv").write_text("\n".join(src[:60]) + "\n", encoding="utf-8")
    load_calibration(spy, tmp_path, top_k=5, questions=questions)  # type: ignore[arg-type]
    assert spy.encoded and len(spy.encoded) < 60  # refitted on the smaller set's fit half
