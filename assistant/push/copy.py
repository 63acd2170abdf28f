"""The words of a message: prompts for the model (facts in, prices already computed), parsing what it
writes, and the template fallback built from the facts alone."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.fact_check import money
from assistant.push.records import Offer

TONE_WORDS = {
    "friendly": "warm and friendly",
    "playful": "playful and light",
    "premium": "calm and premium",
    "urgent": "energetic, with a sense of urgency",
    "informative": "plain and informative",
}
ANGLE_WORDS = {
    "benefit": "lead with what the product does for them",
    "discount": "lead with the discount and the sale price",
    "personal": "lead with why it fits their taste",
    "urgency": "lead with the offer's end date",
}
CHANNEL_WORDS = {
    "push": "app push notification",
    "sms": "text message (SMS)",
    "email": "email subject and preview",
}
_LINE = re.compile(
    r"^\s*[*#]*\s*(title|subject|body|preview|text|message|标题|正文)\s*\**\s*[:：]\s*\**\s*(.*)$", re.I
)


@dataclass(frozen=True, slots=True)
class Brief:
    """Everything one message may say, decided in code before the model sees it.

    `reasons` are the ranker's notes for the marketer (kept in the outbox, never put in the prompt: a
    model given them pastes them); the model gets the person's facts instead: `interests` (what they
    shop for) and a hook (`hooks()`), with `seed` (from the user id) choosing among hooks and worked
    examples so that prompts differ from person to person."""

    user_name: str
    language: str
    offers: tuple[Offer, ...]
    reasons: tuple[str, ...]
    tone: str
    angle: str
    channel: str
    title_max: int
    body_max: int
    interests: tuple[str, ...] = ()
    seed: int = 0

    def hooks(self) -> tuple[str, ...]:
        """What the personal sentence may build on: the product's features, else what the person shops
        for, else the product's kind."""
        product = self.offers[0].product
        return (
            features(product)
            or self.interests[:1]
            or (product.category[-1] if product.category else "the offer",)
        )

    def hook(self, attempt: int = 0) -> str:
        hooks = self.hooks()
        return hooks[(self.seed + attempt) % len(hooks)]


def features(product) -> tuple[str, ...]:
    """The product's own listed features (attributes "features"), the only qualities copy may claim."""
    return tuple(f.strip() for f in str(product.attributes.get("features", "")).split(",") if f.strip())


def short_name(title: str) -> str:
    """The product's name without the colour or size after the comma."""
    return title.split(",")[0].strip()


def end_date(offer: Offer, language: str) -> str:
    d = offer.ends
    return f"{d.month}月{d.day}日" if language == "zh" else f"{d:%b} {d.day}"


def _facts(brief: Brief) -> str:
    lines = []
    for o in brief.offers:
        p = o.product
        lines.append(
            f"Product: {short_name(p.title)} (brand {p.brand}). Sale price {money(o.sale_price, p.currency)}, "
            f"regular {money(o.price, p.currency)}, {o.discount_text} off, until {end_date(o, 'en')}."
        )
        if features(p):
            lines.append(f"Its features: {', '.join(features(p))}.")
    return "\n".join(lines)


def _request(brief: Brief, name: str, interests: str, facts: str, hook: str) -> str:
    zh = brief.language == "zh"
    title_rule = f"title at most {brief.title_max} characters; " if brief.title_max else "no title; "
    return "\n".join(
        [
            f"Write one {CHANNEL_WORDS[brief.channel]} in {'Simplified Chinese' if zh else 'English'} for {name}.",
            f"Tone: {TONE_WORDS[brief.tone]}. Angle: {ANGLE_WORDS[brief.angle]}.",
            facts,
            f"{name} shops for: {interests}." if interests else f"{name} is new to the store.",
            f"The body: the product and its sale price, then one short sentence in your own words on why it suits "
            f"{name}, built on: {hook}.",
            f'Rules: talk to {name} as "you"; {title_rule}body at most {brief.body_max} characters; copy prices '
            "exactly; no other numbers; claim no quality the product's features do not list.",
            "Answer in exactly two lines, TITLE: and BODY:.",
        ]
    )


@dataclass(frozen=True, slots=True)
class _Example:
    """A worked example with a made-up product, so the model sees the format and the length to keep;
    several, chosen per person, so that not every message copies one example's second sentence."""

    name: str
    interests: str
    facts: str
    hook: str
    en: str
    zh: str


