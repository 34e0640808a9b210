"""Session history and erasure for the young person; analytics for the research team."""

from __future__ import annotations

import secrets
import uuid

from flask import Blueprint, Response, current_app, jsonify, request

from app.extensions import service_for
from app.http.errors import abort_json

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_DAYS = 3650


def _uuid(value: str) -> str:
    try:
        if value.isascii():
            return str(uuid.UUID(value))
    except ValueError:
        pass
    abort_json(400, "The session id must be a UUID.")
    raise AssertionError  # unreachable


@bp.get("/sessions/<session_id>/history")
def history(session_id: str) -> Response:
    found = service_for(current_app).history(_uuid(session_id))
    if found is None:
        abort_json(404, "No yarn with that id.")
    return jsonify(found)


@bp.delete("/sessions/<session_id>")
def erase(session_id: str) -> tuple[Response, int]:
    """Erase a yarn: every row about it goes (docs/architecture.md, "erasure")."""
    if not service_for(current_app).erase(_uuid(session_id)):
        abort_json(404, "No yarn with that id.")
    return jsonify({"deleted": True, "session_id": session_id}), 200


def _authorised() -> None:
    token = current_app.config.get("ADMIN_TOKEN")
    if not token:
        abort_json(404, "The analytics API is turned off (no ADMIN_TOKEN is set).")
    given = request.headers.get("Authorization", "")
    presented = given[7:] if given.startswith("Bearer ") else ""
    # Constant time whatever was sent (compare_digest needs ASCII str or bytes).
    if not secrets.compare_digest(presented.encode("utf-8", "replace"), token.encode("utf-8")):
        abort_json(401, "A valid bearer token is needed for the analytics API.")


@bp.get("/analytics/summary")
def analytics_summary() -> Response:
    _authorised()
    days = request.args.get("days", "7")
    if not (days.isascii() and days.isdigit()) or len(days) > len(str(MAX_DAYS)) or not 1 <= int(days) <= MAX_DAYS:
        abort_json(400, f"'days' must be a whole number from 1 to {MAX_DAYS}.")
    return jsonify({"days": int(days), **service_for(current_app).analytics(int(days))})
