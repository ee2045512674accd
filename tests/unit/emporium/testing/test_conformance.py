"""The section conformance check names what a section gets wrong: its
fields, and migrations that leave something behind."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pyramid.registry import Registry
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine

from emporium import migrations
from emporium.sections import SectionField, StoreSection
from emporium.testing.conformance import check_fields, check_migrations

MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "tapes_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    key = sa.Column("product_id", sa.Integer(), primary_key=True)
    op.create_table("tape_details", key)
    op.create_table("tape_notes", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("tape_details")
    {forgotten}
"""


class TapeDetails:
    """A details model of a section of the package ``tapes``."""

    __module__ = "tapes.models"
    __table__ = Table(
        "tape_details",
        MetaData(),
        Column("product_id", Integer, primary_key=True),
        Column("label", String(40)),
        Column("minutes", Integer),
    )

    @property
    def long_play(self) -> bool:
        return self.minutes > 60


SECTION = StoreSection(
    name="tapes",
    title="Tapes",
    prefix="/tapes/",
    product_type="tape",
    details_model=TapeDetails,
    fields=(
        SectionField("label", "Label"),
        SectionField("minutes", "Minutes", kind="int"),
        SectionField("long_play", "Long play"),
    ),
)


def test_declared_and_typed_fields_pass():
    check_fields(SECTION)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (SectionField("minutes", "Minutes"), "a text field stored in a INTEGER"),
        (SectionField("label", "Label", kind="int"), "a int field stored in a VARCHAR"),
        (SectionField("colour", "Colour"), "no column 'colour' in tape_details"),
        (SectionField("label", "Label", kind="date"), "kind 'date' is none of"),
        (SectionField("label", "Label", kind="choice"), "without choices"),
        (SectionField("label", ""), "no label"),
    ],
)
def test_a_field_at_fault_is_named(field, message):
    section = replace(SECTION, fields=(field,))
    with pytest.raises(AssertionError, match=f"section 'tapes', field '{field.name}'"):
        check_fields(section)
    with pytest.raises(AssertionError, match=message):
        check_fields(section)


def registry_with_history(tmp_path, forgotten: str) -> Registry:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "0001_tapes.py").write_text(MIGRATION.format(forgotten=forgotten))
    registry = Registry("test")
    registry["db.engine"] = create_engine(f"sqlite:///{tmp_path / 'app.sqlite'}")
    registry[migrations._UNITS] = [migrations.MigrationUnit("tapes", str(versions))]
    return registry


def test_migrations_that_go_down_cleanly_pass(tmp_path):
    # Its version table goes too: nothing of the section is left.
    check_migrations(
        registry_with_history(tmp_path, 'op.drop_table("tape_notes")'), SECTION
    )


def test_a_table_left_by_the_downgrade_is_named(tmp_path):
    with pytest.raises(
        AssertionError, match="migrating tapes down left table tape_notes"
    ):
        check_migrations(registry_with_history(tmp_path, "pass"), SECTION)
