"""Hard filters on products, defined once: `SearchFilters`, its scalar test, a vectorized mask over the
catalog's columns and the same constraints as a Chroma `where` clause.

Search, recommendations and push audiences all read filters through this module, so a filter means the
same everywhere. The rules:

- **categories**: a filter category is a name ("Hiking Boots") or a path ("Sports & Outdoors > Hiking
  Boots"). It matches a product when its names equal a run of consecutive levels of the product's
  category path, ignoring case: "Sports & Outdoors" matches everything under it, "Hiking Boots"
  matches its own level wherever it sits. A name is a whole level, never a part of one: "Shoes" does
  not match "Running Shoes" (a kind of its own). Several categories: any of them.
- **brands / exclude_brands**: the product's brand equals one of them, ignoring case.
- **min_price / max_price / min_rating**: bounds, inclusive; a product without a price (rating) fails
  a price (rating) bound.
- **exclude_ids**: those products never.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from retrieval.records import Product

CATEGORY_LEVELS = 4  # category levels stored in the Chroma metadata (cat_0 .. cat_3)
PATH_SEPARATOR = " > "

_TUPLE_FIELDS = ("categories", "brands", "exclude_brands", "exclude_ids")
_NUMBER_FIELDS = ("min_price", "max_price", "min_rating")


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Hard constraints on products (the rules are in this module's docstring)."""

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
                raise TypeError(
                    f"SearchFilters.{name} must be a tuple of strings, got {type(value).__name__} "
                    f"{value!r}; write {name}=({value!r},) for one value"
                )
            if not all(isinstance(v, str) for v in value):
                raise TypeError(f"SearchFilters.{name} must hold strings only, got {value!r}")
            object.__setattr__(self, name, tuple(value))
        for name in _NUMBER_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(
                    f"SearchFilters.{name} must be a number or None, got {type(value).__name__} "
                    f"{value!r}; write e.g. {name}=50"
                )
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"SearchFilters.{name} must be a finite number >= 0, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ValueError(
                f"SearchFilters: min_price {self.min_price} is above max_price {self.max_price}; swap them"
            )
        if self.min_rating is not None and self.min_rating > 5:
            raise ValueError(f"SearchFilters.min_rating is on a 0-5 scale, got {self.min_rating}")
        for category in self.categories:
            check_category(category, "SearchFilters.categories")

    @classmethod
    def coerce(cls, value: SearchFilters | dict[str, Any] | None) -> SearchFilters | None:
        """A SearchFilters from what callers pass (itself, a dict of its fields, or None)."""
        if value is None or isinstance(value, SearchFilters):
            return value
        if isinstance(value, dict):
            return cls.from_dict(value)
        raise TypeError(
            f"filters must be a SearchFilters (from retrieval.filters), a dict of its fields or None, "
            f"got {type(value).__name__}"
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchFilters:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown search filters {unknown}; known: {sorted(known)}")
        return cls(
            **{k: tuple(v) if k in _TUPLE_FIELDS and isinstance(v, list) else v for k, v in data.items()}
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: list(getattr(self, f.name)) if f.name in _TUPLE_FIELDS else getattr(self, f.name)
            for f in fields(self)
        }

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
            categories=union(self.categories, other.categories),
            brands=union(self.brands, other.brands),
            exclude_brands=union(self.exclude_brands, other.exclude_brands),
            min_price=tighter(self.min_price, other.min_price, max),
            max_price=tighter(self.max_price, other.max_price, min),
            min_rating=tighter(self.min_rating, other.min_rating, max),
            exclude_ids=union(self.exclude_ids, other.exclude_ids),
        )

    def accepts(self, product: Product) -> bool:
        """The rules for one product; `CatalogColumns.mask` is the same test for every product at once."""
        if self.exclude_ids and product.id in self.exclude_ids:
            return False
        if self.categories and not any(category_matches(c, product.category) for c in self.categories):
            return False
        brand = product.brand.casefold()
        if self.brands and brand not in {b.casefold() for b in self.brands}:
            return False
        if self.exclude_brands and brand in {b.casefold() for b in self.exclude_brands}:
            return False
        if self.min_price is not None and (product.price is None or product.price < self.min_price):
            return False
        if self.max_price is not None and (product.price is None or product.price > self.max_price):
            return False
        return self.min_rating is None or (product.rating is not None and product.rating >= self.min_rating)


