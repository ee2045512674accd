from __future__ import annotations

import itertools

import pytest
import webtest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from emporium_catalog.models import Category, Product

_ids = itertools.count(900_000)


@pytest.fixture
def make_product(engine):
    """Insert a product of our own (so stock changes stay in this test)."""

    def make(
        stock: int = 10, price_minor: int = 1999, section: str = "store", name=None
    ):
        product_id = next(_ids)
        with Session(engine) as session, session.begin():
            category_id = session.scalar(
                select(Category.id).where(Category.section == section).limit(1)
            )
            session.execute(
                insert(Product),
                [
                    {
                        "id": product_id,
                        "sku": f"TST-{product_id}",
                        "section": section,
                        "name": name or f"Test product {product_id}",
                        "description": "",
                        "image_url": "",
                        "price_minor": price_minor,
                        "currency": "USD",
                        "stock": stock,
                        "best_seller_rank": 1,
                        "category_id": category_id,
                    }
                ],
            )
        return product_id

    return make


@pytest.fixture
def stock_of(engine):
    def stock(product_id: int) -> int:
        with Session(engine) as session:
            return session.get(Product, product_id).stock

    return stock


@pytest.fixture
def new_client(wsgi_app):
    """A fresh browser: its own cookie jar."""

    def make() -> webtest.TestApp:
        return webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost:6543"})

    return make
