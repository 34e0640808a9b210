"""`Repository`: one database (by URL), its engine, its clock and its breaker;
the factory of units of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.engine import URL

from repository.breaker import Breaker
from repository.config import DatabaseSettings, database_url, normalise_url, redact
from repository.engines import Wire, driver_for
from repository.errors import DatabaseUnavailable, RepositoryError
from repository.unit_of_work import UnitOfWork

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Repository:
    """The chatbot's data, in the database at `url` (default: `database_url()`)."""

    def __init__(self, url: str | URL | None = None, *, clock: Callable[[], datetime] = utc_now,
                 settings: DatabaseSettings | None = None, breaker: Breaker | None = None) -> None:
        self.url = normalise_url(url if url is not None else database_url())
        self.driver = driver_for(self.url.get_backend_name())
        self.settings = settings or DatabaseSettings.from_environment()
        self.engine = self.driver.create_engine(self.url, self.settings, for_repository=True)
        self.clock = clock
        self.breaker = breaker or Breaker()
        self.retries = 0  # units of work retried on a fresh connection

    @property
    def engine_name(self) -> str:
        return self.driver.name

    def __repr__(self) -> str:
        return f"Repository({redact(self.url)})"

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        """One transaction: commits when the block ends, rolls back on any error.
        Database errors come out as the repository's exceptions; while the
        breaker is open, `CircuitOpen` is raised before anything is tried."""
        self.breaker.before()
        wire = self._open(write)
        uow = UnitOfWork(wire, self.driver, self.clock)
        try:
            yield uow
            if uow.failed is not None:
                raise uow.failed  # caught inside the block: still roll back whole
            uow.commit()
        except BaseException as error:
            self._end(wire, error)
            raise
        self.breaker.success()
        wire.close()

    def _open(self, write: bool) -> Wire:
        try:
            return self.driver.wire(self.engine, write=write, settings=self.settings)
        except sqlalchemy_exc.TimeoutError as error:
            # Every pooled connection busy for the whole wait: this process is
            # overloaded, the database may be fine; the turn is kept, not failed.
            self.breaker.release()
            raise DatabaseUnavailable("no database connection was free in time (pool exhausted)") from error
        except Exception as error:
            translated = error if isinstance(error, RepositoryError) else \
                self.driver.translate(getattr(error, "orig", None) or error)
            if translated is None:
                self.breaker.release()
                raise
            if isinstance(translated, DatabaseUnavailable):
                if self.breaker.failure():
                    self.engine.dispose()
            else:
                self.breaker.release()
            raise translated from error

    def _end(self, wire: Wire, error: BaseException) -> None:
        unavailable = isinstance(error, DatabaseUnavailable)
        try:
            if not unavailable:
                wire.rollback()
        except Exception:
            unavailable = True
        if unavailable and getattr(error, "retryable", False):
            # A dead pooled connection says nothing of the database yet, but its
            # idle neighbours died with it (a restart, a reset): drop them, so
            # the retry in `run` opens a fresh one and learns the truth.
            self.breaker.release()
            self.engine.dispose()
        elif unavailable:
            if self.breaker.failure():
                # Open: every pooled connection is suspect. Dropping them now means
                # the first probe after the outage opens a fresh one.
                self.engine.dispose()
        elif isinstance(error, RepositoryError):
            self.breaker.success()  # the database answered (it refused a value)
        else:
            self.breaker.release()
        wire.close(broken=unavailable)

    def run(self, work: Callable[[UnitOfWork], T], *, write: bool = True) -> T:
        """`work` in a unit of work, retried once on a fresh connection when a
        pooled connection turned out dead before anything was committed (no
        liveness ping is sent per request)."""
        try:
            with self.unit_of_work(write=write) as uow:
                return work(uow)
        except DatabaseUnavailable as error:
            if not getattr(error, "retryable", False):
                raise
        self.retries += 1
        with self.unit_of_work(write=write) as uow:
            return work(uow)

    def init_db(self) -> str:
        """Bring the database to the head revision (adopting a legacy file)."""
        from repository.schema import upgrade

        return upgrade(self.url)

    def dispose(self) -> None:
        self.engine.dispose()
