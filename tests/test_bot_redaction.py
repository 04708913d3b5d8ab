"""Secret redaction: seed phrases, keys, API secrets, passwords and one-time codes in all 8 languages."""

import hashlib
import re
import secrets
import string
import unicodedata

import pytest
from mnemonic import Mnemonic
from mnemonic.mnemonic import b58encode

from bot.redaction import Redaction, SecretKind, redact

K = SecretKind
FIXED_ENTROPY = hashlib.sha256(b"supportbot redaction tests").digest()[:16]  # deterministic phrases
SEED_LANGUAGES = ["english", "spanish", "japanese", "chinese_simplified", "korean", "portuguese"]
# A sentence around a pasted phrase; "!", "【】", "?" end the phrase so the expected text is exact.
SEED_SENTENCES = {
    "english": "Hi, my seed is {}! Can you check my wallet?",
    "spanish": "Hola, mi frase es: {}. ¿Me ayudan?",
    "japanese": "シードフレーズは {} です。確認してください",
    "chinese_simplified": "我的助记词是【{}】请帮忙看看",
    "korean": "제 시드 구문입니다: {} 도와주세요!",
    "portuguese": "Minha seed: {} — alguém me ajuda?",
}


def _phrase(lang: str, strength: int) -> tuple[str, list[str]]:
    """A fresh phrase as a user would paste it (NFC, as keyboards produce) and its words."""
    phrase = unicodedata.normalize("NFC", Mnemonic(lang).generate(strength))
    return phrase, phrase.split()


def _leaked(redacted: str, words: list[str], context: str) -> set[str]:
    """Phrase words still in ``redacted``, apart from words the surrounding ``context`` itself uses."""
    rest = redacted.replace("[redacted: seed_phrase]", "")
    if all(len(word) == 1 for word in words):  # Chinese: one character per word
        return set(words) & set(rest) - set(context)
    found = {w.casefold() for w in re.findall(r"[^\W\d_]+", rest)}
    return found & {word.casefold() for word in words} - {w.casefold() for w in context.split()}


def _base58check(payload: bytes) -> str:
    return b58encode(payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4])


def _assert_redacted(text: str, secret: str, kind: SecretKind) -> Redaction:
    result = redact(text)
    assert result.kinds == (kind,), result
    assert secret not in result.text
    assert f"[redacted: {kind}]" in result.text
    return result


def _assert_untouched(text: str) -> None:
    result = redact(text)
    assert result == Redaction(text=text, kinds=())
    assert not result.has_secret


# --- result type --------------------------------------------------------------------------------


def test_redaction_without_secret_keeps_text_and_reports_no_kinds() -> None:
    assert redact("How do I withdraw USDT?") == Redaction(text="How do I withdraw USDT?", kinds=())


def test_redaction_kinds_are_distinct_in_order_of_first_occurrence() -> None:
    key = secrets.token_hex(32)
    text = f"password: Tr0ub4dor&3 then 2FA code 481516, key {key}, and my pw: An0ther!pw"
    result = redact(text)
    assert result.kinds == (K.PASSWORD, K.ONE_TIME_CODE, K.PRIVATE_KEY)
    assert result.has_secret
    assert result.text == (
        "password: [redacted: password] then 2FA code [redacted: one_time_code], "
        "key [redacted: private_key], and my pw: [redacted: password]"
    )


def test_redact_twice_changes_nothing_more() -> None:
    phrase, _ = _phrase("english", 128)
    texts = [
        f"my seed is {phrase}, password: Hunter2!!, 密码：Abc12345, 2FA code 123456",
        f"secret key: {_token(64)} and private key {secrets.token_hex(32)}",
    ]
    for text in texts:
        once = redact(text)
        assert once.has_secret
        assert redact(once.text) == Redaction(text=once.text, kinds=())


def test_secret_kind_values_are_the_placeholder_names() -> None:
    assert [str(kind) for kind in SecretKind] == [
        "seed_phrase",
        "private_key",
        "extended_private_key",
        "api_secret",
        "password",
        "one_time_code",
        "card_number",
    ]


# --- seed phrases -------------------------------------------------------------------------------


