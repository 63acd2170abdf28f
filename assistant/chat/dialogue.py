"""Understanding a shopper's turn in code: intent, references to shown products, and constraints that
carry across turns. Prices, brands and ordinals are more reliable in code than in a small model.

With the search's category step (`guess_kind`), a new need whose two likeliest kinds of product are
close is not guessed: the turn asks back ("clarify"), and the next turn's answer settles the kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from assistant.chat.faq import faq_topic
from assistant.chat.sessions import DialogueState
from assistant.language import ORDINALS
from assistant.reply_rules import FEATURES
from retrieval.categories import CategoryGuess, names_a_kind
from retrieval.language import detect_language
from retrieval.lexical import tokenize
from retrieval.query import ParsedQuery, SearchFilters, parse_query

COLORS = {
    "black": "black",
    "white": "white",
    "blue": "blue",
    "red": "red",
    "green": "green",
    "grey": "grey",
    "gray": "grey",
    "navy": "navy",
    "orange": "orange",
    "pink": "pink",
    "olive": "olive",
    "brown": "brown",
    "purple": "purple",
    "silver": "silver",
    "黑": "black",
    "白": "white",
    "蓝": "blue",
    "红": "red",
    "绿": "green",
    "灰": "grey",
    "粉": "pink",
}
_CHEAPER = re.compile(
    r"\b(cheaper|less expensive|lower price|more affordable|budget)\b|便宜|(?:别|不要)太贵", re.I
)
_PRICIER = re.compile(r"\b(more expensive|premium|higher end|fancier)\b|贵一点|高端", re.I)
# 比较 compares only as a verb ("比较一下", "比较这两款"); before an adjective it is "rather" ("我脚比较宽").
_COMPARE = re.compile(
    r"\b(compare|comparison|versus|vs\.?|difference between|which is better)\b|"
    r"比较(?=一下|下|这|那|第|[两二三]|它们|$|[？?。！!])|对比|哪个好",
    re.I,
)
_REJECT = re.compile(
    r"\b(not (?:that|this|the \w+) one|don'?t like (?:that|this|it|the \w+ one)|something else|"
    r"not (?:the )?(?:first|second|third|last))\b|不要(?:这个|那个|第.个)|换一个",
    re.I,
)
# "One without fragrance please", "ones with more cushioning?", "any with a laptop sleeve": the need shown,
# with one more wish; read alone, "without fragrance" would be a need of its own, its kind guessed afresh.
_ONE_MORE = re.compile(
    r"^\s*(?:(?:and|but|ok(?:ay)?|maybe|so|what about|how about|do you have|is there|are there|got)\s+)*"
    r"(?:(?:an?|the same)\s+)?(?:ones?\b|any(?=\s+(?:with|without|that|in)\b))(?P<wish>[^?？.!]*)",
    re.I,
)
# The same in Chinese, where "的" makes the wish a noun: "有没有不含香精的" (is there one without fragrance),
# "要轻一点的吗" (a lighter one?). A message with a kind after the 的 ("有没有防水的跑鞋") is a need as before.
_ONE_MORE_ZH = re.compile(
    r"^\s*(?:那|那么|还)?(?:有没有|有无|要|来|换)一?[个款双件些]?(?P<wish>[^？?。！!，,]+?)的(?:吗|呢|吧)?\s*[？?。！!]?\s*$"
)
# What the shopper tells of themselves while products are shown ("I have wide feet", "my runs are mostly on
# trails", "我是扁平足") asks for those of the kind shown that suit it: read as a new need, it searched the
# whole catalog for "wide feet" and dropped the limits given. A statement that asks for something (a need
# cue) or names a kind is a need as before.
_SITUATION = re.compile(
    r"^\s*(?:(?:but|and|well|also|oh|ok(?:ay)?)\s*,?\s+)*(?P<wish>(?:i|i'm|i've|my|we|we're|our)\b[^?？]+?)[.!]?\s*$",
    re.I,
)
_SITUATION_ZH = re.compile(
    r"^\s*(?:但是?|不过|而且)?(?P<wish>我(?!们的店|想|要|需要|找)[^？?。！!吗]{1,24})[。！!]?\s*$"
)
# And without a 的, led by what the shopper wants or does not want: "不要有香味" (none with a scent), "最好轻一点"
# (lighter, ideally). A negation stays in the wish; "要" and its like do not.
_WISH_ZH = re.compile(
    r"^\s*(?:那|那么|还是?)?我?(?:最好|希望|想要|需要|要|(?=不要|不想要|别|不含|不带|没有))"
    r"(?P<wish>[^？?。！!，,的]{1,12}?)(?:吧|呢|吗)?\s*[？?。！!]?\s*$"
)
_FILLER = re.compile(r"^\s*but\b|\b(?:please|instead|too|then|as well)\b", re.I)
# A wish this surely about another kind than the one shown ("one for my dry face" after backpacks) is
# asked back about: "one" says the kind shown, the words another.
WISH_ELSEWHERE = 0.9
_QUESTION = re.compile(
    r"\?|？|\b(is it|are they|does it|do they|do people|how (?:is|are|does)|will it|can it|"
    r"what do (?:people|reviews|reviewers))\b|吗|怎么样|如何|多少|什么|哪",
    re.I,
)
# Chinese shopping words for the kinds of products, so a Chinese request finds an English catalog's
# categories (a Chinese catalog would use the multilingual encoder instead).
ZH_TERMS = {
    "跑鞋": "running shoes",
    "跑步鞋": "running shoes",
    "登山鞋": "hiking boots",
    "徒步鞋": "hiking boots",
    "耳机": "headphones",
    "电子产品": "electronics",
    "咖啡机": "coffee makers",
    "背包": "backpacks",
    "双肩包": "backpacks",
    "瑜伽": "yoga",
    "刀": "kitchen knives",
    "智能手表": "smartwatches",
    "手表": "smartwatches",
    "雨衣": "rain jackets",
    "冲锋衣": "rain jackets",
    "护肤": "skincare",
    "面霜": "skincare",
    "防水": "waterproof",
    "轻": "lightweight",
    "安静": "quiet",
    "礼物": "gift",
}
# "it", "them", "this one" after a list: the shopper asks about what was shown, not for something new.
_PRONOUN = re.compile(
    r"\b(it|its|it's|they|them|their|this one|that one|these|those)\b|它|它们|这个|那个|这款|那款|这双|那双",
    re.I,
)
# "Are they waterproof?" right after a list asks about all of it; after an answer about one product, "do
# they run small?" is about that pair of shoes (the focus).
_THEY = re.compile(r"\b(they|them|their|these|those)\b|它们|这些|这几", re.I)
_FORMER = re.compile(r"\b(former|first one|the first)\b|前者|第一个|前一个", re.I)
_LATTER = re.compile(r"\b(latter|second one|the second|the other)\b|后者|第二个|后一个", re.I)
# Ask back when the second kind is at least this likely next to the first. A ratio of probabilities is a
# gap between the kinds' scores scaled by the category step's temperature: 0.68 at 0.08 is the gap that
# 0.6 was at 0.06 (0.6 ** (0.06 / 0.08)), so tuning the temperature did not change when the chat asks.
CLARIFY_RATIO = 0.68
# A question that picks among the products shown: "which one is lightest?", "which ones are waterproof?".
_WHICH = re.compile(
    r"\bwhich\b(?!\s+(?:kinds?|types?|categor(?:y|ies)|brands?)\b)|\b(?:any|all|none|each) of (?:these|them|those)\b|"
    r"哪(?:一?[个款双件台把])|(?:这几|这些).{0,4}(?:都|有没有)",
    re.I,
)
# Words of a new need. Without them a question while products are shown is about those products ("what's
# the battery life like?", "how big is the bottle?"), though it names no "it": read as a need, it searched
# the catalog for "battery life".
_NEED_CUE = re.compile(
    r"\b(?:need|want|looking for|recommend|suggest|something|anything|gifts?|present|show me|find me|"
    r"do you (?:have|sell|carry)|is there|are there|got any|what about|how about)\b|"
    r"\bfor (?:my|a|an|his|her|our|their|me|someone)\b|\b(?:a|an) (?:good|nice|great|decent|cheap|new)\b|"
    r"想要|想买|需要|推荐|送给?|礼物|有没有|有什么",
    re.I,
)
# "Tell me more about the third": a question about a product named by its place, though it asks nothing.
_TELL = re.compile(r"\b(?:tell me|more) about\b|\bdetails\b|介绍|说说|讲讲|详细", re.I)
_FIRST_TWO = re.compile(r"\b(?:first|top|these|those) two\b|\bboth\b|前两", re.I)
_ONLY = re.compile(r"\b(only|just)\b|只要|只看", re.I)


@dataclass(frozen=True, slots=True)
class Understanding:
    intent: str  # need | refine | compare | which | product_question | faq | clarify
    targets: tuple[str, ...]  # product ids the turn refers to
    state: DialogueState
    topic: str | None = None  # the FAQ topic, for faq turns
    question: str | None = None  # what to ask back, for clarify turns


def kind_name(category: str, language: str) -> str:
    """A kind of product as a shopper would say it ("rain jackets", "雨衣")."""
    if language == "zh":
        return _ZH_NAMES.get(category.lower(), category)
    return category.lower() if category.isascii() else category


_ZH_NAMES = {english: chinese for chinese, english in reversed(ZH_TERMS.items())}


def clarify_question(kinds: tuple[str, str], language: str) -> str:
    a, b = (kind_name(k, language) for k in kinds)
    return f"您要找的是{a}，还是{b}？" if language == "zh" else f"Are you looking for {a}, or {b}?"


def open_question(language: str) -> str:
    """Asked when the shopper turns down both kinds a question offered."""
    if language == "zh":
        return "好的，两种都不是。您想找哪一类商品？用几个字告诉我就行。"
    return "Neither, then. What kind of product are you after? A few words are enough."


def _chosen_kind(
    message: str, pending: list[str], guess_kind: Callable[[str], CategoryGuess] | None
) -> str | None:
    """Which of the offered kinds an answer picks: by position, by name, or by what it describes."""
    if len(pending) >= 2:
        if _FORMER.search(message) and not _LATTER.search(message):
            return pending[0]
        if _LATTER.search(message) and not _FORMER.search(message):
            return pending[1]
    english = " ".join(term for word, term in ZH_TERMS.items() if word in message)
    words = set(tokenize(f"{message} {english}"))
    named = [k for k in pending if words & set(tokenize(k))]
    if len(named) == 1:
        return named[0]
    if guess_kind is not None and len(pending) >= 2:
        guess = guess_kind(message).restricted(pending)
        if guess.names and guess.close_pair(CLARIFY_RATIO) is None:
            return guess.top
    return None


# "last" is a place only as "the last (one)", "that last one" or "the first and last": "how long does the
# battery last?" asks a time.
_LAST_PLACE = re.compile(
    r"\b(?:the|that|this|your)\s+$|\b(?:first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)\s+"
    r"(?:and|or|vs\.?|versus|&)\s+$"
)


def _ordinal_targets(message: str, shown: list[str]) -> list[str]:
    lowered = message.lower()
    found = []
    for word, position in ORDINALS.items():
        pattern = re.escape(word) if not word.isascii() else rf"\b{re.escape(word)}\b"
        for m in re.finditer(pattern, lowered):
            if word == "last" and not _LAST_PLACE.search(lowered[: m.start()]):
                continue
            found.append((m.start(), position))
    targets = []
    for _, position in sorted(found):
        if shown and -len(shown) <= position < len(shown) and shown[position] not in targets:
            targets.append(shown[position])
    return targets


def _one_more(message: str, state: DialogueState, turn: Understanding) -> Understanding | None:
    """The need shown refined by one more wish ("one without fragrance"), or None when the message is no
    such wish, nothing was shown, or it names a kind ("one pair of rain jackets").

    "One" points back at the kind shown, so the wish is never read for a kind of its own: alone, the
    category step reads "with plush cushioning" as yoga gear and "in a bigger size" as backpacks."""
    match = _ONE_MORE.match(message) or _ONE_MORE_ZH.match(message)
    if match is None and not (
        _CHEAPER.search(message) or _PRICIER.search(message) or _REJECT.search(message)
    ):
        match = _WISH_ZH.match(message)
    if match is None and not (
        _NEED_CUE.search(message) or _PRONOUN.search(message) or _ordinal_targets(message, state.shown)
    ):  # "I like the first one" tells nothing of the shopper
        match = _SITUATION.match(message) or _SITUATION_ZH.match(message)
    wish = " ".join(_FILLER.sub(" ", match["wish"]).split()) if match else ""
    names_a_kind_itself = turn.intent == "need" and turn.state.filters.get("categories")
    if not wish or not state.need or not state.shown or names_a_kind_itself:
        return None
    before = SearchFilters.from_dict(state.filters) if state.filters else SearchFilters()
    filters = before.merged(SearchFilters.from_dict(turn.state.filters))
    extra = list(dict.fromkeys([*state.extra_terms, *turn.state.extra_terms, wish]))
    return Understanding(
        "refine", (), DialogueState(state.need, filters.to_dict(), extra, state.shown, state.language)
    )


def _wish_elsewhere(
    wish: str,
    state: DialogueState,
    guess_kind: Callable[[str], CategoryGuess],
    quick_guess: Callable[[str], CategoryGuess],
) -> tuple[str, str] | None:
    """(the kind shown, the kind the wish alone asks for) when the wish of "one ..." is surely about
    another kind ("one for my dry face" after backpacks, "one for the rain" after running shoes), else
    None. Most wishes read alone are no kind at all ("with plush cushioning" reads as yoga gear at 0.47):
    only a sure guess asks back, and never for a feature the store lists ("有没有防水的" after running
    shoes reads as rain jackets, yet asks for waterproof shoes)."""
    if any(pattern.search(wish) for pattern in FEATURES.values()):
        return None
    shown = (state.filters or {}).get("categories") or [guess_kind(state.need).top]
    own = quick_guess(wish)
    if not own.probs or own.probs[0] < WISH_ELSEWHERE or not shown[0] or own.top in shown:
        return None
    pair = (shown[0], own.top)
    return pair if all(names_a_kind(k) for k in pair) else None


def understand(
    message: str,
    state: DialogueState,
    brands: list[str],
    categories: list,
    prices: dict[str, float],
    guess_kind: Callable[[str], CategoryGuess] | None = None,
    quick_guess: Callable[[str], CategoryGuess] | None = None,
) -> Understanding:
    """`prices`: the catalog prices of the products shown last (for "cheaper"); `guess_kind`: the search's
    category step (`HybridSearcher.guess_category`), to ask back when a new need fits two kinds;
    `quick_guess`: the same without the model (default: `guess_kind`), for a wish that only a sure guess
    of another kind asks back about: it need not wait for a model's rewrite."""
    if state.pending:
        chosen = _chosen_kind(message, state.pending, guess_kind)
        if chosen is not None:
            filters = SearchFilters.from_dict(state.filters) if state.filters else SearchFilters()
            return Understanding(
                "need",
                (),
                DialogueState(
                    state.need,
                    replace(filters, categories=(chosen,)).to_dict(),
                    state.extra_terms,
                    [],
                    state.language,
                ),
            )
        if _REJECT.search(message):  # "not that one" to "rain jackets, or skincare?": neither kind
            language = detect_language(message, state.language)
            return Understanding("clarify", (), replace(state, pending=[]), question=open_question(language))
        state = replace(state, pending=[])
    turn = _understand(message, state, brands, categories, prices)
    # A short Chinese wish ("有没有不含香精的") reads as a refinement that understood nothing of it.
    unheard = (
        turn.intent == "refine"
        and turn.state.extra_terms == state.extra_terms
        and SearchFilters.from_dict(turn.state.filters) == SearchFilters.from_dict(state.filters or {})
    )
    if (turn.intent == "need" or unheard) and (more := _one_more(message, state, turn)) is not None:
        wish = more.state.extra_terms[-1]
        if (
            guess_kind is None
            or (pair := _wish_elsewhere(wish, state, guess_kind, quick_guess or guess_kind)) is None
        ):
            return more
        # The answer searches the wish alone within the kind chosen: the need shown names its own kind
        # ("a backpack for my commute"), and its words would pull that kind back into a skincare search.
        asked = replace(more.state, need=wish, extra_terms=[], pending=list(pair), shown=[])
        language = detect_language(message, state.language)
        return Understanding("clarify", (), asked, question=clarify_question(pair, language))
    if (
        turn.intent == "product_question"
        and guess_kind is not None
        and not (_PRONOUN.search(message) or _ordinal_targets(message, state.shown))
        and _wish_elsewhere(message, state, guess_kind, quick_guess or guess_kind)
    ):
        # Named no product shown, and surely about another kind ("what's good for dry skin?" after
        # running shoes): a new need.
        turn = _new_need(message, parse_query(message, brands, categories), state, SearchFilters(), [])
    filters = turn.state.filters
    # A named brand settles the kind well enough: asking between kinds it may not sell would only confuse.
    if turn.intent != "need" or guess_kind is None or filters.get("categories") or filters.get("brands"):
        return turn
    pair = guess_kind(turn.state.need).close_pair(CLARIFY_RATIO)
    if pair is None or not all(names_a_kind(k) for k in pair):
        return turn
    language = detect_language(message, state.language)
    return Understanding(
        "clarify",
        (),
        replace(turn.state, pending=list(pair), shown=[]),
        question=clarify_question(pair, language),
    )


