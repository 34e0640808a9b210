"""POST /chat: one turn of the yarn."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, current_app, jsonify, request

from app.extensions import limiter, repository_for
from app.http.errors import abort_json
from app.service import BadMessage, chat_turn, clean_message
from repository import InvalidValue

bp = Blueprint("chat", __name__)


def _chat_limit() -> str:
    return current_app.config["CHAT_RATE_LIMIT"]


@bp.post("/chat")
@limiter.limit(_chat_limit)
def chat() -> Response:
    if not request.is_json:
        abort_json(415, "Please send JSON with Content-Type: application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort_json(400, "The body must be a JSON object like {\"message\": \"hi\"}.")
    session_id = _session_id(body.get("session_id"))
    try:
        message = clean_message(body.get("message"), current_app.config["MAX_MESSAGE_CHARS"])
        result = chat_turn(
            repository_for(current_app), session_id, message, llm_enabled=current_app.config["LLM_ENABLED"]
        )
    except (BadMessage, InvalidValue) as error:
        abort_json(400, str(error))
    return jsonify({"reply": result.reply, "session_id": result.session_id, "state": result.state})


def _session_id(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        abort_json(400, "'session_id' must be a UUID string.")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort_json(400, "'session_id' must be a UUID.")
    raise AssertionError  # unreachable
