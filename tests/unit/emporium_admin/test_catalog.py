"""The console's product list at scale, and forms for a section the console
has never heard of."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import ForeignKey, Integer, String, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from emporium.sections import SectionField, StoreSection
from emporium_admin.catalog import ProductFilter, list_products
from emporium_catalog.schema import section_input_fields


@pytest.fixture
def statements(engine):
    seen: list[tuple[str, tuple]] = []
    # The engine is the session's: the search indexer's thread may be reading
    # products an earlier test changed. Only this thread's statements count.
    thread = threading.get_ident()

    def record(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == thread:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    "filters",
    [
        ProductFilter(),
        ProductFilter(section="books"),
        ProductFilter(category_id=1),
        ProductFilter(section="store", category_id=2),
    ],
)
def test_a_page_never_sorts_the_catalog(engine, statements, filters):
    """Each page reads an index in order and stops: no sort of a whole
    section or category, so page 20,000 of a million costs what page 1 does."""
    with Session(engine) as session:
        first = list_products(session, filters, size=5)
        list_products(session, filters, after=first.next or 10**9, size=5)
    selects = [s for s in statements if s[0].lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2
    with engine.connect() as connection:
        for statement, parameters in selects:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            ).all()
            text = " ".join(str(row[-1]) for row in plan)
            assert "TEMP B-TREE" not in text, text


def test_pages_follow_each_other_without_overlap(engine):
    with Session(engine) as session:
        seen: list[int] = []
        page = list_products(session, ProductFilter(section="videogames"), size=7)
        while True:
            seen += [p.id for p in page.items]
            if page.next is None:
                break
            page = list_products(
                session, ProductFilter(section="videogames"), after=page.next, size=7
            )
        assert seen == sorted(seen, reverse=True)
        assert len(seen) == len(set(seen)) > 7


class _Base(DeclarativeBase):
    pass


class TrainDetails(_Base):
    __tablename__ = "train_details"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    gauge: Mapped[str] = mapped_column(String(10))
    length_cm: Mapped[int] = mapped_column(Integer)
    maker: Mapped[str | None] = mapped_column(String(80))


def test_a_new_sections_fields_need_no_console_change():
    trains = StoreSection(
        name="trains",
        title="Toy Trains",
        prefix="/trains/",
        product_type="train",
        fields=(
            SectionField("gauge", "Gauge", kind="choice", choices=("HO", "N", "O")),
            SectionField("maker", "Maker"),
        ),
        details_model=TrainDetails,
    )
    fields = {f.name: f for f in section_input_fields(trains)}
    assert list(fields) == ["gauge", "maker", "length_cm"]
    assert fields["gauge"].choices == ("HO", "N", "O")
    assert fields["maker"].max_length == 80 and not fields["maker"].required
    # A column no declared field fills, but a train needs.
    assert fields["length_cm"].kind == "int" and fields["length_cm"].required
