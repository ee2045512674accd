"""The content plugin's service, as other code finds it."""

from zope.interface import Interface


class IContentPages(Interface):
    """Editorial pages as shoppers (or a preview) see them."""

    def page(slug, now, preview=None):
        """Return ``(record, changes_at)``: the page at ``slug`` open at
        ``now`` (epoch seconds) or ``None``, and the next moment its
        window opens or closes. Only published pages, from the object
        cache; with ``preview``, drafts too, from the database."""
