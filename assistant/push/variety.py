"""One phrase for all is what makes a campaign read as spam: the sentences of a body that are not about
the product's name and price (the "free" sentences) must differ from user to user.

A body's sentences are compared with the product names, brands, prices, percentages, dates and the
person's own name masked, so "Omar, perfect for rainy days." and "Lin, perfect for rainy days." count
as the same sentence. `CampaignSentences` counts what a campaign already used (the cap is enforced
where messages are admitted, see assistant.push.run); `variety_report` measures a finished campaign.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A sentence may appear in at most this many bodies of one campaign; a body that would be the next one
# is regenerated (assistant.push.compose) or replaced by a template whose free sentences are unused.
MAX_SENTENCE_USES = 1

_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")
_PRICE = re.compile(r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:USD|EUR|GBP|CNY|元))")
_PERCENT = re.compile(r"\d+(?:\.\d+)?\s?%")
_DATE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\.? \d{1,2}\b|\d{1,2}月\d{1,2}日", re.I
)
_NUMBER = re.compile(r"\d+")
_PUNCT = re.compile(r"[^\w\u3400-\u9fff<>]+")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    key: str  # lowercased, names and numbers masked, punctuation dropped
    free: bool  # mentions no product, brand or price: the part that must vary between people


def sentences(body: str, names: Iterable[str], person: str = "") -> list[Sentence]:
    """The body's sentences with their comparison keys. `names`: the offers' titles, short names and
    brands; `person`: the recipient's name (masked too, it is not variety)."""
    masks = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    first = person.split()[0] if person.strip() else ""
    out = []
    for raw in _SPLIT.split(body.strip()):
        text = raw.strip()
        if not text:
            continue
        key = text
        named = False
        for name in masks:
            pattern = re.compile(re.escape(name), re.I)
            if pattern.search(key):
                named = True
                key = pattern.sub(" <p> ", key)
        for pattern, token in ((_PRICE, " <m> "), (_PERCENT, " <pct> "), (_DATE, " <d> ")):
            if pattern.search(key):
                named = named or token == " <m> "
                key = pattern.sub(token, key)
        if first:
            key = re.sub(rf"(?<!\w){re.escape(first)}(?!\w)", " <n> ", key, flags=re.I)
        key = _PUNCT.sub(" ", _NUMBER.sub("<k>", key.lower())).split()
        out.append(Sentence(text, " ".join(key), not named))
    return out


def shape(found: Sequence[Sentence]) -> str:
    """A whole body's wording with names, prices and dates masked: equal for two bodies that are the
    same template for different people."""
    return " | ".join(s.key for s in found)


def offer_names(offers) -> list[str]:
    """What counts as naming a product: its full title, its name before the comma, its brand."""
    names = []
    for o in offers:
        product = o.product if hasattr(o, "product") else o
        names += [product.title, product.title.split(",")[0], product.brand]
    return names


class CampaignSentences:
    """How many admitted bodies of a campaign used each free sentence, and each masked wording (`shape`):
    the first is capped, the second steers the template fallback to wordings not used yet."""

    def __init__(self, max_uses: int = MAX_SENTENCE_USES):
        self.max_uses = max_uses
        self.uses: Counter[str] = Counter()
        self.shapes: Counter[str] = Counter()

    def overused(self, found: Sequence[Sentence]) -> list[str]:
        """The free sentences of a body that already appear in `max_uses` earlier bodies."""
        return [s.text for s in found if s.free and self.uses[s.key] >= self.max_uses]

    def add(self, found: Sequence[Sentence]) -> None:
        self.uses.update({s.key for s in found if s.free})
        self.shapes[shape(found)] += 1


def variety_report(bodies: Sequence[tuple[str, Sequence[str], str]]) -> dict:
    """For (body, names, person) triples of one campaign: the share of bodies with a free sentence that
    another body also has (the figure held to at most 10%), the share whose whole masked body equals
    another's (the same template for different people), and the most repeated free sentences."""
    parsed = [sentences(body, names, person) for body, names, person in bodies]
    free_uses: Counter[str] = Counter()
    for found in parsed:
        free_uses.update({s.key for s in found if s.free})
    whole = Counter(shape(found) for found in parsed)
    sharing = sum(any(s.free and free_uses[s.key] > 1 for s in found) for found in parsed)
    same_skeleton = sum(whole[shape(found)] > 1 for found in parsed)
    examples = {}
    for found in parsed:
        for s in found:
            if s.free and free_uses[s.key] > 1:
                examples.setdefault(s.key, s.text)
    n = len(parsed)
    return {
        "bodies": n,
        "sharing_a_free_sentence_pct": round(100.0 * sharing / n, 1) if n else 0.0,
        "same_masked_body_pct": round(100.0 * same_skeleton / n, 1) if n else 0.0,
        "with_a_free_sentence_pct": round(100.0 * sum(any(s.free for s in f) for f in parsed) / n, 1)
        if n
        else 0.0,
        "most_repeated": [
            {"sentence": examples[k], "bodies": free_uses[k]}
            for k, _ in free_uses.most_common(5)
            if free_uses[k] > 1
        ],
    }
