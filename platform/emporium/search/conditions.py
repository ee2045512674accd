"""Search conditions and results: what goes into and comes out of ISearch,
with their JSON forms (the search daemon speaks them) and the parsing of a
request's query string."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from emporium.errors import InvalidInput
from emporium.money import to_minor
from emporium.sections import get_section, get_sections

MAX_QUERY_LENGTH = 500
MAX_WORDS = 16
MAX_PAGE = 1000
DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 100
MAX_FACET_VALUES = 10

# Sort rules of a search across sections, and of sections that declare none.
DEFAULT_SORT_RULES = {
    "relevance": "Best match",
    "bestselling": "Best sellers",
    "price": "Price, low to high",
    "newest": "Newest",
    "title": "Title",
}
KNOWN_SORTS = frozenset(DEFAULT_SORT_RULES)

_WORD = re.compile(r"\w+", re.UNICODE)


def words_of(text: str) -> list[str]:
    """The words of a query: runs of letters and digits, in any script.
    Everything else (quotes, operators, SQL) is a separator."""
    return _WORD.findall(text or "")[:MAX_WORDS]


@dataclass(frozen=True)
class SearchConditions:
    words: str = ""
    section: str | None = None
    category: int | None = None
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    price_min: int | None = None  # minor units
    price_max: int | None = None
    in_stock: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    facet_names: tuple[str, ...] = ()  # facets to count
    # The enabled sections: a disabled section's products are not found
    # (empty: every section the index holds).
    sections: tuple[str, ...] = ()

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def to_json(self) -> dict:
        return {
            "words": self.words,
            "section": self.section,
            "category": self.category,
            "facets": {k: list(v) for k, v in self.facets.items()},
            "price_min": self.price_min,
            "price_max": self.price_max,
            "in_stock": self.in_stock,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "facet_names": list(self.facet_names),
            "sections": list(self.sections),
        }

    @classmethod
    def from_json(cls, data: dict) -> SearchConditions:
        """Rebuild conditions sent by a client; raises InvalidInput."""
        if not isinstance(data, dict):
            raise InvalidInput("conditions", "must be a JSON object")

        def opt_int(name: str, low: int = 0, high: int = 2**62) -> int | None:
            value = data.get(name)
            if value is None:
                return None
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidInput(name, "must be a whole number")
            if not low <= value <= high:
                raise InvalidInput(name, f"must be from {low} to {high}")
            return value

        words = data.get("words") or ""
        if not isinstance(words, str) or len(words) > MAX_QUERY_LENGTH:
            raise InvalidInput("words", f"must be text of at most {MAX_QUERY_LENGTH}")
        facets = data.get("facets") or {}
        if not isinstance(facets, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v)
            for v in facets.values()
        ):
            raise InvalidInput("facets", "must map names to lists of text")
        sort = data.get("sort") or "relevance"
        if not isinstance(sort, str) or sort not in KNOWN_SORTS:
            raise InvalidInput("sort", f"must be one of {', '.join(KNOWN_SORTS)}")
        section = data.get("section")
        if section is not None and not isinstance(section, str):
            raise InvalidInput("section", "must be text")
        sections = data.get("sections") or []
        if not isinstance(sections, list) or not all(
            isinstance(x, str) for x in sections
        ):
            raise InvalidInput("sections", "must be a list of text")
        facet_names = data.get("facet_names") or []
        if not isinstance(facet_names, list) or not all(
            isinstance(x, str) for x in facet_names
        ):
            raise InvalidInput("facet_names", "must be a list of text")
        return cls(
            words=words,
            section=section,
            sections=tuple(sections),
            category=opt_int("category"),
            facets={str(k): tuple(v) for k, v in facets.items()},
            price_min=opt_int("price_min"),
            price_max=opt_int("price_max"),
            in_stock=bool(data.get("in_stock")),
            sort=sort,
            page=opt_int("page", 1, MAX_PAGE) or 1,
            per_page=opt_int("per_page", 1, MAX_PER_PAGE) or DEFAULT_PER_PAGE,
            facet_names=tuple(facet_names),
        )


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    ids: list[int]
    total: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "ids": self.ids,
            "total": self.total,
            "facets": {
                name: [{"value": c.value, "count": c.count} for c in counts]
                for name, counts in self.facets.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> SearchResult:
        return cls(
            ids=[int(i) for i in data["ids"]],
            total=int(data["total"]),
            facets={
                name: [FacetCount(str(c["value"]), int(c["count"])) for c in counts]
                for name, counts in data.get("facets", {}).items()
            },
        )


def sort_rules(section) -> dict[str, str]:
    """The sorts a section offers (all of them across sections)."""
    rules = dict(getattr(section, "sort_rules", None) or {}) or DEFAULT_SORT_RULES
    return {name: label for name, label in rules.items() if name in KNOWN_SORTS}


def facet_params(registry, section) -> dict:
    """The facets a search offers (``SectionField``s), by the name the query
    string gives them: a section's by field name; across sections each
    section's by its name in the index (``books.format``, or a shared
    facet's own name: see ``SectionField``)."""
    if section is not None:
        return {f.name: f for f in section.fields if f.facet}
    found: dict = {}
    for s in get_sections(registry):
        keys = s.facet_keys()
        for f in s.fields:
            if f.facet:
                found.setdefault(keys[f.name], f)
    return found


