"""Session history and erasure for the young person; analytics for the research team."""

from __future__ import annotations

import hmac
import uuid

from flask import Blueprint, Response, current_app, jsonify, request

from app.extensions import repository_for
from app.http.errors import abort_json
from app.service import session_history

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_DAYS = 3650


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort_json(400, "The session id must be a UUID.")
    raise AssertionError  # unreachable


@bp.get("/sessions/<session_id>/history")
def history(session_id: str) -> Response:
    found = session_history(repository_for(current_app), _uuid(session_id))
    if found is None:
        abort_json(404, "No yarn with that id.")
    return jsonify(found)


@bp.delete("/sessions/<session_id>")
def erase(session_id: str) -> tuple[Response, int]:
    """Erase a yarn: the session and everything of it goes; analytics stay."""
    if not repository_for(current_app).delete_session(_uuid(session_id)):
        abort_json(404, "No yarn with that id.")
    return jsonify({"deleted": True, "session_id": session_id}), 200


@bp.get("/analytics/summary")
def analytics_summary() -> Response:
    token = current_app.config.get("ADMIN_TOKEN")
    if not token:
        abort_json(404, "The analytics API is turned off (no ADMIN_TOKEN is set).")
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].encode(), token.encode()):
        abort_json(401, "A valid bearer token is needed for the analytics API.")
    days = request.args.get("days", "7")
    if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
        abort_json(400, f"'days' must be a whole number from 1 to {MAX_DAYS}.")
    return jsonify({"days": int(days), **repository_for(current_app).get_analytics_summary(int(days))})
