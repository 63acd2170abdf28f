"""A real UI server on a free loopback port over a small demo store, and headless Chromium to drive it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.servers import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots go here; SHOPMATE_UI_ARTIFACTS=docs/screenshots remakes the README's pictures.
ARTIFACTS = Path(
    os.environ.get("SHOPMATE_UI_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"
)


@pytest.fixture(scope="module")
def ui_shop(tmp_path_factory, demo_source):
    """A shop of its own (the UI tests record feedback events, so the shared demo_shop stays clean)."""
    from assistant.shop import Shop

    shop = Shop.open(tmp_path_factory.mktemp("ui-home"), llm="test")
    shop.ingest(
        catalog=demo_source.products,
        reviews=demo_source.reviews,
        events=demo_source.events,
        users=demo_source.users,
    )
    if hasattr(shop, "build_index"):
        shop.build_index()
    yield shop
    shop.close()


@pytest.fixture(scope="module")
def ui_door(ui_shop):
    """The door as `shopmate ui` builds it on loopback: demo shoppers, and a printed staff key."""
    from assistant.api.keys import ApiKeyStore
    from ui.door import Door
    from ui.gate import demo_shoppers

    return Door(ApiKeyStore(ui_shop.db), b"t" * 40, demo_shoppers=demo_shoppers(ui_shop))


@pytest.fixture(scope="module")
def staff_key(ui_door) -> str:
    return ui_door.issue_process_key()


@pytest.fixture(scope="module")
def ui_base(ui_shop, ui_door):
    """The server's root URL; the UI is at ui/ and its sign-in page at ui/signin."""
    from ui.serve import launch

    port = free_port()
    served = launch(ui_shop, ui_door, host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    served.close()


@pytest.fixture(scope="module")
def ui_url(ui_base):
    return ui_base + "ui/"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}; apt-get install -y chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile (no cookies); records every request so tests can check nothing leaves loopback."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    return page


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
