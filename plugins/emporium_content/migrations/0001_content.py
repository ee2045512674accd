"""Content items and their versions.

Revision ID: content_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = "content_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("slug", sa.String(120), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("section", sa.String(60), nullable=True),
        sa.Column("seo_title", sa.String(200), nullable=False),
        sa.Column("seo_description", sa.String(300), nullable=False),
        sa.Column("image_url", sa.String(500), nullable=False),
        sa.Column("image_alt", sa.String(200), nullable=False),
        sa.Column("link_url", sa.String(500), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("page", sa.String(200), nullable=True),
        sa.Column("slot", sa.String(40), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("starts_at", TS, nullable=True),
        sa.Column("ends_at", TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_items")),
        sa.UniqueConstraint("slug", name=op.f("uq_content_items_slug")),
    )
    op.create_index(op.f("ix_content_items_page"), "content_items", ["page"])
    op.create_table(
        "content_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["content_items.id"],
            name=op.f("fk_content_versions_item_id_content_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_versions")),
        sa.UniqueConstraint(
            "item_id", "number", name=op.f("uq_content_versions_item_id")
        ),
    )
    op.create_index(
        op.f("ix_content_versions_item_id"), "content_versions", ["item_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_content_versions_item_id"), table_name="content_versions")
    op.drop_table("content_versions")
    op.drop_index(op.f("ix_content_items_page"), table_name="content_items")
    op.drop_table("content_items")
