"""A real `shopmate serve` process on a free loopback port, over a small demo store, with API keys
made by `shopmate keys create` (so the CLI's output contract is exercised too)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support import servers
from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[2]
CAMPAIGN = """
id = "api-test"
name = "API test sale"
language = "auto"
personalized = true

[audience]
customer = "any"

[[promotions]]
categories = ["{category}"]
discount_pct = 15
ends = 2030-12-31

[channel]
kind = "push"

[variants]
count = 2

[send_window]
start = 2026-01-01T00:00:00Z
end = 2030-12-31T21:00:00Z
"""


def shopmate(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--home", str(home), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=check,
        env=server_env(),
        timeout=120,
    )


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "SHOPMATE_LLM": "test",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
    }


def create_key(home: Path, *scopes: str, rate: int | None = None) -> str:
    args = ["keys", "create", *[a for s in scopes for a in ("--scope", s)], "--name", "-".join(scopes)]
    if rate:
        args += ["--rate", str(rate)]
    out = shopmate(home, *args).stdout
    return out.strip().splitlines()[-1]


@dataclass
class Server:
    url: str
    home: Path
    log: Path
    process: subprocess.Popen
    keys: dict[str, str] = field(default_factory=dict)

    def client(self, key: str | None = "admin", timeout: float = 120.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(home: Path, log: Path, *extra_args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as fh:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assistant.cli",
                "--home",
                str(home),
                "serve",
                "--port",
                str(port),
                "--workers",
                "4",
                *(extra_args or ("--generation-timeout", "120")),
            ],
            cwd=REPO,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=server_env(),
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"shopmate serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"shopmate serve did not answer /healthz in 180 s:\n{log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def api_home(tmp_path_factory) -> Path:
    """Its own small demo store (the tests change it: events, erasure), indexed and trained."""
    from assistant.demo_store import generate_demo_store
    from assistant.shop import Shop

    source = generate_demo_store(tmp_path_factory.mktemp("api-source"), seed=11, products=120, users=50)
    home = tmp_path_factory.mktemp("api-home")
    shop = Shop.open(home, llm="test")
    shop.ingest(catalog=source.products, reviews=source.reviews, events=source.events, users=source.users)
    category = shop.catalog.categories()[0][0]
    for step in ("build_index", "train"):
        if hasattr(shop, step):
            getattr(shop, step)()
    shop.close()
    (home / "campaigns").mkdir()
    (home / "campaigns" / "api-test.toml").write_text(CAMPAIGN.format(category=category))
    return home


@pytest.fixture(scope="session")
def server(api_home, tmp_path_factory) -> Server:
    keys = {
        name: create_key(api_home, *scopes)
        for name, scopes in {
            "read": ("read",),
            "chat": ("chat",),
            "push": ("push",),
            "admin": ("admin",),
            "read_chat": ("read", "chat"),
        }.items()
    }
    keys["slow_rate"] = create_key(api_home, "read", rate=3)
    log = tmp_path_factory.mktemp("api-log") / "server.log"
    process, url = start_server(api_home, log)
    yield Server(url=url, home=api_home, log=log, process=process, keys=keys)
    stop_server(process)


def demo_user(home: Path, index: int = 0, with_reviews: bool = False) -> str:
    """The index-th user (by id) with events (and reviews): tests that change a user take their own index."""
    import sqlite3

    review = " AND EXISTS (SELECT 1 FROM reviews r WHERE r.user_id = u.id)" if with_reviews else ""
    with sqlite3.connect(home / "shopmate.sqlite3") as conn:
        rows = conn.execute(
            "SELECT u.id FROM users u WHERE EXISTS (SELECT 1 FROM events e WHERE e.user_id = u.id)"
            f"{review} ORDER BY u.id"
        ).fetchall()
    return rows[index][0]


def serve_in_process(shop, **config):
    """A real uvicorn server in a thread of this process (for shops with parts replaced on purpose)."""
    from assistant.api import ApiConfig, create_app

    port = free_port()
    app = create_app(shop, ApiConfig(port=port, **{"mount_ui": False, "warm_up": False, **config}))
    running = servers.start_server(app, port=port)
    return running.server, running.thread, running.url
