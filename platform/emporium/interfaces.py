"""The replaceable parts of the platform, each described by an interface.

Implementations are registered in the Pyramid registry (process-wide ones as
utilities, per-request ones as ``pyramid_services`` factories) and looked up
by interface, never imported (docs/architecture.md).
"""

from dataclasses import dataclass

from pyramid.interfaces import ISessionFactory as IPyramidSessionFactory
from zope.interface import Attribute, Interface


class IStoreSection(Interface):
    """A department of the store: its URL prefix, product type and look."""

    name = Attribute("Short identifier, used in URLs, settings and theme folders.")
    title = Attribute("Human title shown in navigation.")
    prefix = Attribute("URL prefix of the section front, e.g. '/books/'.")
    product_type = Attribute("The product type this section sells, e.g. 'book'.")
    templates = Attribute("Absolute path of the plugin's own template folder.")
    fields = Attribute("Ordered tuple of SectionField: the section's own fields.")
    details_model = Attribute(
        "Mapped class holding the section's own fields (one row per product, "
        "keyed by product_id), or None when the section has none."
    )
    sort_rules = Attribute("Mapping of sort name to a human label.")
    partitions = Attribute("Mapping of cache partition name to its default TTL.")
    stylesheet = Attribute("Static path of the section's stylesheet, or None.")
    position = Attribute("Order of the section in navigation.")
    sample_categories = Attribute("Category names ``emporium seed`` creates.")

    def fake_details(rng, faker, product_id):
        """Return a dict of plausible values for the section's own fields.

        Used by ``emporium seed``; ``rng`` is a ``random.Random`` and
        ``faker`` a ``faker.Faker``; ``product_id`` is the new product's id.
        """


class IProductCatalog(Interface):
    """Products, categories and listings for views of any plugin, read
    through the object cache.

    A product is split into partitions, each cached under its own key with
    its own time-to-live: ``core`` (name, text, images, category),
    ``pricing``, ``inventory``, and the partition of its section's own
    fields (``book``, ``videogame``, ...). Callers ask only for what they
    show. The catalog plugin provides it; the value types named below
    (``CatalogProduct``, ``ProductView``, ``CategoryView``, ``Page``) are
    those of ``emporium_catalog.products``.
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
        """Return the ``ProductView``s of a section's best sellers, best first."""

    def category_page(category, size, after=None, before=None):
        """Return a ``Page`` of ``ProductView``s of a category in best-seller
        order, by keyset: ``after`` or ``before`` is a position (``rank`` and
        ``id`` of a product, such as ``emporium_catalog.services.Cursor``)."""


class ISeeder(Interface):
    """Something that fills an empty database with demo data."""

    def is_empty(dbsession):
        """Return True when there is nothing of this seeder's yet."""

    def seed(dbsession, count, progress, seed=None, sections=None):
        """Create ``count`` items, calling ``progress(n)`` after each batch;
        ``seed`` makes them repeatable; ``sections`` (names), when given,
        limits them to those sections (``emporium seed --section``)."""


class IThemeLookup(Interface):
    """Finds templates along the theme search path of a request."""

    def for_request(request, package=None):
        """Return a mapping of template name to template for this request."""


class IPasswordHasher(Interface):
    """Hashes and checks passwords."""

    def hash(password):
        """Return a hash of ``password`` to store."""

    def verify(password_hash, password):
        """Return True when ``password`` matches ``password_hash``."""

    def needs_rehash(password_hash):
        """Return True when the hash was made with outdated parameters."""


class ISessionFactory(IPyramidSessionFactory):
    """Pyramid's session factory of shopper sessions (server-side, with a
    signed id in a cookie), and what else the app asks of them."""

    signer = Attribute("The ``SessionIdSigner`` that signs and checks ids.")
    config = Attribute(
        "The ``SessionConfig``: cookie name, idle and absolute timeouts, secure."
    )

    def cookie_session_id(request):
        """Return the verified session id of the request's cookie (or None)
        and whether the current key signed it."""


