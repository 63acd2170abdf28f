"""A campaign run end to end, in four named steps: select the audience, resume from the ledger, compose
(brief here, write on the local or Ray engine), commit (the last checks across users, the ledger, the
outbox), with a progress bar. It reads the store through `PushSources`, never through the Shop."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.push.audience import select_audience
from assistant.push.briefing import Briefer, PickFn, resolve_offers
from assistant.push.campaign import Campaign, load_campaign
from assistant.push.compose import ComposeContext, Composed, Composer
from assistant.push.engines import EngineOptions, ModelSpec, Outcome, run_local, run_ray
from assistant.push.ledger import PushLedger, Skip, append_outbox
from assistant.push.records import PushMessage
from assistant.push.variety import sentences
from ranking.event_store import EventStore
from ranking.records import UserProfile
from retrieval.catalog_store import CatalogStore


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
    workers: int = 1  # the Ray pool's size
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
        raise ValueError(
            f"{campaign.path}: [send_window.end] the send window closed at "
            f"{campaign.send_end.isoformat()}; move it later to send this campaign"
        )


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
        for why, failed in (
            ("duplicate_body", m.body in bodies),
            ("repeated_sentence", bool(self.composer.repeated(item.brief, m.body))),
        ):
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


@dataclass(frozen=True, slots=True)
class PushSources:
    """What a campaign run reads and writes, and nothing more: the push package never sees the Shop."""

    catalog: CatalogStore
    events: EventStore
    ledger: PushLedger
    pick: PickFn
    profile: Callable[[str], UserProfile]
    model: ModelSpec  # what a Ray worker loads
    local_generator: Callable[[], Any]  # the same model in this process, loaded on first call


@dataclass(frozen=True, slots=True)
class RunOptions:
    """`dry_run` writes nothing to the ledger and returns the messages (also to `out` if given);
    `only_users` narrows the audience to those ids (a sample, a test group); `generator` writes instead
    of the store's model (an object Ray can serialize, for the Ray engine)."""

    out: str | Path | None = None
    limit: int | None = None
    dry_run: bool = False
    force: bool = False
    now: datetime | None = None
    show_progress: bool = False
    generator: Any = None
    only_users: Sequence[str] | None = None
    engine: EngineOptions = field(default_factory=EngineOptions)


@dataclass(slots=True)
class _Resumed:
    todo: list[str]
    taken: dict[str, set[str]]  # bodies already sent, per segment


