"""Payment card numbers: Luhn-valid PANs of 13 to 19 digits, plain or grouped with spaces or dashes,
masked down to the last four digits ("•••• •••• •••• 4242"), as help desks do.

Order, trade and account numbers of the same length pass the Luhn check one time in ten, so a number
labelled as one of those ("order 4111...", "订单号", "رقم الطلب") is kept, and so is a phone number.
"""

import re
from collections.abc import Iterator

from bot.redaction.boundaries import words
from bot.redaction.spans import SecretKind, Span

MASK = "•"
_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z+#№.,/_-])(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)(?![.,/]\d)(?![A-Za-z_])"
)
# How people group a card number: 4-4-4-4, 4-4-4-4-3, 4-6-5 (American Express), 4-4-4-1..4.
_GROUPINGS = re.compile(r"\d{4}(?:[ -]\d{4}){2}[ -]\d{1,4}|\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{3}|\d{4}[ -]\d{6}[ -]\d{4,5}")
# Issuer prefixes: 2 (Mastercard 2-series, Mir), 3 (Amex, JCB, Diners), 4 (Visa), 5 (Mastercard,
# Maestro), 6 (Discover, UnionPay, Maestro).
_ISSUER = re.compile(r"[2-6]")
_ID_LABEL = re.compile(
    "(?:"
    + words(
        r"orders?", r"trades?", r"deals?", r"tickets?", r"cases?", r"invoices?", r"uid", r"id", r"ids",
        r"ref(?:erence)?", r"account", r"phone", r"tel", r"mobile", r"transaction", r"tx(?:id)?", r"p2p",
        r"c2c", r"pedido", r"orden", r"ordem", r"operaci[oó]n", r"opera[cç][aã]o", r"n[uú]mero\s+de\s+(?:orden|pedido)",
        r"n[uú]mero\s+do\s+pedido", r"заказ[а-яё]*", r"ордер[а-яё]*", r"сделк[а-яё]*", r"номер\s+(?:заказа|сделки|ордера)",
        r"телефон[а-яё]*",
    )
    + r"|#|№|订单号?|订单编号|工单|成交ID|交易ID|手机号?|电话|注文(?:番号)?|取引ID|電話番号|주문\s*번호|주문|거래\s*ID|전화"
    r"|(?:رقم|معرف)\s+(?:ال)?(?:طلب|صفقة|معاملة|هاتف)|الطلب|طلب|الصفقة|هاتف"
    r")[^\d\n]{0,8}$",
    re.IGNORECASE,
)  # fmt: skip
_LABEL_REACH = 24


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def find_card_numbers(text: str) -> Iterator[Span]:
    for match in _CANDIDATE.finditer(text):
        raw = match.group()
        digits = re.sub(r"[ -]", "", raw)
        if not 13 <= len(digits) <= 19 or not _ISSUER.match(digits) or not luhn_valid(digits):
            continue
        if digits != raw and not _GROUPINGS.fullmatch(raw):
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        if _ID_LABEL.search(text, max(line_start, match.start() - _LABEL_REACH), match.start()):
            continue
        yield Span(match.start(), match.end(), SecretKind.CARD_NUMBER, replacement=mask_card(raw))


def mask_card(raw: str) -> str:
    """Every digit but the last four becomes ``•``; spaces and dashes stay where they were."""
    digits_seen = 0
    total = sum(ch.isdigit() for ch in raw)
    out = []
    for char in raw:
        if char.isdigit():
            digits_seen += 1
            out.append(char if digits_seen > total - 4 else MASK)
        else:
            out.append(char)
    return "".join(out)
