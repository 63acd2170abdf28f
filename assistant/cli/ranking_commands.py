"""`shopmate train`, `recommend`, `profile` and `eval`: the collaborative ranker from the command line."""

from __future__ import annotations

import argparse

from assistant.cli.common import EXIT_OK, open_shop, print_json


def run_train(args: argparse.Namespace) -> int:
    manifest = open_shop(args).train(show_progress=True)
    weights = ", ".join(f"{k} {v:+.2f}" for k, v in manifest["weights"].items())
    print(
        f"trained on {manifest['users']} users and {manifest['items']} products in {manifest['train_seconds']}s "
        f"(catalog v{manifest['catalog_version']}, events v{manifest['events_version']})"
    )
    print(f"learned blend: {weights}")
    return EXIT_OK


def run_recommend(args: argparse.Namespace) -> int:
    items = open_shop(args).recommend(args.user, k=args.k)
    if args.json:
        print_json([i.to_dict() for i in items])
        return EXIT_OK
    for rank, item in enumerate(items, 1):
        p = item.product
        price = f"${p.price:,.2f}" if p.price is not None else "price n/a"
        print(f"{rank:>2}. {p.title} [{p.id}] {price}\n    why: {'; '.join(map(str, item.reasons))}")
    return EXIT_OK


def run_profile(args: argparse.Namespace) -> int:
    profile = open_shop(args).profile(args.user)
    if args.json:
        print_json(profile.to_dict())
        return EXIT_OK
    if profile.is_cold:
        print(f"{args.user}: no history yet (new shopper)")
        return EXIT_OK
    print(f"user {profile.user_id}: {profile.n_events} signals")
    print("interests: " + ", ".join(profile.interest_tags))
    print("categories: " + ", ".join(f"{c} ({w:.0%})" for c, w in profile.top_categories))
    print("brands: " + ", ".join(f"{b} ({w:.0%})" for b, w in profile.top_brands))
    if profile.price_band:
        print(f"price band: ${profile.price_band[0]:,.2f} - ${profile.price_band[1]:,.2f}")
    print("recent: " + ", ".join(f"{e.kind} {e.product_id}" for e in profile.recent))
    return EXIT_OK


def run_eval(args: argparse.Namespace) -> int:
    result = open_shop(args).evaluate(k=args.k, out_dir=args.out)
    if args.json:
        print_json(result)
        return EXIT_OK
    split = result["split"]
    print(
        f"time split: {split['users_tested']} users, {split['test_interactions']} later interactions held out"
    )
    print(f"{'model':<18} {'ndcg@10':>8} {'recall@10':>10} {'mrr':>7} {'coverage':>9} {'diversity':>10}")
    for name, m in result["models"].items():
        mark = " (ours)" if name == result["ours"] else ""
        print(
            f"{name:<18} {m['ndcg@10']:>8.4f} {m['recall@10']:>10.4f} {m['mrr']:>7.4f} {m['coverage']:>9.3f} "
            f"{m['diversity']:>10.3f}{mark}"
        )
    print(f"plot: {result['plot']}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="learn the collaborative ranker from the store's events and reviews",
        description="Train the ranker and save it (with a manifest of the data versions it saw) "
        "under <home>/models/ranker.",
    )
    p.set_defaults(run=run_train)

    p = sub.add_parser(
        "recommend",
        help="products for a user, with a reason for each",
        description="Recommendations for one user; a new or unknown user gets popular and fresh products.",
    )
    p.add_argument("--user", required=True)
    p.add_argument("-k", type=int, default=10, help="how many (default 10)")
    p.add_argument("--json", action="store_true", help="print a JSON list, best first")
    p.set_defaults(run=run_recommend)

    p = sub.add_parser("profile", help="a user's interests, brands, price band and recent activity")
    p.add_argument("--user", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_profile)

    p = sub.add_parser(
        "eval",
        help="offline evaluation of our ranker against standard baselines",
        description="Time-based split; Recall@10, NDCG@10, MRR, coverage and diversity for our ranker "
        "and the popularity, item_knn, content and implicit_als baselines.",
    )
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--out", help="where to write eval.json and eval.png (default <home>/eval)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(run=run_eval)
