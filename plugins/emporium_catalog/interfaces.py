"""The catalog's services as other plugins see them: ``IProductReader``
(the admin's product list, forms and export), ``IProductWriter`` (the
admin's form and CSV import, the cart's stock) and ``IProductPhotos``, and
the values they take and return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zope.interface import Interface


@dataclass(frozen=True)
class ProductFilter:
    """Which products a list shows: words (an exact SKU or a part of the
    name), a section's name, a category's id; empty for any."""

    q: str = ""
    section: str = ""
    category_id: int | None = None


@dataclass(frozen=True)
class ProductPage:
    """A page of products by keyset on the id, newest first."""

    items: Sequence
    next: int | None  # the id the next page comes after
    previous: int | None  # the id the previous page comes before


@dataclass(frozen=True)
class FoundPage:
    """A numbered page of the products a query's words found."""

    items: Sequence
    total: int
    page: int
    pages: int
    capped: bool  # more matches than the pages reach


class IProductReader(Interface):
    """Products and categories as another plugin reads them, from the
    database (never the cache: what is read may be written back).

    Found with ``registry.getUtility(IProductReader)``. Each read runs in
    the caller's database session. A product has the columns of the
    catalog's schema (``id``, ``sku``, ``section``, ``category_id``, ``name``,
    ``price_minor``, ``sale_price_minor``, ``current_price_minor()``, ...); a
    category ``id``, ``slug``, ``name``, ``section``, ``position`` and
    ``description``."""

    def product(dbsession, product_id):
        """The product ``product_id``, or None."""

    def details(dbsession, section, product_id):
        """The row of ``section``'s own fields of the product (attributes by
        field name), or None: no such row, no product, or a section without
        fields of its own."""

    def page(dbsession, filters, after=None, before=None, size=50):
        """A ``ProductPage`` of the products ``filters`` matches, newest
        first, a page at a time by keyset on the id (``after`` or ``before``
        an id): page 20,000 costs what page 1 does. Words match an exact SKU
        or a part of the name by a scan: the fallback of ``find``."""

    def find(dbsession, filters, page=1, size=50):
        """A ``FoundPage`` of the products whose words match ``filters.q``,
        newest first, asked of the search service with the section and
        category filters; a product whose SKU is the query leads the first
        page. Raises ``SearchUnavailable`` when no index answers."""

    def count(dbsession):
        """How many products there are."""

    def sections_of(dbsession, skus):
        """``{sku: (id, section)}`` of the products of ``skus`` that exist,
        one query per 500 SKUs."""

    def categories(dbsession):
        """``{section: [category]}``, each section's in their order."""

    def category(dbsession, category_id):
        """The category ``category_id``, or None."""

    def category_counts(dbsession):
        """``{category_id: n}``: how many products each category has (the
        key None counts those in none)."""

    def export(dbsession_factory, batch=1000):
        """Every product as text by field name, as ``IProductWriter.parse``
        takes it back: ``sku``, ``section``, ``category`` (its slug), the
        other columns of the schema, and its section's writable fields.
        Yields lists of ``batch`` products in id order, read in a session of
        ``dbsession_factory``: the memory used does not grow with the
        catalog."""


