"""Query understanding in code: filters (price, brand, category, rating, exclusions) pulled out of a query.

`parse_query` never calls a model: prices ("under $50", "between 20 and 40", "100元以内"), ratings
("4 stars and up"), brands and categories that exist in the catalog, and negations ("not Nike") become a
`SearchFilters`; the rest stays in the text for the dense and lexical rankers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from retrieval.records import Product

MAX_QUERY_CHARS = 2000  # longer queries are cut: no shopper types more, and the encoder reads 256 tokens at most

_TUPLE_FIELDS = ("categories", "brands", "exclude_brands", "exclude_ids")
_NUMBER_FIELDS = ("min_price", "max_price", "min_rating")


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Hard constraints on search results. Categories match any level of a product's category path."""

    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    exclude_brands: tuple[str, ...] = ()
    min_price: float | None = None
    max_price: float | None = None
    min_rating: float | None = None
    exclude_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in _TUPLE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, (tuple, list)):
                raise TypeError(f"SearchFilters.{name} must be a tuple of strings, got {type(value).__name__} "
                                f"{value!r}; write {name}=({value!r},) for one value")
            if not all(isinstance(v, str) for v in value):
                raise TypeError(f"SearchFilters.{name} must hold strings only, got {value!r}")
            object.__setattr__(self, name, tuple(value))
        for name in _NUMBER_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"SearchFilters.{name} must be a number or None, got {type(value).__name__} "
                                f"{value!r}; write e.g. {name}=50")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"SearchFilters.{name} must be a finite number >= 0, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ValueError(f"SearchFilters: min_price {self.min_price} is above max_price {self.max_price}; "
                             "swap them")
        if self.min_rating is not None and self.min_rating > 5:
            raise ValueError(f"SearchFilters.min_rating is on a 0-5 scale, got {self.min_rating}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchFilters:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown search filters {unknown}; known: {sorted(known)}")
        return cls(**{k: tuple(v) if k in _TUPLE_FIELDS and isinstance(v, list) else v for k, v in data.items()})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: list(getattr(self, f.name)) if f.name in _TUPLE_FIELDS else getattr(self, f.name)
                for f in fields(self)}

    @property
    def is_empty(self) -> bool:
        return self == SearchFilters()

    def merged(self, other: SearchFilters | None) -> SearchFilters:
        """Both sets of constraints at once (the tighter bound wins)."""
        if other is None:
            return self

        def tighter(a, b, pick):
            return b if a is None else a if b is None else pick(a, b)

        def union(a, b):
            return tuple(dict.fromkeys((*a, *b)))

        return SearchFilters(
            categories=union(self.categories, other.categories), brands=union(self.brands, other.brands),
            exclude_brands=union(self.exclude_brands, other.exclude_brands),
            min_price=tighter(self.min_price, other.min_price, max),
            max_price=tighter(self.max_price, other.max_price, min),
            min_rating=tighter(self.min_rating, other.min_rating, max),
            exclude_ids=union(self.exclude_ids, other.exclude_ids),
        )

    def accepts(self, product: Product) -> bool:
        """The same test as `chroma_where`, in Python (for lexical results and review passages)."""
        if self.exclude_ids and product.id in self.exclude_ids:
            return False
        if self.categories and not set(product.category) & set(self.categories):
            return False
        if self.brands and product.brand not in self.brands:
            return False
        if self.exclude_brands and product.brand in self.exclude_brands:
            return False
        if self.min_price is not None and (product.price is None or product.price < self.min_price):
            return False
        if self.max_price is not None and (product.price is None or product.price > self.max_price):
            return False
        return self.min_rating is None or (product.rating is not None and product.rating >= self.min_rating)


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


_NUM = r"(\d+(?:[.,]\d+)?)\s*(?:k\b)?"
_CUR = r"(?:\$|usd\s*|€|£|¥)?"
_UNIT = r"(?:\s*(?:dollars?|bucks|usd|euros?|元|块钱?|美元))?"
_PRICE_PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), kind) for p, kind in (
    (rf"\bbetween\s+{_CUR}{_NUM}{_UNIT}\s+and\s+{_CUR}{_NUM}{_UNIT}", "range"),
    (rf"(?<![\w$]){_CUR}{_NUM}{_UNIT}\s*(?:-|–|to)\s*{_CUR}{_NUM}{_UNIT}(?=\s|$|[,.;!?])", "range"),
    (rf"\b(?:under|below|less\s+than|cheaper\s+than|at\s+most|no\s+more\s+than|up\s+to|max(?:imum)?|within)\s+"
     rf"{_CUR}{_NUM}{_UNIT}", "max"),
    (rf"\b(?:over|above|more\s+than|at\s+least|from|min(?:imum)?)\s+{_CUR}{_NUM}{_UNIT}(?!\s*stars?)", "min"),
    (rf"(?:低于|少于|不超过|不到|小于)\s*{_NUM}\s*(?:元|块钱?|美元)?", "max"),
    (rf"{_NUM}\s*(?:元|块钱?|美元)\s*(?:以内|以下|之内)", "max"),
    (rf"(?:高于|超过|大于)\s*{_NUM}\s*(?:元|块钱?|美元)", "min"),
    (rf"{_NUM}\s*(?:元|块钱?|美元)\s*以上", "min"),
))
_RATING_PATTERNS = tuple(re.compile(p, re.I) for p in (
    r"\b(?:at\s+least|minimum|min)\s+([1-5](?:\.\d)?)\s*(?:stars?|★)",
    r"\b(?:rated\s+|rating\s+(?:of\s+)?)?([1-5](?:\.\d)?)\s*\+?\s*(?:stars?|★)\s*(?:and\s+up|or\s+(?:more|higher|better|above)|\+|plus)?",
    r"\brated\s+([1-5](?:\.\d)?)\s*(?:and\s+up|or\s+(?:more|higher|better|above)|\+)",
    r"([1-5](?:\.\d)?)\s*(?:星|颗星)\s*(?:以上|及以上)?",
))
_NEGATIONS = r"(?:not|no|except|without|excluding|but\s+not|anything\s+but|non-?|不要|除了|别|非)"


