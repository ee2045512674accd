"""Pages issue a fixed number of SQL statements, whatever the page size,
none at all from a warm cache, and the category query walks an index instead
of scanning the catalog."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select, text

from emporium.cache.interfaces import IObjectCache
from emporium_catalog.models import Category, Product

TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


@contextmanager
def count_statements(engine):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        # Queries, not transaction control: SQLite's explicit BEGIN is no read.
        if statement.split(None, 1)[0].upper() not in TRANSACTION_CONTROL:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def biggest_category(dbsession) -> Category:
    from sqlalchemy import func

    category_id = dbsession.scalar(
        select(Product.category_id)
        .where(Product.category_id.is_not(None))
        .group_by(Product.category_id)
        .order_by(func.count().desc())
        .limit(1)
    )
    return dbsession.get(Category, category_id)


def empty_cache(testapp) -> None:
    testapp.app.registry.getUtility(IObjectCache).backend.clear()


def test_category_page_statements_do_not_grow_with_page_size(
    testapp, engine, dbsession
):
    """Cold: the category, the page's ids, one query per partition (core,
    pricing, inventory, images) and the content of its slots, whatever the
    page size. Warm: none."""
    category = biggest_category(dbsession)
    cold, warm = {}, {}
    for size in (2, 5, 12):
        empty_cache(testapp)
        for counts in (cold, warm):
            with count_statements(engine) as statements:
                page = testapp.get(
                    f"/categories/{category.slug}", params={"per_page": size}
                )
            assert len(page.html.select(".product-card")) == size
            counts[size] = len(statements)
    assert cold == {2: 7, 5: 7, 12: 7}, cold
    assert warm == {2: 0, 5: 0, 12: 0}, warm


def test_product_page_statements(testapp, engine, dbsession):
    """Cold: one query per partition and one for the category; warm: none."""
    empty_cache(testapp)
    cold, warm = {}, {}
    for section in ("store", "books", "videogames"):
        product_id = dbsession.scalar(
            select(Product.id)
            .where(Product.section == section)
            .order_by(Product.id)
            .limit(1)
        )
        for counts in (cold, warm):
            with count_statements(engine) as statements:
                testapp.get(f"/products/{product_id}")
            counts[section] = len(statements)
    # core, pricing, inventory, images, the category; and the section's own
    # fields.
    assert cold == {"store": 5, "books": 6, "videogames": 6}
    assert warm == {"store": 0, "books": 0, "videogames": 0}


def test_section_front_statements_do_not_grow(testapp, engine):
    empty_cache(testapp)
    counts = []
    for _ in range(2):
        with count_statements(engine) as statements:
            testapp.get("/books/")
        counts.append(len(statements))
    # Categories, best-seller ids, core, pricing, inventory, images, the
    # content of its slots; then nothing.
    assert counts == [7, 0]


def test_missing_product_is_cached_as_missing(testapp, engine):
    empty_cache(testapp)
    counts = []
    for _ in range(2):
        with count_statements(engine) as statements:
            testapp.get("/products/987654321", status=404)
        counts.append(len(statements))
    assert counts[0] > 0
    assert counts[1] == 0


def test_category_query_uses_the_rank_index(engine, dbsession):
    """At a million products a full scan or a sort would make deep pages slow:
    the plan must walk ix_products_category_rank, with no temporary sort."""
    category = biggest_category(dbsession)
    with engine.connect() as connection:
        for where in ("", "AND (best_seller_rank, id) > (100, 5)"):
            plan = connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT * FROM products WHERE category_id = :c "
                    f"{where} ORDER BY best_seller_rank, id LIMIT 25"
                ),
                {"c": category.id},
            ).all()
            detail = " ".join(row[-1] for row in plan)
            assert "ix_products_category_rank" in detail, detail
            assert "TEMP B-TREE" not in detail, detail
