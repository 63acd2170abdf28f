"""The kind of product a query asks for, learned from the catalog's own product vectors and titles.

A kind (a category, named by its most specific level within the first two) is read two ways per encoder:
by its products nearest the query (the mean similarity of its `NEIGHBOURS` best products: a kind holds
several sorts of product, and a single centroid blurs them), and by its names, the label and the product
types its titles name ("earbuds", "foam roller", learned from the titles, `kind_names`), which say what a
product *is* where its description also says what it is for. The query's whole text is read against both,
so a word that several kinds share ("dry" skin and staying dry, a "home" workout and a home kitchen)
counts in the context of the rest of the query. Search boosts products of the likely kinds and drops the
unlikely ones; the chat asks back when the two best kinds are close.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.encoders import Encoder

CATEGORY_DEPTH = 2  # deeper levels of real catalogs are often feature text, not kinds (Amazon's Gift Cards)
MIN_PRODUCTS = 3  # a "kind" with fewer products is noise in the path, not a kind a shopper asks for
NEIGHBOURS = 5  # a kind's say is the mean similarity of its this many products nearest the query
MAX_PER_KIND = 500  # products kept per kind for that reading: bounds memory on a large catalog
NAME_SHARE = 0.15  # a title phrase names a product type when this share of a kind's titles hold it...
NAME_ELSEWHERE = 0.01  # ...and at most this share of the other kinds' titles do
_TITLE_WORD = re.compile(r"[^\W\d_][\w'&-]*")


def category_label(path: Sequence[str]) -> str:
    """The kind of product a category path names: its most specific name within the first two levels."""
    return path[:CATEGORY_DEPTH][-1] if path else ""


def names_a_kind(category: str) -> bool:
    """Whether a category reads as a kind of product a shopper could pick ("Rain Jackets"); real catalogs
    also file products under slogans ("No expiration, no fees."), which no question should offer."""
    return 0 < len(category.split()) <= 4 and not re.search(r"[,.;:!?]", category)


def _title_phrases(title: str, brand: str) -> set[str]:
    """Phrases of up to three words in a title, before any comma (colours and sizes follow it) and
    without the brand (a brand says who made it, not what it is)."""
    head = title.split(",")[0]
    if brand and head.lower().startswith(brand.lower()):
        head = head[len(brand) :]
    words = _TITLE_WORD.findall(head.lower())
    return {" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}


def kind_names(
    labels: Sequence[str], titles: Sequence[str], brands: Sequence[str] = ()
) -> dict[str, list[str]]:
    """Per kind: its label and the product types its titles name ("wireless headphones", "earbuds").

    A phrase names a type when at least `NAME_SHARE` of the kind's titles hold it and almost none of the
    other kinds' do; a phrase inside a longer one that is about as common adds nothing ("pack" in
    "travel pack"). Model names and adjectives shared across kinds ("Pro", "Trail") fall out by the
    second rule."""
    brands = list(brands) or [""] * len(titles)
    if not len(labels) == len(titles) == len(brands):
        raise ValueError(
            f"kind_names: {len(labels)} labels, {len(titles)} titles and {len(brands)} brands; "
            "pass one of each per product"
        )
    size: Counter[str] = Counter(labels)
    counts: dict[str, Counter[str]] = {}
    for label, title, brand in zip(labels, titles, brands, strict=True):
        counts.setdefault(label, Counter()).update(_title_phrases(title, brand))
    total = Counter()
    for found in counts.values():
        total.update(found)
    names: dict[str, list[str]] = {}
    for label, found in counts.items():
        others = len(labels) - size[label]
        kept = {
            phrase: n / size[label]
            for phrase, n in found.items()
            if n >= MIN_PRODUCTS
            and n / size[label] >= NAME_SHARE
            and (total[phrase] - n) / max(others, 1) <= NAME_ELSEWHERE
        }
        longest = [
            p
            for p, share in kept.items()
            if not any(q != p and f" {p} " in f" {q} " and kept[q] >= 0.9 * share for q in kept)
        ]
        names[label] = [label, *sorted(p for p in longest if p != label.lower())]
    return names


@dataclass(frozen=True, slots=True)
class CategoryGuess:
    """Kinds of product, most likely first, with their probabilities (they sum to 1)."""

    names: tuple[str, ...]
    probs: tuple[float, ...]

    @property
    def top(self) -> str | None:
        return self.names[0] if self.names else None

    def weight(self, name: str) -> float:
        """How likely `name` is next to the most likely kind: 1.0 for the best, 0.0 for an unknown kind."""
        if not self.names or name not in self.names:
            return 0.0
        return self.probs[self.names.index(name)] / max(self.probs[0], 1e-12)

    def close_pair(self, ratio: float) -> tuple[str, str] | None:
        """The two best kinds when the second is at least `ratio` as likely as the first, else None."""
        if len(self.names) < 2 or self.probs[1] < ratio * self.probs[0]:
            return None
        return self.names[0], self.names[1]

    def restricted(self, names: Sequence[str]) -> CategoryGuess:
        """The same guess over `names` only, renormalized (to read an answer to "A or B?")."""
        keep = [(n, p) for n, p in zip(self.names, self.probs, strict=True) if n in names]
        total = sum(p for _, p in keep) or 1.0
        return CategoryGuess(tuple(n for n, _ in keep), tuple(p / total for _, p in keep))


@dataclass(frozen=True, slots=True)
class Reading:
    """Query vectors made by one channel's encoder (one row per query), and their say in the guess. One
    channel may read two texts: a need and the model's rewrite of it."""

    channel: str
    vectors: np.ndarray
    weight: float