class IProductWriter(Interface):
    """Creates and changes products: one input schema and one write path.

    Found with ``registry.getUtility(IProductWriter)``. Input is text by
    field name (``emporium_catalog.schema``); a field that is absent is not
    given, so an update keeps its value. Every write runs in the caller's
    database session: the object cache, the search index and the proxies'
    pages follow when it commits, and nothing happens if it rolls back.
    """

    def input_fields(section):
        """Return the ``InputField``s of ``section``'s own fields (its
        declared fields, then the columns a new product of it needs)."""

    def parse(section, given, details, categories, errors, prefix=""):
        """Return ``(values, details)``, the product's columns and its
        section's own fields, parsed from ``given`` and ``details`` (text by
        field name). ``categories`` maps the ids of the section's categories
        to their slugs. Each error is recorded in ``errors`` under its field
        (the section's under ``prefix + name``)."""

    def check(dbsession, section, values, details, product_id, errors, prefix=""):
        """Record in ``errors`` what another product than ``product_id``
        already has: its SKU, a value of a unique field of the section."""

    def unique_clashes(dbsession, section, entries):
        """Return ``{index: {field: Clash}}`` for the ``entries``
        (``(product_id or None, details)``, in order) whose value of a
        unique field of ``section`` another product has (``product_id``),
        or an earlier entry (``entry``, its index): one query per field and
        500 values, whatever the number of entries."""

    def save(dbsession, product, section, values, details, actor):
        """Create (``product`` None) or update a product of ``section`` and
        its section's row with parsed ``values`` and ``details``; audit the
        change in ``actor``'s name and purge its pages after commit. Return
        ``(product, changes)``, ``changes`` as ``{field: [old, new]}``."""

    def save_many(dbsession_factory, rows, actor, progress=None, batch=500):
        """Create or update products by SKU, ``batch`` rows per transaction
        of a session from ``dbsession_factory``; each row has ``section`` (a name),
        ``values`` (with ``sku``) and ``details``, and may have ``photos``
        (for ``IProductPhotos.replace``; ``None`` keeps the product's), saved
        in the product's transaction. Calls ``progress(n)``
        after each batch, audits the whole in ``actor``'s name, and returns
        ``{"created": n, "updated": n}`` once search has the rows too."""

    def check_category(dbsession, values, category_id, errors):
        """Record in ``errors`` (under ``slug``) that another category than
        ``category_id`` already has the slug of ``values``."""

    def save_category(dbsession, category, values, actor):
        """Create (``category`` None) or update a category with checked
        ``values`` (``name``, ``slug``, ``section``, ``position``,
        ``description``); audit the change in ``actor``'s name and purge its
        pages after commit. Return ``(category, changes)``."""

    def products(dbsession, product_ids):
        """Return ``{id: product}`` of the products of ``product_ids`` that
        exist, read in ``dbsession`` (not the cache): ``name``, ``sku``,
        ``image_url``, ``currency``, ``stock``, ``current_price_minor(now)``."""

    def take_stock(dbsession, product_id, quantity):
        """Take ``quantity`` from the product's stock in one statement if it
        has that many, and return whether it had; the cached stock figure is
        invalidated when ``dbsession`` commits."""


class IProductPhotos(Interface):
    """A product's photos: uploaded, ordered, described and removed.

    Found with ``registry.getUtility(IProductPhotos)``. Each write runs in the
    caller's database session and is audited; the product's ``images`` cache
    partition and its pages follow when it commits. A refused upload raises
    ``emporium.media.images.ImageRejected`` (its message names the file) and
    changes nothing."""

    def add(dbsession, product_id, filename, data, alt, actor):
        """Check ``data`` (JPEG, PNG or WebP within the limits), keep its
        derivatives in the media store and add it as the product's last
        photo; return its id. ``alt`` is required (``ValueError`` if blank)."""

    def update(dbsession, product_id, order, alts, actor):
        """Put the product's photos in ``order`` (their ids; any left out
        keep their order after those given) and set the alt text of those in
        ``alts`` (id to text, never blank)."""

    def delete(dbsession, product_id, image_id, actor):
        """Remove one photo of the product; return whether it was there."""

    def prepare(filename, data):
        """Check ``data`` as ``add`` does and keep its derivatives in the
        media store, for a photo saved later with ``replace``; return their
        names by size (what ``replace`` takes as ``sources``)."""

    def replace(dbsession, product_id, photos, actor):
        """Make ``photos`` (``(filename, alt, sources)`` in order, each
        prepared) the product's photos, in place of those it has; nothing
        changes when they are the same. ``alt`` is required."""

    def photos(dbsession, product_id):
        """The product's photos in order, as the ``images`` partition keeps
        them (``id``, ``alt``, ``sources``)."""
