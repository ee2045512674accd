"""A WebTest client that knows the store: CSRF tokens, the admin's login
and the cart."""

from __future__ import annotations

import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emporium.interfaces import IPasswordHasher
from emporium.testing.products import product_id_of

# The administrator ``login_admin`` creates on first use (in the database
# under test only).
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
HOST = "localhost:6543"


class StoreClient(webtest.TestApp):
    """A browser on the store: its own cookie jar (so its own session), and
    the steps most tests begin with."""

    def __init__(self, app, extra_environ: dict | None = None, **kwargs) -> None:
        super().__init__(
            app, extra_environ={"HTTP_HOST": HOST, **(extra_environ or {})}, **kwargs
        )

    @property
    def registry(self):
        return self.app.registry

    def csrf_token(self) -> str:
        """This session's CSRF token (the cart API hands it out, and starts
        the session when there is none)."""
        response = self.get("/api/v1/cart", expect_errors=True)
        if response.status_int != 200:
            raise AssertionError(
                f"GET /api/v1/cart answered {response.status}: the CSRF token "
                f"comes from the cart plugin's API (is 'cart' enabled?)"
            )
        return response.json["csrf_token"]

    def post_form(self, url: str, fields: dict | None = None, **kwargs):
        """POST ``fields`` as a form to ``url`` with this session's CSRF
        token; ``kwargs`` go to ``TestApp.post`` (``status=``,
        ``expect_errors=``)."""
        data = {"csrf_token": self.csrf_token(), **(fields or {})}
        return self.post(url, data, **kwargs)

    def login_admin(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD):
        """Log in to the admin console as an administrator (made in the
        database under test on first use); returns the login's answer."""
        if email == ADMIN_EMAIL:
            ensure_administrator(self.registry, email, password)
        page = self.get("/admin/login")
        form = next(
            (f for f in page.forms.values() if f.action.endswith("/admin/login")),
            None,
        )
        if form is None:
            raise AssertionError("/admin/login has no login form (is 'admin' enabled?)")
        form["email"] = email
        form["password"] = password
        response = form.submit()
        if response.status_int != 303:
            raise AssertionError(
                f"logging in as {email} answered {response.status}, not 303"
            )
        return response

    def add_to_cart(self, sku: str, quantity: int = 1):
        """Put ``quantity`` of the product ``sku`` in this session's cart,
        as the product page's button does; returns the answer."""
        product_id = product_id_of(self.registry["db.engine"], sku)
        return self.post_form(
            "/cart/items", {"product_id": str(product_id), "quantity": str(quantity)}
        )


def ensure_administrator(registry, email: str, password: str) -> None:
    from emporium.accounts.services import create_user
    from emporium.security.models import User

    with Session(registry["db.engine"]) as dbsession, dbsession.begin():
        exists = dbsession.scalar(
            select(User.id).where(func.lower(User.email) == email.lower())
        )
        if not exists:
            hasher = registry.getUtility(IPasswordHasher)
            create_user(dbsession, hasher, email, password, roles="administrator")
