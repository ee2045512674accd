"""The catalog's product-writing service: what other plugins (the admin's
form and CSV import, the cart's stock) call to change products."""

from zope.interface import Interface


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
        ``values`` (with ``sku``) and ``details``. Calls ``progress(n)``
        after each batch, audits the whole in ``actor``'s name, and returns
        ``{"created": n, "updated": n}`` once search has the rows too."""

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

    def photos(dbsession, product_id):
        """The product's photos in order, as the ``images`` partition keeps
        them (``id``, ``alt``, ``sources``)."""
