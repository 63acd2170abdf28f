"""Running the API on uvicorn: one process, loopback by default, request ids in every log line."""

from __future__ import annotations

import ipaddress
import logging
import sys

import uvicorn

from assistant.api.app import create_app
from assistant.api.context import ApiConfig
from assistant.api.middleware import RequestIdLogFilter

log = logging.getLogger("shopmate.api")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def serve(shop, config: ApiConfig) -> None:
    app = create_app(shop, config)
    if not is_loopback(config.host):
        log.warning(
            "listening on %s: reachable from other machines; /v1 and /metrics need an API key, /ui a sign-in",
            config.host,
        )
    log.info(
        "shopmate API on http://%s:%d (OpenAPI at /openapi.json, docs at /docs)", config.host, config.port
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
    )
    server.run()
