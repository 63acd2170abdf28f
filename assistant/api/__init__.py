"""The HTTP API (FastAPI): `create_app(shop)` builds it, `serve(shop, ...)` runs it on uvicorn."""

from assistant.api.app import create_app
from assistant.api.context import ApiConfig

__all__ = ["ApiConfig", "create_app"]
