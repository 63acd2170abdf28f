"""What the rest of shopmate asks of a recommender: the contract `RankingService` fulfils, held by
tests/contracts/test_recommender.py for every implementation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ranking.records import Event, RankedItem, UserProfile
from retrieval.filters import SearchFilters
from retrieval.records import Candidate


@runtime_checkable
class Recommender(Protocol):
    def recommend(
        self, user_id: str | None, k: int = 10, filters: SearchFilters | dict | None = None
    ) -> list[RankedItem]:
        """At most `k` products for the user within `filters`, best first, each with a reason."""
        ...

    def recommend_among(
        self, user_id: str | None, product_ids: Sequence[str], k: int = 10
    ) -> list[RankedItem]:
        """The same, drawn only from `product_ids` (a campaign's offers); nobody searched."""
        ...

    def rank(
        self, user_id: str | None, candidates: list[Candidate], k: int | None = None
    ) -> list[RankedItem]:
        """Search candidates reordered for the user; never a product that was not a candidate."""
        ...

    def profile(self, user_id: str) -> UserProfile: ...

    def record_events(self, events: list[Event]) -> dict:
        """Feedback that the user's next answer already reflects."""
        ...
