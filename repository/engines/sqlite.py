"""SQLite: the embedded file.

* Every connection: foreign keys on, WAL, synchronous=NORMAL and the busy
  timeout (`PRAGMAS`, used by the copy tool too).
* Writers take the write lock when their transaction starts (BEGIN IMMEDIATE),
  so a reader never fails "database is locked" upgrading its lock half-way.
  Before that they queue: on a lock inside the process, then on a lock file
  beside the database shared by every process (`WriterLock`). SQLite's own busy
  handler waits by sleeping in growing steps, up to 100 ms, so under several
  worker processes a writer could lose the race again and again (p99 1.5 s
  against p50 95 ms, measured); the lock file hands the turn over within a
  millisecond instead. A writer that waits longer than the busy timeout fails
  with `DatabaseUnavailable` (it counts as the database being unavailable).
* Values: timestamps are canonical UTC text `YYYY-MM-DD HH:MM:SS.ffffff`, JSON
  is text, booleans are 0/1.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL

from models.types import json_dumps, json_loads
from repository.config import DatabaseSettings
from repository.errors import DatabaseUnavailable, InvalidValue, RepositoryError, UnknownSession
from repository.sql import Outcome, Step

# Errors meaning the file cannot be used now (gone, unreadable, disk full, locked).
_UNAVAILABLE = ("unable to open", "disk i/o", "database or disk is full", "database is locked",
                "file is not a database", "readonly database", "disk image is malformed")


def pragmas(busy_timeout_s: float) -> tuple[str, ...]:
    return (
        "PRAGMA foreign_keys=ON",
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}",
    )


def read_only_uri(path: str) -> str:
    """The file opened read-only (mode=ro): nothing can change it, not even a WAL checkpoint."""
    return Path(path).resolve().as_uri() + "?mode=ro"


def connect_file(path: str, *, read_only: bool = False, busy_timeout_s: float = 30.0) -> sqlite3.Connection:
    """A plain sqlite3 connection for the copy tool: autocommit mode (explicit
    BEGIN), the busy timeout; read-only opens with mode=ro and changes nothing."""
    if read_only:
        conn = sqlite3.connect(read_only_uri(path), uri=True, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        return conn
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_s, check_same_thread=False)
    for statement in pragmas(busy_timeout_s):
        conn.execute(statement)
    return conn


def canonical_text(value: datetime) -> str:
    """A timestamp as SQLite stores it (naive UTC, microseconds)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ", timespec="microseconds")


