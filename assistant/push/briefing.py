"""The driver's half of the per-user work: checks on the user and the moment, the ranker's picks, and
the brief the model writes from.

It reads the store (users, events, the push ledger, the ranker); what it hands on is plain data
(`ComposeTask`), so the writing half (`assistant.push.compose`) can run in a worker that has no store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.push.audience import assign_variant
from assistant.push.campaign import Campaign
from assistant.push.copy import Brief
from assistant.push.guardrails import plan_send_time, under_frequency_cap
from assistant.push.ledger import PushLedger, Skip
from assistant.push.records import Offer, Pick
from ranking.event_store import EventStore
from ranking.records import RankedItem, User, UserProfile
from retrieval.catalog_store import CatalogStore
from retrieval.filters import category_matches

# (user id, product ids, k) -> the ranker's page among those products, with recommendation reasons.
PickFn = Callable[[str, Sequence[str], int], list[RankedItem]]


@dataclass(frozen=True, slots=True)
class ComposeTask:
    """One user's message to write: everything the writer needs, read from the store beforehand."""

    user: str
    variant: str
    send_at: datetime
    picks: tuple[Pick, ...]
    brief: Brief
    # Promoted products the user bought lately: the copy must not push them (a check, and the fallback's).
    bought: frozenset[str]


def resolve_offers(catalog: CatalogStore, campaign: Campaign) -> list[Offer]:
    """Every product on promotion with its discount (the largest when several promotions name it)."""
    best: dict[str, Offer] = {}
    explicit = {pid for promo in campaign.promotions for pid in promo.products}
    found = catalog.get_products(sorted(explicit)) if explicit else {}
    missing = sorted(explicit - set(found))
    if missing:
        raise ValueError(
            f"{campaign.path}: [promotions] products {', '.join(missing[:5])} are not in the catalog; "
            "check the ids with 'shopmate status' or remove them"
        )
    wide = any(promo.categories or promo.brands for promo in campaign.promotions)
    products = list(found.values()) + (
        [p for p in catalog.iter_products() if p.id not in found] if wide else []
    )
    for product in products:
        if product.price is None or product.price <= 0:
            continue
        for promo in campaign.promotions:
            hit = (
                product.id in promo.products
                or product.brand in promo.brands
                or any(category_matches(c, product.category) for c in promo.categories)
            )
            if hit and (product.id not in best or promo.discount_pct > best[product.id].discount_pct):
                best[product.id] = Offer(product=product, discount_pct=promo.discount_pct, ends=promo.ends)
    if not best:
        raise ValueError(
            f"{campaign.path}: [promotions] match no priced product in the catalog; check the "
            "category paths and brands against 'shopmate status' or the catalog file"
        )
    return sorted(best.values(), key=lambda o: o.product.id)


def user_language(campaign: Campaign, user: User) -> str:
    if campaign.language != "auto":
        return campaign.language
    return "zh" if user.locale.lower().startswith("zh") else "en"


class Briefer:
    def __init__(
        self,
        campaign: Campaign,
        offers: Sequence[Offer],
        *,
        events: EventStore,
        ledger: PushLedger | None,
        pick: PickFn,
        now: datetime,
        profile: Callable[[str], UserProfile] | None = None,
    ):
        self.campaign = campaign
        self.offers = {o.product.id: o for o in offers}
        self.events = events
        self.ledger = ledger
        self.pick = pick
        self.profile = profile
        self.now = now

    def prepare(self, user_id: str) -> ComposeTask | Skip:
        """The user's task, or why the user gets no message (opted out, quiet hours, frequency cap, ...)."""
        c = self.campaign
        user = self.events.get_user(user_id)
        if user is None or not user.marketing_opt_in:
            return Skip(c.id, user_id, "opted_out")
        send_at = plan_send_time(user, c.send_start, c.send_end, self.now)
        if send_at is None:
            return Skip(c.id, user_id, "quiet_hours")
        others = self.ledger.other_sends(user_id, c.id) if self.ledger else []
        if not under_frequency_cap(others, send_at, c.limits.frequency_cap, c.limits.frequency_days):
            return Skip(c.id, user_id, "frequency_cap")
        bought = self.recently_bought(user_id)
        eligible = [o for pid, o in self.offers.items() if pid not in bought]
        if not eligible:
            return Skip(c.id, user_id, "recently_bought")
        # The ranker's recommendation among the offers: its reasons are why this person, never a search.
        ranked = self.pick(user_id, [o.product.id for o in eligible], c.limits.products_per_message)
        picks = tuple(
            Pick(self.offers[r.product.id], r.score, tuple(str(reason) for reason in r.reasons))
            for r in ranked[: c.limits.products_per_message]
            if r.product.id in self.offers and r.product.id not in bought
        )
        if not picks:
            return Skip(c.id, user_id, "no_pick")
        variant = assign_variant(c, user_id)
        reasons = tuple(dict.fromkeys(r for p in picks for r in p.reasons))
        brief = Brief(
            user_name=user.name,
            language=user_language(c, user),
            offers=tuple(p.offer for p in picks),
            reasons=reasons,
            tone=c.tone,
            angle=c.angle(variant),
            channel=c.channel.kind,
            title_max=c.channel.title_max,
            body_max=c.channel.body_max,
            interests=self._interests(user_id),
            seed=_seed(user_id),
        )
        return ComposeTask(
            user=user_id, variant=variant, send_at=send_at, picks=picks, brief=brief, bought=frozenset(bought)
        )

    def _interests(self, user_id: str) -> tuple[str, ...]:
        """What the person shops for, from their profile: their leading categories, by name."""
        if self.profile is None:
            return ()
        return tuple(
            dict.fromkeys(c.split(" > ")[-1].lower() for c, _ in self.profile(user_id).top_categories[:3])
        )

    def recently_bought(self, user_id: str) -> set[str]:
        days = self.campaign.limits.exclude_bought_days
        since = int((self.now - timedelta(days=days)).timestamp())
        return {e.product_id for e in self.events.events_for(user_id, since) if e.kind == "purchase"}


def _seed(user_id: str) -> int:
    """A stable number per person (the same on every run and machine) that varies hooks and phrasings."""
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big")
