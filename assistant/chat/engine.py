"""One chat turn: understand (code) -> retrieve and rank -> compose (code) -> write (model) -> check -> store.

Code writes what facts decide: the opening line with the shopper's own limits, the list with prices,
ratings and reasons, side-by-side comparisons and every fallback. It is shown at once. The model then
adds what only it can write (one sentence on why the top pick fits, an answer from a product's texts),
each held until it ends and shown only if it passes the fact check (numbers, ids, brands) and the
reply's rules (assistant/reply_rules.py: who is spoken to, products named, comparisons, features,
reviewers' voice, limits, history). A sentence that fails is repaired when the fix is certain and
dropped otherwise; an unfinished last sentence is dropped; the turn records every rule broken.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.chat import prompts
from assistant.chat.dialogue import ZH_TERMS, understand
from assistant.chat.faq import load_faq
from assistant.chat.sessions import DialogueState, SessionStore, Turn
from assistant.chat.which import which_answer
from assistant.chat.wishes import wish_line
from assistant.demo_catalog import CATEGORIES as DEMO_CATEGORIES
from assistant.fact_check import FactCheckResult, ProductFacts, check_text, repair
from assistant.language import detect_language
from assistant.llm.types import ChatMessage, GenerationParams
from assistant.reply_rules import (
    CatalogNames,
    Policy,
    ReplyContext,
    ShownProduct,
    answer_the_asked,
    check_sentence,
    distinct_texts,
    mentioned,
    policy_clauses,
    repair_sentence,
    unnamed,
)
from ranking.event_store import EventStore
from ranking.records import RankedItem, Reason
from retrieval.catalog_store import CatalogStore
from retrieval.db import Database
from retrieval.query import SearchFilters
from retrieval.records import Product

if TYPE_CHECKING:
    from assistant.llm.types import Generator as TextGenerator
    from retrieval.encoders import Encoder
    from retrieval.search import HybridSearcher

MAX_MESSAGE = 4000
# A full stop ends a sentence only before a space: "$123.99" and "4.5 out of 5" are one claim, not two.
# What the model writes per turn; the list and the rest are composed in code. Beside a list the shopper
# already reads, one sentence on the top pick is the model's whole part (and about half the turn's time);
# so is one sentence naming the pick of a which-question (a second took about 7 s more on a 2-core AVX2 CPU).
MAX_SENTENCES = 2
PICKS_SENTENCES = 1
_SENTENCE_END = re.compile(r"[。！？\n]|[.!?](?=\s)")
_FINISHED = re.compile(r"[.!?。！？…)\"'”’]\s*$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORDS = re.compile(r"[^\W\d_]")  # a letter or a CJK character
# About one token each: a word, a number, a CJK character or a mark (for telling a cut-off reply).
_TOKENISH = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")


@dataclass(frozen=True, slots=True)
class Grounding:
    """What a reply may state: the facts of the products shown, what else the prompt told the model,
    and the context the reply's rules read."""

    facts: tuple[ProductFacts, ...] = ()
    amounts: tuple[float, ...] = ()  # amounts the store's policy document states
    bounds: tuple[float, ...] = ()  # the shopper's own limits: restated as limits, never as prices
    brands: tuple[str, ...] = ()  # brands the shopper named, or the reasons name
    catalog_brands: tuple[str, ...] = ()  # any other of these named is an invented claim
    rules: ReplyContext = field(default_factory=ReplyContext)


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


@dataclass(frozen=True, slots=True)
class ChatSources:
    """What a chat turn reads and writes, and nothing more: the chat package never sees the Shop. The
    heavy parts are loaded on first call (a store answering policy questions never loads the model)."""

    catalog: CatalogStore
    events: EventStore
    db: Database  # sessions and threads
    home: Path  # the store's own FAQ
    searcher: Callable[[], HybridSearcher]
    rank: Callable[[str | None, list, int | None], list[RankedItem]]
    encoder: Callable[[], Encoder]  # for picking review passages
    generator: Callable[[], TextGenerator]


@dataclass(slots=True)
class _Plan:
    """What a turn will say: the part composed in code, and what the model is asked to add."""

    items: list[RankedItem]
    composed: str
    messages: list[ChatMessage] | None = None
    grounding: Grounding = field(default_factory=Grounding)
    fallback: str = ""  # said instead when none of the model's words may be shown
    separator: str = "\n\n"  # between the composed part and the model's words
    relaxed: bool | None = None
    sentences: int = MAX_SENTENCES  # the model is stopped once this many of its sentences are kept


