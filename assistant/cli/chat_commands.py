"""`shopmate ask` (one turn, for scripts) and `shopmate chat` (a terminal conversation)."""

from __future__ import annotations

import argparse
import sys

from assistant.chat.engine import ChatReply
from assistant.cli.common import EXIT_OK, open_shop, print_json


def _overrides(args: argparse.Namespace) -> dict:
    return {"llm": args.llm, "llm_url": args.llm_url}


def _turn(shop, user: str | None, message: str, session: str | None, stream_to) -> ChatReply:
    reply = None
    for piece in shop.ask_stream(user, message, session):
        if isinstance(piece, ChatReply):
            reply = piece
        elif stream_to is not None:
            stream_to.write(piece)
            stream_to.flush()
    if stream_to is not None:
        stream_to.write("\n")
    return reply


def run_ask(args: argparse.Namespace) -> int:
    shop = open_shop(args, **_overrides(args))
    reply = _turn(shop, args.user, args.message, args.session, None if args.json else sys.stdout)
    if args.json:
        print_json(reply.to_dict())
    else:
        print(f"(session {reply.session}; pass --session {reply.session} to continue)", file=sys.stderr)
    return EXIT_OK


def run_chat(args: argparse.Namespace) -> int:
    shop = open_shop(args, **_overrides(args))
    session = args.session
    print("shopmate: what are you looking for? (empty line or Ctrl-D to leave)")
    while True:
        try:
            message = input("you> ").strip()
        except EOFError:
            break
        if not message:
            break
        sys.stdout.write("shopmate> ")
        reply = _turn(shop, args.user, message, session, sys.stdout)
        session = reply.session
    if session:
        print(f"(session {session} is saved; shopmate chat --session {session} continues it)")
    return EXIT_OK


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", help="the shopper's user id (omit for a new visitor)")
    p.add_argument("--session", help="continue this conversation")
    p.add_argument("--llm", help="language model: default, fast, test, a Hugging Face id or a local path")
    p.add_argument("--llm-url", help="an OpenAI-compatible server to generate with instead (vLLM, llama.cpp)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ask",
        help="answer one chat turn (for scripts)",
        description="One turn of the shopping chat; replies stream as they are checked.",
    )
    p.add_argument("message")
    _common(p)
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: reply, products, session, language, checks",
    )
    p.set_defaults(run=run_ask)
    p = sub.add_parser(
        "chat",
        help="a conversation in the terminal",
        description="A multi-turn shopping conversation; the session is kept in the store.",
    )
    _common(p)
    p.set_defaults(run=run_chat)