def _shown_refinement(
    message: str, state: DialogueState, filters: SearchFilters, targets: list[str], prices: dict[str, float]
) -> tuple[SearchFilters, bool]:
    """What the message says of the products on screen: "not that one", "cheaper", "pricier"."""
    refined = False
    if _REJECT.search(message) and state.shown:
        rejected = targets[:1] or state.shown[:1]
        filters = replace(filters, exclude_ids=tuple(dict.fromkeys((*filters.exclude_ids, *rejected))))
        refined = True
    if _CHEAPER.search(message) and prices:
        # "Cheaper" than what was shown: below the middle of those prices, so there is room to find some.
        filters = replace(
            filters, max_price=round(float(np.median(list(prices.values()))) - 0.01, 2), min_price=None
        )
        refined = True
    elif _PRICIER.search(message) and prices:
        filters = replace(filters, min_price=round(max(prices.values()) + 0.01, 2), max_price=None)
        refined = True
    return filters, refined


def _spoken_refinement(filters: SearchFilters, new: SearchFilters) -> tuple[SearchFilters, bool]:
    """The limits the message itself names (brands, brands to leave out, price, rating) over the
    conversation's: "only Adidas" narrows to that brand, "not Nike" drops it from the brands."""
    refined = False
    if new.brands:
        filters = replace(
            filters,
            brands=new.brands,
            exclude_brands=tuple(b for b in filters.exclude_brands if b not in new.brands),
        )
        refined = True
    if new.exclude_brands:
        filters = replace(
            filters,
            exclude_brands=tuple(dict.fromkeys((*filters.exclude_brands, *new.exclude_brands))),
            brands=tuple(b for b in filters.brands if b not in new.exclude_brands),
        )
        refined = True
    if new.min_price is not None or new.max_price is not None:
        filters = replace(filters, min_price=new.min_price, max_price=new.max_price)
        refined = True
    if new.min_rating is not None:
        filters = replace(filters, min_rating=new.min_rating)
        refined = True
    return filters, refined


