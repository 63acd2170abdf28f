"""`shopmate push`, `shopmate push-preview` and `shopmate push-report`: promotional messages in batch."""

from __future__ import annotations

import argparse
import importlib
import json
from datetime import datetime
from pathlib import Path

from assistant.cli.common import EXIT_OK, EXIT_USAGE, CliError, open_shop, print_json


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(
            f"--now {text!r} is not a date-time; write e.g. 2026-11-20T09:00:00Z", EXIT_USAGE
        ) from None


def _print_summary(s) -> None:
    d = s.to_dict()
    print(
        f"campaign {d['campaign']}: {d['audience']} users selected"
        + (f", {d['already_done']} already done before this run" if d["already_done"] else "")
    )
    if d["left_out"]:
        print(
            "  left out of the audience: " + ", ".join(f"{k} {v}" for k, v in sorted(d["left_out"].items()))
        )
    print(
        f"  messages written: {d['written']}"
        + (" (dry run: nothing recorded)" if d["dry_run"] else "")
        + f" in {d['seconds']:.1f} s ({d['messages_per_minute']:.1f}/min, engine {d['engine']}"
        + (f", {d['workers']} workers)" if d["engine"] == "ray" else ")")
    )
    if d["written"]:
        print(f"  passed every check on the first try: {d['first_try']} ({d['first_try_pct']}%)")
    if d["fallbacks"]:
        print("  template fallbacks: " + ", ".join(f"{k} {v}" for k, v in sorted(d["fallbacks"].items())))
    if d["skipped"]:
        print("  no message: " + ", ".join(f"{k} {v}" for k, v in sorted(d["skipped"].items())))
    if d["outbox"]:
        print(f"  outbox: {d['outbox']}")


def _generator(spec: str | None):
    """A generator from a factory named MODULE:CALLABLE (a custom backend); None means the store's model."""
    if not spec:
        return None
    module, sep, attr = spec.partition(":")
    if not sep:
        raise CliError(f"--generator {spec!r} should look like package.module:factory", EXIT_USAGE)
    try:
        return getattr(importlib.import_module(module), attr)()
    except (ImportError, AttributeError) as exc:
        raise CliError(f"--generator {spec!r}: {exc}", EXIT_USAGE) from None


