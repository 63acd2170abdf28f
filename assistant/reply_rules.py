"""The reply's rules, read sentence by sentence as a shopper would read them.

The fact check (assistant/fact_check.py) holds numbers and names to the facts. These rules hold what a
small model gets wrong in meaning: who is spoken to, which products are named, comparisons, features
claimed for a product, whose voice a review is in, the shopper's own limits, claims about the shopper's
past and relations between products, and what a careful reader still finds wrong: the shopper's words
said back as the reply's own, store policies the policy texts do not state for that kind of product,
slogans that say nothing, and "not mentioned" answers that name neither the product nor the thing. Pure
functions over one sentence and the turn's `ReplyContext`, shared by chat replies and push copy; a
sentence that breaks a rule is dropped or repaired by the caller (`repair_sentence` where the fix is
certain), which records the rule.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assistant.language import ORDINALS, detect_language

RULES = (
    "address",
    "prompt_words",
    "unshown_product",
    "comparison",
    "attribute",
    "reviewer_voice",
    "limit",
    "history",
    "relation",
    "language",
    "garbled",
    "echo",
    "policy",
    "filler",
    "vague_negative",
    "inference",
    "unnamed",
)


@dataclass(frozen=True, slots=True)
class RuleBreak:
    rule: str  # one of RULES
    span: str  # the words that break it
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail} ({self.span!r})"


@dataclass(frozen=True, slots=True)
class ShownProduct:
    """A product on screen this turn, with the text that may support a claim about it."""

    id: str
    title: str
    brand: str = ""
    price: float | None = None
    rating: float | None = None
    support: str = ""  # title, description, attributes and the review passages cited for it
    category: tuple[str, ...] = ()  # its category path: which of the store's policies cover it

    @classmethod
    def of(cls, product, evidence: Iterable[str] = ()) -> ShownProduct:
        attributes = " ".join(f"{k} {v}" for k, v in (product.attributes or {}).items())
        support = " ".join([product.title, product.description or "", attributes, *evidence])
        return cls(
            product.id,
            product.title,
            product.brand or "",
            product.price,
            product.rating,
            support.lower(),
            tuple(product.category or ()),
        )


@dataclass(frozen=True, slots=True)
class Policy:
    """One clause of the store's policy texts, and the categories it names (none: it holds for every kind)."""

    text: str  # lowercased
    scope: frozenset[str] = frozenset()  # category names, lowercased
    wording: str = ""  # the clause as the store wrote it, to quote


def _stem(name: str) -> str:
    """A category name as a sentence may say it: "Coffee Makers" -> "coffee maker" (found in both numbers)."""
    lowered = name.lower().strip()
    return lowered[:-1] if lowered.endswith("s") and not lowered.endswith("ss") else lowered


def _says_category(text: str, name: str) -> bool:
    if not re.search(r"[a-z0-9]", name, re.I):
        return name in text  # Chinese has no spaces to bound a word by
    return re.search(rf"(?<!\w){re.escape(_stem(name))}", text.lower()) is not None


def policy_clauses(
    texts: Iterable[str], categories: Iterable[Sequence[str]], aliases: Mapping[str, str] | None = None
) -> tuple[Policy, ...]:
    """The store's policy texts cut into clauses, each with the categories it names: "Electronics and
    coffee makers carry a 2-year warranty; kitchen knives a lifetime warranty" covers three kinds, not all.
    `aliases` are other names of categories (a policy in Chinese says 咖啡机 for coffee makers)."""
    names = {c.lower().strip() for path in categories for c in path if c.strip()}
    spellings = {name: name for name in names} | {
        alias: name for alias, name in (aliases or {}).items() if name in names
    }
    clauses = (c.strip() for t in texts for c in re.split(r"(?<=[.;!?])\s+|[。；！？]", t))
    return tuple(
        Policy(c.lower(), frozenset(n for said, n in spellings.items() if _says_category(c, said)), c)
        for c in clauses
        if c
    )


