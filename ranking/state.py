"""What the ranker knows of one user at request time: rebuilt from the store for every request, so new
events count at once and an erased user leaves nothing behind in the model."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(slots=True)
class UserState:
    """What the ranker knows of one user right now (computed from the store at request time)."""

    user_id: str
    weights: dict[int, float] = field(default_factory=dict)  # item index -> positive weight
    recent: dict[int, float] = field(default_factory=dict)  # item index -> how recently touched (1 = latest)
    negatives: set[int] = field(default_factory=set)
    purchased: set[int] = field(default_factory=set)
    touch: dict[int, str] = field(default_factory=dict)  # item index -> "bought", "liked" or "viewed"
    vector: np.ndarray | None = None
    content: np.ndarray | None = None
    categories: dict[str, float] = field(default_factory=dict)
    brands: dict[str, float] = field(default_factory=dict)
    category_brands: dict[tuple[str, str], float] = field(default_factory=dict)
    price_center: float | None = None

    @property
    def is_cold(self) -> bool:
        return not self.weights
