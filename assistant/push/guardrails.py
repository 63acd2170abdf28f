"""Checks in code that every message passes before it can reach the outbox.

Two kinds: checks on the user and the moment (opted in, frequency cap, quiet hours), made before any
text is written, and checks on the text (facts, lengths, banned words, products recently bought,
language), made on every draft. All are pure functions of their arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from assistant.fact_check import ProductFacts, money
from assistant.fact_check import check_text as fact_check_text
from assistant.push.copy import product_stems, short_name, stem
from assistant.push.records import Offer
from assistant.reply_rules import ReplyContext, ShownProduct, check_sentence
from ranking.records import User

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD_CHARS = re.compile(r"^\w[\w\s'-]*\w$|^\w$")

# Names of the checks, as they appear in an outbox line's `checks.passed`.
USER_CHECKS = ("opted_in", "frequency_cap", "quiet_hours")
TEXT_CHECKS = (
    "nonempty",
    "length",
    "mentions_offer",
    "facts",
    "banned_words",
    "not_recently_bought",
    "language",
    "voice",
    "claims",
    "no_pasted_reason",
    "no_copied_example",
    "on_topic",
)

# The reply rules (assistant.reply_rules) that apply to push copy, by the check that records them: who
# is spoken to, the prompt's words and garbled sentences ("voice"), and what is claimed about the product
# ("claims"). Not "language" (push has its own check, and Chinese copy keeps English product names) nor
# the chat-only rules about what the shopper asked.
VOICE_RULES = ("address", "prompt_words", "garbled")
CLAIM_RULES = ("comparison", "attribute", "relation", "inference", "history", "reviewer_voice")
_WORDS = re.compile(r"[\w\u3400-\u9fff]+")
_WORDS_AND_CUTS = re.compile(r"[\w\u3400-\u9fff]+|[|]")  # a cut (a removed name) breaks a run of words
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


@dataclass(slots=True)
class TextVerdict:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def record(self, name: str, problems: Sequence[str]) -> None:
        if problems:
            self.failed.append(name)
            self.details.extend(f"{name}: {p}" for p in problems)
        else:
            self.passed.append(name)


# -- the user and the moment ----------------------------------------------------------------------------
def in_quiet_hours(moment: datetime, timezone: str, quiet_hours: tuple[int, int] | None) -> bool:
    """Whether `moment` falls in the user's local quiet hours [start, end); (22, 8) wraps past midnight."""
    if not quiet_hours:
        return False
    start, end = quiet_hours
    hour = moment.astimezone(ZoneInfo(timezone)).hour
    if start == end:
        return False
    return start <= hour < end if start < end else (hour >= start or hour < end)


def plan_send_time(
    user: User, window_start: datetime, window_end: datetime, now: datetime
) -> datetime | None:
    """The first moment from now inside the send window that is outside the user's quiet hours, or None."""
    moment = max(now, window_start).replace(second=0, microsecond=0)
    if in_quiet_hours(moment, user.timezone, user.quiet_hours):
        assert user.quiet_hours is not None
        local = moment.astimezone(ZoneInfo(user.timezone))
        wake = local.replace(hour=user.quiet_hours[1], minute=0)
        if wake <= local:
            wake = (local + timedelta(days=1)).replace(hour=user.quiet_hours[1], minute=0)
        # Re-attach the zone so a DST change between the two days is applied.
        moment = wake.replace(tzinfo=ZoneInfo(user.timezone)).astimezone(window_start.tzinfo)
    if moment > window_end or in_quiet_hours(moment, user.timezone, user.quiet_hours):
        return None
    return moment


def under_frequency_cap(other_sends: Iterable[datetime], send_at: datetime, cap: int, days: int) -> bool:
    """True when fewer than `cap` messages from other campaigns go to the user within `days` of `send_at`."""
    span = timedelta(days=days)
    return sum(1 for t in other_sends if abs(t - send_at) < span) < cap


