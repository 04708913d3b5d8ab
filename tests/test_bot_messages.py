"""The message catalog: every key in all 8 languages, same placeholders, native script, render."""

import json
import re
import string
from importlib import resources

import pytest

from bot.messages import (
    RTL_LANGUAGES,
    SUPPORTED_LANGUAGES,
    Catalog,
    language_name,
    load_catalog,
)

LANGS = SUPPORTED_LANGUAGES
OTHER_LANGS = [lang for lang in LANGS if lang != "en"]
NAMED_LANGUAGES = [*LANGS, "fr", "de", "tr", "vi", "it", "id", "hi", "uk", "pl", "nl", "th", "fa", "he"]
SECRET_KINDS = [
    "seed_phrase", "private_key", "extended_private_key", "api_secret", "password", "one_time_code", "card_number",
]
CONVERSATION_KEYS = """greeting anti_phishing answer_intro answer_source answer_confidence answer_followup
    fallback_language_note clarify not_sure not_sure_again_handoff out_of_scope out_of_scope_offer_human
    human_request_ack handoff_notice handoff_notice_urgent handoff_notice_busy handoff_notice_urgent_busy
    no_agent_online contact_saved contact_invalid
    agent_joined agent_released returned_to_bot resolved csat_prompt csat_thanks helpful_thanks
    waiting_user_message_received rate_limited message_too_long"""
SECURITY_TOPICS = """account_compromised unauthorized_withdrawal lost_2fa_device phishing_victim frozen_funds
    secret_shared"""
WIDGET_LABELS = """launcher_label title subtitle_online placeholder send close minimize helpful_question yes no
    source confidence you assistant agent system queue_position estimated_wait csat_title csat_submit
    csat_comment_placeholder contact_placeholder contact_submit talk_to_agent connection_lost reconnecting
    new_conversation error_generic wait_busy wait_nobody_online subtitle_bot subtitle_waiting subtitle_busy
    subtitle_offline subtitle_with_agent"""
CONSOLE_LABELS = """title login_title api_key_label login logout queue mine empty_queue claim claim_next release
    resolve resolve_return_to_bot reply_placeholder send transcript bot_context articles_considered
    handoff_reason language priority waited sla_breached status user contact no_conversation_selected
    claimed_by_other over_capacity error_generic live offline"""
HELP_LABELS = """title intro search_label search_placeholder search_button results_for no_results
    other_languages back updated not_found_title not_found_text language"""
HELP_CATEGORIES = """account security kyc deposit withdrawal trading fees derivatives wallet earn platform
    compliance general"""
REQUIRED_KEYS = [
    *CONVERSATION_KEYS.split(),
    *(f"security.{name}" for name in SECURITY_TOPICS.split()),
    *(f"secret_warning.{kind}" for kind in SECRET_KINDS),
    *(f"ui.redacted.{kind}" for kind in SECRET_KINDS),
    *(f"priority.{name}" for name in ["urgent", "high", "normal"]),
    *(f"smalltalk.{case}" for case in ["greeting", "thanks", "goodbye", "ack"]),
    "vague",
    *(f"reason.{name}" for name in ["security", "user_request", "low_confidence", "secret_shared", "escalate_article"]),
    *(f"ui.widget.{name}" for name in WIDGET_LABELS.split()),
    *(f"ui.console.{name}" for name in CONSOLE_LABELS.split()),
    *(f"ui.help.{name}" for name in HELP_LABELS.split()),
    *(f"ui.help.category.{name}" for name in HELP_CATEGORIES.split()),
    *(f"lang.{code}" for code in NAMED_LANGUAGES),
]
PLACEHOLDERS = {
    "answer_source": {"title"},
    "answer_confidence": {"percent"},
    "fallback_language_note": {"language", "answer_language"},
    "handoff_notice": {"position", "minutes"},
    "handoff_notice_urgent": {"position", "minutes"},
    "contact_saved": {"contact"},
    "agent_joined": {"agent"},
    "ui.widget.queue_position": {"position"},
    "ui.widget.estimated_wait": {"minutes"},
    "ui.help.results_for": {"query"},
    "ui.help.updated": {"date"},
}
# A value may equal the English one only here: Spanish uses the same word for the "No" button.
SAME_AS_ENGLISH_ALLOWED = frozenset({("es", "ui.widget.no")})
# Each language says the four things the Exchange never asks for: password, 2FA codes, seed, remote access.
ANTI_PHISHING_WORDS = {
    "en": ["password", "2FA", "seed", "remote"],
    "zh": ["密码", "2FA", "助记词", "远程"],
    "ja": ["パスワード", "2FA", "シードフレーズ", "遠隔操作"],
    "ko": ["비밀번호", "2FA", "시드 구문", "원격"],
    "ru": ["пароль", "2FA", "сид-фраз", "удалённ"],
    "es": ["contraseña", "2FA", "frase semilla", "acceso remoto"],
    "pt": ["senha", "2FA", "frase de recuperação", "acesso remoto"],
    "ar": ["كلمة المرور", "2FA", "عبارة الاسترداد", "عن بُعد"],
}
# The "Disable account" step names the same menu item as the knowledge base in each language.
DISABLE_ACCOUNT = {
    "en": "Profile → Security → Disable account",
    "zh": "「个人中心 → 安全中心 → 禁用账户」",
    "ja": "「プロフィール」→「セキュリティ」→「アカウントを無効化」",
    "ko": "프로필 → 보안 → 계정 비활성화",
    "ru": "«Профиль → Безопасность → Отключить аккаунт»",
    "es": "Profile → Security → Disable account",
    "pt": "Perfil → Segurança → Desativar conta",
    "ar": "الملف الشخصي ← الأمان ← «تعطيل الحساب»",
}
SCRIPTS = {
    "ar": r"[\u0600-\u06ff]",
    "zh": r"[\u4e00-\u9fff]",
    "ko": r"[\uac00-\ud7af]",
    "ru": r"[\u0400-\u04ff]",
}
KANA = re.compile(r"[\u3040-\u30ff]")
HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")


