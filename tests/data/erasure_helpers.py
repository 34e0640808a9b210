"""Helpers of tests/data/test_erasure.py: a scan of every table for a session
id, snapshots to compare, yarns written through the repository and dirty
legacy files holding non-UUID ids.

"Names the id" follows the decision of repository/erasure.py, written here
independently: the id occurs in some text (a column, a JSON string or key at
any depth, JSON text inside JSON text) and is not part of a longer word, i.e.
the characters right before and after it are not letters, digits, '_' or '-'.
So "50%_off" is named by "code 50%_off!" but not by "50%_offer".
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

# tests/transfer is on sys.path only when pytest collected a module there;
# make `import transfer_helpers` work when this file runs on its own.
_TRANSFER = str(Path(__file__).resolve().parent.parent / "transfer")
if _TRANSFER not in sys.path:
    sys.path.insert(0, _TRANSFER)

from models import Base, DataRepair  # noqa: E402
from repository import Repository, UnitOfWork  # noqa: E402
from repository.engines import make_engine  # noqa: E402
from transfer_helpers import TS, insert_raw, make_legacy  # noqa: E402

Row = dict[str, Any]
Tables = dict[str, dict[str, Row]]  # table -> primary key (as text) -> row
Hit = tuple[str, str, str]  # (table, primary key, column)
TABLES: tuple[str, ...] = tuple(Base.metadata.tables)
SESSION_CHILDREN = ("chat_history", "user_responses", "risk_detections", "session_summaries",
                    "intent_classifications")


# ---- reading everything ------------------------------------------------------------


def _key(table: str, row: Row) -> str:
    return str(row["session_id"] if table == "sessions" else row["id"])


def read_tables(url: str) -> Tables:
    """Every row of every table of the models, typed, by primary key."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {name: {_key(name, dict(row)): dict(row) for row in conn.execute(select(table)).mappings()}
                    for name, table in Base.metadata.tables.items()}
    finally:
        engine.dispose()


def _part_of_word(char: str) -> bool:
    return char.isalnum() or char in "_-"


def occurs(text: str, sid: str) -> bool:
    """`sid` in `text`, not as a piece of a longer word."""
    start = text.find(sid)
    while start >= 0:
        end = start + len(sid)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not _part_of_word(before) and not _part_of_word(after):
            return True
        start = text.find(sid, start + 1)
    return False


def texts(value: Any) -> Iterator[str]:
    """Every text a value holds: itself, JSON keys and strings at any depth,
    and what JSON text inside a string decodes to."""
    if isinstance(value, str):
        yield value
        if value.strip()[:1] in ("{", "[", '"'):
            try:
                decoded = json.loads(value)
            except ValueError:
                return
            if decoded != value:
                yield from texts(decoded)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from texts(key)
            yield from texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from texts(item)
    elif value is not None:
        yield str(value)


def names(value: Any, sid: str) -> bool:
    return any(occurs(text, sid) for text in texts(value))


def hits(tables: Tables, sid: str) -> list[Hit]:
    return sorted((table, key, column) for table, rows in tables.items() for key, row in rows.items()
                  for column, value in row.items() if names(value, sid))


def scan(url: str, sid: str) -> list[Hit]:
    """Every (table, primary key, column) of the database that names `sid`."""
    return hits(read_tables(url), sid)


def rows_naming(tables: Tables, sid: str) -> dict[str, dict[str, Row]]:
    """The whole rows that name `sid`, by table and key."""
    found: dict[str, dict[str, Row]] = {}
    for table, key, _ in hits(tables, sid):
        found.setdefault(table, {})[key] = tables[table][key]
    return found


def counts(tables: Tables) -> dict[str, int]:
    return {table: len(rows) for table, rows in tables.items()}


def disappeared(before: Tables, after: Tables) -> dict[str, int]:
    """Rows gone per table (only tables that lost rows)."""
    gone = {table: len(set(before[table]) - set(after[table])) for table in before}
    return {table: n for table, n in gone.items() if n}


def changed_keys(before: Tables, after: Tables, table: str) -> set[str]:
    """Rows of `table` still there whose values changed."""
    return {key for key, row in before[table].items() if key in after[table] and after[table][key] != row}


# ---- writing -------------------------------------------------------------------------


