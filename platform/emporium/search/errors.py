"""Search errors."""

from emporium.errors import EmporiumError


class SearchUnavailable(EmporiumError):
    """No index answers: none built yet, or no search server replies.

    Shown as a themed 503 page (a problem document under ``/api/``), never
    a 500: the rest of the store keeps working.
    """

    status = 503
