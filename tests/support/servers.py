"""Free loopback ports, ASGI apps served by a real uvicorn in a thread, and a real `chroma run`, for
tests that talk HTTP."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMA_BIN = Path(sys.executable).parent / "chroma"


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


def chroma_binary() -> str | None:
    return str(CHROMA_BIN) if CHROMA_BIN.exists() else shutil.which("chroma")


@dataclass
class ChromaProcess:
    """One `chroma run` on a fixed port and data directory: it can be killed and started again."""

    binary: str
    data: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> ChromaProcess:
        command = [self.binary, "run", "--path", str(self.data / "db"), "--host", "127.0.0.1"]
        with open(self.data / "server.log", "ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, seconds: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited; see {self.data / 'server.log'}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"chroma run did not answer on {self.url}; see {self.data / 'server.log'}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def chroma_running(binary: str, data: Path) -> Iterator[str]:
    """A real `chroma run` over `data` on a free loopback port; yields its URL once it answers."""
    server = ChromaProcess(binary, data, free_port()).start()
    try:
        yield server.url
    finally:
        server.kill()