def _name_key(words: list[str]) -> str:
    return " ".join(words)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:[.'][a-z0-9]+)*", text.lower())


class CatalogNames:
    """Finds catalog products named in a sentence by the first three words of their title (brand and
    model: "stridewell zen 3"), the way people and models refer to them."""

    def __init__(self, titles: Iterable[tuple[str, str]]):
        self._ids: dict[str, set[str]] = {}
        for pid, title in titles:
            words = _words(title)
            if len(words) >= 3:
                self._ids.setdefault(_name_key(words[:3]), set()).add(pid)

    def named(self, sentence: str) -> dict[str, set[str]]:
        words = _words(sentence)
        found = {}
        for i in range(len(words) - 2):
            key = _name_key(words[i : i + 3])
            if key in self._ids:
                found[key] = self._ids[key]
        return found


@dataclass(frozen=True, slots=True)
class ReplyContext:
    shown: tuple[ShownProduct, ...] = ()
    language: str = "en"
    shopper_words: str = ""  # what the shopper wrote: this turn and the need it refines
    limits: tuple[float, ...] = ()  # the amounts the shopper gave as limits ("under $120")
    reviews: tuple[str, ...] = ()  # the review passages the model was shown
    catalog: CatalogNames | None = None
    prompt_names: tuple[str, ...] = ()  # names that only the prompt's worked examples use
    prompt_examples: tuple[str, ...] = ()  # the worked examples' answers: a reply must not copy them
    policies: tuple[Policy, ...] = ()  # the store's policy clauses (policy_clauses)
    said_now: str = ""  # this turn's message alone: the words a reply must not say back as its own
    earlier: tuple[ShownProduct, ...] = ()  # shown before a policy question, which it is read as about


# -- who is spoken to, and words from the prompt ------------------------------------------------------
_THIRD_PERSON = re.compile(
    r"\b(?:the|this|our|a) (?:shopper|user|customer|buyer|client|consumer)s?\b|\b(?:shopper|user|customer)'s\b|"
    r"\bhe or she\b|该(?:用户|顾客|买家|购物者)|这位(?:用户|顾客|买家|购物者)|购物者|(?:用户|顾客)(?:喜欢|偏好|可能|会|想)",
    re.I,
)
_PROMPT_WORDS = re.compile(
    r"\b(?:FACTS?|SHOPPER(?: SAYS| PROFILE| ASKS)?|PROFILE|STORE POLICY|DESCRIPTION|REVIEWS|NOTES|REQUEST|PRODUCTS)\s*:|"
    r"</?review>|\[[A-Z0-9]{6,}\]|\b(?:the )?(?:facts|information|data|details|notes|context|list) "
    r"(?:provided|given|above|below|listed)\b|\bprovided (?:facts|information|data|notes|list)\b|\bthe prompt\b|"
    r"\bas an AI\b|\blanguage model\b|根据(?:提供的|以上|上述)|(?:以上|上述)(?:信息|事实|资料|内容)|提供的(?:信息|事实|资料)",
    re.I,
)

# -- comparisons: those the facts can settle (price, rating) and those they never can -------------------
_CHEAPER = r"cheaper|less expensive|more affordable|lower[- ]priced|better value|更便宜|更实惠"
_PRICIER = r"pricier|more expensive|costlier|higher[- ]priced|更贵"
_CHEAPEST = r"cheapest|least expensive|most affordable|lowest[- ]priced|最便宜|最实惠"
_PRICIEST = r"most expensive|priciest|highest[- ]priced|最贵"
_BETTER_RATED = r"better[- ]rated|higher[- ]rated|more highly rated|评分更高|好评更多"
_WORSE_RATED = r"lower[- ]rated|worse[- ]rated|评分更低"
_BEST_RATED = r"best[- ]rated|highest[- ]rated|top[- ]rated|评分最高"
_UNSETTLED = (
    r"lighter than|heavier than|newer than|older than|quieter than|louder than|warmer than|"
    r"more durable than|more comfortable than|lightest|heaviest|newest|quietest|warmest|"
    r"更轻|更重|更新|更安静|更耐用|更舒适|最轻|最新|"
    # Judgements between products: nothing in the facts ranks one as the better buy.
    r"better than|worse than|better (?:option|choice|pick|fit|buy|deal|bet)|superior to|outperforms|"
    r"比[^。！？，,]{1,60}?更好"
)
_COMPARATIVES = {
    name: re.compile(rf"\b(?:{pattern})\b" if name != "unsettled" else rf"(?:{pattern})", re.I)
    for name, pattern in (
        ("cheaper", _CHEAPER),
        ("pricier", _PRICIER),
        ("cheapest", _CHEAPEST),
        ("priciest", _PRICIEST),
        ("better_rated", _BETTER_RATED),
        ("worse_rated", _WORSE_RATED),
        ("best_rated", _BEST_RATED),
        ("unsettled", _UNSETTLED),
    )
}

# -- features a product may be said to have only where its own texts say so -----------------------------
ATTRIBUTES: dict[str, str] = {
    # Staying dry is claimed in many words: "keeps your rain gear dry", "dry through any downpour".
    "waterproof": r"water[- ]?proof|water[- ]?(?:resistant|repellent)|repels? (?:water|rain)|"
    r"(?:rain|storm|shower)[- ]?proof|stay(?:s|ed|ing)? dry|"
    r"keep(?:s|ing)? (?:you|them|it|everything|(?:your|their) (?:\w+ ){0,2}\w+)(?: nice and| bone)? dry|"
    r"\bdry (?:in|through) (?:any |the |a |heavy )?(?:rain|downpours?|showers?|storms?|wet)|防水|不怕(?:雨|水)",
    "lightweight": r"light[- ]?weight|feather[- ]?light|so light|lightest|轻便|轻巧|很轻|最轻",
    "quiet": r"\bquiet|silent|whisper|安静|静音",
    "wide fit": r"wide (?:fit|feet|foot|toe)|宽脚|宽楦",
    "runs small": r"runs? small|snug|half a size up|偏小",
    "noise cancelling": r"noise[- ]cancell?ing|\bANC\b|降噪",
    "battery": r"battery (?:life|lasts)|long[- ]lasting battery|续航",
    "breathable": r"breathable|透气",
    "warm": r"\bwarm\b|\btoasty\b|保暖",
    "durable": r"durab(?:le|ility)|built to last|long[- ]lasting|耐用",
    "comfortable": r"comfortable|comfy|舒适|舒服",
    "gentle": r"\bgentle\b|sensitive skin|温和|敏感肌",
    "fragrance free": r"fragrance[- ]free|unscented|(?:no|without) (?:fragrance|smell|scent|perfume)|无香|不含香|(?:不要|没有|不带)有?香(?:味|精|料)",
    "non-slip": r"non[- ]slip|grippy|防滑",
    "gps": r"\bGPS\b",
    "sharp": r"\bsharp\b|锋利",
    "easy to clean": r"easy to clean|rinses clean|易清洗|好清洗",
    "laptop sleeve": r"laptop (?:sleeve|compartment)|电脑隔层",
    "wireless": r"wireless|bluetooth|无线|蓝牙",
    "leather": r"leather|suede|真皮|皮革",
    "merino": r"merino|wool|羊毛",
    "stainless steel": r"stainless steel|不锈钢",
    "damascus": r"damascus",
    "mesh": r"\bmesh\b|网面",
}
# The features as a Chinese shopper reads them, in composed text ("按商品信息，写明防水的是…"); a feature
# not here is shown as the catalog spells it.
FEATURE_NAMES_ZH = {
    "waterproof": "防水",
    "lightweight": "轻便",
    "quiet": "安静",
    "wide fit": "宽楦",
    "runs small": "尺码偏小",
    "noise cancelling": "降噪",
    "battery": "续航长",
    "long battery": "续航长",
    "breathable": "透气",
    "warm": "保暖",
    "durable": "耐用",
    "comfortable": "舒适",
    "gentle": "温和",
    "fragrance free": "无香",
    "non-slip": "防滑",
    "sharp": "锋利",
    "easy to clean": "易清洗",
    "laptop sleeve": "电脑隔层",
    "padded straps": "加厚肩带",
    "fast brewing": "冲煮快",
    "wireless": "无线",
    "leather": "真皮",
    "stainless steel": "不锈钢",
    "mesh": "网面",
}


def feature_name(feature: str, language: str) -> str:
    return FEATURE_NAMES_ZH.get(feature.lower(), feature) if language == "zh" else feature


# Judgements are claims too: "good quality", "easy to use", "known for ..." need a text that says them,
# or a small model fills them in from what it believes about a brand.
JUDGEMENTS: dict[str, str] = {
    "good quality": r"(?:high|good|great|top|excellent)[- ](?:quality|build)|well[- ](?:made|built|crafted)|"
    r"quality (?:materials|construction)|做工.{0,2}(?:好|精|扎实)|质量.{0,2}(?:好|不错)|品质.{0,2}(?:好|高)",
    "easy to use": r"easy to (?:use|set up|operate)|user[- ]friendly|simple to (?:use|set up)|\bintuitive|"
    r"好用|易用|容易(?:使用|上手)|操作简单",
    "popular": r"\bpopular\b|best[- ]?sell(?:er|ing)|crowd[- ]pleaser|fan favou?rite|受欢迎|热销|爆款",
    "reputation": r"\bknown for\b|\brenowned|\bfamous\b|reputable|reputation|trusted brand|well[- ]known|"
    r"以.{0,8}(?:著称|闻名)|知名|口碑",
    "good value": r"(?:great|good|excellent) value|worth (?:every|the) (?:penny|money|price)|bang for (?:the|your) buck|"
    r"物超所值|性价比",
    "reliable": r"\breliable\b|dependable|可靠",
}
COLOURS = {
    "black": "黑",
    "white": "白",
    "blue": "蓝",
    "red": "红",
    "green": "绿",
    "grey": "灰",
    "gray": "灰",
    "navy": "藏青",
    "orange": "橙",
    "pink": "粉",
    "olive": "橄榄",
    "brown": "棕",
    "purple": "紫",
    "silver": "银",
}
for _en, _zh in COLOURS.items():
    ATTRIBUTES[_en] = rf"\b{_en}\b|{_zh}色"
# The things a product has or has not, by its own texts: what a shopper's wish can ask for.
FEATURES = {name: re.compile(pattern, re.I) for name, pattern in ATTRIBUTES.items()}
ATTRIBUTES.update(JUDGEMENTS)
_ATTRIBUTE_RE = {name: re.compile(pattern, re.I) for name, pattern in ATTRIBUTES.items()}
_NEGATION = re.compile(
    r"\b(?:not|no|isn't|aren't|doesn't|don't|didn't|without|never|unclear|unknown|can't|cannot|"
    r"whether|if)\b|n't\b|不|没有|没|未|无法|是否",
    re.I,
)
# "It doesn't say whether ..." reports what the texts hold; "it does not run small" is a claim of its own.
_HEDGE = re.compile(
    r"\b(?:whether|if|unclear|unknown|not sure|can't tell|cannot tell|no (?:information|mention|word)|"
    r"(?:does|do|did)n't (?:say|mention|state|tell)|(?:does|do|did) not (?:say|mention|state|tell)|"
    r"not (?:mentioned|stated|listed)|nothing (?:about|on))\b|是否|没有提到|未提及|没提到|不清楚|无法确定|没有说明",
    re.I,
)
_PLURAL = re.compile(r"\b(?:all|both|every|each|these|they|them|those)\b|都|这些|它们", re.I)

# -- whose voice, whose limits, whose past -------------------------------------------------------------
_FIRST_PERSON_EXPERIENCE = re.compile(
    r"\b(?:I|we)(?:'ve| have| had)?\s+(?:ordered|bought|purchased|wore|worn|wear|used|use|returned|tried|"
    r"got|own|owned|ran|run|hiked|brewed|forget|barely|love|noticed|had to)\b|"
    r"\bmy (?:[\w-]+ )?(?:feet|foot|skin|husband|wife|son|daughter|kids?|partner|knees?|back|shoulders?|"
    r"laptop|runs?|order|hands?|face)\b|我(?:买|用|穿|试|退|老公|老婆|家|的脚|的皮肤|跑|觉得)",
    re.I,
)
_MERCHANT_VOICE = re.compile(r"\b(?:we're|we are|we've|we have|we offer|our)\b|我们(?:是|的|提供)", re.I)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|「[^」]*」|『[^』]*』")
_ATTRIBUTION = re.compile(
    r"\b(?:reviewers?|reviews?|customers?|buyers?|owners?|people|one reviewer|shoppers) "
    r"(?:say|said|mention|mentioned|report|reported|note|noted|write|wrote|find|found|call|"
    r"describe|agree|like|praise)|买家|评价|评论",
    re.I,
)
_LIMIT_WORDS = re.compile(
    r"\bbudget\b|\bprice range\b|\byour (?:limit|range|price)\b|\bwithin your\b|"
    r"\byou (?:asked|wanted|said|mentioned)\b.{0,30}(?:under|below|less than)|预算|价位|以内",
    re.I,
)
_AMOUNT = re.compile(
    r"(?:\$|USD\s?|€|£|¥|￥)\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)|"
    r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(?:dollars?|元|块|美元)",
    re.I,
)
_YOU_SAID = re.compile(
    r"\byou(?:'ve)? (?:mentioned|said|told me|asked for|wrote|wanted)\b|你(?:说|提到|想要)", re.I
)
_YOUR_PAST = re.compile(
    r"\byou(?:'ve)? (?:liked|loved|bought|purchased|viewed|looked at|browsed|searched for|ordered|rated|"
    r"enjoyed|tried)\b|\b(?:based on|from|given|looking at) your (?:profile|history|preferences|past|shopping|taste)\b|"
    r"根据你的(?:资料|偏好|历史|记录)|\byour (?:previous|past|last|recent|earlier) (?:purchases?|orders?|searches|views?|"
    r"favou?rites?)\b|\bwhich you (?:like|liked|love|own|have)\b|你(?:之前|以前|曾经|上次)|你(?:买过|看过|喜欢过|浏览过)",
    re.I,
)
# People in the shopper's life and tastes of theirs, which only the shopper can tell ("suits your high
# school graduate's needs", "you don't like cash": Gift Cards replies that took them from a listing).
_YOUR_PEOPLE = re.compile(
    r"\byour (?:[\w-]+ ){0,2}?(graduate|son|daughter|wife|husband|partner|mom|mum|mother|dad|father|friend|"
    r"boss|kids?|children|niece|nephew|sister|brother|grandma|grandpa|grandmother|grandfather|teacher|"
    r"co-?workers?|colleagues?|girlfriend|boyfriend|family)s?\b|"
    r"你的(儿子|女儿|妻子|丈夫|老公|老婆|妈妈|爸爸|朋友|孩子|男朋友|女朋友|妹妹|姐姐|弟弟|哥哥|老板|同事|家人)",
    re.I,
)
_YOUR_TASTE = re.compile(
    r"\byou (?:don't|do not|never|always|really|truly) (?:like|love|hate|enjoy|want|need|use|carry)\b|"
    r"\byou(?:'re| are) (?:a|an) (?:[\w-]+ )?(?:lover|fan|enthusiast|person)\b|你(?:不喜欢|讨厌|一向|总是)",
    re.I,
)
# "a great gift for someone who loves nature and smoothies" (Gift Cards bench, after "cheaper"): what a
# gift's recipient likes is the shopper's to tell, or the named product's own text to say ("for the coffee
# lover"); "smoothies" there was another card's name.
_SOMEONE_WHO = re.compile(
    r"\b(?:someone|anyone|anybody|a person|people|those|friends?|family)\s+who\s+(?:really\s+)?"
    r"(?:loves?|likes?|enjoys?|adores?|(?:is|are) into|(?:is|are) passionate about)\s+(?P<what>[^.,;:!?]+)",
    re.I,
)
_RELATION = re.compile(
    r"\b(?:comes? with|includes?|including|bundled with|pairs? (?:well |nicely )?with|"
    r"goes? (?:well |nicely )?with|compatible with|works with|matches|a set with)\b|"
    r"搭配|配套|附带|兼容|一起用",
    re.I,
)
_STOP = {
    "the",
    "a",
    "an",
    "and",
    "or",
    "for",
    "with",
    "your",
    "you",
    "it",
    "its",
    "this",
    "that",
    "of",
    "to",
    "in",
    "on",
    "is",
    "are",
    "be",
    "as",
    "at",
    "by",
    "so",
    "very",
    "really",
    "also",
    "just",
    "some",
    "any",
    "my",
    "me",
    "i",
    "we",
    "they",
    "them",
    "their",
    "which",
    "what",
    "who",
    "was",
    "were",
    "has",
    "have",
    "had",
}
# "last" is left out: in a reply it is more often "last month" than a product.
_ORDINALS = {word: position for word, position in ORDINALS.items() if position >= 0}


def plain_title(title: str) -> str:
    """A product's name without the colour or size after a comma, a bracket or a dash."""
    return re.split(r"\s*[,(|]|\s+-\s+", title)[0].strip()


def _read_out(text: str, names: Iterable[str]) -> str:
    """`text` with each of `names` taken out (case ignored), longest first as given: a shown product's own
    name is no other product, no review's words and no request said back."""
    for name in names:
        if name:
            text = re.sub(re.escape(name), " | ", text, flags=re.I)
    return text


def _content_words(text: str) -> set[str]:
    return {w for w in _words(text) if len(w) > 2 and w not in _STOP}


def _by_title(lowered: str, shown: tuple[ShownProduct, ...]) -> dict[str, tuple[int, ShownProduct]]:
    """The shown products a lowercased sentence names by title: brand and one or two model words.

    The model words count from the end of the brand: with "Wayfarer Co" the first two words were the
    brand alone, and a sentence about the Wayfarer Co Ridge 7 was read as naming the Wayfarer Co Flow 2
    too. A name inside a longer one named ("Zenflex Nova" in "Zenflex Nova 4") is the longer one's, and
    of two titles that share brand and model words ("Cloudbreak Vista 1 Plus Rain Jacket", "Cloudbreak
    Vista 1 Trail Packable Windbreaker") the one the sentence spells on further is named."""
    spans: dict[str, tuple[int, int, ShownProduct]] = {}
    for p in shown:
        words = _words(p.title)
        brand = _words(p.brand)
        lead = len(brand) if brand and words[: len(brand)] == brand else 1
        for size in range(len(words), lead, -1):
            at = lowered.find(" ".join(words[:size])) if len(words) >= size else -1
            if at >= 0:
                spans[p.id] = (at, at + len(" ".join(words[:size])), p)
                break
    return {
        pid: (at, p)
        for pid, (at, end, p) in spans.items()
        if not any(a <= at and end <= e and e - a > end - at for a, e, _ in spans.values())
    }


def _by_brand(lowered: str, shown: tuple[ShownProduct, ...]) -> dict[str, tuple[int, ShownProduct]]:
    """The shown products a lowercased sentence names by a brand that only one of them has."""
    brands = [p.brand.lower() for p in shown if p.brand]
    found: dict[str, tuple[int, ShownProduct]] = {}
    for p in shown:
        if p.brand and brands.count(p.brand.lower()) == 1:
            m = re.search(rf"(?<!\w){re.escape(p.brand.lower())}(?!\w)", lowered)
            if m:
                found[p.id] = (m.start(), p)
    return found


def _ordinals(lowered: str) -> list[tuple[int, int]]:
    """(where, position) of each ordinal word in a lowercased sentence: "the first one", "第二个"."""
    return [
        (m.start(), position)
        for word, position in _ORDINALS.items()
        for m in re.finditer(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered)
    ]


def mentioned(sentence: str, shown: tuple[ShownProduct, ...]) -> list[tuple[int, ShownProduct]]:
    """The shown products a sentence names, with where: by title (brand and model words), by ordinal
    ("the first one"), or by a brand that only one of them has."""
    lowered = sentence.lower()
    found = _by_title(lowered, shown)
    for at, position in _ordinals(lowered):
        if position < len(shown):
            found.setdefault(shown[position].id, (at, shown[position]))
    for pid, hit in _by_brand(lowered, shown).items():
        found.setdefault(pid, hit)
    return sorted(found.values(), key=lambda pair: pair[0])


def _named(sentence: str, shown: tuple[ShownProduct, ...]) -> list[ShownProduct]:
    """The shown products a sentence names by title or brand (not by ordinal: "the first one" names none)."""
    lowered = sentence.lower()
    found = _by_title(lowered, shown)
    for pid, hit in _by_brand(lowered, shown).items():
        found.setdefault(pid, hit)
    return [p for _, p in sorted(found.values(), key=lambda pair: pair[0])]


def _address(sentence: str, _ctx: ReplyContext) -> list[RuleBreak]:
    m = _THIRD_PERSON.search(sentence)
    return [RuleBreak("address", m.group(0), "speaks about the shopper instead of to them")] if m else []


def _prompt_words(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    m = _PROMPT_WORDS.search(sentence)
    if m:
        return [RuleBreak("prompt_words", m.group(0), "repeats the prompt's words to the shopper")]
    copied = [n for n in ctx.prompt_names if n.lower() in sentence.lower()]
    # Long runs only: the examples' turns of phrase may be reused, their facts may not.
    copied += sorted(_shared_grams(sentence, ctx.prompt_examples, 7))
    copied += _example_situation(sentence, ctx)
    if copied:
        return [RuleBreak("prompt_words", copied[0], "copies the prompt's worked example")]
    echoed = re.sub(r"[\W_]+", "", sentence.lower())
    if len(echoed) >= 8 and echoed in re.sub(r"[\W_]+", "", ctx.shopper_words.lower()):
        return [RuleBreak("prompt_words", sentence.strip()[:40], "repeats the shopper's words back")]
    return []


# Where a fact comes from, in the worked examples' words ("the description mentions", "a reviewer says"):
# the way of citing the examples teach, no situation of theirs. "The description mentions" was dropped.
_SOURCE_WORDS = {
    "description",
    "mentions",
    "mention",
    "mentioned",
    "says",
    "reviewer",
    "reviewers",
    "listing",
}


def _example_situation(sentence: str, ctx: ReplyContext) -> list[str]:
    """Two words of a worked example, in a row or one word apart ("rocky mountain trails" says its "rocky
    trails"), that nothing of this turn says ("your rocky trails" when the shopper asked for rain
    jackets): the example's situation, not the shopper's. Words the shopper, the shown products or the
    cited reviews use are theirs to repeat, but a situation given as the shopper's ("your rocky trails")
    must be in the shopper's words: a boot's description may say "rocky", the shopper may not have.
    English words only: a Chinese reply restates the English notes in its own words, so no word of theirs
    can be looked up."""
    theirs = set(_words(ctx.shopper_words))
    own = theirs | set(_words(" ".join([*(p.support for p in ctx.shown), *ctx.reviews])))
    pairs = {pair for text in ctx.prompt_examples for pair in itertools.pairwise(_words(text))}
    words = _words(sentence)
    found = set()
    for i, first in enumerate(words):
        for second in words[i + 1 : i + 3]:
            if (first, second) not in pairs:
                continue
            known = theirs if "your" in words[max(0, i - 2) : i] else own
            if all(
                w.isascii() and w not in known and w not in _STOP and w not in _SOURCE_WORDS and len(w) > 3
                for w in (first, second)
            ):
                found.add(f"{first} {second}")
    return sorted(found)


def _shared_grams(sentence: str, texts: Iterable[str], n: int) -> set[str]:
    """The runs of `n` words (or, in Chinese, `2n` characters) that the sentence shares with any text."""

    def grams(text: str) -> set[str]:
        words = _words(text)
        chars = re.findall(r"[\u4e00-\u9fff]", text)
        return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)} | {
            "".join(chars[i : i + 2 * n]) for i in range(len(chars) - 2 * n + 1)
        }

    mine = grams(sentence)
    return {g for text in texts for g in grams(text) & mine}


