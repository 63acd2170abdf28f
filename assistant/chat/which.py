"""A question that picks among the products shown ("which is the cheapest?", "which ones are waterproof?",
"哪个评分最高？"), answered in code where the catalog settles it: a price or rating superlative from the
catalog's numbers, a feature from each product's own catalog texts (as the wish line reads them). What
the catalog cannot settle ("which is best for wide feet?") is the model's, from the products' texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.chat.wishes import Test, asked_for, having, product_names
from assistant.fact_check import money
from assistant.reply_rules import feature_name
from retrieval.records import Product


@dataclass(frozen=True, slots=True)
class WhichAnswer:
    text: str
    picked: tuple[str, ...]  # the ids the answer names as the pick: one of them is what "it" means next


@dataclass(frozen=True, slots=True)
class _Superlative:
    asked: re.Pattern
    value: Callable[[Product], float | None]
    most: bool  # the largest value wins, else the smallest
    en: str  # "{names} {be} the cheapest of these": each name with its value in brackets
    zh: str
    shown: Callable[[Product, str], str]  # the value, as the shopper reads it in a language
    none: tuple[str, str]  # said in English and Chinese when none of the products has the value


_SUPERLATIVES = (
    _Superlative(
        re.compile(
            r"\b(?:cheap(?:est|er)|less expensive|least expensive|lower[- ]priced?|lowest[- ]priced?|most affordable)\b|最便宜|价格最低|最实惠",
            re.I,
        ),
        lambda p: p.price,
        False,
        "{names} {be} the cheapest of these",
        "这几款里最便宜的是{names}",
        lambda p, _: money(p.price, p.currency),
        ("None of these lists a price.", "这几款都没有标价。"),
    ),
    _Superlative(
        re.compile(
            r"\b(?:more expensive|most expensive|pricier|priciest|higher[- ]priced?|highest[- ]priced?)\b|最贵|价格最高",
            re.I,
        ),
        lambda p: p.price,
        True,
        "{names} {be} the most expensive of these",
        "这几款里最贵的是{names}",
        lambda p, _: money(p.price, p.currency),
        ("None of these lists a price.", "这几款都没有标价。"),
    ),
    _Superlative(
        re.compile(
            r"\b(?:best|better|higher|highest|top)[- ]rated\b|\b(?:best|highest) (?:rating|reviews?)\b|评分最高|评价最好|口碑最好",
            re.I,
        ),
        lambda p: p.rating,
        True,
        "{names} {be} the best rated of these",
        "这几款里评分最高的是{names}",
        lambda p, _: f"{p.rating:.1f}/5",
        ("None of these has a rating yet.", "这几款都还没有评分。"),
    ),
    _Superlative(
        re.compile(r"\b(?:most (?:reviewed|reviews|ratings)|most popular)\b|评价最多|最受欢迎", re.I),
        lambda p: p.rating_count or None,  # no ratings is nothing to rank by
        True,
        "{names} {have} the most ratings of these",
        "这几款里评价最多的是{names}",
        lambda p, language: f"{p.rating_count} 条评分" if language == "zh" else f"{p.rating_count} ratings",
        ("None of these has a rating yet.", "这几款都还没有评分。"),
    ),
)


def _superlative(question: str, products: Sequence[Product], language: str) -> WhichAnswer | None:
    for s in _SUPERLATIVES:
        if not s.asked.search(question):
            continue
        known = [(v, p) for p in products if (v := s.value(p)) is not None]
        if not known:  # said in code: the model, asked, wrote guesses the checks dropped
            return WhichAnswer(s.none[1] if language == "zh" else s.none[0], ())
        best = (max if s.most else min)(v for v, _ in known)
        winners = [p for v, p in known if v == best]
        unknown = len(products) - len(known)
        picked = tuple(p.id for p in winners)
        if language == "zh":
            note = f"（另有 {unknown} 款没有这项信息）" if unknown else ""
            return WhichAnswer(s.zh.format(names=product_names(winners, "zh", s.shown)) + note + "。", picked)
        one = len(winners) == 1
        sentence = s.en.format(
            names=product_names(winners, "en", s.shown),
            be="is" if one else "are",
            have="has" if one else "have",
        )
        note = f" ({unknown} of them {'does' if unknown == 1 else 'do'} not list one)" if unknown else ""
        return WhichAnswer(sentence[0].upper() + sentence[1:] + note + ".", picked)
    return None


def _features(question: str, products: Sequence[Product], language: str) -> WhichAnswer | None:
    asked = asked_for(question, products)
    if not asked:
        return None
    have = having(asked, products)
    picked = tuple(p.id for p in have) if len(have) < len(products) else ()
    return WhichAnswer(_feature_text(asked, have, products, language), picked)


def _feature_text(
    asked: dict[str, Test], have: list[Product], products: Sequence[Product], language: str
) -> str:
    if language == "zh":
        label = "、".join(feature_name(a, "zh") for a in asked)
        if len(have) == len(products):
            return f"按商品信息，这{len(products)}款都写明了{label}。"
        if have:
            return f"按商品信息，写明{label}的是{product_names(have, 'zh')}；其他几款没有写到。"
        return f"这几款的商品信息都没有写到{label}。"
    label = " and ".join(asked)
    if len(have) == len(products):
        return f'All {len(products)} list "{label}" in their catalog details.'
    if len(have) == 1:
        return f'Of these, only {product_names(have, "en")} lists "{label}" in its catalog details.'
    if have:
        return f'Of these, {product_names(have, "en")} list "{label}" in their catalog details; the others do not.'
    return f'None of these lists "{label}" in its catalog details.'


def which_answer(question: str, products: Sequence[Product], language: str) -> WhichAnswer | None:
    """The answer in code to a question picking among `products` (those shown, in order), or None when
    the catalog's numbers and feature words do not settle it."""
    if len(products) < 2:
        return None
    return _superlative(question, products, language) or _features(question, products, language)
