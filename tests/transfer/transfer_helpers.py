"""Helpers for the transfer tests: legacy files with dirty rows, running the
copy in-process, reading tables back as typed values."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from models import ALL_TABLES, LEGACY_TABLES, Base
from legacy_schema import legacy_statements
from repository.engines import make_engine
from transfer.copy import Options, Outcome, run_copy
from transfer.endpoints import parse_url
from transfer.report import Report, Ui
from transfer.verify import Verification, run_verify

TS = "2025-03-01 10:00:00"


def sqlite_path(url: str) -> str:
    database = make_url(url).database
    assert database
    return database


def make_legacy(url: str) -> str:
    """An empty legacy schema-v2 file (as the old chatbot's start-up made it)."""
    conn = sqlite3.connect(sqlite_path(url))
    conn.execute("PRAGMA foreign_keys = OFF")
    for statement in legacy_statements():
        conn.execute(statement)
    conn.commit()
    conn.close()
    return url


def insert_raw(url: str, table: str, rows: Sequence[dict[str, Any]], *, checks: bool = False) -> None:
    """Rows exactly as given (no type conversion), foreign keys off and, unless
    `checks`, CHECK constraints ignored (an older script wrote them)."""
    if not rows:
        return
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    if not checks:
        conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute("BEGIN")
    for row in rows:
        names = list(row)
        conn.execute(
            f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join("?" for _ in names)})',
            [row[name] for name in names],
        )
    conn.execute("COMMIT")
    conn.close()


def fill_clean_legacy(url: str, sessions: int = 3, messages: int = 4) -> str:
    """A legacy file with ordinary rows in every table; returns its URL."""
    make_legacy(url)
    session_rows, chats, responses, risks, summaries, events, intents, logs = [], [], [], [], [], [], [], []
    for s in range(sessions):
        sid = f"session-{s}"
        session_rows.append({"session_id": sid, "fsm_state": "goals", "created_at": f"2025-03-0{1 + s % 9} 10:00:00",
                             "last_activity": f"2025-03-0{1 + s % 9} 10:30:00", "completed": s % 2, "completion_time": None})
        for m in range(messages):
            chats.append({"session_id": sid, "role": "user" if m % 2 == 0 else "bot", "message": f"message {m} of {sid} é",
                          "ts": f"2025-03-0{1 + s % 9} 10:{m:02d}:00"})
        responses.append({"session_id": sid, "step": "strengths", "response": "footy", "attempt_count": 1,
                          "created_at": TS, "updated_at": TS})
        summaries.append({"session_id": sid, "summary_type": "complete",
                          "summary_data": '{"strengths": "footy", "score": 0.5, "list": [1, 2.25, null]}',
                          "generated_at": TS})
        events.append({"event_type": "session_started", "event_data": None, "session_count": 1, "timestamp": TS})
        events.append({"event_type": "step_completed", "event_data": '{"step": "strengths"}', "session_count": 1,
                       "timestamp": TS})
        intents.append({"session_id": sid, "user_message": "hi", "classified_intent": "greeting", "confidence": 0.75,
                        "method": "rule_based", "fsm_state": "welcome", "inference_time_ms": 12, "created_at": TS})
        logs.append({"log_level": "INFO", "component": "yarn", "message": "ok", "session_id": sid,
                     "error_trace": None, "created_at": TS})
    risks.append({"session_id": "session-0", "trigger_phrase": "hurt myself", "user_message": "i want to hurt myself",
                  "detected_at": TS, "resources_shown": 1})
    for table, rows in (("sessions", session_rows), ("chat_history", chats), ("user_responses", responses),
                        ("risk_detections", risks), ("session_summaries", summaries), ("analytics", events),
                        ("intent_classifications", intents), ("system_logs", logs)):
        insert_raw(url, table, rows, checks=True)
    return url


def counts(url: str, tables: Iterable[str] = LEGACY_TABLES) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {table: conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one() for table in tables}
    finally:
        engine.dispose()


def read_table(url: str, table: str) -> list[dict[str, Any]]:
    """A table as typed values (through the models' types), in key order."""
    sa_table = Base.metadata.tables[table]
    key = sa_table.c.session_id if table == "sessions" else sa_table.c.id
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(select(sa_table).order_by(key)).mappings()]
    finally:
        engine.dispose()


def read_all(url: str, tables: Iterable[str] = LEGACY_TABLES) -> dict[str, list[dict[str, Any]]]:
    return {table: read_table(url, table) for table in tables}


def repairs_of(url: str) -> list[tuple[str, str, str | None, str]]:
    return sorted(
        (row["table_name"], row["row_key"], row["column_name"], row["action"]) for row in read_table(url, "data_repairs")
    )


def copy(source: str, target: str, tmp_path: Path, **options: Any) -> Outcome:
    report = tmp_path / f"report-{len(list(tmp_path.glob('report-*.json')))}.json"
    return run_copy(source, target, Options(**options), ui=Ui(quiet=True), report_path=report)


def verify(source: str, target: str, max_ids: int = 20) -> Verification:
    report = Report("verify")
    return run_verify(parse_url(source), parse_url(target), ui=Ui(quiet=True), report=report, max_ids=max_ids)


def file_digest(url: str) -> str:
    """The bytes of an SQLite file (and of its -wal if there is one)."""
    path = Path(sqlite_path(url))
    digest = hashlib.sha256(path.read_bytes())
    wal = Path(f"{path}-wal")
    if wal.exists():
        digest.update(wal.read_bytes())
    return digest.hexdigest()


__all__ = [
    "ALL_TABLES",
    "LEGACY_TABLES",
    "TS",
    "copy",
    "counts",
    "file_digest",
    "fill_clean_legacy",
    "insert_raw",
    "make_legacy",
    "read_all",
    "read_table",
    "repairs_of",
    "sqlite_path",
    "verify",
]