@pytest.mark.parametrize("strength", [128, 256])
@pytest.mark.parametrize("lang", SEED_LANGUAGES)
def test_redact_generated_phrase_inside_sentence_keeps_the_sentence(lang: str, strength: int) -> None:
    phrase, words = _phrase(lang, strength)
    assert len(words) == strength // 32 * 3
    template = SEED_SENTENCES[lang]
    result = redact(template.format(phrase))
    assert result.kinds == (K.SEED_PHRASE,)
    assert result.text == template.format("[redacted: seed_phrase]")


@pytest.mark.parametrize("strength", [128, 256])
def test_redact_my_seed_is_please_help_removes_every_word(strength: int) -> None:
    phrase, words = _phrase("english", strength)
    result = redact(f"my seed is {phrase} please help")
    assert result.kinds == (K.SEED_PHRASE,)
    assert result.text.startswith("my seed is [redacted: seed_phrase]")
    assert result.text.endswith("help")
    assert not _leaked(result.text, words, "my seed is please help")


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("english", "my seed is {} please help", "my seed is [redacted: seed_phrase] please help"),
        ("english", "seed phrase: {}", "seed phrase: [redacted: seed_phrase]"),
        ("spanish", "mi frase semilla es {} por favor", "mi frase semilla es [redacted: seed_phrase] por favor"),
        ("chinese_simplified", "我的助记词是{}请帮忙", "我的助记词是[redacted: seed_phrase]请帮忙"),
    ],
)
def test_redact_phrase_next_to_wordlist_chat_words_keeps_those_words(lang: str, text: str, expected: str) -> None:
    """"please", "help", "seed", "frase", "semilla", "请", "帮" are wordlist words themselves."""
    phrase = Mnemonic(lang).to_mnemonic(FIXED_ENTROPY)
    if lang == "chinese_simplified":
        phrase = phrase.replace(" ", "")
    assert redact(text.format(unicodedata.normalize("NFC", phrase))).text == expected


@pytest.mark.parametrize("strength", [128, 256])
@pytest.mark.parametrize("lang", SEED_LANGUAGES)
def test_redact_numbered_and_newline_separated_phrases(lang: str, strength: int) -> None:
    _, words = _phrase(lang, strength)
    layouts = [
        "\n".join(f"{n}. {word}" for n, word in enumerate(words, 1)),
        " ".join(f"{n}) {word}" for n, word in enumerate(words, 1)),
        "\n".join(words),
        ", ".join(words),
    ]
    for layout in layouts:
        assert redact(layout) == Redaction(text="[redacted: seed_phrase]", kinds=(K.SEED_PHRASE,)), layout


@pytest.mark.parametrize("strength", [128, 256])
def test_redact_japanese_phrase_with_ideographic_or_ascii_spaces(strength: int) -> None:
    phrase = Mnemonic("japanese").generate(strength)  # joined by U+3000, NFKD as the package returns it
    assert "\u3000" in phrase
    for variant in (phrase, unicodedata.normalize("NFC", phrase), phrase.replace("\u3000", " ")):
        result = _assert_redacted(f"ウォレットの復元フレーズ：{variant}", variant, K.SEED_PHRASE)
        assert result.text == "ウォレットの復元フレーズ：[redacted: seed_phrase]"


@pytest.mark.parametrize("strength", [128, 256])
def test_redact_chinese_phrase_with_or_without_spaces(strength: int) -> None:
    phrase, words = _phrase("chinese_simplified", strength)
    for variant in (phrase, "".join(words), "，".join(words), "、".join(words)):
        result = redact(f"我的助记词：{variant}")
        assert result.kinds == (K.SEED_PHRASE,), variant
        assert not _leaked(result.text, words, "我的助记词："), result.text


def test_redact_unspaced_chinese_phrase_of_common_characters_when_named() -> None:
    """Most characters of this valid phrase are frequent ones, like an ordinary sentence; naming it
    ("助记词") is what lets it through."""
    phrase = "感均只金今呢强去样狱数个"
    assert Mnemonic("chinese_simplified").check(" ".join(phrase))
    assert redact(f"我的助记词：{phrase}").text == "我的助记词：[redacted: seed_phrase]"


