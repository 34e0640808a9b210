"""The AIMhi-Y Supportive Yarn chatbot service (Flask application factory)."""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any

from flask import Flask, Response, g
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as settings
from app.db_logging import DatabaseLogHandler
from app.extensions import SERVICE_KEY, limiter
from app.outbox import Outbox
from app.service import ChatService
from app.yarn import safety
from repository import Repository

APP_LOGGER = "app"
SECURITY_HEADERS = {
    # Everything the page needs is served by the app itself.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.update(settings.from_environment())
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    # Werkzeug answers "a//b" and "a/" with an HTML redirect that no error
    # handler sees; with these off, such paths are plain JSON 404s.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    _log_to_stderr()
    safety.detector()  # built now, once, so no young person's first message waits for it
    service = _make_service(app)
    app.extensions[SERVICE_KEY] = service
    limiter.init_app(app)
    _register_blueprints(app)
    if app.config["DB_LOGGING"]:
        _attach_database_logging(app, service.repo)
    if app.config["REPLAY_INTERVAL_S"]:
        _start_replayer(app, service)
    _time_requests(app)
    return app


def _make_service(app: Flask) -> ChatService:
    repo = app.config.get("REPOSITORY") or Repository(app.config["DATABASE_URL"])
    if app.config["AUTO_MIGRATE"]:
        repo.init_db()
    return ChatService(repo, Outbox(app.config["OUTBOX_PATH"]), llm_enabled=app.config["LLM_ENABLED"],
                       safety_wait_s=app.config["SAFETY_WAIT_S"])


def _register_blueprints(app: Flask) -> None:
    from app.http import api, chat, errors, health, page

    for module in (chat, health, api, page):
        app.register_blueprint(module.bp)
    errors.register(app)


def _time_requests(app: Flask) -> None:
    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if "started" in g:  # server time of the request, for benchmarks and browsers' dev tools
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.started) * 1000:.3f}"
        return response


class _SessionFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        session = getattr(record, "session_id", None)
        return f"{text} [session {session}]" if session else text


def _log_to_stderr() -> None:
    """The app's records reach stderr (gunicorn's error log), WARNING and up at least."""
    logger = logging.getLogger(APP_LOGGER)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not any(getattr(h, "aimhi_stderr", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_SessionFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.aimhi_stderr = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def _attach_database_logging(app: Flask, repo: Repository) -> None:
    logger = logging.getLogger(APP_LOGGER)
    # One application per process in production; in tests, the newest app's
    # database takes over from the previous one's.
    for old in [h for h in logger.handlers if isinstance(h, DatabaseLogHandler)]:
        logger.removeHandler(old)
        old.close()
    handler = DatabaseLogHandler(repo)
    logger.addHandler(handler)
    app.extensions["aimhi.db_log_handler"] = handler


def _start_replayer(app: Flask, service: ChatService) -> None:
    """Every few seconds, write what the outbox kept once the database answers."""
    stop = threading.Event()
    interval = float(app.config["REPLAY_INTERVAL_S"])
    log = logging.getLogger(__name__)

    def loop() -> None:
        while not stop.wait(interval):
            if service.repo.breaker.state == "open":
                continue
            try:
                written = service.replay()
                if written:
                    log.info("the outbox wrote %d kept messages to the database", written)
            except Exception:  # the loop must outlive any one failure
                log.exception("outbox replay failed")

    threading.Thread(target=loop, name="aimhi-outbox-replay", daemon=True).start()
    app.extensions["aimhi.replayer_stop"] = stop
