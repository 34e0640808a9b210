"""Opening the two ends of a transfer: URLs as people type them, what kind of
database each is, and the checks made before anything is read or written."""

from __future__ import annotations

import functools
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from repository.config import BadDatabaseURL, normalise_url, redact
from repository.engines import make_engine
from repository.engines.sqlite import read_only_uri
from repository.schema import current_revision, database_state
from repository.schema import head_revision as _head_revision
from transfer.reader import PostgresReader, SqliteReader
from transfer.tables import ADDED_COLUMNS, SPECS
from transfer.writer import EmptyTarget, PostgresTarget, SqliteTarget, Target


head_revision = functools.cache(_head_revision)


class TransferError(Exception):
    """A problem the user can act on; the message never holds a password."""


def parse_url(text: str) -> URL:
    """A database URL; a bare file path means an SQLite file. Supabase's
    `postgres://` / `postgresql://` strings are accepted as printed."""
    text = text.strip()
    if "://" not in text:
        text = f"sqlite:///{Path(text).expanduser().resolve()}"
    try:
        url = normalise_url(text)
    except BadDatabaseURL as error:  # says what is wrong (a bad port, ...), never the credentials
        raise TransferError(str(error)) from error
    except Exception as error:
        raise TransferError(f"not a database URL: {redact(text)}") from error
    backend = url.get_backend_name()
    if backend == "postgresql" and "pgbouncer" in url.query:
        # Supabase's Prisma-style string: ?pgbouncer=true marks the transaction pooler.
        pooled = str(url.query["pgbouncer"]).lower() == "true"
        url = url.difference_update_query(["pgbouncer"])
        if pooled:
            url = url.update_query_dict({"pooler": "transaction"})
    if backend not in ("sqlite", "postgresql"):
        raise TransferError(f"unsupported database {backend!r} in {redact(url)} (use sqlite or postgresql)")
    if backend == "sqlite" and (not url.database or url.database == ":memory:"):
        raise TransferError("an SQLite URL must name a file: sqlite:///path/to/file.db")
    return url


def sqlite_path(url: URL) -> str:
    assert url.database
    return str(Path(url.database).expanduser().resolve())


def same_database(a: URL, b: URL) -> bool:
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        return sqlite_path(a) == sqlite_path(b)
    return (a.host or "localhost", a.port or 5432, a.database) == (b.host or "localhost", b.port or 5432, b.database)


def _read_only_sqlite_engine(path: str) -> Engine:
    return create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False),
        poolclass=NullPool,
    )


@dataclass
class SourceInfo:
    url: URL
    engine: str
    state: str  # 'legacy' or 'current'
    revision: str | None


def _check_columns(connection: Any, where: str) -> None:
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    for name, spec in SPECS.items():
        if name not in tables:
            if name == "data_repairs":
                continue
            raise TransferError(f"{where} has no table {name}")
        columns = {column["name"] for column in inspector.get_columns(name)}
        missing = set(spec.names) - columns - set(ADDED_COLUMNS.get(name, ()))
        if missing:
            raise TransferError(f"{where}: table {name} lacks columns {', '.join(sorted(missing))}")


def _reading_engine(url: URL, role: str) -> Engine:
    """An engine that only reads: SQLite opened read-only (and never created)."""
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if not os.path.isfile(path):
            raise TransferError(f"{role} file not found: {path}")
        return _read_only_sqlite_engine(path)
    return make_engine(url)


def inspect_source(url: URL) -> SourceInfo:
    """What the source is; it is only read (SQLite is opened read-only)."""
    shown = redact(url)
    engine = _reading_engine(url, "source")
    try:
        with engine.connect() as connection:
            state = database_state(connection)
            revision = current_revision(connection) if state == "versioned" else None
            if state == "empty":
                raise TransferError(f"the source {shown} holds no tables: nothing to copy (are the arguments swapped?)")
            if state == "unknown":
                raise TransferError(f"the source {shown} is neither the legacy schema v2 nor this project's schema")
            _check_columns(connection, f"the source {shown}")
    finally:
        engine.dispose()
    kind = "legacy" if state == "legacy" or revision == "0001" else "current"
    return SourceInfo(url, url.get_backend_name(), kind, revision)


def open_source(url: URL, target_engine: str, *, fast: bool = True) -> Any:
    if url.get_backend_name() == "sqlite":
        return SqliteReader(sqlite_path(url), target=target_engine, fast=fast)
    return PostgresReader(make_engine(url))


def _state(engine: Engine) -> tuple[str, str | None]:
    with engine.connect() as connection:
        state = database_state(connection)
        revision = current_revision(connection) if state == "versioned" else None
    return state, revision


def prepare_target(url: URL) -> tuple[Target, str]:
    """Bring the target to the head revision and open it for writing."""
    from repository.schema import upgrade

    shown = redact(url)
    engine = make_engine(url)
    try:
        state, revision = _state(engine)
        if state == "legacy":
            raise TransferError(
                f"the target {shown} is a legacy chatbot database; copy into an empty database "
                "(or one an earlier copy of this source made)"
            )
        if state == "unknown":
            raise TransferError(f"the target {shown} holds tables that are not this project's schema; nothing was changed")
        if not (state == "versioned" and revision == head_revision()):
            upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    if url.get_backend_name() == "sqlite":
        engine.dispose()
        return SqliteTarget(sqlite_path(url)), state
    return PostgresTarget(engine), state


def open_dry_target(url: URL) -> tuple[Target, str]:
    """The target as it is now, read only; an absent or empty one reads as empty."""
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if not os.path.isfile(path):
            return EmptyTarget("sqlite"), "absent"
        engine = _read_only_sqlite_engine(path)
    else:
        engine = make_engine(url)
    try:
        state, revision = _state(engine)
    except Exception as error:
        engine.dispose()
        raise TransferError(f"could not read the target {redact(url)}: {first_line(error)}") from error
    if state in ("legacy", "unknown"):
        engine.dispose()
        raise TransferError(f"the target {redact(url)} is not an empty database nor this project's schema")
    if state != "versioned" or revision != head_revision():
        engine.dispose()
        return EmptyTarget(url.get_backend_name()), state
    if url.get_backend_name() == "sqlite":
        engine.dispose()
        return SqliteTarget(sqlite_path(url), read_only=True), "head"
    return PostgresTarget(engine, read_only=True), "head"


def open_target_reader(url: URL) -> Any:
    """The target for verification: read as it is, nothing repaired."""
    shown = redact(url)
    engine = _reading_engine(url, "target")
    try:
        state, revision = _state(engine)
    finally:
        if url.get_backend_name() == "sqlite":
            engine.dispose()
    if state != "versioned" or revision != head_revision():
        if url.get_backend_name() != "sqlite":
            engine.dispose()
        raise TransferError(f"the target {shown} is not at the head revision (found {state}, revision {revision})")
    if url.get_backend_name() == "sqlite":
        return SqliteReader(sqlite_path(url), target="sqlite", strict=True)
    return PostgresReader(engine, strict=True)


def first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__


def scrub(message: str, *urls: URL) -> str:
    """Take any password of these URLs out of a message."""
    for url in urls:
        if url.password:
            message = message.replace(str(url.password), "***")
    return message


__all__ = [
    "SourceInfo",
    "TransferError",
    "first_line",
    "inspect_source",
    "open_dry_target",
    "open_source",
    "open_target_reader",
    "parse_url",
    "prepare_target",
    "same_database",
    "scrub",
]