def _whole_number(params, name: str, low: int, high: int, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(name, f"must be a whole number from {low} to {high}")
    return int(raw)


def _price(params, name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(name, "must be an amount such as 12.50") from None
    if not amount.is_finite() or amount < 0 or amount > 10**9:
        raise InvalidInput(name, "must be an amount from 0 to 1000000000")
    return to_minor(amount, "USD")


def conditions_from_request(request, per_page: int = DEFAULT_PER_PAGE):
    """The search page's conditions: parse ``q``, ``section``, ``category``,
    the section's facets, ``price_min``/``price_max``, ``in_stock``, ``sort``
    and ``page`` from the query string.

    Returns ``(conditions, section)``; bad input raises InvalidInput naming
    the parameter.
    """
    params = request.GET
    words = params.get("q", "")
    if len(words) > MAX_QUERY_LENGTH:
        raise InvalidInput("q", f"must be at most {MAX_QUERY_LENGTH} characters")
    category = params.get("category") or None
    if category is not None:
        if not category.isdigit() or len(category) > 18:
            raise InvalidInput("category", "must be a category id")
        category = int(category)
    return _conditions(
        request,
        words=words,
        section_name=params.get("section") or None,
        sort=params.get("sort") or "relevance",
        category=category,
        price_min=_price(params, "price_min"),
        price_max=_price(params, "price_max"),
        in_stock=params.get("in_stock", "") not in ("", "0", "false", "no", "off"),
        page=_whole_number(params, "page", 1, MAX_PAGE, 1),
        per_page=_whole_number(params, "per_page", 1, MAX_PER_PAGE, per_page),
    )


def conditions_from_openapi(request, per_page: int = DEFAULT_PER_PAGE):
    """The search API's conditions, from the parameters the API description
    validated (``request.openapi``).

    Checks only what the description cannot say: that the section exists,
    that it offers the sort, the facet values, and the price range. Returns
    ``(conditions, section)``; raises InvalidInput naming the parameter.
    """
    query = request.openapi.parameters.query
    return _conditions(
        request,
        words=query.get("q", ""),
        section_name=query.get("section"),
        sort=query.get("sort", "relevance"),
        category=query.get("category"),
        price_min=_price(query, "price_min"),
        price_max=_price(query, "price_max"),
        in_stock=query.get("in_stock", False),
        page=query.get("page", 1),
        per_page=query.get("per_page", per_page),
    )


def _conditions(
    request,
    *,
    words: str,
    section_name: str | None,
    sort: str,
    category: int | None,
    price_min: int | None,
    price_max: int | None,
    in_stock: bool,
    page: int,
    per_page: int,
):
    section = None
    if section_name is not None:
        section = get_section(request.registry, section_name)
        if section is None:
            names = ", ".join(s.name for s in get_sections(request.registry))
            raise InvalidInput("section", f"must be one of: {names}")
    rules = sort_rules(section)
    if sort not in rules:
        raise InvalidInput("sort", f"must be one of: {', '.join(rules)}")
    # Facets are the sections' own fields, so no fixed description has them.
    offered = facet_params(request.registry, section)
    facets = {}
    for name in offered:
        values = tuple(v for v in request.GET.getall(name) if v)
        if any(len(v) > 200 for v in values):
            raise InvalidInput(name, "must be at most 200 characters")
        if values:
            facets[name] = values
    if price_min is not None and price_max is not None and price_min > price_max:
        raise InvalidInput("price_max", "must not be less than price_min")
    conditions = SearchConditions(
        words=words,
        section=section.name if section is not None else None,
        sections=tuple(s.name for s in get_sections(request.registry)),
        category=category,
        facets=facets,
        price_min=price_min,
        price_max=price_max,
        in_stock=in_stock,
        sort=sort,
        page=page,
        per_page=per_page,
        facet_names=("section",) if section is None else tuple(offered),
    )
    return conditions, section
