"""A realistic demo catalog across every registered section, written in
batches with bulk inserts so that 100,000 products take seconds."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from faker import Faker
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from zope.interface import implementer

from emporium.interfaces import ISeeder
from emporium.sections import get_sections
from emporium_catalog.models import Category, Product
from emporium_catalog.photos.demo import PHOTO_PRODUCTS, demo_sources
from emporium_catalog.photos.models import ProductImage

BATCH_SIZE = 5_000

_ADJECTIVES = (
    "Amazing",
    "Classic",
    "Deluxe",
    "Electric",
    "Giant",
    "Happy",
    "Little",
    "Magic",
    "Mighty",
    "Mini",
    "Ultimate",
    "Rainbow",
    "Secret",
    "Super",
    "Wild",
    "Wooden",
    "Cosmic",
    "Brave",
    "Golden",
    "Silent",
    "Curious",
    "Lost",
    "Hidden",
    "Tiny",
)
_NOUNS = (
    "Castle",
    "Dragon",
    "Rocket",
    "Garden",
    "Pirate",
    "Robot",
    "Train",
    "Unicorn",
    "Forest",
    "Island",
    "Kingdom",
    "Galaxy",
    "Treasure",
    "Dinosaur",
    "Safari",
    "Ocean",
    "Mountain",
    "Circus",
    "Village",
    "Planet",
    "Knight",
    "Wizard",
    "Bear",
)
_PRICE_RANGES = {"books": (499, 3999), "videogames": (1999, 6999)}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@implementer(ISeeder)
class CatalogSeeder:
    """Seeds categories for every section, then products spread over them."""

    def __init__(self, registry) -> None:
        self.registry = registry

    def is_empty(self, dbsession: Session) -> bool:
        return dbsession.scalar(select(Product.id).limit(1)) is None

    def _categories(self, dbsession: Session, sections) -> dict[str, list[int]]:
        existing = {c.slug: c for c in dbsession.scalars(select(Category))}
        for section in sections:
            for position, name in enumerate(
                section.sample_categories or (section.title,)
            ):
                slug = (
                    _slug(f"{section.name} {name}")
                    if section.prefix != "/"
                    else _slug(name)
                )
                if slug not in existing:
                    category = Category(
                        slug=slug,
                        name=name,
                        section=section.name,
                        position=position,
                        description=f"{name} from our {section.title} department.",
                    )
                    dbsession.add(category)
                    existing[slug] = category
        dbsession.flush()
        by_section: dict[str, list[int]] = {}
        for category in existing.values():
            by_section.setdefault(category.section, []).append(category.id)
        return by_section

    def seed(
        self,
        dbsession: Session,
        count: int,
        progress: Callable[[int], None] = lambda n: None,
        seed: int | None = None,
        sections: Sequence[str] | None = None,
    ) -> int:
        """``sections``: the names of the sections to fill (all by default)."""
        rng = random.Random(seed)
        faker = Faker()
        faker.seed_instance(seed)
        sections = [
            s
            for s in get_sections(self.registry)
            if sections is None or s.name in sections
        ]
        categories = self._categories(dbsession, sections)
        next_id = (dbsession.scalar(select(func.max(Product.id))) or 0) + 1
        photos = demo_sources(self.registry) if count else []
        photographed = 0
        now = datetime.now(UTC)
        created = 0
        while created < count:
            size = min(BATCH_SIZE, count - created)
            products = []
            details: dict[type, list[dict]] = {}
            for offset in range(size):
                product_id = next_id + offset
                section = sections[product_id % len(sections)]
                low, high = _PRICE_RANGES.get(section.name, (299, 14999))
                name = section.fake_name(rng, faker) or self._name(rng, section)
                stock = 0 if rng.random() < 0.05 else rng.randint(1, 250)
                products.append(
                    {
                        "id": product_id,
                        "sku": f"{section.name[:3].upper()}-{product_id:08d}",
                        "section": section.name,
                        "category_id": rng.choice(categories[section.name]),
                        "name": name,
                        "description": faker.paragraph(nb_sentences=4),
                        "image_url": f"/images/products/{product_id}.svg",
                        "price_minor": rng.randint(low, high) // 100 * 100 + 99,
                        "currency": "USD",
                        "stock": stock,
                        "best_seller_rank": rng.randint(1, max(count, 1) * 10),
                        "created_at": now - timedelta(days=rng.randint(0, 1500)),
                        "updated_at": now,
                    }
                )
                if section.details_model is not None:
                    row = section.fake_details(rng, faker, product_id) | {
                        "product_id": product_id
                    }
                    details.setdefault(section.details_model, []).append(row)
            dbsession.execute(insert(Product), products)
            # Drawn demo photos, shared, for a demo store's worth of products.
            shown = products[: max(0, PHOTO_PRODUCTS - photographed)]
            if shown:
                dbsession.execute(
                    insert(ProductImage),
                    [
                        {
                            "product_id": p["id"],
                            "position": 0,
                            "alt": p["name"][:300],
                            "filename": f"demo-{p['id'] % len(photos)}.png",
                            "sources": photos[p["id"] % len(photos)],
                        }
                        for p in shown
                    ],
                )
                photographed += len(shown)
            for model, rows in details.items():
                dbsession.execute(insert(model), rows)
            dbsession.commit()
            next_id += size
            created += size
            progress(size)
        return created

    @staticmethod
    def _name(rng: random.Random, section) -> str:
        name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
        if rng.random() < 0.5:
            name = f"The {name} {rng.choice(_NOUNS)}"
        return name
