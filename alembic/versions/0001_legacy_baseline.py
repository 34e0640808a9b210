"""Baseline: the legacy schema v2 as the old chatbot's start-up script made it.

On SQLite this is exactly the legacy file's shape: `aimhi upgrade` stamps an
unversioned legacy file at this revision and upgrades it in place. Postgres never
held the legacy schema, so there is nothing to create there.

Frozen: reads only alembic/legacy_v2.sql (the old script, verbatim).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_SCRIPT = Path(__file__).resolve().parent.parent / "legacy_v2.sql"
LEGACY_VIEWS = ("sessions_to_cleanup", "daily_analytics", "session_completion_stats")
LEGACY_TABLES_CHILD_FIRST = (
    "system_logs",
    "intent_classifications",
    "analytics",
    "session_summaries",
    "risk_detections",
    "user_responses",
    "chat_history",
    "sessions",
)


def legacy_statements() -> list[str]:
    lines = [line for line in LEGACY_SCRIPT.read_text(encoding="utf-8").splitlines()
             if not line.lstrip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    for statement in legacy_statements():
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    for view in LEGACY_VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {view}")
    for table in LEGACY_TABLES_CHILD_FIRST:
        op.execute(f"DROP TABLE IF EXISTS {table}")
