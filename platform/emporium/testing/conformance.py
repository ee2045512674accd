"""The conformance check of a store section: what every section a plugin
adds must satisfy, each failure an ``AssertionError`` naming what failed."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from inspect import getattr_static

from sqlalchemy import Integer, String, Text, create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from zope.interface.verify import verifyObject

from emporium import migrations
from emporium.interfaces import IStoreSection
from emporium.sections import get_section, get_sections
from emporium.testing.products import section_product_ids

KINDS = {"text": (String, Text), "choice": (String, Text), "int": (Integer,)}


def check_section(registry_or_app, name: str) -> None:
    """Check the section ``name`` of an application (its WSGI app or its
    registry, on a migrated and seeded database): its fields are declared
    and typed, its migrations go up and down leaving nothing behind, its
    search documents carry its facets, and its templates render its front
    and a product page. Raises ``AssertionError`` naming what failed."""
    registry = getattr(registry_or_app, "registry", registry_or_app)
    section = get_section(registry, name)
    if section is None:
        known = ", ".join(s.name for s in get_sections(registry)) or "none"
        raise AssertionError(f"no section {name!r} is registered (sections: {known})")
    check_fields(section)
    check_migrations(registry, section)
    product_ids = section_products(registry, section)
    check_search_documents(registry, section, product_ids)
    check_templates_render(registry_or_app, section, product_ids[0])


def check_fields(section) -> None:
    """Every field is named, labelled, of a known kind, and stored in a
    column of that type of the section's details model."""
    where = f"section {section.name!r}"
    try:
        verifyObject(IStoreSection, section)
    except Exception as exc:
        raise AssertionError(f"{where} does not provide IStoreSection: {exc}") from exc
    seen = set()
    for field in section.fields:
        what = f"{where}, field {field.name!r}"
        if not field.name.isidentifier():
            raise AssertionError(f"{what}: the name is not an identifier")
        if field.name in seen:
            raise AssertionError(f"{what}: declared twice")
        seen.add(field.name)
        if not field.label:
            raise AssertionError(f"{what}: no label")
        if field.kind not in KINDS:
            raise AssertionError(
                f"{what}: kind {field.kind!r} is none of {', '.join(KINDS)}"
            )
        if field.kind == "choice" and not field.choices:
            raise AssertionError(f"{what}: a choice field without choices")
        if section.details_model is None:
            raise AssertionError(f"{what}: the section has no details_model")
        model = section.details_model
        column = model.__table__.columns.get(field.name)
        if column is None:
            # A property of the model computed from its columns will do.
            if isinstance(getattr_static(model, field.name, None), property):
                continue
            raise AssertionError(
                f"{what}: no column {field.name!r} in {model.__table__.name} "
                f"(nor a property of {model.__name__})"
            )
        if not isinstance(column.type, KINDS[field.kind]):
            raise AssertionError(
                f"{what}: a {field.kind} field stored in a {column.type} column"
            )


def section_unit(registry, section) -> migrations.MigrationUnit | None:
    """The version history that makes the section's details table."""
    if section.details_model is None:
        return None
    package = section.details_model.__module__.split(".", 1)[0]
    for unit in migrations.migration_units(registry):
        if unit.name == package:
            return unit
    return None


def check_migrations(registry, section) -> None:
    """On a throwaway database: the section's history goes up (making its
    details table), down (leaving the schema as it was before, its version
    table included) and up again."""
    if section.details_model is None:
        return
    unit = section_unit(registry, section)
    where = f"section {section.name!r}"
    if unit is None:
        raise AssertionError(
            f"{where}: its package has no migrations (config.add_migrations)"
        )
    units = migrations.migration_units(registry)
    before_it = units[: units.index(unit)]
    table = section.details_model.__table__.name
    with throwaway_engine(registry) as engine:
        location = migrations.SCRIPT_LOCATION
        migrations.upgrade(engine, before_it, location)
        empty = schema_of(engine)
        migrations.upgrade(engine, [unit], location)
        if table not in schema_of(engine):
            raise AssertionError(
                f"{where}: migrating {unit.name} up made no table {table!r}"
            )
        migrations.downgrade(engine, [unit], location)
        left = schema_diff(empty, schema_of(engine))
        if left:
            raise AssertionError(
                f"{where}: migrating {unit.name} down left {'; '.join(left)}"
            )
        migrations.upgrade(engine, [unit], location)


