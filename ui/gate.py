"""The UI behind its door: a sign-in page, a guard in front of every Gradio route, and the mount.

`mount_ui(app, shop, door)` puts the Blocks at /ui of a FastAPI app. The guard is plain ASGI and sits
in front of the whole mount, so every Gradio route (page, config, info, queue, upload, file, stream,
heartbeat, websockets) answers 401 (or, for a browser asking for a page, a redirect to the sign-in
page) unless the request carries a valid session cookie. Gradio's own `auth_dependency` gets the same
answer, so each handler learns who is calling from `request.username`, never from the page.
"""

from __future__ import annotations

import html
import json
import uuid
from urllib.parse import quote, urlparse

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import cookie_parser

from ui.door import COOKIE, Door, Identity

NEW_VISITOR = "__new_visitor__"
DEMO_SHOPPERS = 6


def demo_shoppers(shop, n: int = DEMO_SHOPPERS) -> tuple[str, ...]:
    """The few shoppers the local demo offers at its sign-in page."""
    found = []
    for user in shop.users():
        if not user.id.startswith("visitor-"):
            found.append(user.id)
        if len(found) >= n:
            break
    return tuple(found)


def _cookie(scope) -> str | None:
    """Our cookie from the raw headers, parsed as leniently as the app itself parses them (Starlette)."""
    for name, value in scope.get("headers") or ():
        if name == b"cookie":
            found = cookie_parser(value.decode("latin-1")).get(COOKIE)
            if found:
                return found
    return None


class UiGuard:
    """Refuses every request under `prefix` without a valid session, except the sign-in routes."""

    def __init__(self, app, door: Door, prefix: str):
        self.app = app
        self.door = door
        self.prefix = prefix.rstrip("/")
        self.open_paths = {f"{self.prefix}/signin", f"{self.prefix}/signout"}

    def _guarded(self, path: str) -> bool:
        return (path == self.prefix or path.startswith(self.prefix + "/")) and path not in self.open_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or not self._guarded(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        identity = self.door.identity(_cookie(scope))
        if identity is not None:
            state = scope.setdefault("state", {})
            state["ui_identity"] = identity
            if identity.kind == "staff":
                state["api_key"] = identity.subject
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "sign in first"})
            return
        headers = dict(scope.get("headers") or ())
        if scope.get("method") == "GET" and b"text/html" in headers.get(b"accept", b""):
            response: Response = RedirectResponse(f"{self.prefix}/signin", status_code=303)
        else:
            body = {
                "error": "unauthorized",
                "request_id": scope.get("state", {}).get("request_id", "-"),
                "fields": [],
                "message": f"sign in first at {self.prefix}/signin: the store team with an "
                "API key (shopmate keys create --scope read), shoppers through "
                "the store's sign-in link",
            }
            response = Response(
                json.dumps(body),
                status_code=401,
                media_type="application/json",
                headers={"WWW-Authenticate": "Cookie"},
            )
        await response(scope, receive, send)


def _page(prefix: str, door: Door, shop, message: str = "") -> str:
    esc = html.escape
    if door.demo_mode:
        options = [f'<option value="{NEW_VISITOR}">New visitor (no history)</option>']
        for uid in door.demo_shoppers:
            user = shop.user(uid)
            label = f"{user.name} ({uid})" if user and user.name else uid
            options.append(f'<option value="{esc(uid)}">{esc(label)}</option>')
        shopper = (
            f'<form method="post" action="{prefix}/signin"><input type="hidden" name="role" value="shopper">'
            '<label for="shopper">Demo shopper (local demo only)</label>'
            f'<select id="shopper" name="shopper">{"".join(options)}</select>'
            '<button type="submit" id="shopper-signin">Shop as this demo shopper</button></form>'
        )
    else:
        shopper = (
            "<p>Shoppers sign in through the store's website, which sends them here with a sign-in link "
            "(<code>shopmate ui-link USER</code> makes one).</p>"
        )
    note = f'<p role="alert" class="note">{esc(message)}</p>' if message else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>shopmate: sign in</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}}
