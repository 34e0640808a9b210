"""Checks of the arguments that are not column values (a key looked up, a
LIMIT, a number of days), so both engines refuse the same things with
`InvalidValue` before any SQL. Column values are checked by `models.rules`."""

from __future__ import annotations

import math
from typing import Any

from models import SESSION_ID_MAX
from models.rules import INT32, text_problem
from repository.errors import InvalidValue


def key(name: str, value: Any) -> str:
    """A session id used to look rows up."""
    if not isinstance(value, str):
        raise InvalidValue(f"{name} must be text, got {type(value).__name__}")
    if len(value) > SESSION_ID_MAX:
        raise InvalidValue(f"{name} is longer than {SESSION_ID_MAX} characters")
    problem = text_problem(value)
    if problem:
        raise InvalidValue(f"{name} {problem}")
    return value


def whole_number(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise InvalidValue(f"{name} must be at least 0, got {value}")
    if value > INT32[1]:
        raise InvalidValue(f"{name} is too large: {value}")
    return value


def count_limit(name: str, value: Any) -> int | None:
    """A LIMIT: None means no limit; otherwise a whole number >= 0."""
    return None if value is None else whole_number(name, value)


def number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValue(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise InvalidValue(f"{name} must be a finite number, got {value!r}")
    return float(value)
