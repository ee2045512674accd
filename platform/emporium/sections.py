"""Store sections: the departments plugins add (books, video games, ...).

A plugin calls ``config.add_store_section(...)``; the core registers the
section as a named ``IStoreSection`` utility, serves its front at its prefix
and makes it the current section of requests under that prefix.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyramid.config import Configurator
from pyramid.path import AssetResolver
from zope.interface import implementer

from emporium.errors import ConfigurationError
from emporium.interfaces import IStoreSection

SECTION_ROUTE_PREFIX = "section:"


@dataclass(frozen=True)
class SectionField:
    """One of a section's own product fields.

    ``kind`` is one of ``text``, ``int``, ``choice``; ``choices`` lists the
    allowed values of a ``choice`` field; ``facet`` marks it for search facets;
    ``searchable`` lets words of its value find the product (an author's name).

    A facet is the section's own (Books' ``format`` and another section's
    ``format`` are two facets, ``books.format`` and ``music.format`` in a
    search across sections) unless ``shared``: every section that declares a
    shared facet of one name adds to that one facet (a ``brand`` counted
    across the whole store).
    """

    name: str
    label: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    facet: bool = False
    required: bool = False
    searchable: bool = True
    shared: bool = False


@implementer(IStoreSection)
@dataclass(frozen=True)
class StoreSection:
    name: str
    title: str
    prefix: str
    product_type: str
    templates: str | None = None
    fields: tuple[SectionField, ...] = ()
    details_model: Any = None
    sort_rules: Mapping[str, str] = field(default_factory=dict)
    partitions: Mapping[str, int] = field(default_factory=dict)
    stylesheet: str | None = None
    position: int = 100
    seed_details: Callable[..., dict] | None = None
    sample_categories: tuple[str, ...] = ()
    seed_name: Callable[..., str] | None = None

    def fake_details(self, rng, faker, product_id: int) -> dict:
        if self.seed_details is None:
            return {}
        return self.seed_details(rng, faker, product_id)

    def fake_name(self, rng, faker) -> str | None:
        """A demo product's name from the section's hook (None: the
        seeder's own)."""
        return None if self.seed_name is None else self.seed_name(rng, faker)

    def facet_keys(self) -> dict[str, str]:
        """Its facets' names in the search index, by field name: the field's
        name when shared, else qualified by the section's (``books.format``)."""
        return {
            f.name: f.name if f.shared else f"{self.name}.{f.name}"
            for f in self.fields
            if f.facet
        }

    @property
    def route_name(self) -> str:
        return SECTION_ROUTE_PREFIX + self.name


def _resolve_folder(spec: str | None) -> str | None:
    if spec is None:
        return None
    if os.path.isabs(spec):
        return spec
    return AssetResolver().resolve(spec).abspath()


def add_store_section(
    config: Configurator,
    name: str,
    title: str,
    prefix: str,
    product_type: str,
    templates: str | None = None,
    fields: Sequence[SectionField] = (),
    details_model: Any = None,
    sort_rules: Mapping[str, str] | None = None,
    partitions: Mapping[str, int] | None = None,
    stylesheet: str | None = None,
    position: int = 100,
    seed_details: Callable[..., dict] | None = None,
    sample_categories: Sequence[str] = (),
    seed_name: Callable[..., str] | None = None,
) -> StoreSection:
    """Register a store section and serve its front page at ``prefix``.

    The front is whatever view is registered for the ``IStoreSection``
    context (the catalog plugin provides one); a plugin may register a more
    specific view for ``route_name="section:<name>"``.
    """
    if not prefix.startswith("/") or not prefix.endswith("/"):
        raise ValueError(f"section {name!r}: prefix must start and end with '/'")
    section = StoreSection(
        name=name,
        title=title,
        prefix=prefix,
        product_type=product_type,
        templates=_resolve_folder(templates),
        fields=tuple(fields),
        details_model=details_model,
        sort_rules=dict(sort_rules or {}),
        partitions=dict(partitions or {}),
        stylesheet=stylesheet,
        position=position,
        seed_details=seed_details,
        sample_categories=tuple(sample_categories),
        seed_name=seed_name,
    )

    def register() -> None:
        # A later commit would silently replace an earlier plugin's section.
        for other in get_sections(config.registry):
            if other.name == name or other.prefix == prefix:
                raise ConfigurationError(
                    f"section {name!r} at {prefix} clashes with section "
                    f"{other.name!r} at {other.prefix}, declared before it: each "
                    f"section needs a name and a prefix of its own"
                )
        config.registry.registerUtility(section, IStoreSection, name=name)

    config.action(("emporium.section", name), register)
    config.add_route(
        section.route_name,
        prefix,
        factory=lambda request: section,
        use_global_views=True,
    )
    return section


def get_sections(registry) -> list[StoreSection]:
    """All registered sections, in navigation order."""
    sections = [s for _, s in registry.getUtilitiesFor(IStoreSection)]
    return sorted(sections, key=lambda s: (s.position, s.name))


def get_section(registry, name: str | None) -> StoreSection | None:
    if not name:
        return None
    return registry.queryUtility(IStoreSection, name=name)


def _current_section(request) -> StoreSection | None:
    context = getattr(request, "context", None)
    if IStoreSection.providedBy(context):
        return context
    return None


def includeme(config: Configurator) -> None:
    config.add_directive("add_store_section", add_store_section)
    # Views that show a product of another section set ``request.section``.
    config.add_request_method(_current_section, "section", reify=True)
    config.add_request_method(
        lambda request: get_sections(request.registry), "sections", reify=True
    )