def test_redact_chinese_traditional_phrase() -> None:
    phrase, words = _phrase("chinese_traditional", 128)
    result = redact(f"助記詞 {phrase}")
    assert result.kinds == (K.SEED_PHRASE,)
    assert not _leaked(result.text, words, "助記詞")


def test_redact_korean_phrase_in_composed_or_decomposed_hangul() -> None:
    raw = Mnemonic("korean").generate(128)  # the wordlist is stored decomposed (NFKD)
    for variant in (raw, unicodedata.normalize("NFC", raw)):
        _assert_redacted(f"니모닉: {variant}", variant, K.SEED_PHRASE)


def test_redact_phrase_in_capitals_or_without_accents() -> None:
    english, _ = _phrase("english", 128)
    _assert_redacted(english.upper(), english.upper(), K.SEED_PHRASE)
    spanish = Mnemonic("spanish").to_mnemonic(bytes(range(16)))  # ábaco álbum líquido ...: accented
    no_accents = "".join(ch for ch in unicodedata.normalize("NFKD", spanish) if not unicodedata.combining(ch))
    assert no_accents != unicodedata.normalize("NFKD", spanish)
    _assert_redacted(no_accents, no_accents, K.SEED_PHRASE)


def test_redact_phrase_with_failed_checksum_is_still_redacted() -> None:
    mnemo = Mnemonic("english")
    words = mnemo.to_mnemonic(FIXED_ENTROPY).split()
    words[-1] = "zoo" if words[-1] != "zoo" else "zone"
    typo = " ".join(words)
    assert not mnemo.check(typo)
    assert redact(f"is this right? {typo}").text == "is this right? [redacted: seed_phrase]"


@pytest.mark.parametrize("lang", ["french", "italian", "czech"])
def test_redact_phrase_from_other_shipped_wordlists(lang: str) -> None:
    phrase, words = _phrase(lang, 160)
    result = redact(f"seed: {phrase}")
    assert result.kinds == (K.SEED_PHRASE,)
    assert not _leaked(result.text, words, "seed")


def test_redact_eleven_wordlist_words_is_not_a_phrase() -> None:
    words = Mnemonic("english").to_mnemonic(FIXED_ENTROPY).split()[:11]
    _assert_untouched(" ".join(words))


# --- keys ---------------------------------------------------------------------------------------


def test_redact_hex_private_key_without_transaction_words() -> None:
    key = secrets.token_hex(32)
    _assert_redacted(f"here is my key {key} can you restore my wallet", key, K.PRIVATE_KEY)
    result = _assert_redacted(f"my private key: 0x{key.upper()}", key.upper(), K.PRIVATE_KEY)
    assert result.text == "my private key: [redacted: private_key]"


@pytest.mark.parametrize(
    "template",
    [
        "the txid is {} and it is still not credited",
        "deposit missing, transaction hash {}",
        "交易哈希 {} 还没到账",
        "トランザクションハッシュは {} です",
        "트랜잭션 해시 {} 확인 부탁드려요",
        "хеш транзакции {} — где деньги?",
        "el hash de la transacción es {}",
        "o hash da transação é {}",
        "رقم المعاملة {} ولم يصل الإيداع",
    ],
)
def test_keep_transaction_hash_when_message_has_transaction_words(template: str) -> None:
    _assert_untouched(template.format(secrets.token_hex(32)))


def test_keep_transaction_hash_starting_with_digits_next_to_code_words() -> None:
    _assert_untouched(f"my 2FA code works, but txid 1234567{secrets.token_hex(32)[7:]} never arrived")


def test_keep_transaction_hash_in_explorer_link() -> None:
    tx_hash = secrets.token_hex(32)
    _assert_untouched(f"not received https://etherscan.io/tx/0x{tx_hash}")
    _assert_untouched(f"see mempool.space/tx/{tx_hash} please")


