"""``IProductReader``, products as other plugins read them: the registered
reader provides the interface, lists a million products a page at a time
without sorting them, and exports every product as the text the writer
parses back."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session
from zope.interface.verify import verifyObject

from emporium.sections import get_section
from emporium_catalog.interfaces import IProductReader, IProductWriter, ProductFilter


@pytest.fixture
def reader(app_config):
    return app_config.registry.getUtility(IProductReader)


def test_the_application_registers_a_reader(reader):
    assert verifyObject(IProductReader, reader)


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
def test_a_page_never_sorts_the_catalog(engine, reader, statements, filters):
    """Each page reads an index in order and stops: no sort of a whole
    section or category, so page 20,000 of a million costs what page 1 does."""
    with Session(engine) as session:
        first = reader.page(session, filters, size=5)
        reader.page(session, filters, after=first.next or 10**9, size=5)
    selects = [s for s in statements if s[0].lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2
    with engine.connect() as connection:
        for statement, parameters in selects:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            ).all()
            text = " ".join(str(row[-1]) for row in plan)
            assert "TEMP B-TREE" not in text, text


def test_pages_follow_each_other_without_overlap(engine, reader):
    with Session(engine) as session:
        seen: list[int] = []
        page = reader.page(session, ProductFilter(section="videogames"), size=7)
        while True:
            seen += [p.id for p in page.items]
            if page.next is None:
                break
            page = reader.page(
                session, ProductFilter(section="videogames"), after=page.next, size=7
            )
        assert seen == sorted(seen, reverse=True)
        assert len(seen) == len(set(seen)) > 7


def test_pages_back_come_before_and_meet_the_first(engine, reader):
    videogames = ProductFilter(section="videogames")
    with Session(engine) as session:
        first = reader.page(session, videogames, size=3)
        second = reader.page(session, videogames, after=first.next, size=3)
        back = reader.page(session, videogames, before=second.previous, size=3)
    assert [p.id for p in back.items] == [p.id for p in first.items]
    assert second.previous == second.items[0].id
    assert back.previous is None and back.next == first.next


def test_the_export_is_what_the_writer_parses_back(app_config, reader):
    """Every exported product parses without an error into the very values
    it has: the export and the schema agree on each field's text."""
    registry = app_config.registry
    writer = registry.getUtility(IProductWriter)
    dbsession_factory = registry["dbsession_factory"]
    seen = 0
    with dbsession_factory() as dbsession:
        categories = {
            section: {c.id: c.slug for c in found}
            for section, found in reader.categories(dbsession).items()
        }
        for records in reader.export(dbsession_factory, batch=40):
            assert 0 < len(records) <= 40
            for record in records[:3]:
                section = get_section(registry, record["section"])
                given = {k: str(v) for k, v in record.items()}
                errors: dict = {}
                values, details = writer.parse(
                    section, given, given, categories.get(section.name, {}), errors
                )
                assert errors == {}, record
                product = reader.product(
                    dbsession,
                    reader.sections_of(dbsession, [values["sku"]])[values["sku"]][0],
                )
                for name, value in values.items():
                    # Times are exported to the minute.
                    if isinstance(value, datetime):
                        value = value.replace(second=0, microsecond=0)
                        have = getattr(product, name).replace(second=0, microsecond=0)
                    else:
                        have = getattr(product, name)
                    assert have == value, (record["sku"], name)
                seen += 1
    assert seen > 3
