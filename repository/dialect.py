"""The one place for engine-specific code.

Everything else in the repository is written once; what differs between SQLite
and Postgres is decided here:
* upserts: `insert_for` gives the dialect's INSERT with ON CONFLICT (same API);
* batching: a turn's writes go as one statement on Postgres (data-modifying
  CTEs: one round trip), one after the other on SQLite (in-process, no network);
* read transactions on SQLite begin DEFERRED (writers use BEGIN IMMEDIATE);
* constraint errors are translated to the repository's own exceptions.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Table, alias, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from repository.errors import DatabaseUnavailable, InvalidValue, RepositoryError, UnknownSession

FOREIGN_KEY_SQLSTATE = "23503"


def insert_for(connection: Connection | Engine, table: Table) -> Any:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


@functools.cache
def _excluded_alias(table: Table) -> Any:
    return alias(table, name="excluded")


def excluded(table: Table) -> Any:
    """The columns of ON CONFLICT's `excluded` row (same name on both engines).
    Made once per table: the dialects' own `.excluded` builds it on every call,
    which costs more than the rest of a chat turn's statement building."""
    return _excluded_alias(table).c


def read_options(engine: Engine) -> Engine:
    """An engine whose transactions only read (SQLite: BEGIN DEFERRED, so readers
    never wait for the write lock; WAL lets them read while a writer works)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="DEFERRED")
    return engine


def execute_batch(connection: Connection, statements: Sequence[Executable]) -> None:
    """Run write statements that return nothing, in order, with as few round trips
    as the engine allows. On Postgres the sub-statements of one WITH cannot see
    each other's rows, so callers never write the same row twice in a batch."""
    if not statements:
        return
    if connection.dialect.name == "postgresql" and len(statements) > 1:
        ctes = [statement.cte(f"w{index}") for index, statement in enumerate(statements)]  # type: ignore[attr-defined]
        # Postgres runs data-modifying CTEs that nothing references last-first
        # (ExecPostprocessPlan walks es_auxmodifytables, built with lcons), so
        # they are listed in reverse: rows then get identities in statement
        # order, as on SQLite, and "newest first" ties break the same way.
        connection.execute(select(literal(1)).add_cte(*reversed(ctes)))
        return
    for statement in statements:
        connection.execute(statement)


def translate(error: Exception) -> RepositoryError:
    """A database error as the repository's exception, the same on both engines."""
    if isinstance(error, IntegrityError):
        if _is_foreign_key(error):
            return UnknownSession("no such session (a row was written for a session that does not exist)")
        return InvalidValue(f"the database refused a value: {_first_line(error.orig)}")
    if isinstance(error, (OperationalError, InterfaceError)) and _is_connection_problem(error):
        return DatabaseUnavailable(f"the database did not answer: {type(error.orig).__name__}")
    if isinstance(error, DBAPIError):
        return RepositoryError(f"database error: {_first_line(error.orig)}")
    raise error


def _is_foreign_key(error: IntegrityError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate == FOREIGN_KEY_SQLSTATE or "FOREIGN KEY constraint failed" in str(error.orig)


def _is_connection_problem(error: DBAPIError) -> bool:
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    message = str(error.orig).lower()
    return sqlstate.startswith("08") or "connect" in message or "unable to open" in message


def _first_line(error: BaseException | None) -> str:
    # Driver messages name tables and constraints, never passwords.
    return str(error).strip().splitlines()[0] if error is not None and str(error).strip() else "unknown error"