@pytest.mark.parametrize(
    "text",
    [
        "my private key {} and the tx is stuck",
        "我的私钥是 {}，交易哈希在哪看",
        "秘密鍵 {} のトランザクション",
        "개인키 {} 트랜잭션",
        "приватный ключ {}, транзакция не прошла",
        "mi clave privada {} y la transacción",
        "minha chave privada {} e a transação",
        "المفتاح الخاص {} والمعاملة",
    ],
)
def test_redact_hex_key_when_key_words_beat_transaction_words(text: str) -> None:
    key = secrets.token_hex(32)
    _assert_redacted(text.format(key), key, K.PRIVATE_KEY)


def test_redact_wif_keys() -> None:
    raw = secrets.token_bytes(32)
    uncompressed = _base58check(b"\x80" + raw)
    compressed = _base58check(b"\x80" + raw + b"\x01")
    assert uncompressed[0] == "5" and len(uncompressed) == 51
    assert compressed[0] in "KL" and len(compressed) == 52
    _assert_redacted(f"wif {uncompressed}", uncompressed, K.PRIVATE_KEY)
    _assert_redacted(f"import this: {compressed}.", compressed, K.PRIVATE_KEY)


def test_redact_solana_style_secret_key_but_keep_signature_in_explorer_link() -> None:
    secret_key = b58encode(b"\x01" + secrets.token_bytes(63))
    assert 86 <= len(secret_key) <= 90
    _assert_redacted(f"my phantom key {secret_key}", secret_key, K.PRIVATE_KEY)
    _assert_untouched(f"https://solscan.io/tx/{secret_key}")


@pytest.mark.parametrize("version", ["0488ade4", "049d7878", "04b2430c", "04358394"])  # xprv yprv zprv tprv
def test_redact_extended_private_keys(version: str) -> None:
    xprv = _base58check(bytes.fromhex(version) + secrets.token_bytes(74))
    assert xprv[1:4] == "prv" and 107 <= len(xprv) <= 112
    result = _assert_redacted(f"backup: {xprv} ok?", xprv, K.EXTENDED_PRIVATE_KEY)
    assert result.text == "backup: [redacted: extended_private_key] ok?"


def test_keep_extended_public_key() -> None:
    xpub = _base58check(bytes.fromhex("0488b21e") + secrets.token_bytes(74))
    assert xpub.startswith("xpub")
    _assert_untouched(f"my xpub is {xpub}")


def test_keep_wallet_addresses() -> None:
    addresses = [
        "0x" + secrets.token_hex(20),
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
        _base58check(b"\x00" + secrets.token_bytes(20)),  # legacy BTC, 1...
        _base58check(b"\x41" + secrets.token_bytes(20)),  # Tron, T...
        b58encode(b"\x01" + secrets.token_bytes(31)),  # Solana address
    ]
    assert addresses[4][0] == "T" and len(addresses[4]) == 34
    for address in addresses:
        _assert_untouched(f"I sent 0.5 ETH to {address} yesterday, my private key is safe")
        _assert_untouched(f"提币地址 {address} 填错了")


# --- API secrets --------------------------------------------------------------------------------


