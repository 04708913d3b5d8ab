"""Passwords the user states ("my password is X", "密码：X"); talk about passwords without a value is kept."""

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


def _is_stated_password(value: str, connector: str | None) -> bool:
    if value.startswith("[redacted"):  # redacting twice changes nothing
        return False
    stripped = value.strip(".,!?;:)]}\"'»”")
    if len(stripped) < 3 or stripped.casefold() in _not_a_password():
        return False
    if not any(ch.isalnum() for ch in stripped):
        return False
    # Portuguese "senha e ..." is mostly "password and ...": only a value with a digit counts.
    return connector is None or connector.casefold() != "e" or any(ch.isdigit() for ch in stripped)
