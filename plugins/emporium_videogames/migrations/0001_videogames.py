"""Video game details.

Revision ID: videogames_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "videogames_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "videogame_details",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("content_rating", sa.String(10), nullable=False),
        sa.Column("genre", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_videogame_details_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_videogame_details")),
    )
    op.create_index(
        op.f("ix_videogame_details_platform"), "videogame_details", ["platform"]
    )
    op.create_index(
        op.f("ix_videogame_details_content_rating"),
        "videogame_details",
        ["content_rating"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_videogame_details_content_rating"), table_name="videogame_details"
    )
    op.drop_index(op.f("ix_videogame_details_platform"), table_name="videogame_details")
    op.drop_table("videogame_details")
