"""Everything that differs between SQLite and Postgres, in one package.

* `sqlite.py`: PRAGMAs and the busy timeout, BEGIN IMMEDIATE and the writers'
  queue, how values travel (timestamps as canonical text, JSON as text, 0/1),
  its errors, opening a file for the copy tool.
* `postgres.py`: connection settings (timeouts, keepalives, prepared
  statements off behind a transaction pooler, the pool), statements sent several
  per round trip, a watchdog that ends a stalled round trip, its errors, COPY.

Both give a `Driver` (below): the repository, Alembic's env.py and the copy
tool all reach the engines through it. Settings come from
`repository.config.DatabaseSettings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.engine import URL, Dialect

from repository.config import DatabaseSettings
from repository.errors import RepositoryError
from repository.sql import Outcome, Step


class Wire(Protocol):
    """One connection's conversation inside a unit of work."""

    round_trips: int

    def send(self, steps: Sequence[Step], *, commit: bool = False) -> list[Outcome]:
        """Run `steps` (beginning the transaction if this is the first send;
        committing it after them if `commit`) in as few round trips as the engine
        allows: one, on both."""
        ...

    def rollback(self) -> None: ...

    def close(self, *, broken: bool = False) -> None: ...

    def retryable(self, error: BaseException) -> bool:
        """Did the connection fail before anything of this unit was committed,
        fast enough that one more try on a fresh connection is worth it?"""
        ...


class Driver(Protocol):
    name: str
    dialect: Dialect

    def insert(self, table: Any) -> Any: ...

    def create_engine(self, url: URL, settings: DatabaseSettings, *, for_repository: bool) -> Engine: ...

    def wire(self, engine: Engine, *, write: bool, settings: DatabaseSettings) -> Wire: ...

    def translate(self, error: BaseException) -> RepositoryError | None:
        """The driver's error as the repository's, or None if it is not the driver's."""
        ...


def driver_for(name: str) -> Driver:
    if name == "sqlite":
        from repository.engines.sqlite import DRIVER as sqlite_driver

        return sqlite_driver
    if name == "postgresql":
        from repository.engines.postgres import DRIVER as postgres_driver

        return postgres_driver
    raise ValueError(f"unsupported database: {name} (use sqlite or postgresql)")


def make_engine(url: str | URL | None = None, *, settings: DatabaseSettings | None = None) -> Engine:
    """A SQLAlchemy engine for tools (migrations, the copy tool, tests), with
    the engine's connection settings; the repository makes its own."""
    from repository.config import database_url, normalise_url

    parsed = normalise_url(url if url is not None else database_url())
    driver = driver_for(parsed.get_backend_name())
    return driver.create_engine(parsed, settings or DatabaseSettings.from_environment(), for_repository=False)