# -- the text -------------------------------------------------------------------------------------------
def length_problems(title: str, body: str, title_max: int, body_max: int) -> list[str]:
    problems = []
    if len(title) > title_max:
        problems.append(f"title has {len(title)} characters, the channel allows {title_max}")
    if len(body) > body_max:
        problems.append(f"body has {len(body)} characters, the channel allows {body_max}")
    return problems


def cut_name_problems(title: str, offers: Sequence[Offer]) -> list[str]:
    """A title that ends in the first words of a product's name ("Maya, the Driftline Ridge 7 Pro Rain"):
    cut there to fit the channel, or by the model; a shopper reads a name broken off."""
    end = title.rstrip(" .,!?:;-…").lower()
    problems = []
    for o in offers:
        words = short_name(o.product.title).split()
        for n in range(len(words) - 1, 1, -1):
            head = " ".join(words[:n]).lower()
            if end.endswith(head) and not end.endswith(" ".join(words).lower()):
                problems.append(
                    f"the title cuts the name {short_name(o.product.title)!r} off after {n} words: "
                    "name it whole or not at all"
                )
                break
    return problems


def banned_word_problems(text: str, banned: Iterable[str]) -> list[str]:
    found = []
    lowered = text.lower()
    for word in banned:
        w = word.lower()
        if _CJK.search(w) or not _WORD_CHARS.match(w):
            hit = w in lowered
        else:
            hit = re.search(rf"(?<!\w){re.escape(w)}(?!\w)", lowered) is not None
        if hit:
            found.append(f"uses the banned word {word!r}")
    return found


def recently_bought_problems(product_ids: Iterable[str], recently_bought: set[str]) -> list[str]:
    return [f"{pid} was bought by this user recently" for pid in product_ids if pid in recently_bought]


def offer_mention_problems(text: str, offers: Sequence[Offer]) -> list[str]:
    """The message must name the promoted product (or its brand) and state its sale price."""
    lowered = text.lower()
    problems = []
    for o in offers[:1]:
        if o.product.brand.lower() not in lowered and short_name(o.product.title).lower() not in lowered:
            problems.append(f"does not name {o.product.title!r} or its brand")
        if money(o.sale_price, o.product.currency) not in text:
            problems.append(f"does not state the sale price {money(o.sale_price, o.product.currency)}")
    return problems


def language_problems(text: str, language: str) -> list[str]:
    has_cjk = bool(_CJK.search(text))
    if language == "zh" and not has_cjk:
        return ["the user reads Chinese but the message has no Chinese text"]
    if language == "en" and has_cjk:
        return ["the user reads English but the message has Chinese text"]
    return []


def fact_problems(text: str, offers: Sequence[Offer], known_brands: Iterable[str] = ()) -> list[str]:
    """Prices, discounts, ids and brand names against the catalog and the campaign (the chat layer's
    checker): a price or discount not on offer, or a catalog brand other than the promoted product's."""
    facts = [
        ProductFacts(
            id=o.product.id,
            title=o.product.title,
            brand=o.product.brand,
            price=o.price,
            sale_price=o.sale_price,
            discount_pct=o.discount_pct,
            rating=o.product.rating,
            currency=o.product.currency,
        )
        for o in offers
    ]
    return [str(v) for v in fact_check_text(text, facts, known_brands=known_brands).violations]


def rule_problems(title: str, body: str, offers: Sequence[Offer], language: str) -> dict[str, list[str]]:
    """The reply rules broken by the title and each sentence of the body, by rule name."""
    ctx = ReplyContext(shown=tuple(ShownProduct.of(o.product) for o in offers), language=language)
    found: dict[str, list[str]] = {}
    for sentence in [title, *_SENTENCE_END.split(body)]:
        for rule_break in check_sentence(sentence, ctx):
            found.setdefault(rule_break.rule, []).append(str(rule_break))
    return found


def other_category_problems(
    text: str, offers: Sequence[Offer], categories: Iterable[Sequence[str]]
) -> list[str]:
    """The kind of product another category sells, named in copy for this one ("your hiking boots" in a
    rain jacket's message, "keep your kitchen cool"): words of the catalog's leaf category names that
    nothing about the promoted products (title, description, attributes, category) contains."""
    own_stems = product_stems(offers)
    lowered = text.lower()
    problems = []
    for word in sorted(
        {w for path in categories if path for w in _WORDS.findall(path[-1].lower()) if len(w) >= 4}
    ):
        root = stem(word)
        if root not in own_stems and re.search(rf"(?<!\w){re.escape(root)}", lowered):
            problems.append(f"speaks of {word!r}, which the promoted product is not")
    return problems


