"""A real, small OpenAI-compatible HTTP server over a local generator, for testing the remote backend."""

from __future__ import annotations

import json
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from assistant.llm.types import ChatMessage, GenerationParams


def serve_generator(generator) -> tuple[str, uvicorn.Server]:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    def complete(body: dict):
        messages = [ChatMessage(m["role"], m["content"]) for m in body["messages"]]
        params = GenerationParams(max_new_tokens=body.get("max_tokens", 64), temperature=body.get("temperature", 0),
                                  stop=tuple(body.get("stop") or ()))
        if body.get("stream"):
            def events():
                for chunk in generator.stream(messages, params):
                    yield f"data: {json.dumps({'choices': [{'delta': {'content': chunk}}]})}\n\n"
                yield "data: [DONE]\n\n"
            return StreamingResponse(events(), media_type="text/event-stream")
        [text] = generator.generate([messages], params)
        return {"choices": [{"message": {"role": "assistant", "content": text}}]}

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server
