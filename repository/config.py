"""From a connection URL to a configured SQLAlchemy Engine.

`DATABASE_URL` picks the database; unset, it is an SQLite file in the instance
folder. Connection strings are accepted exactly as Supabase's dashboard prints
them (`postgres://` or `postgresql://`) and always use psycopg 3.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from models.types import json_dumps, json_loads

DEFAULT_SQLITE_FILE = "aimhi.db"
SQLITE_BUSY_TIMEOUT_S = 30
POOLER_PORT = 6543
POOLER_HOST_SUFFIX = ".pooler.supabase.com"
# Query parameter (stripped before connecting) or environment variable that
# says "a transaction pooler sits in front of this database".
POOLER_PARAM = "pooler"
POOLER_ENV = "DATABASE_POOLER"


def instance_path() -> Path:
    """Folder for the embedded database (like Flask's instance folder)."""
    return Path(os.environ.get("AIMHI_INSTANCE_PATH") or Path.cwd() / "instance")


def database_url(explicit: str | None = None) -> str:
    """The URL to use: explicit, else DATABASE_URL, else the embedded SQLite file."""
    url = explicit or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{instance_path() / DEFAULT_SQLITE_FILE}"


def normalise_url(url: str | URL) -> URL:
    """Parse a URL and point every Postgres spelling at the psycopg 3 driver."""
    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    parsed = make_url(text)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def redact(url: str | URL) -> str:
    """The URL for humans: password replaced by ***."""
    try:
        return normalise_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL may still hold a secret: show nothing of it
        return "<unparseable database URL>"


def engine_name(url: str | URL) -> str:
    return normalise_url(url).get_backend_name()


def behind_transaction_pooler(url: URL) -> bool:
    """Supabase's transaction pooler (port 6543 or a pooler host), pgbouncer in
    transaction mode marked with ?pooler=transaction, or DATABASE_POOLER=transaction."""
    explicit = url.query.get(POOLER_PARAM) or os.environ.get(POOLER_ENV)
    if explicit:
        return explicit == "transaction"
    host = (url.host or "").lower()
    return url.port == POOLER_PORT or host.endswith(POOLER_HOST_SUFFIX)


def make_engine(url: str | URL | None = None, **overrides: Any) -> Engine:
    parsed = normalise_url(url if url is not None else database_url())
    common: dict[str, Any] = {"json_serializer": json_dumps, "json_deserializer": json_loads}
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, common | overrides)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(parsed, common | overrides)
    raise ValueError(f"unsupported database: {parsed.get_backend_name()} (use sqlite or postgresql)")


def _sqlite_engine(url: URL, options: dict[str, Any]) -> Engine:
    if url.database and url.database != ":memory:":
        try:  # the embedded default is created on demand
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # connecting will fail with a clear error; creating an engine must not

    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        **options,
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    writers = _WriterQueue()
    event.listen(engine, "begin", writers.on_begin)
    event.listen(engine, "commit", writers.on_end)
    event.listen(engine, "rollback", writers.on_end)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own
    # transaction handling would defer it and could not take the lock up front).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


class _WriterQueue:
    """Writers take SQLite's write lock when their transaction starts (BEGIN
    IMMEDIATE), so two writers queue instead of one failing with "database is
    locked" when it upgrades a read lock half way through. Inside one process
    they queue on a Python lock first: SQLite's own busy handler waits by
    sleeping in growing steps (up to 100 ms), which makes a long tail under
    load. Other processes still meet the busy timeout."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holder: Any = None

    def on_begin(self, connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode == "IMMEDIATE":
            acquired = self.lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_S)
            self.holder = connection.connection.dbapi_connection if acquired else None
        try:
            connection.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            self.on_end(connection)
            raise

    def on_end(self, connection: Any) -> None:
        raw = connection.connection.dbapi_connection if not connection.invalidated else None
        if self.holder is not None and (raw is None or raw is self.holder):
            self.holder = None
            self.lock.release()


def _postgres_engine(url: URL, options: dict[str, Any]) -> Engine:
    pooler = behind_transaction_pooler(url)
    url = url.difference_update_query([POOLER_PARAM])
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = 10
    if pooler:
        # Transaction poolers hand each transaction to any server connection:
        # named prepared statements would collide, and a client pool on top of
        # the pooler only holds connections it does not need (Supabase's advice).
        connect_args["prepare_threshold"] = None
        options.setdefault("poolclass", NullPool)
    else:
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_size", 10)
        options.setdefault("max_overflow", 30)
    return create_engine(url, connect_args=connect_args, **options)
