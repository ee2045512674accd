"""Idempotency records by age: the sweep removes those past their keeping
time without reading the whole table.

Revision ID: cart_0002
Revises: cart_0001
Create Date: 2026-11-26
"""

from alembic import op

revision = "cart_0002"
down_revision = "cart_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
