"""The Traditional Chinese catalog (``zh-Hant``: read by ``zh-TW``, ``zh-HK`` and ``zh-MO``), built from
the Simplified one.

``python -m bot.hant`` converts ``bot/locales/zh.json`` and the ``zh`` redaction labels with OpenCC's
``s2tw`` table (Taiwan-standard characters, no regional vocabulary swap, which readers in Hong Kong
read as naturally), then applies :data:`REVIEWED_FIXES`, the corrections a reviewer made to the
machine output, and writes ``bot/locales/zh-Hant.json`` and the ``zh-Hant`` entry of
``bot/redaction/data/placeholders.json``. Both are committed data, reviewed like any translation; the
server never converts at run time (OpenCC is a development dependency). Run it again after changing
``zh.json``: ``tests/test_bot_hant.py`` fails while the committed files differ from a fresh conversion.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from config.languages import TRADITIONAL_CHINESE

OPENCC_CONFIG = "s2tw"
# Reviewed corrections of the s2tw output, applied in order to every text.
REVIEWED_FIXES: tuple[tuple[str, str], ...] = (
    ("賬", "帳"),  # 帳戶/帳號: the standard form in Taiwan and Hong Kong (s2tw keeps the mainland 賬)
    ("鏈接", "連結"),  # a link is 連結 in Traditional usage; 鏈接 reads as mainland wording
    ("智能助手", "智慧助理"),  # Taiwan's usual name for a virtual assistant
    ("郵箱", "電子郵件信箱"),  # 郵箱 alone is a mailbox (the post); the e-mail account is 電子郵件信箱
    ("遠程", "遠端"),  # remote (control, software)
    ("設備", "裝置"),  # a device (the 2FA phone)
    ("消息", "訊息"),  # a chat message
    ("通過", "透過"),  # "by" (e-mail); every 通过 in zh.json is this sense, none is "passed"
    ("軟件", "軟體"),
    ("信息", "資訊"),
    ("意大利", "義大利"),
)
ROOT = Path(__file__).resolve().parent
LOCALES = ROOT / "locales"
PLACEHOLDERS = ROOT / "redaction" / "data" / "placeholders.json"


def convert_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """Every text of ``texts`` in Traditional characters, with the reviewed fixes; keys and
    ``{placeholders}`` unchanged (OpenCC leaves ASCII alone)."""
    import opencc  # type: ignore[import-untyped]  # a dev dependency: only this build step needs it

    converter = opencc.OpenCC(OPENCC_CONFIG)
    out: dict[str, str] = {}
    for key, text in texts.items():
        converted = converter.convert(text)
        for wrong, right in REVIEWED_FIXES:
            converted = converted.replace(wrong, right)
        out[key] = converted
    return out


def catalog_json(zh: Mapping[str, str]) -> str:
    """``zh-Hant.json``'s text for the Simplified catalog ``zh``, formatted like the other catalogs."""
    return json.dumps(convert_texts(zh), ensure_ascii=False, indent=2) + "\n"


def placeholders_json(data: Mapping[str, object]) -> str:
    """``placeholders.json``'s text with its ``zh-Hant`` entry converted from the ``zh`` one."""
    zh = data["zh"]
    assert isinstance(zh, dict)
    updated = {**data, TRADITIONAL_CHINESE: convert_texts(zh)}
    return json.dumps(updated, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    zh = json.loads((LOCALES / "zh.json").read_text(encoding="utf-8"))
    (LOCALES / f"{TRADITIONAL_CHINESE}.json").write_text(catalog_json(zh), encoding="utf-8")
    labels = json.loads(PLACEHOLDERS.read_text(encoding="utf-8"))
    PLACEHOLDERS.write_text(placeholders_json(labels), encoding="utf-8")
    print(f"wrote {LOCALES / (TRADITIONAL_CHINESE + '.json')} and the {TRADITIONAL_CHINESE} labels of {PLACEHOLDERS}")


if __name__ == "__main__":
    main()