def _raw(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads(
        (resources.files("bot") / "locales" / f"{lang}.json").read_text(encoding="utf-8")
    )
    return data


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_supported_and_rtl_languages() -> None:
    assert SUPPORTED_LANGUAGES == ("en", "zh", "ja", "ko", "ru", "es", "pt", "ar")
    assert sorted(RTL_LANGUAGES) == ["ar"]


@pytest.mark.parametrize("lang", LANGS)
def test_locale_file_has_exactly_the_required_keys(lang: str) -> None:
    assert sorted(_raw(lang)) == sorted(REQUIRED_KEYS)


@pytest.mark.parametrize("lang", LANGS)
def test_locale_values_are_non_empty_trimmed_and_short(lang: str) -> None:
    for key, text in _raw(lang).items():
        assert text.strip() == text and text, (lang, key)
        assert len(text) <= (100 if key.startswith(("ui.", "lang.", "priority.", "reason.")) else 400), (lang, key)


def test_catalog_keys_match_the_english_file(catalog: Catalog) -> None:
    assert catalog.keys() == tuple(_raw("en"))
    assert len(catalog.keys()) == len(REQUIRED_KEYS) == 177


@pytest.mark.parametrize("key", REQUIRED_KEYS)
def test_placeholders_are_the_same_in_every_language(catalog: Catalog, key: str) -> None:
    expected = PLACEHOLDERS.get(key, set())
    for lang in LANGS:
        assert _placeholders(catalog.texts[lang][key]) == expected, (lang, key)


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_formats_with_its_placeholders(catalog: Catalog, lang: str) -> None:
    for key in REQUIRED_KEYS:
        values = {name: "X" for name in PLACEHOLDERS.get(key, set())}
        assert "{" not in catalog.render(key, lang, **values), (lang, key)


@pytest.mark.parametrize("lang", OTHER_LANGS)
def test_translations_differ_from_english(catalog: Catalog, lang: str) -> None:
    same = {key for key in REQUIRED_KEYS if catalog.texts[lang][key] == catalog.texts["en"][key]}
    assert same == {key for allowed_lang, key in SAME_AS_ENGLISH_ALLOWED if allowed_lang == lang}


@pytest.mark.parametrize("lang", ["ar", "zh", "ko", "ru"])
def test_values_are_written_in_the_language_script(catalog: Catalog, lang: str) -> None:
    script = re.compile(SCRIPTS[lang])
    missing = [key for key in REQUIRED_KEYS if not script.search(catalog.texts[lang][key])]
    assert missing == []


def test_chinese_values_have_no_kana(catalog: Catalog) -> None:
    assert [key for key in REQUIRED_KEYS if KANA.search(catalog.texts["zh"][key])] == []


def test_japanese_values_contain_kana_or_are_short_kanji_labels(catalog: Catalog) -> None:
    """Kanji-only labels such as 送信, 緊急, 英語 or 出典：{title} are natural; sentences must have kana."""
    for key in REQUIRED_KEYS:
        text = catalog.texts["ja"][key]
        letters = re.sub(r"\{\w+\}|[\W\d_]", "", text)
        assert KANA.search(text) or (HAN_ONLY.fullmatch(letters) and len(letters) <= 4), key


@pytest.mark.parametrize("lang", LANGS)
def test_anti_phishing_names_the_four_things_we_never_ask_for(catalog: Catalog, lang: str) -> None:
    text = catalog.render("anti_phishing", lang)
    assert [word for word in ANTI_PHISHING_WORDS[lang] if word.casefold() not in text.casefold()] == []


@pytest.mark.parametrize("lang", LANGS)
def test_security_steps_name_the_disable_account_menu(catalog: Catalog, lang: str) -> None:
    for key in ["security.account_compromised", "security.unauthorized_withdrawal", "security.phishing_victim"]:
        assert DISABLE_ACCOUNT[lang] in catalog.texts[lang][key], key


@pytest.mark.parametrize("lang", LANGS)
def test_secret_warnings_cover_every_redaction_kind(catalog: Catalog, lang: str) -> None:
    from bot.redaction import SecretKind

    assert [kind.value for kind in SecretKind] == SECRET_KINDS
    for kind in SecretKind:
        assert catalog.render(f"secret_warning.{kind}", lang)


def test_render_fills_placeholders(catalog: Catalog) -> None:
    assert catalog.render("handoff_notice", "en", position=3, minutes=5) == (
        "You're number 3 in the queue; estimated wait about 5 min."
    )
    assert catalog.render("handoff_notice", "zh", position=3, minutes=5) == "您目前排在第 3 位，预计等待约 5 分钟。"
    assert catalog.render("answer_confidence", "ja", percent=87) == "信頼度：87%"
    assert catalog.render("agent_joined", "ar", agent="Lina") == "انضم Lina إلى المحادثة."
    assert catalog.render("ui.widget.queue_position", "ru", position=2) == "Место в очереди: 2"


def test_render_fallback_language_note_with_language_names(catalog: Catalog) -> None:
    note = catalog.render(
        "fallback_language_note",
        "es",
        language=catalog.language_name("ko", "es"),
        answer_language=catalog.language_name("en", "es"),
    )
    assert note == "Todavía no tengo artículos en coreano, así que te muestro la versión en inglés."


def test_render_unknown_key_raises_key_error(catalog: Catalog) -> None:
    with pytest.raises(KeyError):
        catalog.render("no.such.key", "en")
    with pytest.raises(KeyError):
        catalog.render("no.such.key", "xx")


def test_render_missing_placeholder_raises_key_error(catalog: Catalog) -> None:
    with pytest.raises(KeyError):
        catalog.render("handoff_notice", "en", position=1)


def test_render_unsupported_language_falls_back_to_english(catalog: Catalog) -> None:
    assert catalog.render("greeting", "de") == catalog.texts["en"]["greeting"]
    assert catalog.render("greeting", "") == catalog.texts["en"]["greeting"]


def test_render_accepts_region_subtags(catalog: Catalog) -> None:
    assert catalog.render("greeting", "pt-BR") == catalog.texts["pt"]["greeting"]
    assert catalog.render("greeting", "zh_CN") == catalog.texts["zh"]["greeting"]


@pytest.mark.parametrize("lang", LANGS)
def test_for_language_returns_only_ui_strings(catalog: Catalog, lang: str) -> None:
    ui = catalog.for_language(lang)
    assert set(ui) == {key for key in REQUIRED_KEYS if key.startswith("ui.")}
    assert ui["ui.widget.send"] == catalog.texts[lang]["ui.widget.send"]
    assert set(catalog.for_language(lang, prefix="ui.console.")) == {
        key for key in REQUIRED_KEYS if key.startswith("ui.console.")
    }


def test_for_language_unsupported_language_gets_english(catalog: Catalog) -> None:
    assert catalog.for_language("fr") == catalog.for_language("en")


@pytest.mark.parametrize("in_lang", LANGS)
def test_language_name_for_every_named_language(in_lang: str) -> None:
    names = [language_name(code, in_lang) for code in NAMED_LANGUAGES]
    assert all(names) and len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("code", "in_lang", "expected"),
    [
        ("ja", "es", "japonés"),
        ("en", "zh", "英语"),
        ("ar", "ja", "アラビア語"),
        ("uk", "ru", "украинский"),
        ("he", "ar", "العبرية"),
        ("de", "ko", "독일어"),
        ("fr", "pt", "francês"),
        ("PT-br", "en", "Portuguese"),
        ("sw", "en", "sw"),
    ],
)
def test_language_name_examples(code: str, in_lang: str, expected: str) -> None:
    assert language_name(code, in_lang) == expected


def test_load_catalog_reads_the_files_once() -> None:
    assert load_catalog() is load_catalog()


@pytest.mark.parametrize("lang", LANGS)
def test_rating_submit_label_differs_from_send(catalog: Catalog, lang: str) -> None:
    """With the rating form open the widget shows both buttons: they must not read the same."""
    assert catalog.texts[lang]["ui.widget.csat_submit"] != catalog.texts[lang]["ui.widget.send"]
