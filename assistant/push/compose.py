"""The writing half of the per-user work: batched generation, checks on the text, one regeneration,
then the template fallback.

`Composer.compose(items)` is the one function both engines run: the local engine calls it on batches
in this process, the Ray engine in actors (`assistant.push.engines`). It needs no store: the facts
come in `ComposeContext` (once per run) and `ComposeTask`s (per user, from `assistant.push.briefing`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.push.briefing import ComposeTask
from assistant.push.campaign import Campaign
from assistant.push.copy import (
    Brief,
    build_prompt,
    fallback_message,
    fit_to_limits,
    parse_reply,
    worked_example,
)
from assistant.push.guardrails import TextVerdict, check_text
from assistant.push.ledger import Skip
from assistant.push.records import Offer, PushMessage
from assistant.push.variety import CampaignSentences, offer_names, sentences

MAX_NEW_TOKENS = 80


@dataclass(frozen=True, slots=True)
class ComposeContext:
    """What every message of a run is checked against, read from the store once by the driver."""

    campaign: Campaign
    offers: tuple[Offer, ...]
    known_brands: tuple[str, ...] = ()
    categories: tuple[tuple[str, ...], ...] = ()
    max_new_tokens: int = MAX_NEW_TOKENS


@dataclass(frozen=True, slots=True)
class Composed:
    message: PushMessage
    brief: Brief
    bought: frozenset[str] = frozenset()


class Composer:
    """`generator` may be None where only templates are written (the driver's last checks)."""

    def __init__(self, context: ComposeContext, generator=None, model_name: str = ""):
        self.campaign = context.campaign
        # The free sentences (not about the name and price) the campaign's admitted bodies already use;
        # a campaign that is not personalized sends one text to all on purpose.
        self.sentences = CampaignSentences() if self.campaign.personalized else None
        self.names = offer_names(context.offers)
        self.generator = generator
        self.model_name = getattr(generator, "name", None) or model_name
        self.max_new_tokens = context.max_new_tokens
        self.known_brands = context.known_brands
        self.categories = context.categories

    def _parse(self, brief: Brief, reply: str) -> tuple[str, str]:
        title, body = parse_reply(reply)
        title = "" if brief.title_max == 0 else title  # an SMS has no title, whatever the model wrote
        return fit_to_limits(title, body, brief.title_max, brief.body_max)

    def _check(
        self, brief: Brief, title: str, body: str, bought: frozenset[str], attempt: int = 0
    ) -> TextVerdict:
        shown = [worked_example(brief, a) for a in range(attempt + 1)]  # a draft may copy any example it saw
        return check_text(
            title,
            body,
            brief.offers,
            title_max=brief.title_max,
            body_max=brief.body_max,
            banned_words=self.campaign.banned_words,
            recently_bought=bought,
            language=brief.language,
            known_brands=self.known_brands,
            reasons=brief.reasons,
            examples=[(text, example.name) for example, text in shown],
            categories=self.categories,
        )

    def repeated(self, brief: Brief, body: str, batch: Counter | None = None) -> list[str]:
        """Free sentences of `body` that the campaign (plus `batch`, drafts accepted earlier in this batch)
        already used as often as allowed."""
        if self.sentences is None:
            return []
        found = sentences(body, self.names, brief.user_name)
        batch = batch or Counter()
        return [
            s.text
            for s in found
            if s.free and self.sentences.uses[s.key] + batch[s.key] >= self.sentences.max_uses
        ]

    def _generate(self, conversations: list[list[dict[str, str]]]) -> list[str]:
        from assistant.llm import ChatMessage, GenerationParams

        prompts = [
            [ChatMessage(role=m["role"], content=m["content"]) for m in conv] for conv in conversations
        ]
        return list(self.generator.generate(prompts, GenerationParams(max_new_tokens=self.max_new_tokens)))

    def compose(self, items: Sequence[ComposeTask | Skip]) -> list[Composed | Skip]:  # noqa: C901 (to split: CONTRIBUTING.md)
        """Messages (or the reason there is none) for a batch, in the order given; a Skip (decided by the
        briefing) passes through unchanged."""
        work = [(i, t) for i, t in enumerate(items) if isinstance(t, ComposeTask)]
        batch_uses: Counter[str] = Counter()  # free sentences of the drafts this batch accepted so far

        def judge(task: ComposeTask, title: str, body: str, attempt: int = 0) -> TextVerdict:
            verdict = self._check(task.brief, title, body, task.bought, attempt)
            verdict.record(
                "varied",
                [
                    f"repeats {t!r}, which other messages already say"
                    for t in self.repeated(task.brief, body, batch_uses)
                ],
            )
            if verdict.ok:
                batch_uses.update(
                    {s.key for s in sentences(body, self.names, task.brief.user_name) if s.free}
                )
            return verdict

        first = self._generate([build_prompt(t.brief) for _, t in work]) if work else []
        drafts: dict[int, tuple[str, str, TextVerdict]] = {}
        retry: list[int] = []
        for (i, task), reply in zip(work, first, strict=True):
            title, body = self._parse(task.brief, reply)
            verdict = judge(task, title, body)
            drafts[i] = (title, body, verdict)
            if not verdict.ok:
                retry.append(i)
        first_ok = {i for i in drafts if i not in retry}
        first_problems = {i: list(drafts[i][2].details) or ["unparseable reply"] for i in retry}
        if retry:
            retry_convs = []
            for (i, task), reply in zip(work, first, strict=True):
                if i in retry:
                    problems = "; ".join(first_problems[i][:4])
                    # The next hook: a regeneration writes its personal sentence about something else.
                    retry_convs.append(
                        build_prompt(task.brief, attempt=1)
                        + [
                            {"role": "assistant", "content": reply.strip()[:400]},
                            {
                                "role": "user",
                                "content": f"That answer broke these rules: {problems}. Write the two "
                                "lines again, following every rule, copying prices exactly, "
                                f"with a new second sentence built on: {task.brief.hook(1)}.",
                            },
                        ]
                    )
            for i, reply in zip(retry, self._generate(retry_convs), strict=True):
                task = items[i]
                title, body = self._parse(task.brief, reply)
                drafts[i] = (title, body, judge(task, title, body, attempt=1))
        out: list[Composed | Skip] = []
        for i, task in enumerate(items):
            if isinstance(task, Skip):
                out.append(task)
                continue
            title, body, verdict = drafts[i]
            fallback = None
            if not verdict.ok:
                fallback = "+".join(verdict.failed) if verdict.failed else "unparseable"
                made = self._fallback(task.brief, (), task.bought, batch_uses)
                if made is None:
                    out.append(Skip(self.campaign.id, task.user, "template_failed"))
                    continue
                title, body, verdict = made
                batch_uses.update(
                    {s.key for s in sentences(body, self.names, task.brief.user_name) if s.free}
                )
            out.append(
                Composed(
                    self._message(
                        task,
                        title,
                        body,
                        verdict,
                        first_try=i in first_ok,
                        attempts=1 if i in first_ok else 2,
                        fallback=fallback,
                        problems=first_problems.get(i, []),
                    ),
                    task.brief,
                    task.bought,
                )
            )
        return out

    def _fallback(
        self, brief: Brief, taken: Sequence[str], bought: frozenset[str], batch_uses: Counter | None = None
    ) -> tuple[str, str, TextVerdict] | None:
        """The first template message not in `taken` whose free sentences the campaign has not used up."""
        made = fallback_message(brief, taken, lambda body: not self.repeated(brief, body, batch_uses))
        if made is None:
            return None
        verdict = self._check(brief, made[0], made[1], bought)
        verdict.record("varied", [])
        return (made[0], made[1], verdict) if verdict.ok else None

    def refallback(
        self, composed: Composed, taken: Sequence[str], why: str = "duplicate_body"
    ) -> Composed | None:
        """A template message for a user whose body another user of the segment already has, or whose
        free sentence the campaign has used up (`why` names which)."""
        m = composed.message
        made = self._fallback(composed.brief, taken, composed.bought)
        if made is None:
            return None
        title, body, verdict = made
        checks = {
            **m.checks,
            "passed": ["opted_in", "quiet_hours", "frequency_cap", *verdict.passed],
            "fallback": m.fallback or why,
        }
        return Composed(
            PushMessage(
                **{**_fields(m), "title": title, "body": body, "checks": checks, "model": "template"}
            ),
            composed.brief,
            composed.bought,
        )

    def _message(
        self,
        task: ComposeTask,
        title: str,
        body: str,
        verdict: TextVerdict,
        *,
        first_try: bool,
        attempts: int,
        fallback: str | None,
        problems: list[str],
    ) -> PushMessage:
        c, brief = self.campaign, task.brief
        product_ids = tuple(p.offer.product.id for p in task.picks)
        checks = {
            "passed": ["opted_in", "quiet_hours", "frequency_cap", *verdict.passed],
            "first_try": first_try,
            "attempts": attempts,
            "fallback": fallback,
            "problems": problems[:6],
        }
        link = c.channel.deep_link.format(
            product=product_ids[0], campaign=c.id, variant=task.variant, user=task.user
        )
        return PushMessage(
            campaign=c.id,
            user=task.user,
            variant=task.variant,
            products=product_ids,
            title=title,
            body=body,
            deep_link=link,
            reasons=brief.reasons,
            checks=checks,
            model="template" if fallback else self.model_name,
            language=brief.language,
            channel=c.channel.kind,
            send_at=task.send_at,
            segment=f"{task.variant}/{brief.language}",
            offers=tuple(o.to_dict() for o in brief.offers),
        )


def _fields(m: PushMessage) -> dict:
    return {name: getattr(m, name) for name in PushMessage.__slots__}
