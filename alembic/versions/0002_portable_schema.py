"""Portable schema: aware UTC timestamps, JSON/jsonb, identities, named constraints,
data_repairs, and the legacy views on both engines.

SQLite (a legacy file or the baseline): dirty rows are repaired in place first,
then each table is rebuilt through Alembic's batch mode into the new shape, rows
kept. The repair is the adoption step's, not this migration's: env.py hands it
in as `config.attributes["legacy_repair"]` (repository/adoption.py, the same
value rules the copy tool applies to legacy rows), every change recorded in
data_repairs. Without it (an empty baseline) there is nothing to repair.
Postgres: the tables are created (offline `--sql` too).

Frozen: imports nothing of the project; the lists, types and views of this
revision are written out here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
FSM_STATES = ("welcome", "support_people", "strengths", "worries", "goals", "summary", "llm_conversation")
ROLES = ("user", "bot")
STEPS = ("support_people", "strengths", "worries", "goals")
SUMMARY_TYPES = ("partial", "complete", "llm_context")
EVENT_TYPES = ("session_started", "session_completed", "step_completed", "risk_triggered", "llm_fallback_used",
               "distilbert_used", "rule_based_used", "llm_turn_completed")
METHODS = ("distilbert", "rule_based", "hybrid")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
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
LEGACY_SCRIPT = Path(__file__).resolve().parent.parent / "legacy_v2.sql"


def sql_in_list(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"{column} IN ({quoted})"


def _dialect() -> str:
    return op.get_context().dialect.name


def _now() -> sa.TextClause:
    """'now' with the repository's precision (UTC text with microseconds on SQLite)."""
    if _dialect() == "sqlite":
        return sa.text("(strftime('%Y-%m-%d %H:%M:%f000', 'now'))")
    return sa.text("now()")


def _json() -> sa.types.TypeEngine:
    return sa.Text().with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True, server_default=_now())


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
        sa.Column("completion_time", sa.DateTime(timezone=True), nullable=True),
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
        sa.Column("summary_data", _json(), nullable=False),
        _ts("generated_at"),
        sa.CheckConstraint(sql_in_list("summary_type", SUMMARY_TYPES), name="summary_type"),
        sa.Index(None, "session_id"), sa.Index(None, "summary_type"), **auto,
    )
    t["analytics"] = sa.Table(
        "analytics", metadata, _id(),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("event_data", _json(), nullable=True),
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
        sa.Column("repaired_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Index(None, "table_name", "row_key"), **auto,
    )
    return t


VIEW_NAMES = ("sessions_to_cleanup", "daily_analytics", "session_completion_stats")
# The three legacy views, written per engine so both return the same rows: days
# are UTC calendar days as 'YYYY-MM-DD' text, completion_rate a float.
VIEWS = {
    "sqlite": {
        "sessions_to_cleanup": """
            SELECT session_id, created_at FROM sessions
            WHERE completed = 1
              AND created_at < strftime('%Y-%m-%d %H:%M:%f000', 'now', '-30 days')""",
        "daily_analytics": """
            SELECT date(timestamp) AS date, event_type, COUNT(*) AS event_count,
                   SUM(session_count) AS total_sessions
            FROM analytics GROUP BY date(timestamp), event_type
            ORDER BY date DESC, event_type""",
        "session_completion_stats": """
            SELECT date(created_at) AS date, COUNT(*) AS total_sessions,
                   SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) AS completed_sessions,
                   ROUND(100.0 * SUM(CASE WHEN completed = 1 THEN 1 ELSE 0 END) / COUNT(*), 2)
                       AS completion_rate
            FROM sessions GROUP BY date(created_at) ORDER BY date DESC""",
    },
    "postgresql": {
        "sessions_to_cleanup": """
            SELECT session_id, created_at FROM sessions
            WHERE completed AND created_at < now() - interval '30 days'""",
        "daily_analytics": """
            SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, event_type,
                   COUNT(*) AS event_count, SUM(session_count)::bigint AS total_sessions
            FROM analytics GROUP BY 1, event_type
            ORDER BY date DESC, event_type""",
        "session_completion_stats": """
            SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date,
                   COUNT(*) AS total_sessions,
                   SUM(CASE WHEN completed THEN 1 ELSE 0 END) AS completed_sessions,
                   ROUND(100.0 * SUM(CASE WHEN completed THEN 1 ELSE 0 END) / COUNT(*), 2)::float8
                       AS completion_rate
            FROM sessions GROUP BY 1 ORDER BY date DESC""",
    },
}


def create_views() -> None:
    dialect = _dialect()
    # security_invoker (Postgres 15+): a view must not let Supabase's anon role
    # read through Row Level Security with the owner's rights.
    options = " WITH (security_invoker = true)" if dialect == "postgresql" else ""
    for name in VIEW_NAMES:
        op.execute(f"CREATE VIEW {name}{options} AS {VIEWS[dialect][name].strip()}")


def drop_views() -> None:
    for name in VIEW_NAMES:
        op.execute(f"DROP VIEW IF EXISTS {name}")


def legacy_statements() -> list[str]:
    lines = [line for line in LEGACY_SCRIPT.read_text(encoding="utf-8").splitlines()
             if not line.lstrip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


def _legacy_indexes(bind: sa.Connection) -> list[str]:
    rows = bind.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%'"
    )
    return [row[0] for row in rows]


def upgrade() -> None:
    new = tables(sa.MetaData(naming_convention=NAMING_CONVENTION))
    if _dialect() != "sqlite":
        # DDL of this revision's own tables (names from its own convention);
        # op.execute renders it in offline (--sql) mode too.
        for name in (*TABLE_ORDER, "data_repairs"):
            op.execute(sa.schema.CreateTable(new[name]))
            for index in sorted(new[name].indexes, key=lambda i: i.name or ""):
                op.execute(sa.schema.CreateIndex(index))
    else:
        _upgrade_sqlite(op.get_bind(), new)
    create_views()


def _upgrade_sqlite(bind: sa.Connection, new: dict[str, sa.Table]) -> None:
    drop_views()
    for index in _legacy_indexes(bind):
        op.execute(f'DROP INDEX "{index}"')
    new["data_repairs"].create(bind)
    repair = context.config.attributes.get("legacy_repair")
    if repair is not None:
        repair(bind, new["data_repairs"])
    for name in TABLE_ORDER:
        with op.batch_alter_table(name, copy_from=new[name], recreate="always"):
            pass
    problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"rows without a parent remain after repair: {problems[:5]}")


def downgrade() -> None:
    drop_views()
    if _dialect() != "sqlite":
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
