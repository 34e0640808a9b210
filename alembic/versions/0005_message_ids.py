"""chat_history.message_id: the client's id of each message (a bot reply has
"<id>:reply"), unique within its yarn, so a retried request or an outbox
replay writes a message once (ids come from clients: another yarn's id is no
clash). NULL on rows written before.

Frozen: nothing of the project is imported.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("chat_history", sa.Column("message_id", sa.Text(), nullable=True))
    op.create_index(op.f("ix_chat_history_session_id_message_id"), "chat_history", ["session_id", "message_id"],
                    unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_history_session_id_message_id"), table_name="chat_history")
    op.execute("ALTER TABLE chat_history DROP COLUMN message_id")
