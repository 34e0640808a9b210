"""The value rules of every column, in one table derived from the models.

What a column may hold (its kind, NULL or not, its CHECK list or range, a length
limit, 32-bit integers, no NUL, storable JSON) is read once from `models` and used
by the repository's validation (before any SQL), by the legacy repair rules
(`models.repair`) and by the copy tool (`transfer`).

Kinds:  pk  integer primary key     int    integer          float  double
        text free text              check  text in a list   ts     UTC timestamp
        bool boolean                json   JSON value
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import Boolean, Float, Integer, Table

from models import ALL_TABLES, Base
from models.types import JSONValue, UTCDateTime

INT32 = (-(2**31), 2**31 - 1)  # Postgres `integer`; SQLite holds 64 bits, so both are held to 32
NUL = "\x00"


@dataclass(frozen=True)
class ColumnRule:
    table: str
    name: str
    kind: str
    nullable: bool
    allowed: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    max_length: int | None = None
    json_object: bool = False

    @property
    def quoted(self) -> str:
        return '"' + self.name.replace('"', '""') + '"'

    def in_range(self, number: float) -> bool:
        return (self.low is None or number >= self.low) and (self.high is None or number <= self.high)

    def problem(self, value: Any) -> str | None:
        """Why a Python value cannot be stored in this column on either engine
        (None when it can)."""
        if value is None:
            return None if self.nullable else "is required"
        return _CHECKS[self.kind](self, value)


def _text_problem(rule: ColumnRule, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be text, got {type(value).__name__}"
    if rule.allowed is not None and value not in rule.allowed:
        return f"must be one of {', '.join(rule.allowed)}; got {value!r}"
    if rule.max_length is not None and len(value) > rule.max_length:
        return f"is longer than {rule.max_length} characters"
    return text_problem(value)


def text_problem(value: str) -> str | None:
    """Text neither engine can hold: NUL (Postgres refuses it) or a lone surrogate."""
    if NUL in value:
        return "contains a NUL character, which the database cannot store"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text (lone surrogate)"
    return None


def _int_problem(rule: ColumnRule, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number, got {value!r}"
    if not INT32[0] <= value <= INT32[1]:
        return f"is outside 32 bits: {value}"
    return None if rule.in_range(value) else f"must be within {_bounds(rule)}, got {value}"


def _float_problem(rule: ColumnRule, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number, got {value!r}"
    if not math.isfinite(value) or not rule.in_range(value):
        return f"must be a finite number within {_bounds(rule)}, got {value!r}"
    return None


def _bounds(rule: ColumnRule) -> str:
    return f"{'' if rule.low is None else rule.low}..{'' if rule.high is None else rule.high}"


def _ts_problem(rule: ColumnRule, value: Any) -> str | None:
    return None if isinstance(value, datetime) else f"must be a datetime, got {type(value).__name__}"


def _bool_problem(rule: ColumnRule, value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {value!r}"


def _json_problem(rule: ColumnRule, value: Any) -> str | None:
    if rule.json_object and not isinstance(value, dict):
        return f"must be a JSON object (dict), got {type(value).__name__}"
    return json_problem(value)


def json_problem(value: Any, depth: int = 0) -> str | None:
    """Why a value is not JSON both engines store alike (None when it is)."""
    if depth > 100:
        return "is nested too deeply"
    if value is None or isinstance(value, (bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "holds NaN or Infinity, which JSON cannot store"
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, (list, tuple)):
        return next((p for p in (json_problem(v, depth + 1) for v in value) if p), None)
    if isinstance(value, dict):
        for key, item in value.items():
            problem = (text_problem(key) if isinstance(key, str) else "has a JSON key that is not text") \
                or json_problem(item, depth + 1)
            if problem:
                return problem
        return None
    return f"holds a {type(value).__name__}, which is not a JSON value"


_CHECKS = {
    "pk": _int_problem, "int": _int_problem, "float": _float_problem, "text": _text_problem,
    "check": _text_problem, "ts": _ts_problem, "bool": _bool_problem, "json": _json_problem,
}


def _kind(table: Table, name: str) -> str:
    column = table.columns[name]
    kind = column.type
    if column.primary_key and isinstance(kind, Integer):
        return "pk"
    if isinstance(kind, UTCDateTime):
        return "ts"
    if isinstance(kind, JSONValue):
        return "json"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Float):
        return "float"
    if isinstance(kind, Integer):
        return "int"
    return "check" if "allowed" in column.info else "text"


def _table_rules(table: Table) -> Mapping[str, ColumnRule]:
    rules = {}
    for column in table.columns:
        info = column.info
        rules[column.name] = ColumnRule(
            table=table.name, name=column.name, kind=_kind(table, column.name),
            nullable=bool(column.nullable) and not column.primary_key,
            allowed=info.get("allowed"), low=info.get("low"), high=info.get("high"),
            max_length=info.get("max_length"), json_object=info.get("json") == "object",
        )
    return MappingProxyType(rules)


RULES: Mapping[str, Mapping[str, ColumnRule]] = MappingProxyType(
    {name: _table_rules(Base.metadata.tables[name]) for name in ALL_TABLES}
)


def row_problems(table: str, row: Mapping[str, Any]) -> list[str]:
    """Every reason a row (column -> Python value) cannot be stored, as
    '<column> <reason>'; empty when it can."""
    rules = RULES[table]
    return [f"{name} {problem}" for name, value in row.items()
            if (problem := rules[name].problem(value)) is not None]
