"""Postgres (Supabase): few round trips, bounded waits.

* Round trips are the cost (Supabase may be 20–90 ms away), so the unit of
  work's statements go together: client-side binding (psycopg's ClientCursor)
  sends `BEGIN; SET LOCAL statement_timeout …; <statements>[; COMMIT]` as one
  message and reads every result back. A chat turn is two round trips: the read
  with its lock, and the writes with COMMIT. Read-only work sends no BEGIN at all
  (one statement, one round trip). No prepared statements are ever made, so
  Supabase's transaction pooler and pgbouncer are safe.
* No liveness ping per request: idle connections are recycled (pool_recycle),
  TCP keepalives notice dead peers, and the repository retries a unit of work
  once when its connection fails before anything was committed.
* Bounded waits: connect_timeout, `statement_timeout` on the server, and a
  watchdog that shuts the socket of a round trip the server never answers (a
  stalled server or a network partition accepts the bytes and says nothing).
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb, set_json_loads
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import URL
from sqlalchemy.engine.interfaces import BindTyping
from sqlalchemy.pool import NullPool

from models.types import as_utc, json_dumps, json_loads
from repository.config import POOLER_PARAM, DatabaseSettings, behind_transaction_pooler
from repository.errors import DatabaseUnavailable, InvalidValue, RepositoryError, UnknownSession
from repository.sql import Outcome, Step

FOREIGN_KEY_SQLSTATE = "23503"


class Watchdog:
    """One thread for the whole process: ends round trips past their deadline
    by shutting their socket, so the waiting request gets an error at once."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int]] = []
        self._live: set[int] = set()
        self._counter = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self.fired = 0

    def arm(self, fd: int, seconds: float) -> int:
        ticket = next(self._counter)
        with self._wake:
            heapq.heappush(self._heap, (time.monotonic() + seconds, ticket, fd))
            self._live.add(ticket)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="aimhi-db-watchdog", daemon=True)
                self._thread.start()
            self._wake.notify()
        return ticket

    def disarm(self, ticket: int) -> None:
        with self._wake:
            self._live.discard(ticket)

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)
                wait = self._heap[0][0] - time.monotonic() if self._heap else None
                if wait is None or wait > 0:
                    self._wake.wait(timeout=wait)
                    continue
                _, ticket, fd = heapq.heappop(self._heap)
                self._live.discard(ticket)
                self.fired += 1
            _shut(fd)


def _shut(fd: int) -> None:
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


WATCHDOG = Watchdog()


def _to_db(kind: str, value: Any) -> Any:
    if kind == "json" and value is not None:
        return Jsonb(value, dumps=json_dumps)
    return value


def _from_db(kind: str, value: Any) -> Any:
    if kind == "ts" and value is not None:
        return as_utc(value)
    return value


class PostgresWire:
    def __init__(self, raw: Any, *, write: bool, settings: DatabaseSettings) -> None:
        self.raw = raw
        self.conn: psycopg.Connection[Any] = raw.driver_connection
        self.write = write
        self.settings = settings
        self.round_trips = 0
        self.begun = False
        self.committed = False
        self._sent_commit = False
        self._last_s = 0.0

    def send(self, steps: Sequence[Step], *, commit: bool = False) -> list[Outcome]:
        if not steps and not (commit and self.begun):
            return []  # nothing to say: no round trip (a read-only unit of work ending)
        cursor = psycopg.ClientCursor(self.conn)
        parts, owners = self._statements(cursor, steps, commit)
        self.round_trips += 1
        self._sent_commit = commit
        started = time.monotonic()
        ticket = WATCHDOG.arm(self.conn.pgconn.socket, self.settings.round_trip_deadline_s)
        try:
            cursor.execute(";\n".join(parts))
            outcomes = _collect(cursor, owners, steps)
        finally:
            WATCHDOG.disarm(ticket)
            self._last_s = time.monotonic() - started
            cursor.close()
        self.committed = self.committed or commit
        return outcomes

    def _statements(self, cursor: Any, steps: Sequence[Step], commit: bool) -> tuple[list[str], list[int | None]]:
        """The SQL of one round trip; owners[i] is the step result i belongs to."""
        timeout = f"SET LOCAL statement_timeout = {int(self.settings.statement_timeout_ms)}"
        parts: list[str] = []
        owners: list[int | None] = []
        if self.write and not self.begun:
            parts += ["BEGIN", timeout]
            owners += [None, None]
            self.begun = True
        elif not self.write:
            parts.append(timeout)  # an implicit transaction: the message is one
            owners.append(None)
        for index, step in enumerate(steps):
            compiled = step.query.compiled(DRIVER)
            for params in step.rows_of_params:
                values = dict(compiled.constants)
                values.update({k: _to_db(compiled.binds.get(k, "plain"), v) for k, v in params.items()})
                parts.append(cursor.mogrify(compiled.sql, values))
                owners.append(index)
        if commit and self.begun:
            parts.append("COMMIT")
            owners.append(None)
        return parts, owners

    def retryable(self, error: BaseException) -> bool:
        """A pooled connection found dead on its first round trip (the server
        restarted, an idle timeout): quick, nothing committed, not a time-out."""
        quick = self._last_s < self.settings.round_trip_deadline_s / 2
        return (self.round_trips == 1 and not self._sent_commit and quick
                and isinstance(error, psycopg.OperationalError))

    def rollback(self) -> None:
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.conn.rollback()

    def close(self, *, broken: bool = False) -> None:
        if broken:
            self.raw.invalidate()
        self.raw.close()


