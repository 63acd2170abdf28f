"""The fact check on generated text: every price, discount, rating and product id or brand it states
must match the facts it was given. Pure functions, shared by chat replies and push copy.

Small models get numbers wrong and invent names; prices are therefore computed in code and the text
is checked against them before anyone sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_PRICE_PATTERNS = (
    re.compile(rf"(?:US\$|\$|USD\s?|€|£|¥|￥|RMB\s?)\s?{_NUMBER}", re.I),
    re.compile(rf"{_NUMBER}\s?(?:dollars?|bucks|usd|eur|euros?|元|块|美元)", re.I),
)
_YUAN = re.compile(r"元|块|¥|￥|RMB", re.I)
_PERCENT = re.compile(rf"{_NUMBER}\s?(?:%|percent|％)", re.I)
_RATING_PATTERNS = (
    re.compile(rf"{_NUMBER}\s?(?:/\s?5|out of 5|stars?|★|星)", re.I),
    re.compile(rf"(?:rated|rating(?: of)?|评分)\s?:?\s?{_NUMBER}", re.I),
)
# Catalog ids in replies look like "P000123" or Amazon's "B001BKEWF2": letters and digits, 6+ long.
# "It is free" claims a price of zero; "fragrance free" or "free shipping" does not.
_FREE = re.compile(
    r"\b(?:is|are|it's|for|completely|totally|entirely|costs? nothing,?)\s+free\b(?!\s+(?:shipping|delivery|returns?))"
    r"|\bfor nothing\b|免费(?!送货|配送|退|包邮)",
    re.I,
)
_ID_LIKE = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,}\b")
# Words that make an amount a limit or the end of a range ("under $150", "$40-$120", "150元以内"), not a price.
_BOUND_BEFORE = re.compile(
    r"(?:under|below|less than|up to|within|budget(?: of)?|at most|no more than|maximum|max|"
    r"between|around|about|from|to|and|spends?|-|–|~)\s*$",
    re.I,
)
_BOUND_AFTER = re.compile(r"^\s*(?:以内|以下|左右|or less|or under|budget|max|-|–|~|to\b)", re.I)


@dataclass(frozen=True, slots=True)
class ProductFacts:
    id: str
    title: str
    brand: str = ""
    price: float | None = None
    sale_price: float | None = None
    discount_pct: float | None = None
    rating: float | None = None
    currency: str = "USD"


@dataclass(frozen=True, slots=True)
class Violation:
    kind: str  # price | discount | rating | product_id | brand
    span: str  # the offending text
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail} ({self.span!r})"


@dataclass(frozen=True, slots=True)
class FactCheckResult:
    violations: tuple[Violation, ...] = field(default_factory=tuple)
    checked: int = 0  # how many claims were found and checked

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "claims_checked": self.checked,
            "violations": [str(v) for v in self.violations],
        }


def money(amount: float | None, currency: str = "USD") -> str:
    """How shopmate states a price, in replies and push copy alike (the form the check reads back)."""
    if amount is None:
        return "price not listed"
    return f"${amount:,.2f}" if currency == "USD" else f"{amount:,.2f} {currency}"


def _amount(raw: str) -> float:
    return float(raw.replace(",", ""))


def _close(value: float, allowed: Iterable[float | None], tolerance: float) -> bool:
    return any(a is not None and abs(value - a) <= tolerance for a in allowed)


def _as_bound(text: str, span: tuple[int, int]) -> bool:
    return bool(
        _BOUND_BEFORE.search(text[max(0, span[0] - 16) : span[0]]) or _BOUND_AFTER.search(text[span[1] :])
    )


def _names_with_amounts(text: str, facts: Sequence[ProductFacts]) -> list[tuple[int, int]]:
    """Where the text names a product whose own title holds an amount ("Visa $50 Gift Card"): that amount
    is part of the name, not a price claim. Only the title's words up to and with the amount count as
    its name, so a title that plants "costs $1.00 today" lends that amount to no other sentence."""
    spans = []
    lowered = text.lower()
    for f in facts:
        for pattern in _PRICE_PATTERNS:
            for m in pattern.finditer(f.title):
                name = f.title[: m.end()].lower()
                at = lowered.find(name)
                while at >= 0:
                    spans.append((at + m.start(), at + m.end()))
                    at = lowered.find(name, at + 1)
    return spans


def check_text(
    text: str,
    facts: Sequence[ProductFacts],
    known_brands: Iterable[str] = (),
    allowed_amounts: Iterable[float] = (),
    bounds: Iterable[float] = (),
    other_brands: Iterable[str] = (),
) -> FactCheckResult:
    """Check every stated price, discount, rating, id and brand in `text` against `facts`.

    `known_brands`: the catalog's brands; naming one that is not among the facts is an invented claim.
    `allowed_amounts`: other amounts the text may state (a free-shipping threshold from the FAQ, say).
    `bounds`: amounts the text may state only as a limit or a range, never as a price: the shopper's
      own budget ("under $150") and their usual price band, which the prompt gave the model.
    `other_brands`: brands the text may name besides the products' own (the shopper's words, profile).
    """
    prices = [f.price for f in facts] + [f.sale_price for f in facts] + list(allowed_amounts)
    seen_spans: set[tuple[int, int]] = set(_names_with_amounts(text, facts))
    # In this order: the price check adds the amounts it read to seen_spans, which the rating check skips.
    parts = (
        _price_claims(text, facts, prices, list(bounds), seen_spans),
        _free_claims(text, prices),
        _discount_claims(text, facts),
        _rating_claims(text, facts, seen_spans),
        _id_claims(text, facts),
        _brand_claims(text, facts, known_brands, other_brands),
    )
    return FactCheckResult(tuple(v for found, _ in parts for v in found), sum(n for _, n in parts))


# Each claim check below returns the violations it found and how many claims it checked.
_Found = tuple[list[Violation], int]


def _price_claims(
    text: str,
    facts: Sequence[ProductFacts],
    prices: list,
    bounds: list[float],
    seen_spans: set[tuple[int, int]],
) -> _Found:
    """Stated amounts that are no product's price (a shopper's limit restated as a limit is fine).
    Adds each amount read to `seen_spans`, so that no other check reads it again."""
    violations, checked = [], 0
    currencies = sorted({f.currency for f in facts} or {"USD"})
    for pattern in _PRICE_PATTERNS:
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e in seen_spans):
                continue
            seen_spans.add(m.span())
            checked += 1
            value = _amount(m.group(1))
            as_bound = _close(value, bounds, 0.006) and _as_bound(text, m.span())
            if not _close(value, prices, 0.006) and not as_bound:
                violations.append(
                    Violation("price", m.group(0), f"{m.group(1)} is not the price of any product shown")
                )
            elif not as_bound and _YUAN.search(m.group(0)) and "CNY" not in currencies:
                # "4.99元" for a $4.99 label: the right number in the wrong money is a wrong price. (A limit
                # the shopper set in their own words, "200元以内", may be restated in them.)
                violations.append(
                    Violation(
                        "price", m.group(0), f"states yuan; the store prices in {', '.join(currencies)}"
                    )
                )
    return violations, checked


def _free_claims(text: str, prices: list) -> _Found:
    violations, checked = [], 0
    for m in _FREE.finditer(text):
        checked += 1
        if not _close(0.0, prices, 0.006):
            violations.append(
                Violation("price", m.group(0), "claims a product is free; none shown costs nothing")
            )
    return violations, checked


def _discount_claims(text: str, facts: Sequence[ProductFacts]) -> _Found:
    violations, checked = [], 0
    discounts = [f.discount_pct for f in facts]
    for m in _PERCENT.finditer(text):
        checked += 1
        if not _close(_amount(m.group(1)), discounts, 0.51):
            violations.append(Violation("discount", m.group(0), f"{m.group(1)}% is not a discount on offer"))
    return violations, checked


def _rating_claims(text: str, facts: Sequence[ProductFacts], seen_spans: set[tuple[int, int]]) -> _Found:
    violations, checked = [], 0
    ratings = [round(f.rating, 1) if f.rating is not None else None for f in facts]
    for pattern in _RATING_PATTERNS:
        for m in pattern.finditer(text):
            value = _amount(m.group(1))
            if value > 5 or any(s <= m.start() < e for s, e in seen_spans):
                continue
            checked += 1
            if not _close(value, ratings, 0.051):
                violations.append(
                    Violation("rating", m.group(0), f"{value} is not the rating of any product shown")
                )
    return violations, checked


def _id_claims(text: str, facts: Sequence[ProductFacts]) -> _Found:
    violations, checked = [], 0
    ids = {f.id for f in facts}
    for m in _ID_LIKE.finditer(text):
        checked += 1
        if m.group(0) not in ids:
            violations.append(Violation("product_id", m.group(0), "no product with this id was shown"))
    return violations, checked


def _brand_claims(
    text: str, facts: Sequence[ProductFacts], known_brands: Iterable[str], other_brands: Iterable[str]
) -> _Found:
    """Catalog brands the text names that neither the products shown nor the shopper's words have."""
    violations, checked = [], 0
    shown_brands = {f.brand.lower() for f in facts if f.brand} | {b.lower() for b in other_brands}
    titles = " ".join(f.title.lower() for f in facts)
    for brand in known_brands:
        if (
            brand
            and brand.lower() not in shown_brands
            and brand.lower() not in titles
            and re.search(rf"(?<!\w){re.escape(brand)}(?!\w)", text, re.I)
        ):
            checked += 1
            violations.append(Violation("brand", brand, "names a brand that none of the products shown has"))
    return violations, checked


def repair(text: str, result: FactCheckResult, facts: Sequence[ProductFacts]) -> str | None:
    """Fix what can be fixed with certainty: with one product in play, a wrong price becomes its price.
    Anything else returns None, and the caller falls back to a reply built from the facts."""
    if result.ok:
        return text
    if len(facts) != 1 or any(v.kind != "price" for v in result.violations):
        return None
    fact = facts[0]
    right = fact.sale_price if fact.sale_price is not None else fact.price
    if right is None:
        return None
    fixed = text
    for v in result.violations:
        fixed = fixed.replace(v.span, money(right, fact.currency))
    return fixed if check_text(fixed, facts).ok else None
