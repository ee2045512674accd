"""The search service and the parts that feed it."""

from zope.interface import Attribute, Interface


class ISearch(Interface):
    """Takes search conditions and answers sorted product ids.

    Implementations: the index in-process (the embedded default) and a
    client of ``emporium search-server`` replicas (the cluster). Both raise
    ``SearchUnavailable`` when no index can answer.
    """

    def search(conditions):
        """Return a ``SearchResult`` for ``SearchConditions``: one page of
        product ids in the requested order, the total number of matches and
        the facet counts of the matches."""

    def suggest(text, limit):
        """Return up to ``limit`` type-ahead suggestions for a partial
        query: a list of ``{"id", "name"}`` dicts, best first."""

    def update(product_ids):
        """Re-read these products from the database into the index (and
        drop the ones that no longer exist); may return before it is done."""


class ISearchDocuments(Interface):
    """What the index is built from, provided by the catalog plugin.

    A document is a flat dict: ``id``, ``section``, ``category_id``,
    ``category``, ``name``, ``description``, ``price_minor``, ``currency``,
    ``stock``, ``best_seller_rank``, ``created_at`` (an aware datetime),
    ``fields``: the section's own field values by ``SectionField.name``
    (facets are read from it), and ``keywords``: the values of the fields
    marked ``searchable``, found by words like the name and description.
    """

    def count(dbsession):
        """Return how many products there are (for progress bars)."""

    def documents(dbsession, ids=None, batch_size=5000):
        """Yield lists of documents, in product id order, of every product or
        of the given ids only (ids that no longer exist are left out)."""

    def changed_since(dbsession, when):
        """Return the ids of the products saved at or after ``when`` (an
        aware datetime): what a rebuild catches up on before its swap."""

    def product_id_columns():
        """Return the columns holding a product id (``products.id``, each
        section table's ``product_id``): an UPDATE or DELETE whose WHERE
        clause pins them re-indexes those products after commit."""

    def product_ids(instance):
        """Return the ids of the products whose document changes when
        ``instance`` (any mapped object) is saved or deleted; empty when
        none does."""


class ISearchIndexer(Interface):
    """Applies product changes to the index, off the request's path."""

    def enqueue(product_ids):
        """Schedule these products for re-indexing."""

    def drain(timeout):
        """Wait until every scheduled product is indexed; return True when
        done within ``timeout`` seconds."""

    pending = Attribute("How many product ids are waiting.")


class IProductLoader(Interface):
    """Loads the products a search found, in one batch (catalog plugin)."""

    def load_many(request, ids):
        """Return the products of ``ids`` that exist, in the order of ``ids``,
        as template-friendly views (id, name, image_url, price, currency,
        stock, availability, section)."""
