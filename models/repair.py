"""Rules that fit a dirty legacy row into the schema without losing anything.

Legacy SQLite files can hold what the schema refuses. Each rule keeps the row and
records what it did in `data_repairs`, with the whole original row (as JSON text,
NUL written as the escape \\u0000), so every change can be undone:

| found                                   | done                                               | action                 |
|-----------------------------------------|----------------------------------------------------|------------------------|
| timestamp text in another format        | parsed (ISO 8601, dd/mm/yyyy, epoch seconds), UTC  | timestamp_parsed       |
| timestamp that cannot be parsed         | column set to NULL                                 | timestamp_unparseable  |
| JSON column holding text that isn't JSON| stored as {"$legacy_text": "<the text>"}           | json_wrapped           |
| NUL in text, target Postgres            | each NUL replaced by U+2400 (␀)                    | nul_replaced           |
| boolean/number stored as text           | converted ('true', 't', 'yes', '1', '2.5', ...)    | value_converted        |
| value outside a CHECK list or range     | row moved whole into data_repairs, not in its table| quarantined            |
| NULL where the schema requires a value  | row moved whole into data_repairs (e.g. a NULL     | quarantined            |
|   (after the rules above)               |   session_id, summary_data holding JSON `null`)    |                        |
| integer outside 32 bits, target Postgres| row moved whole into data_repairs                  | quarantined            |
| BLOB / invalid UTF-8 in a text column   | decoded as UTF-8, invalid bytes as U+FFFD          | value_converted        |
| sessions.fsm_state outside its list     | set to 'welcome' (a session has children: it stays)| value_replaced         |
| child row whose session is gone         | placeholder session created with that session_id   | placeholder_parent     |

A quarantined row is kept only in data_repairs.original; nothing else is dropped.
`row_key` is the key as the target stores it (NUL replaced on Postgres, bytes decoded),
so it always names the row in its table; the original key is in `original`.
JSON text whose strings cannot be encoded as UTF-8 (lone surrogate escapes such as
\\ud800) is wrapped like text that is not JSON.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dateutil import parser as date_parser

from models.rules import INT32, RULES, ColumnRule

ACTIONS: tuple[str, ...] = (
    "timestamp_parsed",
    "timestamp_unparseable",
    "json_wrapped",
    "nul_replaced",
    "value_converted",
    "value_replaced",
    "quarantined",
    "placeholder_parent",
)
LEGACY_TEXT_KEY = "$legacy_text"
NUL_REPLACEMENT = "\u2400"

# A session is never quarantined (its children would lose their parent).
CHECK_FALLBACKS: dict[tuple[str, str], str] = {("sessions", "fsm_state"): "welcome"}
_CANONICAL_TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$")
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}


@dataclass(frozen=True)
class Repair:
    table: str
    row_key: str
    column: str | None
    action: str
    detail: str
    original: dict[str, Any] = field(compare=False)

    def as_row(self, repaired_at: datetime) -> dict[str, Any]:
        """The data_repairs row that records this repair."""
        return {
            "table_name": self.table,
            "row_key": self.row_key,
            "column_name": self.column,
            "action": self.action,
            "detail": self.detail,
            "original": original_text(self.original),
            "repaired_at": repaired_at,
        }


class Quarantine(Exception):
    """Raised by a column rule when the row cannot live in its table."""


def original_text(row: dict[str, Any]) -> str:
    """The row as JSON text, exactly recoverable, and storable on Postgres
    (ensure_ascii writes NUL as the six characters \\u0000)."""
    return json.dumps(row, ensure_ascii=True, default=_json_default, sort_keys=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"$bytes_hex": value.hex()}
    return str(value)


def primary_key_of(table: str, row: dict[str, Any]) -> str:
    key = "session_id" if table == "sessions" else "id"
    return str(row.get(key))


def parse_timestamp(value: Any) -> datetime | None:
    """A legacy timestamp as an aware UTC datetime; ValueError when unreadable."""
    if value is None or isinstance(value, datetime):
        return None if value is None else _utc(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), tz=UTC)
    text = str(value).strip()
    if re.fullmatch(r"\d{9,11}(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), tz=UTC)
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    try:
        return _utc(date_parser.parse(text, dayfirst=True))
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"unreadable timestamp {text!r}") from exc


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class RowRepairer:
    """Applies the rules to one row of one table, for a target engine."""

    def __init__(self, table: str, target: str, absent: frozenset[str] = frozenset()) -> None:
        """`absent`: columns the source does not have (read as their defaults);
        they are left out of the originals recorded."""
        self.table = table
        self.target = target
        self.absent = absent
        self.columns: dict[str, ColumnRule] = dict(RULES[table])

    def _original(self, row: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in row.items() if name not in self.absent}

    def repair(self, row: dict[str, Any]) -> tuple[dict[str, Any] | None, list[Repair]]:
        """(the row as the schema takes it, or None when quarantined; what was done)."""
        key = self._key_text(primary_key_of(self.table, row), row)
        repairs: list[Repair] = []
        fixed: dict[str, Any] = {}
        try:
            for name, value in row.items():
                fixed[name] = self._column(name, value, key, row, repairs)
            for name, value in fixed.items():
                column = self.columns.get(name)
                if value is None and column is not None and not column.nullable:
                    raise Quarantine(f"{name} is NULL but the schema requires a value")
        except Quarantine as reason:
            return None, [Repair(self.table, key, None, "quarantined", str(reason), self._original(row))]
        return fixed, repairs

    def _key_text(self, key: str, row: dict[str, Any]) -> str:
        """The row key as the target stores it (bytes decoded, NUL replaced on Postgres)."""
        raw = row.get("session_id" if self.table == "sessions" else "id")
        if isinstance(raw, bytes):
            key = raw.decode("utf-8", "replace")
        if self.target == "postgresql":
            key = key.replace("\x00", NUL_REPLACEMENT)
        return key

    def _column(self, name: str, value: Any, key: str, row: dict[str, Any], out: list[Repair]) -> Any:
        column = self.columns.get(name)
        if column is None or value is None:
            return value
        kind = column.kind
        if kind == "ts":
            return self._timestamp(name, value, key, row, out)
        if kind == "json":
            return self._json(name, value, key, row, out)
        if kind == "bool":
            return self._boolean(name, value, key, row, out)
        if kind in ("pk", "int", "float"):
            return self._number(name, value, key, row, out, kind != "float")
        return self._text(name, value, key, row, out)

    def _note(self, out: list[Repair], key: str, name: str, action: str, detail: str, row: dict[str, Any]) -> None:
        out.append(Repair(self.table, key, name, action, detail, self._original(row)))

    def _timestamp(self, name: str, value: Any, key: str, row: dict[str, Any], out: list[Repair]) -> datetime | None:
        canonical = isinstance(value, datetime) or bool(_CANONICAL_TS.match(str(value)))
        try:
            parsed = parse_timestamp(value)
        except (ValueError, OverflowError, OSError):
            self._note(out, key, name, "timestamp_unparseable", f"{value!r} could not be read; set to NULL", row)
            return None
        if not canonical:
            self._note(out, key, name, "timestamp_parsed", f"{value!r} read as {parsed.isoformat()}", row)
        return parsed

    def _json(self, name: str, value: Any, key: str, row: dict[str, Any], out: list[Repair]) -> Any:
        if not isinstance(value, (str, bytes)):
            return value  # already decoded by the reader
        try:
            decoded = json.loads(value)
            if json_storable(decoded, self.target):
                return decoded
            reason = "JSON holding NaN/Infinity or NUL"
        except ValueError:
            reason = "text that is not JSON"
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        if self.target == "postgresql":
            text = text.replace("\x00", NUL_REPLACEMENT)
        self._note(out, key, name, "json_wrapped", f"{reason}; kept as {{{LEGACY_TEXT_KEY!r}: text}}", row)
        return {LEGACY_TEXT_KEY: text}

    def _boolean(self, name: str, value: Any, key: str, row: dict[str, Any], out: list[Repair]) -> bool:
        if isinstance(value, bool) or value in (0, 1):
            return bool(value)
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            self._note(out, key, name, "value_converted", f"{value!r} read as {text in _TRUE}", row)
            return text in _TRUE
        raise Quarantine(f"{name}={value!r} is not a boolean")

    def _number(self, name: str, value: Any, key: str, row: dict[str, Any], out: list[Repair], integer: bool) -> Any:
        number = value
        if isinstance(value, (str, bytes)) or (integer and isinstance(value, float)):
            try:
                number = float(value)
                number = int(number) if integer and number.is_integer() else number
            except ValueError:
                raise Quarantine(f"{name}={value!r} is not a number") from None
            if integer and not isinstance(number, int):
                raise Quarantine(f"{name}={value!r} is not a whole number")
            self._note(out, key, name, "value_converted", f"{value!r} read as {number!r}", row)
        if integer and self.target == "postgresql" and not INT32[0] <= number <= INT32[1]:
            raise Quarantine(f"{name}={value!r} does not fit a 32-bit integer")
        if isinstance(number, float) and not math.isfinite(number):
            raise Quarantine(f"{name}={value!r} is not a finite number")
        rule = self.columns[name]
        if not rule.in_range(number):
            low, high = rule.low, rule.high
            raise Quarantine(f"{name}={value!r} is outside {low}..{high if high is not None else ''}")
        return number

    def _text(self, name: str, value: Any, key: str, row: dict[str, Any], out: list[Repair]) -> Any:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        if isinstance(value, bytes):
            self._note(out, key, name, "value_converted", f"{len(value)} bytes (BLOB or invalid UTF-8) decoded as UTF-8 text", row)
        allowed = self.columns[name].allowed
        fallback = CHECK_FALLBACKS.get((self.table, name))
        if allowed is not None and text not in allowed and fallback is not None:
            self._note(out, key, name, "value_replaced", f"{text!r} is not one of {', '.join(allowed)}; set to {fallback!r}", row)
            return fallback
        if allowed is not None and text not in allowed:
            raise Quarantine(f"{name}={text!r} is not one of {', '.join(allowed)}")
        if "\x00" in text and self.target == "postgresql":
            self._note(out, key, name, "nul_replaced", f"{text.count(chr(0))} NUL replaced by U+2400", row)
            text = text.replace("\x00", NUL_REPLACEMENT)
        return text


def json_storable(value: Any, target: str) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate escape: no database can store it
            return False
        return target != "postgresql" or "\x00" not in value
    if isinstance(value, list):
        return all(json_storable(item, target) for item in value)
    if isinstance(value, dict):
        return all(json_storable(k, target) and json_storable(v, target) for k, v in value.items())
    return True


def placeholder_session(session_id: str, first_seen: datetime | None, child_table: str) -> tuple[dict[str, Any], Repair]:
    """A parent for orphan rows, so they keep their session_id. Marked by its
    data_repairs record (action placeholder_parent)."""
    row = {
        "session_id": session_id,
        "fsm_state": "welcome",
        "created_at": first_seen,
        "last_activity": first_seen,
        "completed": False,
        "completion_time": None,
    }
    detail = f"placeholder parent for orphan rows in {child_table} (their session was gone)"
    return row, Repair("sessions", session_id, None, "placeholder_parent", detail, {"session_id": session_id})
