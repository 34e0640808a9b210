"""aimhi copy in every direction: legacy SQLite -> Postgres, Postgres -> SQLite
(the rollback path), SQLite -> SQLite; values, ids and sequences survive, the
source is never changed, and verify catches a target that differs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from legacy_api import LegacyUnderTest
from repository import Repository
from transfer.cli import copy as copy_command
from transfer.cli import verify as verify_command
from transfer_helpers import (
    LEGACY_TABLES,
    copy,
    counts,
    file_digest,
    fill_clean_legacy,
    read_all,
    read_table,
    verify,
)

MakeDb = Callable[[str], str]


def _psycopg(url: str) -> psycopg.Connection:
    u = make_url(url)
    return psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database)


def test_legacy_sqlite_to_postgres(make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = fill_clean_legacy(make_empty_db("sqlite"), sessions=4)
    before = file_digest(source)
    target = make_empty_db("postgresql")

    outcome = copy(source, target, tmp_path)

    assert outcome.exit_code == 0, outcome.report.get("verification")
    assert file_digest(source) == before, "the source file changed"
    assert counts(target) == counts(source)
    chats = read_table(target, "chat_history")
    assert [row["id"] for row in chats] == list(range(1, 17))
    assert chats[0]["ts"] == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    assert chats[0]["message"] == "message 0 of session-0 é"
    sessions = {row["session_id"]: row for row in read_table(target, "sessions")}
    assert sessions["session-1"]["completed"] is True and sessions["session-0"]["completed"] is False
    summary = read_table(target, "session_summaries")[0]["summary_data"]
    assert summary == {"strengths": "footy", "score": 0.5, "list": [1, 2.25, None]}
    assert read_table(target, "risk_detections")[0]["resources_shown"] is True
    assert read_table(target, "data_repairs") == []  # a clean file needs no repair
    report = json.loads(Path(outcome.report_path).read_text())  # type: ignore[arg-type]
    assert report["verification"]["equal"] is True
    assert report["tables"]["chat_history"]["copied"] == 16

    # The identity sequences continue after the copied ids: the chatbot can write at once.
    repo = LegacyUnderTest(Repository(target))
    try:
        repo.save_message("session-0", "user", "a new message")
        repo.save_analytics_event("session_started")
    finally:
        repo.dispose()
    assert max(row["id"] for row in read_table(target, "chat_history")) == 17
    assert max(row["id"] for row in read_table(target, "analytics")) == 9


def test_postgres_to_sqlite_rollback_path(make_empty_db: MakeDb, tmp_path: Path) -> None:
    legacy = fill_clean_legacy(make_empty_db("sqlite"))
    postgres = make_empty_db("postgresql")
    assert copy(legacy, postgres, tmp_path).exit_code == 0
    repo = LegacyUnderTest(Repository(postgres))
    try:  # rows written on Postgres after the move, with microseconds and JSON floats
        repo.save_message("session-2", "bot", "written on Postgres")
        repo.save_session_summary("session-2", "partial", {"x": 1e16, "y": -0.5, "z": "ü"})
        repo.mark_session_completed("session-2")
    finally:
        repo.dispose()
    back = make_empty_db("sqlite")

    outcome = copy(postgres, back, tmp_path)

    assert outcome.exit_code == 0
    assert read_all(back) == read_all(postgres)
    summary = [row for row in read_table(back, "session_summaries") if row["summary_type"] == "partial"][0]
    assert summary["summary_data"] == {"x": 1e16, "y": -0.5, "z": "ü"}
    assert isinstance(summary["summary_data"]["x"], float)
    # The SQLite file holds the canonical text the models write.
    raw = LegacyUnderTest(Repository(back))
    try:
        with raw.engine.connect() as conn:
            ts = conn.exec_driver_sql("SELECT ts FROM chat_history ORDER BY id DESC LIMIT 1").scalar_one()
            completed = conn.exec_driver_sql("SELECT completed FROM sessions WHERE session_id = 'session-2'").scalar_one()
        assert len(ts) == 26 and ts[10] == " "
        assert completed == 1
        raw.save_message("session-0", "user", "after the rollback")  # AUTOINCREMENT continues
    finally:
        raw.dispose()
    assert max(row["id"] for row in read_table(back, "chat_history")) == 14


def test_sqlite_to_sqlite(make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = fill_clean_legacy(make_empty_db("sqlite"))
    target = make_empty_db("sqlite")
    outcome = copy(source, target, tmp_path)
    assert outcome.exit_code == 0
    assert counts(target) == counts(source)
    # current SQLite -> SQLite too (the source now has data_repairs and alembic_version)
    again = make_empty_db("sqlite")
    assert copy(target, again, tmp_path).exit_code == 0
    assert read_all(again) == read_all(target)


def test_postgres_to_postgres(make_empty_db: MakeDb, tmp_path: Path) -> None:
    first = make_empty_db("postgresql")
    assert copy(fill_clean_legacy(make_empty_db("sqlite")), first, tmp_path).exit_code == 0
    second = make_empty_db("postgresql")
    assert copy(first, second, tmp_path).exit_code == 0
    assert read_all(second) == read_all(first)


def test_verify_reports_the_ids_that_differ(make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = fill_clean_legacy(make_empty_db("sqlite"), sessions=3)
    target = make_empty_db("postgresql")
    assert copy(source, target, tmp_path).exit_code == 0
    assert verify(source, target).equal

    with _psycopg(target) as conn:
        conn.execute("UPDATE chat_history SET message = 'changed' WHERE id = 5")
        conn.execute("DELETE FROM chat_history WHERE id = 7")
        conn.execute("INSERT INTO chat_history (id, session_id, role, message) VALUES (100, 'session-0', 'bot', 'x')")
        conn.execute("UPDATE sessions SET completed = NOT completed WHERE session_id = 'session-2'")
        conn.execute("UPDATE analytics SET event_data = '{\"step\": \"goals\"}' WHERE id = 2")

    result = verify(source, target)
    assert not result.equal
    chats = result.tables["chat_history"]
    assert (chats.different, chats.missing, chats.unexpected) == ([5], [7], [100])
    assert result.tables["sessions"].different == ["session-2"]
    assert result.tables["analytics"].different == [2]
    assert result.tables["user_responses"].equal

    runner = CliRunner()
    outcome = runner.invoke(verify_command, [source, target, "--report", str(tmp_path / "v.json"), "--quiet"])
    assert outcome.exit_code == 1
    report = json.loads((tmp_path / "v.json").read_text())
    assert report["verification"]["tables"]["chat_history"]["different"]["ids"] == [5]
    assert report["ok"] is False


def test_cli_copy_and_verify(make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = fill_clean_legacy(make_empty_db("sqlite"))
    target = make_empty_db("postgresql")
    runner = CliRunner()
    result = runner.invoke(copy_command, [source, target, "--report", str(tmp_path / "c.json")])
    assert result.exit_code == 0, result.output
    assert "Verified" in result.output and "Rows per table" in result.output
    report = json.loads((tmp_path / "c.json").read_text())
    assert report["ok"] and report["tables"]["chat_history"]["verified"]
    assert set(report["tables"]) >= set(LEGACY_TABLES)
    result = runner.invoke(verify_command, [source, target, "--report", str(tmp_path / "v.json")])
    assert result.exit_code == 0, result.output


def test_supabase_style_urls_and_no_password_printed(make_empty_db: MakeDb, tmp_path: Path) -> None:
    """postgres:// as the dashboard prints it works; a password never shows."""
    source = fill_clean_legacy(make_empty_db("sqlite"))
    target = make_empty_db("postgresql")
    dashboard = make_url(target).set(drivername="postgres").render_as_string(hide_password=False)
    assert dashboard.startswith("postgres://")
    runner = CliRunner()
    result = runner.invoke(copy_command, [source, dashboard, "--report", str(tmp_path / "c.json"), "--quiet"])
    assert result.exit_code == 0, result.output

    secret = "s3cret-Pa55word"
    wrong = make_url(target).set(password=secret, port=1).render_as_string(hide_password=False)
    result = runner.invoke(copy_command, [source, wrong, "--report", str(tmp_path / "w.json")])
    assert result.exit_code == 3
    assert secret not in result.output
    assert "Error" in result.output
    result = runner.invoke(verify_command, [source, wrong.replace("postgresql+psycopg", "postgres")])
    assert result.exit_code == 3 and secret not in result.output


