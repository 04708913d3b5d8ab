"""Calibrated confidence: the expected calibration error and the fit, on hand-computed cases."""

from __future__ import annotations

import pytest

from bot.confidence import FALLBACK, Calibrator, Features, expected_calibration_error, features, fit


def test_ece_perfectly_calibrated_is_zero() -> None:
    probs = [0.25] * 4 + [0.75] * 4
    correct = [True, False, False, False, True, True, True, False]
    assert expected_calibration_error(probs, correct) == pytest.approx(0.0)


def test_ece_hand_computed() -> None:
    # bin [0.9, 1.0]: mean confidence 0.95, accuracy 0.5 -> 0.45 x 2/4; bin [0.1, 0.2): 0.1 vs 0 -> 0.1 x 2/4
    assert expected_calibration_error([0.95, 0.95, 0.1, 0.1], [True, False, False, False]) == pytest.approx(0.275)


def test_ece_empty_is_zero() -> None:
    assert expected_calibration_error([], []) == 0.0


def test_features_margin_and_language_match() -> None:
    f = features([0.93, 0.90, 0.5], "es", "es")
    assert f == Features(0.93, pytest.approx(0.03), 1.0)
    assert features([0.8], "en", "tr") == Features(0.8, 0.8, 0.0)
    assert features([], None, "en").top_score == 0.0


def test_fit_learns_that_higher_scores_are_more_often_right(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [Features(0.80 + 0.01 * i, 0.01 * (i % 5), 1.0) for i in range(20)]
    correct = [i >= 8 for i in range(20)]
    cal = fit(rows, correct, model="m", kb_sha256="k")
    assert cal.probability(Features(0.99, 0.04, 1.0)) > 0.8
    assert cal.probability(Features(0.80, 0.0, 1.0)) < 0.3
    assert cal.ece is not None and 0 <= cal.ece <= 1
    cal.save(tmp_path)
    loaded = Calibrator.load(tmp_path)
    assert loaded == cal


def test_fit_with_one_class_falls_back() -> None:
    cal = fit([Features(0.9, 0.1, 1.0)] * 3, [True] * 3)
    assert cal.weights == FALLBACK.weights


def test_probability_is_a_probability() -> None:
    for f in (Features(-5, -5, 0), Features(0.9, 0.1, 1), Features(50, 50, 1)):
        assert 0.0 <= FALLBACK.probability(f) <= 1.0
