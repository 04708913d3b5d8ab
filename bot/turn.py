"""One bot turn without storage: redact, detect the language, classify, retrieve, decide, and
compose the replies in the user's language. ``web.chat`` adds the conversation and the queue."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.acts import Act, DialogueActHead
from bot.confidence import Calibrator, features
from bot.intents import IntentClassifier, IntentResult, SecurityGate, is_bare_term, normalise
from bot.language import LanguageHints, LanguageResult, detect_language, should_switch
from bot.messages import Catalog
from bot.policy import Action, Decision, Reason, Signals, Thresholds, decide
from bot.redaction import Redaction, redact
from config.languages import TRADITIONAL_CHINESE, base_language, catalog_language
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
    # The catalog the replies were written from: ``zh-Hant`` for a Traditional Chinese reader, else
    # the conversation's language.
    texts_language: str = ""


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
    security_gate: SecurityGate | None = None  # the head's veto and addition; None: the rules alone

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
        bare = is_bare_term(normalise(clean))
        if self.acts is not None and self.security_gate is not None:
            intent = self.security_gate.apply(
                intent, self.acts.security_mass(vector), nearest=self.intents.nearest_case(vector), bare=bare
            )
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
                bare_term=bare,
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
        texts_lang = texts_language(reply_lang, lang, ctx.locale)
        replies = self._compose(red, lang, reply_lang, decision, hits, confidence, case, act, texts_lang)
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
            texts_language=texts_lang,
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
        texts_lang: str | None = None,
    ) -> list[Reply]:
        c = self.catalog
        tl = texts_lang or reply_lang  # the catalog to write from; replies keep reply_lang
        out: list[Reply] = []
        for kind in red.kinds:
            out.append(Reply("warning", c.render(f"secret_warning.{kind.value}", tl), reply_lang, kind="system"))
        action = decision.action
        if action is Action.handoff:
            parts = []
            if case:
                parts.append(c.render(f"security.{case}", tl))
            elif decision.reason is Reason.too_many_unconfident:
                parts.append(c.render("not_sure_again_handoff", tl))
            else:
                parts.append(c.render("human_request_ack", tl))
            parts.append(c.render("anti_phishing", tl))
            out.append(Reply(action.value, "\n\n".join(parts), reply_lang, confidence))
            return out
        if action is Action.smalltalk:
            out.append(Reply(action.value, c.render(f"smalltalk.{act.case if act else 'ack'}", tl), reply_lang))
            return out
        if decision.reason is Reason.vague:
            out.append(
                Reply(action.value, c.render("vague", tl), reply_lang, None,
                      quick_replies=self._topics(hits, reply_lang, tl))
            )
            return out
        if action is Action.out_of_scope:
            out.append(
                Reply(action.value, c.render("out_of_scope", tl), reply_lang, None,
                      quick_replies=(c.render("out_of_scope_offer_human", tl),))
            )
            return out
        note = ""
        if not lang.is_supported and lang.method.value in ("script", "detector"):
            note = c.render(
                "fallback_language_note",
                tl,
                language=c.language_name(lang.lang, tl),
                answer_language=c.language_name(reply_lang, tl),
            ) + "\n\n"
        if action is Action.answer:
            top = hits[0]
            article = self.retriever.article(top.slug, reply_lang)
            body = article.answer_text() if article else top.passage
            if tl != reply_lang and base_language(tl) == (article.lang if article else top.lang):
                # A Traditional Chinese reader gets the Simplified article: say so.
                note += c.render("simplified_article_note", tl) + "\n\n"
            text = note + c.render("answer_intro", tl) + "\n\n" + body
            out.append(
                Reply(action.value, text, article.lang if article else top.lang, confidence,
                      sources=(Source(top.slug, top.title, top.lang),))
            )
            return out
        key = "clarify" if decision.reason in (Reason.ambiguous, Reason.one_term) else "not_sure"
        options = tuple(h.title for h in hits[:2]) if hits else ()
        quick = (*options, c.render("ui.widget.talk_to_agent", tl))[:MAX_QUICK_REPLIES]
        out.append(
            Reply(action.value, note + c.render(key, tl), reply_lang, confidence,
                  sources=tuple(Source(h.slug, h.title, h.lang) for h in hits[:2]), quick_replies=quick)
        )
        return out


    def _topics(self, hits: list[Hit], reply_lang: str, texts_lang: str | None = None) -> tuple[str, ...]:
        """Help-centre categories to offer as quick replies: those of the nearest articles first,
        then the busiest topics of a support desk, localised, without repeats."""
        cats = [a.category for h in hits if (a := self.retriever.article(h.slug, reply_lang)) is not None]
        ordered = dict.fromkeys([*cats, *VAGUE_FALLBACK_TOPICS])
        tl = texts_lang or reply_lang
        return tuple(self.catalog.render(f"ui.help.category.{cat}", tl) for cat in ordered)[:MAX_QUICK_REPLIES]


def texts_language(reply_lang: str, lang: LanguageResult, locale: str | None) -> str:
    """The catalog a reply in ``reply_lang`` is written from: ``zh-Hant`` when the reader writes
    Traditional characters, or writes no Han at all under a ``zh-TW``/``zh-HK`` locale; else
    ``reply_lang``. The conversation's language (routing, articles, agents) stays ``zh`` either way."""
    if reply_lang != "zh":
        return reply_lang
    if lang.script == "Hant" or (lang.script is None and catalog_language(locale or "") == TRADITIONAL_CHINESE):
        return TRADITIONAL_CHINESE
    return reply_lang