def category_segments(category: str) -> tuple[str, ...]:
    """A filter category's names, case-folded: "Sports & Outdoors > Hiking Boots" -> two names."""
    return tuple(s for s in (part.strip().casefold() for part in category.split(PATH_SEPARATOR.strip())) if s)


def check_category(name: str, where: str = "a category filter") -> str:
    """`name` when it names a category (a name or a path of names); else a ValueError naming the fix."""
    if not category_segments(name):
        raise ValueError(
            f"{where} holds an empty name {name!r}; drop it or write a name such as 'Hiking Boots' "
            "or a path such as 'Sports & Outdoors > Hiking Boots'"
        )
    return name


def category_matches(wanted: str, path: Sequence[str]) -> bool:
    """True when `wanted` (a name or a path) equals a run of consecutive levels of `path`, ignoring case."""
    run = category_segments(wanted)
    levels = [level.strip().casefold() for level in path]
    return bool(run) and any(
        tuple(levels[i : i + len(run)]) == run for i in range(len(levels) - len(run) + 1)
    )


@dataclass(frozen=True, slots=True)
class CatalogColumns:
    """The filterable fields of a list of products as numpy columns, row i being `ids[i]`.

    A catalog has few distinct category paths and brands, so each is tested once (with the scalar
    rule) and the answer spread over the rows by code: the mask cannot drift from `accepts`.
    """

    ids: np.ndarray  # product ids (object)
    price: np.ndarray  # float64, NaN where unknown
    rating: np.ndarray  # float64, NaN where unknown
    brand_code: np.ndarray  # int32 index into `brands`
    path_code: np.ndarray  # int32 index into `paths`
    brands: tuple[str, ...]  # case-folded
    paths: tuple[tuple[str, ...], ...]
    row: dict[str, int]
    # Case-folded name -> the catalog's spellings of it, for Chroma, which compares strings exactly.
    brand_spellings: dict[str, set[str]]
    level_spellings: dict[str, set[str]]

    @classmethod
    def build(
        cls, rows: Iterable[tuple[str, str, float | None, float | None, Sequence[str]]]
    ) -> CatalogColumns:
        """From (id, brand, price, rating, category path) tuples, in row order."""
        ids, prices, ratings, brand_codes, path_codes = [], [], [], [], []
        brands: dict[str, int] = {}
        paths: dict[tuple[str, ...], int] = {}
        brand_spellings: dict[str, set[str]] = {}
        for pid, brand, price, rating, path in rows:
            ids.append(pid)
            prices.append(np.nan if price is None else price)
            ratings.append(np.nan if rating is None else rating)
            folded = brand.casefold()
            if folded not in brands:
                brands[folded] = len(brands)
            brand_codes.append(brands[folded])
            brand_spellings.setdefault(folded, set()).add(brand)
            path_codes.append(paths.setdefault(tuple(path), len(paths)))
        level_spellings: dict[str, set[str]] = {}
        for path in paths:
            for level in path[:CATEGORY_LEVELS]:
                level_spellings.setdefault(level.strip().casefold(), set()).add(level)
        return cls(
            ids=np.array(ids, dtype=object),
            price=np.array(prices, dtype=np.float64),
            rating=np.array(ratings, dtype=np.float64),
            brand_code=np.array(brand_codes, dtype=np.int32),
            path_code=np.array(path_codes, dtype=np.int32),
            brands=tuple(brands),
            paths=tuple(paths),
            row={pid: i for i, pid in enumerate(ids)},
            brand_spellings=brand_spellings,
            level_spellings=level_spellings,
        )

    @classmethod
    def of_products(cls, products: Iterable[Product]) -> CatalogColumns:
        return cls.build((p.id, p.brand, p.price, p.rating, p.category) for p in products)

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, filters: SearchFilters | None) -> np.ndarray:
        """`filters.accepts` for every row at once."""
        keep = np.ones(len(self.ids), dtype=bool)
        if filters is None:
            return keep
        if filters.categories:
            hit = np.array(
                [any(category_matches(c, path) for c in filters.categories) for path in self.paths],
                dtype=bool,
            )
            keep &= hit[self.path_code]
        if filters.brands:
            keep &= self._brand_in(filters.brands)[self.brand_code]
        if filters.exclude_brands:
            keep &= ~self._brand_in(filters.exclude_brands)[self.brand_code]
        # NaN compares false: a product without a price or rating fails the bound, as in `accepts`.
        with np.errstate(invalid="ignore"):
            if filters.min_price is not None:
                keep &= self.price >= filters.min_price
            if filters.max_price is not None:
                keep &= self.price <= filters.max_price
            if filters.min_rating is not None:
                keep &= self.rating >= filters.min_rating
        if filters.exclude_ids:
            keep[[self.row[i] for i in filters.exclude_ids if i in self.row]] = False
        return keep

    def _brand_in(self, names: Sequence[str]) -> np.ndarray:
        wanted = {n.casefold() for n in names}
        return np.array([b in wanted for b in self.brands], dtype=bool)