form{{display:flex;flex-direction:column;gap:.5rem;margin:1rem 0 2rem}}
input,select,button{{font:inherit;padding:.5rem}}.note{{color:#a00}}</style></head><body>
<h1>shopmate</h1>{note}<h2>Shoppers</h2>{shopper}
<h2>Store team</h2><form method="post" action="{prefix}/signin"><input type="hidden" name="role" value="staff">
<label for="key">API key (scope read, push or admin)</label>
<input id="key" name="key" type="password" autocomplete="off" required>
<button type="submit" id="staff-signin">Sign in as the store team</button></form></body></html>"""


def _signed_in(prefix: str, door: Door, identity: Identity) -> Response:
    response = RedirectResponse(f"{prefix}/", status_code=303)
    response.set_cookie(
        COOKIE,
        door.cookie_for(identity),
        max_age=door.session_ttl_s,
        httponly=True,
        samesite="strict",
        secure=door.secure_cookie,
        path=prefix or "/",
    )
    return response


def _refused(prefix: str, door: Door, shop, message: str) -> HTMLResponse:
    return HTMLResponse(_page(prefix, door, shop, message), status_code=401)


def add_signin_routes(app: FastAPI, shop, door: Door, prefix: str) -> None:
    @app.get(f"{prefix}/signin", include_in_schema=False)
    def signin_page(token: str | None = None) -> Response:
        if token:
            identity = door.sign_in_shopper_token(token)
            if identity is None or shop.user(identity.subject) is None:
                return _refused(prefix, door, shop, "That sign-in link is not valid or has expired.")
            return _signed_in(prefix, door, identity)
        return HTMLResponse(_page(prefix, door, shop))

    @app.post(f"{prefix}/signin", include_in_schema=False)
    def signin(
        request: Request, role: str = Form(""), key: str = Form(""), shopper: str = Form("")
    ) -> Response:
        origin = request.headers.get("origin")
        if origin and urlparse(origin).netloc != request.headers.get("host"):
            # Another site posting this form would sign the visitor in as someone the other site chose.
            return _refused(prefix, door, shop, "Sign in from this page, not from another site.")
        if role == "staff":
            identity = door.sign_in_staff(key)
            if identity is None:
                return _refused(
                    prefix,
                    door,
                    shop,
                    "That key is unknown, revoked, or has none of the scopes read, push or admin.",
                )
            return _signed_in(prefix, door, identity)
        if role == "shopper" and door.demo_mode:
            if shopper == NEW_VISITOR:
                user_id = f"visitor-{uuid.uuid4().hex[:8]}"
                shop.add_users({user_id: "New visitor"})
                return _signed_in(prefix, door, Identity("shopper", user_id))
            identity = door.sign_in_demo_shopper(shopper)
            if identity is not None:
                return _signed_in(prefix, door, identity)
        return _refused(prefix, door, shop, "Choose a demo shopper, or sign in through the store's website.")

    @app.get(f"{prefix}/signout", include_in_schema=False)
    def signout() -> Response:
        response = RedirectResponse(f"{prefix}/signin", status_code=303)
        response.delete_cookie(COOKIE, path=prefix or "/")
        return response


def mount_ui(app: FastAPI, shop, door: Door, path: str = "/ui") -> None:
    """Sign-in routes, the Blocks at `path` with Gradio told who is calling, and the guard in front."""
    import gradio as gr

    from ui.app import THEME, build_app
    from ui.cards import CARD_CSS

    path = "/" + path.strip("/")
    add_signin_routes(app, shop, door, path)
    if not any(getattr(r, "path", None) == "/" for r in app.routes):
        app.add_api_route("/", lambda: RedirectResponse(f"{path}/", status_code=303), include_in_schema=False)

    def username(request: Request) -> str | None:
        identity = door.identity(request.cookies.get(COOKIE))
        return identity.username if identity else None

    gr.mount_gradio_app(
        app,
        build_app(shop),
        path=path,
        auth_dependency=username,
        theme=THEME,
        css=CARD_CSS,
        footer_links=[],
        run_history=False,
        show_error=True,
    )
    app.add_middleware(UiGuard, door=door, prefix=path)


def signin_link(base_url: str, door: Door, user_id: str, ttl_s: int = 600) -> str:
    return f"{base_url.rstrip('/')}/ui/signin?token={quote(door.shopper_token(user_id, ttl_s))}"
