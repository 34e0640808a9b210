"""Dirty legacy rows: each kind is kept (never dropped), repaired by the rules
of models/repair.py, recorded in data_repairs with its original, and listed in
the report; the copy still verifies."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from models.repair import LEGACY_TEXT_KEY, NUL_REPLACEMENT
from transfer_helpers import TS, copy, fill_clean_legacy, insert_raw, read_table, sqlite_path

MakeDb = Callable[[str], str]


def _dirty_legacy(url: str) -> str:
    fill_clean_legacy(url, sessions=2)
    insert_raw(url, "sessions", [
        {"session_id": "nul\x00id", "fsm_state": "welcome", "created_at": TS, "last_activity": TS, "completed": "yes"},
        {"session_id": "odd-state", "fsm_state": "onboarding", "created_at": "01/02/2024 10:00",
         "last_activity": TS, "completed": 0},
        {"session_id": "quarantined", "fsm_state": "welcome", "created_at": TS, "last_activity": TS, "completed": "maybe"},
        {"session_id": None, "fsm_state": "welcome", "created_at": TS, "last_activity": TS, "completed": 0},
    ])
    insert_raw(url, "chat_history", [
        {"id": 101, "session_id": "gone", "role": "user", "message": "orphan", "ts": "2024-01-05 09:00:00"},
        {"id": 102, "session_id": "session-0", "role": "bot", "message": "has a NUL \x00 here", "ts": TS},
        {"id": 103, "session_id": "session-0", "role": "system", "message": "role outside the list", "ts": TS},
        {"id": 104, "session_id": "session-0", "role": "user", "message": "epoch", "ts": 1700000000},
        {"id": 105, "session_id": "session-0", "role": "user", "message": "offset", "ts": "2024-01-02T11:00:00+10:00"},
        {"id": 106, "session_id": "session-0", "role": "user", "message": "garbage time", "ts": "not a time"},
        {"id": 107, "session_id": "session-0", "role": "user", "message": "no such day", "ts": "2023-02-29 10:00:00"},
        {"id": 108, "session_id": "nul\x00id", "role": "user", "message": "child of the NUL session", "ts": TS},
        {"id": 109, "session_id": "quarantined", "role": "user", "message": "child of a quarantined session", "ts": TS},
        {"id": 110, "session_id": "session-0", "role": "user", "message": b"a BLOB \xff", "ts": TS},
    ])
    insert_raw(url, "session_summaries", [
        {"id": 101, "session_id": "session-0", "summary_type": "complete", "summary_data": "not json {", "generated_at": TS},
        {"id": 102, "session_id": "session-0", "summary_type": "partial", "summary_data": "null", "generated_at": TS},
        {"id": 103, "session_id": "session-0", "summary_type": "partial", "summary_data": '{"n": NaN}', "generated_at": TS},
        {"id": 104, "session_id": "session-0", "summary_type": "partial", "summary_data": '{"s": "a\\u0000b"}',
         "generated_at": TS},
    ])
    insert_raw(url, "risk_detections", [
        {"id": 101, "session_id": "session-1", "trigger_phrase": "x", "user_message": "y", "detected_at": TS,
         "resources_shown": "false"},
    ])
    insert_raw(url, "analytics", [
        {"id": 101, "event_type": "debug_event", "event_data": "{}", "session_count": 1, "timestamp": TS},
        {"id": 102, "event_type": "session_started", "event_data": None, "session_count": " 3", "timestamp": TS},
    ])
    insert_raw(url, "intent_classifications", [
        {"id": 101, "session_id": "session-0", "user_message": "hi", "classified_intent": "greeting",
         "confidence": "high", "method": "rule_based", "created_at": TS},
        {"id": 102, "session_id": "session-0", "user_message": "hi", "classified_intent": "greeting",
         "confidence": 0.5, "method": "hybrid", "inference_time_ms": 99_999_999_999, "created_at": TS},
        {"id": 103, "session_id": "session-0", "user_message": "hi", "classified_intent": "greeting",
         "confidence": 1.5, "method": "hybrid", "created_at": TS},
    ])
    insert_raw(url, "system_logs", [
        {"id": 101, "log_level": "TRACE", "component": "x", "message": "level outside the list", "created_at": TS},
        {"id": 102, "log_level": "ERROR", "component": "x", "message": "orphan log", "session_id": "gone-too",
         "created_at": TS},
    ])
    import sqlite3

    conn = sqlite3.connect(sqlite_path(url))
    conn.execute(  # text that is not valid UTF-8 (a TEXT value, not a BLOB)
        "INSERT INTO chat_history (id, session_id, role, message, ts) VALUES (111, 'session-1', 'bot', CAST(X'6869FF' AS TEXT), ?)",
        (TS,),
    )
    conn.commit()
    conn.close()
    return url


def _by_key(rows: list[dict[str, Any]], key: str = "id") -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


def _repairs(url: str) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    out = {}
    for row in read_table(url, "data_repairs"):
        out[(row["table_name"], row["row_key"], row["column_name"], row["action"])] = row
    return out


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_every_dirty_kind_is_kept_and_reported(kind: str, make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = _dirty_legacy(make_empty_db("sqlite"))
    target = make_empty_db(kind)
    postgres = kind == "postgresql"

    outcome = copy(source, target, tmp_path)

    assert outcome.exit_code == 0, outcome.report.get("verification")
    repairs = _repairs(target)
    keys = {(t, k, c, a) for (t, k, c, a) in repairs}
    nul_id = f"nul{NUL_REPLACEMENT}id" if postgres else "nul\x00id"

    # orphans: the row keeps its session id, a placeholder parent is made and marked
    sessions = _by_key(read_table(target, "sessions"), "session_id")
    chats = _by_key(read_table(target, "chat_history"))
    assert chats[101]["session_id"] == "gone"
    assert sessions["gone"]["fsm_state"] == "welcome"
    assert sessions["gone"]["created_at"] == datetime(2024, 1, 5, 9, 0, tzinfo=UTC)
    assert ("sessions", "gone", None, "placeholder_parent") in keys
    assert ("sessions", "gone-too", None, "placeholder_parent") in keys  # an orphan system log
    # a session that is quarantined but has children: kept in data_repairs, placeholder in its place
    assert ("sessions", "quarantined", None, "quarantined") in keys
    assert ("sessions", "quarantined", None, "placeholder_parent") in keys
    assert chats[109]["session_id"] == "quarantined"
    # a NULL session id cannot live in the table: quarantined, original kept
    assert ("sessions", "None", None, "quarantined") in keys

    # NUL: replaced on Postgres (reversibly), kept on SQLite
    if postgres:
        assert chats[102]["message"] == f"has a NUL {NUL_REPLACEMENT} here"
        record = repairs[("chat_history", "102", "message", "nul_replaced")]
        assert json.loads(record["original"])["message"] == "has a NUL \x00 here"
        assert chats[108]["session_id"] == nul_id and nul_id in sessions
        assert ("sessions", nul_id, "session_id", "nul_replaced") in keys
    else:
        assert chats[102]["message"] == "has a NUL \x00 here"
        assert not any(a == "nul_replaced" for (_, _, _, a) in keys)
    assert sessions[nul_id]["completed"] is True
    assert ("sessions", nul_id, "completed", "value_converted") in keys

    # values outside a CHECK list: the row moves whole into data_repairs; fsm_state falls back
    assert 103 not in chats
    original = json.loads(repairs[("chat_history", "103", None, "quarantined")]["original"])
    assert original == {"id": 103, "session_id": "session-0", "role": "system", "message": "role outside the list", "ts": TS}
    assert sessions["odd-state"]["fsm_state"] == "welcome"
    assert ("sessions", "odd-state", "fsm_state", "value_replaced") in keys
    assert ("analytics", "101", None, "quarantined") in keys
    assert ("system_logs", "101", None, "quarantined") in keys

    # timestamps in other formats are parsed; what cannot be read becomes NULL, recorded
    assert sessions["odd-state"]["created_at"] == datetime(2024, 2, 1, 10, 0, tzinfo=UTC)
    assert chats[104]["ts"] == datetime.fromtimestamp(1700000000, tz=UTC)
    assert chats[105]["ts"] == datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
    assert chats[106]["ts"] is None and chats[107]["ts"] is None
    assert ("chat_history", "104", "ts", "timestamp_parsed") in keys
    assert ("chat_history", "106", "ts", "timestamp_unparseable") in keys
    assert ("chat_history", "107", "ts", "timestamp_unparseable") in keys

    # JSON: text that is not JSON is wrapped (recoverable exactly); JSON null in a NOT NULL column quarantined
    summaries = _by_key(read_table(target, "session_summaries"))
    assert summaries[101]["summary_data"] == {LEGACY_TEXT_KEY: "not json {"}
    assert summaries[103]["summary_data"] == {LEGACY_TEXT_KEY: '{"n": NaN}'}
    assert 102 not in summaries and ("session_summaries", "102", None, "quarantined") in keys
    if postgres:  # a NUL inside JSON cannot go into jsonb
        assert summaries[104]["summary_data"] == {LEGACY_TEXT_KEY: '{"s": "a\\u0000b"}'}
    else:
        assert summaries[104]["summary_data"] == {"s": "a\x00b"}

    # booleans and numbers stored as text are converted
    assert read_table(target, "risk_detections")[-1]["resources_shown"] is False
    assert _by_key(read_table(target, "analytics"))[102]["session_count"] == 3
    intents = _by_key(read_table(target, "intent_classifications"))
    assert 101 not in intents and 103 not in intents  # 'high', 1.5: outside the range
    if postgres:  # 32-bit integer column on Postgres
        assert 102 not in intents and ("intent_classifications", "102", None, "quarantined") in keys
    else:
        assert intents[102]["inference_time_ms"] == 99_999_999_999

    # a BLOB and text that is not UTF-8 are decoded, recorded
    assert chats[110]["message"] == "a BLOB \ufffd"
    assert chats[111]["message"] == "hi\ufffd"
    assert ("chat_history", "110", "message", "value_converted") in keys
    assert ("chat_history", "111", "message", "value_converted") in keys

    # every dirty row is in the report with its table, id and what was done
    report = json.loads(Path(outcome.report_path).read_text())  # type: ignore[arg-type]
    listed = {(row["table"], row["id"], row["column"], row["action"]) for row in report["dirty_rows"]}
    assert listed == keys
    assert report["verification"]["repair_records"]["differences"] == []


def test_source_is_not_changed_and_dry_run_lists_the_same_dirty_rows(make_empty_db: MakeDb, tmp_path: Path) -> None:
    from transfer_helpers import file_digest

    source = _dirty_legacy(make_empty_db("sqlite"))
    before = file_digest(source)
    dry = copy(source, make_empty_db("postgresql"), tmp_path, dry_run=True)
    real_target = make_empty_db("postgresql")
    real = copy(source, real_target, tmp_path)
    assert file_digest(source) == before
    dry_rows = json.loads(Path(dry.report_path).read_text())["dirty_rows"]  # type: ignore[arg-type]
    real_rows = json.loads(Path(real.report_path).read_text())["dirty_rows"]  # type: ignore[arg-type]
    assert sorted(map(json.dumps, dry_rows)) == sorted(map(json.dumps, real_rows))
    assert len(dry_rows) == len(read_table(real_target, "data_repairs"))


def test_repairs_survive_a_chain_of_copies(make_empty_db: MakeDb, tmp_path: Path) -> None:
    """legacy -> SQLite (NUL kept) -> Postgres (NUL now replaced: new records
    above the source's own) -> SQLite: every hop verifies, and the source's own
    repair records keep their ids."""
    legacy = _dirty_legacy(make_empty_db("sqlite"))
    first = make_empty_db("sqlite")
    assert copy(legacy, first, tmp_path).exit_code == 0
    own = read_table(first, "data_repairs")
    assert own and all(row["table_name"] != "data_repairs" for row in own)

    postgres = make_empty_db("postgresql")
    outcome = copy(first, postgres, tmp_path)
    assert outcome.exit_code == 0, outcome.report.get("verification")
    records = read_table(postgres, "data_repairs")
    floor = max(row["id"] for row in own)
    assert [row["id"] for row in records[: len(own)]] == [row["id"] for row in own]
    added = [row for row in records if row["id"] > floor]
    assert {(row["table_name"], row["action"]) for row in added} >= {
        ("sessions", "nul_replaced"), ("chat_history", "nul_replaced"), ("data_repairs", "nul_replaced"),
    }
    assert copy(first, postgres, tmp_path).report["tables"]["data_repairs"]["copied"] == 0  # nothing twice

    back = make_empty_db("sqlite")
    assert copy(postgres, back, tmp_path).exit_code == 0
    assert read_table(back, "data_repairs") == read_table(postgres, "data_repairs")
