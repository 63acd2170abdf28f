"""Push messages as sent, read as a careful reader would: a seeded sample of a campaign's audience from
the demo store, every message checked for the defects below, and the campaign's variety measured.

    .venv/bin/python bench/push_sample.py --model default --users 40 --show 20
    .venv/bin/python bench/push_sample.py --render-only --note "what a careful reader still finds wrong"

Defects looked for in each message as sent (after the pipeline's own checks, which should leave none):
voice and claims (assistant.reply_rules), a pasted ranker reason, a search reason ("matches your
search": push does not search), a reason naming a product from a category people do not combine with
the pick's (the ranker's learned table), a free sentence (not about the name and price) that another
body of the run also has, a body cut off mid-sentence, a missing title where the channel has one.

Writes bench/results/push_sample.jsonl (the outbox lines with their defects), push_sample.json (the
figures, with the machine's load) and push_sample.md (the table for docs/push.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.push.audience import select_audience  # noqa: E402
from assistant.push.campaign import load_campaign  # noqa: E402
from assistant.push.copy import WORKED_EXAMPLES  # noqa: E402
from assistant.push.guardrails import (  # noqa: E402
    CLAIM_RULES,
    VOICE_RULES,
    copied_example_problems,
    other_category_problems,
    pasted_reason_problems,
    rule_problems,
)
from assistant.push.records import Offer  # noqa: E402
from assistant.push.variety import offer_names, sentences, variety_report  # noqa: E402
from bench.push_throughput import DEFAULT_CAMPAIGN, SEND_AT, demo_shop  # noqa: E402

_ENDS_WHOLE = re.compile(r"[.!?。！？)）]\s*$")


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _offers(line: dict, products: dict) -> list[Offer]:
    return [Offer(products[o["id"]], o["discount_pct"], SEND_AT) for o in line["offers"]]


def _named_category_defects(reasons: list[str], pick, ranker) -> list[str]:
    """A reason naming a product whose category people do not combine with the pick's."""
    found = []
    for reason in reasons:
        for title, category in zip(ranker.titles_, ranker.categories_, strict=True):
            if (
                title != pick.title
                and title in reason
                and not ranker.combinations_.combined(category, pick.category_path)
            ):
                found.append(f"nonsense reason: {reason!r} names a {category} for a {pick.category_path}")
    return found


def message_defects(line: dict, products: dict, ranker, free_uses: dict[str, int], categories) -> list[str]:
    offers = _offers(line, products)
    title, body = line["title"], line["body"]
    broken = rule_problems(title, body, offers, line["language"])
    defects = [p for rule in (*VOICE_RULES, *CLAIM_RULES) for p in broken.get(rule, [])]
    names = [n for o in offers for n in (o.product.title, o.product.title.split(",")[0])]
    defects += pasted_reason_problems(f"{title}\n{body}", line["reasons"], names)
    # Any worked example, in either language, whether or not this message's prompt showed it.
    defects += sorted(
        {
            p
            for ex in WORKED_EXAMPLES
            for text in (ex.en, ex.zh)
            for p in copied_example_problems(f"{title}\n{body}", text, names, ex.name)
        }
    )
    defects += other_category_problems(f"{title}\n{body}", offers, categories)
    defects += [f"search reason: {r!r}" for r in line["reasons"] if "search" in r]
    defects += _named_category_defects(line["reasons"], offers[0].product, ranker)
    user_name = line.get("user_name", "")
    for s in sentences(body, offer_names(offers), user_name):
        if s.free and free_uses.get(s.key, 0) > 1:
            defects.append(f"repeated: {s.text!r} is in {free_uses[s.key]} bodies")
    if body and not _ENDS_WHOLE.search(body):
        defects.append("cut off mid-sentence")
    if line["channel"] != "sms" and not title.strip():
        defects.append("no title")
    return defects