def _collect(cursor: Any, owners: list[int | None], steps: Sequence[Step]) -> list[Outcome]:
    outcomes = [Outcome() for _ in steps]
    for position, owner in enumerate(owners):
        if position and not cursor.nextset():
            break
        if owner is None:
            continue
        outcome = outcomes[owner]
        outcome.rowcount += max(cursor.rowcount, 0)
        kinds = steps[owner].query.compiled(DRIVER).results
        if kinds:
            outcome.rows += [tuple(_from_db(k, v) for k, v in zip(kinds, row)) for row in cursor.fetchall()]
    return outcomes


class PostgresDriver:
    name = "postgresql"
    dialect = PGDialect_psycopg()
    dialect.bind_typing = BindTyping.NONE  # the statements are bound client-side: no casts
    insert = staticmethod(pg_dialect.insert)

    def create_engine(self, url: URL, settings: DatabaseSettings, *, for_repository: bool) -> Engine:
        connect_args = self.connect_args(url, settings)
        url = url.difference_update_query([POOLER_PARAM])
        options: dict[str, Any] = {"json_serializer": json_dumps, "json_deserializer": json_loads}
        if settings.pool == "none":
            options["poolclass"] = NullPool
        else:
            options.update(pool_size=settings.pool_size, max_overflow=settings.max_overflow,
                           pool_recycle=settings.pool_recycle_s, pool_timeout=settings.round_trip_deadline_s)
        if for_repository:
            # The unit of work sends BEGIN and COMMIT itself, with its statements.
            options["isolation_level"] = "AUTOCOMMIT"
        engine = create_engine(url, connect_args=connect_args, **options)
        event.listen(engine, "connect", _on_connect)
        return engine

    @staticmethod
    def connect_args(url: URL, settings: DatabaseSettings) -> dict[str, Any]:
        """What each new connection is opened with: keepalives (dead peers are
        found without a ping per request), the connect timeout and, behind a
        transaction pooler, no prepared statements."""
        args: dict[str, Any] = {
            "keepalives": 1, "keepalives_idle": settings.keepalives_idle_s,
            "keepalives_interval": 5, "keepalives_count": 3,
        }
        if "connect_timeout" not in url.query:
            args["connect_timeout"] = settings.connect_timeout_s
        if behind_transaction_pooler(url):
            # Transaction poolers hand each transaction to any server connection:
            # named prepared statements would collide.
            args["prepare_threshold"] = None
        return args

    def wire(self, engine: Engine, *, write: bool, settings: DatabaseSettings) -> PostgresWire:
        return PostgresWire(engine.raw_connection(), write=write, settings=settings)

    def translate(self, error: BaseException) -> RepositoryError | None:
        if isinstance(error, psycopg.errors.ForeignKeyViolation):
            return UnknownSession("no such session (a row was written for a session that does not exist)")
        if isinstance(error, psycopg.errors.IntegrityError):
            return InvalidValue(f"the database refused a value: {_first_line(error)}")
        if isinstance(error, psycopg.errors.QueryCanceled):
            return DatabaseUnavailable("the database did not answer in time (statement timeout)")
        if isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)):
            # Driver messages may name the host; never the password.
            return DatabaseUnavailable(f"the database did not answer: {type(error).__name__}")
        if isinstance(error, psycopg.Error):
            return RepositoryError(f"database error: {_first_line(error)}")
        return None


def _on_connect(raw: psycopg.Connection[Any], _record: Any) -> None:
    set_json_loads(json_loads, raw)


def _first_line(error: BaseException) -> str:
    # Driver messages name tables and constraints, never passwords.
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


DRIVER = PostgresDriver()