WORKED_EXAMPLES = (
    _Example(
        "Ana",
        "coffee makers",
        "Product: Brewmont Aero 2 Drip Coffee Maker (brand Brewmont). Sale price $59.99, "
        "regular $79.99, 25% off, until Dec 31.\nIts features: fast brewing, easy to clean.",
        "fast brewing",
        "TITLE: Ana, fresh coffee for less\nBODY: The Brewmont Aero 2 Drip Coffee Maker is now $59.99 (was $79.99). "
        "Your first cup, ready in no time.",
        "TITLE: Ana，咖啡机特惠\nBODY: Brewmont Aero 2 滴滤咖啡机现价$59.99（原价$79.99），优惠至12月31日。冲煮快，早晨不用等。",
    ),
    _Example(
        "Sam",
        "backpacks, travel",
        "Product: Packhaven Orbit 6 Travel Pack (brand Packhaven). Sale price $72.00, "
        "regular $90.00, 20% off, until Jan 5.\nIts features: padded straps, laptop sleeve.",
        "laptop sleeve",
        "TITLE: Sam, pack smarter\nBODY: 20% off the Packhaven Orbit 6 Travel Pack: $72.00 until Jan 5. "
        "Your laptop gets its own sleeve.",
        "TITLE: Sam，背包八折\nBODY: Packhaven Orbit 6 旅行背包八折，现价$72.00，1月5日截止。笔记本有专属夹层，出行更安心。",
    ),
    _Example(
        "Lee",
        "yoga and fitness",
        "Product: Lotusline Flow 3 Yoga Mat (brand Lotusline). Sale price $31.50, "
        "regular $45.00, 30% off, until Feb 2.\nIts features: non-slip, easy to clean.",
        "non-slip",
        "TITLE: Lee, a mat that holds on\nBODY: Lee, the Lotusline Flow 3 Yoga Mat is $31.50 instead of $45.00 "
        "until Feb 2. It stays put when you sweat.",
        "TITLE: Lee，瑜伽垫七折\nBODY: Lotusline Flow 3 瑜伽垫现价$31.50，原价$45.00，2月2日截止。防滑，出汗也稳稳的。",
    ),
)


def worked_example(brief: Brief, attempt: int = 0) -> tuple[_Example, str]:
    """The worked example this person's prompt shows, and its reply in their language; a regeneration
    shows the next one (a small model that copied one example's sentence tends to copy it again)."""
    ex = WORKED_EXAMPLES[(brief.seed + attempt) % len(WORKED_EXAMPLES)]
    example = getattr(ex, "zh" if brief.language == "zh" else "en")
    return ex, example if brief.title_max else "TITLE:\n" + example.split("\n")[1]


def build_prompt(brief: Brief, attempt: int = 0) -> list[dict[str, str]]:
    """Chat messages for one message. Prices and dates are given as text to copy, never to compute;
    `attempt` moves to the next hook (a regeneration writes about something else)."""
    system = (
        'You write short marketing copy for an online store, addressed to the reader as "you". You only '
        "state facts you are given, copy prices exactly as written, and never invent products, prices, "
        "discounts or qualities."
    )
    name = brief.user_name.split()[0] if brief.user_name.strip() else "a reader whose name you do not know"
    ex, example = worked_example(brief, attempt)
    interests = ", ".join(brief.interests[:3])
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": _request(brief, ex.name, ex.interests, ex.facts, ex.hook)},
        {"role": "assistant", "content": example},
        {"role": "user", "content": _request(brief, name, interests, _facts(brief), brief.hook(attempt))},
    ]


def parse_reply(text: str) -> tuple[str, str]:
    """TITLE/BODY lines from the model's reply; ("", "") when it wrote something else."""
    title = body = ""
    for raw in text.strip().splitlines():
        match = _LINE.match(raw)
        if not match:
            continue
        value = match.group(2).strip().strip('"“”<>').strip()
        if match.group(1).lower() in ("title", "subject", "标题"):
            title = title or value
        else:
            body = body or value
    return title, body


_SENTENCE = re.compile(r".+?(?:[.!?](?=\s|$)|[。！？]|$)", re.S)
_DANGLING = re.compile(
    r"[\s,;:–—-]+(?:(?:with|and|for|the|a|an|to|of|on|in|at|by|from|your|our|is|are|now|so)[\s,;:–—-]*)*$",
    re.I,
)


def fit_to_limits(title: str, body: str, title_max: int, body_max: int) -> tuple[str, str]:
    """Small models overshoot character limits by a few words. Keep the body's leading whole sentences
    that fit, and cut an overlong title at a word boundary; what still does not fit is left as it is,
    for the length check to reject. The checks then judge the trimmed text, price and name included."""
    if len(body) > body_max:
        kept = ""
        for sentence in _SENTENCE.findall(body):
            if len(kept + sentence) > body_max:
                break
            kept += sentence
        body = kept.strip() or body
    if title_max and len(title) > title_max:
        cut = title[: title_max + 1]
        cut = cut[: cut.rfind(" ")] if " " in cut else title[:title_max]
        title = _DANGLING.sub("", cut).strip() or title
    return title, body


# -- the template fallback --------------------------------------------------------------------------------
def _verb(name: str) -> str:
    """ "The Hiking Boots are", "the Rain Jacket is": the last word of a product name decides."""
    last = name.split()[-1].lower() if name.split() else ""
    return "are" if last.endswith("s") and not last.endswith(("ss", "us")) else "is"


