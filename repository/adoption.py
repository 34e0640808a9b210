"""In-place repair of a legacy SQLite file before its tables are rebuilt.

Handed to migration 0002 by alembic/env.py (the migration itself imports
nothing of the project) and run on SQLite, on the raw legacy tables (values as
the old code stored them), with the same value rules (models/rules.py and
models/repair.py) the copy tool applies to legacy rows. Every change follows `models.repair` and is recorded in
`data_repairs`; quarantined rows move there whole. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert

from models import LEGACY_TABLES, SESSION_CHILD_TABLES
from models.repair import Repair, RowRepairer, parse_timestamp, placeholder_session
from models.rules import RULES
from models.types import json_dumps
from repository.engines.sqlite import canonical_text

# The column each child table dates its rows by (placeholder parents take the earliest).
CHILD_TIME_COLUMN = {
    "chat_history": "ts",
    "user_responses": "created_at",
    "risk_detections": "detected_at",
    "session_summaries": "generated_at",
    "intent_classifications": "created_at",
    "system_logs": "created_at",
}


def _stored(table: str, fixed: dict[str, Any]) -> dict[str, Any]:
    """Repaired values as SQLite stores them for the new schema."""
    rules = RULES[table]
    out: dict[str, Any] = {}
    for name, value in fixed.items():
        kind = rules[name].kind if name in rules else None
        if value is None:
            out[name] = None
        elif kind == "ts":
            out[name] = canonical_text(value)
        elif kind == "json":
            out[name] = json_dumps(value)
        elif kind == "bool":
            out[name] = 1 if value else 0
        else:
            out[name] = value
    return out


def _rows(connection: Connection, table: str) -> Iterator[tuple[int, dict[str, Any]]]:
    result = connection.exec_driver_sql(f'SELECT rowid, * FROM "{table}"')
    names = list(result.keys())[1:]
    for row in result:
        yield row[0], dict(zip(names, row[1:]))


def _repair_table(connection: Connection, table: str) -> list[Repair]:
    repairer = RowRepairer(table, "sqlite")
    repairs: list[Repair] = []
    deletes: list[tuple[int]] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    for rowid, original in _rows(connection, table):
        fixed, found = repairer.repair(original)
        repairs.extend(found)
        if fixed is None:
            deletes.append((rowid,))
            continue
        stored = _stored(table, fixed)
        changed = {k: v for k, v in stored.items() if type(v) is not type(original[k]) or v != original[k]}
        if changed:
            updates.append((rowid, changed))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    for rowid, changed in updates:
        assignments = ", ".join(f'"{name}" = ?' for name in changed)
        cursor.execute(f'UPDATE "{table}" SET {assignments} WHERE rowid = ?', [*changed.values(), rowid])
    cursor.executemany(f'DELETE FROM "{table}" WHERE rowid = ?', deletes)
    cursor.close()
    return repairs


def _adopt_orphans(connection: Connection) -> list[Repair]:
    repairs: list[Repair] = []
    known = {row[0] for row in connection.exec_driver_sql("SELECT session_id FROM sessions")}
    first_seen: dict[str, tuple[datetime | None, str]] = {}
    for child in SESSION_CHILD_TABLES:
        column = CHILD_TIME_COLUMN[child]
        query = f'SELECT session_id, MIN("{column}") FROM "{child}" WHERE session_id IS NOT NULL GROUP BY session_id'
        for session_id, earliest in connection.exec_driver_sql(query):
            if session_id in known or session_id in first_seen:
                continue
            first_seen[session_id] = (parse_timestamp(earliest) if earliest else None, child)
    rows = []
    for session_id, (when, child) in first_seen.items():
        row, repair = placeholder_session(session_id, when, child)
        rows.append(_stored("sessions", row))
        repairs.append(repair)
    if rows:
        names = list(rows[0])
        marks = ", ".join("?" for _ in names)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(
            f"INSERT INTO sessions ({', '.join(names)}) VALUES ({marks})",
            [[row[name] for name in names] for row in rows],
        )
        cursor.close()
    return repairs


def repair_legacy_rows(connection: Connection, data_repairs: Any, now: datetime | None = None) -> list[Repair]:
    """Repair every legacy table in place and record what was done."""
    repairs: list[Repair] = []
    for table in LEGACY_TABLES:
        repairs.extend(_repair_table(connection, table))
    repairs.extend(_adopt_orphans(connection))
    stamp = now or datetime.now(UTC)
    records = [repair.as_row(stamp) for repair in repairs]
    if records:
        connection.execute(insert(data_repairs), records)
    return repairs