def render(result: dict, lines: list[dict], note: str) -> str:
    v = result["variety"]
    out = [
        f"Model `{result['model']}`; campaign `{result['campaign']}`; {result['messages']} messages for "
        f"{result['users']} users drawn at random (seed {result['sample_seed']}) from an audience of "
        f"{result['audience']}; {result['first_try_pct']}% passed every check on the first try; fallbacks "
        f"{result['fallbacks'] or 'none'}; skipped {result['skipped'] or 'none'}.",
        "",
        f"Variety over all {v['bodies']} bodies: {v['sharing_a_free_sentence_pct']}% share a free sentence "
        f"(one not about the name and price) with another body (target at most 10%); "
        f"{v['same_masked_body_pct']}% have the same wording as another once names, prices and dates are "
        f"masked; {v['with_a_free_sentence_pct']}% have a free sentence at all. Messages with a defect: "
        f"{result['with_defect']} of {result['messages']}.",
        "",
        f"{len(lines)} of them, drawn at random (seed {result['sample_seed']}), as sent:",
        "",
        "| user | var | lang | title | body | ranker's reasons (not shown to the reader) | defects found |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in lines:
        out.append(
            f"| {m['user']} | {m['variant']} | {m['language']} | {cell(m['title'])} | {cell(m['body'])} | "
            f"{cell('; '.join(m['reasons']))} | {cell('; '.join(m['defects'])) or 'none'} |"
        )
    if note:
        out += ["", f"What a careful reader still finds wrong: {note}"]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="default")
    parser.add_argument(
        "--users", type=int, default=40, help="audience members to write for (a seeded sample)"
    )
    parser.add_argument("--show", type=int, default=20, help="messages drawn at random for the table")
    parser.add_argument("--campaign", default=str(DEFAULT_CAMPAIGN))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample-seed", type=int, default=2026)
    parser.add_argument("--products", type=int, default=600)
    parser.add_argument("--store-users", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--note", default="", help="a line on what a careful reader still finds wrong")
    parser.add_argument("--render-only", action="store_true", help="rewrite the table from the saved run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "push_sample"))
    args = parser.parse_args()
    out = Path(args.out)
    if args.render_only:
        result = json.loads(out.with_suffix(".json").read_text())
        lines = [json.loads(x) for x in out.with_suffix(".jsonl").read_text().splitlines()]
        shown = [m for m in lines if m["user"] in set(result["shown_users"])]
        out.with_suffix(".md").write_text(render(result, shown, args.note))
        return
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        shop = demo_shop(Path(tmp), args.seed, args.products, args.store_users, args.model)
        campaign = load_campaign(args.campaign)
        audience, _ = select_audience(shop.events.iter_users(), shop.events, campaign, SEND_AT, shop.profile)
        picked = random.Random(args.sample_seed).sample(audience, min(args.users, len(audience)))
        summary = shop.push(
            args.campaign,
            dry_run=True,
            only_users=picked,
            batch_size=args.batch_size,
            now=SEND_AT,
            show_progress=True,
        )
        lines = summary.messages
        products = shop.catalog.get_products([o["id"] for m in lines for o in m["offers"]])
        names = {u: (shop.events.get_user(u).name or "") for u in picked}
        for m in lines:
            m["user_name"] = names[m["user"]]
        triples = [(m["body"], offer_names(_offers(m, products)), m["user_name"]) for m in lines]
        variety = variety_report(triples)
        free_uses: dict[str, int] = {}
        for body, offer_words, person in triples:
            for key in {s.key for s in sentences(body, offer_words, person) if s.free}:
                free_uses[key] = free_uses.get(key, 0) + 1
        ranker = shop.ranking.ranker
        categories = shop.catalog.categories()
        for m in lines:
            m["defects"] = message_defects(m, products, ranker, free_uses, categories)
        shop.close()
    shown = random.Random(args.sample_seed).sample(lines, min(args.show, len(lines)))
    shown.sort(key=lambda m: m["user"])
    result = {
        "bench": "push_sample",
        "model": args.model,
        "campaign": campaign.id,
        "audience": len(audience),
        "users": len(picked),
        "messages": len(lines),
        "sample_seed": args.sample_seed,
        "first_try_pct": summary.to_dict()["first_try_pct"],
        "fallbacks": summary.fallbacks,
        "skipped": summary.skipped,
        "variety": variety,
        "with_defect": sum(bool(m["defects"]) for m in lines),
        "defects": sorted({d.split(":")[0] for m in lines for d in m["defects"]}),
        "shown_users": [m["user"] for m in shown],
        "seconds": round(time.monotonic() - started, 1),
        # Measured beside other work on a shared machine: the load says how much.
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".jsonl").write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in lines))
    out.with_suffix(".json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    out.with_suffix(".md").write_text(render(result, shown, args.note))
    print(render(result, shown, args.note))


if __name__ == "__main__":
    main()