def write_yarn(uow: UnitOfWork, sid: str) -> None:
    """A full yarn: messages, answers, a detection (with its risk_triggered
    event), a summary, intent logs, log lines by session_id and naming the id
    only in their text, and analytics naming the id flat, nested, as a key,
    in a list and inside text."""
    uow.save_message(sid, "user", "hi there")
    uow.save_message(sid, "bot", "hello, what's your name?")
    uow.save_user_response(sid, "strengths", "footy")
    uow.save_user_response(sid, "goals", "finish school")
    uow.save_risk_detection(sid, "hurt myself", "i want to hurt myself")
    uow.save_session_summary(sid, "complete", {"strengths": "footy", "session": sid})
    uow.save_intent_classification(sid, "hi there", "greeting", 0.9, "rule_based", "welcome", 12)
    uow.save_system_log("ERROR", "chat", "turn failed", sid, "Traceback: boom")
    uow.save_system_log("WARNING", "outbox", f"replayed a turn of {sid}.")
    uow.save_system_log("ERROR", "llm", "timeout", None, f"while answering session={sid}\n  at line 3")
    for data in ({"session_id": sid}, {"turn": {"meta": {"session_id": sid, "tries": 2}}, "model": "x"},
                 {"sessions": [sid, "someone-else"], "n": 2}, {sid: 1}, {"note": f"yarn {sid} fell back"}):
        uow.save_analytics_event("llm_fallback_used", data)
    uow.save_analytics_event("session_started", None)


def add_repair(url: str, table_name: str, row_key: str, original: Mapping[str, Any], when: datetime,
               action: str = "timestamp_parsed") -> None:
    """A data_repairs record written as adoption writes them (JSON original, ASCII)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(DataRepair).values(
                table_name=table_name, row_key=row_key, column_name=None, action=action, detail="test",
                original=json.dumps(dict(original), ensure_ascii=True, sort_keys=True), repaired_at=when))
    finally:
        engine.dispose()


def run(url: str, work: Any, clock: Any = None) -> Any:
    repository = Repository(url, clock=clock) if clock is not None else Repository(url)
    try:
        return repository.run(work)
    finally:
        repository.dispose()


# ---- dirty legacy files -----------------------------------------------------------------


def _dirty_session_rows(sid: str, created_at: str, completed: Any) -> dict[str, list[Row]]:
    """One legacy yarn whose rows need repairs that name it (on SQLite and Postgres)."""
    return {
        "sessions": [{"session_id": sid, "fsm_state": "onboarding", "created_at": created_at,
                      "last_activity": created_at, "completed": completed, "completion_time": None}],
        "chat_history": [
            {"session_id": sid, "role": "user", "message": f"hi, I'm {sid}", "ts": TS},
            {"session_id": sid, "role": "bot", "message": "has a NUL \x00 here", "ts": TS},
            {"session_id": sid, "role": "system", "message": "role outside the list", "ts": TS},
            {"session_id": sid, "role": "user", "message": "other time format", "ts": "01/02/2024 10:00"},
        ],
        "user_responses": [{"session_id": sid, "step": "strengths", "response": "footy", "attempt_count": 1,
                            "created_at": TS, "updated_at": TS}],
        "risk_detections": [{"session_id": sid, "trigger_phrase": "x", "user_message": "y", "detected_at": TS,
                             "resources_shown": "false"}],
        "session_summaries": [{"session_id": sid, "summary_type": "complete", "summary_data": "not json {",
                               "generated_at": TS}],
        "intent_classifications": [{"session_id": sid, "user_message": "hi", "classified_intent": "greeting",
                                    "confidence": 1.5, "method": "rule_based", "created_at": TS}],
        "system_logs": [
            {"log_level": "INFO", "component": "yarn", "message": "ok", "session_id": sid, "created_at": TS},
            {"log_level": "TRACE", "component": "yarn", "message": "level outside", "session_id": sid,
             "created_at": TS},
            {"log_level": "ERROR", "component": "yarn", "message": f"turn of {sid} failed", "session_id": None,
             "created_at": TS},
        ],
        "analytics": [
            {"event_type": "llm_fallback_used", "event_data": json.dumps({"session_id": sid}), "timestamp": TS},
            {"event_type": "step_completed", "event_data": json.dumps({"step": "goals", "by": {"ids": [sid]}}),
             "timestamp": TS},
            {"event_type": "debug_event", "event_data": json.dumps({"session_id": sid}), "timestamp": TS},
        ],
    }


def _orphan_rows(sid: str) -> dict[str, list[Row]]:
    """Children of a session that is gone (a placeholder parent is made)."""
    return {
        "chat_history": [{"session_id": sid, "role": "user", "message": "orphan", "ts": "2024-01-05 09:00:00"}],
        "system_logs": [{"log_level": "ERROR", "component": "x", "message": "orphan log", "session_id": sid,
                         "created_at": TS}],
    }


def dirty_legacy(url: str, ids: Sequence[str], orphans: Sequence[str] = (), *,
                 created_at: Mapping[str, str] | None = None, completed: Mapping[str, Any] | None = None) -> str:
    """A legacy file with one dirty yarn per id (and orphan rows per orphan id)."""
    make_legacy(url)
    tables: dict[str, list[Row]] = {}
    parts = [_dirty_session_rows(sid, (created_at or {}).get(sid, TS), (completed or {}).get(sid, "yes"))
             for sid in ids] + [_orphan_rows(sid) for sid in orphans]
    for part in parts:
        for table, rows in part.items():
            tables.setdefault(table, []).extend(rows)
    for table, rows in tables.items():
        insert_raw(url, table, rows)
    return url
