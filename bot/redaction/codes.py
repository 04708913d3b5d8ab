"""One-time codes (2FA, SMS, e-mail verification): a 4-8 digit number in a message that names a code,
unless it is an amount, an order number or a year."""

import re
from collections.abc import Iterator

from bot.redaction.boundaries import LETTER, words
from bot.redaction.spans import SecretKind, Span

_CODE_WORDS = re.compile(
    words(
        r"2fa", r"g2fa", r"otp", r"one[\s-]?time", r"codes?", r"verification", r"authenticator", r"sms",
        r"auth", r"код[а-яё]{0,3}", r"одноразов[а-яё]*", r"подтвержд[а-яё]*", r"2фа", r"c[oó]digos?",
        r"verificaci[oó]n", r"verifica[cç](?:ão|ao)", r"autenticador",
    )
    + r"|验证码|谷歌验证|动态码|校验码|短信码|确认码|安全码|認証コード|確認コード|認証番号|確認番号|ワンタイム|コード"
    r"|二段階認証|2段階認証|인증\s*번호|인증\s*코드|보안\s*코드|코드|(?:ال)?رمز|(?:ال)?كود|التحقق|المصادقة",
    re.IGNORECASE,
)
# Codes that are not secrets; a code word inside one of these does not count.
_NEUTRAL_CODES = re.compile(
    words(
        r"(?:referral|promo|promotion|invite|invitation|voucher|coupon|reference|country|area|zip|postal"
        r"|error|qr|anti[\s-]?phishing|bank|swift|tracking|discount)\s+codes?",
        r"реферальн[а-яё]*\s+код[а-яё]*", r"код[а-яё]*\s+(?:ошибки|страны)",
        r"антифишингов[а-яё]*\s+код[а-яё]*", r"пригласительн[а-яё]*\s+код[а-яё]*",
        r"c[oó]digos?\s+(?:de\s+)?(?:referid[oa]|referencia|refer[eê]ncia|invitaci[oó]n|convite|error|erro"
        r"|postal|pa[ií]s|promocional|antiphishing|anti-phishing|qr|descuento|desconto|indica[cç](?:ão|ao))",
    )
    + r"|邀请码|推荐码|错误码|错误代码|防钓鱼码|区号|邮编|优惠码|招待コード|紹介コード|エラーコード"
    r"|フィッシング対策コード|追跡コード|추천인?\s*코드|초대\s*코드|오류\s*코드|에러\s*코드|피싱\s*방지\s*코드"
    r"|(?:ال)?(?:رمز|كود)\s+(?:ال)?(?:إحالة|احالة|دعوة|خطأ|بريد|دولة|خصم|مكافحة\s+التصيد)",
    re.IGNORECASE,
)
_CODE_NUMBER = re.compile(
    r"(?<![\dA-Za-z.,/#_+])(?<!\d-)(?<!\d )(?:\d{4,8}|\d{3} \d{3})(?![\d.,/-]\d|[\dA-Za-z_]| \d)"
)
_AMOUNT_AFTER = re.compile(
    r"\s*(?:(?:usdt|usdc|usd|btc|eth|bnb|trx|sol|xrp|ton|doge|ltc|eur|rub|brl|jpy|cny|krw|sar|aed|dollars?"
    r"|euros?|reais|pesos|sats?|coins?|tokens?|k|mins?|minutes?|hours?|days?|d[ií]as|руб[а-яё]*|долл[а-яё]*)"
    rf"(?![{LETTER}])"
    r"|\$|€|%|元|块|円|원|₽|دولار|ريال|درهم|年|月|日|天|个|枚|개|일|시|분)",
    re.IGNORECASE,
)
_AMOUNT_BEFORE = re.compile(r"[$€£¥₩₽]\s*$")
_ORDER_LABEL = re.compile(
    r"(?:"
    + words(r"orders?|ticket|uid|id|no\.?|заказ[а-яё]*|номер[а-яё]*|pedido|ordem")
    + r"|#|№|订单|工单|注文|주문|طلب)[^\d\n]{0,12}$",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")
# A year-like number is a code only right after the code word: "code: 2024", "验证码是2024".
_CODE_TO_NUMBER = re.compile(r"[\s:：=]*(?:is|es|é|era|это|是|为|は|는|은)?[\s:：=「]*", re.IGNORECASE)


def find_one_time_codes(text: str) -> Iterator[Span]:
    neutral = [m.span() for m in _NEUTRAL_CODES.finditer(text)]
    code_words = [
        m.span()
        for m in _CODE_WORDS.finditer(text)
        if not any(start <= m.start() < end for start, end in neutral)
    ]
    if not code_words:
        return
    for match in _CODE_NUMBER.finditer(text):
        before = text[max(0, match.start() - 24) : match.start()]
        if _AMOUNT_AFTER.match(text, match.end()) or _AMOUNT_BEFORE.search(before):
            continue
        if _ORDER_LABEL.search(before):
            continue
        if _YEAR.fullmatch(match.group()) and not any(
            _CODE_TO_NUMBER.fullmatch(text, end, match.start()) for _, end in code_words
        ):
            continue
        yield Span(match.start(), match.end(), SecretKind.ONE_TIME_CODE)
