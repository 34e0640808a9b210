"""Row Level Security on every table (Postgres only).

Supabase grants its `anon` and `authenticated` roles access to new tables in
`public`, and the public API key acts as them. With RLS enabled and no policy
they read and write nothing; the owner the app connects as is not subject to RLS
(no FORCE). Nothing here names those roles, so it runs where they do not exist.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "sessions",
    "chat_history",
    "user_responses",
    "risk_detections",
    "session_summaries",
    "analytics",
    "intent_classifications",
    "system_logs",
    "data_repairs",
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
