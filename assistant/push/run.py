"""A campaign run end to end: audience, the per-user function over batches (local or Ray), the last
checks across users, the ledger and the outbox, with a progress bar."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.push.audience import select_audience
from assistant.push.campaign import Campaign, load_campaign
from assistant.push.compose import Composed, Composer
from assistant.push.engines import ENGINES, run_local, run_ray
from assistant.push.ledger import PushLedger, Skip, append_outbox
from assistant.push.records import PushMessage
from assistant.push.variety import sentences


@dataclass(slots=True)
class PushRunSummary:
    campaign: str
    audience: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    already_done: int = 0
    written: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    first_try: int = 0
    fallbacks: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    outbox: str | None = None
    dry_run: bool = False
    engine: str = "local"
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def messages_per_minute(self) -> float:
        return 60.0 * self.written / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["messages_per_minute"] = round(self.messages_per_minute, 2)
        data["first_try_pct"] = round(100.0 * self.first_try / self.written, 1) if self.written else None
        return data


def _now(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def _check_window(campaign: Campaign, now: datetime) -> None:
    if now > campaign.send_end:
        raise ValueError(f"{campaign.path}: [send_window.end] the send window closed at "
                         f"{campaign.send_end.isoformat()}; move it later to send this campaign")


def _profile_fn(shop, campaign: Campaign):
    a = campaign.audience
    return shop.profile if (a.interest_tags or a.categories or a.price_band) else None


class _SegmentBodies:
    """The last checks across users (when personalized): no two users in a segment get the same body,
    and no free sentence (assistant.push.variety) goes into more bodies of the campaign than allowed.
    Sequential over every engine's output, so the cap holds for Ray workers too."""

    def __init__(self, composer: Composer, taken: dict[str, set[str]], enabled: bool):
        self.composer, self.taken, self.enabled = composer, taken, enabled
        if enabled and composer.sentences is not None:
            for bodies in taken.values():  # a resumed run counts what it already sent
                for body in bodies:
                    composer.sentences.add(sentences(body, composer.names))

    def admit(self, item: Composed) -> Composed | Skip:
        m = item.message
        if not self.enabled:
            return item
        bodies = self.taken.setdefault(m.segment, set())
        for why, failed in (("duplicate_body", m.body in bodies),
                            ("repeated_sentence", bool(self.composer.repeated(item.brief, m.body)))):
            if failed:
                replaced = self.composer.refallback(item, sorted(bodies), why)
                if replaced is None:
                    return Skip(m.campaign, m.user, why)
                item, m = replaced, replaced.message
        bodies.add(m.body)
        if self.composer.sentences is not None:
            self.composer.sentences.add(sentences(m.body, self.composer.names, item.brief.user_name))
        m.checks["passed"].append("unique_body")
        return item


