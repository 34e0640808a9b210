"""Every error is JSON: never an HTML page, never a stack trace."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, default_exceptions

from repository import DatabaseUnavailable

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request was not right.",
    401: "You need a valid token for this.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    413: "That request is too big.",
    415: "Please send JSON (Content-Type: application/json).",
    429: "Too many messages at once. Take a breath and try again in a minute.",
    500: "Something went wrong on our side. Please try again.",
    503: "The service is not available right now. Please try again soon.",
}
_MISSING = object()


def error_response(status: int, message: str | None = None) -> tuple[Response, int]:
    return jsonify({"error": message or MESSAGES.get(status, "Error"), "status": status}), status


def read_json(*, quiet: bool = False) -> Any:
    """The request body as JSON. Deeply nested, badly encoded or broken JSON is
    a 400 (werkzeug's own parser would let a RecursionError through)."""
    try:
        return json.loads(request.get_data(cache=True).decode("utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError):
        if quiet:
            return None
        abort_json(400, "The body must be valid JSON, like {\"message\": \"hi\"}.")
    return None


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        status = error.code or 500
        # Our own aborts carry a specific description; werkzeug's defaults are HTML-ish prose.
        specific = getattr(error, "aimhi_message", None)
        response, code = error_response(status, specific)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response, code

    @app.errorhandler(DatabaseUnavailable)
    def database_down(error: DatabaseUnavailable) -> tuple[Response, int]:
        log.error("database unavailable: %s", error)
        return error_response(503)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("unhandled error: %s", type(error).__name__)
        return error_response(InternalServerError.code)


def abort_json(status: int, message: str) -> None:
    """Abort with a JSON error carrying `message`."""
    error = default_exceptions[status]()
    error.aimhi_message = message  # type: ignore[attr-defined]
    raise error
