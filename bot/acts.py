"""Dialogue acts: a learned head over the message vector that tells small talk and vague messages
from questions.

A greeting, a thank-you, a goodbye or an "ok" is not out of scope: it deserves a short, kind reply
in the user's language. A message with too little to go on ("help", "it doesn't work") deserves one
question back, not a guessed article. The retriever cannot tell either from a question (it always
finds a nearest article, and "ok" once got the order-types article at 99.9% confidence), so a
multinomial logistic regression (scikit-learn) is trained on the labelled exemplars of
``bot/exemplars/intents/*.jsonl`` (13 languages, every label) plus every example question of the
knowledge base, its titles and the help centre's topic names as ``in_scope``. Its classes are ``smalltalk:<case>``, ``security:<case>``,
``human_request``, ``vague``, ``out_of_scope`` and ``in_scope``; the bot acts only on the
``smalltalk`` and ``vague`` ones (security, human requests and out-of-scope stay with
:mod:`bot.intents`, whose figures are measured and documented), and only when the head's
probability for that class is at least ``act_min_probability`` (a setting; 0.5 by default, not
tuned on any data). ``python -m eval acts`` measures it on languages it was not trained on.

Fitting needs scikit-learn; predicting is one matrix product in numpy. The fitted weights are saved
beside the index (``dialogue_acts.npz``, keyed by the model, the backend, the exemplars and the
knowledge base's questions), so a start loads them instead of encoding and fitting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np

from bot.vector_cache import cache_key, load_arrays, save_arrays
from retrieval import Article, Embedder

ACT_EXEMPLAR_DIR = Path(__file__).parent / "exemplars" / "intents"
HEAD_FILE = "dialogue_acts.npz"
ACTED_ON = ("smalltalk", "vague")
# Inverse regularisation of the logistic regression: unit vectors of a small e5 model differ by
# small cosines, so the weights must be allowed to grow (scikit-learn's default of 1.0 underfits).
REGULARISATION_C = 20.0
RECIPE = f"logreg-balanced-C{REGULARISATION_C}-v1"


@dataclass(frozen=True, slots=True)
class ActExample:
    text: str
    lang: str
    label: str  # "smalltalk:thanks", "security:lost_2fa_device", "vague", "in_scope", ...


@dataclass(frozen=True, slots=True)
class Act:
    """The head's verdict on one message: ``label`` is ``smalltalk``/``vague``/... and ``case`` the
    smalltalk or security case (``greeting``, ``thanks``, ``goodbye``, ``ack``) or None."""

    label: str
    case: str | None
    probability: float

    @property
    def name(self) -> str:
        return f"{self.label}:{self.case}" if self.case else self.label


def read_act_exemplars(folder: Path = ACT_EXEMPLAR_DIR) -> list[ActExample]:
    """Every row of every ``<lang>.jsonl`` in ``folder``, in a stable order."""
    out: list[ActExample] = []
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            row = json.loads(line)
            label, case = str(row["label"]), row.get("case")
            if label in ("smalltalk", "security"):
                if not case:
                    raise ValueError(f"{path}:{n}: a {label} row needs a case")
                label = f"{label}:{case}"
            out.append(ActExample(str(row["text"]), path.stem, label))
    return out


def kb_examples(articles: Iterable[Article], topics: Iterable[tuple[str, str]] = ()) -> list[ActExample]:
    """The knowledge base's own example questions and titles, and the help centre's topic names
    (``(lang, name)``), as ``in_scope``: a bare topic ("Withdrawals", "Cuenta") is a question about
    that topic, not an acknowledgement, and it is what a user taps among the quick replies."""
    rows = {
        ActExample(text, a.lang, "in_scope") for a in articles for text in (a.title, *a.example_questions)
    }
    rows |= {ActExample(name, lang, "in_scope") for lang, name in topics}
    return sorted(rows, key=lambda r: (r.lang, r.text))


_WORD = re.compile(r"\w+")
_WIDE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True, slots=True)
class TopicTerms:
    """The words of the knowledge base's titles and topic names, to tell a bare topic ("Account",
    "вывод", "出金") from an acknowledgement ("ok", "好的"): on one-word messages the embedding
    cannot (both sit at the same distance from everything), but titles never say "ok"."""

    words: frozenset[str] = frozenset()
    wide_text: str = ""  # Chinese/Japanese/Korean titles, joined, for substring tests

    @classmethod
    def of(cls, articles: Iterable[Article], topics: Iterable[tuple[str, str]] = ()) -> Self:
        texts = [a.title for a in articles] + [name for _, name in topics]
        words = {w for t in texts for w in _WORD.findall(t.casefold())}
        wide = " ".join(t for t in texts if _WIDE_SCRIPT.search(t))
        return cls(frozenset(w for w in words if not _WIDE_SCRIPT.search(w)), wide.casefold())

    def names_topic(self, text: str) -> bool:
        """True when ``text`` is a single word that a title or topic name uses."""
        tokens = _WORD.findall(text.casefold())
        if len(tokens) != 1:
            return False
        term = tokens[0]
        if _WIDE_SCRIPT.search(term):
            return len(term) >= 2 and term in self.wide_text
        return term in self.words


@dataclass(frozen=True, slots=True)
class DialogueActHead:
    """Softmax weights over the classes; ``predict`` is pure."""

    classes: tuple[str, ...]
    coef: np.ndarray  # (classes, dim)
    intercept: np.ndarray  # (classes,)
    min_probability: float = 0.5
    topic_terms: TopicTerms = TopicTerms()

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: Sequence[str], *, min_probability: float = 0.5) -> Self:
        """Fit the logistic regression on unit ``vectors`` and their labels (classes weighted by
        inverse frequency, since the knowledge base's questions outnumber every other class)."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=3000)
        model.fit(vectors, list(labels))
        return cls(
            tuple(str(c) for c in model.classes_),
            np.asarray(model.coef_, dtype=np.float32),
            np.asarray(model.intercept_, dtype=np.float32),
            min_probability,
        )

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per vector (columns in ``classes`` order)."""
        logits = np.atleast_2d(vectors).astype(np.float32) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return np.asarray(p / p.sum(axis=1, keepdims=True))

    def predict(self, vector: np.ndarray) -> Act:
        """The most probable label of one message vector, its probability summed over the label's
        cases (a short greeting splits its mass between greeting, ack and goodbye, and is still
        small talk), and the most probable case within it."""
        p = self.probabilities(vector)[0]
        labels = [c.partition(":")[0] for c in self.classes]
        mass: dict[str, float] = {}
        for label, q in zip(labels, p, strict=True):
            mass[label] = mass.get(label, 0.0) + float(q)
        label = max(mass, key=mass.__getitem__)
        best = max((i for i, lab in enumerate(labels) if lab == label), key=lambda i: p[i])
        case = self.classes[best].partition(":")[2]
        return Act(label, case or None, mass[label])

    def acted_on(self, vector: np.ndarray, text: str = "") -> Act | None:
        """The act when the bot should answer it as such (small talk or vague, probable enough);
        never for a message ``text`` that is one word of a title or topic name."""
        act = self.predict(vector)
        if act.label not in ACTED_ON or act.probability < self.min_probability:
            return None
        return None if text and self.topic_terms.names_topic(text) else act

    @classmethod
    def build(
        cls,
        embedder: Embedder,
        articles: Iterable[Article],
        *,
        topics: Iterable[tuple[str, str]] = (),
        exemplar_dir: Path = ACT_EXEMPLAR_DIR,
        cache_dir: Path | None = None,
        cache_key_extra: str = "",
        min_probability: float = 0.5,
    ) -> Self:
        """Encode the exemplars and the knowledge base's questions, titles and ``topics``, fit, and
        save beside the index (``cache_dir``); a later build with the same inputs loads the weights."""
        articles, topics = list(articles), list(topics)
        terms = TopicTerms.of(articles, topics)
        rows = read_act_exemplars(exemplar_dir) + kb_examples(articles, topics)
        key = cache_key((RECIPE, embedder.model_id, cache_key_extra, *(f"{r.label}\t{r.text}" for r in rows)))
        path = cache_dir / HEAD_FILE if cache_dir is not None else None
        if path is not None:
            saved = load_arrays(path, key, ("classes", "coef", "intercept"))
            if saved is not None and saved["coef"].shape[0] == saved["classes"].shape[0]:
                return cls(
                    tuple(str(c) for c in saved["classes"]),
                    saved["coef"].astype(np.float32),
                    saved["intercept"].astype(np.float32),
                    min_probability,
                    terms,
                )
        vectors = embedder.encode_queries([r.text for r in rows]).astype(np.float32)
        fitted = cls.fit(vectors, [r.label for r in rows], min_probability=min_probability)
        head = cls(fitted.classes, fitted.coef, fitted.intercept, min_probability, terms)
        if path is not None:
            save_arrays(path, key, classes=np.array(head.classes), coef=head.coef, intercept=head.intercept)
        return head
