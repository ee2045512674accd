"""The cart's per-request services, registered with
``config.register_service_factory`` and found with
``request.find_service(ICartService)`` (each is bound to the request's
database session)."""

from zope.interface import Interface


class ICartService(Interface):
    """Carts of sessions and customers, and what is in them."""

    def find(owner, lock=False):
        """Return the ``Owner``'s ``Cart``, or None; ``lock`` holds its row
        for the rest of the transaction."""

    def get_or_create(owner):
        """Return the ``Owner``'s ``Cart``, creating an empty one."""

    def product(product_id):
        """Return the product a cart line may hold; ``ProductNotFound`` when
        there is none."""

    def add(owner, product_id, quantity):
        """Add ``quantity`` of a product to the cart and return it;
        ``OutOfStock`` or ``Conflict`` when the cart cannot hold that many."""

    def set_quantity(owner, product_id, quantity):
        """Set a line's quantity (0 removes it) and return the cart;
        ``NotInCart`` when the product has no line."""

    def remove(owner, product_id):
        """Remove a product's line and return the cart."""

    def drop_anonymous(session_id):
        """Delete the anonymous cart of ``session_id``, lines and all."""

    def view(cart):
        """Return the ``CartView`` of ``cart`` (or of an empty cart for None):
        lines priced now, subtotal, shipping and total."""

    def count(owner):
        """Return how many items the ``Owner``'s cart holds."""

    def attach_to_user(session_id, user_id):
        """On login: the session's cart becomes (or joins) the customer's."""


class ICheckoutService(Interface):
    """Turns a cart into a paid order."""

    def place_order(owner, details, key):
        """Return ``(order, replayed)`` for the ``Owner``'s cart paid with
        ``details`` (``CheckoutDetails``); ``replayed`` when the idempotency
        ``key`` (or None) named an order already placed. Stock is taken and
        the card charged in the request's transaction; the charge is
        refunded if it does not commit, and ``OrderPlaced`` is sent if it
        does."""


class IOrderService(Interface):
    """Orders placed: for those who placed them, and for the staff."""

    def by_number(number):
        """Return the ``Order`` with this number, or None."""

    def order_for(number, owner):
        """Return the ``Order`` only for the session or customer that placed
        it, else None."""

    def history(user_id, limit=50):
        """Return a customer's latest ``Order``s, newest first."""

    def listing(status=None, start=None, end=None, after=None, before=None, limit=50):
        """Return up to ``limit`` ``Order``s, newest first, with this
        ``status``, placed from ``start`` and before ``end`` (datetimes);
        ``after`` an order id: those older than it; ``before`` an order id:
        those newer than it, oldest first."""

    def totals_since(since):
        """Return ``(count, total_minor)`` of the orders placed since ``since``."""

    def placed_since(since):
        """Return when each order since ``since`` was placed (datetimes)."""
