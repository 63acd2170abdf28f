"""A small Python client for shopmate's HTTP API, for customer-service tools written in Python.

    from assistant.client import ShopmateClient
    with ShopmateClient("http://127.0.0.1:8000", api_key) as api:
        turn = api.chat("U00001", "a gift for a runner under $50")
        for text in api.chat_stream("U00001", "cheaper", session_id=turn["session"]): ...

Methods return the JSON bodies (dicts) the API documents at /openapi.json; errors raise ApiError.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str = "",
        fields: list[dict[str, str]] | None = None,
    ):
        super().__init__(f"{status} {code}: {message}" + (f" (request {request_id})" if request_id else ""))
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.fields = fields or []


class ShopmateClient:
    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 120.0):
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    def __enter__(self) -> ShopmateClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @staticmethod
    def _raise_for(response: httpx.Response) -> None:
        if response.is_success:
            return
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        raise ApiError(
            response.status_code,
            body.get("error", "error"),
            body.get("message", response.text[:200]),
            body.get("request_id", response.headers.get("x-request-id", "")),
            body.get("fields"),
        )

    def _call(self, method: str, path: str, **kwargs) -> Any:
        response = self._http.request(method, path, **kwargs)
        self._raise_for(response)
        return (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else response.text
        )

    # -- service --------------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._call("GET", "/healthz")

    def metrics(self) -> str:
        return self._call("GET", "/metrics")

    # -- shoppers -------------------------------------------------------------------------------------
    def search(
        self, query: str, k: int = 10, user_id: str | None = None, filters: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        body = {"query": query, "k": k, "user_id": user_id, "filters": filters}
        return self._call("POST", "/v1/search", json={k_: v for k_, v in body.items() if v is not None})[
            "results"
        ]

    def recommendations(self, user_id: str, k: int = 10, **filters: Any) -> list[dict[str, Any]]:
        params = {"k": k, **{name: v for name, v in filters.items() if v is not None}}
        return self._call("GET", f"/v1/users/{user_id}/recommendations", params=params)["items"]

    def profile(self, user_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/users/{user_id}/profile")

    def record_events(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Feedback: [{"user_id", "product_id", "kind": click|purchase|dismiss|..., "time"?, "session"?}]."""
        return self._call("POST", "/v1/events", json={"events": events})

    def erase_user(self, user_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/v1/users/{user_id}")

    # -- chat -----------------------------------------------------------------------------------------
    def chat(self, user_id: str, message: str, session_id: str | None = None) -> dict[str, Any]:
        body = {"user_id": user_id, "message": message, **({"session_id": session_id} if session_id else {})}
        return self._call("POST", "/v1/chat", json=body)

    def chat_events(
        self, user_id: str, message: str, session_id: str | None = None
    ) -> Iterator[tuple[str, Any]]:
        """The server-sent events of one turn: ("token", {"text"}) ..., then ("reply", turn) or ("error", ...)."""
        body = {
            "user_id": user_id,
            "message": message,
            "stream": True,
            **({"session_id": session_id} if session_id else {}),
        }
        with self._http.stream(
            "POST", "/v1/chat", json=body, headers={"Accept": "text/event-stream"}
        ) as response:
            if not response.is_success:
                response.read()
                self._raise_for(response)
            event, data = "message", []
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line and data:
                    yield event, json.loads("\n".join(data))
                    event, data = "message", []

    def chat_stream(self, user_id: str, message: str, session_id: str | None = None) -> Iterator[str]:
        """The reply's text as it is written; the whole turn is in `last_turn` afterwards."""
        self.last_turn: dict[str, Any] | None = None
        for event, data in self.chat_events(user_id, message, session_id):
            if event == "token":
                yield data["text"]
            elif event == "reply":
                self.last_turn = data
            elif event == "error":
                raise ApiError(
                    504 if data.get("error") == "timeout" else 503,
                    data.get("error", "error"),
                    data.get("message", ""),
                    data.get("request_id", ""),
                )

    def session(self, session_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/sessions/{session_id}")

    # -- push -----------------------------------------------------------------------------------------
    def push_preview(self, campaign: str, user_id: str) -> dict[str, Any]:
        return self._call("POST", "/v1/push/preview", json={"campaign": campaign, "user_id": user_id})

    def start_campaign_run(
        self,
        campaign: str,
        limit: int | None = None,
        dry_run: bool = False,
        force: bool = False,
        **engine: Any,
    ) -> dict[str, Any]:
        """`engine`: engine ("local" or "ray"), batch_size, workers, gpus_per_worker (see CampaignRunIn)."""
        body = {"dry_run": dry_run, "force": force, **({"limit": limit} if limit else {}), **engine}
        return self._call("POST", f"/v1/campaigns/{campaign}/runs", json=body)

    def campaign_run(self, campaign: str, run_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/campaigns/{campaign}/runs/{run_id}")

    def wait_for_run(
        self, campaign: str, run_id: str, timeout: float = 600.0, every: float = 0.5
    ) -> dict[str, Any]:
        """Poll until the run succeeded, failed or was interrupted."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.campaign_run(campaign, run_id)
            if run["status"] not in ("queued", "running"):
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} of {campaign} still {run['status']} after {timeout:g} s")
            time.sleep(every)
