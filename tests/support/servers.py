"""Free loopback ports and ASGI apps served by a real uvicorn in a thread, for tests that talk HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    url: str
    server: object  # uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 10) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=timeout)


def start_server(
    app, log_level: str = "warning", timeout: float = 30, port: int | None = None
) -> RunningServer:
    """`app` on `port` (a free one by default); returns once it accepts connections, or raises naming
    what went wrong."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level=log_level))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"the test server on port {port} did not start within {timeout:.0f} s")
        time.sleep(0.02)
    return RunningServer(f"http://127.0.0.1:{port}", server, thread)


@contextmanager
def serving(app, log_level: str = "warning") -> Iterator[str]:
    """`with serving(app) as url:` the app runs for the block and stops after it."""
    running = start_server(app, log_level)
    try:
        yield running.url
    finally:
        running.stop()
