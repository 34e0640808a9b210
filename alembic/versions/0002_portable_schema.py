"""Portable schema: aware UTC timestamps, JSON/jsonb, identities, named constraints,
data_repairs, and the legacy views on both engines.

SQLite (a legacy file or the baseline): dirty rows are repaired in place first
(`repository.adoption`, every change recorded in data_repairs), then each table
is rebuilt through Alembic's batch mode into the new shape, rows kept.
Postgres: the tables are created.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from models import NAMING_CONVENTION
from models.legacy import legacy_statements
from models.enums import EVENT_TYPES, FSM_STATES, LOG_LEVELS, METHODS, ROLES, STEPS, SUMMARY_TYPES, sql_in_list
from models.types import JSONValue, UTCDateTime, utcnow
from models.views import create_view_statements, drop_view_statements

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE_ORDER = (
    "sessions",
    "chat_history",
    "user_responses",
    "risk_detections",
    "session_summaries",
    "analytics",
    "intent_classifications",
    "system_logs",
)


def _ts(name: str) -> sa.Column:
    return sa.Column(name, UTCDateTime(), nullable=True, server_default=utcnow())


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True)


def _session(nullable: bool = False) -> sa.Column:
    return sa.Column(
        "session_id", sa.Text(), sa.ForeignKey("sessions.session_id", ondelete="CASCADE"), nullable=nullable
    )


def tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """The schema of this revision, frozen here (models/ may move on)."""
    auto = {"sqlite_autoincrement": True}
    t = {}
    t["sessions"] = sa.Table(
        "sessions", metadata,
        sa.Column("session_id", sa.Text(), primary_key=True),
        sa.Column("fsm_state", sa.Text(), nullable=False, server_default=sa.text("'welcome'")),
        _ts("created_at"), _ts("last_activity"),
        sa.Column("completed", sa.Boolean(), nullable=True, server_default=sa.false()),
        sa.Column("completion_time", UTCDateTime(), nullable=True),
        sa.CheckConstraint(sql_in_list("fsm_state", FSM_STATES), name="fsm_state"),
        sa.Index(None, "last_activity"), sa.Index(None, "completed"),
    )
    t["chat_history"] = sa.Table(
        "chat_history", metadata, _id(), _session(),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _ts("ts"),
        sa.CheckConstraint(sql_in_list("role", ROLES), name="role"),
        sa.Index(None, "session_id", "ts"), sa.Index(None, "session_id", "role"), **auto,
    )
    t["user_responses"] = sa.Table(
        "user_responses", metadata, _id(), _session(),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("attempt_count", sa.Integer(), nullable=True, server_default=sa.text("0")),
        _ts("created_at"), _ts("updated_at"),
        sa.CheckConstraint(sql_in_list("step", STEPS), name="step"),
        sa.UniqueConstraint("session_id", "step"),
        sa.Index(None, "session_id"), **auto,
    )
    t["risk_detections"] = sa.Table(
        "risk_detections", metadata, _id(), _session(),
        sa.Column("trigger_phrase", sa.Text(), nullable=False),
        sa.Column("user_message", sa.Text(), nullable=False),
        _ts("detected_at"),
        sa.Column("resources_shown", sa.Boolean(), nullable=True, server_default=sa.true()),
        sa.Index(None, "session_id"), sa.Index(None, "detected_at"), **auto,
    )
    t["session_summaries"] = sa.Table(
        "session_summaries", metadata, _id(), _session(),
        sa.Column("summary_type", sa.Text(), nullable=False),
        sa.Column("summary_data", JSONValue(), nullable=False),
        _ts("generated_at"),
        sa.CheckConstraint(sql_in_list("summary_type", SUMMARY_TYPES), name="summary_type"),
        sa.Index(None, "session_id"), sa.Index(None, "summary_type"), **auto,
    )
    t["analytics"] = sa.Table(
        "analytics", metadata, _id(),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("event_data", JSONValue(), nullable=True),
        sa.Column("session_count", sa.Integer(), nullable=True, server_default=sa.text("1")),
        _ts("timestamp"),
        sa.CheckConstraint(sql_in_list("event_type", EVENT_TYPES), name="event_type"),
        sa.Index(None, "timestamp"), sa.Index(None, "event_type"), sa.Index(None, "event_type", "timestamp"),
        **auto,
    )
    t["intent_classifications"] = sa.Table(
        "intent_classifications", metadata, _id(), _session(),
        sa.Column("user_message", sa.Text(), nullable=False),
        sa.Column("classified_intent", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("fsm_state", sa.Text(), nullable=True),
        sa.Column("inference_time_ms", sa.Integer(), nullable=True),
        _ts("created_at"),
        sa.CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
        sa.CheckConstraint(sql_in_list("method", METHODS), name="method"),
        sa.CheckConstraint("inference_time_ms >= 0", name="inference_time_ms"),
        sa.Index(None, "session_id"), sa.Index(None, "created_at"), **auto,
    )
    t["system_logs"] = sa.Table(
        "system_logs", metadata, _id(),
        sa.Column("log_level", sa.Text(), nullable=False),
        sa.Column("component", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _session(nullable=True),
        sa.Column("error_trace", sa.Text(), nullable=True),
        _ts("created_at"),
        sa.CheckConstraint(sql_in_list("log_level", LOG_LEVELS), name="log_level"),
        sa.Index(None, "created_at"), sa.Index(None, "log_level"), sa.Index(None, "session_id"), **auto,
    )
    t["data_repairs"] = sa.Table(
        "data_repairs", metadata, _id(),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_key", sa.Text(), nullable=False),
        sa.Column("column_name", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("repaired_at", UTCDateTime(), nullable=False, server_default=utcnow()),
        sa.Index(None, "table_name", "row_key"), **auto,
    )
    return t


def _legacy_indexes(bind: sa.Connection) -> list[str]:
    rows = bind.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%'"
    )
    return [row[0] for row in rows]


def upgrade() -> None:
    bind = op.get_bind()
    new = tables(sa.MetaData(naming_convention=NAMING_CONVENTION))
    if bind.dialect.name != "sqlite":
        for name in (*TABLE_ORDER, "data_repairs"):
            new[name].create(bind)
    else:
        _upgrade_sqlite(bind, new)
    for statement in create_view_statements(bind.dialect.name):
        op.execute(statement)


def _upgrade_sqlite(bind: sa.Connection, new: dict[str, sa.Table]) -> None:
    from repository.adoption import repair_legacy_rows

    for statement in drop_view_statements():
        op.execute(statement)
    for index in _legacy_indexes(bind):
        op.execute(f'DROP INDEX "{index}"')
    new["data_repairs"].create(bind)
    repair_legacy_rows(bind, new["data_repairs"])
    for name in TABLE_ORDER:
        with op.batch_alter_table(name, copy_from=new[name], recreate="always"):
            pass
    problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"rows without a parent remain after repair: {problems[:5]}")


def downgrade() -> None:
    bind = op.get_bind()
    for statement in drop_view_statements():
        op.execute(statement)
    if bind.dialect.name != "sqlite":
        for name in ("data_repairs", *reversed(TABLE_ORDER)):
            op.drop_table(name)
        return
    # Back to the legacy shape on SQLite, rows kept: the legacy tables are made
    # again from the legacy script and the rows copied across. data_repairs goes
    # (the legacy schema has no place for it).
    op.drop_table("data_repairs")
    for name in TABLE_ORDER:
        op.execute(f'ALTER TABLE "{name}" RENAME TO "_v2_{name}"')
    for statement in legacy_statements():
        op.execute(statement)
    for name in TABLE_ORDER:
        op.execute(f'INSERT INTO "{name}" SELECT * FROM "_v2_{name}"')
    for name in reversed(TABLE_ORDER):
        op.execute(f'DROP TABLE "_v2_{name}"')
