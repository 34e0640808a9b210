"""What the benchmark scripts share: the yarn they send, a percentile, a quiet
request handler. The scripts run as `python benchmarks/<name>.py`, so this
folder is on sys.path and `from figures import ...` finds this file."""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler

# One whole yarn: greeting, supports, strengths, worries, goals, goodbye.
ANSWERS = ["hi", "My nan and my cousin Jay", "I'm good at footy and drawing",
           "Exams and money stuff at home", "Finish year 12 and get my L plates", "thanks heaps"]


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction 0.99 = p99) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:  # no access log in figures
        pass
