"""The per-user work of a campaign: checks on the user, picks with the ranker, prompts, batched
generation, checks on the text, one regeneration, then the template fallback.

`Composer.compose(user_ids)` is the one function both engines run: the local engine calls it on
batches in this process, the Ray engine calls it inside Ray Data workers (`assistant.push.engines`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.push.audience import assign_variant
from assistant.push.campaign import Campaign
from assistant.push.copy import (
    Brief,
    build_prompt,
    fallback_message,
    fit_to_limits,
    parse_reply,
    worked_example,
)
from assistant.push.guardrails import (
    TextVerdict,
    check_text,
    plan_send_time,
    under_frequency_cap,
)
from assistant.push.ledger import PushLedger, Skip
from assistant.push.records import Offer, Pick, PushMessage
from assistant.push.variety import CampaignSentences, offer_names, sentences
from ranking.event_store import EventStore
from ranking.records import RankedItem, User, UserProfile
from retrieval.catalog_store import CatalogStore
from retrieval.filters import category_matches

# (user id, product ids, k) -> the ranker's page among those products, with recommendation reasons.
PickFn = Callable[[str, Sequence[str], int], list[RankedItem]]
MAX_NEW_TOKENS = 80


@dataclass(frozen=True, slots=True)
class Composed:
    message: PushMessage
    brief: Brief


def resolve_offers(catalog: CatalogStore, campaign: Campaign) -> list[Offer]:
    """Every product on promotion with its discount (the largest when several promotions name it)."""
    best: dict[str, Offer] = {}
    explicit = {pid for promo in campaign.promotions for pid in promo.products}
    found = catalog.get_products(sorted(explicit)) if explicit else {}
    missing = sorted(explicit - set(found))
    if missing:
        raise ValueError(f"{campaign.path}: [promotions] products {', '.join(missing[:5])} are not in the catalog; "
                         "check the ids with 'shopmate status' or remove them")
    wide = any(promo.categories or promo.brands for promo in campaign.promotions)
    products = list(found.values()) + ([p for p in catalog.iter_products() if p.id not in found] if wide else [])
    for product in products:
        if product.price is None or product.price <= 0:
            continue
        for promo in campaign.promotions:
            hit = (product.id in promo.products or product.brand in promo.brands
                   or any(category_matches(c, product.category) for c in promo.categories))
            if hit and (product.id not in best or promo.discount_pct > best[product.id].discount_pct):
                best[product.id] = Offer(product=product, discount_pct=promo.discount_pct, ends=promo.ends)
    if not best:
        raise ValueError(f"{campaign.path}: [promotions] match no priced product in the catalog; check the "
                         "category paths and brands against 'shopmate status' or the catalog file")
    return sorted(best.values(), key=lambda o: o.product.id)


def user_language(campaign: Campaign, user: User) -> str:
    if campaign.language != "auto":
        return campaign.language
    return "zh" if user.locale.lower().startswith("zh") else "en"


class Composer:
    def __init__(self, campaign: Campaign, offers: Sequence[Offer], *, events: EventStore, ledger: PushLedger | None,
                 pick: PickFn, generator, model_name: str, now: datetime, max_new_tokens: int = MAX_NEW_TOKENS,
                 known_brands: Sequence[str] = (), profile: Callable[[str], UserProfile] | None = None,
                 categories: Sequence[Sequence[str]] = ()):
        self.campaign = campaign
        self.offers = {o.product.id: o for o in offers}
        self.events = events
        self.ledger = ledger
        self.pick = pick
        self.profile = profile
        # The free sentences (not about the name and price) the campaign's admitted bodies already use;
        # a campaign that is not personalized sends one text to all on purpose.
        self.sentences = CampaignSentences() if campaign.personalized else None
        self.names = offer_names(offers)
        self.generator = generator
        self.model_name = model_name
        self.now = now
        self.max_new_tokens = max_new_tokens
        self.known_brands = tuple(known_brands)
        self.categories = tuple(tuple(c) for c in categories)

    @classmethod
    def from_shop(cls, shop, campaign: Campaign, now: datetime, generator=None, use_ledger: bool = True) -> Composer:
        generator = generator if generator is not None else shop.generator
        return cls(campaign, resolve_offers(shop.catalog, campaign), events=shop.events,
                   ledger=shop.push_ledger if use_ledger else None, pick=shop.ranking.recommend_among,
                   generator=generator, model_name=getattr(generator, "name", None) or shop.settings.llm, now=now,
                   known_brands=shop.catalog.brands(), profile=shop.profile, categories=shop.catalog.categories())

    # -- step 1: the user, the moment, the picks ----------------------------------------------------
    def _brief(self, user_id: str) -> tuple[Brief, str, datetime, tuple[Pick, ...]] | Skip:
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
        picks = tuple(Pick(self.offers[r.product.id], r.score, tuple(r.reasons))
                      for r in ranked[:c.limits.products_per_message] if r.product.id in self.offers
                      and r.product.id not in bought)
        if not picks:
            return Skip(c.id, user_id, "no_pick")
        variant = assign_variant(c, user_id)
        reasons = tuple(dict.fromkeys(r for p in picks for r in p.reasons))
        brief = Brief(user_name=user.name, language=user_language(c, user), offers=tuple(p.offer for p in picks),
                      reasons=reasons, tone=c.tone, angle=c.angle(variant), channel=c.channel.kind,
                      title_max=c.channel.title_max, body_max=c.channel.body_max,
                      interests=self._interests(user_id), seed=_seed(user_id))
        return brief, variant, send_at, picks

    def _interests(self, user_id: str) -> tuple[str, ...]:
        """What the person shops for, from their profile: their leading categories, by name."""
        if self.profile is None:
            return ()
        return tuple(dict.fromkeys(c.split(" > ")[-1].lower() for c, _ in self.profile(user_id).top_categories[:3]))

    def recently_bought(self, user_id: str) -> set[str]:
        days = self.campaign.limits.exclude_bought_days
        since = int((self.now - timedelta(days=days)).timestamp())
        return {e.product_id for e in self.events.events_for(user_id, since) if e.kind == "purchase"}

    # -- step 2 and 3: generate, check, regenerate once, fall back ------------------------------------
    def _parse(self, brief: Brief, reply: str) -> tuple[str, str]:
        title, body = parse_reply(reply)
        title = "" if brief.title_max == 0 else title  # an SMS has no title, whatever the model wrote
        return fit_to_limits(title, body, brief.title_max, brief.body_max)

    def _check(self, brief: Brief, title: str, body: str, bought: set[str], attempt: int = 0) -> TextVerdict:
        shown = [worked_example(brief, a) for a in range(attempt + 1)]  # a draft may copy any example it saw
        return check_text(title, body, brief.offers, title_max=brief.title_max, body_max=brief.body_max,
                          banned_words=self.campaign.banned_words, recently_bought=bought, language=brief.language,
                          known_brands=self.known_brands, reasons=brief.reasons,
                          examples=[(text, example.name) for example, text in shown], categories=self.categories)

    def repeated(self, brief: Brief, body: str, batch: Counter | None = None) -> list[str]:
        """Free sentences of `body` that the campaign (plus `batch`, drafts accepted earlier in this batch)
        already used as often as allowed."""
        if self.sentences is None:
            return []
        found = sentences(body, self.names, brief.user_name)
        batch = batch or Counter()
        return [s.text for s in found
                if s.free and self.sentences.uses[s.key] + batch[s.key] >= self.sentences.max_uses]

    def _generate(self, conversations: list[list[dict[str, str]]]) -> list[str]:
        from assistant.llm import ChatMessage, GenerationParams

        prompts = [[ChatMessage(role=m["role"], content=m["content"]) for m in conv] for conv in conversations]
        return list(self.generator.generate(prompts, GenerationParams(max_new_tokens=self.max_new_tokens)))

    def compose(self, user_ids: Sequence[str]) -> list[Composed | Skip]:
        """Messages (or the reason there is none) for a batch of users, in the order given."""
        prepared = [self._brief(uid) for uid in user_ids]
        work = [(i, p) for i, p in enumerate(prepared) if not isinstance(p, Skip)]
        bought = {user_ids[i]: self.recently_bought(user_ids[i]) for i, _ in work}
        batch_uses: Counter[str] = Counter()  # free sentences of the drafts this batch accepted so far

        def judge(i: int, brief: Brief, title: str, body: str, attempt: int = 0) -> TextVerdict:
            verdict = self._check(brief, title, body, bought[user_ids[i]], attempt)
            verdict.record("varied", [f"repeats {t!r}, which other messages already say"
                                      for t in self.repeated(brief, body, batch_uses)])
            if verdict.ok:
                batch_uses.update({s.key for s in sentences(body, self.names, brief.user_name) if s.free})
            return verdict

        conversations = [build_prompt(p[0]) for _, p in work]
        first = self._generate(conversations) if work else []
        drafts: dict[int, tuple[str, str, TextVerdict]] = {}
        retry: list[int] = []
        for (i, p), reply in zip(work, first, strict=True):
            title, body = self._parse(p[0], reply)
            verdict = judge(i, p[0], title, body)
            drafts[i] = (title, body, verdict)
            if not verdict.ok:
                retry.append(i)
        first_ok = {i for i in drafts if i not in retry}
        first_problems = {i: list(drafts[i][2].details) or ["unparseable reply"] for i in retry}
        if retry:
            by_index = dict(work)
            retry_convs = []
            for (i, p), reply in zip(work, first, strict=True):
                if i in retry:
                    problems = "; ".join(first_problems[i][:4])
                    # The next hook: a regeneration writes its personal sentence about something else.
                    retry_convs.append(build_prompt(p[0], attempt=1) + [
                        {"role": "assistant", "content": reply.strip()[:400]},
                        {"role": "user", "content": f"That answer broke these rules: {problems}. Write the two "
                                                    "lines again, following every rule, copying prices exactly, "
                                                    f"with a new second sentence built on: {p[0].hook(1)}."}])
            for i, reply in zip(retry, self._generate(retry_convs), strict=True):
                title, body = self._parse(by_index[i][0], reply)
                drafts[i] = (title, body, judge(i, by_index[i][0], title, body, attempt=1))
        out: list[Composed | Skip] = []
        for i, p in enumerate(prepared):
            if isinstance(p, Skip):
                out.append(p)
                continue
            brief, variant, send_at, picks = p
            title, body, verdict = drafts[i]
            fallback = None
            if not verdict.ok:
                fallback = "+".join(verdict.failed) if verdict.failed else "unparseable"
                made = self._fallback(brief, (), bought[user_ids[i]], batch_uses)
                if made is None:
                    out.append(Skip(self.campaign.id, user_ids[i], "template_failed"))
                    continue
                title, body, verdict = made
                batch_uses.update({s.key for s in sentences(body, self.names, brief.user_name) if s.free})
            out.append(Composed(self._message(user_ids[i], variant, send_at, picks, brief, title, body, verdict,
                                              first_try=i in first_ok, attempts=1 if i in first_ok else 2,
                                              fallback=fallback, problems=first_problems.get(i, [])), brief))
        return out

    def _fallback(self, brief: Brief, taken: Sequence[str], bought: set[str],
                  batch_uses: Counter | None = None) -> tuple[str, str, TextVerdict] | None:
        """The first template message not in `taken` whose free sentences the campaign has not used up."""
        made = fallback_message(brief, taken, lambda body: not self.repeated(brief, body, batch_uses))
        if made is None:
            return None
        verdict = self._check(brief, made[0], made[1], bought)
        verdict.record("varied", [])
        return (made[0], made[1], verdict) if verdict.ok else None

    def refallback(self, composed: Composed, taken: Sequence[str], why: str = "duplicate_body") -> Composed | None:
        """A template message for a user whose body another user of the segment already has, or whose
        free sentence the campaign has used up (`why` names which)."""
        m = composed.message
        made = self._fallback(composed.brief, taken, self.recently_bought(m.user))
        if made is None:
            return None
        title, body, verdict = made
        checks = {**m.checks, "passed": ["opted_in", "quiet_hours", "frequency_cap", *verdict.passed],
                  "fallback": m.fallback or why}
        return Composed(PushMessage(**{**_fields(m), "title": title, "body": body, "checks": checks,
                                       "model": "template"}), composed.brief)

    def _message(self, user_id: str, variant: str, send_at: datetime, picks: tuple[Pick, ...], brief: Brief,
                 title: str, body: str, verdict: TextVerdict, *, first_try: bool, attempts: int,
                 fallback: str | None, problems: list[str]) -> PushMessage:
        c = self.campaign
        product_ids = tuple(p.offer.product.id for p in picks)
        checks = {"passed": ["opted_in", "quiet_hours", "frequency_cap", *verdict.passed], "first_try": first_try,
                  "attempts": attempts, "fallback": fallback, "problems": problems[:6]}
        link = c.channel.deep_link.format(product=product_ids[0], campaign=c.id, variant=variant, user=user_id)
        return PushMessage(campaign=c.id, user=user_id, variant=variant, products=product_ids, title=title,
                           body=body, deep_link=link, reasons=brief.reasons,
                           checks=checks, model="template" if fallback else self.model_name,
                           language=brief.language, channel=c.channel.kind, send_at=send_at,
                           segment=f"{variant}/{brief.language}", offers=tuple(o.to_dict() for o in brief.offers))


def _fields(m: PushMessage) -> dict:
    return {name: getattr(m, name) for name in PushMessage.__slots__}


def _seed(user_id: str) -> int:
    """A stable number per person (the same on every run and machine) that varies hooks and phrasings."""
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big")
