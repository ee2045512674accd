"""The shopper model of the Christmas replay: who arrives, how often, and
what each shopper asks of the store, request by request.

The reference article's peak hour (eToys, Christmas 2000): 2.5 million page
views, 200,000 sessions and 20,000 orders, so per second at ×1 694 page
views, 56 new sessions and 5.6 orders; 12.5 pages a session; one session in
ten buys. A session is a generator: it yields ``Request``s and is sent back
each ``Response``, so any engine can drive it (the runner's open-loop asyncio
engine, the Locust file beside this one, the fault drills):

    session = Session(catalog, random.Random(7))
    steps = session.steps()
    request = next(steps)
    while True:
        response = ...                  # send request, however you like
        request = steps.send(response)  # StopIteration ends the session

A page view is a request with ``page`` set (its ``kind`` names the page
type); the requests a browser makes for it follow (stylesheets, scripts and
images not yet in the session's browser cache, then the fragments its scripts
fetch). ``think`` is the pause after the page before the next one.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import re
import time
import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import unquote, urlencode

# Per second at ×1: the article's peak hour divided by 3,600.
PAGE_VIEWS = 694.0
NEW_SESSIONS = 56.0
ORDERS = 5.6
PAGES_PER_SESSION = 12.5
BUYERS = 0.1

# The share of page views per page type (sums to 1). Checkout is the form
# and the order page around the JSON API's POST; account is the login form,
# the login itself and the order history.
MIX = {
    "front": 0.15,
    "category": 0.20,
    "product": 0.35,
    "search": 0.15,
    "cart": 0.10,
    "checkout": 0.02,
    "account": 0.03,
}
# The page types a session yields, by the mix's names.
GROUPS = {
    "front": "front",
    "category": "category",
    "product": "product",
    "search": "search",
    "cart": "cart",
    "add-to-cart": "cart",
    "checkout-form": "checkout",
    "order": "checkout",
    "login-form": "account",
    "login": "account",
    "account": "account",
}
# Who logs in: a returning customer who buys signs in to find their address
# (a third of buyers, as stores that offer guest checkout report), and one
# browsing session in fifty looks at its order history. At ×1 that is
# 5.6 × 1/3 + 50.4 × 1/50 ≈ 2.9 logins a second, each one Argon2id hash.
LOGIN_BUYERS = 1 / 3
LOGIN_BROWSERS = 1 / 50
# A buyer's session ends with cart, checkout form, POST, order page; a few
# who see the checkout form leave there.
ABANDON_AT_CHECKOUT = 0.05
DEEPER = 0.4  # on a category page, the chance of following its next link
REFINE = 0.35  # on a search page, the chance of following a facet or sort
TYPO = 0.15
CHECKOUT_RETRIES = 2
SHOPPER_COOKIE_AGE = 3600  # cart.js's MAX_AGE
THINK = 1.0  # mean seconds between a page and the next (compressed)

APPROVED_CARD = "4242424242424242"
PASSWORD = "christmas-2000-peak"
# Words of the demo catalog's product names.
WORDS = (
    "amazing", "classic", "deluxe", "electric", "giant", "happy", "little",
    "magic", "mighty", "mini", "ultimate", "rainbow", "secret", "super", "wild",
    "wooden", "cosmic", "brave", "golden", "silent", "curious", "lost",
    "hidden", "tiny", "castle", "dragon", "rocket", "garden", "pirate", "robot",
    "train", "unicorn", "forest", "island", "kingdom", "galaxy", "treasure",
    "dinosaur", "safari", "ocean", "mountain", "circus", "village", "planet",
    "knight", "wizard", "bear",
)  # fmt: skip
SORTS = ("bestselling", "price", "newest", "title")

_HREF = re.compile(r'href="([^"]+)"')
_ASSET = re.compile(
    r'<(?:script|img)\b[^>]*\bsrc="(/[^"]+)"|<link\b[^>]*\bhref="(/[^"]+)"'
)
_ASSET_TYPES = (".css", ".js", ".svg", ".png", ".jpg", ".ico")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def scaled(multiple: float) -> dict[str, float]:
    """The article's rates per second at ``multiple`` × the peak."""
    return {
        "page_views": PAGE_VIEWS * multiple,
        "new_sessions": NEW_SESSIONS * multiple,
        "orders": ORDERS * multiple,
    }


