"""The UI's door without a server: signed cookies, staff keys and their scopes, shopper links."""

from __future__ import annotations

import pytest

from assistant.api.keys import ApiKeyStore
from ui.door import Door, Identity, load_secret

SECRET = b"s" * 40


@pytest.fixture
def door(empty_shop):
    return Door(ApiKeyStore(empty_shop.db), SECRET, demo_shoppers=("U1", "U2"))


def test_a_staff_key_signs_in_with_its_scopes_and_revoking_it_ends_the_session(door):
    record, plain = door.keys.create(["read", "push"])
    identity = door.sign_in_staff(plain)
    assert identity == Identity("staff", record.id, ("read", "push"))
    cookie = door.cookie_for(identity)
    assert door.identity(cookie) == identity
    door.keys.revoke(record.id)
    assert door.identity(cookie) is None


def test_keys_without_a_team_scope_and_unknown_keys_are_refused(door):
    _, chat_only = door.keys.create(["chat"])
    _, metrics_only = door.keys.create(["metrics"])
    assert door.sign_in_staff(chat_only) is None
    assert door.sign_in_staff(metrics_only) is None
    assert door.sign_in_staff("smk_nope_nope") is None
    assert door.sign_in_staff("") is None


def test_a_tampered_forged_or_expired_cookie_is_nobody(door):
    cookie = door.cookie_for(Identity("shopper", "U1"))
    body, mac = cookie.split(".")
    forged = Door(door.keys, b"x" * 40).cookie_for(Identity("shopper", "U2"))
    assert door.identity(forged) is None
    assert door.identity(body + "." + mac[:-2] + "AA") is None
    assert door.identity(forged.split(".")[0] + "." + mac) is None
    for junk in (None, "", "a.b.c", "no-dot", "." * 3, "x" * 5000):
        assert door.identity(junk) is None
    short = Door(door.keys, SECRET, session_ttl_s=-1)
    assert door.identity(short.cookie_for(Identity("shopper", "U1"))) is None


def test_the_demo_offers_only_its_demo_shoppers_and_a_link_signs_in_one_shopper(door):
    assert door.sign_in_demo_shopper("U1") == Identity("shopper", "U1")
    assert door.sign_in_demo_shopper("U9") is None
    assert Door(door.keys, SECRET).sign_in_demo_shopper("U1") is None
    token = door.shopper_token("U9", ttl_s=60)
    assert door.sign_in_shopper_token(token) == Identity("shopper", "U9")
    assert door.sign_in_shopper_token(door.shopper_token("U9", ttl_s=-1)) is None
    # a session cookie is not a sign-in link, nor the other way round
    assert door.sign_in_shopper_token(door.cookie_for(Identity("shopper", "U9"))) is None
    assert door.identity(token) is None


def test_the_printed_demo_key_is_an_admin_key_for_this_process_only(door):
    plain = door.issue_process_key()
    identity = door.sign_in_staff(plain)
    assert identity is not None and identity.can("push") and identity.can("read")
    assert door.identity(door.cookie_for(identity)) == identity
    assert door.keys.verify(plain) is None, "the demo key must not be stored"
    assert Door(door.keys, SECRET).sign_in_staff(plain) is None


def test_identity_travels_to_gradio_as_a_username_and_back():
    staff = Identity("staff", "ab12", ("read", "push"))
    assert Identity.from_username(staff.username) == staff
    assert Identity.from_username("shopper:U1:") == Identity("shopper", "U1")
    assert not Identity("shopper", "U1").can("read")
    for bad in (None, "", "root", "admin:x:admin", "staff::admin", "a:b:c:d"):
        assert Identity.from_username(bad) is None


def test_the_secret_is_made_once_private_and_a_short_env_secret_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("SHOPMATE_UI_SECRET", raising=False)
    first = load_secret(tmp_path)
    assert load_secret(tmp_path) == first and len(first) >= 32
    assert (tmp_path / "ui-secret").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("SHOPMATE_UI_SECRET", "short")
    with pytest.raises(ValueError, match="at least 32"):
        load_secret(tmp_path)


def test_the_demo_picker_is_refused_beyond_loopback(tmp_path, capsys):
    from assistant.cli import main

    assert main(["--home", str(tmp_path), "ui", "--host", "0.0.0.0", "--demo-signin"]) == 2
    assert "loopback only" in capsys.readouterr().err


def test_ui_link_signs_in_that_shopper_and_only_a_known_one(empty_shop, capsys):
    from urllib.parse import parse_qs, urlparse

    from assistant.cli import main

    empty_shop.events.ensure_users(["U7"])
    assert main(["--home", str(empty_shop.home), "ui-link", "U7", "--base-url", "http://shop.example"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("http://shop.example/ui/signin?token=")
    token = parse_qs(urlparse(link).query)["token"][0]
    door = Door(ApiKeyStore(empty_shop.db), load_secret(empty_shop.home))
    assert door.sign_in_shopper_token(token) == Identity("shopper", "U7")
    assert main(["--home", str(empty_shop.home), "ui-link", "nobody"]) == 2
