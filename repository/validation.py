"""Checks every value before any SQL runs, so both engines refuse the same
things with the same exception (`InvalidValue`) and nothing is half-written."""

from __future__ import annotations

import math
from typing import Any

from models.types import json_dumps
from repository.errors import InvalidValue

# Texts that are indexed: a Postgres btree entry holds at most 2704 bytes, so a
# longer key fails there but not on SQLite. 255 characters are <= 1020 bytes.
MAX_KEY_LENGTH: dict[str, int] = {"session_id": 255}


def text(name: str, value: Any, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidValue(f"{name} must be text, got {type(value).__name__}")
    limit = MAX_KEY_LENGTH.get(name)
    if limit is not None and len(value) > limit:
        raise InvalidValue(f"{name} is longer than {limit} characters")
    _storable_text(name, value)
    return value


def _storable_text(name: str, value: str) -> None:
    if "\x00" in value:
        raise InvalidValue(f"{name} contains a NUL character, which the database cannot store")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidValue(f"{name} is not valid Unicode text (lone surrogate)") from exc


def choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InvalidValue(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def whole_number(name: str, value: Any, *, optional: bool = False, minimum: int | None = 0) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{name} must be a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise InvalidValue(f"{name} must be at least {minimum}, got {value}")
    if value > 2**31 - 1:
        raise InvalidValue(f"{name} is too large: {value}")
    return value


def count_limit(name: str, value: Any) -> int | None:
    """A LIMIT: None means no limit; otherwise a whole number >= 0."""
    return whole_number(name, value, optional=True)


def confidence(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValue(f"confidence must be a number, got {value!r}")
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise InvalidValue(f"confidence must be between 0 and 1, got {value!r}")
    return float(value)


def json_value(name: str, value: Any, *, optional: bool = False, require_object: bool = False) -> Any:
    if value is None and optional:
        return None
    if require_object and not isinstance(value, dict):
        raise InvalidValue(f"{name} must be a dict, got {type(value).__name__}")
    _walk_json(name, value)
    try:
        json_dumps(value)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidValue(f"{name} is not storable as JSON: {exc}") from exc
    return value


def _walk_json(name: str, value: Any) -> None:
    if isinstance(value, str):
        _storable_text(name, value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise InvalidValue(f"{name} holds NaN or Infinity, which JSON cannot store")
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                _storable_text(name, key)
            _walk_json(name, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _walk_json(name, item)