def _full_stop(text: str) -> str:
    """A whole last sentence the model left unpunctuated ("没有提到"), ended as a sentence."""
    if _FINISHED.search(text):
        return text
    text = text.rstrip()
    return text + ("。" if re.search(r"[\u4e00-\u9fff]$", text) else ".")


def _closing(written: list[str], fallback: str, rules: ReplyContext, answers: bool) -> tuple[list[str], bool]:
    """What follows the model's kept sentences (`written`, appended to): the fallback when none was kept,
    then, on a question about one feature that what was shown leaves open, the answer from the texts."""
    pieces = [] if written or not fallback else [fallback]
    shown = " ".join(written) or fallback
    answer = answer_the_asked(shown, rules) if answers and shown else None
    if answer:
        pieces.append(answer if rules.language == "zh" else " " + answer)
        written.append(answer)
    return pieces, answer is not None


def _without_stray_quote(sentence: str) -> str:
    """A sentence less a quote mark that opens it and never closes (the model's `" The reviews ...`)."""
    if sentence.count('"') % 2 == 1 and sentence.lstrip().startswith('"'):
        return sentence.replace('"', "", 1)
    if "“" in sentence and "”" not in sentence and sentence.lstrip().startswith("“"):
        return sentence.replace("“", "", 1)
    return sentence


def _model_pick(written: str, shown: tuple[ShownProduct, ...]) -> str:
    """The product a model-written which-answer picked: the one shown product its kept sentences name
    ("it" next is that one), or "" when they name none or several."""
    named = {p.id for _, p in mentioned(written, shown)}
    return named.pop() if len(named) == 1 else ""


def _facts(items: list[RankedItem]) -> tuple[ProductFacts, ...]:
    return tuple(
        ProductFacts(
            i.product.id,
            i.product.title,
            i.product.brand,
            i.product.price,
            rating=i.product.rating,
            currency=i.product.currency,
        )
        for i in items
    )


