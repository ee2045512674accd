"""Pages issue a fixed number of SQL statements, whatever the page size, and
the category query walks an index instead of scanning the catalog."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select, text

from emporium_catalog.models import Category, Product


@contextmanager
def count_statements(engine):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
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
        .group_by(Product.category_id)
        .order_by(func.count().desc())
        .limit(1)
    )
    return dbsession.get(Category, category_id)


def test_category_page_statements_do_not_grow_with_page_size(
    testapp, engine, dbsession
):
    category = biggest_category(dbsession)
    counts = {}
    for size in (2, 5, 12):
        with count_statements(engine) as statements:
            page = testapp.get(
                f"/categories/{category.slug}", params={"per_page": size}
            )
        assert len(page.html.select(".product-card")) == size
        counts[size] = len(statements)
    assert counts[2] == counts[5] == counts[12], counts
    assert counts[2] <= 2, counts


def test_product_page_statements(testapp, engine, dbsession):
    counts = {}
    for section in ("store", "books", "videogames"):
        product_id = dbsession.scalar(
            select(Product.id).where(Product.section == section).limit(1)
        )
        with count_statements(engine) as statements:
            testapp.get(f"/products/{product_id}")
        counts[section] = len(statements)
    # The product with its category in one statement; the section's fields in one.
    assert counts == {"store": 1, "books": 2, "videogames": 2}


def test_section_front_statements_do_not_grow(testapp, engine):
    with count_statements(engine) as statements:
        testapp.get("/books/")
    assert len(statements) == 2


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
