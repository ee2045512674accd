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


def test_an_id_carries_its_issue_time_and_expires_with_it():
    signer = SessionIdSigner([b"key"], max_age=3600)
    session_id = signer.new_id(now=1_800_000_000)
    assert session_id.startswith("t1800000000-") and len(session_id) <= 64
    cookie = signer.sign(session_id)
    assert signer.unsign(cookie, now=1_800_000_000 + 3600) == (session_id, True)
    assert signer.unsign(cookie, now=1_800_000_000 + 3601) == (None, False)
    # Not from the future either (beyond a few minutes of clock skew).
    assert signer.unsign(cookie, now=1_800_000_000 - 301) == (None, False)
    # The time is under the MAC: changing it breaks the cookie.
    forged = cookie.replace("t1800000000-", "t1800003000-")
    assert signer.unsign(forged, now=1_800_003_000) == (None, False)
    # An id without a time (an older cookie) is left to its session row.
    assert signer.unsign(signer.sign("x" * 43), now=0) == ("x" * 43, True)