def test_refuses_swapped_or_same_arguments(make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = fill_clean_legacy(make_empty_db("sqlite"))
    empty = make_empty_db("sqlite")
    runner = CliRunner()
    result = runner.invoke(copy_command, [source, source, "--report", str(tmp_path / "s.json")])
    assert result.exit_code == 3 and "same database" in result.output
    result = runner.invoke(copy_command, [empty, source, "--report", str(tmp_path / "r.json")])
    assert result.exit_code == 3
    assert not Path(make_url(empty).database or "").exists()  # a missing source is never created
    result = runner.invoke(copy_command, [source, fill_clean_legacy(make_empty_db("sqlite")), "--report",
                                          str(tmp_path / "l.json")])
    assert result.exit_code == 3 and "legacy" in result.output
    failed = json.loads((tmp_path / "l.json").read_text())  # a failed run still leaves its report
    assert failed["ok"] is False and "legacy" in failed["error"]


def test_source_read_while_postgres_target_has_pooler_hint(make_empty_db: MakeDb, tmp_path: Path) -> None:
    """A URL marked ?pooler=transaction (how the project names Supabase's port
    6543) still copies: no prepared statements, no session state needed."""
    source = fill_clean_legacy(make_empty_db("sqlite"))
    target = make_empty_db("postgresql")
    hinted = target + ("&" if "?" in target else "?") + "pooler=transaction"
    assert copy(source, hinted, tmp_path).exit_code == 0
    assert counts(target) == counts(source)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_empty_tables_copy(kind: str, make_empty_db: MakeDb, tmp_path: Path) -> None:
    from transfer_helpers import make_legacy

    source = make_legacy(make_empty_db("sqlite"))
    target = make_empty_db(kind)
    outcome = copy(source, target, tmp_path)
    assert outcome.exit_code == 0
    assert all(count == 0 for count in counts(target).values())


SPECIAL_TEXT = ["", "\\", "\\\\U", "a\x1fb", "\x1e", "\x1e\x1f\\R", "é😀", "x" * 3000, "tab\tnew\nline", "'", "NULL"]


def test_postgres_computes_the_same_row_checksums(make_empty_db: MakeDb, tmp_path: Path) -> None:
    """Rows with every character the row text escapes: the server's checksum
    (SQL rendering + md5) equals the one computed in Python from SQLite."""
    from transfer_helpers import TS, insert_raw, make_legacy

    source = make_legacy(make_empty_db("sqlite"))
    insert_raw(source, "sessions", [{"session_id": text or "empty", "fsm_state": "welcome", "created_at": TS,
                                     "last_activity": None, "completed": 1} for text in SPECIAL_TEXT], checks=True)
    insert_raw(source, "chat_history", [
        {"session_id": text or "empty", "role": "user", "message": text, "ts": f"2025-03-01 10:00:0{i % 10}.{i:03d}"}
        for i, text in enumerate(SPECIAL_TEXT)
    ], checks=True)
    target = make_empty_db("postgresql")
    assert copy(source, target, tmp_path).exit_code == 0
    result = verify(source, target)
    assert result.equal, {name: c.as_dict() for name, c in result.tables.items() if not c.equal}


def test_urls_as_people_type_them(tmp_path: Path) -> None:
    from repository.config import redact
    from transfer.endpoints import parse_url

    direct = parse_url("postgres://postgres:pw@db.abcdefgh.supabase.co:5432/postgres?sslmode=require")
    assert direct.get_driver_name() == "psycopg" and direct.query["sslmode"] == "require"
    pooled = parse_url("postgresql://postgres.abcdefgh:pw@aws-0-ap-southeast-2.pooler.supabase.com:6543/postgres"
                       "?pgbouncer=true")
    assert "pgbouncer" not in pooled.query and pooled.query["pooler"] == "transaction"
    assert "pw" not in redact(pooled)
    assert parse_url(str(tmp_path / "x.db")).database == str(tmp_path / "x.db")
    with pytest.raises(Exception, match="unsupported"):
        parse_url("mysql://u:secret@h/db")
