"""Which products shown have what the shopper's latest wish asks for ("one with plush cushioning",
"有没有防水的"). The search reads the wish among the need's words, so the list leans towards it, but only
this line tells the shopper which products truly have it, or that none does. Written in code from each
product's own catalog texts (title, description, attributes), never from reviews or the model."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.reply_rules import FEATURES, ShownProduct, plain_title, states
from ranking.records import RankedItem
from retrieval.lexical import tokenize
from retrieval.records import Product

Test = Callable[[Product], bool]


def _values(product: Product) -> list[tuple[str, str]]:
    """(attribute, value) pairs, a list of features read as one pair each."""
    pairs = []
    for key, value in (product.attributes or {}).items():
        for one in value.split(", ") if key == "features" else [value]:
            if one.strip():
                pairs.append((key, one.strip()))
    return pairs


def asked_for(wish: str, products: Sequence[Product]) -> dict[str, Test]:
    """What the wish asks for, each with the test a product's own texts must pass: the store's feature
    words ("waterproof", "降噪", "without fragrance") and any attribute value of a product shown whose
    words the wish holds ("plush" of "cushioning: plush"). Empty for a wish that names none ("for my son")."""
    asked: dict[str, Test] = {
        name: (lambda p, pattern=pattern: states(pattern, ShownProduct.of(p).support))
        for name, pattern in FEATURES.items()
        if pattern.search(wish)
    }
    words = set(tokenize(wish))
    for product in products:
        for key, value in _values(product):
            label = value if key == "features" else f"{key}: {value}"
            value_words = set(tokenize(value))
            if label in asked or not value_words <= words or any(p.search(value) for p in FEATURES.values()):
                continue  # a feature word is tested by its pattern, which knows its other spellings
            asked[label] = lambda p, key=key, value=value: (key, value) in _values(p)
    return asked


def having(asked: dict[str, Test], products: Sequence[Product]) -> list[Product]:
    """The products whose own texts pass every test asked for."""
    return [p for p in products if all(test(p) for test in asked.values())]


def product_names(
    products: Sequence[Product], language: str, shown: Callable[[Product, str], str] | None = None
) -> str:
    """ "the A, the B and the C" ("A、B、C"), each with `shown(product, language)` in brackets when given."""
    brackets = "（{}）" if language == "zh" else " ({})"
    named = [plain_title(p.title) + (brackets.format(shown(p, language)) if shown else "") for p in products]
    if language == "zh":
        return "、".join(named)
    named = [f"the {n}" for n in named]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + f" and {named[-1]}"


def wish_line(wish: str, items: Sequence[RankedItem], language: str) -> str:
    """One sentence on the wish: all, some or none of the products shown have it; "" when the wish names
    nothing a catalog text can settle."""
    products = [i.product for i in items]
    asked = asked_for(wish, products)
    if not products or not asked:
        return ""
    have = having(asked, products)
    if language == "zh":
        said = f"“{wish.strip()}”"
        if len(have) == len(products):
            return (
                f"这{len(products)}款都符合你说的{said}。" if len(products) > 1 else f"它符合你说的{said}。"
            )
        if have:
            return f"其中{product_names(have, 'zh')}符合你说的{said}。"
        return f"这些商品的说明都没有写到{said}，以下是最接近的。"
    label = " and ".join(asked)
    if len(have) == len(products):
        return (
            f"All {len(products)} have what you asked for ({label})."
            if len(products) > 1
            else (f"It has what you asked for ({label}).")
        )
    if have:
        verb = "has" if len(have) == 1 else "have"
        return f"Of these, {product_names(have, 'en')} {verb} what you asked for ({label})."
    return f"None of these lists what you asked for ({label}); they are the nearest I found."
