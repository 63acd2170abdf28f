"""Query understanding in code: filters (price, brand, category, rating, exclusions) pulled out of a query.

`parse_query` never calls a model: prices ("under $50", "between 20 and 40", "100元以内"), ratings
("4 stars and up"), brands and categories that exist in the catalog, and negations ("not Nike") become a
`SearchFilters`; the rest stays in the text for the dense and lexical rankers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from retrieval.filters import SearchFilters

MAX_QUERY_CHARS = (
    2000  # longer queries are cut: no shopper types more, and the encoder reads 256 tokens at most
)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    text: str
    filters: SearchFilters


def clean_query(text: object) -> str:
    """The query as the rankers will see it; an empty one is an error that says what to pass."""
    if not isinstance(text, str):
        raise TypeError(f"the search query must be a string, got {type(text).__name__}")
    text = " ".join(text[: MAX_QUERY_CHARS * 4].split())[:MAX_QUERY_CHARS]
    if not text:
        raise ValueError("the search query is empty; pass some words, e.g. search('waterproof hiking boots')")
    return text


AROUND = 0.2  # "around $80" allows 20% either side: $64-$96
_NUM = r"(\d+(?:[.,]\d+)?)\s*(?:k\b)?"
_CUR = r"(?:\$|usd\s*|€|£|¥)?"
_UNIT = r"(?:\s*(?:dollars?|bucks|usd|euros?|元|块钱?|美元))?"
_PRICE_PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(p, re.I), kind)
    for p, kind in (
        (rf"\bbetween\s+{_CUR}{_NUM}{_UNIT}\s+and\s+{_CUR}{_NUM}{_UNIT}", "range"),
        (rf"(?<![\w$]){_CUR}{_NUM}{_UNIT}\s*(?:-|–|to)\s*{_CUR}{_NUM}{_UNIT}(?=\s|$|[,.;!?])", "range"),
        (
            rf"\b(?:under|below|less\s+than|cheaper\s+than|at\s+most|no\s+more\s+than|up\s+to|max(?:imum)?|within)\s+"
            rf"{_CUR}{_NUM}{_UNIT}",
            "max",
        ),
        (
            rf"\b(?:over|above|more\s+than|at\s+least|from|min(?:imum)?)\s+{_CUR}{_NUM}{_UNIT}(?!\s*stars?)",
            "min",
        ),
        (
            rf"\b(?:around|about|roughly|approximately|approx\.?|close\s+to|somewhere\s+near)\s+{_CUR}{_NUM}{_UNIT}"
            r"(?!\s*(?:stars?|★|years?|months?|days?|hours?|km|miles?|kg|lbs?|pounds|ml|cups?))",
            "around",
        ),
        (rf"{_NUM}\s*(?:元|块钱?|美元)\s*(?:左右|上下)", "around"),
        (rf"(?:低于|少于|不超过|不到|小于)\s*{_NUM}\s*(?:元|块钱?|美元)?", "max"),
        (rf"{_NUM}\s*(?:元|块钱?|美元)\s*(?:以内|以下|之内)", "max"),
        (rf"(?:高于|超过|大于)\s*{_NUM}\s*(?:元|块钱?|美元)", "min"),
        (rf"{_NUM}\s*(?:元|块钱?|美元)\s*以上", "min"),
    )
)
_RATING_PATTERNS = tuple(
    re.compile(p, re.I)
    for p in (
        r"\b(?:at\s+least|minimum|min)\s+([1-5](?:\.\d)?)\s*(?:stars?|★)",
        r"\b(?:rated\s+|rating\s+(?:of\s+)?)?([1-5](?:\.\d)?)\s*\+?\s*(?:stars?|★)\s*(?:and\s+up|or\s+(?:more|higher|better|above)|\+|plus)?",
        r"\brated\s+([1-5](?:\.\d)?)\s*(?:and\s+up|or\s+(?:more|higher|better|above)|\+)",
        r"([1-5](?:\.\d)?)\s*(?:星|颗星)\s*(?:以上|及以上)?",
    )
)
# "Better rated", "highly rated", 评分高: the shopper asks for well-rated products without a number; 4 stars is
# what stores and shoppers call well rated (the reply restates only a number the shopper gave).
WELL_RATED = 4.0
_WELL_RATED = re.compile(
    r"\b(?:better|higher|highly|well|top|best)[- ]?(?:rated|reviewed)\b|"
    r"\b(?:good|great|better|best|high)\s+(?:ratings?|reviews)\b|评分(?:更|比较|很)?高|好评|口碑(?:更|很)?好",
    re.I,
)
_NEGATIONS = r"(?:not|no|except|without|excluding|but\s+not|anything\s+but|non-?|不要|除了|别|非)"


def _number(raw: str, whole: str) -> float:
    value = float(raw.replace(",", "."))
    return value * 1000 if re.search(rf"{re.escape(raw)}\s*k\b", whole, re.I) else value


# A name's edges: no letter or digit of a spaced script beside it. Chinese and Japanese put no space
# between words, so "只要Kettle & Crane" and "Trailforge的徒步鞋" hold the brand; `\b` saw none there.
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
_BEFORE, _AFTER = rf"(?<![^\W{_CJK}])", rf"(?![^\W{_CJK}])"


def _name_body(name: str) -> str:
    """A catalog name as a phrase: whole words, a plural `s` optional on the last word."""
    words = [re.escape(w) for w in name.split()]
    if words and words[-1].lower().endswith("s") and len(words[-1]) > 3:
        words[-1] = words[-1][:-1] + "s?"
    elif words:
        words[-1] += "s?"
    return r"\s+".join(words)


def _name_pattern(name: str) -> re.Pattern:
    return re.compile(rf"{_BEFORE}{_name_body(name)}{_AFTER}", re.I)


def _names_in(text: str, names: Iterable[str]) -> list[tuple[str, re.Match]]:
    found = []
    for name in sorted({n for n in names if n and n.strip()}, key=len, reverse=True):
        match = _name_pattern(name).search(text)
        if match:
            found.append((name, match))
    return found


def parse_query(
    text: str, brands: Sequence[str] = (), categories: Iterable[str | Sequence[str]] = ()
) -> ParsedQuery:
    """Split a shopper's query into free text and filters; what is not understood stays in the text.

    `brands` and `categories` are the catalog's names (a category may be given as its path); only
    names that exist there become filters, so "apple pie" in a store without an Apple brand stays text.
    """
    rest = clean_query(text)
    min_rating, rest = _take_rating(rest)
    (min_price, max_price), rest = _take_prices(rest)
    category_names: set[str] = set()
    for c in categories:
        category_names.update([c] if isinstance(c, str) else c)
    # A brand spelled like a category ("Gift Card" in a Gift Cards catalog) is read as the category: the
    # shopper who writes "gift cards" names the kind, not that brand.
    kinds = {name.lower().rstrip("s") for name in category_names}
    (keep_brands, exclude_brands), rest = _take_brands(
        rest, [b for b in brands if b and b.lower().rstrip("s") not in kinds]
    )
    found_categories: list[str] = []
    for name, _ in _names_in(rest, category_names):
        # A name inside a longer one already found ("Shoes" in "Running Shoes") adds nothing.
        if not any(name.lower() in f.lower() for f in found_categories):
            found_categories.append(name)

    rest = " ".join(rest.split()).strip(" ,.;")
    rest = re.sub(r"\b(?:and|or|with|for|from|by)\s*$", "", rest, flags=re.I).strip(" ,.;")
    filters = SearchFilters(
        categories=tuple(found_categories),
        brands=tuple(keep_brands),
        exclude_brands=tuple(exclude_brands),
        min_price=min_price,
        max_price=max_price,
        min_rating=min_rating,
    )
    return ParsedQuery(text=rest, filters=filters)


def _cut(text: str, match: re.Match) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def _take_rating(text: str) -> tuple[float | None, str]:
    """The first minimum rating the text states ("4 stars and up", "better rated"), and the text without it."""
    for pattern in _RATING_PATTERNS:
        match = pattern.search(text)
        if match:
            return float(match.group(1)), _cut(text, match)
    match = _WELL_RATED.search(text)
    if match:
        return WELL_RATED, _cut(text, match)
    return None, text


def _take_prices(text: str) -> tuple[tuple[float | None, float | None], str]:
    """(lowest, highest) price the text allows, narrowed by every bound it states, and the text without them."""
    min_price = max_price = None
    for pattern, kind in _PRICE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        values = [_number(g, match.group(0)) for g in match.groups() if g is not None]
        low = high = None
        if kind == "range" and len(values) == 2:
            low, high = sorted(values)
        elif kind == "around":
            low, high = round(values[0] * (1 - AROUND), 2), round(values[0] * (1 + AROUND), 2)
        elif kind == "max":
            high = values[0]
        elif kind == "min":
            low = values[0]
        # Every bound stated narrows the range: the tighter one wins.
        if low is not None:
            min_price = low if min_price is None else max(min_price, low)
        if high is not None:
            max_price = high if max_price is None else min(max_price, high)
        text = _cut(text, match)
    if min_price is not None and max_price is not None and min_price > max_price:
        min_price, max_price = max_price, min_price
    return (min_price, max_price), text


def _take_brands(text: str, brands: Sequence[str]) -> tuple[tuple[list[str], list[str]], str]:
    """(brands asked for, brands refused: "not Nike"), and the text without them."""
    keep: list[str] = []
    exclude: list[str] = []
    for name, _ in _names_in(text, brands):  # longest first
        found = _name_pattern(name).search(text)
        if found is None:  # part of a longer name taken already: "Amazon" within "Amazon.com"
            continue
        negated = re.compile(rf"{_NEGATIONS}\s*(?:the\s+)?{_BEFORE}{_name_body(name)}{_AFTER}", re.I)
        neg = negated.search(text)
        if neg:
            exclude.append(name)
            text = _cut(text, neg)
        else:
            keep.append(name)
            text = _cut(text, found)
    return (keep, exclude), text
