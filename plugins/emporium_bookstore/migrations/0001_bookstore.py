"""Book details.

Revision ID: bookstore_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "bookstore_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "book_details",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("isbn", sa.String(17), nullable=False),
        sa.Column("age_min", sa.Integer(), nullable=False),
        sa.Column("age_max", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_book_details_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_book_details")),
        sa.UniqueConstraint("isbn", name=op.f("uq_book_details_isbn")),
    )
    op.create_index(op.f("ix_book_details_author"), "book_details", ["author"])
    op.create_index(op.f("ix_book_details_format"), "book_details", ["format"])


def downgrade() -> None:
    op.drop_index(op.f("ix_book_details_format"), table_name="book_details")
    op.drop_index(op.f("ix_book_details_author"), table_name="book_details")
    op.drop_table("book_details")
