"""The catalog records, defined once and shared by the CLI, the HTTP API and the UI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# The fields a result list shows of a product; the HTTP API builds its result schemas from them too.
SUMMARY_FIELDS = ("id", "title", "brand", "category", "price", "currency", "rating", "rating_count")


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    title: str
    description: str = ""
    category: tuple[str, ...] = ()
    brand: str = ""
    price: float | None = None
    currency: str = "USD"
    attributes: dict[str, str] = field(default_factory=dict)
    image_url: str = ""
    rating: float | None = None
    rating_count: int = 0

    @property
    def category_path(self) -> str:
        return " > ".join(self.category)

    @property
    def top_category(self) -> str:
        return self.category[0] if self.category else ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["category"] = list(self.category)
        return data

    def summary(self) -> dict[str, Any]:
        """What a result list shows of the product (search and ranking answers start with it)."""
        data = {name: getattr(self, name) for name in SUMMARY_FIELDS}
        data["category"] = list(self.category)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Product:
        return cls(**{**data, "category": tuple(data.get("category") or ())})


@dataclass(frozen=True, slots=True)
class Review:
    id: str
    product_id: str
    user_id: str | None
    rating: int
    title: str = ""
    text: str = ""
    time: int = 0
    verified: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A product that retrieval found for a query, with the review passages that support the match."""

    product: Product
    score: float
    evidence: tuple[str, ...] = ()
    dense_score: float | None = None
    lexical_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.product.summary(),
            "score": round(float(self.score), 6),
            "evidence": list(self.evidence),
        }  # numpy floats print as strings
