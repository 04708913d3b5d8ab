"""Passwords the user states, in any word order ("my password is X", "I use X as my password", "X是我的密码");
talk about passwords without a value is kept."""

import functools
import re
from collections.abc import Iterator

from bot.redaction.boundaries import LETTER, words
from bot.redaction.data import word_table
from bot.redaction.spans import SecretKind, Span

_QUOTES = (('"', '"'), ("'", "'"), ("«", "»"), ("“", "”"), ("「", "」"))
_QUOTED_VALUE = "(?:" + "|".join(
    rf"{first}(?P<q{n}>[^{last}\n]{{3,64}}){last}" for n, (first, last) in enumerate(_QUOTES, 1)
) + ")"
# Latin-script languages: a connector is required ("my password is X", "pw: X", "mi contraseña es X").
_PASSWORD_LATIN = re.compile(
    r"(?:"
    + words(r"passwords?", r"passwd", r"passcode", r"pwd", r"pw", r"contrase(?:ñ|n)a", r"clave", r"senha")
    + rf"(?:\s*[:=：]\s*|\s+(?P<conn>is|was|es|era|é|e)(?![{LETTER}'’])(?:\s+(?:now|ahora|agora))?\s*[:=：]?\s*)"
    + "|"
    + words(r"pass")
    + r"\s*[:=]\s*"
    + rf")(?:{_QUOTED_VALUE}|(?P<bare>[^\s\u0400-\u04ff\u0600-\u06ff\u3000-\u9fff\uac00-\ud7af]+))",
    re.IGNORECASE,
)
# Other scripts: the password itself is the run of ASCII that follows the label ("密码abc123",
# "비번 abc123", "пароль qwerty123"), so no native word can be taken for it.
_PASSWORD_OTHER = re.compile(
    r"(?:"
    r"(?:登录|登陆|资金|交易)?密码(?:\s*(?:是|为|：|:|=|就是|改成了?|设置的是))?"
    r"|(?:パスワード|パス|暗証番号)(?:\s*(?:は|が|：|:|=|、))?"
    r"|(?:비밀번호|비번|패스워드|암호(?!화))(?:\s*(?:는|은|가|이|:|：|=))?"
    r"|(?<![а-яё])парол[а-яё]*"
    r"(?:\s+(?:от\s+(?:аккаунта|акка|биржи|почты)|это|был|теперь|сейчас|такой))?\s*[:=—–-]?"
    r"|(?:كلمة\s+(?:ال)?(?:سر|مرور)|(?:ال)?رقم\s+(?:ال)?سري|(?:ال)?باسورد)"
    r"(?:\s*(?:الخاصة\s+بي|حقي|تبعي|هي|هو|:|=))*"
    rf")\s*(?:{_QUOTED_VALUE}|(?P<bare>[!-~]+))",
    re.IGNORECASE,
)
# The other word orders, in every language: "I use X as my password", "X is my password", "changed my
# password to X". The value is one run without spaces (ASCII in the scripts without Latin letters).
# Brackets never start or end a value: they are how placeholders ("[password removed]") are shown.
_V = r"(?P<value>[^\s\"'«»“”「」\[\]]{4,64})"
_VA = r"(?P<value>[!-Z\\^-~]{4,64})"
_PW = r"(?:passwords?|passcode|pass|pw|pwd)"
_REORDERED = [
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"\b(?:use|used|using|set|chose|picked|put|made|have|had|typed?|entered?)\s+{_V}\s+as\s+"
        rf"(?:(?:my|the|a|our)\s+)?(?:[A-Za-z]+\s+){{0,2}}?{_PW}\b",
        rf"(?<!\S){_V}\s+(?:is|was)\s+(?:my|the|our)\s+(?:[A-Za-z]+\s+){{0,2}}?{_PW}\b",
        rf"\b(?:changed|change|reset|set|updated?|switched)\s+(?:(?:my|the)\s+)?(?:[A-Za-z]+\s+)?{_PW}\s+"
        rf"(?:to|into|as)\s+{_V}",
        rf"\b(?:uso|usé|use|utilizo|utilicé|puse|pongo|tengo|elegí)\s+{_V}\s+como\s+(?:(?:mi|la)\s+)?"
        r"(?:contraseña|clave)",
        rf"(?<!\S){_V}\s+(?:es|era)\s+(?:mi|la)\s+(?:contraseña|clave)",
        rf"\b(?:cambié|cambie|puse|actualicé|restablecí)\s+(?:(?:mi|la)\s+)?(?:contraseña|clave)\s+"
        rf"(?:a|por|en|como)\s+{_V}",
        rf"\b(?:uso|usei|utilizo|coloquei|coloco|tenho|pus|escolhi)\s+{_V}\s+como\s+(?:(?:minha|a)\s+)?senha",
        rf"(?<!\S){_V}\s+(?:é|era)\s+(?:a\s+)?(?:minha|a)\s+senha",
        rf"\b(?:troquei|mudei|alterei|coloquei|redefini)\s+(?:(?:a|minha)\s+)?senha\s+(?:para|pra|por)\s+{_V}",
        rf"(?:использую|использовал[аи]?|ставлю|поставил[аи]?|установил[аи]?|придумал[аи]?)\s+{_VA}\s+"
        r"(?:как|в\s+качестве)\s+парол",
        rf"{_VA}\s*(?:[—–-]\s*)?(?:это\s+)?(?:мой|наш|тот)\s+парол",
        rf"(?:поменял[аи]?|сменил[аи]?|изменил[аи]?|установил[аи]?|поставил[аи]?)\s+парол[ьяе]\s+на\s+{_VA}",
        rf"(?:用|拿|把|以)\s*{_VA}\s*(?:当作|当|做|作为|作|设为|设置为|设成)了?\s*(?:我的)?(?:登录|登陆|资金|交易)?密码",
        rf"{_VA}\s*(?:是|就是|为)\s*我?的?(?:登录|登陆|资金|交易)?密码",
        rf"{_VA}\s*(?:を|が)\s*(?:私の|僕の|自分の)?(?:ログイン)?パスワード",
        rf"パスワード\s*を\s*{_VA}\s*(?:に|へ)",
        rf"{_VA}\s*(?:를|을|가|이)\s*(?:(?:제|내)\s*)?(?:로그인\s*)?(?:비밀번호|비번|패스워드)",
        rf"(?:비밀번호|비번|패스워드)\s*(?:를|을)\s*{_VA}\s*(?:로|으로)",
        rf"(?:أستخدم|استخدم|استخدمت|اخترت|وضعت|جعلت)\s+{_VA}\s+كـ?\s*(?:كلمة|كلمه)\s+(?:ال)?(?:مرور|سر)",
        rf"{_VA}\s+(?:هي|هو)\s+(?:كلمة|كلمه)\s+(?:ال)?(?:سر|مرور)",
        rf"(?:غيرت|غيّرت|بدلت|بدّلت|عدلت)\s+(?:كلمة|كلمه)\s+(?:ال)?(?:سر|مرور)\s+(?:إلى|الى|لـ?)\s*{_VA}",
    )
]
# Any password label, in every language. A value that looks made up (letters with digits or symbols)
# in the same clause, on either side of it, is the password whatever the word order: "login password
# r0ckyB@lboa not accepted", "I always log in with X as password", "いつも X というパスワードで".
_LABEL = re.compile(
    words(
        r"passwords?", r"passwd", r"pwd", r"pw", r"passcode", r"pass(?=\s+(?:is|was)\b|\s*[:=])",
        r"contrase(?:ñ|n)a", r"clave\s+de\s+acceso", r"senha", r"парол[а-яё]*",
    )
    + r"|密码|密碼|パスワード|暗証番号|비밀번호|비번|패스워드|كلمة\s+(?:ال)?(?:سر|مرور)|(?:ال)?باسورد",
    re.IGNORECASE,
)
_ASCII_RUN = re.compile(r"[!-Z\\^-~]+")  # no brackets: placeholders are shown in them
_CLAUSE_END = re.compile(r"[.!?;](?:\s|$)|[\n。！？；]")
_REACH = 32  # characters searched on each side of a label
_SYMBOLS = frozenset("!@#$%^&*+=~|<>/\\{}`")
# Coin and network names with digits: "USDT-TRC20", "BEP20", "ERC-20".
_NETWORK = re.compile(r"(?:[A-Z]{2,6}[-_/])?(?:TRC|ERC|BEP|BRC|SPL|ARC|SRC)-?\d{1,3}", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,60}\]")
_MAIL_OR_LINK = re.compile(r"\S+@\S+\.\w+|https?://\S+|www\.\S+", re.IGNORECASE)


