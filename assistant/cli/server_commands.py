"""`shopmate serve` (the HTTP API) and `shopmate keys create|list|revoke` (its API keys)."""

from __future__ import annotations

import argparse
import logging
from datetime import UTC, datetime
from pathlib import Path

from assistant.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError, open_shop, print_json


def run_serve(args: argparse.Namespace) -> int:
    from assistant.api.context import ApiConfig
    from assistant.api.server import configure_logging, serve

    configure_logging(logging.DEBUG if args.verbose else logging.INFO)
    shop = open_shop(args, llm=args.llm, llm_url=args.llm_url, llm_api_key=args.llm_api_key)
    dirs = tuple(Path(d) for d in args.campaigns) + (shop.home / "campaigns", Path("examples/campaigns"))
    config = ApiConfig.from_env(
        host=args.host,
        port=args.port,
        campaign_dirs=dirs,
        mount_ui=not args.no_ui,
        generation_workers=args.workers,
        generation_timeout_s=args.generation_timeout,
    )
    serve(shop, config)
    return EXIT_OK


def _key_store(args: argparse.Namespace):
    from assistant.api.keys import ApiKeyStore

    return ApiKeyStore(open_shop(args).db)


def _when(ts: int | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M") if ts else "-"


def run_keys_create(args: argparse.Namespace) -> int:
    try:
        record, plain = _key_store(args).create(args.scope, name=args.name, rate_per_minute=args.rate)
    except ValueError as exc:
        raise CliError(f"{exc}; e.g. --scope read --scope chat", EXIT_USAGE) from exc
    print(
        f"created key {record.id} ({record.name or 'no name'}) with scopes {', '.join(record.scopes)}; "
        "it is shown only now, store it safely:"
    )
    print(plain)
    return EXIT_OK


def run_keys_list(args: argparse.Namespace) -> int:
    keys = _key_store(args).list(include_revoked=args.all)
    if args.json:
        print_json([k.to_dict() for k in keys])
        return EXIT_OK
    print(f"{'id':<10} {'name':<20} {'scopes':<24} {'rate/min':>8} {'created':<17} revoked")
    for k in keys:
        print(
            f"{k.id:<10} {k.name[:20]:<20} {','.join(k.scopes):<24} {k.rate_per_minute or '-':>8} "
            f"{_when(k.created_at):<17} {_when(k.revoked_at)}"
        )
    return EXIT_OK


def run_keys_revoke(args: argparse.Namespace) -> int:
    if not _key_store(args).revoke(args.id):
        raise CliError(f"no active key {args.id!r}; 'shopmate keys list' shows the ids", EXIT_FAILURE)
    print(f"revoked key {args.id}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the HTTP API (and the UI at /ui) for customer-service tools",
        description="Serve the HTTP API on uvicorn: /v1/... (API key needed), /healthz (liveness), "
        "/readyz (readiness), /metrics (a key with the metrics scope, or an address in "
        "$SHOPMATE_METRICS_ALLOW), /openapi.json, /docs, and the Gradio UI at /ui behind "
        "a sign-in (staff: an API key; shoppers: 'shopmate ui-link USER'). Binds to "
        "loopback unless told otherwise.",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument(
        "--campaigns",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of campaign files <id>.toml|.yaml (repeatable; also HOME/campaigns and "
        "examples/campaigns)",
    )
    p.add_argument("--llm", help="language model: default, fast, test, a Hugging Face id or a path")
    p.add_argument("--llm-url", help="an OpenAI-compatible server to generate with instead")
    p.add_argument(
        "--llm-api-key",
        metavar="KEY",
        help="the --llm-url server's API key (better: $SHOPMATE_LLM_API_KEY, which ps does not show)",
    )
    p.add_argument("--workers", type=int, default=None, help="generation worker threads (default: 4)")
    p.add_argument(
        "--generation-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="give up on a generation after this long (default: 60)",
    )
    p.add_argument("--no-ui", action="store_true", help="do not mount the Gradio UI at /ui")
    p.set_defaults(run=run_serve)

    keys = sub.add_parser(
        "keys",
        help="create, list and revoke API keys",
        description="API keys for the HTTP API. Only their hashes are stored; a new key is "
        "printed once, alone on the last line.",
    )
    ksub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    p = ksub.add_parser("create", help="create a key; prints it alone on the last line")
    p.add_argument(
        "--scope",
        action="append",
        required=True,
        choices=("read", "chat", "push", "metrics", "admin"),
        help="what the key may do (repeatable); metrics: only /metrics; admin may do everything",
    )
    p.add_argument("--name", default="", help="who or what the key is for")
    p.add_argument(
        "--rate",
        type=int,
        default=None,
        metavar="N",
        help="requests a minute for this key (default: the server's, 600)",
    )
    p.set_defaults(run=run_keys_create)
    p = ksub.add_parser("list", help="the keys (never the keys themselves: ids, names, scopes)")
    p.add_argument("--all", action="store_true", help="include revoked keys")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_keys_list)
    p = ksub.add_parser("revoke", help="revoke a key at once")
    p.add_argument("id", help="the key's id, from 'shopmate keys list'")
    p.set_defaults(run=run_keys_revoke)
