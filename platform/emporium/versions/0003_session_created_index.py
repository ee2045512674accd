"""Sessions by creation time: the sweep finds those past their absolute
timeout without reading the whole table.

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-26
"""

from alembic import op

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_sessions_created_at"), "sessions", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sessions_created_at"), table_name="sessions")
