"""The Traditional Chinese catalog is data converted from the Simplified one by OpenCC and reviewed:
the committed files must equal a fresh conversion (run ``python -m bot.hant`` after editing zh.json)."""

from __future__ import annotations

import json

from bot.hant import LOCALES, PLACEHOLDERS, REVIEWED_FIXES, catalog_json, convert_texts, placeholders_json


def test_committed_catalog_equals_a_fresh_conversion_of_zh() -> None:
    zh = json.loads((LOCALES / "zh.json").read_text(encoding="utf-8"))
    assert (LOCALES / "zh-Hant.json").read_text(encoding="utf-8") == catalog_json(zh)


def test_committed_redaction_labels_equal_a_fresh_conversion() -> None:
    text = PLACEHOLDERS.read_text(encoding="utf-8")
    assert text == placeholders_json(json.loads(text))


def test_conversion_keeps_placeholders_and_applies_the_reviewed_fixes() -> None:
    out = convert_texts({"a": "您目前排在第 {position} 位，账户和邮箱的链接", "b": "远程控制软件"})
    assert out["a"] == "您目前排在第 {position} 位，帳戶和電子郵件信箱的連結"
    assert out["b"] == "遠端控制軟體"
    assert all(wrong not in out["a"] + out["b"] for wrong, _ in REVIEWED_FIXES)
