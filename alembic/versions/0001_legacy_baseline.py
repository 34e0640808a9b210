"""Baseline: the legacy schema v2 as the old chatbot's start-up script made it.

On SQLite this is exactly the legacy file's shape: `aimhi upgrade` stamps an
unversioned legacy file at this revision and upgrades it in place. Postgres never
held the legacy schema, so there is nothing to create there.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from alembic import op
from models.legacy import legacy_statements

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in legacy_statements():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for view in LEGACY_VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {view}")
    for table in LEGACY_TABLES_CHILD_FIRST:
        op.execute(f"DROP TABLE IF EXISTS {table}")
