"""Last-Modified dates kept in the object cache."""

from __future__ import annotations

from emporium.cache.services import cache_from_settings
from emporium.pagecache.headers import Validators


def test_a_body_keeps_its_date_and_a_new_body_gets_a_later_one():
    validators = Validators(cache_from_settings({"cache.tiers": "memory"}))
    page = ("shop.example", "/products/1")
    assert validators.last_modified(page, '"a"', 1000.0) == 1000
    assert validators.last_modified(page, '"a"', 5000.0) == 1000  # rebuilt
    # Changed, and changed back: the old body gets the time it came back,
    # never its first date (nor a date later than now).
    assert validators.last_modified(page, '"b"', 5000.0) == 5000
    assert validators.last_modified(page, '"a"', 6000.0) == 6000
    assert validators.last_modified(page, '"a"', 9000.0) == 6000
    assert validators.last_modified(page, '"b"', 6000.0) == 6000
    other = ("shop.example", "/products/2")
    assert validators.last_modified(other, '"a"', 7000.0) == 7000
