"""Who a campaign reaches: opted-in users, narrowed by filters on their profile and behaviour."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from assistant.push.campaign import Audience, Campaign
from ranking.event_store import EventStore
from ranking.records import User, UserProfile
from retrieval.filters import PATH_SEPARATOR, category_matches


def assign_variant(campaign: Campaign, user_id: str) -> str:
    """A stable A/B assignment: the same user gets the same variant on every run and every machine."""
    digest = hashlib.sha256(f"{campaign.id}:{user_id}".encode()).digest()
    return campaign.variant_names[int.from_bytes(digest[:8], "big") % campaign.variants]


def profile_matches(audience: Audience, profile: UserProfile) -> bool:
    if audience.interest_tags and not set(audience.interest_tags) & {
        t.lower() for t in profile.interest_tags
    }:
        return False
    # The filters' category rule (retrieval/filters.py): "Electronics" matches "Electronics > Headphones",
    # "Headphones" matches it too, "Phones" does not.
    if audience.categories and not any(
        category_matches(c, have.split(PATH_SEPARATOR))
        for c in audience.categories
        for have, _ in profile.top_categories
    ):
        return False
    if audience.price_band:
        if profile.price_band is None:
            return False
        low, high = audience.price_band
        if profile.price_band[1] < low or profile.price_band[0] > high:
            return False
    return True


def _needs_profile(audience: Audience) -> bool:
    return bool(audience.interest_tags or audience.categories or audience.price_band)


def select_audience(
    users: Iterable[User],
    events: EventStore,
    campaign: Campaign,
    now: datetime,
    profile: Callable[[str], UserProfile] | None = None,
) -> tuple[list[str], dict[str, int]]:
    """The ids of the users the campaign selects (sorted), and how many were left out for which reason.

    Users who did not opt in to marketing are never selected, whatever the filters say.
    """
    audience = campaign.audience
    left_out: dict[str, int] = {}
    selected = []
    active_since = (
        int((now - timedelta(days=audience.active_within_days)).timestamp())
        if audience.active_within_days
        else None
    )
    for user in users:
        reason = _left_out_reason(user, audience, events, active_since, profile)
        if reason:
            left_out[reason] = left_out.get(reason, 0) + 1
        else:
            selected.append(user.id)
    return sorted(selected), left_out


def _left_out_reason(
    user: User,
    audience: Audience,
    events: EventStore,
    active_since: int | None,
    profile: Callable[[str], UserProfile] | None,
) -> str | None:
    if not user.marketing_opt_in:
        return "not_opted_in"
    if active_since is not None or audience.customer != "any":
        history = events.events_for(user.id)
        if active_since is not None and not any(e.time >= active_since for e in history):
            return "inactive"
        bought = any(e.kind == "purchase" for e in history)
        if audience.customer == "new" and bought:
            return "returning_customer"
        if audience.customer == "returning" and not bought:
            return "new_customer"
    if _needs_profile(audience):
        if profile is None:
            raise ValueError(
                "this audience filters on profiles (interest tags, categories or price band); "
                "pass a profile function (Shop.profile)"
            )
        if not profile_matches(audience, profile(user.id)):
            return "profile_filter"
    return None
