"""The words of a message: prompts for the model (facts in, prices already computed), parsing what it
writes, and the template fallback built from the facts alone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.fact_check import money
from assistant.push.records import Offer

TONE_WORDS = {
    "friendly": "warm and friendly", "playful": "playful and light", "premium": "calm and premium",
    "urgent": "energetic, with a sense of urgency", "informative": "plain and informative",
}
ANGLE_WORDS = {
    "benefit": "lead with what the product does for this shopper",
    "discount": "lead with the discount and the sale price",
    "personal": "lead with why it fits this shopper's taste",
    "urgency": "lead with the offer's end date",
}
CHANNEL_WORDS = {"push": "app push notification", "sms": "text message (SMS)", "email": "email subject and preview"}
_LINE = re.compile(r"^\s*[*#]*\s*(title|subject|body|preview|text|message|标题|正文)\s*\**\s*[:：]\s*\**\s*(.*)$",
                   re.I)


@dataclass(frozen=True, slots=True)
class Brief:
    """Everything one message may say, decided in code before the model sees it."""

    user_name: str
    language: str
    offers: tuple[Offer, ...]
    reasons: tuple[str, ...]
    tone: str
    angle: str
    channel: str
    title_max: int
    body_max: int


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
        lines.append(f"Product: {short_name(p.title)} (brand {p.brand}). Sale price {money(o.sale_price, p.currency)}, "
                     f"regular {money(o.price, p.currency)}, {o.discount_text} off, until {end_date(o, 'en')}.")
    return "\n".join(lines)


def _request(brief: Brief, name: str, reasons: str, facts: str) -> str:
    zh = brief.language == "zh"
    title_rule = f"title at most {brief.title_max} characters; " if brief.title_max else "no title; "
    return "\n".join([
        f"Write one {CHANNEL_WORDS[brief.channel]} in {'Simplified Chinese' if zh else 'English'} for {name}.",
        f"Tone: {TONE_WORDS[brief.tone]}. Angle: {ANGLE_WORDS[brief.angle]}.",
        facts,
        f"Why it fits them: {reasons}.",
        f"Rules: {title_rule}body at most {brief.body_max} characters; name the product and its sale price; "
        "copy prices exactly; no other numbers.",
        "Answer in exactly two lines, TITLE: and BODY:.",
    ])


# A worked example with a made-up product, so the model sees the format and the length it must keep.
_EXAMPLE = {
    "en": ("TITLE: Ana, fresh coffee for less\n"
           "BODY: The Brewmont Aero 2 Drip Coffee Maker is now $59.99 (was $79.99). Mornings made easy, until Dec 31."),
    "zh": "TITLE: Ana，咖啡机特惠\nBODY: Brewmont Aero 2 滴滤咖啡机现价$59.99（原价$79.99），优惠至12月31日，早晨更轻松。",
}
_EXAMPLE_FACTS = "Product: Brewmont Aero 2 Drip Coffee Maker (brand Brewmont). Sale price $59.99, regular $79.99, 25% off, until Dec 31."


def build_prompt(brief: Brief) -> list[dict[str, str]]:
    """Chat messages for one message. Prices and dates are given as text to copy, never to compute."""
    system = ("You write short marketing copy for an online store. You only state facts you are given, "
              "copy prices exactly as written, and never invent products, prices or discounts.")
    name = brief.user_name.split()[0] if brief.user_name.strip() else "a shopper (no name)"
    reasons = "; ".join(brief.reasons[:2]) or "it is on sale in a category they like"
    language = "zh" if brief.language == "zh" else "en"
    example = _EXAMPLE[language] if brief.title_max else _EXAMPLE[language].split("\n")[1].replace("BODY:", "TITLE:\nBODY:")
    return [{"role": "system", "content": system},
            {"role": "user", "content": _request(brief, "Ana", "she bought coffee beans", _EXAMPLE_FACTS)},
            {"role": "assistant", "content": example},
            {"role": "user", "content": _request(brief, name, reasons, _facts(brief))}]


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
_DANGLING = re.compile(r"[\s,;:–—-]+(?:(?:with|and|for|the|a|an|to|of|on|in|at|by|from|your|our|is|are|now|so)[\s,;:–—-]*)*$", re.I)


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
        cut = title[:title_max + 1]
        cut = cut[:cut.rfind(" ")] if " " in cut else title[:title_max]
        title = _DANGLING.sub("", cut).strip() or title
    return title, body


# -- the template fallback --------------------------------------------------------------------------------
def _en_bodies(name: str, o: Offer) -> list[str]:
    cur, prod, pct, ends = o.product.currency, short_name(o.product.title), o.discount_text, end_date(o, "en")
    sale, was = money(o.sale_price, cur), money(o.price, cur)
    named = [f"{name}, the {prod} is now {sale} (was {was}), {pct} off until {ends}.",
             f"{name}: {pct} off the {prod}. Now {sale}, was {was}. Ends {ends}.",
             f"The {prod} for {sale} instead of {was}, {name}. Offer ends {ends}.",
             f"{name}, save {pct} on the {prod}: {sale} until {ends}.",
             f"Hi {name}! {prod}: {sale}, down from {was}, through {ends}.",
             f"{name}, {prod} now {sale} ({pct} off), until {ends}."] if name else []
    plain = [f"The {prod} is now {sale} (was {was}), {pct} off until {ends}.",
             f"{pct} off the {prod}: now {sale}, was {was}. Ends {ends}.",
             f"{prod}: {sale} instead of {was} until {ends}.",
             f"Save {pct} on the {prod}: {sale} until {ends}.",
             f"{prod}: {sale} until {ends}."]
    return named + plain


def _zh_bodies(name: str, o: Offer) -> list[str]:
    cur, prod, pct, ends = o.product.currency, short_name(o.product.title), o.discount_text, end_date(o, "zh")
    sale, was = money(o.sale_price, cur), money(o.price, cur)
    named = [f"{name}，{prod}现价{sale}（原价{was}），优惠{pct}，截止{ends}。",
             f"{name}您好：{prod}立减{pct}，现价{sale}，原价{was}，{ends}截止。",
             f"{name}，{prod}限时特价{sale}，原价{was}，活动至{ends}。",
             f"{name}，{prod}省{pct}，只要{sale}，{ends}结束。"] if name else []
    plain = [f"{prod}现价{sale}（原价{was}），优惠{pct}，截止{ends}。",
             f"{prod}立减{pct}，现价{sale}，{ends}截止。",
             f"{prod}：{sale}，{ends}止。"]
    return named + plain


def _titles(name: str, o: Offer, language: str) -> list[str]:
    pct, brand = o.discount_text, o.product.brand
    if language == "zh":
        return [f"{brand}限时优惠{pct}", f"{brand}特价", "限时优惠"]
    return [f"{name}, {pct} off {brand}" if name else f"{pct} off {brand}", f"{pct} off {brand}",
            f"{brand} sale", "Sale on now"]


CLOSERS = {"en": ("", " Picked for you.", " Just for you.", " Enjoy!", " Happy shopping!", " See you soon.",
                  " Have a look.", " Worth a look."),
           "zh": ("", "为您精选。", "别错过！", "祝购物愉快！", "欢迎选购。", "快来看看。")}


def template_options(brief: Brief) -> list[tuple[str, str]]:
    """Fallback (title, body) pairs built only from the facts, in order of preference, within the limits.

    Phrasings times closing words give each (name, product) dozens of distinct bodies, so users of one
    segment who share a first name and a pick still get different messages.
    """
    first = brief.offers[0]
    name = brief.user_name.split()[0] if brief.user_name.strip() else ""
    language = "zh" if brief.language == "zh" else "en"
    cores = (_zh_bodies if language == "zh" else _en_bodies)(name, first)
    if len(brief.offers) > 1:
        extra = [f"{short_name(o.product.title)} {money(o.sale_price, o.product.currency)}" for o in brief.offers[1:]]
        joiner = "；另有" if language == "zh" else " Also: "
        cores = [f"{b}{joiner}{', '.join(extra)}." for b in cores] + cores
    title = ""
    if brief.title_max:
        title = next((t for t in _titles(name, first, brief.language) if len(t) <= brief.title_max), "")
    bodies = (core + closer for closer in CLOSERS[language] for core in cores)
    return [(title, b) for b in bodies if len(b) <= brief.body_max]


def fallback_message(brief: Brief, taken: Sequence[str] = ()) -> tuple[str, str] | None:
    """The first template message whose body is not in `taken` (bodies other users got), or None."""
    used = set(taken)
    return next(((t, b) for t, b in template_options(brief) if b not in used), None)
