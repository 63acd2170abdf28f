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
_WORD = re.compile(r"[\w\u3400-\u9fff]+")
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

    def topical_interests(self) -> tuple[str, ...]:
        """The interests that name what is promoted ("rain jackets" for a rain jacket). Another kind
        ("kitchen knives") in the prompt is what a small model then writes about ("keep your kitchen
        cool" for a jacket), which the on-topic check rejects."""
        own = product_stems(self.offers)
        return tuple(
            i for i in self.interests if all(stem(w) in own for w in _WORD.findall(i.lower()) if len(w) >= 4)
        )

    def hooks(self) -> tuple[str, ...]:
        """What the personal sentence may build on: the product's features, else what the person shops
        for, else the product's kind."""
        product = self.offers[0].product
        return (
            features(product)
            or self.topical_interests()[:1]
            or (product.category[-1] if product.category else "the offer",)
        )

    def hook(self, attempt: int = 0) -> str:
        hooks = self.hooks()
        return hooks[(self.seed + attempt) % len(hooks)]


def features(product) -> tuple[str, ...]:
    """The product's own listed features (attributes "features"), the only qualities copy may claim."""
    return tuple(f.strip() for f in str(product.attributes.get("features", "")).split(",") if f.strip())


def stem(word: str) -> str:
    """Singular enough to match: boots -> boot, watches -> watch, fitness stays."""
    if word.endswith(("ches", "shes", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith(("ss", "us")) else word


def product_stems(offers: Sequence[Offer]) -> set[str]:
    """The stems of every word the promoted products' records hold (title, description, category,
    attributes): what copy may name without speaking of another kind of product."""
    own = " ".join(
        " ".join(
            [
                o.product.title,
                o.product.description or "",
                o.product.category_path,
                " ".join(f"{k} {v}" for k, v in (o.product.attributes or {}).items()),
            ]
        )
        for o in offers
    ).lower()
    return {stem(w) for w in _WORD.findall(own)}


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


def sentence_budget(brief: Brief) -> int:
    """Characters left for the personal sentence once the name and price sentence is written: a model
    told only the body's limit writes past it, and the fitting then cuts the very sentence that made
    the message personal."""
    o = brief.offers[0]
    cur = o.product.currency
    first = brief.user_name.split()[0] if brief.user_name.split() else ""
    price = f"{first}, the {short_name(o.product.title)} is {money(o.sale_price, cur)} (was "
    return max(30, brief.body_max - len(price + money(o.price, cur)) - 3)


def _taste(brief: Brief, name: str, interests: str) -> str:
    """What the person shops for, said only where it is about the promoted kind (`topical_interests`):
    a person whose interests are all elsewhere is not "new to the store", so nothing is said."""
    if interests:
        return f"{name} shops for: {interests}."
    return "" if brief.interests else f"{name} is new to the store."


def _request(brief: Brief, name: str, interests: str, facts: str, hook: str, fix: Sequence[str] = ()) -> str:
    zh = brief.language == "zh"
    title_rule = f"title at most {brief.title_max} characters; " if brief.title_max else "no title; "
    lines = [
        f"Write one {CHANNEL_WORDS[brief.channel]} in {'Simplified Chinese' if zh else 'English'} for {name}.",
        f"Tone: {TONE_WORDS[brief.tone]}. Angle: {ANGLE_WORDS[brief.angle]}.",
        facts,
        _taste(brief, name, interests),
        f"The body: the product and its sale price, then one short sentence (at most {sentence_budget(brief)} "
        f"characters) in your own words, no phrase from an earlier answer, on why it suits {name}, built "
        f"on: {hook}.",
        f'Rules: talk to {name} as "you"; {title_rule}body at most {brief.body_max} characters; copy prices '
        "exactly; no other numbers; claim no quality the product's features do not list; speak of no "
        "other kind of product.",
        f"A first draft was turned down ({'; '.join(fix)}): write a new one, in other words." if fix else "",
        "Answer in exactly two lines, TITLE: and BODY:.",
    ]
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True, slots=True)
class _Example:
    """A worked example, so the model sees the format, the length to keep and a personal sentence that
    ties a listed feature to what the person does. Products the store does not sell, from made-up
    brands, with words no real product's copy needs (ink, finches, quilting): a lifted phrase is then
    plainly off-topic and the copy check catches it. Several, with differently built price sentences,
    chosen per person, so messages do not all take one example's shape."""

    name: str
    interests: str
    facts: str
    hook: str
    en: str
    zh: str


WORKED_EXAMPLES = (
    _Example(
        "Ines",
        "fountain pens",
        "Product: Quillmark Scribe 3 Fountain Pen (brand Quillmark). Sale price $38.40, "
        "regular $48.00, 20% off, until Mar 3.\nIts features: fine nib, refillable.",
        "fine nib",
        "TITLE: Ines, new ink for your letters\nBODY: Ines, the Quillmark Scribe 3 Fountain Pen is now $38.40. "
        "Its fine nib suits the letters you write.",
        "TITLE: Ines，写信的好笔\nBODY: Quillmark Scribe 3 钢笔现价$38.40（原价$48.00），3月3日截止。细笔尖，正适合您写长信。",
    ),
    _Example(
        "Tomas",
        "bird feeders",
        "Product: Wrenfield Perch 2 Bird Feeder (brand Wrenfield). Sale price $27.30, "
        "regular $39.00, 30% off, until Feb 14.\nIts features: squirrel-proof, large seed tray.",
        "squirrel-proof",
        "TITLE: Tomas, more finches this winter\nBODY: 30% off the Wrenfield Perch 2 Bird Feeder: $27.30. "
        "Squirrel-proof, so the seed stays with your birds.",
        "TITLE: Tomas，喂鸟器七折\nBODY: Wrenfield Perch 2 喂鸟器七折，现价$27.30，2月14日截止。防松鼠设计，鸟食都留给花园里的小鸟。",
    ),
    _Example(
        "Aiko",
        "telescopes",
        "Product: Lumora Sky 80 Telescope (brand Lumora). Sale price $239.20, "
        "regular $299.00, 20% off, until Jan 20.\nIts features: wide field, tripod included.",
        "wide field",
        "TITLE: Aiko, the night sky up close\nBODY: Aiko, the Lumora Sky 80 Telescope drops to $239.20 until "
        "Jan 20. Its wide field fits the star clusters you chase.",
        "TITLE: Aiko，把星空拉近\nBODY: Aiko，Lumora Sky 80 天文望远镜现价$239.20，原价$299.00，优惠至1月20日。视野宽广，观星更尽兴。",
    ),
    _Example(
        "Rafael",
        "quilting",
        "Product: Stitchwell Q7 Quilter (brand Stitchwell). Sale price $199.20, "
        "regular $249.00, 20% off, until Mar 1.\nIts features: quiet motor, easy threading.",
        "quiet motor",
        "TITLE: Rafael, quilt in peace\nBODY: The Stitchwell Q7 Quilter, now $199.20 (regular $249.00). "
        "A quiet motor for your late-night quilting.",
        "TITLE: Rafael，安静地缝纫\nBODY: Stitchwell Q7 缝纫机现价$199.20（原价$249.00），3月1日截止。电机安静，深夜缝被子也不吵。",
    ),
    _Example(
        "Greta",
        "board games",
        "Product: Rookhaven Pocket Chess Set (brand Rookhaven). Sale price $25.50, "
        "regular $30.00, 15% off, until Feb 28.\nIts features: magnetic pieces, folding board.",
        "magnetic pieces",
        "TITLE: Greta, chess on the go\nBODY: Greta, save 15% on the Rookhaven Pocket Chess Set: $25.50. "
        "Magnetic pieces hold on a bumpy train.",
        "TITLE: Greta，随身象棋八五折\nBODY: Greta，Rookhaven 便携象棋八五折，现价$25.50，2月28日截止。磁性棋子，火车颠簸也不乱。",
    ),
    _Example(
        "Noor",
        "pianos",
        "Product: Tunewell Grand 2 Piano Bench (brand Tunewell). Sale price $96.00, "
        "regular $120.00, 20% off, until Jan 31.\nIts features: adjustable height, storage lid.",
        "storage lid",
        "TITLE: Noor, room for your sheet music\nBODY: Now $96.00: the Tunewell Grand 2 Piano Bench. "
        "Its storage lid keeps your sheet music close.",
        "TITLE: Noor，琴凳八折\nBODY: Tunewell Grand 2 钢琴凳现价$96.00（原价$120.00），1月31日截止。凳面下可收纳琴谱，练琴更方便。",
    ),
)


def worked_example(brief: Brief, attempt: int = 0) -> tuple[_Example, str]:
    """The worked example this person's prompt shows, and its reply in their language; a regeneration
    shows the next one (a small model that copied one example's sentence tends to copy it again)."""
    ex = WORKED_EXAMPLES[(brief.seed + attempt) % len(WORKED_EXAMPLES)]
    example = getattr(ex, "zh" if brief.language == "zh" else "en")
    return ex, example if brief.title_max else "TITLE:\n" + example.split("\n")[1]


def build_prompt(brief: Brief, attempt: int = 0, fix: Sequence[str] = ()) -> list[dict[str, str]]:
    """Chat messages for one message. Prices and dates are given as text to copy, never to compute;
    `attempt` moves to the next hook and worked example, and a regeneration says what was wrong (`fix`)
    but does not show the rejected draft: a small model shown its own draft writes it again."""
    system = (
        'You write short marketing copy for an online store, addressed to the reader as "you". You only '
        "state facts you are given, copy prices exactly as written, and never invent products, prices, "
        "discounts or qualities."
    )
    name = brief.user_name.split()[0] if brief.user_name.strip() else "a reader whose name you do not know"
    ex, example = worked_example(brief, attempt)
    interests = ", ".join(brief.topical_interests()[:3])
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": _request(brief, ex.name, ex.interests, ex.facts, ex.hook)},
        {"role": "assistant", "content": example},
        {
            "role": "user",
            "content": _request(brief, name, interests, _facts(brief), brief.hook(attempt), fix),
        },
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


# Sentence frames for the fallback, each keeping the name, the prices and the date in one sentence (a
# separate "Ends Dec 24." would be one phrase for all, assistant.push.variety). Many, so that templates
# for different people do not read alike once names and prices are masked: the composer takes the first
# frame, from a per-person start, whose masked wording the campaign has not used yet.
EN_NAMED = (
    "{name}, the {prod} {be} now {sale} (was {was}), {pct} off until {ends}.",
    "{name}: {pct} off the {prod}, now {sale} instead of {was} until {ends}.",
    "The {prod} for {sale} instead of {was}, {name}, until {ends}.",
    "{name}, save {pct} on the {prod}: {sale} until {ends}.",
    "Hi {name}! The {prod} {be} {sale}, down from {was}, through {ends}.",
    "Good news, {name}: the {prod} {be} down to {sale} from {was} until {ends}.",
    "{name}, until {ends} the {prod} {be} {sale} rather than {was}.",
    "{name}, {sale} instead of {was} for the {prod}, {pct} off through {ends}.",
    "A deal for you, {name}: the {prod} at {sale} (regular {was}) until {ends}.",
    "{name}, take {pct} off the {prod} and pay {sale}, not {was}, until {ends}.",
    "Only until {ends}, {name}: the {prod} at {sale}, was {was}.",
    "{name}, the {prod} just dropped to {sale} from {was}, {pct} off until {ends}.",
)
EN_PLAIN = (
    "The {prod} {be} now {sale} (was {was}), {pct} off until {ends}.",
    "{pct} off the {prod}: now {sale}, was {was}, until {ends}.",
    "Save {pct} on the {prod}: {sale} until {ends}.",
    "Until {ends}, the {prod} {be} {sale} instead of {was}.",
    "Now {sale} (was {was}): the {prod}, {pct} off until {ends}.",
)
ZH_NAMED = (
    "{name}，{prod}现价{sale}（原价{was}），优惠{pct}，截止{ends}。",
    "{name}您好：{prod}立减{pct}，现价{sale}，原价{was}，{ends}截止。",
    "{name}，{prod}限时特价{sale}，原价{was}，活动至{ends}。",
    "{name}，{ends}前{prod}只要{sale}（原价{was}）。",
    "{name}，{prod}直降{pct}，到手价{sale}，{ends}截止。",
    "好消息，{name}：{prod}从{was}降到{sale}，优惠至{ends}。",
)
ZH_PLAIN = (
    "{prod}现价{sale}（原价{was}），优惠{pct}，截止{ends}。",
    "{prod}立减{pct}，现价{sale}，{ends}截止。",
    "{ends}前，{prod}特价{sale}，原价{was}。",
)


def _bodies(name: str, o: Offer, language: str) -> list[str]:
    """Every frame of the language filled in, for the product's name alone and with its listed features."""
    zh = language == "zh"
    cur = o.product.currency
    product = short_name(o.product.title)
    listed = ("、" if zh else ", ").join(features(o.product)[:2])
    values = {
        "name": name,
        "pct": o.discount_text,
        "ends": end_date(o, language),
        "be": _verb(product),
        "sale": money(o.sale_price, cur),
        "was": money(o.price, cur),
    }
    frames = ((ZH_NAMED if name else ()) + ZH_PLAIN) if zh else ((EN_NAMED if name else ()) + EN_PLAIN)
    prods = [product] + ([f"{product}（{listed}）" if zh else f"{product} ({listed})"] if listed else [])
    return [frame.format(**values, prod=prod) for prod in prods for frame in frames]


def _titles(name: str, o: Offer, language: str) -> list[str]:
    pct, brand = o.discount_text, o.product.brand
    if language == "zh":
        return [f"{brand}限时优惠{pct}", f"{brand}特价", f"{name}，{brand}直降{pct}" if name else "限时优惠"]
    named = [f"{name}, {pct} off {brand}", f"{name}, a deal on {brand}", f"{name}, {brand} for less"]
    return [*(named if name else []), f"{pct} off {brand}", f"{brand}: {pct} off for you", "Sale on now"]


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
    cores = _bodies(name, first, language)
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
        fitting = [t for t in _titles(name, first, brief.language) if len(t) <= brief.title_max]
        title = fitting[brief.seed % len(fitting)] if fitting else ""
    bodies = (core + closer for closer in CLOSERS[language] for core in cores)
    return [(title, b) for b in bodies if len(b) <= brief.body_max]


def fallback_message(
    brief: Brief,
    taken: Sequence[str] = (),
    fits: Callable[[str], bool] | None = None,
    fresh: Callable[[str], bool] | None = None,
) -> tuple[str, str] | None:
    """The first template message whose body is not in `taken` (bodies other users got) and passes
    `fits` (e.g. uses no sentence the campaign already used up), or None. Among those, the first that is
    `fresh` (worded unlike the campaign's other bodies once names and prices are masked) comes first."""
    used, first = set(taken), None
    for title, body in template_options(brief):
        if body in used or (fits is not None and not fits(body)):
            continue
        if fresh is None or fresh(body):
            return title, body
        first = first or (title, body)
    return first
