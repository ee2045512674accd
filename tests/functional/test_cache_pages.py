"""Pages from a warm cache: reused while their data is unchanged, fresh as
soon as a commit changes it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium.aftercommit import watch
from emporium.cache.render import memo_of
from emporium_catalog.models import Product


def test_a_changed_price_shows_at_once(testapp, engine):
    registry = testapp.app.registry
    memo = memo_of(registry)
    with Session(engine) as session:
        watch(session, registry)
        product = session.scalar(
            select(Product).where(Product.section == "store").order_by(Product.id)
        )
        page = f"/products/{product.id}"
        testapp.get(page)
        hits = memo.hits
        assert testapp.get(page).text == testapp.get(page).text
        assert memo.hits == hits + 2
        price = product.price_minor
        product.price_minor = 4_321_00
        session.commit()
        try:
            assert "$4,321.00" in testapp.get(page).text
        finally:
            product.price_minor = price
            session.commit()
        assert "$4,321.00" not in testapp.get(page).text


def test_other_hosts_get_their_own_page(testapp, dbsession):
    product_id = dbsession.scalar(select(Product.id).order_by(Product.id))
    main = testapp.get(f"/products/{product_id}")
    partner = testapp.get(
        f"/products/{product_id}", extra_environ={"HTTP_HOST": "partner.localhost"}
    )
    assert "theme-default" in main.text
    assert "theme-partner" in partner.text
