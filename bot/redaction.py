"""Find secrets that users paste into the chat and replace them before anything is stored or shown.

Seed phrases, private keys, extended private keys, exchange API secrets, stated passwords and one-time
codes become ``[redacted: <kind>]``; everything else in the message is kept as typed. The BIP-39
wordlists come from the ``mnemonic`` package and are read once, on first use.
"""

import functools
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from mnemonic import Mnemonic


class SecretKind(StrEnum):
    SEED_PHRASE = "seed_phrase"
    PRIVATE_KEY = "private_key"
    EXTENDED_PRIVATE_KEY = "extended_private_key"
    API_SECRET = "api_secret"
    PASSWORD = "password"
    ONE_TIME_CODE = "one_time_code"


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    kinds: tuple[SecretKind, ...]

    @property
    def has_secret(self) -> bool:
        return bool(self.kinds)


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    kind: SecretKind


@dataclass(frozen=True, slots=True)
class _Wordlist:
    name: str
    index: dict[str, int]  # normalised word -> position in the list (the BIP-39 value)
    is_han: bool  # Chinese lists: one character per word, often typed without separators


def redact(text: str) -> Redaction:
    """Replace every secret in ``text`` with ``[redacted: <kind>]``."""
    spans: list[_Span] = []
    for detector in _DETECTORS:
        for span in detector(text):
            if not any(span.start < kept.end and kept.start < span.end for kept in spans):
                spans.append(span)
    spans.sort(key=lambda span: span.start)
    parts: list[str] = []
    kinds: list[SecretKind] = []
    cursor = 0
    for span in spans:
        parts.append(text[cursor : span.start])
        parts.append(f"[redacted: {span.kind}]")
        cursor = span.end
        if span.kind not in kinds:
            kinds.append(span.kind)
    parts.append(text[cursor:])
    return Redaction(text="".join(parts), kinds=tuple(kinds))


# --- seed phrases -------------------------------------------------------------------------------