def schema_of(engine) -> dict[str, tuple]:
    """Every table with its columns and indexes."""
    inspector = inspect(engine)
    return {
        name: (
            sorted(c["name"] for c in inspector.get_columns(name)),
            sorted(i["name"] or "" for i in inspector.get_indexes(name)),
        )
        for name in inspector.get_table_names()
    }


def schema_diff(before: dict, after: dict) -> list[str]:
    found = [f"table {name}" for name in sorted(set(after) - set(before))]
    found += [f"table {name} gone" for name in sorted(set(before) - set(after))]
    for name in sorted(set(before) & set(after)):
        if before[name] != after[name]:
            found.append(f"table {name} changed: {before[name]} -> {after[name]}")
    return found


@contextmanager
def throwaway_engine(registry) -> Iterator[Engine]:
    """An engine on a new, empty database of the application's kind
    (PostgreSQL on the same server, or a SQLite file), dropped after."""
    url = registry["db.engine"].url
    if url.get_backend_name() != "postgresql":
        folder = tempfile.mkdtemp(prefix="emporium-conformance-")
        engine = create_engine(f"sqlite:///{os.path.join(folder, 'check.sqlite')}")
        try:
            yield engine
        finally:
            engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)
        return
    from emporium.testing.servers import create_database

    server = url.set(database="postgres").render_as_string(hide_password=False)
    database = create_database(server)
    engine = create_engine(database)
    try:
        yield engine
    finally:
        engine.dispose()
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = database.rsplit("/", 1)[1]
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def section_products(registry, section, limit: int = 20) -> list[int]:
    ids = section_product_ids(registry["db.engine"], section.name, limit)
    if not ids:
        raise AssertionError(
            f"section {section.name!r} has no products to check: seed it "
            f"(emporium seed INI --section {section.name})"
        )
    return ids


def check_search_documents(registry, section, product_ids: list[int]) -> None:
    """The section's products' search documents hold each of its facets,
    with a value for at least one of them."""
    from emporium.search.indexing import documents_source

    facets = [f.name for f in section.fields if f.facet]
    if not facets:
        return
    with Session(registry["db.engine"]) as dbsession:
        documents = [
            doc
            for batch in documents_source(registry).documents(dbsession, product_ids)
            for doc in batch
        ]
    where = f"section {section.name!r}"
    if len(documents) != len(product_ids):
        raise AssertionError(f"{where}: products missing from the search documents")
    for facet in facets:
        values = [doc["fields"].get(facet) for doc in documents]
        if not any(value not in (None, "") for value in values):
            raise AssertionError(
                f"{where}: no search document of its products carries the facet "
                f"{facet!r} (fields: {sorted(documents[0]['fields'])})"
            )


def check_templates_render(registry_or_app, section, product_id: int) -> None:
    """The section's front and a product page answer 200, naming them."""
    from emporium.testing.client import StoreClient

    app = registry_or_app
    if not callable(app):
        from pyramid.router import Router

        app = Router(registry_or_app)
    client = StoreClient(app)
    where = f"section {section.name!r}"
    for url, wanted in (
        (section.prefix, section.title),
        (f"/products/{product_id}", None),
    ):
        response = client.get(url, expect_errors=True)
        if response.status_int != 200:
            raise AssertionError(f"{where}: GET {url} answered {response.status}")
        if wanted and escape(wanted) not in response.text:
            raise AssertionError(f"{where}: GET {url} does not show {wanted!r}")
