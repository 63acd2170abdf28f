"""`shopmate ui`: the Gradio web UI behind its sign-in door, on loopback by default; `shopmate ui-link`:
a sign-in link for one shopper, for the store's own site to hand out."""

from __future__ import annotations

import argparse

from assistant.cli.common import EXIT_OK, EXIT_USAGE, CliError, open_shop


def run_ui(args: argparse.Namespace) -> int:
    from assistant.api.keys import ApiKeyStore
    from assistant.api.readiness import WarmUp
    from assistant.api.server import is_loopback
    from ui.door import Door, load_secret
    from ui.gate import demo_shoppers
    from ui.serve import launch

    local = is_loopback(args.host)
    demo = local if args.demo_signin is None else args.demo_signin
    if demo and not local:
        raise CliError(
            f"--demo-signin lets anyone pick a shopper: it is for loopback only, not {args.host}. "
            "Drop it; shoppers then sign in with links from 'shopmate ui-link USER'",
            EXIT_USAGE,
        )
    shop = open_shop(args, llm=args.llm, llm_url=args.llm_url, llm_api_key=args.llm_api_key)
    door = Door(
        ApiKeyStore(shop.db), load_secret(shop.home), demo_shoppers=demo_shoppers(shop) if demo else ()
    )
    WarmUp(shop, ("generator",)).start()
    url = f"http://{args.host}:{args.port}/ui/"
    print(f"shopmate ui: serving the store at {shop.home} on {url} (Ctrl+C stops it)")
    if demo:
        print(
            "  local demo: shoppers pick one of a few demo shoppers at the sign-in page; the store team signs in "
            "with this key, valid until the UI stops:"
        )
        print(f"  {door.issue_process_key()}")
    else:
        print(
            "  the store team signs in with an API key (shopmate keys create --scope read --scope push); "
            "shoppers with a link from 'shopmate ui-link USER'"
        )
    launch(shop, door, host=args.host, port=args.port)
    return EXIT_OK


def run_ui_link(args: argparse.Namespace) -> int:
    from assistant.api.keys import ApiKeyStore
    from ui.door import Door, load_secret
    from ui.gate import signin_link

    shop = open_shop(args)
    if shop.user(args.user) is None:
        raise CliError(
            f"no user {args.user!r} in the store at {shop.home}; 'shopmate status' counts them", EXIT_USAGE
        )
    door = Door(ApiKeyStore(shop.db), load_secret(shop.home))
    print(signin_link(args.base_url, door, args.user, ttl_s=args.ttl))
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ui",
        help="open the web UI (chat, profiles, push previews, insights)",
        description="Serve the Gradio web UI at /ui/ behind a sign-in page: shoppers get the Shop "
        "tab and their own profile; the store team (an API key with read, push or admin) "
        "also gets Push and Insights. Binds to loopback unless told otherwise; no share "
        "links.",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    p.add_argument("--port", type=int, default=7860, help="port to listen on (default: 7860)")
    p.add_argument("--llm", help="language model: default, fast, test, a Hugging Face id or a path")
    p.add_argument("--llm-url", help="an OpenAI-compatible server to generate with instead")
    p.add_argument(
        "--llm-api-key",
        metavar="KEY",
        help="the --llm-url server's API key (better: $SHOPMATE_LLM_API_KEY, which ps does not show)",
    )
    p.add_argument(
        "--demo-signin",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="offer a few demo shoppers at the sign-in page and print a staff key for this run "
        "(default: on for loopback; refused beyond it)",
    )
    p.set_defaults(run=run_ui)

    p = sub.add_parser(
        "ui-link",
        help="print a sign-in link to the UI for one shopper",
        description="A signed link that signs one shopper in to the UI (for the store's own site to "
        "hand out after its login). Signed with $SHOPMATE_UI_SECRET or HOME/ui-secret.",
    )
    p.add_argument("user", help="the shopper's user id")
    p.add_argument(
        "--base-url", default="http://127.0.0.1:7860", help="where the UI is served (default: %(default)s)"
    )
    p.add_argument(
        "--ttl", type=int, default=600, metavar="SECONDS", help="how long the link works (default: 600)"
    )
    p.set_defaults(run=run_ui_link)
