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
    sentence_budget,
    worked_example,
)
from assistant.push.guardrails import TextVerdict, check_text
from assistant.push.ledger import Skip
from assistant.push.records import Offer, PushMessage
from assistant.push.variety import CampaignSentences, offer_names, sentences, shape

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

    def repeated(self, brief: Brief, body: str, batch: CampaignSentences | None = None) -> list[str]:
        """Free sentences of `body` that the campaign (plus `batch`, drafts accepted earlier in this batch)
        already used as often as allowed."""
        if self.sentences is None:
            return []
        found = sentences(body, self.names, brief.user_name)
        extra = batch.uses if batch else Counter()
        return [
            s.text
            for s in found
            if s.free and self.sentences.uses[s.key] + extra[s.key] >= self.sentences.max_uses
        ]

    def fresh(self, brief: Brief, body: str, batch: CampaignSentences | None = None) -> bool:
        """Whether no admitted body of the campaign (nor of `batch`) has `body`'s masked wording."""
        if self.sentences is None:
            return True
        key = shape(sentences(body, self.names, brief.user_name))
        return not self.sentences.shapes[key] and not (batch and batch.shapes[key])

    def _generate(self, conversations: list[list[dict[str, str]]]) -> list[str]:
        from assistant.llm import ChatMessage, GenerationParams

        prompts = [
            [ChatMessage(role=m["role"], content=m["content"]) for m in conv] for conv in conversations
        ]
        return list(self.generator.generate(prompts, GenerationParams(max_new_tokens=self.max_new_tokens)))

    def compose(self, items: Sequence[ComposeTask | Skip]) -> list[Composed | Skip]:
        """Messages (or the reason there is none) for a batch, in the order given; a Skip (decided by the
        briefing) passes through unchanged."""
        work = {i: t for i, t in enumerate(items) if isinstance(t, ComposeTask)}
        batch = CampaignSentences()  # the drafts this batch accepted so far
        first = self._generate([build_prompt(t.brief) for t in work.values()]) if work else []
        drafts = {i: self._draft(work[i], reply, batch) for i, reply in zip(work, first, strict=True)}
        first_ok = {i for i, (_, _, verdict) in drafts.items() if verdict.ok}
        asks = {i: self._asks(task.brief, drafts[i][1], drafts[i][2]) for i, task in work.items()}
        retry = [i for i in work if asks[i]]
        if retry:
            # A fresh prompt with the next hook and example, told what the first draft got wrong.
            convs = [build_prompt(work[i].brief, attempt=1, fix=asks[i][:4]) for i in retry]
            for i, reply in zip(retry, self._generate(convs), strict=True):
                again = self._draft(work[i], reply, batch, attempt=1)
                # A first draft that passed every check (it only lacked a sentence of its own) is kept
                # when the regeneration fails.
                if again[2].ok or not drafts[i][2].ok:
                    drafts[i] = again
        return [
            self._finish(work[i], drafts[i], batch, first_try=i in first_ok, retried=i in retry, asks=asks[i])
            if i in work
            else task
            for i, task in enumerate(items)
        ]

    def _draft(
        self, task: ComposeTask, reply: str, batch: CampaignSentences, attempt: int = 0
    ) -> tuple[str, str, TextVerdict]:
        """The model's reply parsed, fitted to the channel and checked; a passing draft's sentences count
        as used in `batch` at once, so the next drafts of the batch cannot repeat them."""
        title, body = self._parse(task.brief, reply)
        verdict = self._check(task.brief, title, body, task.bought, attempt)
        verdict.record(
            "varied",
            [
                f"repeats {t!r}, which other messages already say"
                for t in self.repeated(task.brief, body, batch)
            ],
        )
        if verdict.ok:
            batch.add(sentences(body, self.names, task.brief.user_name))
        return title, body, verdict

    def _asks(self, brief: Brief, body: str, verdict: TextVerdict) -> list[str]:
        """What a regeneration is told to fix: the failed checks, or, for a personalized campaign, a body
        with nothing of its own besides the name and price (often cut to fit the channel): that body
        reads like everyone else's, so the model gets a second chance at a shorter personal sentence."""
        if not verdict.ok:
            return list(verdict.details) or ["unparseable reply"]
        if self.sentences is None or any(s.free for s in sentences(body, self.names, brief.user_name)):
            return []
        return [
            f"personal: the body has no sentence of its own after the price, or it was too long and cut; "
            f"add one of at most {sentence_budget(brief)} characters"
        ]

    def _finish(
        self,
        task: ComposeTask,
        draft: tuple[str, str, TextVerdict],
        batch: CampaignSentences,
        *,
        first_try: bool,
        retried: bool,
        asks: list[str],
    ) -> Composed | Skip:
        """The message from the kept draft, or from a template where no draft passed."""
        title, body, verdict = draft
        fallback = None
        if not verdict.ok:
            fallback = "+".join(verdict.failed) if verdict.failed else "unparseable"
            made = self._fallback(task.brief, (), task.bought, batch)
            if made is None:
                return Skip(self.campaign.id, task.user, "template_failed")
            title, body, verdict = made
            batch.add(sentences(body, self.names, task.brief.user_name))
        message = self._message(
            task,
            title,
            body,
            verdict,
            first_try=first_try,
            attempts=2 if retried else 1,
            fallback=fallback,
            problems=asks,
        )
        return Composed(message, task.brief, task.bought)

    def _fallback(
        self,
        brief: Brief,
        taken: Sequence[str],
        bought: frozenset[str],
        batch: CampaignSentences | None = None,
    ) -> tuple[str, str, TextVerdict] | None:
        """The first template message not in `taken` whose free sentences the campaign has not used up,
        worded unlike the campaign's other bodies where one is."""
        made = fallback_message(
            brief,
            taken,
            lambda body: not self.repeated(brief, body, batch),
            lambda body: self.fresh(brief, body, batch),
        )
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