def _new_need(
    message: str, parsed: ParsedQuery, state: DialogueState, filters: SearchFilters, colors: list[str]
) -> Understanding:
    return Understanding(
        "need",
        (),
        DialogueState(
            need=parsed.text or message,
            filters=filters.to_dict(),
            extra_terms=colors,
            language=state.language,
        ),
    )


def _need_or_refinement(
    message: str,
    parsed: ParsedQuery,
    state: DialogueState,
    filters: SearchFilters,
    refined: bool,
    colors: list[str],
    has_need: bool,
) -> Understanding:
    """A need that starts over, the first need of the conversation, or the current one refined."""
    new = parsed.filters
    if (
        has_need
        and state.need
        and not (_ONLY.search(message) or _CHEAPER.search(message))
        and (new.categories or not refined)
    ):
        # A new need starts over: earlier constraints belonged to the old one.
        fresh = SearchFilters(
            categories=new.categories,
            brands=new.brands,
            exclude_brands=new.exclude_brands,
            min_price=new.min_price,
            max_price=new.max_price,
            min_rating=new.min_rating,
        )
        return _new_need(message, parsed, state, fresh, colors)
    if not state.need:
        return _new_need(message, parsed, state, filters.merged(new), colors)
    if new.categories:
        filters = replace(filters, categories=new.categories)
    extra = list(dict.fromkeys([*state.extra_terms, *colors]))
    return Understanding(
        "refine", (), DialogueState(state.need, filters.to_dict(), extra, state.shown, state.language)
    )


