"""Placeholders: the stored text keeps one neutral token; ``localise`` shows it in the reader's language."""

import hashlib

import pytest
from mnemonic import Mnemonic

from bot.messages import SUPPORTED_LANGUAGES, load_catalog
from bot.redaction import Redaction, SecretKind, localise, placeholder, redact, token
from bot.redaction.placeholders import placeholder_languages

LANGS = ["en", "zh", "ja", "ko", "ru", "es", "pt", "ar"]
PHRASE = Mnemonic("english").to_mnemonic(hashlib.sha256(b"placeholder").digest()[:16])


def test_placeholder_languages_are_the_eight_supported() -> None:
    assert sorted(placeholder_languages()) == sorted(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_every_kind_has_its_own_label_in_every_language(lang: str) -> None:
    labels = [placeholder(kind, lang) for kind in SecretKind]
    assert len(set(labels)) == len(labels)
    assert all(label.startswith("[") and label.endswith("]") for label in labels)
    if lang != "en":
        assert labels != [placeholder(kind, "en") for kind in SecretKind]


def test_stored_text_keeps_the_neutral_token_and_localise_renders_it() -> None:
    stored = redact(f"my seed is {PHRASE}").text
    assert stored == f"my seed is {token(SecretKind.SEED_PHRASE)}"
    assert localise(stored, "zh") == "my seed is [已移除助记词]"
    assert localise(stored, "en") == "my seed is [seed phrase removed]"
    assert localise(stored, "pt-BR") == localise(stored, "pt")
    assert localise(stored, "xx") == localise(stored, "en")


def test_localise_leaves_unknown_tokens_and_other_text_alone() -> None:
    assert localise("[redacted: something_else] ok", "ja") == "[redacted: something_else] ok"
    assert localise("no secrets here", "ko") == "no secrets here"


@pytest.mark.parametrize("lang", LANGS)
def test_localised_placeholders_do_not_look_like_secrets(lang: str) -> None:
    """A label shown to a reader and pasted back (or redacted twice) must not be taken for a secret:
    every label alone, after each label word, and all labels run together."""
    labels = [placeholder(kind, lang) for kind in SecretKind]
    texts = [
        *labels,
        "".join(labels),
        " ".join(labels),
        "\n".join(labels),
        *(f"password: {label}" for label in labels),
        *(f"2FA code {label} 2FA" for label in labels),
    ]
    for text in texts:
        assert redact(text) == Redaction(text=text, kinds=()), text
    assert not any(ch.isdigit() for label in labels for ch in label)


@pytest.mark.parametrize("lang", LANGS)
def test_redacting_a_localised_text_again_changes_nothing(lang: str) -> None:
    secret = hashlib.sha256(b"key").hexdigest()
    once = redact(f"private key {secret}, password: Hunter2!!, seed {PHRASE}, card 4242 4242 4242 4242")
    shown = localise(once.text, lang)
    assert redact(shown) == Redaction(text=shown, kinds=())


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_secret_family_has_a_catalog_label_the_browsers_render(lang: str) -> None:
    """The widget and the console show a stored ``[redacted: <kind>]`` as ``ui.redacted.<kind>``; that
    text is the same label ``localise`` gives, so the server and the browsers agree."""
    catalog = load_catalog()
    for kind in SecretKind:
        assert catalog.render(f"ui.redacted.{kind.value}", lang) == placeholder(kind, lang).strip("[]")
    assert "ui.redacted.seed_phrase" in catalog.for_language(lang)