def run_campaign(sources: PushSources, campaign_path: str | Path, options: RunOptions) -> PushRunSummary:
    """Write one message per selected user (for the user's A/B variant), resuming from the ledger."""
    campaign = load_campaign(campaign_path)
    now = _now(options.now)
    _check_window(campaign, now)
    summary = PushRunSummary(
        campaign=campaign.id,
        dry_run=options.dry_run,
        engine=options.engine.kind,
        workers=options.engine.workers,
        outbox=str(options.out) if options.out else None,
    )
    users, summary.left_out = select_users(sources, campaign, now, options)
    summary.audience = len(users)
    resumed = resume(sources.ledger, campaign, campaign_path, users, options)
    summary.already_done = len(users) - len(resumed.todo)
    context = ComposeContext(
        campaign,
        tuple(resolve_offers(sources.catalog, campaign)),
        tuple(sources.catalog.brands()),
        tuple(sources.catalog.categories()),
    )
    batches, last_checks = compose(sources, context, now, resumed.todo, options)
    commit = _Commit(
        sources, _SegmentBodies(last_checks, resumed.taken, campaign.personalized), options, summary
    )
    started = time.monotonic()
    bar = tqdm(
        total=len(resumed.todo),
        unit="user",
        desc=f"push {campaign.id}",
        disable=not options.show_progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    try:
        for outcomes in batches:
            commit(outcomes)
            elapsed = time.monotonic() - started
            bar.set_postfix_str(
                f"{summary.written} messages, {60 * summary.written / max(elapsed, 1e-9):.1f}/min"
            )
            bar.update(len(outcomes))
    finally:
        bar.close()
        summary.seconds = round(time.monotonic() - started, 3)
    if not options.dry_run:
        if options.out:
            sources.ledger.write_outbox(campaign.id, options.out)
        sources.ledger.finish(campaign.id)
    summary.skipped, summary.fallbacks = dict(commit.skipped), dict(commit.fallbacks)
    return summary


def select_users(
    sources: PushSources, campaign: Campaign, now: datetime, options: RunOptions
) -> tuple[list[str], dict[str, int]]:
    """Step 1: the audience (sorted ids), narrowed by `only_users` and cut at `limit`; and who was left out."""
    users, left_out = select_audience(
        sources.events.iter_users(), sources.events, campaign, now, sources.profile
    )
    if options.only_users is not None:
        wanted = set(options.only_users)
        users = [u for u in users if u in wanted]
    if options.limit is not None:
        users = users[: options.limit]
    return users, left_out


def resume(
    ledger: PushLedger, campaign: Campaign, campaign_path: str | Path, users: list[str], options: RunOptions
) -> _Resumed:
    """Step 2: open the run in the ledger and leave out the users it already has (nothing for a dry run)."""
    if options.dry_run:
        if options.out:
            Path(options.out).write_text("")
        return _Resumed(list(users), {})
    ledger.start(campaign.id, campaign.fingerprint, str(campaign_path), force=options.force)
    if options.out:
        ledger.write_outbox(campaign.id, options.out)  # restores lines a previous kill cut off
    done = ledger.done_users(campaign.id)
    return _Resumed([u for u in users if u not in done], ledger.bodies(campaign.id))


def compose(
    sources: PushSources, context: ComposeContext, now: datetime, todo: list[str], options: RunOptions
) -> tuple[Iterator[list[Outcome]], Composer]:
    """Step 3: brief each user here (from the store), write on the chosen engine. Returns the outcomes
    batch by batch, and the composer that runs the last checks across users in this process."""
    briefer = Briefer(
        context.campaign,
        context.offers,
        events=sources.events,
        ledger=sources.ledger,
        pick=sources.pick,
        now=now,
        profile=sources.profile,
    )
    size = options.engine.batch_size
    batches = (
        [briefer.prepare(u) for u in todo[start : start + size]] for start in range(0, len(todo), size)
    )
    if options.engine.kind == "local":
        # One composer writes and checks across users, so the campaign's used sentences steer its drafts.
        composer = Composer(context, options.generator or sources.local_generator(), sources.model.model)
        return run_local(composer, batches), composer
    model = replace(sources.model, generator=options.generator) if options.generator else sources.model
    return run_ray(context, model, batches, options.engine), Composer(context)


class _Commit:
    """Step 4: the last checks across users, then the ledger (one transaction per batch) and the outbox."""

    def __init__(
        self, sources: PushSources, bodies: _SegmentBodies, options: RunOptions, summary: PushRunSummary
    ):
        self.sources, self.bodies, self.options, self.summary = sources, bodies, options, summary
        self.skipped: Counter[str] = Counter()
        self.fallbacks: Counter[str] = Counter()

    def __call__(self, outcomes: list[Outcome]) -> None:
        messages: list[PushMessage] = []
        skips: list[Skip] = []
        for outcome in outcomes:
            if isinstance(outcome, Composed):
                outcome = self.bodies.admit(outcome)
            if isinstance(outcome, Skip):
                skips.append(outcome)
            else:
                messages.append(outcome.message)
        out, dry_run = self.options.out, self.options.dry_run
        if not dry_run:
            messages, opted_out = _split_opted_out(self.sources.events, messages)
            skips += opted_out
            messages = self.sources.ledger.commit(messages, skips)
        if out:
            append_outbox(out, messages)
        for m in messages:
            self.summary.first_try += bool(m.checks.get("first_try"))
            if m.fallback:
                self.fallbacks[m.fallback] += 1
            if dry_run:
                self.summary.messages.append(m.to_line())
        self.skipped.update(s.reason for s in skips)
        self.summary.written += len(messages)


def _split_opted_out(events: EventStore, messages: list[PushMessage]) -> tuple[list[PushMessage], list[Skip]]:
    """Read the opt-in flag again right before writing: a user who opted out mid-run gets nothing."""
    keep, skips = [], []
    for m in messages:
        user = events.get_user(m.user)
        if user is not None and user.marketing_opt_in:
            keep.append(m)
        else:
            skips.append(Skip(m.campaign, m.user, "opted_out"))
    return keep, skips


def preview(
    sources: PushSources, campaign_path: str | Path, user_id: str, now: datetime | None = None, generator=None
) -> dict[str, Any]:
    """The message one user would get now, without writing anything."""
    return previews(sources, campaign_path, [user_id], now=now, generator=generator)[0]


def previews(
    sources: PushSources,
    campaign_path: str | Path,
    user_ids: Sequence[str],
    now: datetime | None = None,
    generator=None,
) -> list[dict[str, Any]]:
    """The messages these users would get now, written in one batch, without writing anything."""
    campaign = load_campaign(campaign_path)
    now = _now(now)
    offers = resolve_offers(sources.catalog, campaign)
    unknown = [u for u in user_ids if sources.events.get_user(u) is None]
    if unknown:
        raise ValueError(
            f"no user {unknown[0]!r} in the store; check the id ('shopmate status' counts the users)"
        )
    briefer = Briefer(
        campaign,
        offers,
        events=sources.events,
        ledger=sources.ledger,
        pick=sources.pick,
        now=now,
        profile=sources.profile,
    )
    context = ComposeContext(
        campaign, tuple(offers), tuple(sources.catalog.brands()), tuple(sources.catalog.categories())
    )
    composer = Composer(context, generator or sources.local_generator(), sources.model.model)
    outcomes = composer.compose([briefer.prepare(u) for u in user_ids])
    return [_preview_view(campaign.id, u, o) for u, o in zip(user_ids, outcomes, strict=True)]


def _preview_view(campaign_id: str, user_id: str, outcome) -> dict[str, Any]:
    if isinstance(outcome, Skip):
        return {"campaign": campaign_id, "user_id": user_id, "messages": [], "skipped": outcome.reason}
    return {
        "campaign": campaign_id,
        "user_id": user_id,
        "messages": [outcome.message.to_line()],
        "skipped": None,
    }
