"""One bot turn without storage: redact, detect the language, classify, retrieve, decide, and
compose the replies in the user's language. ``web.chat`` adds the conversation and the queue."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.acts import Act, DialogueActHead
from bot.confidence import Calibrator, features
from bot.intents import IntentClassifier, IntentResult, is_bare_term, normalise
from bot.language import LanguageHints, LanguageResult, detect_language, should_switch
from bot.messages import Catalog
from bot.policy import Action, Decision, Reason, Signals, Thresholds, decide
from bot.redaction import Redaction, redact
from retrieval import Hit, Retriever

MAX_QUICK_REPLIES = 3
VAGUE_FALLBACK_TOPICS = ("withdrawal", "deposit", "account")


@dataclass(frozen=True, slots=True)
class Source:
    slug: str
    title: str
    lang: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One bot message as the widget shows it."""

    action: str
    text: str
    language: str
    confidence: float | None = None
    sources: tuple[Source, ...] = ()
    quick_replies: tuple[str, ...] = ()
    kind: str = "bot"


@dataclass(frozen=True, slots=True)
class TurnContext:
    """What the conversation knows before this message."""

    conversation_language: str | None = None
    locale: str | None = None
    unconfident_streak: int = 0


@dataclass(frozen=True, slots=True)
class TurnResult:
    redaction: Redaction
    language: LanguageResult
    conversation_language: str
    answer_language: str
    intent: IntentResult
    hits: tuple[Hit, ...]
    confidence: float | None
    decision: Decision
    replies: tuple[Reply, ...]
    unconfident_streak: int = 0
    security_case: str | None = None
    reasons: tuple[str, ...] = field(default=())
    act: Act | None = None  # small talk or vague, when the dialogue-act head acted on it


