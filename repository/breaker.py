"""A circuit breaker around the database, per process.

closed     requests use the database; `failure_threshold` failures in a row
           (errors or timeouts: `DatabaseUnavailable`) open it.
open       no request waits on the database: `unit_of_work()` raises
           `CircuitOpen` at once, until `reset_after_s` have passed.
half-open  one request at a time probes the database (the others still fail at
           once); success closes the breaker, failure opens it again.

Written here rather than taken from pybreaker: pybreaker's `call()` holds one
lock for the whole call, so it serialises every database call of the process
(4 concurrent 0.5 s calls took 2.0 s), and its half-open state lets every
concurrent request through instead of one probe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from repository.errors import DatabaseUnavailable


class CircuitOpen(DatabaseUnavailable):
    """The breaker is open: the database was not tried."""


class Breaker:
    def __init__(self, failure_threshold: int = 3, reset_after_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self.clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False
        self.opened = 0  # how many times it opened (for /health and tests)

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self._opened_at >= self.reset_after_s else "open"

    def before(self) -> None:
        """Raise CircuitOpen unless this request may use the database."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return
            if state == "half-open" and not self._probing:
                self._probing = True
                return
        raise CircuitOpen("the database is unavailable (circuit open): not tried")

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def failure(self) -> bool:
        """Count a failure; True when the breaker (re)opened on it."""
        with self._lock:
            self._failures += 1
            opens = self._probing or self._failures >= self.failure_threshold
            if opens:
                if self._opened_at is None:
                    self.opened += 1
                self._opened_at = self.clock()
            self._probing = False
            return opens

    def release(self) -> None:
        """The request ended without a verdict on the database (e.g. bad input)."""
        with self._lock:
            self._probing = False
