"""GET /health: is the database answering, and how fast."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, jsonify

from app.extensions import repository_for
from repository import RepositoryError

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> tuple[Response, int]:
    repo = repository_for(current_app)
    started = time.perf_counter()
    try:
        repo.ping()
        ok = True
    except RepositoryError:
        ok = False
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    body = {
        "status": "ok" if ok else "unavailable",
        "database": {"engine": repo.engine_name, "ok": ok, "latency_ms": elapsed_ms},
    }
    return jsonify(body), 200 if ok else 503
