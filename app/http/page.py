"""GET /: the chat page (plain HTML, CSS and JavaScript served by the app)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

bp = Blueprint("page", __name__)


@bp.get("/")
def index() -> Response:
    return current_app.send_static_file("index.html")