class ITokenSealer(Interface):
    """Seals small payloads into tokens a client carries back (a checkout in
    progress, an order's link): encrypted, signed, dated."""

    def seal(purpose, payload):
        """Return a token (text) carrying ``payload`` (a JSON-able dict),
        good for ``purpose`` only."""

    def open(purpose, token, field, max_age=None):
        """Return the payload of ``token``; raise ``InvalidInput`` naming
        ``field`` when it was tampered with, is older than ``max_age``
        seconds, or was sealed for another purpose."""


class IThrottle(Interface):
    """Request rates per route class, and the failed-login budgets."""

    enabled = Attribute("False when ``emporium.throttle.enabled`` turned it off.")

    def hit(route_class, session_id, address):
        """Count one request of ``route_class`` (pages, cart, api, admin,
        search) by this session and address; raise ``Throttled`` when over
        either limit."""

    def login_refused(account, address, limit):
        """Return the seconds until ``account`` and ``address`` may try to
        log in again, or None when they may now."""

    def login_failed(account, address, limit):
        """Count one failed login against the account and the address;
        return the kinds ("account", "address") this failure locked."""

    def reset():
        """Forget every count (tests and operators)."""


class IPaymentGateway(Interface):
    """Takes payment for an order."""

    def charge(amount, currency, card, reference):
        """Charge ``amount`` (Decimal) in ``currency`` to ``card`` (a dict of
        ``number``, ``expiry``, ``cvc``); return a ``PaymentResult``.

        Raises ``PaymentDeclined`` when the card is refused.
        """

    def refund(result):
        """Give back the whole of a charge: ``result`` is the
        ``PaymentResult`` this gateway's ``charge`` returned. Used when an
        order cannot be completed after its payment was taken."""


@dataclass(frozen=True)
class PurgeResult:
    """What one proxy answered for one URL, batch of keys or prefix (the
    ``target``); with no proxy configured, ``proxy`` is ``"none"``."""

    proxy: str
    target: str
    ok: bool
    message: str
    status: int | None = None
    attempts: int = 0


class IAPIDescription(Interface):
    """The API's OpenAPI description: the core's fragment and each plugin's
    (``config.add_openapi_fragment``), merged."""

    document = Attribute("The merged document (a dict), served as JSON.")
    openapi = Attribute("The ``openapi_core.OpenAPI`` that validates with it.")
    empty_values = Attribute(
        "Mapping of (route pattern, method) to the names of the query "
        "parameters that may be given empty."
    )


class IPurger(Interface):
    """Removes pages from the proxy tier's cache (Varnish in the cluster).

    Every method returns a list of ``PurgeResult`` and writes each target to
    the audit log with ``actor`` (who asked); repeated targets count once,
    and nothing to purge returns ``[]`` and audits nothing."""

    def purge_urls(urls, actor):
        """Purge these URLs (paths, or absolute URLs) from every proxy.

        Return a list of ``PurgeResult`` (one per proxy and URL); every purge
        is written to the audit log with ``actor`` (who asked).
        """

    def purge_keys(keys, actor):
        """Purge every page tagged with one of these surrogate keys
        (``product:42``, ``category:7``); return ``PurgeResult``s, audited."""

    def purge_prefix(prefix, actor):
        """Purge every cached URL whose path starts with ``prefix`` (a path
        such as ``/books/``: a ban, in Varnish terms); return
        ``PurgeResult``s, audited."""


class IMediaStore(Interface):
    """Where uploaded media (product photos and their derivatives) are kept.

    Names are chosen by the store from the content (a hash and an extension),
    so a name always means the same bytes: a page may cache its URL forever,
    and a new photo has a new name. The local folder is the default; an object
    store implements the same five methods."""

    def put(data: bytes, extension: str) -> str:
        """Keep ``data``; return its name (content hash, then ``.extension``).
        Putting the same bytes twice returns the same name and keeps one copy."""

    def get(name: str) -> bytes | None:
        """The bytes kept under ``name``, or ``None`` when there are none (a
        name that is not one the store could have made is ``None`` too)."""

    def exists(name: str) -> bool:
        """Whether ``name`` is kept."""

    def delete(name: str) -> None:
        """Forget ``name``; forgetting a name not kept does nothing."""

    def names(after: str | None = None):
        """Every name kept, in name order from the first after ``after``,
        each as ``(name, kept_at)``: when it was last put (epoch seconds;
        putting kept bytes again renews it). What a sweep of files no
        record names walks."""
