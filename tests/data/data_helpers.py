"""Helpers shared by the data-layer tests (tests/data/).

Imported as a plain module: pytest puts tests/data on sys.path because the
folder has no __init__.py.
"""

from __future__ import annotations

import dataclasses

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, func, select

from legacy_api import LegacyUnderTest  # noqa: F401  (re-exported)
from models import Base

START = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand. Shared by repositories compared side by
    side, so both write the very same timestamps."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.now = self.now + (delta if delta is not None else timedelta(**kwargs))
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the schema (to prove that nothing was written)."""
    with engine.connect() as connection:
        return {
            table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in Base.metadata.sorted_tables
        }


def strip_ids(value: Any) -> Any:
    """The value with every 'id' key dropped (identities may differ between
    engines: a rolled back insert burns a Postgres sequence value)."""
    if isinstance(value, dict):
        return {key: strip_ids(item) for key, item in value.items() if key != "id"}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # the typed records
        fields = {f.name: strip_ids(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **{**fields, **({"id": None} if "id" in fields else {})})
    if isinstance(value, (list, tuple)):
        return type(value)(strip_ids(item) for item in value)
    return value


PLAIN_TYPES = (str, int, float, bool, type(None), datetime)


def assert_plain(value: Any, path: str = "result") -> None:
    """Only plain dicts, lists and scalars (no Row, RowMapping, Decimal...), and
    every datetime aware and in UTC."""
    if isinstance(value, dict):
        assert type(value) is dict, f"{path} is {type(value).__name__}, not dict"
        for key, item in value.items():
            assert type(key) is str, f"{path} has a key of type {type(key).__name__}"
            assert_plain(item, f"{path}[{key!r}]")
    elif isinstance(value, list):
        assert type(value) is list, f"{path} is {type(value).__name__}, not list"
        for index, item in enumerate(value):
            assert_plain(item, f"{path}[{index}]")
    else:
        assert type(value) in PLAIN_TYPES, f"{path} is {type(value).__name__}"
        if isinstance(value, datetime):
            assert_utc(value, path)


def assert_utc(value: datetime, what: str = "datetime") -> None:
    assert value.tzinfo is not None, f"{what} is naive: {value!r}"
    assert value.utcoffset() == timedelta(0), f"{what} is not UTC: {value!r}"
    assert value.tzinfo is UTC, f"{what} tzinfo is {value.tzinfo!r}, not datetime.UTC"


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement sent through a cursor while the block runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
