"""Demo data for ``emporium seed INI --section {{ cookiecutter.section }}``."""

from __future__ import annotations

from .models import FORMATS

_NOUNS = ("Collection", "Set", "Classic", "Edition", "Selection", "Box")


def fake_name(rng, faker) -> str:
    """One demo product's name."""
    return f"{faker.word().title()} {faker.word().title()} {rng.choice(_NOUNS)}"


def fake_details(rng, faker, product_id: int) -> dict:
    """One demo product's own fields, by SectionField name."""
    return {
        "maker": faker.company(),
        "format": rng.choice(FORMATS),
        "year": rng.randint(1960, 2026),
    }
