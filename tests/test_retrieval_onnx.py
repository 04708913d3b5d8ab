"""The ONNX Runtime backend computes the torch backend's vectors, and serves without importing torch.

The project's model folder is exported once per session into a folder of its own (links to the
model's files, the export beside them), so the tests never touch ``var/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from retrieval import SentenceTransformerEmbedder
from retrieval.__main__ import main as retrieval_main
from retrieval.embedder import make_embedder
from retrieval.errors import ModelNotExported
from retrieval.onnx_embedder import OnnxEmbedder
from retrieval.onnx_manifest import EXPORT_FILE, is_export_current, onnx_dir_of
from tests.conftest import ROOT

# A long support message: well past the model's 512 positions, so it is read in windows.
LONG_EN = (
    "Hello, I am writing again about my withdrawal of 2,450 USDT to my hardware wallet on the TRON "
    "network. The app has shown 'processing' since Monday morning, the fee was taken, and no "
    "transaction hash was ever given to me. "
) * 16
LONG_JA = "昨日ビットコインを入金しましたが、承認が三回終わったのに残高が増えません。確認をお願いします。" * 22

STRINGS = [
    # en
    "Where can I find my deposit address for ETH?",
    "my account got frozen after I logged in from a hotel wifi",
    "is there a fee to move coins between spot and futures?",
    "I typed the wrong memo for XRP, are my coins gone?",
    "withdrawals disabled for 24h after password change — why??",
    "Can u explain what a stop-limit order does",
    "support ticket #48213 still open, no reply 😤",
    # zh
    "为什么我的身份认证一直失败？",
    "充值时忘了填标签，资金还能找回吗",
    "合约爆仓了，能申请补偿吗？",
    "手机号换了，收不到短信验证码",
    "现货和杠杆账户之间怎么划转资金",
    "提现到交易所钱包需要多久？",
    "API密钥泄露了，我该怎么办！",
    # ja
    "パスワードを変更したら出金できなくなりました",
    "入金アドレスはどこで確認できますか？",
    "指値注文と成行注文の違いは何ですか",
    "ログイン通知が知らない国から来ました…",
    "本人確認書類はパスポートでも大丈夫？",
    "ステーキングの報酬はいつ受け取れますか",
    "ＵＳＤＴを間違ったネットワークに送ってしまった",
    # ko
    "비밀번호를 바꾼 뒤로 출금이 막혔어요",
    "입금 주소를 어디서 확인하나요?",
    "지정가 주문과 시장가 주문 차이가 뭐예요",
    "모르는 기기에서 로그인 알림이 왔어요!!",
    "신분증 인증이 계속 거절돼요 ㅠ",
    "수수료 할인은 어떻게 받나요?",
    "USDT를 잘못된 네트워크로 보냈습니다",
    # ru
    "После смены пароля не могу вывести средства",
    "Где посмотреть адрес для пополнения биткоина?",
    "Чем лимитный ордер отличается от рыночного",
    "Пришло письмо о входе из другой страны…",
    "верификация не проходит уже третий раз",
    "как получить скидку на комиссию?",
    "Отправил USDT не в ту сеть, помогите",
    # es
    "Después de cambiar la contraseña no puedo retirar",
    "¿Dónde veo mi dirección de depósito de BTC?",
    "diferencia entre orden limitada y de mercado",
    "me llegó un aviso de inicio de sesión desde otro país",
    "la verificación de identidad me rechaza siempre",
    "¿Cómo consigo descuento en las comisiones?",
    "Envié USDT por la red equivocada 😰",
    # pt
    "Depois de trocar a senha não consigo sacar",
    "Onde vejo meu endereço de depósito de BTC?",
    "qual a diferença entre ordem limitada e a mercado",
    "recebi um alerta de login de outro país",
    "a verificação de identidade sempre falha",
    "Como consigo desconto nas taxas?",
    "Mandei USDT pela rede errada, e agora?",
    # ar
    "بعد تغيير كلمة المرور لا أستطيع السحب",
    "أين أجد عنوان الإيداع الخاص بالبيتكوين؟",
    "ما الفرق بين الأمر المحدد وأمر السوق",
    "وصلني تنبيه تسجيل دخول من دولة أخرى",
    "التحقق من الهوية يفشل في كل مرة",
    "كيف أحصل على خصم في الرسوم؟",
    "أرسلت USDT على الشبكة الخطأ، ساعدوني",
    # long texts, mixed scripts
    LONG_EN,
    LONG_JA,
    "Mi retiro 提现 출금 вывод سحب saque 出金 withdrawal — all stuck",
    "KYC ✅ 2FA ✅ 出金 ❌ ？？",
]


@pytest.fixture(scope="session")
def onnx_model(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder of links to the project's model, with its ONNX export (float32 and int8) inside."""
    folder = tmp_path_factory.mktemp("onnx-model") / "model"
    folder.mkdir()
    for item in Path(model_path).iterdir():
        if item.name != "onnx":
            (folder / item.name).symlink_to(item.resolve())
    assert retrieval_main(["export-onnx", "--model", str(folder)]) == 0
    return folder