def run_campaign(shop, campaign_path: str | Path, out: str | Path | None = None, limit: int | None = None,
                 dry_run: bool = False, force: bool = False, engine: str = "local", batch_size: int = 8,
                 now: datetime | None = None, show_progress: bool = False, generator=None,
                 ray_concurrency: int | None = None, only_users: Sequence[str] | None = None) -> PushRunSummary:
    """Write one message per selected user (for the user's A/B variant), resuming from the ledger.

    `dry_run` writes nothing to the ledger and returns the messages (also to `out` if given);
    `only_users` narrows the audience to those ids (a sample, a test group).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of: {', '.join(ENGINES)}")
    if batch_size < 1:
        raise ValueError("--batch-size must be at least 1")
    campaign = load_campaign(campaign_path)
    now = _now(now)
    _check_window(campaign, now)
    ledger: PushLedger = shop.push_ledger
    summary = PushRunSummary(campaign=campaign.id, dry_run=dry_run, engine=engine,
                             outbox=str(out) if out else None)
    users, summary.left_out = select_audience(shop.events.iter_users(), shop.events, campaign, now,
                                              _profile_fn(shop, campaign))
    if only_users is not None:
        wanted = set(only_users)
        users = [u for u in users if u in wanted]
    if limit is not None:
        users = users[:limit]
    summary.audience = len(users)
    if dry_run:
        done: set[str] = set()
        taken: dict[str, set[str]] = {}
    else:
        ledger.start(campaign.id, campaign.fingerprint, str(campaign_path), force=force)
        done = ledger.done_users(campaign.id)
        taken = ledger.bodies(campaign.id)
        if out:
            ledger.write_outbox(campaign.id, out)  # restores lines a previous kill cut off
    if dry_run and out:
        Path(out).write_text("")
    todo = [u for u in users if u not in done]
    summary.already_done = len(users) - len(todo)
    composer = Composer.from_shop(shop, campaign, now, generator=generator, use_ledger=True)
    if engine == "local":
        batches = run_local(composer, todo, batch_size)
    else:
        overrides = {"llm": shop.settings.llm, "llm_url": shop.settings.llm_url, "encoder": shop.settings.encoder}
        worker_args = {"home": str(shop.home.resolve()), "campaign_path": str(Path(campaign_path).resolve()),
                       "now": now.isoformat(), "overrides": overrides, "generator": generator}
        batches = run_ray(worker_args, todo, batch_size, ray_concurrency)
    segment_bodies = _SegmentBodies(composer, taken, campaign.personalized)
    skipped: Counter[str] = Counter()
    fallbacks: Counter[str] = Counter()
    started = time.monotonic()
    bar = tqdm(total=len(todo), unit="user", desc=f"push {campaign.id}", disable=not show_progress,
               file=sys.stderr, dynamic_ncols=True)
    try:
        for outcomes in batches:
            messages: list[PushMessage] = []
            skips: list[Skip] = []
            for outcome in outcomes:
                if isinstance(outcome, Composed):
                    outcome = segment_bodies.admit(outcome)
                if isinstance(outcome, Skip):
                    skips.append(outcome)
                else:
                    messages.append(outcome.message)
            if not dry_run:
                messages, opted_out = _split_opted_out(shop, messages)
                skips += opted_out
                messages = ledger.commit(messages, skips)
                if out:
                    append_outbox(out, messages)
            elif out:
                append_outbox(out, messages)
            for m in messages:
                summary.first_try += bool(m.checks.get("first_try"))
                if m.fallback:
                    fallbacks[m.fallback] += 1
                if dry_run:
                    summary.messages.append(m.to_line())
            skipped.update(s.reason for s in skips)
            summary.written += len(messages)
            elapsed = time.monotonic() - started
            bar.set_postfix_str(f"{summary.written} messages, {60 * summary.written / max(elapsed, 1e-9):.1f}/min")
            bar.update(len(outcomes))
    finally:
        bar.close()
        summary.seconds = round(time.monotonic() - started, 3)
    if not dry_run:
        if out:
            ledger.write_outbox(campaign.id, out)
        ledger.finish(campaign.id)
    summary.skipped, summary.fallbacks = dict(skipped), dict(fallbacks)
    return summary


def _split_opted_out(shop, messages: list[PushMessage]) -> tuple[list[PushMessage], list[Skip]]:
    """Read the opt-in flag again right before writing: a user who opted out mid-run gets nothing."""
    keep, skips = [], []
    for m in messages:
        user = shop.events.get_user(m.user)
        if user is not None and user.marketing_opt_in:
            keep.append(m)
        else:
            skips.append(Skip(m.campaign, m.user, "opted_out"))
    return keep, skips


def preview(shop, campaign_path: str | Path, user_id: str, now: datetime | None = None,
            generator=None) -> dict[str, Any]:
    """The message one user would get now, without writing anything."""
    campaign = load_campaign(campaign_path)
    now = _now(now)
    composer = Composer.from_shop(shop, campaign, now, generator=generator)
    if shop.events.get_user(user_id) is None:
        raise ValueError(f"no user {user_id!r} in the store at {shop.home}")
    outcome = composer.compose([user_id])[0]
    if isinstance(outcome, Skip):
        return {"campaign": campaign.id, "user_id": user_id, "messages": [], "skipped": outcome.reason}
    return {"campaign": campaign.id, "user_id": user_id, "messages": [outcome.message.to_line()], "skipped": None}
