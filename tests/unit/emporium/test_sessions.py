from __future__ import annotations

import pytest

from emporium.sessions.csrf import InvalidSession
from emporium.sessions.signing import SessionIdSigner


def test_a_view_without_a_session_reads_nothing_and_writes_nothing():
    session = InvalidSession()
    assert dict(session) == {} and session.get("user_id") is None
    for write in (
        lambda: session.__setitem__("a", 1),
        session.ensure_id,
        session.get_csrf_token,
        lambda: session.flash("hi"),
    ):
        with pytest.raises(RuntimeError, match="uses_session"):
            write()


def test_signing_round_trip_and_rotation():
    old = SessionIdSigner([b"old"])
    both = SessionIdSigner([b"new", b"old"])
    session_id = both.new_id()
    assert both.unsign(both.sign(session_id)) == (session_id, True)
    assert both.unsign(old.sign(session_id)) == (session_id, False)
    assert SessionIdSigner([b"new"]).unsign(old.sign(session_id)) == (None, False)
    assert both.unsign(None) == (None, False)
    assert both.unsign("x" * 500) == (None, False)
