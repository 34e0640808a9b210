"""Safety tiers: risk_detections.level (concern or crisis) and .category, and
sessions.safety_check (a safety check-in waiting for its answer).

Rows already there are crisis detections: the old chatbot had one tier, and it
showed the crisis numbers for every detection. SQLite gets the columns by ALTER
TABLE (a table rebuild would trip over the views that read these tables).

Frozen: nothing of the project is imported.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, SQL type and default, CHECK name, CHECK)
COLUMNS = (
    ("risk_detections", "level", "TEXT NOT NULL DEFAULT 'crisis'", "ck_risk_detections_level",
     "level IN ('concern', 'crisis')"),
    ("risk_detections", "category", "TEXT", None, None),
    ("sessions", "safety_check", "TEXT", "ck_sessions_safety_check", "safety_check IN ('checkin')"),
)


def upgrade() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    for table, column, definition, check_name, check in COLUMNS:
        if sqlite:
            constraint = f" CONSTRAINT {check_name} CHECK ({check})" if check else ""
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}{constraint}")
            continue
        nullable = "NOT NULL" not in definition
        default = sa.text("'crisis'") if "DEFAULT" in definition else None
        op.add_column(table, sa.Column(column, sa.Text(), nullable=nullable, server_default=default))
        if check:
            op.create_check_constraint(op.f(check_name), table, check)


def downgrade() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    for table, column, _definition, check_name, check in reversed(COLUMNS):
        if check and not sqlite:
            op.drop_constraint(op.f(check_name), table, type_="check")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
