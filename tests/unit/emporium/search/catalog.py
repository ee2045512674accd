"""A small catalog written for the search tests: every product is here on
purpose, so that what a query must find (and in which order) is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from emporium import migrations
from emporium.config import configure
from emporium.search import indexing
from emporium.search.services import index_directory
from emporium_bookstore.models import BookDetails
from emporium_catalog.models import Category, Product
from emporium_videogames.models import VideoGameDetails
from tests.conftest import SCRIPT_LOCATION, make_settings

NOW = datetime(2026, 11, 1, tzinfo=UTC)

CATEGORIES = [
    (1, "board-games", "Board Games", "store"),
    (2, "books-picture-books", "Picture Books", "books"),
    (3, "books-chapter-books", "Chapter Books", "books"),
    (4, "videogames-racing", "Racing & Sports", "videogames"),
    (5, "videogames-adventure", "Action & Adventure", "videogames"),
]

# id, section, category, name, price (cents), stock, best-seller rank, age (days)
PRODUCTS = [
    (1, "store", 1, "Magic Castle", 2999, 10, 500, 30),
    (2, "store", 1, "Magic Castle Deluxe Edition", 4999, 10, 5, 20),
    (3, "store", 1, "Castle of Magic Cards", 1999, 0, 1, 10),
    (4, "store", 1, "Dragon Kite", 1500, 3, 100, 400),
    (5, "store", 1, "Running Shoes for Dolls", 999, 20, 300, 50),
    (10, "books", 2, "The Gruffalo", 799, 50, 2, 900),
    (11, "books", 2, "Room on the Broom", 1299, 0, 8, 800),
    (12, "books", 3, "Matilda", 899, 12, 3, 1200),
    (13, "books", 3, "The BFG", 599, 7, 40, 1100),
    (14, "books", 3, "東京の猫", 1599, 4, 900, 5),
    (20, "videogames", 4, "Space Racer", 4999, 30, 60, 100),
    (21, "videogames", 4, "Space Racer", 5999, 30, 50, 90),
    (22, "videogames", 5, "Castle Siege", 2999, 9, 70, 200),
    (23, "videogames", 5, "Castle Quest", 2999, 9, 20, 1),
    (24, "videogames", 4, "Dragon Rally", 1999, 0, 10, 60),
]

BOOKS = {
    10: ("Julia Donaldson", 3, 5, "paperback"),
    11: ("Julia Donaldson", 3, 5, "hardcover"),
    12: ("Roald Dahl", 8, 12, "paperback"),
    13: ("Roald Dahl", 8, 12, "ebook"),
    14: ("Haruki Murakami", 16, 99, "paperback"),
}

GAMES = {
    20: ("PC", "E", "Racing"),
    21: ("Nintendo Switch", "E", "Racing"),
    22: ("PC", "T", "Strategy"),
    23: ("PlayStation 5", "T", "Adventure"),
    24: ("Nintendo Switch", "E", "Racing"),
}


def fill(dbsession: Session) -> None:
    for cid, slug, name, section in CATEGORIES:
        dbsession.add(Category(id=cid, slug=slug, name=name, section=section))
    dbsession.flush()
    for pid, section, cid, name, price, stock, rank, age in PRODUCTS:
        dbsession.add(
            Product(
                id=pid,
                sku=f"T-{pid:04d}",
                section=section,
                category_id=cid,
                name=name,
                description=f"{name}, a fine thing to own.",
                image_url=f"/images/products/{pid}.svg",
                price_minor=price,
                currency="USD",
                stock=stock,
                best_seller_rank=rank,
                created_at=NOW - timedelta(days=age),
                updated_at=NOW - timedelta(days=age),
            )
        )
    dbsession.flush()
    for pid, (author, age_min, age_max, book_format) in BOOKS.items():
        dbsession.add(
            BookDetails(
                product_id=pid,
                author=author,
                isbn=f"97800000000{pid:02d}",
                age_min=age_min,
                age_max=age_max,
                format=book_format,
            )
        )
    for pid, (platform, rating, genre) in GAMES.items():
        dbsession.add(
            VideoGameDetails(
                product_id=pid, platform=platform, content_rating=rating, genre=genre
            )
        )


def build(directory: Path, index: bool = True, **overrides) -> dict:
    """Settings of a migrated database holding the catalog above, with its
    search index built (unless ``index`` is false)."""
    settings = make_settings(f"sqlite:///{directory / 'search.sqlite'}", **overrides)
    config = configure(dict(settings))
    config.commit()
    registry = config.registry
    engine = registry["db.engine"]
    migrations.upgrade(engine, migrations.migration_units(registry), SCRIPT_LOCATION)
    with Session(engine) as dbsession:
        fill(dbsession)
        dbsession.commit()
    if index:
        indexing.rebuild(registry, index_directory(registry.settings))
    engine.dispose()
    return settings


def web_app(settings: dict):
    """A WebTest app over ``settings`` (a catalog from ``build``)."""
    import webtest

    config = configure(dict(settings))
    config.commit()
    return webtest.TestApp(
        config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost:6543"}
    )
