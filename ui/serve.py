"""The web UI served on its own: the Blocks behind the sign-in door on a uvicorn server (`shopmate ui`)."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI

from ui.gate import mount_ui


class Served:
    """The UI served by uvicorn on a thread (block=False); `close()` stops it."""

    def __init__(self, server, thread):
        self.server, self.thread = server, thread

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def launch(shop, door, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> Served | None:
    """Serve the UI behind `door` at http://host:port/ui/ (loopback by default); never a share link."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    mount_ui(app, shop, door, path="/ui")
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning" if not block else "info",
            timeout_graceful_shutdown=2,
        )
    )
    if block:
        server.run()
        return None
    thread = threading.Thread(target=server.run, name="shopmate-ui", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the UI server did not start on {host}:{port}")
        time.sleep(0.05)
    return Served(server, thread)