class ChatEngine:
    def __init__(self, sources: ChatSources, params: GenerationParams | None = None):
        self.sources = sources
        self.sessions = SessionStore(sources.db)
        # Two short sentences fit in 80 tokens in English and Chinese; an unfinished one is dropped.
        self.params = params or GenerationParams(max_new_tokens=80)
        self.faq = load_faq(sources.home)
        self._names: tuple[int, CatalogNames] | None = None
        self._policies: tuple[tuple, dict[str, tuple[Policy, ...]]] | None = None

    # -- the turn -----------------------------------------------------------------------------------
    def ask(self, user_id: str | None, message: str, session_id: str | None = None) -> ChatReply:
        # Nobody reads the words as they come, so the model writes them in one `generate` call, which a
        # batching generator (the HTTP server's, the chat benchmark's) runs together with other turns.
        *_, reply = self.ask_stream(user_id, message, session_id, streamed=False)
        return reply

    def ask_stream(
        self,
        user_id: str | None,
        message: str,
        session_id: str | None = None,
        streamed: bool = True,
        write: bool = True,
    ) -> Iterator[str | ChatReply]:
        """The turn's text as it is checked, then the ChatReply. write=False leaves the model out: only
        the part composed in code is said (a conversation's earlier turns rebuilt, assistant/chat/threads.py)."""
        if not isinstance(message, str) or not message.strip():
            raise ValueError(
                "the message is empty: say what you are looking for, e.g. 'a gift for a runner under $50'"
            )
        started = time.perf_counter()
        truncated = len(message) > MAX_MESSAGE
        message = message.strip()[:MAX_MESSAGE]
        session_id, state = self.sessions.open(session_id, user_id)
        user = self.sources.events.get_user(user_id) if user_id else None
        default_lang = "zh" if user and user.locale.lower().startswith("zh") else "en"
        language = detect_language(message, default=state.language if state.need else default_lang)
        catalog_brands = tuple(self.sources.catalog.brands())
        shown_prices = {
            pid: p.price
            for pid, p in self.sources.catalog.get_products(state.shown).items()
            if p.price is not None
        }
        searcher = self.sources.searcher()
        turn = understand(
            message,
            state,
            list(catalog_brands),
            list(self.sources.catalog.categories()),
            shown_prices,
            guess_kind=searcher.guess_category,
            quick_guess=functools.partial(searcher.guess_category, model=False),
        )
        new_state = turn.state
        new_state.language = language
        timings: dict[str, float] = {"understand_s": time.perf_counter() - started}

        plan = self._plan(turn, user_id, message, state, new_state, language, catalog_brands, timings)
        text = plan.composed
        yield plan.composed
        timings["first_words_s"] = time.perf_counter() - started
        outcome: dict = {"outcome": "template", "claims_checked": 0, "violations": [], "rules_broken": []}
        if write and plan.messages is not None:
            pieces = self._checked(
                self._write(plan.messages, streamed, timings),
                plan.grounding,
                plan.fallback,
                timings,
                plan.sentences,
                answers=turn.intent == "product_question",
            )
            lead = plan.separator if plan.composed else ""
            for piece in pieces:
                if isinstance(piece, dict):
                    outcome = piece
                    continue
                piece, lead = lead + piece, ""
                text += piece
                yield piece
        if turn.intent == "which" and write and plan.messages is not None:
            new_state.focus = _model_pick(outcome.get("written", ""), plan.grounding.rules.shown)
        if truncated:
            outcome["message_truncated_to"] = MAX_MESSAGE
        if plan.relaxed is not None:
            outcome["constraints_relaxed"] = plan.relaxed
        timings["total_s"] = time.perf_counter() - started
        outcome["timings"] = {k: round(v, 4) for k, v in timings.items()}
        products = [i.to_dict() for i in plan.items]
        now = int(time.time())
        self.sessions.record(
            session_id,
            new_state,
            [
                Turn("user", message, turn.intent, language, [], {}, now),
                Turn("assistant", text, turn.intent, language, products, outcome, now),
            ],
        )
        yield ChatReply(text, products, session_id, language, turn.intent, outcome)

    def _plan(
        self,
        turn,
        user_id,
        message,
        state: DialogueState,
        new_state: DialogueState,
        language: str,
        catalog_brands: tuple[str, ...],
        timings: dict,
    ) -> _Plan:
        if turn.intent == "clarify":
            return _Plan([], turn.question)
        if turn.intent == "faq":
            # The store's own wording in the shopper's language where it wrote one: a model translating
            # a policy can change what it says.
            doc = self.faq[turn.topic].in_language(language)
            fallback = ("相关政策：" if language == "zh" else "") + doc.text
            # "Is there a warranty?" after a list of shoes asks about the shoes: the policy is read for them.
            shown = list(self.sources.catalog.get_products(state.shown).values())
            if answer := prompts.policy_for_kinds(
                doc, self.policies(turn.topic, doc.language), shown, language
            ):
                return _Plan([], answer)
            earlier = tuple(ShownProduct.of(p) for p in shown)
            grounding = self._grounding(
                message,
                catalog_brands,
                language,
                amounts=tuple(doc.amounts),
                said_now=message,
                earlier=earlier,
            )
            return _Plan(
                [], "", prompts.faq_prompt(message, doc.title, doc.text, language), grounding, fallback, ""
            )
        if turn.intent == "product_question":
            product = self.sources.catalog.get_product(turn.targets[0])
            passages = self._passages(product.id, message)
            items = [RankedItem(product, 1.0, (Reason("asked"),), tuple(passages))]
            grounding = self._grounding(
                message, catalog_brands, language, items, reviews=tuple(passages), said_now=message
            )
            # A review quoted to the shopper states no price, discount or brand the facts do not hold.
            quotable = [p for p in passages if self._check(p, grounding).ok]
            return _Plan(
                items,
                prompts.question_header(product, language),
                prompts.question_prompt(message, product, passages, language),
                grounding,
                prompts.question_template(product, quotable, language),
                "\n",
            )
        if turn.intent == "which":
            products = self._products(turn.targets)
            if answer := which_answer(message, products, language):
                new_state.focus = answer.picked[0] if len(answer.picked) == 1 else ""
                return _Plan([RankedItem(p, 1.0, ()) for p in products], answer.text)
            new_state.focus = ""  # until the model's words name its pick (`_model_pick`)
            items = [RankedItem(p, 1.0, (), tuple(self._passages(p.id, message, 1))) for p in products]
            grounding = self._grounding(
                message,
                catalog_brands,
                language,
                items,
                reviews=tuple(i.evidence[0] for i in items if i.evidence),
                said_now=message,
            )
            return _Plan(
                items,
                prompts.which_header(len(items), language),
                prompts.which_prompt(message, state.need, items, language),
                grounding,
                prompts.which_fallback(items, language),
                "\n",
                sentences=PICKS_SENTENCES,
            )
        if turn.intent == "compare":
            items = [RankedItem(p, 1.0, ()) for p in self._products(turn.targets)]
            return _Plan(items, prompts.compare_template(items, language))
        items, nothing_fit = self._find(user_id, new_state, timings)
        new_state.shown, new_state.focus = [i.product.id for i in items], ""
        filters = SearchFilters.from_dict(new_state.filters) if new_state.filters else SearchFilters()
        # A refinement ("cheaper") means nothing alone: the model reads it with the need it refines.
        asked = message if turn.intent == "need" or not state.need else f"{state.need}; then: {message}"
        composed = prompts.intro_template(items, filters, language, nothing_fit, said=asked)
        if not items:
            return _Plan([], composed, relaxed=nothing_fit)
        composed += "\n" + prompts.product_listing(items, language)
        wish = " ".join(t for t in new_state.extra_terms if t not in state.extra_terms)
        if turn.intent == "refine" and (line := wish_line(wish, items, language)):
            composed += "\n" + line
        grounding = self._grounding(
            asked,
            catalog_brands,
            language,
            items,
            filters,
            reasons="\n".join(i.reason for i in items),
            reviews=tuple(i.evidence[0] for i in items[: prompts.PRODUCTS_IN_PROMPT] if i.evidence),
            said_now=message,
        )
        return _Plan(
            items,
            composed,
            prompts.product_prompt(asked, items, language),
            grounding,
            relaxed=nothing_fit,
            sentences=PICKS_SENTENCES,
        )

    # -- retrieval ----------------------------------------------------------------------------------
    def _find(
        self, user_id: str | None, state: DialogueState, timings: dict, k: int = 4
    ) -> tuple[list[RankedItem], bool]:
        filters = SearchFilters.from_dict(state.filters) if state.filters else None
        query = " ".join([state.need, *state.extra_terms]).strip() or state.need
        items = self._search_and_rank(user_id, query, filters, k, timings)
        if items or filters is None:
            return items, False
        # Nothing fits every constraint: loosen step by step (brand and rating, then price), and say so
        # in the reply. The kind of product is never loosened: the one the shopper named stays a filter,
        # and the one search reads from the need is read again from the same need.
        for loose in (
            replace(filters, brands=(), min_rating=None),
            SearchFilters(categories=filters.categories, exclude_ids=filters.exclude_ids),
        ):
            items = self._search_and_rank(user_id, query, loose, k, timings)
            if items:
                break
        return items, True

    def _search_and_rank(self, user_id, query: str, filters, k: int, timings: dict) -> list[RankedItem]:
        started = time.perf_counter()
        candidates = self.sources.searcher().search(query, filters=filters, k=max(3 * k, 30))
        searched = time.perf_counter()
        items = self.sources.rank(user_id, candidates, k)
        timings["retrieval_s"] = timings.get("retrieval_s", 0.0) + searched - started
        timings["ranking_s"] = timings.get("ranking_s", 0.0) + time.perf_counter() - searched
        return items

    def _products(self, ids: tuple[str, ...]) -> list[Product]:
        """The catalog's products for these ids, in their order; one no longer in the catalog is left out."""
        found = self.sources.catalog.get_products(list(ids))
        return [found[pid] for pid in ids if pid in found]

    def _passages(self, product_id: str, question: str, n: int = 3) -> list[str]:
        # Two shoppers may write the same words, or nearly (case, punctuation, a word): one quote is enough.
        reviews = distinct_texts(
            r.text for r in self.sources.catalog.reviews_for(product_id, limit=50) if r.text
        )
        if not reviews:
            return []
        vectors = self.sources.encoder().encode([question, *reviews])
        order = np.argsort(-(vectors[1:] @ vectors[0]))
        return [reviews[i] for i in order[:n]]

    # -- writing and checking -----------------------------------------------------------------------
    def catalog_names(self) -> CatalogNames:
        """The catalog's product names, to catch a reply naming one not shown; rebuilt when the catalog grows."""
        count = self.sources.catalog.count_products()
        if self._names is None or self._names[0] != count:
            self._names = (count, CatalogNames((p.id, p.title) for p in self.sources.catalog.iter_products()))
        return self._names[1]

    def policies(self, topic: str | None = None, language: str | None = None) -> tuple[Policy, ...]:
        """The store's policy texts in clauses, each with the categories it names (`topic`: that policy's
        alone, in `language`'s version of it; else every version of every policy, since a reply in either
        language is checked); rebuilt when the catalog's categories change (a policy for "coffee makers"
        covers a kind only once it is sold)."""
        categories = tuple(self.sources.catalog.categories())
        if self._policies is None or self._policies[0] != categories:
            # The packaged policies speak of the demo store's kinds ("electronics and coffee makers carry a
            # 2-year warranty"): in a store that sells none of them that clause still covers those alone.
            kinds = [*categories, *(spec.path for spec in DEMO_CATEGORIES)]
            self._policies = (
                categories,
                {
                    (topic, version.language): policy_clauses([version.text], kinds, ZH_TERMS)
                    for topic, doc in self.faq.items()
                    for version in doc.versions
                },
            )
        by_version = self._policies[1]
        if topic is not None:
            if (doc := self.faq.get(topic)) is None:
                return ()
            return by_version.get((topic, doc.in_language(language or doc.language).language), ())
        return tuple(clause for clauses in by_version.values() for clause in clauses)

    def _grounding(
        self,
        message: str,
        catalog_brands: tuple[str, ...],
        language: str,
        items: list[RankedItem] = (),
        filters: SearchFilters | None = None,
        amounts: tuple[float, ...] = (),
        reasons: str = "",
        reviews: tuple[str, ...] = (),
        said_now: str = "",
        earlier: tuple[ShownProduct, ...] = (),
    ) -> Grounding:
        """The facts, plus what the shopper said: restating their own budget ("under $150") or a brand they
        named or the ranker's reasons name is no invented claim."""
        limits = [float(n.replace(",", "")) for n in _NUMBER.findall(message)]
        if filters is not None:
            limits += [x for x in (filters.min_price, filters.max_price, filters.min_rating) if x is not None]
        told = f"{message}\n{reasons}"
        brands = tuple(
            b for b in catalog_brands if b and re.search(rf"(?<!\w){re.escape(b)}(?!\w)", told, re.I)
        )
        shown = tuple(ShownProduct.of(i.product, i.evidence[:1]) for i in items)
        rules = ReplyContext(
            shown,
            language,
            message,
            tuple(limits),
            reviews,
            self.catalog_names(),
            prompts.EXAMPLE_NAMES,
            prompts.EXAMPLE_ANSWERS,
            self.policies(),
            said_now,
            earlier,
        )
        return Grounding(_facts(list(items)), amounts, tuple(limits), brands, catalog_brands, rules)

    @staticmethod
    def _check(text: str, grounding: Grounding) -> FactCheckResult:
        return check_text(
            text,
            grounding.facts,
            grounding.catalog_brands,
            grounding.amounts,
            grounding.bounds,
            grounding.brands,
        )

    def _write(
        self, messages: list[ChatMessage], streamed: bool, timings: dict
    ) -> Generator[str, None, None]:
        """The model's words: token by token, or whole from one (batchable) `generate` call; the time spent
        waiting on the model is added to `timings['generation_s']`."""
        started = time.perf_counter()
        spent = 0.0
        if streamed:
            chunks = self.sources.generator().stream(messages, self.params)
            try:
                while True:
                    t = time.perf_counter()
                    try:
                        chunk = next(chunks)
                    except StopIteration:
                        spent += time.perf_counter() - t
                        break
                    spent += time.perf_counter() - t
                    timings.setdefault("first_model_words_s", time.perf_counter() - started)
                    timings["generation_s"] = spent
                    yield chunk
            finally:
                chunks.close()  # a reader that has enough stops the model at once
        else:
            text = self.sources.generator().generate([messages], self.params)[0]
            spent = time.perf_counter() - started
            yield text
        timings["generation_s"] = spent

    def settle(self, sentence: str, grounding: Grounding) -> tuple[str | None, dict]:
        """One finished sentence -> (what the shopper may read, or None), and what was found in it."""
        found: dict = {"claims": 0, "violations": [], "rules": [], "repaired": False}
        result = self._check(sentence, grounding)
        found["claims"] = result.checked
        if not result.ok:
            found["violations"] += [str(v) for v in result.violations]
            fixed = repair(sentence, result, grounding.facts)
            if fixed is None:
                found["rules"].append("fact")
                return None, found
            sentence, found["repaired"] = fixed, True
        breaks = check_sentence(sentence, grounding.rules)
        if breaks:
            found["violations"] += [str(b) for b in breaks]
            found["rules"] += sorted({b.rule for b in breaks})
            # An echoed clause is cut, a vague "not mentioned" names its product and thing; the mended
            # sentence must pass every check again, or nothing of it is shown.
            mended = repair_sentence(sentence, breaks, grounding.rules)
            if (
                mended is None
                or check_sentence(mended, grounding.rules)
                or not self._check(mended, grounding).ok
            ):
                return None, found
            lead = sentence[: len(sentence) - len(sentence.lstrip())]  # the space that joins it to the last
            sentence, found["repaired"] = lead + mended.lstrip(), True
        return sentence, found

    def _checked(
        self,
        chunks: Generator[str, None, None],
        grounding: Grounding,
        fallback: str,
        timings: dict,
        sentences: int = MAX_SENTENCES,
        answers: bool = False,
    ) -> Iterator[str | dict]:
        """Yield each of the model's sentences once it has ended and passed; then the outcome. `answers`:
        the turn asks about a shown product, so a feature it asks about must be answered."""
        started_checks = 0.0
        kept, dropped = 0, 0
        violations: list[str] = []
        rules: list[str] = []
        checked = 0
        repaired = False
        held = ""
        written: list[str] = []

        def judge(sentence: str) -> str | None:
            nonlocal started_checks, checked, repaired, kept, dropped
            t = time.perf_counter()
            good, found = self.settle(_without_stray_quote(sentence), grounding)
            if good is not None and (vague := unnamed(good, written, grounding.rules.shown)):
                good = None
                found["violations"].append(str(vague))
                found["rules"].append(vague.rule)
            started_checks += time.perf_counter() - t
            checked += found["claims"]
            violations.extend(found["violations"])
            rules.extend(found["rules"])
            repaired |= found["repaired"]
            if good is None:
                dropped += 1
            else:
                kept += 1
                written.append(good.strip())
            return good

        raw = ""
        for chunk in chunks:
            raw += chunk
            held += chunk
            while kept < sentences and (m := _SENTENCE_END.search(held)) is not None:
                sentence, held = held[: m.end()], held[m.end() :]
                # A "sentence" of marks or numbers alone (a stray quote, the "1." of a list the model began)
                # says nothing: it is not shown.
                if _WORDS.search(sentence) and (good := judge(sentence)) is not None:
                    yield good if kept > 1 else good.lstrip()
            if kept >= sentences:
                # These sentences are the whole of the model's part: stop it rather than wait for more.
                chunks.close()
                held = ""
                break
        if _WORDS.search(held):
            # An unpunctuated end is a cut only when the model ran into its token limit ("没有提到" is whole).
            if _FINISHED.search(held) or len(_TOKENISH.findall(raw)) < 0.8 * self.params.max_new_tokens:
                if (good := judge(_full_stop(held))) is not None:
                    yield (good if kept > 1 else good.lstrip()).rstrip()
            else:  # the token limit cut it: a half sentence is never shown
                violations.append(f"cut_off: the model stopped mid-sentence ({held.strip()[-40:]!r})")
                rules.append("cut_off")
                dropped += 1
        outcome = "passed" if not dropped and not repaired else "repaired" if not dropped else "trimmed"
        if not kept:
            outcome = "replaced" if fallback else "composed"
        closing, answered = _closing(written, fallback, grounding.rules, answers)
        yield from closing
        timings["check_s"] = started_checks
        yield {
            "outcome": outcome,
            "claims_checked": checked,
            "violations": violations,
            "rules_broken": sorted(set(rules)),
            "sentences_kept": kept,
            "sentences_dropped": dropped,
            "written": " ".join(written),
            "answered_in_code": answered,
        }
