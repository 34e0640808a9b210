"""The AIMhi-Y Supportive Yarn chatbot service (Flask application factory)."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as settings
from app.db_logging import DatabaseLogHandler
from app.extensions import REPOSITORY_KEY, limiter
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
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]

    repo = app.config.get("REPOSITORY") or Repository(app.config["DATABASE_URL"])
    if app.config["AUTO_MIGRATE"]:
        repo.init_db()
    app.extensions[REPOSITORY_KEY] = repo
    limiter.init_app(app)
    _register_blueprints(app)
    if app.config["DB_LOGGING"]:
        _attach_database_logging(app, repo)

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

    return app


def _register_blueprints(app: Flask) -> None:
    from app.http import api, chat, errors, health, page

    for module in (chat, health, api, page):
        app.register_blueprint(module.bp)
    errors.register(app)


def _attach_database_logging(app: Flask, repo: Repository) -> None:
    logger = logging.getLogger(APP_LOGGER)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    # One application per process in production; in tests, the newest app's
    # database takes over from the previous one's.
    for old in [h for h in logger.handlers if isinstance(h, DatabaseLogHandler)]:
        logger.removeHandler(old)
        old.close()
    handler = DatabaseLogHandler(repo)
    logger.addHandler(handler)
    app.extensions["aimhi.db_log_handler"] = handler
