"""The {{ cookiecutter.title }} section's table.

Revision ID: {{ cookiecutter.section }}_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "{{ cookiecutter.section }}_0001"
down_revision = None
branch_labels = None
depends_on = None

TABLE = "{{ cookiecutter.section }}_details"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("maker", sa.String(200), nullable=False),
        sa.Column("format", sa.String(40), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f(f"fk_{TABLE}_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f(f"pk_{TABLE}")),
    )
    op.create_index(op.f(f"ix_{TABLE}_format"), TABLE, ["format"])


def downgrade() -> None:
    op.drop_index(op.f(f"ix_{TABLE}_format"), table_name=TABLE)
    op.drop_table(TABLE)
