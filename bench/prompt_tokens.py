"""How many tokens each kind of chat turn asks the model to read, and how many of them are a fixed prefix.

    python bench/prompt_tokens.py [--model default] [--conversations 10]

Runs scripted conversations on a generated demo store with the recording generator of
bench/llm_backends.py (no model runs), then counts the tokens of each prompt with the model's own chat
template: all of it, the fixed part (instructions and worked example, the same every turn of that kind and language,
which a prefix-caching backend computes once) and the part this turn adds. Writes
bench/results/prompt_tokens.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
from llm_backends import RecordingGenerator  # bench/ is on the path when a bench runs as a script

from assistant.demo_store import generate_demo_store
from assistant.language import detect_language
from assistant.llm.weights import PACKAGED_MODELS, gguf_path
from assistant.shop import Shop

SCRIPT = [
    "I need running shoes under $120",
    "cheaper",
    "does the first one run small?",
    "what is your return policy?",
    "想要一个降噪耳机",
    "便宜一点的",
    "第一个质量好吗？",
    "哪个更适合送人？",
    "which one is best for long runs?",
    "发货要多久？",
]


def _tokenizer(model: str):
    from transformers import AutoTokenizer

    if model in PACKAGED_MODELS:
        path = gguf_path(model)
        return AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    return AutoTokenizer.from_pretrained(model)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", default="default", help="whose tokenizer counts: default, fast or an HF id"
    )
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--out", default="bench/results/prompt_tokens.json")
    args = parser.parse_args()
    tokenizer = _tokenizer(args.model)

    def count(messages, whole: bool = True) -> int:
        as_dicts = [{"role": m.role, "content": m.content} for m in messages]
        text = tokenizer.apply_chat_template(as_dicts, add_generation_prompt=whole, tokenize=False)
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    by_kind: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        src = generate_demo_store(Path(tmp) / "src", products=300, users=60)
        shop = Shop.open(Path(tmp) / "home", llm="test")
        shop.ingest(catalog=src.products, reviews=src.reviews, events=src.events, users=src.users)
        shop.build_index()
        shop.train()
        recorder = RecordingGenerator()
        shop.__dict__["generator"] = recorder  # the facade's cached generator: nothing is loaded
        users = [u.id for u in shop.events.iter_users()][: args.conversations]
        for user in users:
            session = None
            for message in SCRIPT:
                before = len(recorder.prompts)
                reply = shop.ask(user, message, session)
                session = reply.session
                for messages in recorder.prompts[before:]:
                    kind = f"{reply.intent}/{detect_language(message)}"
                    by_kind[kind].append((count(messages), count(messages[:-1], whole=False)))
    result = {"model_tokenizer": args.model, "kinds": {}}
    for kind, counts in sorted(by_kind.items()):
        total = np.array([c[0] for c in counts])
        fixed = np.array([c[1] for c in counts])
        result["kinds"][kind] = {
            "turns": len(counts),
            "prompt_tokens_median": int(np.median(total)),
            "prompt_tokens_max": int(total.max()),
            "fixed_prefix_tokens": int(np.median(fixed)),
            "new_tokens_median": int(np.median(total - fixed)),
        }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
