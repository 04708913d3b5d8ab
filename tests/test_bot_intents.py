"""Message-level intents with the real model: security emergencies in every language, benign
look-alikes, explicit requests for a person, out-of-scope chatter.

Run as a script, this file also measures the classifier on the shared escalation benchmarks
(docs/escalation.md)::

    HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python tests/test_bot_intents.py [--benchmarks DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.intents import (
    ARTICLE_CASES,
    CASE_PRIORITY,
    EXEMPLAR_DIR,
    IntentClassifier,
    IntentResult,
    IntentThresholds,
    SecurityCase,
    compile_keywords,
    normalise,
)
from retrieval import Embedder, Hit, Retriever, load_articles, load_retriever

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "zh", "ja", "ko", "ru", "es", "pt", "ar")

# Written for these tests; none of them is an exemplar phrase.
SECURITY_MESSAGES: dict[SecurityCase, dict[str, str]] = {
    SecurityCase.account_compromised: {
        "en": "my account was hacked last night",
        "zh": "我的账号被盗了，怎么办",
        "ja": "アカウントを乗っ取られたみたいです",
        "ko": "제 계정이 해킹된 것 같아요",
        "ru": "мой аккаунт взломали вчера",
        "es": "me hackearon la cuenta anoche",
        "pt": "fui hackeado ontem à noite",
        "ar": "تم اختراق حسابي البارحة",
    },
    SecurityCase.unauthorized_withdrawal: {
        "en": "someone took all my USDT",
        "zh": "我的USDT被人提走了，我没有操作",
        "ja": "身に覚えのない出金がありました",
        "ko": "제가 하지 않은 출금이 있어요",
        "ru": "кто-то вывел все мои деньги с биржи",
        "es": "alguien sacó todo mi USDT de la cuenta",
        "pt": "alguém sacou todo o meu saldo sem autorização",
        "ar": "في سحب من حسابي أنا ما عملته",
    },
    SecurityCase.lost_2fa_device: {
        "en": "I lost my phone with Google Authenticator on it",
        "zh": "手机丢了，谷歌验证码收不到",
        "ja": "スマホをなくして認証コードが見られません",
        "ko": "휴대폰을 잃어버려서 인증 코드를 못 받아요",
        "ru": "потерял телефон, а там был Google Authenticator",
        "es": "perdí mi móvil y tenía el Google Authenticator",
        "pt": "perdi meu celular com o autenticador",
        "ar": "ضاع جوالي وفيه تطبيق المصادقة",
    },
    SecurityCase.phishing_victim: {
        "en": "the 'support agent' on Telegram made me install AnyDesk and now my coins are gone",
        "zh": "我把助记词告诉了一个假客服",
        "ja": "サポートを名乗る人にシードフレーズを送ってしまいました",
        "ko": "고객센터 직원이라는 사람한테 시드 문구를 줘버렸어요",
        "ru": "я сообщил сид-фразу человеку из «поддержки», это был мошенник",
        "es": "le di mi frase semilla a un supuesto agente de soporte",
        "pt": "entreguei minha frase de recuperação para um falso suporte",
        "ar": "أعطيت عبارة الاسترداد لشخص ادعى أنه من الدعم الفني",
    },
    SecurityCase.frozen_funds: {
        "en": "my funds have been frozen for two weeks",
        "zh": "我的资产被冻结了，提不了币",
        "ja": "資金が凍結されて引き出せません",
        "ko": "제 자산이 동결돼서 출금을 못 해요",
        "ru": "мои средства заморозили, вывести нельзя",
        "es": "congelaron mis fondos y no puedo sacarlos",
        "pt": "meus fundos foram congelados e não consigo sacar",
        "ar": "أموالي مجمدة ولا أقدر أسحبها",
    },
}

BENIGN_MESSAGES: dict[str, dict[str, str]] = {
    "forgot_password": {
        "en": "I forgot my password",
        "zh": "我忘记密码了",
        "ja": "パスワードを忘れました",
        "ko": "비밀번호를 잊어버렸어요",
        "ru": "я забыл пароль",
        "es": "olvidé la contraseña",
        "pt": "esqueci a senha",
        "ar": "نسيت كلمة السر",
    },
    "enable_2fa": {
        "en": "how do I enable 2FA",
        "zh": "如何开启两步验证",
        "ja": "二段階認証を設定したい",
        "ko": "2단계 인증 설정 방법",
        "ru": "как включить 2FA",
        "es": "cómo activo el 2FA",
        "pt": "como ativar o 2FA",
        "ar": "كيف أفعل المصادقة الثنائية",
    },
    "withdrawal_pending": {
        "en": "my withdrawal is still pending",
        "zh": "我的提现还在审核中",
        "ja": "出金がまだ保留中です",
        "ko": "출금이 아직 대기 중이에요",
        "ru": "мой вывод всё ещё в ожидании",
        "es": "mi retiro sigue en proceso",
        "pt": "meu saque ainda está em processamento",
        "ar": "السحب حقي لسا معلق",
    },
}

HUMAN_REQUESTS = {
    "zh": "人工客服",
    "ja": "オペレーターと話したい",
    "es": "hablar con una persona",
    "ru": "оператор",
    "pt": "quero falar com um atendente",
    "ko": "상담원 연결해주세요",
    "ar": "أريد التحدث مع موظف",
    "en": "talk to a human",
}

NOT_HUMAN_REQUESTS = (
    ("en", "can an agent see my balance?"),
    ("es", "¿un agente puede ver mi saldo?"),
    ("en", "is customer support open on weekends?"),
)

OUT_OF_SCOPE = (
    ("en", "what's the weather in Paris tomorrow"),
    ("en", "will BTC hit 100k next month?"),
    ("en", "how do I update my iPhone to the latest iOS"),
    ("es", "¿quién ganó el partido de fútbol ayer?"),
    ("zh", "明天上海会下雨吗"),
    ("ru", "расскажи смешной анекдот"),
    ("pt", "qual a receita de bolo de cenoura"),
    ("ja", "おすすめのラーメン屋を教えて"),
    ("ar", "من هو أفضل لاعب كرة قدم في العالم"),
    ("ko", "파이썬으로 웹 크롤러 만드는 법"),
)

CRYPTO_QUESTIONS: dict[str, tuple[str, ...]] = {
    "en": (
        "how do I deposit USDT on TRC20",
        "my deposit hasn't arrived after 3 confirmations",
        "what's the maker fee for spot trading",
        "how do I whitelist a withdrawal address",
        "why did my limit order not fill",
        "can I stake ETH and unstake any time",
    ),
    "zh": (
        "怎么查看我的交易手续费",
        "合约爆仓了是怎么回事",
        "USDT充值选哪个网络",
        "实名认证需要什么证件",
        "提币最低数量是多少",
        "怎么把资金从现货转到合约账户",
    ),
    "ja": (
        "指値注文の出し方を教えて",
        "ステーキングの利回りはどれくらい？",
        "入金したのに残高に反映されない",
        "本人確認にはどの書類が必要？",
        "出金アドレスのホワイトリスト登録方法",
        "APIキーの作り方",
    ),
    "ko": (
        "출금 한도는 얼마인가요",
        "선물 거래 레버리지는 어떻게 바꿔요",
        "입금했는데 잔고에 안 보여요",
        "신분 인증에 어떤 서류가 필요해요",
        "지정가 주문이 체결되지 않아요",
        "거래 내역을 엑셀로 받고 싶어요",
    ),
    "ru": (
        "как пройти верификацию",
        "какая комиссия за вывод BTC",
        "почему мой ордер не исполнился",
        "как перевести средства со спота на фьючерсы",
        "депозит не зачислен уже час",
        "как создать API-ключ",
    ),
    "es": (
        "cómo transfiero de spot a futuros",
        "cuánto cobran de comisión por retirar BTC",
        "mi depósito no aparece en el saldo",
        "qué documentos necesito para verificarme",
        "cómo funciona el staking de USDT",
        "por qué me liquidaron la posición",
    ),
    "pt": (
        "quanto tempo leva um depósito de bitcoin",
        "como faço para sacar USDT",
        "qual a taxa de negociação no spot",
        "minha ordem limitada não foi executada",
        "como ativo a lista de endereços confiáveis",
        "enviei pela rede errada, dá para recuperar",
    ),
    "ar": (
        "كيف أسحب USDT إلى محفظتي",
        "كم رسوم التداول الفوري",
        "الإيداع ما وصل بعد التأكيدات",
        "ما هي المستندات المطلوبة للتحقق",
        "ليش أمر الحد ما تنفذ",
        "كيف أنقل الرصيد من الفوري للعقود",
    ),
}

Classify = Callable[..., IntentResult]


@pytest.fixture(scope="session")
def classifier(kb_retriever: Retriever) -> IntentClassifier:
    return IntentClassifier.build(kb_retriever.embedder)


@pytest.fixture(scope="session")
def classify(classifier: IntentClassifier, kb_retriever: Retriever) -> Classify:
    """Encode once, search the crypto KB, classify: what the bot does for one message."""

    def run(text: str, lang: str, *, hits: Sequence[Hit] | None = None) -> IntentResult:
        vector = kb_retriever.embedder.encode_queries([text])[0]
        found = kb_retriever.search_vector(vector, lang=lang, k=5) if hits is None else list(hits)
        return classifier.classify(text, lang, vector, found)

    return run


def _cases(table: dict[SecurityCase, dict[str, str]]) -> list[tuple[SecurityCase, str, str]]:
    return [(case, lang, text) for case, by_lang in table.items() for lang, text in by_lang.items()]


# --- pure parts -------------------------------------------------------------------------------


def test_priority_urgent_for_takeover_theft_phishing_high_for_2fa_and_frozen() -> None:
    assert {c: CASE_PRIORITY[c] for c in SecurityCase} == {
        SecurityCase.account_compromised: "urgent",
        SecurityCase.unauthorized_withdrawal: "urgent",
        SecurityCase.phishing_victim: "urgent",
        SecurityCase.lost_2fa_device: "high",
        SecurityCase.frozen_funds: "high",
    }


def test_article_cases_cover_every_escalate_article_of_the_kb() -> None:
    escalating = {a.slug for a in load_articles(ROOT / "kb_articles") if a.escalate != "none"}
    assert escalating == set(ARTICLE_CASES)
    assert "phishing-and-scams" not in ARTICLE_CASES


def test_exemplars_cover_all_languages_for_every_class() -> None:
    for name in ("security", "benign", "in_scope", "human", "out_of_scope"):
        data = json.loads((EXEMPLAR_DIR / f"{name}.json").read_text(encoding="utf-8"))
        tables = data.values() if name == "security" else [data]
        for by_lang in tables:
            assert set(by_lang) == set(LANGS), name
            assert all(len(by_lang[lang]) >= 4 for lang in LANGS), name
    security = json.loads((EXEMPLAR_DIR / "security.json").read_text(encoding="utf-8"))
    assert set(security) == {c.value for c in SecurityCase}


def test_keywords_when_compiled_match_their_own_languages() -> None:
    rules = compile_keywords(json.loads((EXEMPLAR_DIR / "keywords.json").read_text(encoding="utf-8")))
    assert rules.is_human_request(normalise("Talk to a HUMAN please"))
    assert not rules.is_human_request(normalise("can an agent see my balance?"))
    assert not rules.is_human_request(normalise("人工智能是什么"))
    assert SecurityCase.account_compromised in rules.security_matches(normalise("взломали аккаунт"))
    assert SecurityCase.frozen_funds in rules.security_matches(normalise("أموالي مُجمّدة"))


def test_normalise_folds_arabic_letter_variants_and_diacritics() -> None:
    assert normalise("  أَمْوالي   مُجمّدة ") == "اموالي مجمده"
    assert normalise("ＡＢＣ") == "abc"


def test_classify_is_pure_and_works_without_hits(
    classifier: IntentClassifier, kb_retriever: Retriever
) -> None:
    text = "someone took all my USDT"
    vector = kb_retriever.embedder.encode_queries([text])[0]
    first = classifier.classify(text, "en", vector, [])
    assert first == classifier.classify(text, "en", vector.copy(), [])
    assert first.security is SecurityCase.unauthorized_withdrawal
    assert "escalate_article" not in first.reasons


# --- security ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "lang", "text"), _cases(SECURITY_MESSAGES))
def test_security_message_escalates_with_case_and_priority(
    classify: Classify, case: SecurityCase, lang: str, text: str
) -> None:
    r = classify(text, lang)
    assert r.security is case, r
    assert r.priority == CASE_PRIORITY[case]
    assert not r.out_of_scope


@pytest.mark.parametrize(("case", "lang", "text"), _cases(SECURITY_MESSAGES))
def test_security_message_escalates_without_retrieval(
    classify: Classify, case: SecurityCase, lang: str, text: str
) -> None:
    assert classify(text, lang, hits=[]).security is not None


def test_stolen_usdt_escalates_when_top_hit_is_withdrawal_pending(
    classify: Classify, kb_retriever: Retriever
) -> None:
    text = "someone took all my USDT"
    vector = kb_retriever.embedder.encode_queries([text])[0]
    everything = kb_retriever.search_vector(vector, lang="en", k=50)
    pending = [h for h in everything if h.slug == "withdrawal-pending"]
    assert pending and pending[0].escalate == "none"
    r = classify(text, "en", hits=pending + [h for h in everything if h.slug != "withdrawal-pending"])
    assert r.security is SecurityCase.unauthorized_withdrawal
    assert r.priority == "urgent"
    assert "escalate_article" not in r.reasons


def test_phishing_victim_escalates_although_its_article_does_not(classify: Classify) -> None:
    r = classify("I typed my 2FA code into a fake exchange website and my BTC is gone", "en")
    assert r.security is SecurityCase.phishing_victim


@pytest.mark.parametrize(
    ("lang", "text"),
    [(lang, text) for by_lang in BENIGN_MESSAGES.values() for lang, text in by_lang.items()],
)
def test_benign_lookalike_does_not_escalate(classify: Classify, lang: str, text: str) -> None:
    r = classify(text, lang)
    assert r.security is None, r
    assert r.priority is None
    assert not r.out_of_scope and not r.human_request


def test_benign_question_about_phishing_does_not_escalate(classify: Classify) -> None:
    assert classify("how can I tell if an email really comes from you?", "en").security is None


# --- requests for a person --------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "text"), sorted(HUMAN_REQUESTS.items()))
def test_human_request_in_every_language(classify: Classify, lang: str, text: str) -> None:
    r = classify(text, lang, hits=[])  # the bot skips retrieval for these
    assert r.human_request
    assert r.security is None and r.priority == "normal"
    assert not r.out_of_scope
    assert "human_keyword" in r.reasons


@pytest.mark.parametrize(("lang", "text"), NOT_HUMAN_REQUESTS)
def test_mention_of_an_agent_is_not_a_human_request(classify: Classify, lang: str, text: str) -> None:
    r = classify(text, lang)
    assert not r.human_request
    assert not r.out_of_scope


def test_human_request_with_an_emergency_keeps_the_security_priority(classify: Classify) -> None:
    r = classify("my account got hacked, let me talk to a real person now", "en", hits=[])
    assert r.human_request
    assert r.security is SecurityCase.account_compromised and r.priority == "urgent"


# --- out of scope -----------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "text"), OUT_OF_SCOPE)
def test_out_of_scope_message_is_flagged(classify: Classify, lang: str, text: str) -> None:
    r = classify(text, lang)
    assert r.out_of_scope, r
    assert r.security is None and not r.human_request
    assert "oos_centroid" in r.reasons


@pytest.mark.parametrize(
    ("lang", "text"), [(lang, text) for lang, texts in CRYPTO_QUESTIONS.items() for text in texts]
)
def test_crypto_question_is_not_out_of_scope(classify: Classify, lang: str, text: str) -> None:
    r = classify(text, lang)
    assert not r.out_of_scope, r
    assert not r.human_request


def test_thresholds_override_changes_decision(kb_retriever: Retriever) -> None:
    strict = IntentClassifier.build(kb_retriever.embedder, IntentThresholds(oos_margin=1.0))
    text = "what's the weather in Paris tomorrow"
    vector = kb_retriever.embedder.encode_queries([text])[0]
    assert not strict.classify(text, "en", vector, []).out_of_scope


# --- measurement (python tests/test_bot_intents.py) --------------------------------------------

ESCALATION_FILES = ("banking77_en", "clinc150_fin_en", "nlupp_banking_en", "arbanking77_ar")


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _binary(gold: Sequence[bool], pred: Sequence[bool], hard: Sequence[bool] = ()) -> dict[str, float]:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0

    def f_beta(beta: float) -> float:
        b2 = beta * beta
        return (1 + b2) * precision * recall / (b2 * precision + recall) if precision + recall else 0.0

    flagged_hard = [p for p, h in zip(pred, hard, strict=True) if h] if hard else []
    return {
        "n": len(gold),
        "positives": sum(gold),
        "precision": precision,
        "recall": recall,
        "f1": f_beta(1.0),
        "f2": f_beta(2.0),
        "hard_negatives": len(flagged_hard),
        "false_escalation_hard": sum(flagged_hard) / len(flagged_hard) if flagged_hard else float("nan"),
    }


def _run_rows(
    clf: IntentClassifier, emb: Embedder, retr: Retriever, rows: Sequence[dict[str, str]]
) -> list[IntentResult]:
    vectors = emb.encode_queries([r["text"] for r in rows])
    return [
        clf.classify(r["text"], r.get("lang"), v, retr.search_vector(v, lang=None, k=5))
        for r, v in zip(rows, vectors, strict=True)
    ]


def measure(emb: Embedder, bench: Path, crypto: Retriever | None) -> dict[str, dict[str, float]]:
    """Escalation, human-request and out-of-scope figures on the shared dev files."""
    clf = IntentClassifier.build(emb)
    retr = load_retriever(bench / "retrieval" / "banking77_articles_kshot10.jsonl", emb, None)
    out: dict[str, dict[str, float]] = {}
    for name in ESCALATION_FILES:
        rows = _read_tsv(bench / "escalation" / f"{name}.dev.tsv")
        res = _run_rows(clf, emb, retr, rows)
        gold = [r["escalate"] == "1" for r in rows]
        pred = [x.security is not None for x in res]
        hard = [r.get("hard_negative") == "1" for r in rows] if "hard_negative" in rows[0] else []
        out[name] = _binary(gold, pred, hard)
        if "handoff" in rows[0]:
            out[f"{name} handoff"] = _binary(
                [r["handoff"] == "1" for r in rows], [x.human_request for x in res]
            )
        if "variety" in rows[0]:
            for variety in sorted({r["variety"] for r in rows}):
                idx = [i for i, r in enumerate(rows) if r["variety"] == variety]
                out[f"{name} {variety}"] = _binary(
                    [gold[i] for i in idx], [pred[i] for i in idx], [hard[i] for i in idx]
                )
    for name, path in (
        ("oos clinc150 (banking77 KB)", "queries_en_clinc150_oos.dev.tsv"),
        ("in-scope banking77 (banking77 KB)", "queries_en_banking77.dev.tsv"),
    ):
        rows = _read_tsv(bench / "retrieval" / path)
        res = _run_rows(clf, emb, retr, rows)
        out[name] = {"n": len(rows), "flagged_out_of_scope": float(np.mean([x.out_of_scope for x in res]))}
        if crypto is not None and name.startswith("oos"):
            res = _run_rows(clf, emb, crypto, rows)
            out["oos clinc150 (crypto KB)"] = {
                "n": len(rows),
                "flagged_out_of_scope": float(np.mean([x.out_of_scope for x in res])),
            }
    if crypto is not None:
        rows = [{"text": t, "lang": lang} for lang, texts in CRYPTO_QUESTIONS.items() for t in texts]
        vectors = emb.encode_queries([r["text"] for r in rows])
        res = [
            clf.classify(r["text"], r["lang"], v, crypto.search_vector(v, lang=r["lang"], k=5))
            for r, v in zip(rows, vectors, strict=True)
        ]
        out["in-scope crypto questions (crypto KB)"] = {
            "n": len(rows),
            "flagged_out_of_scope": float(np.mean([x.out_of_scope for x in res])),
        }
    return out


def main(argv: Sequence[str] | None = None) -> None:
    from retrieval import SentenceTransformerEmbedder

    p = argparse.ArgumentParser(description="Measure bot.intents on the shared dev benchmarks.")
    p.add_argument("--benchmarks", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    p.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "multilingual-e5-small-q4")
    p.add_argument("--index", type=Path, default=ROOT / "var" / "index", help="crypto KB index dir")
    args = p.parse_args(argv)
    started = time.perf_counter()
    emb = SentenceTransformerEmbedder(args.model)
    crypto = load_retriever(ROOT / "kb_articles", emb, args.index)
    figures = measure(emb, args.benchmarks, crypto)
    print(f"# {platform.machine()} python {platform.python_version()}, {time.perf_counter() - started:.0f} s")
    for name, row in figures.items():
        cells = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items())
        print(f"{name}: {re.sub(r'=nan', '=n/a', cells)}")


if __name__ == "__main__":
    main()