def pasted_runs(
    text: str, sources: Iterable[str], names: Iterable[str] = (), min_words: int = 4
) -> list[tuple[str, str]]:
    """(source, the words repeated) for each of `sources` of which the text repeats a run of `min_words`
    words (the whole source, if shorter). The promoted products' `names` are taken out of the text
    first, so naming the product never counts."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = re.sub(re.escape(name), " | ", text, flags=re.I)
    joined = " " + " ".join(w.lower() for w in _WORDS_AND_CUTS.findall(text)) + " "
    found = []
    for source in sources:
        words = [w.lower() for w in _WORDS.findall(source)]
        span = min(min_words, len(words))
        runs = [" ".join(words[k : k + span]) for k in range(len(words) - span + 1)] if span else []
        hit = next((run for run in runs if f" {run} " in joined), None)
        if hit is not None:
            found.append((source, hit))
    return found


def pasted_reason_problems(text: str, reasons: Iterable[str], names: Iterable[str] = ()) -> list[str]:
    """A ranker's reason is a note for the marketer, not copy: pasted into the message, it is a defect."""
    return [f"pastes the ranker's reason {r!r} ({run!r})" for r, run in pasted_runs(text, reasons, names)]


def copied_example_problems(
    text: str, example: str, names: Iterable[str] = (), example_name: str = ""
) -> list[str]:
    """Words lifted from the prompt's worked example (about a made-up product) say something false here.
    The example's own person (`example_name`) is taken out, so "Theo, pack smarter" matches "Sam, pack
    smarter"."""
    lines = [
        line.split(":", 1)[-1].replace(example_name, " ") if example_name else line.split(":", 1)[-1]
        for line in example.splitlines()
    ]
    return [f"copies the worked example ({run!r})" for _, run in pasted_runs(text, lines, names)]


def check_text(
    title: str,
    body: str,
    offers: Sequence[Offer],
    *,
    title_max: int,
    body_max: int,
    banned_words: Iterable[str],
    recently_bought: set[str],
    language: str,
    known_brands: Iterable[str] = (),
    reasons: Sequence[str] = (),
    examples: Sequence[tuple[str, str]] = (),
    categories: Iterable[Sequence[str]] = (),
) -> TextVerdict:
    """Every text check on one draft. `examples`: (reply, person) of each worked example the model was
    shown for this message (a regeneration saw two)."""
    verdict = TextVerdict()
    verdict.record(
        "nonempty", [] if body.strip() and (title.strip() or title_max == 0) else ["no title or body"]
    )
    verdict.record(
        "length", length_problems(title, body, title_max, body_max) + cut_name_problems(title, offers)
    )
    text = f"{title}\n{body}"
    verdict.record("mentions_offer", offer_mention_problems(text, offers))
    verdict.record("facts", fact_problems(text, offers, known_brands))
    verdict.record("banned_words", banned_word_problems(text, banned_words))
    verdict.record(
        "not_recently_bought", recently_bought_problems((o.product.id for o in offers), recently_bought)
    )
    verdict.record("language", language_problems(text, language))
    broken = rule_problems(title, body, offers, language)
    verdict.record("voice", [p for rule in VOICE_RULES for p in broken.get(rule, [])])
    verdict.record("claims", [p for rule in CLAIM_RULES for p in broken.get(rule, [])])
    names = [n for o in offers for n in (o.product.title, short_name(o.product.title))]
    verdict.record("no_pasted_reason", pasted_reason_problems(text, reasons, names))
    verdict.record(
        "no_copied_example",
        [p for example, person in examples for p in copied_example_problems(text, example, names, person)],
    )
    verdict.record("on_topic", other_category_problems(text, offers, categories))
    return verdict