_SEED_LENGTHS = (24, 21, 18, 15, 12)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]|(?:(?![{_HAN}])[^\W\d_]|[\u0300-\u036f\u3099\u309a])+")
# What may stand between two seed words: spaces (also U+3000), commas, newlines, "1." / "2)" numbering.
_GAP = re.compile(r"(?:[\s,，、;；.．。·•・|/\-–—:：()（）\[\]#*\"'«»「」]|(?<!\d)\d{1,2}(?!\d))*")
_MAX_GAP = 16
_NUMBERING_BEFORE = re.compile(r"(?<!\d)[(（]?\d{1,2}[.)）:：、]\s*$")
# Ordinary Chinese sentences are almost entirely made of the 2048 most frequent characters, which is
# the Chinese wordlist, so unspaced runs are cut at common words and must look random (mean rank).
_HAN_MIN_MEAN_RANK = 500  # a random phrase averages 1023 (sigma 171 for 12 words)
_HAN_MIN_MEAN_RANK_NAMED = 300  # when the message names a seed phrase ("助记词", "seed", ...)
_SEED_WORDS = re.compile(r"助记词|助記詞|种子|種子|恢复短语|恢复词|备份词|seed|mnemonic|recovery\s+phrase", re.IGNORECASE)
_ZH_COMMON_WORDS_TEXT = """我的 你的 我们 你们 他们 您好 你好 请问 谢谢 麻烦 帮忙 帮我 一下 怎么 怎样 什么 为什么 哪里 哪个
    多少 多久 几天 可以 能否 能不能 是不是 有没有 没有 不能 无法 已经 还是 但是 因为 所以 如果 然后 现在
    今天 昨天 刚才 一直 还没 到账 账户 账号 提现 提币 充值 充币 入金 出金 转账 划转 交易 订单 成交 挂单
    撤单 买入 卖出 购买 出售 价格 手续费 费用 合约 现货 杠杆 爆仓 强平 保证金 资金 资产 余额 钱包 地址
    网络 链上 区块 哈希 密码 验证 认证 实名 身份 身份证 护照 审核 冻结 解冻 锁定 解锁 登录 登陆 注册
    注销 手机 邮箱 邮件 短信 谷歌 客服 人工 工作 人员 问题 情况 原因 时间 显示 提示 失败 成功 错误 收到
    发送 发给 完成 处理 需要 应该 知道 希望 想要 看看 一个 这个 那个 这笔 那笔 这些 自己 别人 有人 系统
    维护 平台 交易所 官方 网站 链接 下载 软件 安全 风险 被盗 盗号 黑客 诈骗 骗子 理财 质押 收益 奖励
    返佣 邀请 推荐 活动 优惠 比特 银行 信用卡 人民币 美元 数量 金额 最低 最高 限额 额度 小时 分钟 马上
    立即 尽快 紧急 着急 助记词 私钥 备份 恢复 找回 重置 修改 更改 设置 绑定 解绑 开启 关闭 使用 支持
    中国 大陆 国家 地区 用户 会员 等级 状态 记录 历史 导出 申请 提交 材料 照片 上传 重新 一次 还有 或者
    而且 就是 不是 也是 都是 只是 真的 好像 可能 是否 确认 检查 查询 查看 看到 不到 不上 上去 进去 出来
    回来 起来 之后 之前 以后 以前 时候 冒充 点击 风控 提款 收款 付款 打款 退款 请帮 帮帮 不小心 小心
    告诉 具体 步骤 朋友 地方 担心 期货 号码 电话 打电话 到底 早上 晚上 上午 下午 明天 明明 市场 整天 异常
    准备 证明 来源 添加 名单 新手 限制 测试 开始 结束 报税 转圈 时间 多长 长时间 一样 不一样 上次 这次
    下次 每次 第一 第二 以上 以下 左右 大概 差不多 非常 特别 比较 一点 有点 一些 所有 全部 其他 别的
    东西 事情 意思 方法 办法 地址 手续 信息 消息 通知 回复 联系 沟通 解决 帮助 服务 工作人员 管理 操作
    功能 页面 界面 按钮 选择 输入 填写 复制 粘贴 保存 删除 取消 退出 打开 进入 返回 刷新 更新 升级
    版本 电脑 浏览器 应用 苹果 安卓 网页 官网 账单 流水 明细 截图 图片 视频 文件 证件 护照 驾照 地址证明
    姓名 名字 年龄 生日 国籍 地址栏 家里 公司 学校 工资 收入 投资 赚钱 亏钱 亏损 盈利 利润 本金 利息
    年化 每天 每月 每年 一天 两天 三天 一周 一个月 几个 几次 多次 很多 太多 不多 够了 不够 足够 超过
    低于 高于 等于 大于 小于 增加 减少 提高 降低 上涨 下跌 涨了 跌了 行情 趋势 机会 风险提示 注意 小心
    担保 托管 申诉 仲裁 纠纷 对方 卖家 买家 商家 放币 付款码 收款码 转给 转到 转出 转入 到了 没到 未到
    收不到 找不到 登不上 打不开 用不了 不了 不行 可以吗 好吗 行吗 对吗 是吗
    请問 謝謝 怎麼 什麼 為什麼 帳戶 帳號 提幣 錢包 密碼 驗證 問題 沒有 現在 已經 幫忙 登錄 註冊"""
_ZH_COMMON_WORDS = frozenset(_ZH_COMMON_WORDS_TEXT.split())
_ZH_COMMON_MAX_LEN = max(len(word) for word in _ZH_COMMON_WORDS)
# Chat words that may sit next to a pasted phrase and happen to be in a wordlist; only ever trimmed
# from the edges of a run when what remains is a phrase with a valid checksum.
_FILLER_WORDS_TEXT = """please help thanks hello hi can you check this that what here seed phrase phrases word
    words now again also all just urgent need okay sure fix is my por favor ayuda gracias frase semilla
    palabras urgente obrigado agora ajuda фраза пожалуйста 是 为 请 帮 我 的 了 吗 如 下 助 记 词 忙 谢"""


