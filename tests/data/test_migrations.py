"""Migrations on SQLite and Postgres: up, check, down and up again (library and
the literal `alembic` / `aimhi upgrade` command lines), Row Level Security on
Postgres, adoption of legacy SQLite files with dirty rows, and refusal of
databases that are neither empty, ours, nor legacy."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

import pgserver
from data_helpers import FakeClock, count_statements
from models import ALL_TABLES, LEGACY_TABLES
from legacy_schema import legacy_statements
from legacy_schema import VIEW_NAMES
from legacy_api import LegacyUnderTest
from repository import Repository, SchemaMismatch
from repository.engines import make_engine
from repository.schema import (
    PROJECT_ROOT,
    alembic_config,
    current_revision,
    database_state,
    downgrade,
    head_revision,
    upgrade,
)

HEAD = "0006"
RLS_TABLES = (*LEGACY_TABLES, "data_repairs")


def tables_and_views(url: str) -> tuple[set[str], set[str]]:
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        return set(inspector.get_table_names()), set(inspector.get_view_names())
    finally:
        engine.dispose()


def alembic_check(url: str) -> None:
    """`alembic check` through the library: raises if the models and the
    database differ (or the database is not at head)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            command.check(alembic_config(connection))
    finally:
        engine.dispose()


def revision_of(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return current_revision(connection)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------
# up, check, down, up
# --------------------------------------------------------------------------


def test_head_revision() -> None:
    assert head_revision() == HEAD


def test_upgrade_check_downgrade_upgrade(empty_db_url: str) -> None:
    assert tables_and_views(empty_db_url) == (set(), set())
    assert upgrade(empty_db_url) == "empty"
    assert revision_of(empty_db_url) == HEAD
    tables, views = tables_and_views(empty_db_url)
    assert tables == {*ALL_TABLES, "alembic_version"}
    assert views == set(VIEW_NAMES)
    alembic_check(empty_db_url)

    downgrade(empty_db_url)
    assert tables_and_views(empty_db_url) == ({"alembic_version"}, set())
    assert revision_of(empty_db_url) is None
    with pytest.raises(CommandError, match="not up to date"):
        alembic_check(empty_db_url)

    assert upgrade(empty_db_url) == "versioned"
    assert revision_of(empty_db_url) == HEAD
    alembic_check(empty_db_url)
    assert upgrade(empty_db_url) == "versioned"  # nothing left to do
    assert tables_and_views(empty_db_url)[0] == {*ALL_TABLES, "alembic_version"}

    # and the repository works on it
    repo = LegacyUnderTest(Repository(empty_db_url))
    try:
        repo.save_message("s", "user", "hi")
        assert repo.get_history("s")[0]["message"] == "hi"
    finally:
        repo.dispose()


def test_step_by_step(empty_db_url: str) -> None:
    kind = make_url(empty_db_url).get_backend_name()
    upgrade(empty_db_url, "0001")
    tables, views = tables_and_views(empty_db_url)
    if kind == "sqlite":  # the baseline is the legacy script itself
        assert tables == {*LEGACY_TABLES, "alembic_version"} and views == set(VIEW_NAMES)
    else:  # Postgres never held the legacy schema
        assert tables == {"alembic_version"} and views == set()
    upgrade(empty_db_url, "0002")
    assert revision_of(empty_db_url) == "0002"
    assert tables_and_views(empty_db_url)[0] == {*ALL_TABLES, "alembic_version"}
    upgrade(empty_db_url)
    assert revision_of(empty_db_url) == HEAD
    downgrade(empty_db_url, "0002")
    assert revision_of(empty_db_url) == "0002"
    downgrade(empty_db_url, "0001")
    assert revision_of(empty_db_url) == "0001"
    upgrade(empty_db_url)
    alembic_check(empty_db_url)


def test_sqlite_downgrade_to_the_legacy_shape_keeps_rows(make_empty_db: Callable[[str], str]) -> None:
    url = make_empty_db("sqlite")
    upgrade(url)
    clock = FakeClock()
    repo = LegacyUnderTest(Repository(url, clock=clock))
    repo.save_message("s", "user", "kept")
    repo.save_session_summary("s", "partial", {"a": [1, 2.5]})
    repo.save_analytics_event("session_started", 3.0)
    repo.dispose()
    downgrade(url, "0001")
    assert database_state_of(url) == "versioned"
    with sqlite3.connect(make_url(url).database) as conn:
        assert conn.execute("SELECT message FROM chat_history").fetchall() == [("kept",)]
        assert "CHECK" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'sessions'").fetchone()[0]
    upgrade(url)
    alembic_check(url)
    repo = LegacyUnderTest(Repository(url, clock=clock))
    try:
        assert repo.get_history("s") == [{"role": "user", "message": "kept", "ts": FakeClock().now}]
        assert repo.get_latest_summary("s") == {"a": [1, 2.5]}
    finally:
        repo.dispose()


def database_state_of(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return database_state(connection)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------
# the literal command lines
# --------------------------------------------------------------------------


def run_cli(args: list[str], url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DATABASE_POOLER")}
    if url is not None:
        env["DATABASE_URL"] = url
    return subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)


def alembic_cli() -> list[str]:
    found = shutil.which("alembic")
    return [found] if found else [sys.executable, "-m", "alembic"]


def test_alembic_command_line(empty_db_url: str) -> None:
    alembic = alembic_cli()
    up = run_cli([*alembic, "upgrade", "head"], empty_db_url)
    assert up.returncode == 0, up.stderr
    check = run_cli([*alembic, "check"], empty_db_url)
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    current = run_cli([*alembic, "-x", f"url={empty_db_url}", "current"])  # -x url= instead of DATABASE_URL
    assert current.returncode == 0 and f"{HEAD} (head)" in current.stdout, current.stderr
    down = run_cli([*alembic, "downgrade", "base"], empty_db_url)
    assert down.returncode == 0, down.stderr
    assert tables_and_views(empty_db_url) == ({"alembic_version"}, set())
    stale = run_cli([*alembic, "check"], empty_db_url)
    assert stale.returncode != 0 and "not up to date" in stale.stdout + stale.stderr
    again = run_cli([*alembic, "upgrade", "head"], empty_db_url)
    assert again.returncode == 0, again.stderr
    assert run_cli([*alembic, "check"], empty_db_url).returncode == 0
    assert revision_of(empty_db_url) == HEAD


def aimhi_cli() -> list[str]:
    found = shutil.which("aimhi")
    return [found] if found else [sys.executable, "-c", "from app.cli import main; main()"]


def test_aimhi_upgrade_command_line(empty_db_url: str) -> None:
    first = run_cli([*aimhi_cli(), "upgrade", "--url", empty_db_url])
    assert first.returncode == 0, first.stderr
    assert "created the schema" in first.stdout and HEAD in first.stdout
    second = run_cli([*aimhi_cli(), "upgrade"], empty_db_url)  # DATABASE_URL when --url is absent
    assert second.returncode == 0 and "already versioned" in second.stdout, second.stderr
    alembic_check(empty_db_url)


def test_aimhi_upgrade_adopts_a_legacy_file_and_refuses_unknown_ones(tmp_path: Path) -> None:
    legacy = tmp_path / "chatbot.db"
    build_legacy_file(legacy, older_script=False)
    done = run_cli([*aimhi_cli(), "upgrade", "--url", f"sqlite:///{legacy}"])
    assert done.returncode == 0 and "adopted the legacy file" in done.stdout, done.stderr
    alembic_check(f"sqlite:///{legacy}")

    unknown = tmp_path / "other.db"
    with sqlite3.connect(unknown) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    before = fingerprint(unknown)
    refused = run_cli([*aimhi_cli(), "upgrade", "--url", f"sqlite:///{unknown}"])
    assert refused.returncode == 2 and "Error:" in refused.stderr and "nothing was changed" in refused.stderr
    assert fingerprint(unknown) == before


# --------------------------------------------------------------------------
# Row Level Security (Postgres)
# --------------------------------------------------------------------------


def admin_connect(url: str) -> psycopg.Connection[Any]:
    return pgserver.psycopg_connect(pgserver.strip_pooler_hint(url), autocommit=True)


def role_exists(admin_url: str, name: str) -> bool:
    with admin_connect(admin_url) as conn:
        return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is not None


def rls_flags(url: str) -> dict[str, tuple[bool, bool]]:
    with admin_connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version'"
        ).fetchall()
    return {name: (enabled, forced) for name, enabled, forced in rows}


def test_rls_migration_names_no_role() -> None:
    """Migration 0003 must run on any Postgres, also where Supabase's roles do not exist."""
    source = (PROJECT_ROOT / "alembic" / "versions" / "0003_row_level_security.py").read_text()
    code = re.sub(r'""".*?"""', "", source, flags=re.S)  # the docstring may explain the roles
    for role in ("anon", "authenticated", "service_role"):
        assert role not in code


def test_rls_migration_runs_where_supabase_roles_do_not_exist(pg_admin_url: str, make_empty_db: Callable[[str], str]) -> None:
    """Roles are cluster-wide. If the shared cluster has no `anon` (the usual
    case: the role test below drops what it creates), a fresh database there
    proves it; else a throw-away cluster is made for the proof."""
    if not role_exists(pg_admin_url, "anon") and not role_exists(pg_admin_url, "authenticated"):
        url = make_empty_db("postgresql")
        engine = make_engine(url)
        try:
            with count_statements(engine) as statements:
                assert upgrade(engine) == "empty"
        finally:
            engine.dispose()
        # 0006 names the roles, but only acts on those pg_roles lists: nothing
        # may create them or grant them anything.
        assert not any(re.search(r"\bCREATE\s+ROLE\b", s, re.I) for s in statements)
        assert not any(re.search(r"\bGRANT\b[^;]*\bTO\s+(anon|authenticated)\b", s, re.I) for s in statements)
        assert not role_exists(pg_admin_url, "anon")
        assert rls_flags(url) == {name: (True, False) for name in RLS_TABLES}
        return
    if pgserver.find_pg_bindir() is None:
        pytest.skip("`anon` exists in the shared cluster and no initdb for a throw-away one")
    cluster = pgserver.start_throwaway_cluster()
    try:
        url = pgserver.create_database(cluster.url, "rls_proof")
        assert not role_exists(cluster.url, "anon")
        assert upgrade(url) == "empty"
        assert rls_flags(url) == {name: (True, False) for name in RLS_TABLES}
    finally:
        cluster.stop()


@pytest.fixture
def supabase_roles(pg_admin_url: str) -> Iterator[tuple[str, str]]:
    """`anon` and `authenticated` as Supabase has them (NOLOGIN). Made if
    missing and dropped again afterwards (only those made here)."""
    made: list[str] = []
    with admin_connect(pg_admin_url) as conn:
        for role in ("anon", "authenticated"):
            try:
                conn.execute(f"CREATE ROLE {role} NOLOGIN")
                made.append(role)
            except psycopg.errors.DuplicateObject:
                pass  # already there (a Supabase-like server, or another run)
    yield ("anon", "authenticated")
    with admin_connect(pg_admin_url) as conn:
        for role in made:
            try:
                conn.execute(f"DROP ROLE IF EXISTS {role}")
            except psycopg.Error:  # still holds privileges in a database not yet dropped
                pass


def test_row_level_security_hides_every_table_from_supabase_roles(
    make_empty_db: Callable[[str], str], supabase_roles: tuple[str, str]
) -> None:
    url = make_empty_db("postgresql")
    upgrade(url)
    assert rls_flags(url) == {name: (True, False) for name in RLS_TABLES}  # enabled, not forced on the owner
    repo = LegacyUnderTest(Repository(url))
    try:
        repo.save_message("s1", "user", "private yarn")
        repo.save_analytics_event("session_started")
    finally:
        repo.dispose()
    with admin_connect(url) as conn:
        # What Supabase grants on new tables in public (so RLS is all that protects them).
        for role in supabase_roles:
            conn.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
            conn.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
            conn.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
        try:
            assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (1,)  # the owner sees
            for role in supabase_roles:
                conn.execute(f"SET ROLE {role}")
                for table in RLS_TABLES:
                    assert conn.execute(f'SELECT count(*) FROM "{table}"').fetchone() == (0,), (role, table)
                for view in VIEW_NAMES:  # security_invoker: no reading through the views either
                    assert conn.execute(f"SELECT count(*) FROM {view}").fetchone() == (0,), (role, view)
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                    conn.execute("INSERT INTO sessions (session_id) VALUES ('from-the-browser')")
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                    conn.execute("INSERT INTO analytics (event_type) VALUES ('session_started')")
                assert conn.execute("UPDATE sessions SET fsm_state = 'goals'").rowcount == 0
                assert conn.execute("DELETE FROM chat_history").rowcount == 0
                conn.execute("RESET ROLE")
            assert conn.execute("SELECT count(*) FROM chat_history").fetchone() == (1,)
            assert conn.execute("SELECT fsm_state FROM sessions").fetchone() == ("welcome",)
        finally:
            conn.execute("RESET ROLE")
            conn.execute(f"DROP OWNED BY {', '.join(supabase_roles)}")  # their grants here; the roles may go


def test_downgrade_disables_rls(make_empty_db: Callable[[str], str]) -> None:
    url = make_empty_db("postgresql")
    upgrade(url)
    downgrade(url, "0002")
    assert rls_flags(url) == {name: (False, False) for name in RLS_TABLES}
    upgrade(url)
    assert rls_flags(url) == {name: (True, False) for name in RLS_TABLES}


# --------------------------------------------------------------------------
# adopting legacy SQLite files
# --------------------------------------------------------------------------

_CHECK = re.compile(r"\s*CHECK \((?:[^()]|\([^()]*\))*\)")

# (table, row) inserted as the old code (or a hand, or an older script) left
# them. Dirty rows say what is expected of them.
CLEAN_ROWS: list[tuple[str, dict[str, Any]]] = [
    ("sessions", {"session_id": "clean", "fsm_state": "goals", "created_at": "2024-01-05 10:00:00",
                  "last_activity": "2024-01-05 10:30:00", "completed": 0, "completion_time": None}),
    ("sessions", {"session_id": "done", "fsm_state": "summary", "created_at": "2024-01-04 09:00:00",
                  "last_activity": "2024-01-04 09:20:00", "completed": 1, "completion_time": "2024-01-04 09:20:00"}),
    ("chat_history", {"id": 1, "session_id": "clean", "role": "bot", "message": "Hi! Who are your support people?",
                      "ts": "2024-01-05 10:00:00"}),
    ("chat_history", {"id": 2, "session_id": "clean", "role": "user", "message": "my nan 😀", "ts": "2024-01-05 10:00:00"}),
    ("chat_history", {"id": 3, "session_id": "done", "role": "user", "message": "bye", "ts": "2024-01-04 09:19:00"}),
    ("user_responses", {"id": 1, "session_id": "clean", "step": "support_people", "response": "my nan",
                        "attempt_count": 1, "created_at": "2024-01-05 10:00:00", "updated_at": "2024-01-05 10:00:00"}),
    ("risk_detections", {"id": 1, "session_id": "clean", "trigger_phrase": "want to die", "user_message": "i want to die",
                         "detected_at": "2024-01-05 10:03:00", "resources_shown": 1}),
    ("session_summaries", {"id": 1, "session_id": "clean", "summary_type": "partial",
                           "summary_data": '{"support_people": "my nan", "n": [1, 2.5, null]}',
                           "generated_at": "2024-01-05 10:05:00"}),
    ("analytics", {"id": 1, "event_type": "session_started", "event_data": None, "session_count": 1,
                   "timestamp": "2024-01-05 10:00:00"}),
    ("analytics", {"id": 2, "event_type": "step_completed", "event_data": '{"step": "support_people"}',
                   "session_count": 1, "timestamp": "2024-01-05 10:01:00"}),
    ("intent_classifications", {"id": 1, "session_id": "clean", "user_message": "my nan", "classified_intent": "answer",
                                "confidence": 0.9, "method": "rule_based", "fsm_state": "support_people",
                                "inference_time_ms": 12, "created_at": "2024-01-05 10:00:01"}),
    ("system_logs", {"id": 1, "log_level": "INFO", "component": "app", "message": "started", "session_id": None,
                     "error_trace": None, "created_at": "2024-01-05 09:59:00"}),
]

# Dirty rows the legacy script's CHECKs let through (any real file may hold them).
DIRTY_ROWS: list[tuple[str, dict[str, Any]]] = [
    # timestamps in other formats, booleans as words
    ("sessions", {"session_id": "iso", "fsm_state": "strengths", "created_at": "2024-01-05T10:00:00Z",
                  "last_activity": "05/01/2024 10:00", "completed": "yes", "completion_time": 1704448800}),
    ("sessions", {"session_id": "epoch-text", "fsm_state": "welcome", "created_at": "1704448800",
                  "last_activity": "garbage", "completed": "no", "completion_time": None}),
    # a session whose 'completed' is no boolean: set aside; its message keeps a (placeholder) parent
    ("sessions", {"session_id": "maybe", "fsm_state": "welcome", "created_at": "2024-01-05 10:00:00",
                  "last_activity": "2024-01-05 10:00:00", "completed": "maybe", "completion_time": None}),
    ("chat_history", {"id": 4, "session_id": "maybe", "role": "user", "message": "child of a refused session",
                      "ts": "2024-01-06 00:00:00"}),
    # orphans (written while foreign keys were off)
    ("chat_history", {"id": 5, "session_id": "ghost", "role": "user", "message": "orphan", "ts": "2024-01-03 08:00:00"}),
    ("user_responses", {"id": 2, "session_id": "ghost2", "step": "goals", "response": "orphan answer",
                        "attempt_count": 0, "created_at": "2024-01-02 07:00:00", "updated_at": "2024-01-02 07:00:00"}),
    ("system_logs", {"id": 2, "log_level": "ERROR", "component": "app", "message": "orphan log", "session_id": "ghost",
                     "error_trace": "Traceback", "created_at": "2024-01-03 09:00:00"}),
    # NUL in text (kept on SQLite), other timestamp forms
    ("chat_history", {"id": 6, "session_id": "clean", "role": "user", "message": "hi\x00there",
                      "ts": "2024-01-05 10:01:00"}),
    ("chat_history", {"id": 7, "session_id": "clean", "role": "bot", "message": "zoned",
                      "ts": "2024-01-05T20:02:00+10:00"}),
    ("system_logs", {"id": 3, "log_level": "DEBUG", "component": "app", "message": "bad time", "session_id": None,
                     "error_trace": None, "created_at": "sometime last week"}),
    # numbers and booleans as text
    ("user_responses", {"id": 3, "session_id": "clean", "step": "strengths", "response": "footy",
                        "attempt_count": "2", "created_at": "2024-01-05 10:02:00", "updated_at": "2024-01-05 10:02:00"}),
    ("user_responses", {"id": 4, "session_id": "clean", "step": "worries", "response": "x",
                        "attempt_count": "1.5", "created_at": "2024-01-05 10:02:00", "updated_at": "2024-01-05 10:02:00"}),
    ("risk_detections", {"id": 2, "session_id": "done", "trigger_phrase": "not safe", "user_message": "not safe at home",
                         "detected_at": "2024-01-04 09:10:00", "resources_shown": "yes"}),
    ("risk_detections", {"id": 3, "session_id": "done", "trigger_phrase": "x", "user_message": "y",
                         "detected_at": "2024-01-04 09:11:00", "resources_shown": "maybe"}),
    ("intent_classifications", {"id": 2, "session_id": "clean", "user_message": "m", "classified_intent": "i",
                                "confidence": "0.5", "method": "hybrid", "fsm_state": None,
                                "inference_time_ms": "7", "created_at": "2024-01-05 10:00:02"}),
    ("analytics", {"id": 3, "event_type": "session_started", "event_data": None, "session_count": "abc",
                   "timestamp": "2024-01-05 10:00:00"}),
    # JSON columns holding text that is not JSON, NaN, an escaped NUL, top-level numbers
    ("session_summaries", {"id": 2, "session_id": "clean", "summary_type": "complete", "summary_data": "not json",
                           "generated_at": "2024-01-05 10:06:00"}),
    ("session_summaries", {"id": 3, "session_id": "done", "summary_type": "llm_context", "summary_data": '{"x": NaN}',
                           "generated_at": "2024-01-04 09:21:00"}),
    ("session_summaries", {"id": 4, "session_id": "done", "summary_type": "partial", "summary_data": '{"s": "a\\u0000b"}',
                           "generated_at": "2024-01-04 09:22:00"}),
    ("analytics", {"id": 4, "event_type": "risk_triggered", "event_data": "{bad", "session_count": 1,
                   "timestamp": "2024-01-05 10:03:00"}),
    ("analytics", {"id": 5, "event_type": "step_completed", "event_data": "3.0", "session_count": 1,
                   "timestamp": "2024-01-05 10:04:00"}),
    ("analytics", {"id": 6, "event_type": "step_completed", "event_data": "12345678901234567890123", "session_count": 1,
                   "timestamp": "2024-01-05 10:04:00"}),
]

# Values outside a CHECK list or range: only in a file an older script made
# (its tables had no CHECK).
OUTSIDE_CHECK_ROWS: list[tuple[str, dict[str, Any]]] = [
    ("sessions", {"session_id": "bad-state", "fsm_state": "finished", "created_at": "2024-01-05 10:00:00",
                  "last_activity": "2024-01-05 10:00:00", "completed": 0, "completion_time": None}),
    ("chat_history", {"id": 8, "session_id": "bad-state", "role": "assistant", "message": "bad role", "ts": "2024-01-05 10:00:00"}),
    ("user_responses", {"id": 5, "session_id": "clean", "step": "intro", "response": "x", "attempt_count": 0,
                        "created_at": "2024-01-05 10:00:00", "updated_at": "2024-01-05 10:00:00"}),
    ("session_summaries", {"id": 5, "session_id": "done", "summary_type": "final", "summary_data": "{}",
                           "generated_at": "2024-01-04 09:23:00"}),
    ("analytics", {"id": 7, "event_type": "page_view", "event_data": None, "session_count": 1, "timestamp": "2024-01-05 10:00:00"}),
    ("intent_classifications", {"id": 3, "session_id": "clean", "user_message": "m", "classified_intent": "i",
                                "confidence": 1.7, "method": "hybrid", "fsm_state": None, "inference_time_ms": None,
                                "created_at": "2024-01-05 10:00:03"}),
    ("intent_classifications", {"id": 4, "session_id": "clean", "user_message": "m", "classified_intent": "i",
                                "confidence": 0.5, "method": "llm", "fsm_state": None, "inference_time_ms": None,
                                "created_at": "2024-01-05 10:00:04"}),
    ("intent_classifications", {"id": 5, "session_id": "clean", "user_message": "m", "classified_intent": "i",
                                "confidence": 0.5, "method": "hybrid", "fsm_state": None, "inference_time_ms": -3,
                                "created_at": "2024-01-05 10:00:05"}),
    ("system_logs", {"id": 4, "log_level": "warn", "component": "app", "message": "m", "session_id": None,
                     "error_trace": None, "created_at": "2024-01-05 10:00:00"}),
]

QUARANTINED = {  # (table, key) -> why, for the rows the schema cannot take at all
    ("sessions", "maybe"), ("user_responses", "4"), ("risk_detections", "3"), ("analytics", "3"),
}
QUARANTINED_OLDER_SCRIPT = {
    ("chat_history", "8"), ("user_responses", "5"), ("session_summaries", "5"), ("analytics", "7"),
    ("intent_classifications", "3"), ("intent_classifications", "4"), ("intent_classifications", "5"),
    ("system_logs", "4"),
}


def build_legacy_file(path: Path, *, older_script: bool, dirty: bool = True) -> list[tuple[str, dict[str, Any]]]:
    """A SQLite file as the old chatbot made it (no alembic_version), foreign
    keys off as they sometimes were; returns the rows put in."""
    rows = CLEAN_ROWS + (DIRTY_ROWS if dirty else []) + (OUTSIDE_CHECK_ROWS if older_script else [])
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys=OFF")
        for statement in legacy_statements():
            conn.execute(_CHECK.sub("", statement) if older_script else statement)
        for table, row in rows:
            names = ", ".join(row)
            conn.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))
        conn.commit()
    finally:
        conn.close()
    return rows


