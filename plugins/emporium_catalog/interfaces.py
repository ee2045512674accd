"""The catalog's read path for views of any plugin: products as façades over
cached partitions."""

from zope.interface import Interface


class IProductCatalog(Interface):
    """Products, categories and listings, read through the object cache.

    A product is split into partitions, each cached under its own key with
    its own time-to-live: ``core`` (name, text, images, category),
    ``pricing``, ``inventory``, and the partition of its section's own
    fields (``book``, ``videogame``, ...). Callers ask only for what they show.
    """

    def load(product_id, partitions=None):
        """Return the ``CatalogProduct`` with these partitions, or None when
        there is no such product (which is cached briefly too). ``None``
        means core, pricing, inventory and the product's section partition."""

    def load_many(product_ids, partitions=("core", "pricing", "inventory")):
        """Return the ``CatalogProduct``s of ``product_ids`` that exist, in
        order; the misses cost one query per partition, whatever their number."""

    def views(product_ids):
        """Return the card ``ProductView``s (core, pricing, inventory) of the
        products of ``product_ids`` that exist, in order."""

    def product(product_id):
        """Return the ``CatalogProduct`` of a product page (every partition
        and its category), or None; its ``view()`` is the ``ProductView``."""

    def product_view(product_id):
        """Return the flat ``ProductView`` of a product page (every partition,
        its category and its section's fields), or None."""

    def category_by_slug(slug):
        """Return the ``CategoryView`` with this slug, or None."""

    def categories(section_name):
        """Return the ``CategoryView``s of a section, in display order."""

    def top_in_section(section_name, limit):
        """Return the ``ProductView``s of a section's best sellers."""

    def category_page(category, size, after=None, before=None):
        """Return a ``Page`` of ``ProductView``s of a category in best-seller
        order (keyset pagination, see ``Cursor``)."""
