"""A sale price with a start and an end time; indexes for the admin's
product list (newest first within a section or a category).

Revision ID: catalog_0002
Revises: catalog_0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0002"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("sale_price_minor", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("sale_starts_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("sale_ends_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_products_section_newest", "products", ["section", "id"])
    op.create_index("ix_products_category_newest", "products", ["category_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_products_category_newest", table_name="products")
    op.drop_index("ix_products_section_newest", table_name="products")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("sale_ends_at")
        batch.drop_column("sale_starts_at")
        batch.drop_column("sale_price_minor")