def read_rows(path: Path, table: str) -> dict[str, dict[str, Any]]:
    key = "session_id" if table == "sessions" else "id"
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return {str(row[key]): dict(row) for row in conn.execute(f"SELECT * FROM {table}")}
    finally:
        conn.close()


def fingerprint(path: Path) -> tuple[str, list[str]]:
    """The file's bytes and the names of its side files (-wal, -shm, -journal)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


@pytest.mark.parametrize("older_script", [False, True], ids=["legacy-script", "older-script-without-checks"])
def test_legacy_file_is_adopted_without_losing_a_row(tmp_path: Path, older_script: bool) -> None:
    path = tmp_path / "chatbot.db"
    build_legacy_file(path, older_script=older_script)
    originals = {table: read_rows(path, table) for table in LEGACY_TABLES}
    url = f"sqlite:///{path}"

    assert upgrade(url) == "legacy"
    assert revision_of(url) == HEAD
    alembic_check(url)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        repairs = [dict(zip(("table_name", "row_key", "column_name", "action", "detail", "original"), row))
                   for row in conn.execute(
                       "SELECT table_name, row_key, column_name, action, detail, original FROM data_repairs ORDER BY id")]
    after = {table: read_rows(path, table) for table in LEGACY_TABLES}

    # Every original row is in its table or quarantined in data_repairs, whole.
    quarantined = {(r["table_name"], r["row_key"]): r for r in repairs if r["action"] == "quarantined"}
    expected_quarantine = QUARANTINED | (QUARANTINED_OLDER_SCRIPT if older_script else set())
    assert set(quarantined) == expected_quarantine
    for table, rows in originals.items():
        for key, row in rows.items():
            if (table, key) in quarantined:
                assert json.loads(quarantined[(table, key)]["original"]) == row  # recoverable exactly
                if (table, key) != ("sessions", "maybe"):
                    assert key not in after[table], (table, key)
            else:
                assert key in after[table], (table, key)
    # Every repair record carries its row's original, exactly.
    for repair in repairs:
        original = json.loads(repair["original"])
        if repair["action"] == "placeholder_parent":
            assert original == {"session_id": repair["row_key"]}
        else:
            assert original == originals[repair["table_name"]][repair["row_key"]], repair
        assert repair["detail"]

    # Orphans got placeholder parents, recorded as such.
    placeholders = {r["row_key"] for r in repairs if r["action"] == "placeholder_parent"}
    assert placeholders == {"ghost", "ghost2", "maybe"}
    assert set(after["sessions"]) == (set(originals["sessions"]) - {"maybe"}) | placeholders
    assert after["sessions"]["ghost"]["created_at"] == "2024-01-03 08:00:00.000000"  # its earliest child
    assert after["sessions"]["ghost2"]["fsm_state"] == "welcome"

    # What each rule did.
    actions = {(r["table_name"], r["row_key"], r["column_name"]): r["action"] for r in repairs}
    assert actions[("sessions", "iso", "created_at")] == "timestamp_parsed"
    assert actions[("sessions", "iso", "last_activity")] == "timestamp_parsed"
    assert actions[("sessions", "iso", "completion_time")] == "timestamp_parsed"
    assert actions[("sessions", "iso", "completed")] == "value_converted"
    assert actions[("sessions", "epoch-text", "last_activity")] == "timestamp_unparseable"
    assert actions[("system_logs", "3", "created_at")] == "timestamp_unparseable"
    assert actions[("chat_history", "7", "ts")] == "timestamp_parsed"
    assert actions[("session_summaries", "2", "summary_data")] == "json_wrapped"
    assert actions[("session_summaries", "3", "summary_data")] == "json_wrapped"
    assert actions[("analytics", "4", "event_data")] == "json_wrapped"
    assert actions[("risk_detections", "2", "resources_shown")] == "value_converted"
    # Numbers written as text were already converted by SQLite's column affinity
    # when the old code inserted them ('2' -> 2, '0.5' -> 0.5): nothing to repair.
    assert ("user_responses", "3", "attempt_count") not in actions
    assert (after["user_responses"]["3"]["attempt_count"], after["intent_classifications"]["2"]["confidence"]) == (2, 0.5)
    if older_script:
        assert actions[("sessions", "bad-state", "fsm_state")] == "value_replaced"
        assert after["sessions"]["bad-state"]["fsm_state"] == "welcome"
    clean = {(table, str(row["session_id" if table == "sessions" else "id"])) for table, row in CLEAN_ROWS}
    assert [r for r in repairs if (r["table_name"], r["row_key"]) in clean] == []  # clean rows untouched

    # The repository reads the adopted rows as documented, and works on the file.
    clock = FakeClock(datetime(2024, 1, 10, tzinfo=UTC))
    repo = LegacyUnderTest(Repository(url, clock=clock))
    try:
        iso = repo.get_session_data("iso")
        assert iso["created_at"] == iso["last_activity"] == iso["completion_time"] == datetime(2024, 1, 5, 10, tzinfo=UTC)
        assert iso["completed"] is True and repo.get_session_data("epoch-text")["completed"] is False
        assert repo.get_session_data("epoch-text")["created_at"] == datetime(2024, 1, 5, 10, tzinfo=UTC)
        assert repo.get_session_data("epoch-text")["last_activity"] is None
        history = repo.get_history("clean", None)
        assert [m["message"] for m in history] == ["zoned", "hi\x00there", "my nan 😀", "Hi! Who are your support people?"]
        assert history[0]["ts"] == datetime(2024, 1, 5, 10, 2, tzinfo=UTC)
        assert history[2]["ts"] == history[3]["ts"] == datetime(2024, 1, 5, 10, tzinfo=UTC)
        assert repo.get_latest_summary("clean", "complete") == {"$legacy_text": "not json"}
        assert repo.get_latest_summary("clean", "partial") == {"support_people": "my nan", "n": [1, 2.5, None]}
        assert repo.get_latest_summary("done", "llm_context") == {"$legacy_text": '{"x": NaN}'}
        assert repo.get_latest_summary("done", "partial") == {"s": "a\x00b"}
        assert repo.get_user_responses("clean") == {"support_people": "my nan", "strengths": "footy"}
        assert repo.update_attempt_count("clean", "strengths") == 3
        assert [d["resources_shown"] for d in repo.get_risk_detections("done")] == [True]
        assert repo.get_history("ghost")[0]["message"] == "orphan"
        repo.save_message("clean", "user", "after adoption")
        assert repo.get_history("clean", 1)[0]["message"] == "after adoption"
        summary = repo.get_analytics_summary(days=30)
        assert summary["event_counts"]["step_completed"] == 3
        assert repo.cleanup_old_sessions(days=1) == 2  # 'done' and 'iso': completed, created before Jan 9
        assert repo.get_history("ghost")  # not completed: kept
    finally:
        repo.dispose()
    with sqlite3.connect(path) as conn:
        event_data = dict(conn.execute("SELECT id, event_data FROM analytics WHERE id IN (5, 6)").fetchall())
    assert event_data == {5: "3.0", 6: "12345678901234567890123"}  # top-level numbers kept exactly

    # Upgrading again changes nothing.
    with sqlite3.connect(path) as conn:
        repair_count = conn.execute("SELECT count(*) FROM data_repairs").fetchone()[0]
    assert upgrade(url) == "versioned"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM data_repairs").fetchone()[0] == repair_count


def test_clean_legacy_file_needs_no_repairs(tmp_path: Path) -> None:
    path = tmp_path / "clean.db"
    build_legacy_file(path, older_script=False, dirty=False)
    url = f"sqlite:///{path}"
    repo = LegacyUnderTest(Repository(url, clock=FakeClock()))
    try:
        assert repo.init_db() == "legacy"  # init_db adopts a legacy file too
        with repo.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM data_repairs")).scalar_one() == 0
        assert repo.get_session_data("done")["completion_time"] == datetime(2024, 1, 4, 9, 20, tzinfo=UTC)
        assert [m["message"] for m in repo.get_history("clean")] == ["my nan 😀", "Hi! Who are your support people?"]
        assert repo.get_risk_detections()[0]["detected_at"] == datetime(2024, 1, 5, 10, 3, tzinfo=UTC)
        # Identities continue after the adopted rows.
        repo.save_message("clean", "bot", "new")
        with repo.engine.connect() as connection:
            assert connection.execute(text("SELECT max(id) FROM chat_history")).scalar_one() == 4
    finally:
        repo.dispose()
    alembic_check(url)


def test_legacy_file_adoption_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure half way leaves the legacy file as it was (not half migrated)."""
    path = tmp_path / "chatbot.db"
    build_legacy_file(path, older_script=False)
    before = {table: read_rows(path, table) for table in LEGACY_TABLES}
    import repository.adoption as adoption

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(adoption, "_adopt_orphans", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {table: read_rows(path, table) for table in LEGACY_TABLES} == before
    assert "data_repairs" not in tables
    monkeypatch.undo()
    assert upgrade(f"sqlite:///{path}") in ("legacy", "versioned")
    alembic_check(f"sqlite:///{path}")


# --------------------------------------------------------------------------
# databases that are not ours: refused, untouched
# --------------------------------------------------------------------------


def _unknown_only(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('keep me')")


def _legacy_plus_extra(conn: sqlite3.Connection) -> None:
    for statement in legacy_statements():
        conn.execute(statement)
    conn.execute("INSERT INTO sessions (session_id) VALUES ('s')")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")


def _legacy_missing_column(conn: sqlite3.Connection) -> None:
    for statement in legacy_statements():
        conn.execute(statement)
    conn.execute("DROP VIEW daily_analytics")
    conn.execute("ALTER TABLE analytics DROP COLUMN session_count")


@pytest.mark.parametrize("make", [_unknown_only, _legacy_plus_extra, _legacy_missing_column],
                         ids=["unknown-table", "legacy-plus-extra-table", "legacy-missing-column"])
def test_unknown_sqlite_file_is_refused_and_left_byte_for_byte(tmp_path: Path, make: Callable[[sqlite3.Connection], None]) -> None:
    path = tmp_path / "someone-elses.db"
    conn = sqlite3.connect(path)
    make(conn)
    conn.commit()
    conn.close()
    before = fingerprint(path)
    with pytest.raises(SchemaMismatch, match="nothing was changed"):
        upgrade(f"sqlite:///{path}")
    assert fingerprint(path) == before
    repo = LegacyUnderTest(Repository(f"sqlite:///{path}"))
    try:
        with pytest.raises(SchemaMismatch):
            repo.init_db()
    finally:
        repo.dispose()
    assert fingerprint(path)[0] == before[0]


def test_unknown_postgres_database_is_refused_and_left_alone(make_empty_db: Callable[[str], str]) -> None:
    url = make_empty_db("postgresql")
    with admin_connect(url) as conn:
        conn.execute("CREATE TABLE notes (id integer PRIMARY KEY, body text)")
        conn.execute("INSERT INTO notes VALUES (1, 'keep me')")
    with pytest.raises(SchemaMismatch) as caught:
        upgrade(url)
    assert "nothing was changed" in str(caught.value)
    assert tables_and_views(url) == ({"notes"}, set())
    with admin_connect(url) as conn:
        assert conn.execute("SELECT body FROM notes").fetchall() == [("keep me",)]


def test_legacy_tables_on_postgres_are_not_adopted(make_empty_db: Callable[[str], str]) -> None:
    """Only SQLite files hold the legacy schema; on Postgres it would be someone else's."""
    url = make_empty_db("postgresql")
    with admin_connect(url) as conn:
        for statement in legacy_statements():
            if statement.startswith("CREATE TABLE"):
                conn.execute(statement.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "serial PRIMARY KEY")
                             .replace("DATETIME", "timestamp").replace("BOOLEAN DEFAULT 0", "boolean DEFAULT false")
                             .replace("BOOLEAN DEFAULT 1", "boolean DEFAULT true"))
    with pytest.raises(SchemaMismatch):
        upgrade(url)
    assert "alembic_version" not in tables_and_views(url)[0]


def test_database_states(make_empty_db: Callable[[str], str], tmp_path: Path) -> None:
    url = make_empty_db("sqlite")
    assert database_state_of(url) == "empty"
    upgrade(url)
    assert database_state_of(url) == "versioned"
    legacy = tmp_path / "legacy.db"
    build_legacy_file(legacy, older_script=False, dirty=False)
    assert database_state_of(f"sqlite:///{legacy}") == "legacy"
