"""Bring a database to the head revision: Alembic, plus adoption of legacy files.

`upgrade(url)` is what `aimhi upgrade` and `init_db()` run:
* an empty database, or one Alembic already versions: `alembic upgrade head`;
* a legacy SQLite file (the 8 legacy tables, no alembic_version): stamped at the
  baseline revision 0001 and upgraded in place, every row kept (migration 0002
  repairs dirty rows and records them in data_repairs);
* anything else: `SchemaMismatch`, and the database is left untouched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect
from sqlalchemy.pool import NullPool

from models import LEGACY_TABLES
from repository.config import redact
from repository.engines import make_engine
from repository.errors import SchemaMismatch

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BASELINE_REVISION = "0001"
LEGACY_COLUMNS: dict[str, set[str]] = {
    "sessions": {"session_id", "fsm_state", "created_at", "last_activity", "completed", "completion_time"},
    "chat_history": {"id", "session_id", "role", "message", "ts"},
    "user_responses": {"id", "session_id", "step", "response", "attempt_count", "created_at", "updated_at"},
    "risk_detections": {"id", "session_id", "trigger_phrase", "user_message", "detected_at", "resources_shown"},
    "session_summaries": {"id", "session_id", "summary_type", "summary_data", "generated_at"},
    "analytics": {"id", "event_type", "event_data", "session_count", "timestamp"},
    "intent_classifications": {
        "id", "session_id", "user_message", "classified_intent", "confidence",
        "method", "fsm_state", "inference_time_ms", "created_at",
    },
    "system_logs": {"id", "log_level", "component", "message", "session_id", "error_trace", "created_at"},
}
IGNORED_TABLES = {"sqlite_sequence"}


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["skip_logging_config"] = True
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@contextmanager
def sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Batch mode rebuilds tables by drop and rename; with foreign keys on, a
    DROP TABLE sessions would cascade into every child. The pragma only takes
    effect outside a transaction, so it is set on the raw connection first."""
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        connection.commit()
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def database_state(connection: Connection) -> str:
    """'empty', 'versioned', 'legacy' or 'unknown'."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names()) - IGNORED_TABLES
    if "alembic_version" in tables:
        return "versioned"
    if not tables:
        return "empty"
    if tables == set(LEGACY_TABLES) and connection.dialect.name == "sqlite":
        columns = {t: {c["name"] for c in inspector.get_columns(t)} for t in LEGACY_TABLES}
        if columns == LEGACY_COLUMNS:
            return "legacy"
    return "unknown"


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _engine(target: str | Engine | None) -> tuple[Engine, bool]:
    if isinstance(target, Engine):
        return target, False
    return make_engine(target), True


def _mismatch(engine: Engine) -> SchemaMismatch:
    return SchemaMismatch(
        f"{redact(engine.url)} holds tables that are neither this project's schema nor the "
        "legacy schema v2; nothing was changed. Point DATABASE_URL at an empty database, "
        "a legacy chatbot file or a database made by `aimhi upgrade`."
    )


def _sqlite_file_state(engine: Engine) -> str | None:
    """The state of an existing SQLite file, read through a read-only connection:
    the engine's own connections switch the file to WAL (a header change), which
    a refused file must not get."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:" or not Path(path).is_file():
        return None
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    probe = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool)
    try:
        with probe.connect() as connection:
            return database_state(connection)
    finally:
        probe.dispose()


def upgrade(target: str | Engine | None = None, revision: str = "head") -> str:
    """Bring the database to `revision`; returns what it found ('empty', 'legacy', ...)."""
    engine, owned = _engine(target)
    try:
        if _sqlite_file_state(engine) == "unknown":
            raise _mismatch(engine)
        with engine.connect() as connection:
            state = database_state(connection)
            if state == "unknown":
                raise _mismatch(engine)
            connection.rollback()
            with sqlite_foreign_keys_off(connection):
                config = alembic_config(connection)
                if state == "legacy":
                    command.stamp(config, BASELINE_REVISION)
                    connection.commit()
                command.upgrade(config, revision)
                if connection.in_transaction():
                    connection.commit()
        return state
    finally:
        if owned:
            engine.dispose()


def downgrade(target: str | Engine | None = None, revision: str = "base") -> None:
    engine, owned = _engine(target)
    try:
        with engine.connect() as connection, sqlite_foreign_keys_off(connection):
            command.downgrade(alembic_config(connection), revision)
            if connection.in_transaction():
                connection.commit()
    finally:
        if owned:
            engine.dispose()
