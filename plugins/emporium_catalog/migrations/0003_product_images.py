"""Product photos: several per product, ordered, with alt text.

Revision ID: catalog_0003
Revises: catalog_0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0003"
down_revision = "catalog_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_images",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("products.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("alt", sa.String(300), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
    )
    op.create_index(
        "ix_product_images_product", "product_images", ["product_id", "position"]
    )


def downgrade() -> None:
    op.drop_index("ix_product_images_product", "product_images")
    op.drop_table("product_images")
