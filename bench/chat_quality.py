"""Chat: what a shopper reads, judged for every defect class, and how long a warm turn takes.

    python bench/chat_quality.py --model default --turns 200 --latency-turns 40 \
        --gift-cards ../shared/datasets/amazon2018_gift_cards

Turns come in scripted five-turn conversations, in English and in Chinese, built from the store's own
categories, brands and prices: a need, a refinement, a question picking among the products shown
("which is the cheapest?", "are they durable?"), a question about a shown product and a store-policy
question. Conversations run side by side with their `generate` calls batched, as in the HTTP server.

Each reply is judged as the shopper sees it. The model-written part is read sentence by sentence for
prompt words, third person, an unshown product, a false comparison, an unsupported attribute, a
reviewer's voice, a restated limit, an invented past or relation, a conclusion no text draws ("so you can
wear it for hours"), the shopper's words said back as the
reply's own, a store policy the policy texts do not state for that kind of product, a slogan that says
nothing, a "not mentioned" that names neither product nor thing, a wrong price or brand, a cut-off
sentence and the wrong language; the whole reply for a review quoted twice in near the same words
(`repeated_quote`), for "it" among several products before any is named (`unnamed`), for a question about one feature that nothing shown answers (`unanswered`) and for
a "which is the cheapest / best rated?" answered with another product (`wrong_pick`); the
composed list is read for reasons that make no sense to a person (judged against a hand-written list
of categories people combine, independent of the ranker's own rule). The share of turns with no defect
at all is the headline; the defects the engine caught and dropped before the shopper saw them are
reported beside it, as is a seeded sample of 20 turns.

Latency (demo store): streamed turns, one at a time (a need, its refinement and a which-question in one
session; which-questions the model answers are reported apart), split into understanding, retrieval,
ranking, generation and checks, with the time to the first visible words and to the model's first words.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.chat.dialogue import ZH_TERMS
from assistant.chat.engine import ChatReply
from assistant.demo_store import generate_demo_store
from assistant.fact_check import ProductFacts, check_text
from assistant.language import detect_language
from assistant.reply_rules import (
    ReplyContext,
    ShownProduct,
    answer_the_asked,
    check_sentence,
    distinct_texts,
    plain_title,
    unnamed,
)
from assistant.shop import Shop

SCRIPTS = {
    "en": {
        "needs": [
            "I need {leaf} under ${cap}",
            "a gift for someone who likes {leaf}",
            "{brand} {leaf}",
            "something from {brand} around ${cap}",
            "best rated {leaf}",
        ],
        "refine": ["cheaper", "only {brand}", "not that one", "something better rated"],
        "which": [
            "which one is the cheapest?",
            "which is best for beginners?",
            "which would you pick for everyday use?",
            "are they durable?",
            "which one is best rated?",
            "which of these is the lightest?",
        ],
        "question": [
            "is the first one good quality?",
            "do people say the second one is worth it?",
            "what do reviewers say about the first one?",
            "is the first one easy to use?",
        ],
        "policy": ["what is your return policy?", "how long does shipping take?", "is there a warranty?"],
    },
    "zh": {
        "needs": ["我想要{zh}，{cap}元以内", "想买{zh}送朋友", "有没有评分高的{zh}", "{brand}的{zh}怎么样"],
        "refine": ["便宜一点的", "只要{brand}", "不要这个", "换一个"],
        "which": ["哪个最便宜？", "哪款最适合新手？", "它们耐用吗？", "哪款评分最高？"],
        "question": ["第一个质量好吗？", "第二个值得买吗？", "买家怎么评价第一个？"],
        "policy": ["退货政策是什么？", "发货要多久？", "有保修吗？"],
    },
}
_ZH_FOR = {english: zh for zh, english in ZH_TERMS.items()}
# Categories people buy together (a hand-written judge, independent of the ranker's learned one).
COMBINED = [
    {"Running Shoes", "Smartwatches"},
    {"Running Shoes", "Yoga Mats"},
    {"Hiking Boots", "Backpacks"},
    {"Hiking Boots", "Rain Jackets"},
    {"Rain Jackets", "Backpacks"},
    {"Coffee Makers", "Kitchen Knives"},
    {"Headphones", "Smartwatches"},
    {"Yoga Mats", "Smartwatches"},
    {"Running Shoes", "Rain Jackets"},
    {"Hiking Boots", "Smartwatches"},
    {"Backpacks", "Headphones"},
]
_RELATED = re.compile(r"(?:similar to|goes with|pairs with|like) (?:the )?(.+?)(?:,| which| you|$)", re.I)


def conversations(shop: Shop, n: int, language: str, seed: int = 0) -> list[list[str]]:
    """`n` five-turn scripts; "{brand}" in a refinement is filled with a brand shown in the reply before."""
    rng = np.random.default_rng(seed)
    products = list(shop.catalog.iter_products())
    lines = SCRIPTS[language]
    scripts = []
    for _ in range(n):
        p = products[int(rng.integers(len(products)))]
        leaf = (p.category[-1] if p.category else p.title.split()[0]).lower()
        zh = _ZH_FOR.get(leaf, "礼品卡" if "gift" in leaf or "card" in leaf else leaf)
        need = str(rng.choice(lines["needs"])).format(
            leaf=leaf, zh=zh, brand=p.brand or "any brand", cap=int((p.price or 50) * 1.2) + 1
        )
        scripts.append(
            [need, *(str(rng.choice(lines[k])) for k in ("refine", "which", "question", "policy"))]
        )
    return scripts


def _filled(message: str, last: ChatReply | None) -> str:
    """A scripted message with "{brand}" filled from the reply before ("cheaper" when it showed none)."""
    if "{brand}" not in message:
        return message
    shown = [p["brand"] for p in last.products if p.get("brand")] if last else []
    return message.format(brand=shown[-1]) if shown else ("cheaper" if message.isascii() else "便宜一点的")


def run_conversation(shop: Shop, user: str | None, script: list[str]) -> list[tuple[str, ChatReply]]:
    turns: list[tuple[str, ChatReply]] = []
    session = None
    for message in script:
        message = _filled(message, turns[-1][1] if turns else None)
        reply = shop.ask(user, message, session)
        turns.append((message, reply))
        session = reply.session
    return turns


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？])|(?<=[.!?])\s+", text) if s and s.strip()]


# Which-questions the catalog settles, and how the bench finds the right pick (apart from the engine's).
_PICKS = (
    (re.compile(r"cheapest|最便宜"), lambda p: p.price, min),
    (re.compile(r"best rated|评分最高"), lambda p: p.rating, max),
)


def _wrong_pick(message: str, reply: str, products) -> bool:
    """Whether a reply to "which is the cheapest?" names none of the products that are."""
    for asked, value, best in _PICKS:
        if asked.search(message):
            known = [(v, p) for p in products if (v := value(p)) is not None]
            top = best((v for v, _ in known), default=None)
            return top is not None and not any(v == top and plain_title(p.title) in reply for v, p in known)
    return False


def judge(
    shop: Shop,
    message: str,
    reply: ChatReply,
    names,
    said_before: str = "",
    earlier: tuple[ShownProduct, ...] = (),
) -> list[str]:
    """Every defect a shopper would find in the reply as shown. `said_before`: the shopper's earlier
    messages in this conversation, whose limits ("around $61") a reply may restate as they gave them;
    `earlier`: the products the last list showed, which a policy question after it is about."""
    defects = []
    written = reply.checks.get("written", "")
    limits = tuple(float(x) for x in re.findall(r"\d+(?:\.\d+)?", f"{said_before} {message}"))
    products = shop.catalog.get_products([p["id"] for p in reply.products])
    shown = tuple(
        ShownProduct.of(products[p["id"]], p.get("evidence", [])[:1])
        for p in reply.products
        if p["id"] in products
    )
    context = ReplyContext(
        shown,
        reply.language,
        message,
        limits,
        tuple(e for p in reply.products for e in p.get("evidence", [])),
        names,
        policies=shop.chat.policies(),
        said_now=message,
        earlier=earlier,
    )
    facts = [ProductFacts(p.id, p.title, p.brand, p.price, rating=p.rating) for p in products.values()]
    for i, sentence in enumerate(written_sentences := _sentences(written)):
        defects += [b.rule for b in check_sentence(sentence, context)]
        if not re.search(r"[^\W\d_]", sentence):  # no word at all: "1." of a list the model began
            defects.append("wordless")
        if unnamed(sentence, written_sentences[:i], shown):
            defects.append("unnamed")
        if reply.intent != "faq" and not check_text(sentence, facts, shop.catalog.brands(), bounds=limits).ok:
            defects.append("fact")
    if written and not re.search(r"[.!?。！？…)\"'”’]$", written.strip()):
        defects.append("cut_off")
    if detect_language(reply.reply, reply.language) != reply.language:
        defects.append("language")
    if reply.intent == "product_question" and answer_the_asked(written or reply.reply, context) is not None:
        defects.append("unanswered")  # asked about one feature, and nothing shown speaks of it
    if reply.intent == "which" and _wrong_pick(message, reply.reply, products.values()):
        defects.append("wrong_pick")
    quoted = re.findall(r"“([^”]+)”", reply.reply)
    if len(distinct_texts(quoted)) < len(quoted):
        defects.append("repeated_quote")
    if any(
        _nonsense(shop, products.get(p["id"]), reason)
        for p in reply.products
        for reason in p.get("reasons", [])
    ):
        defects.append("nonsense_reason")
    return sorted(set(defects))


def _nonsense(shop: Shop, product, reason: str) -> bool:
    """A reason relating the product to one of a kind people do not combine it with (the judge's list)."""
    m = _RELATED.search(reason)
    other = _by_title(shop, m.group(1).strip()) if m and product is not None else None
    return bool(
        other is not None
        and other.category
        and product.category
        and other.category[-1] != product.category[-1]
        and {other.category[-1], product.category[-1]} not in COMBINED
    )


def _last_list(shop: Shop, replies: list[ChatReply]) -> tuple[ShownProduct, ...]:
    """The products of the last need or refinement before a turn: what the engine keeps as shown."""
    for r in reversed(replies):
        if r.intent in ("need", "refine"):
            found = shop.catalog.get_products([p["id"] for p in r.products])
            return tuple(ShownProduct.of(found[p["id"]]) for p in r.products if p["id"] in found)
    return ()


_TITLES: dict[str, object] = {}


def _by_title(shop: Shop, name: str):
    if not _TITLES:
        _TITLES.update({p.title.lower(): p for p in shop.catalog.iter_products()})
    name = name.lower().strip(" .")
    return _TITLES.get(name) or next(
        (p for t, p in _TITLES.items() if t.startswith(name) or name.startswith(t)), None
    )


def _stats(rows: list[dict]) -> dict:
    if not rows:
        return {}
    keys = sorted({k for r in rows for k in r})

    def stat(key: str) -> dict:
        values = [r.get(key, 0.0) for r in rows]
        return {"p50": round(float(np.median(values)), 3), "p95": round(float(np.percentile(values, 95)), 3)}

    return {k: stat(k) for k in keys}


def latency(shop: Shop, users: list, scripts: list[list[str]]) -> dict:
    """Streamed turns one at a time: each script's need, refinement and which-question in one session.
    Needs and refinements are timed together; which-questions the model answers (not those the catalog
    settles in code, which take no model time) apart."""
    shop.ask(users[0], scripts[0][0])  # warm: the encoder, index, ranker and model loaded, not timed
    rows, which = [], []
    for i, script in enumerate(tqdm(scripts, desc="timed conversations", unit="conv")):
        last = None
        for message in script[:3]:
            message = _filled(message, last)
            last = list(shop.ask_stream(users[i % len(users)], message, last.session if last else None))[-1]
            if last.intent != "which":
                rows.append(last.checks["timings"])
            elif last.checks.get("outcome") != "template":
                which.append(last.checks["timings"])
    return {"turns": len(rows), **_stats(rows), "which_by_model": {"turns": len(which), **_stats(which)}}


def run_store(
    shop: Shop, turns: int, concurrency: int, latency_turns: int, zh_share: float, seed: int
) -> dict:
    users = [u.id for u in shop.events.iter_users()][:50] or [None]
    n = max(1, turns // 5)
    n_zh = int(round(n * zh_share))
    scripts = [("en", s) for s in conversations(shop, n - n_zh, "en", seed)] + [
        ("zh", s) for s in conversations(shop, n_zh, "zh", seed + 1)
    ]
    result = (
        {"latency": latency(shop, users, conversations(shop, latency_turns // 2, "en", seed + 2))}
        if latency_turns >= 2
        else {}
    )
    shop.batch_generation(concurrency)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        done = list(
            tqdm(
                pool.map(
                    lambda i: run_conversation(shop, users[i % len(users)], scripts[i][1]),
                    range(len(scripts)),
                ),
                total=len(scripts),
                desc="conversations",
                unit="conv",
            )
        )
    seconds = time.perf_counter() - started
    names = shop.chat.catalog_names()
    rows = []
    for (language, _), conversation in zip(scripts, done, strict=True):
        for turn, (message, reply) in enumerate(conversation):
            said_before = " ".join(m for m, _ in conversation[:turn])
            earlier = _last_list(shop, [r for _, r in conversation[:turn]])
            rows.append(
                {
                    "language": language,
                    "intent": reply.intent,
                    "message": message,
                    "reply": reply.reply,
                    "outcome": reply.checks.get("outcome"),
                    "caught": reply.checks.get("rules_broken", []),
                    "defects": judge(shop, message, reply, names, said_before, earlier),
                }
            )
    summary: dict = {
        "turns": len(rows),
        "seconds": round(seconds, 1),
        "turns_per_minute": round(60 * len(rows) / seconds, 1),
    }
    for language in ("en", "zh", "all"):
        subset = [r for r in rows if language in ("all", r["language"])]
        if not subset:
            continue
        summary[language] = {
            "turns": len(subset),
            "no_defect_share": round(sum(not r["defects"] for r in subset) / len(subset), 3),
            "defects": dict(Counter(d for r in subset for d in r["defects"]).most_common()),
            "caught_before_shown": dict(Counter(d for r in subset for d in r["caught"]).most_common()),
            "outcomes": dict(Counter(r["outcome"] for r in subset)),
            # Which kinds of turn lose the model's words ("composed", "replaced": none of them kept).
            "outcomes_by_intent": {
                intent: dict(Counter(r["outcome"] for r in subset if r["intent"] == intent))
                for intent in sorted({r["intent"] for r in subset})
            },
        }
    # Every turn with a defect found, to read whole: the counts alone cannot tell a false claim from
    # the judge reading one turn without the ones before it.
    summary["with_defects"] = [r for r in rows if r["defects"]]
    rng = np.random.default_rng(seed)
    summary["sample"] = [
        rows[i] for i in sorted(rng.choice(len(rows), size=min(20, len(rows)), replace=False))
    ]
    result["quality"] = summary
    return result


def sample_table(store: str, sample: list[dict]) -> str:
    lines = [
        f"### {store}: 20 turns drawn at random (seed 0), as the shopper saw them",
        "",
        "| # | lang | shopper | reply as shown | defects found | caught and dropped |",
        "|---|---|---|---|---|---|",
    ]
    for i, row in enumerate(sample, 1):
        reply = row["reply"].replace("\n", "<br>").replace("|", "\\|")
        lines.append(
            f"| {i} | {row['language']} | {row['message']} | {reply} | {', '.join(row['defects']) or '-'} | "
            f"{', '.join(row['caught']) or '-'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="default", help="default, fast, test, or a Hugging Face id / path")
    parser.add_argument("--turns", type=int, default=200, help="turns per store, in five-turn conversations")
    parser.add_argument("--zh-share", type=float, default=0.3, help="share of conversations in Chinese")
    parser.add_argument("--concurrency", type=int, default=8, help="conversations at once (the batch size)")
    parser.add_argument(
        "--latency-turns", type=int, default=40, help="streamed turns, one at a time, for timing"
    )
    parser.add_argument("--gift-cards", help="folder of the Amazon 2018 Gift Cards data")
    parser.add_argument("--demo-products", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="bench/results/chat_quality.json")
    args = parser.parse_args()
    results = {
        "model": args.model,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_before": os.getloadavg(),
        "command": "python bench/chat_quality.py "
        + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None and k != "out"
        ),
        "stores": {},
    }
    tables = []
    with tempfile.TemporaryDirectory() as tmp:
        src = generate_demo_store(Path(tmp) / "src", products=args.demo_products, users=300)
        shop = Shop.open(Path(tmp) / "demo", llm=args.model)
        shop.ingest(catalog=src.products, reviews=src.reviews, events=src.events, users=src.users)
        shop.build_index()
        shop.train()
        results["stores"]["demo"] = run_store(
            shop, args.turns, args.concurrency, args.latency_turns, args.zh_share, args.seed
        )
        tables.append(sample_table("demo store", results["stores"]["demo"]["quality"]["sample"]))
        if args.gift_cards:
            folder = Path(args.gift_cards)
            gift = Shop.open(Path(tmp) / "gift", llm=args.model)
            gift.ingest(catalog=folder / "meta_Gift_Cards.json.gz", reviews=folder / "Gift_Cards_5.json.gz")
            gift.build_index()
            gift.train()
            # Whole-turn latency is measured on the demo store alone; here the replies are what counts.
            results["stores"]["gift_cards"] = run_store(
                gift, args.turns, args.concurrency, 0, args.zh_share, args.seed
            )
            tables.append(sample_table("Gift Cards", results["stores"]["gift_cards"]["quality"]["sample"]))
    results["load_after"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    # chat_quality.json's sample is chat_sample.md; another --out keeps its own (chat_latency_sample.md).
    out.with_name(out.stem.replace("chat_quality", "chat") + "_sample.md").write_text(
        "\n\n".join(tables) + "\n"
    )
    print(
        json.dumps(
            {
                s: {k: v for k, v in r["quality"].items() if k not in ("sample", "with_defects")}
                | {"latency": r.get("latency")}
                for s, r in results["stores"].items()
            },
            indent=1,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