def _number(raw: str, whole: str) -> float:
    value = float(raw.replace(",", "."))
    return value * 1000 if re.search(rf"{re.escape(raw)}\s*k\b", whole, re.I) else value


def _name_pattern(name: str) -> re.Pattern:
    """A catalog name as a phrase: case-insensitive, whole words, a plural `s` optional on the last word."""
    words = [re.escape(w) for w in name.split()]
    if words and words[-1].lower().endswith("s") and len(words[-1]) > 3:
        words[-1] = words[-1][:-1] + "s?"
    elif words:
        words[-1] += "s?"
    body = r"\s+".join(words)
    return re.compile(rf"(?<![\w]){body}(?![\w])", re.I)


def _names_in(text: str, names: Iterable[str]) -> list[tuple[str, re.Match]]:
    found = []
    for name in sorted({n for n in names if n and n.strip()}, key=len, reverse=True):
        match = _name_pattern(name).search(text)
        if match:
            found.append((name, match))
    return found


def parse_query(text: str, brands: Sequence[str] = (), categories: Iterable[str | Sequence[str]] = ()) -> ParsedQuery:
    """Split a shopper's query into free text and filters; what is not understood stays in the text.

    `brands` and `categories` are the catalog's names (a category may be given as its path); only
    names that exist there become filters, so "apple pie" in a store without an Apple brand stays text.
    """
    text = clean_query(text)
    rest = text
    min_price = max_price = min_rating = None
    for pattern in _RATING_PATTERNS:
        match = pattern.search(rest)
        if match:
            min_rating = float(match.group(1))
            rest = rest[:match.start()] + " " + rest[match.end():]
            break

    for pattern, kind in _PRICE_PATTERNS:
        match = pattern.search(rest)
        if not match:
            continue
        values = [_number(g, match.group(0)) for g in match.groups() if g is not None]
        if kind == "range" and len(values) == 2:
            low, high = sorted(values)
            min_price = low if min_price is None else max(min_price, low)
            max_price = high if max_price is None else min(max_price, high)
        elif kind == "max":
            max_price = values[0] if max_price is None else min(max_price, values[0])
        elif kind == "min":
            min_price = values[0] if min_price is None else max(min_price, values[0])
        rest = rest[:match.start()] + " " + rest[match.end():]
    if min_price is not None and max_price is not None and min_price > max_price:
        min_price, max_price = max_price, min_price
    exclude_brands: list[str] = []
    keep_brands: list[str] = []
    for name, _ in _names_in(rest, brands):
        body = _name_pattern(name).pattern[len("(?<![\\w])"):-len("(?![\\w])")]
        negated = re.compile(rf"{_NEGATIONS}\s*(?:the\s+)?(?<![\w]){body}(?![\w])", re.I)
        neg = negated.search(rest)
        if neg:
            exclude_brands.append(name)
            rest = rest[:neg.start()] + " " + rest[neg.end():]
        else:
            match = _name_pattern(name).search(rest)
            keep_brands.append(name)
            rest = rest[:match.start()] + " " + rest[match.end():]

    category_names: set[str] = set()
    for c in categories:
        category_names.update([c] if isinstance(c, str) else c)
    found_categories = []
    for name, _ in _names_in(rest, category_names):
        # A name inside a longer one already found ("Shoes" in "Running Shoes") adds nothing.
        if not any(name.lower() in f.lower() for f in found_categories):
            found_categories.append(name)

    rest = " ".join(rest.split()).strip(" ,.;")
    rest = re.sub(r"\b(?:and|or|with|for|from|by)\s*$", "", rest, flags=re.I).strip(" ,.;")
    filters = SearchFilters(categories=tuple(found_categories), brands=tuple(keep_brands),
                            exclude_brands=tuple(exclude_brands), min_price=min_price, max_price=max_price,
                            min_rating=min_rating)
    return ParsedQuery(text=rest, filters=filters)


def resolve_filters(filters: SearchFilters, brands: Sequence[str], categories: Iterable[Sequence[str]]
                    ) -> SearchFilters:
    """Spell brand and category names as the catalog does ("hiking boots" -> "Hiking Boots").

    A category path ("Sports & Outdoors > Hiking Boots") stands for its last, most specific name.
    """
    brand_map = {b.lower(): b for b in brands}
    category_map = {name.lower(): name for path in categories for name in path}

    def fix(names, mapping):
        return tuple(mapping.get(n.strip().lower(), n) for n in names)

    leaves = tuple(c.split(" > ")[-1] for c in filters.categories)
    return replace(filters, brands=fix(filters.brands, brand_map),
                   exclude_brands=fix(filters.exclude_brands, brand_map), categories=fix(leaves, category_map))
