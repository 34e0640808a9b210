"""The shortcut for legacy rows that are already clean.

`models.repair.RowRepairer` is the rule book for dirty legacy values; calling
it for each of a million clean rows would dominate the copy. So every chunk is
first checked column by column, with whole-column operations (a set of the
value types, min/max, one regular expression over all timestamps of the
chunk, one search for NUL). A row passes only if *every* value is one the rules
would take unchanged, without a note:

  int    an integer (within 32 bits for Postgres) inside the column's range
  float  a finite float inside the column's range
  text   a str (without NUL for Postgres)
  check  one of the column's CHECK values
  ts     'YYYY-MM-DD HH:MM:SS[.f{1,6}]' naming a real date and time
  bool   0 or 1
  json   a str that parses as JSON the target can store (see `convert_json`)
  NULL   only where the column allows it

Every other row goes through `RowRepairer` (tests/transfer check on random
dirty values that both ways give the same rows and the same repairs).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from models.repair import json_storable
from models.rules import INT32
from models.types import json_dumps
from transfer.checksum import canonical_json
from transfer.tables import Column
NONE = type(None)
_TS = r"(?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]) (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
TS_ONE = re.compile(_TS, re.ASCII)
TS_MANY = re.compile(f"(?:{_TS}\n)*", re.ASCII)


def _real_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _timestamp_ok(value: Any) -> bool:
    return type(value) is str and TS_ONE.fullmatch(value) is not None and _real_date(value[:10])


def value_ok(column: Column, value: Any, target: str) -> bool:
    """One value, the slow way (the reference for the whole-column checks)."""
    if value is None:
        return column.nullable
    kind = column.kind
    if kind == "pk":
        return type(value) is int
    if kind == "int":
        if type(value) is not int:
            return False
        if target == "postgresql" and not INT32[0] <= value <= INT32[1]:
            return False
        return column.in_range(value)
    if kind == "float":
        return type(value) is float and math.isfinite(value) and column.in_range(value)
    if kind == "text":
        return type(value) is str and (target != "postgresql" or "\x00" not in value)
    if kind == "check":
        return value in (column.allowed or ())
    if kind == "ts":
        return _timestamp_ok(value)
    if kind == "bool":
        return type(value) is int and value in (0, 1)
    if kind == "json":
        return type(value) is str
    raise AssertionError(kind)  # pragma: no cover


def bad_rows(column: Column, values: Sequence[Any], target: str) -> set[int]:
    """Positions of the values in this column that need RowRepairer."""
    kind = column.kind
    if kind == "pk" or not values:
        return set()
    if _column_ok(column, values, target):
        return set()
    return {i for i, value in enumerate(values) if not value_ok(column, value, target)}


def _column_ok(column: Column, values: Sequence[Any], target: str) -> bool:
    """The whole column at once; False means 'look row by row'."""
    kind = column.kind
    if kind == "check":
        return set(values) <= set(column.allowed or ())
    types = set(map(type, values))
    if NONE in types:
        if not column.nullable:
            return False
        types.discard(NONE)
        present = [value for value in values if value is not None]
    else:
        present = list(values)
    if not present:
        return True
    expected = {"int": int, "float": float, "text": str, "ts": str, "bool": int, "json": str}[kind]
    if types != {expected}:
        return False
    if kind == "int":
        low, high = min(present), max(present)
        if target == "postgresql" and (low < INT32[0] or high > INT32[1]):
            return False
        return column.in_range(low) and column.in_range(high)
    if kind == "float":
        low, high = min(present), max(present)
        return math.isfinite(low) and math.isfinite(high) and column.in_range(low) and column.in_range(high)
    if kind == "text":
        return target != "postgresql" or "\x00" not in "".join(present)
    if kind == "bool":
        return set(present) <= {0, 1}
    if kind == "ts":
        joined = "\n".join(present) + "\n"
        if joined.count("\n") != len(present) or TS_MANY.fullmatch(joined) is None:
            return False
        return all(_real_date(day) for day in {value[:10] for value in present})
    return True  # json: parsed (and checked) when converted


def pad_timestamps(values: Sequence[Any]) -> list[Any]:
    """Canonical timestamps to the 26-character stored form (fraction to 6 digits)."""
    return [
        (v + ".000000" if len(v) == 19 else v + "0" * (26 - len(v))) if type(v) is str and len(v) < 26 else v
        for v in values
    ]


class _FloatSeen(Exception):
    pass


def _no_float(text: str) -> Any:
    raise _FloatSeen


_SIMPLE_DECODER = json.JSONDecoder(parse_float=_no_float, parse_constant=_no_float)
_STORED_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def parse_json_fast(text: str) -> tuple[Any, bool]:
    """(value, simple): `simple` when the JSON has no float, NaN or Infinity and
    no \\u escape - then the value needs no NUL / surrogate / finiteness check
    and the C encoder writes exactly what `models.types.json_dumps` writes."""
    if "\\u" in text:
        return json.loads(text), False
    try:
        return _SIMPLE_DECODER.decode(text), True
    except _FloatSeen:
        return json.loads(text), False


def dumps_fast(value: Any, simple: bool) -> str:
    """`models.types.json_dumps(value)`, by the C encoder when `simple`."""
    return _STORED_ENCODER.encode(value) if simple else json_dumps(value)


def canonical_fast(value: Any, text: str, simple: bool) -> str:
    return _CANONICAL_ENCODER.encode(value) if simple else canonical_json(value, text)


def convert_json(
    values: Sequence[Any], target: str, nullable: bool, stored: bool, normal: bool, skip: set[int]
) -> tuple[list[Any], list[Any], set[int]]:
    """Parse a JSON column: (stored json_dumps texts, canonical texts, rows that
    must go to RowRepairer: not JSON, not storable, or JSON null where the
    column needs a value)."""
    stored_out: list[Any] = []
    normal_out: list[Any] = []
    bad: set[int] = set()
    for i, text in enumerate(values):
        if text is None or i in skip:
            stored_out.append(None)
            normal_out.append(None)
            continue
        try:
            value, simple = parse_json_fast(text)
            if (not simple and not json_storable(value, target)) or (value is None and not nullable):
                raise ValueError("needs repair")
            if value is None:  # JSON null is stored as SQL NULL (docs/architecture.md)
                stored_out.append(None)
                normal_out.append(None)
                continue
            stored_out.append(dumps_fast(value, simple) if stored else None)
            normal_out.append(canonical_fast(value, text, simple) if normal else None)
        except (ValueError, TypeError):
            bad.add(i)
            stored_out.append(None)
            normal_out.append(None)
    return stored_out, normal_out, bad


def normalise_booleans(values: Sequence[Any]) -> list[Any]:
    return [value if value is None else ("true" if value == 1 else "false" if value == 0 else value) for value in values]


def normalise_floats(values: Sequence[Any]) -> list[Any]:
    return [value + 0.0 if type(value) is float else value for value in values]

