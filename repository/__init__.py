"""Data access for the chatbot, written once for SQLite and Postgres.

Two doors, same operations:
* module functions with the legacy names (`save_message`, `get_history`, ...),
  acting on the database `DATABASE_URL` names (read at first use);
* `Repository(url_or_engine)`, whose methods are the same operations, so two
  databases can be used side by side, and whose `unit_of_work()` runs many
  operations in one transaction that commits whole or not at all.

Decisions that hold on both engines are listed in docs/architecture.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from repository import dialect
from repository.config import database_url, make_engine, redact
from repository.errors import (
    DatabaseUnavailable,
    InvalidValue,
    RepositoryError,
    SchemaMismatch,
    UnknownSession,
)
from repository.unit_of_work import UnitOfWork

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Repository:
    """The chatbot's data, in the database at `url_or_engine`."""

    def __init__(self, url_or_engine: str | Engine | None = None, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = url_or_engine if isinstance(url_or_engine, Engine) else make_engine(url_or_engine)
        self._reader = dialect.read_options(self.engine)
        self.clock = clock

    @property
    def engine_name(self) -> str:
        return self.engine.dialect.name

    def __repr__(self) -> str:
        return f"Repository({redact(self.engine.url)})"

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        """One transaction: commits when the block ends, rolls back on any error.
        Database errors come out as the repository's exceptions."""
        engine = self.engine if write else self._reader
        try:
            with engine.begin() as connection:
                uow = UnitOfWork(connection, self.clock)
                yield uow
                if uow.failed is not None:
                    raise uow.failed  # caught inside the block: still roll back whole
                uow.flush()
        except DBAPIError as error:
            raise dialect.translate(error) from error

    def init_db(self) -> str:
        """Bring the database to the head revision (adopting a legacy file)."""
        from repository.schema import upgrade

        return upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    # Every operation of UnitOfWork, each in its own transaction.
    def _run(self, name: str, write: bool, *args: Any, **kwargs: Any) -> Any:
        with self.unit_of_work(write=write) as uow:
            return getattr(uow, name)(*args, **kwargs)


WRITE_OPERATIONS = (
    "create_session", "update_session_state", "mark_session_completed", "save_message",
    "save_user_response", "update_attempt_count", "save_risk_detection", "save_session_summary",
    "save_analytics_event", "save_intent_classification", "save_system_log", "cleanup_old_sessions",
    "delete_session",
)
READ_OPERATIONS = (
    "get_session_data", "get_history", "get_user_responses", "get_risk_detections",
    "get_latest_summary", "get_analytics_summary", "ping",
)


def _method(name: str, write: bool) -> Callable[..., Any]:
    operation = getattr(UnitOfWork, name)

    @wraps(operation)
    def method(self: Repository, *args: Any, **kwargs: Any) -> Any:
        return self._run(name, write, *args, **kwargs)

    return method


for _name in WRITE_OPERATIONS:
    setattr(Repository, _name, _method(_name, True))
for _name in READ_OPERATIONS:
    setattr(Repository, _name, _method(_name, False))


# ---- the legacy module-level functions ------------------------------------

_default: Repository | None = None
_default_lock = threading.Lock()


def default_repository() -> Repository:
    """The repository for DATABASE_URL, made at first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Repository(database_url())
        return _default


def reset_default_repository() -> None:
    """Forget the default repository (DATABASE_URL is read again at next use)."""
    global _default
    with _default_lock:
        if _default is not None:
            _default.dispose()
        _default = None


def init_db() -> str:
    return default_repository().init_db()


def _function(name: str) -> Callable[..., Any]:
    operation = getattr(UnitOfWork, name)

    @wraps(operation)
    def function(*args: Any, **kwargs: Any) -> Any:
        return getattr(default_repository(), name)(*args, **kwargs)

    return function


create_session = _function("create_session")
get_session_data = _function("get_session_data")
update_session_state = _function("update_session_state")
mark_session_completed = _function("mark_session_completed")
save_message = _function("save_message")
get_history = _function("get_history")
save_user_response = _function("save_user_response")
get_user_responses = _function("get_user_responses")
update_attempt_count = _function("update_attempt_count")
save_risk_detection = _function("save_risk_detection")
get_risk_detections = _function("get_risk_detections")
save_session_summary = _function("save_session_summary")
get_latest_summary = _function("get_latest_summary")
save_analytics_event = _function("save_analytics_event")
get_analytics_summary = _function("get_analytics_summary")
save_intent_classification = _function("save_intent_classification")
save_system_log = _function("save_system_log")
cleanup_old_sessions = _function("cleanup_old_sessions")
delete_session = _function("delete_session")

__all__ = [
    "DatabaseUnavailable", "InvalidValue", "Repository", "RepositoryError", "SchemaMismatch",
    "UnitOfWork", "UnknownSession", "cleanup_old_sessions", "create_session", "default_repository",
    "delete_session", "get_analytics_summary", "get_history", "get_latest_summary", "get_risk_detections",
    "get_session_data", "get_user_responses", "init_db", "mark_session_completed", "reset_default_repository",
    "save_analytics_event", "save_intent_classification", "save_message", "save_risk_detection",
    "save_session_summary", "save_system_log", "save_user_response", "update_attempt_count",
    "update_session_state",
]
