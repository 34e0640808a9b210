"""POST /chat: one turn of the yarn.

Whatever goes wrong with a request, a message that may carry risk still gets
its safety reply: `attach_safety` adds it to every error body of this endpoint
(a bad session id, a NUL, a message over 1000 characters, the rate limit, a
failure of ours), so nothing about a crisis message is ever a bare error.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from app.extensions import limiter, service_for
from app.http.errors import abort_json, read_json
from app.service import BadMessage, clean_message
from app.yarn import safety

bp = Blueprint("chat", __name__)
MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # whole value (fullmatch): "$" would allow a newline


def _chat_limit() -> str:
    return current_app.config["CHAT_RATE_LIMIT"]


@bp.post("/chat")
@limiter.limit(_chat_limit)
def chat() -> Response:
    if not request.is_json:
        abort_json(415, "Please send JSON with Content-Type: application/json.")
    body = read_json()
    if not isinstance(body, dict):
        abort_json(400, "The body must be a JSON object like {\"message\": \"hi\"}.")
    session_id = _session_id(body.get("session_id"))
    message_id = _message_id(body.get("message_id"))
    try:
        message = clean_message(body.get("message"), current_app.config["MAX_MESSAGE_CHARS"])
    except BadMessage as error:
        abort_json(400, str(error))
    result = service_for(current_app).turn(session_id, message, message_id)
    return jsonify(result.as_json())


def _session_id(value: object) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) and value.isascii() else _bad_session_id()
    except ValueError:
        return _bad_session_id()


def _bad_session_id() -> str:
    abort_json(400, "'session_id' must be a UUID.")
    raise AssertionError  # unreachable


def _message_id(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not MESSAGE_ID.fullmatch(value):
        abort_json(400, "'message_id' must be up to 64 letters, digits, '-' or '_'.")
    return str(value)


def _sent_text() -> str:
    """What the young person wrote, read leniently from whatever was sent."""
    data = request.get_data(cache=True)[: current_app.config["MAX_CONTENT_LENGTH"] or None]
    text = data.decode("utf-8", "replace")
    body: Any = read_json(quiet=True)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return text


@bp.after_request
def attach_safety(response: Response) -> Response:
    if response.status_code < 400 or not response.is_json:
        return response
    try:
        assessment = safety.assess(_sent_text())
    except Exception:  # a request we cannot even read: the error stands as it is
        return response
    if assessment.risky:
        body = response.get_json(silent=True) or {}
        body.update(reply=safety.safety_reply(assessment), safety=assessment.level,
                    resources=safety.resources_json(assessment))
        response.set_data(current_app.json.dumps(body))
    return response