@pytest.fixture(scope="session")
def torch_vectors(embedder: SentenceTransformerEmbedder) -> np.ndarray:
    return embedder.encode_queries(STRINGS)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)))


def test_strings_cover_eight_languages_and_a_long_text(embedder: SentenceTransformerEmbedder) -> None:
    assert len(STRINGS) == 60
    assert max(embedder.token_count(s, is_query=True) for s in STRINGS) > 512


def test_onnx_fp32_vectors_match_torch(onnx_model: Path, torch_vectors: np.ndarray) -> None:
    ours = OnnxEmbedder(onnx_model).encode_queries(STRINGS)
    assert ours.shape == torch_vectors.shape and ours.dtype == np.float32
    cos = _cosines(ours, torch_vectors)
    assert cos.min() >= 0.999, [STRINGS[i][:40] for i in np.flatnonzero(cos < 0.999)]


def test_onnx_int8_vectors_match_torch(onnx_model: Path, torch_vectors: np.ndarray) -> None:
    ours = OnnxEmbedder(onnx_model, quantized=True).encode_queries(STRINGS)
    cos = _cosines(ours, torch_vectors)
    assert cos.min() >= 0.99, [STRINGS[i][:40] for i in np.flatnonzero(cos < 0.99)]


def test_onnx_passages_match_torch(onnx_model: Path, embedder: SentenceTransformerEmbedder) -> None:
    texts = STRINGS[::6]
    cos = _cosines(OnnxEmbedder(onnx_model).encode_passages(texts), embedder.encode_passages(texts))
    assert cos.min() >= 0.999


def test_onnx_batch_equals_one_at_a_time(onnx_model: Path) -> None:
    emb = OnnxEmbedder(onnx_model)
    together = emb.encode_queries(STRINGS[:12])
    alone = np.stack([emb.encode_queries([s])[0] for s in STRINGS[:12]])
    assert np.abs(together - alone).max() < 1e-5


def test_make_embedder_picks_the_backend(onnx_model: Path) -> None:
    fp32 = make_embedder(onnx_model, "onnx")
    int8 = make_embedder(onnx_model, "onnx-int8")
    assert isinstance(fp32, OnnxEmbedder) and isinstance(int8, OnnxEmbedder)
    assert not fp32.is_quantized and int8.is_quantized
    assert fp32.model_id != int8.model_id
    with pytest.raises(ValueError, match="unknown embedding backend"):
        make_embedder(onnx_model, "tensorrt")


def test_export_when_unchanged_is_reused(onnx_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = onnx_dir_of(onnx_model) / EXPORT_FILE
    before = manifest.stat().st_mtime_ns
    assert retrieval_main(["export-onnx", "--model", str(onnx_model)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert manifest.stat().st_mtime_ns == before


def test_export_when_a_source_changes_is_stale(onnx_model: Path, tmp_path: Path) -> None:
    """A copied folder with the same bytes still counts as exported; an edited one does not."""
    copy = tmp_path / "model"
    copy.mkdir()
    for item in onnx_model.iterdir():
        if item.name in ("onnx", "model.safetensors", "tokenizer.json"):
            (copy / item.name).symlink_to(item.resolve())
        elif item.is_dir():
            shutil.copytree(item, copy / item.name)
        else:
            shutil.copy(item, copy / item.name)
    assert is_export_current(copy)
    config = json.loads((copy / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    config["prompts"] = {"query": "question: ", "passage": "passage: "}
    (copy / "config_sentence_transformers.json").write_text(json.dumps(config), encoding="utf-8")
    assert not is_export_current(copy)
    with pytest.raises(ModelNotExported):
        OnnxEmbedder(copy)


TORCH_FREE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    from fastapi.testclient import TestClient

    from config.settings import Settings
    from retrieval.embedder import make_embedder
    from retrieval.retriever import load_retriever
    from web.app import create_app

    model, kb, data = sys.argv[1:4]
    embedder = make_embedder(model, "onnx-int8")
    retriever = load_retriever(kb, embedder, Path(data) / "int8-index")
    hits = retriever.search("I forgot my password", lang="en")
    settings = Settings(
        _env_file=None, embedding_model=model, embedding_backend="onnx", kb_path=kb, data_dir=data
    )
    with TestClient(create_app(settings)) as client:
        health = client.get("/healthz").json()
        answer = client.post("/api/v1/ask", json={"text": "I forgot my password"}).json()
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "sentence_transformers", "transformers"))
    print(json.dumps({"heavy": heavy, "hit": hits[0].slug, "health": health, "answer": answer}))
    """
)


def test_server_on_onnx_backend_never_imports_torch(onnx_model: Path, tiny_kb: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(
        [sys.executable, "-c", TORCH_FREE, str(onnx_model), str(tiny_kb), str(tmp_path / "data")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["heavy"] == []
    assert out["hit"] == "reset-password"
    assert out["health"]["status"] == "ok" and out["health"]["articles"] == 6
    assert out["answer"]["hits"][0]["slug"] == "reset-password"
