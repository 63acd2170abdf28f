"""When a reason may name another product: "similar to X, which you viewed", "goes with X".

Two tests, both learned from the store's own data at training time:
- the categories must be ones people combine: the same category, or two categories found together in
  one basket (a session, or one user's day when events carry no session) more often than chance
  (lift above `min_lift`) in at least `min_support` baskets (`CategoryCombinations`);
- X must be close enough: its similarity to the product must reach a floor chosen on the catalog, the
  similarity that only a small share (`tail`) of pairs from categories people do not combine reach
  (`similarity_floor`).
Running shoes are then never "similar to" a sunscreen, and headphones never "go with" a knife unless
shoppers' baskets say that people buy them together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np


class CategoryCombinations:
    """Pairs of categories that people combine, by lift over chance in shared baskets."""

    def __init__(self, min_support: int = 5, min_lift: float = 1.0):
        self.min_support = min_support
        self.min_lift = min_lift

    def fit(self, baskets: Iterable[Iterable[str]]) -> CategoryCombinations:
        """`baskets`: the categories of the products in each basket (repeats within one are ignored)."""
        self.baskets_ = 0
        self.counts_: Counter[str] = Counter()
        self.pair_counts_: Counter[tuple[str, str]] = Counter()
        for basket in baskets:
            cats = sorted(set(basket))
            if not cats:
                continue
            self.baskets_ += 1
            self.counts_.update(cats)
            self.pair_counts_.update(combinations(cats, 2))
        self.pairs_ = {
            pair
            for pair, n in self.pair_counts_.items()
            if n >= self.min_support and self.lift(*pair) > self.min_lift
        }
        return self

    def lift(self, a: str, b: str) -> float:
        """How much more often a and b share a basket than if baskets drew categories independently."""
        self._check_fitted()
        pair = (a, b) if a <= b else (b, a)
        expected = self.counts_[a] * self.counts_[b] / max(self.baskets_, 1)
        return self.pair_counts_[pair] / expected if expected else 0.0

    def combined(self, a: str, b: str) -> bool:
        self._check_fitted()
        return a == b or ((a, b) if a <= b else (b, a)) in self.pairs_

    def describe(self, top: int = 10) -> dict:
        self._check_fitted()
        strongest = sorted(self.pair_counts_, key=lambda p: -self.lift(*p))[:top]
        return {
            "baskets": self.baskets_,
            "categories": len(self.counts_),
            "combined_pairs": len(self.pairs_),
            "min_support": self.min_support,
            "min_lift": self.min_lift,
            "strongest": [
                {
                    "pair": list(p),
                    "baskets": self.pair_counts_[p],
                    "lift": round(self.lift(*p), 2),
                    "combined": p in self.pairs_,
                }
                for p in strongest
            ],
        }

    def _check_fitted(self) -> None:
        if not hasattr(self, "counts_"):
            raise ValueError("CategoryCombinations is not fitted; call fit(baskets) first")


@dataclass(frozen=True, slots=True)
class FloorChoice:
    """A similarity floor and the evidence it was chosen on (kept in the model's manifest)."""

    floor: float
    tail: float
    unrelated_pairs: int  # pairs from categories people do not combine (the reference)
    same_category_pairs: int
    same_category_passing: float  # share of same-category pairs at or above the floor
    unrelated_median: float
    same_category_median: float

    def to_dict(self) -> dict:
        return {
            name: round(v, 4) if isinstance(v, float) else v
            for name, v in ((n, getattr(self, n)) for n in self.__slots__)
        }


def _cosine_rows(vectors: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x, y = vectors[a], vectors[b]
    return (x * y).sum(axis=1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1) + 1e-9)


def similarity_floor(
    vectors: np.ndarray,
    categories: Sequence[str],
    combined,
    tail: float = 0.05,
    pairs: int = 20000,
    seed: int = 0,
) -> FloorChoice:
    """The similarity reached by only `tail` of random pairs from categories people do not combine.

    Where every category is combined with every other (a one-category store), the reference is random
    pairs of any two products instead: X must still be closer than all but `tail` of those.
    """
    n = len(categories)
    if n < 2:
        return FloorChoice(1.0, tail, 0, 0, 0.0, 0.0, 0.0)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, pairs), rng.integers(0, n, pairs)
    keep = a != b
    a, b = a[keep], b[keep]
    sims = _cosine_rows(vectors, a, b)
    same = np.array([categories[i] == categories[j] for i, j in zip(a, b, strict=True)], dtype=bool)
    unrelated = np.array(
        [not combined(categories[i], categories[j]) for i, j in zip(a, b, strict=True)], dtype=bool
    )
    # Same-category pairs are rare in a random draw of a large catalog: draw more of them on purpose.
    by_cat: dict[str, list[int]] = {}
    for i, c in enumerate(categories):
        by_cat.setdefault(c, []).append(i)
    groups = [np.array(v) for v in by_cat.values() if len(v) > 1]
    if groups:
        picks = rng.integers(0, len(groups), pairs // 4)
        sa = np.array([rng.choice(groups[g]) for g in picks])
        sb = np.array([rng.choice(groups[g]) for g in picks])
        keep = sa != sb
        same_sims = np.concatenate([sims[same], _cosine_rows(vectors, sa[keep], sb[keep])])
    else:
        same_sims = sims[same]
    reference = sims[unrelated] if unrelated.sum() >= 200 else sims
    floor = float(np.quantile(reference, 1.0 - tail))
    return FloorChoice(
        floor,
        tail,
        int(unrelated.sum()),
        len(same_sims),
        float((same_sims >= floor).mean()) if len(same_sims) else 0.0,
        float(np.median(reference)),
        float(np.median(same_sims)) if len(same_sims) else 0.0,
    )
