"""WARNING and above from the app's loggers go to system_logs.

The handler only puts the record on a bounded queue (never blocks, never
raises); a background thread writes to the database. If the queue is full or
the database fails, the line is dropped here (it has reached stderr through
the app's stderr handler) and the request goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from typing import Any

from repository import Repository

QUEUE_SIZE = 1000
FLUSH_TIMEOUT_S = 5.0
_STOP = object()


class DatabaseLogHandler(logging.Handler):
    def __init__(self, repo: Repository, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.repo = repo
        self.queue: queue.Queue[Any] = queue.Queue(QUEUE_SIZE)
        self.dropped = 0
        self._thread = threading.Thread(target=self._drain, name="aimhi-db-log", daemon=True)
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        if not self._thread.is_alive():  # closed: the line has reached stderr already
            self.dropped += 1
            return
        try:
            self.queue.put_nowait(self._row(record))
        except queue.Full:
            self.dropped += 1
        except Exception:  # a log call must never break the request
            self.dropped += 1

    def _row(self, record: logging.LogRecord) -> dict[str, Any]:
        trace = None
        if record.exc_info and record.exc_info[0] is not None:
            trace = "".join(traceback.format_exception(*record.exc_info))
        return {
            "log_level": record.levelname if record.levelname in {"WARNING", "ERROR", "CRITICAL"} else "WARNING",
            "component": record.name,
            "message": record.getMessage().replace("\x00", "\u2400"),
            "session_id": getattr(record, "session_id", None),
            "error_trace": trace.replace("\x00", "\u2400") if trace else None,
        }

    def _drain(self) -> None:
        while True:
            row = self.queue.get()
            try:
                if row is _STOP:
                    return
                self._write(row)
            finally:
                self.queue.task_done()

    def _write(self, row: dict[str, Any]) -> None:
        try:
            self.repo.run(lambda uow: uow.save_system_log(**row))
        except Exception:
            try:  # the session may be gone: keep the line without it
                self.repo.run(lambda uow: uow.save_system_log(**{**row, "session_id": None}))
            except Exception:
                self.dropped += 1

    def flush(self, timeout_s: float = FLUSH_TIMEOUT_S) -> None:
        """Wait until every queued record is written (tests, shutdown), for at
        most `timeout_s`, and not at all once the writer has stopped: a process
        must never hang on its way out because the database is slow."""
        deadline = time.monotonic() + timeout_s
        while self._thread.is_alive() and self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        if self._thread.is_alive():
            self.queue.put(_STOP)
            self._thread.join(timeout=5)
        super().close()