def _understand(
    message: str,
    state: DialogueState,
    brands: list[str],
    categories: list,
    prices: dict[str, float],
) -> Understanding:
    lowered = message.lower()
    targets = _ordinal_targets(message, state.shown)
    topic = faq_topic(message)
    english = " ".join(term for word, term in ZH_TERMS.items() if word in message)
    parsed = parse_query(f"{message} {english}".strip(), brands, categories)
    colors = [c for word, c in COLORS.items() if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered)]
    has_need = (
        bool(parsed.filters.categories)
        or len(parsed.text.split()) >= 3
        and not targets
        or bool(english)
        and not targets
    )

    if topic and not parsed.filters.categories and not targets:
        return Understanding("faq", (), state, topic)
    if _COMPARE.search(message) and state.shown:
        if _FIRST_TWO.search(message) or len(targets) < 2:
            # "compare the first two", "compare them", or one named: fill from what was shown, in order.
            targets = list(dict.fromkeys([*targets, *state.shown]))
        return Understanding("compare", tuple(targets[:2]), state)
    named_kind = bool(parsed.filters.categories)
    among = targets if len(targets) >= 2 else [] if targets else state.shown
    if _WHICH.search(message) and _QUESTION.search(message) and len(among) >= 2 and not named_kind:
        return Understanding("which", tuple(among), state)

    filters = SearchFilters.from_dict(state.filters) if state.filters else SearchFilters()
    filters, about_shown_products = _shown_refinement(message, state, filters, targets, prices)
    filters, spoken = _spoken_refinement(filters, parsed.filters)
    refined = about_shown_products or spoken or bool(colors)

    # "Ones that are wider?" asks for more of the kind shown (a refinement, `_one_more`), not about them.
    wants = _NEED_CUE.search(message) or _ONE_MORE.match(message) or _ONE_MORE_ZH.match(message)
    about_shown = bool(_PRONOUN.search(message)) or not wants
    asks = _QUESTION.search(message) or (targets and _TELL.search(message))
    if asks and (targets or state.shown) and (about_shown or not has_need) and not refined and not named_kind:
        focus = state.focus if state.focus in state.shown else ""
        if not targets and not focus and len(state.shown) >= 2 and _THEY.search(message):
            return Understanding("which", tuple(state.shown), state)
        about = targets[0] if targets else focus or state.shown[0]
        return Understanding("product_question", (about,), replace(state, focus=about))
    return _need_or_refinement(message, parsed, state, filters, refined, colors, has_need)
