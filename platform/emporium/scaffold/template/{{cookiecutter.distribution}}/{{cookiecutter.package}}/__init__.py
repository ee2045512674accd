"""The {{ cookiecutter.title }} section: its products with a maker, a format
and a year, its own pages, search facets and demo data."""

from pyramid.config import Configurator

from emporium.sections import SectionField

# The section's products live in the catalog's tables.
REQUIRES = ("catalog",)
# The Emporium versions this plugin supports: start-up refuses any other.
CORE_VERSIONS = "{{ cookiecutter.core_versions }}"

SECTION = "{{ cookiecutter.section }}"


def includeme(config: Configurator) -> None:
    from .demo import fake_details, fake_name
    from .models import FORMATS, SectionDetails

    config.add_migrations(f"{__name__}:migrations")
    config.add_static_view(
        f"static/{SECTION}", f"{__name__}:static", cache_max_age=3600
    )
    config.add_store_section(
        name=SECTION,
        title="{{ cookiecutter.title }}",
        prefix=f"/{SECTION}/",
        product_type=SECTION,
        templates=f"{__name__}:templates",
        fields=(
            SectionField("maker", "Maker", required=True),
            # A facet: counted and chosen on the search page. Named within
            # this section, so another section's "format" stays apart.
            SectionField(
                "format", "Format", kind="choice", choices=FORMATS, facet=True
            ),
            SectionField("year", "Year", kind="int", searchable=False),
        ),
        details_model=SectionDetails,
        partitions={SECTION: 3600},
        stylesheet=f"/static/{SECTION}/section.css",
        position=60,
        seed_details=fake_details,
        seed_name=fake_name,
        sample_categories=("New arrivals", "Classics", "Gifts"),
    )
    # A theme layer: templates this plugin adds to the default theme, which
    # any theme may override by name without Python.
    config.add_theme_templates("default", f"{__name__}:themes/default")
