"""``python -m eval acts``: the dialogue-act head (``bot.acts``) on data it was not trained on.

Two parts, both with the head's own decision rule (small talk or vague only when its probability is
at least ``act_min_probability``):

1. **Leave one language out** over the exemplar files: for each language, the head is fitted on the
   other languages' exemplars and on the knowledge base's example questions in every other
   language, then run on the left-out language's exemplars. This is what a language the project
   has no exemplars for meets.
2. **The question set** (``eval/data``, the ``report`` half by default): the head fitted on every
   exemplar and every KB question, run on messages written separately from the exemplars (a test
   checks that no text is shared).

Per group: ``smalltalk_recall`` (small-talk rows answered as small talk), ``smalltalk_precision``,
``vague_recall``, ``vague_precision``, and ``false_act_rate``: rows of every other kind (questions,
emergencies, requests for a person, out of scope) wrongly taken for small talk or vague: the
figure that must stay near zero, since such a row would get no answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.acts import ActExample, DialogueActHead, kb_examples, read_act_exemplars
from bot.assembly import topic_names
from bot.messages import load_catalog
from eval.datasets import load_bot_queries, question_set_files, select_split
from eval.metrics import share
from retrieval import Article, Embedder


@dataclass(frozen=True, slots=True)
class ActOutcome:
    lang: str
    gold: str  # "smalltalk", "vague" or "other"
    predicted: str  # "smalltalk", "vague" or "other"


def _kind(label: str) -> str:
    base = label.partition(":")[0]
    return base if base in ("smalltalk", "vague") else "other"


def act_summary(outcomes: Sequence[ActOutcome]) -> dict[str, Any]:
    return {
        "n": len(outcomes),
        "smalltalk_recall": share(o.predicted == "smalltalk" for o in outcomes if o.gold == "smalltalk"),
        "smalltalk_precision": share(o.gold == "smalltalk" for o in outcomes if o.predicted == "smalltalk"),
        "vague_recall": share(o.predicted == "vague" for o in outcomes if o.gold == "vague"),
        "vague_precision": share(o.gold == "vague" for o in outcomes if o.predicted == "vague"),
        "false_act_rate": share(o.predicted != "other" for o in outcomes if o.gold == "other"),
    }


def _predict(head: DialogueActHead, vectors: np.ndarray) -> list[str]:
    out = []
    for v in vectors:
        act = head.acted_on(v)
        out.append(act.label if act else "other")
    return out


def _grouped(outcomes: Sequence[ActOutcome]) -> dict[str, Any]:
    langs = sorted({o.lang for o in outcomes})
    return {
        "overall": act_summary(outcomes),
        "by_lang": {lang: act_summary([o for o in outcomes if o.lang == lang]) for lang in langs},
    }


def run_acts(
    embedder: Embedder,
    articles: Sequence[Article],
    *,
    min_probability: float = 0.5,
    split: str = "report",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Both parts (see the module docstring); ``split`` picks the question-set half."""
    say = progress or (lambda _: None)
    exemplars = read_act_exemplars()
    kb = kb_examples(articles, topic_names(load_catalog()))
    say(f"encoding {len(exemplars)} exemplars and {len(kb)} KB questions")
    ex_vecs = embedder.encode_queries([r.text for r in exemplars]).astype(np.float32)
    kb_vecs = embedder.encode_queries([r.text for r in kb]).astype(np.float32)

    def fit(rows: list[ActExample], vecs: np.ndarray) -> DialogueActHead:
        return DialogueActHead.fit(vecs, [r.label for r in rows], min_probability=min_probability)

    lolo: list[ActOutcome] = []
    for lang in sorted({r.lang for r in exemplars}):
        say(f"leave one language out: {lang}")
        train_ex = [i for i, r in enumerate(exemplars) if r.lang != lang]
        train_kb = [i for i, r in enumerate(kb) if r.lang != lang]
        head = fit(
            [exemplars[i] for i in train_ex] + [kb[i] for i in train_kb],
            np.concatenate([ex_vecs[train_ex], kb_vecs[train_kb]]),
        )
        test = [i for i, r in enumerate(exemplars) if r.lang == lang]
        for i, p in zip(test, _predict(head, ex_vecs[test]), strict=True):
            lolo.append(ActOutcome(lang, _kind(exemplars[i].label), p))

    say("question set")
    queries = [q for path in question_set_files() for q in select_split(load_bot_queries(path), split)]
    head = fit(exemplars + kb, np.concatenate([ex_vecs, kb_vecs]))
    q_vecs = embedder.encode_queries([q.text for q in queries]).astype(np.float32)
    qs = [
        ActOutcome(q.lang, _kind(q.kind or "in_scope"), p)
        for q, p in zip(queries, _predict(head, q_vecs), strict=True)
    ]
    return {
        "min_probability": min_probability,
        "split": split,
        "model": embedder.model_id,
        "leave_one_language_out": _grouped(lolo),
        "question_set": _grouped(qs),
    }
