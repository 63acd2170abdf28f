"""A sample of generated push messages from the demo store, users picked at random, with their checks.

    .venv/bin/python bench/push_sample.py --model default --count 20

Writes bench/results/push_sample.jsonl (the outbox lines) and bench/results/push_sample.md (a table
for the README).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.push.audience import select_audience  # noqa: E402
from assistant.push.campaign import load_campaign  # noqa: E402
from bench.push_throughput import DEFAULT_CAMPAIGN, SEND_AT, demo_shop  # noqa: E402


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--campaign", default=str(DEFAULT_CAMPAIGN))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample-seed", type=int, default=2026)
    parser.add_argument("--products", type=int, default=600)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "push_sample"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shop = demo_shop(Path(tmp), args.seed, args.products, args.users, args.model)
        campaign = load_campaign(args.campaign)
        audience, _ = select_audience(shop.events.iter_users(), shop.events, campaign, SEND_AT, shop.profile)
        picked = random.Random(args.sample_seed).sample(audience, min(args.count, len(audience)))
        summary = shop.push(args.campaign, dry_run=True, only_users=picked, batch_size=args.batch_size,
                            now=SEND_AT, show_progress=True)
        shop.close()
    lines = summary.messages
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".jsonl").write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in lines))
    table = [f"Model: `{args.model}`; campaign `{campaign.id}`; {len(lines)} messages for users drawn at random "
             f"(seed {args.sample_seed}) from an audience of {len(audience)}; {summary.to_dict()['first_try_pct']}% "
             f"passed every check on the first try; skipped: {summary.skipped or 'none'}.", "",
             "| user | var | lang | title | body | first try | fallback |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for m in lines:
        c = m["checks"]
        table.append(f"| {m['user']} | {m['variant']} | {m['language']} | {cell(m['title'])} | {cell(m['body'])} | "
                     f"{'yes' if c['first_try'] else 'no'} | {c['fallback'] or ''} |")
    out.with_suffix(".md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
