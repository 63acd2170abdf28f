"""A campaign's audience categories follow the filters' category rule (retrieval/filters.py)."""

from __future__ import annotations

import pytest

from assistant.push.audience import profile_matches
from assistant.push.campaign import Audience
from ranking.records import UserProfile

PROFILE = UserProfile("u1", top_categories=(("Sports & Outdoors > Running Shoes", 0.7), ("Electronics", 0.3)))


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (("Sports & Outdoors",), True),  # everything under it
        (("running shoes",), True),  # its own level, any case
        (("Sports & Outdoors > Running Shoes",), True),
        (("Shoes",), False),  # a name is a whole level, as in search and recommend
        (("Electronics > Headphones",), False),  # the shopper's interest is wider than the path asked for
        (("Home & Kitchen", "electronics"), True),
    ],
)
def test_audience_categories_match_as_search_filters_do(categories, expected):
    assert profile_matches(Audience(categories=categories), PROFILE) is expected
