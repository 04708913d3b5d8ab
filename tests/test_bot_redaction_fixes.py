"""The misses of issue 14 and the families added for it: hex keys told from transaction hashes by their
label, API keys and bare API secrets, "secret: X", passwords in other word orders, card numbers, codes,
Stellar secret seeds and seed-phrase layouts. Values are derived from fixed seeds, so every run is the same."""

import hashlib

import pytest
from mnemonic import Mnemonic

from bot.redaction import Redaction, SecretKind, redact
from bot.redaction.cards import luhn_valid, mask_card

K = SecretKind


def _hex(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def _token(seed: str, length: int = 64) -> str:
    """Letters of both cases and digits, like an exchange's API secret."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha512(seed.encode()).digest() * 2
    return "Aa1" + "".join(alphabet[b % len(alphabet)] for b in digest[: length - 3])


def _assert_redacted(text: str, secret: str, kind: SecretKind) -> Redaction:
    result = redact(text)
    assert secret not in result.text, result.text
    assert kind in result.kinds, result
    return result


def _assert_untouched(text: str) -> None:
    assert redact(text) == Redaction(text=text, kinds=())


# --- hex keys and transaction hashes ------------------------------------------------------------

KEY = _hex("key")


@pytest.mark.parametrize(
    "template",
    [
        "my wallet key is {} and the transaction to my new address failed",
        "the agent asked for the key of the transaction: {}",
        "ключ от кошелька {}, транзакция не прошла",
        "我的钱包密钥是{}，交易失败",
        "제 지갑 키는 {} 인데 트랜잭션이 실패했어요",
        "مفتاح محفظتي {} والمعاملة فشلت",
    ],
)
def test_redact_hex_key_when_message_says_key_next_to_transaction(template: str) -> None:
    """Issue 14: a 64-hex private key next to the word "transaction" was kept as a tx hash."""
    result = _assert_redacted(template.format(KEY), KEY, K.PRIVATE_KEY)
    assert result.kinds == (K.PRIVATE_KEY,)


@pytest.mark.parametrize(
    "template",
    [
        "txid: {} and my private key is safe",
        "tx hash {} — I never shared my key",
        "transaction id {}, the key question is when it arrives",
        "交易哈希 {}，私钥没有泄露",
        "хеш транзакции {}, ключ я никому не давал",
    ],
)
def test_keep_hash_right_after_a_transaction_label_even_when_key_is_said(template: str) -> None:
    _assert_untouched(template.format(_hex("tx")))


def test_keep_labelled_hash_and_redact_key_in_one_message() -> None:
    tx = _hex("tx")
    result = redact(f"txid {tx} and here is my private key {KEY}")
    assert result.text == f"txid {tx} and here is my private key [redacted: private_key]"


def test_unlabelled_hash_is_a_key_unless_0x_prefixed_or_about_a_transfer() -> None:
    """Tx hashes are pasted more often than keys, but a leaked key loses the funds: a bare unprefixed
    64-hex is redacted; the 0x form (how EVM tx hashes are copied) and any hash in a message about a
    deposit or withdrawal are kept, unless the message says "key"."""
    _assert_redacted(f"{KEY}", KEY, K.PRIVATE_KEY)
    _assert_redacted(f"can you check {KEY}", KEY, K.PRIVATE_KEY)
    _assert_untouched(f"can you check 0x{KEY}")
    _assert_untouched(f"my deposit has not arrived {KEY}")
    _assert_untouched(f"提币还没到账 {KEY}")
    _assert_redacted(f"can you check 0x{KEY}, it's my wallet key", KEY, K.PRIVATE_KEY)


# --- API keys and secrets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "API key: {}",
        "api_key={}",
        "我的API密钥 {}",
        "APIキー {}",
        "API 키: {}",
        "ключ API {}",
        "mi clave de API es {}",
        "minha chave da API {}",
        "مفتاح API {}",
    ],
)
def test_redact_value_after_api_key_label(template: str) -> None:
    token = _token("api-key")
    assert redact(template.format(token)).text == template.format("[redacted: api_secret]")


def test_redact_bare_64_character_api_secret() -> None:
    secret = _token("bare")
    result = redact(f"my bot stopped, it uses {secret} from the API page")
    assert result.text == "my bot stopped, it uses [redacted: api_secret] from the API page"


@pytest.mark.parametrize(
    "value",
    [
        "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",  # taproot address: one case
        "0x" + "ab" * 32,  # hex: a hash, decided by the key rules
        "https://example.com/" + "Ab1" * 20,  # inside a link
    ],
)
def test_keep_long_public_values_that_are_not_api_secrets(value: str) -> None:
    _assert_untouched(f"see {value} please")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("secret: k9Xq2vLm7Pz4", "k9Xq2vLm7Pz4"),
        ("client secret = 8f3KqLm+Zx/Pq2==", "8f3KqLm+Zx/Pq2=="),
        ("my secret is Wq8zLp3vNx", "Wq8zLp3vNx"),
        ("секрет: Wq8zLp3vNx", "Wq8zLp3vNx"),
        ("シークレットは Wq8zLp3vNx", "Wq8zLp3vNx"),
    ],
)
def test_redact_value_stated_after_secret_label(text: str, secret: str) -> None:
    _assert_redacted(text, secret, K.API_SECRET)


@pytest.mark.parametrize("text", ["secret: where do I find it?", "the secret key field is empty", "secret: none"])
def test_keep_secret_talk_without_a_value(text: str) -> None:
    _assert_untouched(text)


# --- passwords in other word orders -------------------------------------------------------------

REORDERED = [
    ("en", "I use blue-Falcon42 as my login password", "blue-Falcon42"),
    ("en", "Sunrise#2023 is my password", "Sunrise#2023"),
    ("en", "I changed my password to Mango$River9", "Mango$River9"),
    ("en", "login password r0ckyB@lboa not accepted", "r0ckyB@lboa"),
    ("es", "uso Tortuga2020! como contraseña", "Tortuga2020!"),
    ("es", "Lluvia_55x es mi contraseña", "Lluvia_55x"),
    ("es", "cambié mi contraseña a Nieve*321", "Nieve*321"),
    ("pt", "eu uso Flamengo1981 como senha", "Flamengo1981"),
    ("pt", "Abacaxi#42 é a minha senha", "Abacaxi#42"),
    ("pt", "troquei a senha para Praia!2024", "Praia!2024"),
    ("ru", "я использую Kotik_777 как пароль", "Kotik_777"),
    ("ru", "Zima#1999 — это мой пароль", "Zima#1999"),
    ("ru", "поменял пароль на Leto2023$", "Leto2023$"),
    ("zh", "我用hello_2024当登录密码", "hello_2024"),
    ("zh", "Tiger#668是我的密码", "Tiger#668"),
    ("ja", "fujiyama77 をログインパスワードにしています", "fujiyama77"),
    ("ja", "パスワードを Umi2023$ に変更しました", "Umi2023$"),
    ("ko", "kimchi2024 를 로그인 비밀번호로 쓰고 있어요", "kimchi2024"),
    ("ko", "비밀번호를 Bada2023$ 로 바꿨어요", "Bada2023$"),
    ("ar", "أستخدم Sahara_77! ككلمة مرور", "Sahara_77!"),
    ("ar", "Qamar2023$ هي كلمة السر", "Qamar2023$"),
    ("ar", "غيرت كلمة المرور إلى Bahr@1212", "Bahr@1212"),
]


@pytest.mark.parametrize(("lang", "text", "password"), REORDERED, ids=[f"{r[0]}-{i}" for i, r in enumerate(REORDERED)])
def test_redact_password_in_other_word_orders(lang: str, text: str, password: str) -> None:
    result = redact(text)
    assert result.kinds == (K.PASSWORD,), result
    assert result.text == text.replace(password, "[redacted: password]")


@pytest.mark.parametrize(
    "text",
    [
        "this is my password problem",
        "what is my password?",
        "I use Chrome as my browser, and the password field is empty",
        "I changed my password to a longer one",
        "mi contraseña es muy larga",
        "essa é a minha senha antiga?",
        "это мой пароль?",
        "这是我的密码吗",
        "password reset link expired",
        "password for maria.lopez88@gmail.com does not work",
    ],
)
def test_keep_password_talk_in_other_word_orders(text: str) -> None:
    _assert_untouched(text)


# --- card numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("paid with 4242 4242 4242 4242 yesterday", "paid with •••• •••• •••• 4242 yesterday"),
        ("card 5555-5555-5555-4444 declined", "card ••••-••••-••••-4444 declined"),
        ("amex 3782 822463 10005", "amex •••• •••••• •0005"),
        ("卡号6222021234567890128被扣款", "卡号•••••••••••••••0128被扣款"),
        ("my card 4000056655665556", "my card ••••••••••••5556"),
    ],
)
def test_mask_card_number_to_its_last_four_digits(text: str, expected: str) -> None:
    assert redact(text) == Redaction(text=expected, kinds=(K.CARD_NUMBER,))


@pytest.mark.parametrize(
    "text",
    [
        "card 4242 4242 4242 4241 declined",  # fails the Luhn check
        "order 4111111111111111 is stuck",  # Luhn-valid, but labelled as an order
        "订单号4111111111111111没成交",
        "رقم الطلب 4111111111111111 معلق",
        "call me on +4111111111111111",
        "P2P order #4242424242424242",
        "1234 5678 9012 3456 7",  # grouped unlike any card
        "my ID card number is 9111111111111111",  # no issuer starts with 9
    ],
)
def test_keep_numbers_that_are_not_cards(text: str) -> None:
    _assert_untouched(text)


def test_card_inside_a_hex_key_does_not_split_the_key() -> None:
    key = "ab" + "4242424242424242" + "cd" * 23
    assert len(key) == 64
    assert redact(f"my private key {key}").text == "my private key [redacted: private_key]"


def test_luhn_and_mask_helpers() -> None:
    assert luhn_valid("4242424242424242") and not luhn_valid("4242424242424241")
    assert mask_card("4242-4242-4242-4242") == "••••-••••-••••-4242"


# --- codes, keys and phrases named in the issue --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [("code 123456", "123456"), ("my 2fa is 123456", "123456"), ("2FA: 654 321", "654 321")],
)
def test_redact_short_code_sentences(text: str, code: str) -> None:
    _assert_redacted(text, code, K.ONE_TIME_CODE)


@pytest.mark.parametrize("text", ["2FA", "I lost my 2FA in 2023", "my 2FA app shows nothing"])
def test_keep_code_talk_without_a_code(text: str) -> None:
    _assert_untouched(text)


def test_redact_stellar_secret_seed_but_keep_account_id() -> None:
    secret = "S" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 2
    secret = secret[:56]
    _assert_redacted(f"my stellar secret {secret}", secret, K.PRIVATE_KEY)
    _assert_untouched(f"my stellar address G{secret[1:]}")


@pytest.mark.parametrize("count", [12, 15, 18, 21, 24])
@pytest.mark.parametrize("layout", ["space", "comma", "newline", "numbered"])
def test_redact_seed_phrase_of_every_length_and_layout(count: int, layout: str) -> None:
    words = Mnemonic("english").to_mnemonic(hashlib.sha256(b"seed").digest()[: count * 4 // 3]).split()
    text = {
        "space": " ".join(words),
        "comma": ", ".join(words),
        "newline": "\n".join(words),
        "numbered": " ".join(f"{n}. {w}" for n, w in enumerate(words, 1)),
    }[layout]
    assert redact(f"my words:\n{text}").text == "my words:\n[redacted: seed_phrase]"