@dataclass
class Request:
    method: str
    path: str
    kind: str
    page: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    think: float = 0.0


@dataclass
class Response:
    status: int  # 0: no answer (connection refused, reset, timed out)
    headers: dict[str, str]  # lower-case names; Set-Cookie lines joined by \n
    body: bytes = b""

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> dict:
        try:
            return json.loads(self.body)
        except ValueError:
            return {}


@dataclass
class Catalog:
    """What a shopper may ask for: product ids 1..products, the fronts and
    the category pages, and accounts ``shopper-N@example.com`` (0 ≤ N <
    accounts) with ``PASSWORD``."""

    products: int
    fronts: list[str]
    categories: list[str]
    accounts: int = 0
    zipf_s: float = 1.0
    _cdf: list[float] = field(default_factory=list, repr=False)

    def product(self, rng: random.Random) -> int:
        """A product id drawn by Zipf (s ≈ 1) over the whole catalog. Rank
        r is product r: the seeder's ids carry no meaning, so this spreads
        the popular ones over sections and categories alike."""
        if not self._cdf:
            weights = (1 / rank**self.zipf_s for rank in range(1, self.products + 1))
            self._cdf = list(itertools.accumulate(weights))
        return bisect.bisect_left(self._cdf, rng.random() * self._cdf[-1]) + 1


