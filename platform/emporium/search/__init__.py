"""Search: conditions in, sorted product ids out (DESIGN.md section 6).

The index runs in-process by default; with ``emporium.search.servers`` set,
queries go to ``emporium search-server`` replicas instead.
"""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    from emporium.search import indexing
    from emporium.search.interfaces import ISearch, ISearchIndexer
    from emporium.search.services import make_search

    search = make_search(config.registry)
    config.registry.registerUtility(search, ISearch)
    indexer = indexing.BackgroundIndexer(search.update)
    config.registry.registerUtility(indexer, ISearchIndexer)
    indexing.listen(config.registry["dbsession_factory"], config.registry)
    config.add_health_check("search", _health)
    config.include("emporium.search.views")
    openapi = getattr(config, "add_openapi_fragment", None)
    if openapi is not None:
        openapi("emporium.search:openapi.yaml")


def _health(request) -> dict:
    from emporium.search.interfaces import ISearch

    # Reported, never failing: every app server shares the search servers, so
    # taking app servers out of rotation for them would take the store down.
    status = request.registry.getUtility(ISearch).health()
    return {"ok": True, "available": status.pop("ok"), **status}
