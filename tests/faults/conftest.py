"""Fault fixtures: real `chroma run` servers this suite may start, stop and kill."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.retrieval.conftest import CHROMA_BIN
from tests.support.servers import free_port


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
        log = open(self.data / "server.log", "ab")  # noqa: SIM115  (the child keeps the descriptor)
        self.process = subprocess.Popen(
            [
                self.binary,
                "run",
                "--path",
                str(self.data / "db"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"chroma run exited; see {self.data / 'server.log'}"
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        pytest.fail(f"chroma run did not answer on {self.url}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def chroma(tmp_path):
    binary = CHROMA_BIN if CHROMA_BIN.exists() else shutil.which("chroma")
    if not binary:
        pytest.skip("the `chroma` binary is not installed; pip install chromadb to run the server tests")
    server = ChromaProcess(str(binary), tmp_path, free_port())
    yield server
    server.kill()