def _word_key(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word).casefold().replace("ı", "i")
    return "".join(ch for ch in folded if not "\u0300" <= ch <= "\u036f")


@functools.cache
def _wordlists() -> tuple[_Wordlist, ...]:
    lists = []
    for name in sorted(Mnemonic.list_languages()):
        index: dict[str, int] = {}
        for position, word in enumerate(Mnemonic(name).wordlist):
            index.setdefault(_word_key(word), position)
        lists.append(_Wordlist(name=name, index=index, is_han=name.startswith("chinese")))
    return tuple(lists)


@functools.cache
def _filler_keys() -> frozenset[str]:
    return frozenset(_word_key(word) for word in _FILLER_WORDS_TEXT.split())


def _has_valid_checksum(indices: list[int]) -> bool:
    count = len(indices)
    if count not in _SEED_LENGTHS:
        return False
    bits = 0
    for index in indices:
        bits = (bits << 11) | index
    checksum_bits = count // 3
    entropy = (bits >> checksum_bits).to_bytes((count * 11 - checksum_bits) // 8, "big")
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    return expected == bits & ((1 << checksum_bits) - 1)


def _phrase_windows(indices: list[int], keys: list[str]) -> list[tuple[int, int]]:
    """Which part of a run of wordlist words is the phrase: the whole run unless filler words at its
    edges can be dropped to leave a phrase with a valid checksum (a typo'd phrase stays whole)."""
    count = len(indices)
    if count in _SEED_LENGTHS and _has_valid_checksum(indices):
        return [(0, count)]
    fillers = _filler_keys()
    for length in (n for n in _SEED_LENGTHS if n < count):
        windows = [
            (start, start + length)
            for start in range(count - length + 1)
            if all(key in fillers for key in keys[:start] + keys[start + length :])
            and _has_valid_checksum(indices[start : start + length])
        ]
        if windows:
            return windows
    return [(0, count)]


def _find_seed_phrases(text: str) -> Iterator[_Span]:
    """Runs of 12+ words from one wordlist, linked only by separators (spaces, commas, numbering)."""
    tokens = list(_TOKEN.finditer(text))
    keys = [_word_key(token.group()) for token in tokens]
    gaps = [""] + [text[prev.end() : cur.start()] for prev, cur in itertools.pairwise(tokens)]
    linked = [False] + [len(gap) <= _MAX_GAP and _GAP.fullmatch(gap) is not None for gap in gaps[1:]]
    joined = [gap == "" for gap in gaps]
    min_mean_rank = _HAN_MIN_MEAN_RANK_NAMED if _SEED_WORDS.search(text) else _HAN_MIN_MEAN_RANK
    found: list[tuple[int, int]] = []
    for wordlist in _wordlists():
        run: list[int] = []
        for pos, key in enumerate([*keys, ""]):
            if key in wordlist.index and run and linked[pos]:
                run.append(pos)
                continue
            candidates = [run]
            if wordlist.is_han:
                candidates = list(_han_candidates(run, keys, joined, wordlist, min_mean_rank))
            for segment in candidates:
                if len(segment) < min(_SEED_LENGTHS):
                    continue
                ranks = [wordlist.index[keys[token]] for token in segment]
                for first, last in _phrase_windows(ranks, [keys[token] for token in segment]):
                    start = tokens[segment[first]].start()
                    numbering = _NUMBERING_BEFORE.search(text, 0, start)
                    found.append((numbering.start() if numbering else start, tokens[segment[last - 1]].end()))
            run = [pos] if key in wordlist.index else []
    # Runs from different lists (simplified and traditional Chinese share most characters) overlap.
    merged: list[list[int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        yield _Span(start, end, SecretKind.SEED_PHRASE)


def _han_candidates(
    run: list[int], keys: list[str], joined: list[bool], wordlist: _Wordlist, min_mean_rank: int
) -> Iterator[list[int]]:
    """Parts of a run of Chinese-wordlist characters that can be a phrase: cut at common words
    written together (``joined``); an unspaced part must also look random (high mean rank). A window
    with a valid checksum that touches at most one common word is kept whole, so a phrase that happens
    to contain a common word ("今天") is not cut in two."""
    common = [
        (pos, pos + length)
        for pos in range(len(run))
        for length in range(2, _ZH_COMMON_MAX_LEN + 1)
        if pos + length <= len(run)
        and all(joined[run[i]] for i in range(pos + 1, pos + length))
        and "".join(keys[run[i]] for i in range(pos, pos + length)) in _ZH_COMMON_WORDS
    ]
    in_common = {i for start, end in common for i in range(start, end)}

    def looks_random(segment: list[int]) -> bool:
        spaced = sum(not joined[token] for token in segment[1:])
        mean_rank = sum(wordlist.index[keys[token]] for token in segment) / max(len(segment), 1)
        return spaced * 3 >= (len(segment) - 1) * 2 or mean_rank >= min_mean_rank

    segment: list[int] = []
    for pos, token in enumerate(run):
        if pos in in_common:
            if looks_random(segment):
                yield segment
            segment = []
        else:
            segment.append(token)
    if looks_random(segment):
        yield segment
    for length in _SEED_LENGTHS:
        for start in range(len(run) - length + 1):
            window = run[start : start + length]
            hits = sum(first < start + length and start < last for first, last in common)
            if (
                hits <= 1
                and looks_random(window)
                and _has_valid_checksum([wordlist.index[keys[token]] for token in window])
            ):
                yield window


# --- keys ---------------------------------------------------------------------------------------

_B58 = "1-9A-HJ-NP-Za-km-z"
_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
_EXTENDED_KEY = re.compile(rf"{_NOT_ALNUM_BEFORE}[xyztuvYZUV]prv[{_B58}]{{100,112}}{_NOT_ALNUM_AFTER}")
_WIF = re.compile(rf"{_NOT_ALNUM_BEFORE}(?:5[{_B58}]{{50}}|[KL][{_B58}]{{51}}){_NOT_ALNUM_AFTER}")
# 64 bytes in base58: a Solana-style secret key, but also a Solana transaction signature.
_BASE58_64_BYTES = re.compile(rf"{_NOT_ALNUM_BEFORE}[{_B58}]{{86,90}}{_NOT_ALNUM_AFTER}")
_HEX_32_BYTES = re.compile(rf"{_NOT_ALNUM_BEFORE}(?:0[xX])?[0-9a-fA-F]{{64}}{_NOT_ALNUM_AFTER}")
_HEX_64_BYTES = re.compile(rf"{_NOT_ALNUM_BEFORE}(?:0[xX])?[0-9a-fA-F]{{128}}{_NOT_ALNUM_AFTER}")
_LETTER = "A-Za-z\u00c0-\u024f\u0400-\u04ff"


def _words(*patterns: str) -> str:
    """Alternatives that must not be glued to Latin or Cyrillic letters or digits, so that "tx" or
    "code" inside a pasted key or hash does not count as a word."""
    return rf"(?<![0-9{_LETTER}])(?:{'|'.join(patterns)})(?![0-9{_LETTER}])"


_URL = re.compile(
    r"https?://\S+|(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:io|com|org|net|info|space)/\S+", re.IGNORECASE
)
_EXPLORER_URL = re.compile(r"scan|explorer|blockchair|mempool|blockstream|/txs?/|/transaction", re.IGNORECASE)
_TX_WORDS = re.compile(
    _words(
        r"tx(?:id|n|s|hash|es)?", r"hash(?:es)?", r"transactions?", r"transfer\s+id", r"explorer",
        r"transacci[oó]n(?:es)?", r"transa[cç](?:ão|ao|ões|oes)", r"транзакци[а-яё]*", r"х[еэ]ш[а-яё]*",
        r"обозревател[а-яё]*", r"explorador",
    )
    + r"|交易哈希|哈希|交易ID|交易号|交易编号|区块浏览器|トランザクション|ハッシュ|取引ID|트랜잭션|해시|거래\s*ID"
    r"|معامل[ةه]|المعامل[ةه]|هاش|الهاش|تجزئة",
    re.IGNORECASE,
)
_KEY_WORDS = re.compile(
    _words(
        r"private[\s_-]*keys?", r"priv[\s_-]*keys?", r"privkey", r"приватн[а-яё]*\s+ключ[а-яё]*",
        r"закрыт[а-яё]*\s+ключ[а-яё]*", r"clave\s+privada", r"chave\s+privada",
    )
    + r"|私钥|私鑰|秘密鍵|プライベートキー|개인\s*키|프라이빗\s*키|المفتاح\s+الخاص|مفتاح\s*خاص|مفتاحي\s+الخاص",
    re.IGNORECASE,
)


def _find_extended_keys(text: str) -> Iterator[_Span]:
    for match in _EXTENDED_KEY.finditer(text):
        yield _Span(match.start(), match.end(), SecretKind.EXTENDED_PRIVATE_KEY)


def _find_base58_keys(text: str) -> Iterator[_Span]:
    """WIF keys always; 64-byte base58 unless it is a transaction signature (see ``_is_kept_hash``)."""
    for match in _WIF.finditer(text):
        yield _Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)
    for match in _BASE58_64_BYTES.finditer(text):
        if not _is_kept_hash(text, match.start()):
            yield _Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)


def _find_hex_keys(text: str) -> Iterator[_Span]:
    """64-byte hex always; 32-byte hex unless it is a transaction hash (see ``_is_kept_hash``)."""
    for match in _HEX_64_BYTES.finditer(text):
        yield _Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)
    for match in _HEX_32_BYTES.finditer(text):
        if not _is_kept_hash(text, match.start()):
            yield _Span(match.start(), match.end(), SecretKind.PRIVATE_KEY)