@dataclass
class Bot:
    """The composed pieces; built once at start-up and shared by every request (read-only)."""

    retriever: Retriever
    intents: IntentClassifier
    calibrator: Calibrator
    catalog: Catalog
    thresholds: Thresholds
    language_switch_confidence: float
    language_backend: str | None
    top_k: int
    acts: DialogueActHead | None = None

    def handle(self, text: str, ctx: TurnContext = TurnContext()) -> TurnResult:
        """Decide and compose the replies for one user message."""
        red = redact(text)
        clean = red.text
        hints = LanguageHints(conversation=ctx.conversation_language, locale=ctx.locale)
        lang = detect_language(clean, hints, backend=self.language_backend or None)
        keep = ctx.conversation_language is not None and not should_switch(
            ctx.conversation_language, lang, self.language_switch_confidence
        )
        reply_lang = ctx.conversation_language if keep and ctx.conversation_language else lang.answer_lang
        vector = self.retriever.embedder.encode_queries([clean])[0]
        intent = self.intents.classify(clean, reply_lang, vector, [])
        hits: list[Hit] = []
        if not intent.human_request:
            hits = self.retriever.search_vector(vector, lang=reply_lang, k=self.top_k)
            intent = self.intents.classify(clean, reply_lang, vector, hits)
        act = self.acts.acted_on(vector, clean) if self.acts is not None else None
        confidence = None
        margin = 0.0
        if hits:
            scores = [h.score for h in hits]
            f = features(scores, hits[0].lang, reply_lang)
            confidence = self.calibrator.probability(f)
            margin = f.margin
        decision = decide(
            Signals(
                secret_shared=red.has_secret,
                security_priority=intent.priority if intent.security else None,
                human_request=intent.human_request,
                # A bare topic name ("Seguridad") is in scope, whatever the out-of-scope bank says.
                out_of_scope=intent.out_of_scope and not (self.acts and self.acts.topic_terms.names_topic(clean)),
                act=act.label if act else None,
                bare_term=is_bare_term(normalise(clean)),
                has_hits=bool(hits),
                confidence=confidence or 0.0,
                margin=margin,
                unconfident_streak=ctx.unconfident_streak,
            ),
            self.thresholds,
        )
        case = intent.security.value if intent.security else None
        if red.has_secret and case is None:
            case = "secret_shared"
        replies = self._compose(red, lang, reply_lang, decision, hits, confidence, case, act)
        acted = (f"act:{act.name}",) if act and decision.reason in (Reason.smalltalk, Reason.vague) else ()
        reasons = (decision.reason.value, *intent.reasons, *acted, *(f"secret:{k.value}" for k in red.kinds))
        return TurnResult(
            redaction=red,
            language=lang,
            conversation_language=reply_lang,
            answer_language=reply_lang,
            intent=intent,
            hits=tuple(hits),
            confidence=confidence,
            decision=decision,
            replies=tuple(replies),
            unconfident_streak=ctx.unconfident_streak + 1 if decision.is_unconfident else 0,
            security_case=case,
            reasons=tuple(dict.fromkeys(reasons)),
            act=act if acted else None,
        )

    def _compose(
        self,
        red: Redaction,
        lang: LanguageResult,
        reply_lang: str,
        decision: Decision,
        hits: list[Hit],
        confidence: float | None,
        case: str | None,
        act: Act | None = None,
    ) -> list[Reply]:
        c = self.catalog
        out: list[Reply] = []
        for kind in red.kinds:
            out.append(Reply("warning", c.render(f"secret_warning.{kind.value}", reply_lang), reply_lang, kind="system"))
        action = decision.action
        if action is Action.handoff:
            parts = []
            if case:
                parts.append(c.render(f"security.{case}", reply_lang))
            elif decision.reason is Reason.too_many_unconfident:
                parts.append(c.render("not_sure_again_handoff", reply_lang))
            else:
                parts.append(c.render("human_request_ack", reply_lang))
            parts.append(c.render("anti_phishing", reply_lang))
            out.append(Reply(action.value, "\n\n".join(parts), reply_lang, confidence))
            return out
        if action is Action.smalltalk:
            out.append(Reply(action.value, c.render(f"smalltalk.{act.case if act else 'ack'}", reply_lang), reply_lang))
            return out
        if decision.reason is Reason.vague:
            out.append(
                Reply(action.value, c.render("vague", reply_lang), reply_lang, None,
                      quick_replies=self._topics(hits, reply_lang))
            )
            return out
        if action is Action.out_of_scope:
            out.append(
                Reply(action.value, c.render("out_of_scope", reply_lang), reply_lang, None,
                      quick_replies=(c.render("out_of_scope_offer_human", reply_lang),))
            )
            return out
        note = ""
        if not lang.is_supported and lang.method.value in ("script", "detector"):
            note = c.render(
                "fallback_language_note",
                reply_lang,
                language=c.language_name(lang.lang, reply_lang),
                answer_language=c.language_name(reply_lang, reply_lang),
            ) + "\n\n"
        if action is Action.answer:
            top = hits[0]
            article = self.retriever.article(top.slug, reply_lang)
            body = article.answer_text() if article else top.passage
            text = note + c.render("answer_intro", reply_lang) + "\n\n" + body
            out.append(
                Reply(action.value, text, article.lang if article else top.lang, confidence,
                      sources=(Source(top.slug, top.title, top.lang),))
            )
            return out
        key = "clarify" if decision.reason in (Reason.ambiguous, Reason.one_term) else "not_sure"
        options = tuple(h.title for h in hits[:2]) if hits else ()
        quick = (*options, c.render("ui.widget.talk_to_agent", reply_lang))[:MAX_QUICK_REPLIES]
        out.append(
            Reply(action.value, note + c.render(key, reply_lang), reply_lang, confidence,
                  sources=tuple(Source(h.slug, h.title, h.lang) for h in hits[:2]), quick_replies=quick)
        )
        return out


    def _topics(self, hits: list[Hit], reply_lang: str) -> tuple[str, ...]:
        """Help-centre categories to offer as quick replies: those of the nearest articles first,
        then the busiest topics of a support desk, localised, without repeats."""
        cats = [a.category for h in hits if (a := self.retriever.article(h.slug, reply_lang)) is not None]
        ordered = dict.fromkeys([*cats, *VAGUE_FALLBACK_TOPICS])
        return tuple(self.catalog.render(f"ui.help.category.{cat}", reply_lang) for cat in ordered)[:MAX_QUICK_REPLIES]
