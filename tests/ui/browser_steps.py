"""Steps the browser tests share: signing in at the door as a demo shopper or as the store team."""

from __future__ import annotations


def sign_in_shopper(page, base: str, user_id: str) -> None:
    page.goto(base + "ui/signin")
    page.get_by_label("Demo shopper (local demo only)").select_option(user_id)
    page.locator("#shopper-signin").click()
    page.locator("#whoami").get_by_text(user_id).wait_for()


def sign_in_staff(page, base: str, key: str) -> None:
    page.goto(base + "ui/signin")
    page.get_by_label("API key").fill(key)
    page.locator("#staff-signin").click()
    page.locator("#whoami").get_by_text("store team").wait_for()