def _token(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "Zz" + "".join(secrets.choice(alphabet) for _ in range(length - 2))


@pytest.mark.parametrize(
    "template",
    [
        "API Key: {key}\nSecret Key: {secret}",
        "api secret = {secret}",
        "my secret is {secret}",
        "我的API密钥是{secret}",
        "密钥：{secret}",
        "APIシークレットは {secret} です",
        "시크릿 키: {secret}",
        "секрет: {secret}",
        "mi clave secreta es {secret}",
        "minha chave secreta é {secret}",
        "المفتاح السري هو {secret}",
    ],
)
def test_redact_api_secret_after_secret_words(template: str) -> None:
    key, secret = _token(64), _token(64)
    result = _assert_redacted(template.format(key=key, secret=secret), secret, K.API_SECRET)
    assert key not in result.text  # an API key with its secret is a login: both go
    placeholder = "[redacted: api_secret]"
    assert result.text == template.format(key=placeholder, secret=placeholder)


def test_redact_hex_api_secret_as_api_secret_even_with_transaction_words() -> None:
    secret = secrets.token_hex(32)
    _assert_redacted(f"secret key: {secret} (I also have a txid question)", secret, K.API_SECRET)


def test_redact_api_key_after_api_key_label() -> None:
    """Issue 14: "API key: <value>" was stored as typed."""
    key = _token(64)
    result = _assert_redacted(f"API key {key} gives error -2015, is the key wrong?", key, K.API_SECRET)
    assert result.text == "API key [redacted: api_secret] gives error -2015, is the key wrong?"


def test_keep_short_token_after_secret_word() -> None:
    _assert_untouched("where do I find the secret key field? it says abc123")


# --- passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my password is Hunter2!!", "my password is [redacted: password]"),
        ("password: sunshine", "password: [redacted: password]"),
        ("pw: abc12345 pls help", "pw: [redacted: password] pls help"),
        ("pass=Qwerty123", "pass=[redacted: password]"),
        ('my password is "correct horse" ok', 'my password is "[redacted: password]" ok'),
        ("我的密码是abc12345", "我的密码是[redacted: password]"),
        ("密码：Abc12345 登录不了", "密码：[redacted: password] 登录不了"),
        ("パスワードは Abc12345 です", "パスワードは [redacted: password] です"),
        ("パスワードは「Tokyo2024!」です", "パスワードは「[redacted: password]」です"),
        ("비밀번호는 abc12345 입니다", "비밀번호는 [redacted: password] 입니다"),
        ("비번 qwe123! 맞는데 안 돼요", "비번 [redacted: password] 맞는데 안 돼요"),
        ("пароль: Qwerty123", "пароль: [redacted: password]"),
        ("мой пароль qwerty123 не подходит", "мой пароль [redacted: password] не подходит"),
        ("mi contraseña es Perro2024", "mi contraseña es [redacted: password]"),
        ("minha senha é Brasil@123", "minha senha é [redacted: password]"),
        ("كلمة السر Abc12345", "كلمة السر [redacted: password]"),
        ("كلمة المرور هي Abc12345 ولا تعمل", "كلمة المرور هي [redacted: password] ولا تعمل"),
    ],
)
def test_redact_stated_password_value_only(text: str, expected: str) -> None:
    assert redact(text) == Redaction(text=expected, kinds=(K.PASSWORD,))


@pytest.mark.parametrize(
    "text",
    [
        "I forgot my password",
        "reset password link not working",
        "my password is not working",
        "my password isn't accepted",
        "the new password is too short?",
        "我忘记密码了",
        "密码错误怎么办",
        "密码和2FA都改了",
        "パスワードを忘れました",
        "パスポートの写真がアップロードできません",
        "비밀번호를 잊어버렸어요",
        "암호화폐 출금이 안 돼요",
        "забыл пароль",
        "пароль не подходит",
        "olvidé mi contraseña",
        "mi contraseña es incorrecta",
        "esqueci minha senha",
        "minha senha e email foram trocados",
        "نسيت كلمة المرور",
        "كلمة المرور لا تعمل",
    ],
)
def test_keep_password_talk_without_a_value(text: str) -> None:
    _assert_untouched(text)


# --- one-time codes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("My 2FA code is 482913 and it keeps saying invalid", "482913"),
        ("the authenticator shows 123 456", "123 456"),
        ("谷歌验证码 385027 一直提示错误", "385027"),
        ("验证码是5821，为什么登录不了", "5821"),
        ("認証コードは 739104 です。ログインできません", "739104"),
        ("인증번호 562019 입력했는데 안 돼요", "562019"),
        ("код подтверждения 904317 не подходит", "904317"),
        ("mi código de verificación es 628401 y no funciona", "628401"),
        ("o código de verificação 274915 não funciona", "274915"),
        ("رمز التحقق 813527 لا يعمل", "813527"),
        ("رمز التحقق ٨١٣٥٢٧ لا يعمل", "٨١٣٥٢٧"),
    ],
)
def test_redact_one_time_code_with_code_words(text: str, code: str) -> None:
    _assert_redacted(text, code, K.ONE_TIME_CODE)


