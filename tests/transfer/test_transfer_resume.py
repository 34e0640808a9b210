"""Safe to run again and to interrupt: a dry run writes nothing, a second run
adds nothing, and a copy killed with SIGKILL part-way finishes on the next run
with a target identical to the source."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from repository.schema import database_state
from transfer.endpoints import parse_url
from transfer.writer import managed_objects
from transfer_helpers import (
    ALL_TABLES,
    TS,
    copy,
    counts,
    fill_clean_legacy,
    insert_raw,
    make_legacy,
    read_all,
    repairs_of,
    sqlite_path,
    verify,
)

MakeDb = Callable[[str], str]
ROOT = Path(__file__).resolve().parents[2]


def _psycopg(url: str) -> psycopg.Connection:
    u = make_url(url)
    return psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database,
                           autocommit=True)


def _with_dirty_rows(url: str) -> str:
    fill_clean_legacy(url, sessions=3)
    insert_raw(url, "chat_history", [
        {"id": 50, "session_id": "gone", "role": "user", "message": "orphan", "ts": TS},
        {"id": 51, "session_id": "session-0", "role": "system", "message": "quarantined", "ts": TS},
        {"id": 52, "session_id": "session-0", "role": "bot", "message": "NUL \x00", "ts": "01/02/2024 10:00"},
    ])
    return url


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_dry_run_writes_nothing(kind: str, make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = _with_dirty_rows(make_empty_db("sqlite"))
    target = make_empty_db(kind)
    outcome = copy(source, target, tmp_path, dry_run=True)
    assert outcome.exit_code == 0
    report = outcome.report
    assert report["dry_run"] is True
    assert report["tables"]["chat_history"]["copied"] == 14  # 15 rows, one quarantined
    assert report["tables"]["sessions"]["placeholders"] == 1
    assert {(r["table"], r["action"]) for r in json.loads(Path(outcome.report_path).read_text())["dirty_rows"]} >= {  # type: ignore[arg-type]
        ("sessions", "placeholder_parent"), ("chat_history", "quarantined"), ("chat_history", "timestamp_parsed"),
    }
    if kind == "sqlite":
        assert not Path(sqlite_path(target)).exists()
    else:
        from repository.engines import make_engine

        engine = make_engine(target)
        try:
            with engine.connect() as conn:
                assert database_state(conn) == "empty"
        finally:
            engine.dispose()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_second_run_adds_nothing(kind: str, make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = _with_dirty_rows(make_empty_db("sqlite"))
    target = make_empty_db(kind)
    assert copy(source, target, tmp_path).exit_code == 0
    first = read_all(target, ALL_TABLES)

    second = copy(source, target, tmp_path)

    assert second.exit_code == 0
    assert read_all(target, ALL_TABLES) == first  # not one row added or changed, data_repairs included
    assert all(info["copied"] == 0 and info["repairs_recorded"] == 0 for info in second.report["tables"].values())
    # a dry run against the finished target would copy nothing either
    dry = copy(source, target, tmp_path, dry_run=True)
    assert all(info["copied"] == 0 for info in dry.report["tables"].values())


def test_new_source_rows_are_added_on_a_later_run(make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = fill_clean_legacy(make_empty_db("sqlite"))
    target = make_empty_db("postgresql")
    assert copy(source, target, tmp_path).exit_code == 0
    insert_raw(source, "chat_history", [{"session_id": "session-1", "role": "user", "message": "later", "ts": TS}])
    insert_raw(source, "sessions", [{"session_id": "session-new", "fsm_state": "welcome", "created_at": TS,
                                     "last_activity": TS, "completed": 0}])
    again = copy(source, target, tmp_path)
    assert again.exit_code == 0
    assert again.report["tables"]["chat_history"]["copied"] == 1
    assert again.report["tables"]["sessions"]["copied"] == 1
    assert counts(target) == counts(source)


def test_resume_after_a_partial_copy_skips_what_is_there(make_empty_db: MakeDb, tmp_path: Path) -> None:
    """Simulate a run stopped after some chunks: cut the target back to a prefix
    of chat_history (with its repair records), then run again."""
    source = _with_dirty_rows(make_empty_db("sqlite"))
    target = make_empty_db("postgresql")
    assert copy(source, target, tmp_path, chunk_size=100).exit_code == 0
    expected = read_all(target, ALL_TABLES)
    with _psycopg(target) as conn:
        conn.execute("DELETE FROM chat_history WHERE id > 5")
        conn.execute("DELETE FROM data_repairs WHERE table_name = 'chat_history'")
    outcome = copy(source, target, tmp_path, chunk_size=100)
    assert outcome.exit_code == 0
    assert outcome.report["tables"]["chat_history"]["already_there"] == 5
    after = read_all(target, ALL_TABLES)
    assert after["chat_history"] == expected["chat_history"]
    assert repairs_of(target) == sorted(
        (r["table_name"], r["row_key"], r["column_name"], r["action"]) for r in expected["data_repairs"]
    )


def _big_legacy(url: str, chats: int) -> str:
    make_legacy(url)
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN")
    sessions = chats // 20
    conn.executemany(
        "INSERT INTO sessions (session_id, fsm_state, created_at, last_activity, completed) VALUES (?, 'goals', ?, ?, 1)",
        ((f"s{i:07d}", TS, TS) for i in range(sessions)),
    )
    conn.executemany(
        "INSERT INTO chat_history (session_id, role, message, ts) VALUES (?, ?, ?, ?)",
        ((f"s{i // 20:07d}", "user" if i % 2 else "bot", f"message number {i} with some words in it", TS)
         for i in range(chats)),
    )
    conn.execute("INSERT INTO chat_history (session_id, role, message, ts) VALUES ('gone', 'user', 'orphan', ?)", (TS,))
    conn.execute("INSERT INTO chat_history (session_id, role, message, ts) VALUES ('s0000001', 'bot', ?, 1700000000)",
                 ("NUL \x00",))
    conn.execute("COMMIT")
    conn.close()
    return url


def _chat_rows(url: str) -> int:
    try:
        with _psycopg(url) as conn:
            return int(conn.execute("SELECT count(*) FROM chat_history").fetchone()[0])
    except psycopg.Error:
        return 0  # the table is not there yet


@pytest.mark.slow
def test_kill_9_mid_copy_then_rerun_finishes(make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = _big_legacy(make_empty_db("sqlite"), 200_000)
    target = make_empty_db("postgresql")
    command = [sys.executable, "-m", "transfer", "copy", source, target, "--chunk-size", "2000", "--quiet",
               "--report", str(tmp_path / "killed.json")]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while _chat_rows(target) == 0:  # the first chunk has committed
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the copy never committed a chunk"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    copied = _chat_rows(target)
    assert 0 < copied < 200_002, "killed too late to test anything"
    assert copied % 2000 == 0  # whole chunks only
    # The load had dropped chat_history's indexes; verify says the target is not finished.
    assert not verify(source, target).equal

    rerun = subprocess.run(command[:-1] + [str(tmp_path / "rerun.json")], cwd=ROOT, capture_output=True, text=True)

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    report = json.loads((tmp_path / "rerun.json").read_text())
    assert report["tables"]["chat_history"]["already_there"] == copied
    result = verify(source, target)
    assert result.equal and not result.missing_objects
    assert _chat_rows(target) == 200_002
    with _psycopg(target) as conn:
        duplicates = conn.execute(
            "SELECT count(*) FROM (SELECT table_name, row_key, column_name, action FROM data_repairs"
            " GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d"
        ).fetchone()[0]
        assert duplicates == 0
        present = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'chat_history'")}
    assert set(name for name, (kind, _, _) in managed_objects("chat_history").items() if kind == "index") <= present
    assert parse_url(target)  # the URL as given still parses
