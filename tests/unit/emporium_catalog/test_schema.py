"""The product schema every write path parses with (the console's form, the
CSV import), and the inputs of a section built from what it declares."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from emporium.sections import SectionField, StoreSection, get_section
from emporium_catalog.schema import (
    parse_field,
    parse_image_url,
    parse_money,
    parse_product,
    parse_time,
    section_input_fields,
)


@pytest.mark.parametrize(
    "text, currency, expected",
    [
        ("19.99", "USD", 1999),
        ("1,200", "USD", 120000),
        ("0", "USD", 0),
        ("500", "JPY", 500),
    ],
)
def test_money(text, currency, expected):
    errors = {}
    assert parse_money(text, currency, "price", errors) == expected
    assert errors == {}


@pytest.mark.parametrize(
    "text", ["", "abc", "-1", "1.999", "NaN", "Infinity", "9" * 20]
)
def test_bad_money_names_the_field(text):
    errors = {}
    assert parse_money(text, "USD", "price", errors) is None
    assert "price" in errors


def test_times_are_utc():
    errors = {}
    assert parse_time("2026-12-01T09:00", "start", errors) == datetime(
        2026, 12, 1, 9, tzinfo=UTC
    )
    assert parse_time("2026-12-01T10:00+01:00", "start", errors) == datetime(
        2026, 12, 1, 9, tzinfo=UTC
    )
    assert parse_time("", "start", errors) is None
    assert errors == {}
    parse_time("tomorrow", "start", errors)
    assert "start" in errors


def test_a_sale_must_be_cheaper_and_end_after_it_starts():
    errors = {}
    parse_product(
        {
            "sku": "X",
            "name": "X",
            "price": "10",
            "stock": "1",
            "sale_price": "12",
            "sale_starts_at": "2026-12-02T00:00",
            "sale_ends_at": "2026-12-01T00:00",
        },
        {},
        errors,
    )
    assert {"sale_price", "sale_ends_at"} <= set(errors)


def test_book_form_from_the_section(app_config):
    books = get_section(app_config.registry, "books")
    fields = {f.name: f for f in section_input_fields(books)}
    # Declared fields first, in their order, then columns a book needs.
    assert list(fields)[:4] == ["author", "isbn", "age_range", "format"]
    assert fields["author"].required and fields["author"].writable
    assert fields["isbn"].unique
    assert not fields["age_range"].writable  # derived from age_min and age_max
    assert fields["format"].kind == "choice"
    assert fields["age_min"].kind == "int" and fields["age_min"].required


def test_section_fields_are_checked_by_kind(app_config):
    games = get_section(app_config.registry, "videogames")
    fields = {f.name: f for f in section_input_fields(games)}
    errors = {}
    assert parse_field(fields["platform"], "PC", errors) == "PC"
    parse_field(fields["platform"], "Amiga", errors, prefix="detail.")
    parse_field(fields["content_rating"], "", errors, prefix="detail.")
    assert set(errors) == {"detail.platform", "detail.content_rating"}


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "//evil.example/x.svg",
        "/\\evil.example/x.svg",
        "/\t/evil.example/x.svg",
        "http://plain.example/x.png",
        "https:///x.png",
        "data:image/svg+xml,<svg/>",
    ],
)
def test_an_image_url_elsewhere_than_a_path_or_https_is_refused(url):
    errors = {}
    parse_image_url(url, "image_url", errors)
    assert errors == {"image_url": "must be a path on this site or an https:// URL"}


@pytest.mark.parametrize(
    "url", ["", "/static/kite.png", "https://cdn.example/images/kite.png?w=300"]
)
def test_a_path_or_an_https_image_url_is_taken(url):
    errors = {}
    assert parse_image_url(url, "image_url", errors) == url and errors == {}


def test_sale_dates_need_a_sale_price():
    errors = {}
    parse_product(
        {"sku": "X", "name": "X", "price": "10", "sale_starts_at": "2026-12-01"},
        {},
        errors,
    )
    assert errors == {"sale_price": "is required when the sale has a start or an end"}


def test_a_field_not_given_is_left_out_and_a_category_is_found_by_slug():
    errors = {}
    values = parse_product(
        {
            "sku": "X",
            "name": "X",
            "price": "10",
            "category": "kites",
            "section": "store",
        },
        {7: "kites"},
        errors,
    )
    assert errors == {} and values["category_id"] == 7
    assert not {"stock", "image_url", "sale_price_minor"} & set(values)
    parse_product(
        {"sku": "X", "name": "X", "price": "1", "category": "nope", "section": "store"},
        {7: "kites"},
        errors,
    )
    assert errors == {"category": "no category 'nope' in store"}


class _Base(DeclarativeBase):
    pass


class TrainDetails(_Base):
    __tablename__ = "train_details"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    gauge: Mapped[str] = mapped_column(String(10))
    length_cm: Mapped[int] = mapped_column(Integer)
    maker: Mapped[str | None] = mapped_column(String(80))


def test_a_new_sections_fields_need_no_console_change():
    trains = StoreSection(
        name="trains",
        title="Toy Trains",
        prefix="/trains/",
        product_type="train",
        fields=(
            SectionField("gauge", "Gauge", kind="choice", choices=("HO", "N", "O")),
            SectionField("maker", "Maker"),
        ),
        details_model=TrainDetails,
    )
    fields = {f.name: f for f in section_input_fields(trains)}
    assert list(fields) == ["gauge", "maker", "length_cm"]
    assert fields["gauge"].choices == ("HO", "N", "O")
    assert fields["maker"].max_length == 80 and not fields["maker"].required
    # A column no declared field fills, but a train needs.
    assert fields["length_cm"].kind == "int" and fields["length_cm"].required