@pytest.mark.parametrize(
    "text",
    [
        "I want to withdraw 500 USDT",
        "order 12345678 is not filled",
        "my withdrawal of 2500 USDT from 2024-05-01 is pending",
        "I have had this account since 2019",
        "I need to withdraw 5000 USDT but my 2FA code doesn't work",
        "my 2FA stopped working in 2023",
        "my referral code is 48291374",
        "error code 100234 when I log in",
        "2FA order 87654321 stuck",
        "订单号 20240501 一直没成交",
        "提现 3000 USDT 需要多久",
        "注文番号 55512345 が約定しません",
        "주문 번호 12345678 체결이 안 돼요",
        "заказ 123456 не исполнен, вывод 1500 USDT",
        "mi pedido 778899 sigue pendiente",
        "meu pedido 665544 está parado",
        "طلب السحب 4500 USDT معلق",
    ],
)
def test_keep_numbers_that_are_not_codes(text: str) -> None:
    _assert_untouched(text)


# --- ordinary support messages ------------------------------------------------------------------

ORDINARY_MESSAGES = {
    "en": [
        "Hello, what about the deposit I made yesterday? It has not arrived. Can you check this please?",
        "can you help me, all my USDT is gone after I clicked a link, what can I do now",
        "How long does a withdrawal take? It says under review since 10:30.",
        "I can't pass KYC, the selfie keeps failing, I tried again and again",
        "what is the fee for spot and futures trading, and is there a discount for VIP?",
    ],
    "zh": [
        "你好，我昨天充值的USDT到现在还没到账，能帮我查一下吗？",
        "为什么我的提币一直显示审核中，已经超过24小时了",
        "我把币充到了错误的网络上面还有办法找回来吗",
        "合约账户里的钱怎么转到现货账户",
        "有人加我微信说是平台客服要我把验证码发给他这是真的吗我很担心",
        "我想了解一下身份认证二级需要准备什么材料大概多久能通过审核",
        "登录的时候总是提示验证失败换了浏览器也不行",
    ],
    "ja": [
        "昨日入金したUSDTがまだ反映されていません。確認してもらえますか？",
        "出金が「審査中」のまま24時間以上経っています",
        "二段階認証のスマホを機種変更してしまいました。どうすればいいですか",
        "本人確認の書類が何度も却下されます",
    ],
    "ko": [
        "어제 입금한 USDT가 아직 안 들어왔어요 확인 좀 부탁드려요",
        "출금이 계속 검토 중으로 나와요 언제 완료되나요",
        "OTP 폰을 바꿨는데 인증 앱을 옮기지 못했어요",
        "신분증 인증이 계속 실패해요 사진을 다시 찍어야 하나요",
    ],
    "ru": [
        "Здравствуйте, вчера пополнил счёт на 200 USDT, но деньги не пришли",
        "Вывод уже сутки висит на проверке, что делать?",
        "Поменял телефон и потерял доступ к аутентификатору",
        "Почему не проходит верификация? Фото паспорта чёткое",
    ],
    "es": [
        "Hola, ayer hice un depósito de 200 USDT y todavía no aparece en mi cuenta",
        "Mi retiro lleva un día en revisión, ¿qué puedo hacer?",
        "Cambié de celular y perdí el acceso a la app de autenticación",
        "¿Por qué rechazan mi verificación de identidad si la foto se ve bien?",
    ],
    "pt": [
        "Oi, fiz um depósito de 200 USDT ontem e ainda não apareceu na conta",
        "Meu saque está em análise faz um dia, o que eu faço?",
        "Troquei de celular e perdi o acesso ao app autenticador",
        "Por que minha verificação de identidade foi recusada se a foto está boa?",
    ],
    "ar": [
        "مرحبًا، أودعت 200 USDT أمس ولم تظهر في حسابي حتى الآن",
        "طلب السحب قيد المراجعة منذ يوم كامل، ماذا أفعل؟",
        "غيّرت هاتفي وفقدت الوصول إلى تطبيق المصادقة",
        "لماذا رُفض التحقق من هويتي مع أن الصورة واضحة؟",
    ],
}


@pytest.mark.parametrize(
    "text", [text for texts in ORDINARY_MESSAGES.values() for text in texts], ids=lambda text: text[:24]
)
def test_keep_ordinary_support_messages(text: str) -> None:
    _assert_untouched(text)


def test_keep_long_unpunctuated_chinese_text() -> None:
    _assert_untouched("".join(ORDINARY_MESSAGES["zh"]).replace("，", "").replace("？", ""))