class CategoryModel:
    """`fit(labels, vectors, titles, encoders)` with one vector matrix per encoder channel, then
    `predict(readings)`.

    `temperature` turns the centred similarities into probabilities: lower is more decisive.
    `names` weighs the reading by names next to the reading by products (0 leaves names out).
    """

    def __init__(self, temperature: float = 0.08, names: float = 1.0):
        self.temperature = temperature
        self.names = names

    def fit(
        self,
        labels: Sequence[str],
        vectors: Mapping[str, np.ndarray],
        titles: Sequence[str] = (),
        encoders: Mapping[str, Encoder] | None = None,
        brands: Sequence[str] = (),
    ) -> CategoryModel:
        """`titles` (and `brands`, one per product) and `encoders` (per channel, the encoder that made its
        vectors) give each kind its names; without them kinds are read by their products only."""
        labels = np.asarray(list(labels), dtype=object)
        names, counts = np.unique(labels[labels != ""], return_counts=True) if len(labels) else ([], [])
        self.names_ = tuple(str(n) for n, c in zip(names, counts, strict=True) if c >= MIN_PRODUCTS)
        members = [np.flatnonzero(labels == name)[:MAX_PER_KIND] for name in self.names_]
        self.products_: dict[str, list[np.ndarray]] = {}
        self.name_vectors_: dict[str, list[np.ndarray]] = {}
        self.kind_names_ = kind_names(list(labels), list(titles), list(brands)) if len(titles) else {}
        for channel, matrix in vectors.items():
            matrix = np.asarray(matrix, dtype=np.float32)
            if len(matrix) != len(labels):
                raise ValueError(
                    f"CategoryModel.fit: channel {channel!r} has {len(matrix)} vectors for "
                    f"{len(labels)} labels; pass one vector per product"
                )
            self.products_[channel] = [matrix[rows] for rows in members]
            encoder = (encoders or {}).get(channel)
            if encoder is not None and self.kind_names_ and self.names_:
                texts = [self.kind_names_.get(name, [name]) for name in self.names_]
                flat = encoder.encode([t for group in texts for t in group])
                cuts = np.cumsum([len(group) for group in texts])[:-1]
                self.name_vectors_[channel] = np.split(flat, cuts)
        return self

    def _channel_scores(self, channel: str, queries: np.ndarray) -> np.ndarray:
        queries = np.asarray(queries, dtype=np.float32)
        by_products = np.zeros((len(queries), len(self.names_)), dtype=np.float64)
        for j, matrix in enumerate(self.products_[channel]):
            sims = queries @ matrix.T
            m = min(NEIGHBOURS, sims.shape[1])
            by_products[:, j] = np.partition(sims, sims.shape[1] - m, axis=1)[:, -m:].mean(axis=1)
        # Centred: encoders differ in their typical cosine, not in what the ordering means.
        score = by_products - by_products.mean(axis=1, keepdims=True)
        if self.names > 0 and channel in self.name_vectors_:
            by_names = np.stack([(queries @ v.T).mean(axis=1) for v in self.name_vectors_[channel]], axis=1)
            score += self.names * (by_names - by_names.mean(axis=1, keepdims=True))
        return score

    def predict(self, readings: Sequence[Reading]) -> list[CategoryGuess]:
        """One guess per query row, the readings' scores averaged by their weights (a reading of a channel
        the model was not fitted on, or of weight 0, has no say)."""
        if not hasattr(self, "names_"):
            raise ValueError("CategoryModel is not fitted; call fit(labels, vectors) first")
        used = [r for r in readings if r.weight > 0 and r.channel in self.products_]
        n = len(readings[0].vectors) if readings else 0
        if not used or len(self.names_) < 2:
            return [
                CategoryGuess(self.names_, tuple([1.0 / max(len(self.names_), 1)] * len(self.names_)))
                for _ in range(n)
            ]
        total = sum(r.weight for r in used)
        score = sum(r.weight / total * self._channel_scores(r.channel, r.vectors) for r in used)
        logits = score / self.temperature
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        guesses = []
        for row in probs:
            order = np.argsort(-row, kind="stable")
            guesses.append(
                CategoryGuess(tuple(self.names_[i] for i in order), tuple(float(row[i]) for i in order))
            )
        return guesses