def _unshown(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    if ctx.catalog is None:
        return []
    shown = {p.id for p in ctx.shown}
    # A shown product's own name is read out first: "Apple iTunes Gift Card $15" holds "iTunes Gift Card",
    # the first words of other cards' names, and is no other product.
    sentence = _read_out(sentence, (n for p in ctx.shown for n in (p.title, plain_title(p.title))))
    return [
        RuleBreak("unshown_product", key, "names a product that is not shown in this turn")
        for key, ids in ctx.catalog.named(sentence).items()
        if not ids & shown
    ]


# Kinds of product a reply may speak of, and the words one of the products shown must have in its name or
# category for that to be true. "有各种设计的鞋子" (there are shoes in various designs) said of gift cards
# names no product, so `_unshown` lets it through, yet it is false.
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    r"\b(?:running |trail |hiking )?(?:shoes|sneakers|trainers)\b|鞋子|跑鞋|跑步鞋|登山鞋|徒步鞋": (
        "shoe",
        "boot",
        "runner",
        "racer",
        "sneaker",
    ),
    r"\b(?:hiking )?boots\b|靴": ("boot",),
    r"\b(?:rain )?jackets?\b|\braincoats?\b|雨衣|冲锋衣|夹克|外套": (
        "jacket",
        "windbreaker",
        "shell",
        "raincoat",
        "coat",
    ),
    r"\bheadphones\b|\bearbuds\b|耳机": ("headphone", "earbud"),
    r"\bbackpacks?\b|背包|双肩包": ("backpack", "pack", "bag"),
    r"\bknife\b|\bknives\b|刀具|菜刀|厨师刀": ("knife", "knives"),
    r"\bsmart ?watch(?:es)?\b|智能手表|手表": ("watch", "tracker"),
    r"\bcoffee makers?\b|咖啡机": ("coffee",),
    r"\byoga mats?\b|瑜伽垫": ("yoga", "mat"),
    r"\bmoisturi[sz]ers?\b|\bsunscreens?\b|面霜|防晒霜": ("moistur", "sunscreen", "cream", "skincare", "spf"),
    r"\bgift cards?\b|礼品卡": ("gift card", "giftcard"),
}
_KIND_RE = [(re.compile(pattern, re.I), stems) for pattern, stems in _KIND_WORDS.items()]


