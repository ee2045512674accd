"""The staff's view of orders: filtered, paged by id either way, and
totalled since a moment. Each test's orders are written in a transaction
that is rolled back, and are the only ones of their own status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emporium_cart.models import Order
from emporium_cart.services import OrderService

STATUS = "cancelled"
EARLY = datetime(2001, 1, 1, tzinfo=UTC)


@pytest.fixture
def orders(dbsession):
    made = []
    for i in range(5):
        order = Order(
            number=f"EM-UNIT{i:03d}", status=STATUS, email="o@example.com",
            name="O", address={}, currency="USD", subtotal_minor=100 * (i + 1),
            shipping_minor=0, total_minor=100 * (i + 1), payment_reference="r",
            card_last4="4242", created_at=EARLY + timedelta(minutes=i),
        )  # fmt: skip
        dbsession.add(order)
        made.append(order)
    dbsession.flush()
    yield OrderService(dbsession), [order.id for order in made]
    dbsession.rollback()


def test_pages_go_newest_first_after_and_oldest_first_before(orders):
    service, ids = orders
    assert [o.id for o in service.listing(status=STATUS)] == ids[::-1]
    assert [o.id for o in service.listing(status=STATUS, limit=2)] == ids[:2:-1]
    assert [o.id for o in service.listing(status=STATUS, after=ids[3])] == ids[2::-1]
    assert [o.id for o in service.listing(status=STATUS, before=ids[1])] == ids[2:]
    assert [o.id for o in service.listing(status=STATUS, before=ids[1], limit=2)] == [
        ids[2],
        ids[3],
    ]


def test_dates_bound_the_list(orders):
    service, ids = orders
    start, end = EARLY + timedelta(minutes=1), EARLY + timedelta(minutes=3)
    found = service.listing(status=STATUS, start=start, end=end)
    assert [o.id for o in found] == [ids[2], ids[1]]


def test_totals_and_times_since_a_moment(orders):
    service, ids = orders
    since = EARLY + timedelta(minutes=3)
    count, total = service.totals_since(since)
    assert count >= 2 and total >= 900  # ours, and any placed since 2001
    assert {EARLY + timedelta(minutes=3), EARLY + timedelta(minutes=4)} <= {
        at.astimezone(UTC) for at in service.placed_since(since)
    }