def _to_db(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "ts":
        return canonical_text(value)
    if kind == "json":
        return json_dumps(value)
    if kind == "bool":
        return 1 if value else 0
    return value


def _from_db(kind: str, value: Any) -> Any:
    if value is None or kind == "plain":
        return value
    if kind == "ts":
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if kind == "json":
        return json_loads(value)
    return bool(value)


class FairLock:
    """A lock handed to waiters in the order they came (threading.Lock is not
    fair: under load a thread can wait many turns while others barge in, and
    the tail of the turn times grows)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Event] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ran out: it is ours
                return True
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # stays held: handed to the next in line
            else:
                self._held = False


class WriterLock:
    """Writers of one database queue here: first in line inside the process
    (FairLock), then on an exclusive flock of `<database>.writer-lock` across
    processes, so writers take turns instead of spinning in SQLite's busy handler."""

    POLL_S = 0.0005

    def __init__(self, database: str | None) -> None:
        self.local = FairLock()
        self.path = None if not database or database == ":memory:" else f"{database}.writer-lock"

    @contextmanager
    def held(self, timeout_s: float) -> Iterator[None]:
        deadline = time.monotonic() + timeout_s
        if not self.local.acquire(timeout=timeout_s):
            raise DatabaseUnavailable("the SQLite database stayed locked (busy timeout)")
        try:
            with self._file_lock(deadline):
                yield
        finally:
            self.local.release()

    @contextmanager
    def _file_lock(self, deadline: float) -> Iterator[None]:
        if self.path is None:
            yield
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # a folder we cannot write: SQLite's busy timeout still applies
            yield
            return
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise DatabaseUnavailable("the SQLite database stayed locked (busy timeout)") from None
                    time.sleep(self.POLL_S)
            yield
        finally:
            os.close(fd)  # closing releases the flock


class SqliteWire:
    """Statements run one after another (the database is in this process: a
    round trip costs nothing); the transaction begins at the first send."""

    def __init__(self, raw: Any, *, write: bool, writers: WriterLock, settings: DatabaseSettings) -> None:
        self.raw = raw
        self.conn: sqlite3.Connection = raw.driver_connection
        self.write = write
        self.writers = writers
        self.settings = settings
        self.round_trips = 0
        self._lock: Any = None

    def send(self, steps: Sequence[Step], *, commit: bool = False) -> list[Outcome]:
        if not steps and not self.conn.in_transaction:
            return []  # nothing was done: no transaction, no writer lock
        self.round_trips += 1
        if not self.conn.in_transaction:
            self._begin()
        outcomes = [self._run(step) for step in steps]
        if commit:
            self.conn.execute("COMMIT")
            self._release()
        return outcomes

    def _begin(self) -> None:
        if self.write:
            self._lock = self.writers.held(self.settings.sqlite_busy_timeout_s)
            self._lock.__enter__()
        try:
            self.conn.execute("BEGIN IMMEDIATE" if self.write else "BEGIN DEFERRED")
        except BaseException:
            self._release()
            raise

    def _run(self, step: Step) -> Outcome:
        compiled = step.query.compiled(DRIVER)
        cursor = self.conn.cursor()
        rows_of_params = [_params(compiled, p) for p in step.rows_of_params]
        if len(rows_of_params) == 1:
            cursor.execute(compiled.sql, rows_of_params[0])
        else:
            cursor.executemany(compiled.sql, rows_of_params)
        outcome = Outcome(rowcount=cursor.rowcount)
        if compiled.results:
            kinds = compiled.results
            outcome.rows = [tuple(_from_db(k, v) for k, v in zip(kinds, row)) for row in cursor.fetchall()]
        cursor.close()
        return outcome

    def rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        finally:
            self._release()

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.__exit__(None, None, None)

    def retryable(self, error: BaseException) -> bool:
        return False  # a file: a second connection would meet the same problem

    def close(self, *, broken: bool = False) -> None:
        self._release()
        if broken:
            self.raw.invalidate()
        self.raw.close()


def _params(compiled: Any, given: Any) -> dict[str, Any]:
    out = dict(compiled.constants)
    for name, value in given.items():
        out[name] = _to_db(compiled.binds.get(name, "plain"), value)
    return out


class SqliteDriver:
    name = "sqlite"
    dialect = SQLiteDialect_pysqlite(paramstyle="named")
    insert = staticmethod(sqlite_dialect.insert)

    def __init__(self) -> None:
        self._writers: dict[str, WriterLock] = {}
        self._guard = threading.Lock()

    def writers_for(self, database: str | None) -> WriterLock:
        key = os.path.abspath(database) if database and database != ":memory:" else ":memory:"
        with self._guard:
            return self._writers.setdefault(key, WriterLock(None if key == ":memory:" else key))

    def create_engine(self, url: URL, settings: DatabaseSettings, *, for_repository: bool) -> Engine:
        if url.database and url.database != ":memory:":
            try:  # the embedded default is created on demand
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                pass  # connecting fails with a clear error; creating an engine must not
        engine = create_engine(
            url, connect_args={"timeout": settings.sqlite_busy_timeout_s, "check_same_thread": False},
            json_serializer=json_dumps, json_deserializer=json_loads,
        )
        busy = settings.sqlite_busy_timeout_s
        event.listen(engine, "connect", lambda raw, _record: _on_connect(raw, busy))
        if not for_repository:  # SQLAlchemy's own transactions (migrations, tools): BEGIN IMMEDIATE
            event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine

    def wire(self, engine: Engine, *, write: bool, settings: DatabaseSettings) -> SqliteWire:
        raw = engine.raw_connection()
        return SqliteWire(raw, write=write, writers=self.writers_for(engine.url.database), settings=settings)

    def translate(self, error: BaseException) -> RepositoryError | None:
        if isinstance(error, sqlite3.IntegrityError):
            if "FOREIGN KEY constraint failed" in str(error):
                return UnknownSession("no such session (a row was written for a session that does not exist)")
            return InvalidValue(f"the database refused a value: {_first_line(error)}")
        if isinstance(error, (sqlite3.OperationalError, sqlite3.DatabaseError)):
            message = str(error).lower()
            if any(marker in message for marker in _UNAVAILABLE):
                return DatabaseUnavailable(f"the SQLite database cannot be used: {_first_line(error)}")
            return RepositoryError(f"database error: {_first_line(error)}")
        return None


def _on_connect(raw: sqlite3.Connection, busy_timeout_s: float) -> None:
    # Transactions are begun explicitly (pysqlite's own handling would defer
    # BEGIN and could not take the write lock up front).
    raw.isolation_level = None
    for statement in pragmas(busy_timeout_s):
        raw.execute(statement)


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


DRIVER = SqliteDriver()
