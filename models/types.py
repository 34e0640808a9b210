"""Portable column types, decided once for both engines.

* `UTCDateTime`: timestamptz on Postgres; canonical UTC text
  ``YYYY-MM-DD HH:MM:SS.ffffff`` on SQLite (so text order is time order).
  Naive input is taken as UTC; output is always aware UTC.
* `JSONValue`: jsonb on Postgres, JSON text on SQLite. `json_dumps` is the one
  serialiser (the engine is created with it): it refuses NaN/Infinity and writes
  floats positionally with a fractional part, because jsonb would otherwise turn
  ``1e16`` into the integer ``10000000000000000`` and lose the float.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.sqlite import JSON as SQLiteJSON
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        value = as_utc(value)
        # SQLite's DATETIME stores the wall-clock fields only: give it UTC ones.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class _SQLiteJSONText(SQLiteJSON):
    """JSON in a column declared TEXT (as in the legacy schema). A column
    declared JSON has NUMERIC affinity in SQLite, which turns the text of a
    top-level number into INTEGER/REAL: 3.0 came back as 3, and an integer
    beyond 64 bits lost digits."""


@compiles(_SQLiteJSONText, "sqlite")
def _sqlite_json_text(type_: _SQLiteJSONText, compiler: Any, **kw: Any) -> str:
    return "TEXT"


class JSONValue(TypeDecorator[Any]):
    impl = JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB(none_as_null=True))
        if dialect.name == "sqlite":
            return _SQLiteJSONText(none_as_null=True)
        return dialect.type_descriptor(JSON(none_as_null=True))


class utcnow(FunctionElement[datetime]):
    """Server-side 'now' with the same precision and format as the repository's
    own timestamps (only used as a column default for rows written by hand)."""

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(utcnow, "sqlite")
def _utcnow_sqlite(element: utcnow, compiler: Any, **kw: Any) -> str:
    return "(strftime('%Y-%m-%d %H:%M:%f000', 'now'))"


@compiles(utcnow)
def _utcnow_default(element: utcnow, compiler: Any, **kw: Any) -> str:
    return "now()"


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("NaN and Infinity cannot be stored as JSON")
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else text + ".0"


def _encode(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, got {type(key).__name__}")
            parts.append(json.dumps(key, ensure_ascii=False) + ":" + _encode(item))
        return "{" + ",".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def json_dumps(value: Any) -> str:
    """Serialise a JSON value the same way for both engines (see module doc)."""
    return _encode(value)


def json_loads(text: str | bytes) -> Any:
    return json.loads(text)