def chroma_where(
    filters: SearchFilters | None, columns: CatalogColumns | None = None
) -> dict[str, Any] | None:
    """The same constraints as `SearchFilters.accepts`, as a Chroma `where` over `product_metadata`.

    Chroma compares strings exactly, so names are expanded to the catalog's spellings of them (from
    `columns`; without it, as written). Chroma holds the first CATEGORY_LEVELS levels of a path only:
    a filter on a deeper level is looser there, and search keeps only what `CatalogColumns.mask` accepts.
    """
    if filters is None:
        return None
    levels = columns.level_spellings if columns is not None else None
    brands = columns.brand_spellings if columns is not None else None
    clauses: list[dict[str, Any]] = []
    if filters.categories:
        clauses.append(_category_clause(filters.categories, levels))
    if filters.brands:
        clauses.append({"brand": {"$in": _spelled(filters.brands, brands)}})
    if filters.exclude_brands:
        clauses.append({"brand": {"$nin": _spelled(filters.exclude_brands, brands)}})
    bounds = (("price", "$gte", filters.min_price), ("price", "$lte", filters.max_price))
    bounds += (("rating", "$gte", filters.min_rating),)
    clauses += [{field: {op: value}} for field, op, value in bounds if value is not None]
    if filters.exclude_ids:
        clauses.append({"product_id": {"$nin": list(filters.exclude_ids)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _spelled(names: Iterable[str], table: dict[str, set[str]] | None) -> list[str]:
    """Each name as written and as the catalog spells it."""
    return sorted({s for n in names for s in (n.strip(), *(table or {}).get(n.strip().casefold(), ()))})


def _category_clause(categories: Iterable[str], levels: dict[str, set[str]] | None) -> dict[str, Any]:
    """A path may stand at any depth of the levels Chroma holds: one option per place it fits."""
    options: list[dict[str, Any]] = []
    for category in categories:
        run = [p.strip() for p in category.split(PATH_SEPARATOR.strip()) if p.strip()][-CATEGORY_LEVELS:]
        for start in range(CATEGORY_LEVELS - len(run) + 1):
            placed = [{f"cat_{start + j}": {"$in": _spelled([name], levels)}} for j, name in enumerate(run)]
            options.append(placed[0] if len(placed) == 1 else {"$and": placed})
    return {"$or": options} if len(options) > 1 else options[0]