def _is_kept_hash(text: str, position: int) -> bool:
    """A hash is kept inside a block-explorer link, or when the message talks about a transaction
    and says nothing about private keys."""
    for url in _URL.finditer(text):
        if url.start() <= position < url.end() and _EXPLORER_URL.search(url.group()):
            return True
    return _TX_WORDS.search(text) is not None and _KEY_WORDS.search(text) is None


# --- API secrets --------------------------------------------------------------------------------

_API_SECRET = re.compile(
    r"(?:"
    + _words(
        r"(?:api[\s_-]*)?secret(?:[\s_-]*key)?", r"secret_?key", r"clave\s+secreta", r"chave\s+secreta",
        r"секрет(?:н[а-яё]*\s+ключ[а-яё]*)?", r"api[\s_-]*секрет",
    )
    + r"|(?:API\s*)?[密秘]钥|シークレット(?:キー)?|시크릿\s*키?|비밀\s*키|(?:ال)?مفتاح\s+(?:ال)?سري|السيكريت|السيكرت"
    r")[^\n]{0,20}?(?<![A-Za-z0-9_-])(?P<token>[A-Za-z0-9_-]{32,128})(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)


def _find_api_secrets(text: str) -> Iterator[_Span]:
    for match in _API_SECRET.finditer(text):
        yield _Span(match.start("token"), match.end("token"), SecretKind.API_SECRET)


# --- passwords ----------------------------------------------------------------------------------

_QUOTES = (('"', '"'), ("'", "'"), ("«", "»"), ("“", "”"), ("「", "」"))
_QUOTED_VALUE = "(?:" + "|".join(
    rf"{first}(?P<q{n}>[^{last}\n]{{3,64}}){last}" for n, (first, last) in enumerate(_QUOTES, 1)
) + ")"
# Latin-script languages: a connector is required ("my password is X", "pw: X", "mi contraseña es X").
_PASSWORD_LATIN = re.compile(
    r"(?:"
    + _words(r"passwords?", r"passwd", r"passcode", r"pwd", r"pw", r"contrase(?:ñ|n)a", r"clave", r"senha")
    + rf"(?:\s*[:=：]\s*|\s+(?P<conn>is|was|es|era|é|e)(?![{_LETTER}'’])(?:\s+(?:now|ahora|agora))?\s*[:=：]?\s*)"
    + "|"
    + _words(r"pass")
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
# Words that follow "password is"/"password:" in ordinary questions, plus chat abbreviations.
_NOT_A_PASSWORD_TEXT = """not wrong incorrect correct invalid right ok okay fine too very the a an my your it
    this that working expired changed reset locked same different strong weak long short required rejected being
    still also now always never definitely probably saved stored in on for from case sensitive and or
    but so no yes accepted blocked forgotten lost missing empty unknown new old here there what which
    how why when where who please help something anything nothing gone compromised leaked hacked stolen
    secure safe set updated needed necessary asked sent shown link field box screen page button email
    e-mail mail phone sms app code codes 2fa otp api kyc usdt btc eth vpn p2p id pin google login
    incorrecta incorrecto correcta correcto la el mi muy demasiado nueva nuevo vieja igual segura seguro
    valida invalida bloqueada caducada larga corta que de y o pero esta está errada errado correta
    correto inválida válida nova velha bloqueada expirada muito longa curta minha não nao a o e ou mas"""
_NOT_A_PASSWORD = frozenset(_NOT_A_PASSWORD_TEXT.split())


def _find_passwords(text: str) -> Iterator[_Span]:
    for pattern in (_PASSWORD_LATIN, _PASSWORD_OTHER):
        for match in pattern.finditer(text):
            group = next(name for name in ("q1", "q2", "q3", "q4", "q5", "bare") if match.group(name))
            value = match.group(group)
            if group == "bare" and not _is_stated_password(value, match.groupdict().get("conn")):
                continue
            yield _Span(match.start(group), match.end(group), SecretKind.PASSWORD)


def _is_stated_password(value: str, connector: str | None) -> bool:
    if value.startswith("[redacted"):  # redacting twice changes nothing
        return False
    stripped = value.strip(".,!?;:)]}\"'»”")
    if len(stripped) < 3 or stripped.casefold() in _NOT_A_PASSWORD:
        return False
    if not any(ch.isalnum() for ch in stripped):
        return False
    # Portuguese "senha e ..." is mostly "password and ...": only a value with a digit counts.
    return connector is None or connector.casefold() != "e" or any(ch.isdigit() for ch in stripped)


# --- one-time codes -----------------------------------------------------------------------------

_CODE_WORDS = re.compile(
    _words(
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
    _words(
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
    rf"(?![{_LETTER}])"
    r"|\$|€|%|元|块|円|원|₽|دولار|ريال|درهم|年|月|日|天|个|枚|개|일|시|분)",
    re.IGNORECASE,
)
_AMOUNT_BEFORE = re.compile(r"[$€£¥₩₽]\s*$")
_ORDER_LABEL = re.compile(
    r"(?:"
    + _words(r"orders?|ticket|uid|id|no\.?|заказ[а-яё]*|номер[а-яё]*|pedido|ordem")
    + r"|#|№|订单|工单|注文|주문|طلب)[^\d\n]{0,12}$",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")
# A year-like number is a code only right after the code word: "code: 2024", "验证码是2024".
_CODE_TO_NUMBER = re.compile(r"[\s:：=]*(?:is|es|é|era|это|是|为|は|는|은)?[\s:：=「]*", re.IGNORECASE)


def _find_one_time_codes(text: str) -> Iterator[_Span]:
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
        yield _Span(match.start(), match.end(), SecretKind.ONE_TIME_CODE)


_DETECTORS: tuple[Callable[[str], Iterator[_Span]], ...] = (
    _find_seed_phrases,
    _find_extended_keys,
    _find_base58_keys,
    _find_api_secrets,  # before hex keys: exchange secrets are often 64 hex characters
    _find_hex_keys,
    _find_passwords,
    _find_one_time_codes,
)
