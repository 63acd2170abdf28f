"""Understanding a shopper's turn in code: intent, references to shown products, and constraints that
carry across turns. Prices, brands and ordinals are more reliable in code than in a small model."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from assistant.chat.faq import faq_topic
from assistant.chat.sessions import DialogueState
from retrieval.query import SearchFilters, parse_query

ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "last": -1,
            "第一": 0, "第二": 1, "第三": 2, "第四": 3, "最后": -1}
COLORS = {"black": "black", "white": "white", "blue": "blue", "red": "red", "green": "green", "grey": "grey",
          "gray": "grey", "navy": "navy", "orange": "orange", "pink": "pink", "olive": "olive", "brown": "brown",
          "purple": "purple", "silver": "silver", "黑": "black", "白": "white", "蓝": "blue", "红": "red",
          "绿": "green", "灰": "grey", "粉": "pink"}
_CHEAPER = re.compile(r"\b(cheaper|less expensive|lower price|more affordable|budget)\b|便宜", re.I)
_PRICIER = re.compile(r"\b(more expensive|premium|higher end|fancier)\b|贵一点|高端", re.I)
_COMPARE = re.compile(r"\b(compare|comparison|versus|vs\.?|difference between|which is better)\b|比较|对比|哪个好", re.I)
_REJECT = re.compile(r"\b(not (?:that|this|the \w+) one|don'?t like (?:that|this|it|the \w+ one)|something else|"
                     r"not (?:the )?(?:first|second|third|last))\b|不要(?:这个|那个|第.个)|换一个", re.I)
_QUESTION = re.compile(r"\?|？|\b(is it|are they|does it|do they|do people|how (?:is|are|does)|will it|can it|"
                       r"what do (?:people|reviews|reviewers))\b|吗|怎么样|如何", re.I)
# Chinese shopping words for the kinds of products, so a Chinese request finds an English catalog's
# categories (a Chinese catalog would use the multilingual encoder instead).
ZH_TERMS = {"跑鞋": "running shoes", "跑步鞋": "running shoes", "登山鞋": "hiking boots", "徒步鞋": "hiking boots",
            "耳机": "headphones", "咖啡机": "coffee makers", "背包": "backpacks", "双肩包": "backpacks",
            "瑜伽": "yoga", "刀": "kitchen knives", "智能手表": "smartwatches", "手表": "smartwatches",
            "雨衣": "rain jackets", "冲锋衣": "rain jackets", "护肤": "skincare", "面霜": "skincare",
            "防水": "waterproof", "轻": "lightweight", "安静": "quiet", "礼物": "gift"}
_FIRST_TWO = re.compile(r"\b(?:first|top|these|those) two\b|\bboth\b|前两", re.I)
_ONLY = re.compile(r"\b(only|just)\b|只要|只看", re.I)


@dataclass(frozen=True, slots=True)
class Understanding:
    intent: str                 # need | refine | compare | product_question | faq
    targets: tuple[str, ...]    # product ids the turn refers to
    state: DialogueState
    topic: str | None = None    # the FAQ topic, for faq turns


def _ordinal_targets(message: str, shown: list[str]) -> list[str]:
    lowered = message.lower()
    found = []
    for word, position in ORDINALS.items():
        for m in re.finditer(re.escape(word), lowered):
            found.append((m.start(), position))
    targets = []
    for _, position in sorted(found):
        if shown and -len(shown) <= position < len(shown) and shown[position] not in targets:
            targets.append(shown[position])
    return targets


def understand(message: str, state: DialogueState, brands: list[str], categories: list, prices: dict[str, float]
               ) -> Understanding:
    """`prices`: the catalog prices of the products shown last (for "cheaper")."""
    lowered = message.lower()
    targets = _ordinal_targets(message, state.shown)
    topic = faq_topic(message)
    english = " ".join(term for word, term in ZH_TERMS.items() if word in message)
    parsed = parse_query(f"{message} {english}".strip(), brands, categories)
    colors = [c for word, c in COLORS.items() if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered)]
    has_need = bool(parsed.filters.categories) or len(parsed.text.split()) >= 3 and not targets or \
        bool(english) and not targets

    if topic and not parsed.filters.categories and not targets:
        return Understanding("faq", (), state, topic)
    if _COMPARE.search(message) and state.shown:
        if _FIRST_TWO.search(message) or len(targets) < 2:
            # "compare the first two", "compare them", or one named: fill from what was shown, in order.
            targets = list(dict.fromkeys([*targets, *state.shown]))
        return Understanding("compare", tuple(targets[:2]), state)

    filters = SearchFilters.from_dict(state.filters) if state.filters else SearchFilters()
    refined = False
    if _REJECT.search(message) and state.shown:
        rejected = targets[:1] or state.shown[:1]
        filters = replace(filters, exclude_ids=tuple(dict.fromkeys((*filters.exclude_ids, *rejected))))
        refined = True
    if _CHEAPER.search(message) and prices:
        # "Cheaper" than what was shown: below the middle of those prices, so there is room to find some.
        filters = replace(filters, max_price=round(float(np.median(list(prices.values()))) - 0.01, 2), min_price=None)
        refined = True
    elif _PRICIER.search(message) and prices:
        filters = replace(filters, min_price=round(max(prices.values()) + 0.01, 2), max_price=None)
        refined = True
    new = parsed.filters
    if new.brands:
        # "only Adidas" narrows to that brand; a brand named in a new need also does.
        filters = replace(filters, brands=new.brands, exclude_brands=tuple(b for b in filters.exclude_brands
                                                                           if b not in new.brands))
        refined = True
    if new.exclude_brands:
        filters = replace(filters, exclude_brands=tuple(dict.fromkeys((*filters.exclude_brands, *new.exclude_brands))),
                          brands=tuple(b for b in filters.brands if b not in new.exclude_brands))
        refined = True
    if new.min_price is not None or new.max_price is not None:
        filters = replace(filters, min_price=new.min_price, max_price=new.max_price)
        refined = True
    if new.min_rating is not None:
        filters = replace(filters, min_rating=new.min_rating)
        refined = True
    if colors:
        refined = True

    if _QUESTION.search(message) and (targets or state.shown) and not has_need and not refined:
        return Understanding("product_question", tuple(targets[:1] or state.shown[:1]), state)

    if has_need and state.need and not (_ONLY.search(message) or _CHEAPER.search(message)) and \
            (parsed.filters.categories or not refined):
        # A new need starts over: earlier constraints belonged to the old one.
        fresh = SearchFilters(categories=new.categories, brands=new.brands, exclude_brands=new.exclude_brands,
                              min_price=new.min_price, max_price=new.max_price, min_rating=new.min_rating)
        return Understanding("need", (), DialogueState(need=parsed.text or message, filters=fresh.to_dict(),
                                                       extra_terms=colors, language=state.language))
    if not state.need:
        return Understanding("need", (), DialogueState(need=parsed.text or message,
                                                       filters=filters.merged(new).to_dict(),
                                                       extra_terms=colors, language=state.language))
    if parsed.filters.categories:
        filters = replace(filters, categories=new.categories)
    extra = list(dict.fromkeys([*state.extra_terms, *colors]))
    return Understanding("refine", (), DialogueState(state.need, filters.to_dict(), extra, state.shown, state.language))
