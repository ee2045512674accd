"""The video games plugin: the ``/videogames/`` section, with platform,
content rating and genre for every game."""

from pyramid.config import Configurator

from emporium.sections import SectionField

# A section's products live in the catalog's tables.
REQUIRES = ("catalog",)


def _fake_game(rng, faker, product_id: int) -> dict:
    from emporium_videogames.models import CONTENT_RATINGS, GENRES, PLATFORMS

    return {
        "platform": rng.choice(PLATFORMS),
        "content_rating": rng.choice(CONTENT_RATINGS),
        "genre": rng.choice(GENRES),
    }


def includeme(config: Configurator) -> None:
    from emporium_videogames.models import (
        CONTENT_RATINGS,
        GENRES,
        PLATFORMS,
        VideoGameDetails,
    )

    config.add_migrations("emporium_videogames:migrations")
    config.add_static_view(
        "static/videogames", "emporium_videogames:static", cache_max_age=3600
    )
    config.add_store_section(
        name="videogames",
        title="Video Games",
        prefix="/videogames/",
        product_type="videogame",
        templates="emporium_videogames:templates",
        fields=(
            SectionField(
                "platform", "Platform", "choice", PLATFORMS, facet=True, required=True
            ),
            SectionField(
                "content_rating",
                "Content rating",
                "choice",
                CONTENT_RATINGS,
                facet=True,
                required=True,
            ),
            SectionField("genre", "Genre", "choice", GENRES, facet=True),
        ),
        details_model=VideoGameDetails,
        sort_rules={
            "relevance": "Best match",
            "bestselling": "Best sellers",
            "price": "Price, low to high",
            "newest": "Newest releases",
        },
        partitions={"videogame": 3600},
        stylesheet="/static/videogames/games.css",
        position=30,
        seed_details=_fake_game,
        sample_categories=(
            "Action & Adventure",
            "Family & Party",
            "Racing & Sports",
            "Puzzle & Strategy",
            "Consoles & Accessories",
        ),
    )
