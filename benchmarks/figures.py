"""What the benchmark scripts share: the yarn they send, one chat turn over a
kept-alive connection, a percentile, a quiet request handler. The scripts run
as `python benchmarks/<name>.py`, so this folder is on sys.path and
`from figures import ...` finds this file."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass

from werkzeug.serving import WSGIRequestHandler

# One whole yarn: greeting, supports, strengths, worries, goals, goodbye.
ANSWERS = ["hi", "My nan and my cousin Jay", "I'm good at footy and drawing",
           "Exams and money stuff at home", "Finish year 12 and get my L plates", "thanks heaps"]


@dataclass(frozen=True)
class Answer:
    status: int | str  # the HTTP status, or the name of the error when no answer came
    body: bytes
    ms: float  # from sending to the whole answer read (or the error)
    server_ms: float | None  # the app's own time (Server-Timing), when it answered


def post_chat(connection: http.client.HTTPConnection, message: str, session_id: str) -> Answer:
    """POST /chat on `connection`. On a network error the connection is closed
    (its next request opens a new one) and the error's name is the status."""
    body = json.dumps({"message": message, "session_id": session_id})
    started = time.perf_counter()
    try:
        connection.request("POST", "/chat", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        return Answer(type(error).__name__, b"", (time.perf_counter() - started) * 1000, None)
    ms = (time.perf_counter() - started) * 1000
    timing = response.getheader("Server-Timing", "app;dur=0").split("dur=")[1]
    return Answer(response.status, raw, ms, float(timing))


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction 0.99 = p99) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:  # no access log in figures
        pass