@functools.cache
def _not_a_password() -> frozenset[str]:
    """Words that follow "password is"/"password:" in ordinary questions, plus chat abbreviations."""
    return frozenset(word_table("passwords", "not_a_password"))


def find_passwords(text: str) -> Iterator[Span]:
    for pattern in (_PASSWORD_LATIN, _PASSWORD_OTHER):
        for match in pattern.finditer(text):
            group = next(name for name in ("q1", "q2", "q3", "q4", "q5", "bare") if match.group(name))
            value = match.group(group)
            if group == "bare" and not _is_stated_password(value, match.groupdict().get("conn")):
                continue
            yield Span(match.start(group), match.end(group), SecretKind.PASSWORD)
    for pattern in _REORDERED:
        for match in pattern.finditer(text):
            if _is_stated_password(match.group("value"), None):
                yield Span(match.start("value"), match.end("value"), SecretKind.PASSWORD)
    yield from _made_up_values_near_labels(text)


def _made_up_values_near_labels(text: str) -> Iterator[Span]:
    links = [m.span() for m in _MAIL_OR_LINK.finditer(text)] + [m.span() for m in _PLACEHOLDER.finditer(text)]
    for label in _LABEL.finditer(text):
        start, end = max(0, label.start() - _REACH), min(len(text), label.end() + _REACH)
        for boundary in _CLAUSE_END.finditer(text, start, end):
            if boundary.end() <= label.start():
                start = boundary.end()
            elif boundary.start() >= label.end():
                end = boundary.start()
                break
        for found in _ASCII_RUN.finditer(text, start, end):
            run = _ASCII_RUN.match(text, found.start())  # whole, even past the reach
            if run is None or (found.start() > start and _ASCII_RUN.match(text, found.start() - 1)):
                continue
            value = run.group().rstrip(".,;:?)")
            if run.start() < label.end() and label.start() < run.end():
                continue
            if any(s <= run.start() < e for s, e in links) or not _looks_made_up(value):
                continue
            yield Span(run.start(), run.start() + len(value), SecretKind.PASSWORD)


def _is_stated_password(value: str, connector: str | None) -> bool:
    if value.startswith("["):  # a placeholder, "[redacted: ...]" or a localised one
        return False
    stripped = value.strip(".,!?;:)]}\"'»”")
    if len(stripped) < 3 or stripped.casefold() in _not_a_password():
        return False
    if not any(ch.isalnum() for ch in stripped):
        return False
    # Portuguese "senha e ..." is mostly "password and ...": only a value with a digit counts.
    return connector is None or connector.casefold() != "e" or any(ch.isdigit() for ch in stripped)


def _looks_made_up(value: str) -> bool:
    """Letters mixed with digits or symbols, six characters or more: not a word of any language
    ("one-time", "seed_phrase" and "e-mail" are words). A question mark or full stop at the end is the
    sentence's, not the value's."""
    core = value.rstrip(".,;:!?)]}\"'»”")
    has_letter = any(ch.isalpha() for ch in core)
    has_other = any(ch.isdigit() or ch in _SYMBOLS for ch in core)
    if _NETWORK.fullmatch(core):
        return False
    return len(core) >= 6 and has_letter and has_other and _is_stated_password(core, None)