class Jar:
    """The session's cookies, as a browser keeps them for one host."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def take(self, response: Response) -> None:
        for line in response.headers.get("set-cookie", "").split("\n"):
            pair = line.split(";", 1)[0]
            if "=" in pair:
                name, value = pair.split("=", 1)
                if "max-age=0" in line.lower() or not value:
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value.strip()

    def header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}


def plan(rng: random.Random) -> tuple[bool, bool, list[str]]:
    """Whether the session buys, whether it signs in, and its page types in
    order (the buyer's cart, checkout form and order page last)."""
    length = 1 + round(rng.expovariate(1 / (PAGES_PER_SESSION - 1)))
    buyer = rng.random() < BUYERS
    logs_in = rng.random() < (LOGIN_BUYERS if buyer else LOGIN_BROWSERS)
    tail = ["cart", "cart", "checkout", "checkout"] if buyer else []
    if not buyer and rng.random() < ABANDON_AT_CHECKOUT:
        tail = ["cart", "cart", "checkout"]
    head = ["account", "account", "account"] if logs_in else []
    free = max(1, length - len(tail) - len(head))
    # What the fixed parts add on average is taken out of the draw, so the
    # whole comes out near MIX.
    fixed = {
        "cart": 2 * BUYERS + 2 * (1 - BUYERS) * ABANDON_AT_CHECKOUT,
        "checkout": 2 * BUYERS + (1 - BUYERS) * ABANDON_AT_CHECKOUT,
        "account": 3 * (BUYERS * LOGIN_BUYERS + (1 - BUYERS) * LOGIN_BROWSERS),
    }
    weights = {
        kind: max(0.0, share * PAGES_PER_SESSION - fixed.get(kind, 0.0))
        for kind, share in MIX.items()
    }
    kinds = list(weights)
    drawn = rng.choices(kinds, [weights[k] for k in kinds], k=free)
    # A session lands on a front, a product, a category or a search.
    landing = ("front", "product", "category", "search")
    if drawn[0] not in landing:
        drawn[0] = rng.choice(landing)
    # The account pages come where the shopper signs in: early for a buyer.
    at = rng.randint(0, len(drawn))
    return buyer, logs_in, drawn[:at] + head + drawn[at:] + tail


class Session:
    """One shopper's visit; ``steps()`` is the generator described above."""

    def __init__(self, catalog: Catalog, rng: random.Random, think=THINK) -> None:
        self.catalog = catalog
        self.rng = rng
        self.think_mean = think
        self.jar = Jar()
        self.buyer, self.logs_in, self.kinds = plan(rng)
        self.logged_in = False
        self.seen_assets: set[str] = set()
        self.csrf: str | None = None
        self.cart: dict[int, int] = {}  # what the store should hold for us
        self.uncertain = False  # an add that got no clear answer
        self.order: str | None = None  # the order number, once 201
        self.last: tuple[str, str] = ("", "")  # the last page's kind and HTML

    # -- the generator --------------------------------------------------
    def steps(self) -> Generator[Request, Response, None]:
        for kind in self.kinds:
            yield from getattr(self, f"_{kind}")()

    def _send(self, request: Request) -> Generator[Request, Response, Response]:
        request.headers.update(self.jar.header())
        response = yield request
        self.jar.take(response)
        return response

    def _page(self, kind: str, path: str, method="GET", body=None, headers=None):
        request = Request(method, path, kind, page=True, headers=dict(headers or {}))
        request.body = body
        request.think = (
            self.rng.expovariate(1 / self.think_mean) if self.think_mean else 0
        )
        response = yield from self._send(request)
        html = (
            response.text()
            if "html" in response.headers.get("content-type", "")
            else ""
        )
        self.last = (kind, html)
        yield from self._browser_extras(html)
        return response

    def _browser_extras(self, html: str):
        """What a browser fetches for the page: assets it has not cached yet
        (they are served with a long max-age), then the scripts' fragments."""
        for match in _ASSET.finditer(html):
            path = unescape(match.group(1) or match.group(2))
            if path.endswith(_ASSET_TYPES) and path not in self.seen_assets:
                self.seen_assets.add(path)
                kind = "image" if path.startswith("/images/") else "asset"
                yield from self._send(Request("GET", path, kind))
        for path in script_fragments(html, self.jar.cookies):
            yield from self._send(
                Request("GET", path, "fragment", headers={"Accept": "application/json"})
            )

    # -- page types -----------------------------------------------------
    def _front(self):
        yield from self._page("front", self.rng.choice(self.catalog.fronts))

    def _category(self):
        kind, html = self.last
        deeper = [h for h in links(html) if "after=" in h]
        if kind == "category" and deeper and self.rng.random() < DEEPER:
            path = deeper[-1]
        else:
            path = self.rng.choice(self.catalog.categories)
        yield from self._page("category", path)

    def _product(self):
        yield from self._page("product", f"/products/{self.catalog.product(self.rng)}")

    def _search(self):
        kind, html = self.last
        refine = [
            h for h in links(html) if h.startswith("/search?") and "page=" not in h
        ]
        if kind == "search" and refine and self.rng.random() < REFINE:
            yield from self._page("search", self.rng.choice(refine))
            return
        words = self.rng.sample(WORDS, self.rng.choice((1, 1, 2)))
        if self.rng.random() < TYPO:
            words[0] = typo(self.rng, words[0])
        params = {"q": " ".join(words)}
        if self.rng.random() < 0.2:
            params["sort"] = self.rng.choice(SORTS)
        if self.rng.random() < 0.1:
            params["page"] = str(self.rng.randint(2, 4))
        yield from self._page("search", "/search?" + urlencode(params))

    def _token(self):
        """The CSRF token as the page's script has it: from the cookie, or
        from the cart's API when there is none."""
        if cookie := self.jar.cookies.get("emporium_csrf"):
            return unquote(cookie)
        if self.csrf is None:
            response = yield from self._send(Request("GET", "/api/v1/cart", "api-cart"))
            self.csrf = response.json().get("csrf_token")
        return self.csrf

    def _cart(self):
        """Adding a product (from the product page's button: the JSON API's
        POST, as the page's script would) or looking at the cart."""
        if self.cart and self.rng.random() < 0.5:
            yield from self._page("cart", "/cart")
            return
        product = self.catalog.product(self.rng)
        token = yield from self._token()
        if not token:
            return  # no page came with a token (all errors): no form to send
        body = json.dumps({"product_id": product, "quantity": 1}).encode()
        response = yield from self._page(
            "add-to-cart",
            "/api/v1/cart/items",
            "POST",
            body,
            {"Content-Type": "application/json", "X-CSRF-Token": token},
        )
        if response.status in (200, 201):
            self.cart[product] = self.cart.get(product, 0) + 1
        elif response.status == 0 or response.status >= 500:
            self.uncertain = True  # it may or may not be in the cart

    def _checkout(self):
        kind, _ = self.last
        if kind != "checkout-form":
            yield from self._page("checkout-form", "/checkout")
            self.last = ("checkout-form", "")
            return
        if not self.cart:
            return  # nothing in it after all (sold out): the shopper leaves
        token = yield from self._token()
        if not token:
            return
        body = json.dumps(
            {
                "email": f"shopper-{self.rng.randrange(10**9)}@example.com",
                "name": "Christmas Shopper",
                "address": {
                    "line1": "1 Peak Street",
                    "city": "Leeds",
                    "postal_code": "LS1 1AA",
                    "country": "GB",
                },
                "payment": {
                    "card_number": APPROVED_CARD,
                    "expiry": "12/34",
                    "cvc": "123",
                },
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-CSRF-Token": token,
            "Idempotency-Key": str(uuid.UUID(int=self.rng.getrandbits(128))),
        }
        for _ in range(1 + CHECKOUT_RETRIES):
            # No answer, or the proxy's: the page's script sends it again
            # with the same key, which must never make a second order.
            response = yield from self._send(
                Request(
                    "POST",
                    "/api/v1/checkout",
                    "checkout",
                    headers=dict(headers),
                    body=body,
                )
            )
            if response.status not in (0, 502, 503, 504):
                break
        if response.status == 201:
            self.order = response.json().get("number")
            self.cart.clear()
            yield from self._page("order", f"/orders/{self.order}")

    def _account(self):
        """The login form, then the login, then the order history; a shopper
        who does not sign in and asks for their orders is sent to log in."""
        kind, html = self.last
        if self.logs_in and not self.logged_in and kind != "login-form":
            yield from self._page("login-form", "/account/login")
            return
        found = _CSRF.search(html) if kind == "login-form" else None
        if kind == "login-form" and not found and not self.logged_in:
            # The form did not come (a 503): the shopper asks for it again.
            yield from self._page("login-form", "/account/login")
            return
        if found and self.catalog.accounts and not self.logged_in:
            number = self.rng.randrange(self.catalog.accounts)
            body = urlencode(
                {
                    "email": f"shopper-{number}@example.com",
                    "password": PASSWORD,
                    "csrf_token": unescape(found.group(1)),
                }
            ).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            response = yield from self._page(
                "login", "/account/login", "POST", body, headers
            )
            self.logged_in = response.status in (302, 303)
            return
        yield from self._page("account", "/account/orders")


def links(html: str) -> list[str]:
    return [unescape(h) for h in _HREF.findall(html) if h.startswith("/")]


def script_fragments(html: str, cookies: dict[str, str]) -> list[str]:
    """The private requests the page's scripts make, mirroring them:
    ``cart.js`` fills the header from the ``emporium_shopper`` and
    ``emporium_csrf`` cookies, and asks ``/cart/summary`` only when the token
    is missing or the shopper cookie is over an hour old."""
    if "/static/cart/cart.js" not in html:
        return []
    parts = cookies.get("emporium_shopper", "").split(".")
    issued = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    stale = issued is not None and time.time() - issued > SHOPPER_COOKIE_AGE
    if cookies.get("emporium_csrf") and not stale:
        return []
    return ["/cart/summary"]


def typo(rng: random.Random, word: str) -> str:
    """The word with one letter dropped, doubled or two swapped."""
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 1)
    how = rng.randrange(3)
    if how == 0:
        return word[:at] + word[at + 1 :]
    if how == 1:
        return word[:at] + word[at] + word[at:]
    return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