def _en_bodies(name: str, o: Offer) -> list[str]:
    """Each phrasing keeps the name, the prices and the date in one sentence: a separate "Ends Dec 24."
    would be one phrase for all (assistant.push.variety)."""
    cur, pct, ends = o.product.currency, o.discount_text, end_date(o, "en")
    be = _verb(short_name(o.product.title))
    sale, was = money(o.sale_price, cur), money(o.price, cur)
    listed = ", ".join(features(o.product)[:2])
    out = []
    for prod in [short_name(o.product.title)] + (
        [f"{short_name(o.product.title)} ({listed})"] if listed else []
    ):
        out += (
            [
                f"{name}, the {prod} {be} now {sale} (was {was}), {pct} off until {ends}.",
                f"{name}: {pct} off the {prod}, now {sale} instead of {was} until {ends}.",
                f"The {prod} for {sale} instead of {was}, {name}, until {ends}.",
                f"{name}, save {pct} on the {prod}: {sale} until {ends}.",
                f"Hi {name}! The {prod} {be} {sale}, down from {was}, through {ends}.",
            ]
            if name
            else []
        )
        out += [
            f"The {prod} {be} now {sale} (was {was}), {pct} off until {ends}.",
            f"{pct} off the {prod}: now {sale}, was {was}, until {ends}.",
            f"Save {pct} on the {prod}: {sale} until {ends}.",
        ]
    return out


def _zh_bodies(name: str, o: Offer) -> list[str]:
    cur, pct, ends = o.product.currency, o.discount_text, end_date(o, "zh")
    sale, was = money(o.sale_price, cur), money(o.price, cur)
    listed = "、".join(features(o.product)[:2])
    out = []
    for prod in [short_name(o.product.title)] + (
        [f"{short_name(o.product.title)}（{listed}）"] if listed else []
    ):
        out += (
            [
                f"{name}，{prod}现价{sale}（原价{was}），优惠{pct}，截止{ends}。",
                f"{name}您好：{prod}立减{pct}，现价{sale}，原价{was}，{ends}截止。",
                f"{name}，{prod}限时特价{sale}，原价{was}，活动至{ends}。",
            ]
            if name
            else []
        )
        out += [
            f"{prod}现价{sale}（原价{was}），优惠{pct}，截止{ends}。",
            f"{prod}立减{pct}，现价{sale}，{ends}截止。",
        ]
    return out


def _titles(name: str, o: Offer, language: str) -> list[str]:
    pct, brand = o.discount_text, o.product.brand
    if language == "zh":
        return [f"{brand}限时优惠{pct}", f"{brand}特价", "限时优惠"]
    return [
        f"{name}, {pct} off {brand}" if name else f"{pct} off {brand}",
        f"{pct} off {brand}",
        f"{brand} sale",
        "Sale on now",
    ]


CLOSERS = {
    "en": (
        "",
        " Picked for you.",
        " Just for you.",
        " Enjoy!",
        " Happy shopping!",
        " See you soon.",
        " Have a look.",
        " Worth a look.",
    ),
    "zh": ("", "为您精选。", "别错过！", "祝购物愉快！", "欢迎选购。", "快来看看。"),
}


def template_options(brief: Brief) -> list[tuple[str, str]]:
    """Fallback (title, body) pairs built only from the facts, in order of preference, within the limits.

    Phrasings times closing words give each (name, product) dozens of distinct bodies, so users of one
    segment who share a first name and a pick still get different messages; the person's seed picks
    where the phrasings start, so not every fallback reads the same.
    """
    first = brief.offers[0]
    name = brief.user_name.split()[0] if brief.user_name.strip() else ""
    language = "zh" if brief.language == "zh" else "en"
    cores = (_zh_bodies if language == "zh" else _en_bodies)(name, first)
    cores = cores[brief.seed % len(cores) :] + cores[: brief.seed % len(cores)]
    if len(brief.offers) > 1:
        extra = [
            f"{short_name(o.product.title)} {money(o.sale_price, o.product.currency)}"
            for o in brief.offers[1:]
        ]
        joiner = "；另有" if language == "zh" else " Also: "
        cores = [f"{b}{joiner}{', '.join(extra)}." for b in cores] + cores
    title = ""
    if brief.title_max:
        fitting = [t for t in _titles(name, first, brief.language) if len(t) <= brief.title_max][:2]
        title = fitting[brief.seed % len(fitting)] if fitting else ""
    bodies = (core + closer for closer in CLOSERS[language] for core in cores)
    return [(title, b) for b in bodies if len(b) <= brief.body_max]


def fallback_message(
    brief: Brief, taken: Sequence[str] = (), fits: Callable[[str], bool] | None = None
) -> tuple[str, str] | None:
    """The first template message whose body is not in `taken` (bodies other users got) and passes
    `fits` (e.g. uses no sentence the campaign already used up), or None."""
    used = set(taken)
    return next(
        ((t, b) for t, b in template_options(brief) if b not in used and (fits is None or fits(b))), None
    )
