"""The outbox: turns answered while the database was away, kept until it is back.

A local SQLite file (WAL, in the instance folder, never the main database's
file), written before the reply is sent: the young person's message, the
reply they got, the original time, any risk detection and its event. Several
worker processes share it: each keep is one short IMMEDIATE transaction.

`replay(repository)` writes what is kept to the database, oldest first, one
replayer at a time across processes (an exclusive lock file): every entry
goes through `UnitOfWork.keep`, which writes a message id once and never moves
the yarn on, and is deleted only after its transaction committed, so each
entry lands exactly once even if two workers replay or one dies half-way.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from collections.abc import Iterator
from pathlib import Path

from models.yarn import Detection, Event, Message, TurnOutcome
from repository import DatabaseUnavailable, Repository, RepositoryError
from repository.engines.sqlite import WriterLock, pragmas

log = logging.getLogger(__name__)
SCHEMA = """
CREATE TABLE IF NOT EXISTS kept (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    kept_at TEXT NOT NULL,
    body TEXT NOT NULL,
    failed TEXT
)"""
BUSY_TIMEOUT_S = 2.0
BATCH = 100


def encode(outcome: TurnOutcome) -> str:
    return json.dumps({
        "at": outcome.at.isoformat() if outcome.at else None,
        "messages": [asdict(m) for m in outcome.messages],
        "detection": asdict(outcome.detection) if outcome.detection else None,
        "events": [{"kind": e.kind, "data": e.data} for e in outcome.events],
        "safety_check": outcome.safety_check, "answers_check": outcome.answers_check,
    }, ensure_ascii=True)


def decode(body: str) -> TurnOutcome:
    data = json.loads(body)
    return TurnOutcome(
        reply="", state="", at=datetime.fromisoformat(data["at"]) if data["at"] else None,
        messages=tuple(Message(**m) for m in data["messages"]),
        detection=Detection(**data["detection"]) if data["detection"] else None,
        events=tuple(Event(e["kind"], e["data"]) for e in data["events"]),
        safety_check=data.get("safety_check"), answers_check=bool(data.get("answers_check")),
    )


def _message_id(body: str) -> str | None:
    messages = json.loads(body).get("messages") or []
    return next((m.get("message_id") for m in messages if m.get("role") == "user"), None)


class Outbox:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._replaying = threading.Lock()
        # Writers of the file (every worker process and thread) take turns, as
        # the main SQLite database's do: under load none is starved into a
        # "database is locked" and a young person's message lost.
        self._writers = WriterLock(str(self.path))

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
            for statement in pragmas(BUSY_TIMEOUT_S):
                conn.execute(statement)
            conn.execute(SCHEMA)
            self._local.conn = conn
        return conn

    def keep(self, session_id: str, outcome: TurnOutcome) -> bool:
        """Keep a turn; False (and an ERROR log) when even the outbox cannot."""
        try:
            self._write("INSERT INTO kept (session_id, kept_at, body) VALUES (?, ?, ?)",
                        (session_id, (outcome.at or datetime.now().astimezone()).isoformat(), encode(outcome)))
            return True
        except (sqlite3.Error, OSError, DatabaseUnavailable):
            log.error("the outbox could not keep a message", extra={"session_id": session_id}, exc_info=True)
            self._forget_connection()
            return False

    def _write(self, statement: str, args: tuple[object, ...]) -> None:
        """One write, in its own short transaction, in turn with the other writers."""
        with self._writers.held(BUSY_TIMEOUT_S):
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(statement, args)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _forget_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def _count(self, where: str) -> int:
        """Entries matching `where` (0 when the file cannot be read: health must answer)."""
        try:
            return int(self._connection().execute(f"SELECT count(*) FROM kept WHERE {where}").fetchone()[0])
        except (sqlite3.Error, OSError):
            self._forget_connection()
            return 0

    def depth(self) -> int:
        """Entries waiting to be written."""
        return self._count("failed IS NULL")

    def set_aside(self) -> int:
        """Entries that could not be written (kept with their reason, for the team)."""
        return self._count("failed IS NOT NULL")

    @contextmanager
    def _one_replayer(self) -> Iterator[bool]:
        """True for the one process (and thread) that may replay now."""
        if not self._replaying.acquire(blocking=False):
            yield False
            return
        fd = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(f"{self.path}.replay-lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            if fd is not None:
                os.close(fd)
            self._replaying.release()

    def waiting(self, session_id: str) -> tuple[int, bool]:
        """This yarn's entries waiting, and whether the last of them asked
        "are you safe right now?" (its answer must be read as one)."""
        try:
            rows = self._connection().execute(
                "SELECT body FROM kept WHERE session_id = ? AND failed IS NULL ORDER BY id", (session_id,)).fetchall()
        except (sqlite3.Error, OSError):
            self._forget_connection()
            return 0, False
        if not rows:
            return 0, False
        last = json.loads(rows[-1][0])
        return len(rows), last.get("safety_check") is not None

    def replay(self, repository: Repository, session_id: str | None = None, *,
               superseded: str | None = None) -> int:
        """Write kept turns to the database, oldest first (only this yarn's with
        `session_id`); how many were written. The entry of message id
        `superseded` is dropped instead: that message is being sent again now,
        and its live turn writes it."""
        where, args = ("AND session_id = ?", (session_id,)) if session_id is not None else ("", ())
        written = [0]
        with self._one_replayer() as mine:
            if not mine:
                return 0
            try:
                self._replay_all(repository, where, args, superseded, written)
            except (sqlite3.Error, OSError, DatabaseUnavailable):
                # The outbox file itself is busy or unwell: what is left stays
                # kept (an entry written but not yet deleted is skipped next time).
                log.warning("outbox replay paused: the outbox file could not be used", exc_info=True)
                self._forget_connection()
        return written[0]

    def _replay_all(self, repository: Repository, where: str, args: tuple[str, ...], superseded: str | None,
                    written: list[int]) -> None:
        while True:
            rows = self._connection().execute(
                f"SELECT id, session_id, body FROM kept WHERE failed IS NULL {where} ORDER BY id LIMIT ?",
                (*args, BATCH)).fetchall()
            if not rows:
                return
            for entry_id, sid, body in rows:
                if superseded is not None and _message_id(body) == superseded:
                    self._write("DELETE FROM kept WHERE id = ?", (entry_id,))
                    continue
                result = self._replay_one(repository, entry_id, sid, body)
                if result == "stopped":
                    return
                written[0] += result == "written"

    def _replay_one(self, repository: Repository, entry_id: int, session_id: str, body: str) -> str:
        """written | set_aside | stopped (the database is still away)."""
        try:
            outcome = decode(body)
            repository.run(lambda uow: uow.keep(session_id, outcome))
        except DatabaseUnavailable:
            return "stopped"  # still away: the rest waits, in order
        except (RepositoryError, ValueError, KeyError, TypeError) as error:
            # Never dropped: set aside with the reason, for the team to look at.
            log.error("an outbox entry could not be written: %s", type(error).__name__,
                      extra={"session_id": session_id})
            self._write("UPDATE kept SET failed = ? WHERE id = ?", (str(error)[:500], entry_id))
            return "set_aside"
        self._write("DELETE FROM kept WHERE id = ?", (entry_id,))
        return "written"