def run_push(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1", EXIT_USAGE)
    if not args.out and not args.dry_run:
        raise CliError(
            "say where the messages go with --out outbox.jsonl (or preview with --dry-run)", EXIT_USAGE
        )
    shop = open_shop(args, llm=args.llm)
    summary = shop.push(
        args.campaign,
        out=args.out,
        limit=args.limit,
        dry_run=args.dry_run,
        force=args.force,
        engine=args.engine,
        batch_size=args.batch_size,
        workers=args.workers,
        gpus_per_worker=args.gpus_per_worker,
        now=_when(args.now),
        show_progress=not args.json,
        generator=_generator(args.generator),
    )
    if args.json:
        print_json(summary.to_dict())
        return EXIT_OK
    _print_summary(summary)
    if args.dry_run and not args.out:
        for line in summary.messages:
            print(json.dumps(line, ensure_ascii=False))
    return EXIT_OK


def run_preview(args: argparse.Namespace) -> int:
    shop = open_shop(args, llm=args.llm)
    print_json(shop.push_preview(args.campaign, args.user, now=_when(args.now)))
    return EXIT_OK


def _campaign_id(text: str) -> str:
    path = Path(text)
    if path.suffix.lower() in (".toml", ".yaml", ".yml") and path.exists():
        from assistant.push.campaign import load_campaign

        return load_campaign(path).id
    return text


def run_report(args: argparse.Namespace) -> int:
    shop = open_shop(args)
    report = shop.push_report(_campaign_id(args.campaign))
    if args.json:
        print_json(report)
        return EXIT_OK
    print(
        f"campaign {report['campaign']}: {report['messages']} messages, fallback rate "
        f"{report['fallback_rate']}, first try {report['first_try_pct']}%"
    )
    print(
        f"{'variant':<8} {'messages':>9} {'fallbacks':>10} {'clicked':>8} {'CTR':>7} {'bought':>7} {'conv':>7}"
    )
    for name, v in report["variants"].items():
        print(
            f"{name:<8} {v['messages']:>9} {v['fallbacks']:>10} {v['clicked']:>8} {v['ctr']:>7} "
            f"{v['purchased']:>7} {v['conversion']:>7}"
        )
    if report["fallback_reasons"]:
        print("fallback reasons: " + ", ".join(f"{k} {v}" for k, v in report["fallback_reasons"].items()))
    if report["skipped"]:
        print("no message: " + ", ".join(f"{k} {v}" for k, v in report["skipped"].items()))
    for label in ("ctr_test", "conversion_test"):
        test = report[label]
        if test:
            print(
                f"{label.replace('_test', '').upper()}: {test['test']} over {', '.join(test['variants'])}: "
                f"p = {test['p_value']}" + (" (significant at 0.05)" if test["significant_at_0.05"] else "")
            )
    if not report["outcomes_seen"]:
        print(
            f"no clicks or purchases of the promoted products yet (attribution window "
            f"{report['attribution_days']} days after sending)"
        )
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "push",
        help="write personalized promotional messages for a campaign file",
        description="For each user the campaign selects: pick the best promoted product(s) with "
        "the ranker, write the message with the language model, check it in code "
        "(prices, lengths, banned words, opt-in, quiet hours, frequency cap), and write "
        "one JSON line per message. A rerun resumes where the last one stopped.",
    )
    p.add_argument(
        "campaign", metavar="CAMPAIGN", help="campaign file (.toml or .yaml), see examples/campaigns/"
    )
    p.add_argument("--out", help="the outbox file (JSON Lines), rewritten from the push ledger")
    p.add_argument("--limit", type=int, help="only the first N selected users (by id)")
    p.add_argument("--dry-run", action="store_true", help="write nothing to the ledger; print the messages")
    p.add_argument("--force", action="store_true", help="delete the campaign's messages and write them again")
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="write the messages here (local) or in a pool of Ray actors (ray; needs ray)",
    )
    p.add_argument("--batch-size", type=int, default=8, help="users per generation batch (default 8)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="Ray actors writing at once, each with its own copy of the model (--engine ray; default 1)",
    )
    p.add_argument(
        "--gpus-per-worker",
        type=float,
        default=0.0,
        metavar="G",
        help="GPUs each Ray actor asks for (--engine ray; default 0: CPU); the cluster must have them",
    )
    p.add_argument("--llm", help="language model: default, fast, test, a Hugging Face id or a local path")
    p.add_argument("--now", help="the current time for the run (ISO 8601), e.g. to test a send window")
    p.add_argument(
        "--generator",
        metavar="MODULE:FACTORY",
        help="write with the generator this factory returns instead of --llm (a custom backend)",
    )
    p.add_argument("--json", action="store_true", help="print the run summary as JSON (and no progress bar)")
    p.set_defaults(run=run_push)

    p = sub.add_parser(
        "push-preview", help="the message one user would get from a campaign (nothing written)"
    )
    p.add_argument("campaign", metavar="CAMPAIGN", help="campaign file (.toml or .yaml)")
    p.add_argument("--user", required=True, help="user id")
    p.add_argument("--llm", help="language model (as for push)")
    p.add_argument("--now", help="the current time (ISO 8601)")
    p.set_defaults(run=run_preview)

    p = sub.add_parser(
        "push-report",
        help="what a campaign sent, its fallbacks, and its A/B results",
        description="Counts by variant, fallback rate and reasons, and CTR and conversion per "
        "variant with a significance test once click and purchase events come back.",
    )
    p.add_argument("campaign", metavar="CAMPAIGN", help="campaign id or campaign file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_report)
