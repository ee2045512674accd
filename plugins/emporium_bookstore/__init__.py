"""The bookstore plugin: the ``/books/`` section, with author, ISBN, age
range and format for every book."""

from pyramid.config import Configurator

from emporium.sections import SectionField

# A section's products live in the catalog's tables.
REQUIRES = ("catalog",)

_AGES = ((0, 3), (3, 5), (4, 8), (8, 12), (12, 16), (16, 99))


def _fake_book(rng, faker, product_id: int) -> dict:
    from emporium_bookstore.models import FORMATS, isbn13

    age_min, age_max = rng.choice(_AGES)
    return {
        "author": faker.name(),
        "isbn": isbn13(product_id),
        "age_min": age_min,
        "age_max": age_max,
        "format": rng.choice(FORMATS),
    }


def includeme(config: Configurator) -> None:
    from emporium_bookstore.models import FORMATS, BookDetails

    config.add_migrations("emporium_bookstore:migrations")
    config.add_static_view(
        "static/bookstore", "emporium_bookstore:static", cache_max_age=3600
    )
    config.add_store_section(
        name="books",
        title="Books",
        prefix="/books/",
        product_type="book",
        templates="emporium_bookstore:templates",
        fields=(
            SectionField("author", "Author", facet=True, required=True),
            SectionField("isbn", "ISBN", required=True),
            SectionField("age_range", "Age range", facet=True),
            SectionField(
                "format", "Format", kind="choice", choices=FORMATS, facet=True
            ),
        ),
        details_model=BookDetails,
        sort_rules={
            "relevance": "Best match",
            "bestselling": "Best sellers",
            "price": "Price, low to high",
            "newest": "Newest",
            "title": "Title",
        },
        partitions={"book": 3600},
        stylesheet="/static/bookstore/books.css",
        position=20,
        seed_details=_fake_book,
        sample_categories=(
            "Picture Books",
            "Early Readers",
            "Chapter Books",
            "Middle Grade",
            "Young Adult",
            "Activity Books",
        ),
    )