def _wrong_kind(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    """A kind of product spoken of that none of the products shown is."""
    if not ctx.shown:
        return []
    names = " ".join(f"{p.title} {' '.join(p.category)}" for p in ctx.shown).lower()
    unquoted = _QUOTED.sub(" ", sentence)
    return [
        RuleBreak("unshown_product", m.group(0), "speaks of a kind of product that none shown is")
        for pattern, stems in _KIND_RE
        if (m := pattern.search(unquoted)) and not any(stem in names for stem in stems)
    ][:1]


def _settled(kind: str, subject: ShownProduct, others: list[ShownProduct]) -> bool:
    price = {"cheaper": -1, "cheapest": -1, "pricier": 1, "priciest": 1}
    rating = {"better_rated": 1, "best_rated": 1, "worse_rated": -1}
    if kind in price:
        values = [o.price for o in others]
        if subject.price is None or not others or None in values:
            return False
        return all(price[kind] * (subject.price - v) > 0 for v in values)
    if kind in rating:
        values = [o.rating for o in others]
        if subject.rating is None or not others or None in values:
            return False
        return all(rating[kind] * (subject.rating - v) > 0 for v in values)
    return False


def _comparison(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    breaks = []
    named = mentioned(sentence, ctx.shown)
    for kind, pattern in _COMPARATIVES.items():
        m = pattern.search(sentence)
        if not m:
            continue
        if kind == "unsettled":
            breaks.append(
                RuleBreak("comparison", m.group(0), "the facts hold nothing to settle this comparison")
            )
            continue
        before = [p for at, p in named if at < m.start()]
        after = [p for at, p in named if at > m.start()]
        superlative = kind in ("cheapest", "priciest", "best_rated")
        if before or after:
            subject = (before or after)[0]
            others = (
                after
                if before and after and not superlative
                else [p for p in ctx.shown if p.id != subject.id]
            )
            if not _settled(kind, subject, others):
                breaks.append(
                    RuleBreak("comparison", m.group(0), f"the facts do not make {subject.title} {m.group(0)}")
                )
        elif not pattern.search(ctx.shopper_words):
            # "These are cheaper" with nothing named says what the shopper did not ask to compare.
            breaks.append(
                RuleBreak("comparison", m.group(0), "compares without naming what the facts would settle")
            )
    return breaks


def _negated(sentence: str, start: int) -> bool:
    return bool(_NEGATION.search(sentence[max(0, start - 40) : start]))


def states(pattern: re.Pattern, text: str) -> bool:
    """Whether `text` says what `pattern` names, not negated just before it ("not waterproof" does not)."""
    return any(not _negated(text, m.start()) for m in pattern.finditer(text))


def _attribute(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    if not ctx.shown:
        return []
    without_quotes = _QUOTED.sub(" ", sentence)
    named = [p for _, p in mentioned(without_quotes, ctx.shown)]
    lowered = without_quotes.lower()
    titles = [(at, at + len(p.title)) for p in ctx.shown if (at := lowered.find(p.title.lower())) >= 0]
    breaks = []
    for name, pattern in _ATTRIBUTE_RE.items():
        for m in pattern.finditer(without_quotes):
            if any(s <= m.start() < e for s, e in titles):
                continue  # part of a product's own name ("... Wireless Headphones"): no claim
            supported = [p for p in ctx.shown if pattern.search(p.support)]
            if _negated(without_quotes, m.start()):
                window = without_quotes[max(0, m.start() - 60) : m.start()]
                if _ATTRIBUTION.search(sentence) or _HEDGE.search(window):
                    continue  # what a reviewer reports, or that the texts do not tell
                # "It is not waterproof" is a claim too: false where the product's own text says it is, and
                # unsupported where nothing says either way.
                subjects = named or list(ctx.shown[:1])
                if subjects:
                    said = "states" if any(p in supported for p in subjects) else "never settles"
                    breaks.append(
                        RuleBreak(
                            "attribute", m.group(0), f"denies '{name}', which the product's text {said}"
                        )
                    )
                continue
            attributed = _ATTRIBUTION.search(without_quotes[: m.start()])
            if attributed and not any(pattern.search(r) for r in ctx.reviews):
                breaks.append(
                    RuleBreak(
                        "attribute", m.group(0), f"says reviewers report '{name}'; no review shown does"
                    )
                )
                break
            if named:
                missing = [p for p in named if p not in supported]
            elif _PLURAL.search(without_quotes):
                missing = [p for p in ctx.shown if p not in supported]
            else:
                missing = [] if supported else list(ctx.shown[:1])
            if missing:
                breaks.append(
                    RuleBreak("attribute", m.group(0), f"nothing about {missing[0].title} says '{name}'")
                )
                break
    return breaks


def _reviewer_voice(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    unquoted = _QUOTED.sub(" ", sentence)
    m = _FIRST_PERSON_EXPERIENCE.search(unquoted)
    if m:
        return [
            RuleBreak("reviewer_voice", m.group(0), "tells a reviewer's experience as the assistant's own")
        ]
    m = _MERCHANT_VOICE.search(unquoted)
    if m and ctx.shown:  # "We're an award winning pizzeria": a listing's words, said as the assistant's
        return [
            RuleBreak("reviewer_voice", m.group(0), "speaks in a seller's voice from a product's description")
        ]
    said = _ATTRIBUTION.search(unquoted)
    if said and re.search(r"\b(?:no|none of the|not one|not a single)\s*$", unquoted[: said.start()], re.I):
        return []  # "no review mentions it": what the reviews do not say, for the negative rules to read
    if said:
        # "Reviewers say ..." must report what a review shown says: most of its words are in one.
        claim = _content_words(unquoted[said.end() :])
        heard = set().union(*(_content_words(r) for r in ctx.reviews)) if ctx.reviews else set()
        if claim and len(claim & heard) * 2 < len(claim):
            return [
                RuleBreak("reviewer_voice", said.group(0), "says reviewers said what no review shown says")
            ]
        return []
    # A product's own name is no review's words, however long it is and however often reviews name it.
    unquoted = _read_out(unquoted, (plain_title(p.title) for p in ctx.shown))
    words = _words(unquoted)
    grams = {" ".join(words[i : i + 6]) for i in range(len(words) - 5)}
    for review in ctx.reviews:
        r = _words(review)
        copied = grams & {" ".join(r[i : i + 6]) for i in range(len(r) - 5)}
        if copied:
            return [
                RuleBreak(
                    "reviewer_voice", next(iter(copied)), "copies a review without saying a reviewer said it"
                )
            ]
    return []


# "There are no reviews", not "no review mentions it" (which says what the reviews say, and may be true).
_NO_REVIEWS = re.compile(
    r"(?:\b(?:no|zero) (?:customer |buyer )?reviews?\b|\b(?:has|have)n'?t (?:been )?reviewed\b|"
    r"\bnot (?:yet )?been reviewed\b|\bnobody has reviewed\b|没有(?:买家)?(?:评价|评论)|暂无(?:评价|评论)|"
    r"还没有人评价)(?!\s*(?:mentions?|says?|talks?|speaks?|comments?|notes?|describes?|of (?:it|them|this)|"
    r"提到|提及|说|谈到|里))",
    re.I,
)


def _no_reviews(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    """ "There are no reviews" of a product that has a rating or a review on screen: a false fact."""
    m = _NO_REVIEWS.search(sentence)
    if not m or _negated(sentence, m.start()):
        return []
    about = [p for _, p in mentioned(sentence, ctx.shown)] or list(ctx.shown)
    if any(p.rating is not None for p in about) or (ctx.reviews and len(about) == 1):
        return [
            RuleBreak("reviewer_voice", m.group(0), "says there are no reviews of a product that has some")
        ]
    return []


def _limit(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    m = _LIMIT_WORDS.search(sentence)
    if not m:
        return []
    amounts = [float((a or b).replace(",", "")) for a, b in _AMOUNT.findall(sentence)]
    wrong = [a for a in amounts if not any(abs(a - limit) < 0.006 for limit in ctx.limits)]
    if wrong:
        return [
            RuleBreak(
                "limit",
                m.group(0),
                f"restates {wrong[0]:g} as the shopper's limit; they gave "
                f"{', '.join(f'{x:g}' for x in ctx.limits) or 'none'}",
            )
        ]
    if not ctx.limits and not amounts and re.search(r"budget|预算", m.group(0), re.I):
        return [RuleBreak("limit", m.group(0), "speaks of a budget the shopper never gave")]
    unpriced = [p for _, p in mentioned(sentence, ctx.shown) if p.price is None]
    if unpriced:
        return [
            RuleBreak("limit", m.group(0), f"says {unpriced[0].title} fits a budget, and it lists no price")
        ]
    return []


def _owned_kind(sentence: str, ctx: ReplyContext) -> re.Match | None:
    """ "Suit your kitchen knives", said of a knife set: the kind the shopper asked for, read as one they
    own ("your new kitchen knives" is fine)."""
    for p in ctx.shown:
        # The kind by its category ("kitchen knives") and by the title's last two words ("knife set"),
        # with up to two words before it ("your kitchen knife set").
        kinds = [p.category[-1]] if p.category else []
        kinds += [" ".join(p.title.split(",")[0].split()[-2:])]
        for kind in kinds:
            name = re.escape(kind.lower()).replace(r"\ ", r"\s+")
            m = re.search(rf"\byour\s+(?!new\b)(?:\w+\s+){{0,2}}?{name}\b", sentence, re.I)
            if m:
                return m
    return None


def _history(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    m = _YOUR_PAST.search(sentence)
    if m:
        return [
            RuleBreak(
                "history", m.group(0), "claims something of the shopper's past that the reply was not given"
            )
        ]
    m = _owned_kind(sentence, ctx)
    if m:
        return [RuleBreak("history", m.group(0), "speaks of the kind asked for as one the shopper owns")]
    m = _YOUR_PEOPLE.search(sentence)
    if m and (m.group(1) or m.group(2)).lower().rstrip("s") not in ctx.shopper_words.lower():
        return [RuleBreak("history", m.group(0), "speaks of someone the shopper never mentioned")]
    m = _SOMEONE_WHO.search(sentence)
    if m:
        known = " ".join([ctx.shopper_words, *(p.support for p in _named(sentence, ctx.shown))])
        if _content_words(m.group("what")) - _content_words(known):
            return [
                RuleBreak(
                    "history",
                    m.group(0),
                    "tells what the gift's recipient likes, which neither the shopper nor the product says",
                )
            ]
    m = _YOUR_TASTE.search(sentence)
    if m and not _content_words(sentence[m.end() :]) & _content_words(ctx.shopper_words):
        return [RuleBreak("history", m.group(0), "tells the shopper's tastes, which they never told")]
    m = _YOU_SAID.search(sentence)
    if m:
        said = _content_words(sentence[m.end() :])
        if (
            said
            and not said & _content_words(ctx.shopper_words)
            and not any(
                c in ctx.shopper_words for c in re.findall(r"[\u4e00-\u9fff]{2}", sentence[m.end() :])
            )
        ):
            return [RuleBreak("history", m.group(0), "puts words in the shopper's mouth")]
    return []


def _relation(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    m = _RELATION.search(sentence)
    if not m:
        return []
    named = mentioned(sentence, ctx.shown)
    # The facts hold no relations between products: a product on either side of "goes with" is invented.
    if len(named) >= 2 or any(at > m.start() for at, _ in named) or (ctx.catalog and _unshown(sentence, ctx)):
        return [RuleBreak("relation", m.group(0), "relates two products; the facts hold no such relation")]
    subjects = [p for _, p in named] or list(ctx.shown[:1])
    objects = _content_words(sentence[m.end() : m.end() + 60])
    if objects and subjects and not any(objects & _content_words(p.support) for p in subjects):
        return [
            RuleBreak("relation", m.group(0), "says a product comes with something its text never mentions")
        ]
    return []


# -- what the model concludes from a feature: "cushioned, so you can wear it for hours without discomfort" --
# The feature may be in the texts; the conclusion is the model's, and a shopper reads it as the store's word.
_SO = re.compile(
    r"\bso (?:that )?(?:it|they|you|this|these|your)\b|\bwhich (?:makes|means|lets|allows|helps|keeps)\b|"
    r"\b(?:making|meaning|letting|allowing|helping) (?:it|them|you|your)\b|\b(?:therefore|thus|hence)\b|"
    r"所以|因此|因而|从而|使得|这样(?:就|你|一来)|能让|可以让",
    re.I,
)
_CONCLUSION_END = re.compile(r"[,;:—–，；：.!?。！？]")
# Words any conclusion is made of: they claim nothing by themselves.
_PLAIN = frozenset(
    _words(
        "can could will would should may might won't can't cannot make makes keep keeps stay "
        "stays let lets help helps use using need needs want get gets feel feels more less much "
        "well even great good ideal perfect nice sure easily easy able all day one ones both "
        "either whichever choice option pick suit suits suited fit fits work works"
    )
)
_ZH_PLAIN = frozenset(
    "的了你您很更也都就会能可以让得着在是和与及它们这那款双个些点用起来非常比较更加适合选择穿戴"
)


def _stem_word(word: str) -> str:
    """A word as a conclusion and a text may both spell it: "runs", "running" and "run" are one."""
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) >= 4 and word[-1] == word[-2]:
        word = word[:-1]  # "runn" (running) is "run"
    return word[:6]


def _unsupported(clause: str, support: str) -> list[str]:
    """The words of `clause` that `support` never uses: English words by stem, Chinese by pairs of
    characters (no spaces bound a Chinese word)."""
    known = {_stem_word(w) for w in _words(support)}
    missing = [
        w
        for w in _words(clause)
        if len(w) > 2 and w not in _STOP and w not in _PLAIN and _stem_word(w) not in known
    ]
    for run in re.findall(r"[\u4e00-\u9fff]+", clause):
        chars = [c for c in run if c not in _ZH_PLAIN]
        missing += [a + b for a, b in itertools.pairwise(chars) if a + b not in support]
        if len(chars) == 1 and chars[0] not in support:
            missing.append(chars[0])
    return missing


def _inference(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    m = _SO.search(_QUOTED.sub(" ", sentence))
    if not m or not ctx.shown:
        return []
    after = _CONCLUSION_END.search(sentence, m.end())
    end = after.start() if after else len(sentence)
    clause = sentence[m.end() : end]
    # What the texts say, the shopper's own words, and the Chinese names of the features the texts state.
    texts = [ctx.shopper_words, ctx.said_now, *ctx.reviews, *(p.support for p in ctx.shown)]
    texts += [
        FEATURE_NAMES_ZH[f]
        for f, pattern in FEATURES.items()
        if f in FEATURE_NAMES_ZH and any(states(pattern, p.support) for p in ctx.shown)
    ]
    missing = _unsupported(clause, " ".join(texts).lower())
    if not missing:
        return []
    return [
        RuleBreak(
            "inference", sentence[m.start() : end].strip(), f"concludes '{missing[0]}', which no text says"
        )
    ]


def _cut_inference(sentence: str, _ctx: ReplyContext, found: RuleBreak) -> str | None:
    """The sentence up to its conclusion, when what comes before says something of its own: "Cushioned,
    so you can run for hours." keeps nothing; "The Zen 3 is cushioned, so ..." keeps "The Zen 3 is cushioned."."""
    at = sentence.find(found.span)
    head = sentence[:at].rstrip(" ,;:—–，；：、")
    if at < 0 or len(_words(head)) + len(re.findall(r"[\u4e00-\u9fff]", head)) // 2 < 3:
        return None
    rest = sentence[at + len(found.span) :]  # a clause after the conclusion stands, with its mark
    end = re.search(r"[.!?。！？]\s*$", sentence)
    return head + rest if rest.strip(" .!?。！？") else head + (end.group(0).strip() if end else "")


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")


def _language(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    """A sentence in another language than the shopper's, or a Chinese one with an English word that no
    product name, category or the shopper's own words hold ("它适合日 hikes"): a small model translating an
    English description leaves words behind. Names stay as written; acronyms ("GPS") are read as names."""
    said = detect_language(sentence, ctx.language)
    if said != ctx.language:
        return [RuleBreak("language", sentence[:40], f"written in {said}, the shopper writes {ctx.language}")]
    if ctx.language != "zh":
        return []
    names = " ".join(
        [
            ctx.shopper_words,
            *(f"{p.title} {p.brand} {' '.join(p.category)}" for p in (*ctx.shown, *ctx.earlier)),
        ]
    )
    known = {w.lower().rstrip("s") for w in _LATIN_WORD.findall(names)}
    stray = [
        w for w in _LATIN_WORD.findall(sentence) if not w.isupper() and w.lower().rstrip("s") not in known
    ]
    if stray:
        return [RuleBreak("language", stray[0], "an English word in a Chinese reply; say it in Chinese")]
    return []


# A feature's adjective used as the thing itself: "Its lightweight suits the weather", "Their durable and
# wide fit suits your adventures" (push copy the model wrote). "Its wide fit suits wide feet" is English.
_ADJECTIVE_AS_NOUN = re.compile(
    r"\b(?:its|their)\s+(?:lightweight|breathable|durable|waterproof|warm|comfortable|quiet|sharp|gentle|"
    r"non-slip|wide)(?:\s+and\s+[\w-]+(?:\s+fit)?)?\s+(?:suits?|keeps?|makes?|lets?|helps?|means?|is|are)\b",
    re.I,
)


def _garbled(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    """A run of four words said twice in one sentence (a small model looping), a quote given twice, or a
    feature's adjective made the subject: not sentences to show."""
    if m := _ADJECTIVE_AS_NOUN.search(sentence):
        return [RuleBreak("garbled", m.group(0), "uses a feature's adjective as a noun")]
    quotes = [q.strip('“”"「」『』') for q in _QUOTED.findall(sentence)]
    if len(distinct_texts(quotes)) < len(quotes):  # 买家说“礼物”，买家说“礼物”
        return [RuleBreak("garbled", quotes[0], "quotes the same words twice")]
    # The same clause twice ("买家说它很好，买家说它很好"): Chinese has no spaces to count words by.
    clauses = [c.strip() for c in re.split(r"[,;，、；。.!?！？]", sentence) if len(c.strip()) >= 3]
    if len(set(clauses)) < len(clauses):
        return [RuleBreak("garbled", clauses[0], "says the same clause twice")]
    words = re.findall(r"\w+", sentence.lower())
    seen: set[tuple[str, ...]] = set()
    for i in range(len(words) - 3):
        run = tuple(words[i : i + 4])
        if run in seen:
            return [RuleBreak("garbled", " ".join(run), "says the same words twice in one sentence")]
        seen.add(run)
    return []


# -- the shopper's words, said back as the reply's own -------------------------------------------------
# Words that point at a product or turn one down: the shopper's "not that one" steers the search, and the
# same words in the reply make nonsense ("a good option for something around $61, but not that one").
_TURNING_DOWN = {"not", "no", "don't", "dont", "didn't", "else", "another", "instead", "different", "other"}
# Words that carry no thing of their own: a shared run made only of these is the shopper's request, not a
# restatement of what they want (a product, a kind, a limit, a feature always brings a word outside it).
_REQUEST_WORDS = (
    _STOP
    | _TURNING_DOWN
    | {"one", "ones", "something", "anything", "thing", "things", "show", "give", "please", "want", "like"}
    | {"need", "looking", "look", "can", "could", "would", "will", "there", "here", "how", "about", "more"}
    | {"but", "than", "that", "these", "those", "do", "does", "isn't", "all", "only", "too", "still"}
    | {"again", "see", "let's", "got", "maybe", "ok", "okay", "yes"}
)
_ZH_TURNING_DOWN = set("不别换另")
_ZH_REQUEST = set("不要这那个换一别的没有吗还其他另些款看给我想呢吧啊再种样")
_CLAUSE_END = re.compile(r"[,;:—–，；：]")


def _runs(mine: list[str], theirs: list[str], n: int) -> list[list[str]]:
    """The longest runs of at least `n` items (words, or characters) that `mine` shares with `theirs`."""
    runs, i = [], 0
    while i < len(mine):
        longest = 0
        for j in range(len(theirs)):
            k = 0
            while i + k < len(mine) and j + k < len(theirs) and mine[i + k] == theirs[j + k]:
                k += 1
            longest = max(longest, k)
        if longest >= n:
            runs.append(mine[i : i + longest])
        i += longest if longest >= n else 1
    return runs


_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
# "买家评价第一个：…" (the question "买家怎么评价第一个？" made a label) or "应该好：…" (the worked example's
# "应该适合：" copied): the label is cut, the answer after it kept.
_LABEL = re.compile(r"^\s*([\u4e00-\u9fff]{2,10})[：:]\s*(?=\S)")
PARROT_SHARE = 0.6  # a sentence this much made of the shopper's own words (in runs of 4) is their request


def _parroted(sentence: str, said: str, shown: tuple[ShownProduct, ...]) -> bool:
    """Whether the sentence is mostly the shopper's request said back in runs of four words or Chinese
    characters ("有没有 的双肩包 backpacks;然后": the model wrote the request it was given as its reply).
    Products' names do not count: an answer names the product the question named."""
    names = [n for p in shown for n in (plain_title(p.title), p.brand)]
    sentence, said = _read_out(sentence, names), _read_out(said, names)
    mine = [*_words(sentence), *_CJK_CHAR.findall(sentence)]
    if len(mine) < 4:
        return False
    shared = sum(len(run) for run in _runs(_words(sentence), _words(said), 4))
    # Chinese in runs of three: the model drops a character or two of the request ("有没有 的礼品卡" said
    # back as "有没有礼品卡").
    shared += sum(len(run) for run in _runs(_CJK_CHAR.findall(sentence), _CJK_CHAR.findall(said), 3))
    return shared >= PARROT_SHARE * len(mine)


def _echo(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    said = ctx.said_now or ctx.shopper_words
    if not said:
        return []
    label = _LABEL.match(sentence)
    if label and (
        label.group(1).startswith("应该") or _runs(list(label.group(1)), _CJK_CHAR.findall(ctx.said_now), 3)
    ):
        return [RuleBreak("echo", label.group(0).strip(), "opens with the question as a label")]
    if _parroted(sentence, f"{ctx.shopper_words} {ctx.said_now}", ctx.shown):
        # The whole sentence as the span: nothing of it stands once the echo is cut, so it is dropped.
        return [RuleBreak("echo", sentence.strip(), "is the shopper's request said back as the reply")]
    for run in _runs(_words(sentence), _words(said), 3):
        if set(run) <= _REQUEST_WORDS and set(run) & _TURNING_DOWN:
            return [RuleBreak("echo", " ".join(run), "says the shopper's own request back as its words")]
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for run in _runs(cjk.findall(sentence), cjk.findall(said), 3):
        if set(run) <= _ZH_REQUEST and set(run) & _ZH_TURNING_DOWN:
            return [RuleBreak("echo", "".join(run), "says the shopper's own request back as its words")]
    return []


def _span_in(span: str, text: str) -> re.Match | None:
    """Where a rule break's words stand in `text`: the span is words joined by spaces (Chinese:
    characters, unspaced); any marks may stand between them."""
    return re.search(r"\W+".join(re.escape(w) for w in span.split()), text, re.I)


def _cut_clause(sentence: str, _ctx: ReplyContext, found: RuleBreak) -> str | None:
    """The sentence without the clause that breaks a rule (the shopper's words said back, a review's words
    said as the reply's own), when a clause before it stands: "..., but not that one." loses
    ", but not that one"; "...: the description mentions a waterproof upper, so it stays dry through a
    whole day of rain." (a review's words) keeps the description's part; a first clause leaves nothing."""
    if found.span.endswith(("：", ":")) and sentence.lstrip().startswith(found.span):
        return sentence.lstrip()[len(found.span) :].lstrip() or None  # a label: the answer after it stands
    m = _span_in(found.span, sentence)
    if m is None:
        return None
    starts = [c.start() for c in _CLAUSE_END.finditer(sentence, 0, m.start())]
    if not starts or not sentence[: starts[-1]].strip():
        return None
    after = _CLAUSE_END.search(sentence, m.end())
    rest = sentence[after.start() :] if after else ""
    end = re.search(r"[.!?。！？]\s*$", sentence)
    kept = sentence[: starts[-1]].rstrip() + rest
    return kept if after else kept + (end.group(0).strip() if end else "")


# -- store policies: stated by the policy texts for the product's kind, or by the product's own texts ----
_POLICY_TOPICS = {
    # topic: (a sentence claims it, a policy clause or product text states it)
    "warranty": (
        r"\bwarrant(?:y|ies)\b|\b(?:money[- ]back|satisfaction|lifetime) guarantee\b|\bguaranteed\b|保修|质保|保固",
        # A warranty given, not the word: "check with the manufacturer regarding warranty" (a Gift Cards
        # listing) states none, and once let "Yes, there is a warranty." pass for a gift card.
        r"(?:\d+[- ]?(?:year|yr|month|day)s?|lifetime|limited|full|extended|manufacturer'?s?)[- ]warrant|"
        r"\bwarrant(?:y|ies)\s+(?:for|of|against|covers?|on)\b|\bwarranted\b|guarantee|保修|质保",
    ),
    "returns": (
        r"\breturns?\b(?! to\b)|\breturnable\b|\brefund(?:s|ed|able)?\b|\bexchanges?\b|退货|退款|退换|换货",
        r"\breturn|\brefund|\bexchange|退",
    ),
    "free shipping": (
        r"\bfree (?:standard |express )?(?:shipping|delivery)\b|\bships? (?:for )?free\b|\bshipping is free\b|"
        r"包邮|免运费|免费(?:配送|送货|发货)",
        r"(?=.*\bfree\b)(?=.*\bship)|包邮|免运费",
    ),
    "delivery time": (
        r"\b(?:ships?|shipped|shipping|deliver(?:y|ed|s)?|arrives?)\b[^.!?]{0,30}?"
        r"\b(?:within|in|takes?)(?: about| around| up to)? (?:\d|one|two|three)|"
        r"\b(?:next|same|one|two|\d)[- ](?:business[- ])?day (?:delivery|shipping)\b|\bexpress (?:shipping|delivery)\b|"
        r"发货|送达|到货",
        r"\bship|\bdeliver|发货",
    ),
}
_POLICY_RE = {topic: (re.compile(c, re.I), re.compile(s, re.I)) for topic, (c, s) in _POLICY_TOPICS.items()}
# A number of days, weeks, months or years: a policy's terms, which only its text may give.
_DURATION = re.compile(
    r"\d+(?:\s*(?:-|–|to|or|至|到)\s*\d+)?[\s-]*(?:business |working )?(?:days?|weeks?|months?|years?)\b|"
    r"\d+(?:\s*(?:-|–|至|到)\s*\d+)?\s*个?(?:工作日|天|周|星期|月|年)",
    re.I,
)
# Not _HEDGE: "free shipping if your order is over $50" is a claim with its condition, not a hedge.
_POLICY_HEDGE = re.compile(
    r"\bwhether\b|\bnot sure\b|\bcan(?:'t|not) tell\b|\bno (?:information|mention|word)\b|"
    r"\b(?:does|do|did)(?:n't| not) (?:say|mention|state|tell)\b|\bnot (?:mentioned|stated|listed)\b|"
    r"\bnothing (?:about|on)\b|是否|没有提到|未提及|没提到|不清楚|无法确定|没有说明",
    re.I,
)
_QUESTION = re.compile(r"[?？]\s*$|吗[。？！]?\s*$")


def _policy_subjects(sentence: str, ctx: ReplyContext) -> list[ShownProduct]:
    """What a policy claim is about: the products it names, else all shown, else those shown before."""
    return [p for _, p in mentioned(sentence, ctx.shown)] or list(ctx.shown) or list(ctx.earlier)


def _covered(sentence: str, subjects: list[ShownProduct], scope: frozenset[str]) -> bool:
    """Whether a policy stated for some categories only covers what the sentence is about: it names one of
    them ("Coffee makers carry ..."), or every product it is about is of one."""
    if any(_says_category(sentence, name) for name in scope):
        return True
    return bool(subjects) and all(
        any(level.lower().strip() in scope for level in p.category) for p in subjects
    )


def _policy_problem(sentence: str, at: int, topic: str, ctx: ReplyContext) -> str:
    """Why a claim of `topic` at `at` may not be shown, or "" when the texts state it."""
    states = _POLICY_RE[topic][1]
    subjects = _policy_subjects(sentence, ctx)
    own = [p.support for p in subjects if states.search(p.support)]
    clauses = [c for c in ctx.policies if states.search(c.text)]
    if not own and not clauses:
        return f"no store policy or product text states {topic}"
    scope = frozenset().union(*(c.scope for c in clauses))
    negated = _negated(sentence, at)
    if not own and scope and not _covered(sentence, subjects, scope):
        # "There is no warranty on these shoes" reads the policy right; "Yes, there is a warranty" does not.
        return "" if negated else f"the store states {topic} only for {', '.join(sorted(scope))}"
    if negated and not _DURATION.search(sentence):
        # "No returns on this one" where the store states them; "not after 30 days" gives the terms instead.
        return f"denies {topic}, which the store's text states for it"
    named = {n for n in scope if _says_category(sentence, n)} or {
        level.lower().strip() for p in subjects for level in p.category
    }
    return _terms_problem(
        sentence, topic, own + [c.text for c in clauses if not c.scope or c.scope & named], subjects
    )


def _terms_problem(sentence: str, topic: str, texts: list[str], subjects: list[ShownProduct]) -> str:
    """Terms the texts do not give (a number of days or years), or a condition the product does not meet
    ("free on orders over $50" said of a $30 product, where the sentence does not give the condition)."""
    stated = [n for m in _DURATION.finditer(sentence) for n in re.findall(r"\d+", m.group(0))]
    # The terms must come from the clause the sentence restates: "shipping takes 2 business days" takes its
    # 2 from "orders ship within 2 business days", while standard shipping takes 3 to 5.
    # (Chinese has no English words to match a clause by: its terms may come from any of them.)
    words = _content_words(sentence)
    source = max(texts, key=lambda t: len(_content_words(t) & words)) if words and texts else " ".join(texts)
    wrong = [n for n in stated if n not in re.findall(r"\d+", source)]
    if wrong:
        return f"gives {wrong[0]} as the {topic} terms; the store's text does not"
    floors = [float(x) for t in texts for x in re.findall(r"\bover \$(\d+(?:\.\d+)?)", t)]
    below = [p for p in subjects if p.price is not None and any(p.price < f for f in floors)]
    if below and not re.search(r"\bover\b|以上|满", sentence):
        return f"{below[0].title} costs less than the store's {topic} threshold"
    return ""


def _policy(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    if _QUESTION.search(sentence):
        return []
    for topic, (claims, _) in _POLICY_RE.items():
        m = claims.search(sentence)
        if not m or _POLICY_HEDGE.search(sentence[max(0, m.start() - 60) : m.end() + 40]):
            continue  # "The listing doesn't say whether it has a warranty" tells what the texts hold
        problem = _policy_problem(sentence, m.start(), topic, ctx)
        if problem:
            return [RuleBreak("policy", m.group(0), problem)]
    return []


# -- slogans and filler: no product, no fact, no answer ------------------------------------------------
_FILLER = re.compile(
    r"\bhappy (?:shopping|running|hiking|brewing|listening|travels?)\b|\byou won'?t regret\b|"
    r"\bdon'?t (?:forget|miss|wait|hesitate)\b|\bwhat are you waiting for\b|\b(?:treat|spoil) yourself\b|"
    r"\b(?:grab|get) (?:yours|one|it) (?:now|today)\b|\bhurry\b|\bsave room\b|\bhope (?:this|that|it) helps\b|"
    r"\blet me know if\b|\bfeel free to\b|\byou can'?t go wrong\b|^\W*enjoy\b|\bgo for it\b|\bact (?:now|fast)\b|"
    r"别错过|不要错过|赶快|赶紧|快来|抢购|购物愉快|希望(?:对你|能)?有(?:所)?帮助|有任何问题|欢迎(?:随时)?(?:咨询|询问|提问)|"
    r"心动不如行动|还等什么",
    re.I,
)
_ANSWER = re.compile(r"^\W*(?:yes|no|yep|nope)\b|^\W*(?:是的|不是|对的|没有|有的)", re.I)
# "It", "these", "这款": a cheer about the products shown ("These will go far!") is weak, not empty.
_POINTS_AT = re.compile(r"\b(?:it|its|they|them|these|those|this one|each)\b|它|这款|这些|这双|这个", re.I)


def _says_something(sentence: str, ctx: ReplyContext) -> bool:
    """A number, a product named, a feature, what reviewers say or a policy: something to read."""
    return bool(
        re.search(r"\d", sentence)
        or mentioned(sentence, ctx.shown)
        or (ctx.catalog is not None and ctx.catalog.named(sentence))
        or any(p.search(sentence) for p in _ATTRIBUTE_RE.values())
        or _ATTRIBUTION.search(sentence)
        or any(claims.search(sentence) for claims, _ in _POLICY_RE.values())
    )


def _filler(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    if _says_something(sentence, ctx):
        return []
    asked = re.search(r"[?？吗呢]", ctx.said_now or ctx.shopper_words)
    if len(_words(sentence)) + len(_CJK_CHAR.findall(sentence)) < 4 and not asked:
        # "有，有。" under a list the shopper asked for: a yes to no question, nothing to read.
        return [RuleBreak("filler", sentence.strip()[:40], "says nothing, and answers no question")]
    if _QUESTION.search(sentence) or _ANSWER.search(sentence):
        return []  # a question back to the shopper, an answer or a claim is never filler
    m = _FILLER.search(sentence)
    if m:
        return [RuleBreak("filler", m.group(0), "a slogan with no product, fact or answer in it")]
    if re.search(r"[!！]\s*$", sentence) and not _POINTS_AT.search(sentence):
        return [RuleBreak("filler", sentence.strip()[:40], "an exclamation with no product, fact or answer")]
    return []


# -- "not mentioned", said so the shopper knows what of which product ------------------------------------
_NOT_SAID = re.compile(
    r"\b(?:not|never) (?:mentioned|stated|listed|said|specified)\b|"
    r"\b(?:does|do|did)(?:n't| not) (?:say|mention|state|tell|specify)\b|\bno mention\b|\bsays? nothing\b|"
    r"没有?提到|未提及|没有说明|未说明|没有写",
    re.I,
)
_TEXT_WORDS = {
    *("review", "reviews", "reviewer", "reviewers", "description", "listing", "product", "text", "texts"),
    *("details", "page", "mention", "mentioned", "mentions", "say", "says", "said", "state", "stated"),
    *("tell", "tells", "specify", "specified", "listed", "one", "item", "either", "anything", "nothing"),
    *("there", "neither", "nor", "not", "does", "doesn't", "don't", "didn't", "never", "whether", "about"),
    *("these", "those", "unfortunately", "sorry", "information", "info", "here", "states", "specifically"),
    *_ORDINALS,
}
_ZH_TEXT_WORDS = re.compile(
    r"商品|说明|描述|评价|评论|买家|页面|信息|没有?|提到|未提及|第[一二三四]个?|它|这款|这个|任何|相关|关于|目前|暂时|"
    r"[里中都也和与的了在对并还其是否]"
)
# The thing a shopper asked about, as a reply names it: "whether it is waterproof", "its battery life".
_THING = {
    "runs small": "whether it runs small",
    "battery": "its battery life",
    "gps": "GPS",
    "laptop sleeve": "a laptop sleeve",
    "reputation": "its reputation",
    "wide fit": "whether it suits wide feet",
    "popular": "how popular it is",
    "good quality": "its quality",
    "merino": "merino wool",
    "damascus": "Damascus steel",
    **{m: m for m in ("leather", "stainless steel", "mesh")},
    **{c: f"whether it comes in {c}" for c in COLOURS},
}


def _names_a_thing(sentence: str, ctx: ReplyContext) -> bool:
    if ctx.language == "zh" or re.search(r"[\u4e00-\u9fff]", sentence):
        rest = _ZH_TEXT_WORDS.sub("", re.sub(r"[^\u4e00-\u9fff]", "", sentence))
        return len(rest) >= 2
    titles = {w for p in ctx.shown for w in _words(f"{p.title} {p.brand}")}
    return bool(_content_words(sentence) - _TEXT_WORDS - titles)


def _vague_negative(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    m = _NOT_SAID.search(sentence)
    if not m or not ctx.shown:
        return []
    if _ordinals(sentence.lower()) and not _named(sentence, ctx.shown):
        return [
            RuleBreak("vague_negative", m.group(0), "says 'not mentioned' of 'the first one', not by name")
        ]
    if not _names_a_thing(sentence, ctx):
        return [RuleBreak("vague_negative", m.group(0), "says 'not mentioned' without saying what is not")]
    return []


_IT = re.compile(r"\b(?:it|its|it's|this one|that one)\b|它(?!们)|这款|这双|这个|这件", re.I)


def unnamed(sentence: str, before: Sequence[str], shown: tuple[ShownProduct, ...]) -> RuleBreak | None:
    """A sentence that says "it" among several products shown, when neither it nor a sentence `before`
    it in the reply names one: "Reviewers say it keeps them cool on long runs." after the sentence naming
    the shoes was dropped. A rule of the reply, not of one sentence, so not in `check_sentence`."""
    m = _IT.search(_QUOTED.sub(" ", sentence))
    if m is None or len(shown) < 2 or any(mentioned(s, shown) for s in (*before, sentence)):
        return None
    return RuleBreak(
        "unnamed", m.group(0), f"says '{m.group(0)}' of one of {len(shown)} products, naming none"
    )


def _pointed_at(sentence: str, ctx: ReplyContext) -> ShownProduct | None:
    """The one product a sentence is about: by ordinal, by name, or the only one shown (a question turn
    shows the product asked about alone, so "the second one" there is that product)."""
    positions = [position for _, position in _ordinals(sentence.lower())]
    named = _named(sentence, ctx.shown)
    if positions and positions[0] < len(ctx.shown):
        return ctx.shown[positions[0]]
    if named:
        return named[0]
    return ctx.shown[0] if len(ctx.shown) == 1 else None


def _asked_thing(ctx: ReplyContext) -> tuple[str, str] | None:
    """The one feature the shopper asked about (its name, and their words for it), or None."""
    said = ctx.said_now or ctx.shopper_words
    found = {name: m.group(0) for name, pattern in _ATTRIBUTE_RE.items() if (m := pattern.search(said))}
    return next(iter(found.items())) if len(found) == 1 else None


def _name_the_unsaid(sentence: str, ctx: ReplyContext, _found: RuleBreak) -> str | None:
    """ "The first one is not mentioned in the reviews." -> "The reviews of the Stridewell Luma 8 Plus
    Running Shoes don't mention whether it is waterproof." Only when the product and the thing asked are
    certain, and the product's texts truly do not say it (else the sentence was false, and is dropped)."""
    product, thing = _pointed_at(sentence, ctx), _asked_thing(ctx)
    if product is None or thing is None:
        return None
    name, words = thing
    if _ATTRIBUTE_RE[name].search(product.support) or any(_ATTRIBUTE_RE[name].search(r) for r in ctx.reviews):
        return None
    title = plain_title(product.title)
    if ctx.language == "zh":
        return f"{title} 的商品说明和评价都没有提到它是否{words}。"
    reviews, described = re.search(r"review", sentence, re.I), re.search(r"descri|listing", sentence, re.I)
    source = "reviews" if reviews and not described else "description" if described and not reviews else ""
    what = _THING.get(name, f"whether it is {name}")
    if source == "description":
        return f"The description of the {title} doesn't mention {what}."
    return f"The {source or 'description and reviews'} of the {title} don't mention {what}."


def _cut_review_clause(sentence: str, ctx: ReplyContext, found: RuleBreak) -> str | None:
    """A review's words said as the reply's own, cut with their clause; a sentence in a reviewer's first
    person or a seller's voice is in that voice throughout ("Comfortable from the first minute, and I
    ordered half a size up."), and is dropped."""
    if _FIRST_PERSON_EXPERIENCE.search(found.span) or _MERCHANT_VOICE.search(found.span):
        return None
    return _cut_clause(sentence, ctx, found)


_REPAIRS = {
    "echo": _cut_clause,
    "reviewer_voice": _cut_review_clause,
    "vague_negative": _name_the_unsaid,
    "inference": _cut_inference,
}


_CLAUSE = re.compile(r"[^.!?;。！？；]+")


def _clause_with(text: str, pattern: re.Pattern, words: int = 6) -> str | None:
    """The clause of `text` (between sentence marks) in which `pattern` first matches; a long one (the
    attributes run on without marks) is cut to `words` words either side of the match."""
    for clause in _CLAUSE.findall(text):
        if m := pattern.search(clause):
            before, after = clause[: m.start()].split(), clause[m.end() :].split()
            head = ("… " if len(before) > words else "") + " ".join(before[-words:])
            tail = " ".join(after[:words]) + (" …" if len(after) > words else "")
            return " ".join(f"{head} {m.group(0)} {tail}".split())
    return None


def answer_the_asked(written: str, ctx: ReplyContext) -> str | None:
    """A question about one feature of the one product shown ("is it waterproof?", "防水吗？") that the
    model's kept sentences never answer (they praise other things): the answer, written in code from the
    product's texts. A quote of the description or a review that says it (a review may say it is not),
    or that neither mentions it. None when the reply speaks of the feature or says the texts do not, or
    when the turn asks about no single feature of a single product."""
    thing = _asked_thing(ctx)
    if thing is None or len(ctx.shown) != 1 or not re.search(r"[?？吗]", ctx.said_now or ctx.shopper_words):
        return None
    name, words = thing
    pattern = _ATTRIBUTE_RE[name]
    if pattern.search(written) or _HEDGE.search(written):
        return None
    product = ctx.shown[0]
    title = plain_title(product.title)
    described = product.support.replace(product.title.lower(), " ")  # its name is no answer
    for review in ctx.reviews:
        described = described.replace(review.lower(), " ")
    zh = ctx.language == "zh"
    if clause := _clause_with(described, pattern):
        return (
            f"{title} 的商品说明写道：“{clause}”。"
            if zh
            else f"The description of the {title} says: “{clause}”."
        )
    if said := next((c for r in ctx.reviews if (c := _clause_with(r, pattern))), None):
        return f"有买家这样评价 {title}：“{said}”。" if zh else f"A reviewer of the {title} says: “{said}”."
    if zh:
        return f"{title} 的商品说明和评价都没有提到它是否{words}。"
    return f"The description and reviews of the {title} don't mention {_THING.get(name, f'whether it is {name}')}."


def repair_sentence(sentence: str, breaks: list[RuleBreak], ctx: ReplyContext) -> str | None:
    """The sentence mended where the fix is certain (a clause that echoes, copies a review or concludes
    what no text says cut; the product and the thing named in a "not mentioned"), else None: any other
    rule broken means the sentence is dropped, unless a cut took its words away ("stays dry" claimed in
    a review's words goes with that clause). The caller checks the mended sentence again before it is shown."""
    mended = sentence
    for found in sorted(breaks, key=lambda b: b.rule not in _REPAIRS):  # the cuts first
        if mended is not sentence and _span_in(found.span, mended) is None:
            continue  # cut away with an earlier clause
        fix = _REPAIRS.get(found.rule)
        if fix is None or (mended := fix(mended, ctx, found)) is None:
            return None
    return mended


def distinct_texts(texts: Iterable[str], threshold: float = 0.75) -> list[str]:
    """The texts, each kept only when no earlier one shares `threshold` of their words (Jaccard on word
    sets): two reviews that differ by case, punctuation or a word are one quote to a shopper. 0.75 lets one
    word changed in a seven-word review count as the same (6 of 8 words); 0.8 would need nine words."""
    kept: list[tuple[str, set[str]]] = []
    for text in texts:
        words = set(re.findall(r"\w+", text.lower()))
        if words and all(len(words & seen) < threshold * len(words | seen) for _, seen in kept):
            kept.append((text, words))
    return [text for text, _ in kept]


_CHECKS = (
    _address,
    _prompt_words,
    _unshown,
    _wrong_kind,
    _comparison,
    _attribute,
    _reviewer_voice,
    _no_reviews,
    _limit,
    _history,
    _relation,
    _inference,
    _language,
    _garbled,
    _echo,
    _policy,
    _filler,
    _vague_negative,
)


def check_sentence(sentence: str, ctx: ReplyContext) -> list[RuleBreak]:
    """Every rule the sentence breaks (empty when a shopper may read it as it is)."""
    if not sentence.strip():
        return []
    return [b for check in _CHECKS for b in check(sentence, ctx)]
