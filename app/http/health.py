"""Health.

* GET /health: does the database answer, and how fast; 503 when it does not
  (for monitoring and alerts). Also the breaker's state and the outbox depth.
* GET /health/live: 200 while this instance can answer young people at all,
  the database up or not (fallback and safety replies need no database). This
  is the endpoint for a load balancer, so instances stay in service during an
  outage instead of all being taken out together.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, jsonify

from app.extensions import service_for
from repository import RepositoryError

bp = Blueprint("health", __name__)


def _outbox() -> dict[str, int]:
    outbox = service_for(current_app).outbox
    return {"depth": outbox.depth(), "set_aside": outbox.set_aside()}


@bp.get("/health")
def health() -> tuple[Response, int]:
    service = service_for(current_app)
    started = time.perf_counter()
    try:
        service.repo.run(lambda uow: uow.ping(), write=False)
        ok = True
    except RepositoryError:
        ok = False
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    body = {
        "status": "ok" if ok else "unavailable",
        "database": {"engine": service.repo.engine_name, "ok": ok, "latency_ms": elapsed_ms,
                     "breaker": service.repo.breaker.state},
        "outbox": _outbox(),
    }
    return jsonify(body), 200 if ok else 503


@bp.get("/health/live")
def live() -> Response:
    service = service_for(current_app)
    return jsonify({"status": "ok", "database": {"breaker": service.repo.breaker.state}, "outbox": _outbox()})
