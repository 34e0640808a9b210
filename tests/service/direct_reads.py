"""Reading a leg's database directly, never through the app's repository, so
that what the tests check is what the database holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from repository.engines import make_engine


def rows(db_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def utc(value: Any) -> datetime:
    """A stored timestamp (text on SQLite, naive or aware) as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def as_json(value: Any) -> Any:
    """A stored JSON value (text on SQLite, decoded on Postgres) decoded."""
    return json.loads(value) if isinstance(value, str) else value
