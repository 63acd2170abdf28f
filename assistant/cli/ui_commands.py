"""`shopmate ui`: the Gradio web UI for shoppers and the store's team, on loopback by default."""

from __future__ import annotations

import argparse

from assistant.cli.common import EXIT_OK, open_shop


def run_ui(args: argparse.Namespace) -> int:
    from ui.app import launch

    shop = open_shop(args, llm=args.llm, llm_url=args.llm_url)
    print(f"shopmate ui: serving the store at {shop.home} on http://{args.host}:{args.port} (Ctrl+C stops it)")
    launch(shop, host=args.host, port=args.port)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ui", help="open the web UI (chat, profiles, push previews, insights)",
                       description="Serve the Gradio web UI: Shop (chat and product cards), Profile, Push and "
                                   "Insights tabs. Binds to loopback unless told otherwise; no share links.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port to listen on (default: 7860)")
    p.add_argument("--llm", help="language model: default, fast, test, a Hugging Face id or a path")
    p.add_argument("--llm-url", help="an OpenAI-compatible server to generate with instead")
    p.set_defaults(run=run_ui)
