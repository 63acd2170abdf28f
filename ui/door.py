"""Who is at the UI's door: signed session cookies for two audiences, shoppers and the store team.

A shopper's identity comes from a sign-in, never from a list the page offers: a signed shopper token
that the store's own site issues (`shopmate ui-link USER`), or, in local demo mode only, a short list
of demo shoppers. The store team signs in with an API key from the key store (`shopmate keys create`);
its scopes decide which team tabs open, and they are read again on every request, so revoking a key
closes its sessions at once.

The cookie holds only who and until when, signed with HMAC-SHA256 under a server secret; nothing in
it is trusted unless the signature matches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.api.keys import ApiKey, ApiKeyStore, hash_key
from assistant.config import environment

COOKIE = "shopmate_ui"
SESSION_TTL_S = 8 * 3600
SECRET_ENV = "SHOPMATE_UI_SECRET"
SECRET_FILE = "ui-secret"
STAFF_SCOPES = ("read", "push", "admin")

Kind = Literal["shopper", "staff"]


@dataclass(frozen=True, slots=True)
class Identity:
    """A signed-in shopper (subject: their user id) or team member (subject: their API key's id)."""

    kind: Kind
    subject: str
    scopes: tuple[str, ...] = ()

    def can(self, scope: str) -> bool:
        """Team scopes; a shopper holds none (admin holds them all)."""
        return self.kind == "staff" and (scope in self.scopes or "admin" in self.scopes)

    @property
    def username(self) -> str:
        """What Gradio hands each handler as `request.username`: kind, subject and scopes."""
        return f"{self.kind}:{self.subject}:{','.join(self.scopes)}"

    @classmethod
    def from_username(cls, username: str | None) -> Identity | None:
        if not username or username.count(":") != 2:
            return None
        kind, subject, scopes = username.split(":")
        if kind not in ("shopper", "staff") or not subject:
            return None
        return cls(kind, subject, tuple(s for s in scopes.split(",") if s))  # type: ignore[arg-type]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_secret(home: Path) -> bytes:
    """$SHOPMATE_UI_SECRET, else HOME/ui-secret (made once, readable by its owner only)."""
    secret = environment().ui_secret
    given = secret.get_secret_value() if secret else None
    if given:
        if len(given) < 32:
            raise ValueError(
                f"${SECRET_ENV} is {len(given)} characters; give at least 32 random ones "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return given.encode()
    path = Path(home) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


class Door:
    """Signs people in and reads their cookie back. `demo_shoppers` is empty outside local demo mode."""

    def __init__(
        self,
        keys: ApiKeyStore,
        secret: bytes,
        demo_shoppers: tuple[str, ...] = (),
        session_ttl_s: int = SESSION_TTL_S,
        secure_cookie: bool = False,
    ):
        if len(secret) < 32:
            raise ValueError("the door's secret must be at least 32 bytes")
        self.keys = keys
        self.demo_shoppers = demo_shoppers
        self.session_ttl_s = session_ttl_s
        self.secure_cookie = secure_cookie
        self._secret = secret
        # Keys that live only as long as this process (the demo's printed staff key): hash -> record.
        self._process_keys: dict[str, ApiKey] = {}

    @property
    def demo_mode(self) -> bool:
        return bool(self.demo_shoppers)

    def _sign(self, purpose: str, payload: dict) -> str:
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        mac = hmac.new(self._secret, f"{purpose}.{body}".encode(), hashlib.sha256).digest()
        return f"{body}.{_b64(mac)}"

    def _unsign(self, purpose: str, value: str | None) -> dict | None:
        if not value or value.count(".") != 1 or len(value) > 4096:
            return None
        body, mac = value.split(".")
        want = hmac.new(self._secret, f"{purpose}.{body}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_unb64(mac), want):
                return None
            payload = json.loads(_unb64(body))
        except (ValueError, json.JSONDecodeError):
            return None
        if not isinstance(payload, dict) or int(payload.get("e", 0)) < time.time():
            return None
        return payload

    # -- the team ---------------------------------------------------------------------------------
    def issue_process_key(self, name: str = "ui demo") -> str:
        """An admin key valid only while this process runs, never stored: the demo prints it once."""
        key_id = "demo" + secrets.token_hex(2)
        plain = f"smk_{key_id}_{secrets.token_urlsafe(32)}"
        self._process_keys[hash_key(plain)] = ApiKey(
            id=key_id, name=name, scopes=("admin",), created_at=int(time.time())
        )
        return plain

    def _key(self, plain: str) -> ApiKey | None:
        return self._process_keys.get(hash_key(plain)) or self.keys.verify(plain)

    def _key_by_id(self, key_id: str) -> ApiKey | None:
        for key in self._process_keys.values():
            if key.id == key_id:
                return key
        return self.keys.get(key_id)

    def sign_in_staff(self, plain_key: str) -> Identity | None:
        """A team member with a key holding read, push or admin; None for any other key."""
        key = self._key((plain_key or "").strip())
        if key is None or not any(key.allows(s) for s in STAFF_SCOPES):
            return None
        return Identity("staff", key.id, key.scopes)

    # -- shoppers ---------------------------------------------------------------------------------
    def shopper_token(self, user_id: str, ttl_s: int = 600) -> str:
        """A short-lived sign-in token for one shopper, for the store's own site to hand out."""
        return self._sign("shopper-token", {"u": user_id, "e": int(time.time()) + ttl_s})

    def sign_in_shopper_token(self, token: str) -> Identity | None:
        payload = self._unsign("shopper-token", token)
        return Identity("shopper", str(payload["u"])) if payload and payload.get("u") else None

    def sign_in_demo_shopper(self, user_id: str) -> Identity | None:
        return Identity("shopper", user_id) if user_id in self.demo_shoppers else None

    # -- sessions ---------------------------------------------------------------------------------
    def cookie_for(self, identity: Identity) -> str:
        return self._sign(
            "session", {"k": identity.kind, "s": identity.subject, "e": int(time.time()) + self.session_ttl_s}
        )

    def identity(self, cookie: str | None) -> Identity | None:
        """Who this cookie belongs to now; a team member's key is looked up again (revocation bites)."""
        payload = self._unsign("session", cookie)
        if payload is None:
            return None
        kind, subject = payload.get("k"), str(payload.get("s") or "")
        if kind == "shopper" and subject:
            return Identity("shopper", subject)
        if kind == "staff" and subject:
            key = self._key_by_id(subject)
            if key is not None and key.active and any(key.allows(s) for s in STAFF_SCOPES):
                return Identity("staff", key.id, key.scopes)
        return None
