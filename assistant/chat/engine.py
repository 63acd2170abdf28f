"""One chat turn: understand (code) -> retrieve and rank -> write (model) -> check -> store.

The model's words stream as they come, except a sentence that states a number, a price or a brand:
that one is held until it ends and passes the fact check. A failing sentence is repaired when the
fix is certain, otherwise the rest of the reply is built from the facts alone.
"""

from __future__ import annotations

import re
import time
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from assistant.chat import prompts
from assistant.chat.dialogue import understand
from assistant.chat.faq import load_faq
from assistant.chat.language import detect_language
from assistant.chat.sessions import DialogueState, SessionStore, Turn
from assistant.fact_check import FactCheckResult, ProductFacts, check_text, repair
from assistant.llm.types import ChatMessage, GenerationParams
from ranking.profiles import summarize
from ranking.records import RankedItem
from retrieval.query import SearchFilters

MAX_MESSAGE = 4000
# A full stop ends a sentence only before a space: "$123.99" and "4.5 out of 5" are one claim, not two.
_SENTENCE_END = re.compile(r"[。！？\n]|[.!?](?=\s)")
_PROMPT_ECHO = re.compile(r"\b(FACTS|SHOPPER (?:SAYS|PROFILE|ASKS)|STORE POLICY|DESCRIPTION|REVIEWS)\s*:|</?review>")
_RISKY = re.compile(r"[\d$¥￥€£%★]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True, slots=True)
class Grounding:
    """What a reply may state: the facts of the products shown, and what else the prompt told the model."""

    facts: tuple[ProductFacts, ...] = ()
    amounts: tuple[float, ...] = ()   # amounts the store's policy document states
    bounds: tuple[float, ...] = ()    # the shopper's own budget and usual price band: limits, never prices
    brands: tuple[str, ...] = ()      # brands the shopper named or usually buys, or the reasons name
    catalog_brands: tuple[str, ...] = ()  # any other of these named is an invented claim


@dataclass(slots=True)
class ChatReply:
    reply: str
    products: list[dict]
    session: str
    language: str
    intent: str
    checks: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _facts(items: list[RankedItem]) -> tuple[ProductFacts, ...]:
    return tuple(ProductFacts(i.product.id, i.product.title, i.product.brand, i.product.price,
                              rating=i.product.rating, currency=i.product.currency) for i in items)


class ChatEngine:
    def __init__(self, shop, params: GenerationParams | None = None):
        self.shop = shop
        self.sessions = SessionStore(shop.db)
        self.params = params or GenerationParams(max_new_tokens=96)
        self.faq = load_faq(shop.home)

    # -- the turn -----------------------------------------------------------------------------------
    def ask(self, user_id: str | None, message: str, session_id: str | None = None) -> ChatReply:
        # Nobody reads the words as they come, so the model writes them in one `generate` call, which a
        # batching generator (the HTTP server's, the chat benchmark's) runs together with other turns.
        *_, reply = self.ask_stream(user_id, message, session_id, streamed=False)
        return reply

    def ask_stream(self, user_id: str | None, message: str, session_id: str | None = None,
                   streamed: bool = True) -> Iterator[str | ChatReply]:
        if not isinstance(message, str) or not message.strip():
            raise ValueError("the message is empty: say what you are looking for, e.g. 'a gift for a runner under $50'")
        truncated = len(message) > MAX_MESSAGE
        message = message.strip()[:MAX_MESSAGE]
        session_id, state = self.sessions.open(session_id, user_id)
        user = self.shop.events.get_user(user_id) if user_id else None
        default_lang = "zh" if user and user.locale.lower().startswith("zh") else "en"
        language = detect_language(message, default=state.language if state.need else default_lang)
        shown_prices = {pid: p.price for pid, p in self.shop.catalog.get_products(state.shown).items()
                        if p.price is not None}
        # Read once a turn: a brand added to the catalog since the last turn is checked from this one on.
        catalog_brands = tuple(self.shop.catalog.brands())
        turn = understand(message, state, list(catalog_brands),
                          [c for c in self.shop.catalog.categories()], shown_prices)
        new_state = turn.state
        new_state.language = language

        if turn.intent == "faq":
            doc = self.faq.get(turn.topic)
            items: list[RankedItem] = []
            messages = prompts.faq_prompt(message, doc.title, doc.text, language)
            fallback = ("相关政策：" if language == "zh" else "") + doc.text
            grounding = self._grounding(message, catalog_brands, amounts=tuple(doc.amounts))
            stream = self._checked_stream(self._write(messages, streamed), grounding, language, fallback)
        elif turn.intent == "product_question":
            product = self.shop.catalog.get_product(turn.targets[0])
            passages = self._passages(product.id, message)
            items = [RankedItem(product, 1.0, ("the product you asked about",), tuple(passages))]
            messages = prompts.question_prompt(message, product, passages, language)
            stream = self._checked_stream(self._write(messages, streamed), self._grounding(message, catalog_brands, _facts(items)),
                                          language, prompts.question_template(product, passages, language))
        elif turn.intent == "compare":
            found = self.shop.catalog.get_products(list(turn.targets))
            items = [RankedItem(found[pid], 1.0, ()) for pid in turn.targets if pid in found]
            stream = iter([prompts.compare_template(items, language)])
            stream = self._template_only(stream)
        else:
            items, nothing_fit = self._find(user_id, new_state)
            relaxed = nothing_fit
            new_state.shown = [i.product.id for i in items]
            profile = self.shop.profile(user_id) if user_id else None
            summary = summarize(profile) if profile else "new visitor"
            messages = prompts.product_prompt(message, items, language, summary, nothing_fit)
            grounding = self._grounding(message, catalog_brands, _facts(items), profile,
                                        reasons="\n".join(i.reason for i in items))
            fallback = prompts.intro_template(len(items), language, nothing_fit)
            stream = self._checked_stream(self._write(messages, streamed), grounding, language, fallback,
                                          listing=prompts.product_listing(items, language))
        text = ""
        outcome: dict = {}
        for piece in stream:
            if isinstance(piece, dict):
                outcome = piece
                continue
            text += piece
            yield piece
        if truncated:
            outcome["message_truncated_to"] = MAX_MESSAGE
        if turn.intent in ("need", "refine"):
            outcome["constraints_relaxed"] = relaxed
        products = [i.to_dict() for i in items]
        now = int(time.time())
        self.sessions.record(session_id, new_state, [
            Turn("user", message, turn.intent, language, [], {}, now),
            Turn("assistant", text, turn.intent, language, products, outcome, now)])
        yield ChatReply(text, products, session_id, language, turn.intent, outcome)

    # -- retrieval ----------------------------------------------------------------------------------
    def _find(self, user_id: str | None, state: DialogueState, k: int = 4) -> tuple[list[RankedItem], bool]:
        filters = SearchFilters.from_dict(state.filters) if state.filters else None
        query = " ".join([state.need, *state.extra_terms]).strip() or state.need
        items = self.shop.search_for_user(user_id, query, filters=filters, k=k)
        if items or filters is None:
            return items, False
        # Nothing fits every constraint: loosen step by step (brand and rating, then price), keeping
        # the kind of product and the exclusions, and say so in the reply.
        for loose in (replace(filters, brands=(), min_rating=None),
                      SearchFilters(categories=filters.categories, exclude_ids=filters.exclude_ids),
                      SearchFilters(exclude_ids=filters.exclude_ids)):
            items = self.shop.search_for_user(user_id, query, filters=loose, k=k)
            if items:
                break
        return items, True

    def _passages(self, product_id: str, question: str, n: int = 3) -> list[str]:
        reviews = [r.text for r in self.shop.catalog.reviews_for(product_id, limit=50) if r.text]
        if not reviews:
            return []
        encoder = self.shop.encoder
        vectors = encoder.encode([question, *reviews])
        order = np.argsort(-(vectors[1:] @ vectors[0]))
        return [reviews[i] for i in order[:n]]

    # -- writing and checking -----------------------------------------------------------------------
    def _template_only(self, stream: Iterator[str]) -> Iterator[str | dict]:
        yield from stream
        yield {"outcome": "template", "claims_checked": 0, "violations": []}

    @staticmethod
    def _grounding(message: str, catalog_brands: tuple[str, ...], facts: tuple[ProductFacts, ...] = (),
                   profile=None, amounts: tuple[float, ...] = (), reasons: str = "") -> Grounding:
        """The facts, plus what the prompt itself told the model: restating the shopper's budget ("under
        $150"), their usual price band, a brand they named or one the ranker's reasons name ("similar to
        the Subway card you liked") is no invented claim."""
        bounds = [float(n.replace(",", "")) for n in _NUMBER.findall(message)]
        told = f"{message}\n{reasons}"
        brands = [b for b in catalog_brands if b and re.search(rf"(?<!\w){re.escape(b)}(?!\w)", told, re.I)]
        if profile is not None and not profile.is_cold:
            brands += [b for b, _ in profile.top_brands[:3]]
            if profile.price_band:
                # The profile line states the band in whole dollars (see ranking.profiles.summarize).
                bounds += [*profile.price_band, *(float(round(x)) for x in profile.price_band)]
        return Grounding(facts, amounts, tuple(bounds), tuple(brands), catalog_brands)

    def _check(self, text: str, grounding: Grounding) -> FactCheckResult:
        return check_text(text, grounding.facts, grounding.catalog_brands, grounding.amounts, grounding.bounds,
                          grounding.brands)

    def _write(self, messages: list[ChatMessage], streamed: bool) -> Generator[str, None, None]:
        """The model's words: token by token, or whole from one (batchable) `generate` call."""
        if streamed:
            yield from self.shop.generator.stream(messages, self.params)
        else:
            yield self.shop.generator.generate([messages], self.params)[0]

    def _checked_stream(self, chunks: Generator[str, None, None], grounding: Grounding, language: str,
                        fallback: str, listing: str = "") -> Iterator[str | dict]:
        """Yield the model's words as far as they are checked, then the listing built from facts."""
        emitted = ""
        held = ""
        violations: list[str] = []
        outcome = "passed"
        checked = 0

        def settle(sentence: str) -> str | None:
            nonlocal outcome, checked
            if _PROMPT_ECHO.search(sentence):  # a small model repeating its instructions is no answer
                violations.append("echo: the reply repeats the prompt")
                return None
            result = self._check(sentence, grounding)
            checked += result.checked
            if result.ok:
                return sentence
            violations.extend(str(v) for v in result.violations)
            fixed = repair(sentence, result, grounding.facts)
            if fixed is not None:
                outcome = "repaired"
            return fixed

        failed = False
        first = True
        for chunk in chunks:
            held += chunk
            while (m := _SENTENCE_END.search(held)) is not None:
                sentence, held = held[:m.end()], held[m.end():]
                if first and sentence.strip():
                    first = False
                    # The first sentence settles the language: a reply in the wrong one is replaced whole.
                    if detect_language(sentence, language) != language:
                        violations.append(f"language: the reply is not in {prompts.LANGUAGE_NAMES[language]}")
                        failed = True
                        break
                good = settle(sentence)
                if good is None:
                    failed = True
                    break
                emitted += good
                yield good
            if failed:
                chunks.close()  # stop the model now rather than when this turn is done
                break
            if not first and held and not _RISKY.search(held) and not any(
                    b.lower() in held.lower() for b in grounding.catalog_brands):
                emitted += held
                yield held
                held = ""
        if not failed and held.strip():
            good = settle(held)
            if good is None or (first and detect_language(held, language) != language):
                failed = True
            else:
                emitted += good
                yield good
        if failed or not emitted.strip():
            outcome = "replaced"
            tail = fallback if not emitted.strip() else ("\n" + fallback)
            emitted += tail
            yield tail
        if listing:
            yield "\n" + listing
        yield {"outcome": outcome, "claims_checked": checked, "violations": violations}
